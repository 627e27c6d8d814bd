package ethtool_test

import (
	"fmt"

	"github.com/nlgo/netlink/family"
	"github.com/nlgo/netlink/family/ethtool"
	"github.com/nlgo/netlink/genetlink"
	"github.com/nlgo/netlink/nltest"
)

// Ask a device for its features, typed: here from a fake generic netlink
// family on nltest's fake kernel; on Linux, ethtool.Dial(nil) resolves the
// kernel's ethtool family.
func ExampleClient_FeaturesGet() {
	f := nltest.GenericFamily{Name: ethtool.FamilyName, Version: 1,
		Operations: []nltest.GenericOperation{{Command: uint8(ethtool.CmdFeaturesGetRequest), Flags: genetlink.Do}}}
	conn := nltest.ServeFamily(f, func(r *nltest.GenericRequest) error {
		var req ethtool.Features
		if err := req.UnmarshalBinary(r.Message.Data); err != nil {
			return err
		}
		bit := ethtool.BitsetBit{Index: family.Some[uint32](0), Name: "rx-checksum", Value: true}
		rep := ethtool.Features{Header: req.Header,
			Active: family.Some(ethtool.Bitset{Bits: family.Some(ethtool.BitsetBits{Bit: []ethtool.BitsetBit{bit}})})}
		b, err := rep.AppendBinary(nil)
		if err != nil {
			return err
		}
		return r.Reply(genetlink.Message{Header: genetlink.Header{Command: uint8(ethtool.CmdFeaturesGetReply), Version: 1}, Data: b})
	})
	c, err := ethtool.NewClient(conn)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer c.Close()
	feat, err := c.FeaturesGet(&ethtool.Features{Header: family.Some(ethtool.Header{DevName: "veth0"})})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, b := range feat.Active.Value.Bits.Value.Bit {
		fmt.Println(feat.Header.Value.DevName, b.Name, b.Value)
	}
	// Output:
	// veth0 rx-checksum true
}
