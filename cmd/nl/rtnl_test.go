package main

import (
	"encoding/binary"
	"net/netip"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/nlgo/netlink"
)

// marshal encodes attrs for a test, failing it on error.
func marshal(t *testing.T, attrs ...netlink.Attribute) []byte {
	t.Helper()
	b, err := netlink.MarshalAttributes(attrs)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// message builds a message of type typ from a family header and attributes.
func message(t *testing.T, typ netlink.HeaderType, hdr []byte, attrs ...netlink.Attribute) netlink.Message {
	t.Helper()
	return netlink.Message{Header: netlink.Header{Type: typ}, Data: append(hdr, marshal(t, attrs...)...)}
}

func TestParseLink(t *testing.T) {
	hdr := make([]byte, ifinfomsgLen)
	binary.NativeEndian.PutUint32(hdr[4:8], 7)
	m := message(t, rtmNewLink, hdr,
		netlink.Attribute{Type: iflaIfname, Data: []byte("veth0\x00")},
		netlink.Attribute{Type: iflaMTU, Data: binary.NativeEndian.AppendUint32(nil, 1500)},
		netlink.Attribute{Type: iflaAddress, Data: []byte{2, 0, 0, 0, 0, 1}},
		netlink.Attribute{Type: iflaOperstate, Data: []byte{6}},
		netlink.Attribute{Type: iflaLinkinfo | netlink.AttributeNested,
			Data: marshal(t, netlink.Attribute{Type: iflaInfoKind, Data: []byte("veth\x00")})})
	got, err := parseLink(m)
	if err != nil {
		t.Fatal(err)
	}
	want := Link{Index: 7, Name: "veth0", OperState: "up", MTU: 1500, MAC: "02:00:00:00:00:01", Kind: "veth"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("parseLink (-want +got):\n%s", diff)
	}
	if got, want := got.String(), "7 veth0 up mtu 1500 02:00:00:00:00:01 (veth)"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
}

func TestParseAddress(t *testing.T) {
	// A point-to-point address: IFA_ADDRESS is the peer, IFA_LOCAL ours.
	m := message(t, rtmNewAddr, []byte{afInet, 24, 0, 0, 0, 0, 0, 0},
		netlink.Attribute{Type: ifaAddress, Data: []byte{10, 0, 0, 2}},
		netlink.Attribute{Type: ifaLocal, Data: []byte{10, 0, 0, 1}},
		netlink.Attribute{Type: ifaLabel, Data: []byte("ppp0\x00")})
	binary.NativeEndian.PutUint32(m.Data[4:8], 7)
	got, err := parseAddress(m)
	if err != nil {
		t.Fatal(err)
	}
	want := Address{Index: 7, Dev: "ppp0", Prefix: netip.MustParsePrefix("10.0.0.1/24"), Scope: "global"}
	if diff := cmp.Diff(want, got, cmp.Comparer(func(a, b netip.Prefix) bool { return a == b })); diff != "" {
		t.Errorf("parseAddress (-want +got):\n%s", diff)
	}
	if got, want := got.String(), "10.0.0.1/24 dev ppp0 scope global"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
}

func TestParseRoute(t *testing.T) {
	tests := []struct {
		name string
		m    netlink.Message
		want string
	}{
		{
			name: "default route",
			m: message(t, rtmNewRoute, []byte{afInet, 0, 0, 0, 254, 4, 0, 1, 0, 0, 0, 0},
				netlink.Attribute{Type: rtaGateway, Data: []byte{192, 0, 2, 1}},
				netlink.Attribute{Type: rtaOIF, Data: binary.NativeEndian.AppendUint32(nil, 4)}),
			want: "default via 192.0.2.1 dev 4 table main",
		},
		{
			name: "local IPv6 route, table from RTA_TABLE",
			m: message(t, rtmDelRoute, []byte{afInet6, 128, 0, 0, 252, 2, 254, 2, 0, 0, 0, 0},
				netlink.Attribute{Type: rtaTable, Data: binary.NativeEndian.AppendUint32(nil, 255)},
				netlink.Attribute{Type: rtaDst, Data: netip.IPv6Loopback().AsSlice()},
				netlink.Attribute{Type: rtaOIF, Data: binary.NativeEndian.AppendUint32(nil, 1)}),
			want: "local ::1/128 dev 1 table local",
		},
		{
			name: "IPv6 default, table by number",
			m:    message(t, rtmNewRoute, []byte{afInet6, 0, 0, 0, 100, 4, 0, 7, 0, 0, 0, 0}),
			want: "unreachable default table 100",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := parseRoute(tt.m)
			if err != nil {
				t.Fatal(err)
			}
			if got := r.String(); got != tt.want {
				t.Errorf("String() = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestParseShortMessages(t *testing.T) {
	m := netlink.Message{Header: netlink.Header{Type: rtmNewLink}, Data: make([]byte, 4)}
	if _, err := parseLink(m); err == nil {
		t.Error("parseLink of a 4-byte payload succeeded")
	}
	if _, err := parseAddress(m); err == nil {
		t.Error("parseAddress of a 4-byte payload succeeded")
	}
	if _, err := parseRoute(m); err == nil {
		t.Error("parseRoute of a 4-byte payload succeeded")
	}
}
