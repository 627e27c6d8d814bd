package netlink

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// ErrNoAttribute means an extended acknowledgement's offset leads to no
// attribute of the request: it lies in a header, past the end, or in
// padding, or no copy of the request was kept. Errors wrapping it come
// from OpError's AttributePath, MissingPath and Locate.
var ErrNoAttribute = errors.New("no attribute at the offset")

// keepRequest keeps a copy of req, the request as sent, when the extended
// ack locates an attribute in it. Execute calls it on its error path only.
func (e *OpError) keepRequest(req []byte) {
	if e.Offset != 0 || e.MissingType != 0 || e.MissingNest != 0 {
		e.Sent = bytes.Clone(req)
	}
}

// AttributePath returns the path of the attribute at ExtAck.Offset in
// Sent, the request as sent, whose attributes follow a family header of
// headerLen bytes (4 plus the family's own header for generic netlink,
// 16 for an ifinfomsg), padded to Alignment. It walks the attributes,
// descending into a nest only when the offset lies inside it: into those p
// declares nested (KindNested, KindNestedArray, whose entries appear in
// the path by their index), and, where p declares nothing for a type or
// is nil, into any attribute whose payload parses as attributes. Path
// elements are named from p where it names them.
//
// The path ends with the innermost attribute that starts at the offset
// or, when none starts there, contains it. An offset in the netlink or
// the family header, past the end of the request or between attributes
// is an error wrapping ErrNoAttribute, and so is an OpError that kept no
// request (see Sent); an attribute with a malformed header before the
// offset is a *ParseError.
func (e *OpError) AttributePath(headerLen int, p *Policy) (AttributePath, error) {
	path, _, err := e.locate(int(e.Offset), headerLen, p)
	return path, err
}

// MissingPath returns the path of the attribute the kernel found missing
// (ExtAck.MissingType): at the top level of the request, or inside the
// nest at MissingNest, whose path comes first; the missing type is named
// from p, or from the nested policy p gives the nest. headerLen and p
// are those of AttributePath. An OpError without MissingType is an error
// wrapping ErrNoAttribute, as is a MissingNest that AttributePath would
// not find.
func (e *OpError) MissingPath(headerLen int, p *Policy) (AttributePath, error) {
	if e.MissingType == 0 {
		return nil, fmt.Errorf("netlink: the kernel named no missing attribute: %w", ErrNoAttribute)
	}
	if e.MissingType > uint32(AttributeTypeMask) {
		return nil, fmt.Errorf("netlink: missing attribute type %d out of range: %w", e.MissingType, ErrNoAttribute)
	}
	t := uint16(e.MissingType)
	if e.MissingNest == 0 {
		return AttributePath{{Type: t, Name: p.name(t)}}, nil
	}
	path, inner, err := e.locate(int(e.MissingNest), headerLen, p)
	if err != nil {
		return nil, err
	}
	return append(path, PathElement{Type: t, Name: inner.name(t)}), nil
}

// Locate sets Path and Missing to what AttributePath and MissingPath
// return, for a caller that knows the request's family header and perhaps
// its policy, so that Error names the attributes; each is left nil where
// the extended ack does not locate one. It returns the first error, other
// than for an extended ack that names no offset or missing attribute.
// genetlink.Conn calls it on every failed Execute.
func (e *OpError) Locate(headerLen int, p *Policy) error {
	var first error
	if e.Offset != 0 {
		e.Path, first = e.AttributePath(headerLen, p)
	}
	if e.MissingType != 0 {
		var err error
		if e.Missing, err = e.MissingPath(headerLen, p); first == nil {
			first = err
		}
	}
	return first
}

