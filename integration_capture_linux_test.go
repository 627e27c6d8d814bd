//go:build linux

package netlink_test

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/nlgo/netlink"
	"github.com/nlgo/netlink/genetlink"
	"github.com/nlgo/netlink/internal/testenv"
	"github.com/nlgo/netlink/nlpcap"
	"github.com/nlgo/netlink/nltest"
	"golang.org/x/sys/unix"
)

// Captures checked with a real dissector: tshark, Wireshark's command
// line (Debian's package tshark), and replayed by nltest.

// countingTap counts the datagrams it sees and passes them on.
type countingTap struct {
	next netlink.Tap
	mu   sync.Mutex
	n    int
}

func (c *countingTap) Observe(d *netlink.Datagram) {
	c.mu.Lock()
	c.n++
	c.mu.Unlock()
	c.next.Observe(d)
}

func (c *countingTap) count() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n
}

// captureFile is a pcap file that a test writes with an nlpcap.Writer.
type captureFile struct {
	path string
	f    *os.File
	w    *nlpcap.Writer
}

func newCaptureFile(t *testing.T) *captureFile {
	t.Helper()
	path := filepath.Join(t.TempDir(), "capture.pcap")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	w, err := nlpcap.NewWriter(f, nil)
	if err != nil {
		t.Fatal(err)
	}
	return &captureFile{path: path, f: f, w: w}
}

