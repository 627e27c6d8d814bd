//go:build linux && vmtest

package netlink

import (
	"bytes"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/nlgo/netlink/internal/kmod"
)

// kmDumpRequest asks the module for count records.
func kmDumpRequest(count uint32) Message {
	return kmMsg(kmod.TypeDump, Dump, kmod.DumpRequest(count))
}

// kmCheckRecord checks that m is dump record want of the answer to seq,
// its name attribute decoded with an AttributeDecoder, and returns it.
func kmCheckRecord(m Message, seq, want uint32) (kmod.DumpRecord, error) {
	if m.Header.Type != HeaderType(kmod.TypeDump) || m.Header.Flags&Multi == 0 || m.Header.Sequence != seq {
		return kmod.DumpRecord{}, fmt.Errorf("record %d: header %v, want type %d, multi, seq %d", want, m.Header, kmod.TypeDump, seq)
	}
	r, err := kmod.ParseDumpRecord(m.Data)
	if err != nil {
		return r, err
	}
	if r.Index != want {
		return r, fmt.Errorf("record %d has index %d", want, r.Index)
	}
	d := NewAttributeDecoder(m.Data[kmod.DumpRecordSize:])
	names := 0
	for d.Next() {
		if d.Type() != kmod.DumpAttrName || d.Len() != kmod.DumpNameLen {
			return r, fmt.Errorf("record %d: attribute %d of %d bytes, want %d of %d", want, d.Type(), d.Len(), kmod.DumpAttrName, kmod.DumpNameLen)
		}
		if got := string(bytes.TrimRight(d.Data(), "\x00")); got != kmod.DumpRecordName(want) {
			return r, fmt.Errorf("record %d: name %q, want %q", want, got, kmod.DumpRecordName(want))
		}
		names++
	}
	if err := d.Err(); err != nil || names != 1 {
		return r, fmt.Errorf("record %d: %d names, decoder error %v", want, names, err)
	}
	return r, nil
}

// kmRecordSpace is the size of one dump record on the wire: header, fixed
// part, name attribute.
const kmRecordSpace = HeaderLen + kmod.DumpRecordSize + AttributeHeaderLen + kmod.DumpNameLen

// TestIntegrationKmodDump reads a 10,000-record dump, spread by the kernel
// over many datagrams: through Execute, which returns every record once
// and in order, and through Send and ReceiveEach, which show the
// datagrams and the NLMSG_DONE. With a small MaxMessageSize the kernel,
// which sizes dump datagrams to the reader's buffer, sends more and
// smaller datagrams, and none is truncated.
func TestIntegrationKmodDump(t *testing.T) {
	const n = 10000
	for _, size := range []int{0, 8192} {
		t.Run(fmt.Sprintf("MaxMessageSize=%d", size), func(t *testing.T) {
			c := kmDial(t, -1, &Config{MaxMessageSize: size})
			start := time.Now()
			msgs := kmExec(t, c, kmDumpRequest(n))
			if len(msgs) != n {
				t.Fatalf("Execute returned %d records, want %d", len(msgs), n)
			}
			seq := msgs[0].Header.Sequence
			for i, m := range msgs {
				if _, err := kmCheckRecord(m, seq, uint32(i)); err != nil {
					t.Fatal(err)
				}
			}
			t.Logf("Execute: %d records in %v", n, time.Since(start))

			sent, err := c.Send(kmDumpRequest(n))
			if err != nil {
				t.Fatal(err)
			}
			if err := c.SetReadDeadline(time.Now().Add(kmTimeout)); err != nil {
				t.Fatal(err)
			}
			defer c.SetReadDeadline(time.Time{})
			var next uint32
			var datagrams int
			var fail error
			for done := false; !done && fail == nil; {
				err := c.ReceiveEach(func(m Message, src Source) bool {
					if src != (Source{}) {
						fail = fmt.Errorf("datagram from %+v, want the kernel", src)
						return false
					}
					if m.Header.Type == Done {
						done = true
						if m.Header.Sequence != sent.Header.Sequence {
							fail = fmt.Errorf("NLMSG_DONE %v, want seq %d", m.Header, sent.Header.Sequence)
						}
						fail = errors.Join(fail, CheckMessage(m))
						return false
					}
					if _, err := kmCheckRecord(m, sent.Header.Sequence, next); err != nil {
						fail = err
						return false
					}
					next++
					return true
				})
				if err != nil {
					t.Fatalf("ReceiveEach after %d records: %v", next, err)
				}
				datagrams++
			}
			if fail != nil {
				t.Fatal(fail)
			}
			if next != n {
				t.Fatalf("ReceiveEach: %d records, want %d", next, n)
			}
			// The kernel's dump datagrams hold at most 32 KiB.
			limit := 32 << 10
			if size != 0 {
				limit = size
			}
			if least := n * kmRecordSpace / limit; datagrams < least {
				t.Errorf("%d records in %d datagrams: want at least %d", n, datagrams, least)
			}
			t.Logf("ReceiveEach: %d records in %d datagrams", n, datagrams)
		})
	}
}

