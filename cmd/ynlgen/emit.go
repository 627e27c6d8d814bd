package main

import (
	"bytes"
	"fmt"
	"go/format"
	"math"
	"sort"
	"strings"
)

// A file is one generated Go file being written.
type file struct {
	m       *model
	name    string
	imports map[string]bool
	body    bytes.Buffer
}

func (f *file) p(format string, args ...any) {
	fmt.Fprintf(&f.body, format, args...)
	f.body.WriteByte('\n')
}

func (f *file) use(path string) { f.imports[path] = true }

// render returns the file's gofmt'ed source, with header and imports.
func (f *file) render(header string) ([]byte, error) {
	var out bytes.Buffer
	out.WriteString(header)
	fmt.Fprintf(&out, "\npackage %s\n\n", f.m.pkg)
	if len(f.imports) > 0 {
		paths := make([]string, 0, len(f.imports))
		for p := range f.imports {
			paths = append(paths, p)
		}
		sort.Slice(paths, func(i, j int) bool {
			ei, ej := strings.Contains(paths[i], "."), strings.Contains(paths[j], ".")
			if ei != ej {
				return ej
			}
			return paths[i] < paths[j]
		})
		out.WriteString("import (\n")
		std := true
		for _, p := range paths {
			if std && strings.Contains(p, ".") {
				if p != paths[0] {
					out.WriteString("\n")
				}
				std = false
			}
			fmt.Fprintf(&out, "\t%q\n", p)
		}
		out.WriteString(")\n\n")
	}
	out.Write(f.body.Bytes())
	src, err := format.Source(out.Bytes())
	if err != nil {
		return nil, fmt.Errorf("%s: %w\n%s", f.name, err, numbered(out.Bytes()))
	}
	return src, nil
}

func numbered(b []byte) string {
	var s strings.Builder
	for i, l := range strings.Split(string(b), "\n") {
		fmt.Fprintf(&s, "%5d %s\n", i+1, l)
	}
	return s.String()
}

// generate returns the package's files by name.
func (m *model) generate(header string) (map[string][]byte, error) {
	out := map[string][]byte{}
	for _, fn := range []struct {
		name string
		emit func(*file)
	}{
		{"constants.go", m.emitConstants},
		{"structs.go", m.emitStructs},
		{"attrs.go", m.emitSets},
		{"policy.go", m.emitPolicies},
		{"client.go", m.emitClient},
	} {
		f := &file{m: m, name: fn.name, imports: map[string]bool{}}
		fn.emit(f)
		if f.body.Len() == 0 {
			continue
		}
		src, err := f.render(header)
		if err != nil {
			return nil, err
		}
		out[fn.name] = src
	}
	return out, nil
}

// ---- constants

func (m *model) emitConstants(f *file) {
	s := m.spec
	f.p("// FamilyName is the family's name in its spec%s.", map[bool]string{true: "", false: ", which the kernel registers it under"}[m.raw])
	f.p("const FamilyName = %q", s.Name)
	f.p("")
	f.p("// Protocol is the spec's protocol.")
	f.p("const Protocol = %q", s.Protocol)
	if m.raw {
		f.p("")
		f.p("// ProtocolNumber is the netlink protocol family to dial (protonum).")
		n := 0
		if s.Protonum != nil {
			n = *s.Protonum
		}
		f.p("const ProtocolNumber = %d", n)
	}
	var consts []*Definition
	for i := range s.Definitions {
		if s.Definitions[i].Type == "const" {
			consts = append(consts, &s.Definitions[i])
		}
	}
	if len(consts) > 0 {
		f.p("")
		f.p("// Constants of the spec's definitions.")
		f.p("const (")
		for _, d := range consts {
			v, _ := s.resolve(d.Value)
			f.p("%s = %d // %s", camel(d.Name), v, d.Name)
		}
		f.p(")")
	}
	for i := range s.Definitions {
		if e := m.enums[s.Definitions[i].Name]; e != nil {
			m.emitEnum(f, e)
		}
	}
	for _, set := range m.sets {
		if len(set.attrs) == 0 {
			continue
		}
		f.p("")
		f.p("// Attribute types of %s.", set.goName)
		f.p("const (")
		for _, a := range set.attrs {
			f.p("%s uint16 = %d // %s", a.constN, a.value, a.Name)
		}
		f.p(")")
	}
	if len(m.ops) > 0 {
		f.p("")
		if m.raw {
			f.p("// Message types of the operations: the request's and, in the directional")
			f.p("// model, the reply's.")
		} else {
			f.p("// Commands of the operations: the request's and, in the directional model,")
			f.p("// the reply's; a notification's is the one it arrives with.")
		}
		f.p("const (")
		for _, o := range m.ops {
			if o.reqValue >= 0 {
				f.p("%s uint16 = %d // %s", m.reqConst(o), o.reqValue, o.op.Name)
			}
			if o.repValue >= 0 && (o.reqValue < 0 || m.repConst(o) != m.reqConst(o)) {
				f.p("%s uint16 = %d // %s", m.repConst(o), o.repValue, o.op.Name)
			}
		}
		f.p(")")
	}
	if len(m.groups) > 0 {
		f.p("")
		if m.raw {
			f.p("// Multicast groups, by number; JoinGroup takes their names.")
			f.p("const (")
			for _, g := range m.groups {
				f.p("%s uint32 = %d // %s", g.goName, g.value, g.name)
			}
		} else {
			f.p("// Multicast groups, by name, for JoinGroup.")
			f.p("const (")
			for _, g := range m.groups {
				f.p("%s = %q", g.goName, g.name)
			}
		}
		f.p(")")
	}
}

