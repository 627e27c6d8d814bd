package nltest_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"strings"
	"syscall"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/nlgo/netlink"
	"github.com/nlgo/netlink/genetlink"
	"github.com/nlgo/netlink/nlpcap"
	"github.com/nlgo/netlink/nltest"
)

// Requests of the tests: a dump of links and an address that fails.
var (
	getLinks = netlink.Message{Header: netlink.Header{Type: 18, Flags: netlink.Request | netlink.Dump}, Data: make([]byte, 16)}
	newAddr  = netlink.Message{Header: netlink.Header{Type: 20, Flags: netlink.Request | netlink.Acknowledge | netlink.Create},
		Data: addrPayload(10, 0, 0, 1)}
)

// addrPayload is the payload of an RTM_NEWADDR of the address local/24 on
// link 9: an ifaddrmsg, then IFA_LOCAL, in native byte order.
func addrPayload(local ...byte) []byte {
	b := binary.NativeEndian.AppendUint32([]byte{2, 24, 0, 0}, 9) // AF_INET, /24, index 9
	attrs, _ := netlink.MarshalAttributes([]netlink.Attribute{{Type: 2, Data: local}})
	return append(b, attrs...)
}

// link is an RTM_NEWLINK of index i, of type ARPHRD_ETHER.
func link(i uint32) netlink.Message {
	ifi := make([]byte, 16)
	binary.NativeEndian.PutUint16(ifi[2:], 1)
	binary.NativeEndian.PutUint32(ifi[4:], i)
	return netlink.Message{Header: netlink.Header{Type: 16}, Data: ifi}
}

// linkIndex is the index of an RTM_NEWLINK of link; 0 when the payload
// is too short for an ifinfomsg's index.
func linkIndex(m netlink.Message) uint32 {
	if len(m.Data) < 8 {
		return 0
	}
	return binary.NativeEndian.Uint32(m.Data[4:8])
}

// recordLive runs the requests against a fake kernel standing in for the
// real one (the integration tests use the real one), captured, and
// returns the capture and the results.
func recordLive(t *testing.T, pid uint32) ([]byte, [][]netlink.Message, []error) {
	t.Helper()
	k := nltest.NewKernel()
	k.Register(0, func(r *nltest.Request) error {
		switch r.Message.Header.Type {
		case 18:
			return r.Dump([]netlink.Message{link(1), link(2), link(3)}, nltest.SplitAfter(2, 1))
		case 20:
			return &nltest.ExtError{Errno: syscall.EEXIST, Message: "address in use", Offset: 24}
		}
		return syscall.EOPNOTSUPP
	})
	var capture bytes.Buffer
	w, err := nlpcap.NewWriter(&capture, nil)
	if err != nil {
		t.Fatal(err)
	}
	c, err := k.Dial(0, &netlink.Config{PID: pid, Strict: true, Tap: w})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	var results [][]netlink.Message
	var errs []error
	for i, req := range []netlink.Message{getLinks, newAddr} {
		req.Header.Sequence = uint32(10 + i)
		msgs, err := c.Execute(req)
		results, errs = append(results, msgs), append(errs, err)
	}
	// A notification nobody asked for is not replayed.
	if err := k.Broadcast(0, 1, link(9)); err != nil && !errors.Is(err, syscall.ESRCH) {
		t.Fatal(err)
	}
	if err := w.Err(); err != nil {
		t.Fatal(err)
	}
	return capture.Bytes(), results, errs
}

// execute runs the requests on c with sequence numbers from seq.
func execute(c *netlink.Conn, seq uint32) ([][]netlink.Message, []error) {
	var results [][]netlink.Message
	var errs []error
	for i, req := range []netlink.Message{getLinks, newAddr} {
		req.Header.Sequence = seq + uint32(i)
		msgs, err := c.Execute(req)
		results, errs = append(results, msgs), append(errs, err)
	}
	return results, errs
}

// errorSummary is what the tests compare of an error: the errno and the
// extended ack.
func errorSummary(err error) string {
	var oe *netlink.OpError
	if !errors.As(err, &oe) {
		return "not an OpError"
	}
	return oe.Err.Error() + ": " + oe.Message
}

