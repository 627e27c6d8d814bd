package netlink

// Fuzz targets for the address getters, the network-order getters and
// NestedWithHeader: no input panics, every error is a *ParseError inside
// the input, and whatever decodes re-encodes to the same payload. Seed
// corpora are in testdata/fuzz/FuzzAttributeAddress and
// testdata/fuzz/FuzzAttributeNestedWithHeader.

import (
	"bytes"
	"encoding/binary"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// addrGetters are the getters FuzzAttributeAddress calls on every
// attribute; each returns the payload its value re-encodes to, and
// checks what it can of the value.
var addrGetters = []struct {
	name string
	get  func(t *testing.T, d *AttributeDecoder, bits uint8) (payload []byte, ok bool)
}{
	{"Addr", func(t *testing.T, d *AttributeDecoder, _ uint8) ([]byte, bool) {
		a := d.Addr()
		if d.Err() != nil {
			return nil, false
		}
		return encodeOne(t, func(e *AttributeEncoder) { e.Addr(1, a) }), true
	}},
	{"Prefix", func(t *testing.T, d *AttributeDecoder, bits uint8) ([]byte, bool) {
		p := d.Prefix(bits)
		if d.Err() != nil {
			return nil, false
		}
		if p.Bits() != int(bits) {
			t.Fatalf("Prefix(%d) = %v", bits, p)
		}
		var got uint8
		b := encodeOne(t, func(e *AttributeEncoder) { got = e.Prefix(1, p) })
		if got != bits {
			t.Fatalf("encoding %v returned %d, want %d", p, got, bits)
		}
		return b, true
	}},
	{"HardwareAddr", func(t *testing.T, d *AttributeDecoder, _ uint8) ([]byte, bool) {
		a := d.HardwareAddr()
		if d.Err() != nil {
			return nil, false
		}
		if &a[0] == &d.Data()[0] {
			t.Fatal("HardwareAddr aliases the decoded buffer")
		}
		return encodeOne(t, func(e *AttributeEncoder) { e.HardwareAddr(1, a) }), true
	}},
	{"AppendHardwareAddr", func(t *testing.T, d *AttributeDecoder, _ uint8) ([]byte, bool) {
		var buf [MaxHardwareAddrLen]byte
		a := d.AppendHardwareAddr(buf[:0])
		if d.Err() != nil {
			if len(a) != 0 {
				t.Fatalf("AppendHardwareAddr appended %d bytes and failed", len(a))
			}
			return nil, false
		}
		return encodeOne(t, func(e *AttributeEncoder) { e.HardwareAddr(1, a) }), true
	}},
	{"Uint16BE", func(t *testing.T, d *AttributeDecoder, _ uint8) ([]byte, bool) {
		v := d.Uint16BE()
		return encodeOne(t, func(e *AttributeEncoder) { e.Uint16BE(1, v) }), d.Err() == nil
	}},
	{"Uint32BE", func(t *testing.T, d *AttributeDecoder, _ uint8) ([]byte, bool) {
		v := d.Uint32BE()
		return encodeOne(t, func(e *AttributeEncoder) { e.Uint32BE(1, v) }), d.Err() == nil
	}},
	{"Uint64BE", func(t *testing.T, d *AttributeDecoder, _ uint8) ([]byte, bool) {
		v := d.Uint64BE()
		return encodeOne(t, func(e *AttributeEncoder) { e.Uint64BE(1, v) }), d.Err() == nil
	}},
}

// encodeOne returns the payload of the one attribute fn encodes.
func encodeOne(t *testing.T, fn func(e *AttributeEncoder)) []byte {
	t.Helper()
	var e AttributeEncoder
	fn(&e)
	b, err := e.Encode()
	if err != nil {
		t.Fatalf("re-encoding a decoded value: %v", err)
	}
	return b[AttributeHeaderLen:binary.NativeEndian.Uint16(b)]
}

func FuzzAttributeAddress(f *testing.F) {
	f.Add(attrCat(nlattr(1, []byte{192, 0, 2, 1}), nlattr(2, bytes.Repeat([]byte{0x20}, 16))), uint8(24))
	f.Add(nlattr(1, []byte{2, 0, 0, 0, 0, 1}), uint8(0))
	f.Add(attrCat(nlattr(1, []byte{1, 2}), nlattr(2, nlaU64(1)), nlattr(3, make([]byte, 33))), uint8(129))
	f.Fuzz(func(t *testing.T, b []byte, bits uint8) {
		for _, g := range addrGetters {
			d := NewAttributeDecoder(b)
			for d.Next() {
				data := d.Data()
				payload, ok := g.get(t, d, bits)
				if !ok {
					break
				}
				if !bytes.Equal(payload, data) {
					t.Fatalf("%s: payload %x re-encodes to %x", g.name, data, payload)
				}
			}
			if err := d.Err(); err != nil {
				checkAttrParseError(t, b, err)
			}
		}
	})
}

// headerNest is what FuzzAttributeNestedWithHeader decodes of one
// attribute: the structure and the attributes after it.
type headerNest struct {
	Type  uint16
	Hdr   []byte
	Attrs []Attribute
}

// decodeHeaderNests decodes every attribute of d as a nest with a header
// of hdrLen bytes.
func decodeHeaderNests(d *AttributeDecoder, hdrLen int) []headerNest {
	var nests []headerNest
	for d.Next() {
		n := headerNest{Type: d.Type() | d.TypeFlags()}
		d.NestedWithHeader(hdrLen, func(hdr []byte, d *AttributeDecoder) error {
			if len(hdr) != hdrLen || cap(hdr) != hdrLen {
				panic("header of the wrong length or capacity")
			}
			n.Hdr = bytes.Clone(hdr)
			for d.Next() {
				n.Attrs = append(n.Attrs, Attribute{Type: d.Type() | d.TypeFlags(), Data: bytes.Clone(d.Data())})
			}
			return nil
		})
		nests = append(nests, n)
	}
	return nests
}

func FuzzAttributeNestedWithHeader(f *testing.F) {
	peer := nlattr(1, attrCat(attrFamilyHeader(), nlattr(iflaIfname, []byte("peer0\x00")), nlattr(iflaMTU, nlaU32(1400))))
	f.Add(peer, uint8(16))
	f.Add(nlattr(1, attrCat([]byte{7, 8, 9, 0}, nlattr(2, []byte{1}))), uint8(3))
	f.Add(nlattr(1, make([]byte, 15)), uint8(16))
	f.Add(attrCat(nlattr(1, []byte{1, 2, 3}), rawNLA(40, 3)), uint8(3))
	f.Fuzz(func(t *testing.T, b []byte, hdrLen uint8) {
		d := NewAttributeDecoder(b)
		nests := decodeHeaderNests(d, int(hdrLen))
		if err := d.Err(); err != nil {
			checkAttrParseError(t, b, err)
			return
		}
		var e AttributeEncoder
		for _, n := range nests {
			e.NestedWithHeader(n.Type, n.Hdr, func(e *AttributeEncoder) error {
				for _, a := range n.Attrs {
					e.Bytes(a.Type, a.Data)
				}
				return nil
			})
		}
		b2, err := e.Encode()
		if err != nil {
			t.Fatalf("re-encoding what decoded: %v", err)
		}
		d.Reset(b2)
		nests2 := decodeHeaderNests(d, int(hdrLen))
		if err := d.Err(); err != nil {
			t.Fatalf("decoding the re-encoded bytes: %v", err)
		}
		if diff := cmp.Diff(nests, nests2, cmpopts.EquateEmpty()); diff != "" {
			t.Fatalf("re-decoded nests (-first +second):\n%s", diff)
		}
	})
}
