package main

import (
	"encoding/binary"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/nlgo/netlink"
	"github.com/nlgo/netlink/genetlink"
	"github.com/nlgo/netlink/nldecode"
)

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
		p      protocol
		arg    string
		name   string
		typ    netlink.HeaderType
		hdrLen int
		hdr    []byte
	}{
		{route, "getlink", "getlink", rtmGetLink, ifinfomsgLen, nil},
		{route, "RTM_GETADDR", "getaddr", rtmGetAddr, ifaddrmsgLen, nil},
		{route, "26", "getroute", rtmGetRoute, rtmsgLen, nil},
		{route, "200", "200", 200, ifinfomsgLen, nil},
		{generic, "getfamily", "getfamily", genlIDCtrl, genlHdrLen, []byte{genetlink.CmdGetFamily, genetlink.ControllerVersion, 0, 0}},
		{generic, "0x1c", "0x1c", 0x1c, genlHdrLen, nil},
		{audit, "1000", "1000", 1000, ifinfomsgLen, nil},
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
	}
}

func TestDecodeReply(t *testing.T) {
	route, audit := protocol{"route", 0}, protocol{"audit", 9}
	getaddr, err := parseDumpType(route, "getaddr")
	if err != nil {
		t.Fatal(err)
	}
	ifa := []byte{afInet, 8, 0x80, 254, 0, 0, 0, 0} // permanent, host scope
	binary.NativeEndian.PutUint32(ifa[4:8], 1)      // index 1
	newaddr := message(t, rtmNewAddr, ifa,
		netlink.Attribute{Type: ifaLabel, Data: []byte("lo\x00")},
		netlink.Attribute{Type: ifaLocal, Data: []byte{127, 0, 0, 1}})
	newaddr.Header = netlink.Header{Length: 40, Type: rtmNewAddr, Flags: netlink.Multi, Sequence: 9, PID: 42}
	unknown := message(t, 1000, make([]byte, 4), netlink.Attribute{Type: 1, Data: []byte("x\x00")})
	unknown.Header = netlink.Header{Length: 28, Type: 1000, Sequence: 3}
	tests := []struct {
		name string
		p    protocol
		t    dumpType
		m    netlink.Message
		want string
	}{
		{"rtnetlink, decoded", route, getaddr, newaddr, `RTM_NEWADDR len=40 flags=multi seq=9 pid=42
  ifaddrmsg: family=inet prefixlen=8 flags=permanent scope=host index=1
  3 label: "lo"
  2 local: 127.0.0.1
`},
		{"unknown family, guessed", audit, dumpType{typ: 1000, hdrLen: 4}, unknown, `1000 len=28 flags=0 seq=3 pid=0
  header: hex=00000000
  1: "x"
`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var dec nldecode.Decoder
			if diff := cmp.Diff(tt.want, decodeReply(&dec, tt.p, tt.t, tt.m).String()); diff != "" {
				t.Errorf("decodeReply (-want +got):\n%s", diff)
			}
		})
	}
}