func TestReplay(t *testing.T) {
	capture, live, liveErrs := recordLive(t, 100)
	tests := []struct {
		name string
		pid  uint32
		seq  uint32
	}{
		{"same port and sequence numbers: the same bytes", 100, 10},
		{"another port and other sequence numbers: rewritten", 0, 500},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rp, err := nltest.NewReplay(bytes.NewReader(capture))
			if err != nil {
				t.Fatal(err)
			}
			c, err := rp.Dial(0, &netlink.Config{PID: tt.pid, Strict: true})
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			got, errs := execute(c, tt.seq)
			if err := rp.Err(); err != nil {
				t.Fatalf("mismatches: %v", err)
			}
			want := live
			if tt.pid != 100 {
				want = rewritten(live, c.PID(), tt.seq)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("replies (-live +replayed):\n%s", diff)
			}
			if errs[0] != nil || !errors.Is(errs[1], syscall.EEXIST) || errorSummary(errs[1]) != errorSummary(liveErrs[1]) {
				t.Errorf("errors %v, want those of the live run: %v", errs, liveErrs)
			}
		})
	}
}

// rewritten is what the live replies become for port and sequence
// numbers from seq: the same, with those in their headers.
func rewritten(live [][]netlink.Message, port, seq uint32) [][]netlink.Message {
	out := make([][]netlink.Message, len(live))
	for i, msgs := range live {
		for _, m := range msgs {
			m.Header.Sequence, m.Header.PID = seq+uint32(i), port
			out[i] = append(out[i], m)
		}
	}
	return out
}

// Datagram boundaries and the NLMSG_ERROR's echoed header are replayed
// as recorded, rewritten.
func TestReplayDatagrams(t *testing.T) {
	capture, _, _ := recordLive(t, 100)
	rp, err := nltest.NewReplay(bytes.NewReader(capture))
	if err != nil {
		t.Fatal(err)
	}
	rp.Kernel().Record()
	c, err := rp.Dial(0, &netlink.Config{PID: 7, Strict: true})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	execute(c, 1)
	var sizes []int
	for _, d := range rp.Kernel().Datagrams() {
		if d.From != 0 {
			continue
		}
		n := 0
		for m, err := range netlink.Messages(d.Data) {
			if err != nil {
				t.Fatal(err)
			}
			if m.Header.PID != 7 || m.Header.Sequence == 10 || m.Header.Sequence == 11 {
				t.Errorf("reply header %v not rewritten for port 7", m.Header)
			}
			if m.Header.Type == netlink.Error {
				a, err := netlink.ParseAck(m)
				if err != nil || a.Request.Header.Sequence != 2 || a.Request.Header.PID != 7 {
					t.Errorf("echoed request %v, %v: want sequence 2 and port 7", a.Request.Header, err)
				}
			}
			n++
		}
		sizes = append(sizes, n)
	}
	// The dump: two links, one link, the DONE; then the error.
	if diff := cmp.Diff([]int{2, 1, 1, 1}, sizes); diff != "" {
		t.Errorf("messages per datagram (-recorded +replayed):\n%s", diff)
	}
}

