package rtlink_test

import (
	"errors"
	"strings"
	"syscall"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/nlgo/netlink"
	"github.com/nlgo/netlink/family"
	"github.com/nlgo/netlink/family/rtlink"
	"github.com/nlgo/netlink/nltest"
)

// fakeRoute registers a fake rtnetlink on k: getlink dumps links, newlink
// needs Create, dellink answers ENODEV.
func fakeRoute(t *testing.T, k *nltest.Kernel, links [][]byte) {
	k.RegisterFunc(rtlink.ProtocolNumber, func(req []netlink.Message) ([]netlink.Message, error) {
		m := req[0]
		switch uint16(m.Header.Type) {
		case rtlink.CmdGetlinkRequest:
			var out []netlink.Message
			for _, l := range links {
				out = append(out, netlink.Message{Header: netlink.Header{Type: netlink.HeaderType(rtlink.CmdGetlinkReply)}, Data: l})
			}
			return nltest.Multipart(out), nil
		case rtlink.CmdNewlinkRequest:
			var v rtlink.LinkAttrs
			if err := v.UnmarshalBinary(m.Data); err != nil || v.Ifname == "" {
				return nil, syscall.EINVAL
			}
			if len(v.Ifname) > 15 {
				// As the kernel's ifla_policy: ifname is the first
				// attribute, right after the ifinfomsg.
				return nil, &nltest.ExtError{Errno: syscall.EINVAL, Message: "Attribute failed policy validation",
					Offset: uint32(netlink.HeaderLen + rtlink.IfinfomsgLen)}
			}
			if m.Header.Flags&netlink.Create == 0 {
				return nil, syscall.ENODEV
			}
			return []netlink.Message{nltest.Error(nil, m)}, nil
		}
		return nil, syscall.ENODEV
	}, nltest.Groups(32))
}

func TestClientGetlinkDump(t *testing.T) {
	links := [][]byte{kernelLink(t, "eth0", 2, 1500, 10), kernelLink(t, "eth1", 3, 9000, 20)}
	k := nltest.NewKernel()
	fakeRoute(t, k, links)
	conn, err := k.Dial(rtlink.ProtocolNumber, nil)
	if err != nil {
		t.Fatal(err)
	}
	c := rtlink.NewClient(conn)
	defer c.Close()
	var got []rtlink.LinkAttrs
	for l, err := range c.GetlinkDump(nil) {
		if err != nil {
			t.Fatal(err)
		}
		var cp rtlink.LinkAttrs
		b, _ := l.AppendBinary(nil)
		if err := cp.UnmarshalBinary(b); err != nil {
			t.Fatal(err)
		}
		got = append(got, cp)
	}
	want := []rtlink.LinkAttrs{wantLink("eth0", 2, 1500, 10), wantLink("eth1", 3, 9000, 20)}
	if diff := cmp.Diff(want, got, cmpOpts); diff != "" {
		t.Errorf("GetlinkDump (-want +got):\n%s", diff)
	}

	req := &rtlink.LinkAttrs{Ifname: "veth0", Linkinfo: family.Some(rtlink.LinkinfoAttrs{Kind: "veth"})}
	if err := c.Newlink(req); err == nil {
		t.Errorf("Newlink without Create: no error")
	}
	if err := c.WithFlags(netlink.Create | netlink.Excl).Newlink(req); err != nil {
		t.Errorf("Newlink with Create: %v", err)
	}
}

func TestClientNotifications(t *testing.T) {
	k := nltest.NewKernel()
	fakeRoute(t, k, nil)
	conn, err := k.Dial(rtlink.ProtocolNumber, nil)
	if err != nil {
		t.Fatal(err)
	}
	c := rtlink.NewClient(conn)
	defer c.Close()
	if err := c.JoinGroup("rtnlgrp-link"); err != nil {
		t.Fatal(err)
	}
	if err := c.JoinGroup("rtnlgrp-nope"); err == nil {
		t.Errorf("JoinGroup of an unknown group: no error")
	}
	newMsg := kernelLink(t, "eth0", 2, 1500, 10)
	if err := k.Broadcast(rtlink.ProtocolNumber, rtlink.GroupRtnlgrpLink,
		netlink.Message{Header: netlink.Header{Type: 16}, Data: newMsg},           // RTM_NEWLINK
		netlink.Message{Header: netlink.Header{Type: 17}, Data: make([]byte, 16)}, // RTM_DELLINK
	); err != nil {
		t.Fatal(err)
	}
	var got []family.Notification
	for len(got) < 2 {
		ns, err := c.Receive()
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, ns...)
	}
	l := wantLink("eth0", 2, 1500, 10)
	want := []family.Notification{
		{Name: "newlink", Type: 16, Message: &l},
		{Name: "dellink", Type: 17, Message: &rtlink.LinkAttrs{}},
	}
	if diff := cmp.Diff(want, got, cmpOpts); diff != "" {
		t.Errorf("notifications (-want +got):\n%s", diff)
	}
}

// TestClientErrorNamesAttribute: a request the kernel rejects at an
// offset gives an error that names the attribute there as the spec does.
func TestClientErrorNamesAttribute(t *testing.T) {
	k := nltest.NewKernel()
	fakeRoute(t, k, nil)
	conn, err := k.Dial(rtlink.ProtocolNumber, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := conn.SetOption(netlink.ExtendedAcknowledge, true); err != nil {
		t.Fatal(err)
	}
	c := rtlink.NewClient(conn).WithFlags(netlink.Create)
	defer c.Close()
	err = c.Newlink(&rtlink.LinkAttrs{Ifname: "a-name-too-long-for-a-link"})
	var oe *netlink.OpError
	if !errors.As(err, &oe) || !errors.Is(err, syscall.EINVAL) {
		t.Fatalf("Newlink with a long name: %v, want an *OpError matching EINVAL", err)
	}
	want := netlink.AttributePath{{Type: rtlink.AttrLinkIfname, Name: "ifname"}}
	if diff := cmp.Diff(want, oe.Path); diff != "" {
		t.Errorf("path of the rejected attribute (-want +got):\n%s", diff)
	}
	if !strings.Contains(err.Error(), "attribute ifname (3) at offset 32") {
		t.Errorf("error %q does not name the attribute", err)
	}
}
