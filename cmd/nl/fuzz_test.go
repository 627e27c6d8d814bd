package main

import (
	"encoding/json"
	"io"
	"testing"

	"github.com/nlgo/netlink"
)

// Hostile input: no bytes may make nl's decoders or printers panic. The
// seed corpus under testdata/fuzz holds real kernel messages (a link,
// an IPv6 address, a route, the nlctrl family).

// FuzzDecodeTree decodes bytes as an attribute tree and prints what
// decodes, as text and as JSON.
func FuzzDecodeTree(f *testing.F) {
	f.Add([]byte{})
	f.Add([]byte{8, 0, 0x12, 0x80, 4, 0, 1, 0})       // a flagged nest holding an empty attribute
	f.Add([]byte{8, 0, 0x05, 0x40, 0x1f, 0x90, 0, 0}) // a net-byteorder u16
	f.Fuzz(func(t *testing.T, b []byte) {
		nodes, err := decodeTree(b, linkAttrNames)
		if err != nil {
			return
		}
		writeTree(io.Discard, nodes, "")
		if _, err := json.Marshal(nodes); err != nil {
			t.Fatalf("the tree of %x does not encode as JSON: %v", b, err)
		}
	})
}

// FuzzParse decodes bytes as the payload of every message nl reads.
func FuzzParse(f *testing.F) {
	f.Add([]byte{})
	f.Add(make([]byte, ifinfomsgLen))
	f.Fuzz(func(t *testing.T, b []byte) {
		m := netlink.Message{Header: netlink.Header{Type: rtmNewLink}, Data: b}
		var out []any
		if l, err := parseLink(m); err == nil {
			out = append(out, l, l.String())
		}
		if a, err := parseAddress(m); err == nil {
			out = append(out, a, a.String())
		}
		if r, err := parseRoute(m); err == nil {
			out = append(out, r, r.String())
		}
		for _, d := range append(routeDumps, genericDumps...) {
			dm := decodeMessage(protocol{"route", familyRoute}, d, m)
			writeMessage(io.Discard, m.Header, dm)
			out = append(out, dm)
		}
		if _, err := json.Marshal(out); err != nil {
			t.Fatalf("the decoding of %x does not encode as JSON: %v", b, err)
		}
	})
}
