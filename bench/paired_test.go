package bench

import (
	"testing"
	"time"
)

// The paired benchmarks time every implementation against the blocking
// floor op by op: each iteration does the workload once with the floor and
// once with the implementation, in alternating order, and times the two
// separately. Both see the machine in the same state, so a burst of load
// from elsewhere (this is a shared two-core virtual machine, where the
// side-by-side benchmarks' ratios drift by 10% from one round to the next)
// lands on both, and the ratio of their sums, reported as "x-floor", is
// what the goals are judged on. ns/op is the implementation's own time;
// floor-ns/op is the floor's over the same iterations.

// BenchmarkPairedGetLink is W1 paired with the floor.
func BenchmarkPairedGetLink(b *testing.B) { benchmarkPaired(b, getLink) }

// BenchmarkPairedDumpLinks is W2 paired with the floor.
func BenchmarkPairedDumpLinks(b *testing.B) { benchmarkPaired(b, dumpLinks) }

// BenchmarkPairedDumpAddrs is W3 paired with the floor.
func BenchmarkPairedDumpAddrs(b *testing.B) { benchmarkPaired(b, dumpAddrs) }

// BenchmarkPairedGetFamily is W4 paired with the floor.
func BenchmarkPairedGetFamily(b *testing.B) { benchmarkPaired(b, getFamily) }

func benchmarkPaired(b *testing.B, w workload) {
	ns := openBenchNS(b)
	impls := clientImpls()
	floor := impls[0]
	for _, impl := range impls[1:] {
		b.Run("impl="+impl.name, func(b *testing.B) {
			fc, err := floor.dial(ns)
			if err != nil {
				b.Fatal(err)
			}
			defer fc.close()
			c, err := impl.dial(ns)
			if err != nil {
				b.Fatal(err)
			}
			defer c.close()
			want := w.replies()
			do := func(c client) time.Duration {
				start := time.Now()
				n, err := c.do(w, nil)
				d := time.Since(start)
				if err != nil || n != want {
					b.Fatalf("%d replies, want %d (is the namespace as setup.sh makes it?): %v", n, want, err)
				}
				return d
			}
			runPaired(b, func() time.Duration { return do(fc) }, func() time.Duration { return do(c) })
		})
	}
}

// runPaired runs b's loop, timing floor and lib once each per iteration in
// alternating order after one warm-up call of each, and reports lib's
// ns/op, the floor's floor-ns/op and their ratio, x-floor.
func runPaired(b *testing.B, floor, lib func() time.Duration) {
	b.Helper()
	floor()
	lib()
	var floorTime, implTime time.Duration
	i := 0
	b.ReportAllocs()
	for b.Loop() {
		if i%2 == 0 {
			floorTime += floor()
			implTime += lib()
		} else {
			implTime += lib()
			floorTime += floor()
		}
		i++
	}
	b.ReportMetric(float64(implTime.Nanoseconds())/float64(i), "ns/op")
	b.ReportMetric(float64(floorTime.Nanoseconds())/float64(i), "floor-ns/op")
	b.ReportMetric(float64(implTime)/float64(floorTime), "x-floor")
}
