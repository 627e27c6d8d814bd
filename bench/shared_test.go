package bench

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	mdlayher "github.com/mdlayher/netlink"
	"golang.org/x/sys/unix"

	"github.com/nlgo/netlink"
)

// W7, requests on one shared Conn: sharedGoroutines goroutines, each
// doing W1 (RTM_GETLINK for ifindex 1) over and over, all on the same
// Conn. The implementations are this library's Execute ("nlgo"),
// mdlayher/netlink's Execute on one Conn ("mdlayher"), the same Conn of
// this library used from one goroutine ("nlgo1": the Conn's own rate,
// which sharing must not lower), and the floor, sharedGoroutines
// goroutines each with a blocking socket of its own ("floor": what the
// kernel and the machine allow, with nothing shared). Each timed round is
// sharedRound requests, split evenly among the implementation's
// goroutines; the benchmarks report ns/op per request and the rate in
// req/s, so that ratios between implementations can be read off.
const (
	sharedGoroutines = 16
	sharedRound      = sharedGoroutines * 32
)

// A sharedImpl names an implementation of W7, with the number of
// goroutines it runs.
type sharedImpl struct {
	name       string
	goroutines int
	dial       func(ns, goroutines int) (sharedClient, error)
}

// A sharedClient gives each of its goroutines a way to do W1 once.
type sharedClient interface {
	// worker returns the function goroutine i of n calls for each W1.
	worker(i int) func() error
	close() error
}

// sharedImpls returns the implementations of W7, the floor first.
func sharedImpls() []sharedImpl {
	return []sharedImpl{
		{name: "floor", goroutines: sharedGoroutines, dial: newFloorShared},
		{name: "nlgo", goroutines: sharedGoroutines, dial: newNlgoShared},
		{name: "nlgo1", goroutines: 1, dial: newNlgoShared},
		{name: "mdlayher", goroutines: sharedGoroutines, dial: newMdlayherShared},
	}
}

// floorShared is the floor of W7: a blocking socket, and a request buffer,
// for each goroutine.
type floorShared struct{ socks []*floorSocket }

func newFloorShared(ns, goroutines int) (sharedClient, error) {
	f := &floorShared{}
	for range goroutines {
		s, err := newFloorSocket(ns, unix.NETLINK_ROUTE, false)
		if err != nil {
			f.close()
			return nil, err
		}
		f.socks = append(f.socks, s)
	}
	return f, nil
}

func (f *floorShared) worker(i int) func() error {
	s, req := f.socks[i], getLink.request()
	return func() error { return oneReply(s.exchange(req, nil)) }
}

func (f *floorShared) close() error {
	var errs []error
	for _, s := range f.socks {
		errs = append(errs, s.close())
	}
	return errors.Join(errs...)
}

// nlgoShared is one Conn of this library, shared by every goroutine.
type nlgoShared struct{ conn *netlink.Conn }

func newNlgoShared(ns, _ int) (sharedClient, error) {
	c, err := netlink.Dial(unix.NETLINK_ROUTE, &netlink.Config{NetNS: ns})
	if err != nil {
		return nil, err
	}
	return &nlgoShared{conn: c}, nil
}

func (s *nlgoShared) worker(int) func() error {
	m := netlink.Message{Header: netlink.Header{Type: unix.RTM_GETLINK, Flags: netlink.Request}, Data: getLinkPayload}
	return func() error {
		msgs, err := s.conn.Execute(m)
		return oneReply(len(msgs), err)
	}
}

func (s *nlgoShared) close() error { return s.conn.Close() }

// mdlayherShared is one mdlayher/netlink Conn, with its default Config,
// shared by every goroutine: its Conn is safe for concurrent use.
type mdlayherShared struct{ conn *mdlayher.Conn }

func newMdlayherShared(ns, _ int) (sharedClient, error) {
	c, err := mdlayher.Dial(unix.NETLINK_ROUTE, &mdlayher.Config{NetNS: ns})
	if err != nil {
		return nil, err
	}
	return &mdlayherShared{conn: c}, nil
}

func (s *mdlayherShared) worker(int) func() error {
	m := mdlayher.Message{Header: mdlayher.Header{Type: unix.RTM_GETLINK, Flags: mdlayher.Request}, Data: getLinkPayload}
	return func() error {
		msgs, err := s.conn.Execute(m)
		return oneReply(len(msgs), err)
	}
}

func (s *mdlayherShared) close() error { return s.conn.Close() }

// oneReply is the error of a W1 that returned n replies.
func oneReply(n int, err error) error {
	if err == nil && n != 1 {
		err = fmt.Errorf("%d replies, want 1", n)
	}
	return err
}

