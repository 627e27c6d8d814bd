package main

import (
	"fmt"
	"strings"
	"unicode"
)

// The model: the spec resolved into what the emitter needs. Values are
// computed (implicit attribute, enum and operation values), names are Go
// names, references are checked.

type model struct {
	spec    *Spec
	pkg     string
	raw     bool // netlink-raw
	defs    map[string]*Definition
	structs map[string]*structInfo
	enums   map[string]*enumInfo
	sets    []*setInfo
	setBy   map[string]*setInfo
	subs    map[string]*subInfo
	subList []*subInfo
	ops     []*opInfo
	groups  []groupInfo
	names   map[string]string // Go name → what declared it
}

type enumInfo struct {
	def     *Definition
	goName  string
	flags   bool
	entries []enumEntry
	wide    bool // a 64-bit attribute holds it: its Go type is uint64
}

type enumEntry struct {
	name   string
	goName string
	value  uint64
}

type structInfo struct {
	def     *Definition
	goName  string
	size    int
	members []memberInfo
}

type memberInfo struct {
	Member
	goName string
	off    int
	size   int
	goType string // "" for pad
	big    bool
	array  int // binary: [array]byte
	strct  *structInfo
}

type setInfo struct {
	set    *AttributeSet
	name   string
	goName string
	attrs  []*attrInfo
	header *structInfo // fixed header, for sets used as messages
}

type attrInfo struct {
	Attribute
	value  int
	goName string
	constN string
	kind   string // flag, int, uint, sint, string, binary, addr, mac, struct, nest, submsg, bitfield32, ntv, skip
	intT   string // Go integer type of the wire value: uint8 ... int64
	width  int
	big    bool
	enum   *enumInfo
	strct  *structInfo
	nest   *setInfo
	sub    *subInfo
	ptr    bool // nest by pointer, to break recursion
	multi  bool
	array  bool // indexed-array
}

type subInfo struct {
	sub     *SubMessage
	goName  string
	formats []formatInfo
}

type formatInfo struct {
	value  string
	goName string
	set    *setInfo
}

type opInfo struct {
	op        *Operation
	goName    string
	set       *setInfo
	header    *structInfo
	doReq     bool
	doReply   bool
	dumpReq   bool
	dumpReply bool
	reqValue  int // -1 when none
	repValue  int
	notify    bool // notify or event: a message the kernel sends unasked
}

type groupInfo struct {
	name   string
	goName string
	value  int
}

// camel turns a spec name ("ifi-index", "rt_link") into a Go name
// ("IfiIndex"). A name that starts with a digit gets an "X" in front.
func camel(s string) string {
	var b strings.Builder
	up := true
	for _, r := range s {
		switch {
		case r == '-' || r == '_' || r == '.' || r == ' ':
			up = true
		case up:
			b.WriteRune(unicode.ToUpper(r))
			up = false
		default:
			b.WriteRune(r)
		}
	}
	out := b.String()
	if out == "" || unicode.IsDigit(rune(out[0])) {
		out = "X" + out
	}
	return out
}

// declare records a package-level Go name and fails on a second use.
func (m *model) declare(name, what string) error {
	if prev, ok := m.names[name]; ok {
		return fmt.Errorf("the Go name %s of %s is taken by %s", name, what, prev)
	}
	m.names[name] = what
	return nil
}

// reserved are the names the emitter itself declares in every package.
var reserved = []string{"Client", "Dial", "NewClient", "Describe", "FamilyName", "Protocol", "policySet", "newPolicies"}

func newModel(s *Spec, pkg string) (*model, error) {
	if s.Protocol == "" {
		s.Protocol = "genetlink"
	}
	switch s.Protocol {
	case "genetlink", "genetlink-c", "genetlink-legacy", "netlink-raw":
	default:
		return nil, fmt.Errorf("protocol %q is not supported", s.Protocol)
	}
	m := &model{spec: s, pkg: pkg, raw: s.Protocol == "netlink-raw",
		defs: map[string]*Definition{}, structs: map[string]*structInfo{}, enums: map[string]*enumInfo{},
		setBy: map[string]*setInfo{}, subs: map[string]*subInfo{}, names: map[string]string{}}
	for _, n := range reserved {
		m.names[n] = "the generator"
	}
	steps := []func() error{m.definitions, m.attributeSets, m.subMessages, m.resolveAttrs, m.operations, m.mcastGroups}
	for _, step := range steps {
		if err := step(); err != nil {
			return nil, fmt.Errorf("%s: %w", s.Name, err)
		}
	}
	return m, nil
}

