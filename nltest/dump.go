package nltest

import (
	"math/rand/v2"
	"syscall"

	"github.com/nlgo/netlink"
)

// A DumpOption changes how Request.Dump sends a dump.
type DumpOption func(*dump)

// SplitAfter sets how many messages each datagram of the dump holds: the
// first counts[0], the next counts[1], and so on, the final NLMSG_DONE
// counting as a message; past the counts, datagrams are filled up to the
// size budget. Counts below 1 mean 1. Explicit counts are obeyed even when
// the datagram is larger than the reader's buffer, which truncates it.
func SplitAfter(counts ...int) DumpOption {
	return func(d *dump) { d.counts = append(d.counts, counts...) }
}

// RandomSplit splits the dump at random message boundaries, drawn from a
// generator seeded with seed, each datagram within the size budget.
func RandomSplit(seed uint64) DumpOption {
	return func(d *dump) { d.rng = rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)) }
}

// DumpInterruptedAt sets NLM_F_DUMP_INTR on message i of the dump, as the
// kernel does when the table changed while it was dumped
// (nl_dump_check_consistent); i equal to the number of messages flags the
// NLMSG_DONE. The option may be given more than once.
func DumpInterruptedAt(i int) DumpOption {
	return func(d *dump) { d.interrupted = append(d.interrupted, i) }
}

// DumpError ends the dump with an error: its NLMSG_DONE carries the code,
// and, with ExtendedAcknowledge, the extended ack, as when a kernel dump
// callback fails. err is a syscall.Errno or an *ExtError.
func DumpError(err error) DumpOption {
	return func(d *dump) { d.err = err }
}

// dump is a dump in progress on a socket (the kernel's cb_running): the
// messages still to send, and how to split them.
type dump struct {
	msgs        []netlink.Message // filled in, NLM_F_MULTI set
	next        int               // the next message to send; len(msgs) is the DONE
	part        int               // datagrams sent so far
	seq, port   uint32
	counts      []int
	rng         *rand.Rand
	interrupted []int
	err         error
	code        int32
	ext         *ExtError
}

// Dump answers the request with a dump of msgs, like netlink_dump_start:
// each message gets NLM_F_MULTI and, where zero, the request's sequence
// number and the requester's port; an NLMSG_DONE follows the last one.
// The messages go in datagrams no larger than the reader's buffer (at most
// 32 KiB, as in the kernel), unless options split them otherwise; the
// final DONE comes in a datagram of its own, as it does from kernel
// dumpers, which report more to come whenever they filled anything.
//
// Like the kernel, Dump sends the first datagram at once and each next
// one as the reader receives, while its queue is at most half full. A
// handler returns Dump's error: nil means no acknowledgement follows. A
// dump still in progress on the requester's socket makes Dump fail with
// EBUSY, and a full queue with ENOBUFS.
func (r *Request) Dump(msgs []netlink.Message, opts ...DumpOption) error {
	d := &dump{seq: r.Message.Header.Sequence, port: r.Port}
	for _, o := range opts {
		o(d)
	}
	if d.err != nil {
		code, ext, ok := errorCode(d.err)
		if !ok {
			return d.err
		}
		d.code, d.ext = code, ext
	}
	d.msgs = make([]netlink.Message, len(msgs))
	for i, m := range msgs {
		m = r.fill(m)
		m.Header.Flags |= netlink.Multi | d.flagsAt(i)
		d.msgs[i] = m
	}
	k := r.k
	k.mu.Lock()
	defer k.mu.Unlock()
	s := r.s
	if s.closed {
		return syscall.ECONNREFUSED
	}
	if s.dump != nil {
		return syscall.EBUSY
	}
	s.dump = d
	r.dumped = true
	return s.lockedContinueDump()
}

// flagsAt returns the extra flags of message i: NLM_F_DUMP_INTR if asked.
func (d *dump) flagsAt(i int) netlink.HeaderFlags {
	for _, j := range d.interrupted {
		if i == j {
			return netlink.DumpInterrupted
		}
	}
	return 0
}

// lockedContinueDump queues the next datagram of the dump in progress,
// like netlink_dump: it fails with ENOBUFS, leaving the dump to continue
// later, when the queue is full. Dump datagrams bypass the queue limit
// otherwise, as in the kernel.
func (s *socket) lockedContinueDump() error {
	d := s.dump
	if s.queued >= s.rcvbuf {
		return syscall.ENOBUFS
	}
	extAck := s.options[netlink.ExtendedAcknowledge]
	done := func() netlink.Message {
		return doneMessage(d.code, d.seq, d.port, d.flagsAt(len(d.msgs)), extAck, d.ext)
	}
	b := d.nextPart(s.maxRecv, done)
	s.k.lockedRecord(0, s.port, 0, b)
	if fb, keep := s.lockedFilter(b); keep {
		s.lockedEnqueue(datagram{b: fb})
	}
	if d.next > len(d.msgs) {
		s.dump = nil
	}
	return nil
}

// nextPart encodes the next datagram: as many messages as the split
// options say, or as fit in budget bytes (always at least one), the DONE
// alone unless a split option puts it with others.
func (d *dump) nextPart(budget int, done func() netlink.Message) []byte {
	total := len(d.msgs) + 1
	item := func(i int) netlink.Message {
		if i < len(d.msgs) {
			return d.msgs[i]
		}
		return done()
	}
	byBudget := d.part >= len(d.counts) && d.rng == nil
	fit, size := 0, 0
	for i := d.next; i < total; i++ {
		n := netlink.MessageSpace(len(item(i).Data))
		if fit > 0 && (size+n > budget || (byBudget && i == len(d.msgs))) {
			break
		}
		size += n
		fit++
	}
	count := fit
	switch {
	case d.part < len(d.counts):
		count = min(max(d.counts[d.part], 1), total-d.next)
	case d.rng != nil:
		count = 1 + d.rng.IntN(fit)
	}
	d.part++
	var b []byte
	for i := d.next; i < d.next+count; i++ {
		b, _ = item(i).AppendBinary(b) // fails only past 4 GiB
	}
	d.next += count
	return b
}
