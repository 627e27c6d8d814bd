package netlink

import (
	"bytes"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// Nests that start with a fixed structure (NestedWithHeader), such as
// VETH_INFO_PEER: a struct ifinfomsg, then IFLA_* attributes.

func TestAttributeNestedWithHeaderEncode(t *testing.T) {
	attrs := attrCat(nlattr(iflaIfname, []byte("peer0\x00")), nlattr(iflaMTU, nlaU32(1400)))
	fill := func(e *AttributeEncoder) error {
		e.String(iflaIfname, "peer0")
		e.Uint32(iflaMTU, 1400)
		return nil
	}
	tests := []struct {
		name string
		typ  uint16
		hdr  []byte
		fn   func(e *AttributeEncoder) error
		want []byte
	}{
		{name: "ifinfomsg", typ: 1, hdr: attrFamilyHeader(), fn: fill,
			want: nlattr(1, attrCat(attrFamilyHeader(), attrs))},
		{name: "3-byte header padded", typ: 1, hdr: []byte{7, 8, 9}, fn: fill,
			want: nlattr(1, attrCat([]byte{7, 8, 9, 0}, attrs))},
		{name: "5-byte header padded", typ: 1, hdr: []byte{1, 2, 3, 4, 5}, fn: fill,
			want: nlattr(1, attrCat([]byte{1, 2, 3, 4, 5, 0, 0, 0}, attrs))},
		{name: "empty header", typ: 1, hdr: nil, fn: fill, want: nlattr(1, attrs)},
		{name: "no attributes", typ: 1, hdr: []byte{1, 2, 3, 4}, fn: func(*AttributeEncoder) error { return nil },
			want: nlattr(1, []byte{1, 2, 3, 4})},
		{name: "flag asked for", typ: 1 | AttributeNested, hdr: []byte{1, 2, 3, 4}, fn: fill,
			want: nlattr(1|AttributeNested, attrCat([]byte{1, 2, 3, 4}, attrs))},
		{name: "nest inside", typ: 2, hdr: []byte{1, 2, 3, 4}, fn: func(e *AttributeEncoder) error {
			e.Nested(3, func(e *AttributeEncoder) error { e.Uint8(4, 5); return nil })
			return nil
		}, want: nlattr(2, attrCat([]byte{1, 2, 3, 4}, nlattr(3|AttributeNested, nlattr(4, []byte{5}))))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// A buffer of stale bytes: the padding must come out zero.
			stale := bytes.Repeat([]byte{0xee}, 256)
			e := NewAttributeEncoder()
			e.Reset(stale[:0])
			e.Uint32(9, 1)
			e.NestedWithHeader(tt.typ, tt.hdr, tt.fn)
			e.Uint32(9, 2)
			got, err := e.Encode()
			if err != nil {
				t.Fatal(err)
			}
			want := attrCat(nlattr(9, nlaU32(1)), tt.want, nlattr(9, nlaU32(2)))
			if diff := cmp.Diff(want, got); diff != "" {
				t.Fatalf("encoding (-want +got):\n%s", diff)
			}
		})
	}
}

func TestAttributeNestedWithHeaderEncodeErrors(t *testing.T) {
	errFn := errors.New("fn failed")
	tests := []struct {
		name string
		hdr  []byte
		fn   func(e *AttributeEncoder) error
		want error
	}{
		{name: "fn fails", hdr: []byte{1, 2, 3, 4}, fn: func(*AttributeEncoder) error { return errFn }, want: errFn},
		{name: "header too large", hdr: make([]byte, MaxAttributePayload+1),
			fn: func(*AttributeEncoder) error { return nil }, want: ErrTooLarge},
		{name: "nest too large", hdr: make([]byte, 60000), fn: func(e *AttributeEncoder) error {
			e.Bytes(1, make([]byte, 10000))
			return nil
		}, want: ErrTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var e AttributeEncoder
			e.NestedWithHeader(1, tt.hdr, tt.fn)
			if _, err := e.Encode(); !errors.Is(err, tt.want) {
				t.Fatalf("error %v, want %v", err, tt.want)
			}
		})
	}

	// The nesting limit counts nests with a header.
	var e AttributeEncoder
	var nest func(e *AttributeEncoder) error
	nest = func(e *AttributeEncoder) error {
		e.NestedWithHeader(1, []byte{0, 0, 0, 0}, nest)
		return nil
	}
	nest(&e)
	if _, err := e.Encode(); !errors.Is(err, ErrTooDeep) {
		t.Fatalf("endless nesting: error %v, want ErrTooDeep", err)
	}
}

