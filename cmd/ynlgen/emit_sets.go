package main

import (
	"fmt"
	"strings"
)

// elemType is the Go type of one value of a.
func (m *model) elemType(f *file, a *attrInfo) string {
	switch a.kind {
	case "int":
		if a.enum != nil {
			return a.enum.goName
		}
		return a.intT
	case "addr", "addr4":
		f.use("net/netip")
		return "netip.Addr"
	case "uint":
		return "uint64"
	case "sint":
		return "int64"
	case "string":
		return "string"
	case "binary", "ntv":
		f.use("github.com/nlgo/netlink/family")
		return "family.Bytes"
	case "mac":
		f.use("github.com/nlgo/netlink/family")
		return "family.HardwareAddr"
	case "struct":
		return a.strct.goName
	case "nest":
		return a.nest.goName
	case "bitfield32":
		f.use("github.com/nlgo/netlink/family")
		return "family.Bitfield32"
	case "submsg":
		return a.sub.goName
	case "flag":
		return "bool"
	}
	panic("no type for kind " + a.kind)
}

// fieldType is the Go type of a's field, and its JSON option.
func (m *model) fieldType(f *file, a *attrInfo) (string, string) {
	e := m.elemType(f, a)
	switch {
	case a.multi || a.array:
		return "[]" + e, "omitempty"
	case a.kind == "string" || a.kind == "binary" || a.kind == "mac" || a.kind == "ntv" || a.kind == "flag":
		return e, "omitempty"
	case a.ptr:
		return "*" + e, "omitempty"
	}
	f.use("github.com/nlgo/netlink/family")
	return "family.Opt[" + e + "]", "omitzero"
}

// describe is the generator's own words for a's wire form.
func describe(a *attrInfo) string {
	var s []string
	t := a.Type
	if a.array {
		t = "indexed-array of " + a.SubType
	}
	s = append(s, t)
	if a.multi {
		s = append(s, "multi-attr")
	}
	if a.big {
		s = append(s, "big-endian")
	}
	if a.nest != nil {
		s = append(s, "of "+a.nest.name)
	}
	if a.strct != nil {
		s = append(s, "struct "+a.strct.def.Name)
	}
	if a.sub != nil {
		s = append(s, a.sub.sub.Name+" by "+a.Selector)
	}
	if a.enum != nil {
		s = append(s, "enum "+a.enum.def.Name)
	}
	if a.DisplayHint != "" {
		s = append(s, "shown as "+a.DisplayHint)
	}
	return strings.Join(s, ", ")
}

func (m *model) emitSets(f *file) {
	f.use("github.com/nlgo/netlink")
	for _, s := range m.sets {
		m.emitSet(f, s)
	}
	for _, sm := range m.subList {
		m.emitSub(f, sm)
	}
}

func (m *model) fields(s *setInfo) []*attrInfo {
	var out []*attrInfo
	for _, a := range s.attrs {
		if a.kind != "skip" {
			out = append(out, a)
		}
	}
	return out
}

func (m *model) emitSet(f *file, s *setInfo) {
	f.p("")
	after := ""
	if s.header != nil {
		after = ", after the fixed header " + s.header.def.Name
	}
	f.p("// %s holds the attributes of the set %s%s. An absent", s.goName, s.name, after)
	f.p("// attribute is an invalid Opt, an empty string or slice, or false.")
	f.p("type %s struct {", s.goName)
	if s.header != nil {
		f.p("%s", s.header.goName)
	}
	for _, a := range m.fields(s) {
		t, opt := m.fieldType(f, a)
		f.p("%s %s `json:\"%s,%s\"` // %s: %s", a.goName, t, a.Name, opt, a.Name, describe(a))
	}
	f.p("}")
	m.emitMessageMethods(f, s)
	m.emitEncode(f, s)
	m.emitDecode(f, s)
}

