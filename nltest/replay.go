package nltest

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"slices"
	"sync"

	"github.com/nlgo/netlink"
	"github.com/nlgo/netlink/nldecode"
	"github.com/nlgo/netlink/nlpcap"
)

// A Replay is a fake kernel that answers requests with the replies of a
// recorded capture: record a program's exchanges with the real kernel
// once (an nlpcap.Writer as the Conn's Tap), and test the program against
// the recording forever after, without root or a kernel.
//
// Each request message is matched to the recorded requests of its family
// by type, flags and payload; sequence number and port are ignored. The
// recorded requests are used in the order of the capture, each once; when
// all that match were used, the last of them answers again. The answer is
// the datagrams the kernel sent in reply to the recorded request (those
// carrying its sequence number and port), in order and with the same
// boundaries, rewritten for the new request: every message, and the
// request an NLMSG_ERROR echoes, gets the new sequence number, and the
// recorded port becomes the requester's. Nothing else is added: a
// recorded acknowledgement is replayed, none is made up.
//
// A request that matches nothing fails the Conn's Execute (or next
// Receive) with a *ReplayMismatch, which shows the difference from the
// nearest recorded request; Err reports every mismatch, for a test to
// check when it ends.
//
// Families with at least one datagram from the kernel in the capture are
// served; Dial fails on the others with EPROTONOSUPPORT. Notifications
// and other datagrams from the kernel that answer no recorded request are
// not replayed. The capture must come from a machine of the same byte
// order.
type Replay struct {
	k *Kernel

	mu        sync.Mutex
	exchanges map[int][]*replayExchange // by family, in capture order
	errs      []error
}

// A replayExchange is one recorded request and the kernel's answer.
type replayExchange struct {
	req     netlink.Message
	replies [][]byte // whole datagrams, in order
	used    bool
}

// A ReplayMismatch is the failure of a request that no recorded request
// matches.
type ReplayMismatch struct {
	// Family is the request's protocol family.
	Family int
	// Request is the request as sent.
	Request netlink.Message
	// Diff compares the nearest recorded request with it, decoded and
	// without sequence numbers and ports, in the (-want +got) style; ""
	// when the capture has no request of the family at all.
	Diff string
}

// Error says which request matched nothing, and how it differs.
func (e *ReplayMismatch) Error() string {
	s := fmt.Sprintf("nltest: replay: no recorded request of family %d matches %v", e.Family, e.Request.Header)
	if e.Diff == "" {
		return s + ": the capture has no request of this family"
	}
	return s + "; the nearest recorded one (-want +got):\n" + e.Diff
}

// NewReplay returns a Replay of the capture in r, an nlpcap file.
func NewReplay(r io.Reader) (*Replay, error) {
	recs, err := nlpcap.ReadAll(r)
	if err != nil {
		return nil, err
	}
	return ReplayRecords(recs)
}

// ReplayRecords returns a Replay of a capture's records.
func ReplayRecords(recs []nlpcap.Record) (*Replay, error) {
	rp := &Replay{k: NewKernel(), exchanges: make(map[int][]*replayExchange)}
	type key struct {
		family   int
		seq, pid uint32
	}
	last := make(map[key]*replayExchange) // the latest request with the key
	served := make(map[int]bool)
	for i, rec := range recs {
		if len(rec.Data) < rec.Length {
			return nil, fmt.Errorf("nltest: replay: record %d was cut to %d of its %d bytes", i+1, len(rec.Data), rec.Length)
		}
		if rec.PacketType == nlpcap.PacketKernel {
			served[rec.Protocol] = true
			h, ok := firstHeader(rec.Data)
			if x := last[key{rec.Protocol, h.Sequence, h.PID}]; ok && x != nil {
				x.replies = append(x.replies, rec.Data)
			}
			continue
		}
		msgs, _ := netlink.ParseMessages(rec.Data)
		for _, m := range msgs {
			if m.Header.Flags&netlink.Request == 0 {
				continue
			}
			x := &replayExchange{req: m}
			rp.exchanges[rec.Protocol] = append(rp.exchanges[rec.Protocol], x)
			last[key{rec.Protocol, m.Header.Sequence, m.Header.PID}] = x
		}
	}
	for family := range served {
		rp.k.Register(family, func(r *Request) error { return rp.answer(family, r) })
	}
	return rp, nil
}

// firstHeader reads the header of the first message in b.
func firstHeader(b []byte) (netlink.Header, bool) {
	for m, err := range netlink.Messages(b) {
		return m.Header, err == nil
	}
	return netlink.Header{}, false
}

