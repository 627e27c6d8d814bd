package genetlink

import (
	"os"

	"github.com/nlgo/netlink"
	"testing"
)

// BenchmarkParseFamily decodes nlctrl's own CTRL_CMD_NEWFAMILY attributes,
// as a 6.18 kernel sent them (testdata/nlctrl-family.bin: its id, name,
// version, header size, max attribute, two operations and one group).
func BenchmarkParseFamily(b *testing.B) {
	data, err := os.ReadFile("testdata/nlctrl-family.bin")
	if err != nil {
		b.Fatal(err)
	}
	f, err := parseFamily(data, "nlctrl")
	if err != nil || f.Name != "nlctrl" || len(f.Operations) == 0 || len(f.Groups) != 1 {
		b.Fatalf("parsed %+v: %v", f, err)
	}
	var d netlink.AttributeDecoder
	b.ReportAllocs()
	for b.Loop() {
		if _, err := parseFamilyWith(&d, data, "nlctrl"); err != nil {
			b.Fatal(err)
		}
	}
}
