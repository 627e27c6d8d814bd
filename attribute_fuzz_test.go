package netlink

// Hostile input: hand-written malformed attributes, each with the error it
// must produce, and fuzz targets checking that no input panics and that
// whatever decodes re-encodes to the same attributes. The malformed inputs
// double as fuzz seeds.

import (
	"bytes"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// eachAttr returns a walk calling fn on every top-level attribute.
func eachAttr(fn func(d *AttributeDecoder)) func(d *AttributeDecoder) {
	return func(d *AttributeDecoder) {
		for d.Next() {
			fn(d)
		}
	}
}

// walkAttrsTyped decodes nests flagged AttributeNested and reads attributes of
// type 5 as uint32.
func walkAttrsTyped(d *AttributeDecoder) error {
	for d.Next() {
		switch {
		case d.TypeFlags()&AttributeNested != 0:
			d.Nested(walkAttrsTyped)
		case d.Type() == 5:
			d.Uint32()
		}
	}
	return nil
}

// malformedAttribute is a malformed input and the error decoding it gives.
type malformedAttribute struct {
	name string
	b    []byte
	walk func(d *AttributeDecoder) // nil: call Next until it returns false
	err  error                     // the sentinel the error wraps
	off  int                       // ParseError.Offset
	typ  int                       // ParseError.Type
	msg  string                    // the whole message, if not empty
}

func malformedAttributes() []malformedAttribute {
	all := func(d *AttributeDecoder) { _ = walkAttrs(d) }
	typed := func(d *AttributeDecoder) { _ = walkAttrsTyped(d) }
	eight := attrCat(nlattr(1, nlaU32(1)), nlattr(1, nlaU32(2)), nlattr(1, nlaU32(3)), nlattr(1, nlaU32(4)),
		nlattr(1, nlaU32(5)), nlattr(1, nlaU32(6)), nlattr(1, nlaU32(7)), nlattr(1, nlaU32(8)))
	return []malformedAttribute{
		// Headers.
		{name: "1 stray byte", b: []byte{1}, err: ErrBadLength, off: 0, typ: -1,
			msg: "netlink: attribute at offset 0: 1 trailing byte, too short for an attribute header"},
		{name: "2 stray bytes", b: []byte{4, 0}, err: ErrBadLength, off: 0, typ: -1},
		{name: "3 stray bytes", b: []byte{4, 0, 1}, err: ErrBadLength, off: 0, typ: -1},
		{name: "length 0", b: rawNLA(0, 7), err: ErrBadLength, off: 0, typ: 7},
		{name: "length 1", b: rawNLA(1, 7), err: ErrBadLength, off: 0, typ: 7},
		{name: "length 3", b: rawNLA(3, 7, 1, 2, 3, 4), err: ErrBadLength, off: 0, typ: 7,
			msg: "netlink: attribute 7 at offset 0: length 3 < 4"},
		{name: "length 0 with flags", b: rawNLA(0, 7|AttributeNested|AttributeNetByteOrder), err: ErrBadLength, off: 0, typ: 7},
		{name: "length past end", b: rawNLA(9, 7, 1, 2, 3, 4), err: ErrBadLength, off: 0, typ: 7,
			msg: "netlink: attribute 7 at offset 0: length 9 runs past the end of the buffer, 8 bytes left"},
		{name: "length 65535", b: rawNLA(0xffff, 7, 1, 2, 3, 4), err: ErrBadLength, off: 0, typ: 7},
		{name: "header only, length 8", b: rawNLA(8, 7), err: ErrBadLength, off: 0, typ: 7},
		{name: "header only, length 5", b: rawNLA(5, 7), err: ErrBadLength, off: 0, typ: 7},
		{name: "second attribute length 2", b: attrCat(nlattr(1, nlaU32(1)), rawNLA(2, 9)), err: ErrBadLength, off: 8, typ: 9},
		{name: "second attribute past end", b: attrCat(nlattr(1, nlaU32(1)), rawNLA(12, 9, 1, 2, 3, 4)), err: ErrBadLength, off: 8, typ: 9},
		{name: "third attribute past end", b: attrCat(nlattr(1, nlaU32(1)), nlattr(2, []byte{2}), rawNLA(12, 3, 1, 2, 3, 4)), err: ErrBadLength, off: 16, typ: 3},
		{name: "stray bytes after attribute", b: attrCat(nlattr(1, nlaU32(1)), []byte{0, 0}), err: ErrBadLength, off: 8, typ: -1},
		{name: "stray byte after padding", b: attrCat(rawNLA(5, 1, 0xaa), []byte{0, 0, 0}, []byte{0}), err: ErrBadLength, off: 8, typ: -1},
		{name: "stray bytes after padding", b: attrCat(nlattr(1, []byte{1}), []byte{0, 0, 0}), err: ErrBadLength, off: 8, typ: -1},

		// Getters on payloads of the wrong size.
		{name: "uint8 from 2 bytes", b: nlattr(7, []byte{1, 2}), walk: eachAttr(func(d *AttributeDecoder) { d.Uint8() }), err: ErrBadLength, off: 0, typ: 7,
			msg: "netlink: attribute 7 at offset 0: uint8 needs 1 byte, have 2"},
		{name: "uint16 from 1 byte", b: nlattr(7, []byte{1}), walk: eachAttr(func(d *AttributeDecoder) { d.Uint16() }), err: ErrBadLength, off: 0, typ: 7},
		{name: "uint16 from 4 bytes", b: nlattr(7, nlaU32(1)), walk: eachAttr(func(d *AttributeDecoder) { d.Uint16() }), err: ErrBadLength, off: 0, typ: 7},
		{name: "uint32 from 3 bytes", b: attrCat(eight, nlattr(7, []byte{1, 2, 3})), walk: eachAttr(func(d *AttributeDecoder) { d.Uint32() }), err: ErrBadLength, off: 64, typ: 7,
			msg: "netlink: attribute 7 at offset 64: uint32 needs 4 bytes, have 3"},
		{name: "uint32 from 8 bytes", b: nlattr(7, nlaU64(1)), walk: eachAttr(func(d *AttributeDecoder) { d.Uint32() }), err: ErrBadLength, off: 0, typ: 7},
		{name: "uint64 from 4 bytes", b: nlattr(7, nlaU32(1)), walk: eachAttr(func(d *AttributeDecoder) { d.Uint64() }), err: ErrBadLength, off: 0, typ: 7},
		{name: "int8 from 0 bytes", b: nlattr(7, nil), walk: eachAttr(func(d *AttributeDecoder) { d.Int8() }), err: ErrBadLength, off: 0, typ: 7},
		{name: "int16 from 3 bytes", b: nlattr(7, []byte{1, 2, 3}), walk: eachAttr(func(d *AttributeDecoder) { d.Int16() }), err: ErrBadLength, off: 0, typ: 7},
		{name: "int32 from 2 bytes", b: nlattr(7, nlaU16(1)), walk: eachAttr(func(d *AttributeDecoder) { d.Int32() }), err: ErrBadLength, off: 0, typ: 7},
		{name: "int64 from 7 bytes", b: nlattr(7, make([]byte, 7)), walk: eachAttr(func(d *AttributeDecoder) { d.Int64() }), err: ErrBadLength, off: 0, typ: 7},
		{name: "uint from 2 bytes", b: nlattr(7, nlaU16(1)), walk: eachAttr(func(d *AttributeDecoder) { d.Uint() }), err: ErrBadLength, off: 0, typ: 7,
			msg: "netlink: attribute 7 at offset 0: uint needs 4 or 8 bytes, have 2"},
		{name: "uint from 6 bytes", b: nlattr(7, make([]byte, 6)), walk: eachAttr(func(d *AttributeDecoder) { d.Uint() }), err: ErrBadLength, off: 0, typ: 7},
		{name: "int from 5 bytes", b: nlattr(7, make([]byte, 5)), walk: eachAttr(func(d *AttributeDecoder) { d.Int() }), err: ErrBadLength, off: 0, typ: 7},
		{name: "flag with payload", b: nlattr(7, []byte{1}), walk: eachAttr(func(d *AttributeDecoder) { d.Flag() }), err: ErrBadLength, off: 0, typ: 7},
		{name: "bitfield32 from 4 bytes", b: nlattr(7, nlaU32(1)), walk: eachAttr(func(d *AttributeDecoder) { d.Bitfield32() }), err: ErrBadLength, off: 0, typ: 7},
		{name: "type reported without flags", b: nlattr(7|AttributeNetByteOrder, nlaU16(1)), walk: eachAttr(func(d *AttributeDecoder) { d.Uint32() }), err: ErrBadLength, off: 0, typ: 7},
		{name: "getter before Next", b: nlattr(7, nlaU32(1)), walk: func(d *AttributeDecoder) { d.Uint32() }, err: ErrBadLength, off: 0, typ: -1,
			msg: "netlink: attribute at offset 0: no current attribute"},
		{name: "getter after the end", b: nlattr(7, nlaU32(1)), walk: func(d *AttributeDecoder) {
			for d.Next() {
			}
			d.Uint32()
		}, err: ErrBadLength, off: 8, typ: -1},
		{name: "first error wins", b: attrCat(nlattr(1, nlaU16(1)), nlattr(2, []byte{1})), walk: eachAttr(func(d *AttributeDecoder) { d.Uint32(); d.Uint8() }), err: ErrBadLength, off: 0, typ: 1},

		// Nests: offsets stay relative to the outermost buffer.
		{name: "nested length 2", b: nlattr(1|AttributeNested, rawNLA(2, 5)), walk: all, err: ErrBadLength, off: 4, typ: 5},
		{name: "nested past end of nest", b: attrCat(nlattr(1|AttributeNested, rawNLA(12, 5, 1, 2, 3, 4)), nlattr(2, nlaU32(0))), walk: all, err: ErrBadLength, off: 4, typ: 5},
		{name: "nested stray bytes", b: nlattr(1|AttributeNested, attrCat(nlattr(2, nlaU32(2)), []byte{0, 0})), walk: all, err: ErrBadLength, off: 12, typ: -1},
		{name: "nest of 2 bytes", b: nlattr(1, []byte{1, 2}), walk: eachAttr(func(d *AttributeDecoder) { d.Nested(walkAttrs) }), err: ErrBadLength, off: 4, typ: -1},
		{name: "nested getter two levels down", b: attrCat(nlattr(1, nlaU32(1)), nlattr(2|AttributeNested, nlattr(3|AttributeNested, attrCat(nlattr(4, []byte{1}), nlattr(5, []byte{1, 2, 3}))))),
			walk: typed, err: ErrBadLength, off: 24, typ: 5, msg: "netlink: attribute 5 at offset 24: uint32 needs 4 bytes, have 3"},
		{name: "nesting too deep", b: attrNestChain(MaxNestingDepth + 1), walk: all, err: ErrTooDeep, off: 4 * MaxNestingDepth, typ: MaxNestingDepth + 1},
		{name: "array entry length 0", b: nlattr(1|AttributeNested, attrCat(nlattr(1|AttributeNested, nlattr(1, nlaU32(0))), rawNLA(0, 2))),
			walk: eachAttr(func(d *AttributeDecoder) {
				d.NestedArray(func(_ int, d *AttributeDecoder) error { return walkAttrs(d) })
			}), err: ErrBadLength, off: 16, typ: 2},
		{name: "array entry holding length 3", b: nlattr(1|AttributeNested, nlattr(1|AttributeNested, rawNLA(3, 1))),
			walk: eachAttr(func(d *AttributeDecoder) {
				d.NestedArray(func(_ int, d *AttributeDecoder) error { return walkAttrs(d) })
			}), err: ErrBadLength, off: 8, typ: 1},
	}
}

func TestAttributeDecodeMalformed(t *testing.T) {
	for _, tt := range malformedAttributes() {
		t.Run(tt.name, func(t *testing.T) {
			d := NewAttributeDecoder(tt.b)
			if tt.walk != nil {
				tt.walk(d)
			} else {
				for d.Next() {
				}
			}
			err := d.Err()
			if !errors.Is(err, tt.err) {
				t.Fatalf("got error %v, want %v", err, tt.err)
			}
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("error %v (%T) is not a *ParseError", err, err)
			}
			want := ParseError{What: "attribute", Offset: tt.off, Type: tt.typ, Err: tt.err}
			if diff := cmp.Diff(want, *pe, cmpopts.IgnoreFields(ParseError{}, "Detail"), cmpopts.EquateErrors()); diff != "" {
				t.Errorf("ParseError (-want +got):\n%s", diff)
			}
			if tt.msg != "" && err.Error() != tt.msg {
				t.Errorf("message %q, want %q", err.Error(), tt.msg)
			}
			// After an error, Next stops and getters return zero values.
			if d.Next() {
				t.Errorf("Next returned true after an error")
			}
			if d.Uint32() != 0 || d.Data() != nil || d.Len() != 0 || d.Err() != err {
				t.Errorf("getters after an error: %d, %v, %d, %v", d.Uint32(), d.Data(), d.Len(), d.Err())
			}
			if _, err := UnmarshalAttributes(tt.b); tt.walk == nil && !errors.Is(err, tt.err) {
				t.Errorf("UnmarshalAttributes: got error %v, want %v", err, tt.err)
			}
		})
	}
}

