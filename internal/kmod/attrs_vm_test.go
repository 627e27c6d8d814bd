//go:build linux && vmtest

package kmod_test

import (
	"encoding/binary"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/sys/unix"

	"github.com/nlgo/netlink/internal/kmod"
	"github.com/nlgo/netlink/internal/testenv"
)

// node is a decoded attribute; kids are filled for the nested types.
type node struct {
	Type, Flags uint16
	Data        []byte
	Kids        []node
}

// decodeTree decodes b, descending into the attribute types nested says.
func decodeTree(b []byte, nested func(depth int, typ uint16) bool, depth int) []node {
	var out []node
	for _, a := range parseAttrs(b) {
		n := node{Type: a.typ, Flags: a.flags, Data: a.data}
		if nested(depth, a.typ) {
			n.Kids, n.Data = decodeTree(a.data, nested, depth+1), nil
		}
		out = append(out, n)
	}
	return out
}

func attrsNested(depth int, typ uint16) bool {
	switch depth {
	case 0:
		return typ == kmod.AttrsNest || typ == kmod.AttrsNestNoFlag
	case 1:
		return typ == kmod.NestNest
	}
	return false
}

// TestIntegrationKmodAttrs decodes, by hand, the attributes the kernel's own
// nla_put_* functions encoded.
func TestIntegrationKmodAttrs(t *testing.T) {
	s := dial(t, -1, 0, 0)
	s.send(kmod.TypeAttrs, 0, 11, nil)
	m := s.recvOne()
	if m.typ != kmod.TypeAttrs || m.seq != 11 {
		t.Fatalf("reply type %#x seq %d, want %#x seq 11", m.typ, m.seq, kmod.TypeAttrs)
	}
	var got []node
	for _, n := range decodeTree(m.data, attrsNested, 0) {
		if n.Type != kmod.AttrsPad { // alignment padding, architecture dependent
			got = append(got, n)
		}
	}
	be := binary.BigEndian
	s8, s16, s32, s64, sint := kmod.AttrsS8Value, kmod.AttrsS16Value, kmod.AttrsS32Value, kmod.AttrsS64Value, kmod.AttrsSintValue
	want := []node{
		{Type: kmod.AttrsU8, Data: []byte{kmod.AttrsU8Value}},
		{Type: kmod.AttrsU16, Data: u16b(kmod.AttrsU16Value)},
		{Type: kmod.AttrsU32, Data: u32b(kmod.AttrsU32Value)},
		{Type: kmod.AttrsU64, Data: u64b(kmod.AttrsU64Value)},
		{Type: kmod.AttrsS8, Data: []byte{byte(s8)}},
		{Type: kmod.AttrsS16, Data: u16b(uint16(s16))},
		{Type: kmod.AttrsS32, Data: u32b(uint32(s32))},
		{Type: kmod.AttrsS64, Data: u64b(uint64(s64))},
		{Type: kmod.AttrsString, Data: []byte(kmod.AttrsStringValue + "\x00")},
		{Type: kmod.AttrsFlag, Data: []byte{}},
		{Type: kmod.AttrsNest, Flags: unix.NLA_F_NESTED, Kids: []node{
			{Type: kmod.NestU32, Data: u32b(kmod.NestU32Value)},
			{Type: kmod.NestString, Data: []byte(kmod.NestStringValue + "\x00")},
			{Type: kmod.NestNest, Flags: unix.NLA_F_NESTED, Kids: []node{
				{Type: kmod.NestU32, Data: u32b(kmod.NestInnerU32Value)},
			}},
		}},
		{Type: kmod.AttrsBE16, Flags: unix.NLA_F_NET_BYTEORDER, Data: be.AppendUint16(nil, kmod.AttrsBE16Value)},
		{Type: kmod.AttrsBE32, Flags: unix.NLA_F_NET_BYTEORDER, Data: be.AppendUint32(nil, kmod.AttrsBE32Value)},
		{Type: kmod.AttrsBinary, Data: kmod.AttrsBinaryValue()},
		{Type: kmod.AttrsNestNoFlag, Kids: []node{{Type: kmod.NestU32, Data: u32b(kmod.NestU32Value)}}},
	}
	if testenv.HasFeature(t, testenv.UintAttrs) {
		want = append(want,
			node{Type: kmod.AttrsUint, Data: u64b(kmod.AttrsUintValue)},
			node{Type: kmod.AttrsSint, Data: u32b(uint32(int32(sint)))})
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("ATTRS reply (-want +got):\n%s", diff)
	}
}

// parseReq is a PARSE request built from attributes.
type parseReq []byte

