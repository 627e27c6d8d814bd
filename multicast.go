package netlink

import "math/bits"

// Multicast groups are numbered from 1. The legacy bind mask
// (sockaddr_nl.nl_groups, Config.Groups) has one bit per group for groups
// 1..32 only, bit n-1 for group n: group 3 is mask 1<<2 = 4, not 3.
// JoinGroup works for every group the family has, above 32 included.

// GroupMask returns the legacy bind-mask bit of group g, or 0 when g is 0 or
// above 32 and so has no bit.
func GroupMask(g uint32) uint32 {
	if g == 0 || g > 32 {
		return 0
	}
	return 1 << (g - 1)
}

// MaskGroups returns the group numbers whose bits are set in a legacy bind
// mask, in increasing order.
func MaskGroups(mask uint32) []uint32 {
	groups := make([]uint32, 0, bits.OnesCount32(mask))
	for mask != 0 {
		b := uint32(bits.TrailingZeros32(mask))
		groups = append(groups, b+1)
		mask &^= 1 << b
	}
	return groups
}

// JoinGroup subscribes to multicast group g (NETLINK_ADD_MEMBERSHIP). Any
// group id works, above 32 included; for those it also turns on
// NETLINK_PKTINFO so that Source.Group reports them. Families without
// NL_CFG_F_NONROOT_RECV need CAP_NET_ADMIN (else EPERM); an unknown group
// fails with EINVAL.
func (c *Conn) JoinGroup(g uint32) error {
	if err := c.s.JoinGroup(g); err != nil {
		return c.opError("join group", err)
	}
	if g > 32 {
		if err := c.s.SetOption(PacketInfo, true); err != nil {
			return c.opError("join group", err)
		}
	}
	return nil
}

// LeaveGroup unsubscribes from multicast group g
// (NETLINK_DROP_MEMBERSHIP).
func (c *Conn) LeaveGroup(g uint32) error {
	if err := c.s.LeaveGroup(g); err != nil {
		return c.opError("leave group", err)
	}
	return nil
}

// Groups lists the groups the socket is subscribed to, by either method,
// in increasing order (NETLINK_LIST_MEMBERSHIPS).
func (c *Conn) Groups() ([]uint32, error) {
	gs, err := c.s.Groups()
	if err != nil {
		return nil, c.opError("list groups", err)
	}
	return gs, nil
}

// membershipGroups turns the NETLINK_LIST_MEMBERSHIPS bitmap, one uint32
// word per 32 groups, into group numbers.
func membershipGroups(words []uint32) []uint32 {
	var groups []uint32
	for i, w := range words {
		for w != 0 {
			b := uint32(bits.TrailingZeros32(w))
			groups = append(groups, uint32(i)*32+b+1)
			w &^= 1 << b
		}
	}
	return groups
}
