package netlink

import (
	"encoding/binary"
	"fmt"
	"math"
	"slices"
)

// An AttributeEncoder encodes attributes into one growing buffer. Each
// method appends one attribute, header and zero padding included; Nested
// runs a function that appends the nest's contents to the same buffer and
// then writes the nest's length into its header, so nesting costs neither
// an allocation nor a copy.
//
// The first error, such as a payload longer than MaxAttributePayload,
// is kept: later calls do nothing and Encode returns it.
//
// The zero value is ready to use and encodes integers in native byte order.
// An AttributeEncoder must not be used by more than one goroutine at a time.
type AttributeEncoder struct {
	// ByteOrder is the byte order of integer payloads; nil means
	// binary.NativeEndian, the order the kernel expects for most
	// attributes. When it is binary.BigEndian, every integer attribute
	// wider than one byte also gets the AttributeNetByteOrder flag
	// (NLA_F_NET_BYTEORDER). Attribute headers are always in native
	// order, whatever ByteOrder says. For one attribute in network order,
	// with or without the flag, use Uint16BE, Uint32BE or Uint64BE.
	ByteOrder binary.ByteOrder

	buf []byte
	// prefix is where the prefix lives: the slice given to Reset, then
	// the start of the slice Encode last returned. Encode copies it to
	// the start of buf when appending moved buf elsewhere.
	prefix []byte
	err    error
	depth  int // Nested levels currently open
}

// inlineBufferLen is the size of the buffer NewAttributeEncoder allocates
// together with the encoder, and the least capacity the encoder allocates
// when its buffer has none: room for a typical request, so that building
// one costs a single allocation.
const inlineBufferLen = 256

// encoderWithBuffer is an encoder and its first buffer in one allocation.
type encoderWithBuffer struct {
	AttributeEncoder
	inline [inlineBufferLen]byte
}

// NewAttributeEncoder returns an encoder with ByteOrder set to
// binary.NativeEndian and an empty buffer. The encoder and a buffer of
// 256 bytes come in one allocation, so encoding a request that fits in
// them and handing the result to Message.MarshalBinary costs two
// allocations in all. The first Reset replaces that buffer.
func NewAttributeEncoder() *AttributeEncoder {
	p := &encoderWithBuffer{AttributeEncoder: AttributeEncoder{ByteOrder: binary.NativeEndian}}
	p.buf = p.inline[:0]
	return &p.AttributeEncoder
}

// Reset discards any error and makes b the encoder's buffer: attributes
// encoded afterwards are appended after b's contents, which are kept as a
// prefix. That lets a caller put a family header first and the attributes
// after it in one buffer. Reusing a buffer avoids allocation altogether:
//
//	b, err := e.Encode()
//	// ... use b ...
//	e.Reset(b[:0])
//
// The caller may write into b, before or after encoding attributes, until
// it calls Encode: Encode's result starts with b's bytes as they are then,
// even when the attributes outgrew b's capacity and the encoder moved to a
// larger buffer. After Encode, write into the slice it returned instead.
//
// ByteOrder is not changed.
func (e *AttributeEncoder) Reset(b []byte) {
	e.buf = b
	e.prefix = nil
	if len(b) > 0 {
		e.prefix = b[:len(b):len(b)]
	}
	e.err = nil
	e.depth = 0
}

// Encode returns the encoded bytes, starting with the prefix passed to
// Reset, or the first error that occurred. The returned slice aliases the
// encoder's buffer: it stays valid until the next Reset, and attributes
// encoded after Encode are appended past its end.
//
// Encode does not copy the attributes. If appending moved the buffer away
// from the prefix's slice, Encode copies the prefix's bytes to its start,
// so that what the caller wrote into the prefix after Reset is kept (see
// Reset). From then on the prefix lives in the returned slice.
//
// Encode must not be called from within a Nested function: the open
// nests' lengths are not written yet.
func (e *AttributeEncoder) Encode() ([]byte, error) {
	if e.err != nil {
		return nil, e.err
	}
	if p := e.prefix; len(p) > 0 && &p[0] != &e.buf[0] {
		copy(e.buf, p)
		e.prefix = e.buf[:len(p):len(p)]
	}
	return e.buf, nil
}

