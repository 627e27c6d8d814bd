//go:build linux

package netlink_test

import (
	"context"
	"encoding/binary"
	"errors"
	"net"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/nlgo/netlink"
	"golang.org/x/sys/unix"
)

// The Conn's scenarios, run twice: against the host kernel, in a network
// namespace of their own, and against nltest, whose handlers mimic the
// kernel for exactly the requests the scenarios send. Each run records
// what the Conn returned (messages, sources, errors); the two records must
// be identical. Ports and sequence numbers are chosen explicitly, so they
// agree; what legitimately differs (timestamps, how many datagrams a small
// queue holds) is normalised where the scenario says so.

// TestIntegrationScenarios runs every scenario on both backends and
// compares what the Conn returned.
func TestIntegrationScenarios(t *testing.T) {
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			fake := runScenario(t, sc, newFakeBackend())
			if sc.hostCannot != "" {
				t.Logf("nltest only: %s", sc.hostCannot)
				return
			}
			host := runScenario(t, sc, newHostBackend(t))
			if diff := cmp.Diff(host, fake, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("what the Conn returned, host kernel vs nltest (-host +nltest):\n%s", diff)
			}
		})
	}
}

// A scenario is a client's steps, run on either backend.
type scenario struct {
	name string
	// hostCannot, when set, says why the host kernel cannot be made to
	// produce the scenario on demand: it then runs against nltest only,
	// and its check must say what is right.
	hostCannot string
	// run performs the steps and returns what the Conn returned.
	run func(t *testing.T, b backend) []outcome
	// check, if set, asserts on the outcomes, on both backends.
	check func(t *testing.T, out []outcome)
}

// runScenario runs sc on b, checks it, and returns its outcomes.
func runScenario(t *testing.T, sc scenario, b backend) []outcome {
	t.Helper()
	out := sc.run(t, b)
	if sc.check != nil {
		sc.check(t, out)
	}
	return out
}

// An outcome is one thing the Conn returned, in comparable form.
type outcome struct {
	Step string
	Msgs []netlink.Message
	Src  netlink.Source
	Err  *errOutcome
	Note string
}

// errOutcome is an error as the tests compare it: its text, the sentinels
// and errnos it matches, and the fields of its *netlink.OpError.
type errOutcome struct {
	Text     string
	Matches  []string
	Sequence uint32
	Request  netlink.Header
	ExtAck   netlink.ExtAck
}

// matchable are the errors whose matching the scenarios compare.
var matchable = []struct {
	name string
	err  error
}{
	{"ErrOverrun", netlink.ErrOverrun}, {"ErrTruncated", netlink.ErrTruncated},
	{"ErrTooLarge", netlink.ErrTooLarge}, {"ErrDumpInterrupted", netlink.ErrDumpInterrupted},
	{"ENOBUFS", unix.ENOBUFS}, {"EINVAL", unix.EINVAL}, {"EBUSY", unix.EBUSY},
	{"ErrDeadlineExceeded", os.ErrDeadlineExceeded}, {"ErrClosed", net.ErrClosed},
}

func describe(err error) *errOutcome {
	if err == nil {
		return nil
	}
	e := &errOutcome{Text: err.Error()}
	for _, m := range matchable {
		if errors.Is(err, m.err) {
			e.Matches = append(e.Matches, m.name)
		}
	}
	var oe *netlink.OpError
	if errors.As(err, &oe) {
		e.Sequence, e.Request, e.ExtAck = oe.Sequence, oe.Request, oe.ExtAck
	}
	return e
}

