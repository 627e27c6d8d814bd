//go:build linux && vmtest

package genetlink_test

// Tests of the package against the generic netlink family of the nlgo_test
// kernel module (internal/kmod), run inside a qemu VM by
// `go run ./internal/vmtest`, as root and as the unprivileged user nobody:
// the family resolved by name, its commands executed, a group joined by
// name, the policy the controller reports compared with the one the module
// declares, and (kmod_reload_vm_test.go) the module reloaded under a Conn.
//
// Helpers here are prefixed km.

import (
	"errors"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/nlgo/netlink"
	"github.com/nlgo/netlink/genetlink"
	"github.com/nlgo/netlink/internal/kmod"
	"github.com/nlgo/netlink/internal/testenv"
)

// kmTimeout bounds every test's exchanges and receives (the Conns'
// deadline): far more than any of them takes, even under TCG, but a hang
// fails fast instead of at the binary's -test.timeout.
const kmTimeout = time.Minute

// kmQuietTime is how long a socket that should receive nothing is
// watched. The module multicasts while it handles the request, so by the
// time Execute has the acknowledgement, anything that was going to arrive
// has.
const kmQuietTime = 200 * time.Millisecond

// kmDial dials generic netlink with cfg (nil for the defaults), with a
// family cache, and closes the Conn when the test ends. Without the module
// loaded the test is skipped (a failure under NLGO_STRICT).
func kmDial(t *testing.T, cfg *netlink.Config) *genetlink.Conn {
	t.Helper()
	if _, err := kmod.Protocol(); err != nil {
		testenv.Skip(t, err.Error())
	}
	c, err := genetlink.Dial(cfg)
	if err != nil {
		t.Fatalf("Dial: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	if err := c.SetDeadline(time.Now().Add(kmTimeout)); err != nil {
		t.Fatal(err)
	}
	return c
}

// kmFamily resolves the module's family, which must exist.
func kmFamily(t *testing.T, c *genetlink.Conn) genetlink.Family {
	t.Helper()
	f, err := c.GetFamily(kmod.GenlName)
	if err != nil {
		t.Fatalf("GetFamily(%q): %v", kmod.GenlName, err)
	}
	return f
}

// kmRequest is a request of the module's family: command cmd with the
// attributes fn encodes.
func kmRequest(t *testing.T, cmd uint8, fn func(e *netlink.AttributeEncoder)) genetlink.Message {
	t.Helper()
	e := netlink.NewAttributeEncoder()
	if fn != nil {
		fn(e)
	}
	b, err := e.Encode()
	if err != nil {
		t.Fatalf("encoding the attributes: %v", err)
	}
	return genetlink.Message{Header: genetlink.Header{Command: cmd, Version: kmod.GenlVersion}, Data: b}
}

// kmNest is what the module's nested policy admits (GenlAttrNest).
type kmNest struct {
	ID    uint32
	Name  string
	Key   []byte
	Level int32
}

// kmAttrs are the attributes ECHO and NOTIFY copy back, as the tests send
// and read them. Zero fields are not sent.
type kmAttrs struct {
	U32        uint32
	String     string
	Data       []byte
	Flags      uint16
	SelectVal  uint32
	SelectBits uint32
	Nest       *kmNest
}

// encode writes the non-zero fields of a.
func (a kmAttrs) encode(e *netlink.AttributeEncoder) {
	if a.U32 != 0 {
		e.Uint32(kmod.GenlAttrU32, a.U32)
	}
	if a.String != "" {
		e.String(kmod.GenlAttrString, a.String)
	}
	if a.Data != nil {
		e.Bytes(kmod.GenlAttrData, a.Data)
	}
	if a.Flags != 0 {
		e.Uint16(kmod.GenlAttrFlags, a.Flags)
	}
	if a.SelectBits != 0 {
		e.Bitfield32(kmod.GenlAttrSelect, a.SelectVal, a.SelectBits)
	}
	if n := a.Nest; n != nil {
		e.Nested(kmod.GenlAttrNest, func(e *netlink.AttributeEncoder) error {
			if n.ID != 0 {
				e.Uint32(kmod.GenlNestID, n.ID)
			}
			if n.Name != "" {
				e.String(kmod.GenlNestName, n.Name)
			}
			if n.Key != nil {
				e.Bytes(kmod.GenlNestKey, n.Key)
			}
			if n.Level != 0 {
				e.Int32(kmod.GenlNestLevel, n.Level)
			}
			return nil
		})
	}
}

// kmDecodeAttrs reads the attributes of an ECHO reply or an EVENT. Any
// other attribute, or a nest without NLA_F_NESTED, is an error.
func kmDecodeAttrs(t *testing.T, b []byte) kmAttrs {
	t.Helper()
	var a kmAttrs
	d := netlink.NewAttributeDecoder(b)
	for d.Next() {
		switch d.Type() {
		case kmod.GenlAttrU32:
			a.U32 = d.Uint32()
		case kmod.GenlAttrString:
			a.String = d.String()
		case kmod.GenlAttrData:
			a.Data = d.Bytes()
		case kmod.GenlAttrFlags:
			a.Flags = d.Uint16()
		case kmod.GenlAttrSelect:
			a.SelectVal, a.SelectBits = d.Bitfield32()
		case kmod.GenlAttrNest:
			if d.TypeFlags()&netlink.AttributeNested == 0 {
				t.Errorf("attribute %d: a nest without NLA_F_NESTED", d.Type())
			}
			a.Nest = new(kmNest)
			d.Nested(func(d *netlink.AttributeDecoder) error {
				for d.Next() {
					switch d.Type() {
					case kmod.GenlNestID:
						a.Nest.ID = d.Uint32()
					case kmod.GenlNestName:
						a.Nest.Name = d.String()
					case kmod.GenlNestKey:
						a.Nest.Key = d.Bytes()
					case kmod.GenlNestLevel:
						a.Nest.Level = d.Int32()
					default:
						t.Errorf("nest: unexpected attribute %d", d.Type())
					}
				}
				return nil
			})
		default:
			t.Errorf("unexpected attribute %d at offset %d", d.Type(), d.Offset())
		}
	}
	if err := d.Err(); err != nil {
		t.Fatalf("decoding the attributes: %v", err)
	}
	return a
}

// kmFullAttrs uses every attribute ECHO copies, each at the edge of what
// the module's policy admits.
func kmFullAttrs() kmAttrs {
	return kmAttrs{
		U32:        0xfeedface,
		String:     strings.Repeat("s", kmod.GenlStringMax),
		Data:       []byte{1, 2, 3, 4, 5},
		Flags:      kmod.GenlFlagsMask,
		SelectVal:  0x5,
		SelectBits: kmod.GenlSelectBits,
		Nest: &kmNest{
			ID:    kmod.GenlNestIDMax,
			Name:  strings.Repeat("n", kmod.GenlNestNameMax),
			Key:   []byte("8 bytes!"),
			Level: kmod.GenlNestLevelMin,
		},
	}
}

// TestIntegrationKmodGenetlinkFamily resolves the module's family by name
// and by id and finds it in the list of every family: the same Family each
// time, with the version, maximum attribute, operations and groups the
// module declares.
func TestIntegrationKmodGenetlinkFamily(t *testing.T) {
	c := kmDial(t, nil)
	f := kmFamily(t, c)
	t.Logf("family %s: id %d, groups %+v", f.Name, f.ID, f.Groups)
	if f.ID <= genetlink.ControllerID {
		t.Errorf("id %d, want one the kernel assigns (above nlctrl's %d)", f.ID, genetlink.ControllerID)
	}
	events, okE := f.Group(kmod.GenlGroupEvents)
	alerts, okA := f.Group(kmod.GenlGroupAlerts)
	if !okE || !okA || events.ID == 0 || alerts.ID == 0 || events.ID == alerts.ID {
		t.Fatalf("groups %+v, want %q and %q with distinct ids", f.Groups, kmod.GenlGroupEvents, kmod.GenlGroupAlerts)
	}
	// The family-wide policy makes every operation has-policy.
	want := genetlink.Family{
		ID:         f.ID,
		Name:       kmod.GenlName,
		Version:    kmod.GenlVersion,
		HeaderSize: 0,
		MaxAttr:    kmod.GenlMaxAttr,
		Operations: []genetlink.Operation{
			{ID: kmod.GenlCmdEcho, Flags: genetlink.Do | genetlink.HasPolicy},
			{ID: kmod.GenlCmdNotify, Flags: genetlink.Do | genetlink.HasPolicy},
			{ID: kmod.GenlCmdGet, Flags: genetlink.Dump | genetlink.HasPolicy},
		},
		Groups: []genetlink.MulticastGroup{
			{ID: events.ID, Name: kmod.GenlGroupEvents},
			{ID: alerts.ID, Name: kmod.GenlGroupAlerts},
		},
	}
	if diff := cmp.Diff(want, f); diff != "" {
		t.Errorf("GetFamily(%q) (-want +got):\n%s", kmod.GenlName, diff)
	}

	// By id, through a Conn without a cache: from the kernel.
	nc := kmUncached(t)
	byID, err := nc.FamilyByID(f.ID)
	if err != nil {
		t.Fatalf("FamilyByID(%d): %v", f.ID, err)
	}
	if diff := cmp.Diff(want, byID); diff != "" {
		t.Errorf("FamilyByID(%d) (-want +got):\n%s", f.ID, diff)
	}
	fams, err := nc.ListFamilies()
	if err != nil {
		t.Fatalf("ListFamilies: %v", err)
	}
	var listed []genetlink.Family
	for _, g := range fams {
		if g.Name == kmod.GenlName || g.ID == f.ID {
			listed = append(listed, g)
		}
	}
	if diff := cmp.Diff([]genetlink.Family{want}, listed); diff != "" {
		t.Errorf("the family among the %d ListFamilies lists (-want +got):\n%s", len(fams), diff)
	}
}

// kmUncached dials a Conn without a family cache: every lookup asks the
// kernel.
func kmUncached(t *testing.T) *genetlink.Conn {
	t.Helper()
	nc, err := netlink.Dial(genetlink.Protocol, nil)
	if err != nil {
		t.Fatalf("Dial: %v", err)
	}
	c := genetlink.NewConn(nc)
	t.Cleanup(func() { c.Close() })
	if err := c.SetDeadline(time.Now().Add(kmTimeout)); err != nil {
		t.Fatal(err)
	}
	return c
}

// TestIntegrationKmodGenetlinkExecute runs the module's commands through
// Execute: an ECHO of every attribute comes back as sent, a GET dump
// brings its records in order across datagrams, and a request without an
// acknowledgement or a reply is acknowledged when asked.
func TestIntegrationKmodGenetlinkExecute(t *testing.T) {
	c := kmDial(t, nil)
	f := kmFamily(t, c)

	t.Run("echo", func(t *testing.T) {
		sent := kmFullAttrs()
		replies, err := c.Execute(kmRequest(t, kmod.GenlCmdEcho, sent.encode), f.ID, 0)
		if err != nil {
			t.Fatalf("Execute(ECHO): %v", err)
		}
		if len(replies) != 1 {
			t.Fatalf("ECHO: %d replies, want 1", len(replies))
		}
		if want := (genetlink.Header{Command: kmod.GenlCmdEcho, Version: kmod.GenlVersion}); replies[0].Header != want {
			t.Errorf("ECHO reply header %+v, want %+v", replies[0].Header, want)
		}
		if diff := cmp.Diff(sent, kmDecodeAttrs(t, replies[0].Data)); diff != "" {
			t.Errorf("ECHO reply (-sent +got):\n%s", diff)
		}
	})
	t.Run("dump", func(t *testing.T) {
		const n = 300 // several datagrams
		replies, err := c.Execute(kmRequest(t, kmod.GenlCmdGet, func(e *netlink.AttributeEncoder) {
			e.Uint32(kmod.GenlAttrCount, n)
		}), f.ID, netlink.Dump)
		if err != nil {
			t.Fatalf("Execute(GET, Dump): %v", err)
		}
		if len(replies) != n {
			t.Fatalf("GET dump: %d records, want %d", len(replies), n)
		}
		type record struct {
			Index uint32
			Name  string
		}
		for i, r := range replies {
			var got record
			d := netlink.NewAttributeDecoder(r.Data)
			for d.Next() {
				switch d.Type() {
				case kmod.GenlAttrIndex:
					got.Index = d.Uint32()
				case kmod.GenlAttrString:
					got.Name = d.String()
				}
			}
			want := record{uint32(i), kmod.DumpRecordName(uint32(i))}
			if d.Err() != nil || r.Header.Command != kmod.GenlCmdGet || got != want {
				t.Fatalf("GET record %d: command %d, %+v, %v; want %+v", i, r.Header.Command, got, d.Err(), want)
			}
		}
	})
	t.Run("acknowledged", func(t *testing.T) {
		// NOTIFY has no reply: with Acknowledge, Execute returns none.
		replies, err := c.Execute(kmRequest(t, kmod.GenlCmdNotify, func(e *netlink.AttributeEncoder) {
			e.Uint32(kmod.GenlAttrGroup, 1)
		}), f.ID, netlink.Acknowledge)
		if err != nil || len(replies) != 0 {
			t.Errorf("Execute(NOTIFY, Acknowledge): %d replies, %v; want none and no error", len(replies), err)
		}
	})
	t.Run("unknown command", func(t *testing.T) {
		_, err := c.Execute(kmRequest(t, kmod.GenlCmdEvent, nil), f.ID, netlink.Acknowledge)
		if !errors.Is(err, syscall.EOPNOTSUPP) {
			t.Errorf("Execute(EVENT), which the family does not handle: %v, want EOPNOTSUPP", err)
		}
	})
}

// TestIntegrationKmodGenetlinkGroups joins the module's groups by name,
// one per Conn, has the module multicast to "events" and receives the
// event there only; after LeaveGroup, nothing comes. Unknown groups and
// families are errors matching os.ErrNotExist.
func TestIntegrationKmodGenetlinkGroups(t *testing.T) {
	c := kmDial(t, nil)
	f := kmFamily(t, c)
	ev, al := kmDial(t, nil), kmDial(t, nil)
	if err := ev.JoinGroup(kmod.GenlName, kmod.GenlGroupEvents); err != nil {
		t.Fatalf("JoinGroup(%q, %q): %v", kmod.GenlName, kmod.GenlGroupEvents, err)
	}
	if err := al.JoinGroup(kmod.GenlName, kmod.GenlGroupAlerts); err != nil {
		t.Fatalf("JoinGroup(%q, %q): %v", kmod.GenlName, kmod.GenlGroupAlerts, err)
	}
	sent := kmFullAttrs()
	notify := func(t *testing.T) {
		t.Helper()
		_, err := c.Execute(kmRequest(t, kmod.GenlCmdNotify, func(e *netlink.AttributeEncoder) {
			e.Uint32(kmod.GenlAttrGroup, 0) // the family's group index 0: events
			sent.encode(e)
		}), f.ID, netlink.Acknowledge)
		if err != nil {
			t.Fatalf("Execute(NOTIFY): %v", err)
		}
	}
	notify(t)
	kmReceiveEvent(t, ev, f, sent)
	kmQuiet(t, al, "the listener of "+kmod.GenlGroupAlerts)

	if err := ev.LeaveGroup(kmod.GenlName, kmod.GenlGroupEvents); err != nil {
		t.Fatalf("LeaveGroup: %v", err)
	}
	notify(t)
	kmQuiet(t, ev, "a listener that left "+kmod.GenlGroupEvents)

	for _, tt := range []struct{ family, group string }{
		{kmod.GenlName, "nlgo-nogroup"},
		{"nlgo-nofamily", kmod.GenlGroupEvents},
	} {
		if err := ev.JoinGroup(tt.family, tt.group); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("JoinGroup(%q, %q): %v, want an error matching os.ErrNotExist", tt.family, tt.group, err)
		}
	}
}

