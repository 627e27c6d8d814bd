package gen_test

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"net/netip"
	"syscall"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/nlgo/netlink"
	"github.com/nlgo/netlink/cmd/ynlgen/internal/gentest/gen"
	"github.com/nlgo/netlink/family"
	"github.com/nlgo/netlink/genetlink"
	"github.com/nlgo/netlink/nltest"
)

var cmpOpts = cmp.Options{cmp.Comparer(func(a, b netip.Addr) bool { return a == b })}

func full() gen.Main {
	return gen.Main{
		TestHdr:  gen.TestHdr{Ifindex: 7},
		Name:     "x",
		Count:    family.Some[uint32](3),
		Colour:   family.Some(gen.ColourBlue),
		Opts:     family.Some(gen.OptsFast | gen.OptsLoud),
		Port:     family.Some[uint16](0x1234),
		On:       true,
		Blob:     []byte{1, 2, 3, 4},
		Pair:     family.Some(gen.Pair{A: 1, B: 2, Port: 0x5678, Tag: [2]byte{9, 8}}),
		Child:    family.Some(gen.Child{Id: family.Some[uint16](1), Label: "one"}),
		Children: []gen.Child{{Id: family.Some[uint16](2)}, {Label: "three"}},
		Ids:      []uint32{5, 6, 7},
		List:     []gen.Child{{Id: family.Some[uint16](10)}, {Id: family.Some[uint16](11)}},
		Numbers:  []uint16{100, 200},
		Big:      family.Some[uint64](1 << 40),
		AfterBig: family.Some[int32](-9),
		Addr:     family.Some(netip.MustParseAddr("2001:db8::1")),
		Addr4:    family.Some(netip.MustParseAddr("192.0.2.1")),
		Mac:      family.HardwareAddr{2, 0, 0, 0, 0, 1},
		Var:      family.Some[uint64](1 << 33),
		Svar:     family.Some[int64](-3),
		Bits:     family.Some(family.Bitfield32{Value: 1, Selector: 3}),
		Tree:     family.Some(gen.Tree{Value: family.Some[uint32](1), Next: &gen.Tree{Value: family.Some[uint32](2)}}),
		WideOpts: family.Some(gen.WideHigh | gen.Wide(1<<40)), // a u64 of flags keeps its high bits
	}
}

func TestRoundTrip(t *testing.T) {
	tests := []struct {
		name string
		in   gen.Main
	}{
		{"empty", gen.Main{}},
		{"every feature", full()},
		{"header only", gen.Main{TestHdr: gen.TestHdr{Ifindex: 1}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := tt.in.AppendBinary(nil)
			if err != nil {
				t.Fatal(err)
			}
			var got gen.Main
			if err := got.UnmarshalBinary(b); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.in, got, cmpOpts); diff != "" {
				t.Errorf("round trip (-want +got):\n%s", diff)
			}
		})
	}
}

// TestWire checks the bytes of the encoding against numbers worked out by
// hand: implicit values, the value after an explicit one, byte order,
// struct layout with padding, flags in a nest.
func TestWire(t *testing.T) {
	v := gen.Main{
		TestHdr:  gen.TestHdr{Ifindex: 7},
		Port:     family.Some[uint16](0x1234),
		AfterBig: family.Some[int32](-1),
		Pair:     family.Some(gen.Pair{A: 1, B: 2, Port: 0x5678, Tag: [2]byte{9, 8}}),
		Addr4:    family.Some(netip.MustParseAddr("192.0.2.1")),
	}
	got, err := v.AppendBinary(nil)
	if err != nil {
		t.Fatal(err)
	}
	e := netlink.NewAttributeEncoder()
	hdr := binary.NativeEndian.AppendUint32(nil, 7)
	e.Reset(hdr)
	e.Bytes(5, []byte{0x12, 0x34}) // port, big-endian
	pair := make([]byte, 12)
	pair[0] = 1
	binary.NativeEndian.PutUint32(pair[4:], 2)
	binary.BigEndian.PutUint16(pair[8:], 0x5678)
	pair[10], pair[11] = 9, 8
	e.Bytes(8, pair)
	e.Int32(21, -1)                   // after-big: 20 + 1
	e.Bytes(23, []byte{192, 0, 2, 1}) // addr4
	want, err := e.Encode()
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("encoding (-want +got):\n%s", diff)
	}
}