func TestAttributeNestedWithHeaderDecode(t *testing.T) {
	type peer struct {
		Hdr  []byte
		Name string
		MTU  uint32
	}
	hdr := attrFamilyHeader()
	tests := []struct {
		name   string
		hdrLen int
		attr   []byte // the attribute decoded, after one of type 9
		want   peer
	}{
		{name: "ifinfomsg", hdrLen: 16,
			attr: nlattr(1, attrCat(hdr, nlattr(iflaIfname, []byte("peer0\x00")), nlattr(iflaMTU, nlaU32(1400)))),
			want: peer{Hdr: hdr, Name: "peer0", MTU: 1400}},
		{name: "3-byte header", hdrLen: 3,
			attr: nlattr(1, attrCat([]byte{7, 8, 9, 0}, nlattr(iflaMTU, nlaU32(1400)))),
			want: peer{Hdr: []byte{7, 8, 9}, MTU: 1400}},
		{name: "flagged NLA_F_NESTED", hdrLen: 16,
			attr: nlattr(1|AttributeNested, attrCat(hdr, nlattr(iflaMTU, nlaU32(1400)))),
			want: peer{Hdr: hdr, MTU: 1400}},
		{name: "header only", hdrLen: 16, attr: nlattr(1, hdr), want: peer{Hdr: hdr}},
		{name: "header without its padding", hdrLen: 3, attr: nlattr(1, []byte{7, 8, 9}),
			want: peer{Hdr: []byte{7, 8, 9}}},
		{name: "header of 0 bytes", hdrLen: 0, attr: nlattr(1, nlattr(iflaMTU, nlaU32(9))),
			want: peer{Hdr: []byte{}, MTU: 9}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := attrCat(nlattr(9, nlaU32(0)), tt.attr)
			d := NewAttributeDecoder(b)
			d.Next()
			d.Next()
			var got peer
			d.NestedWithHeader(tt.hdrLen, func(h []byte, d *AttributeDecoder) error {
				got.Hdr = h
				for d.Next() {
					switch d.Type() {
					case iflaIfname:
						got.Name = d.String()
					case iflaMTU:
						got.MTU = d.Uint32()
					}
				}
				return nil
			})
			if err := d.Err(); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Fatalf("decoded (-want +got):\n%s", diff)
			}
			if cap(got.Hdr) != tt.hdrLen {
				t.Fatalf("header has capacity %d, want %d: appending to it would overwrite the attributes", cap(got.Hdr), tt.hdrLen)
			}
		})
	}
}

