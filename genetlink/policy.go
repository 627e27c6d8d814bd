package genetlink

import (
	"slices"

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
// limits the kernel sent is in Has; the others are zero. It is the type
// that package netlink decodes (netlink.ParseKernelPolicy), also from the
// extended acknowledgement of a rejected attribute.
type AttributePolicy = netlink.KernelPolicy

// PolicyFields say which fields of an AttributePolicy were reported.
type PolicyFields = netlink.KernelPolicyFields

// Fields of an AttributePolicy.
const (
	HasSignedRange    = netlink.HasSignedRange    // MinSigned and MaxSigned
	HasUnsignedRange  = netlink.HasUnsignedRange  // MinUnsigned and MaxUnsigned
	HasMinLength      = netlink.HasMinLength      // MinLength
	HasMaxLength      = netlink.HasMaxLength      // MaxLength
	HasMask           = netlink.HasMask           // Mask
	HasBitfield32Mask = netlink.HasBitfield32Mask // Bitfield32Mask
	HasNestedPolicy   = netlink.HasNestedPolicy   // NestedPolicy and NestedMaxType
)

// An AttributeType is the type of value an attribute policy accepts
// (enum netlink_attribute_type, NL_ATTR_TYPE_*).
type AttributeType = netlink.KernelAttributeType

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