// kmReceiveEvent receives one datagram on c that must hold one EVENT of
// family f carrying want.
func kmReceiveEvent(t *testing.T, c *genetlink.Conn, f genetlink.Family, want kmAttrs) {
	t.Helper()
	gms, nms, err := c.Receive()
	if err != nil {
		t.Fatalf("Receive: %v", err)
	}
	if len(gms) != 1 || nms[0].Header.Type != netlink.HeaderType(f.ID) {
		t.Fatalf("received %d messages (%v), want one of family %d", len(gms), nms, f.ID)
	}
	if h := (genetlink.Header{Command: kmod.GenlCmdEvent, Version: kmod.GenlVersion}); gms[0].Header != h {
		t.Errorf("event header %+v, want %+v", gms[0].Header, h)
	}
	if diff := cmp.Diff(want, kmDecodeAttrs(t, gms[0].Data)); diff != "" {
		t.Errorf("event (-want +got):\n%s", diff)
	}
}

// kmQuiet checks that nothing arrives on c for kmQuietTime.
func kmQuiet(t *testing.T, c *genetlink.Conn, what string) {
	t.Helper()
	if err := c.SetReadDeadline(time.Now().Add(kmQuietTime)); err != nil {
		t.Fatal(err)
	}
	defer c.SetReadDeadline(time.Now().Add(kmTimeout))
	gms, nms, err := c.Receive()
	if err == nil {
		t.Errorf("%s received %d messages, want nothing: %v", what, len(gms), nms)
		return
	}
	if !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Errorf("%s: Receive: %v, want nothing (a timeout)", what, err)
	}
}

