package genetlink

import "github.com/nlgo/netlink"

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

// attribute converts one attribute's policy: as netlink.KernelPolicy's
// AttributePolicy does, but an exact binary length is checked as a
// minimum only, a uint without range or mask as 4 bytes at least, and a
// nest leads to its converted policy.
func (c *policyConverter) attribute(a AttributePolicy) netlink.AttributePolicy {
	out := a.AttributePolicy()
	switch out.Kind {
	case netlink.KindBinary:
		if a.Has&HasMinLength != 0 && a.Has&HasMaxLength != 0 && a.MinLength == a.MaxLength {
			out.MaxLen = 0
		}
	case netlink.KindNested, netlink.KindNestedArray:
		if a.Has&HasNestedPolicy != 0 {
			out.Nested = c.convert(a.NestedPolicy, a.NestedMaxType)
		}
	}
	if out.Kind == netlink.KindUint && out.Unsigned == nil && out.Mask == 0 {
		// Kernels from 6.7 report NLA_MSECS as a uint: it takes 8 bytes
		// or more, where NLA_UINT takes 4 or 8. Without a range or a
		// mask, which NLA_MSECS cannot have, the dump does not say
		// which it is, and only fewer than 4 bytes are wrong for both.
		return netlink.AttributePolicy{MinLen: 4}
	}
	return out
}
