package nldecode

import (
	"encoding/json"
	"testing"

	"github.com/nlgo/netlink"
	"github.com/nlgo/netlink/family/rtaddr"
	"github.com/nlgo/netlink/family/rtlink"
	"github.com/nlgo/netlink/family/rtroute"
)

// Hostile input: no bytes may make the decoder panic, and whatever it
// decodes prints as text and encodes as JSON. The seed corpus under
// testdata/fuzz holds datagrams of a 6.18 kernel: links, addresses,
// routes, neighbours, rules, nlctrl's families, an error with an extended
// ack, and an attribute tree of each kind the tables know.

// FuzzDecode decodes bytes as a datagram of a family, with the decoder's
// own tables and with the rtnetlink specs' names laid over them.
func FuzzDecode(f *testing.F) {
	f.Add(0, []byte{})
	f.Add(16, []byte{20, 0, 0, 0, 16, 0, 1, 0, 1, 0, 0, 0, 0, 0, 0, 0, 3, 2, 0, 0})
	var specs Decoder
	specs.AddSchema(rtlink.Describe())
	specs.AddSchema(rtaddr.Describe())
	specs.AddSchema(rtroute.Describe())
	f.Fuzz(func(t *testing.T, family int, b []byte) {
		var plain Decoder
		for _, d := range []*Decoder{&plain, &specs} {
			msgs := d.Decode(family, b)
			_ = Text(msgs)
			if _, err := json.Marshal(msgs); err != nil {
				t.Fatalf("the decoding of %x does not encode as JSON: %v", b, err)
			}
		}
	})
}

// FuzzGuess decodes bytes as a message nobody described.
func FuzzGuess(f *testing.F) {
	f.Add(4, []byte{})
	f.Add(0, []byte{8, 0, 0x12, 0x80, 4, 0, 1, 0})
	f.Fuzz(func(t *testing.T, hdrLen int, b []byte) {
		if hdrLen < 0 || hdrLen > 1<<16 {
			return
		}
		m := Guess(netlink.Message{Header: netlink.Header{Type: 100}, Data: b}, hdrLen)
		_ = m.String()
		if _, err := json.Marshal(m); err != nil {
			t.Fatalf("the guess of %x does not encode as JSON: %v", b, err)
		}
	})
}
