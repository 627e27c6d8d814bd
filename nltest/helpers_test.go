package nltest

import (
	"bytes"
	"encoding/binary"
	"errors"
	"os"
	"syscall"
	"testing"
	"time"

	"github.com/nlgo/netlink"
)

// Family numbers the tests register.
const (
	famKernel = 16 // a family with a handler
	famUser   = 2  // a family without a kernel socket, like NETLINK_USERSOCK
)

// dial dials family on k with cfg and closes the Conn at Cleanup.
func dial(t testing.TB, k *Kernel, family int, cfg *netlink.Config) *netlink.Conn {
	t.Helper()
	c, err := k.Dial(family, cfg)
	if err != nil {
		t.Fatalf("Dial(%d, %+v): %v", family, cfg, err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// receive receives one datagram within a second, as it is: through
// ReceiveEach, which hands NLMSG_ERROR messages over rather than
// returning them as errors.
func receive(t testing.TB, c *netlink.Conn) ([]netlink.Message, netlink.Source, error) {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(time.Second))
	defer c.SetReadDeadline(time.Time{})
	var msgs []netlink.Message
	var src netlink.Source
	err := c.ReceiveEach(func(m netlink.Message, from netlink.Source) bool {
		m.Data = append([]byte(nil), m.Data...)
		msgs, src = append(msgs, m), from
		return true
	})
	return msgs, src, err
}

// mustReceive receives one datagram, failing the test on an error.
func mustReceive(t testing.TB, c *netlink.Conn) ([]netlink.Message, netlink.Source) {
	t.Helper()
	msgs, src, err := receive(t, c)
	if err != nil {
		t.Fatalf("Receive: %v", err)
	}
	return msgs, src
}

// pending reports whether c's socket has something for Receive: a
// datagram, an error, or a dump to continue.
func pending(k *Kernel, c *netlink.Conn) bool {
	k.mu.Lock()
	defer k.mu.Unlock()
	s := k.conns[c]
	return len(s.queue) > 0 || s.errNOBUFS || s.dump != nil
}

// received receives the datagrams pending on c, each re-encoded to bytes.
// Everything the fake kernel sends in answer to a Send is queued before
// Send returns, so this needs no timeout.
func received(t *testing.T, k *Kernel, c *netlink.Conn) [][]byte {
	t.Helper()
	var out [][]byte
	for pending(k, c) {
		msgs, _, err := receive(t, c)
		if err != nil {
			t.Fatalf("Receive: %v", err)
		}
		var b []byte
		for _, m := range msgs {
			b, _ = m.AppendBinary(b)
		}
		out = append(out, b)
	}
	return out
}

// expectNothing fails the test if c receives anything within 20ms.
func expectNothing(t testing.TB, c *netlink.Conn) {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(20 * time.Millisecond))
	defer c.SetReadDeadline(time.Time{})
	msgs, src, err := c.ReceiveFrom()
	if !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Errorf("received %v from %+v, %v; want nothing", msgs, src, err)
	}
}

// Byte builders for expected datagrams, independent of the code under
// test. Integers are in native byte order, as the kernel writes them.

func ne32(v uint32) []byte { return binary.NativeEndian.AppendUint32(nil, v) }

// neErrno encodes an error code as the kernel sends it: negated.
func neErrno(e syscall.Errno) []byte { return ne32(uint32(-int32(e))) }

func ne16(v uint16) []byte { return binary.NativeEndian.AppendUint16(nil, v) }

// hdr encodes a header.
func hdr(length uint32, typ netlink.HeaderType, flags netlink.HeaderFlags, seq, pid uint32) []byte {
	return cat(ne32(length), ne16(uint16(typ)), ne16(uint16(flags)), ne32(seq), ne32(pid))
}

// attr encodes an attribute with its padding.
func attr(typ uint16, data []byte) []byte {
	b := cat(ne16(uint16(4+len(data))), ne16(typ), data)
	return append(b, make([]byte, (4-len(b)%4)%4)...)
}

func cat(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

// msg builds a message for a test.
func msg(typ netlink.HeaderType, flags netlink.HeaderFlags, seq uint32, data string) netlink.Message {
	return netlink.Message{Header: netlink.Header{Type: typ, Flags: flags, Sequence: seq}, Data: []byte(data)}
}