// TestAttributeDecoderStoppedAsked holds Next's promise for a walk that
// stops at a malformed header: the header's error is the first error
// whichever method asks first, Err or a getter, Do or Nested on the
// attribute that is no longer there.
func TestAttributeDecoderStoppedAsked(t *testing.T) {
	asks := []struct {
		name string
		ask  func(d *AttributeDecoder)
	}{
		{name: "Err", ask: func(d *AttributeDecoder) { d.Err() }},
		{name: "Uint32", ask: func(d *AttributeDecoder) { d.Uint32() }},
		{name: "Do", ask: func(d *AttributeDecoder) { d.Do(func([]byte) error { return errors.New("called") }) }},
		{name: "Nested", ask: func(d *AttributeDecoder) { d.Nested(walkAttrs) }},
		{name: "Next again", ask: func(d *AttributeDecoder) { d.Next() }},
	}
	for _, tt := range malformedAttributes() {
		if tt.walk != nil {
			continue // the header cases only
		}
		for _, a := range asks {
			t.Run(tt.name+"/"+a.name, func(t *testing.T) {
				d := NewAttributeDecoder(tt.b)
				for d.Next() {
				}
				a.ask(d)
				var pe *ParseError
				if !errors.As(d.Err(), &pe) {
					t.Fatalf("error %v (%T) is not a *ParseError", d.Err(), d.Err())
				}
				want := ParseError{What: "attribute", Offset: tt.off, Type: tt.typ, Err: tt.err}
				if diff := cmp.Diff(want, *pe, cmpopts.IgnoreFields(ParseError{}, "Detail"), cmpopts.EquateErrors()); diff != "" {
					t.Errorf("ParseError (-want +got):\n%s", diff)
				}
			})
		}
	}
}