// The scenarios. Ports are in 7000..7499 and each scenario has its own
// namespace (or Kernel), so they never collide.
var scenarios = []scenario{
	{
		name: "ack",
		run: func(t *testing.T, b backend) []outcome {
			c := b.dial(t, unix.NETLINK_ROUTE, netlink.Config{PID: 7001, Strict: true})
			return []outcome{
				sendReceive(t, c, "raw acknowledgement", linkUpRequest(100)),
				execute(t, c, "Execute", linkUpRequest(101)),
			}
		},
		check: func(t *testing.T, out []outcome) {
			wantAck(t, out[0], 0, netlink.Capped)
		},
	},
	{
		name: "error with extended ack",
		run: func(t *testing.T, b backend) []outcome {
			c := b.dial(t, unix.NETLINK_ROUTE, netlink.Config{PID: 7002, Strict: true})
			return []outcome{
				sendReceive(t, c, "raw error", badGetLinkRequest(200)),
				execute(t, c, "Execute", badGetLinkRequest(201)),
			}
		},
		check: func(t *testing.T, out []outcome) {
			wantAck(t, out[0], -int32(unix.EINVAL), netlink.AcknowledgeTLVs)
			wantExtAck(t, out[1], "Unknown attribute type", netlink.HeaderLen+unix.SizeofIfInfomsg)
		},
	},
	{
		name: "capped ack",
		run: func(t *testing.T, b backend) []outcome {
			c := b.dial(t, unix.NETLINK_ROUTE, netlink.Config{PID: 7003})
			setOptions(t, c, netlink.CapAcknowledge, netlink.ExtendedAcknowledge, netlink.GetStrictCheck)
			out := []outcome{
				sendReceive(t, c, "raw capped error", badGetLinkRequest(300)),
				sendReceive(t, c, "raw capped acknowledgement", linkUpRequest(301)),
				execute(t, c, "Execute", badGetLinkRequest(302)),
			}
			if err := c.SetOption(netlink.ExtendedAcknowledge, false); err != nil {
				t.Fatal(err)
			}
			return append(out, sendReceive(t, c, "raw capped error without extended ack", badGetLinkRequest(303)))
		},
		check: func(t *testing.T, out []outcome) {
			wantAck(t, out[0], -int32(unix.EINVAL), netlink.Capped|netlink.AcknowledgeTLVs)
			wantAck(t, out[1], 0, netlink.Capped)
			wantExtAck(t, out[2], "Unknown attribute type", netlink.HeaderLen+unix.SizeofIfInfomsg)
			wantAck(t, out[3], -int32(unix.EINVAL), netlink.Capped)
		},
	},
	{
		name: "dump",
		run: func(t *testing.T, b backend) []outcome {
			const routes = 1000 // over 50 KB: several datagrams from either kernel
			idx := b.addVeth(t, "d0", "d1")
			b.linkUp(t, "d1")
			b.linkUp(t, "d0")
			b.addRoutes(t, "d0", idx, routes)
			c := b.dial(t, unix.NETLINK_ROUTE, netlink.Config{PID: 7004})
			return []outcome{
				execute(t, c, "Execute", routeDumpRequest(400)),
				receiveDump(t, c, "Send and Receive", routeDumpRequest(401)),
			}
		},
		check: func(t *testing.T, out []outcome) {
			if n := len(out[0].Msgs); n != 1000 || out[0].Err != nil {
				t.Errorf("Execute: %d routes, %+v; want 1000 and no error", n, out[0].Err)
			}
			if !strings.HasPrefix(out[1].Note, "in several datagrams") {
				t.Errorf("the dump came %s", out[1].Note)
			}
		},
	},
	{
		name: "dump interrupted",
		hostCannot: "the host kernel sets NLM_F_DUMP_INTR only when the table changes between two " +
			"parts of a dump, a race no test can win on demand; nltest flags message 1 of 3",
		run: func(t *testing.T, b backend) []outcome {
			idx := b.addVeth(t, "d0", "d1")
			b.addRoutes(t, "d0", idx, 3)
			b.interruptNextDump(t)
			c := b.dial(t, unix.NETLINK_ROUTE, netlink.Config{PID: 7005})
			return []outcome{execute(t, c, "Execute", routeDumpRequest(500))}
		},
		check: func(t *testing.T, out []outcome) {
			if e := out[0].Err; e == nil || !slices.Contains(e.Matches, "ErrDumpInterrupted") {
				t.Errorf("Execute: %+v, want ErrDumpInterrupted", e)
			}
			if len(out[0].Msgs) != 3 || out[0].Msgs[1].Header.Flags&netlink.DumpInterrupted == 0 {
				t.Errorf("Execute returned %v, want 3 routes, the second flagged", out[0].Msgs)
			}
		},
	},
	{name: "overrun", run: runOverrun, check: checkOverrun},
	{
		name: "truncation",
		run: func(t *testing.T, b backend) []outcome {
			r := b.dial(t, unix.NETLINK_USERSOCK, netlink.Config{PID: 7201, MaxMessageSize: 256})
			s := b.dial(t, unix.NETLINK_USERSOCK, netlink.Config{PID: 7202, Peer: 7201})
			for i, data := range [][]byte{make([]byte, 1024), []byte("small")} {
				if _, err := s.Send(netlink.Message{Header: netlink.Header{Type: netlink.MinType, Sequence: uint32(i + 1)}, Data: data}); err != nil {
					t.Fatalf("Send: %v", err)
				}
			}
			return []outcome{receive(t, r, "too large"), receive(t, r, "next")}
		},
		check: func(t *testing.T, out []outcome) {
			if e := out[0].Err; e == nil || !slices.Contains(e.Matches, "ErrTruncated") || !slices.Contains(e.Matches, "ErrTooLarge") {
				t.Errorf("receiving 1040 bytes with a 256-byte limit: %+v, want ErrTruncated and ErrTooLarge", e)
			}
		},
	},
	{name: "multicast above 32 groups", run: runHighGroup, check: checkHighGroup},
	{name: "forged sender", run: runForged, check: checkForged},
}

// setOptions turns options on.
func setOptions(t *testing.T, c *netlink.Conn, opts ...netlink.Option) {
	t.Helper()
	for _, o := range opts {
		if err := c.SetOption(o, true); err != nil {
			t.Fatalf("SetOption(%v): %v", o, err)
		}
	}
}