func TestDecodeUnknownAndErrors(t *testing.T) {
	hdr := binary.NativeEndian.AppendUint32(nil, 1)
	e := netlink.NewAttributeEncoder()
	e.Reset(append([]byte(nil), hdr...))
	e.Uint32(99, 1) // unknown: skipped
	e.Uint32(2, 5)  // count
	good, _ := e.Encode()
	var v gen.Main
	if err := v.UnmarshalBinary(good); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(gen.Main{TestHdr: gen.TestHdr{Ifindex: 1}, Count: family.Some[uint32](5)}, v, cmpOpts); diff != "" {
		t.Errorf("decoded (-want +got):\n%s", diff)
	}
	bad := []struct {
		name string
		typ  uint16
		p    []byte
	}{
		{"port of 3 bytes", 5, []byte{1, 2, 3}},
		{"addr of 5 bytes", 22, []byte{1, 2, 3, 4, 5}},
		{"addr4 of 2 bytes", 23, []byte{1, 2}},
		{"count of 1 byte", 2, []byte{1}},
		{"child not a nest", 9, []byte{1, 2, 3}},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			e.Reset(append([]byte(nil), hdr...))
			e.Bytes(tt.typ, tt.p)
			b, _ := e.Encode()
			var v gen.Main
			if err := v.UnmarshalBinary(b); !errors.Is(err, netlink.ErrBadLength) {
				t.Errorf("error %v, want one matching netlink.ErrBadLength", err)
			}
		})
	}
}

func TestEnumStrings(t *testing.T) {
	tests := []struct {
		v    interface{ String() string }
		want string
	}{
		{gen.ColourGreen, "green"},
		{gen.Colour(9), "9"},
		{gen.ShadeDarker, "darker"},
		{gen.OptsFast | gen.OptsLoud, "fast|loud"},
		{gen.Opts(0), "0"},
		{gen.OptsSafe | gen.Opts(0x10), "safe|0x10"},
		{gen.WideHigh | gen.Wide(1<<40), "high|0x10000000000"},
	}
	for _, tt := range tests {
		if got := tt.v.String(); got != tt.want {
			t.Errorf("String() = %q, want %q", got, tt.want)
		}
	}
}

func TestPolicy(t *testing.T) {
	p := gen.MainPolicy()
	enc := func(fn func(e *netlink.AttributeEncoder)) []byte {
		e := netlink.NewAttributeEncoder()
		fn(e)
		b, _ := e.Encode()
		return b
	}
	tests := []struct {
		name    string
		b       []byte
		wantErr bool
	}{
		{"ok", enc(func(e *netlink.AttributeEncoder) { e.String(1, "short"); e.Uint32(2, 100) }), false},
		{"count below min", enc(func(e *netlink.AttributeEncoder) { e.Uint32(2, 0) }), true},
		{"count above max", enc(func(e *netlink.AttributeEncoder) { e.Uint32(2, 101) }), true},
		{"name longer than max-name", enc(func(e *netlink.AttributeEncoder) { e.String(1, "0123456789abcdef") }), true},
		{"blob not exactly 4", enc(func(e *netlink.AttributeEncoder) { e.Bytes(7, []byte{1, 2, 3}) }), true},
		{"svar below min", enc(func(e *netlink.AttributeEncoder) { e.Int(26, -6) }), true},
		{"unterminated label", enc(func(e *netlink.AttributeEncoder) {
			e.Nested(9, func(e *netlink.AttributeEncoder) error { e.Bytes(2, []byte("ab")); return nil })
		}), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := p.Validate(tt.b)
			if (err != nil) != tt.wantErr {
				t.Fatalf("Validate: %v, want error %v", err, tt.wantErr)
			}
		})
	}
	err := p.Validate(enc(func(e *netlink.AttributeEncoder) { e.Uint32(2, 0) }))
	var pe *netlink.PolicyError
	if !errors.As(err, &pe) || pe.Path.String() != "count" {
		t.Errorf("policy error %v, want one at path count", err)
	}
}

