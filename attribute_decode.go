package netlink

import (
	"bytes"
	"encoding/binary"
)

// An AttributeDecoder walks the attributes in a buffer, in the manner of
// bufio.Scanner: Next advances to the next attribute, the other methods
// read the current one, and Err reports the first error.
//
//	d := netlink.NewAttributeDecoder(b)
//	for d.Next() {
//		switch d.Type() {
//		case unix.IFLA_MTU:
//			mtu = d.Uint32()
//		case unix.IFLA_IFNAME:
//			name = d.String()
//		}
//	}
//	if err := d.Err(); err != nil {
//		return err
//	}
//
// Malformed input is an error, never a panic: an attribute whose length is
// less than AttributeHeaderLen or runs past the end of the buffer, 1 to 3
// stray bytes after the last attribute (padding up to alignment is
// accepted), a getter whose type does not match the payload's size, and
// nests more than MaxNestingDepth deep. Errors are *ParseError values that
// name the attribute's type, without flag bits, and its offset in the
// buffer given to NewAttributeDecoder or Reset, nested attributes included. After an error,
// Next returns false and getters return zero values.
//
// The decoder does not copy: Data and Do hand out slices of the buffer.
// Walking a buffer allocates nothing when the decoder is reused through
// Reset, or declared as a value (var d AttributeDecoder; d.Reset(b));
// Nested reuses one child decoder per level. Only Bytes and String
// allocate, for the value they return.
//
// An AttributeDecoder must not be used by more than one goroutine at a time.
type AttributeDecoder struct {
	// ByteOrder is the byte order of integer payloads; nil means
	// binary.NativeEndian, the order the kernel uses for most attributes.
	// An attribute flagged AttributeNetByteOrder (NLA_F_NET_BYTEORDER) is
	// read big-endian whatever ByteOrder says. Attribute headers are
	// always in native order. For an attribute in network order without
	// the flag, use Uint16BE, Uint32BE or Uint64BE.
	ByteOrder binary.ByteOrder

	b     []byte
	base  int // offset of b in the outermost buffer, for errors and Offset
	depth int // nesting level of b: 0 for the outermost buffer
	off   int // offset in b of the next attribute
	cur   int // offset in b of the current attribute
	typ   uint16
	n     int // length of the current attribute, header included; 0 when there is none
	err   error
	// stopped is set when Next returns false. If it stopped at a malformed
	// header, off is before the end of b and err is still nil: the error
	// is recorded when someone asks for it (settle), so that Next has no
	// call in it and is inlined into the callers' loops.
	stopped bool
	child   *AttributeDecoder // reused by Nested, allocated on first use
}

// NewAttributeDecoder returns a decoder for the attributes in b, with
// ByteOrder set to binary.NativeEndian.
func NewAttributeDecoder(b []byte) *AttributeDecoder {
	d := &AttributeDecoder{ByteOrder: binary.NativeEndian}
	d.Reset(b)
	return d
}

// Reset makes the decoder walk the attributes in b from the start,
// discarding any error. ByteOrder is not changed.
func (d *AttributeDecoder) Reset(b []byte) {
	d.reset(b, 0, 0)
}

func (d *AttributeDecoder) reset(b []byte, base, depth int) {
	d.b = b
	d.base = base
	d.depth = depth
	d.off = 0
	d.cur = 0
	d.typ = 0
	d.n = 0
	d.err = nil
	d.stopped = false
}

// Next advances to the next attribute and reports whether there is one.
// It returns false at the end of the buffer and after any error; Err tells
// the two apart.
func (d *AttributeDecoder) Next() bool {
	// After an error off is past the end (fail moves it), so a walk that
	// failed stays ended.
	off := d.off
	if off <= len(d.b)-AttributeHeaderLen {
		length := int(binary.NativeEndian.Uint16(d.b[off:]))
		if length >= AttributeHeaderLen && length <= len(d.b)-off {
			d.cur, d.n, d.typ = off, length, binary.NativeEndian.Uint16(d.b[off+2:])
			// The last attribute's padding may be missing or partial:
			// then d.off passes len(d.b), which ends the walk.
			d.off = off + (length+AttributeAlignment-1)&^(AttributeAlignment-1)
			return true
		}
	}
	d.n, d.stopped = 0, true
	return false
}

