package rtlink_test

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"net/netip"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/nlgo/netlink"
	"github.com/nlgo/netlink/family"
	"github.com/nlgo/netlink/family/rtlink"
)

// cmpOpts compare addresses by value.
var cmpOpts = cmp.Options{cmp.Comparer(func(a, b netip.Addr) bool { return a == b })}

// kernelLink builds the bytes of an RTM_NEWLINK payload as the kernel
// writes it, with the uapi's numbers rather than the generated constants,
// so that the test also checks the values the generator computed.
func kernelLink(t testing.TB, name string, index int32, mtu uint32, vlanID uint16) []byte {
	t.Helper()
	hdr := make([]byte, 16)
	hdr[0] = 0                                // ifi_family AF_UNSPEC
	binary.NativeEndian.PutUint16(hdr[2:], 1) // ifi_type ARPHRD_ETHER
	binary.NativeEndian.PutUint32(hdr[4:], uint32(index))
	binary.NativeEndian.PutUint32(hdr[8:], 0x10043) // up|broadcast|running|lower-up
	e := netlink.NewAttributeEncoder()
	e.Reset(hdr)
	e.String(3, name)                                      // IFLA_IFNAME
	e.Uint32(4, mtu)                                       // IFLA_MTU
	e.Uint8(16, 6)                                         // IFLA_OPERSTATE: IF_OPER_UP
	e.Bytes(1, []byte{0x02, 0, 0, 0, 0, byte(index)})      // IFLA_ADDRESS
	e.Nested(52, func(e *netlink.AttributeEncoder) error { // IFLA_PROP_LIST
		e.String(53, name+"-alt1") // IFLA_ALT_IFNAME
		e.String(53, name+"-alt2")
		return nil
	})
	e.Nested(18, func(e *netlink.AttributeEncoder) error { // IFLA_LINKINFO
		e.String(1, "vlan")                                   // IFLA_INFO_KIND
		e.Nested(2, func(e *netlink.AttributeEncoder) error { // IFLA_INFO_DATA
			e.Uint16(1, vlanID)            // IFLA_VLAN_ID
			e.Bytes(5, []byte{0x81, 0x00}) // IFLA_VLAN_PROTOCOL, big-endian 802.1Q
			return nil
		})
		return nil
	})
	stats := make([]byte, rtlink.RtnlLinkStats64Len)
	binary.NativeEndian.PutUint64(stats[0:], 11) // rx_packets
	binary.NativeEndian.PutUint64(stats[8:], 22) // tx_packets
	e.Bytes(23, stats)                           // IFLA_STATS64
	e.Uint16(0x7fff, 1)                          // an attribute the spec does not know
	b, err := e.Encode()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func wantLink(name string, index int32, mtu uint32, vlanID uint16) rtlink.LinkAttrs {
	return rtlink.LinkAttrs{
		Ifinfomsg: rtlink.Ifinfomsg{IfiType: 1, IfiIndex: index,
			IfiFlags: rtlink.IfinfoFlagsUp | rtlink.IfinfoFlagsBroadcast | rtlink.IfinfoFlagsRunning | rtlink.IfinfoFlagsLowerUp},
		Ifname:    name,
		Mtu:       family.Some(mtu),
		Operstate: family.Some[uint8](6),
		Address:   family.HardwareAddr{0x02, 0, 0, 0, 0, byte(index)},
		PropList:  family.Some(rtlink.PropListLinkAttrs{AltIfname: []string{name + "-alt1", name + "-alt2"}}),
		Linkinfo: family.Some(rtlink.LinkinfoAttrs{
			Kind: "vlan",
			Data: family.Some(rtlink.LinkinfoDataMsg{Vlan: family.Some(rtlink.LinkinfoVlanAttrs{
				Id:       family.Some(vlanID),
				Protocol: family.Some(rtlink.VlanProtocolsX8021q),
			})}),
		}),
		Stats64: family.Some(rtlink.RtnlLinkStats64{RxPackets: 11, TxPackets: 22}),
	}
}

func TestDecodeKernelLink(t *testing.T) {
	var got rtlink.LinkAttrs
	if err := got.UnmarshalBinary(kernelLink(t, "vlan7", 7, 1500, 7)); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(wantLink("vlan7", 7, 1500, 7), got, cmpOpts); diff != "" {
		t.Errorf("decoded link (-want +got):\n%s", diff)
	}
}

func TestLinkRoundTrip(t *testing.T) {
	tests := []struct {
		name string
		in   rtlink.LinkAttrs
	}{
		{"empty", rtlink.LinkAttrs{}},
		{"kernel-like", wantLink("eth0", 2, 9000, 100)},
		{"bridge", rtlink.LinkAttrs{
			Ifname: "br0",
			Linkinfo: family.Some(rtlink.LinkinfoAttrs{Kind: "bridge",
				Data: family.Some(rtlink.LinkinfoDataMsg{Bridge: family.Some(rtlink.LinkinfoBridgeAttrs{
					StpState: family.Some[uint32](1), VlanFiltering: family.Some[uint8](1),
				})})}),
			Txqlen: family.Some[uint32](1000),
			Group:  family.Some[uint32](0),
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := tt.in.AppendBinary(nil)
			if err != nil {
				t.Fatal(err)
			}
			var got rtlink.LinkAttrs
			if err := got.UnmarshalBinary(b); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.in, got, cmpOpts); diff != "" {
				t.Errorf("round trip (-want +got):\n%s", diff)
			}
		})
	}
}