// serve runs the family on a fake kernel: get answers with the request's
// name and a count, its dump with n entries, set acknowledges.
func serve(t *testing.T, n int) *gen.Client {
	t.Helper()
	f := nltest.GenericFamily{Name: gen.FamilyName, Version: 1, Groups: []string{gen.GroupEvents},
		Operations: []nltest.GenericOperation{
			{Command: uint8(gen.CmdGet), Flags: genetlink.Do | genetlink.Dump},
			{Command: uint8(gen.CmdSet), Flags: genetlink.Do},
		}}
	c := nltest.ServeFamily(f, func(r *nltest.GenericRequest) error {
		var req gen.Main
		if err := req.UnmarshalBinary(r.Message.Data); err != nil {
			return err
		}
		switch uint16(r.Message.Header.Command) {
		case gen.CmdGet:
			if r.Dumping() {
				var msgs []genetlink.Message
				for i := range n {
					rep := gen.Main{Name: "entry", Count: family.Some(uint32(i)), Children: []gen.Child{{Label: "c"}}}
					b, _ := rep.AppendBinary(nil)
					msgs = append(msgs, genetlink.Message{Header: genetlink.Header{Command: uint8(gen.CmdGet)}, Data: b})
				}
				return r.Dump(msgs)
			}
			rep := gen.Main{TestHdr: req.TestHdr, Name: req.Name, Count: family.Some[uint32](42)}
			b, _ := rep.AppendBinary(nil)
			return r.Reply(genetlink.Message{Header: genetlink.Header{Command: uint8(gen.CmdGet)}, Data: b})
		case gen.CmdSet:
			if req.Name == "" {
				return syscall.EINVAL
			}
			return nil
		}
		return nil
	})
	cl, err := gen.NewClient(c)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cl.Close() })
	return cl
}

func TestClientDo(t *testing.T) {
	c := serve(t, 0)
	rep, err := c.Get(&gen.Main{TestHdr: gen.TestHdr{Ifindex: 3}, Name: "asked"})
	if err != nil {
		t.Fatal(err)
	}
	want := &gen.Main{TestHdr: gen.TestHdr{Ifindex: 3}, Name: "asked", Count: family.Some[uint32](42)}
	if diff := cmp.Diff(want, rep, cmpOpts); diff != "" {
		t.Errorf("Get (-want +got):\n%s", diff)
	}
	if err := c.Set(&gen.Main{Name: "x"}); err != nil {
		t.Errorf("Set: %v", err)
	}
	if err := c.Set(nil); !errors.Is(err, syscall.EINVAL) {
		t.Errorf("Set of an empty request: %v, want EINVAL", err)
	}
}

// TestClientDump holds the iterator's promises: every entry, one reused
// value, and an early break that leaves the client usable.
func TestClientDump(t *testing.T) {
	c := serve(t, 5)
	var counts []uint32
	var first *gen.Main
	for m, err := range c.GetDump(nil) {
		if err != nil {
			t.Fatal(err)
		}
		if first == nil {
			first = m
		} else if m != first {
			t.Errorf("entry %d is a new value, want the reused one", len(counts))
		}
		counts = append(counts, m.Count.Value)
	}
	if diff := cmp.Diff([]uint32{0, 1, 2, 3, 4}, counts); diff != "" {
		t.Errorf("dump counts (-want +got):\n%s", diff)
	}
	n := 0
	for _, err := range c.GetDump(nil) {
		if err != nil {
			t.Fatal(err)
		}
		n++
		break
	}
	if n != 1 {
		t.Errorf("broke after %d entries", n)
	}
	if _, err := c.Get(&gen.Main{Name: "after"}); err != nil {
		t.Errorf("Get after a broken dump: %v", err)
	}
}

// TestDescribe drives the family through its descriptor, as a generic
// client does.
func TestDescribe(t *testing.T) {
	c := serve(t, 2)
	d := gen.Describe()
	ops := map[string]family.Operation{}
	for _, op := range d.Operations {
		ops[op.Name] = op
	}
	get, ok := ops["get"]
	if !ok || get.Do == nil || get.Dump == nil {
		t.Fatalf("get: %+v", get)
	}
	req := get.NewRequest().(*gen.Main)
	req.Name = "via descriptor"
	rep, err := get.Do(c, req)
	if err != nil {
		t.Fatal(err)
	}
	if got := rep.(*gen.Main).Name; got != "via descriptor" {
		t.Errorf("reply name %q", got)
	}
	n := 0
	for _, err := range get.Dump(c, nil) {
		if err != nil {
			t.Fatal(err)
		}
		n++
	}
	if n != 2 {
		t.Errorf("dump through the descriptor: %d entries, want 2", n)
	}
	if _, err := ops["set"].Do("not a client", nil); err == nil {
		t.Errorf("Do with a wrong client: no error")
	}
	if ops["set"].Dump != nil {
		t.Errorf("set has a Dump")
	}
	names := map[uint16]string{}
	for _, m := range d.Replies {
		names[m.Type] = m.Name
	}
	if diff := cmp.Diff(map[uint16]string{1: "get", 6: "changed-ntf", 7: "small-get", 8: "gone"}, names); diff != "" {
		t.Errorf("reply names (-want +got):\n%s", diff)
	}
	if d.ProtocolNumber != genetlink.Protocol {
		t.Errorf("ProtocolNumber = %d, want %d", d.ProtocolNumber, genetlink.Protocol)
	}
	if diff := cmp.Diff([]string{gen.GroupEvents}, d.Groups); diff != "" {
		t.Errorf("groups (-want +got):\n%s", diff)
	}
}