// settle records the error of the header Next stopped at, if it stopped
// before the end of the buffer without an error: the bytes left there are
// too few for a header, or the header's length is wrong. Everything that
// reads d.err calls it first.
func (d *AttributeDecoder) settle() {
	if !d.stopped || d.err != nil || d.off >= len(d.b) {
		return
	}
	h := d.b[d.off:]
	if len(h) < AttributeHeaderLen {
		d.badHeader(-1, 0, len(h))
		return
	}
	length := int(binary.NativeEndian.Uint16(h[0:2]))
	d.badHeader(length, binary.NativeEndian.Uint16(h[2:4]), len(h))
}

// badHeader records the error for an attribute header at d.off with
// length and type typ, rest bytes before the end of the buffer; length -1
// means rest is too short for a header.
func (d *AttributeDecoder) badHeader(length int, typ uint16, rest int) {
	off, t := d.base+d.off, int(typ&AttributeTypeMask)
	switch {
	case length < 0:
		d.fail(parseErrorf("attribute", off, -1, ErrBadLength,
			"%d trailing %s, too short for an attribute header", rest, bytesWord(rest)))
	case length < AttributeHeaderLen:
		d.fail(parseErrorf("attribute", off, t, ErrBadLength,
			"length %d < %d", length, AttributeHeaderLen))
	default:
		d.fail(parseErrorf("attribute", off, t, ErrBadLength,
			"length %d runs past the end of the buffer, %d bytes left", length, rest))
	}
}

// payload returns the current attribute's payload, nil if there is none.
func (d *AttributeDecoder) payload() []byte {
	if d.n == 0 {
		return nil
	}
	end := d.cur + d.n
	return d.b[d.cur+AttributeHeaderLen : end : end]
}

// Err returns the first error the decoder met, or nil.
func (d *AttributeDecoder) Err() error {
	d.settle()
	return d.err
}

// Type returns the current attribute's type, without flag bits.
func (d *AttributeDecoder) Type() uint16 { return d.typ & AttributeTypeMask }

// TypeFlags returns the current attribute's flag bits only: some
// combination of AttributeNested and AttributeNetByteOrder.
func (d *AttributeDecoder) TypeFlags() uint16 { return d.typ &^ AttributeTypeMask }

// Len returns the length of the current attribute's payload, without
// header or padding.
func (d *AttributeDecoder) Len() int { return max(d.n-AttributeHeaderLen, 0) }

// Offset returns the offset of the current attribute's header in the
// buffer given to NewAttributeDecoder or Reset. Within Nested it is still
// relative to that outermost buffer, as are the offsets in errors.
func (d *AttributeDecoder) Offset() int { return d.base + d.cur }

// Data returns the current attribute's payload without copying it: the
// slice aliases the decoded buffer, so it changes if the buffer does. Its
// capacity ends with the payload, so appending to it cannot overwrite the
// next attribute. Use Bytes for a copy.
func (d *AttributeDecoder) Data() []byte { return d.payload() }

// Bytes returns a copy of the current attribute's payload.
func (d *AttributeDecoder) Bytes() []byte { return bytes.Clone(d.payload()) }

// String returns the current attribute's payload as a string, without its
// terminating NUL byte if it has one (NLA_STRING, NLA_NUL_STRING). Only
// one NUL is removed.
func (d *AttributeDecoder) String() string {
	b := d.payload()
	if len(b) > 0 && b[len(b)-1] == 0 {
		b = b[:len(b)-1]
	}
	return string(b)
}

// Uint8 returns the current attribute's payload as a uint8 (NLA_U8). The
// payload must be exactly 1 byte long.
func (d *AttributeDecoder) Uint8() uint8 {
	if d.Len() != 1 {
		d.badFixed(1, "uint8")
		return 0
	}
	return d.payload()[0]
}

// Uint16 returns the current attribute's payload as a uint16 (NLA_U16). The
// payload must be exactly 2 bytes long.
func (d *AttributeDecoder) Uint16() uint16 {
	if d.Len() != 2 {
		d.badFixed(2, "uint16")
		return 0
	}
	return d.uint16(d.payload())
}