// linkUpRequest sets lo up, with an acknowledgement: RTM_NEWLINK for
// ifindex 1, IFF_UP in ifi_flags and ifi_change.
func linkUpRequest(seq uint32) netlink.Message {
	ifi := make([]byte, unix.SizeofIfInfomsg)
	binary.NativeEndian.PutUint32(ifi[4:], 1)
	binary.NativeEndian.PutUint32(ifi[8:], unix.IFF_UP)
	binary.NativeEndian.PutUint32(ifi[12:], unix.IFF_UP)
	return netlink.Message{
		Header: netlink.Header{Type: unix.RTM_NEWLINK, Flags: netlink.Request | netlink.Acknowledge, Sequence: seq},
		Data:   ifi,
	}
}

// badGetLinkRequest asks for lo with an attribute no kernel knows, which
// strict checking rejects.
func badGetLinkRequest(seq uint32) netlink.Message {
	ifi := make([]byte, unix.SizeofIfInfomsg)
	binary.NativeEndian.PutUint32(ifi[4:], 1)
	e := netlink.NewAttributeEncoder()
	e.Reset(ifi)
	e.Uint32(0x3fff, 1)
	data, _ := e.Encode()
	return netlink.Message{
		Header: netlink.Header{Type: unix.RTM_GETLINK, Flags: netlink.Request | netlink.Acknowledge, Sequence: seq},
		Data:   data,
	}
}

// routeDumpRequest dumps the IPv4 routes.
func routeDumpRequest(seq uint32) netlink.Message {
	rtm := make([]byte, unix.SizeofRtMsg)
	rtm[0] = unix.AF_INET
	return netlink.Message{
		Header: netlink.Header{Type: unix.RTM_GETROUTE, Flags: netlink.Request | netlink.Dump, Sequence: seq},
		Data:   rtm,
	}
}

// sendReceive sends m and returns the datagram that answers it.
func sendReceive(t *testing.T, c *netlink.Conn, step string, m netlink.Message) outcome {
	t.Helper()
	if _, err := c.Send(m); err != nil {
		t.Fatalf("%s: Send: %v", step, err)
	}
	return receive(t, c, step)
}

// receive receives one datagram, waiting at most two seconds.
func receive(t *testing.T, c *netlink.Conn, step string) outcome {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(2 * time.Second))
	defer c.SetReadDeadline(time.Time{})
	// Raw, NLMSG_ERROR included, as ReceiveEach hands messages over.
	var msgs []netlink.Message
	var src netlink.Source
	err := c.ReceiveEach(func(m netlink.Message, from netlink.Source) bool {
		m.Data = append([]byte(nil), m.Data...)
		msgs, src = append(msgs, m), from
		return true
	})
	return outcome{Step: step, Msgs: msgs, Src: src, Err: describe(err)}
}

// execute runs an exchange, for at most five seconds.
func execute(t *testing.T, c *netlink.Conn, step string, m netlink.Message) outcome {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	msgs, err := c.ExecuteContext(ctx, m)
	return outcome{Step: step, Msgs: msgs, Err: describe(err)}
}

// receiveDump sends a dump request and receives every message through
// NLMSG_DONE. Datagram boundaries are the kernel's choice and differ: the
// outcome has all the messages, and notes only whether there were several.
func receiveDump(t *testing.T, c *netlink.Conn, step string, m netlink.Message) outcome {
	t.Helper()
	if _, err := c.Send(m); err != nil {
		t.Fatalf("%s: Send: %v", step, err)
	}
	out := outcome{Step: step}
	for datagrams := 1; ; datagrams++ {
		o := receive(t, c, step)
		if o.Err != nil {
			out.Err = o.Err
			return out
		}
		out.Msgs = append(out.Msgs, o.Msgs...)
		if n := len(o.Msgs); n > 0 && o.Msgs[n-1].Header.Type == netlink.Done {
			out.Note = "in one datagram"
			if datagrams > 1 {
				out.Note = "in several datagrams"
			}
			return out
		}
	}
}

// wantAck checks that o is one NLMSG_ERROR with code and flags.
func wantAck(t *testing.T, o outcome, code int32, flags netlink.HeaderFlags) {
	t.Helper()
	if o.Err != nil || len(o.Msgs) != 1 || o.Msgs[0].Header.Type != netlink.Error {
		t.Errorf("%s: %v, %+v; want one NLMSG_ERROR", o.Step, o.Msgs, o.Err)
		return
	}
	a, err := netlink.ParseAck(o.Msgs[0])
	if err != nil || a.Code != code || o.Msgs[0].Header.Flags != flags {
		t.Errorf("%s: code %d, flags %v, %v; want code %d, flags %v", o.Step,
			a.Code, o.Msgs[0].Header.Flags.Format(netlink.AckFlags), err, code, flags.Format(netlink.AckFlags))
	}
}

// wantExtAck checks that o failed with EINVAL and the extended ack.
func wantExtAck(t *testing.T, o outcome, msg string, offset uint32) {
	t.Helper()
	want := netlink.ExtAck{Message: msg, Offset: offset}
	if o.Err == nil || !slices.Contains(o.Err.Matches, "EINVAL") || !cmp.Equal(want, o.Err.ExtAck, cmpopts.EquateEmpty()) {
		t.Errorf("%s: %+v, want EINVAL with %+v", o.Step, o.Err, want)
	}
}
