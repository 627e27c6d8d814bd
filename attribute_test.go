package netlink

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// Helpers building wire bytes. Headers and integers are in native byte
// order, so the expected vectors hold on big-endian machines too.

// rawNLA returns a raw attribute header claiming length and typ, followed by
// payload, with no padding: it can describe malformed attributes.
func rawNLA(length, typ uint16, payload ...byte) []byte {
	b := binary.NativeEndian.AppendUint16(nil, length)
	b = binary.NativeEndian.AppendUint16(b, typ)
	return append(b, payload...)
}

// nlattr returns a well-formed attribute: header, payload and zero padding.
func nlattr(typ uint16, payload []byte) []byte {
	b := rawNLA(uint16(AttributeLen(len(payload))), typ, payload...)
	return append(b, make([]byte, AttributeSpace(len(payload))-len(b))...)
}

// attrCat concatenates byte slices.
func attrCat(bs ...[]byte) []byte { return bytes.Join(bs, nil) }

func nlaU16(v uint16) []byte { return binary.NativeEndian.AppendUint16(nil, v) }
func nlaU32(v uint32) []byte { return binary.NativeEndian.AppendUint32(nil, v) }
func nlaU64(v uint64) []byte { return binary.NativeEndian.AppendUint64(nil, v) }

// encodeAttrs runs fn on a new encoder and returns the result.
func encodeAttrs(t *testing.T, fn func(e *AttributeEncoder)) []byte {
	t.Helper()
	e := NewAttributeEncoder()
	fn(e)
	b, err := e.Encode()
	if err != nil {
		t.Fatalf("Encode: %v", err)
	}
	return b
}

// firstAttr advances d to its first attribute and fails the test if there is none.
func firstAttr(t *testing.T, d *AttributeDecoder) *AttributeDecoder {
	t.Helper()
	if !d.Next() {
		t.Fatalf("no attribute to decode: %v", d.Err())
	}
	return d
}