// Uint32 returns the current attribute's payload as a uint32 (NLA_U32). The
// payload must be exactly 4 bytes long.
func (d *AttributeDecoder) Uint32() uint32 {
	if d.Len() != 4 {
		d.badFixed(4, "uint32")
		return 0
	}
	return d.uint32(d.payload())
}

// Uint64 returns the current attribute's payload as a uint64 (NLA_U64). The
// payload must be exactly 8 bytes long.
func (d *AttributeDecoder) Uint64() uint64 {
	if d.Len() != 8 {
		d.badFixed(8, "uint64")
		return 0
	}
	return d.uint64(d.payload())
}

// Uint16BE returns the current attribute's payload as a uint16 in network
// byte order (big-endian), whatever ByteOrder and the attribute's flags
// say: for attributes the kernel writes as __be16 without the
// AttributeNetByteOrder flag, such as IFLA_VXLAN_PORT (nla_get_be16). The
// payload must be exactly 2 bytes long. Uint16 reads a flagged attribute
// big-endian already.
func (d *AttributeDecoder) Uint16BE() uint16 {
	if d.Len() != 2 {
		d.badFixed(2, "uint16")
		return 0
	}
	return binary.BigEndian.Uint16(d.payload())
}

// Uint32BE returns the current attribute's payload as a uint32 in network
// byte order, like Uint16BE (nla_get_be32). The payload must be exactly 4
// bytes long.
func (d *AttributeDecoder) Uint32BE() uint32 {
	if d.Len() != 4 {
		d.badFixed(4, "uint32")
		return 0
	}
	return binary.BigEndian.Uint32(d.payload())
}

// Uint64BE returns the current attribute's payload as a uint64 in network
// byte order, like Uint16BE (nla_get_be64). The payload must be exactly 8
// bytes long.
func (d *AttributeDecoder) Uint64BE() uint64 {
	if d.Len() != 8 {
		d.badFixed(8, "uint64")
		return 0
	}
	return binary.BigEndian.Uint64(d.payload())
}

// Int8 returns the current attribute's payload as an int8 (NLA_S8). The
// payload must be exactly 1 byte long.
func (d *AttributeDecoder) Int8() int8 {
	if d.Len() != 1 {
		d.badFixed(1, "int8")
		return 0
	}
	return int8(d.payload()[0])
}

// Int16 returns the current attribute's payload as an int16 (NLA_S16). The
// payload must be exactly 2 bytes long.
func (d *AttributeDecoder) Int16() int16 {
	if d.Len() != 2 {
		d.badFixed(2, "int16")
		return 0
	}
	return int16(d.uint16(d.payload()))
}

// Int32 returns the current attribute's payload as an int32 (NLA_S32). The
// payload must be exactly 4 bytes long.
func (d *AttributeDecoder) Int32() int32 {
	if d.Len() != 4 {
		d.badFixed(4, "int32")
		return 0
	}
	return int32(d.uint32(d.payload()))
}

// Int64 returns the current attribute's payload as an int64 (NLA_S64). The
// payload must be exactly 8 bytes long.
func (d *AttributeDecoder) Int64() int64 {
	if d.Len() != 8 {
		d.badFixed(8, "int64")
		return 0
	}
	return int64(d.uint64(d.payload()))
}

// Uint returns the current attribute's payload as a variable-width
// unsigned integer (NLA_UINT): the payload must be 4 or 8 bytes long.
func (d *AttributeDecoder) Uint() uint64 {
	switch d.Len() {
	case 4:
		return uint64(d.uint32(d.payload()))
	case 8:
		return d.uint64(d.payload())
	}
	d.badSize("uint needs 4 or 8 bytes, have %d", d.Len())
	return 0
}

// Int returns the current attribute's payload as a variable-width signed
// integer (NLA_SINT): the payload must be 4 or 8 bytes long, and a 4-byte
// value is sign-extended.
func (d *AttributeDecoder) Int() int64 {
	switch d.Len() {
	case 4:
		return int64(int32(d.uint32(d.payload())))
	case 8:
		return int64(d.uint64(d.payload()))
	}
	d.badSize("int needs 4 or 8 bytes, have %d", d.Len())
	return 0
}