func TestAttributeNestedWithHeaderDecodeErrors(t *testing.T) {
	errFn := errors.New("fn failed")
	lead := nlattr(9, nlaU32(0)) // 8 bytes before the attribute decoded
	tests := []struct {
		name   string
		hdrLen int
		attr   []byte
		fn     func(h []byte, d *AttributeDecoder) error
		err    error
		off    int
		typ    int
		msg    string
	}{
		{name: "payload shorter than the header", hdrLen: 16, attr: nlattr(1, make([]byte, 15)),
			err: ErrBadLength, off: 8, typ: 1,
			msg: "netlink: attribute 1 at offset 8: header needs 16 bytes, have 15"},
		{name: "empty payload", hdrLen: 4, attr: nlattr(1, nil), err: ErrBadLength, off: 8, typ: 1},
		{name: "negative header length", hdrLen: -1, attr: nlattr(1, make([]byte, 4)), err: ErrBadLength, off: 8, typ: 1},
		{name: "bad attribute after the header", hdrLen: 16,
			attr: nlattr(1, attrCat(make([]byte, 16), nlattr(2, nlaU32(1)), rawNLA(2, 3))),
			err:  ErrBadLength, off: 8 + 4 + 16 + 8, typ: 3},
		{name: "bad attribute after a padded header", hdrLen: 3,
			attr: nlattr(1, attrCat(make([]byte, 4), rawNLA(40, 3))),
			err:  ErrBadLength, off: 8 + 4 + 4, typ: 3,
			msg: "netlink: attribute 3 at offset 16: length 40 runs past the end of the buffer, 4 bytes left"},
		{name: "getter error inside", hdrLen: 4,
			attr: nlattr(1, attrCat(make([]byte, 4), nlattr(5, []byte{1}))),
			fn: func(_ []byte, d *AttributeDecoder) error {
				for d.Next() {
					d.Uint32()
				}
				return nil
			},
			err: ErrBadLength, off: 8 + 4 + 4, typ: 5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fn := tt.fn
			if fn == nil {
				fn = func(_ []byte, d *AttributeDecoder) error {
					for d.Next() {
					}
					return nil
				}
			}
			d := NewAttributeDecoder(attrCat(lead, tt.attr))
			d.Next()
			d.Next()
			called := false
			d.NestedWithHeader(tt.hdrLen, func(h []byte, d *AttributeDecoder) error {
				called = true
				return fn(h, d)
			})
			if tt.off == 8 && called {
				t.Fatal("fn was called for an attribute too short for its header")
			}
			checkParseError(t, d.Err(), tt.err, tt.off, tt.typ)
			if tt.msg != "" && d.Err().Error() != tt.msg {
				t.Fatalf("error %q, want %q", d.Err(), tt.msg)
			}
			if d.Next() {
				t.Fatal("Next after an error returned true")
			}
		})
	}

	// fn's error becomes the decoder's.
	d := decodeFirst(t, nlattr(1, make([]byte, 4)))
	d.NestedWithHeader(4, func([]byte, *AttributeDecoder) error { return errFn })
	if !errors.Is(d.Err(), errFn) {
		t.Fatalf("error %v, want fn's", d.Err())
	}

	// No current attribute.
	d = NewAttributeDecoder(nil)
	d.NestedWithHeader(4, func([]byte, *AttributeDecoder) error { t.Fatal("fn called"); return nil })
	checkParseError(t, d.Err(), ErrBadLength, 0, -1)
}

// The encoder's and the decoder's nests with a header agree, and
// decoding one allocates nothing.
func TestAttributeNestedWithHeaderRoundTrip(t *testing.T) {
	hdr := attrFamilyHeader()
	e := NewAttributeEncoder()
	e.NestedWithHeader(1, hdr, func(e *AttributeEncoder) error {
		e.String(iflaIfname, "peer0")
		e.NestedWithHeader(2, []byte{1, 2, 3}, func(e *AttributeEncoder) error {
			e.Uint8(3, 4)
			return nil
		})
		return nil
	})
	b, err := e.Encode()
	if err != nil {
		t.Fatal(err)
	}
	var d AttributeDecoder
	var name []byte
	var inner, v uint8
	walk := func() {
		d.Reset(b)
		d.Next()
		d.NestedWithHeader(len(hdr), func(h []byte, d *AttributeDecoder) error {
			if !bytes.Equal(h, hdr) {
				t.Errorf("header %x, want %x", h, hdr)
			}
			for d.Next() {
				switch d.Type() {
				case iflaIfname:
					name = d.Data()
				case 2:
					d.NestedWithHeader(3, func(h []byte, d *AttributeDecoder) error {
						inner = h[2]
						for d.Next() {
							v = d.Uint8()
						}
						return nil
					})
				}
			}
			return nil
		})
	}
	walk()
	if err := d.Err(); err != nil {
		t.Fatal(err)
	}
	if string(name) != "peer0\x00" || inner != 3 || v != 4 {
		t.Fatalf("decoded name %q, inner header byte %d, value %d; want \"peer0\\x00\", 3, 4", name, inner, v)
	}
	if n := testing.AllocsPerRun(100, walk); n != 0 {
		t.Errorf("decoding nests with headers: %v allocations, want 0", n)
	}
}