// attrNestChain returns depth attributes, each nested in the one before, the
// innermost holding a uint32 of type 99.
func attrNestChain(depth int) []byte {
	b := nlattr(99, nlaU32(7))
	for i := depth; i > 0; i-- {
		b = nlattr(uint16(i)|AttributeNested, b)
	}
	return b
}

// walkAttrs decodes every attribute of d, recursing into those flagged
// AttributeNested.
func walkAttrs(d *AttributeDecoder) error {
	for d.Next() {
		if d.TypeFlags()&AttributeNested != 0 {
			d.Nested(walkAttrs)
		}
	}
	return d.Err()
}

func TestAttributeNestedDeep(t *testing.T) {
	tests := []struct {
		name  string
		depth int
		err   error
	}{
		{name: "one level", depth: 1},
		{name: "five levels", depth: 5},
		{name: "at the limit", depth: MaxNestingDepth},
		{name: "one too deep", depth: MaxNestingDepth + 1, err: ErrTooDeep},
		{name: "far too deep", depth: 3 * MaxNestingDepth, err: ErrTooDeep},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := walkAttrs(NewAttributeDecoder(attrNestChain(tt.depth)))
			if !errors.Is(err, tt.err) {
				t.Fatalf("decode: got %v, want %v", err, tt.err)
			}

			// The encoder builds the same bytes, and has the same limit.
			var fill func(level int) func(*AttributeEncoder) error
			fill = func(level int) func(*AttributeEncoder) error {
				return func(e *AttributeEncoder) error {
					if level == tt.depth {
						e.Uint32(99, 7)
						return nil
					}
					e.Nested(uint16(level+1), fill(level+1))
					return nil
				}
			}
			e := NewAttributeEncoder()
			_ = fill(0)(e)
			b, err := e.Encode()
			if !errors.Is(err, tt.err) {
				t.Fatalf("encode: got %v, want %v", err, tt.err)
			}
			if err != nil {
				return
			}
			if diff := cmp.Diff(attrNestChain(tt.depth), b); diff != "" {
				t.Errorf("encoded bytes (-want +got):\n%s", diff)
			}
		})
	}
}