// Flag reports that a flag attribute (NLA_FLAG) is present: its payload
// must be empty. It returns false, and records an error, if not.
func (d *AttributeDecoder) Flag() bool {
	if d.n == 0 || d.Len() != 0 {
		d.badFixed(0, "flag")
		return false
	}
	return true
}

// Bitfield32 returns the current attribute's payload as a struct
// nla_bitfield32 (NLA_BITFIELD32): value, the bits to set, and selector,
// the bits value applies to. The payload must be exactly 8 bytes long. Both
// fields are read in native byte order, as the kernel writes them, whatever
// ByteOrder says.
func (d *AttributeDecoder) Bitfield32() (value, selector uint32) {
	if d.Len() != 8 {
		d.badFixed(8, "bitfield32")
		return 0, 0
	}
	return binary.NativeEndian.Uint32(d.payload()[0:4]), binary.NativeEndian.Uint32(d.payload()[4:8])
}

// Do calls fn with the current attribute's payload, for types the decoder
// has no method for. The payload aliases the decoded buffer, as with Data.
// An error from fn becomes the decoder's error, unless it already has one.
func (d *AttributeDecoder) Do(fn func(b []byte) error) {
	if d.err != nil {
		return
	}
	if d.n == 0 {
		d.badSize("no current attribute")
		return
	}
	if err := fn(d.payload()); err != nil {
		d.fail(err)
	}
}

// badFixed records that the current payload is not the n bytes the type
// what needs.
func (d *AttributeDecoder) badFixed(n int, what string) {
	d.badSize("%s needs %d %s, have %d", what, n, bytesWord(n), d.Len())
}

// bytesWord returns "byte" or "bytes", to follow the number n.
func bytesWord(n int) string {
	if n == 1 {
		return "byte"
	}
	return "bytes"
}

// badSize records a size mismatch for the current attribute, or that there
// is no current attribute.
func (d *AttributeDecoder) badSize(format string, args ...any) {
	d.settle()
	switch {
	case d.err != nil:
	case d.n == 0:
		d.fail(parseErrorf("attribute", d.base+d.off, -1, ErrBadLength, "no current attribute"))
	default:
		d.fail(parseErrorf("attribute", d.Offset(), int(d.Type()), ErrBadLength, format, args...))
	}
}

// fail records err unless an earlier error is recorded, drops the current
// attribute so that getters return zero values, and moves off to the end
// so that Next returns false.
func (d *AttributeDecoder) fail(err error) {
	if d.err == nil {
		d.err = err
	}
	d.n = 0
	d.off = len(d.b)
}

// native reports whether the current attribute's integers are in native
// byte order, the common case, read without an interface call.
func (d *AttributeDecoder) native() bool {
	return d.typ&AttributeNetByteOrder == 0 && isNative(d.ByteOrder)
}

// order returns the byte order of the current attribute's integer payload.
func (d *AttributeDecoder) order() binary.ByteOrder {
	switch {
	case d.typ&AttributeNetByteOrder != 0:
		return binary.BigEndian
	case d.ByteOrder == nil:
		return binary.NativeEndian
	}
	return d.ByteOrder
}

// uint16, uint32 and uint64 read an integer in the current attribute's
// byte order.
func (d *AttributeDecoder) uint16(b []byte) uint16 {
	if d.native() {
		return binary.NativeEndian.Uint16(b)
	}
	return d.order().Uint16(b)
}

func (d *AttributeDecoder) uint32(b []byte) uint32 {
	if d.native() {
		return binary.NativeEndian.Uint32(b)
	}
	return d.order().Uint32(b)
}

func (d *AttributeDecoder) uint64(b []byte) uint64 {
	if d.native() {
		return binary.NativeEndian.Uint64(b)
	}
	return d.order().Uint64(b)
}

