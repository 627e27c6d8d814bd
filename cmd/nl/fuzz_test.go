package main

import (
	"encoding/json"
	"testing"

	"github.com/nlgo/netlink"
	"github.com/nlgo/netlink/nldecode"
)

// Hostile input: no bytes may make nl's decoders or printers panic. The
// seed corpus under testdata/fuzz holds real kernel messages (a link,
// an IPv6 address, a route, the nlctrl family).

// FuzzParse decodes bytes as the payload of every message nl reads, and
// prints what decodes, as text and as JSON.
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
		var dec nldecode.Decoder
		for _, p := range []protocol{{"route", familyRoute}, {"generic", familyGeneric}, {"audit", 9}} {
			for _, d := range append(routeDumps, genericDumps...) {
				m.Header.Type = d.typ - 2
				dm := decodeReply(&dec, p, d, m)
				out = append(out, dm, dm.String())
			}
		}
		if _, err := json.Marshal(out); err != nil {
			t.Fatalf("the decoding of %x does not encode as JSON: %v", b, err)
		}
	})
}
