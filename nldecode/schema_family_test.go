package nldecode_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/nlgo/netlink"
	"github.com/nlgo/netlink/family"
	"github.com/nlgo/netlink/family/ethtool"
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