func (m *model) emitMessageMethods(f *file, s *setInfo) {
	g := s.goName
	f.p("")
	if s.header != nil {
		f.p("// AppendBinary appends the message to b: the fixed header, padded to the")
		f.p("// message alignment, then the attributes.")
	} else {
		f.p("// AppendBinary appends the attributes to b.")
	}
	f.p("func (v *%s) AppendBinary(b []byte) ([]byte, error) {", g)
	if s.header != nil {
		f.p("var h [%sLen]byte", s.header.goName)
		f.p("v.%s.put(h[:])", s.header.goName)
		f.p("b = append(b, h[:]...)")
		f.p("for i := %sLen; i < netlink.Align(%sLen); i++ { b = append(b, 0) }", s.header.goName, s.header.goName)
	}
	f.p("var e netlink.AttributeEncoder")
	f.p("e.Reset(b)")
	f.p("v.EncodeAttributes(&e)")
	f.p("return e.Encode()")
	f.p("}")
	f.p("")
	f.p("// Decode decodes the message in b%s into v with d,", map[bool]string{true: ", fixed header and attributes,", false: ""}[s.header != nil])
	f.p("// reusing v's memory: decoding a dump into one value allocates only for")
	f.p("// strings that changed and slices that grew.")
	f.p("func (v *%s) Decode(d *netlink.AttributeDecoder, b []byte) error {", g)
	if s.header != nil {
		f.use("github.com/nlgo/netlink/family")
		h := s.header.goName
		f.p("if len(b) < %sLen { return family.StructError(%q, len(b), %sLen) }", h, s.header.def.Name, h)
		f.p("v.%s.decode(b)", h)
		f.p("b = b[min(netlink.Align(%sLen), len(b)):]", h)
	}
	f.p("d.Reset(b)")
	f.p("return v.DecodeAttributes(d)")
	f.p("}")
	f.p("")
	f.p("// UnmarshalBinary decodes the message in b into v, as Decode does.")
	f.p("func (v *%s) UnmarshalBinary(b []byte) error {", g)
	f.p("var d netlink.AttributeDecoder")
	f.p("return v.Decode(&d, b)")
	f.p("}")
}

// ---- encode

func (m *model) emitEncode(f *file, s *setInfo) {
	f.p("")
	f.p("// EncodeAttributes appends v's present attributes to e, in the order of")
	f.p("// their types. Errors are recorded in e.")
	f.p("func (v *%s) EncodeAttributes(e *netlink.AttributeEncoder) {", s.goName)
	for _, a := range m.fields(s) {
		m.encodeField(f, s, a)
	}
	f.p("}")
}

func (m *model) encodeField(f *file, s *setInfo, a *attrInfo) {
	fv := "v." + a.goName
	switch {
	case a.array && a.kind == "nest":
		f.p("if len(%s) > 0 {", fv)
		f.p("e.NestedArray(%s, len(%s), func(i int, e *netlink.AttributeEncoder) error { %s[i].EncodeAttributes(e); return nil })", a.constN, fv, fv)
		f.p("}")
	case a.array:
		f.p("if len(%s) > 0 {", fv)
		f.p("e.Nested(%s, func(e *netlink.AttributeEncoder) error {", a.constN)
		f.p("for i := range %s {", fv)
		m.encodeElem(f, a, "uint16(i+1)", fv+"[i]")
		f.p("}")
		f.p("return nil")
		f.p("})")
		f.p("}")
	case a.multi:
		f.p("for i := range %s {", fv)
		m.encodeElem(f, a, a.constN, fv+"[i]")
		f.p("}")
	case a.kind == "flag":
		f.p("e.Flag(%s, %s)", a.constN, fv)
	case a.kind == "string":
		f.p("if %s != \"\" {", fv)
		m.encodeElem(f, a, a.constN, fv)
		f.p("}")
	case a.kind == "binary" || a.kind == "mac" || a.kind == "ntv":
		f.p("if len(%s) > 0 {", fv)
		m.encodeElem(f, a, a.constN, fv)
		f.p("}")
	case a.ptr:
		f.p("if %s != nil {", fv)
		m.encodeElem(f, a, a.constN, fv)
		f.p("}")
	case a.kind == "submsg":
		f.p("if %s.Valid {", fv)
		f.p("%s.Value.encode(e, %s, v.%s)", fv, a.constN, camel(a.Selector))
		f.p("}")
	default:
		f.p("if %s.Valid {", fv)
		m.encodeElem(f, a, a.constN, fv+".Value")
		f.p("}")
	}
}