func TestAttributeEncodeDecode(t *testing.T) {
	type (
		enc = func(*AttributeEncoder)
		dec = func(*AttributeDecoder) any
	)
	var (
		getU8  dec = func(d *AttributeDecoder) any { return d.Uint8() }
		getU16 dec = func(d *AttributeDecoder) any { return d.Uint16() }
		getU32 dec = func(d *AttributeDecoder) any { return d.Uint32() }
		getU64 dec = func(d *AttributeDecoder) any { return d.Uint64() }
		getI8  dec = func(d *AttributeDecoder) any { return d.Int8() }
		getI16 dec = func(d *AttributeDecoder) any { return d.Int16() }
		getI32 dec = func(d *AttributeDecoder) any { return d.Int32() }
		getI64 dec = func(d *AttributeDecoder) any { return d.Int64() }
		getU   dec = func(d *AttributeDecoder) any { return d.Uint() }
		getI   dec = func(d *AttributeDecoder) any { return d.Int() }
		getStr dec = func(d *AttributeDecoder) any { return d.String() }
		getB   dec = func(d *AttributeDecoder) any { return d.Bytes() }
		getBF  dec = func(d *AttributeDecoder) any { v, s := d.Bitfield32(); return [2]uint32{v, s} }
		getTF  dec = func(d *AttributeDecoder) any { return [2]uint16{d.Type(), d.TypeFlags()} }
		getDo  dec = func(d *AttributeDecoder) any {
			var got []byte
			d.Do(func(b []byte) error { got = append(got, b...); return nil })
			return got
		}
		getNest dec = func(d *AttributeDecoder) any {
			var got []any
			d.Nested(func(d *AttributeDecoder) error {
				for d.Next() {
					got = append(got, d.Type(), d.Bytes())
				}
				return nil
			})
			return got
		}
		getArray dec = func(d *AttributeDecoder) any {
			var got []any
			d.NestedArray(func(i int, d *AttributeDecoder) error {
				for d.Next() {
					got = append(got, i, d.Uint32())
				}
				return nil
			})
			return got
		}
	)
	tests := []struct {
		name string
		enc  enc
		want []byte
		dec  dec
		vals []any // dec's result for each top-level attribute
	}{
		{"uint8", func(e *AttributeEncoder) { e.Uint8(1, 0xfe) }, nlattr(1, []byte{0xfe}), getU8, []any{uint8(0xfe)}},
		{"uint16", func(e *AttributeEncoder) { e.Uint16(2, 0xfeed) }, nlattr(2, nlaU16(0xfeed)), getU16, []any{uint16(0xfeed)}},
		{"uint32", func(e *AttributeEncoder) { e.Uint32(3, 0xdeadbeef) }, nlattr(3, nlaU32(0xdeadbeef)), getU32, []any{uint32(0xdeadbeef)}},
		{"uint64", func(e *AttributeEncoder) { e.Uint64(4, math.MaxUint64-1) }, nlattr(4, nlaU64(math.MaxUint64-1)), getU64, []any{uint64(math.MaxUint64 - 1)}},
		{"int8", func(e *AttributeEncoder) { e.Int8(5, -2) }, nlattr(5, []byte{0xfe}), getI8, []any{int8(-2)}},
		{"int16", func(e *AttributeEncoder) { e.Int16(6, math.MinInt16) }, nlattr(6, nlaU16(0x8000)), getI16, []any{int16(math.MinInt16)}},
		{"int32", func(e *AttributeEncoder) { e.Int32(7, -1) }, nlattr(7, nlaU32(math.MaxUint32)), getI32, []any{int32(-1)}},
		{"int64", func(e *AttributeEncoder) { e.Int64(8, math.MinInt64) }, nlattr(8, nlaU64(1<<63)), getI64, []any{int64(math.MinInt64)}},
		{"uint fits 32 bits", func(e *AttributeEncoder) { e.Uint(9, math.MaxUint32) }, nlattr(9, nlaU32(math.MaxUint32)), getU, []any{uint64(math.MaxUint32)}},
		{"uint needs 64 bits", func(e *AttributeEncoder) { e.Uint(9, math.MaxUint32+1) }, nlattr(9, nlaU64(math.MaxUint32+1)), getU, []any{uint64(math.MaxUint32 + 1)}},
		{"int fits 32 bits", func(e *AttributeEncoder) { e.Int(10, math.MinInt32) }, nlattr(10, nlaU32(1<<31)), getI, []any{int64(math.MinInt32)}},
		{"int needs 64 bits", func(e *AttributeEncoder) { e.Int(10, math.MinInt32-1) }, nlattr(10, nlaU64(math.MaxUint64-math.MaxInt32-1)), getI, []any{int64(math.MinInt32 - 1)}},
		{"int large positive", func(e *AttributeEncoder) { e.Int(10, math.MaxInt32+1) }, nlattr(10, nlaU64(math.MaxInt32+1)), getI, []any{int64(math.MaxInt32 + 1)}},
		{"string", func(e *AttributeEncoder) { e.String(11, "eth0") }, nlattr(11, []byte("eth0\x00")), getStr, []any{"eth0"}},
		{"empty string", func(e *AttributeEncoder) { e.String(11, "") }, nlattr(11, []byte{0}), getStr, []any{""}},
		{"string with inner NUL", func(e *AttributeEncoder) { e.String(11, "a\x00") }, nlattr(11, []byte("a\x00\x00")), getStr, []any{"a\x00"}},
		{"bytes padded", func(e *AttributeEncoder) { e.Bytes(12, []byte{1, 2, 3, 4, 5, 6}) }, attrCat(rawNLA(10, 12, 1, 2, 3, 4, 5, 6), []byte{0, 0}), getB, []any{[]byte{1, 2, 3, 4, 5, 6}}},
		{"empty bytes", func(e *AttributeEncoder) { e.Bytes(12, nil) }, rawNLA(4, 12), getB, []any{[]byte{}}},
		{"flag set", func(e *AttributeEncoder) { e.Flag(13, true) }, rawNLA(4, 13), func(d *AttributeDecoder) any { return d.Flag() }, []any{true}},
		{"flag unset", func(e *AttributeEncoder) { e.Flag(13, false) }, nil, nil, nil},
		{"bitfield32", func(e *AttributeEncoder) { e.Bitfield32(14, 1, 3) }, nlattr(14, attrCat(nlaU32(1), nlaU32(3))), getBF, []any{[2]uint32{1, 3}}},
		{"do", func(e *AttributeEncoder) { e.Do(15, func() ([]byte, error) { return []byte{9, 8, 7}, nil }) }, attrCat(rawNLA(7, 15, 9, 8, 7), []byte{0}), getDo, []any{[]byte{9, 8, 7}}},
		{"raw type with flags", func(e *AttributeEncoder) { e.Bytes(0xc001, []byte{1}) }, nlattr(0xc001, []byte{1}), getTF, []any{[2]uint16{1, 0xc000}}},
		{
			"nested",
			func(e *AttributeEncoder) {
				e.Nested(16, func(e *AttributeEncoder) error {
					e.Uint32(1, 42)
					e.String(2, "hi")
					return nil
				})
			},
			nlattr(16|AttributeNested, attrCat(nlattr(1, nlaU32(42)), nlattr(2, []byte("hi\x00")))),
			getNest, []any{[]any{uint16(1), nlaU32(42), uint16(2), []byte("hi\x00")}},
		},
		{"empty nest", func(e *AttributeEncoder) { e.Nested(17, func(*AttributeEncoder) error { return nil }) }, rawNLA(4, 17|AttributeNested), getNest, []any{[]any(nil)}},
		{
			"nested array",
			func(e *AttributeEncoder) {
				e.NestedArray(18, 3, func(i int, e *AttributeEncoder) error {
					e.Uint32(1, uint32(10*i))
					return nil
				})
			},
			nlattr(18|AttributeNested, attrCat(
				nlattr(1|AttributeNested, nlattr(1, nlaU32(0))),
				nlattr(2|AttributeNested, nlattr(1, nlaU32(10))),
				nlattr(3|AttributeNested, nlattr(1, nlaU32(20))),
			)),
			getArray, []any{[]any{0, uint32(0), 1, uint32(10), 2, uint32(20)}},
		},
		{
			"empty nested array",
			func(e *AttributeEncoder) { e.NestedArray(18, 0, func(int, *AttributeEncoder) error { return nil }) },
			rawNLA(4, 18|AttributeNested), getArray, []any{[]any(nil)},
		},
		{
			"repeated uint32", func(e *AttributeEncoder) { e.RepeatedUint32(19, []uint32{1, 2, 3}) },
			attrCat(nlattr(19, nlaU32(1)), nlattr(19, nlaU32(2)), nlattr(19, nlaU32(3))), getU32, []any{uint32(1), uint32(2), uint32(3)},
		},
		{
			"repeated string", func(e *AttributeEncoder) { e.RepeatedString(20, []string{"a", "bc"}) },
			attrCat(nlattr(20, []byte("a\x00")), nlattr(20, []byte("bc\x00"))), getStr, []any{"a", "bc"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := NewAttributeEncoder()
			tt.enc(e)
			b, err := e.Encode()
			if err != nil {
				t.Fatalf("Encode: %v", err)
			}
			if diff := cmp.Diff(tt.want, b, cmpopts.EquateEmpty()); diff != "" {
				t.Fatalf("encoded bytes (-want +got):\n%s", diff)
			}
			var got []any
			d := NewAttributeDecoder(b)
			for d.Next() {
				got = append(got, tt.dec(d))
			}
			if err := d.Err(); err != nil {
				t.Fatalf("decode: %v", err)
			}
			if diff := cmp.Diff(tt.vals, got); diff != "" {
				t.Errorf("decoded values (-want +got):\n%s", diff)
			}
		})
	}
}

