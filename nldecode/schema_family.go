package nldecode

import (
	"github.com/nlgo/netlink"
	"github.com/nlgo/netlink/family"
)

// The name tables of the packages generated from the kernel's YAML specs
// (family/...): AddSchema turns each message's policy into an attrSet, so
// a generic family's messages decode with the spec's attribute names. For
// rtnetlink the spec's names are laid over the package's own tables
// (overlay), which know more than a policy says: value names, structs,
// link kinds, and message types no generated family has.

// genlSchema holds a generic family's attribute sets by command, for
// requests and for replies (which differ in the directional model).
type genlSchema struct {
	requests, replies map[uint8]attrSet
}

// routeKey selects the attributes of an rtnetlink message type in one
// direction.
type routeKey struct {
	typ     netlink.HeaderType
	request bool
}

// AddSchema tells the decoder the attributes of a family generated from
// its spec, as f, returned by the generated package's Describe, names
// them.
//
// A generic netlink family's messages then decode with the spec's
// attribute names and kinds. The family's id still comes from AddFamily
// or from the controller's messages the decoder sees.
//
// For an rtnetlink family (rt-link, rt-addr, rt-route: netlink-raw of
// protocol NETLINK_ROUTE) the message types f lists decode with the
// spec's attribute names ("net-ns-pid" where the decoder's own tables say
// "net_ns_pid"); where the decoder's tables know more than the spec's
// policy (operstate by name, stats64 field by field, addresses, a
// link's data by its kind), they decode as before under the spec's name,
// and attributes the tables leave to guessing decode as the spec says.
// Other netlink-raw families are ignored.
func (d *Decoder) AddSchema(f family.Family) {
	if f.Protocol == "netlink-raw" {
		if f.ProtocolNumber == protoRoute {
			d.addRouteSchema(f)
		}
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

// addRouteSchema lays the names of f, an rtnetlink family, over the
// tables of the message types it lists.
func (d *Decoder) addRouteSchema(f family.Family) {
	memo := map[*netlink.Policy]attrSet{}
	sets := map[routeKey]attrSet{}
	add := func(msgs []family.Message, request bool) {
		for _, m := range msgs {
			t := netlink.HeaderType(m.Type)
			g, _, _, ok := rtnlType(t)
			if !ok {
				continue
			}
			sets[routeKey{t, request}] = overlay(g.attrs, policySet(m.Attributes, memo), 0)
		}
	}
	add(f.Requests, true)
	add(f.Replies, false)
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.routes == nil {
		d.routes = make(map[routeKey]attrSet)
	}
	for k, s := range sets {
		d.routes[k] = s
	}
}

// routeSet returns the attributes AddSchema gave rtnetlink type t in the
// direction request says, or, when it gave that type none in that
// direction, in the other (a DELLINK notification is a reply with the
// attributes of a DELLINK request).
func (d *Decoder) routeSet(t netlink.HeaderType, request bool) (attrSet, bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if s, ok := d.routes[routeKey{t, request}]; ok {
		return s, true
	}
	s, ok := d.routes[routeKey{t, !request}]
	return s, ok
}

// overlay returns the attributes of hand, the decoder's own table, named
// as spec, a spec's, names them: an attribute hand describes keeps its
// decoding under the spec's name, unless hand leaves it to guessing or to
// hex and the spec says more; an attribute hand does not know is the
// spec's. Nests of both are laid over each other in turn, to a depth of
// netlink.MaxNestingDepth.
func overlay(hand, spec attrSet, depth int) attrSet {
	out := make(attrSet, max(len(hand), len(spec)))
	copy(out, hand)
	for t, s := range spec {
		if s.name == "" {
			continue
		}
		h, ok := hand.spec(uint16(t))
		vague := func(k kind) bool { return k == kindGuess || k == kindBytes }
		switch {
		case !ok, vague(h.kind) && !vague(s.kind):
			out[t] = s
		default:
			h.name = s.name
			if h.kind == kindNested && s.kind == kindNested && depth < netlink.MaxNestingDepth {
				h.set = overlay(h.set, s.set, depth+1)
			}
			out[t] = h
		}
	}
	return out
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
