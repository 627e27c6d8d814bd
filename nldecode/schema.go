package nldecode

import (
	"strconv"
	"strings"
)

// The decoder is driven by tables: for each message type a family header
// (a structSpec) and a set of attributes (an attrSet), each attribute with
// a name and a kind, and for nests the set inside. The tables are built
// once, at package initialisation, and never change.

// A kind says how an attribute's payload is read.
type kind uint8

const (
	kindGuess  kind = iota // unknown: guessed from the bytes (see guess)
	kindString             // text, NUL-terminated or not
	kindU8                 // unsigned integers in host byte order (or network order with NLA_F_NET_BYTEORDER)
	kindU16                //
	kindU32                //
	kindU64                //
	kindS32                // signed integers in host byte order
	kindS64                //
	kindBE16               // unsigned integers in network byte order, with or without the flag
	kindBE32               //
	kindBE64               //
	kindAddr               // an IP address: 4 or 16 bytes
	kindHWAddr             // a link-layer address
	kindFlag               // a flag: present or not, no payload
	kindBytes              // opaque bytes, shown in hex
	kindNested             // attributes, of set
	kindArray              // attributes whose types are indexes, each a nest of set
	kindStruct             // a fixed C struct
	kindCustom             // decoded by a function of its own
)

// kindNames are the kinds as Attr.Kind reports them.
var kindNames = [...]string{
	kindGuess: "bytes", kindString: "string", kindU8: "u8", kindU16: "u16", kindU32: "u32",
	kindU64: "u64", kindS32: "s32", kindS64: "s64", kindBE16: "be16", kindBE32: "be32", kindBE64: "be64",
	kindAddr: "addr", kindHWAddr: "hwaddr", kindFlag: "flag", kindBytes: "bytes",
	kindNested: "nested", kindArray: "array", kindStruct: "struct", kindCustom: "struct",
}

// An attrSpec describes one attribute type.
type attrSpec struct {
	typ    uint16
	name   string
	kind   kind
	set    attrSet                            // kindNested, kindArray: the attributes inside
	strct  *structSpec                        // kindStruct
	names  *valueNames                        // integers: names of values or bits
	custom func(a *Attr, p []byte, depth int) // kindCustom
}

// An attrSet is a set of attribute types, indexed by type.
type attrSet []attrSpec

// attrs builds an attrSet from specs in any order.
func attrs(specs ...attrSpec) attrSet {
	n := 0
	for _, s := range specs {
		n = max(n, int(s.typ)+1)
	}
	set := make(attrSet, n)
	for _, s := range specs {
		set[s.typ] = s
	}
	return set
}

// spec returns the description of attribute type t, if the set has one.
func (s attrSet) spec(t uint16) (attrSpec, bool) {
	if int(t) < len(s) && s[t].name != "" {
		return s[t], true
	}
	return attrSpec{}, false
}

// Constructors for the common kinds of attribute.
func str(t uint16, name string) attrSpec  { return attrSpec{typ: t, name: name, kind: kindString} }
func u8(t uint16, name string) attrSpec   { return attrSpec{typ: t, name: name, kind: kindU8} }
func u16(t uint16, name string) attrSpec  { return attrSpec{typ: t, name: name, kind: kindU16} }
func u32(t uint16, name string) attrSpec  { return attrSpec{typ: t, name: name, kind: kindU32} }
func u64(t uint16, name string) attrSpec  { return attrSpec{typ: t, name: name, kind: kindU64} }
func s32(t uint16, name string) attrSpec  { return attrSpec{typ: t, name: name, kind: kindS32} }
func s64(t uint16, name string) attrSpec  { return attrSpec{typ: t, name: name, kind: kindS64} }
func be16(t uint16, name string) attrSpec { return attrSpec{typ: t, name: name, kind: kindBE16} }
func be32(t uint16, name string) attrSpec { return attrSpec{typ: t, name: name, kind: kindBE32} }
func be64(t uint16, name string) attrSpec { return attrSpec{typ: t, name: name, kind: kindBE64} }
func addr(t uint16, name string) attrSpec { return attrSpec{typ: t, name: name, kind: kindAddr} }
func hw(t uint16, name string) attrSpec   { return attrSpec{typ: t, name: name, kind: kindHWAddr} }
func flag(t uint16, name string) attrSpec { return attrSpec{typ: t, name: name, kind: kindFlag} }
func raw(t uint16, name string) attrSpec  { return attrSpec{typ: t, name: name, kind: kindBytes} }

// guessed is an attribute known by name only: its payload is guessed.
func guessed(t uint16, name string) attrSpec { return attrSpec{typ: t, name: name, kind: kindGuess} }

func nest(t uint16, name string, set attrSet) attrSpec {
	return attrSpec{typ: t, name: name, kind: kindNested, set: set}
}