func (m *model) definitions() error {
	for i := range m.spec.Definitions {
		d := &m.spec.Definitions[i]
		m.defs[d.Name] = d
		switch d.Type {
		case "const":
			if _, err := m.spec.resolve(d.Value); err != nil {
				return fmt.Errorf("const %s: %w", d.Name, err)
			}
			if err := m.declare(camel(d.Name), "const "+d.Name); err != nil {
				return err
			}
		case "enum", "flags":
			if err := m.enum(d); err != nil {
				return err
			}
		case "struct":
			if err := m.structDef(d); err != nil {
				return err
			}
		default:
			return fmt.Errorf("definition %s: type %q is not supported", d.Name, d.Type)
		}
	}
	return nil
}

func (m *model) enum(d *Definition) error {
	e := &enumInfo{def: d, goName: camel(d.Name), flags: d.Type == "flags"}
	if err := m.declare(e.goName, "enum "+d.Name); err != nil {
		return err
	}
	start, err := m.spec.resolve(d.ValueStart)
	if err != nil {
		return fmt.Errorf("enum %s: %w", d.Name, err)
	}
	next := start
	for _, en := range d.Entries {
		v := next
		if en.Value != nil {
			v = *en.Value
		}
		next = v + 1
		val := uint64(v)
		if e.flags {
			if v < 0 || v > 63 {
				return fmt.Errorf("flags %s: bit %d out of range", d.Name, v)
			}
			val = 1 << v
		}
		ee := enumEntry{name: en.Name, goName: e.goName + camel(en.Name), value: val}
		if err := m.declare(ee.goName, "entry "+en.Name+" of "+d.Name); err != nil {
			return err
		}
		e.entries = append(e.entries, ee)
	}
	m.enums[d.Name] = e
	return nil
}

var intTypes = map[string]struct {
	goT   string
	width int
}{
	"u8": {"uint8", 1}, "u16": {"uint16", 2}, "u32": {"uint32", 4}, "u64": {"uint64", 8},
	"s8": {"int8", 1}, "s16": {"int16", 2}, "s32": {"int32", 4}, "s64": {"int64", 8},
}

func (m *model) structDef(d *Definition) error {
	st := &structInfo{def: d, goName: camel(d.Name)}
	if err := m.declare(st.goName, "struct "+d.Name); err != nil {
		return err
	}
	if err := m.declare(st.goName+"Len", "length of struct "+d.Name); err != nil {
		return err
	}
	fields := map[string]bool{}
	for _, mb := range d.Members {
		mi := memberInfo{Member: mb, off: st.size, big: mb.ByteOrder == "big-endian"}
		switch {
		case intTypes[mb.Type].width > 0:
			it := intTypes[mb.Type]
			mi.goType, mi.size = it.goT, it.width
		case mb.Type == "pad" || mb.Type == "binary" || mb.Type == "string":
			if mb.Struct != "" {
				inner, ok := m.structs[mb.Struct]
				if !ok {
					return fmt.Errorf("struct %s: member %s: unknown struct %s", d.Name, mb.Name, mb.Struct)
				}
				mi.strct, mi.size, mi.goType = inner, inner.size, inner.goName
				break
			}
			n, err := m.spec.resolve(mb.Len)
			if err != nil || n < 0 {
				return fmt.Errorf("struct %s: member %s: bad len: %v", d.Name, mb.Name, err)
			}
			mi.size = int(n)
			if mb.Type != "pad" {
				mi.array = int(n)
				mi.goType = fmt.Sprintf("[%d]byte", n)
			}
		default:
			return fmt.Errorf("struct %s: member %s: type %q is not supported", d.Name, mb.Name, mb.Type)
		}
		if mi.goType != "" {
			mi.goName = camel(mb.Name)
			if fields[mi.goName] {
				return fmt.Errorf("struct %s: two members named %s", d.Name, mi.goName)
			}
			fields[mi.goName] = true
		}
		st.size += mi.size
		st.members = append(st.members, mi)
	}
	m.structs[d.Name] = st
	return nil
}

