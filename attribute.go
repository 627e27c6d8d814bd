package netlink

import (
	"encoding/binary"
	"fmt"
	"math"
)

// Attributes are the type-length-value records (struct nlattr) that carry
// most of a netlink message's payload. Each has a 4-byte header, a 16-bit
// length counting the header and a 16-bit type, in host byte order, followed
// by the payload and zero padding up to a multiple of AttributeAlignment.
// The two top bits of the type are flags.

// Flag bits and mask of an attribute's type field.
const (
	// AttributeNested marks an attribute whose payload is itself a
	// sequence of attributes (NLA_F_NESTED).
	AttributeNested uint16 = 0x8000

	// AttributeNetByteOrder marks an attribute whose integer payload is in
	// network (big-endian) byte order (NLA_F_NET_BYTEORDER).
	AttributeNetByteOrder uint16 = 0x4000

	// AttributeTypeMask selects the type proper, without the flag bits
	// (NLA_TYPE_MASK).
	AttributeTypeMask uint16 = 0x3fff
)

// MaxNestingDepth is how deep attributes may nest: AttributeDecoder.Nested
// and AttributeEncoder.Nested fail with an error wrapping ErrTooDeep when
// called more than MaxNestingDepth levels below the top level. It bounds
// the recursion a crafted message can cause.
const MaxNestingDepth = 32

// An Attribute is one undecoded netlink attribute.
type Attribute struct {
	// Type is the raw type field, flag bits (AttributeNested,
	// AttributeNetByteOrder) included, so that decoding and re-encoding
	// an attribute reproduces it exactly. Mask it with AttributeTypeMask
	// to get the type proper.
	Type uint16

	// Data is the payload, without header or padding. After
	// UnmarshalAttributes it aliases the buffer that was decoded.
	Data []byte
}

// MarshalAttributes encodes attrs, in order, into a new buffer. Each
// attribute's Type is written as is, flag bits included, and every
// attribute is padded with zero bytes to AttributeAlignment. It fails with
// an error wrapping ErrTooLarge if a payload is longer than
// MaxAttributePayload.
//
// For nested attributes and typed values, use an AttributeEncoder.
func MarshalAttributes(attrs []Attribute) ([]byte, error) {
	total := 0
	for i, a := range attrs {
		n := len(a.Data)
		if n > MaxAttributePayload {
			return nil, fmt.Errorf("netlink: attribute %d (index %d): payload of %d bytes > %d: %w",
				a.Type&AttributeTypeMask, i, n, MaxAttributePayload, ErrTooLarge)
		}
		// Many attributes may alias one large buffer; on a 32-bit
		// platform their sum could overflow int.
		if total > math.MaxInt-AttributeSpace(n) {
			return nil, fmt.Errorf("netlink: %d attributes do not fit in memory: %w", len(attrs), ErrTooLarge)
		}
		total += AttributeSpace(n)
	}
	var e AttributeEncoder
	e.Reset(make([]byte, 0, total))
	for _, a := range attrs {
		e.Bytes(a.Type, a.Data)
	}
	return e.Encode()
}

// UnmarshalAttributes decodes every attribute in b. The Data of each
// returned Attribute aliases b: it is not copied, so changing b changes it.
// Malformed input is an error (a *ParseError wrapping ErrBadLength) and
// yields no attributes. An empty b yields none and no error.
//
// For typed values and nested attributes, use an AttributeDecoder.
func UnmarshalAttributes(b []byte) ([]Attribute, error) {
	var d AttributeDecoder
	d.Reset(b)
	n := 0
	for d.Next() {
		n++
	}
	if err := d.Err(); err != nil {
		return nil, err
	}
	if n == 0 {
		return nil, nil
	}
	attrs := make([]Attribute, 0, n)
	d.Reset(b)
	for d.Next() {
		attrs = append(attrs, Attribute{Type: d.typ, Data: d.Data()})
	}
	return attrs, nil
}

// attributeTooLarge is the error for a payload that does not fit an
// attribute's 16-bit length field.
func attributeTooLarge(typ uint16, off, n int) error {
	return fmt.Errorf("netlink: attribute %d at offset %d: payload of %d bytes > %d: %w",
		typ&AttributeTypeMask, off, n, MaxAttributePayload, ErrTooLarge)
}

// isNative reports whether o is nil or binary.NativeEndian.
func isNative(o binary.ByteOrder) bool {
	return o == nil || isType(o, binary.NativeEndian)
}

// isType reports whether o's dynamic type is T. For the zero-size byte
// order types of encoding/binary that is equality with v, but unlike
// o == v it needs no call to the runtime.
func isType[T binary.ByteOrder](o binary.ByteOrder, v T) bool {
	_, ok := o.(T)
	return ok
}
