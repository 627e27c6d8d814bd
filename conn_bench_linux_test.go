//go:build linux

package netlink

import (
	"encoding/binary"
	"fmt"
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

func TestIntegrationExecuteAllocs(t *testing.T) {
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

// TestIntegrationExecuteDumpAllocs holds a dump to two allocations however many
// replies and datagrams it has: the bytes and the slice of messages.
func TestIntegrationExecuteDumpAllocs(t *testing.T) {
	c, err := Dial(0, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	req := Message{Header: Header{Type: 22 /* RTM_GETADDR */, Flags: Request | Dump}, Data: make([]byte, 8)}
	n := testing.AllocsPerRun(50, func() {
		if msgs, err := c.Execute(req); err != nil || len(msgs) == 0 {
			panic(fmt.Sprint(len(msgs), err))
		}
	})
	if n > 2 {
		t.Fatalf("a dump allocated %v times, want at most 2", n)
	}
}

// TestIntegrationExecuteEachKernel checks ExecuteEach against Execute on a real dump,
// and that it allocates nothing.
func TestIntegrationExecuteEachKernel(t *testing.T) {
	c, err := Dial(0, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	req := Message{Header: Header{Type: 22 /* RTM_GETADDR */, Flags: Request | Dump}, Data: make([]byte, 8)}
	want, err := c.Execute(req)
	if err != nil {
		t.Fatal(err)
	}
	var got [][]byte
	if err := c.ExecuteEach(req, func(m Message) bool {
		got = append(got, append([]byte(nil), m.Data...))
		return true
	}); err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) {
		t.Fatalf("ExecuteEach saw %d replies, Execute returned %d", len(got), len(want))
	}
	for i := range want {
		if string(got[i]) != string(want[i].Data) {
			t.Fatalf("reply %d differs", i)
		}
	}
	count := 0
	fn := func(Message) bool { count++; return true }
	n := testing.AllocsPerRun(50, func() {
		if err := c.ExecuteEach(req, fn); err != nil {
			panic(err)
		}
	})
	if n != 0 {
		t.Fatalf("ExecuteEach allocated %v times, want 0", n)
	}
}