// close ends the capture and returns its records.
func (c *captureFile) close(t *testing.T) []nlpcap.Record {
	t.Helper()
	if err := errors.Join(c.w.Err(), c.f.Close()); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(c.path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := nlpcap.ReadAll(f)
	if err != nil {
		t.Fatal(err)
	}
	return recs
}

// netNSFd opens the namespace's descriptor for Config.NetNS.
func netNSFd(t *testing.T, ns *netlink.TestNS) int {
	t.Helper()
	f, err := netlink.OpenNetNS(ns.Name())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return int(f.Fd())
}

// failingNewAddr is an RTM_NEWADDR with NLM_F_ACK for a link that does
// not exist: the kernel fails it with ENODEV and an extended ack.
var failingNewAddr = netlink.Message{
	Header: netlink.Header{Type: unix.RTM_NEWADDR, Flags: netlink.Request | netlink.Acknowledge | netlink.Create | netlink.Excl},
	Data:   []byte{unix.AF_INET, 24, 0, 0, 0x0f, 0x27, 0, 0, 8, 0, unix.IFA_LOCAL, 0, 192, 0, 2, 1}, // index 9999
}

// getLinks is an RTM_GETLINK dump request.
var getLinks = netlink.Message{Header: netlink.Header{Type: unix.RTM_GETLINK, Flags: netlink.Request | netlink.Dump}, Data: make([]byte, unix.SizeofIfInfomsg)}

func TestIntegrationCaptureTshark(t *testing.T) {
	tshark, err := exec.LookPath("tshark")
	if err != nil {
		testenv.Skip(t, "needs tshark (Debian: apt-get install tshark): "+err.Error())
	}
	ns := netlink.NewTestNS(t)
	ns.IP(t, "link", "set", "lo", "up")

	// A generic family resolved before the capture starts: only the
	// synthetic CTRL_CMD_NEWFAMILY names it in the file.
	gc, err := genetlink.Dial(&netlink.Config{NetNS: netNSFd(t, ns)})
	if err != nil {
		t.Fatal(err)
	}
	defer gc.Close()
	fams, err := gc.ListFamilies()
	if err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(fams, func(f genetlink.Family) bool { return f.ID != genetlink.ControllerID })
	if i < 0 {
		testenv.Skip(t, "no generic netlink family but nlctrl in a namespace")
	}
	early, err := gc.GetFamily(fams[i].Name)
	if err != nil {
		t.Fatal(err)
	}

	capture := newCaptureFile(t)
	cached := gc.CachedFamilies()
	if !slices.ContainsFunc(cached, func(f genetlink.Family) bool { return f.Name == early.Name }) {
		t.Fatalf("CachedFamilies() = %v, want %s among them", cached, early.Name)
	}
	if err := capture.w.WriteFamilies(cached...); err != nil {
		t.Fatal(err)
	}
	tap := &countingTap{next: capture.w}

	// rtnetlink: a dump of the links, and an address that fails.
	rc := ns.Dial(t, unix.NETLINK_ROUTE, &netlink.Config{Tap: tap})
	if err := rc.SetOption(netlink.ExtendedAcknowledge, true); err != nil {
		t.Fatal(err)
	}
	if _, err := rc.Execute(getLinks); err != nil {
		t.Fatalf("RTM_GETLINK: %v", err)
	}
	var oe *netlink.OpError
	if _, err := rc.Execute(failingNewAddr); !errors.As(err, &oe) || !errors.Is(err, unix.ENODEV) || oe.Message == "" {
		t.Fatalf("RTM_NEWADDR for a missing link: %v, want ENODEV with an extended ack", err)
	}

	// Generic netlink: nlctrl's GETFAMILY, and a message to the family
	// resolved before the capture.
	nc := ns.Dial(t, unix.NETLINK_GENERIC, &netlink.Config{Tap: tap})
	g := genetlink.NewConn(nc)
	if _, err := g.GetFamily(genetlink.ControllerName); err != nil {
		t.Fatalf("GETFAMILY nlctrl: %v", err)
	}
	g.Execute(genetlink.Message{Header: genetlink.Header{Command: 0, Version: early.Version}}, early.ID, 0) // fails: the capture holds it anyway

	// NETLINK_USERSOCK: a request to a server port and its answer.
	srv := ns.Dial(t, unix.NETLINK_USERSOCK, nil)
	netlink.ServeUsersock(t, srv, func(req netlink.Message) []netlink.Message {
		return []netlink.Message{{Header: netlink.Header{Type: netlink.MinType + 1, Sequence: req.Header.Sequence}, Data: []byte("answer")}}
	})
	uc := ns.Dial(t, unix.NETLINK_USERSOCK, &netlink.Config{Peer: srv.PID(), Tap: tap})
	if _, err := uc.Execute(netlink.Message{Header: netlink.Header{Type: netlink.MinType, Flags: netlink.Request}, Data: []byte("question")}); err != nil {
		t.Fatalf("usersock exchange: %v", err)
	}

	seen := tap.count()
	recs := capture.close(t)
	if len(recs) != seen+len(cached) {
		t.Fatalf("%d records for %d datagrams and %d families", len(recs), seen, len(cached))
	}

	frames := tsharkFrames(t, tshark, capture.path)
	if len(frames) != len(recs) {
		t.Fatalf("tshark decoded %d frames, the capture has %d records", len(frames), len(recs))
	}
	layer := map[int]string{unix.NETLINK_ROUTE: "netlink-route", unix.NETLINK_GENERIC: "genl", unix.NETLINK_USERSOCK: ""}
	for i, f := range frames {
		protos := f.first("frame.protocols")
		if !strings.HasPrefix(protos, "netlink") {
			t.Errorf("frame %d: protocols %q, want netlink", i+1, protos)
		}
		if want := fmt.Sprintf("0x%04x", recs[i].Protocol); f.first("netlink.family") != want {
			t.Errorf("frame %d: netlink.family %q, want %s", i+1, f.first("netlink.family"), want)
		}
		control := len(recs[i].Data) < netlink.HeaderLen || netlink.HeaderType(binary.NativeEndian.Uint16(recs[i].Data[4:])) < netlink.MinType
		if l := layer[recs[i].Protocol]; l != "" && !control && !strings.Contains(protos, ":"+l) {
			t.Errorf("frame %d of protocol %d: protocols %q, want %s decoded", i+1, recs[i].Protocol, protos, l)
		}
		if f.has("_ws.malformed") || f.has("_ws.expert") {
			t.Errorf("frame %d: tshark reports it malformed or with an expert warning: %v", i+1, f)
		}
	}
	all := frame{}
	for _, f := range frames {
		all = append(all, f...)
	}
	for _, want := range [][2]string{
		{"netlink-route.ifla_ifname", "lo"},
		{"genl.ctrl.family_name", "nlctrl"},
		{"genl.ctrl.family_name", early.Name},
		{"netlink.error", "-19"}, // ENODEV
	} {
		if !slices.Contains(all.values(want[0]), want[1]) {
			t.Errorf("no frame has %s = %q; the values are %q", want[0], want[1], all.values(want[0]))
		}
	}

	// The message to the family resolved early is named, from the
	// synthetic record alone.
	text := tsharkRun(t, tshark, "-r", capture.path, "-V")
	if want := fmt.Sprintf("Family ID: %#x (%s)", early.ID, early.Name); !strings.Contains(text, want) {
		t.Errorf("tshark -V does not name the early family: no %q", want)
	}
	if strings.Contains(text, "Malformed") {
		t.Errorf("tshark -V reports a malformed frame:\n%s", text)
	}
	t.Logf("tshark -r FILE:\n%s", tsharkRun(t, tshark, "-r", capture.path))
}

// tsharkRun runs tshark and returns its standard output.
func tsharkRun(t *testing.T, tshark string, args ...string) string {
	t.Helper()
	cmd := exec.Command(tshark, args...)
	cmd.Env = append(os.Environ(), "HOME="+t.TempDir()) // no profile of the machine's
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("tshark %s: %v: %s", strings.Join(args, " "), err, &stderr)
	}
	return string(out)
}

