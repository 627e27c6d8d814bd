package netlink_test

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"os"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/nlgo/netlink"
	"github.com/nlgo/netlink/nltest"
)

// The fixture of the read-side tests (readside_test.go,
// readside_concurrency_test.go): a fake kernel on nltest whose family
// answers each request by its type, and helpers that bound every wait.

// The read-side fixture's families and message types. The handler of
// rsFamily answers by type; rsUserFamily has no kernel socket, like
// NETLINK_USERSOCK, so that a test can play a user-space peer by hand.
const (
	rsFamily     = 30
	rsUserFamily = 31
	rsGroup      = 1
)

const (
	rsGet    = netlink.MinType + 0x10 + iota // one rsReply echoing token and count
	rsDump                                   // a dump of count rsReply messages, index in place of count
	rsChange                                 // an rsNotify to rsGroup, then the ack if asked
	rsFail                                   // NLMSG_ERROR EINVAL
	rsHeld                                   // no answer: the test answers it, or nobody does
	rsTwice                                  // two rsReply without NLM_F_MULTI: count 1 in one datagram, else two
	rsReply                                  // a reply
	rsNotify                                 // a notification
	rsMarker                                 // the end of what a test sends for Receive
)

// rsPayload is a request's payload: a token naming the request, which the
// replies carry back, and a count.
func rsPayload(token, count uint32) []byte {
	b := binary.NativeEndian.AppendUint32(nil, token)
	return binary.NativeEndian.AppendUint32(b, count)
}

// rsRequest is a request of type typ carrying token and count.
func rsRequest(typ netlink.HeaderType, flags netlink.HeaderFlags, token, count uint32) netlink.Message {
	return netlink.Message{
		Header: netlink.Header{Type: typ, Flags: netlink.Request | flags},
		Data:   rsPayload(token, count),
	}
}

// rsFields decodes the token and count (or dump index) of a payload made
// by rsPayload, or returns ok false.
func rsFields(b []byte) (token, n uint32, ok bool) {
	if len(b) < 8 {
		return 0, 0, false
	}
	return binary.NativeEndian.Uint32(b), binary.NativeEndian.Uint32(b[4:]), true
}

// rsMessage is a message of type typ from the kernel carrying token.
func rsMessage(typ netlink.HeaderType, seq, token uint32) netlink.Message {
	return netlink.Message{Header: netlink.Header{Type: typ, Sequence: seq}, Data: rsPayload(token, 0)}
}

// rsKernel is a fake kernel with rsFamily and rsUserFamily registered.
type rsKernel struct {
	k    *nltest.Kernel
	held chan netlink.Message // the rsHeld requests, as received
}

func newRSKernel() *rsKernel {
	f := &rsKernel{k: nltest.NewKernel(), held: make(chan netlink.Message, 1024)}
	f.k.Register(rsFamily, f.handle)
	f.k.Register(rsUserFamily, nil)
	return f
}

func (f *rsKernel) handle(r *nltest.Request) error {
	h := r.Message.Header
	token, count, ok := rsFields(r.Message.Data)
	if !ok {
		return fmt.Errorf("rsKernel: request %v has a %d-byte payload", h, len(r.Message.Data))
	}
	reply := func(i uint32) netlink.Message {
		return netlink.Message{Header: netlink.Header{Type: rsReply}, Data: rsPayload(token, i)}
	}
	switch h.Type {
	case rsGet:
		return r.Reply(reply(count))
	case rsDump:
		msgs := make([]netlink.Message, count)
		for i := range msgs {
			msgs[i] = reply(uint32(i))
		}
		return r.Dump(msgs, nltest.RandomSplit(uint64(token)))
	case rsChange:
		// As the kernel does without NLM_F_ECHO, the notification of a
		// change carries the requester's port and sequence number: only
		// the group it was sent to tells it from a reply.
		n := netlink.Message{Header: netlink.Header{Type: rsNotify, Sequence: h.Sequence, PID: r.Port}, Data: rsPayload(token, 0)}
		if err := f.k.Broadcast(rsFamily, rsGroup, n); err != nil && !errors.Is(err, syscall.ESRCH) {
			return err
		}
		return nil
	case rsFail:
		return syscall.EINVAL
	case rsHeld:
		f.held <- r.Message
		return nil
	case rsTwice:
		if count == 1 {
			return r.Reply(reply(1), reply(2))
		}
		if err := r.Reply(reply(1)); err != nil {
			return err
		}
		return r.Reply(reply(2))
	}
	return fmt.Errorf("rsKernel: unexpected request %v", h)
}