// kmDeclaredPolicy is the module's policy as nlgo_test.c declares it,
// attribute by attribute, in the form the kernel reports it
// (netlink_policy_dump_write_attr): integers always with a range, their
// type's whole range when the policy sets none, or else with a mask;
// strings and binaries with the lengths the policy sets; the nest with the
// index of its policy, which comes second in a dump of one operation.
func kmDeclaredPolicy() map[uint32][]genetlink.AttributePolicy {
	u32 := func(typ uint16, min, max uint64) genetlink.AttributePolicy {
		return genetlink.AttributePolicy{Type: typ, Kind: genetlink.TypeU32, Has: genetlink.HasUnsignedRange,
			MinUnsigned: min, MaxUnsigned: max}
	}
	return map[uint32][]genetlink.AttributePolicy{
		0: {
			u32(kmod.GenlAttrU32, 0, 1<<32-1),
			{Type: kmod.GenlAttrString, Kind: genetlink.TypeNulString, Has: genetlink.HasMaxLength, MaxLength: kmod.GenlStringMax},
			u32(kmod.GenlAttrGroup, 0, 1),
			{Type: kmod.GenlAttrData, Kind: genetlink.TypeBinary, Has: genetlink.HasMaxLength, MaxLength: kmod.GenlDataMax},
			u32(kmod.GenlAttrCount, 0, kmod.DumpMax),
			u32(kmod.GenlAttrIndex, 0, 1<<32-1),
			{Type: kmod.GenlAttrFlags, Kind: genetlink.TypeU16, Has: genetlink.HasMask, Mask: kmod.GenlFlagsMask},
			{Type: kmod.GenlAttrSelect, Kind: genetlink.TypeBitfield32, Has: genetlink.HasBitfield32Mask, Bitfield32Mask: kmod.GenlSelectBits},
			{Type: kmod.GenlAttrNest, Kind: genetlink.TypeNested, Has: genetlink.HasNestedPolicy,
				NestedPolicy: 1, NestedMaxType: kmod.GenlNestMaxType},
		},
		1: {
			u32(kmod.GenlNestID, kmod.GenlNestIDMin, kmod.GenlNestIDMax),
			{Type: kmod.GenlNestName, Kind: genetlink.TypeNulString, Has: genetlink.HasMaxLength, MaxLength: kmod.GenlNestNameMax},
			{Type: kmod.GenlNestKey, Kind: genetlink.TypeBinary, Has: genetlink.HasMinLength | genetlink.HasMaxLength,
				MinLength: kmod.GenlNestKeyLen, MaxLength: kmod.GenlNestKeyLen},
			{Type: kmod.GenlNestLevel, Kind: genetlink.TypeS32, Has: genetlink.HasSignedRange,
				MinSigned: kmod.GenlNestLevelMin, MaxSigned: kmod.GenlNestLevelMax},
		},
	}
}

