package genetlink

import (
	"bytes"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// Hostile input: no bytes may make a parser panic, and what parses must be
// consistent. The seed corpora under testdata/fuzz hold what the 6.18
// kernel sent: nlctrl's and ethtool's families, policy replies, and
// announcements.

// FuzzParseFamily decodes bytes as a CTRL_CMD_NEWFAMILY's attributes.
// Knowing the name in advance, which saves GetFamily an allocation, must
// not change the result.
func FuzzParseFamily(f *testing.F) {
	f.Add([]byte{})
	f.Add([]byte{6, 0, 1, 0, 0x10, 0, 0, 0, 11, 0, 2, 0, 'n', 'l', 'c', 't', 'r', 'l', 0, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		fam, err := parseFamily(b, "")
		if err != nil {
			return
		}
		if fam.Name == "" {
			t.Fatalf("family %+v parsed without a name from %x", fam, b)
		}
		again, err := parseFamily(b, fam.Name)
		if err != nil {
			t.Fatalf("parsing %x again with the name known: %v", b, err)
		}
		if diff := cmp.Diff(fam, again); diff != "" {
			t.Fatalf("the known name changed the result (-unknown +known):\n%s", diff)
		}
	})
}

// FuzzDecodePolicy decodes bytes as a CTRL_CMD_GETPOLICY reply's
// attributes, twice into one Policy as a dump does.
func FuzzDecodePolicy(f *testing.F) {
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		var p Policy
		var id uint16
		if err := decodePolicy(&p, b, &id); err != nil {
			return
		}
		_ = decodePolicy(&p, b, &id) // a duplicate: an error, never a panic
		for idx, attrs := range p.Policies {
			if !slices.IsSortedFunc(attrs, func(a, b AttributePolicy) int { return int(a.Type) - int(b.Type) }) {
				t.Fatalf("policy %d is not sorted by type: %+v", idx, attrs)
			}
			for _, a := range attrs {
				_ = a.Kind.String() + a.Has.String()
			}
		}
	})
}

// FuzzUnmarshalMessage decodes bytes as a generic netlink message, which
// must encode back to the same bytes.
func FuzzUnmarshalMessage(f *testing.F) {
	f.Add([]byte{})
	f.Add([]byte{3, 2, 0, 0})
	f.Add([]byte{3, 2, 1, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		var m Message
		if err := m.UnmarshalBinary(b); err != nil {
			return
		}
		out, err := m.MarshalBinary()
		if err != nil || !bytes.Equal(out, b) {
			t.Fatalf("%x decodes to %+v, which encodes to %x, %v", b, m, out, err)
		}
	})
}

// FuzzAnnouncedFamily decodes bytes as an announcement on nlctrl's
// "notify" group; a family it names must be the one parseFamily finds.
func FuzzAnnouncedFamily(f *testing.F) {
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		name, id, ok := announcedFamily(b)
		if !ok {
			return
		}
		if fam, err := parseFamily(b[HeaderLen:], ""); err == nil && (fam.Name != name || fam.ID != id) {
			t.Fatalf("the announcement names %q (%d), parseFamily %q (%d)", name, id, fam.Name, fam.ID)
		}
	})
}