// TestIntegrationKmodTruncated receives datagrams larger than
// MaxMessageSize: the error matches ErrTruncated and ErrTooLarge, the
// datagram is gone, and the Conn goes on with the next one.
func TestIntegrationKmodTruncated(t *testing.T) {
	const size = 256
	c := kmDial(t, -1, &Config{MaxMessageSize: size})
	big := bytes.Repeat([]byte("big "), size/4)
	if _, err := c.Send(kmMsg(kmod.TypeEcho, 0, big)); err != nil {
		t.Fatal(err)
	}
	_, _, err := kmRecvErr(c, kmTimeout)
	var oe *OpError
	if !errors.Is(err, ErrTruncated) || !errors.Is(err, ErrTooLarge) || !errors.As(err, &oe) || oe.Op != "receive" {
		t.Fatalf("Receive of a %d-byte datagram with MaxMessageSize %d: %v, want a receive *OpError matching ErrTruncated and ErrTooLarge",
			HeaderLen+len(big), size, err)
	}
	small := []byte("small")
	if msgs := kmExec(t, c, kmMsg(kmod.TypeEcho, 0, small)); len(msgs) != 1 || !bytes.Equal(msgs[0].Data, small) {
		t.Fatalf("echo after the truncated datagram: %v", msgs)
	}
	if _, err := kmExecErr(c, kmMsg(kmod.TypeEcho, 0, big)); !errors.Is(err, ErrTruncated) {
		t.Fatalf("Execute with a %d-byte reply: %v, want ErrTruncated", HeaderLen+len(big), err)
	}
	if msgs := kmExec(t, c, kmMsg(kmod.TypeEcho, 0, small)); len(msgs) != 1 || !bytes.Equal(msgs[0].Data, small) {
		t.Fatalf("echo after the truncated reply: %v", msgs)
	}
	kmQuiet(t, c, "after the exchanges")
}

// TestIntegrationKmodDumpInterrupted changes the table (MUTATE, from
// another Conn) while a dump is being read, deterministically: read the
// first datagram, change the table, read on. The kernel builds the next
// part of a dump while a read copies out the previous one, so the part
// after next is built after the change, and flagged NLM_F_DUMP_INTR.
func TestIntegrationKmodDumpInterrupted(t *testing.T) {
	const n = 5000
	c, m := kmDial(t, -1, nil), kmDial(t, -1, nil)
	sent, err := c.Send(kmDumpRequest(n))
	if err != nil {
		t.Fatal(err)
	}
	var next uint32
	var gens []uint32
	intr, datagrams := false, 0
	for done := false; !done; {
		msgs, _ := kmRecv(t, c)
		datagrams++
		for _, msg := range msgs {
			intr = intr || msg.Header.Flags&DumpInterrupted != 0
			if msg.Header.Type == Done {
				done = true
				break
			}
			r, err := kmCheckRecord(msg, sent.Header.Sequence, next)
			if err != nil {
				t.Fatal(err)
			}
			if len(gens) == 0 || gens[len(gens)-1] != r.Generation {
				gens = append(gens, r.Generation)
			}
			next++
		}
		if datagrams == 1 {
			kmExec(t, m, kmMsg(kmod.TypeMutate, Acknowledge, nil))
		}
	}
	if next != n || !intr || len(gens) != 2 {
		t.Fatalf("%d records in %d datagrams, interrupted %v, generations %v: want %d records, interrupted, two generations",
			next, datagrams, intr, gens, n)
	}
}

