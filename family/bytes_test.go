package family_test

import (
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/nlgo/netlink/family"
)

func TestBytesJSON(t *testing.T) {
	type s struct {
		B family.Bytes        `json:"b,omitempty"`
		M family.HardwareAddr `json:"m,omitempty"`
	}
	tests := []struct {
		name string
		v    s
		json string
	}{
		{"empty", s{}, `{}`},
		{"binary", s{B: family.Bytes{0x0a, 0xff, 0}}, `{"b":"0aff00"}`},
		{"mac", s{M: family.HardwareAddr{2, 0, 0, 0, 0, 0x1f}}, `{"m":"02:00:00:00:00:1f"}`},
		{"short address", s{M: family.HardwareAddr{10, 0, 0, 1}}, `{"m":"0a:00:00:01"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := json.Marshal(tt.v)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.json, string(b)); diff != "" {
				t.Errorf("JSON (-want +got):\n%s", diff)
			}
			var back s
			if err := json.Unmarshal(b, &back); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.v, back); diff != "" {
				t.Errorf("round trip (-want +got):\n%s", diff)
			}
		})
	}
}

func TestBytesUnmarshalText(t *testing.T) {
	tests := []struct {
		text    string
		mac     bool
		want    []byte
		wantErr bool
	}{
		{text: "0x0aff", want: []byte{0x0a, 0xff}},
		{text: "0AFF", want: []byte{0x0a, 0xff}},
		{text: "0af", wantErr: true},
		{text: "zz", wantErr: true},
		{text: "2-0-0-0-0-1", mac: true, want: []byte{2, 0, 0, 0, 0, 1}},
		{text: "02:00::01", mac: true, want: []byte{2, 0, 1}},
		{text: "020:00", mac: true, wantErr: true},
		{text: "0g:00", mac: true, wantErr: true},
	}
	for _, tt := range tests {
		var got []byte
		var err error
		if tt.mac {
			var a family.HardwareAddr
			err = a.UnmarshalText([]byte(tt.text))
			got = a
		} else {
			var b family.Bytes
			err = b.UnmarshalText([]byte(tt.text))
			got = b
		}
		if (err != nil) != tt.wantErr {
			t.Errorf("%q: error %v, want error %v", tt.text, err, tt.wantErr)
			continue
		}
		if !tt.wantErr {
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("%q (-want +got):\n%s", tt.text, diff)
			}
		}
	}
}

// FuzzTextValues reads any text as a Bytes and as a HardwareAddr: no
// input panics, and what decodes prints back to text that decodes to the
// same bytes.
func FuzzTextValues(f *testing.F) {
	for _, s := range []string{"", "0aff00", "0x0A", "zz", "02:00:00:00:00:1f", "2-0-0-0-0-1", "02:00::01", "020:00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var b family.Bytes
		if b.UnmarshalText([]byte(s)) == nil {
			text, _ := b.MarshalText()
			var back family.Bytes
			if err := back.UnmarshalText(text); err != nil || string(back) != string(b) {
				t.Fatalf("Bytes %q: printed %q, read back %x, %v; want %x", s, text, back, err, b)
			}
		}
		var a family.HardwareAddr
		if a.UnmarshalText([]byte(s)) == nil {
			text, _ := a.MarshalText()
			var back family.HardwareAddr
			if err := back.UnmarshalText(text); err != nil || string(back) != string(a) {
				t.Fatalf("HardwareAddr %q: printed %q, read back %x, %v; want %x", s, text, back, err, a)
			}
		}
	})
}

// text records what UnmarshalText was given.
type text struct{ got string }

func (t *text) UnmarshalText(b []byte) error { t.got = string(b); return nil }

func TestUnmarshalJSONText(t *testing.T) {
	tests := []struct {
		in, want string
		wantErr  bool
	}{
		{in: `"up|running"`, want: "up|running"},
		{in: `7`, want: "7"},
		{in: `null`, want: "unchanged"},
		{in: `"unterminated`, want: "unchanged", wantErr: true},
	}
	for _, tt := range tests {
		u := &text{got: "unchanged"}
		err := family.UnmarshalJSONText([]byte(tt.in), u)
		if (err != nil) != tt.wantErr || u.got != tt.want {
			t.Errorf("UnmarshalJSONText(%s) gave %q, %v; want %q, error %v", tt.in, u.got, err, tt.want, tt.wantErr)
		}
	}
}
