package netlink

import (
	"errors"
	"syscall"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// Attribute types of a link's IFLA_LINKINFO nest and of a veth's
// IFLA_INFO_DATA (<linux/if_link.h>, <linux/veth.h>), spelled out so the
// tests build everywhere.
const (
	iflaLinkinfo  = 18 // IFLA_LINKINFO
	iflaInfoKind  = 1  // IFLA_INFO_KIND
	iflaInfoData  = 2  // IFLA_INFO_DATA
	vethInfoPeer  = 1  // VETH_INFO_PEER
	ifinfomsgSize = 16 // sizeof(struct ifinfomsg)
)

// testPolicy exercises every kind: types 1 to 18 of the top level.
func testPolicy(strict bool) *Policy {
	inner := &Policy{Attributes: []AttributePolicy{
		1: {Name: "IN_U32", Kind: KindU32, Unsigned: &UnsignedRange{Min: 1, Max: 10}},
		2: {Name: "IN_STR", Kind: KindNulString, MaxLen: 3},
	}}
	return &Policy{Strict: strict, Attributes: []AttributePolicy{
		1:  {Name: "U8", Kind: KindU8, Unsigned: &UnsignedRange{Min: 1, Max: 10}},
		2:  {Name: "U16", Kind: KindU16, Mask: 0x0f0f},
		3:  {Name: "U32", Kind: KindU32, Once: true},
		4:  {Name: "U64", Kind: KindU64, Unsigned: &UnsignedRange{Min: 0, Max: 1 << 40}},
		5:  {Name: "S32", Kind: KindS32, Signed: &SignedRange{Min: -5, Max: 5}},
		6:  {Name: "UINT", Kind: KindUint, Unsigned: &UnsignedRange{Min: 0, Max: 1 << 33}},
		7:  {Name: "STR", Kind: KindString, MaxLen: 4},
		8:  {Name: "NULSTR", Kind: KindNulString, MaxLen: 4},
		9:  {Name: "BIN", Kind: KindBinary, MinLen: 2, MaxLen: 6},
		10: {Name: "FLAG", Kind: KindFlag},
		11: {Name: "NEST", Kind: KindNested, Nested: inner},
		12: {Name: "ARRAY", Kind: KindNestedArray, Nested: inner},
		13: {Name: "BF32", Kind: KindBitfield32, Mask: 0x7},
		14: {Name: "REJECT", Kind: KindReject},
		15: {Name: "LIST", Kind: KindU32},
		16: {Kind: KindUnspec, MinLen: 2},
		17: {Name: "BE16", Kind: KindU16, NetByteOrder: true, Unsigned: &UnsignedRange{Min: 0, Max: 0x00ff}},
		18: {Name: "SINT", Kind: KindSint, Signed: &SignedRange{Min: -1, Max: 1 << 33}},
	}}
}

// be16 encodes v big-endian.
func be16(v uint16) []byte { return []byte{byte(v >> 8), byte(v)} }

// policyResult is what a Validate returned, for comparison.
type policyResult struct {
	Path   string
	Offset int
	Errno  syscall.Errno
}

func resultOf(t *testing.T, err error) *policyResult {
	t.Helper()
	if err == nil {
		return nil
	}
	var pe *PolicyError
	if !errors.As(err, &pe) {
		t.Fatalf("error %v (%T) is no *PolicyError", err, err)
	}
	if !errors.Is(err, ErrPolicy) || !errors.Is(err, pe.Errno) {
		t.Errorf("error %v matches not both ErrPolicy and its errno %v", err, pe.Errno)
	}
	return &policyResult{Path: pe.Path.String(), Offset: pe.Offset, Errno: pe.Errno}
}

func TestPolicyValidate(t *testing.T) {
	u32 := func(typ uint16, v uint32) []byte { return nlattr(typ, nlaU32(v)) }
	bad := func(path string, off int, errno syscall.Errno) *policyResult {
		return &policyResult{Path: path, Offset: off, Errno: errno}
	}
	nestFlag := AttributeNested
	tests := []struct {
		name            string
		b               []byte
		lenient, strict *policyResult // nil: valid
	}{
		{name: "empty", b: nil},
		{name: "u8 in range", b: nlattr(1, []byte{10})},
		{name: "u8 above range", b: nlattr(1, []byte{11}), lenient: bad("U8", 0, syscall.ERANGE), strict: bad("U8", 0, syscall.ERANGE)},
		{name: "u8 below range", b: nlattr(1, []byte{0}), lenient: bad("U8", 0, syscall.ERANGE), strict: bad("U8", 0, syscall.ERANGE)},
		{name: "u8 empty", b: nlattr(1, nil), lenient: bad("U8", 0, syscall.ERANGE), strict: bad("U8", 0, syscall.EINVAL)},
		{name: "u8 two bytes", b: nlattr(1, []byte{5, 0}), strict: bad("U8", 0, syscall.EINVAL)},
		{name: "u16 mask ok", b: nlattr(2, nlaU16(0x0f01))},
		{name: "u16 mask bit", b: nlattr(2, nlaU16(0x0010)), lenient: bad("U16", 0, syscall.EINVAL), strict: bad("U16", 0, syscall.EINVAL)},
		{name: "u32 three bytes", b: nlattr(3, []byte{1, 2, 3}), lenient: bad("U32", 0, syscall.ERANGE), strict: bad("U32", 0, syscall.EINVAL)},
		{name: "u32 five bytes", b: nlattr(3, []byte{1, 2, 3, 4, 5}), strict: bad("U32", 0, syscall.EINVAL)},
		{name: "u64 at max", b: nlattr(4, nlaU64(1<<40))},
		{name: "u64 above max", b: nlattr(4, nlaU64(1<<40+1)), lenient: bad("U64", 0, syscall.ERANGE), strict: bad("U64", 0, syscall.ERANGE)},
		{name: "s32 at min", b: nlattr(5, neI32(-5))},
		{name: "s32 below min", b: nlattr(5, neI32(-6)), lenient: bad("S32", 0, syscall.ERANGE), strict: bad("S32", 0, syscall.ERANGE)},
		{name: "uint 4 bytes", b: nlattr(6, nlaU32(7))},
		{name: "uint 8 bytes", b: nlattr(6, nlaU64(1<<33))},
		{name: "uint 8 bytes above", b: nlattr(6, nlaU64(1<<33+1)), lenient: bad("UINT", 0, syscall.ERANGE), strict: bad("UINT", 0, syscall.ERANGE)},
		{name: "uint 6 bytes", b: nlattr(6, make([]byte, 6)), lenient: bad("UINT", 0, syscall.EINVAL), strict: bad("UINT", 0, syscall.EINVAL)},
		{name: "sint 4 bytes negative", b: nlattr(18, neI32(-1))},
		{name: "sint 4 bytes below", b: nlattr(18, neI32(-2)), lenient: bad("SINT", 0, syscall.ERANGE), strict: bad("SINT", 0, syscall.ERANGE)},
		{name: "string at max", b: nlattr(7, []byte("abcd"))},
		{name: "string at max with NUL", b: nlattr(7, []byte("abcd\x00"))},
		{name: "string too long", b: nlattr(7, []byte("abcde")), lenient: bad("STR", 0, syscall.ERANGE), strict: bad("STR", 0, syscall.ERANGE)},
		{name: "string empty", b: nlattr(7, nil), lenient: bad("STR", 0, syscall.ERANGE), strict: bad("STR", 0, syscall.ERANGE)},
		{name: "nul string at max", b: nlattr(8, []byte("abcd\x00"))},
		{name: "nul string short in long payload", b: nlattr(8, []byte("ab\x00\x00\x00"))},
		{name: "nul string missing NUL", b: nlattr(8, []byte("abc")), lenient: bad("NULSTR", 0, syscall.EINVAL), strict: bad("NULSTR", 0, syscall.EINVAL)},
		{name: "nul string too long", b: nlattr(8, []byte("abcde\x00")), lenient: bad("NULSTR", 0, syscall.EINVAL), strict: bad("NULSTR", 0, syscall.EINVAL)},
		{name: "nul string NUL then too long", b: nlattr(8, []byte("ab\x00cdef")), lenient: bad("NULSTR", 0, syscall.ERANGE), strict: bad("NULSTR", 0, syscall.ERANGE)},
		{name: "nul string empty", b: nlattr(8, nil), lenient: bad("NULSTR", 0, syscall.EINVAL), strict: bad("NULSTR", 0, syscall.EINVAL)},
		{name: "binary at min", b: nlattr(9, []byte{1, 2})},
		{name: "binary below min", b: nlattr(9, []byte{1}), lenient: bad("BIN", 0, syscall.ERANGE), strict: bad("BIN", 0, syscall.ERANGE)},
		{name: "binary above max", b: nlattr(9, make([]byte, 7)), lenient: bad("BIN", 0, syscall.ERANGE), strict: bad("BIN", 0, syscall.ERANGE)},
		{name: "flag", b: nlattr(10, nil)},
		{name: "flag with payload", b: nlattr(10, []byte{1}), lenient: bad("FLAG", 0, syscall.ERANGE), strict: bad("FLAG", 0, syscall.ERANGE)},
		{name: "nest ok", b: nlattr(11|nestFlag, cat(u32(1, 10), nlattr(2, []byte("ab\x00"))))},
		{name: "nest empty", b: nlattr(11|nestFlag, nil)},
		{name: "nest without flag", b: nlattr(11, u32(1, 1)), strict: bad("NEST", 0, syscall.EINVAL)},
		{name: "nest too short", b: nlattr(11|nestFlag, []byte{1, 2}), lenient: bad("NEST", 0, syscall.ERANGE), strict: bad("NEST", 0, syscall.ERANGE)},
		{name: "nest inner out of range", b: cat(u32(3, 0), nlattr(11|nestFlag, cat(nlattr(2, []byte("a\x00")), u32(1, 11)))),
			lenient: bad("NEST.IN_U32", 20, syscall.ERANGE), strict: bad("NEST.IN_U32", 20, syscall.ERANGE)},
		{name: "nest inner unknown", b: nlattr(11|nestFlag, u32(9, 1)), strict: bad("attribute NEST.9", 4, syscall.EINVAL)},
		{name: "nest trailing bytes", b: nlattr(11|nestFlag, cat(u32(1, 1), []byte{0, 0})), strict: bad("NEST", 12, syscall.EINVAL)},
		{name: "flag on a u32", b: nlattr(3|nestFlag, nlaU32(1)), strict: bad("U32", 0, syscall.EINVAL)},
		{name: "array ok", b: nlattr(12|nestFlag, cat(nlattr(1, u32(1, 2)), nlattr(2, nil), nlattr(7, u32(1, 3))))},
		{name: "array entry short", b: nlattr(12|nestFlag, nlattr(1, []byte{1, 2})),
			lenient: bad("attribute ARRAY.1", 4, syscall.ERANGE), strict: bad("attribute ARRAY.1", 4, syscall.ERANGE)},
		{name: "array entry bad", b: nlattr(12|nestFlag, cat(nlattr(1, u32(1, 2)), nlattr(2, u32(1, 0)))),
			lenient: bad("attribute ARRAY.2.IN_U32", 20, syscall.ERANGE), strict: bad("attribute ARRAY.2.IN_U32", 20, syscall.ERANGE)},
		{name: "bitfield32 ok", b: nlattr(13, cat(nlaU32(0x5), nlaU32(0x7)))},
		{name: "bitfield32 short", b: nlattr(13, nlaU32(1)), lenient: bad("BF32", 0, syscall.ERANGE), strict: bad("BF32", 0, syscall.ERANGE)},
		{name: "bitfield32 selector", b: nlattr(13, cat(nlaU32(0), nlaU32(0x8))), lenient: bad("BF32", 0, syscall.EINVAL), strict: bad("BF32", 0, syscall.EINVAL)},
		{name: "bitfield32 value", b: nlattr(13, cat(nlaU32(0x8), nlaU32(0x7))), lenient: bad("BF32", 0, syscall.EINVAL), strict: bad("BF32", 0, syscall.EINVAL)},
		{name: "bitfield32 unselected", b: nlattr(13, cat(nlaU32(0x3), nlaU32(0x1))), lenient: bad("BF32", 0, syscall.EINVAL), strict: bad("BF32", 0, syscall.EINVAL)},
		{name: "reject", b: nlattr(14, nil), lenient: bad("REJECT", 0, syscall.EINVAL), strict: bad("REJECT", 0, syscall.EINVAL)},
		{name: "multi", b: cat(u32(15, 1), u32(15, 2), u32(15, 3))},
		{name: "repeated", b: cat(u32(3, 1), u32(15, 2), u32(3, 3)), lenient: bad("U32", 16, syscall.EINVAL), strict: bad("U32", 16, syscall.EINVAL)},
		{name: "unspec at min", b: nlattr(16, []byte{1, 2}), strict: bad("attribute 16", 0, syscall.EINVAL)},
		{name: "unspec below min", b: nlattr(16, []byte{1}), lenient: bad("attribute 16", 0, syscall.ERANGE), strict: bad("attribute 16", 0, syscall.EINVAL)},
		{name: "be16 in range", b: nlattr(17, be16(0x00ff))},
		{name: "be16 above range", b: nlattr(17, be16(0x0100)), lenient: bad("BE16", 0, syscall.ERANGE), strict: bad("BE16", 0, syscall.ERANGE)},
		{name: "unknown type", b: cat(u32(3, 1), u32(100, 1)), strict: bad("attribute 100", 8, syscall.EINVAL)},
		{name: "type 0", b: u32(0, 1), strict: bad("attribute 0", 0, syscall.EINVAL)},
		{name: "trailing bytes", b: cat(u32(3, 1), []byte{1, 2}), strict: bad("", 8, syscall.EINVAL)},
		{name: "header past the end", b: cat(u32(3, 1), rawNLA(12, 3, 1, 2, 3, 4)), strict: bad("", 8, syscall.EINVAL)},
		{name: "last padding missing", b: rawNLA(5, 1, 3)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, strict := range []bool{false, true} {
				want := tt.lenient
				if strict {
					want = tt.strict
				}
				got := resultOf(t, testPolicy(strict).Validate(tt.b))
				if diff := cmp.Diff(want, got); diff != "" {
					t.Errorf("strict %v: (-want +got)\n%s", strict, diff)
				}
			}
		})
	}
}