func TestAttributeDecoderString(t *testing.T) {
	tests := []struct {
		name    string
		payload []byte
		want    string
	}{
		{name: "terminated", payload: []byte("lo\x00"), want: "lo"},
		{name: "unterminated", payload: []byte("lo"), want: "lo"},
		{name: "two NULs", payload: []byte("lo\x00\x00"), want: "lo\x00"},
		{name: "only NUL", payload: []byte{0}, want: ""},
		{name: "empty", payload: nil, want: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := NewAttributeDecoder(nlattr(1, tt.payload))
			if diff := cmp.Diff(tt.want, firstAttr(t, d).String()); diff != "" {
				t.Errorf("String (-want +got):\n%s", diff)
			}
		})
	}
}

func TestAttributeNestedOffsets(t *testing.T) {
	// 0: uint32; 8: nest; 12: uint8 in it; 20: nest in it; 24: uint16 in that.
	b := attrCat(
		nlattr(1, nlaU32(1)),
		nlattr(2|AttributeNested, attrCat(
			nlattr(3, []byte{3}),
			nlattr(4|AttributeNested, nlattr(5, nlaU16(5))),
		)),
	)
	type seen struct {
		Type   uint16
		Offset int
		Len    int
	}
	var got []seen
	var walk func(d *AttributeDecoder) error
	walk = func(d *AttributeDecoder) error {
		for d.Next() {
			got = append(got, seen{d.Type(), d.Offset(), d.Len()})
			if d.TypeFlags()&AttributeNested != 0 {
				d.Nested(walk)
			}
		}
		return nil
	}
	d := NewAttributeDecoder(b)
	if err := walk(d); err != nil || d.Err() != nil {
		t.Fatalf("walk: %v, %v", err, d.Err())
	}
	want := []seen{{1, 0, 4}, {2, 8, 20}, {3, 12, 1}, {4, 20, 8}, {5, 24, 2}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("attributes (-want +got):\n%s", diff)
	}
}

