package genetlink_test

import (
	"errors"
	"math"
	"syscall"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/nlgo/netlink"
	"github.com/nlgo/netlink/genetlink"
)

func TestNetlinkPolicy(t *testing.T) {
	policies := map[uint32][]genetlink.AttributePolicy{}
	for idx, attrs := range wantPolicies {
		policies[idx] = attrs
	}
	policies[0] = append(append([]genetlink.AttributePolicy(nil), policies[0]...),
		genetlink.AttributePolicy{Type: 10, Kind: genetlink.TypeBinary, Has: genetlink.HasMinLength | genetlink.HasMaxLength, MinLength: 6, MaxLength: 6},
		genetlink.AttributePolicy{Type: 11, Kind: genetlink.TypeBinary, Has: genetlink.HasMinLength | genetlink.HasMaxLength, MinLength: 2, MaxLength: 8},
		genetlink.AttributePolicy{Type: 12, Kind: genetlink.AttributeType(99)},
		genetlink.AttributePolicy{Type: 13, Kind: genetlink.TypeU16, Has: genetlink.HasUnsignedRange, MinUnsigned: 0, MaxUnsigned: math.MaxUint16},
		genetlink.AttributePolicy{Type: 14, Kind: genetlink.TypeS32, Has: genetlink.HasSignedRange, MinSigned: math.MinInt32, MaxSigned: 7},
		// A uint of the whole range may be an NLA_MSECS; one with a
		// range is an NLA_UINT.
		genetlink.AttributePolicy{Type: 15, Kind: genetlink.TypeUint, Has: genetlink.HasUnsignedRange, MinUnsigned: 0, MaxUnsigned: math.MaxUint64},
		genetlink.AttributePolicy{Type: 16, Kind: genetlink.TypeUint, Has: genetlink.HasUnsignedRange, MinUnsigned: 5, MaxUnsigned: 1 << 33},
	)
	p := genetlink.Policy{Operations: []genetlink.OperationPolicy{{Command: 1, Do: 0, Dump: 3}}, Policies: policies}

	inner := &netlink.Policy{Attributes: []netlink.AttributePolicy{
		1: {Kind: netlink.KindSint},
		2: {Kind: netlink.KindUint, Mask: 0xf0},
	}}
	entry := &netlink.Policy{Attributes: []netlink.AttributePolicy{
		1: {Kind: netlink.KindString, MaxLen: 8},
		3: {Kind: netlink.KindNested, Nested: inner},
	}}
	want := &netlink.Policy{Attributes: []netlink.AttributePolicy{
		1:  {Kind: netlink.KindU8, Unsigned: &netlink.UnsignedRange{Min: 1, Max: 10}},
		2:  {Kind: netlink.KindS16, Signed: &netlink.SignedRange{Min: -5, Max: 5}},
		3:  {Kind: netlink.KindU32},
		4:  {Kind: netlink.KindNulString, MaxLen: 63},
		5:  {Kind: netlink.KindBinary, MaxLen: 1024},
		6:  {Kind: netlink.KindFlag},
		7:  {Kind: netlink.KindBitfield32, Mask: 0x7},
		8:  {Kind: netlink.KindNestedArray, Nested: entry},
		9:  {Kind: netlink.KindU64, Mask: 0x300},
		10: {Kind: netlink.KindBinary, MinLen: 6},
		11: {Kind: netlink.KindBinary, MinLen: 2, MaxLen: 8},
		12: {},
		13: {Kind: netlink.KindU16},
		14: {Kind: netlink.KindS32, Signed: &netlink.SignedRange{Min: math.MinInt32, Max: 7}},
		15: {MinLen: 4},
		16: {Kind: netlink.KindUint, Unsigned: &netlink.UnsignedRange{Min: 5, Max: 1 << 33}},
	}}
	if diff := cmp.Diff(want, p.NetlinkPolicy(0), cmpopts.IgnoreUnexported(netlink.Policy{})); diff != "" {
		t.Errorf("do policy (-want +got)\n%s", diff)
	}
	wantDump := &netlink.Policy{Attributes: []netlink.AttributePolicy{
		1: {Kind: netlink.KindU32, Unsigned: &netlink.UnsignedRange{Min: 0, Max: 100}},
	}}
	if diff := cmp.Diff(wantDump, p.NetlinkPolicy(p.Operations[0].Dump), cmpopts.IgnoreUnexported(netlink.Policy{})); diff != "" {
		t.Errorf("dump policy (-want +got)\n%s", diff)
	}
	for _, idx := range []int64{genetlink.NoPolicy, 4, 1 << 40} {
		if got := p.NetlinkPolicy(idx); got != nil {
			t.Errorf("NetlinkPolicy(%d) = %v, want nil", idx, got)
		}
	}

	// A policy whose nest holds itself converts into a cycle.
	self := genetlink.Policy{Policies: map[uint32][]genetlink.AttributePolicy{
		7: {{Type: 1, Kind: genetlink.TypeNested, Has: genetlink.HasNestedPolicy, NestedPolicy: 7, NestedMaxType: 2}},
	}}
	np := self.NetlinkPolicy(7)
	if len(np.Attributes) != 2 || np.Attributes[1].Nested != np {
		t.Errorf("self-nesting policy converted to %+v", np)
	}

	// What the conversion checks: a definite violation fails, with the
	// kernel's errno; what it cannot know passes.
	do := p.NetlinkPolicy(0)
	u8 := func(typ uint16, v byte) []byte { return attr(typ, []byte{v}) }
	tests := []struct {
		name string
		b    []byte
		want error // nil, syscall.ERANGE or syscall.EINVAL
	}{
		{"in range", u8(1, 10), nil},
		{"above range", u8(1, 11), syscall.ERANGE},
		{"exact binary longer", attr(10, make([]byte, 7)), nil},
		{"exact binary shorter", attr(10, make([]byte, 5)), syscall.ERANGE},
		{"unlisted type", u8(20, 1), nil},
		{"repeated", append(u8(1, 1), u8(1, 2)...), nil},
		{"mask", attr(9, make([]byte, 8)), nil},
		{"nested array entry", attr(8, attr(1, attr(1, []byte("toolongstring\x00")))), syscall.ERANGE},
	}
	for _, tt := range tests {
		err := do.Validate(tt.b)
		if (tt.want == nil) != (err == nil) || tt.want != nil && !errors.Is(err, tt.want) {
			t.Errorf("%s: Validate = %v, want %v", tt.name, err, tt.want)
		}
	}
}

// attr encodes one attribute, padded.
func attr(typ uint16, payload []byte) []byte {
	e := netlink.NewAttributeEncoder()
	e.Bytes(typ, payload)
	b, err := e.Encode()
	if err != nil {
		panic(err)
	}
	return b
}