// attr returns a copy of r with one more attribute (the copy keeps table
// entries built from one prefix apart).
func (r parseReq) attr(typ uint16, data []byte) parseReq {
	return appendAttr(append([]byte(nil), r...), typ, data)
}

func nest(attrs ...[]byte) []byte {
	var b []byte
	for _, a := range attrs {
		b = append(b, a...)
	}
	return b
}

func a(typ uint16, data []byte) []byte { return appendAttr(nil, typ, data) }

// TestIntegrationKmodParse sends attributes the kernel validates with a
// strict policy and reads back what it parsed, or its validation error.
func TestIntegrationKmodParse(t *testing.T) {
	good := parseReq(nil).
		attr(kmod.ParseU8, []byte{5}).
		attr(kmod.ParseU16, u16b(0x1234)).
		attr(kmod.ParseU32, u32b(0xcafebabe)).
		attr(kmod.ParseU64, u64b(1<<40)).
		attr(kmod.ParseString, []byte("hello\x00")).
		attr(kmod.ParseFlag, nil).
		attr(kmod.ParseNest|unix.NLA_F_NESTED, nest(a(kmod.NestU32, u32b(77)), a(kmod.NestString, []byte("nested")))).
		attr(kmod.ParseRanged, []byte{3})
	s := dial(t, -1, 0, 0)
	s.setopt(unix.NETLINK_EXT_ACK, 1)
	s.send(kmod.TypeParse, 0, 1, good)
	m := s.recvOne()
	if m.typ != kmod.TypeParse {
		a, _ := parseAck(m)
		t.Fatalf("PARSE of a valid request: type %#x (%v %q)", m.typ, a.errno, a.msg)
	}
	got, err := kmod.DecodeParseReply(m.data)
	if err != nil {
		t.Fatal(err)
	}
	want := kmod.ParseReply{
		U64: 1 << 40, Present: 0x1fe, U32: 0xcafebabe, NestU32: 77, U16: 0x1234, U8: 5,
		Ranged: 3, Flag: true, String: "hello", NestString: "nested",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("parsed (-want +got):\n%s", diff)
	}

	// Each bad attribute follows an 8-byte U8 attribute: it starts at 16+8.
	const badOff = hdrLen + 8
	u8 := parseReq(nil).attr(kmod.ParseU8, []byte{1})
	tests := []struct {
		name   string
		req    parseReq
		errno  unix.Errno
		offset uint32
	}{
		{"u32 of 2 bytes", u8.attr(kmod.ParseU32, []byte{1, 2}), unix.EINVAL, badOff},
		{"string too long", u8.attr(kmod.ParseString, []byte("0123456789abcdef")), unix.ERANGE, badOff},
		{"ranged out of range", u8.attr(kmod.ParseRanged, []byte{kmod.ParseRangedMax + 1}), unix.ERANGE, badOff},
		{"unknown type", u8.attr(20, u32b(1)), unix.EINVAL, badOff},
		{"nest without NLA_F_NESTED", u8.attr(kmod.ParseNest, a(kmod.NestU32, u32b(1))), unix.EINVAL, badOff},
		{"bad attribute inside nest", u8.attr(kmod.ParseNest|unix.NLA_F_NESTED, a(kmod.NestU32, []byte{1})), unix.EINVAL, badOff + 4},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			seq := uint32(10 + i)
			s.t = t
			s.send(kmod.TypeParse, 0, seq, tt.req)
			got := s.recvAck(seq)
			if got.errno != tt.errno || !got.hasOff || got.offset != tt.offset || got.msg == "" {
				t.Errorf("got %v offset %d (present %v) msg %q; want %v at offset %d with a message",
					got.errno, got.offset, got.hasOff, got.msg, tt.errno, tt.offset)
			}
			t.Logf("kernel says: %v at offset %d: %q", got.errno, got.offset, got.msg)
		})
	}
}

// genlFamily resolves the nlgo_test family through the generic netlink
// controller and returns its id and multicast groups.
func genlFamily(t *testing.T, s *sock) (uint16, map[string]uint32) {
	t.Helper()
	req := []byte{unix.CTRL_CMD_GETFAMILY, 1, 0, 0}
	req = appendAttr(req, unix.CTRL_ATTR_FAMILY_NAME, []byte(kmod.GenlName+"\x00"))
	s.send(unix.GENL_ID_CTRL, 0, 1, req)
	m := s.recvOne()
	if m.typ != unix.GENL_ID_CTRL {
		a, _ := parseAck(m)
		t.Fatalf("CTRL_CMD_GETFAMILY %s: %v", kmod.GenlName, a.errno)
	}
	var id uint16
	groups := map[string]uint32{}
	for _, at := range parseAttrs(m.data[unix.GENL_HDRLEN:]) {
		switch at.typ {
		case unix.CTRL_ATTR_FAMILY_ID:
			id = ne.Uint16(at.data)
		case unix.CTRL_ATTR_MCAST_GROUPS:
			for _, g := range parseAttrs(at.data) {
				var name string
				var gid uint32
				for _, f := range parseAttrs(g.data) {
					switch f.typ {
					case unix.CTRL_ATTR_MCAST_GRP_NAME:
						name = strings.TrimRight(string(f.data), "\x00")
					case unix.CTRL_ATTR_MCAST_GRP_ID:
						gid = ne.Uint32(f.data)
					}
				}
				groups[name] = gid
			}
		}
	}
	if id == 0 {
		t.Fatalf("no family id for %s", kmod.GenlName)
	}
	return id, groups
}

