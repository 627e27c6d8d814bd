package nldecode

import (
	"github.com/nlgo/netlink"
	"github.com/nlgo/netlink/family"
)

// The name tables of the packages generated from the kernel's YAML specs
// (family/...): AddSchema turns each message's policy into an attrSet, so
// a generic family's messages decode with the spec's attribute names.

// genlSchema holds a generic family's attribute sets by command, for
// requests and for replies (which differ in the directional model).
type genlSchema struct {
	requests, replies map[uint8]attrSet
}

// AddSchema tells the decoder the attributes of a generic netlink family
// generated from its spec, as f, returned by the generated package's
// Describe, names them: its messages then decode with the spec's
// attribute names and kinds. The family's id still comes from AddFamily
// or from the controller's messages the decoder sees. A netlink-raw
// family is ignored: rtnetlink has tables of its own.
func (d *Decoder) AddSchema(f family.Family) {
	if f.Protocol == "netlink-raw" {
		return
	}
	memo := map[*netlink.Policy]attrSet{}
	s := genlSchema{requests: map[uint8]attrSet{}, replies: map[uint8]attrSet{}}
	for _, m := range f.Requests {
		if m.HeaderLen == 0 {
			s.requests[uint8(m.Type)] = policySet(m.Attributes, memo)
		}
	}
	for _, m := range f.Replies {
		if m.HeaderLen == 0 {
			s.replies[uint8(m.Type)] = policySet(m.Attributes, memo)
		}
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.schemas == nil {
		d.schemas = make(map[string]genlSchema)
	}
	d.schemas[f.Name] = s
}

// schemaSet returns the attributes of the message of family name with
// command cmd, in the direction its flags tell.
func (d *Decoder) schemaSet(name string, cmd uint8, request bool) (attrSet, bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	s, ok := d.schemas[name]
	if !ok {
		return nil, false
	}
	sets := s.replies
	if request {
		sets = s.requests
	}
	set, ok := sets[cmd]
	return set, ok
}

// policySet converts p, and the policies its nests lead to, to attrSets;
// memo holds those made, so that cycles end.
func policySet(p *netlink.Policy, memo map[*netlink.Policy]attrSet) attrSet {
	if p == nil {
		return nil
	}
	if s, ok := memo[p]; ok {
		return s
	}
	s := make(attrSet, len(p.Attributes))
	memo[p] = s
	for t, a := range p.Attributes {
		if a.Name == "" {
			continue
		}
		s[t] = attrSpec{typ: uint16(t), name: a.Name, kind: policyKind(a)}
		if a.Kind == netlink.KindNested || a.Kind == netlink.KindNestedArray {
			s[t].set = policySet(a.Nested, memo)
		}
	}
	return s
}

// policyKind is how the decoder reads an attribute of policy a.
func policyKind(a netlink.AttributePolicy) kind {
	switch a.Kind {
	case netlink.KindU8:
		return kindU8
	case netlink.KindU16:
		if a.NetByteOrder {
			return kindBE16
		}
		return kindU16
	case netlink.KindU32:
		if a.NetByteOrder {
			return kindBE32
		}
		return kindU32
	case netlink.KindU64:
		if a.NetByteOrder {
			return kindBE64
		}
		return kindU64
	case netlink.KindS32:
		return kindS32
	case netlink.KindS64:
		return kindS64
	case netlink.KindString, netlink.KindNulString:
		return kindString
	case netlink.KindFlag:
		return kindFlag
	case netlink.KindBinary, netlink.KindBitfield32:
		return kindBytes
	case netlink.KindNested:
		return kindNested
	case netlink.KindNestedArray:
		return kindArray
	}
	return kindGuess // s8, s16, uint, sint: sizes the decoder guesses
}
