package rtlink_test

import (
	"errors"
	"fmt"
	"net/netip"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/nlgo/netlink"
	"github.com/nlgo/netlink/family"
	"github.com/nlgo/netlink/family/internal/nstest"
	"github.com/nlgo/netlink/family/rtaddr"
	"github.com/nlgo/netlink/family/rtlink"
)

// vethInfoPeer is VETH_INFO_PEER (<linux/veth.h>), the veth attribute
// rt_link.yaml does not describe: its payload is an ifinfomsg and the
// peer's link attributes, an RTM_NEWLINK body.
const vethInfoPeer = 1

// vethData is the IFLA_INFO_DATA payload of a veth whose peer is called
// peer, for LinkinfoDataMsg.Raw: VETH_INFO_PEER, a nest that starts with
// an ifinfomsg (netlink's NestedWithHeader), then the peer's attributes
// as the generated LinkAttrs encodes them.
func vethData(t *testing.T, peer string) []byte {
	t.Helper()
	hdr, err := (&rtlink.Ifinfomsg{}).AppendBinary(nil)
	if err != nil {
		t.Fatal(err)
	}
	e := netlink.NewAttributeEncoder()
	e.NestedWithHeader(vethInfoPeer, hdr, func(e *netlink.AttributeEncoder) error {
		(&rtlink.LinkAttrs{Ifname: peer}).EncodeAttributes(e)
		return nil
	})
	b, err := e.Encode()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// event is a notification as the test compares it.
type event struct {
	Name   string
	Ifname string // links
	Kind   string
	Peer   string
	Local  string // addresses
	Index  int32
}

// receive reads notifications from a client's Receive until want of
// those named name have come, failing after 5 seconds, and returns those.
// Others (a link's later changes of state) are left out.
func receive(t *testing.T, recv func() ([]family.Notification, error), conn *netlink.Conn, name string, want int) []event {
	t.Helper()
	conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	defer conn.SetReadDeadline(time.Time{})
	var got []event
	for len(got) < want {
		ns, err := recv()
		if err != nil {
			t.Fatalf("Receive after %d of %d notifications %v: %v", len(got), want, got, err)
		}
		for _, n := range ns {
			if n.Name != name || len(got) == want {
				continue
			}
			switch m := n.Message.(type) {
			case *rtlink.LinkAttrs:
				e := event{Name: n.Name, Ifname: m.Ifname, Index: m.IfiIndex, Kind: m.Linkinfo.Value.Kind}
				if m.Link.Valid {
					e.Peer = fmt.Sprint(m.Link.Value)
				}
				got = append(got, e)
			case *rtaddr.AddrAttrs:
				local := m.IfaLocal
				if !local.Valid {
					local = m.IfaAddress // IPv6 addresses have IFA_ADDRESS only
				}
				got = append(got, event{Name: n.Name, Local: local.Value.String(), Index: int32(m.IfaIndex)})
			default:
				t.Errorf("notification %s of type %T", n.Name, n.Message)
			}
		}
	}
	return got
}

// TestIntegrationVethLifecycle runs the typed clients alone on the host's
// kernel, in a namespace of its own: create a veth pair (the peer named
// through LinkinfoDataMsg.Raw), add an IPv4 and an IPv6 address to it,
// delete the addresses and the pair, receiving each step's typed
// notifications (groups joined by name) and checking each with ip -json.
func TestIntegrationVethLifecycle(t *testing.T) {
	ns := nstest.New(t)
	c, err := rtlink.Dial(ns.Config())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ac, err := rtaddr.Dial(ns.Config())
	if err != nil {
		t.Fatal(err)
	}
	defer ac.Close()
	linkMon, err := rtlink.Dial(ns.Config())
	if err != nil {
		t.Fatal(err)
	}
	defer linkMon.Close()
	addrMon, err := rtaddr.Dial(ns.Config())
	if err != nil {
		t.Fatal(err)
	}
	defer addrMon.Close()
	for _, g := range []string{"rtnlgrp-link"} {
		if err := linkMon.JoinGroup(g); err != nil {
			t.Fatal(err)
		}
	}
	for _, g := range []string{"rtnlgrp-ipv4-ifaddr", "rtnlgrp-ipv6-ifaddr"} {
		if err := addrMon.JoinGroup(g); err != nil {
			t.Fatal(err)
		}
	}
	type ipLinkShort struct {
		Ifname   string `json:"ifname"`
		Link     string `json:"link"`
		Linkinfo struct {
			InfoKind string `json:"info_kind"`
		} `json:"linkinfo"`
	}
	ipLinks := func() []ipLinkShort {
		var ls []ipLinkShort
		ns.JSON(t, &ls, "-details", "link", "show")
		return ls
	}

	// Create the pair.
	req := &rtlink.LinkAttrs{Ifname: "ynla", Mtu: family.Some[uint32](1400),
		Linkinfo: family.Some(rtlink.LinkinfoAttrs{Kind: "veth",
			Data: family.Some(rtlink.LinkinfoDataMsg{Raw: vethData(t, "ynlb")})})}
	if err := c.WithFlags(netlink.Create | netlink.Excl).Newlink(req); err != nil {
		t.Fatalf("Newlink veth ynla peer ynlb: %v", err)
	}
	if err := c.WithFlags(netlink.Create | netlink.Excl).Newlink(req); !errors.Is(err, syscall.EEXIST) {
		t.Errorf("Newlink again with Excl: %v, want EEXIST", err)
	}
	got := receive(t, linkMon.Receive, linkMon.Conn(), "newlink", 2)
	a, err := c.Getlink(&rtlink.LinkAttrs{Ifname: "ynla"})
	if err != nil {
		t.Fatal(err)
	}
	b, err := c.Getlink(&rtlink.LinkAttrs{Ifname: "ynlb"})
	if err != nil {
		t.Fatal(err)
	}
	ib := fmt.Sprint(b.IfiIndex)
	if a.Link.Value != uint32(b.IfiIndex) || b.Link.Value != uint32(a.IfiIndex) {
		t.Errorf("Getlink: ynla's link %v, ynlb's %v; want each other's index %d, %d", a.Link, b.Link, b.IfiIndex, a.IfiIndex)
	}
	if diff := cmp.Diff([]event{
		// The kernel registers the peer first, when its partner has no
		// index yet: its IFLA_LINK is 0 (ip monitor's "ynlb@NONE").
		{Name: "newlink", Ifname: "ynlb", Kind: "veth", Peer: "0", Index: b.IfiIndex},
		{Name: "newlink", Ifname: "ynla", Kind: "veth", Peer: ib, Index: a.IfiIndex},
	}, got); diff != "" {
		t.Errorf("notifications of the new pair (-want +got):\n%s", diff)
	}
	if a.Mtu.Value != 1400 || b.Mtu.Value != 1500 {
		t.Errorf("mtu of ynla %v, of ynlb %v; want 1400 (asked) and 1500 (the peer's default)", a.Mtu, b.Mtu)
	}
	var wantLinks []ipLinkShort
	wantLinks = append(wantLinks, ipLinkShort{Ifname: "lo"})
	for _, l := range []struct{ name, peer string }{{"ynlb", "ynla"}, {"ynla", "ynlb"}} {
		x := ipLinkShort{Ifname: l.name, Link: l.peer}
		x.Linkinfo.InfoKind = "veth"
		wantLinks = append(wantLinks, x)
	}
	if diff := cmp.Diff(wantLinks, ipLinks()); diff != "" {
		t.Errorf("ip -json -details link show after Newlink (-want +ip):\n%s", diff)
	}
	if err := c.Setlink(&rtlink.LinkAttrs{Ifinfomsg: rtlink.Ifinfomsg{IfiIndex: a.IfiIndex,
		IfiFlags: rtlink.IfinfoFlagsUp, IfiChange: uint32(rtlink.IfinfoFlagsUp)}}); err != nil {
		t.Fatalf("Setlink ynla up: %v", err)
	}

	// Add the addresses.
	v4, v6 := netip.MustParseAddr("192.0.2.9"), netip.MustParseAddr("2001:db8::9")
	addrs := []*rtaddr.AddrAttrs{
		{Ifaddrmsg: rtaddr.Ifaddrmsg{IfaFamily: 2, IfaPrefixlen: 24, IfaIndex: uint32(a.IfiIndex)},
			IfaLocal: family.Some(v4), IfaAddress: family.Some(v4), IfaLabel: "ynla:v4"},
		{Ifaddrmsg: rtaddr.Ifaddrmsg{IfaFamily: 10, IfaPrefixlen: 64, IfaIndex: uint32(a.IfiIndex)},
			IfaLocal: family.Some(v6), IfaFlags: family.Some(rtaddr.IfaFlagsNodad)},
	}
	for _, r := range addrs {
		if err := ac.WithFlags(netlink.Create | netlink.Excl).Newaddr(r); err != nil {
			t.Fatalf("Newaddr %v: %v", r.IfaLocal.Value, err)
		}
	}
	got = receive(t, addrMon.Receive, addrMon.Conn(), "newaddr", 2)
	if diff := cmp.Diff([]event{
		{Name: "newaddr", Local: v4.String(), Index: a.IfiIndex},
		{Name: "newaddr", Local: v6.String(), Index: a.IfiIndex},
	}, got); diff != "" {
		t.Errorf("notifications of the new addresses (-want +got):\n%s", diff)
	}
	type ipAddrShort struct {
		Family    string `json:"family"`
		Local     string `json:"local"`
		Prefixlen int    `json:"prefixlen"`
		Label     string `json:"label,omitempty"`
		Nodad     bool   `json:"nodad,omitempty"`
	}
	ipAddrs := func() []ipAddrShort {
		var ls []struct {
			AddrInfo []ipAddrShort `json:"addr_info"`
		}
		ns.JSON(t, &ls, "addr", "show", "dev", "ynla")
		if len(ls) != 1 {
			t.Fatalf("ip addr show dev ynla: %d links", len(ls))
		}
		return ls[0].AddrInfo
	}
	if diff := cmp.Diff([]ipAddrShort{
		{Family: "inet", Local: v4.String(), Prefixlen: 24, Label: "ynla:v4"},
		{Family: "inet6", Local: v6.String(), Prefixlen: 64, Nodad: true},
	}, ipAddrs()); diff != "" {
		t.Errorf("ip -json addr show dev ynla after Newaddr (-want +ip):\n%s", diff)
	}

	// Delete the addresses.
	for _, r := range addrs {
		if err := ac.Deladdr(r); err != nil {
			t.Fatalf("Deladdr %v: %v", r.IfaLocal.Value, err)
		}
	}
	got = receive(t, addrMon.Receive, addrMon.Conn(), "deladdr", 2)
	if diff := cmp.Diff([]event{
		{Name: "deladdr", Local: v4.String(), Index: a.IfiIndex},
		{Name: "deladdr", Local: v6.String(), Index: a.IfiIndex},
	}, got); diff != "" {
		t.Errorf("notifications of the deleted addresses (-want +got):\n%s", diff)
	}
	if got := ipAddrs(); len(got) != 0 {
		t.Errorf("ip -json addr show dev ynla after Deladdr: %v, want none", got)
	}

	// Delete the pair: deleting one end deletes both.
	if err := c.Dellink(&rtlink.LinkAttrs{Ifname: "ynla"}); err != nil {
		t.Fatalf("Dellink ynla: %v", err)
	}
	var dels []event
	for _, e := range receive(t, linkMon.Receive, linkMon.Conn(), "dellink", 2) {
		dels = append(dels, event{Name: e.Name, Ifname: e.Ifname, Index: e.Index})
	}
	if diff := cmp.Diff([]event{
		{Name: "dellink", Ifname: "ynla", Index: a.IfiIndex},
		{Name: "dellink", Ifname: "ynlb", Index: b.IfiIndex},
	}, dels); diff != "" {
		t.Errorf("notifications of the deleted pair (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]ipLinkShort{{Ifname: "lo"}}, ipLinks()); diff != "" {
		t.Errorf("ip -json link show after Dellink (-want +ip):\n%s", diff)
	}
}
