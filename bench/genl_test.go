package bench

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	mdgenetlink "github.com/mdlayher/genetlink"
	mdnetlink "github.com/mdlayher/netlink"

	"github.com/nlgo/netlink"
	"github.com/nlgo/netlink/genetlink"
)

// W4 through the generic netlink packages: GetFamily("nlctrl") decoded
// into a Family, by this module's genetlink without its cache (a request
// every time, like the floor) and with it (no system call), and by
// mdlayher/genetlink, whose GetFamily always asks. The floor is the
// blocking floor's W4, which does not decode the reply.

// familyGetter is one GetFamily implementation. get returns what the
// family is, for the test; the benchmarks time get(nil), which skips
// building the summary.
type familyGetter struct {
	name string
	dial func(ns int) (get getFunc, closer func() error, err error)
}

// getFunc resolves the family, and fills *s when s is not nil.
type getFunc func(s *familySummary) error

// familySummary is what the implementations must agree on.
type familySummary struct {
	ID      uint16
	Name    string
	Version uint8
	Groups  map[string]uint32
}

func familyGetters() []familyGetter {
	return []familyGetter{
		{"genetlink", func(ns int) (getFunc, func() error, error) {
			nc, err := netlink.Dial(genetlink.Protocol, &netlink.Config{NetNS: ns})
			if err != nil {
				return nil, nil, err
			}
			c := genetlink.NewConn(nc) // no watcher: no cache
			return nlgoGetter(c), c.Close, nil
		}},
		{"genetlink-cached", func(ns int) (getFunc, func() error, error) {
			c, err := genetlink.Dial(&netlink.Config{NetNS: ns})
			if err != nil {
				return nil, nil, err
			}
			return nlgoGetter(c), c.Close, nil
		}},
		{"mdlayher", func(ns int) (getFunc, func() error, error) {
			c, err := mdgenetlink.Dial(&mdnetlink.Config{NetNS: ns})
			if err != nil {
				return nil, nil, err
			}
			return func(s *familySummary) error {
				f, err := c.GetFamily(genlFamilyRequested)
				if s != nil {
					*s = familySummary{ID: f.ID, Name: f.Name, Version: f.Version, Groups: map[string]uint32{}}
					for _, g := range f.Groups {
						s.Groups[g.Name] = g.ID
					}
				}
				return err
			}, c.Close, nil
		}},
	}
}

func nlgoGetter(c *genetlink.Conn) getFunc {
	return func(s *familySummary) error {
		f, err := c.GetFamily(genlFamilyRequested)
		if s != nil {
			*s = familySummary{ID: f.ID, Name: f.Name, Version: f.Version, Groups: map[string]uint32{}}
			for _, g := range f.Groups {
				s.Groups[g.Name] = g.ID
			}
		}
		return err
	}
}

// TestGenlSameFamily checks that every implementation finds the same
// family before anything is timed.
func TestGenlSameFamily(t *testing.T) {
	ns := openBenchNS(t)
	want := familySummary{ID: 0x10, Name: "nlctrl", Version: 2, Groups: map[string]uint32{"notify": 0x10}}
	for _, impl := range familyGetters() {
		get, closer, err := impl.dial(ns)
		if err != nil {
			t.Fatalf("%s: %v", impl.name, err)
		}
		for range 2 { // the second from the cache, where there is one
			var got familySummary
			if err := get(&got); err != nil {
				t.Fatalf("%s: %v", impl.name, err)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("%s (-want +got):\n%s", impl.name, diff)
			}
		}
		closer()
	}
}

// BenchmarkGenlGetFamily is W4 through GetFamily, side by side.
func BenchmarkGenlGetFamily(b *testing.B) {
	ns := openBenchNS(b)
	b.Run("impl=floor", func(b *testing.B) {
		fc, err := clientImpls()[0].dial(ns)
		if err != nil {
			b.Fatal(err)
		}
		defer fc.close()
		b.ReportAllocs()
		for b.Loop() {
			if _, err := fc.do(getFamily, nil); err != nil {
				b.Fatal(err)
			}
		}
	})
	for _, impl := range familyGetters() {
		b.Run("impl="+impl.name, func(b *testing.B) {
			get, closer, err := impl.dial(ns)
			if err != nil {
				b.Fatal(err)
			}
			defer closer()
			get(nil) // warm up, and fill the cache
			b.ReportAllocs()
			for b.Loop() {
				if err := get(nil); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkPairedGenlGetFamily is W4 through GetFamily paired with the
// floor op by op, as the other paired benchmarks are (see paired_test.go).
func BenchmarkPairedGenlGetFamily(b *testing.B) {
	ns := openBenchNS(b)
	for _, impl := range familyGetters() {
		b.Run("impl="+impl.name, func(b *testing.B) {
			fc, err := clientImpls()[0].dial(ns)
			if err != nil {
				b.Fatal(err)
			}
			defer fc.close()
			get, closer, err := impl.dial(ns)
			if err != nil {
				b.Fatal(err)
			}
			defer closer()
			floor := func() time.Duration {
				start := time.Now()
				if _, err := fc.do(getFamily, nil); err != nil {
					b.Fatal(err)
				}
				return time.Since(start)
			}
			lib := func() time.Duration {
				start := time.Now()
				if err := get(nil); err != nil {
					b.Fatal(err)
				}
				return time.Since(start)
			}
			runPaired(b, floor, lib)
		})
	}
}