func TestAttributeDecoderCallbackErrors(t *testing.T) {
	errFn := errors.New("fn failed")
	b := attrCat(nlattr(1|AttributeNested, nlattr(2, nlaU32(2))), nlattr(3, nlaU32(3)))
	tests := []struct {
		name string
		walk func(d *AttributeDecoder)
		err  error
	}{
		{
			name: "do",
			walk: func(d *AttributeDecoder) { d.Do(func([]byte) error { return errFn }) },
			err:  errFn,
		},
		{
			name: "nested",
			walk: func(d *AttributeDecoder) { d.Nested(func(*AttributeDecoder) error { return errFn }) },
			err:  errFn,
		},
		{
			name: "fn error wins over inner error",
			walk: func(d *AttributeDecoder) {
				d.Nested(func(c *AttributeDecoder) error {
					c.Next()
					c.Uint8()
					return errFn
				})
			},
			err: errFn,
		},
		{
			name: "inner error without fn error",
			walk: func(d *AttributeDecoder) {
				d.Nested(func(c *AttributeDecoder) error {
					c.Next()
					c.Uint8()
					return nil
				})
			},
			err: ErrBadLength,
		},
		{
			name: "array fn error",
			walk: func(d *AttributeDecoder) {
				d.NestedArray(func(int, *AttributeDecoder) error { return errFn })
			},
			err: errFn,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := NewAttributeDecoder(b)
			n := 0
			for d.Next() {
				n++
				tt.walk(d)
			}
			if !errors.Is(d.Err(), tt.err) {
				t.Fatalf("Err = %v, want %v", d.Err(), tt.err)
			}
			if n != 1 {
				t.Errorf("Next returned true %d times, want 1: iteration must stop at the error", n)
			}
		})
	}
}

