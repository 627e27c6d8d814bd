//go:build linux && vmtest

package kmod_test

// Smoke tests of the nlgo_test module, run inside the VM by internal/vmtest
// (as root and as an unprivileged user). They speak raw netlink through
// x/sys/unix so they prove the module and the pipeline on their own.

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"runtime"
	"testing"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/sys/unix"

	"github.com/nlgo/netlink/internal/kmod"
	"github.com/nlgo/netlink/internal/testenv"
)

// TestIntegrationKmodEcho is seed 000's exchange: bind with nl_pid = getpid(),
// send "Hello you!" to the kernel, read it back. The kernel's autobind hands
// the process id to the first socket that binds without a port, so this works
// only while no other socket of the process is open: every test closes its
// sockets in t.Cleanup, and tests here do not run in parallel.
func TestIntegrationKmodEcho(t *testing.T) {
	pid := uint32(os.Getpid())
	s := dial(t, -1, pid, 0)
	if got := s.portID(); got != pid {
		t.Fatalf("port %d, want getpid() %d", got, pid)
	}
	hello := []byte("Hello you!\x00")
	s.send(kmod.TypeEcho, 0, 1, hello)
	msgs, from := s.recv()
	if from.Pid != 0 || from.Groups != 0 {
		t.Errorf("reply from pid %d groups %#x, want the kernel (0, 0)", from.Pid, from.Groups)
	}
	want := []msg{{typ: kmod.TypeEcho, seq: 1, pid: pid, data: hello}}
	if diff := cmp.Diff(want, msgs, cmp.AllowUnexported(msg{})); diff != "" {
		t.Fatalf("echo (-want +got):\n%s", diff)
	}
	t.Logf("received message payload: %s (uid %d)", bytes.TrimRight(msgs[0].data, "\x00"), os.Geteuid())

	// With NLM_F_ACK the reply is followed by an ack, as in real families.
	s.send(kmod.TypeEcho, unix.NLM_F_ACK, 2, []byte("again"))
	if m := s.recvOne(); m.typ != kmod.TypeEcho || string(m.data) != "again" {
		t.Fatalf("echo with ack: got %+v", m)
	}
	if a := s.recvAck(2); a.errno != 0 {
		t.Fatalf("ack errno %v, want 0", a.errno)
	}
}

// TestIntegrationKmodPrivileges checks that the run is what it says it is.
func TestIntegrationKmodPrivileges(t *testing.T) {
	if os.Getenv("NLGO_VM") != "1" {
		testenv.Skip(t, "NLGO_VM is not set: not inside the vmtest VM")
	}
	euid, want := os.Geteuid(), 0
	if unprivileged() {
		want = 65534
	}
	if euid != want {
		t.Fatalf("euid %d, want %d (NLGO_VM_UNPRIVILEGED=%q)", euid, want, os.Getenv("NLGO_VM_UNPRIVILEGED"))
	}
}

// TestIntegrationKmodBroadcastLegacyMask is seed 000's multicast: two
// listeners bound with nl_groups = 1 get "Greeting from kernel!"; a listener
// of group 2 does not.
func TestIntegrationKmodBroadcastLegacyMask(t *testing.T) {
	a, b := dial(t, -1, 0, 1), dial(t, -1, 0, 1)
	other := dial(t, -1, 0, 1<<1)
	s := dial(t, -1, 0, 0)
	greeting := []byte("Greeting from kernel!")
	s.send(kmod.TypeBroadcast, unix.NLM_F_ACK, 7, kmod.GroupRequest(1, greeting))
	if ack := s.recvAck(7); ack.errno != 0 {
		t.Fatalf("broadcast: %v", ack.errno)
	}
	for i, l := range []*sock{a, b} {
		msgs, from := l.recv()
		want := []msg{{typ: kmod.TypeBroadcast, data: greeting}}
		if diff := cmp.Diff(want, msgs, cmp.AllowUnexported(msg{})); diff != "" {
			t.Errorf("listener %d (-want +got):\n%s", i, diff)
		}
		if from.Pid != 0 || from.Groups != 1 {
			t.Errorf("listener %d: from pid %d groups %#x, want 0, 0x1", i, from.Pid, from.Groups)
		}
	}
	other.expectNothing("listener of group 2")
}