// Uint8 encodes v as a 1-byte attribute (NLA_U8).
func (e *AttributeEncoder) Uint8(typ uint16, v uint8) {
	if a := e.fast(8); a != nil {
		binary.NativeEndian.PutUint16(a[0:2], 5)
		binary.NativeEndian.PutUint16(a[2:4], typ)
		a[4], a[5], a[6], a[7] = v, 0, 0, 0
		e.buf = e.buf[:len(e.buf)+8]
		return
	}
	if p := e.alloc(typ, 1); p != nil {
		p[0] = v
	}
}

// Uint16 encodes v as a 2-byte attribute in e.ByteOrder (NLA_U16).
func (e *AttributeEncoder) Uint16(typ uint16, v uint16) {
	if a := e.fast(8); a != nil && isNative(e.ByteOrder) {
		binary.NativeEndian.PutUint32(a[8-4:], 0)
		binary.NativeEndian.PutUint16(a[0:2], 6)
		binary.NativeEndian.PutUint16(a[2:4], typ)
		binary.NativeEndian.PutUint16(a[4:6], v)
		e.buf = e.buf[:len(e.buf)+8]
		return
	}
	if p := e.alloc(typ|e.netFlag(), 2); p != nil {
		e.putUint16(p, v)
	}
}

// Uint32 encodes v as a 4-byte attribute in e.ByteOrder (NLA_U32).
func (e *AttributeEncoder) Uint32(typ uint16, v uint32) {
	if a := e.fast(8); a != nil && isNative(e.ByteOrder) {
		binary.NativeEndian.PutUint32(a[8-4:], 0)
		binary.NativeEndian.PutUint16(a[0:2], 8)
		binary.NativeEndian.PutUint16(a[2:4], typ)
		binary.NativeEndian.PutUint32(a[4:8], v)
		e.buf = e.buf[:len(e.buf)+8]
		return
	}
	if p := e.alloc(typ|e.netFlag(), 4); p != nil {
		e.putUint32(p, v)
	}
}

// Uint64 encodes v as an 8-byte attribute in e.ByteOrder (NLA_U64).
func (e *AttributeEncoder) Uint64(typ uint16, v uint64) {
	if a := e.fast(12); a != nil && isNative(e.ByteOrder) {
		binary.NativeEndian.PutUint32(a[12-4:], 0)
		binary.NativeEndian.PutUint16(a[0:2], 12)
		binary.NativeEndian.PutUint16(a[2:4], typ)
		binary.NativeEndian.PutUint64(a[4:12], v)
		e.buf = e.buf[:len(e.buf)+12]
		return
	}
	if p := e.alloc(typ|e.netFlag(), 8); p != nil {
		e.putUint64(p, v)
	}
}

// Uint16BE encodes v as a 2-byte attribute in network byte order
// (big-endian) whatever e.ByteOrder says, for the attributes the kernel
// reads as __be16, such as IFLA_VXLAN_PORT (nla_put_be16). The type is
// written as typ: the AttributeNetByteOrder flag is not added, since most
// such attributes go without it. Where a family wants the flag, as ipset
// does (nla_put_net16), pass typ|AttributeNetByteOrder.
func (e *AttributeEncoder) Uint16BE(typ uint16, v uint16) {
	if p := e.alloc(typ, 2); p != nil {
		binary.BigEndian.PutUint16(p, v)
	}
}

// Uint32BE encodes v as a 4-byte attribute in network byte order, like
// Uint16BE (nla_put_be32; nla_put_net32 with typ|AttributeNetByteOrder).
func (e *AttributeEncoder) Uint32BE(typ uint16, v uint32) {
	if p := e.alloc(typ, 4); p != nil {
		binary.BigEndian.PutUint32(p, v)
	}
}

// Uint64BE encodes v as an 8-byte attribute in network byte order, like
// Uint16BE (nla_put_be64), for instance an nftables handle.
func (e *AttributeEncoder) Uint64BE(typ uint16, v uint64) {
	if p := e.alloc(typ, 8); p != nil {
		binary.BigEndian.PutUint64(p, v)
	}
}

