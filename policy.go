package netlink

import (
	"strconv"
	"strings"
	"sync/atomic"
)

// A Policy declares the attributes a buffer may hold, as a kernel
// attribute policy (struct nla_policy[]) does: for each type, its kind of
// value and the lengths, values and nested attributes it accepts.
// Validate checks a buffer against it, without allocating, and reports the
// first violation as a *PolicyError naming the attribute's path
// ("IFLA_LINKINFO.IFLA_INFO_DATA.VETH_INFO_PEER").
//
// Validation follows the kernel's nla_validate (lib/nlattr.c) rule for
// rule, so a request that passes a policy equal to the kernel's is one the
// kernel's policy accepts, and a violation is reported with the errno the
// kernel would answer. Strict selects the kernel's strict validation
// (NL_VALIDATE_STRICT, what generic netlink operations use unless flagged
// GENL_DONT_VALIDATE_STRICT); a lenient Policy is the kernel's liberal
// validation (NL_VALIDATE_LIBERAL).
//
// A Policy may refer to itself through Nested, or form cycles: nesting is
// bounded by MaxNestingDepth. A Policy must not be changed once it has
// been used: the first Validate keeps a summary of its Attributes for the
// fast path, and later changes are not seen. Pass it by pointer (go vet
// reports copies), and compare Policies with cmpopts.IgnoreUnexported. Any
// number of goroutines may validate with it at once.
type Policy struct {
	// Attributes holds the policy of each attribute type, indexed by the
	// type: Attributes[t] is the policy of type t. A type beyond the end
	// of the slice, type 0 and an entry of KindUnspec are unknown
	// attributes. A keyed slice literal declares a policy the way C does:
	//
	//	netlink.Policy{Attributes: []netlink.AttributePolicy{
	//		unix.IFLA_IFNAME: {Name: "IFLA_IFNAME", Kind: netlink.KindNulString, MaxLen: 15},
	//		unix.IFLA_MTU:    {Name: "IFLA_MTU", Kind: netlink.KindU32},
	//	}}
	Attributes []AttributePolicy

	// Strict makes validation strict, as the kernel's NL_VALIDATE_STRICT:
	// an unknown attribute is an error; an integer, or a flag, whose
	// payload is longer than its kind's size is an error; NLA_F_NESTED
	// (AttributeNested) must be set on nested attributes and only on them;
	// and bytes left over after the last attribute, too few for an
	// attribute or with a malformed header, are an error.
	//
	// A lenient Policy (Strict false) skips unknown attributes, accepts
	// longer integers (checking their leading bytes), ignores the nested
	// flag, and stops at the first malformed header without error, as the
	// kernel does. Types KindUnspec with a MinLen are checked for it.
	//
	// The Strict of the Policy that Validate is called on applies to the
	// nested policies too, as the kernel passes its validation mode down.
	Strict bool

	fast atomic.Pointer[[]fastCheck] // Attributes summarised for walk, made on first use
}

// An AttributePolicy is the policy of one attribute type. The zero value
// is an unknown attribute (KindUnspec).
type AttributePolicy struct {
	// Name names the attribute in errors, "IFLA_MTU" say; empty, errors
	// name it by its number.
	Name string

	// MinLen is the least length of the payload, in bytes, for
	// KindBinary and KindUnspec (NLA_POLICY_MIN_LEN).
	MinLen int

	// MaxLen is the greatest length of a KindBinary payload in bytes, or
	// of a KindString or KindNulString not counting one terminating NUL
	// (the .len of struct nla_policy); 0 means no limit.
	MaxLen int

	// Unsigned, when not nil, bounds the value of an unsigned integer
	// (KindU8 to KindU64, KindUint), inclusive.
	Unsigned *UnsignedRange

	// Signed, when not nil, bounds the value of a signed integer (KindS8
	// to KindS64, KindSint), inclusive.
	Signed *SignedRange

	// Mask, when not 0, holds the bits an unsigned integer may have set
	// (NLA_POLICY_MASK), or the bits a KindBitfield32 may select and set
	// (NLA_POLICY_BITFIELD32).
	Mask uint64

	// Nested is the policy of a KindNested attribute's contents, or of
	// the contents of each entry of a KindNestedArray; nil leaves them
	// unchecked.
	Nested *Policy

	// Kind is the attribute's kind of value.
	Kind AttributeKind

	// NetByteOrder says that an integer's payload is big-endian (the
	// kernel's NLA_BE16 and NLA_BE32); otherwise it is in native byte
	// order. As in the kernel, the AttributeNetByteOrder flag of the
	// attribute itself is not consulted.
	NetByteOrder bool

	// Once makes a repeated attribute an error: it may appear at most
	// once in its buffer. The kernel accepts repeats (the last one wins),
	// so policies built from the kernel's leave Once unset; a policy for
	// decoding replies can set it where a repeat would be a bug.
	Once bool
}

// An UnsignedRange bounds an unsigned integer, inclusive.
type UnsignedRange struct{ Min, Max uint64 }

// A SignedRange bounds a signed integer, inclusive.
type SignedRange struct{ Min, Max int64 }

// An AttributeKind is the kind of value an attribute holds (the NLA_*
// types of struct nla_policy).
type AttributeKind uint8