// attrEntry is one decoded attribute: a leaf with its payload, or a nest
// (flagged AttributeNested) followed by its contents one level deeper. A
// tree is kept as a flat list in pre-order because cmp.Diff takes time
// exponential in the depth of nested slices.
type attrEntry struct {
	Depth int
	Type  uint16 // raw, flags included
	Data  []byte // nil for a nest
}

// decodeAttrTree appends every attribute of d to tree, recursing into nests
// flagged AttributeNested, and reads each leaf with every getter that fits
// its size, which must not fail.
func decodeAttrTree(t *testing.T, d *AttributeDecoder, depth int, tree []attrEntry) []attrEntry {
	for d.Next() {
		n := attrEntry{Depth: depth, Type: d.Type() | d.TypeFlags()}
		if n.Type&AttributeNested != 0 {
			tree = append(tree, n)
			d.Nested(func(d *AttributeDecoder) error {
				tree = decodeAttrTree(t, d, depth+1, tree)
				return nil
			})
			continue
		}
		n.Data = d.Bytes()
		readAttrPayload(d)
		if d.Err() != nil {
			t.Fatalf("getter of the right size failed: %v", d.Err())
		}
		tree = append(tree, n)
	}
	return tree
}

// readAttrPayload calls every getter that fits the current attribute's size.
func readAttrPayload(d *AttributeDecoder) {
	_ = d.String()
	switch d.Len() {
	case 0:
		d.Flag()
	case 1:
		d.Uint8()
		d.Int8()
	case 2:
		d.Uint16()
		d.Int16()
	case 4:
		d.Uint32()
		d.Int32()
		d.Uint()
		d.Int()
	case 8:
		d.Uint64()
		d.Int64()
		d.Uint()
		d.Int()
		d.Bitfield32()
	}
}

// encodeAttrTree encodes the entries of tree at depth, and those nested in
// them, and returns the rest.
func encodeAttrTree(e *AttributeEncoder, tree []attrEntry, depth int) []attrEntry {
	for len(tree) > 0 && tree[0].Depth == depth {
		n := tree[0]
		tree = tree[1:]
		if n.Type&AttributeNested == 0 {
			e.Bytes(n.Type, n.Data)
			continue
		}
		e.Nested(n.Type, func(e *AttributeEncoder) error {
			tree = encodeAttrTree(e, tree, depth+1)
			return nil
		})
	}
	return tree
}