// TestIntegrationKmodGenetlinkPolicy asks the controller for the policy of
// each of the module's operations: each is the family's policy, for a
// request or for a dump as the operation handles, equal field by field to
// the one nlgo_test.c declares. An unknown operation or family is an error
// matching os.ErrNotExist.
func TestIntegrationKmodGenetlinkPolicy(t *testing.T) {
	c := kmDial(t, nil)
	kmFamily(t, c)
	tests := []struct {
		name     string
		op       uint32
		do, dump int64
	}{
		{"ECHO", kmod.GenlCmdEcho, 0, genetlink.NoPolicy},
		{"NOTIFY", kmod.GenlCmdNotify, 0, genetlink.NoPolicy},
		{"GET", kmod.GenlCmdGet, genetlink.NoPolicy, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := c.Policy(kmod.GenlName, tt.op)
			if err != nil {
				t.Fatalf("Policy(%q, %d): %v", kmod.GenlName, tt.op, err)
			}
			want := genetlink.Policy{
				Operations: []genetlink.OperationPolicy{{Command: tt.op, Do: tt.do, Dump: tt.dump}},
				Policies:   kmDeclaredPolicy(),
			}
			if diff := cmp.Diff(want, got, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("Policy(%q, %d) (-declared +reported):\n%s", kmod.GenlName, tt.op, diff)
			}
		})
	}
	t.Run("unknown", func(t *testing.T) {
		if _, err := c.Policy(kmod.GenlName, kmod.GenlCmdEvent); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("Policy of command %d, which the family lacks: %v, want os.ErrNotExist", kmod.GenlCmdEvent, err)
		}
		if _, err := c.Policy("nlgo-nofamily", 1); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("Policy of an unknown family: %v, want os.ErrNotExist", err)
		}
	})
}