// locate finds the attribute at off in Sent, returning its path and the
// policy of its contents.
func (e *OpError) locate(off, headerLen int, p *Policy) (AttributePath, *Policy, error) {
	b := e.Sent
	if b == nil {
		return nil, nil, fmt.Errorf("netlink: no copy of the request was kept: %w", ErrNoAttribute)
	}
	if headerLen < 0 {
		return nil, nil, fmt.Errorf("netlink: family header length %d < 0: %w", headerLen, ErrNoAttribute)
	}
	if len(b) >= HeaderLen {
		if n := int(binary.NativeEndian.Uint32(b)); n >= HeaderLen && n < len(b) {
			b = b[:n]
		}
	}
	start := HeaderLen + Align(headerLen)
	switch {
	case off < HeaderLen:
		return nil, nil, fmt.Errorf("netlink: offset %d lies in the netlink header: %w", off, ErrNoAttribute)
	case off >= len(b):
		return nil, nil, fmt.Errorf("netlink: offset %d lies past the end of the %d-byte request: %w", off, len(b), ErrNoAttribute)
	case off < start:
		return nil, nil, fmt.Errorf("netlink: offset %d lies in the %d-byte family header: %w", off, headerLen, ErrNoAttribute)
	}
	l := locator{off: off}
	path, inner, err := l.walk(b[start:], start, scope{p: p}, 0)
	if err != nil {
		return nil, nil, err
	}
	return path, inner, nil
}

// A scope is what is known of the attributes of one buffer: their policy,
// or that they are the entries of a nested array, whose contents follow
// the entry policy.
type scope struct {
	p       *Policy
	entries bool
	entry   *Policy // the policy of each entry's contents
}

// locator walks a request towards the attribute at off.
type locator struct{ off int }

// walk looks for l.off among the attributes of b, which lies at offset
// base of the request, at nesting depth depth.
func (l *locator) walk(b []byte, base int, s scope, depth int) (AttributePath, *Policy, error) {
	pos := 0
	for len(b)-pos >= AttributeHeaderLen && base+pos <= l.off {
		n := int(binary.NativeEndian.Uint16(b[pos:]))
		raw := binary.NativeEndian.Uint16(b[pos+2:])
		t := raw & AttributeTypeMask
		elem, nested, inner := s.element(t, raw)
		at := base + pos
		if at == l.off {
			return AttributePath{elem}, inner, nil
		}
		if n < AttributeHeaderLen || n > len(b)-pos {
			return nil, nil, parseErrorf("attribute", at, int(t), ErrBadLength,
				"length %d does not fit the %d bytes left before offset %d", n, len(b)-pos, l.off)
		}
		if l.off < at+n {
			path := AttributePath{elem}
			if nested != nil && l.off >= at+AttributeHeaderLen && depth < MaxNestingDepth {
				if sub, in, err := l.walk(b[pos+AttributeHeaderLen:pos+n], at+AttributeHeaderLen, *nested, depth+1); err == nil {
					return append(path, sub...), in, nil
				}
			}
			return path, inner, nil
		}
		pos += AttributeAlign(n)
	}
	return nil, nil, fmt.Errorf("netlink: offset %d lies between attributes: %w", l.off, ErrNoAttribute)
}

// element returns the path element of an attribute of type t (with its
// flags in raw) in scope s, the scope of its contents if they may hold
// attributes (nil if they cannot), and the policy of its contents.
func (s scope) element(t, raw uint16) (PathElement, *scope, *Policy) {
	if s.entries {
		return PathElement{Type: t}, &scope{p: s.entry}, s.entry
	}
	elem := PathElement{Type: t, Name: s.p.name(t)}
	var a *AttributePolicy
	if s.p != nil && int(t) < len(s.p.Attributes) {
		a = &s.p.Attributes[t]
	}
	switch {
	case a != nil && a.Kind == KindNested:
		return elem, &scope{p: a.Nested}, a.Nested
	case a != nil && a.Kind == KindNestedArray:
		return elem, &scope{entries: true, entry: a.Nested}, nil
	case a != nil && a.Kind != KindUnspec:
		if raw&AttributeNested != 0 {
			return elem, &scope{}, nil
		}
		return elem, nil, nil
	}
	// Nothing declared: the contents may be attributes.
	return elem, &scope{}, nil
}

// describe formats a path for an error message: its names joined by dots,
// then its types in parentheses, as "IFLA_LINKINFO.IFLA_INFO_KIND (18.1)";
// without any name, the types alone, as "18.1".
func (p AttributePath) describe() string {
	var b strings.Builder
	named := false
	for _, e := range p {
		named = named || e.Name != ""
	}
	if named {
		p.writeNames(&b)
		b.WriteString(" (")
	}
	for i, e := range p {
		if i > 0 {
			b.WriteByte('.')
		}
		b.WriteString(strconv.Itoa(int(e.Type)))
	}
	if named {
		b.WriteByte(')')
	}
	return b.String()
}
