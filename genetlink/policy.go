package genetlink

import (
	"slices"
	"strconv"
	"strings"

	"github.com/nlgo/netlink"
)

// A Policy is what the controller reports about the attribute policies of a
// family's operations (CTRL_CMD_GETPOLICY): which policy each operation
// validates its requests with, and every attribute of each policy.
type Policy struct {
	// Operations lists, in the kernel's order, the policies of each
	// operation asked about that has one.
	Operations []OperationPolicy
	// Policies holds each policy by its index: the attributes it
	// accepts, in increasing order of type. Attributes a policy rejects
	// or leaves unvalidated (NLA_REJECT, NLA_UNSPEC) are not listed.
	Policies map[uint32][]AttributePolicy
}

// Attributes returns the attributes of the policy with index idx, or nil
// when there is none (NoPolicy included).
func (p Policy) Attributes(idx int64) []AttributePolicy {
	if idx < 0 || idx > 1<<32-1 {
		return nil
	}
	return p.Policies[uint32(idx)]
}

// Attribute returns the policy of attribute typ in policy idx.
func (p Policy) Attribute(idx int64, typ uint16) (AttributePolicy, bool) {
	attrs := p.Attributes(idx)
	i, ok := slices.BinarySearchFunc(attrs, typ, func(a AttributePolicy, t uint16) int { return int(a.Type) - int(t) })
	if !ok {
		return AttributePolicy{}, false
	}
	return attrs[i], true
}

// NoPolicy is the policy index of an operation that validates no
// attributes in that mode.
const NoPolicy = -1

// An OperationPolicy names the policies of one operation
// (CTRL_ATTR_OP_POLICY).
type OperationPolicy struct {
	// Command is the operation's command. Kernels from 6.2 to at least
	// 6.18 report 0 for an operation without a do handler (6.1 reports
	// its command); Conn.Policy, which asks about one operation, puts the
	// command asked about here.
	Command uint32
	// Do and Dump are the indexes, in Policy.Policies, of the policies of
	// a request and of a dump request (CTRL_ATTR_POLICY_DO and _DUMP), or
	// NoPolicy.
	Do, Dump int64
}

// An AttributePolicy is the policy of one attribute type: its type of
// value and the limits the kernel checks (NL_POLICY_TYPE_ATTR_*). Which
// limits the kernel sent is in Has; the others are zero.
type AttributePolicy struct {
	// Type is the attribute's type, the nla_type it is sent with.
	Type uint16
	// Kind is the attribute's type of value (NL_POLICY_TYPE_ATTR_TYPE).
	Kind AttributeType
	// Has says which of the fields below the kernel reported.
	Has PolicyFields

	// MinSigned and MaxSigned bound a signed integer (HasSignedRange).
	MinSigned, MaxSigned int64
	// MinUnsigned and MaxUnsigned bound an unsigned integer
	// (HasUnsignedRange).
	MinUnsigned, MaxUnsigned uint64
	// MinLength and MaxLength bound the length of a string or a binary
	// attribute, in bytes (HasMinLength, HasMaxLength).
	MinLength, MaxLength uint32
	// Mask holds the bits an unsigned integer may have set (HasMask).
	Mask uint64
	// Bitfield32Mask holds the bits a bitfield32 may select
	// (HasBitfield32Mask).
	Bitfield32Mask uint32
	// NestedPolicy is the index of the policy of a nest's (or a nested
	// array's entries') attributes, and NestedMaxType its highest type
	// (HasNestedPolicy).
	NestedPolicy, NestedMaxType uint32

	// Unknown holds attributes of the policy that this package does not
	// know, from a newer kernel, as they were sent.
	Unknown []netlink.Attribute
}

// PolicyFields say which fields of an AttributePolicy were reported.
type PolicyFields uint16

// Fields of an AttributePolicy.
const (
	HasSignedRange    PolicyFields = 1 << iota // MinSigned and MaxSigned
	HasUnsignedRange                           // MinUnsigned and MaxUnsigned
	HasMinLength                               // MinLength
	HasMaxLength                               // MaxLength
	HasMask                                    // Mask
	HasBitfield32Mask                          // Bitfield32Mask
	HasNestedPolicy                            // NestedPolicy and NestedMaxType
)

var policyFieldNames = [...]string{"signed-range", "unsigned-range", "min-length", "max-length", "mask", "bitfield32-mask", "nested-policy"}

// String formats f as names joined by '|' ("unsigned-range|mask").
func (f PolicyFields) String() string {
	if f == 0 {
		return "0"
	}
	var names []string
	for i, n := range policyFieldNames {
		if f&(1<<i) != 0 {
			names = append(names, n)
			f &^= 1 << i
		}
	}
	if f != 0 {
		names = append(names, "0x"+strconv.FormatUint(uint64(f), 16))
	}
	return strings.Join(names, "|")
}

// An AttributeType is the type of value an attribute policy accepts
// (enum netlink_attribute_type, NL_ATTR_TYPE_*).
type AttributeType uint32

// Attribute types. A type from a newer kernel is kept as its number.
const (
	TypeInvalid     AttributeType = 0  // NL_ATTR_TYPE_INVALID
	TypeFlag        AttributeType = 1  // NL_ATTR_TYPE_FLAG
	TypeU8          AttributeType = 2  // NL_ATTR_TYPE_U8
	TypeU16         AttributeType = 3  // NL_ATTR_TYPE_U16
	TypeU32         AttributeType = 4  // NL_ATTR_TYPE_U32
	TypeU64         AttributeType = 5  // NL_ATTR_TYPE_U64
	TypeS8          AttributeType = 6  // NL_ATTR_TYPE_S8
	TypeS16         AttributeType = 7  // NL_ATTR_TYPE_S16
	TypeS32         AttributeType = 8  // NL_ATTR_TYPE_S32
	TypeS64         AttributeType = 9  // NL_ATTR_TYPE_S64
	TypeBinary      AttributeType = 10 // NL_ATTR_TYPE_BINARY
	TypeString      AttributeType = 11 // NL_ATTR_TYPE_STRING
	TypeNulString   AttributeType = 12 // NL_ATTR_TYPE_NUL_STRING
	TypeNested      AttributeType = 13 // NL_ATTR_TYPE_NESTED
	TypeNestedArray AttributeType = 14 // NL_ATTR_TYPE_NESTED_ARRAY
	TypeBitfield32  AttributeType = 15 // NL_ATTR_TYPE_BITFIELD32
	TypeSint        AttributeType = 16 // NL_ATTR_TYPE_SINT
	TypeUint        AttributeType = 17 // NL_ATTR_TYPE_UINT
)

var attributeTypeNames = [...]string{
	"invalid", "flag", "u8", "u16", "u32", "u64", "s8", "s16", "s32", "s64",
	"binary", "string", "nul-string", "nested", "nested-array", "bitfield32", "sint", "uint",
}

// String returns the type's name in lower case, as in "nul-string", or
// "type(N)" for a type this package does not know.
func (t AttributeType) String() string {
	if int(t) < len(attributeTypeNames) {
		return attributeTypeNames[t]
	}
	return "type(" + strconv.FormatUint(uint64(t), 10) + ")"
}