// Int8 encodes v as a 1-byte attribute (NLA_S8).
func (e *AttributeEncoder) Int8(typ uint16, v int8) { e.Uint8(typ, uint8(v)) }

// Int16 encodes v as a 2-byte attribute in e.ByteOrder (NLA_S16).
func (e *AttributeEncoder) Int16(typ uint16, v int16) { e.Uint16(typ, uint16(v)) }

// Int32 encodes v as a 4-byte attribute in e.ByteOrder (NLA_S32).
func (e *AttributeEncoder) Int32(typ uint16, v int32) { e.Uint32(typ, uint32(v)) }

// Int64 encodes v as an 8-byte attribute in e.ByteOrder (NLA_S64).
func (e *AttributeEncoder) Int64(typ uint16, v int64) { e.Uint64(typ, uint64(v)) }

// Uint encodes v as a variable-width unsigned attribute (NLA_UINT): 4 bytes
// if v fits in 32 bits, 8 bytes otherwise.
func (e *AttributeEncoder) Uint(typ uint16, v uint64) {
	if v <= math.MaxUint32 {
		e.Uint32(typ, uint32(v))
		return
	}
	e.Uint64(typ, v)
}

// Int encodes v as a variable-width signed attribute (NLA_SINT): 4 bytes if
// v fits in 32 bits, 8 bytes otherwise.
func (e *AttributeEncoder) Int(typ uint16, v int64) {
	if v >= math.MinInt32 && v <= math.MaxInt32 {
		e.Int32(typ, int32(v))
		return
	}
	e.Int64(typ, v)
}

// String encodes s followed by a terminating NUL byte (NLA_NUL_STRING, also
// accepted as NLA_STRING).
func (e *AttributeEncoder) String(typ uint16, s string) {
	if len(s) >= MaxAttributePayload {
		e.fail(attributeTooLarge(typ, len(e.buf), len(s)+1))
		return
	}
	if p := e.alloc(typ, len(s)+1); p != nil {
		p[copy(p, s)] = 0
	}
}

// Bytes encodes a copy of b as the payload (NLA_BINARY, NLA_UNSPEC).
func (e *AttributeEncoder) Bytes(typ uint16, b []byte) {
	if p := e.alloc(typ, len(b)); p != nil {
		copy(p, b)
	}
}

// Flag encodes an attribute with an empty payload when v is true, and
// nothing when v is false (NLA_FLAG): the attribute's presence is the value.
func (e *AttributeEncoder) Flag(typ uint16, v bool) {
	if v {
		e.alloc(typ, 0)
	}
}

// Bitfield32 encodes a struct nla_bitfield32 (NLA_BITFIELD32): value, the
// bits to set, then selector, the bits value applies to. Both are always in
// native byte order, as the kernel reads them, whatever e.ByteOrder says.
func (e *AttributeEncoder) Bitfield32(typ uint16, value, selector uint32) {
	if p := e.alloc(typ, 8); p != nil {
		binary.NativeEndian.PutUint32(p, value)
		binary.NativeEndian.PutUint32(p[4:], selector)
	}
}

// Do encodes the payload returned by fn, for types the encoder has no
// method for. An error from fn becomes the encoder's error.
func (e *AttributeEncoder) Do(typ uint16, fn func() ([]byte, error)) {
	if e.err != nil {
		return
	}
	b, err := fn()
	if err != nil {
		e.fail(err)
		return
	}
	e.Bytes(typ, b)
}

// Nested encodes a nested attribute (NLA_NESTED) of type
// typ|AttributeNested. fn receives the same encoder and appends the nest's
// attributes to it; Nested then writes the nest's length. An error from fn
// becomes the encoder's error, and so does a nest whose total length does
// not fit in 16 bits (wrapping ErrTooLarge) or one more than
// MaxNestingDepth levels deep (wrapping ErrTooDeep).
func (e *AttributeEncoder) Nested(typ uint16, fn func(*AttributeEncoder) error) {
	start, ok := e.open(typ)
	if !ok {
		return
	}
	e.close(start, typ|AttributeNested, fn(e))
}

