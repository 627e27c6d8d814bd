package rtlink_test

import (
	"fmt"
	"syscall"

	"github.com/nlgo/netlink"
	"github.com/nlgo/netlink/family"
	"github.com/nlgo/netlink/family/rtlink"
	"github.com/nlgo/netlink/nltest"
)

// Dump the links, typed: here from a fake kernel that knows two; on Linux,
// rtlink.Dial(nil) opens the real one.
func ExampleClient_GetlinkDump() {
	conn := nltest.Dial(func(req []netlink.Message) ([]netlink.Message, error) {
		var out []netlink.Message
		for i, name := range []string{"lo", "veth0"} {
			l := rtlink.LinkAttrs{Ifinfomsg: rtlink.Ifinfomsg{IfiIndex: int32(i + 1)}, Ifname: name,
				Mtu: family.Some[uint32](1500), Linkinfo: family.Some(rtlink.LinkinfoAttrs{Kind: "veth"})}
			b, _ := l.AppendBinary(nil)
			out = append(out, netlink.Message{Header: netlink.Header{Type: netlink.HeaderType(rtlink.CmdGetlinkReply)}, Data: b})
		}
		return nltest.Multipart(out), nil
	})
	c := rtlink.NewClient(conn)
	defer c.Close()
	for l, err := range c.GetlinkDump(nil) {
		if err != nil {
			fmt.Println(err)
			return
		}
		// l is reused for the next link: copy what must outlive the loop.
		fmt.Println(l.IfiIndex, l.Ifname, l.Mtu.Value, l.Linkinfo.Value.Kind)
	}
	// Output:
	// 1 lo 1500 veth
	// 2 veth0 1500 veth
}

// A request the kernel rejects fails with an error that names the
// attribute it rejected, as the spec calls it. The fake kernel here
// rejects a name longer than 15 bytes as the kernel's ifla_policy does:
// EINVAL, with the offset of IFLA_IFNAME in the request.
func ExampleClient_Newlink_error() {
	conn := nltest.Dial(func(req []netlink.Message) ([]netlink.Message, error) {
		var l rtlink.LinkAttrs
		if err := l.UnmarshalBinary(req[0].Data); err == nil && len(l.Ifname) > 15 {
			return nil, &nltest.ExtError{Errno: syscall.EINVAL, Message: "Attribute failed policy validation",
				Offset: netlink.HeaderLen + rtlink.IfinfomsgLen}
		}
		return []netlink.Message{nltest.Error(nil, req[0])}, nil
	})
	conn.SetOption(netlink.ExtendedAcknowledge, true) // rtlink.Dial does this itself
	c := rtlink.NewClient(conn).WithFlags(netlink.Create | netlink.Excl)
	defer c.Close()
	err := c.Newlink(&rtlink.LinkAttrs{Ifname: "a-name-too-long-for-a-link",
		Linkinfo: family.Some(rtlink.LinkinfoAttrs{Kind: "dummy"})})
	fmt.Println(err)
	// Output:
	// netlink: execute: invalid argument: Attribute failed policy validation: attribute ifname (3) at offset 32
}
