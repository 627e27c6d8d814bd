package nldecode

import (
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/nlgo/netlink"
	"github.com/nlgo/netlink/genetlink"
)

// Test messages are built with the library's own encoders, and their
// integers in native byte order, as the kernel writes them: the tests
// pass on big-endian machines too.

func ne16(v uint16) []byte { return binary.NativeEndian.AppendUint16(nil, v) }
func ne32(v uint32) []byte { return binary.NativeEndian.AppendUint32(nil, v) }

// enc encodes attributes with fn.
func enc(t *testing.T, fn func(e *netlink.AttributeEncoder)) []byte {
	t.Helper()
	e := netlink.NewAttributeEncoder()
	fn(e)
	b, err := e.Encode()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// msg is a message of type typ whose payload is hdr then attrs.
func msg(typ netlink.HeaderType, flags netlink.HeaderFlags, hdr, attrs []byte) netlink.Message {
	data := append(append([]byte(nil), hdr...), attrs...)
	return netlink.Message{
		Header: netlink.Header{Length: uint32(netlink.MessageLen(len(data))), Type: typ, Flags: flags, Sequence: 7, PID: 42},
		Data:   data,
	}
}

// ifinfo is a struct ifinfomsg.
func ifinfo(family uint8, typ uint16, index int32, flags uint32) []byte {
	b := []byte{family, 0}
	b = append(b, ne16(typ)...)
	b = append(b, ne32(uint32(index))...)
	b = append(b, ne32(flags)...)
	return append(b, ne32(0)...)
}

// ifaddr is a struct ifaddrmsg.
func ifaddr(family, prefixlen, flags, scope uint8, index uint32) []byte {
	return append([]byte{family, prefixlen, flags, scope}, ne32(index)...)
}

// ignoreOffsets leaves attribute offsets out of comparisons; the tests
// that check them say so.
var ignoreOffsets = cmpopts.IgnoreFields(Attr{}, "Offset")

func TestDecodeRoute(t *testing.T) {
	veth := enc(t, func(e *netlink.AttributeEncoder) {
		e.String(3, "eth0")
		e.Uint32(4, 1500)
		e.Bytes(1, []byte{2, 0, 0, 0, 0, 1})
		e.Uint8(16, 6)
		e.Nested(18, func(e *netlink.AttributeEncoder) error {
			e.String(1, "veth")
			e.Nested(2, func(e *netlink.AttributeEncoder) error {
				e.Do(1, func() ([]byte, error) {
					return append(ifinfo(0, 0, 0, 0), enc(t, func(e *netlink.AttributeEncoder) { e.String(3, "peer0") })...), nil
				})
				return nil
			})
			return nil
		})
	})
	addr := enc(t, func(e *netlink.AttributeEncoder) {
		e.Bytes(1, []byte{192, 0, 2, 1})
		e.Bytes(2, []byte{0x20, 0x01, 0x0d, 0xb8, 15: 1})
		e.String(3, "eth0")
		e.Bytes(6, append(append(ne32(10), ne32(20)...), append(ne32(30), ne32(40)...)...))
		e.Uint32(8, 0x80|0x200)
	})
	route := enc(t, func(e *netlink.AttributeEncoder) {
		e.Bytes(1, []byte{192, 0, 2, 0})
		e.Uint32(15, 254)
		e.Uint32(4, 3)
		e.Nested(8, func(e *netlink.AttributeEncoder) error {
			e.Uint32(2, 1400)
			e.String(16, "cubic")
			return nil
		})
		e.Bytes(28, []byte{0x1f, 0x90})
		e.Bytes(9, append(append(ne16(16), 0, 1), append(ne32(7), enc(t, func(e *netlink.AttributeEncoder) { e.Bytes(5, []byte{10, 0, 0, 1}) })...)...))
		e.Bytes(18, append(ne16(10), []byte{0xfe, 0x80, 15: 1}...))
	})
	neigh := enc(t, func(e *netlink.AttributeEncoder) {
		e.Bytes(1, []byte{10, 0, 0, 2})
		e.Bytes(2, []byte{0x52, 0x54, 0, 0x12, 0x34, 0x56})
	})
	rule := enc(t, func(e *netlink.AttributeEncoder) {
		e.Uint32(6, 100)
		e.Uint32(15, 255)
		e.Bytes(20, append(ne32(1000), ne32(2000)...))
		e.String(3, "lo")
	})
	ndmsg := append(append([]byte{2, 0, 0, 0}, ne32(4)...), append(ne16(0x02), 0x80, 1)...)
	broken := append(ne16(255), ne16(3)...) // an attribute header, length 255 and type 3, and nothing after it
	tests := []struct {
		name string
		m    netlink.Message
		want Message
	}{
		{
			name: "link dump request",
			m:    msg(18, netlink.Request|netlink.Dump, ifinfo(0, 0, 0, 0), nil),
			want: Message{Type: "RTM_GETLINK", Flags: "request|dump", HeaderName: "ifinfomsg",
				Fields: Fields{{"family", "unspec"}, {"type", uint64(0)}, {"index", int64(0)}, {"flags", "0"}, {"change", "0"}}},
		},
		{
			name: "veth link, its kind's data and the peer named",
			m:    msg(16, netlink.Multi, ifinfo(0, 1, 5, 0x1|0x40|0x10000), veth),
			want: Message{Type: "RTM_NEWLINK", Flags: "multi", HeaderName: "ifinfomsg",
				Fields: Fields{{"family", "unspec"}, {"type", "ether"}, {"index", int64(5)}, {"flags", "up|running|lower_up"}, {"change", "0"}},
				Attrs: []Attr{
					{Type: 3, Name: "ifname", Kind: "string", Value: "eth0"},
					{Type: 4, Name: "mtu", Kind: "u32", Value: uint64(1500)},
					{Type: 1, Name: "address", Kind: "hwaddr", Value: "02:00:00:00:00:01"},
					{Type: 16, Name: "operstate", Kind: "u8", Value: "up"},
					{Type: 18, Name: "linkinfo", Flags: "nested", Kind: "nested", Attrs: []Attr{
						{Type: 1, Name: "kind", Kind: "string", Value: "veth"},
						{Type: 2, Name: "data", Flags: "nested", Kind: "nested", Attrs: []Attr{
							{Type: 1, Name: "peer", Kind: "struct",
								Fields: Fields{{"family", "unspec"}, {"type", uint64(0)}, {"index", int64(0)}, {"flags", "0"}, {"change", "0"}},
								Attrs:  []Attr{{Type: 3, Name: "ifname", Kind: "string", Value: "peer0"}}},
						}},
					}},
				}},
		},
		{
			name: "address: IPv4 and IPv6 as addresses, a struct, flags by name",
			m:    msg(20, netlink.Request|netlink.Acknowledge|netlink.Create|netlink.Excl, ifaddr(2, 24, 0x80, 0, 4), addr),
			want: Message{Type: "RTM_NEWADDR", Flags: "request|acknowledge|excl|create", HeaderName: "ifaddrmsg",
				Fields: Fields{{"family", "inet"}, {"prefixlen", uint64(24)}, {"flags", "permanent"}, {"scope", "global"}, {"index", uint64(4)}},
				Attrs: []Attr{
					{Type: 1, Name: "address", Kind: "addr", Value: "192.0.2.1"},
					{Type: 2, Name: "local", Kind: "addr", Value: "2001:db8::1"},
					{Type: 3, Name: "label", Kind: "string", Value: "eth0"},
					{Type: 6, Name: "cacheinfo", Kind: "struct", Fields: Fields{{"prefered", uint64(10)}, {"valid", uint64(20)}, {"cstamp", uint64(30)}, {"tstamp", uint64(40)}}},
					{Type: 8, Name: "flags", Kind: "u32", Value: "permanent|noprefixroute"},
				}},
		},
		{
			name: "route: destination, metrics, a port in network order, next hops, via",
			m:    msg(25, netlink.Request|netlink.NonRecursive, []byte{2, 24, 0, 0, 254, 3, 0, 1, 0, 0, 0, 0}, route),
			want: Message{Type: "RTM_DELROUTE", Flags: "request|nonrec", HeaderName: "rtmsg",
				Fields: Fields{{"family", "inet"}, {"dst_len", uint64(24)}, {"src_len", uint64(0)}, {"tos", uint64(0)},
					{"table", "main"}, {"protocol", "boot"}, {"scope", "global"}, {"type", "unicast"}, {"flags", "0"}},
				Attrs: []Attr{
					{Type: 1, Name: "dst", Kind: "addr", Value: "192.0.2.0"},
					{Type: 15, Name: "table", Kind: "u32", Value: "main"},
					{Type: 4, Name: "oif", Kind: "u32", Value: uint64(3)},
					{Type: 8, Name: "metrics", Flags: "nested", Kind: "nested", Attrs: []Attr{
						{Type: 2, Name: "mtu", Kind: "u32", Value: uint64(1400)},
						{Type: 16, Name: "cc_algo", Kind: "string", Value: "cubic"},
					}},
					{Type: 28, Name: "sport", Kind: "be16", Value: uint64(8080)},
					{Type: 9, Name: "multipath", Kind: "array", Attrs: []Attr{
						{Type: 0, Kind: "struct", Fields: Fields{{"len", uint64(16)}, {"flags", "0"}, {"hops", uint64(1)}, {"ifindex", int64(7)}},
							Attrs: []Attr{{Type: 5, Name: "gateway", Kind: "addr", Value: "10.0.0.1"}}},
					}},
					{Type: 18, Name: "via", Kind: "struct", Fields: Fields{{"family", "inet6"}, {"addr", "fe80::1"}}},
				}},
		},
		{
			name: "neighbour: state and flags by name, link-layer address",
			m:    msg(28, netlink.Multi, ndmsg, neigh),
			want: Message{Type: "RTM_NEWNEIGH", Flags: "multi", HeaderName: "ndmsg",
				Fields: Fields{{"family", "inet"}, {"ifindex", int64(4)}, {"state", "reachable"}, {"flags", "router"}, {"type", "unicast"}},
				Attrs: []Attr{
					{Type: 1, Name: "dst", Kind: "addr", Value: "10.0.0.2"},
					{Type: 2, Name: "lladdr", Kind: "hwaddr", Value: "52:54:00:12:34:56"},
				}},
		},
		{
			name: "rule: fib_rule_hdr and FRA_* by name",
			m:    msg(32, netlink.Multi, []byte{10, 0, 0, 0, 255, 0, 0, 1, 0, 0, 0, 0}, rule),
			want: Message{Type: "RTM_NEWRULE", Flags: "multi", HeaderName: "fib_rule_hdr",
				Fields: Fields{{"family", "inet6"}, {"dst_len", uint64(0)}, {"src_len", uint64(0)}, {"tos", uint64(0)},
					{"table", "local"}, {"action", "to_tbl"}, {"flags", "0"}},
				Attrs: []Attr{
					{Type: 6, Name: "priority", Kind: "u32", Value: uint64(100)},
					{Type: 15, Name: "table", Kind: "u32", Value: "local"},
					{Type: 20, Name: "uid_range", Kind: "struct", Fields: Fields{{"start", uint64(1000)}, {"end", uint64(2000)}}},
					{Type: 3, Name: "iifname", Kind: "string", Value: "lo"},
				}},
		},
		{
			name: "a bare rtgenmsg request decodes what it holds",
			m:    msg(22, netlink.Request|netlink.Dump, []byte{10}, nil),
			want: Message{Type: "RTM_GETADDR", Flags: "request|dump", HeaderName: "ifaddrmsg", Fields: Fields{{"family", "inet6"}}},
		},
		{
			name: "a reply shorter than its header is malformed",
			m:    msg(20, netlink.Multi, []byte{10, 64}, nil),
			want: Message{Type: "RTM_NEWADDR", Flags: "multi", HeaderName: "ifaddrmsg",
				Fields: Fields{{"family", "inet6"}, {"prefixlen", uint64(64)}}, Hex: "0a40", Error: "ifaddrmsg: 2 bytes, want 8"},
		},
		{
			name: "wrong sizes and a broken attribute",
			m:    msg(16, 0, ifinfo(0, 772, 1, 0), append(enc(t, func(e *netlink.AttributeEncoder) { e.Uint16(4, 9) }), broken...)),
			want: Message{Type: "RTM_NEWLINK", Flags: "0", HeaderName: "ifinfomsg",
				Fields: Fields{{"family", "unspec"}, {"type", "loopback"}, {"index", int64(1)}, {"flags", "0"}, {"change", "0"}},
				Attrs:  []Attr{{Type: 4, Name: "mtu", Kind: "bytes", Hex: hex.EncodeToString(ne16(9)), Error: "u32 needs 4 bytes, have 2"}},
				Hex:    hex.EncodeToString(broken),
				Error:  "netlink: attribute 3 at offset 40: length 255 runs past the end of the buffer, 4 bytes left"},
		},
		{
			name: "unknown rtnetlink type",
			m:    msg(200, 0, []byte{1, 2, 3, 4}, nil),
			want: Message{Type: "200", Flags: "0", Hex: "01020304"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var d Decoder
			tt.want.Header = tt.m.Header
			if diff := cmp.Diff(tt.want, d.DecodeMessage(0, tt.m), ignoreOffsets); diff != "" {
				t.Errorf("DecodeMessage (-want +got):\n%s", diff)
			}
		})
	}
}

// newFamily is the nlctrl message describing a family, as the kernel
// sends it.
func newFamily(t *testing.T, cmd uint8, id uint16, name string) netlink.Message {
	return msg(netlink.HeaderType(genetlink.ControllerID), 0, []byte{cmd, 2, 0, 0}, enc(t, func(e *netlink.AttributeEncoder) {
		e.String(genetlink.AttrFamilyName, name)
		e.Uint16(genetlink.AttrFamilyID, id)
		e.Do(genetlink.AttrMcastGroups, func() ([]byte, error) {
			return enc(t, func(e *netlink.AttributeEncoder) {
				e.Do(1, func() ([]byte, error) {
					return enc(t, func(e *netlink.AttributeEncoder) {
						e.Uint32(genetlink.AttrMcastGrpID, 9)
						e.String(genetlink.AttrMcastGrpName, "events")
					}), nil
				})
			}), nil
		})
	}))
}

// Generic netlink: nlctrl decoded, the families it describes learnt and
// forgotten, other families by name once known.
func TestDecodeGeneric(t *testing.T) {
	var d Decoder
	get := msg(0x10, netlink.Request, []byte{3, 2, 0, 0}, enc(t, func(e *netlink.AttributeEncoder) { e.String(2, "demo") }))
	demo := msg(0x1c, netlink.Request|netlink.Acknowledge, []byte{1, 1, 0, 0}, enc(t, func(e *netlink.AttributeEncoder) { e.Uint32(1, 5) }))
	tests := []struct {
		name string
		m    netlink.Message
		want Message
	}{
		{"unknown family", demo, Message{Type: "genl 28", Flags: "request|acknowledge", HeaderName: "genlmsghdr",
			Fields: Fields{{"cmd", uint64(1)}, {"version", uint64(1)}}, Attrs: []Attr{{Type: 1, Kind: "u32", Value: uint64(5)}}}},
		{"GETFAMILY", get, Message{Type: "nlctrl", Flags: "request", HeaderName: "genlmsghdr",
			Fields: Fields{{"cmd", "CTRL_CMD_GETFAMILY"}, {"version", uint64(2)}},
			Attrs:  []Attr{{Type: 2, Name: "family_name", Kind: "string", Value: "demo"}}}},
		{"NEWFAMILY", newFamily(t, 1, 0x1c, "demo"), Message{Type: "nlctrl", Flags: "0", HeaderName: "genlmsghdr",
			Fields: Fields{{"cmd", "CTRL_CMD_NEWFAMILY"}, {"version", uint64(2)}},
			Attrs: []Attr{
				{Type: 2, Name: "family_name", Kind: "string", Value: "demo"},
				{Type: 1, Name: "family_id", Kind: "u16", Value: uint64(0x1c)},
				{Type: 7, Name: "mcast_groups", Kind: "array", Attrs: []Attr{{Type: 1, Kind: "nested", Attrs: []Attr{
					{Type: 2, Name: "id", Kind: "u32", Value: uint64(9)},
					{Type: 1, Name: "name", Kind: "string", Value: "events"},
				}}}},
			}}},
		{"the family, learnt", demo, Message{Type: "demo", Flags: "request|acknowledge", HeaderName: "genlmsghdr",
			Fields: Fields{{"cmd", uint64(1)}, {"version", uint64(1)}}, Attrs: []Attr{{Type: 1, Kind: "u32", Value: uint64(5)}}}},
		{"DELFAMILY", newFamily(t, 2, 0x1c, "demo"), Message{Type: "nlctrl", Flags: "0", HeaderName: "genlmsghdr",
			Fields: Fields{{"cmd", "CTRL_CMD_DELFAMILY"}, {"version", uint64(2)}},
			Attrs: []Attr{
				{Type: 2, Name: "family_name", Kind: "string", Value: "demo"},
				{Type: 1, Name: "family_id", Kind: "u16", Value: uint64(0x1c)},
				{Type: 7, Name: "mcast_groups", Kind: "array", Attrs: []Attr{{Type: 1, Kind: "nested", Attrs: []Attr{
					{Type: 2, Name: "id", Kind: "u32", Value: uint64(9)},
					{Type: 1, Name: "name", Kind: "string", Value: "events"},
				}}}},
			}}},
		{"the family, forgotten", demo, Message{Type: "genl 28", Flags: "request|acknowledge", HeaderName: "genlmsghdr",
			Fields: Fields{{"cmd", uint64(1)}, {"version", uint64(1)}}, Attrs: []Attr{{Type: 1, Kind: "u32", Value: uint64(5)}}}},
	}
	for _, tt := range tests { // in order: the decoder learns
		tt.want.Header = tt.m.Header
		if diff := cmp.Diff(tt.want, d.DecodeMessage(genetlink.Protocol, tt.m), ignoreOffsets); diff != "" {
			t.Errorf("%s: DecodeMessage (-want +got):\n%s", tt.name, diff)
		}
	}
	d.AddFamilies(genetlink.Family{ID: 0x1d, Name: "told"})
	if name, ok := d.FamilyName(0x1d); !ok || name != "told" {
		t.Errorf("FamilyName(0x1d) = %q, %v after AddFamilies, want told", name, ok)
	}
}

// errorMessage is the NLMSG_ERROR the kernel sends for req: the echoed
// request (its header only when capped), then the TLVs.
func errorMessage(code int32, req netlink.Message, capped bool, tlvs []byte) netlink.Message {
	b, _ := req.MarshalBinary()
	flags := netlink.HeaderFlags(0)
	if capped {
		b, flags = b[:netlink.HeaderLen], netlink.Capped
	}
	if tlvs != nil {
		flags |= netlink.AcknowledgeTLVs
	}
	return msg(netlink.Error, flags, append(ne32(uint32(code)), b...), tlvs)
}

func TestDecodeAck(t *testing.T) {
	req := msg(20, netlink.Request|netlink.Acknowledge|netlink.Create|netlink.Excl, ifaddr(2, 24, 0, 0, 99),
		enc(t, func(e *netlink.AttributeEncoder) {
			e.Bytes(2, []byte{10, 0, 0, 1})
			e.String(3, "x")
		}))
	tlvs := enc(t, func(e *netlink.AttributeEncoder) {
		e.String(1, "bad label")
		e.Uint32(2, 32) // the offset of IFA_LABEL in req
	})
	reqWant := Message{Header: req.Header, Type: "RTM_NEWADDR", Flags: "request|acknowledge|excl|create", HeaderName: "ifaddrmsg",
		Fields: Fields{{"family", "inet"}, {"prefixlen", uint64(24)}, {"flags", "0"}, {"scope", "global"}, {"index", uint64(99)}},
		Attrs: []Attr{
			{Type: 2, Name: "local", Kind: "addr", Value: "10.0.0.1", Offset: 24},
			{Type: 3, Name: "label", Kind: "string", Value: "x", Offset: 32},
		}}
	cappedWant := Message{Header: req.Header, Type: "RTM_NEWADDR", Flags: "request|acknowledge|excl|create"}
	extWant := []Attr{
		{Type: 1, Name: "msg", Kind: "string", Value: "bad label", Offset: 60},
		{Type: 2, Name: "offs", Kind: "u32", Value: uint64(32), Offset: 76},
	}
	policyTLVs := enc(t, func(e *netlink.AttributeEncoder) {
		e.Uint32(2, 32)
		e.Nested(4, func(e *netlink.AttributeEncoder) error {
			e.Uint32(7, 15) // NL_POLICY_TYPE_ATTR_MAX_LENGTH
			e.Uint32(1, 12) // NL_POLICY_TYPE_ATTR_TYPE: NL_ATTR_TYPE_NUL_STRING
			return nil
		})
	})
	policyWant := []Attr{
		{Type: 2, Name: "offs", Kind: "u32", Value: uint64(32), Offset: 60},
		{Type: 4, Name: "policy", Flags: "nested", Kind: "nested", Offset: 68, Attrs: []Attr{
			{Type: 7, Name: "max_length", Kind: "u32", Value: uint64(15), Offset: 72},
			{Type: 1, Name: "type", Kind: "u32", Value: "nul-string", Offset: 80},
		}},
	}
	done := msg(netlink.Done, netlink.Multi, ne32(0), nil)
	tests := []struct {
		name string
		m    netlink.Message
		want Message
	}{
		{"error, extended ack, offending attribute", errorMessage(-22, req, false, tlvs), Message{Type: "NLMSG_ERROR", Flags: "ack-tlvs",
			Ack: &Ack{Code: -22, Errno: "EINVAL", Request: &reqWant, Attrs: extWant, Offending: "label"}}},
		{"error, extended ack with a policy", errorMessage(-22, req, false, policyTLVs), Message{Type: "NLMSG_ERROR", Flags: "ack-tlvs",
			Ack: &Ack{Code: -22, Errno: "EINVAL", Request: &reqWant, Attrs: policyWant, Offending: "label",
				Expected: "nul-string of at most 15 bytes"}}},
		{"capped", errorMessage(-17, req, true, nil), Message{Type: "NLMSG_ERROR", Flags: "capped",
			Ack: &Ack{Code: -17, Errno: "EEXIST", Request: &cappedWant}}},
		{"acknowledgement", errorMessage(0, req, true, nil), Message{Type: "NLMSG_ERROR", Flags: "capped",
			Ack: &Ack{Request: &cappedWant}}},
		{"done", done, Message{Type: "NLMSG_DONE", Flags: "multi", Ack: &Ack{}}},
		{"done without a code", msg(netlink.Done, netlink.Multi, nil, nil), Message{Type: "NLMSG_DONE", Flags: "multi"}},
		{"error too short", msg(netlink.Error, 0, []byte{1, 2}, nil), Message{Type: "NLMSG_ERROR", Flags: "0",
			Hex: "0102", Error: "netlink: error message at offset 0: 2 bytes, the error code needs 4"}},
		{"unknown errno", msg(netlink.Error, 0, ne32(uint32(0xffff_ff00)), nil), Message{Type: "NLMSG_ERROR", Flags: "0",
			Ack: &Ack{Code: -256, Errno: "errno 256"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var d Decoder
			tt.want.Header = tt.m.Header
			if diff := cmp.Diff(tt.want, d.DecodeMessage(0, tt.m)); diff != "" {
				t.Errorf("DecodeMessage (-want +got):\n%s", diff)
			}
		})
	}
}

func TestDecodeDatagram(t *testing.T) {
	a, _ := msg(16, netlink.Multi, ifinfo(0, 772, 1, 0), nil).MarshalBinary()
	b, _ := msg(netlink.Done, netlink.Multi, ne32(0), nil).MarshalBinary()
	var d Decoder
	got := d.Decode(0, append(append(a, b...), 1, 2, 3))
	var types []string
	for _, m := range got {
		types = append(types, m.Type)
	}
	want := []string{"RTM_NEWLINK", "NLMSG_DONE", "malformed"}
	if diff := cmp.Diff(want, types); diff != "" {
		t.Errorf("types (-want +got):\n%s", diff)
	}
	if last := got[len(got)-1]; last.Hex != "010203" || !strings.Contains(last.Error, "3 bytes left") {
		t.Errorf("the malformed rest: %+v, want its bytes and why", last)
	}
	diag := d.DecodeMessage(4, msg(20, netlink.Request|netlink.Dump, []byte{2, 6}, nil))
	if diag.Type != "SOCK_DIAG_BY_FAMILY" || diag.Hex != "0206" || diag.Flags != "request|dump" {
		t.Errorf("a sock_diag request = %+v, want its type named and its payload in hex", diag)
	}
}

func TestGuess(t *testing.T) {
	const nested = netlink.AttributeNested
	marshal := func(attrs ...netlink.Attribute) []byte {
		b, err := netlink.MarshalAttributes(attrs)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	kind := marshal(netlink.Attribute{Type: 1, Data: []byte("veth\x00")})
	deep := marshal(netlink.Attribute{Type: 2, Data: marshal(netlink.Attribute{Type: 1, Data: ne32(1)})})
	short := append(ne16(9), ne16(1)...) // an attribute header, length 9 and type 1, and nothing after it
	tests := []struct {
		name string
		in   []byte
		want []Attr
	}{
		{"every integer width", marshal(
			netlink.Attribute{Type: 1, Data: []byte{6}},
			netlink.Attribute{Type: 2, Data: ne16(1)},
			netlink.Attribute{Type: 3, Data: binary.NativeEndian.AppendUint64(nil, 1<<40)}),
			[]Attr{{Type: 1, Kind: "u8", Value: uint64(6)}, {Type: 2, Kind: "u16", Value: uint64(1)}, {Type: 3, Kind: "u64", Value: uint64(1 << 40)}}},
		{"network byte order", marshal(netlink.Attribute{Type: 5 | netlink.AttributeNetByteOrder, Data: []byte{0x1f, 0x90}}),
			[]Attr{{Type: 5, Flags: "net-byteorder", Kind: "u16", Value: uint64(8080)}}},
		{"flagged nest", marshal(netlink.Attribute{Type: 18 | nested, Data: kind}),
			[]Attr{{Type: 18, Flags: "nested", Kind: "nested", Attrs: []Attr{{Type: 1, Kind: "string", Value: "veth"}}}}},
		{"unflagged nests found by parsing", marshal(netlink.Attribute{Type: 26, Data: deep}),
			[]Attr{{Type: 26, Kind: "nested", Attrs: []Attr{{Type: 2, Kind: "nested", Attrs: []Attr{{Type: 1, Kind: "u32", Value: uint64(1)}}}}}}},
		{"integer that would parse as an attribute of type 0", marshal(netlink.Attribute{Type: 9, Data: ne32(4)}),
			[]Attr{{Type: 9, Kind: "u32", Value: uint64(4)}}},
		{"bytes in hex", marshal(netlink.Attribute{Type: 1, Data: []byte{0x52, 0x54, 0, 0x12, 0x34, 0x56}}),
			[]Attr{{Type: 1, Kind: "bytes", Hex: "525400123456"}}},
		{"flagged nest that does not parse", marshal(netlink.Attribute{Type: 7 | nested, Data: short}),
			[]Attr{{Type: 7, Flags: "nested", Kind: "bytes", Hex: hex.EncodeToString(short), Error: "netlink: attribute 1 at offset 24: length 9 runs past the end of the buffer, 4 bytes left"}}},
		{"empty payload and unterminated text", marshal(netlink.Attribute{Type: 2}, netlink.Attribute{Type: 3, Data: []byte("abc")}),
			[]Attr{{Type: 2, Kind: "flag", Value: true}, {Type: 3, Kind: "bytes", Hex: "616263"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := Guess(msg(100, 0, []byte{1, 2, 3, 4}, tt.in), 4)
			want := Message{Header: m.Header, Type: "100", Flags: "0", HeaderName: "header", Fields: Fields{{"hex", "01020304"}}, Attrs: tt.want}
			if diff := cmp.Diff(want, m, ignoreOffsets); diff != "" {
				t.Errorf("Guess (-want +got):\n%s", diff)
			}
		})
	}
	if m := Guess(msg(100, 0, []byte{1, 2}, nil), 4); m.Error == "" || m.Hex != "0102" {
		t.Errorf("Guess of a payload shorter than its header = %+v, want an error and the bytes", m)
	}
}

func TestText(t *testing.T) {
	var d Decoder
	req := msg(20, netlink.Request|netlink.Acknowledge, ifaddr(2, 24, 0, 0, 99),
		enc(t, func(e *netlink.AttributeEncoder) { e.Bytes(2, []byte{10, 0, 0, 1}) }))
	tlvs := enc(t, func(e *netlink.AttributeEncoder) {
		e.String(1, "no device")
		e.Uint32(2, 24)
	})
	link := msg(16, netlink.Multi, ifinfo(0, 772, 1, 0x9), enc(t, func(e *netlink.AttributeEncoder) {
		e.String(3, "lo")
		e.Nested(18, func(e *netlink.AttributeEncoder) error { e.String(1, "dummy"); return nil })
		e.Bytes(14, make([]byte, 40))
		e.Bytes(6, []byte{1, 0, 0, 0, 2, 0, 0, 0}) // IFLA_QDISC: text, cut at its first NUL
		e.Flag(99, true)
	}))
	got := Text([]Message{d.DecodeMessage(0, link), d.DecodeMessage(0, errorMessage(-19, req, false, tlvs))})
	want := `RTM_NEWLINK len=116 flags=multi seq=7 pid=42
  ifinfomsg: family=unspec type=loopback index=1 flags=up|loopback change=0
  3 ifname: "lo"
  18 linkinfo [nested]:
    1 kind: "dummy"
  14 map: 40 bytes
    00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000
    00000000 00000000
  6 qdisc: "\x01"
  99: flag
NLMSG_ERROR len=76 flags=ack-tlvs seq=7 pid=42
  code: -19 ENODEV
  request:
    RTM_NEWADDR len=32 flags=request|acknowledge seq=7 pid=42
      ifaddrmsg: family=inet prefixlen=24 flags=0 scope=global index=99
      2 local: 10.0.0.1
  1 msg: "no device"
  2 offs: 24
  offending attribute: local
`
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Text (-want +got):\n%s", diff)
	}
}

func TestJSON(t *testing.T) {
	var d Decoder
	m := d.DecodeMessage(0, msg(20, netlink.Multi, ifaddr(2, 8, 0x80, 254, 1),
		enc(t, func(e *netlink.AttributeEncoder) { e.Bytes(1, []byte{127, 0, 0, 1}) })))
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"len":32,"type_num":20,"type":"RTM_NEWADDR","flags":"multi","family_header":"ifaddrmsg",` +
		`"fields":{"family":"inet","prefixlen":8,"flags":"permanent","scope":"host","index":1},` +
		`"attrs":[{"type":1,"name":"address","kind":"addr","value":"127.0.0.1"}],"seq":7,"pid":42}`
	if diff := cmp.Diff(want, string(b)); diff != "" {
		t.Errorf("JSON (-want +got):\n%s", diff)
	}
}

func TestNames(t *testing.T) {
	tests := []struct {
		got, want string
	}{
		{ErrnoName(-17), "EEXIST"},
		{ErrnoName(95), "EOPNOTSUPP"},
		{ErrnoName(0), ""},
		{ErrnoName(-1000), "errno 1000"},
		{ProtocolName(0), "route"},
		{ProtocolName(16), "generic"},
		{ProtocolName(17), "17"},
		{ProtocolName(31), "31"},
		{ProtocolName(-1), "-1"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("got %q, want %q", tt.got, tt.want)
		}
	}
}

// One Decoder serves many goroutines, learning as they decode.
func TestDecoderConcurrent(t *testing.T) {
	var d Decoder
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for i := range 100 {
				id := uint16(0x20 + g*100 + i)
				b, _ := newFamily(t, 1, id, "f").MarshalBinary()
				d.Decode(genetlink.Protocol, b)
				if _, ok := d.FamilyName(id); !ok {
					t.Errorf("family %d not learnt", id)
					return
				}
			}
		})
	}
	wg.Wait()
}

// Payloads that are not what their attribute's kind says keep their bytes
// and say why.
func TestDecodeOddPayloads(t *testing.T) {
	attrs := enc(t, func(e *netlink.AttributeEncoder) {
		e.Bytes(4, []byte{1, 2, 3})          // NHA_BLACKHOLE: a flag with a payload
		e.Bytes(6, []byte{1, 2, 3, 4, 5, 6}) // NHA_GATEWAY: 6 bytes, no IP address
		e.Flag(9, true)                      // NHA_GROUPS
	})
	var d Decoder
	got := d.DecodeMessage(0, msg(104, 0, []byte{2, 0, 4, 0, 0, 0, 0, 0}, attrs))
	want := []Attr{
		{Type: 4, Name: "blackhole", Kind: "bytes", Hex: "010203", Error: "a flag has no payload, this one has 3 bytes"},
		{Type: 6, Name: "gateway", Kind: "bytes", Hex: "010203040506"},
		{Type: 9, Name: "groups", Kind: "flag", Value: true},
	}
	if diff := cmp.Diff(want, got.Attrs, ignoreOffsets); diff != "" {
		t.Errorf("attributes (-want +got):\n%s", diff)
	}
	if v, ok := got.Fields.Get("protocol"); !ok || v != "static" {
		t.Errorf("Fields.Get(protocol) = %v, %v; want static", v, ok)
	}
	if a, ok := got.Find("groups"); !ok || a.Type != 9 {
		t.Errorf("Find(groups) = %+v, %v", a, ok)
	}
	if _, ok := got.Find("nope"); ok {
		t.Error("Find found an attribute that is not there")
	}
}

// Nests deeper than netlink.MaxNestingDepth stay bytes.
func TestDecodeTooDeep(t *testing.T) {
	b := enc(t, func(e *netlink.AttributeEncoder) { e.Uint32(1, 7) })
	for range netlink.MaxNestingDepth + 2 {
		b = enc(t, func(e *netlink.AttributeEncoder) {
			e.Do(1|netlink.AttributeNested, func() ([]byte, error) { return b, nil })
		})
	}
	m := Guess(msg(100, 0, nil, b), 0)
	depth, a := 0, m.Attrs[0]
	for len(a.Attrs) > 0 {
		a = a.Attrs[0]
		depth++
	}
	if depth > netlink.MaxNestingDepth || a.Kind != "bytes" {
		t.Errorf("decoded %d levels deep, ending with %+v; want at most %d, then bytes", depth, a, netlink.MaxNestingDepth)
	}
	if l, ok := a.Find("x"); ok {
		t.Errorf("Attr.Find found %+v in bytes", l)
	}
}