func TestAttributeByteOrder(t *testing.T) {
	be := func(e *AttributeEncoder) {
		e.ByteOrder = binary.BigEndian
		e.Uint8(1, 1)
		e.Uint16(2, 0x0102)
		e.Uint32(3, 0x01020304)
		e.Uint64(4, 0x0102030405060708)
		e.Int32(5, -2)
		e.Uint(6, 7)
		e.Bitfield32(7, 1, 3)
		e.String(8, "x")
	}
	want := attrCat(
		nlattr(1, []byte{1}),
		nlattr(2|AttributeNetByteOrder, []byte{1, 2}),
		nlattr(3|AttributeNetByteOrder, []byte{1, 2, 3, 4}),
		nlattr(4|AttributeNetByteOrder, []byte{1, 2, 3, 4, 5, 6, 7, 8}),
		nlattr(5|AttributeNetByteOrder, []byte{0xff, 0xff, 0xff, 0xfe}),
		nlattr(6|AttributeNetByteOrder, []byte{0, 0, 0, 7}),
		nlattr(7, attrCat(nlaU32(1), nlaU32(3))),
		nlattr(8, []byte("x\x00")),
	)
	b := encodeAttrs(t, be)
	if diff := cmp.Diff(want, b); diff != "" {
		t.Fatalf("big-endian encoding (-want +got):\n%s", diff)
	}

	// Whatever the decoder's ByteOrder, flagged attributes read big-endian.
	for _, order := range []binary.ByteOrder{nil, binary.NativeEndian, binary.LittleEndian, binary.BigEndian} {
		d := NewAttributeDecoder(b)
		d.ByteOrder = order
		var got []any
		for d.Next() {
			switch d.Type() {
			case 1:
				got = append(got, d.Uint8())
			case 2:
				got = append(got, d.Uint16())
			case 3:
				got = append(got, d.Uint32())
			case 4:
				got = append(got, d.Uint64())
			case 5:
				got = append(got, d.Int32())
			case 6:
				got = append(got, d.Uint())
			case 7:
				v, s := d.Bitfield32()
				got = append(got, v, s)
			}
		}
		wantVals := []any{uint8(1), uint16(0x0102), uint32(0x01020304), uint64(0x0102030405060708),
			int32(-2), uint64(7), uint32(1), uint32(3)}
		if diff := cmp.Diff(wantVals, got); diff != "" {
			t.Errorf("ByteOrder %v: values (-want +got):\n%s", order, diff)
		}
	}

	// An unflagged attribute is read in the decoder's ByteOrder.
	d := NewAttributeDecoder(nlattr(1, []byte{1, 2, 3, 4}))
	d.ByteOrder = binary.BigEndian
	if got := firstAttr(t, d).Uint32(); got != 0x01020304 {
		t.Errorf("unflagged, ByteOrder big-endian: got %#x, want 0x01020304", got)
	}
	d.Reset(nlattr(1, []byte{1, 2, 3, 4}))
	d.ByteOrder = binary.LittleEndian
	if got := firstAttr(t, d).Uint32(); got != 0x04030201 {
		t.Errorf("unflagged, ByteOrder little-endian: got %#x, want 0x04030201", got)
	}

	// A little-endian encoder never sets the flag.
	e := NewAttributeEncoder()
	e.ByteOrder = binary.LittleEndian
	e.Uint16(2, 0x0102)
	le, _ := e.Encode()
	if diff := cmp.Diff(nlattr(2, []byte{2, 1}), le); diff != "" {
		t.Errorf("little-endian encoding (-want +got):\n%s", diff)
	}
}