// Kernel returns the fake kernel serving the capture, for Dial, Record,
// and faults.
func (rp *Replay) Kernel() *Kernel { return rp.k }

// Dial opens a Conn on family proto of the replay's Kernel.
func (rp *Replay) Dial(proto int, cfg *netlink.Config) (*netlink.Conn, error) {
	return rp.k.Dial(proto, cfg)
}

// Err returns the mismatches so far, joined, or nil.
func (rp *Replay) Err() error {
	rp.mu.Lock()
	defer rp.mu.Unlock()
	return errors.Join(rp.errs...)
}

// answer serves one request of family: it queues the recorded replies,
// rewritten, and stops the Kernel from acknowledging on its own.
func (rp *Replay) answer(family int, r *Request) error {
	x, err := rp.match(family, r.Message)
	if err != nil {
		return err
	}
	r.acked = true // the recorded answer has its acknowledgement, if any
	old := x.req.Header
	k := r.k
	k.mu.Lock()
	defer k.mu.Unlock()
	if r.s.closed {
		return nil
	}
	for _, d := range x.replies {
		b := rewrite(d, old, r.Message.Header.Sequence, r.Port)
		k.lockedRecord(0, r.s.port, 0, b)
		r.s.lockedEnqueue(datagram{b: b})
	}
	return nil
}

// match finds the recorded exchange for req, or says why there is none.
func (rp *Replay) match(family int, req netlink.Message) (*replayExchange, error) {
	rp.mu.Lock()
	defer rp.mu.Unlock()
	var again *replayExchange
	for _, x := range rp.exchanges[family] {
		if !sameRequest(x.req, req) {
			continue
		}
		if !x.used {
			x.used = true
			return x, nil
		}
		again = x
	}
	if again != nil {
		return again, nil
	}
	err := &ReplayMismatch{Family: family, Request: netlink.Message{Header: req.Header, Data: slices.Clone(req.Data)}}
	if near := nearest(rp.exchanges[family], req); near != nil {
		err.Diff = diffLines(requestLines(family, near.req), requestLines(family, req))
	}
	rp.errs = append(rp.errs, err)
	return nil, err
}

// requestLines formats a request, decoded, for a diff: without the
// sequence number and port, which matching ignores.
func requestLines(family int, m netlink.Message) []string {
	m.Header.Sequence, m.Header.PID = 0, 0
	var d nldecode.Decoder
	return lines(d.DecodeMessage(family, m).String())
}

// sameRequest reports whether got matches the recorded request want: the
// same type, flags and payload.
func sameRequest(want, got netlink.Message) bool {
	return want.Header.Type == got.Header.Type && want.Header.Flags == got.Header.Flags &&
		bytes.Equal(want.Data, got.Data)
}

// nearest returns the recorded request most like req: of its type if
// there is one, then with most payload bytes in common.
func nearest(xs []*replayExchange, req netlink.Message) *replayExchange {
	var best *replayExchange
	bestScore := -1
	for _, x := range xs {
		score := commonPrefix(x.req.Data, req.Data)
		if x.req.Header.Type == req.Header.Type {
			score += 1 << 20
		}
		if x.req.Header.Flags == req.Header.Flags {
			score += 1 << 19
		}
		if score > bestScore {
			best, bestScore = x, score
		}
	}
	return best
}

func commonPrefix(a, b []byte) int {
	n := 0
	for n < len(a) && n < len(b) && a[n] == b[n] {
		n++
	}
	return n
}

// rewrite copies a recorded reply datagram, giving every message, and the
// request each NLMSG_ERROR echoes, the sequence number seq, and the port
// port where it had the recorded request's.
func rewrite(d []byte, old netlink.Header, seq, port uint32) []byte {
	b := slices.Clone(d)
	patch := func(h []byte) {
		if binary.NativeEndian.Uint32(h[8:]) == old.Sequence {
			binary.NativeEndian.PutUint32(h[8:], seq)
		}
		if binary.NativeEndian.Uint32(h[12:]) == old.PID {
			binary.NativeEndian.PutUint32(h[12:], port)
		}
	}
	off := 0
	for m, err := range netlink.Messages(b) {
		if err != nil {
			break
		}
		patch(b[off : off+netlink.HeaderLen])
		if m.Header.Type == netlink.Error && len(m.Data) >= 4+netlink.HeaderLen {
			patch(b[off+netlink.HeaderLen+4 : off+2*netlink.HeaderLen+4])
		}
		off += netlink.Align(int(m.Header.Length))
	}
	return b
}
