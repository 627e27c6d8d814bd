package genetlink_test

import (
	"encoding/binary"
	"errors"
	"math"
	"os"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/nlgo/netlink"
	"github.com/nlgo/netlink/genetlink"
	"github.com/nlgo/netlink/nltest"
)

// The policies of a family with every kind of limit: ranges, masks,
// lengths, a bitfield, nests two deep, and a policy shared by two
// operations.
var (
	innerPolicy = &nltest.GenericPolicy{MaxType: 2, Attributes: []genetlink.AttributePolicy{
		{Type: 1, Kind: genetlink.TypeSint},
		{Type: 2, Kind: genetlink.TypeUint, Has: genetlink.HasMask, Mask: 0xf0},
	}}
	entryPolicy = &nltest.GenericPolicy{MaxType: 3, Attributes: []genetlink.AttributePolicy{
		{Type: 1, Kind: genetlink.TypeString, Has: genetlink.HasMinLength | genetlink.HasMaxLength, MinLength: 2, MaxLength: 8},
		{Type: 3, Kind: genetlink.TypeNested},
	}, Nested: map[uint16]*nltest.GenericPolicy{3: innerPolicy}}
	topPolicy = &nltest.GenericPolicy{MaxType: 9, Attributes: []genetlink.AttributePolicy{
		{Type: 1, Kind: genetlink.TypeU8, Has: genetlink.HasUnsignedRange, MinUnsigned: 1, MaxUnsigned: 10},
		{Type: 2, Kind: genetlink.TypeS16, Has: genetlink.HasSignedRange, MinSigned: -5, MaxSigned: 5},
		{Type: 3, Kind: genetlink.TypeU32},
		{Type: 4, Kind: genetlink.TypeNulString, Has: genetlink.HasMaxLength, MaxLength: 63},
		{Type: 5, Kind: genetlink.TypeBinary, Has: genetlink.HasMaxLength, MaxLength: 1024},
		{Type: 6, Kind: genetlink.TypeFlag},
		{Type: 7, Kind: genetlink.TypeBitfield32, Has: genetlink.HasBitfield32Mask, Bitfield32Mask: 0x7},
		{Type: 8, Kind: genetlink.TypeNestedArray},
		{Type: 9, Kind: genetlink.TypeU64, Has: genetlink.HasMask, Mask: 0x300},
	}, Nested: map[uint16]*nltest.GenericPolicy{8: entryPolicy}}
	dumpPolicy = &nltest.GenericPolicy{MaxType: 1, Attributes: []genetlink.AttributePolicy{
		{Type: 1, Kind: genetlink.TypeU32, Has: genetlink.HasUnsignedRange, MinUnsigned: 0, MaxUnsigned: 100},
	}}
)

// The same, as the controller reports them for operation 1: numbered
// breadth first from the do policy, then the dump policy.
var wantPolicies = map[uint32][]genetlink.AttributePolicy{
	0: {
		{Type: 1, Kind: genetlink.TypeU8, Has: genetlink.HasUnsignedRange, MinUnsigned: 1, MaxUnsigned: 10},
		{Type: 2, Kind: genetlink.TypeS16, Has: genetlink.HasSignedRange, MinSigned: -5, MaxSigned: 5},
		{Type: 3, Kind: genetlink.TypeU32, Has: genetlink.HasUnsignedRange, MaxUnsigned: math.MaxUint32},
		{Type: 4, Kind: genetlink.TypeNulString, Has: genetlink.HasMaxLength, MaxLength: 63},
		{Type: 5, Kind: genetlink.TypeBinary, Has: genetlink.HasMaxLength, MaxLength: 1024},
		{Type: 6, Kind: genetlink.TypeFlag},
		{Type: 7, Kind: genetlink.TypeBitfield32, Has: genetlink.HasBitfield32Mask, Bitfield32Mask: 0x7},
		{Type: 8, Kind: genetlink.TypeNestedArray, Has: genetlink.HasNestedPolicy, NestedPolicy: 1, NestedMaxType: 3},
		{Type: 9, Kind: genetlink.TypeU64, Has: genetlink.HasMask, Mask: 0x300},
	},
	1: {
		{Type: 1, Kind: genetlink.TypeString, Has: genetlink.HasMinLength | genetlink.HasMaxLength, MinLength: 2, MaxLength: 8},
		{Type: 3, Kind: genetlink.TypeNested, Has: genetlink.HasNestedPolicy, NestedPolicy: 2, NestedMaxType: 2},
	},
	2: {
		{Type: 1, Kind: genetlink.TypeSint, Has: genetlink.HasSignedRange, MinSigned: math.MinInt64, MaxSigned: math.MaxInt64},
		{Type: 2, Kind: genetlink.TypeUint, Has: genetlink.HasMask, Mask: 0xf0},
	},
	3: {
		{Type: 1, Kind: genetlink.TypeU32, Has: genetlink.HasUnsignedRange, MaxUnsigned: 100},
	},
}