// encodeElem writes the encoding of one value, x, of a as type typ.
func (m *model) encodeElem(f *file, a *attrInfo, typ, x string) {
	switch a.kind {
	case "int":
		n := map[int]string{1: "8", 2: "16", 4: "32", 8: "64"}[a.width]
		if a.big && a.width > 1 {
			f.use("encoding/binary")
			f.p("{ var b [%d]byte; binary.BigEndian.PutUint%s(b[:], uint%s(%s)); e.Bytes(%s, b[:]) }", a.width, n, n, x, typ)
			return
		}
		if strings.HasPrefix(a.intT, "int") {
			f.p("e.Int%s(%s, int%s(%s))", n, typ, n, x)
		} else {
			f.p("e.Uint%s(%s, uint%s(%s))", n, typ, n, x)
		}
	case "addr4":
		f.p("{ b := %s.As4(); e.Bytes(%s, b[:]) }", x, typ)
	case "addr":
		f.p("family.EncodeAddr(e, %s, %s)", typ, x)
	case "uint":
		f.p("e.Uint(%s, %s)", typ, x)
	case "sint":
		f.p("e.Int(%s, %s)", typ, x)
	case "string":
		f.p("e.String(%s, %s)", typ, x)
	case "binary", "mac", "ntv":
		f.p("e.Bytes(%s, %s)", typ, x)
	case "struct":
		f.p("{ var b [%sLen]byte; %s.put(b[:]); e.Bytes(%s, b[:]) }", a.strct.goName, x, typ)
	case "nest":
		f.p("e.Nested(%s, func(e *netlink.AttributeEncoder) error { %s.EncodeAttributes(e); return nil })", typ, x)
	case "bitfield32":
		f.p("e.Bitfield32(%s, %s.Value, %s.Selector)", typ, x, x)
	case "flag":
		f.p("e.Flag(%s, %s)", typ, x)
	case "submsg":
		f.p("_ = %s // a sub-message needs its selector", x)
	}
}

// ---- decode

func (m *model) emitDecode(f *file, s *setInfo) {
	fields := m.fields(s)
	strIdx := map[*attrInfo]int{}
	for _, a := range fields {
		if a.kind == "string" && !a.multi && !a.array {
			strIdx[a] = len(strIdx)
		}
	}
	f.p("")
	f.p("// DecodeAttributes decodes the attributes d walks into v, reusing v's")
	f.p("// memory; attributes absent from d are absent from v afterwards: zero, or")
	f.p("// for a nest an invalid Opt whose Value keeps the memory of an earlier")
	f.p("// one. Unknown attributes are skipped.")
	f.p("func (v *%s) DecodeAttributes(d *netlink.AttributeDecoder) error {", s.goName)
	for _, a := range fields {
		fv := "v." + a.goName
		switch {
		case a.multi || a.array || a.kind == "binary" || a.kind == "mac" || a.kind == "ntv":
			f.p("%s = %s[:0]", fv, fv)
		case a.kind == "flag":
			f.p("%s = false", fv)
		case a.kind == "string":
		case a.ptr:
			f.p("%s = nil", fv)
		case a.kind == "nest" || a.kind == "submsg":
			f.p("%s.Valid = false // keeps the nest's memory", fv)
		default:
			f.p("%s = family.Opt[%s]{}", fv, m.elemType(f, a))
		}
	}
	if len(strIdx) > 0 {
		f.p("var seen [%d]uint64 // strings present", (len(strIdx)+63)/64)
	}
	if len(fields) > 0 {
		f.p("for d.Next() {")
		f.p("switch d.Type() {")
		for _, a := range fields {
			f.p("case %s:", a.constN)
			m.decodeField(f, s, a, strIdx)
		}
		f.p("}")
		f.p("}")
	} else {
		f.p("for d.Next() {")
		f.p("}")
	}
	for _, a := range fields {
		if i, ok := strIdx[a]; ok {
			f.p("if seen[%d]&(1<<%d) == 0 { v.%s = \"\" }", i/64, i%64, a.goName)
		}
	}
	f.p("return d.Err()")
	f.p("}")
}

