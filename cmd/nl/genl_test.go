package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/nlgo/netlink/genetlink"
	"github.com/nlgo/netlink/nltest"
)

// nl genl against the fake controller: the family, its operations with
// their flags, and each operation's policy as a table.
func TestGenlReport(t *testing.T) {
	g := nltest.NewGeneric(nltest.NewKernel())
	inner := &nltest.GenericPolicy{MaxType: 1, Attributes: []genetlink.AttributePolicy{{Type: 1, Kind: genetlink.TypeS8}}}
	_, err := g.Register(nltest.GenericFamily{Name: "demo", Version: 2, MaxAttr: 3, Groups: []string{"events"},
		Operations: []nltest.GenericOperation{
			{Command: 1, Flags: genetlink.Do | genetlink.Dump, DoPolicy: &nltest.GenericPolicy{MaxType: 3,
				Attributes: []genetlink.AttributePolicy{
					{Type: 1, Kind: genetlink.TypeU16},
					{Type: 2, Kind: genetlink.TypeString, Has: genetlink.HasMinLength | genetlink.HasMaxLength, MinLength: 2, MaxLength: 8},
					{Type: 3, Kind: genetlink.TypeNested},
				}, Nested: map[uint16]*nltest.GenericPolicy{3: inner}}},
			{Command: 2, Flags: genetlink.Do | genetlink.AdminPerm},
		}})
	if err != nil {
		t.Fatal(err)
	}
	nc, err := g.Kernel().Dial(genetlink.Protocol, nil)
	if err != nil {
		t.Fatal(err)
	}
	c := genetlink.NewConn(nc)
	defer c.Close()
	r, err := collectGenl(c, "demo")
	if err != nil {
		t.Fatal(err)
	}
	var text strings.Builder
	if err := writeGenl(&text, r, false); err != nil {
		t.Fatal(err)
	}
	want := `family demo: id 19, version 2, header 0 bytes, max attribute 3
multicast groups: events=2

OPERATION  FLAGS               DO POLICY  DUMP POLICY
1          do|dump|has-policy  0          -
2          admin-perm|do       -          -

operation 1:
  policy 0:
    ATTRIBUTE  TYPE    LIMITS
    1          u16     range [0, 65535]
    2          string  length [2, 8]
    3          nested  policy 1, max type 1
  policy 1:
    ATTRIBUTE  TYPE  LIMITS
    1          s8    range [-128, 127]
`
	if diff := cmp.Diff(want, text.String()); diff != "" {
		t.Errorf("nl genl demo (-want +got):\n%s", diff)
	}
	var js strings.Builder
	if err := writeGenl(&js, r, true); err != nil {
		t.Fatal(err)
	}
	var back genlReport
	if err := json.Unmarshal([]byte(js.String()), &back); err != nil {
		t.Fatalf("the JSON does not decode: %v\n%s", err, &js)
	}
	if diff := cmp.Diff(r.Policies, back.Policies); diff != "" {
		t.Errorf("policies after a JSON round trip (-want +got):\n%s", diff)
	}

	if _, err := collectGenl(c, "nope"); err == nil || !strings.Contains(err.Error(), "genl ctrl list") {
		t.Errorf("an unknown family: %v, want a hint", err)
	}
}
