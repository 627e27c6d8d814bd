package nlctrl_test

import (
	"errors"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/nlgo/netlink"
	"github.com/nlgo/netlink/family"
	"github.com/nlgo/netlink/family/internal/nstest"
	"github.com/nlgo/netlink/family/nlctrl"
	"github.com/nlgo/netlink/genetlink"
)

// toFamily puts a decoded CTRL_CMD_NEWFAMILY into genetlink's shape.
func toFamily(a *nlctrl.CtrlAttrs) genetlink.Family {
	f := genetlink.Family{ID: a.FamilyId.Value, Name: a.FamilyName, Version: uint8(a.Version.Value),
		HeaderSize: a.Hdrsize.Value, MaxAttr: a.Maxattr.Value}
	for _, op := range a.Ops {
		f.Operations = append(f.Operations, genetlink.Operation{ID: op.Id.Value, Flags: genetlink.OperationFlags(op.Flags.Value)})
	}
	for _, mg := range a.McastGroups {
		f.Groups = append(f.Groups, genetlink.MulticastGroup{Name: mg.Name, ID: mg.Id.Value})
	}
	return f
}

// typedPolicy runs GetpolicyDump for one operation and puts the replies
// into genetlink's shape. The policy and op-policy attributes are
// nest-type-value, which the generated struct holds undecoded: the test
// walks their two levels of types and decodes the innermost nests with
// the generated PolicyAttrs and OpPolicyAttrs.
func typedPolicy(t *testing.T, c *nlctrl.Client, fam string, op uint32) (genetlink.Policy, error) {
	t.Helper()
	p := genetlink.Policy{Policies: map[uint32][]genetlink.AttributePolicy{}}
	var d netlink.AttributeDecoder
	for r, err := range c.GetpolicyDump(&nlctrl.CtrlAttrs{FamilyName: fam, Op: family.Some(op)}) {
		if err != nil {
			return genetlink.Policy{}, err
		}
		if len(r.OpPolicy) > 0 {
			d.Reset(r.OpPolicy)
			for d.Next() {
				cmd := uint32(d.Type())
				var o nlctrl.OpPolicyAttrs
				d.Nested(func(c *netlink.AttributeDecoder) error { return o.DecodeAttributes(c) })
				op := genetlink.OperationPolicy{Command: cmd, Do: genetlink.NoPolicy, Dump: genetlink.NoPolicy}
				if o.Do.Valid {
					op.Do = int64(o.Do.Value)
				}
				if o.Dump.Valid {
					op.Dump = int64(o.Dump.Value)
				}
				p.Operations = append(p.Operations, op)
			}
			if err := d.Err(); err != nil {
				t.Fatalf("%s op %d: op-policy: %v", fam, op, err)
			}
		}
		if len(r.Policy) > 0 {
			d.Reset(r.Policy)
			for d.Next() {
				idx := uint32(d.Type())
				d.Nested(func(ad *netlink.AttributeDecoder) error {
					for ad.Next() {
						a := genetlink.AttributePolicy{Type: ad.Type()}
						var pa nlctrl.PolicyAttrs
						ad.Nested(func(c *netlink.AttributeDecoder) error { return pa.DecodeAttributes(c) })
						a.Kind = genetlink.AttributeType(pa.Type.Value)
						if pa.MinValueS.Valid || pa.MaxValueS.Valid {
							a.MinSigned, a.MaxSigned, a.Has = pa.MinValueS.Value, pa.MaxValueS.Value, a.Has|genetlink.HasSignedRange
						}
						if pa.MinValueU.Valid || pa.MaxValueU.Valid {
							a.MinUnsigned, a.MaxUnsigned, a.Has = pa.MinValueU.Value, pa.MaxValueU.Value, a.Has|genetlink.HasUnsignedRange
						}
						if pa.MinLength.Valid {
							a.MinLength, a.Has = pa.MinLength.Value, a.Has|genetlink.HasMinLength
						}
						if pa.MaxLength.Valid {
							a.MaxLength, a.Has = pa.MaxLength.Value, a.Has|genetlink.HasMaxLength
						}
						if pa.PolicyIdx.Valid || pa.PolicyMaxtype.Valid {
							a.NestedPolicy, a.NestedMaxType, a.Has = pa.PolicyIdx.Value, pa.PolicyMaxtype.Value, a.Has|genetlink.HasNestedPolicy
						}
						if pa.Bitfield32Mask.Valid {
							a.Bitfield32Mask, a.Has = pa.Bitfield32Mask.Value, a.Has|genetlink.HasBitfield32Mask
						}
						if pa.Mask.Valid {
							a.Mask, a.Has = pa.Mask.Value, a.Has|genetlink.HasMask
						}
						p.Policies[idx] = append(p.Policies[idx], a)
					}
					return nil
				})
			}
			if err := d.Err(); err != nil {
				t.Fatalf("%s op %d: policy: %v", fam, op, err)
			}
		}
	}
	for idx := range p.Policies {
		slices.SortFunc(p.Policies[idx], func(a, b genetlink.AttributePolicy) int { return int(a.Type) - int(b.Type) })
	}
	// As genetlink's Policy does: the one operation asked about is op,
	// whatever command a kernel names a dump-only one by.
	if len(p.Operations) == 1 {
		p.Operations[0].Command = op
	}
	return p, nil
}