func genlReq(cmd uint8, attrs ...[]byte) []byte {
	return nest(append([][]byte{{cmd, kmod.GenlVersion, 0, 0}}, attrs...)...)
}

// TestIntegrationKmodGenl exercises the generic netlink family: resolve, echo,
// multicast to "events" (not "alerts") and a dump.
func TestIntegrationKmodGenl(t *testing.T) {
	s := dial(t, unix.NETLINK_GENERIC, 0, 0)
	id, groups := genlFamily(t, s)
	events, alerts := groups[kmod.GenlGroupEvents], groups[kmod.GenlGroupAlerts]
	if events == 0 || alerts == 0 {
		t.Fatalf("multicast groups %v, want %q and %q", groups, kmod.GenlGroupEvents, kmod.GenlGroupAlerts)
	}

	s.send(id, 0, 2, genlReq(kmod.GenlCmdEcho, a(kmod.GenlAttrU32, u32b(99)), a(kmod.GenlAttrString, []byte("hi\x00"))))
	m := s.recvOne()
	if m.typ != id || len(m.data) < unix.GENL_HDRLEN || m.data[0] != kmod.GenlCmdEcho {
		t.Fatalf("echo reply: %+v", m)
	}
	want := []attr{{typ: kmod.GenlAttrU32, data: u32b(99)}, {typ: kmod.GenlAttrString, data: []byte("hi\x00")}}
	if diff := cmp.Diff(want, parseAttrs(m.data[unix.GENL_HDRLEN:]), cmp.AllowUnexported(attr{})); diff != "" {
		t.Errorf("echo attributes (-want +got):\n%s", diff)
	}

	ev, al := dial(t, unix.NETLINK_GENERIC, 0, 0), dial(t, unix.NETLINK_GENERIC, 0, 0)
	ev.setopt(unix.NETLINK_ADD_MEMBERSHIP, int(events))
	al.setopt(unix.NETLINK_ADD_MEMBERSHIP, int(alerts))
	s.send(id, unix.NLM_F_ACK, 3, genlReq(kmod.GenlCmdNotify, a(kmod.GenlAttrGroup, u32b(0)), a(kmod.GenlAttrString, []byte("event!\x00"))))
	if ack := s.recvAck(3); ack.errno != 0 {
		t.Fatalf("notify: %v", ack.errno)
	}
	m = ev.recvOne()
	if m.typ != id || m.data[0] != kmod.GenlCmdEvent || fmt.Sprint(parseAttrs(m.data[unix.GENL_HDRLEN:])) != fmt.Sprint([]attr{{typ: kmod.GenlAttrString, data: []byte("event!\x00")}}) {
		t.Errorf("event: %+v", m)
	}
	al.expectNothing("alerts listener")

	s.send(id, unix.NLM_F_ACK, 4, genlReq(kmod.GenlCmdNotify))
	if ack := s.recvAck(4); ack.errno != unix.EINVAL {
		t.Errorf("notify without group: %v, want EINVAL", ack.errno)
	}

	s.send(id, unix.NLM_F_DUMP, 5, genlReq(kmod.GenlCmdGet, a(kmod.GenlAttrCount, u32b(25))))
	var n uint32
	for done := false; !done; {
		msgs, _ := s.recv()
		for _, m := range msgs {
			if m.typ == unix.NLMSG_DONE {
				done = true
				break
			}
			if m.typ != id {
				t.Fatalf("dump: message type %#x", m.typ)
			}
			at := parseAttrs(m.data[unix.GENL_HDRLEN:])
			if len(at) != 2 || at[0].typ != kmod.GenlAttrIndex || ne.Uint32(at[0].data) != n {
				t.Fatalf("dump record %d: %+v", n, at)
			}
			n++
		}
	}
	if n != 25 {
		t.Errorf("dump: %d records, want 25", n)
	}
}