// Nested decodes the current attribute's payload as a sequence of
// attributes (NLA_NESTED): it calls fn with a decoder for them. The
// AttributeNested flag is not required, since many families omit it.
//
// The decoder passed to fn is owned by d and reused by the next call of
// Nested: it is valid only until fn returns, and fn must not call d's
// methods. It inherits d.ByteOrder, and its offsets and errors are relative
// to d's outermost buffer. An error it records, or an error fn returns,
// becomes d's error; fn's error wins if both happen, so fn may return the
// nested decoder's Err wrapped with context. Nesting more than
// MaxNestingDepth levels deep is an error wrapping ErrTooDeep.
func (d *AttributeDecoder) Nested(fn func(*AttributeDecoder) error) {
	if c := d.enter(); c != nil {
		d.leave(c, fn(c))
	}
}

// NestedWithHeader decodes the current attribute as a fixed structure of
// hdrLen bytes followed by attributes, as written by
// AttributeEncoder.NestedWithHeader: VETH_INFO_PEER, for instance, holds a
// struct ifinfomsg (hdrLen 16) and then IFLA_* attributes. It calls fn
// with the structure's bytes and a decoder for the attributes, which start
// hdrLen bytes into the payload rounded up to AttributeAlignment, where the
// kernel looks for them (NLA_ALIGN, nla_parse_nested_compat).
//
// hdr aliases the decoded buffer, as Data does; its capacity ends with the
// structure. A payload shorter than hdrLen is an error wrapping
// ErrBadLength that names the attribute and its offset; a payload that ends
// within the structure's padding holds no attributes. The rules of Nested
// apply to the decoder fn receives, and the flags of the attribute's type
// are not checked. hdrLen must not be negative.
func (d *AttributeDecoder) NestedWithHeader(hdrLen int, fn func(hdr []byte, d *AttributeDecoder) error) {
	if d.err == nil && d.n != 0 && (hdrLen < 0 || d.Len() < hdrLen) {
		d.badSize("header needs %d %s, have %d", hdrLen, bytesWord(hdrLen), d.Len())
		return
	}
	c := d.enter()
	if c == nil {
		return
	}
	skip := min(AttributeAlign(hdrLen), len(c.b))
	hdr := c.b[:hdrLen:hdrLen]
	c.reset(c.b[skip:], c.base+skip, c.depth)
	d.leave(c, fn(hdr, c))
}

// NestedArray decodes the current attribute as an indexed array
// (NLA_NESTED_ARRAY), as written by AttributeEncoder.NestedArray: a nest
// whose every entry is itself a nest. It calls fn once per entry, with i
// counting entries from 0 and a decoder for the entry's attributes. As in
// the kernel, the entries' types are not checked. The rules of Nested
// apply to the decoder fn receives; it is valid only until fn returns.
func (d *AttributeDecoder) NestedArray(fn func(i int, d *AttributeDecoder) error) {
	list := d.enter()
	if list == nil {
		return
	}
	for i := 0; list.Next(); i++ {
		entry := list.enter()
		if entry == nil {
			break
		}
		list.leave(entry, fn(i, entry))
	}
	d.leave(list, nil)
}

// enter returns the child decoder, reset to walk the current attribute's
// payload one level deeper, or records an error and returns nil.
func (d *AttributeDecoder) enter() *AttributeDecoder {
	if d.err != nil {
		return nil
	}
	if d.n == 0 {
		d.badSize("no current attribute")
		return nil
	}
	if d.depth >= MaxNestingDepth {
		d.fail(parseErrorf("attribute", d.Offset(), int(d.Type()), ErrTooDeep,
			"nesting deeper than %d", MaxNestingDepth))
		return nil
	}
	if d.child == nil {
		d.child = new(AttributeDecoder)
	}
	c := d.child
	c.ByteOrder = d.ByteOrder
	c.reset(d.payload(), d.Offset()+AttributeHeaderLen, d.depth+1)
	return c
}

// leave records err, the error of the function that walked the child
// decoder c, or else c's own error.
func (d *AttributeDecoder) leave(c *AttributeDecoder, err error) {
	if err != nil {
		d.fail(err)
	} else if cerr := c.Err(); cerr != nil {
		d.fail(cerr)
	}
}
