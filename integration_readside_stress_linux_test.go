//go:build linux

package netlink_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nlgo/netlink"
	"golang.org/x/sys/unix"
)

// The read side under load (issue 10): many goroutines executing mixed
// requests on one Conn while a Receive loop on the same Conn collects
// RTNLGRP_LINK notifications of veth pairs the test creates and deletes
// in its namespace.

// stressGoroutines is the number of goroutines sharing the Conn.
const stressGoroutines = 64

// stressRequests is the number of requests each goroutine makes: 2,000,
// 200 under -short, or $NLGO_STRESS_REQUESTS. The time budget below stops
// a slow run early instead, and says how far it got.
func stressRequests(t *testing.T) int {
	if s := os.Getenv("NLGO_STRESS_REQUESTS"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			t.Fatalf("NLGO_STRESS_REQUESTS=%q: want a positive number", s)
		}
		return n
	}
	if testing.Short() {
		return 200
	}
	return 2000
}

// stressBudget is how long the goroutines go on issuing requests before
// they stop where they are: a run under -race on two busy cores must not
// take much longer than a minute.
const stressBudget = 60 * time.Second

// stressKind is one kind of request of the mix, and its check.
type stressKind struct {
	name  string
	req   netlink.Message
	check func(c *netlink.Conn, msgs []netlink.Message, err error) string
}

// stressKinds are single replies (lo), single replies with an
// acknowledgement, link dumps, address dumps and failures (no such link).
var stressKinds = []stressKind{
	{name: "get", req: itGetLink(1, 0), check: itCheckLo},
	{name: "get with ack", req: itGetLink(1, netlink.Acknowledge), check: itCheckLo},
	{name: "dump links", req: itDumpLinks(), check: itCheckLinkDump},
	{name: "dump addresses", req: itDumpAddrs(), check: itCheckAddrDump},
	{name: "failure", req: itGetLink(itNoSuchLink, 0), check: itCheckNoSuchLink},
}

// itCheckAddrDump says what is wrong with the replies to an address dump
// in a namespace whose lo is up, or returns "".
func itCheckAddrDump(c *netlink.Conn, msgs []netlink.Message, err error) string {
	if err != nil && !errors.Is(err, netlink.ErrDumpInterrupted) {
		return fmt.Sprintf("dump addresses: %v", err)
	}
	if len(msgs) == 0 && err == nil {
		return "dump addresses: none, want lo's"
	}
	for _, m := range msgs {
		if m.Header.Type != unix.RTM_NEWADDR || m.Header.PID != c.PID() || m.Header.Sequence != msgs[0].Header.Sequence {
			return fmt.Sprintf("dump addresses: reply %v among %d", m.Header, len(msgs))
		}
	}
	return ""
}

// stressStats counts what the workers saw.
type stressStats struct {
	mu        sync.Mutex
	done      atomic.Int64 // requests completed
	misrouted int          // replies that were not the request's
	ebusy     int
	timeouts  int
	first     []string
	cancel    context.CancelFunc
}

func (s *stressStats) fail(err error, problem string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case errors.Is(err, unix.EBUSY):
		s.ebusy++
	case isTimeout(err):
		s.timeouts++
	default:
		s.misrouted++
	}
	if len(s.first) < maxProblems {
		s.first = append(s.first, problem)
	}
	if s.ebusy+s.timeouts+s.misrouted >= maxProblems {
		s.cancel() // enough: going on would only take time
	}
}

// linkEvents is what the Receive loop collected.
type linkEvents struct {
	mu       sync.Mutex
	newlink  map[string]bool
	dellink  map[string]bool
	leaked   []string // replies, acknowledgements, anything not a notification
	overruns int
	errs     []error
}

func (e *linkEvents) add(c *netlink.Conn, msgs []netlink.Message, src netlink.Source, err error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	switch {
	case errors.Is(err, netlink.ErrOverrun):
		e.overruns++
	case err != nil:
		e.errs = append(e.errs, err)
	}
	for _, m := range msgs {
		_, name, perr := itLink(m)
		if perr != nil || src.Group != unix.RTNLGRP_LINK || m.Header.PID == c.PID() {
			if len(e.leaked) < maxProblems {
				e.leaked = append(e.leaked, fmt.Sprintf("%v from %+v (%v)", m.Header, src, perr))
			}
			continue
		}
		if m.Header.Type == unix.RTM_NEWLINK {
			e.newlink[name] = true
		} else {
			e.dellink[name] = true
		}
	}
}

// missing lists the names of links made and deleted that the loop has
// not seen both notifications of.
func (e *linkEvents) missing(names []string) []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []string
	for _, n := range names {
		if !e.newlink[n] || !e.dellink[n] {
			out = append(out, n)
		}
	}
	return out
}