// Attribute kinds.
const (
	KindUnspec      AttributeKind = iota // NLA_UNSPEC: unknown, or any payload of at least MinLen bytes
	KindU8                               // NLA_U8
	KindU16                              // NLA_U16, NLA_BE16
	KindU32                              // NLA_U32, NLA_BE32
	KindU64                              // NLA_U64, NLA_MSECS
	KindS8                               // NLA_S8
	KindS16                              // NLA_S16
	KindS32                              // NLA_S32
	KindS64                              // NLA_S64
	KindUint                             // NLA_UINT: 4 or 8 bytes
	KindSint                             // NLA_SINT: 4 or 8 bytes
	KindString                           // NLA_STRING: at least 1 byte, NUL optional
	KindNulString                        // NLA_NUL_STRING: NUL-terminated
	KindBinary                           // NLA_BINARY
	KindFlag                             // NLA_FLAG: empty
	KindNested                           // NLA_NESTED
	KindNestedArray                      // NLA_NESTED_ARRAY
	KindBitfield32                       // NLA_BITFIELD32
	KindReject                           // NLA_REJECT: always an error
)

var kindNames = [...]string{
	"unspec", "u8", "u16", "u32", "u64", "s8", "s16", "s32", "s64", "uint", "sint",
	"string", "nul-string", "binary", "flag", "nested", "nested-array", "bitfield32", "reject",
}

// String returns the kind's name in lower case, as in "nul-string", or
// "kind(N)" for a number that is no kind.
func (k AttributeKind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "kind(" + strconv.Itoa(int(k)) + ")"
}

// size returns the payload size of a fixed-size integer kind, or 0.
func (k AttributeKind) size() int {
	switch k {
	case KindU8, KindS8:
		return 1
	case KindU16, KindS16:
		return 2
	case KindU32, KindS32:
		return 4
	case KindU64, KindS64:
		return 8
	}
	return 0
}

// signed reports whether k is a signed integer kind.
func (k AttributeKind) signed() bool {
	return k >= KindS8 && k <= KindS64 || k == KindSint
}

// String describes the policy in one line, as "u32 in 1..10" or
// "nul-string of at most 15 bytes", for error messages.
func (a AttributePolicy) String() string {
	var b strings.Builder
	b.WriteString(a.Kind.String())
	if a.NetByteOrder {
		b.WriteString(" big-endian")
	}
	if r := a.Unsigned; r != nil {
		b.WriteString(" in " + strconv.FormatUint(r.Min, 10) + ".." + strconv.FormatUint(r.Max, 10))
	}
	if r := a.Signed; r != nil {
		b.WriteString(" in " + strconv.FormatInt(r.Min, 10) + ".." + strconv.FormatInt(r.Max, 10))
	}
	if a.Mask != 0 {
		b.WriteString(" with mask 0x" + strconv.FormatUint(a.Mask, 16))
	}
	switch {
	case a.MinLen > 0 && a.MaxLen > 0 && a.MinLen == a.MaxLen:
		b.WriteString(" of " + strconv.Itoa(a.MinLen) + " " + bytesWord(a.MinLen))
	case a.MinLen > 0 && a.MaxLen > 0:
		b.WriteString(" of " + strconv.Itoa(a.MinLen) + " to " + strconv.Itoa(a.MaxLen) + " bytes")
	case a.MinLen > 0:
		b.WriteString(" of at least " + strconv.Itoa(a.MinLen) + " " + bytesWord(a.MinLen))
	case a.MaxLen > 0:
		b.WriteString(" of at most " + strconv.Itoa(a.MaxLen) + " " + bytesWord(a.MaxLen))
	}
	if a.Nested != nil {
		b.WriteString(" with a nested policy")
	}
	return b.String()
}

// name returns the name of type t in p, or "".
func (p *Policy) name(t uint16) string {
	if p == nil || int(t) >= len(p.Attributes) {
		return ""
	}
	return p.Attributes[t].Name
}

// An AttributePath locates an attribute in a buffer: the types of the
// nests it lies in, outermost first, then its own, each with its name
// when a policy gave one.
type AttributePath []PathElement

// A PathElement is one step of an AttributePath.
type PathElement struct {
	// Type is the attribute's type, without flag bits.
	Type uint16
	// Name is its name from a policy, or "".
	Name string
}

// String joins the path's names with dots, as
// "IFLA_LINKINFO.IFLA_INFO_DATA.VETH_INFO_PEER"; a type without a name
// appears as its number, and a path with any such type is prefixed
// "attribute ", as "attribute IFLA_LINKINFO.2.1".
func (p AttributePath) String() string {
	var b strings.Builder
	for _, e := range p {
		if e.Name == "" {
			b.WriteString("attribute ")
			break
		}
	}
	p.writeNames(&b)
	return b.String()
}

// writeNames writes the path's names joined with dots, a type without a
// name as its number.
func (p AttributePath) writeNames(b *strings.Builder) {
	for i, e := range p {
		if i > 0 {
			b.WriteByte('.')
		}
		if e.Name != "" {
			b.WriteString(e.Name)
		} else {
			b.WriteString(strconv.Itoa(int(e.Type)))
		}
	}
}
