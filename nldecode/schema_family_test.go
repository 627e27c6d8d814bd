package nldecode_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/nlgo/netlink"
	"github.com/nlgo/netlink/family"
	"github.com/nlgo/netlink/family/ethtool"
	"github.com/nlgo/netlink/family/rtlink"
	"github.com/nlgo/netlink/genetlink"
	"github.com/nlgo/netlink/nldecode"
)

// TestAddSchema: a generic family's messages decode with the names of its
// generated package's tables, in both directions; without the schema,
// they do not.
func TestAddSchema(t *testing.T) {
	const id = 0x20
	msg := func(cmd uint16, flags netlink.HeaderFlags, v *ethtool.Features) netlink.Message {
		b, err := v.AppendBinary([]byte{uint8(cmd), 1, 0, 0})
		if err != nil {
			t.Fatal(err)
		}
		return netlink.Message{Header: netlink.Header{Type: id, Flags: flags}, Data: b}
	}
	req := msg(ethtool.CmdFeaturesGetRequest, netlink.Request,
		&ethtool.Features{Header: family.Some(ethtool.Header{DevName: "veth0"})})
	rep := msg(ethtool.CmdFeaturesGetReply, 0, &ethtool.Features{
		Header: family.Some(ethtool.Header{DevIndex: family.Some[uint32](3), DevName: "veth0"}),
		Active: family.Some(ethtool.Bitset{Size: family.Some[uint32](64)}),
	})
	names := func(m nldecode.Message) []string {
		var out []string
		var walk func(prefix string, as []nldecode.Attr)
		walk = func(prefix string, as []nldecode.Attr) {
			for _, a := range as {
				out = append(out, prefix+a.Name)
				walk(prefix+a.Name+".", a.Attrs)
			}
		}
		walk("", m.Attrs)
		return out
	}
	var d nldecode.Decoder
	d.AddFamily(id, ethtool.FamilyName)
	before := d.DecodeMessage(genetlink.Protocol, req)
	d.AddSchema(ethtool.Describe())
	tests := []struct {
		name string
		m    nldecode.Message
		want []string
	}{
		{"request", d.DecodeMessage(genetlink.Protocol, req), []string{"header", "header.dev-name"}},
		{"reply", d.DecodeMessage(genetlink.Protocol, rep), []string{"header", "header.dev-index", "header.dev-name", "active", "active.size"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, names(tt.m)); diff != "" {
				t.Errorf("attribute names (-want +got):\n%s", diff)
			}
		})
	}
	if got := names(before); len(got) > 0 && got[0] == "header" {
		t.Errorf("names without the schema: %v", got)
	}
	if a, ok := tests[0].m.Find("header"); !ok || len(a.Attrs) != 1 || a.Attrs[0].Value != "veth0" {
		t.Errorf("header of the request: %+v", a)
	}
}

// TestAddSchemaRoute: an rtnetlink family's spec names the attributes of
// the message types it lists, in both directions, while the decoder's own
// tables keep decoding what they know (named values, link-layer
// addresses) and the spec decodes what they leave to guessing (the nests
// of vfinfo-list). Types the family does not list keep the tables' names.
func TestAddSchemaRoute(t *testing.T) {
	link := &rtlink.LinkAttrs{
		Ifinfomsg:   rtlink.Ifinfomsg{IfiIndex: 7},
		Ifname:      "veth0",
		Address:     family.HardwareAddr{2, 0, 0, 0, 0, 1},
		Operstate:   family.Some[uint8](6),
		NumTxQueues: family.Some[uint32](4),
		VfinfoList:  family.Some(rtlink.VfinfoListAttrs{Info: []rtlink.VfinfoAttrs{{Mac: family.Some(rtlink.IflaVfMac{Vf: 1})}}}),
	}
	body, err := link.AppendBinary(nil)
	if err != nil {
		t.Fatal(err)
	}
	msg := func(typ netlink.HeaderType, flags netlink.HeaderFlags) netlink.Message {
		return netlink.Message{Header: netlink.Header{Type: typ, Flags: flags}, Data: body}
	}
	type attr struct {
		Name, Kind string
		Value      any
	}
	flatten := func(m nldecode.Message) []attr {
		var out []attr
		var walk func(prefix string, as []nldecode.Attr)
		walk = func(prefix string, as []nldecode.Attr) {
			for _, a := range as {
				out = append(out, attr{prefix + a.Name, a.Kind, a.Value})
				walk(prefix+a.Name+".", a.Attrs)
			}
		}
		walk("", m.Attrs)
		return out
	}
	var plain nldecode.Decoder
	var d nldecode.Decoder
	d.AddSchema(rtlink.Describe())
	spec := []attr{
		{"address", "hwaddr", "02:00:00:00:00:01"},
		{"ifname", "string", "veth0"},
		{"operstate", "u8", "up"},
		{"vfinfo-list", "nested", nil},
		{"vfinfo-list.info", "nested", nil},
		{"vfinfo-list.info.mac", "bytes", nil},
		{"num-tx-queues", "u32", uint64(4)},
	}
	tests := []struct {
		name string
		d    *nldecode.Decoder
		m    netlink.Message
		want []attr
	}{
		{"reply", &d, msg(16, 0), spec},                            // RTM_NEWLINK, a getlink reply
		{"request", &d, msg(19, netlink.Request), spec},            // RTM_SETLINK
		{"notification of a request's type", &d, msg(17, 0), spec}, // RTM_DELLINK
		{"without the schema", &plain, msg(16, 0), []attr{
			{"address", "hwaddr", "02:00:00:00:00:01"},
			{"ifname", "string", "veth0"},
			{"operstate", "u8", "up"},
			{"vfinfo_list", "nested", nil},
			{"vfinfo_list.", "nested", nil}, // guessed, unnamed
			{"vfinfo_list..", "bytes", nil},
			{"num_tx_queues", "u32", uint64(4)},
		}},
		{"a type the family does not list", &d, msg(20, 0), nil}, // RTM_NEWADDR: names from the tables
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := flatten(tt.d.DecodeMessage(0, tt.m))
			if tt.want == nil {
				if want := flatten(plain.DecodeMessage(0, tt.m)); !cmp.Equal(want, got) {
					t.Errorf("decoded with the schema (-without +with):\n%s", cmp.Diff(want, got))
				}
				return
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("attributes (-want +got):\n%s", diff)
			}
		})
	}
}
