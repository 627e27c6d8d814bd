package gen_test

import (
	"testing"

	"github.com/nlgo/netlink/cmd/ynlgen/internal/gentest/gen"
)

// FuzzMainDecode decodes anything into a reused value and a new one: the
// two must agree, and what decodes must re-encode and decode again.
func FuzzMainDecode(f *testing.F) {
	v := full()
	b, err := v.AppendBinary(nil)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(b)
	f.Add(b[:len(b)/2])
	var reused gen.Main
	f.Fuzz(func(t *testing.T, b []byte) {
		var fresh gen.Main
		errFresh := fresh.UnmarshalBinary(b)
		errReused := reused.UnmarshalBinary(b)
		if (errFresh == nil) != (errReused == nil) {
			t.Fatalf("fresh: %v, reused: %v", errFresh, errReused)
		}
		if errFresh != nil {
			return
		}
		x, err1 := fresh.AppendBinary(nil)
		y, err2 := reused.AppendBinary(nil)
		if (err1 == nil) != (err2 == nil) || string(x) != string(y) {
			t.Fatalf("a reused value decodes differently from a new one")
		}
		if err1 != nil {
			return
		}
		var again gen.Main
		if err := again.UnmarshalBinary(x); err != nil {
			t.Fatalf("re-encoded value does not decode: %v", err)
		}
	})
}