func TestAttributeEncoderReset(t *testing.T) {
	prefix := []byte{0xa, 0xb, 0xc, 0xd, 0xe, 0xf, 0x10, 0x11}
	want := attrCat(prefix, nlattr(1, nlaU32(5)), nlattr(2|AttributeNested, nlattr(3, []byte{1})))
	fill := func(e *AttributeEncoder) {
		e.Uint32(1, 5)
		e.Nested(2, func(e *AttributeEncoder) error {
			e.Uint8(3, 1)
			return nil
		})
	}

	// A buffer full of stale bytes: padding must still come out zero.
	buf := bytes.Repeat([]byte{0xee}, 64)
	copy(buf, prefix)
	e := NewAttributeEncoder()
	for i := range 3 {
		e.Reset(buf[:len(prefix)])
		fill(e)
		got, err := e.Encode()
		if err != nil {
			t.Fatalf("round %d: %v", i, err)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Fatalf("round %d: bytes (-want +got):\n%s", i, diff)
		}
		if &got[0] != &buf[0] {
			t.Fatalf("round %d: Encode did not reuse the buffer", i)
		}
	}

	// Reset discards an earlier error.
	e.Bytes(1, make([]byte, MaxAttributePayload+1))
	if _, err := e.Encode(); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("oversized payload: got %v, want ErrTooLarge", err)
	}
	e.Reset(nil)
	fill(e)
	got, err := e.Encode()
	if err != nil {
		t.Fatalf("after Reset: %v", err)
	}
	if diff := cmp.Diff(want[len(prefix):], got); diff != "" {
		t.Errorf("after Reset (-want +got):\n%s", diff)
	}

	// The zero value works, in native byte order.
	var z AttributeEncoder
	fill(&z)
	got, err = z.Encode()
	if err != nil {
		t.Fatalf("zero value: %v", err)
	}
	if diff := cmp.Diff(want[len(prefix):], got); diff != "" {
		t.Errorf("zero value (-want +got):\n%s", diff)
	}
}

func TestAttributeEncodeErrors(t *testing.T) {
	errFn := errors.New("fn failed")
	big := make([]byte, MaxAttributePayload+1)
	tests := []struct {
		name string
		enc  func(e *AttributeEncoder)
		err  error
	}{
		{name: "largest payload", enc: func(e *AttributeEncoder) { e.Bytes(1, big[:MaxAttributePayload]) }},
		{name: "payload too large", enc: func(e *AttributeEncoder) { e.Bytes(1, big) }, err: ErrTooLarge},
		{name: "largest string", enc: func(e *AttributeEncoder) { e.String(1, string(big[:MaxAttributePayload-1])) }},
		{name: "string too large", enc: func(e *AttributeEncoder) { e.String(1, string(big[:MaxAttributePayload])) }, err: ErrTooLarge},
		{
			name: "do payload too large",
			enc:  func(e *AttributeEncoder) { e.Do(1, func() ([]byte, error) { return big, nil }) },
			err:  ErrTooLarge,
		},
		{
			name: "largest nest",
			enc: func(e *AttributeEncoder) {
				e.Nested(1, func(e *AttributeEncoder) error {
					e.Bytes(2, big[:MaxAttributePayload-7])
					return nil
				})
			},
		},
		{
			name: "nest too large",
			enc: func(e *AttributeEncoder) {
				e.Nested(1, func(e *AttributeEncoder) error {
					e.Bytes(2, big[:MaxAttributePayload-7])
					e.Flag(3, true)
					return nil
				})
			},
			err: ErrTooLarge,
		},
		{
			name: "array too long",
			enc: func(e *AttributeEncoder) {
				e.NestedArray(1, int(AttributeTypeMask)+1, func(int, *AttributeEncoder) error { return nil })
			},
			err: ErrTooLarge,
		},
		{
			name: "array entry too large",
			enc: func(e *AttributeEncoder) {
				e.NestedArray(1, 2, func(i int, e *AttributeEncoder) error {
					e.Bytes(1, big[:MaxAttributePayload/2])
					return nil
				})
			},
			err: ErrTooLarge,
		},
		{
			name: "nested fn error",
			enc:  func(e *AttributeEncoder) { e.Nested(1, func(*AttributeEncoder) error { return errFn }) },
			err:  errFn,
		},
		{
			name: "array fn error",
			enc: func(e *AttributeEncoder) {
				e.NestedArray(1, 3, func(i int, e *AttributeEncoder) error {
					if i == 1 {
						return errFn
					}
					return nil
				})
			},
			err: errFn,
		},
		{
			name: "do fn error",
			enc:  func(e *AttributeEncoder) { e.Do(1, func() ([]byte, error) { return nil, errFn }) },
			err:  errFn,
		},
		{
			name: "first error wins",
			enc: func(e *AttributeEncoder) {
				e.Do(1, func() ([]byte, error) { return nil, errFn })
				e.Bytes(1, big)
			},
			err: errFn,
		},
		{
			name: "inner error wins over fn error",
			enc: func(e *AttributeEncoder) {
				e.Nested(1, func(e *AttributeEncoder) error {
					e.Bytes(2, big)
					return errFn
				})
			},
			err: ErrTooLarge,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := NewAttributeEncoder()
			tt.enc(e)
			b, err := e.Encode()
			if !errors.Is(err, tt.err) || (err == nil) != (tt.err == nil) {
				t.Fatalf("Encode: got error %v, want %v", err, tt.err)
			}
			if err != nil {
				if b != nil {
					t.Errorf("Encode returned %d bytes along with an error", len(b))
				}
				return
			}
			// What encodes must decode.
			if _, err := UnmarshalAttributes(b); err != nil {
				t.Errorf("decoding the result: %v", err)
			}
		})
	}
}

