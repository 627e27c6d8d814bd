//go:build linux

package netlink

import (
	"encoding/binary"
	"testing"
)

// benchGetLinkRequest is RTM_GETLINK for interface index 1, answered by one
// RTM_NEWLINK in any network namespace.
func benchGetLinkRequest() Message {
	ifinfo := make([]byte, 16)
	binary.NativeEndian.PutUint32(ifinfo[4:8], 1)
	return Message{Header: Header{Type: 18, Flags: Request}, Data: ifinfo}
}

// BenchmarkExecuteGetLink is one request, one reply, against the kernel.
func BenchmarkExecuteGetLink(b *testing.B) {
	c, err := Dial(0, nil)
	if err != nil {
		b.Skip(err)
	}
	defer c.Close()
	req := benchGetLinkRequest()
	b.ReportAllocs()
	for b.Loop() {
		msgs, err := c.Execute(req)
		if err != nil || len(msgs) != 1 {
			b.Fatal(len(msgs), err)
		}
	}
}

func TestExecuteAllocs(t *testing.T) {
	c, err := Dial(0, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	req := benchGetLinkRequest()
	n := testing.AllocsPerRun(100, func() {
		if msgs, err := c.Execute(req); err != nil || len(msgs) != 1 {
			panic(err)
		}
	})
	if n > 2 {
		t.Fatalf("Execute allocated %v times, want at most 2", n)
	}
}