// dial dials family on the fake kernel and closes the Conn at Cleanup.
func (f *rsKernel) dial(t testing.TB, family int, cfg *netlink.Config) *netlink.Conn {
	t.Helper()
	c, err := f.k.Dial(family, cfg)
	if err != nil {
		t.Fatalf("nltest Dial(%d): %v", family, err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// unicast sends msgs to c as one datagram from the kernel.
func (f *rsKernel) unicast(t testing.TB, c *netlink.Conn, msgs ...netlink.Message) {
	t.Helper()
	if err := f.k.Unicast(rsFamily, c.PID(), msgs...); err != nil {
		t.Fatalf("Unicast to %d: %v", c.PID(), err)
	}
}

// broadcast sends msgs to rsGroup as one datagram from the kernel.
func (f *rsKernel) broadcast(t testing.TB, msgs ...netlink.Message) {
	t.Helper()
	if err := f.k.Broadcast(rsFamily, rsGroup, msgs...); err != nil {
		t.Fatalf("Broadcast: %v", err)
	}
}

// sendMarker unicasts an rsMarker to c from the kernel.
func (f *rsKernel) sendMarker(t testing.TB, c *netlink.Conn) {
	t.Helper()
	f.unicast(t, c, netlink.Message{Header: netlink.Header{Type: rsMarker}})
}

// rsWait bounds every wait of these tests: long enough for a loaded
// machine under -race, short enough that a hang fails quickly.
const rsWait = 2 * time.Second

// rsExecute runs ExecuteContext with a deadline of rsWait.
func rsExecute(c *netlink.Conn, m netlink.Message) ([]netlink.Message, error) {
	ctx, cancel := context.WithTimeout(context.Background(), rsWait)
	defer cancel()
	return c.ExecuteContext(ctx, m)
}

// receiveWithin runs ReceiveContext with a deadline of d.
func receiveWithin(c *netlink.Conn, d time.Duration) ([]netlink.Message, netlink.Source, error) {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	return c.ReceiveContext(ctx)
}

// isTimeout reports whether err is a deadline or a cancellation.
func isTimeout(err error) bool {
	return errors.Is(err, context.DeadlineExceeded) || errors.Is(err, os.ErrDeadlineExceeded) ||
		errors.Is(err, context.Canceled)
}

// received is what Receive returned over several calls: the messages, the
// source of each, and the errors, in order.
type received struct {
	msgs []netlink.Message
	srcs []netlink.Source
	errs []error
}

// receiveRest sends c a marker from the kernel and receives up to it,
// each Receive within rsWait. A timeout fails the test: the marker, sent
// last, must arrive.
func (f *rsKernel) receiveRest(t testing.TB, c *netlink.Conn) received {
	t.Helper()
	f.sendMarker(t, c)
	var r received
	for {
		msgs, src, err := receiveWithin(c, rsWait)
		if isTimeout(err) || errors.Is(err, net.ErrClosed) {
			t.Errorf("Receive: %v before the marker sent last arrived", err)
			return r
		}
		if err != nil {
			r.errs = append(r.errs, err)
		}
		for _, m := range msgs {
			if m.Header.Type == rsMarker {
				return r
			}
			r.msgs = append(r.msgs, m)
			r.srcs = append(r.srcs, src)
		}
	}
}

// summary is a message as these tests compare it: type, token and count
// (or dump index), and whether it came from the Conn's own port and
// carried NLM_F_MULTI.
type summary struct {
	Type  netlink.HeaderType
	Token uint32
	N     uint32
	Multi bool
}

func (s summary) String() string {
	name := s.Type.String()
	if i := int(s.Type - rsGet); i >= 0 && i < len(rsTypeNames) {
		name = rsTypeNames[i]
	}
	return fmt.Sprintf("%s{%d,%d multi=%v}", name, s.Token, s.N, s.Multi)
}

// rsTypeNames names the fixture's types, from rsGet on.
var rsTypeNames = []string{"get", "dump", "change", "fail", "held", "twice", "reply", "notify", "marker"}

// summarize summarizes msgs. Token and N are decoded from the fixture's
// own types only.
func summarize(msgs []netlink.Message) []summary {
	var out []summary
	for _, m := range msgs {
		s := summary{Type: m.Header.Type, Multi: m.Header.Flags&netlink.Multi != 0}
		if m.Header.Type >= rsGet && m.Header.Type <= rsMarker {
			s.Token, s.N, _ = rsFields(m.Data)
		}
		out = append(out, s)
	}
	return out
}

// overruns counts the errors matching both ErrOverrun and ENOBUFS, and
// returns the others.
func overruns(errs []error) (n int, others []error) {
	for _, err := range errs {
		if errors.Is(err, netlink.ErrOverrun) && errors.Is(err, syscall.ENOBUFS) {
			n++
		} else {
			others = append(others, err)
		}
	}
	return n, others
}

// wantReply checks that msgs is exactly the rsReply to an rsGet carrying
// token and count, addressed to the Conn's port.
func wantReply(t testing.TB, c *netlink.Conn, msgs []netlink.Message, token, count uint32) {
	t.Helper()
	want := []netlink.Message{{
		Header: netlink.Header{Length: uint32(netlink.MessageLen(8)), Type: rsReply, PID: c.PID()},
		Data:   rsPayload(token, count),
	}}
	if diff := cmp.Diff(want, msgs, cmpopts.IgnoreFields(netlink.Header{}, "Sequence")); diff != "" {
		t.Errorf("replies to request %d (-want +got):\n%s", token, diff)
	}
}
