package main

import (
	"fmt"
	"strings"
)

var policyKinds = map[string]string{
	"u8": "KindU8", "u16": "KindU16", "u32": "KindU32", "u64": "KindU64",
	"s8": "KindS8", "s16": "KindS16", "s32": "KindS32", "s64": "KindS64",
	"uint": "KindUint", "sint": "KindSint", "flag": "KindFlag", "bitfield32": "KindBitfield32",
	"binary": "KindBinary", "nest": "KindNested", "sub-message": "KindNested", "nest-type-value": "KindNested",
	"pad": "KindBinary",
}

var unsignedMax = map[string]string{"u8": "1<<8 - 1", "u16": "1<<16 - 1", "u32": "1<<32 - 1", "u64": "1<<64 - 1", "uint": "1<<64 - 1"}
var signedLimits = map[string][2]string{
	"s8": {"-1 << 7", "1<<7 - 1"}, "s16": {"-1 << 15", "1<<15 - 1"}, "s32": {"-1 << 31", "1<<31 - 1"},
	"s64": {"-1 << 63", "1<<63 - 1"}, "sint": {"-1 << 63", "1<<63 - 1"},
}

func policyField(s *setInfo) string { return "p" + s.goName }

func (m *model) emitPolicies(f *file) {
	if len(m.sets) == 0 {
		return
	}
	f.use("github.com/nlgo/netlink")
	f.p("// policySet holds one policy per attribute set; nested policies point")
	f.p("// into the same policySet.")
	f.p("type policySet struct {")
	for _, s := range m.sets {
		f.p("%s netlink.Policy", policyField(s))
	}
	f.p("}")
	f.p("")
	f.p("// newPolicies builds the policies of every attribute set.")
	f.p("func newPolicies() *policySet {")
	f.p("p := new(policySet)")
	for _, s := range m.sets {
		f.p("p.%s = netlink.Policy{Strict: %v, Attributes: []netlink.AttributePolicy{", policyField(s), !m.raw)
		for _, a := range s.attrs {
			if a.Type == "unused" {
				continue
			}
			f.p("%s: {%s},", a.constN, m.attrPolicy(a))
		}
		f.p("}}")
	}
	f.p("return p")
	f.p("}")
	for _, s := range m.sets {
		f.p("")
		f.p("// %sPolicy returns a new policy of the set %s, with the spec's", s.goName, s.name)
		f.p("// attribute names; it is strict for generic netlink families.")
		f.p("func %sPolicy() *netlink.Policy { return &newPolicies().%s }", s.goName, policyField(s))
	}
}

func (m *model) attrPolicy(a *attrInfo) string {
	typ := a.Type
	kind := ""
	if a.array {
		kind = "KindNested"
		if a.SubType == "nest" {
			kind = "KindNestedArray"
		}
	} else if typ == "string" {
		kind = "KindNulString"
		if a.Checks.UnterminatedOK {
			kind = "KindString"
		}
	} else {
		kind = policyKinds[typ]
	}
	parts := []string{fmt.Sprintf("Name: %q", a.Name)}
	if kind != "" {
		parts = append(parts, "Kind: netlink."+kind)
	}
	if a.big && a.width > 1 {
		parts = append(parts, "NetByteOrder: true")
	}
	if a.nest != nil {
		parts = append(parts, "Nested: &p."+policyField(a.nest))
	}
	c := a.Checks
	r := func(v Value) int64 { n, _ := m.spec.resolve(v); return n }
	if c.Min.Set || c.Max.Set {
		if lim, ok := signedLimits[typ]; ok {
			lo, hi := lim[0], lim[1]
			if c.Min.Set {
				lo = fmt.Sprint(r(c.Min))
			}
			if c.Max.Set {
				hi = fmt.Sprint(r(c.Max))
			}
			parts = append(parts, fmt.Sprintf("Signed: &netlink.SignedRange{Min: %s, Max: %s}", lo, hi))
		} else if hiDef, ok := unsignedMax[typ]; ok {
			lo, hi := "0", hiDef
			if c.Min.Set {
				lo = fmt.Sprint(r(c.Min))
			}
			if c.Max.Set {
				hi = fmt.Sprint(r(c.Max))
			}
			parts = append(parts, fmt.Sprintf("Unsigned: &netlink.UnsignedRange{Min: %s, Max: %s}", lo, hi))
		}
	}
	switch {
	case c.ExactLen.Set:
		n := r(c.ExactLen)
		parts = append(parts, fmt.Sprintf("MinLen: %d, MaxLen: %d", n, n))
	default:
		if c.MinLen.Set {
			parts = append(parts, fmt.Sprintf("MinLen: %d", r(c.MinLen)))
		}
		if c.MaxLen.Set {
			parts = append(parts, fmt.Sprintf("MaxLen: %d", r(c.MaxLen)))
		}
	}
	return strings.Join(parts, ", ")
}