func (m *model) decodeField(f *file, s *setInfo, a *attrInfo, strIdx map[*attrInfo]int) {
	fv := "v." + a.goName
	switch {
	case a.array && a.kind == "nest":
		f.p("%s = %s[:0]", fv, fv)
		f.p("d.NestedArray(func(_ int, c *netlink.AttributeDecoder) error {")
		f.use("github.com/nlgo/netlink/family")
		f.p("%s = family.Grow(%s)", fv, fv)
		f.p("return %s[len(%s)-1].DecodeAttributes(c)", fv, fv)
		f.p("})")
	case a.array:
		f.p("%s = %s[:0]", fv, fv)
		f.p("d.Nested(func(c *netlink.AttributeDecoder) error {")
		f.p("for c.Next() {")
		f.use("github.com/nlgo/netlink/family")
		f.p("%s = family.Grow(%s)", fv, fv)
		f.p("x := &%s[len(%s)-1]", fv, fv)
		m.decodeElem(f, a, "c", "*x", "x")
		f.p("}")
		f.p("return nil")
		f.p("})")
	case a.multi:
		f.use("github.com/nlgo/netlink/family")
		f.p("%s = family.Grow(%s)", fv, fv)
		f.p("x := &%s[len(%s)-1]", fv, fv)
		m.decodeElem(f, a, "d", "*x", "x")
	case a.kind == "string":
		m.decodeElem(f, a, "d", fv, fv)
		i := strIdx[a]
		f.p("seen[%d] |= 1 << %d", i/64, i%64)
	case a.kind == "binary" || a.kind == "mac" || a.kind == "ntv" || a.kind == "flag":
		m.decodeElem(f, a, "d", fv, fv)
	case a.ptr:
		f.p("if %s == nil { %s = new(%s) }", fv, fv, a.nest.goName)
		m.decodeElem(f, a, "d", "*"+fv, fv)
	case a.kind == "submsg":
		sel := s.attr(a.Selector)
		i, ok := strIdx[sel]
		if !ok {
			panic("selector is not a string field")
		}
		f.p("sel := \"\"")
		f.p("if seen[%d]&(1<<%d) != 0 { sel = v.%s }", i/64, i%64, sel.goName)
		f.p("%s.Value.decode(d, sel)", fv)
		f.p("%s.Valid = true", fv)
	default:
		m.decodeElem(f, a, "d", fv+".Value", fv+".Value")
		f.p("%s.Valid = true", fv)
	}
}

// decodeElem decodes the current attribute of decoder dv as one value of
// a into lv (an assignable expression); mv is the same value for method
// calls and field access.
func (m *model) decodeElem(f *file, a *attrInfo, dv, lv, mv string) {
	addr := "&" + lv
	if strings.HasPrefix(lv, "*") {
		addr = lv[1:]
	}
	n := map[int]string{1: "8", 2: "16", 4: "32", 8: "64"}[a.width]
	switch a.kind {
	case "int":
		t := m.elemType(f, a)
		if a.big && a.width > 1 {
			f.use("encoding/binary")
			f.use("github.com/nlgo/netlink/family")
			f.p("if b := %s.Data(); len(b) == %d { %s = %s(binary.BigEndian.Uint%s(b)) } else { return family.LengthError(%s.Type(), %s.Offset(), len(b), \"%d\") }", dv, a.width, lv, t, n, dv, dv, a.width)
			return
		}
		if strings.HasPrefix(a.intT, "int") {
			f.p("%s = %s(%s.Int%s())", lv, t, dv, n)
		} else {
			f.p("%s = %s(%s.Uint%s())", lv, t, dv, n)
		}
	case "addr4":
		f.use("net/netip")
		f.use("github.com/nlgo/netlink/family")
		f.p("if b := %s.Data(); len(b) == 4 { %s = netip.AddrFrom4([4]byte(b)) } else { return family.LengthError(%s.Type(), %s.Offset(), len(b), \"4\") }", dv, lv, dv, dv)
	case "addr":
		f.use("github.com/nlgo/netlink/family")
		f.p("{ a, err := family.Addr(%s.Data(), %s.Type(), %s.Offset()); if err != nil { return err }; %s = a }", dv, dv, dv, lv)
	case "uint":
		f.p("%s = %s.Uint()", lv, dv)
	case "sint":
		f.p("%s = %s.Int()", lv, dv)
	case "string":
		f.use("github.com/nlgo/netlink/family")
		f.p("family.SetString(%s, %s.Data())", addr, dv)
	case "binary", "mac", "ntv":
		f.p("%s = append(%s[:0], %s.Data()...)", lv, lv, dv)
	case "struct":
		f.p("%s.decode(%s.Data())", mv, dv)
	case "nest":
		f.p("%s.Nested(func(c *netlink.AttributeDecoder) error { return %s.DecodeAttributes(c) })", dv, mv)
	case "bitfield32":
		f.p("%s.Value, %s.Selector = %s.Bitfield32()", mv, mv, dv)
	case "flag":
		f.p("%s = %s.Flag()", lv, dv)
	case "submsg":
		f.p("_ = %s // a sub-message needs its selector", mv)
	}
}

