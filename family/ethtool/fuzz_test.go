package ethtool_test

import (
	"testing"

	"github.com/nlgo/netlink/family/ethtool"
)

func FuzzFeaturesDecode(f *testing.F) {
	b, err := features().AppendBinary(nil)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(b)
	f.Fuzz(func(t *testing.T, b []byte) {
		var v ethtool.Features
		if err := v.UnmarshalBinary(b); err != nil {
			return
		}
		out, err := v.AppendBinary(nil)
		if err != nil {
			return
		}
		var again ethtool.Features
		if err := again.UnmarshalBinary(out); err != nil {
			t.Fatalf("re-encoded features do not decode: %v", err)
		}
	})
}