// TestIntegrationControllerEqualsGenetlink compares, on the host's
// kernel, everything the generated nlctrl client reads with what package
// genetlink reads: the family dump, GetFamily of every family by name,
// and the attribute policies of every operation of every family; in the
// host's namespace, which has every family, and in a new one, which has
// only the families that support namespaces. Nothing is changed.
func TestIntegrationControllerEqualsGenetlink(t *testing.T) {
	ns := nstest.New(t)
	for _, tt := range []struct {
		name string
		cfg  *netlink.Config
	}{{"host namespace", nil}, {"new namespace", ns.Config()}} {
		t.Run(tt.name, func(t *testing.T) { compareController(t, tt.cfg) })
	}
}

func compareController(t *testing.T, cfg *netlink.Config) {
	gc, err := genetlink.Dial(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer gc.Close()
	c, err := nlctrl.Dial(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()

	want, err := gc.ListFamilies()
	if err != nil {
		t.Fatal(err)
	}
	var got []genetlink.Family
	for a, err := range c.GetfamilyDump(nil) {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, toFamily(a))
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("family dump (-genetlink +nlctrl):\n%s", diff)
	}
	if len(got) < 5 {
		t.Errorf("%d families on the host, want at least nlctrl and a few", len(got))
	}

	policies, attrs := 0, 0
	for _, f := range want {
		t.Run(f.Name, func(t *testing.T) {
			g, err := gc.GetFamily(f.Name)
			if err != nil {
				t.Fatal(err)
			}
			a, err := c.Getfamily(&nlctrl.CtrlAttrs{FamilyName: f.Name})
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(g, toFamily(a)); diff != "" {
				t.Errorf("Getfamily (-genetlink +nlctrl):\n%s", diff)
			}
			for _, op := range f.Operations {
				wp, werr := gc.Policy(f.Name, op.ID)
				gp, gerr := typedPolicy(t, c, f.Name, op.ID)
				if werr != nil || gerr != nil {
					// An operation without a policy: ENODATA from both.
					if !errors.Is(werr, genetlink.ErrNoPolicy) || gerr == nil {
						t.Errorf("op %d: genetlink: %v; nlctrl: %v", op.ID, werr, gerr)
					}
					continue
				}
				if diff := cmp.Diff(wp, gp, cmpopts.EquateEmpty()); diff != "" {
					t.Errorf("op %d policy (-genetlink +nlctrl):\n%s", op.ID, diff)
				}
				policies++
				for _, as := range gp.Policies {
					attrs += len(as)
				}
			}
		})
	}
	t.Logf("%d families, %d operation policies (%d attribute policies) equal", len(want), policies, attrs)
}