func (m *model) emitEnum(f *file, e *enumInfo) {
	under := "uint32"
	if e.wide {
		under = "uint64"
	}
	for _, en := range e.entries {
		if en.value > math.MaxUint32 {
			under = "uint64"
		}
	}
	kind := "enum"
	if e.flags {
		kind = "flags"
	}
	f.p("")
	f.p("// %s is the %s %s.", e.goName, kind, e.def.Name)
	f.p("type %s %s", e.goName, under)
	if len(e.entries) == 0 {
		return
	}
	f.p("")
	f.p("// Values of %s.", e.goName)
	f.p("const (")
	for _, en := range e.entries {
		f.p("%s %s = %#x // %s", en.goName, e.goName, en.value, en.name)
	}
	f.p(")")
	f.p("")
	f.use("strconv")
	if !e.flags {
		f.p("// String returns the value's name in the spec, or its number.")
		f.p("func (v %s) String() string {", e.goName)
		f.p("switch v {")
		seen := map[uint64]bool{}
		for _, en := range e.entries {
			if seen[en.value] {
				continue
			}
			seen[en.value] = true
			f.p("case %s: return %q", en.goName, en.name)
		}
		f.p("}")
		f.p("return strconv.FormatUint(uint64(v), 10)")
		f.p("}")
		f.p("")
		f.p("// MarshalText returns the value's name in the spec, or its number.")
		f.p("func (v %s) MarshalText() ([]byte, error) { return []byte(v.String()), nil }", e.goName)
		f.p("")
		f.p("// UnmarshalText parses a name in the spec or a number.")
		f.p("func (v *%s) UnmarshalText(b []byte) error {", e.goName)
		f.p("switch string(b) {")
		for _, en := range e.entries {
			f.p("case %q: *v = %s; return nil", en.name, en.goName)
		}
		f.p("}")
		f.p("n, err := strconv.ParseUint(string(b), 0, %d)", map[string]int{"uint32": 32, "uint64": 64}[under])
		f.p("if err != nil { return fmt.Errorf(\"%s: no value %%q\", b) }", e.def.Name)
		f.p("*v = %s(n)", e.goName)
		f.p("return nil")
		f.p("}")

		emitUnmarshalJSON(f, e.goName)
		f.use("fmt")
		return
	}
	f.p("// String returns the names of the set bits in the spec joined by '|',")
	f.p("// unknown bits in hexadecimal, or \"0\".")
	f.p("func (v %s) String() string {", e.goName)
	f.p("if v == 0 { return \"0\" }")
	f.p("var s string")
	f.p("for _, b := range [...]struct{ bit %s; name string }{", e.goName)
	for _, en := range e.entries {
		f.p("{%s, %q},", en.goName, en.name)
	}
	f.p("} {")
	f.p("if v&b.bit != 0 && b.bit != 0 {")
	f.p("if s != \"\" { s += \"|\" }")
	f.p("s += b.name")
	f.p("v &^= b.bit")
	f.p("}")
	f.p("}")
	f.p("if v != 0 {")
	f.p("if s != \"\" { s += \"|\" }")
	f.p("s += \"0x\" + strconv.FormatUint(uint64(v), 16)")
	f.p("}")
	f.p("return s")
	f.p("}")
	f.p("")
	f.p("// MarshalText returns the value as String does.")
	f.p("func (v %s) MarshalText() ([]byte, error) { return []byte(v.String()), nil }", e.goName)
	f.p("")
	f.p("// UnmarshalText parses names in the spec and numbers joined by '|'.")
	f.p("func (v *%s) UnmarshalText(b []byte) error {", e.goName)
	f.p("var r %s", e.goName)
	f.p("for _, s := range strings.Split(string(b), \"|\") {")
	f.p("switch s {")
	for _, en := range e.entries {
		f.p("case %q: r |= %s", en.name, en.goName)
	}
	f.p("default:")
	f.p("n, err := strconv.ParseUint(s, 0, %d)", map[string]int{"uint32": 32, "uint64": 64}[under])
	f.p("if err != nil { return fmt.Errorf(\"%s: no flag %%q\", s) }", e.def.Name)
	f.p("r |= %s(n)", e.goName)
	f.p("}")
	f.p("}")
	f.p("*v = r")
	f.p("return nil")
	f.p("}")

	emitUnmarshalJSON(f, e.goName)
	f.use("fmt")
	f.use("strings")
}