func TestPolicy(t *testing.T) {
	g := nltest.NewGeneric(nltest.NewKernel())
	_, err := g.Register(nltest.GenericFamily{Name: "policed", Version: 1, Operations: []nltest.GenericOperation{
		{Command: 1, Flags: genetlink.Do | genetlink.Dump, DoPolicy: topPolicy, DumpPolicy: dumpPolicy},
		{Command: 2, Flags: genetlink.Dump, DumpPolicy: dumpPolicy},
		{Command: 3, Flags: genetlink.Do},
	}})
	if err != nil {
		t.Fatal(err)
	}
	c, err := g.Dial(nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()

	tests := []struct {
		name   string
		family string
		op     uint32
		want   genetlink.Policy
		err    error
	}{
		{"do and dump", "policed", 1, genetlink.Policy{
			Operations: []genetlink.OperationPolicy{{Command: 1, Do: 0, Dump: 3}},
			Policies:   wantPolicies,
		}, nil},
		{"dump only", "policed", 2, genetlink.Policy{
			Operations: []genetlink.OperationPolicy{{Command: 2, Do: genetlink.NoPolicy, Dump: 0}},
			Policies:   map[uint32][]genetlink.AttributePolicy{0: wantPolicies[3]},
		}, nil},
		{"no policy", "policed", 3, genetlink.Policy{}, genetlink.ErrNoPolicy},
		{"unknown operation", "policed", 9, genetlink.Policy{}, os.ErrNotExist},
		{"unknown family", "nope", 1, genetlink.Policy{}, os.ErrNotExist},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := c.Policy(tt.family, tt.op)
			if !errors.Is(err, tt.err) || (err == nil) != (tt.err == nil) {
				t.Fatalf("error %v, want %v", err, tt.err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("policy (-want +got):\n%s", diff)
			}
		})
	}
	t.Run("lookups", func(t *testing.T) {
		p, err := c.Policy("policed", 1)
		if err != nil {
			t.Fatal(err)
		}
		a, ok := p.Attribute(p.Operations[0].Do, 8)
		if !ok || a.NestedPolicy != 1 {
			t.Errorf("Attribute(do, 8) = %+v, %v; want the nested array of policy 1", a, ok)
		}
		if _, ok := p.Attribute(genetlink.NoPolicy, 1); ok {
			t.Error("Attribute(NoPolicy, 1) found something")
		}
		if _, ok := p.Attribute(1, 2); ok {
			t.Error("Attribute(1, 2) found an attribute the policy does not have")
		}
	})
}

// A dump-only operation is reported as command 0 by the kernel, in the
// fake too; Policy puts back the command asked about.
func TestPolicyDumpOnlyCommandZero(t *testing.T) {
	g := nltest.NewGeneric(nltest.NewKernel())
	nc, err := g.Kernel().Dial(genetlink.Protocol, nil)
	if err != nil {
		t.Fatal(err)
	}
	c := genetlink.NewConn(nc)
	defer c.Close()
	e := netlink.NewAttributeEncoder()
	e.String(genetlink.AttrFamilyName, "nlctrl")
	e.Uint32(genetlink.AttrOp, uint32(genetlink.CmdGetPolicy))
	b, _ := e.Encode()
	msgs, err := c.Execute(genetlink.Message{Header: genetlink.Header{Command: genetlink.CmdGetPolicy, Version: 2}, Data: b}, genetlink.ControllerID, netlink.Dump)
	if err != nil {
		t.Fatal(err)
	}
	// FAMILY_ID (8 bytes), then the OP_POLICY header (4), then the header
	// of the nest named for the command, its type at bytes 14 and 15.
	if len(msgs) == 0 || len(msgs[0].Data) < 16 || binary.NativeEndian.Uint16(msgs[0].Data[14:16])&netlink.AttributeTypeMask != 0 {
		t.Fatalf("the operation's nest is not numbered 0: %v", msgs)
	}
	p, err := c.Policy("nlctrl", uint32(genetlink.CmdGetPolicy))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]genetlink.OperationPolicy{{Command: 10, Do: genetlink.NoPolicy, Dump: 0}}, p.Operations); diff != "" {
		t.Errorf("operations (-want +got):\n%s", diff)
	}
}