func (m *model) attributeSets() error {
	for i := range m.spec.AttributeSets {
		s := &m.spec.AttributeSets[i]
		si := &setInfo{set: s, name: s.Name, goName: camel(s.Name)}
		if _, taken := m.names[si.goName]; taken {
			si.goName += "Attrs"
		}
		if err := m.declare(si.goName, "attribute set "+s.Name); err != nil {
			return err
		}
		if err := m.declare(si.goName+"Policy", "policy of "+s.Name); err != nil {
			return err
		}
		var parent *setInfo
		if s.SubsetOf != "" {
			parent = m.setBy[s.SubsetOf]
			if parent == nil {
				return fmt.Errorf("set %s: subset of unknown set %s", s.Name, s.SubsetOf)
			}
		}
		next := 1
		fields := map[string]bool{}
		for _, a := range s.Attributes {
			ai := &attrInfo{Attribute: a}
			if parent != nil {
				p := parent.attr(a.Name)
				if p == nil {
					return fmt.Errorf("set %s: attribute %s is not in %s", s.Name, a.Name, s.SubsetOf)
				}
				// A subset's entry names the parent's attribute; it may
				// repeat or refine some of its properties.
				merged := refine(p.Attribute, a)
				ai = &attrInfo{Attribute: merged, value: p.value}
			} else {
				ai.value = next
				if a.Value != nil {
					ai.value = *a.Value
				}
				next = ai.value + 1
			}
			ai.goName = camel(ai.Name)
			if fields[ai.goName] {
				return fmt.Errorf("set %s: two attributes named %s", s.Name, ai.goName)
			}
			fields[ai.goName] = true
			ai.constN = "Attr" + camel(strings.TrimSuffix(s.Name, "-attrs")) + ai.goName
			if err := m.declare(ai.constN, "attribute "+ai.Name+" of "+s.Name); err != nil {
				return err
			}
			si.attrs = append(si.attrs, ai)
		}
		m.sets = append(m.sets, si)
		m.setBy[s.Name] = si
	}
	return nil
}

// refine returns the parent's attribute p with what the subset's entry a
// says of it: the properties a gives replace the parent's.
func refine(p, a Attribute) Attribute {
	if a.Type != "" {
		p.Type = a.Type
	}
	if a.MultiAttr {
		p.MultiAttr = true
	}
	if a.NestedAttributes != "" {
		p.NestedAttributes = a.NestedAttributes
	}
	if a.Checks != (Checks{}) {
		p.Checks = a.Checks
	}
	if a.ByteOrder != "" {
		p.ByteOrder = a.ByteOrder
	}
	if a.DisplayHint != "" {
		p.DisplayHint = a.DisplayHint
	}
	return p
}

func (s *setInfo) attr(name string) *attrInfo {
	for _, a := range s.attrs {
		if a.Name == name {
			return a
		}
	}
	return nil
}

func (m *model) subMessages() error {
	for i := range m.spec.SubMessages {
		sm := &m.spec.SubMessages[i]
		si := &subInfo{sub: sm, goName: camel(sm.Name)}
		if err := m.declare(si.goName, "sub-message "+sm.Name); err != nil {
			return err
		}
		for _, f := range sm.Formats {
			if f.AttributeSet == "" || f.FixedHeader != "" {
				// A format without attributes carries nothing to decode;
				// one with a fixed header is not supported yet and stays
				// undecoded.
				continue
			}
			set := m.setBy[f.AttributeSet]
			if set == nil {
				return fmt.Errorf("sub-message %s: format %s: unknown set %s", sm.Name, f.Value, f.AttributeSet)
			}
			if camel(f.Value) == "Raw" {
				return fmt.Errorf("sub-message %s: format %s: its Go name is the field Raw holds undecoded formats in", sm.Name, f.Value)
			}
			si.formats = append(si.formats, formatInfo{value: f.Value, goName: camel(f.Value), set: set})
		}
		m.subs[sm.Name] = si
		m.subList = append(m.subList, si)
	}
	return nil
}

