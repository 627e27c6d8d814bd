package nltrace_test

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"io"
	"log/slog"
	"strings"
	"syscall"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/nlgo/netlink"
	"github.com/nlgo/netlink/nldecode"
	"github.com/nlgo/netlink/nltest"
	"github.com/nlgo/netlink/nltrace"
)

// jsonLogger logs JSON lines into b, without times.
func jsonLogger(b *bytes.Buffer, level slog.Level) *slog.Logger {
	return slog.New(slog.NewJSONHandler(b, &slog.HandlerOptions{Level: level,
		ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
			if len(groups) == 0 && a.Key == slog.TimeKey {
				return slog.Attr{}
			}
			return a
		}}))
}

// Test messages are encoded with the library's encoders, their integers
// in native byte order, as the kernel writes them.

// attrs encodes attributes.
func attrs(t *testing.T, as ...netlink.Attribute) []byte {
	t.Helper()
	b, err := netlink.MarshalAttributes(as)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// encode encodes a message.
func encode(t *testing.T, m netlink.Message) []byte {
	t.Helper()
	b, err := m.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// records decodes JSON lines.
func records(t *testing.T, b *bytes.Buffer) []map[string]any {
	t.Helper()
	var out []map[string]any
	for line := range strings.Lines(b.String()) {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("%v: %s", err, line)
		}
		out = append(out, m)
	}
	return out
}

func TestTracer(t *testing.T) {
	ifname := attrs(t, netlink.Attribute{Type: 3, Data: []byte("lo\x00")}) // IFLA_IFNAME
	k := nltest.NewKernel()
	k.Register(0, func(r *nltest.Request) error {
		if r.Message.Header.Type == 20 { // RTM_NEWADDR
			return &nltest.ExtError{Errno: syscall.EEXIST, Message: "address exists", Offset: 24}
		}
		return r.Dump([]netlink.Message{{Header: netlink.Header{Type: 16}, Data: append(make([]byte, 16), ifname...)}})
	})
	var b bytes.Buffer
	c, err := k.Dial(0, &netlink.Config{PID: 100, Strict: true, Tap: nltrace.New(jsonLogger(&b, slog.LevelDebug), nil)})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Execute(netlink.Message{Header: netlink.Header{Type: 18, Flags: netlink.Request | netlink.Dump, Sequence: 5}, Data: make([]byte, 16)}); err != nil {
		t.Fatal(err)
	}
	_, err = c.Execute(netlink.Message{Header: netlink.Header{Type: 20, Flags: netlink.Request | netlink.Acknowledge | netlink.Create, Sequence: 6},
		Data: append(binary.NativeEndian.AppendUint32([]byte{2, 24, 0, 0}, 1), // AF_INET, /24, index 1
			attrs(t, netlink.Attribute{Type: 2, Data: []byte{10, 0, 0, 1}})...)}) // IFA_LOCAL
	if err == nil {
		t.Fatal("the NEWADDR did not fail")
	}
	recs := records(t, &b)
	ifinfo := map[string]any{"family": "unspec", "type": 0.0, "index": 0.0, "flags": "0", "change": "0"}
	want := []map[string]any{
		{"level": "DEBUG", "msg": "netlink sent", "proto": "route", "port": 100.0, "peer": 0.0,
			"type": "RTM_GETLINK", "flags": "request|dump", "seq": 5.0, "pid": 100.0, "len": 32.0, "ifinfomsg": ifinfo},
		{"level": "DEBUG", "msg": "netlink received", "proto": "route", "port": 100.0, "peer": 0.0,
			"type": "RTM_NEWLINK", "flags": "multi", "seq": 5.0, "pid": 100.0, "len": 40.0, "ifinfomsg": ifinfo,
			"attrs": map[string]any{"ifname": "lo"}},
		{"level": "DEBUG", "msg": "netlink received", "proto": "route", "port": 100.0, "peer": 0.0,
			"type": "NLMSG_DONE", "flags": "multi", "seq": 5.0, "pid": 100.0, "len": 20.0, "ack": map[string]any{"code": 0.0}},
		{"level": "DEBUG", "msg": "netlink sent", "proto": "route", "port": 100.0, "peer": 0.0,
			"type": "RTM_NEWADDR", "flags": "request|acknowledge|create", "seq": 6.0, "pid": 100.0, "len": 32.0,
			"ifaddrmsg": map[string]any{"family": "inet", "prefixlen": 24.0, "flags": "0", "scope": "global", "index": 1.0},
			"attrs":     map[string]any{"local": "10.0.0.1"}},
		{"level": "DEBUG", "msg": "netlink received", "proto": "route", "port": 100.0, "peer": 0.0,
			"type": "NLMSG_ERROR", "flags": "ack-tlvs", "seq": 6.0, "pid": 100.0, "len": 80.0,
			"ack": map[string]any{"code": -17.0, "errno": "EEXIST", "msg": "address exists", "offs": 24.0, "offending": "local",
				"request": map[string]any{"type": "RTM_NEWADDR", "flags": "request|acknowledge|create", "seq": 6.0, "pid": 100.0, "len": 32.0,
					"ifaddrmsg": map[string]any{"family": "inet", "prefixlen": 24.0, "flags": "0", "scope": "global", "index": 1.0},
					"attrs":     map[string]any{"local": "10.0.0.1"}}}},
	}
	if diff := cmp.Diff(want, recs); diff != "" {
		t.Errorf("records (-want +got):\n%s", diff)
	}
}

// Several messages in a datagram are numbered; multicasts name their
// group; the level is the Options'.
func TestTracerParts(t *testing.T) {
	k := nltest.NewKernel()
	k.Register(2, nil)
	var b bytes.Buffer
	tr := nltrace.New(jsonLogger(&b, slog.LevelInfo), &nltrace.Options{Level: slog.LevelWarn})
	c, err := k.Dial(2, &netlink.Config{PID: 5, Tap: tr})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.JoinGroup(3); err != nil {
		t.Fatal(err)
	}
	if err := k.Broadcast(2, 3, netlink.Message{Header: netlink.Header{Type: 20}, Data: []byte{1}}, netlink.Message{Header: netlink.Header{Type: 21}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Receive(); err != nil {
		t.Fatal(err)
	}
	got := records(t, &b)
	want := []map[string]any{
		{"level": "WARN", "msg": "netlink received", "proto": "usersock", "port": 5.0, "peer": 0.0, "group": 3.0, "part": "1/2",
			"type": "20", "flags": "0", "seq": 0.0, "pid": 0.0, "len": 17.0, "hex": "01"},
		{"level": "WARN", "msg": "netlink received", "proto": "usersock", "port": 5.0, "peer": 0.0, "group": 3.0, "part": "2/2",
			"type": "21", "flags": "0", "seq": 0.0, "pid": 0.0, "len": 16.0},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("records (-want +got):\n%s", diff)
	}
}

// Off means nothing allocated: a Tracer whose logger does not log its
// level returns at once, alone and on a Conn.
func TestTracerOffAllocs(t *testing.T) {
	tr := nltrace.New(slog.New(slog.NewTextHandler(io.Discard, nil)), nil) // Info and up; the Tracer logs Debug
	d := &netlink.Datagram{Direction: netlink.Received, Bytes: make([]byte, 100), Length: 100}
	if n := testing.AllocsPerRun(100, func() { tr.Observe(d) }); n != 0 {
		t.Errorf("Observe, off: %v allocations, want 0", n)
	}

	// On a Conn: the same allocations as with a tap that does nothing.
	// (The Conn's tap hook itself allocates its Datagram, once a
	// datagram, when any tap is set; that is the root package's, not the
	// Tracer's.)
	k := nltest.NewKernel()
	k.Register(0, func(r *nltest.Request) error { return r.Reply(netlink.Message{Header: netlink.Header{Type: 16}}) })
	allocs := func(tap netlink.Tap) float64 {
		c, err := k.Dial(0, &netlink.Config{Tap: tap})
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		req := netlink.Message{Header: netlink.Header{Type: 18, Flags: netlink.Request}}
		return testing.AllocsPerRun(200, func() {
			if err := c.ExecuteEach(req, func(netlink.Message) bool { return true }); err != nil {
				t.Fatal(err)
			}
		})
	}
	if noop, with := allocs(noopTap{}), allocs(tr); with != noop {
		t.Errorf("ExecuteEach on nltest: %v allocations with a Tracer that is off, %v with a tap that does nothing", with, noop)
	}
	t.Logf("ExecuteEach on nltest: %v allocations without a tap, %v with one that does nothing", allocs(nil), allocs(noopTap{}))
}

type noopTap struct{}

func (noopTap) Observe(*netlink.Datagram) {}

// The Tracer checks the level every time: turning the handler's level
// down turns tracing on.
func TestTracerLevelChanges(t *testing.T) {
	var level slog.LevelVar
	level.Set(slog.LevelInfo)
	var b bytes.Buffer
	tr := nltrace.New(slog.New(slog.NewTextHandler(&b, &slog.HandlerOptions{Level: &level})), nil)
	done := encode(t, netlink.Message{Header: netlink.Header{Type: netlink.Done, Sequence: 1}})
	d := &netlink.Datagram{Direction: netlink.Sent, Bytes: done, Length: len(done)}
	tr.Observe(d)
	if b.Len() != 0 {
		t.Fatalf("logged at Info: %s", &b)
	}
	level.Set(slog.LevelDebug)
	tr.Observe(d)
	if !strings.Contains(b.String(), "type=NLMSG_DONE") {
		t.Errorf("at Debug: %q, want the message", &b)
	}
}

// A Decoder given in the Options is the one used: what it knows names
// the messages.
func TestTracerDecoder(t *testing.T) {
	var dec nldecode.Decoder
	dec.AddFamily(0x1c, "demo")
	var b bytes.Buffer
	tr := nltrace.New(slog.New(slog.NewTextHandler(&b, &slog.HandlerOptions{Level: slog.LevelDebug})), &nltrace.Options{Decoder: &dec})
	if tr.Decoder() != &dec {
		t.Fatal("Decoder() is not the Options' decoder")
	}
	m := encode(t, netlink.Message{Header: netlink.Header{Type: 0x1c, Flags: netlink.Request, Sequence: 1}, Data: []byte{1, 1, 0, 0}})
	tr.Observe(&netlink.Datagram{Direction: netlink.Sent, Family: 16, Bytes: m, Length: len(m)})
	if !strings.Contains(b.String(), "type=demo") {
		t.Errorf("trace %q, want the family named", &b)
	}
}