// NestedWithHeader encodes an attribute whose payload is a fixed structure
// followed by attributes, such as VETH_INFO_PEER: a struct ifinfomsg for
// the peer device, then the peer's IFLA_* attributes. It copies hdr, pads
// it with zeros to AttributeAlignment, calls fn to append the attributes,
// and writes the attribute's length, all in the encoder's one buffer. The
// padding matches the kernel, which finds the attributes NLA_ALIGN(size of
// the structure) bytes into the payload (nla_parse_nested_compat; veth and
// vxcan add sizeof(struct ifinfomsg), 16, which is aligned already).
//
// Unlike Nested, NestedWithHeader writes typ as given, without adding
// AttributeNested: the payload is not a sequence of attributes, and the
// kernel's users of such nests (veth, vxcan, netkit) neither need nor
// check the flag. Pass typ|AttributeNested to set it.
//
// Errors are as for Nested. AttributeDecoder.NestedWithHeader decodes the
// result.
func (e *AttributeEncoder) NestedWithHeader(typ uint16, hdr []byte, fn func(*AttributeEncoder) error) {
	start, ok := e.open(typ)
	if !ok {
		return
	}
	if len(hdr) > MaxAttributePayload {
		e.depth--
		e.fail(attributeTooLarge(typ, start, len(hdr)))
		return
	}
	n := len(e.buf)
	space := AttributeAlign(len(hdr))
	if cap(e.buf)-n < space {
		e.grow(space)
	}
	e.buf = e.buf[:n+space]
	clear(e.buf[n+len(hdr):])
	copy(e.buf[n:], hdr)
	e.close(start, typ, fn(e))
}

// NestedArray encodes an indexed array (NLA_NESTED_ARRAY): a nest of type
// typ|AttributeNested holding n nests of types 1 through n, in order. fn is
// called with i from 0 to n-1 to append the contents of entry i, whose type
// is i+1. n must be at most AttributeTypeMask.
//
// AttributeDecoder.NestedArray decodes the result.
func (e *AttributeEncoder) NestedArray(typ uint16, n int, fn func(i int, e *AttributeEncoder) error) {
	if e.err != nil {
		return
	}
	if n < 0 || n > int(AttributeTypeMask) {
		e.fail(fmt.Errorf("netlink: attribute %d at offset %d: array of %d entries, at most %d allowed: %w",
			typ&AttributeTypeMask, len(e.buf), n, AttributeTypeMask, ErrTooLarge))
		return
	}
	start, ok := e.open(typ)
	if !ok {
		return
	}
	for i := 0; i < n && e.err == nil; i++ {
		entry, ok := e.open(uint16(i + 1))
		if !ok {
			break
		}
		e.close(entry, uint16(i+1)|AttributeNested, fn(i, e))
	}
	e.close(start, typ|AttributeNested, nil)
}

// RepeatedUint32 encodes one Uint32 attribute of type typ per element of
// vs, in order: the multi-attribute form of a list, where the kernel reads
// every attribute of the type rather than only the last.
func (e *AttributeEncoder) RepeatedUint32(typ uint16, vs []uint32) {
	for _, v := range vs {
		e.Uint32(typ, v)
	}
}

// RepeatedString encodes one String attribute of type typ per element of
// ss, in order, like RepeatedUint32.
func (e *AttributeEncoder) RepeatedString(typ uint16, ss []string) {
	for _, s := range ss {
		e.String(typ, s)
	}
}

// alloc appends the header of an attribute of raw type typ with an n-byte
// payload, and room for the payload and its padding; the padding is zeroed.
// It returns the payload, which the caller must overwrite entirely, or nil
// if the encoder has failed or fails now because n is too large.
func (e *AttributeEncoder) alloc(typ uint16, n int) []byte {
	if e.err != nil {
		return nil
	}
	if n > MaxAttributePayload {
		e.fail(attributeTooLarge(typ, len(e.buf), n))
		return nil
	}
	start := len(e.buf)
	space := AttributeSpace(n)
	if cap(e.buf)-start >= space {
		e.buf = e.buf[:start+space]
	} else {
		e.grow(space)
		e.buf = e.buf[:start+space]
	}
	a := e.buf[start:]
	if space != AttributeLen(n) {
		// A reused buffer may hold old bytes where the padding goes:
		// zero the last word. The caller overwrites the payload part.
		binary.NativeEndian.PutUint32(a[space-4:space], 0)
	}
	binary.NativeEndian.PutUint16(a[0:2], uint16(AttributeLen(n)))
	binary.NativeEndian.PutUint16(a[2:4], typ)
	return a[AttributeHeaderLen:AttributeLen(n):AttributeLen(n)]
}

