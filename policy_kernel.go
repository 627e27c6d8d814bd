package netlink

import (
	"math"
	"strconv"
	"strings"
)

// A KernelPolicy is the policy of one attribute as the kernel describes it
// to user space (netlink_policy_dump_write_attr, the NL_POLICY_TYPE_ATTR_*
// attributes): in the replies to generic netlink's CTRL_CMD_GETPOLICY
// (package genetlink calls it genetlink.AttributePolicy) and in the
// NLMSGERR_ATTR_POLICY of an extended acknowledgement, which describes the
// attribute the kernel rejected. Which limits the kernel sent is in Has;
// the others are zero. ParseKernelPolicy decodes one, and AttributePolicy
// turns it into the AttributePolicy that Policy.Validate checks with.
type KernelPolicy struct {
	// Type is the attribute's type, the nla_type it is sent with, where
	// the context says it: a CTRL_CMD_GETPOLICY reply does, by the type
	// of the nest that holds the policy. ParseKernelPolicy leaves it 0.
	Type uint16
	// Kind is the attribute's type of value (NL_POLICY_TYPE_ATTR_TYPE,
	// an NL_ATTR_TYPE_* value); 0 (NL_ATTR_TYPE_INVALID) when the kernel
	// sent none.
	Kind KernelAttributeType
	// Has says which of the fields below the kernel reported.
	Has KernelPolicyFields

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
	// array's entries') attributes in the dump it came in, and
	// NestedMaxType its highest type (HasNestedPolicy). An extended ack
	// describes one attribute, not a dump, and never has them.
	NestedPolicy, NestedMaxType uint32

	// Unknown holds the attributes of the policy that this package does
	// not know, from a newer kernel, as they were sent.
	Unknown []Attribute
}

// KernelPolicyFields say which fields of a KernelPolicy were reported.
type KernelPolicyFields uint16

// Fields of a KernelPolicy.
const (
	HasSignedRange    KernelPolicyFields = 1 << iota // MinSigned and MaxSigned
	HasUnsignedRange                                 // MinUnsigned and MaxUnsigned
	HasMinLength                                     // MinLength
	HasMaxLength                                     // MaxLength
	HasMask                                          // Mask
	HasBitfield32Mask                                // Bitfield32Mask
	HasNestedPolicy                                  // NestedPolicy and NestedMaxType
)

var policyFieldNames = [...]string{"signed-range", "unsigned-range", "min-length", "max-length", "mask", "bitfield32-mask", "nested-policy"}