// vethPolicy is the part of the kernel's ifla_policy that leads to a
// veth's peer (VETH_INFO_PEER, NLA_UNSPEC with .len = sizeof(struct
// ifinfomsg)).
func vethPolicy() *Policy {
	veth := &Policy{Attributes: []AttributePolicy{
		vethInfoPeer: {Name: "VETH_INFO_PEER", Kind: KindUnspec, MinLen: ifinfomsgSize},
	}}
	info := &Policy{Attributes: []AttributePolicy{
		iflaInfoKind: {Name: "IFLA_INFO_KIND", Kind: KindString},
		iflaInfoData: {Name: "IFLA_INFO_DATA", Kind: KindNested, Nested: veth},
	}}
	return &Policy{Attributes: []AttributePolicy{
		iflaIfname:   {Name: "IFLA_IFNAME", Kind: KindString, MaxLen: 15},
		iflaLinkinfo: {Name: "IFLA_LINKINFO", Kind: KindNested, Nested: info},
	}}
}

func TestPolicyErrorMessage(t *testing.T) {
	e := NewAttributeEncoder()
	e.String(iflaIfname, "veth0")
	e.Nested(iflaLinkinfo, func(e *AttributeEncoder) error {
		e.String(iflaInfoKind, "veth")
		e.Nested(iflaInfoData, func(e *AttributeEncoder) error {
			e.Bytes(vethInfoPeer, make([]byte, 8)) // an ifinfomsg needs 16
			return nil
		})
		return nil
	})
	attrs, err := e.Encode()
	if err != nil {
		t.Fatal(err)
	}
	m := Message{Header: Header{Type: 16}, Data: append(make([]byte, ifinfomsgSize), attrs...)}
	tests := []struct {
		name string
		err  error
		want string
	}{
		{"Validate", vethPolicy().Validate(attrs),
			"netlink: IFLA_LINKINFO.IFLA_INFO_DATA.VETH_INFO_PEER at offset 32: 8 bytes, at least 16 needed"},
		{"ValidateMessage", vethPolicy().ValidateMessage(m, ifinfomsgSize),
			"netlink: IFLA_LINKINFO.IFLA_INFO_DATA.VETH_INFO_PEER at offset 64: 8 bytes, at least 16 needed"},
		{"no names", (&Policy{Attributes: []AttributePolicy{iflaLinkinfo: {Kind: KindNested,
			Nested: &Policy{Attributes: []AttributePolicy{iflaInfoKind: {Kind: KindU8}}}}}}).Validate(
			nlattr(iflaLinkinfo, nlattr(iflaInfoKind, nil))),
			"netlink: attribute 18.1 at offset 4: u8 needs 1 byte, have 0"},
		{"trailing", (&Policy{Strict: true}).Validate([]byte{1, 2}),
			"netlink: attributes at offset 0: 2 bytes left over after the last attribute"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.err == nil {
				t.Fatal("no error")
			}
			if diff := cmp.Diff(tt.want, tt.err.Error()); diff != "" {
				t.Errorf("(-want +got)\n%s", diff)
			}
		})
	}
	if err := vethPolicy().ValidateMessage(Message{Data: make([]byte, 3)}, ifinfomsgSize); !errors.Is(err, ErrShortMessage) {
		t.Errorf("ValidateMessage of a 3-byte payload: %v, want ErrShortMessage", err)
	}
}