// A frame is the fields of one frame of tshark -T json, as key and value
// pairs: the JSON has repeated keys, which a map would lose.
type frame [][2]string

func (f frame) values(key string) []string {
	var out []string
	for _, kv := range f {
		if kv[0] == key {
			out = append(out, kv[1])
		}
	}
	return out
}

func (f frame) first(key string) string {
	if v := f.values(key); len(v) > 0 {
		return v[0]
	}
	return ""
}

func (f frame) has(key string) bool {
	for _, kv := range f {
		if kv[0] == key || strings.HasPrefix(kv[0], key+".") {
			return true
		}
	}
	return false
}

// tsharkFrames decodes the file with tshark -T json.
func tsharkFrames(t *testing.T, tshark, path string) []frame {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(tsharkRun(t, tshark, "-r", path, "-T", "json")))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('[') {
		t.Fatalf("tshark -T json: %v %v, want an array", tok, err)
	}
	var frames []frame
	for dec.More() {
		var f frame
		if err := walkJSON(dec, "", &f); err != nil {
			t.Fatal(err)
		}
		frames = append(frames, f)
	}
	return frames
}

// walkJSON reads one JSON value from dec, appending its scalars to f
// under the key that holds them.
func walkJSON(dec *json.Decoder, key string, f *frame) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	if d, ok := tok.(json.Delim); ok && key != "" && (d == '{' || d == '[') {
		*f = append(*f, [2]string{key, ""}) // a subtree's key, for has
	}
	switch tok {
	case json.Delim('{'):
		for dec.More() {
			k, err := dec.Token()
			if err != nil {
				return err
			}
			ks, _ := k.(string)
			if err := walkJSON(dec, ks, f); err != nil {
				return err
			}
		}
		_, err = dec.Token()
	case json.Delim('['):
		for dec.More() {
			if err := walkJSON(dec, key, f); err != nil {
				return err
			}
		}
		_, err = dec.Token()
	default:
		*f = append(*f, [2]string{key, fmt.Sprint(tok)})
	}
	if err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	return err
}

// Record against the kernel, replay without it: a dump and an error
// exchange, captured in a namespace, replayed by nltest to the same
// results.
func TestIntegrationReplayRoundTrip(t *testing.T) {
	ns := netlink.NewTestNS(t)
	ns.IP(t, "link", "add", "nlreplay0", "type", "veth", "peer", "name", "nlreplay1")
	capture := newCaptureFile(t)
	live := ns.Dial(t, unix.NETLINK_ROUTE, &netlink.Config{Tap: capture.w})
	if err := live.SetOption(netlink.ExtendedAcknowledge, true); err != nil {
		t.Fatal(err)
	}
	requests := []netlink.Message{getLinks, failingNewAddr}
	run := func(c *netlink.Conn) ([][]netlink.Message, []string) {
		var replies [][]netlink.Message
		var errs []string
		for i, req := range requests {
			req.Header.Sequence = uint32(100 + i)
			msgs, err := c.Execute(req)
			replies = append(replies, msgs)
			errs = append(errs, fmt.Sprint(err))
		}
		return replies, errs
	}
	wantReplies, wantErrs := run(live)
	if len(wantReplies[0]) < 3 || wantErrs[1] == "<nil>" {
		t.Fatalf("live: %d links, error %s; want lo, the veth pair and an error", len(wantReplies[0]), wantErrs[1])
	}
	recs := capture.close(t)

	rp, err := nltest.ReplayRecords(recs)
	if err != nil {
		t.Fatal(err)
	}
	c, err := rp.Dial(unix.NETLINK_ROUTE, &netlink.Config{PID: live.PID(), Strict: true})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	gotReplies, gotErrs := run(c)
	if err := rp.Err(); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(wantReplies, gotReplies); diff != "" {
		t.Errorf("replies (-live +replayed):\n%s", diff)
	}
	if diff := cmp.Diff(wantErrs, gotErrs); diff != "" {
		t.Errorf("errors (-live +replayed):\n%s", diff)
	}
}