// TestIntegrationReadSideStress runs 64 goroutines on one Conn, each
// making stressRequests mixed requests (single replies, with and without
// an acknowledgement, link and address dumps, failures), while a Receive
// loop on the same Conn collects the RTNLGRP_LINK notifications of veth
// pairs that another goroutine creates and deletes in rounds. It wants 0
// misrouted replies, 0 EBUSY, 0 timeouts, every link's RTM_NEWLINK and
// RTM_DELLINK received, no overrun (the receive buffer is large), and no
// goroutine or file descriptor left once the Conn is closed.
func TestIntegrationReadSideStress(t *testing.T) {
	perGoroutine := stressRequests(t)
	ns := netlink.NewTestNS(t)
	ns.IP(t, "link", "set", "lo", "up")
	fds, goroutines := netlink.OpenFDs(t), runtime.NumGoroutine()

	c := ns.Dial(t, unix.NETLINK_ROUTE, nil)
	if err := c.SetReadBuffer(32 << 20); err != nil {
		t.Fatalf("SetReadBuffer: %v", err)
	}
	if err := c.JoinGroup(unix.RTNLGRP_LINK); err != nil {
		t.Fatalf("JoinGroup: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	stats := &stressStats{cancel: cancel}
	events := &linkEvents{newlink: make(map[string]bool), dellink: make(map[string]bool)}

	var loop sync.WaitGroup
	stopLoop := make(chan struct{})
	loop.Go(func() {
		for {
			select {
			case <-stopLoop:
				return
			default:
			}
			rctx, rcancel := context.WithTimeout(ctx, 500*time.Millisecond)
			msgs, src, err := c.ReceiveContext(rctx)
			rcancel()
			if isTimeout(err) {
				continue
			}
			events.add(c, msgs, src, err)
		}
	})

	// The churn: rounds of veth pairs created, then deleted, until the
	// workers are done (and three rounds at least).
	var churn sync.WaitGroup
	var churned []string // names of links created and deleted
	var churnErr error
	workersDone := make(chan struct{})
	churn.Go(func() {
		for round := 0; ; round++ {
			select {
			case <-workersDone:
				if round >= 3 {
					return
				}
			default:
			}
			var add, del []string
			for i := range 4 {
				a, b := fmt.Sprintf("st%da%d", round, i), fmt.Sprintf("st%db%d", round, i)
				add = append(add, fmt.Sprintf("link add %s type veth peer name %s", a, b))
				del = append(del, "link del "+a)
				churned = append(churned, a, b)
			}
			for _, lines := range [][]string{add, del} {
				if err := ipBatch(ns, lines); err != nil {
					churnErr = err
					return
				}
			}
		}
	})

	time.Sleep(50 * time.Millisecond) // let the Receive loop block on the socket first
	start := time.Now()
	budget := time.Now().Add(stressBudget)
	var workers sync.WaitGroup
	for g := range stressGoroutines {
		workers.Go(func() {
			for i := range perGoroutine {
				if ctx.Err() != nil || time.Now().After(budget) {
					return
				}
				k := stressKinds[(g+i)%len(stressKinds)]
				rctx, rcancel := context.WithTimeout(ctx, 5*time.Second)
				msgs, err := c.ExecuteContext(rctx, k.req)
				rcancel()
				if s := k.check(c, msgs, err); s != "" {
					stats.fail(err, fmt.Sprintf("goroutine %d, request %d (%s): %s", g, i, k.name, s))
				}
				stats.done.Add(1)
			}
		})
	}
	if !waitFor(&workers, stressBudget+30*time.Second) {
		t.Error("the workers did not stop within 30s of their time budget")
		cancel()
		waitFor(&workers, 5*time.Second)
	}
	elapsed := time.Since(start)
	close(workersDone)
	if !waitFor(&churn, 30*time.Second) {
		t.Fatal("the veth churn did not finish")
	}
	if churnErr != nil {
		t.Errorf("veth churn: %v", churnErr)
	}
	// Every notification must arrive: wait for the last ones a while.
	for deadline := time.Now().Add(5 * time.Second); len(events.missing(churned)) > 0 && time.Now().Before(deadline); {
		time.Sleep(50 * time.Millisecond)
	}
	close(stopLoop)
	if !waitFor(&loop, 5*time.Second) {
		t.Error("the Receive loop did not stop")
	}

	done := stats.done.Load()
	t.Logf("%d of %d requests in %v (%.0f/s), %d goroutines; %d links churned",
		done, stressGoroutines*perGoroutine, elapsed.Round(time.Millisecond), float64(done)/elapsed.Seconds(),
		stressGoroutines, len(churned))
	if want := int64(stressGoroutines * perGoroutine); done < want && ctx.Err() == nil {
		t.Logf("the %v budget ran out first: %d requests each on average, of %d", stressBudget, done/stressGoroutines, perGoroutine)
	}
	stats.mu.Lock()
	if stats.misrouted > 0 || stats.ebusy > 0 || stats.timeouts > 0 {
		t.Errorf("%d misrouted replies, %d EBUSY, %d timeouts (want 0 each); the first:\n  %s",
			stats.misrouted, stats.ebusy, stats.timeouts, strings.Join(stats.first, "\n  "))
	}
	stats.mu.Unlock()
	events.mu.Lock()
	if len(events.leaked) > 0 {
		t.Errorf("Receive returned messages that are not RTNLGRP_LINK notifications (replies?), the first:\n  %s",
			strings.Join(events.leaked, "\n  "))
	}
	if events.overruns > 0 || len(events.errs) > 0 {
		t.Errorf("Receive: %d overruns, errors %v; want none with a 32 MiB buffer", events.overruns, events.errs)
	}
	events.mu.Unlock()
	if m := events.missing(churned); len(m) > 0 {
		slices.Sort(m)
		t.Errorf("%d of %d links churned without both RTM_NEWLINK and RTM_DELLINK received, among them %v",
			len(m), len(churned), m[:min(len(m), 20)])
	}

	c.Close()
	if n := netlink.SettledGoroutines(goroutines); n > goroutines {
		t.Errorf("%d goroutines after Close, %d before the Conn", n, goroutines)
	}
	if n := netlink.OpenFDs(t); n > fds {
		t.Errorf("%d file descriptors open after Close, %d before the Conn", n, fds)
	}
}

// ipBatch runs `ip -n NS -batch -` with lines, off the test's goroutine.
func ipBatch(ns *netlink.TestNS, lines []string) error {
	cmd := exec.Command("ip", "-n", ns.Name(), "-batch", "-")
	cmd.Stdin = strings.NewReader(strings.Join(lines, "\n") + "\n")
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("ip -n %s -batch (%d commands): %v: %s", ns.Name(), len(lines), err, out)
	}
	return nil
}
