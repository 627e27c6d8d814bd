package ethtool_test

import (
	"fmt"
	"testing"

	"github.com/nlgo/netlink"
	"github.com/nlgo/netlink/family"
	"github.com/nlgo/netlink/family/ethtool"
	"github.com/nlgo/netlink/family/internal/nstest"
	"github.com/nlgo/netlink/family/rtlink"
	"github.com/nlgo/netlink/internal/testenv"
)

// TestIntegrationFeaturesGet reads a veth's features from the host's
// kernel, in a namespace of its own, with bit names.
func TestIntegrationFeaturesGet(t *testing.T) {
	ns := nstest.New(t)
	rt, err := rtlink.Dial(ns.Config())
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Close()
	err = rt.WithFlags(netlink.Create | netlink.Excl).Newlink(&rtlink.LinkAttrs{Ifname: "ynl0",
		Linkinfo: family.Some(rtlink.LinkinfoAttrs{Kind: "veth"})})
	if err != nil {
		testenv.Skip(t, fmt.Sprintf("cannot create a veth pair: %v", err))
	}
	c, err := ethtool.Dial(ns.Config())
	if err != nil {
		testenv.Skip(t, fmt.Sprintf("no ethtool family: %v", err))
	}
	defer c.Close()
	f, err := c.FeaturesGet(&ethtool.Features{Header: family.Some(ethtool.Header{DevName: "ynl0"})})
	if err != nil {
		t.Fatal(err)
	}
	if f.Header.Value.DevName != "ynl0" || !f.Header.Value.DevIndex.Valid {
		t.Errorf("header %+v", f.Header.Value)
	}
	active := map[string]bool{}
	for _, b := range f.Active.Value.Bits.Value.Bit {
		active[b.Name] = true
	}
	// A veth always offers scatter-gather (NETIF_F_SG), on by default.
	if !active["tx-scatter-gather"] {
		t.Errorf("active features of a veth lack tx-scatter-gather: %v", active)
	}
	if !f.Hw.Valid || f.Hw.Value.Size.Value == 0 {
		t.Errorf("hw features: %+v", f.Hw)
	}
}