func TestMarshalAttributes(t *testing.T) {
	tests := []struct {
		name  string
		attrs []Attribute
		want  []byte
		err   error
	}{
		{name: "none", attrs: nil, want: []byte{}},
		{
			name: "several",
			attrs: []Attribute{
				{Type: 1, Data: []byte{1}},
				{Type: 2 | AttributeNested, Data: nlattr(3, nlaU32(3))},
				{Type: 0xffff, Data: []byte{}},
				{Type: 4, Data: []byte{1, 2, 3, 4}},
			},
			want: attrCat(nlattr(1, []byte{1}), nlattr(2|AttributeNested, nlattr(3, nlaU32(3))), rawNLA(4, 0xffff), nlattr(4, []byte{1, 2, 3, 4})),
		},
		{
			name:  "too large",
			attrs: []Attribute{{Type: 1}, {Type: 2, Data: make([]byte, MaxAttributePayload+1)}},
			err:   ErrTooLarge,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := MarshalAttributes(tt.attrs)
			if !errors.Is(err, tt.err) || (err == nil) != (tt.err == nil) {
				t.Fatalf("MarshalAttributes: got error %v, want %v", err, tt.err)
			}
			if diff := cmp.Diff(tt.want, b); diff != "" {
				t.Fatalf("bytes (-want +got):\n%s", diff)
			}
			if err != nil {
				return
			}
			got, err := UnmarshalAttributes(b)
			if err != nil {
				t.Fatalf("UnmarshalAttributes: %v", err)
			}
			if diff := cmp.Diff(tt.attrs, got, cmpAttrs); diff != "" {
				t.Errorf("round trip (-want +got):\n%s", diff)
			}
		})
	}
}

// cmpAttrs compares attribute payloads by content, a nil payload equal to
// an empty one.
var cmpAttrs = cmp.Comparer(func(a, b Attribute) bool {
	return a.Type == b.Type && bytes.Equal(a.Data, b.Data)
})

