package netlink

import (
	"errors"
	"math"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseKernelPolicy(t *testing.T) {
	tests := []struct {
		name string
		b    []byte
		want KernelPolicy
	}{
		{name: "nul-string", b: cat(rawAttr(policyAttrMaxLength, ne32(15)), rawAttr(policyAttrType, ne32(12))),
			want: KernelPolicy{Kind: 12, Has: HasMaxLength, MaxLength: 15}},
		{name: "every limit",
			b: cat(rawAttr(policyAttrMinValueS, ne64(uint64(1<<64-3))), rawAttr(policyAttrMaxValueS, ne64(3)),
				rawAttr(policyAttrMinValueU, ne64(1)), rawAttr(policyAttrMaxValueU, ne64(9)),
				rawAttr(policyAttrMinLength, ne32(2)), rawAttr(policyAttrMaxLength, ne32(8)),
				rawAttr(policyAttrPolicyIdx, ne32(4)), rawAttr(policyAttrPolicyMaxType, ne32(6)),
				rawAttr(policyAttrBitfield32Mask, ne32(0xf)), rawAttr(policyAttrMask, ne64(0x30)),
				rawAttr(policyAttrPad, nil), rawAttr(policyAttrType, ne32(4))),
			want: KernelPolicy{Kind: 4, Has: HasSignedRange | HasUnsignedRange | HasMinLength | HasMaxLength |
				HasNestedPolicy | HasBitfield32Mask | HasMask,
				MinSigned: -3, MaxSigned: 3, MinUnsigned: 1, MaxUnsigned: 9, MinLength: 2, MaxLength: 8,
				NestedPolicy: 4, NestedMaxType: 6, Bitfield32Mask: 0xf, Mask: 0x30}},
		{name: "unknown attributes kept with their flags", b: cat(rawAttr(99|AttributeNested, []byte{1, 2}), rawAttr(policyAttrType, ne32(1))),
			want: KernelPolicy{Kind: 1, Unknown: []Attribute{{Type: 99 | AttributeNested, Data: []byte{1, 2}}}}},
		{name: "no type", b: rawAttr(policyAttrMaxLength, ne32(3)), want: KernelPolicy{Has: HasMaxLength, MaxLength: 3}},
		{name: "empty", b: nil, want: KernelPolicy{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseKernelPolicy(tt.b)
			if err != nil {
				t.Fatalf("ParseKernelPolicy: %v", err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
	t.Run("unknown data is a copy", func(t *testing.T) {
		b := cat(rawAttr(99, []byte{1, 2}), rawAttr(policyAttrType, ne32(1)))
		got, err := ParseKernelPolicy(b)
		if err != nil {
			t.Fatal(err)
		}
		b[4] = 7
		if got.Unknown[0].Data[0] != 1 {
			t.Errorf("Unknown aliases the input")
		}
	})
}

func TestParseKernelPolicyMalformed(t *testing.T) {
	tests := []struct {
		name   string
		b      []byte
		offset int
		typ    int
	}{
		{name: "type of 2 bytes", b: rawAttr(policyAttrType, ne16(1)), offset: 0, typ: policyAttrType},
		{name: "range of 4 bytes after a type", b: cat(rawAttr(policyAttrType, ne32(4)), rawAttr(policyAttrMinValueU, ne32(1))),
			offset: 8, typ: policyAttrMinValueU},
		{name: "length past the end", b: cat(ne16(12), ne16(policyAttrType), ne32(4)), offset: 0, typ: policyAttrType},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseKernelPolicy(tt.b)
			checkParseError(t, err, ErrBadLength, tt.offset, tt.typ)
		})
	}
}

func TestKernelPolicyAttributePolicy(t *testing.T) {
	tests := []struct {
		name string
		p    KernelPolicy
		want AttributePolicy
	}{
		{name: "u32 in a range", p: KernelPolicy{Kind: 4, Has: HasUnsignedRange, MinUnsigned: 1, MaxUnsigned: 100},
			want: AttributePolicy{Kind: KindU32, Unsigned: &UnsignedRange{Min: 1, Max: 100}}},
		{name: "u16 of its full range", p: KernelPolicy{Kind: 3, Has: HasUnsignedRange, MaxUnsigned: math.MaxUint16},
			want: AttributePolicy{Kind: KindU16}},
		{name: "s8 of its full range", p: KernelPolicy{Kind: 6, Has: HasSignedRange, MinSigned: math.MinInt8, MaxSigned: math.MaxInt8},
			want: AttributePolicy{Kind: KindS8}},
		{name: "s64 above 0", p: KernelPolicy{Kind: 9, Has: HasSignedRange, MinSigned: 1, MaxSigned: math.MaxInt64},
			want: AttributePolicy{Kind: KindS64, Signed: &SignedRange{Min: 1, Max: math.MaxInt64}}},
		{name: "u64 with a mask", p: KernelPolicy{Kind: 5, Has: HasMask, Mask: 0x3},
			want: AttributePolicy{Kind: KindU64, Mask: 0x3}},
		{name: "mask of every bit", p: KernelPolicy{Kind: 5, Has: HasMask, Mask: math.MaxUint64},
			want: AttributePolicy{Kind: KindU64}},
		{name: "binary of an exact length", p: KernelPolicy{Kind: 10, Has: HasMinLength | HasMaxLength, MinLength: 6, MaxLength: 6},
			want: AttributePolicy{Kind: KindBinary, MinLen: 6, MaxLen: 6}},
		{name: "string: the maximum only", p: KernelPolicy{Kind: 11, Has: HasMinLength | HasMaxLength, MinLength: 2, MaxLength: 9},
			want: AttributePolicy{Kind: KindString, MaxLen: 9}},
		{name: "bitfield32", p: KernelPolicy{Kind: 15, Has: HasBitfield32Mask, Bitfield32Mask: 0x7},
			want: AttributePolicy{Kind: KindBitfield32, Mask: 0x7}},
		{name: "nested: no policy", p: KernelPolicy{Kind: 13, Has: HasNestedPolicy, NestedPolicy: 3, NestedMaxType: 4},
			want: AttributePolicy{Kind: KindNested}},
		{name: "uint", p: KernelPolicy{Kind: 17}, want: AttributePolicy{Kind: KindUint}},
		{name: "a type of a newer kernel", p: KernelPolicy{Kind: 99, Has: HasMaxLength, MaxLength: 3}, want: AttributePolicy{}},
		{name: "no type", p: KernelPolicy{}, want: AttributePolicy{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, tt.p.AttributePolicy()); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestKernelPolicyStrings(t *testing.T) {
	tests := []struct {
		got, want string
	}{
		{KernelAttributeType(12).String(), "nul-string"},
		{KernelAttributeType(17).String(), "uint"},
		{KernelAttributeType(40).String(), "type(40)"},
		{(HasUnsignedRange | HasMask).String(), "unsigned-range|mask"},
		{KernelPolicyFields(0).String(), "0"},
		{(HasNestedPolicy | 0x100).String(), "nested-policy|0x100"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			if tt.got != tt.want {
				t.Errorf("got %q, want %q", tt.got, tt.want)
			}
		})
	}
}

// ParseAck decodes NLMSGERR_ATTR_POLICY into Expected, and leaves it nil,
// without an error, where the policy does not decode or its kind is new.
func TestParseAckExpected(t *testing.T) {
	capped := rawHeader(24, 20, Request, 42, 0)
	tests := []struct {
		name   string
		policy []byte
		want   *AttributePolicy
	}{
		{name: "u8 in a range", policy: cat(rawAttr(policyAttrMinValueU, ne64(2)), rawAttr(policyAttrMaxValueU, ne64(3)), rawAttr(policyAttrType, ne32(2))),
			want: &AttributePolicy{Kind: KindU8, Unsigned: &UnsignedRange{Min: 2, Max: 3}}},
		{name: "a kind of a newer kernel", policy: rawAttr(policyAttrType, ne32(77))},
		{name: "malformed", policy: rawAttr(policyAttrType, []byte{1})},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := errMsg(Capped|AcknowledgeTLVs, errPayload(-22, capped, rawAttr(extAckPolicy|AttributeNested, tt.policy)))
			a, err := ParseAck(m)
			if err != nil {
				t.Fatalf("ParseAck: %v", err)
			}
			if diff := cmp.Diff(tt.want, a.ExtAck.Expected); diff != "" {
				t.Errorf("Expected (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.policy, a.ExtAck.Policy); diff != "" {
				t.Errorf("Policy (-want +got):\n%s", diff)
			}
		})
	}
}

// CheckMessage keeps the echoed request, when it is whole, for Locate.
func TestCheckMessageKeepsEcho(t *testing.T) {
	req := cat(rawHeader(28, 20, Request, 42, 7), ne32(0), rawAttr(1, ne32(9)))
	tests := []struct {
		name  string
		flags HeaderFlags
		echo  []byte
		off   uint32
		sent  []byte
	}{
		{name: "whole echo", flags: AcknowledgeTLVs, echo: req, off: 20, sent: req},
		{name: "capped echo", flags: Capped | AcknowledgeTLVs, echo: req[:HeaderLen], off: 20},
		{name: "no offset", flags: AcknowledgeTLVs, echo: req},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var tlvs [][]byte
			if tt.off != 0 {
				tlvs = append(tlvs, rawAttr(extAckOffset, ne32(tt.off)))
			}
			err := CheckMessage(errMsg(tt.flags, errPayload(-22, tt.echo, tlvs...)))
			var oe *OpError
			if !errors.As(err, &oe) {
				t.Fatalf("CheckMessage: %v, want an *OpError", err)
			}
			if diff := cmp.Diff(tt.sent, oe.Sent); diff != "" {
				t.Errorf("Sent (-want +got):\n%s", diff)
			}
			if tt.sent == nil {
				return
			}
			if err := oe.Locate(4, nil); err != nil {
				t.Fatalf("Locate: %v", err)
			}
			if diff := cmp.Diff(AttributePath{{Type: 1}}, oe.Path); diff != "" {
				t.Errorf("Path (-want +got):\n%s", diff)
			}
		})
	}
}