func TestNotifications(t *testing.T) {
	g := nltest.NewGeneric(nltest.NewKernel())
	if _, err := g.Register(nltest.GenericFamily{Name: gen.FamilyName, Version: 1, Groups: []string{gen.GroupEvents}}); err != nil {
		t.Fatal(err)
	}
	gc, err := g.Dial(nil)
	if err != nil {
		t.Fatal(err)
	}
	c, err := gen.NewClient(gc)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.JoinGroup(gen.GroupEvents); err != nil {
		t.Fatal(err)
	}
	changed, _ := (&gen.Main{Name: "eth0", Count: family.Some[uint32](1)}).AppendBinary(nil)
	gone, _ := (&gen.MainSmall{Name: "eth1"}).AppendBinary(nil)
	if err := g.Broadcast(gen.FamilyName, gen.GroupEvents,
		genetlink.Message{Header: genetlink.Header{Command: uint8(gen.CmdChangedNtf)}, Data: changed},
		genetlink.Message{Header: genetlink.Header{Command: uint8(gen.CmdGone)}, Data: gone},
		genetlink.Message{Header: genetlink.Header{Command: 99}, Data: nil},
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
	want := []family.Notification{
		{Name: "changed-ntf", Type: gen.CmdChangedNtf, Message: &gen.Main{Name: "eth0", Count: family.Some[uint32](1)}},
		{Name: "gone", Type: gen.CmdGone, Message: &gen.MainSmall{Name: "eth1"}},
	}
	if diff := cmp.Diff(want, got, cmpOpts); diff != "" {
		t.Errorf("notifications (-want +got):\n%s", diff)
	}
	if err := c.JoinGroup("nope"); err == nil {
		t.Errorf("JoinGroup of an unknown group: no error")
	}
}

// TestEnumJSON: enums and flags are names in JSON, numbers where the spec
// has no name, and parse back from names or numbers.
func TestEnumJSON(t *testing.T) {
	tests := []struct {
		name string
		in   gen.Main
		want string
	}{
		{"names", gen.Main{Colour: family.Some(gen.ColourGreen), Opts: family.Some(gen.OptsFast | gen.OptsLoud)}, `{"ifindex":0,"colour":"green","opts":"fast|loud"}`},
		{"numbers", gen.Main{Colour: family.Some(gen.Colour(9)), Opts: family.Some(gen.OptsSafe | 0x10)}, `{"ifindex":0,"colour":"9","opts":"safe|0x10"}`},
		{"zero flags", gen.Main{Opts: family.Some[gen.Opts](0)}, `{"ifindex":0,"opts":"0"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := json.Marshal(&tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, string(b)); diff != "" {
				t.Errorf("Marshal (-want +got):\n%s", diff)
			}
			var back gen.Main
			if err := json.Unmarshal(b, &back); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.in, back, cmpOpts); diff != "" {
				t.Errorf("Unmarshal (-want +got):\n%s", diff)
			}
		})
	}
	var m gen.Main
	if err := json.Unmarshal([]byte(`{"colour":"purple"}`), &m); err == nil {
		t.Errorf("unknown colour: no error")
	}
	if err := json.Unmarshal([]byte(`{"opts":"fast|nope"}`), &m); err == nil {
		t.Errorf("unknown flag: no error")
	}
}

func TestEnumJSONNumbers(t *testing.T) {
	var m gen.Main
	if err := json.Unmarshal([]byte(`{"colour":2,"opts":5}`), &m); err != nil {
		t.Fatal(err)
	}
	want := gen.Main{Colour: family.Some(gen.ColourBlue), Opts: family.Some(gen.OptsFast | gen.OptsLoud)}
	if diff := cmp.Diff(want, m, cmpOpts); diff != "" {
		t.Errorf("Unmarshal of numbers (-want +got):\n%s", diff)
	}
}
