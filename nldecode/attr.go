package nldecode

import (
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/nlgo/netlink"
)

// decodeAttrs decodes the attributes in b with the descriptions in set
// (nil: every payload is guessed). base is the offset of b in its message,
// from the start of the netlink header, and depth the nesting level. It
// returns what it decoded before an error, and the error.
func decodeAttrs(b []byte, set attrSet, base, depth int) ([]Attr, error) {
	var out []Attr
	var d netlink.AttributeDecoder
	d.Reset(b)
	for d.Next() {
		a := Attr{Type: d.Type(), Flags: typeFlags(d.TypeFlags()), Offset: base + d.Offset()}
		spec, _ := set.spec(a.Type)
		a.Name = spec.name
		decodeValue(&a, spec, d.Data(), d.TypeFlags(), a.Offset+netlink.AttributeHeaderLen, depth)
		out = append(out, a)
	}
	return out, rebase(d.Err(), base)
}

// rebase makes the offset of a *netlink.ParseError count from the start
// of the message rather than from the start of the attributes, base bytes
// into it.
func rebase(err error, base int) error {
	pe, ok := err.(*netlink.ParseError)
	if !ok || base == 0 {
		return err
	}
	c := *pe
	c.Offset += base
	return &c
}

// typeFlags names an attribute's flag bits.
func typeFlags(f uint16) string {
	var s []string
	if f&netlink.AttributeNested != 0 {
		s = append(s, "nested")
	}
	if f&netlink.AttributeNetByteOrder != 0 {
		s = append(s, "net-byteorder")
	}
	return strings.Join(s, "|")
}

// decodeValue fills in a from its payload p, which starts at offset base
// of the message.
func decodeValue(a *Attr, spec attrSpec, p []byte, flags uint16, base, depth int) {
	a.Kind = kindNames[spec.kind]
	canNest := depth < netlink.MaxNestingDepth
	switch spec.kind {
	case kindGuess:
		guess(a, p, flags, base, depth)
	case kindString:
		a.Value = cString(p)
	case kindU8, kindU16, kindU32, kindU64, kindS32, kindS64, kindBE16, kindBE32, kindBE64:
		decodeInt(a, spec, p, flags)
	case kindAddr:
		if ip, ok := ipAddr(p); ok {
			a.Value = ip
		} else {
			a.Kind, a.Hex = "bytes", hex.EncodeToString(p)
		}
	case kindHWAddr:
		a.Value = net.HardwareAddr(p).String()
	case kindFlag:
		if len(p) == 0 {
			a.Value = true
		} else {
			a.Kind, a.Hex, a.Error = "bytes", hex.EncodeToString(p), fmt.Sprintf("a flag has no payload, this one has %d bytes", len(p))
		}
	case kindBytes:
		a.Hex = hex.EncodeToString(p)
	case kindNested:
		if !canNest {
			a.Kind, a.Hex, a.Error = "bytes", hex.EncodeToString(p), "nested too deep"
			return
		}
		var err error
		if a.Attrs, err = decodeAttrs(p, spec.set, base, depth+1); err != nil {
			a.Error = err.Error()
		}
	case kindArray:
		if !canNest {
			a.Kind, a.Hex, a.Error = "bytes", hex.EncodeToString(p), "nested too deep"
			return
		}
		decodeArray(a, spec.set, p, base, depth)
	case kindStruct:
		decodeStructAttr(a, spec.strct, p)
	case kindCustom:
		spec.custom(a, p, depth)
	}
}

// decodeArray decodes a nest whose attributes are numbered entries, each
// a nest of set.
func decodeArray(a *Attr, set attrSet, p []byte, base, depth int) {
	var d netlink.AttributeDecoder
	d.Reset(p)
	for d.Next() {
		off := base + d.Offset()
		e := Attr{Type: d.Type(), Flags: typeFlags(d.TypeFlags()), Kind: "nested", Offset: off}
		var err error
		if e.Attrs, err = decodeAttrs(d.Data(), set, off+netlink.AttributeHeaderLen, depth+2); err != nil {
			e.Error = err.Error()
		}
		a.Attrs = append(a.Attrs, e)
	}
	if err := d.Err(); err != nil {
		a.Error = rebase(err, base).Error()
	}
}

// decodeInt reads an integer attribute.
func decodeInt(a *Attr, spec attrSpec, p []byte, flags uint16) {
	f := fieldSpec{kind: spec.kind, names: spec.names}
	if len(p) != f.size() {
		a.Kind, a.Hex = "bytes", hex.EncodeToString(p)
		a.Error = fmt.Sprintf("%s needs %d bytes, have %d", kindNames[spec.kind], f.size(), len(p))
		return
	}
	a.Value = f.value(p, flags&netlink.AttributeNetByteOrder != 0)
}