func TestPolicyDecode(t *testing.T) {
	var d AttributeDecoder
	good := attrCat(nlattr(3, nlaU32(7)), nlattr(1, []byte{4}))
	if err := testPolicy(true).Decode(&d, good); err != nil {
		t.Fatalf("Decode: %v", err)
	}
	var got []uint64
	for d.Next() {
		switch d.Type() {
		case 1:
			got = append(got, uint64(d.Uint8()))
		case 3:
			got = append(got, uint64(d.Uint32()))
		}
	}
	if diff := cmp.Diff([]uint64{7, 4}, got); diff != "" || d.Err() != nil {
		t.Errorf("decoded (-want +got)\n%s, error %v", diff, d.Err())
	}
	if err := testPolicy(true).Decode(&d, nlattr(1, []byte{11})); !errors.Is(err, syscall.ERANGE) {
		t.Errorf("Decode of an out-of-range u8: %v, want ERANGE", err)
	}
	if d.Next() {
		t.Error("after a failed Decode the decoder has an attribute")
	}
}

// TestPolicyDeep: a policy that nests itself stops at MaxNestingDepth.
func TestPolicyDeep(t *testing.T) {
	p := &Policy{}
	p.Attributes = []AttributePolicy{1: {Name: "N", Kind: KindNested, Nested: p}}
	b := nlattr(1, nil)
	for range MaxNestingDepth + 1 {
		b = nlattr(1, b)
	}
	err := p.Validate(b)
	var pe *PolicyError
	if !errors.As(err, &pe) || len(pe.Path) != MaxNestingDepth+1 || pe.Errno != syscall.EINVAL {
		t.Fatalf("Validate of %d nests: %v", MaxNestingDepth+2, err)
	}
	if err := p.Validate(b[AttributeHeaderLen:]); err != nil {
		t.Errorf("Validate of %d nests: %v", MaxNestingDepth+1, err)
	}
}

