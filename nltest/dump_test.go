package nltest

import (
	"errors"
	"fmt"
	"syscall"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/nlgo/netlink"
)

// dumpKernel answers every request with a dump of n messages of 40-byte
// payloads ("m0", "m1", ... padded), with opts.
func dumpKernel(n int, opts ...DumpOption) *Kernel {
	return newKernel(func(r *Request) error {
		msgs := make([]netlink.Message, n)
		for i := range msgs {
			data := make([]byte, 40)
			copy(data, fmt.Sprintf("m%d", i))
			msgs[i] = netlink.Message{Header: netlink.Header{Type: 30}, Data: data}
		}
		return r.Dump(msgs, opts...)
	})
}

// readDump sends a dump request and reads through NLMSG_DONE, returning
// the messages of each datagram.
func readDump(t *testing.T, c *netlink.Conn, seq uint32) [][]netlink.Message {
	t.Helper()
	if _, err := c.Send(msg(20, netlink.Request|netlink.Dump, seq, "")); err != nil {
		t.Fatalf("Send: %v", err)
	}
	var parts [][]netlink.Message
	for {
		msgs, _ := mustReceive(t, c)
		parts = append(parts, msgs)
		if msgs[len(msgs)-1].Header.Type == netlink.Done {
			return parts
		}
	}
}

func TestDumpSplits(t *testing.T) {
	tests := []struct {
		name    string
		n       int
		maxSize int
		opts    []DumpOption
		want    []int // messages per datagram, DONE included
	}{
		{name: "by the reader's buffer", n: 10, maxSize: 256, want: []int{4, 4, 2, 1}},
		{name: "all in one, DONE alone", n: 10, want: []int{10, 1}},
		{name: "empty", n: 0, want: []int{1}},
		{name: "SplitAfter, then by size", n: 10, opts: []DumpOption{SplitAfter(1, 3)}, want: []int{1, 3, 6, 1}},
		{name: "SplitAfter with the DONE", n: 10, opts: []DumpOption{SplitAfter(5, 9)}, want: []int{5, 6}},
		{name: "SplitAfter below 1", n: 3, opts: []DumpOption{SplitAfter(0, -2)}, want: []int{1, 1, 1, 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k := dumpKernel(tt.n, tt.opts...)
			c := dial(t, k, famKernel, &netlink.Config{PID: 500, MaxMessageSize: tt.maxSize})
			parts := readDump(t, c, 77)
			var got []int
			i := 0
			for _, p := range parts {
				got = append(got, len(p))
				for _, m := range p {
					want := netlink.Header{Length: 56, Type: 30, Flags: netlink.Multi, Sequence: 77, PID: 500}
					if i == tt.n {
						want.Length, want.Type = 20, netlink.Done
					}
					if m.Header != want {
						t.Errorf("message %d: %v, want %v", i, m.Header, want)
					}
					i++
				}
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("messages per datagram (-want +got):\n%s", diff)
			}
			done := parts[len(parts)-1]
			if d := done[len(done)-1].Data; !cmp.Equal(d, []byte{0, 0, 0, 0}) {
				t.Errorf("NLMSG_DONE payload % x, want a zero code", d)
			}
		})
	}
}

func TestDumpRandomSplit(t *testing.T) {
	split := func(seed uint64) []int {
		k := dumpKernel(50, RandomSplit(seed))
		c := dial(t, k, famKernel, &netlink.Config{MaxMessageSize: 1024})
		var counts []int
		total := 0
		for _, p := range readDump(t, c, 1) {
			counts = append(counts, len(p))
			total += len(p)
			if size := 56 * len(p); len(p) > 1 && size > 1024 {
				t.Errorf("a datagram of %d messages, %d bytes, exceeds the 1024-byte buffer", len(p), size)
			}
		}
		if total != 51 {
			t.Errorf("seed %d: %d messages, want 51", seed, total)
		}
		return counts
	}
	a, b, c := split(1), split(1), split(2)
	if !cmp.Equal(a, b) {
		t.Errorf("seed 1 split %v, then %v", a, b)
	}
	if cmp.Equal(a, c) {
		t.Errorf("seeds 1 and 2 split alike: %v", a)
	}
}

func TestDumpLazy(t *testing.T) {
	k := dumpKernel(100)
	c := dial(t, k, famKernel, &netlink.Config{MaxMessageSize: 256})
	k.Record()
	if _, err := c.Send(msg(20, netlink.Request|netlink.Dump, 1, "")); err != nil {
		t.Fatal(err)
	}
	parts := func() int { return len(k.Datagrams()) - 1 } // less the request
	if n := parts(); n != 1 {
		t.Fatalf("%d datagrams sent before any Receive, want 1", n)
	}
	mustReceive(t, c)
	if n := parts(); n != 2 {
		t.Errorf("%d datagrams sent after one Receive, want 2", n)
	}
	msgs, err := c.Execute(msg(20, netlink.Request|netlink.Dump, 2, ""))
	if !errors.Is(err, syscall.EBUSY) || len(msgs) != 0 {
		t.Errorf("a second dump while the first runs: %d messages, %v; want EBUSY", len(msgs), err)
	}
}

