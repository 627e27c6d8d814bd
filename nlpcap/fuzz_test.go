package nlpcap

import (
	"bytes"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// FuzzReader reads bytes as a capture: no input may make it panic or
// allocate more than MaxRecordLen for a record, and every record it reads
// is written back and read again unchanged. The seed corpus in
// testdata/fuzz holds captures of a GETLINK dump, a failing NEWADDR and a
// GETFAMILY from a 6.18 kernel.
func FuzzReader(f *testing.F) {
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		recs, _ := ReadAll(bytes.NewReader(b))
		if len(recs) == 0 {
			return
		}
		var out bytes.Buffer
		w, err := NewWriter(&out, &WriterOptions{SnapLen: MaxRecordLen})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range recs {
			if err := w.WriteRecord(r); err != nil {
				t.Fatal(err)
			}
		}
		back, err := ReadAll(&out)
		if err != nil {
			t.Fatal(err)
		}
		for i := range recs {
			recs[i].Time = recs[i].Time.Round(0)
		}
		if diff := cmp.Diff(recs, back); diff != "" {
			t.Errorf("records after a round trip (-read +written):\n%s", diff)
		}
	})
}
