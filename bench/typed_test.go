package bench

import (
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/jsimonetti/rtnetlink/v2"
	mdnetlink "github.com/mdlayher/netlink"
	vnetlink "github.com/vishvananda/netlink"
	"github.com/vishvananda/netns"
)

// W2 typed: the dump of the namespace's 1,001 links decoded into each
// library's own link values, the form a program uses: the generated
// family/rtlink client of this module (typedImpls in typed_nlgo_test.go),
// vishvananda/netlink's Handle.LinkList and jsimonetti/rtnetlink's
// Link.List. The floor is the blocking floor's W2, which reads the dump
// without decoding it.

// typedLink is what every implementation must agree on for each link.
type typedLink struct {
	Index int
	Name  string
	MTU   int
	Kind  string
}

// typedImpl is one typed link dump. list returns the links when want is
// set (for the test); the benchmarks call list(false), which only walks
// the values the library returned.
type typedImpl struct {
	name string
	dial func(ns int) (list func(want bool) ([]typedLink, error), closer func() error, err error)
}

func foreignTypedImpls() []typedImpl {
	return []typedImpl{
		{"vishvananda", func(ns int) (func(bool) ([]typedLink, error), func() error, error) {
			h, err := vnetlink.NewHandleAt(netns.NsHandle(ns))
			if err != nil {
				return nil, nil, err
			}
			return func(want bool) ([]typedLink, error) {
				links, err := h.LinkList()
				if err != nil || !want {
					return nil, err
				}
				var out []typedLink
				for _, l := range links {
					a := l.Attrs()
					kind := l.Type()
					if kind == "device" {
						kind = "" // vishvananda's name for a link without IFLA_INFO_KIND
					}
					out = append(out, typedLink{Index: a.Index, Name: a.Name, MTU: a.MTU, Kind: kind})
				}
				return out, nil
			}, func() error { h.Close(); return nil }, nil
		}},
		{"jsimonetti", func(ns int) (func(bool) ([]typedLink, error), func() error, error) {
			c, err := rtnetlink.Dial(&mdnetlink.Config{NetNS: ns})
			if err != nil {
				return nil, nil, err
			}
			return func(want bool) ([]typedLink, error) {
				links, err := c.Link.List()
				if err != nil || !want {
					return nil, err
				}
				var out []typedLink
				for _, l := range links {
					t := typedLink{Index: int(l.Index), Name: l.Attributes.Name, MTU: int(l.Attributes.MTU)}
					if l.Attributes.Info != nil {
						t.Kind = l.Attributes.Info.Kind
					}
					out = append(out, t)
				}
				return out, nil
			}, c.Close, nil
		}},
	}
}

// TestTypedSameLinks checks that every implementation decodes the same
// links before anything is timed.
func TestTypedSameLinks(t *testing.T) {
	ns := openBenchNS(t)
	var want []typedLink
	var first string
	for _, impl := range append(typedImpls(), foreignTypedImpls()...) {
		list, closer, err := impl.dial(ns)
		if err != nil {
			t.Fatalf("%s: %v", impl.name, err)
		}
		got, err := list(true)
		closer()
		if err != nil {
			t.Fatalf("%s: %v", impl.name, err)
		}
		slices.SortFunc(got, func(a, b typedLink) int { return a.Index - b.Index })
		if len(got) != dumpLinks.replies() {
			t.Errorf("%s: %d links, want %d", impl.name, len(got), dumpLinks.replies())
		}
		if want == nil {
			want, first = got, impl.name
			continue
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s differs from %s (-%s +%s):\n%s", impl.name, first, first, impl.name, diff)
		}
	}
}

// BenchmarkPairedTypedDumpLinks is the typed W2 paired with the blocking
// floor op by op, as the other paired benchmarks are (see paired_test.go).
func BenchmarkPairedTypedDumpLinks(b *testing.B) {
	ns := openBenchNS(b)
	for _, impl := range append(typedImpls(), foreignTypedImpls()...) {
		b.Run("impl="+impl.name, func(b *testing.B) {
			fc, err := clientImpls()[0].dial(ns)
			if err != nil {
				b.Fatal(err)
			}
			defer fc.close()
			list, closer, err := impl.dial(ns)
			if err != nil {
				b.Fatal(err)
			}
			defer closer()
			floor := func() time.Duration {
				start := time.Now()
				if _, err := fc.do(dumpLinks, nil); err != nil {
					b.Fatal(err)
				}
				return time.Since(start)
			}
			lib := func() time.Duration {
				start := time.Now()
				if _, err := list(false); err != nil {
					b.Fatal(err)
				}
				return time.Since(start)
			}
			runPaired(b, floor, lib)
		})
	}
}
