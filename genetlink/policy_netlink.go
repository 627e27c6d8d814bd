package genetlink

import (
	"math"

	"github.com/nlgo/netlink"
)

// NetlinkPolicy converts policy idx of p, and the policies its nests lead
// to, into a *netlink.Policy, with which a program checks a request
// against the running kernel's own policy before sending it:
//
//	p, err := c.Policy("nlctrl", genetlink.CmdGetFamily)
//	np := p.NetlinkPolicy(p.Operations[0].Do)
//	if err := np.Validate(attrs); err != nil { ... }
//
// It returns nil for NoPolicy or an index p does not hold.
//
// What the kernel reports is lossy: validation functions, NLA_REJECT,
// strict_start_type and whether an operation validates strictly are not
// in the dump. The result therefore flags only definite violations, and
// never rejects what the kernel would accept: it is lenient (Strict
// false), every attribute may repeat, attributes the kernel did not list
// (NLA_UNSPEC, NLA_REJECT) are unknown and skipped, an exact binary
// length is checked as a minimum only, since the kernel may merely warn
// about a longer one (NLA_POLICY_EXACT_LEN_WARN), and a uint with neither
// range nor mask is checked for 4 bytes at least (KindUnspec with MinLen
// 4), since it may be an NLA_MSECS, which takes 8 bytes or more and which
// kernels from 6.7 report as a uint. Types of a newer kernel are unknown
// too. Ranges covering the whole of an integer's kind are
// left out, which changes nothing. The attributes have no names; set
// Name on the result's attributes for errors that name them.
func (p Policy) NetlinkPolicy(idx int64) *netlink.Policy {
	if p.Attributes(idx) == nil {
		return nil
	}
	c := policyConverter{src: p, done: make(map[uint32]*netlink.Policy)}
	return c.convert(uint32(idx), 0)
}

// policyConverter converts policies, each once, so that policies that
// nest one another convert into a graph of the same shape.
type policyConverter struct {
	src  Policy
	done map[uint32]*netlink.Policy
}

// convert returns policy idx converted, with at least maxType+1 entries.
func (c *policyConverter) convert(idx uint32, maxType uint32) *netlink.Policy {
	if np, ok := c.done[idx]; ok {
		return np
	}
	attrs := c.src.Policies[idx]
	n := int(maxType) + 1
	for _, a := range attrs {
		n = max(n, int(a.Type)+1)
	}
	np := &netlink.Policy{Attributes: make([]netlink.AttributePolicy, n)}
	c.done[idx] = np
	for _, a := range attrs {
		np.Attributes[a.Type] = c.attribute(a)
	}
	return np
}

// kinds maps the dump's attribute types to kinds; the others are unknown.
var kinds = map[AttributeType]netlink.AttributeKind{
	TypeFlag: netlink.KindFlag, TypeU8: netlink.KindU8, TypeU16: netlink.KindU16, TypeU32: netlink.KindU32,
	TypeU64: netlink.KindU64, TypeS8: netlink.KindS8, TypeS16: netlink.KindS16, TypeS32: netlink.KindS32,
	TypeS64: netlink.KindS64, TypeBinary: netlink.KindBinary, TypeString: netlink.KindString,
	TypeNulString: netlink.KindNulString, TypeNested: netlink.KindNested, TypeNestedArray: netlink.KindNestedArray,
	TypeBitfield32: netlink.KindBitfield32, TypeSint: netlink.KindSint, TypeUint: netlink.KindUint,
}

// attribute converts one attribute's policy.
func (c *policyConverter) attribute(a AttributePolicy) netlink.AttributePolicy {
	kind, ok := kinds[a.Kind]
	if !ok {
		return netlink.AttributePolicy{}
	}
	out := netlink.AttributePolicy{Kind: kind}
	switch kind {
	case netlink.KindBinary:
		if a.Has&HasMinLength != 0 {
			out.MinLen = int(a.MinLength)
		}
		if a.Has&HasMaxLength != 0 && (a.Has&HasMinLength == 0 || a.MinLength != a.MaxLength) {
			out.MaxLen = int(a.MaxLength)
		}
	case netlink.KindString, netlink.KindNulString:
		if a.Has&HasMaxLength != 0 {
			out.MaxLen = int(a.MaxLength)
		}
	case netlink.KindBitfield32:
		if a.Has&HasBitfield32Mask != 0 {
			out.Mask = uint64(a.Bitfield32Mask)
		}
	case netlink.KindNested, netlink.KindNestedArray:
		if a.Has&HasNestedPolicy != 0 {
			out.Nested = c.convert(a.NestedPolicy, a.NestedMaxType)
		}
	}
	if a.Has&HasMask != 0 && kind != netlink.KindBitfield32 && a.Mask != math.MaxUint64 {
		out.Mask = a.Mask
	}
	if a.Has&HasUnsignedRange != 0 && (a.MinUnsigned != 0 || a.MaxUnsigned < unsignedMax(kind)) {
		out.Unsigned = &netlink.UnsignedRange{Min: a.MinUnsigned, Max: a.MaxUnsigned}
	}
	if a.Has&HasSignedRange != 0 {
		lo, hi := signedBounds(kind)
		if a.MinSigned > lo || a.MaxSigned < hi {
			out.Signed = &netlink.SignedRange{Min: a.MinSigned, Max: a.MaxSigned}
		}
	}
	if kind == netlink.KindUint && out.Unsigned == nil && out.Mask == 0 {
		// Kernels from 6.7 report NLA_MSECS as a uint: it takes 8 bytes
		// or more, where NLA_UINT takes 4 or 8. Without a range or a
		// mask, which NLA_MSECS cannot have, the dump does not say
		// which it is, and only fewer than 4 bytes are wrong for both.
		return netlink.AttributePolicy{MinLen: 4}
	}
	return out
}

// unsignedMax returns the greatest value of an unsigned kind.
func unsignedMax(k netlink.AttributeKind) uint64 {
	switch k {
	case netlink.KindU8:
		return math.MaxUint8
	case netlink.KindU16:
		return math.MaxUint16
	case netlink.KindU32:
		return math.MaxUint32
	}
	return math.MaxUint64
}

// signedBounds returns the least and greatest values of a signed kind.
func signedBounds(k netlink.AttributeKind) (int64, int64) {
	switch k {
	case netlink.KindS8:
		return math.MinInt8, math.MaxInt8
	case netlink.KindS16:
		return math.MinInt16, math.MaxInt16
	case netlink.KindS32:
		return math.MinInt32, math.MaxInt32
	}
	return math.MinInt64, math.MaxInt64
}