// kmLimitCase is one attribute value sent to test a policy limit.
type kmLimitCase struct {
	name string
	ok   bool // whether the policy admits it
	put  func(e *netlink.AttributeEncoder)
}

// kmLimitCases returns, for the limits the controller reported for a,
// values on each side of each limit: those a policy with these limits
// admits and those it rejects.
func kmLimitCases(a genetlink.AttributePolicy) []kmLimitCase {
	var cs []kmLimitCase
	add := func(name string, ok bool, put func(e *netlink.AttributeEncoder)) {
		cs = append(cs, kmLimitCase{name, ok, put})
	}
	uint := func(v uint64) func(e *netlink.AttributeEncoder) {
		if a.Kind == genetlink.TypeU16 {
			return func(e *netlink.AttributeEncoder) { e.Uint16(a.Type, uint16(v)) }
		}
		return func(e *netlink.AttributeEncoder) { e.Uint32(a.Type, uint32(v)) }
	}
	typeMax := map[genetlink.AttributeType]uint64{genetlink.TypeU16: 1<<16 - 1, genetlink.TypeU32: 1<<32 - 1}[a.Kind]
	if a.Has&genetlink.HasUnsignedRange != 0 {
		add("min", true, uint(a.MinUnsigned))
		add("max", true, uint(a.MaxUnsigned))
		if a.MinUnsigned > 0 {
			add("below min", false, uint(a.MinUnsigned-1))
		}
		if a.MaxUnsigned < typeMax {
			add("above max", false, uint(a.MaxUnsigned+1))
		}
	}
	if a.Has&genetlink.HasSignedRange != 0 {
		sint := func(v int64) func(e *netlink.AttributeEncoder) {
			return func(e *netlink.AttributeEncoder) { e.Int32(a.Type, int32(v)) }
		}
		add("min", true, sint(a.MinSigned))
		add("max", true, sint(a.MaxSigned))
		add("below min", false, sint(a.MinSigned-1))
		add("above max", false, sint(a.MaxSigned+1))
	}
	if a.Has&genetlink.HasMask != 0 {
		add("mask", true, uint(a.Mask))
		outside := ^a.Mask & typeMax
		add("a bit outside the mask", false, uint(outside&-outside))
	}
	if a.Has&genetlink.HasBitfield32Mask != 0 {
		m := a.Bitfield32Mask
		add("mask", true, func(e *netlink.AttributeEncoder) { e.Bitfield32(a.Type, m, m) })
		add("a bit outside the mask", false, func(e *netlink.AttributeEncoder) { e.Bitfield32(a.Type, 0, (m+1)&^m) })
	}
	payload := func(n int) func(e *netlink.AttributeEncoder) {
		if a.Kind == genetlink.TypeNulString {
			return func(e *netlink.AttributeEncoder) { e.String(a.Type, strings.Repeat("x", n)) }
		}
		return func(e *netlink.AttributeEncoder) { e.Bytes(a.Type, make([]byte, n)) }
	}
	if a.Has&genetlink.HasMinLength != 0 {
		add("min length", true, payload(int(a.MinLength)))
		add("below min length", false, payload(int(a.MinLength)-1))
	}
	if a.Has&genetlink.HasMaxLength != 0 {
		add("max length", true, payload(int(a.MaxLength)))
		add("above max length", false, payload(int(a.MaxLength)+1))
	}
	return cs
}