func TestReplayMismatch(t *testing.T) {
	capture, _, _ := recordLive(t, 100)
	rp, err := nltest.NewReplay(bytes.NewReader(capture))
	if err != nil {
		t.Fatal(err)
	}
	c, err := rp.Dial(0, &netlink.Config{Strict: true})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	other := newAddr
	other.Data = addrPayload(10, 0, 0, 2)
	_, err = c.Execute(other)
	var mm *nltest.ReplayMismatch
	if !errors.As(err, &mm) {
		t.Fatalf("Execute of an unrecorded request: %v, want a *ReplayMismatch", err)
	}
	for _, want := range []string{"-  2 local: 10.0.0.1\n", "+  2 local: 10.0.0.2\n", " RTM_NEWADDR len=32 flags=request|acknowledge|create seq=0 pid=0\n"} {
		if !strings.Contains(mm.Diff, want) {
			t.Errorf("the diff does not contain %q:\n%s", want, mm.Diff)
		}
	}
	if !errors.As(rp.Err(), &mm) {
		t.Errorf("Err() = %v, want the mismatch", rp.Err())
	}
	// A family without requests says so.
	g, err := rp.Dial(0, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	_, err = g.Execute(netlink.Message{Header: netlink.Header{Type: 99, Flags: netlink.Request}})
	if !errors.As(err, &mm) || !strings.Contains(mm.Diff, "RTM_GETLINK") {
		t.Errorf("a request of another type: %v, want the nearest recorded request in the diff", err)
	}
}

// Identical requests are answered in the order of the capture, then the
// last answer again.
func TestReplayOrder(t *testing.T) {
	n := uint32(0)
	k := nltest.NewKernel()
	k.Register(0, func(r *nltest.Request) error {
		n++
		return r.Reply(link(n))
	})
	var capture bytes.Buffer
	w, _ := nlpcap.NewWriter(&capture, nil)
	c, err := k.Dial(0, &netlink.Config{Tap: w})
	if err != nil {
		t.Fatal(err)
	}
	get := netlink.Message{Header: netlink.Header{Type: 18, Flags: netlink.Request}, Data: make([]byte, 16)}
	for range 2 {
		if _, err := c.Execute(get); err != nil {
			t.Fatal(err)
		}
	}
	c.Close()
	rp, err := nltest.NewReplay(&capture)
	if err != nil {
		t.Fatal(err)
	}
	rc, err := rp.Dial(0, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	var got []uint32
	for range 3 {
		msgs, err := rc.Execute(get)
		if err != nil || len(msgs) != 1 {
			t.Fatalf("Execute: %v, %v", msgs, err)
		}
		got = append(got, linkIndex(msgs[0]))
	}
	if diff := cmp.Diff([]uint32{1, 2, 2}, got); diff != "" {
		t.Errorf("link indexes answered (-want +got):\n%s", diff)
	}
}

// Generic netlink replays like any family: genetlink resolves a family
// from the capture.
func TestReplayGeneric(t *testing.T) {
	g := nltest.NewGeneric(nltest.NewKernel())
	if _, err := g.Register(nltest.GenericFamily{Name: "demo", Version: 1, Groups: []string{"events"}}); err != nil {
		t.Fatal(err)
	}
	var capture bytes.Buffer
	w, _ := nlpcap.NewWriter(&capture, nil)
	live, err := g.Dial(&netlink.Config{PID: 3, Tap: w})
	if err != nil {
		t.Fatal(err)
	}
	want, err := live.GetFamily("demo")
	if err != nil {
		t.Fatal(err)
	}
	live.Close()
	rp, err := nltest.NewReplay(&capture)
	if err != nil {
		t.Fatal(err)
	}
	nc, err := rp.Dial(genetlink.Protocol, nil)
	if err != nil {
		t.Fatal(err)
	}
	c := genetlink.NewConn(nc)
	defer c.Close()
	got, err := c.GetFamily("demo")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("family (-live +replayed):\n%s", diff)
	}
	if _, err := rp.Dial(2, nil); !errors.Is(err, syscall.EPROTONOSUPPORT) {
		t.Errorf("Dial of a family not in the capture: %v, want EPROTONOSUPPORT", err)
	}
}

func TestReplayBadCapture(t *testing.T) {
	if _, err := nltest.NewReplay(strings.NewReader("not a capture")); !errors.Is(err, nlpcap.ErrFormat) {
		t.Errorf("NewReplay of garbage: %v, want nlpcap.ErrFormat", err)
	}
	cut := []nlpcap.Record{{PacketType: nlpcap.PacketKernel, Data: make([]byte, 16), Length: 100}}
	if _, err := nltest.ReplayRecords(cut); err == nil {
		t.Error("a record cut short was accepted")
	}
}

// The Kernel's recorder writes the same format: Wireshark opens it, and
// it replays.
func TestWritePcap(t *testing.T) {
	k := nltest.NewKernel()
	k.Register(0, func(r *nltest.Request) error { return r.Reply(link(4)) })
	c, err := k.Dial(0, &netlink.Config{PID: 9})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	k.Record()
	get := netlink.Message{Header: netlink.Header{Type: 18, Flags: netlink.Request, Sequence: 3}, Data: make([]byte, 16)}
	if _, err := c.Execute(get); err != nil {
		t.Fatal(err)
	}
	ds := k.Datagrams()
	var b bytes.Buffer
	if err := nltest.WritePcap(&b, 0, ds); err != nil {
		t.Fatal(err)
	}
	recs, err := nlpcap.ReadAll(bytes.NewReader(b.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	var got []nlpcap.Record
	for _, r := range recs {
		got = append(got, nlpcap.Record{PacketType: r.PacketType, Protocol: r.Protocol, Data: r.Data, Length: r.Length})
	}
	want := []nlpcap.Record{
		{PacketType: nlpcap.PacketUser, Data: ds[0].Data, Length: len(ds[0].Data)},
		{PacketType: nlpcap.PacketKernel, Data: ds[1].Data, Length: len(ds[1].Data)},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("records (-recorded +written):\n%s", diff)
	}
	rp, err := nltest.NewReplay(&b)
	if err != nil {
		t.Fatal(err)
	}
	rc, err := rp.Dial(0, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	if msgs, err := rc.Execute(get); err != nil || len(msgs) != 1 || linkIndex(msgs[0]) != 4 {
		t.Errorf("replay of the recording: %v, %v", msgs, err)
	}
}