// TestDecodeReused holds the promise that a value reused for the next
// message holds that message only: attributes of the previous one that the
// next lacks are absent.
func TestDecodeReused(t *testing.T) {
	full := kernelLink(t, "vlan7", 7, 1500, 7)
	hdr := make([]byte, 16)
	e := netlink.NewAttributeEncoder()
	e.Reset(hdr)
	e.String(3, "lo")
	e.Nested(18, func(e *netlink.AttributeEncoder) error {
		e.Nested(2, func(e *netlink.AttributeEncoder) error { return nil }) // data before kind: Raw
		e.String(1, "vlan")
		return nil
	})
	bare, err := e.Encode()
	if err != nil {
		t.Fatal(err)
	}
	var v rtlink.LinkAttrs
	var d netlink.AttributeDecoder
	if err := v.Decode(&d, full); err != nil {
		t.Fatal(err)
	}
	if err := v.Decode(&d, bare); err != nil {
		t.Fatal(err)
	}
	var fresh rtlink.LinkAttrs
	if err := fresh.UnmarshalBinary(bare); err != nil {
		t.Fatal(err)
	}
	// Only Valid and length count: the reused value keeps its memory.
	opts := append(cmpOpts, cmp.Transformer("present", func(o family.Opt[rtlink.LinkinfoDataMsg]) bool { return o.Valid }))
	if diff := cmp.Diff(fresh, v, opts, cmp.Comparer(func(a, b family.HardwareAddr) bool { return string(a) == string(b) }),
		cmp.Transformer("altnames", func(o family.Opt[rtlink.PropListLinkAttrs]) bool { return o.Valid }),
		cmp.Transformer("stats", func(o family.Opt[rtlink.RtnlLinkStats64]) bool { return o.Valid })); diff != "" {
		t.Errorf("reused value (-fresh +reused):\n%s", diff)
	}
	if data := v.Linkinfo.Value.Data; !data.Valid || data.Value.Vlan.Valid || len(data.Value.Raw) != 0 {
		t.Errorf("data before kind: valid %v, decoded as vlan %v, raw %v; want held undecoded, empty, in Raw",
			data.Valid, data.Value.Vlan.Valid, data.Value.Raw)
	}
}

// TestDecodeDumpAllocs holds the budget of decoding a dump into one
// reused value: nothing, once the value has seen the strings.
func TestDecodeDumpAllocs(t *testing.T) {
	msgs := [][]byte{
		kernelLink(t, "eth0", 2, 1500, 10),
		kernelLink(t, "eth1", 3, 9000, 20),
	}
	// Decoding the same names again allocates nothing; new names would
	// allocate a string each.
	var v rtlink.LinkAttrs
	var d netlink.AttributeDecoder
	for _, m := range msgs {
		if err := v.Decode(&d, m); err != nil {
			t.Fatal(err)
		}
	}
	allocs := testing.AllocsPerRun(100, func() {
		if err := v.Decode(&d, msgs[0]); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Errorf("decoding a link into a reused value: %v allocations, want 0", allocs)
	}
}

func TestDecodeErrors(t *testing.T) {
	good := kernelLink(t, "eth0", 2, 1500, 10)
	badMTU := append([]byte(nil), good[:16]...)
	e := netlink.NewAttributeEncoder()
	e.Reset(badMTU)
	e.Uint16(4, 1500) // IFLA_MTU of 2 bytes
	badMTU, _ = e.Encode()
	tests := []struct {
		name string
		b    []byte
	}{
		{"short header", good[:10]},
		{"truncated attribute", good[:len(good)-3]},
		{"mtu of 2 bytes", badMTU},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var v rtlink.LinkAttrs
			err := v.UnmarshalBinary(tt.b)
			var pe *netlink.ParseError
			if !errors.As(err, &pe) || !errors.Is(err, netlink.ErrBadLength) {
				t.Fatalf("error %v, want a *netlink.ParseError wrapping ErrBadLength", err)
			}
		})
	}
}