// TestIntegrationKmodGenetlinkPolicyLimits checks that the policy the
// controller reports is the one the kernel enforces: for every limit of
// every attribute, ECHO accepts the values at the limit and rejects the
// values just beyond it with EINVAL or ERANGE. Attributes of the nested
// policy go inside the nest.
func TestIntegrationKmodGenetlinkPolicyLimits(t *testing.T) {
	c := kmDial(t, nil)
	f := kmFamily(t, c)
	p, err := c.Policy(kmod.GenlName, kmod.GenlCmdEcho)
	if err != nil {
		t.Fatalf("Policy: %v", err)
	}
	if len(p.Operations) != 1 {
		t.Fatalf("Policy: operations %+v, want ECHO's", p.Operations)
	}
	n := 0
	var walk func(idx int64, path string, wrap func(put func(e *netlink.AttributeEncoder)) func(e *netlink.AttributeEncoder))
	walk = func(idx int64, path string, wrap func(put func(e *netlink.AttributeEncoder)) func(e *netlink.AttributeEncoder)) {
		for _, a := range p.Attributes(idx) {
			if a.Kind == genetlink.TypeNested {
				typ := a.Type
				walk(int64(a.NestedPolicy), path+"nested "+strconv.Itoa(int(typ))+", ", func(put func(e *netlink.AttributeEncoder)) func(e *netlink.AttributeEncoder) {
					return wrap(func(e *netlink.AttributeEncoder) {
						e.Nested(typ, func(e *netlink.AttributeEncoder) error { put(e); return nil })
					})
				})
				continue
			}
			for _, tc := range kmLimitCases(a) {
				n++
				t.Run(path+a.Kind.String()+" "+strconv.Itoa(int(a.Type))+": "+tc.name, func(t *testing.T) {
					_, err := c.Execute(kmRequest(t, kmod.GenlCmdEcho, wrap(tc.put)), f.ID, 0)
					switch {
					case tc.ok && err != nil:
						t.Errorf("rejected: %v", err)
					case !tc.ok && !errors.Is(err, syscall.EINVAL) && !errors.Is(err, syscall.ERANGE):
						t.Errorf("ECHO: %v, want EINVAL or ERANGE", err)
					}
				})
			}
		}
	}
	walk(p.Operations[0].Do, "", func(put func(e *netlink.AttributeEncoder)) func(e *netlink.AttributeEncoder) { return put })
	// Two cases at least for each of the 12 attributes that are not nests.
	if n < 2*12 {
		t.Errorf("%d cases from the policy %+v, want at least 24", n, p)
	}
}