func (m *model) resolveAttrs() error {
	for _, s := range m.sets {
		for _, a := range s.attrs {
			if err := m.resolveAttr(s, a); err != nil {
				return fmt.Errorf("set %s: attribute %s: %w", s.name, a.Name, err)
			}
		}
	}
	// Break recursion: a single nest (held by value) whose set can reach
	// back to the set holding it is held by pointer instead.
	for _, s := range m.sets {
		for _, a := range s.attrs {
			if a.kind == "nest" && !a.multi && !a.array && m.reaches(a.nest, s, map[*setInfo]bool{}) {
				a.ptr = true
			}
		}
	}
	return nil
}

// reaches reports whether set from holds, by value, a nest that leads to
// set to.
func (m *model) reaches(from, to *setInfo, seen map[*setInfo]bool) bool {
	if from == to {
		return true
	}
	if seen[from] {
		return false
	}
	seen[from] = true
	for _, a := range from.attrs {
		if a.multi || a.array || a.ptr {
			continue
		}
		switch {
		case a.kind == "nest" && m.reaches(a.nest, to, seen):
			return true
		case a.kind == "submsg":
			for _, f := range a.sub.formats {
				if m.reaches(f.set, to, seen) {
					return true
				}
			}
		}
	}
	return false
}

func (m *model) resolveAttr(s *setInfo, a *attrInfo) error {
	a.big = a.ByteOrder == "big-endian"
	a.multi = a.MultiAttr
	typ := a.Type
	if typ == "indexed-array" {
		a.array = true
		typ = a.SubType
		if typ == "" {
			return fmt.Errorf("indexed-array without sub-type")
		}
	}
	if it, ok := intTypes[typ]; ok {
		a.kind, a.intT, a.width = "int", it.goT, it.width
		if a.Enum != "" {
			if e := m.enums[a.Enum]; e != nil && !(a.EnumAsFlags && !e.flags) {
				a.enum = e
				if a.width == 8 {
					e.wide = true
				}
			}
		}
		if a.DisplayHint == "ipv4" && typ == "u32" && !a.array {
			a.kind = "addr4"
		}
		return nil
	}
	switch typ {
	case "flag", "string", "bitfield32":
		a.kind = typ
	case "uint", "sint":
		a.kind, a.width = typ, 8
	case "pad", "unused":
		a.kind = "skip"
	case "binary":
		a.kind = "binary"
		switch {
		case a.Struct != "":
			st := m.structs[a.Struct]
			if st == nil {
				return fmt.Errorf("unknown struct %s", a.Struct)
			}
			a.kind, a.strct = "struct", st
		case a.DisplayHint == "mac":
			a.kind = "mac"
		case a.DisplayHint == "ipv4" || a.DisplayHint == "ipv6" || a.DisplayHint == "ipv4-or-v6":
			a.kind = "addr"
		}
	case "nest":
		a.kind = "nest"
		a.nest = m.setBy[a.NestedAttributes]
		if a.nest == nil {
			return fmt.Errorf("unknown nested-attributes %q", a.NestedAttributes)
		}
	case "nest-type-value":
		a.kind = "ntv"
	case "sub-message":
		a.kind = "submsg"
		a.sub = m.subs[a.SubMessage]
		if a.sub == nil {
			return fmt.Errorf("unknown sub-message %q", a.SubMessage)
		}
		sel := s.attr(a.Selector)
		if sel == nil || sel.Type != "string" {
			return fmt.Errorf("selector %q is not a string attribute of the set", a.Selector)
		}
	default:
		return fmt.Errorf("type %q is not supported", typ)
	}
	if a.array && (a.kind == "submsg" || a.kind == "ntv" || a.kind == "flag") {
		return fmt.Errorf("indexed-array of %s is not supported", typ)
	}
	return nil
}