// TestJSON holds the JSON shape a generic client prints and parses: the
// spec's names, the fixed header's fields flattened, absent fields left out,
// enums and flags by name (parsed from names or numbers).
func TestJSON(t *testing.T) {
	in := `{"ifi-family":0,"ifi-type":0,"ifi-index":3,"ifi-flags":"up","ifi-change":0,"ifname":"veth0","mtu":1400,"linkinfo":{"kind":"vlan","data":{"vlan":{"id":5}}}}`
	var v rtlink.LinkAttrs
	if err := json.Unmarshal([]byte(in), &v); err != nil {
		t.Fatal(err)
	}
	want := rtlink.LinkAttrs{
		Ifinfomsg: rtlink.Ifinfomsg{IfiIndex: 3, IfiFlags: rtlink.IfinfoFlagsUp},
		Ifname:    "veth0", Mtu: family.Some[uint32](1400),
		Linkinfo: family.Some(rtlink.LinkinfoAttrs{Kind: "vlan", Data: family.Some(rtlink.LinkinfoDataMsg{
			Vlan: family.Some(rtlink.LinkinfoVlanAttrs{Id: family.Some[uint16](5)})})}),
	}
	if diff := cmp.Diff(want, v, cmpOpts); diff != "" {
		t.Errorf("unmarshalled (-want +got):\n%s", diff)
	}
	var num rtlink.LinkAttrs
	if err := json.Unmarshal([]byte(`{"ifi-flags":65537}`), &num); err != nil || num.IfiFlags != rtlink.IfinfoFlagsUp|rtlink.IfinfoFlagsLowerUp {
		t.Errorf("flags from a number: %v, %v", num.IfiFlags, err)
	}
	out, err := json.Marshal(&v)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(in, string(out)); diff != "" {
		t.Errorf("marshalled (-want +got):\n%s", diff)
	}
}

func TestPolicyNames(t *testing.T) {
	b := kernelLink(t, "eth0", 2, 1500, 10)
	p := rtlink.LinkAttrsPolicy()
	if err := p.Validate(b[16:]); err != nil {
		t.Fatalf("kernel-like link fails its policy: %v", err)
	}
	tests := []struct {
		typ  uint16
		want string
	}{
		{rtlink.AttrLinkIfname, "ifname"},
		{rtlink.AttrLinkLinkinfo, "linkinfo"},
		{rtlink.AttrLinkMtu, "mtu"},
	}
	for _, tt := range tests {
		if got := p.Attributes[tt.typ].Name; got != tt.want {
			t.Errorf("name of %d = %q, want %q", tt.typ, got, tt.want)
		}
	}
	if p.Attributes[rtlink.AttrLinkLinkinfo].Nested != rtlink.LinkAttrsPolicy().Attributes[rtlink.AttrLinkLinkinfo].Nested &&
		p.Attributes[rtlink.AttrLinkLinkinfo].Nested.Attributes[rtlink.AttrLinkinfoKind].Name != "kind" {
		t.Errorf("linkinfo's nested policy does not name kind")
	}
}

func FuzzLinkAttrsDecode(f *testing.F) {
	f.Add(kernelLink(f, "eth0", 2, 1500, 10))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		var v rtlink.LinkAttrs
		if err := v.UnmarshalBinary(b); err != nil {
			return
		}
		// What decodes must encode, and decode to the same again.
		out, err := v.AppendBinary(nil)
		if err != nil {
			return // a decoded value may not re-encode (a 16-bit length overflow)
		}
		var again rtlink.LinkAttrs
		if err := again.UnmarshalBinary(out); err != nil {
			t.Fatalf("re-encoded link does not decode: %v", err)
		}
	})
}