func TestDumpBusy(t *testing.T) {
	k := dumpKernel(20)
	c := dial(t, k, famKernel, &netlink.Config{MaxMessageSize: 256})
	first, err := c.Send(msg(20, netlink.Request|netlink.Dump, 1, ""))
	if err != nil {
		t.Fatal(err)
	}
	second, err := c.Send(msg(20, netlink.Request|netlink.Dump, 2, ""))
	if err != nil {
		t.Fatal(err)
	}
	var firstMsgs, busy int
	for busy == 0 || firstMsgs < 21 {
		msgs, _ := mustReceive(t, c)
		for _, m := range msgs {
			switch m.Header.Sequence {
			case first.Header.Sequence:
				firstMsgs++
			case second.Header.Sequence:
				a, err := netlink.ParseAck(m)
				if err != nil || a.Errno() != syscall.EBUSY || a.Request.Header != second.Header {
					t.Errorf("answer to the second dump: %+v, %v; want EBUSY echoing it", a, err)
				}
				busy++
			}
		}
	}
	if busy != 1 {
		t.Errorf("%d answers to the second dump, want one EBUSY", busy)
	}
	// Once the first is done, a dump starts again.
	if msgs, err := c.Execute(msg(20, netlink.Request|netlink.Dump, 3, "")); err != nil || len(msgs) != 20 {
		t.Errorf("a dump after the first: %d messages, %v", len(msgs), err)
	}
}

func TestDumpInterrupted(t *testing.T) {
	for _, at := range []int{0, 2, 3} {
		t.Run(fmt.Sprint(at), func(t *testing.T) {
			k := dumpKernel(3, DumpInterruptedAt(at))
			c := dial(t, k, famKernel, nil)
			var flagged []int
			i := 0
			for _, p := range readDump(t, c, 1) {
				for _, m := range p {
					if m.Header.Flags&netlink.DumpInterrupted != 0 {
						flagged = append(flagged, i)
					}
					i++
				}
			}
			if !cmp.Equal(flagged, []int{at}) {
				t.Errorf("NLM_F_DUMP_INTR on messages %v, want [%d]", flagged, at)
			}
			msgs, err := c.Execute(msg(20, netlink.Request|netlink.Dump, 2, ""))
			if !errors.Is(err, netlink.ErrDumpInterrupted) || len(msgs) != 3 {
				t.Errorf("Execute: %d messages, %v; want 3 and ErrDumpInterrupted", len(msgs), err)
			}
		})
	}
}

func TestDumpError(t *testing.T) {
	const port, seq = 600, 9
	ext := &ExtError{Errno: syscall.EINVAL, Message: "bad dump", Offset: 16}
	tests := []struct {
		name   string
		extAck bool
		want   []byte // the NLMSG_DONE
	}{
		{name: "with extended ack", extAck: true,
			want: cat(hdr(20+16+8, netlink.Done, netlink.Multi|netlink.AcknowledgeTLVs, seq, port),
				neErrno(syscall.EINVAL), attr(1, []byte("bad dump\x00")), attr(2, ne32(16)))},
		{name: "without", want: cat(hdr(20, netlink.Done, netlink.Multi, seq, port), neErrno(syscall.EINVAL))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k := dumpKernel(2, DumpError(ext))
			c := dial(t, k, famKernel, &netlink.Config{PID: port})
			if err := c.SetOption(netlink.ExtendedAcknowledge, tt.extAck); err != nil {
				t.Fatal(err)
			}
			if _, err := c.Send(msg(20, netlink.Request|netlink.Dump|netlink.Acknowledge, seq, "")); err != nil {
				t.Fatal(err)
			}
			got := received(t, k, c)
			if len(got) != 2 {
				t.Fatalf("%d datagrams, want the messages, then the DONE, and no acknowledgement", len(got))
			}
			if diff := cmp.Diff(tt.want, got[1]); diff != "" {
				t.Errorf("NLMSG_DONE (-want +got):\n%s", diff)
			}
			msgs, err := c.Execute(msg(20, netlink.Request|netlink.Dump, seq+1, ""))
			var oe *netlink.OpError
			if !errors.As(err, &oe) || !errors.Is(err, syscall.EINVAL) || len(msgs) != 2 {
				t.Fatalf("Execute: %d messages, %v; want 2 and EINVAL", len(msgs), err)
			}
			if tt.extAck && (oe.Message != "bad dump" || oe.Offset != 16) {
				t.Errorf("extended ack %+v, want the dump's", oe.ExtAck)
			}
		})
	}
	t.Run("not an errno", func(t *testing.T) {
		broken := errors.New("broken")
		k := dumpKernel(2, DumpError(broken))
		c := dial(t, k, famKernel, nil)
		if _, err := c.Execute(msg(20, netlink.Request|netlink.Dump, 1, "")); !errors.Is(err, broken) {
			t.Errorf("Execute: %v, want the error", err)
		}
	})
}