// A crew is an implementation's goroutines, started once and kept, so
// that a timed round costs no goroutine creation.
type crew struct {
	start []chan int // per goroutine: how many requests to do
	done  chan error
	wg    sync.WaitGroup
}

// newCrew starts a goroutine for each worker.
func newCrew(workers []func() error) *crew {
	c := &crew{done: make(chan error, len(workers))}
	for _, w := range workers {
		ch := make(chan int)
		c.start = append(c.start, ch)
		c.wg.Go(func() {
			for n := range ch {
				var err error
				for range n {
					if err = w(); err != nil {
						break
					}
				}
				c.done <- err
			}
		})
	}
	return c
}

// round has the crew do sharedRound requests between them and returns
// how long it took.
func (c *crew) round() (time.Duration, error) {
	n := sharedRound / len(c.start)
	start := time.Now()
	for _, ch := range c.start {
		ch <- n
	}
	var errs []error
	for range c.start {
		errs = append(errs, <-c.done)
	}
	return time.Since(start), errors.Join(errs...)
}

func (c *crew) stop() {
	for _, ch := range c.start {
		close(ch)
	}
	c.wg.Wait()
}

// dialCrew dials impl in ns and starts its crew, warmed by one round.
func dialCrew(tb testing.TB, ns int, impl sharedImpl) *crew {
	tb.Helper()
	sc, err := impl.dial(ns, impl.goroutines)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { sc.close() })
	workers := make([]func() error, impl.goroutines)
	for i := range workers {
		workers[i] = sc.worker(i)
	}
	c := newCrew(workers)
	tb.Cleanup(c.stop)
	if _, err := c.round(); err != nil {
		tb.Fatalf("%s: %v (is the namespace as setup.sh makes it?)", impl.name, err)
	}
	return c
}

// reportRate reports the time per request and the rate, of rounds rounds
// that took d, with the given unit prefix ("" or "floor-").
func reportRate(b *testing.B, prefix string, d time.Duration, rounds int) {
	requests := float64(rounds * sharedRound)
	b.ReportMetric(float64(d.Nanoseconds())/requests, prefix+"ns/op")
	b.ReportMetric(requests/d.Seconds(), prefix+"req/s")
}

// TestSharedSameReplies checks, before anything is timed, that every
// implementation of W7 gets exactly one reply to every request of a round
// when its goroutines share it.
func TestSharedSameReplies(t *testing.T) {
	ns := openBenchNS(t)
	for _, impl := range sharedImpls() {
		t.Run(impl.name, func(t *testing.T) {
			c := dialCrew(t, ns, impl)
			if _, err := c.round(); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// BenchmarkSharedGetLink is W7, each implementation on its own.
func BenchmarkSharedGetLink(b *testing.B) {
	ns := openBenchNS(b)
	for _, impl := range sharedImpls() {
		b.Run("impl="+impl.name, func(b *testing.B) {
			c := dialCrew(b, ns, impl)
			var total time.Duration
			rounds := 0
			for b.Loop() {
				d, err := c.round()
				if err != nil {
					b.Fatal(err)
				}
				total += d
				rounds++
			}
			reportRate(b, "", total, rounds)
		})
	}
}

// BenchmarkPairedSharedGetLink is W7 paired with its floor, as
// paired_test.go pairs W1-W4: each iteration runs a round of the floor
// and a round of the implementation, in alternating order, so that both
// see the machine in the same state. x-floor is the ratio of their times
// for the same number of requests: nlgo's x-floor over nlgo1's is the
// shared Conn's rate against its own one-goroutine rate.
func BenchmarkPairedSharedGetLink(b *testing.B) {
	ns := openBenchNS(b)
	impls := sharedImpls()
	for _, impl := range impls[1:] {
		b.Run("impl="+impl.name, func(b *testing.B) {
			floor := dialCrew(b, ns, impls[0])
			c := dialCrew(b, ns, impl)
			round := func(c *crew) time.Duration {
				d, err := c.round()
				if err != nil {
					b.Fatal(err)
				}
				return d
			}
			var floorTime, implTime time.Duration
			i := 0
			for b.Loop() {
				if i%2 == 0 {
					floorTime += round(floor)
					implTime += round(c)
				} else {
					implTime += round(c)
					floorTime += round(floor)
				}
				i++
			}
			reportRate(b, "", implTime, i)
			reportRate(b, "floor-", floorTime, i)
			b.ReportMetric(float64(implTime)/float64(floorTime), "x-floor")
		})
	}
}