// checkAttrParseError fails unless err is a *ParseError about an attribute
// inside b, wrapping one of the decoder's sentinels.
func checkAttrParseError(t *testing.T, b []byte, err error) {
	t.Helper()
	var pe *ParseError
	switch {
	case !errors.As(err, &pe):
		t.Fatalf("error %v (%T) is not a *ParseError", err, err)
	case !errors.Is(err, ErrBadLength) && !errors.Is(err, ErrTooDeep):
		t.Fatalf("error %v wraps neither ErrBadLength nor ErrTooDeep", err)
	case pe.Offset < 0 || pe.Offset > len(b):
		t.Fatalf("error %v: offset outside the %d-byte input", err, len(b))
	}
}

// addAttrSeeds adds the malformed inputs and some well-formed ones.
func addAttrSeeds(f *testing.F) {
	for _, tt := range malformedAttributes() {
		f.Add(tt.b)
	}
	f.Add([]byte{})
	f.Add(linkAttrBlock())
	f.Add(attrNestChain(4))
	f.Add(attrCat(nlattr(1|AttributeNested, attrCat(nlattr(1|AttributeNested, nlattr(1, nlaU32(0))), nlattr(2|AttributeNested, nil))), nlattr(2, []byte("x\x00"))))
}

func FuzzAttributeDecode(f *testing.F) {
	addAttrSeeds(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		// Any getter on any attribute fails cleanly or not at all.
		d := NewAttributeDecoder(b)
		for d.Next() {
			switch d.Len() % 3 {
			case 0:
				d.Uint32()
			case 1:
				d.Nested(func(d *AttributeDecoder) error { return walkAttrsTyped(d) })
			case 2:
				d.Uint()
			}
		}
		if err := d.Err(); err != nil {
			checkAttrParseError(t, b, err)
		}

		// What decodes, nests included, re-encodes to the same attributes.
		d.Reset(b)
		tree := decodeAttrTree(t, d, 0, nil)
		if err := d.Err(); err != nil {
			checkAttrParseError(t, b, err)
			return
		}
		e := NewAttributeEncoder()
		if rest := encodeAttrTree(e, tree, 0); len(rest) != 0 {
			t.Fatalf("%d attributes left over after re-encoding", len(rest))
		}
		b2, err := e.Encode()
		if err != nil {
			t.Fatalf("re-encoding what decoded: %v", err)
		}
		d.Reset(b2)
		tree2 := decodeAttrTree(t, d, 0, nil)
		if err := d.Err(); err != nil {
			t.Fatalf("decoding the re-encoded bytes: %v", err)
		}
		if diff := cmp.Diff(tree, tree2, cmpopts.EquateEmpty()); diff != "" {
			t.Fatalf("re-decoded attributes (-first +second):\n%s", diff)
		}
	})
}

func FuzzAttributeRoundTrip(f *testing.F) {
	addAttrSeeds(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		attrs, err := UnmarshalAttributes(b)
		if err != nil {
			checkAttrParseError(t, b, err)
			return
		}
		b2, err := MarshalAttributes(attrs)
		if err != nil {
			t.Fatalf("MarshalAttributes of decoded attributes: %v", err)
		}
		// Only the last attribute's padding can be missing from the input.
		if len(b2) != AttributeAlign(len(b)) {
			t.Fatalf("re-encoded %d bytes into %d, want %d", len(b), len(b2), AttributeAlign(len(b)))
		}
		attrs2, err := UnmarshalAttributes(b2)
		if err != nil {
			t.Fatalf("UnmarshalAttributes of re-encoded bytes: %v", err)
		}
		if diff := cmp.Diff(attrs, attrs2, cmpAttrs); diff != "" {
			t.Fatalf("round trip (-first +second):\n%s", diff)
		}
		b3, err := MarshalAttributes(attrs2)
		if err != nil || !bytes.Equal(b2, b3) {
			t.Fatalf("second encoding differs from the first (error %v)", err)
		}
	})
}
