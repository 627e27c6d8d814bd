// Package genetlink speaks generic netlink (NETLINK_GENERIC), the netlink
// protocol most kernel interfaces use today: wireguard, nl80211, ethtool,
// devlink, netdev, mptcp_pm, taskstats, and the families of your own
// modules. It is built on package netlink's Conn.
//
// # Families, groups and operations
//
// A family is named, and the kernel gives it an id when it registers; the
// controller family nlctrl, whose id is fixed (ControllerID), tells one
// from the other. Conn.GetFamily resolves a name into a Family: its id,
// version, header size, operations with their flags, and multicast groups
// with their ids. Conn.ListFamilies lists them all. Conn.Execute then sends
// a Message (a genlmsghdr, then attributes) to the family's id:
//
//	c, err := genetlink.Dial(nil)
//	f, err := c.GetFamily("ethtool")
//	replies, err := c.Execute(genetlink.Message{
//		Header: genetlink.Header{Command: cmd, Version: f.Version},
//		Data:   attrs,
//	}, f.ID, netlink.Dump)
//
// Conn.JoinGroup subscribes to a family's multicast group by name.
//
// # The family cache
//
// Ids change when a module is reloaded. A Conn from Dial keeps the
// families it resolved, and a socket of its own in nlctrl's "notify" group
// tells it when a family, or a group of one, comes or goes: the cache
// forgets that family at once. A family the kernel reports unknown to
// Execute (ENOENT) is forgotten too. Looking up a cached family makes no
// system call.
//
// # Policies
//
// Conn.Policy asks the controller how a family's operation validates its
// attributes (CTRL_CMD_GETPOLICY, Linux 5.10 and later): for each
// attribute, its type and the ranges, lengths and masks the kernel checks,
// and for nests the policy of their contents. Policy.NetlinkPolicy turns
// one into a *netlink.Policy, to check a request against the running
// kernel's own policy before sending it; since the kernel's report is
// lossy, that check flags only definite violations. AttributePolicy is
// netlink.KernelPolicy, which netlink decodes from the extended ack of a
// rejected attribute too.
//
// # Errors
//
// When the kernel rejects a request and its extended ack points at an
// attribute, or names one missing, Execute and ExecuteEach locate it in
// the request (netlink.OpError.Locate, after the genlmsghdr and the
// family's header): the error's Path and Missing hold the attribute
// paths, with numbers, or names for the controller's attributes, and its
// message prints them. A caller with a named netlink.Policy for the family
// calls Locate again with it, and 4 plus the family's HeaderSize.
//
// # Compared with github.com/mdlayher/genetlink
//
// Dial, NewConn, GetFamily, ListFamilies, Execute, Send, Receive, Message,
// Header, Family and MulticastGroup have that package's names and shapes,
// so its users port by changing import paths and these edits: JoinGroup
// and LeaveGroup take a family and a group name (JoinGroupID and
// LeaveGroupID take an id), SetOption takes a netlink.Option, SetBPF a
// []netlink.BPFInstruction, and flags need not include netlink.Request,
// which every request gets.
//
// # Testing
//
// Package nltest fakes the controller: nltest.Generic registers families
// with their operations, groups, policies and command handlers, answers
// CTRL_CMD_GETFAMILY and CTRL_CMD_GETPOLICY as the kernel does, and
// announces families on "notify".
package genetlink