// ---- sub-messages

func (m *model) emitSub(f *file, sm *subInfo) {
	f.p("")
	f.p("// %s is the sub-message %s: the attributes of the format its selector", sm.goName, sm.sub.Name)
	f.p("// names, one field per format. Only the field of the selected format is")
	f.p("// valid after decoding; encoding writes the field the selector names.")
	f.p("// A format the generator has no attributes for (one the spec does not")
	f.p("// list, lists without an attribute set or with a fixed header, or an")
	f.p("// absent selector) is held undecoded in Raw, which encoding writes when")
	f.p("// the selected format's field is not valid.")
	f.p("type %s struct {", sm.goName)
	f.use("github.com/nlgo/netlink/family")
	for _, fm := range sm.formats {
		f.p("%s family.Opt[%s] `json:\"%s,omitzero\"` // %s: %s", fm.goName, fm.set.goName, fm.value, fm.value, fm.set.name)
	}
	f.p("Raw []byte `json:\"raw,omitempty\"` // the payload of a format without attributes here")
	f.p("}")
	f.p("")
	f.p("// decode decodes the current attribute of d as the format sel, or into")
	f.p("// Raw for a format it has no attributes for.")
	f.p("func (v *%s) decode(d *netlink.AttributeDecoder, sel string) {", sm.goName)
	for _, fm := range sm.formats {
		f.p("v.%s.Valid = false", fm.goName)
	}
	f.p("v.Raw = v.Raw[:0]")
	if len(sm.formats) > 0 {
		f.p("switch sel {")
		for _, fm := range sm.formats {
			f.p("case %q:", fm.value)
			f.p("d.Nested(func(c *netlink.AttributeDecoder) error { return v.%s.Value.DecodeAttributes(c) })", fm.goName)
			f.p("v.%s.Valid = true", fm.goName)
			f.p("return")
		}
		f.p("}")
	}
	f.p("v.Raw = append(v.Raw, d.Data()...)")
	f.p("}")
	f.p("")
	f.p("// encode encodes the format sel, when its field is valid, as attribute typ,")
	f.p("// and otherwise Raw, when it is not empty, as a nest of type typ.")
	f.p("func (v *%s) encode(e *netlink.AttributeEncoder, typ uint16, sel string) {", sm.goName)
	if len(sm.formats) > 0 {
		f.p("switch sel {")
		for _, fm := range sm.formats {
			f.p("case %q:", fm.value)
			f.p("if v.%s.Valid {", fm.goName)
			f.p("e.Nested(typ, func(e *netlink.AttributeEncoder) error { v.%s.Value.EncodeAttributes(e); return nil })", fm.goName)
			f.p("return")
			f.p("}")
		}
		f.p("}")
	}
	f.p("if len(v.Raw) > 0 {")
	f.p("e.Bytes(typ|netlink.AttributeNested, v.Raw)")
	f.p("}")
	f.p("}")
}

var _ = fmt.Sprintf