// value reads field f from p, which holds exactly its size.
func (f fieldSpec) value(p []byte, netOrder bool) any {
	var order binary.ByteOrder = binary.NativeEndian
	if netOrder || f.kind == kindBE16 || f.kind == kindBE32 || f.kind == kindBE64 {
		order = binary.BigEndian
	}
	var v uint64
	switch f.kind {
	case kindU8:
		v = uint64(p[0])
	case kindU16, kindBE16:
		v = uint64(order.Uint16(p))
	case kindU32, kindBE32:
		v = uint64(order.Uint32(p))
	case kindS32:
		return int64(int32(order.Uint32(p)))
	case kindS64:
		return int64(order.Uint64(p))
	case kindU64, kindBE64:
		v = order.Uint64(p)
	case kindAddr:
		if ip, ok := ipAddr(p); ok {
			return ip
		}
		return hex.EncodeToString(p)
	default:
		return hex.EncodeToString(p)
	}
	if s, ok := f.names.format(v); ok {
		return s
	}
	return v
}

// decodeStructAttr decodes an attribute whose payload is a C struct.
func decodeStructAttr(a *Attr, s *structSpec, p []byte) {
	var rest []byte
	var err string
	a.Fields, rest, err = decodeStruct(s, p)
	if len(rest) > 0 {
		a.Hex = hex.EncodeToString(rest)
	}
	a.Error = err
}

// decodeStruct decodes the fields of s that p holds. A struct longer than
// s (a newer kernel's) leaves the bytes after it in rest; a shorter one
// decodes the fields that fit and says so.
func decodeStruct(s *structSpec, p []byte) (fs Fields, rest []byte, errText string) {
	off := 0
	for _, f := range s.fields {
		n := f.size()
		if off+n > len(p) {
			return fs, nil, fmt.Sprintf("%s: %d bytes, want %d", s.name, len(p), s.size())
		}
		if f.name != "" {
			fs = append(fs, Field{Name: f.name, Value: f.value(p[off:off+n], false)})
		}
		off += n
	}
	return fs, p[off:], ""
}

// guess decodes a payload nobody described: a nest when it carries
// NLA_F_NESTED or parses cleanly as attributes, a string when it is
// printable text ending in a NUL, an integer when it is 1, 2, 4 or 8
// bytes long, a flag when it is empty, and bytes otherwise.
func guess(a *Attr, p []byte, flags uint16, base, depth int) {
	canNest := depth < netlink.MaxNestingDepth
	if flags&netlink.AttributeNested != 0 && canNest {
		attrs, err := decodeAttrs(p, nil, base, depth+1)
		if err == nil {
			a.Kind, a.Attrs = "nested", attrs
			return
		}
		a.Kind, a.Hex, a.Error = "bytes", hex.EncodeToString(p), err.Error()
		return
	}
	if s, ok := text(p); ok {
		a.Kind, a.Value = "string", s
		return
	}
	if len(p) >= netlink.AttributeHeaderLen && canNest {
		if attrs, err := decodeAttrs(p, nil, base, depth+1); err == nil && typed(attrs) {
			a.Kind, a.Attrs = "nested", attrs
			return
		}
	}
	netOrder := flags&netlink.AttributeNetByteOrder != 0
	var f fieldSpec
	switch len(p) {
	case 0:
		a.Kind, a.Value = "flag", true
		return
	case 1:
		f.kind = kindU8
	case 2:
		f.kind = kindU16
	case 4:
		f.kind = kindU32
	case 8:
		f.kind = kindU64
	default:
		a.Kind, a.Hex = "bytes", hex.EncodeToString(p)
		return
	}
	a.Kind, a.Value = kindNames[f.kind], f.value(p, netOrder)
}

// cString returns p as a string without its terminating NUL.
func cString(p []byte) string {
	if i := strings.IndexByte(string(p), 0); i >= 0 {
		p = p[:i]
	}
	return string(p)
}

// text returns p as a string if it is printable UTF-8 text terminated by
// one NUL byte (NLA_NUL_STRING).
func text(p []byte) (string, bool) {
	if len(p) < 2 || p[len(p)-1] != 0 {
		return "", false
	}
	s := string(p[:len(p)-1])
	if !utf8.ValidString(s) {
		return "", false
	}
	for _, r := range s {
		if !unicode.IsPrint(r) && r != '\t' {
			return "", false
		}
	}
	return s, true
}

// typed reports whether no attribute has type 0, which kernels reserve
// (the *_UNSPEC types). It keeps short integers such as 0x00000004 from
// being taken for an empty attribute.
func typed(attrs []Attr) bool {
	for _, a := range attrs {
		if a.Type == 0 {
			return false
		}
	}
	return len(attrs) > 0
}

// ipAddr formats a 4- or 16-byte IP address.
func ipAddr(p []byte) (string, bool) {
	if len(p) != 4 && len(p) != 16 {
		return "", false
	}
	ip, _ := netip.AddrFromSlice(p)
	return ip.String(), true
}
