package main

import (
	"errors"
	"strings"
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

func TestDecodeTree(t *testing.T) {
	const nested = netlink.AttributeNested
	kind := marshal(t, netlink.Attribute{Type: 1, Data: []byte("veth\x00")})
	deep := marshal(t, netlink.Attribute{Type: 2, Data: marshal(t,
		netlink.Attribute{Type: 1, Data: []byte{1, 0, 0, 0}})})
	tests := []struct {
		name  string
		in    []byte
		names []string
		want  []attrNode
	}{
		{
			name:  "string and integers, named",
			in:    marshal(t, netlink.Attribute{Type: 3, Data: []byte("lo\x00")}, netlink.Attribute{Type: 4, Data: []byte{0xdc, 0x05, 0, 0}}),
			names: linkAttrNames,
			want: []attrNode{
				{Type: 3, Name: "ifname", Kind: "string", Value: "lo"},
				{Type: 4, Name: "mtu", Kind: "u32", Value: uint64(1500), Hex: "dc050000"},
			},
		},
		{
			name: "every integer width",
			in: marshal(t,
				netlink.Attribute{Type: 1, Data: []byte{6}},
				netlink.Attribute{Type: 2, Data: []byte{1, 0}},
				netlink.Attribute{Type: 3, Data: []byte{0, 0, 0, 0, 0, 1, 0, 0}}),
			want: []attrNode{
				{Type: 1, Kind: "u8", Value: uint64(6), Hex: "06"},
				{Type: 2, Kind: "u16", Value: uint64(1), Hex: "0100"},
				{Type: 3, Kind: "u64", Value: uint64(1 << 40), Hex: "0000000000010000"},
			},
		},
		{
			name: "network byte order",
			in:   marshal(t, netlink.Attribute{Type: 5 | netlink.AttributeNetByteOrder, Data: []byte{0x1f, 0x90}}),
			want: []attrNode{{Type: 5, Flags: "net-byteorder", Kind: "u16", Value: uint64(8080), Hex: "1f90"}},
		},
		{
			name: "flagged nest",
			in:   marshal(t, netlink.Attribute{Type: 18 | nested, Data: kind}),
			want: []attrNode{{Type: 18, Flags: "nested", Kind: "nested",
				Attrs: []attrNode{{Type: 1, Kind: "string", Value: "veth"}}}},
		},
		{
			name: "unflagged nests found by parsing",
			in:   marshal(t, netlink.Attribute{Type: 26, Data: deep}),
			want: []attrNode{{Type: 26, Kind: "nested", Attrs: []attrNode{{Type: 2, Kind: "nested",
				Attrs: []attrNode{{Type: 1, Kind: "u32", Value: uint64(1), Hex: "01000000"}}}}}},
		},
		{
			name: "integer that would parse as an attribute of type 0",
			in:   marshal(t, netlink.Attribute{Type: 9, Data: []byte{4, 0, 0, 0}}),
			want: []attrNode{{Type: 9, Kind: "u32", Value: uint64(4), Hex: "04000000"}},
		},
		{
			name: "bytes in hex",
			in:   marshal(t, netlink.Attribute{Type: 1, Data: []byte{0x52, 0x54, 0, 0x12, 0x34, 0x56}}),
			want: []attrNode{{Type: 1, Kind: "bytes", Hex: "525400123456"}},
		},
		{
			name: "flagged nest that does not parse",
			in:   marshal(t, netlink.Attribute{Type: 7 | nested, Data: []byte{9, 0, 1, 0}}),
			want: []attrNode{{Type: 7, Flags: "nested", Kind: "bytes", Hex: "09000100",
				Error: "set"}},
		},
		{
			name: "empty payload and unterminated text",
			in:   marshal(t, netlink.Attribute{Type: 2}, netlink.Attribute{Type: 3, Data: []byte("abc")}),
			want: []attrNode{
				{Type: 2, Kind: "empty"},
				{Type: 3, Kind: "bytes", Hex: "616263"},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := decodeTree(tt.in, tt.names)
			if err != nil {
				t.Fatal(err)
			}
			markErrors(got)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("decodeTree (-want +got):\n%s", diff)
			}
		})
	}
}

// markErrors replaces the error text of nodes by "set": tests check that
// there is an error, not its wording.
func markErrors(nodes []attrNode) {
	for i := range nodes {
		if nodes[i].Error != "" {
			nodes[i].Error = "set"
		}
		markErrors(nodes[i].Attrs)
	}
}

func TestDecodeTreeMalformed(t *testing.T) {
	b := append(marshal(t, netlink.Attribute{Type: 3, Data: []byte("lo\x00")}), 0xff, 0, 1, 0)
	if _, err := decodeTree(b, nil); !errors.Is(err, netlink.ErrBadLength) {
		t.Fatalf("decodeTree of an attribute running past the end: got %v, want an error matching ErrBadLength", err)
	}
}

func TestWriteTree(t *testing.T) {
	nodes := []attrNode{
		{Type: 3, Name: "ifname", Kind: "string", Value: "lo"},
		{Type: 4, Name: "mtu", Kind: "u32", Value: uint64(1500), Hex: "dc050000"},
		{Type: 18, Name: "linkinfo", Flags: "nested", Kind: "nested", Attrs: []attrNode{
			{Type: 1, Kind: "string", Value: "veth"},
			{Type: 2, Kind: "empty"},
		}},
		{Type: 1, Name: "address", Kind: "bytes", Hex: "525400123456"},
		{Type: 7, Kind: "bytes", Hex: strings.Repeat("ab", 40)},
	}
	var b strings.Builder
	writeTree(&b, nodes, "  ")
	want := `  3 ifname: "lo"
  4 mtu: u32 1500 (dc050000)
  18 linkinfo [nested]:
    1: "veth"
    2: empty
  1 address: 6 bytes 52540012 3456
  7: 40 bytes
    abababab abababab abababab abababab abababab abababab abababab abababab
    abababab abababab
`
	if diff := cmp.Diff(want, b.String()); diff != "" {
		t.Errorf("writeTree (-want +got):\n%s", diff)
	}
}