// open appends the header of a nest whose length is not known yet and
// returns where it starts. ok is false if the encoder has failed or
// fails now because the nest would be too deep.
func (e *AttributeEncoder) open(typ uint16) (start int, ok bool) {
	if e.err != nil {
		return 0, false
	}
	if e.depth >= MaxNestingDepth {
		e.fail(fmt.Errorf("netlink: attribute %d at offset %d: nesting deeper than %d: %w",
			typ&AttributeTypeMask, len(e.buf), MaxNestingDepth, ErrTooDeep))
		return 0, false
	}
	start = len(e.buf)
	if cap(e.buf)-start < AttributeHeaderLen {
		e.grow(AttributeHeaderLen)
	}
	e.buf = append(e.buf, 0, 0, 0, 0)
	e.depth++
	return start, true
}

// grow makes room for n more bytes. An encoder without a buffer starts
// with inlineBufferLen bytes rather than growing from a few: a one-shot
// encoding then allocates once, not once per doubling.
func (e *AttributeEncoder) grow(n int) {
	if cap(e.buf) == 0 {
		e.buf = make([]byte, 0, max(n, inlineBufferLen))
		return
	}
	e.buf = slices.Grow(e.buf, n)
}

// close ends the nest opened at start: it records err, the error of the
// function that filled the nest, or else writes the nest's header with
// the raw type typ.
func (e *AttributeEncoder) close(start int, typ uint16, err error) {
	e.depth--
	if err != nil {
		e.fail(err)
	}
	if e.err != nil {
		return
	}
	n := len(e.buf) - start
	if n > math.MaxUint16 {
		e.fail(fmt.Errorf("netlink: attribute %d at offset %d: nest of %d bytes > %d: %w",
			typ&AttributeTypeMask, start, n, math.MaxUint16, ErrTooLarge))
		return
	}
	binary.NativeEndian.PutUint16(e.buf[start:], uint16(n))
	binary.NativeEndian.PutUint16(e.buf[start+2:], typ)
}

// fail records err unless an earlier error is recorded.
func (e *AttributeEncoder) fail(err error) {
	if e.err == nil {
		e.err = err
	}
}

// putUint16, putUint32 and putUint64 write an integer in e.ByteOrder.
func (e *AttributeEncoder) putUint16(b []byte, v uint16) {
	if isNative(e.ByteOrder) {
		binary.NativeEndian.PutUint16(b, v)
		return
	}
	e.ByteOrder.PutUint16(b, v)
}

func (e *AttributeEncoder) putUint32(b []byte, v uint32) {
	if isNative(e.ByteOrder) {
		binary.NativeEndian.PutUint32(b, v)
		return
	}
	e.ByteOrder.PutUint32(b, v)
}

func (e *AttributeEncoder) putUint64(b []byte, v uint64) {
	if isNative(e.ByteOrder) {
		binary.NativeEndian.PutUint64(b, v)
		return
	}
	e.ByteOrder.PutUint64(b, v)
}

// netFlag returns the flag to add to integer attributes wider than a byte.
func (e *AttributeEncoder) netFlag() uint16 {
	if isType(e.ByteOrder, binary.BigEndian) {
		return AttributeNetByteOrder
	}
	return 0
}

// fast returns the space bytes past the end of the buffer when the
// encoder has not failed and the buffer has room for them, and nil
// otherwise. It is inlined into the typed methods' fast paths, which fill
// the space and then extend e.buf over it.
func (e *AttributeEncoder) fast(space int) []byte {
	if b := e.buf; e.err == nil && cap(b)-len(b) >= space {
		return b[len(b) : len(b)+space]
	}
	return nil
}