// TestIntegrationKmodBroadcastGroup40 uses NETLINK_ADD_MEMBERSHIP for a group
// the 32-bit bind mask cannot name, and NETLINK_PKTINFO to learn the group.
func TestIntegrationKmodBroadcastGroup40(t *testing.T) {
	const group = 40
	l := dial(t, -1, 0, 0)
	l.setopt(unix.NETLINK_ADD_MEMBERSHIP, group)
	l.setopt(unix.NETLINK_PKTINFO, 1)
	legacy := dial(t, -1, 0, 0xffffffff)
	s := dial(t, -1, 0, 0)

	s.send(kmod.TypeBroadcast, unix.NLM_F_ACK, 1, kmod.GroupRequest(group, []byte("forty")))
	if ack := s.recvAck(1); ack.errno != 0 {
		t.Fatalf("broadcast: %v", ack.errno)
	}
	msgs, from, oob, err := l.recvRaw(0)
	if err != nil {
		t.Fatalf("recvmsg: %v", err)
	}
	if len(msgs) != 1 || string(msgs[0].data) != "forty" {
		t.Fatalf("got %+v, want one message \"forty\"", msgs)
	}
	if from.Groups != 0 {
		t.Errorf("nl_groups %#x, want 0 (groups > 32 have no mask bit)", from.Groups)
	}
	if g := pktinfoGroup(t, oob); g != group {
		t.Errorf("NETLINK_PKTINFO group %d, want %d", g, group)
	}
	legacy.expectNothing("socket bound to all 32 mask bits")

	l.setopt(unix.NETLINK_DROP_MEMBERSHIP, group)
	s.send(kmod.TypeBroadcast, unix.NLM_F_ACK, 2, kmod.GroupRequest(group, []byte("gone")))
	if ack := s.recvAck(2); ack.errno != 0 {
		t.Fatalf("broadcast: %v", ack.errno)
	}
	l.expectNothing("after NETLINK_DROP_MEMBERSHIP")
}

func pktinfoGroup(t *testing.T, oob []byte) uint32 {
	t.Helper()
	cmsgs, err := unix.ParseSocketControlMessage(oob)
	if err != nil {
		t.Fatalf("control messages: %v", err)
	}
	for _, c := range cmsgs {
		if c.Header.Level == unix.SOL_NETLINK && c.Header.Type == unix.NETLINK_PKTINFO && len(c.Data) >= 4 {
			return ne.Uint32(c.Data)
		}
	}
	t.Fatalf("no NETLINK_PKTINFO in %d control messages", len(cmsgs))
	return 0
}

// TestIntegrationKmodError checks errors and extended acks.
func TestIntegrationKmodError(t *testing.T) {
	tests := []struct {
		name    string
		typ     uint16
		payload []byte
		want    ackErr
	}{
		{"requested ENOENT", kmod.TypeError, kmod.ErrorRequest(int32(unix.ENOENT), 0),
			ackErr{errno: unix.ENOENT, msg: kmod.ErrorMessage}},
		{"requested EPERM with offset", kmod.TypeError, kmod.ErrorRequest(int32(unix.EPERM), 20),
			ackErr{errno: unix.EPERM, msg: kmod.ErrorMessage, offset: 20, hasOff: true}},
		{"errno 0 acks", kmod.TypeError, kmod.ErrorRequest(0, 0), ackErr{}},
		{"offset outside request", kmod.TypeError, kmod.ErrorRequest(int32(unix.EIO), 24),
			ackErr{errno: unix.EINVAL, msg: "nlgo_test: bad_offset outside the request"}},
		{"short payload", kmod.TypeError, []byte{1, 2, 3},
			ackErr{errno: unix.EINVAL, msg: "nlgo_test: ERROR payload must be 8 bytes"}},
		{"unknown type", 0x7f, nil,
			ackErr{errno: unix.EOPNOTSUPP, msg: "nlgo_test: unknown message type"}},
		{"dump without NLM_F_DUMP", kmod.TypeDump, kmod.DumpRequest(1),
			ackErr{errno: unix.EINVAL, msg: "nlgo_test: DUMP needs NLM_F_DUMP"}},
		{"group 0", kmod.TypeBroadcast, kmod.GroupRequest(0, nil),
			ackErr{errno: unix.EINVAL, msg: "nlgo_test: group must be 1..64"}},
		{"group 65", kmod.TypeFlood, kmod.FloodRequest(65, 1, 1),
			ackErr{errno: unix.EINVAL, msg: "nlgo_test: group must be 1..64"}},
	}
	s := dial(t, -1, 0, 0)
	s.setopt(unix.NETLINK_EXT_ACK, 1)
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			seq := uint32(100 + i)
			s.t = t
			s.send(tt.typ, unix.NLM_F_ACK, seq, tt.payload)
			got := s.recvAck(seq)
			got.flags, got.seq = 0, 0
			if diff := cmp.Diff(tt.want, got, cmp.AllowUnexported(ackErr{})); diff != "" {
				t.Errorf("ack (-want +got):\n%s", diff)
			}
		})
	}
	// Without NETLINK_EXT_ACK the kernel sends no TLVs.
	plain := dial(t, -1, 0, 0)
	plain.send(kmod.TypeError, 0, 1, kmod.ErrorRequest(int32(unix.ENOENT), 0))
	if a := plain.recvAck(1); a.errno != unix.ENOENT || a.flags&unix.NLM_F_ACK_TLVS != 0 || a.msg != "" {
		t.Errorf("without NETLINK_EXT_ACK: %+v, want ENOENT without TLVs", a)
	}
}

