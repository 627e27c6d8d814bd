package main

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/nlgo/netlink"
	"github.com/nlgo/netlink/genetlink"
)

// The name tables are indexed by type: spot-check that no line lost a name.
func TestAttrNames(t *testing.T) {
	tests := []struct {
		table []string
		typ   int
		want  string
	}{
		{linkAttrNames, iflaIfname, "ifname"},
		{linkAttrNames, iflaOperstate, "operstate"},
		{linkAttrNames, iflaLinkinfo, "linkinfo"},
		{linkAttrNames, 26, "af_spec"}, // IFLA_AF_SPEC
		{linkAttrNames, 0x2f, "carrier_up_count"},
		{linkAttrNames, 0x41, "dpll_pin"}, // IFLA_DPLL_PIN
		{addrAttrNames, ifaLabel, "label"},
		{addrAttrNames, 0xa, "target_netnsid"},
		{routeAttrNames, rtaTable, "table"},
		{routeAttrNames, 0x1d, "dport"}, // RTA_DPORT
		{ctrlAttrNames, ctrlAttrMcastGrps, "mcast_groups"},
		{ctrlAttrNames, 0xa, "op"}, // CTRL_ATTR_OP
	}
	for _, tt := range tests {
		if got := tt.table[tt.typ]; got != tt.want {
			t.Errorf("name of type %d = %q, want %q", tt.typ, got, tt.want)
		}
	}
}

func TestParseProtocol(t *testing.T) {
	tests := []struct {
		arg  string
		want protocol
	}{
		{"route", protocol{"route", 0}},
		{"NETLINK_GENERIC", protocol{"generic", 16}},
		{"inet_diag", protocol{"sock_diag", 4}},
		{"9", protocol{"audit", 9}},
		{"0x10", protocol{"generic", 16}},
		{"31", protocol{"31", 31}},
	}
	for _, tt := range tests {
		got, err := parseProtocol(tt.arg)
		if err != nil {
			t.Errorf("parseProtocol(%q): %v", tt.arg, err)
			continue
		}
		if diff := cmp.Diff(tt.want, got, cmp.AllowUnexported(protocol{})); diff != "" {
			t.Errorf("parseProtocol(%q) (-want +got):\n%s", tt.arg, diff)
		}
	}
	for _, arg := range []string{"routing", "32", "-1", ""} {
		var ue *usageError
		if _, err := parseProtocol(arg); !errors.As(err, &ue) {
			t.Errorf("parseProtocol(%q) = %v, want a usage error", arg, err)
		}
	}
}

func TestParseDumpType(t *testing.T) {
	route, generic, audit := protocol{"route", 0}, protocol{"generic", 16}, protocol{"audit", 9}
	tests := []struct {
		p       protocol
		arg     string
		name    string
		typ     netlink.HeaderType
		hdrLen  int
		hdr     []byte
		reply   netlink.HeaderType // a reply's type, and its name
		replyTo string
	}{
		{route, "getlink", "getlink", rtmGetLink, ifinfomsgLen, nil, rtmNewLink, "newlink"},
		{route, "RTM_GETADDR", "getaddr", rtmGetAddr, ifaddrmsgLen, nil, rtmNewAddr, "newaddr"},
		{route, "26", "getroute", rtmGetRoute, rtmsgLen, nil, rtmNewRoute, "newroute"},
		{route, "200", "200", 200, ifinfomsgLen, nil, 198, ""},
		{generic, "getfamily", "getfamily", genlIDCtrl, genlHdrLen, []byte{genetlink.CmdGetFamily, genetlink.ControllerVersion, 0, 0}, genlIDCtrl, "nlctrl"},
		{generic, "0x1c", "0x1c", 0x1c, genlHdrLen, nil, 0x1c, ""},
		{audit, "1000", "1000", 1000, ifinfomsgLen, nil, netlink.Done, "done"},
	}
	for _, tt := range tests {
		got, err := parseDumpType(tt.p, tt.arg)
		if err != nil {
			t.Errorf("parseDumpType(%s, %q): %v", tt.p.name, tt.arg, err)
			continue
		}
		if got.name != tt.name || got.typ != tt.typ || got.hdrLen != tt.hdrLen || !cmp.Equal(got.hdr, tt.hdr) {
			t.Errorf("parseDumpType(%s, %q) = %s type %d header %d bytes %x, want %s type %d header %d bytes %x",
				tt.p.name, tt.arg, got.name, got.typ, got.hdrLen, got.hdr, tt.name, tt.typ, tt.hdrLen, tt.hdr)
		}
		if name := got.replyName(tt.p, tt.reply); name != tt.replyTo {
			t.Errorf("reply %d to %s %s is named %q, want %q", tt.reply, tt.p.name, tt.arg, name, tt.replyTo)
		}
	}
}

func TestDecodeMessage(t *testing.T) {
	route := protocol{"route", 0}
	getaddr, err := parseDumpType(route, "getaddr")
	if err != nil {
		t.Fatal(err)
	}
	m := message(t, rtmNewAddr, []byte{afInet, 8, 0x80, 254, 1, 0, 0, 0},
		netlink.Attribute{Type: ifaLabel, Data: []byte("lo\x00")})
	m.Header = netlink.Header{Length: 32, Type: rtmNewAddr, Flags: netlink.Multi, Sequence: 9, PID: 42}
	want := dumpedMessage{
		Header:       jsonHeader{Length: 32, Type: rtmNewAddr, Flags: "multi", Sequence: 9, PID: 42},
		Name:         "newaddr",
		FamilyHeader: "020880fe01000000",
		Attrs:        []attrNode{{Type: ifaLabel, Name: "label", Kind: "string", Value: "lo"}},
	}
	if diff := cmp.Diff(want, decodeMessage(route, getaddr, m)); diff != "" {
		t.Errorf("decodeMessage (-want +got):\n%s", diff)
	}

	// A payload that is not attributes after the family header is shown in hex.
	m.Data = append(m.Data[:ifaddrmsgLen], 0xff, 0xff, 0xff)
	got := decodeMessage(route, getaddr, m)
	if got.Error == "" || got.Rest != "ffffff" || got.Attrs != nil {
		t.Errorf("decodeMessage of a bad payload = %+v, want an error and the rest in hex", got)
	}
	// So is a payload shorter than the family header.
	m.Data = m.Data[:3]
	got = decodeMessage(route, getaddr, m)
	if got.Error == "" || got.Rest != "020880" || got.FamilyHeader != "" {
		t.Errorf("decodeMessage of a short payload = %+v, want an error and the payload in hex", got)
	}
}
