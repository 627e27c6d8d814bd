package bench

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"testing"

	mdlayher "github.com/mdlayher/netlink"
	"golang.org/x/sys/unix"

	"github.com/nlgo/netlink"
)

// The memory of idle Conns: idleConns Conns that each did one W1
// (RTM_GETLINK for ifindex 1, in the process's own namespace, so neither
// root nor setup.sh is needed), then sit idle. What they hold is measured
// as the growth of the Go heap, after runtime.GC, with
// runtime.ReadMemStats, in a process of its own: the test binary run
// again, which TestMain turns into the measurement when idleChildEnv
// names an implementation. The goal for this library is at most
// idleGoalMiB in all (issue 10; 1,008 MiB before it, a 1 MiB receive
// buffer per Conn).
const (
	idleConns    = 1000
	idleGoalMiB  = 4
	idleChildEnv = "NLGO_BENCH_IDLE_CHILD"
)

// idleResult is what a measuring process reports, in bytes.
type idleResult struct {
	HeapAlloc int64 // growth of runtime.MemStats.HeapAlloc: live objects
	HeapInuse int64 // growth of runtime.MemStats.HeapInuse: spans in use
}

// idleImpls are the implementations measured: a Dial and a W1 for each.
var idleImpls = map[string]func() (closer func() error, err error){
	"nlgo": func() (func() error, error) {
		c, err := netlink.Dial(unix.NETLINK_ROUTE, nil)
		if err != nil {
			return nil, err
		}
		msgs, err := c.Execute(netlink.Message{Header: netlink.Header{Type: unix.RTM_GETLINK, Flags: netlink.Request}, Data: getLinkPayload})
		if err == nil && len(msgs) != 1 {
			err = fmt.Errorf("%d replies, want 1", len(msgs))
		}
		return c.Close, err
	},
	"mdlayher": func() (func() error, error) {
		c, err := mdlayher.Dial(unix.NETLINK_ROUTE, nil)
		if err != nil {
			return nil, err
		}
		msgs, err := c.Execute(mdlayher.Message{Header: mdlayher.Header{Type: unix.RTM_GETLINK, Flags: mdlayher.Request}, Data: getLinkPayload})
		if err == nil && len(msgs) != 1 {
			err = fmt.Errorf("%d replies, want 1", len(msgs))
		}
		return c.Close, err
	},
}

// idleChild is the measuring process: it dials idleConns Conns of impl,
// each doing one W1, and prints the heap's growth as JSON.
func idleChild(impl string) error {
	dial := idleImpls[impl]
	if dial == nil {
		return fmt.Errorf("unknown implementation %q", impl)
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	closers := make([]func() error, 0, idleConns)
	defer func() {
		for _, c := range closers {
			c()
		}
	}()
	for i := range idleConns {
		c, err := dial()
		if c != nil {
			closers = append(closers, c)
		}
		if err != nil {
			return fmt.Errorf("Conn %d of %d: %w", i+1, idleConns, err)
		}
	}
	runtime.GC()
	runtime.GC()
	runtime.ReadMemStats(&after)
	r := idleResult{
		HeapAlloc: int64(after.HeapAlloc) - int64(before.HeapAlloc),
		HeapInuse: int64(after.HeapInuse) - int64(before.HeapInuse),
	}
	runtime.KeepAlive(closers)
	return json.NewEncoder(os.Stdout).Encode(r)
}

// measureIdle runs the test binary again as the measuring process for
// impl and returns what it reports.
func measureIdle(tb testing.TB, impl string) idleResult {
	tb.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), idleChildEnv+"="+impl)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		tb.Fatalf("measuring %d idle Conns of %s: %v: %s", idleConns, impl, err, stderr.Bytes())
	}
	var r idleResult
	if err := json.Unmarshal(out, &r); err != nil {
		tb.Fatalf("measuring %d idle Conns of %s: %v in %q", idleConns, impl, err, out)
	}
	return r
}

// mib converts bytes to MiB.
func mib(n int64) float64 { return float64(n) / (1 << 20) }

// TestIdleConnMemory holds this library to the goal: idleConns idle
// Conns that each did one W1 hold at most idleGoalMiB of Go heap in all.
// It logs mdlayher/netlink's figure beside it.
func TestIdleConnMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("dials 2,000 sockets in processes of their own; not under -short")
	}
	got := make(map[string]idleResult)
	for _, impl := range []string{"nlgo", "mdlayher"} {
		got[impl] = measureIdle(t, impl)
		t.Logf("%d idle Conns of %s: %.2f MiB of heap objects, %.2f MiB of heap in use",
			idleConns, impl, mib(got[impl].HeapAlloc), mib(got[impl].HeapInuse))
	}
	if r := got["nlgo"]; mib(r.HeapInuse) > idleGoalMiB {
		t.Errorf("%d idle Conns hold %.1f MiB of Go heap, want at most %d MiB (mdlayher/netlink: %.1f MiB)",
			idleConns, mib(r.HeapInuse), idleGoalMiB, mib(got["mdlayher"].HeapInuse))
	}
}

// BenchmarkIdleConns measures, in each iteration, the Go heap that
// idleConns idle Conns of each implementation hold, in a process of its
// own, and reports the mean in heap-MiB (objects) and inuse-MiB (spans
// in use). ns/op is the time of one measuring process.
func BenchmarkIdleConns(b *testing.B) {
	for _, impl := range []string{"nlgo", "mdlayher"} {
		b.Run("impl="+impl, func(b *testing.B) {
			var sum idleResult
			n := 0
			for b.Loop() {
				r := measureIdle(b, impl)
				sum.HeapAlloc += r.HeapAlloc
				sum.HeapInuse += r.HeapInuse
				n++
			}
			b.ReportMetric(mib(sum.HeapAlloc)/float64(n), "heap-MiB")
			b.ReportMetric(mib(sum.HeapInuse)/float64(n), "inuse-MiB")
		})
	}
}
