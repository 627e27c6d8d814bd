package nlctrl_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/nlgo/netlink/family/nlctrl"
	"github.com/nlgo/netlink/genetlink"
	"github.com/nlgo/netlink/nltest"
)

// TestGetfamilyDumpMatchesGenetlink: the generated client reads the
// controller as package genetlink does.
func TestGetfamilyDumpMatchesGenetlink(t *testing.T) {
	g := nltest.NewGeneric(nltest.NewKernel())
	if _, err := g.Register(nltest.GenericFamily{Name: "test-fam", Version: 3, MaxAttr: 9, Groups: []string{"a", "b"},
		Operations: []nltest.GenericOperation{{Command: 1, Flags: genetlink.Do}, {Command: 2, Flags: genetlink.Dump | genetlink.AdminPerm}}}); err != nil {
		t.Fatal(err)
	}
	gc, err := g.Dial(nil)
	if err != nil {
		t.Fatal(err)
	}
	c, err := nlctrl.NewClient(gc)
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
		f := genetlink.Family{ID: a.FamilyId.Value, Name: a.FamilyName, Version: uint8(a.Version.Value),
			HeaderSize: a.Hdrsize.Value, MaxAttr: a.Maxattr.Value}
		for _, op := range a.Ops {
			f.Operations = append(f.Operations, genetlink.Operation{ID: op.Id.Value, Flags: genetlink.OperationFlags(op.Flags.Value)})
		}
		for _, mg := range a.McastGroups {
			f.Groups = append(f.Groups, genetlink.MulticastGroup{Name: mg.Name, ID: mg.Id.Value})
		}
		got = append(got, f)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("families (-genetlink +nlctrl):\n%s", diff)
	}
	one, err := c.Getfamily(&nlctrl.CtrlAttrs{FamilyName: "test-fam"})
	if err != nil {
		t.Fatal(err)
	}
	if one.FamilyName != "test-fam" || one.Version.Value != 3 || len(one.McastGroups) != 2 {
		t.Errorf("Getfamily: %+v", one)
	}
}