// readDump reads a dump answer to seq until NLMSG_DONE.
func readDump(t *testing.T, s *sock, seq uint32, between func(datagram int)) (recs []kmod.DumpRecord, datagrams int, intr bool) {
	t.Helper()
	for {
		msgs, _ := s.recv()
		datagrams++
		for _, m := range msgs {
			if m.seq != seq {
				t.Fatalf("message seq %d, want %d", m.seq, seq)
			}
			intr = intr || m.flags&unix.NLM_F_DUMP_INTR != 0
			switch m.typ {
			case unix.NLMSG_DONE:
				return recs, datagrams, intr
			case unix.NLMSG_ERROR:
				a, _ := parseAck(m)
				t.Fatalf("dump failed: %v %q", a.errno, a.msg)
			case kmod.TypeDump:
				recs = append(recs, checkRecord(t, m))
			default:
				t.Fatalf("unexpected message type %#x in dump", m.typ)
			}
		}
		if between != nil {
			between(datagrams)
		}
	}
}

func checkRecord(t *testing.T, m msg) kmod.DumpRecord {
	t.Helper()
	if m.flags&unix.NLM_F_MULTI == 0 {
		t.Fatalf("dump record without NLM_F_MULTI: %+v", m)
	}
	r, err := kmod.ParseDumpRecord(m.data)
	if err != nil {
		t.Fatal(err)
	}
	attrs := parseAttrs(m.data[kmod.DumpRecordSize:])
	if len(attrs) != 1 || attrs[0].typ != kmod.DumpAttrName || len(attrs[0].data) != kmod.DumpNameLen {
		t.Fatalf("record %d: attributes %+v, want one %d-byte name", r.Index, attrs, kmod.DumpNameLen)
	}
	if got, want := string(bytes.TrimRight(attrs[0].data, "\x00")), kmod.DumpRecordName(r.Index); got != want {
		t.Fatalf("record %d: name %q, want %q", r.Index, got, want)
	}
	return r
}

// TestIntegrationKmodDump dumps 1000 records and checks that every one came,
// in order, several to a datagram.
func TestIntegrationKmodDump(t *testing.T) {
	const n = 1000
	s := dial(t, -1, 0, 0)
	s.send(kmod.TypeDump, unix.NLM_F_DUMP, 42, kmod.DumpRequest(n))
	recs, datagrams, intr := readDump(t, s, 42, nil)
	if len(recs) != n {
		t.Fatalf("got %d records, want %d", len(recs), n)
	}
	for i, r := range recs {
		if r.Index != uint32(i) {
			t.Fatalf("record %d has index %d", i, r.Index)
		}
	}
	if intr {
		t.Errorf("NLM_F_DUMP_INTR set without a concurrent change")
	}
	if datagrams >= n/4 {
		t.Errorf("%d datagrams for %d records: want several records per datagram", datagrams, n)
	}
	t.Logf("%d records in %d datagrams", n, datagrams)
}

// TestIntegrationKmodDumpInterrupted changes the table generation mid-dump.
func TestIntegrationKmodDumpInterrupted(t *testing.T) {
	s, m := dial(t, -1, 0, 0), dial(t, -1, 0, 0)
	s.send(kmod.TypeDump, unix.NLM_F_DUMP, 9, kmod.DumpRequest(2000))
	recs, _, intr := readDump(t, s, 9, func(datagram int) {
		if datagram == 1 {
			m.send(kmod.TypeMutate, unix.NLM_F_ACK, 1, nil)
			if a := m.recvAck(1); a.errno != 0 {
				t.Fatalf("mutate: %v", a.errno)
			}
		}
	})
	if !intr {
		t.Fatalf("no NLM_F_DUMP_INTR after MUTATE during the dump")
	}
	if len(recs) != 2000 || recs[0].Generation == recs[len(recs)-1].Generation {
		t.Fatalf("%d records, generations %d..%d: want 2000 spanning a change", len(recs), recs[0].Generation, recs[len(recs)-1].Generation)
	}
}