// String formats f as names joined by '|' ("unsigned-range|mask").
func (f KernelPolicyFields) String() string {
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

// A KernelAttributeType is the type of value an attribute policy accepts,
// as the kernel reports it (enum netlink_attribute_type, NL_ATTR_TYPE_*).
// Package genetlink names the values (genetlink.TypeU32, ...); a type of
// a newer kernel is kept as its number.
type KernelAttributeType uint32

var kernelTypeNames = [...]string{
	"invalid", "flag", "u8", "u16", "u32", "u64", "s8", "s16", "s32", "s64",
	"binary", "string", "nul-string", "nested", "nested-array", "bitfield32", "sint", "uint",
}

// String returns the type's name in lower case, as in "nul-string", or
// "type(N)" for a type this package does not know.
func (t KernelAttributeType) String() string {
	if int(t) < len(kernelTypeNames) {
		return kernelTypeNames[t]
	}
	return "type(" + strconv.FormatUint(uint64(t), 10) + ")"
}

// kernelKinds maps the NL_ATTR_TYPE_* values to kinds; 0 and the types
// of a newer kernel are KindUnspec.
var kernelKinds = [...]AttributeKind{
	1: KindFlag, 2: KindU8, 3: KindU16, 4: KindU32, 5: KindU64, 6: KindS8, 7: KindS16, 8: KindS32,
	9: KindS64, 10: KindBinary, 11: KindString, 12: KindNulString, 13: KindNested,
	14: KindNestedArray, 15: KindBitfield32, 16: KindSint, 17: KindUint,
}

// The attributes of a policy description (NL_POLICY_TYPE_ATTR_*).
const (
	policyAttrType           = 1  // NL_POLICY_TYPE_ATTR_TYPE: u32
	policyAttrMinValueS      = 2  // NL_POLICY_TYPE_ATTR_MIN_VALUE_S: s64
	policyAttrMaxValueS      = 3  // NL_POLICY_TYPE_ATTR_MAX_VALUE_S: s64
	policyAttrMinValueU      = 4  // NL_POLICY_TYPE_ATTR_MIN_VALUE_U: u64
	policyAttrMaxValueU      = 5  // NL_POLICY_TYPE_ATTR_MAX_VALUE_U: u64
	policyAttrMinLength      = 6  // NL_POLICY_TYPE_ATTR_MIN_LENGTH: u32
	policyAttrMaxLength      = 7  // NL_POLICY_TYPE_ATTR_MAX_LENGTH: u32
	policyAttrPolicyIdx      = 8  // NL_POLICY_TYPE_ATTR_POLICY_IDX: u32
	policyAttrPolicyMaxType  = 9  // NL_POLICY_TYPE_ATTR_POLICY_MAXTYPE: u32
	policyAttrBitfield32Mask = 10 // NL_POLICY_TYPE_ATTR_BITFIELD32_MASK: u32
	policyAttrPad            = 11 // NL_POLICY_TYPE_ATTR_PAD
	policyAttrMask           = 12 // NL_POLICY_TYPE_ATTR_MASK: u64
)

// ParseKernelPolicy decodes b, the contents of a nest of
// NL_POLICY_TYPE_ATTR_* attributes that describes one attribute's policy:
// the payload of an NLMSGERR_ATTR_POLICY, or of one attribute's nest in a
// CTRL_CMD_GETPOLICY reply. Attributes it does not know are kept in
// Unknown, as copies. A malformed attribute, or one of the wrong size, is
// a *ParseError whose Offset counts from the start of b. Type is left 0.
func ParseKernelPolicy(b []byte) (KernelPolicy, error) {
	var p KernelPolicy
	var d AttributeDecoder
	d.Reset(b)
	for d.Next() {
		switch d.Type() {
		case policyAttrType:
			p.Kind = KernelAttributeType(d.Uint32())
		case policyAttrMinValueS:
			p.MinSigned, p.Has = d.Int64(), p.Has|HasSignedRange
		case policyAttrMaxValueS:
			p.MaxSigned, p.Has = d.Int64(), p.Has|HasSignedRange
		case policyAttrMinValueU:
			p.MinUnsigned, p.Has = d.Uint64(), p.Has|HasUnsignedRange
		case policyAttrMaxValueU:
			p.MaxUnsigned, p.Has = d.Uint64(), p.Has|HasUnsignedRange
		case policyAttrMinLength:
			p.MinLength, p.Has = d.Uint32(), p.Has|HasMinLength
		case policyAttrMaxLength:
			p.MaxLength, p.Has = d.Uint32(), p.Has|HasMaxLength
		case policyAttrPolicyIdx:
			p.NestedPolicy, p.Has = d.Uint32(), p.Has|HasNestedPolicy
		case policyAttrPolicyMaxType:
			p.NestedMaxType, p.Has = d.Uint32(), p.Has|HasNestedPolicy
		case policyAttrBitfield32Mask:
			p.Bitfield32Mask, p.Has = d.Uint32(), p.Has|HasBitfield32Mask
		case policyAttrMask:
			p.Mask, p.Has = d.Uint64(), p.Has|HasMask
		case policyAttrPad:
		default:
			p.Unknown = append(p.Unknown, Attribute{Type: d.Type() | d.TypeFlags(), Data: d.Bytes()})
		}
	}
	if err := d.Err(); err != nil {
		return KernelPolicy{}, err
	}
	return p, nil
}

// AttributePolicy converts p into the policy Validate checks with, as
// exactly as the two forms allow: the kind (KindUnspec for a type this
// package does not know), the lengths (MaxLen only, for strings), the
// ranges and the masks. A range that covers the whole of its kind is
// left out, which changes nothing. Nested is nil: p names its nested
// policy by an index into a dump, which genetlink.Policy.NetlinkPolicy
// resolves. Name is empty.
func (p KernelPolicy) AttributePolicy() AttributePolicy {
	var kind AttributeKind
	if int(p.Kind) < len(kernelKinds) {
		kind = kernelKinds[p.Kind]
	}
	if kind == KindUnspec {
		return AttributePolicy{}
	}
	a := AttributePolicy{Kind: kind}
	switch kind {
	case KindBinary:
		if p.Has&HasMinLength != 0 {
			a.MinLen = int(p.MinLength)
		}
		if p.Has&HasMaxLength != 0 {
			a.MaxLen = int(p.MaxLength)
		}
	case KindString, KindNulString:
		if p.Has&HasMaxLength != 0 {
			a.MaxLen = int(p.MaxLength)
		}
	case KindBitfield32:
		if p.Has&HasBitfield32Mask != 0 {
			a.Mask = uint64(p.Bitfield32Mask)
		}
	}
	if p.Has&HasMask != 0 && kind != KindBitfield32 && p.Mask != math.MaxUint64 {
		a.Mask = p.Mask
	}
	if p.Has&HasUnsignedRange != 0 && (p.MinUnsigned != 0 || p.MaxUnsigned < unsignedMax(kind)) {
		a.Unsigned = &UnsignedRange{Min: p.MinUnsigned, Max: p.MaxUnsigned}
	}
	if p.Has&HasSignedRange != 0 {
		lo, hi := signedBounds(kind)
		if p.MinSigned > lo || p.MaxSigned < hi {
			a.Signed = &SignedRange{Min: p.MinSigned, Max: p.MaxSigned}
		}
	}
	return a
}

// unsignedMax returns the greatest value of an unsigned kind.
func unsignedMax(k AttributeKind) uint64 {
	switch k {
	case KindU8:
		return math.MaxUint8
	case KindU16:
		return math.MaxUint16
	case KindU32:
		return math.MaxUint32
	}
	return math.MaxUint64
}

// signedBounds returns the least and greatest values of a signed kind.
func signedBounds(k AttributeKind) (int64, int64) {
	switch k {
	case KindS8:
		return math.MinInt8, math.MaxInt8
	case KindS16:
		return math.MinInt16, math.MaxInt16
	case KindS32:
		return math.MinInt32, math.MaxInt32
	}
	return math.MinInt64, math.MaxInt64
}