// emitUnmarshalJSON writes the UnmarshalJSON of the enum or flags type
// name, which takes names as its UnmarshalText does, or a number.
func emitUnmarshalJSON(f *file, name string) {
	f.use("github.com/nlgo/netlink/family")
	f.p("")
	f.p("// UnmarshalJSON accepts a string, as UnmarshalText does, or a number.")
	f.p("func (v *%s) UnmarshalJSON(b []byte) error { return family.UnmarshalJSONText(b, v) }", name)
}

// ---- fixed structs

func (m *model) emitStructs(f *file) {
	for i := range m.spec.Definitions {
		st := m.structs[m.spec.Definitions[i].Name]
		if st == nil {
			continue
		}
		m.emitStruct(f, st)
	}
}

func (m *model) memberType(mi memberInfo) string {
	if e := m.enums[mi.Enum]; e != nil && mi.size <= 4 && intTypes[mi.Type].width > 0 && !(mi.EnumAsFlags && !e.flags) {
		return e.goName
	}
	return mi.goType
}

func (m *model) emitStruct(f *file, st *structInfo) {
	f.use("encoding/binary")
	f.p("")
	f.p("// %sLen is the size of %s in bytes.", st.goName, st.goName)
	f.p("const %sLen = %d", st.goName, st.size)
	f.p("")
	f.p("// %s is the struct %s.", st.goName, st.def.Name)
	f.p("type %s struct {", st.goName)
	for _, mi := range st.members {
		if mi.goType == "" {
			continue
		}
		order := ""
		if mi.big {
			order = ", big-endian"
		}
		f.p("%s %s `json:%q` // %s: %s at offset %d%s", mi.goName, m.memberType(mi), mi.Name, mi.Name, mi.Type, mi.off, order)
	}
	f.p("}")
	f.p("")
	f.p("// AppendBinary appends the struct's %d bytes to b.", st.size)
	f.p("func (s *%s) AppendBinary(b []byte) ([]byte, error) {", st.goName)
	f.p("var a [%sLen]byte", st.goName)
	f.p("s.put(a[:])")
	f.p("return append(b, a[:]...), nil")
	f.p("}")
	f.p("")
	f.p("// UnmarshalBinary decodes the struct from the first %d bytes of b;", st.size)
	f.p("// a shorter b is an error.")
	f.p("func (s *%s) UnmarshalBinary(b []byte) error {", st.goName)
	f.use("github.com/nlgo/netlink/family")
	f.p("if len(b) < %sLen { return family.StructError(%q, len(b), %sLen) }", st.goName, st.def.Name, st.goName)
	f.p("s.decode(b)")
	f.p("return nil")
	f.p("}")
	f.p("")
	f.p("// put writes the struct into b, which holds at least %sLen bytes.", st.goName)
	f.p("func (s *%s) put(b []byte) {", st.goName)
	f.p("_ = b[%sLen-1]", st.goName)
	for _, mi := range st.members {
		f.p("%s", m.memberPut(mi))
	}
	f.p("}")
	f.p("")
	f.p("// decode reads the struct from b; bytes missing at the end of a short b")
	f.p("// read as zero, as for a struct that grew after the kernel that sent it.")
	f.p("func (s *%s) decode(b []byte) {", st.goName)
	f.p("if len(b) < %sLen {", st.goName)
	f.p("var full [%sLen]byte", st.goName)
	f.p("copy(full[:], b)")
	f.p("b = full[:]")
	f.p("}")
	f.p("b = b[:%sLen] // one bounds check for every member", st.goName)
	for _, mi := range st.members {
		if mi.goType != "" {
			f.p("%s", m.memberGet(mi))
		}
	}
	f.p("}")
}

func order(big bool) string {
	if big {
		return "binary.BigEndian"
	}
	return "binary.NativeEndian"
}

var putNames = map[int]string{2: "16", 4: "32", 8: "64"}

func (m *model) memberPut(mi memberInfo) string {
	o := mi.off
	switch {
	case mi.goType == "":
		return fmt.Sprintf("clear(b[%d:%d])", o, o+mi.size)
	case mi.strct != nil:
		return fmt.Sprintf("s.%s.put(b[%d:%d])", mi.goName, o, o+mi.size)
	case mi.array > 0:
		return fmt.Sprintf("copy(b[%d:%d], s.%s[:])", o, o+mi.size, mi.goName)
	case mi.size == 1:
		return fmt.Sprintf("b[%d] = byte(s.%s)", o, mi.goName)
	}
	n := putNames[mi.size]
	return fmt.Sprintf("%s.PutUint%s(b[%d:], uint%s(s.%s))", order(mi.big), n, o, n, mi.goName)
}

func (m *model) memberGet(mi memberInfo) string {
	o := mi.off
	t := m.memberType(mi)
	switch {
	case mi.strct != nil:
		return fmt.Sprintf("s.%s.decode(b[%d:%d])", mi.goName, o, o+mi.size)
	case mi.array > 0:
		return fmt.Sprintf("copy(s.%s[:], b[%d:%d])", mi.goName, o, o+mi.size)
	case mi.size == 1:
		return fmt.Sprintf("s.%s = %s(b[%d])", mi.goName, t, o)
	}
	return fmt.Sprintf("s.%s = %s(%s.Uint%s(b[%d:]))", mi.goName, t, order(mi.big), putNames[mi.size], o)
}
