package rtlink_test

import (
	"fmt"

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