func array(t uint16, name string, set attrSet) attrSpec {
	return attrSpec{typ: t, name: name, kind: kindArray, set: set}
}

func strct(t uint16, name string, s *structSpec) attrSpec {
	return attrSpec{typ: t, name: name, kind: kindStruct, strct: s}
}

func custom(t uint16, name string, fn func(a *Attr, p []byte, depth int)) attrSpec {
	return attrSpec{typ: t, name: name, kind: kindCustom, custom: fn}
}

// named gives an integer attribute names for its values or bits.
func (s attrSpec) named(n *valueNames) attrSpec {
	s.names = n
	return s
}

// A structSpec describes a fixed C struct: a family header, or the payload
// of an attribute such as IFA_CACHEINFO.
type structSpec struct {
	name   string
	fields []fieldSpec
}

// size is the struct's size: where its last field ends.
func (s *structSpec) size() int {
	n := 0
	for _, f := range s.fields {
		n += f.size()
	}
	return n
}

// A fieldSpec is one field of a struct. A field named "" is padding: it
// takes its room and is not shown.
type fieldSpec struct {
	name  string
	kind  kind // kindU8 ... kindBE64, kindBytes (with n), kindAddr (with n)
	n     int  // the size of kindBytes and kindAddr fields
	names *valueNames
}

func (f fieldSpec) size() int {
	switch f.kind {
	case kindU8:
		return 1
	case kindU16, kindBE16:
		return 2
	case kindU32, kindS32, kindBE32:
		return 4
	case kindU64, kindS64, kindBE64:
		return 8
	}
	return f.n
}

// Constructors for struct fields.
func fu8(name string, n *valueNames) fieldSpec { return fieldSpec{name: name, kind: kindU8, names: n} }
func fu16(name string, n *valueNames) fieldSpec {
	return fieldSpec{name: name, kind: kindU16, names: n}
}
func fu32(name string, n *valueNames) fieldSpec {
	return fieldSpec{name: name, kind: kindU32, names: n}
}
func fs32(name string) fieldSpec { return fieldSpec{name: name, kind: kindS32} }
func fu64(name string) fieldSpec { return fieldSpec{name: name, kind: kindU64} }
func pad(n int) fieldSpec        { return fieldSpec{kind: kindBytes, n: n} }

// structOf builds a struct spec.
func structOf(name string, fields ...fieldSpec) *structSpec {
	return &structSpec{name: name, fields: fields}
}

// u32s is a struct of 32-bit counters, one per name.
func u32s(name string, names ...string) *structSpec {
	s := &structSpec{name: name}
	for _, n := range names {
		s.fields = append(s.fields, fu32(n, nil))
	}
	return s
}

// u64s is a struct of 64-bit counters, one per name.
func u64s(name string, names ...string) *structSpec {
	s := &structSpec{name: name}
	for _, n := range names {
		s.fields = append(s.fields, fu64(n))
	}
	return s
}

// valueNames name the values of an enumeration or the bits of a mask.
type valueNames struct {
	values map[uint64]string
	bits   []bitName // a mask when set
}

type bitName struct {
	bit  uint64
	name string
}

// enum names values; names[i] is the name of value i, "" for none.
func enum(names ...string) *valueNames {
	n := &valueNames{values: make(map[uint64]string, len(names))}
	for i, s := range names {
		if s != "" {
			n.values[uint64(i)] = s
		}
	}
	return n
}

// enumOf names scattered values.
func enumOf(m map[uint64]string) *valueNames { return &valueNames{values: m} }

// bits names the bits of a mask; the list is bit, name, bit, name, ...
func bits(pairs ...any) *valueNames {
	n := &valueNames{}
	for i := 0; i+1 < len(pairs); i += 2 {
		n.bits = append(n.bits, bitName{uint64(pairs[i].(int)), pairs[i+1].(string)})
	}
	return n
}

// format names v: an enumeration value by its name, or its number when it
// has none; a mask as its bits' names joined by '|', unknown bits in hex.
func (n *valueNames) format(v uint64) (string, bool) {
	if n == nil {
		return "", false
	}
	if n.bits == nil {
		s, ok := n.values[v]
		return s, ok
	}
	if v == 0 {
		return "0", true
	}
	var b strings.Builder
	for _, bn := range n.bits {
		if v&bn.bit != 0 {
			if b.Len() > 0 {
				b.WriteByte('|')
			}
			b.WriteString(bn.name)
			v &^= bn.bit
		}
	}
	if v != 0 {
		if b.Len() > 0 {
			b.WriteByte('|')
		}
		b.WriteString("0x" + strconv.FormatUint(v, 16))
	}
	return b.String(), true
}
