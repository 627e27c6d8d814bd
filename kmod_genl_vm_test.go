//go:build linux && vmtest

package netlink_test

// The Conn against the nlgo_test module's generic netlink family, which
// these tests resolve through package genetlink: the rest goes through the
// Conn, with the genlmsghdr written and read by hand. They are external
// tests because genetlink imports netlink; the helpers are kmod_vm_test.go's
// (export_kmod_vm_test.go).

import (
	"errors"
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/sys/unix"

	"github.com/nlgo/netlink"
	"github.com/nlgo/netlink/genetlink"
	"github.com/nlgo/netlink/internal/kmod"
)

// kmGenlMsg builds a generic netlink request: the genlmsghdr, then the
// attributes fn encodes.
func kmGenlMsg(t testing.TB, family uint16, flags netlink.HeaderFlags, cmd uint8, fn func(e *netlink.AttributeEncoder)) netlink.Message {
	t.Helper()
	e := netlink.NewAttributeEncoder()
	if fn != nil {
		fn(e)
	}
	attrs, err := e.Encode()
	if err != nil {
		t.Fatal(err)
	}
	b, err := genetlink.Message{Header: genetlink.Header{Command: cmd, Version: kmod.GenlVersion}, Data: attrs}.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	return netlink.Message{Header: netlink.Header{Type: netlink.HeaderType(family), Flags: netlink.Request | flags}, Data: b}
}

// kmResolveFamily resolves a generic netlink family by name, through
// genetlink on a Conn of its own, and returns its id and multicast groups
// by name.
func kmResolveFamily(t testing.TB, name string) (uint16, map[string]uint32) {
	t.Helper()
	f, err := genetlink.NewConn(netlink.KmDial(t, unix.NETLINK_GENERIC, nil)).GetFamily(name)
	if err != nil {
		t.Fatalf("GetFamily(%q): %v", name, err)
	}
	groups := make(map[string]uint32, len(f.Groups))
	for _, g := range f.Groups {
		groups[g.Name] = g.ID
	}
	return f.ID, groups
}

// TestIntegrationKmodGenl resolves the module's generic netlink family and
// its multicast groups through nlctrl, joins "events", has the module
// multicast an event there, and receives it; a listener of "alerts" gets
// nothing. The policy's range check rejects a bad group index.
func TestIntegrationKmodGenl(t *testing.T) {
	c := netlink.KmDial(t, unix.NETLINK_GENERIC, nil)
	id, groups := kmResolveFamily(t, kmod.GenlName)
	events, alerts := groups[kmod.GenlGroupEvents], groups[kmod.GenlGroupAlerts]
	if len(groups) != 2 || events == 0 || alerts == 0 || events == alerts {
		t.Fatalf("family %s (id %d): groups %v, want %q and %q", kmod.GenlName, id, groups, kmod.GenlGroupEvents, kmod.GenlGroupAlerts)
	}
	t.Logf("family %s: id %d, groups %v", kmod.GenlName, id, groups)

	ev, al := netlink.KmDial(t, unix.NETLINK_GENERIC, nil), netlink.KmDial(t, unix.NETLINK_GENERIC, nil)
	if err := ev.JoinGroup(events); err != nil {
		t.Fatal(err)
	}
	if err := al.JoinGroup(alerts); err != nil {
		t.Fatal(err)
	}
	payload := []byte{0, 1, 2, 3, 4}
	netlink.KmExec(t, c, kmGenlMsg(t, id, netlink.Acknowledge, kmod.GenlCmdNotify, func(e *netlink.AttributeEncoder) {
		e.Uint32(kmod.GenlAttrGroup, 0) // the family's group index 0: events
		e.Uint32(kmod.GenlAttrU32, 42)
		e.String(kmod.GenlAttrString, "something happened")
		e.Bytes(kmod.GenlAttrData, payload)
	}))
	msgs, src := netlink.KmRecv(t, ev)
	if len(msgs) != 1 || msgs[0].Header.Type != netlink.HeaderType(id) || len(msgs[0].Data) < genetlink.HeaderLen ||
		msgs[0].Data[0] != kmod.GenlCmdEvent {
		t.Fatalf("event: %v, want one CMD_EVENT of family %d", msgs, id)
	}
	if want := (netlink.Source{Group: events}); src != want {
		t.Errorf("event from %+v, want %+v", src, want)
	}
	type event struct {
		U32    uint32
		String string
		Data   []byte
	}
	var got event
	d := netlink.NewAttributeDecoder(msgs[0].Data[genetlink.HeaderLen:])
	for d.Next() {
		switch d.Type() {
		case kmod.GenlAttrU32:
			got.U32 = d.Uint32()
		case kmod.GenlAttrString:
			got.String = d.String()
		case kmod.GenlAttrData:
			got.Data = d.Bytes()
		default:
			t.Errorf("event: unexpected attribute %d", d.Type())
		}
	}
	if err := d.Err(); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(event{42, "something happened", payload}, got); diff != "" {
		t.Errorf("event (-want +got):\n%s", diff)
	}
	netlink.KmQuiet(t, al, "listener of alerts")

	// A command the policy rejects: GROUP must be 0 or 1.
	_, err := netlink.KmExecErr(c, kmGenlMsg(t, id, netlink.Acknowledge, kmod.GenlCmdNotify, func(e *netlink.AttributeEncoder) {
		e.Uint32(kmod.GenlAttrGroup, 2)
	}))
	if !errors.Is(err, unix.ERANGE) && !errors.Is(err, unix.EINVAL) {
		t.Errorf("NOTIFY to group index 2: %v, want a policy error", err)
	}
}

// TestIntegrationKmodGenlDump reads the generic netlink family's dump
// through Execute, resolving the family first.
func TestIntegrationKmodGenlDump(t *testing.T) {
	c := netlink.KmDial(t, unix.NETLINK_GENERIC, nil)
	id, _ := kmResolveFamily(t, kmod.GenlName)
	const n = 300
	msgs := netlink.KmExec(t, c, kmGenlMsg(t, id, netlink.Dump, kmod.GenlCmdGet, func(e *netlink.AttributeEncoder) {
		e.Uint32(kmod.GenlAttrCount, n)
	}))
	if len(msgs) != n {
		t.Fatalf("GET dump: %d records, want %d", len(msgs), n)
	}
	for i, m := range msgs {
		d := netlink.NewAttributeDecoder(m.Data[genetlink.HeaderLen:])
		var rec []string
		for d.Next() {
			switch d.Type() {
			case kmod.GenlAttrIndex:
				rec = append(rec, fmt.Sprint(d.Uint32()))
			case kmod.GenlAttrString:
				rec = append(rec, d.String())
			}
		}
		if want := []string{fmt.Sprint(i), kmod.DumpRecordName(uint32(i))}; d.Err() != nil || !cmp.Equal(want, rec) {
			t.Fatalf("GET record %d: %q, %v; want %q", i, rec, d.Err(), want)
		}
	}
}
