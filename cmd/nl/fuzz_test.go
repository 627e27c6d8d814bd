package main

import (
	"encoding/json"
	"errors"
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

// FuzzYNLRequest reads text as the -json request of each operation of
// every typed family: it is a usage error or a request, never a panic,
// and a request it accepts encodes as JSON again.
func FuzzYNLRequest(f *testing.F) {
	for _, s := range []string{``, `{}`, `null`, `[]`, `{"ifname":"lo"}`, `{"header":{"dev-name":"veth0","flags":"compact-bitsets"}}`,
		`{"vfinfo-list":{"info":[{"mac":null},{"bogus":1}]}}`, `{"linkinfo":{"kind":"vlan","data":{"vlan":{"id":5}}}}`, `{"ifi-flags":"up|running"}`} {
		f.Add(s)
	}
	fams := typedFamilies()
	f.Fuzz(func(t *testing.T, text string) {
		for _, fam := range fams {
			for _, op := range fam.Operations {
				req, err := newRequest(op, text)
				var ue *usageError
				switch {
				case err != nil && !errors.As(err, &ue):
					t.Fatalf("%s %s: %q: an error that is not a usage error: %v", fam.Name, op.Name, text, err)
				case err == nil:
					if _, err := json.Marshal(req); err != nil {
						t.Fatalf("%s %s: the request of %q does not encode as JSON: %v", fam.Name, op.Name, text, err)
					}
				}
			}
		}
	})
}