func TestUnmarshalAttributes(t *testing.T) {
	tests := []struct {
		name string
		b    []byte
		want []Attribute
		err  error
	}{
		{name: "empty", b: nil, want: nil},
		{name: "one", b: nlattr(1, nlaU32(1)), want: []Attribute{{Type: 1, Data: nlaU32(1)}}},
		{
			name: "unaligned last attribute",
			b:    attrCat(nlattr(1, []byte{1}), rawNLA(6, 2, 5, 6)),
			want: []Attribute{{Type: 1, Data: []byte{1}}, {Type: 2, Data: []byte{5, 6}}},
		},
		{
			name: "partial padding after last attribute",
			b:    attrCat(nlattr(1, []byte{1}), rawNLA(5, 2, 5, 0)),
			want: []Attribute{{Type: 1, Data: []byte{1}}, {Type: 2, Data: []byte{5}}},
		},
		{name: "flags kept", b: nlattr(0xc005, nil), want: []Attribute{{Type: 0xc005, Data: []byte{}}}},
		{name: "malformed", b: attrCat(nlattr(1, []byte{1}), rawNLA(3, 2)), err: ErrBadLength},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := UnmarshalAttributes(tt.b)
			if !errors.Is(err, tt.err) || (err == nil) != (tt.err == nil) {
				t.Fatalf("got error %v, want %v", err, tt.err)
			}
			if diff := cmp.Diff(tt.want, got, cmpAttrs); diff != "" {
				t.Errorf("attributes (-want +got):\n%s", diff)
			}
		})
	}

	// Data aliases the input, with its capacity cut at the payload.
	b := attrCat(nlattr(1, []byte{1}), nlattr(2, []byte{2}))
	attrs, _ := UnmarshalAttributes(b)
	b[4] = 9
	if attrs[0].Data[0] != 9 {
		t.Errorf("Data does not alias the input")
	}
	if cap(attrs[0].Data) != 1 {
		t.Errorf("cap(Data) = %d, want 1", cap(attrs[0].Data))
	}
}

func TestAttributeDecoderReuse(t *testing.T) {
	// A zero value decodes in native order; Reset clears errors, and the
	// child decoder is reused across nests.
	var d AttributeDecoder
	d.Reset(attrCat(rawNLA(3, 1)))
	if d.Next() || !errors.Is(d.Err(), ErrBadLength) {
		t.Fatalf("malformed: Next true or error %v, want ErrBadLength", d.Err())
	}
	b := attrCat(nlattr(1|AttributeNested, nlattr(2, nlaU32(2))), nlattr(3|AttributeNested, nlattr(4, nlaU32(4))))
	d.Reset(b)
	var children []*AttributeDecoder
	var sum uint32
	for d.Next() {
		d.Nested(func(c *AttributeDecoder) error {
			children = append(children, c)
			for c.Next() {
				sum += c.Uint32()
			}
			return nil
		})
	}
	if err := d.Err(); err != nil {
		t.Fatalf("Err: %v", err)
	}
	if sum != 6 {
		t.Errorf("sum = %d, want 6", sum)
	}
	if len(children) != 2 || children[0] != children[1] {
		t.Errorf("Nested did not reuse its child decoder")
	}
}

func TestAttributeAllocs(t *testing.T) {
	if testing.CoverMode() != "" {
		t.Skip("coverage instrumentation changes allocation counts")
	}
	buf := linkAttrBlock()
	var d AttributeDecoder
	var l attrLink
	if err := decodeAttrLink(NewAttributeDecoder(buf), &l); err != nil {
		t.Fatalf("decode: %v", err)
	}
	if l.count < 40 {
		t.Fatalf("decoded %d attributes, want at least 40", l.count)
	}
	if n := testing.AllocsPerRun(100, func() {
		l = attrLink{}
		d.Reset(buf)
		if err := decodeAttrLink(&d, &l); err != nil {
			t.Fatal(err)
		}
	}); n != 0 {
		t.Errorf("decoding %d attributes: %v allocations, want 0", l.count, n)
	}

	mac := []byte{2, 0, 0, 0, 0, 1}
	e := NewAttributeEncoder()
	out := append(make([]byte, 0, 512), attrFamilyHeader()...)
	if n := testing.AllocsPerRun(100, func() {
		e.Reset(out[:16])
		encodeAttrLink(e, mac)
		b, err := e.Encode()
		if err != nil {
			t.Fatal(err)
		}
		out = b
	}); n != 0 {
		t.Errorf("encoding into a reused buffer: %v allocations, want 0", n)
	}
	if want := encodeAttrLinkFloor(make([]byte, 16, 512), mac)[16:]; !bytes.Equal(out[16:], want) {
		t.Errorf("encoder and floor disagree:\n%x\n%x", out[16:], want)
	}
}