func (m *model) operations() error {
	directional := m.spec.Operations.EnumModel == "directional"
	val := 1
	reqVal, repVal := 1, 1
	byName := map[string]*opInfo{}
	for i := range m.spec.Operations.List {
		op := &m.spec.Operations.List[i]
		oi := &opInfo{op: op, goName: camel(op.Name), reqValue: -1, repValue: -1}
		setName := op.AttributeSet
		if op.Notify != "" && setName == "" {
			if t := byName[op.Notify]; t != nil && t.set != nil {
				setName = t.set.name
			}
		}
		if setName != "" {
			oi.set = m.setBy[setName]
			if oi.set == nil {
				return fmt.Errorf("operation %s: unknown set %s", op.Name, setName)
			}
		}
		hdr := op.FixedHeader
		if hdr == "" {
			hdr = m.spec.Operations.FixedHeader
		}
		if hdr != "" {
			oi.header = m.structs[hdr]
			if oi.header == nil {
				return fmt.Errorf("operation %s: unknown fixed header %s", op.Name, hdr)
			}
		}
		oi.notify = op.Notify != "" || op.Event != nil
		if op.Do != nil {
			oi.doReq, oi.doReply = op.Do.Request != nil, op.Do.Reply != nil
		}
		if op.Dump != nil {
			oi.dumpReq, oi.dumpReply = op.Dump.Request != nil, op.Dump.Reply != nil
		}
		if directional {
			m.directionalValues(oi, &reqVal, &repVal)
		} else {
			if op.Value != nil {
				val = *op.Value
			}
			oi.reqValue, oi.repValue = val, val
			if oi.notify {
				oi.reqValue = -1
			}
			if !oi.notify && !oi.doReply && !oi.dumpReply {
				oi.repValue = -1
			}
			val++
		}
		if (op.Do != nil || op.Dump != nil || oi.notify) && oi.set == nil {
			return fmt.Errorf("operation %s: no attribute set", op.Name)
		}
		if oi.set != nil && oi.header != nil {
			if oi.set.header != nil && oi.set.header != oi.header {
				return fmt.Errorf("operation %s: set %s is used with two fixed headers", op.Name, oi.set.name)
			}
			oi.set.header = oi.header
		}
		for _, n := range m.opNames(oi) {
			if err := m.declare(n, "operation "+op.Name); err != nil {
				return err
			}
		}
		byName[op.Name] = oi
		m.ops = append(m.ops, oi)
	}
	return nil
}

// directionalValues computes an operation's request and reply values in
// the directional model: values given explicitly are taken; otherwise
// each direction counts on from the previous operation's value in it. A
// notification uses the next reply value and has no request.
func (m *model) directionalValues(oi *opInfo, reqVal, repVal *int) {
	op := oi.op
	if oi.notify {
		if op.Value != nil {
			*repVal = *op.Value
		}
		oi.repValue = *repVal
		*repVal++
		return
	}
	mode := op.Do
	if mode == nil {
		mode = op.Dump
	}
	if mode == nil {
		return
	}
	if mode.Request != nil && mode.Request.Value != nil {
		*reqVal = *mode.Request.Value
	}
	if mode.Reply != nil && mode.Reply.Value != nil {
		*repVal = *mode.Reply.Value
	}
	oi.reqValue = *reqVal
	*reqVal++
	if mode.Reply != nil {
		oi.repValue = *repVal
		*repVal++
	}
}

// opNames are the package-level names an operation declares.
func (m *model) opNames(oi *opInfo) []string {
	var n []string
	if oi.reqValue >= 0 {
		n = append(n, "Cmd"+oi.goName+m.reqSuffix(oi))
	}
	if oi.repValue >= 0 && (m.spec.Operations.EnumModel == "directional" || oi.notify) {
		n = append(n, m.repConst(oi))
	}
	return n
}

func (m *model) reqSuffix(oi *opInfo) string {
	if m.spec.Operations.EnumModel == "directional" {
		return "Request"
	}
	return ""
}

// reqConst and repConst name the constants of an operation's request and
// reply values.
func (m *model) reqConst(oi *opInfo) string { return "Cmd" + oi.goName + m.reqSuffix(oi) }

func (m *model) repConst(oi *opInfo) string {
	if m.spec.Operations.EnumModel == "directional" && !oi.notify {
		return "Cmd" + oi.goName + "Reply"
	}
	return "Cmd" + oi.goName
}

func (m *model) mcastGroups() error {
	for _, g := range m.spec.McastGroups.List {
		gi := groupInfo{name: g.Name, goName: "Group" + camel(g.Name), value: -1}
		if g.Value != nil {
			gi.value = *g.Value
		}
		if m.raw && gi.value < 0 {
			return fmt.Errorf("netlink-raw group %s has no value", g.Name)
		}
		if err := m.declare(gi.goName, "group "+g.Name); err != nil {
			return err
		}
		m.groups = append(m.groups, gi)
	}
	return nil
}