func TestPolicyStrings(t *testing.T) {
	tests := []struct {
		got, want string
	}{
		{KindNulString.String(), "nul-string"},
		{AttributeKind(200).String(), "kind(200)"},
		{AttributePolicy{Kind: KindU32, Unsigned: &UnsignedRange{1, 10}}.String(), "u32 in 1..10"},
		{AttributePolicy{Kind: KindS8, Signed: &SignedRange{-1, 1}}.String(), "s8 in -1..1"},
		{AttributePolicy{Kind: KindU16, Mask: 0xf0}.String(), "u16 with mask 0xf0"},
		{AttributePolicy{Kind: KindBinary, MinLen: 6, MaxLen: 6}.String(), "binary of 6 bytes"},
		{AttributePolicy{Kind: KindBinary, MinLen: 1, MaxLen: 6}.String(), "binary of 1 to 6 bytes"},
		{AttributePolicy{Kind: KindNulString, MaxLen: 15}.String(), "nul-string of at most 15 bytes"},
		{AttributePolicy{Kind: KindUnspec, MinLen: 1}.String(), "unspec of at least 1 byte"},
		{AttributePolicy{Kind: KindU16, NetByteOrder: true}.String(), "u16 big-endian"},
		{AttributePath{{Type: 1, Name: "A"}, {Type: 2, Name: "B"}}.String(), "A.B"},
		{AttributePath{{Type: 1, Name: "A"}, {Type: 2}}.String(), "attribute A.2"},
		{AttributePath{}.String(), ""},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("got %q, want %q", tt.got, tt.want)
		}
	}
}