// TestIntegrationKmodNotify has the kernel unicast to another socket's port.
func TestIntegrationKmodNotify(t *testing.T) {
	s, dst := dial(t, -1, 0, 0), dial(t, -1, 0, 0)
	s.setopt(unix.NETLINK_EXT_ACK, 1)
	s.send(kmod.TypeNotify, unix.NLM_F_ACK, 5, kmod.NotifyRequest(dst.portID(), []byte("psst")))
	if a := s.recvAck(5); a.errno != 0 {
		t.Fatalf("notify: %v", a.errno)
	}
	want := msg{typ: kmod.TypeNotify, data: []byte("psst")}
	if diff := cmp.Diff(want, dst.recvOne(), cmp.AllowUnexported(msg{})); diff != "" {
		t.Errorf("notification (-want +got):\n%s", diff)
	}
	s.send(kmod.TypeNotify, unix.NLM_F_ACK, 6, kmod.NotifyRequest(0x7ffffff0, nil))
	if a := s.recvAck(6); a.errno != unix.ECONNREFUSED {
		t.Errorf("notify to a port nobody holds: %v, want ECONNREFUSED", a.errno)
	}
}

// TestIntegrationKmodFlood overruns a small receive buffer: ENOBUFS.
func TestIntegrationKmodFlood(t *testing.T) {
	l := dial(t, -1, 0, 1<<2)
	if err := unix.SetsockoptInt(l.fd, unix.SOL_SOCKET, unix.SO_RCVBUF, 8192); err != nil {
		t.Fatal(err)
	}
	s := dial(t, -1, 0, 0)
	s.send(kmod.TypeFlood, unix.NLM_F_ACK, 1, kmod.FloodRequest(3, 200, 1000))
	if a := s.recvAck(1); a.errno != 0 {
		t.Fatalf("flood: %v", a.errno)
	}
	for i := 0; ; i++ {
		_, _, _, err := l.recvRaw(unix.MSG_DONTWAIT)
		if errors.Is(err, unix.ENOBUFS) {
			t.Logf("ENOBUFS after %d messages", i)
			return
		}
		if err != nil {
			t.Fatalf("after %d messages: %v, want ENOBUFS", i, err)
		}
	}
}

// TestIntegrationKmodNetns checks that the protocol exists in a new network
// namespace too (the module registers per namespace).
func TestIntegrationKmodNetns(t *testing.T) {
	if unprivileged() {
		t.Skip("unsharing a network namespace needs root; covered by the root run")
	}
	testenv.RequireRoot(t)
	proto := protocol(t)
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread() // never unlocked: the thread dies with its namespace
		if err := unix.Unshare(unix.CLONE_NEWNET); err != nil {
			errc <- err
			return
		}
		fd, err := unix.Socket(unix.AF_NETLINK, unix.SOCK_RAW|unix.SOCK_CLOEXEC, proto)
		if err != nil {
			errc <- err
			return
		}
		defer unix.Close(fd)
		tv := unix.NsecToTimeval(10e9)
		if err := unix.SetsockoptTimeval(fd, unix.SOL_SOCKET, unix.SO_RCVTIMEO, &tv); err != nil {
			errc <- err
			return
		}
		if err := unix.Sendto(fd, encode(kmod.TypeEcho, unix.NLM_F_REQUEST, 3, 0, []byte("ns")), 0,
			&unix.SockaddrNetlink{Family: unix.AF_NETLINK}); err != nil {
			errc <- err
			return
		}
		buf := make([]byte, 4096)
		n, _, err := unix.Recvfrom(fd, buf, 0)
		if err != nil {
			errc <- err
			return
		}
		if msgs, err := parseMsgs(buf[:n]); err != nil || len(msgs) != 1 || string(msgs[0].data) != "ns" {
			errc <- fmt.Errorf("bad echo in the new namespace: %+v, %v", msgs, err)
			return
		}
		errc <- nil
	}()
	if err := <-errc; err != nil {
		t.Fatalf("echo in a new network namespace: %v", err)
	}
}