// TestIntegrationKmodDumpInterruptedExecute has another goroutine change
// the table over and over while Execute reads a dump: Execute returns the
// complete result, every record once and in order, together with
// ErrDumpInterrupted.
func TestIntegrationKmodDumpInterruptedExecute(t *testing.T) {
	const n = 20000
	c, m := kmDial(t, -1, nil), kmDial(t, -1, nil)
	kmExec(t, m, kmMsg(kmod.TypeMutate, Acknowledge, nil))
	var stop atomic.Bool
	var wg sync.WaitGroup
	mutations := 1
	wg.Add(1)
	go func() {
		defer wg.Done()
		for !stop.Load() {
			if _, err := kmExecErr(m, kmMsg(kmod.TypeMutate, Acknowledge, nil)); err != nil {
				t.Errorf("MUTATE: %v", err)
				return
			}
			mutations++
		}
	}()
	msgs, err := kmExecErr(c, kmDumpRequest(n))
	stop.Store(true)
	wg.Wait()
	if !errors.Is(err, ErrDumpInterrupted) {
		t.Fatalf("Execute: %v, want ErrDumpInterrupted (%d mutations during the dump)", err, mutations)
	}
	if len(msgs) != n {
		t.Fatalf("Execute returned %d records with the error, want all %d", len(msgs), n)
	}
	var oe *OpError
	if !errors.As(err, &oe) || oe.Op != "execute" || oe.Sequence != msgs[0].Header.Sequence {
		t.Errorf("error %#v, want an execute *OpError with the request's sequence", err)
	}
	gens := map[uint32]bool{}
	flagged := 0
	for i, msg := range msgs {
		r, err := kmCheckRecord(msg, msgs[0].Header.Sequence, uint32(i))
		if err != nil {
			t.Fatal(err)
		}
		gens[r.Generation] = true
		if msg.Header.Flags&DumpInterrupted != 0 {
			flagged++
		}
	}
	if len(gens) < 2 || flagged == 0 {
		t.Errorf("%d generations, %d records flagged: want the change visible", len(gens), flagged)
	}
	t.Logf("%d mutations, %d generations, %d records flagged", mutations, len(gens), flagged)
}

// TestIntegrationKmodExecuteConcurrent runs many Executes at once on one
// Conn: each gets its own payload back. Meanwhile the kernel sends the
// Conn notifications and broadcasts to a group it joined, which Execute
// sets aside for Receive, in order.
func TestIntegrationKmodExecuteConcurrent(t *testing.T) {
	const goroutines, each, events = 32, 300, 20
	const group = 7
	c, n := kmDial(t, -1, nil), kmDial(t, -1, nil)
	if err := c.JoinGroup(group); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	var wg sync.WaitGroup
	errs := make(chan error, goroutines+1)
	for g := range goroutines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				// Distinct payloads of varying length, padding included.
				payload := []byte(fmt.Sprintf("goroutine %02d request %03d %s", g, i, bytes.Repeat([]byte{'x'}, (g*7+i)%13)))
				msgs, err := kmExecErr(c, kmMsg(kmod.TypeEcho, 0, payload))
				if err == nil && (len(msgs) != 1 || !bytes.Equal(msgs[0].Data, payload) || msgs[0].Header.PID != c.PID()) {
					err = fmt.Errorf("got %v, want one echo of %q", msgs, payload)
				}
				if err != nil {
					errs <- fmt.Errorf("goroutine %d request %d: %w", g, i, err)
					return
				}
			}
		}()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := range events {
			// Even events are notifications to c's port, odd ones
			// broadcasts to the group.
			data := []byte(fmt.Sprintf("event %d", i))
			req := kmMsg(kmod.TypeNotify, Acknowledge, kmod.NotifyRequest(c.PID(), data))
			if i%2 == 1 {
				req = kmMsg(kmod.TypeBroadcast, Acknowledge, kmod.GroupRequest(group, data))
			}
			if _, err := kmExecErr(n, req); err != nil {
				errs <- fmt.Errorf("event %d: %w", i, err)
				return
			}
			time.Sleep(time.Millisecond)
		}
	}()
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	elapsed := time.Since(start)
	t.Logf("%d Executes by %d goroutines in %v (%v each)", goroutines*each, goroutines, elapsed, elapsed/(goroutines*each))

	for i := range events {
		msgs, src := kmRecv(t, c)
		want := []Message{kmKernelMsg(kmod.TypeNotify, 0, 0, 0, []byte(fmt.Sprintf("event %d", i)))}
		wantSrc := Source{}
		if i%2 == 1 {
			want[0].Header.Type = HeaderType(kmod.TypeBroadcast)
			wantSrc.Group = group
		}
		if diff := cmp.Diff(want, msgs); diff != "" || src != wantSrc {
			t.Fatalf("Receive %d: from %+v, want %+v (-want +got):\n%s", i, src, wantSrc, diff)
		}
	}
	kmQuiet(t, c, "after the events")
}
