package netlink

import (
	"testing"
)

// addrDumpDatagram builds one datagram shaped like the kernel's answer to
// an RTM_GETADDR dump of IPv6 addresses: 450 RTM_NEWADDR messages of 72
// bytes (an ifaddrmsg, the address, cache info and flags), 32,400 bytes in
// all, as the kernel fills its 32 KiB dump buffers.
func addrDumpDatagram(seq uint32) (b []byte, n int) {
	for ; n < 450; n++ {
		p := []byte{10, 128, 0x80, 0, 3, 0, 0, 0} // ifaddrmsg: AF_INET6, /128, ifindex 3
		p = append(p, rawAttr(1, []byte{0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, byte(n >> 8), byte(n)})...)
		p = append(p, rawAttr(6, make([]byte, 16))...) // IFA_CACHEINFO
		p = append(p, rawAttr(8, ne32(0x80))...)       // IFA_FLAGS
		b = append(b, rawMessage(20, Multi, seq, 0x4f25, p)...)
	}
	return b, n
}

// replyCounter counts the bytes of the replies handed to its method.
type replyCounter struct{ n int }

func (r *replyCounter) take(m Message) bool {
	r.n += len(m.Data)
	return true
}

// BenchmarkRouteDump measures the per-message cost of an exchange taking a
// datagram of dump replies: routing each one and handing it to
// ExecuteEach's function, a closure ("each") or a method value
// ("each-method", which the package documentation advises against), or
// keeping it for Execute ("keep"). Each op also copies the datagram into
// the receive buffer, about 2 ns per message.
func BenchmarkRouteDump(b *testing.B) {
	const seq = 7
	dgram, n := addrDumpDatagram(seq)
	for _, mode := range []string{"each", "each-method", "keep"} {
		b.Run(mode, func(b *testing.B) {
			c, _ := newFakeConn(b, 1, Config{})
			rb := &readBuffer{b: make([]byte, len(dgram)+Alignment)}
			count := 0
			var each func(Message) bool
			switch mode {
			case "each":
				each = func(m Message) bool {
					count += len(m.Data)
					return true
				}
			case "each-method":
				each = (&replyCounter{}).take
			}
			b.ReportAllocs()
			for b.Loop() {
				copy(rb.b, dgram)
				x := exchange{req: Header{Sequence: seq, Flags: Request | Dump}, want: wantReplies, streaming: each != nil, rb: rb}
				c.lockedRoute(&x, len(dgram), Source{})
				if x.done || x.err != nil || x.count != n {
					b.Fatalf("exchange after one datagram: done %v, err %v, kept %d", x.done, x.err, x.count)
				}
				if each != nil {
					x.deliver(rb.b[:x.kept], x.count, each)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/msg")
		})
	}
}

// BenchmarkMessagesAddrDump walks the same datagram with the Messages
// iterator, as ReceiveEach does.
func BenchmarkMessagesAddrDump(b *testing.B) {
	dgram, n := addrDumpDatagram(7)
	b.ReportAllocs()
	sum := 0
	for b.Loop() {
		for m, err := range Messages(dgram) {
			if err != nil {
				b.Fatal(err)
			}
			sum += len(m.Data) + int(m.Header.Sequence)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/msg")
	_ = sum
}

// BenchmarkExecuteCopyOut measures Execute's copy of the kept replies out
// of the receive buffer: 5,001 address replies, as in a dump of 5,001
// IPv6 addresses.
func BenchmarkExecuteCopyOut(b *testing.B) {
	dgram, n := addrDumpDatagram(7)
	var kept []byte
	for len(kept) < 11*len(dgram) {
		kept = append(kept, dgram...)
	}
	kept = append(kept, dgram[:51*72]...)
	x := exchange{count: 11*n + 51, rb: &readBuffer{b: kept}, kept: len(kept)}
	b.ReportAllocs()
	for b.Loop() {
		msgs := x.messages()
		if len(msgs) != x.count {
			b.Fatal(len(msgs))
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*x.count), "ns/msg")
}
