//go:build linux

package main

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nlgo/netlink"
	"github.com/nlgo/netlink/genetlink"
	"github.com/nlgo/netlink/internal/testenv"
	"github.com/nlgo/netlink/nlpcap"
)

// The summary, run against the host kernel in nl's own namespace, as
// `go run ./cmd/nl` does: it needs no privileges.
func TestIntegrationSummary(t *testing.T) {
	s, err := collectSummary(context.Background(), dialer{})
	if err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(s.Links, func(l Link) bool { return l.Name == "lo" })
	if i < 0 {
		t.Fatalf("no link lo among %+v", s.Links)
	}
	lo := s.Links[i]
	if lo.Index != 1 || !slices.Contains(lo.Addrs, netip.MustParsePrefix("127.0.0.1/8")) {
		t.Errorf("lo = %+v, want index 1 with 127.0.0.1/8", lo)
	}
	i = slices.IndexFunc(s.Families, func(f Family) bool { return f.Name == "nlctrl" })
	if i < 0 || s.Families[i].ID != genetlink.ControllerID {
		t.Fatalf("families %+v, want nlctrl with id 16", s.Families)
	}
	if !slices.Contains(s.Families[i].Groups, Group{Name: "notify", ID: uint32(genetlink.ControllerID)}) {
		t.Errorf("nlctrl groups = %+v, want notify=16", s.Families[i].Groups)
	}

	var text, js strings.Builder
	if err := writeSummary(&text, s, false); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"\n1  ", " lo ", "127.0.0.1/8", "\n16  ", "nlctrl", "notify=16"} {
		if !strings.Contains(text.String(), want) {
			t.Errorf("summary does not contain %q:\n%s", want, &text)
		}
	}
	if err := writeSummary(&js, s, true); err != nil {
		t.Fatal(err)
	}
	var back summary
	if err := json.Unmarshal([]byte(js.String()), &back); err != nil {
		t.Fatalf("the JSON summary does not decode: %v\n%s", err, &js)
	}
	if len(back.Links) != len(s.Links) || len(back.Families) != len(s.Families) {
		t.Errorf("the JSON summary has %d links and %d families, want %d and %d",
			len(back.Links), len(back.Families), len(s.Links), len(s.Families))
	}
}

// The whole command, as a user runs it, with each output format.
func TestIntegrationRun(t *testing.T) {
	testenv.RequireLinux(t)
	tests := []struct {
		args []string
		want []string
	}{
		{nil, []string{"LINK", "lo", "nlctrl"}},
		{[]string{"-json"}, []string{`"name": "lo"`, `"name": "nlctrl"`}},
		{[]string{"dump", "route", "getlink"}, []string{"RTM_NEWLINK", "ifinfomsg: family=unspec type=loopback index=1", `3 ifname: "lo"`, "4 mtu: 65536"}},
		{[]string{"dump", "route", "getaddr"}, []string{"RTM_NEWADDR", "2 local: 127.0.0.1"}},
		{[]string{"dump", "route", "getroute"}, []string{"RTM_NEWROUTE", "rtmsg: family=inet", "1 dst: 127.0.0.0"}},
		{[]string{"dump", "generic", "getfamily"}, []string{"nlctrl", `2 family_name: "nlctrl"`, "7 mcast_groups:"}},
		{[]string{"dump", "-json", "route", "getlink"}, []string{`"name":"ifname","kind":"string","value":"lo"`}},
		{[]string{"dump", "-hdr", "4", "route", "getnsid"}, nil},
	}
	for _, tt := range tests {
		t.Run(strings.Join(append([]string{"nl"}, tt.args...), " "), func(t *testing.T) {
			var stdout, stderr strings.Builder
			if code := run(context.Background(), tt.args, &stdout, &stderr); code != 0 {
				t.Fatalf("exit status %d, stderr:\n%s", code, &stderr)
			}
			for _, want := range tt.want {
				if !strings.Contains(stdout.String(), want) {
					t.Errorf("the output does not contain %q:\n%s", want, &stdout)
				}
			}
		})
	}
}

// A kernel error reaches the user as exit status 1 with the errno.
func TestIntegrationRunKernelError(t *testing.T) {
	var stdout, stderr strings.Builder
	// The inet_diag handler rejects a request for address family 0.
	if code := run(context.Background(), []string{"dump", "sock_diag", "20"}, &stdout, &stderr); code != 1 {
		t.Fatalf("exit status %d, want 1; stderr:\n%s", code, &stderr)
	}
	if !strings.HasPrefix(stderr.String(), "nl: dump sock_diag 20: netlink: execute: ") {
		t.Errorf("stderr = %q", &stderr)
	}
}

// Interrupting nl (ctx ends, as on SIGINT) while it waits for a family
// that ignores the request ends it with status 1.
func TestIntegrationRunInterrupted(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer time.AfterFunc(100*time.Millisecond, cancel).Stop()
	var stdout, stderr strings.Builder
	// NETLINK_FIB_LOOKUP drops requests shorter than struct fib_result_nl.
	if code := run(ctx, []string{"dump", "fib_lookup", "16"}, &stdout, &stderr); code != 1 {
		t.Fatalf("exit status %d, want 1; stderr:\n%s", code, &stderr)
	}
	if got := stderr.String(); got != "nl: interrupted\n" {
		t.Errorf("stderr = %q, want nl: interrupted", got)
	}
}

// newTestNS creates a network namespace for one test and deletes it in
// t.Cleanup. It needs root and iproute2's ip command.
func newTestNS(t *testing.T) string {
	t.Helper()
	testenv.RequireRoot(t)
	if _, err := exec.LookPath("ip"); err != nil {
		testenv.Skip(t, "needs iproute2's ip command: "+err.Error())
	}
	name := fmt.Sprintf("nlgo-nl-%08x", rand.Uint32())
	if out, err := exec.Command("ip", "netns", "add", name).CombinedOutput(); err != nil {
		testenv.Skip(t, fmt.Sprintf("cannot create a network namespace: ip netns add: %v: %s", err, out))
	}
	t.Cleanup(func() {
		if out, err := exec.Command("ip", "netns", "del", name).CombinedOutput(); err != nil {
			t.Errorf("ip netns del %s: %v: %s", name, err, out)
		}
	})
	return name
}

// ip runs `ip -n ns args...`.
func ip(ns string, args ...string) error {
	out, err := exec.Command("ip", append([]string{"-n", ns}, args...)...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("ip -n %s %s: %v: %s", ns, strings.Join(args, " "), err, out)
	}
	return nil
}

// addVeth creates a veth pair in ns, skipping the test when the kernel
// has no veth driver.
func addVeth(t *testing.T, ns, name string) {
	t.Helper()
	if err := ip(ns, "link", "add", name, "type", "veth", "peer", "name", name+"p"); err != nil {
		testenv.Skip(t, "cannot create a veth pair: "+err.Error())
	}
}

// `nl -netns NS monitor -count 1` prints the first link event in the
// namespace and exits. The command subscribes at some point after it
// starts, so the test keeps making events until it exits.
func TestIntegrationMonitor(t *testing.T) {
	ns := newTestNS(t)
	addVeth(t, ns, "nlprobe") // skips now rather than in the loop
	for _, asJSON := range []bool{false, true} {
		prefix := "nlm"
		if asJSON {
			prefix = "nlj"
		}
		t.Run(fmt.Sprintf("json=%v", asJSON), func(t *testing.T) {
			args := []string{"-netns", ns, "monitor", "-count", "1"}
			if asJSON {
				args = append(args, "-json")
			}
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			var stdout, stderr strings.Builder
			var wg sync.WaitGroup
			code := -1
			wg.Go(func() {
				code = run(ctx, args, &stdout, &stderr)
				cancel()
			})
			for i := 0; ctx.Err() == nil; i++ {
				name := fmt.Sprintf("%s%d", prefix, i)
				if err := ip(ns, "link", "add", name, "type", "veth", "peer", "name", name+"p"); err != nil {
					t.Error(err)
					break
				}
				select {
				case <-ctx.Done():
				case <-time.After(50 * time.Millisecond):
				}
			}
			wg.Wait()
			if code != 0 {
				t.Fatalf("exit status %d, stderr:\n%s", code, &stderr)
			}
			checkOneLinkEvent(t, stdout.String(), prefix, asJSON)
		})
	}
}

// checkOneLinkEvent checks that out is one line reporting a new veth link.
func checkOneLinkEvent(t *testing.T, out, prefix string, asJSON bool) {
	t.Helper()
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if len(lines) != 1 {
		t.Fatalf("monitor -count 1 printed %d lines, want 1:\n%s", len(lines), out)
	}
	if !asJSON {
		if !strings.HasPrefix(lines[0], "new link ") || !strings.Contains(lines[0], " "+prefix) ||
			!strings.HasSuffix(lines[0], "(veth)") {
			t.Errorf("event = %q, want a new veth link %s*", lines[0], prefix)
		}
		return
	}
	var ev event
	if err := json.Unmarshal([]byte(lines[0]), &ev); err != nil {
		t.Fatalf("event %q: %v", lines[0], err)
	}
	if ev.Event != "new" || ev.Kind != "link" || ev.Link == nil || ev.Link.Kind != "veth" ||
		!strings.HasPrefix(ev.Link.Name, prefix) || ev.Link.Index == 0 {
		t.Errorf("event = %s, want a new veth link %s*", lines[0], prefix)
	}
}

// After a receive-queue overrun the monitor says events were lost and
// prints the links and addresses afresh.
func TestIntegrationMonitorOverrun(t *testing.T) {
	ns := newTestNS(t)
	addVeth(t, ns, "nlprobe")
	if err := ip(ns, "link", "set", "lo", "up"); err != nil { // for addresses to resync
		t.Fatal(err)
	}
	f, err := netlink.OpenNetNS(ns)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	c, err := subscribe(dialer{netns: int(f.Fd())})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.SetReadBuffer(1); err != nil { // the kernel's minimum: a few messages
		t.Fatal(err)
	}
	var lines []string
	for i := range 40 {
		lines = append(lines, fmt.Sprintf("link add nlo%d type veth peer name nlo%dp", i, i))
	}
	cmd := exec.Command("ip", "-n", ns, "-batch", "-")
	cmd.Stdin = strings.NewReader(strings.Join(lines, "\n") + "\n")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("ip -batch: %v: %s", err, out)
	}

	// The overrun comes first; then the monitor drains what the queue
	// holds until it is stopped, as SIGINT stops it.
	ctx, cancel := context.WithCancel(context.Background())
	defer time.AfterFunc(time.Second, cancel).Stop()
	var out strings.Builder
	m := &monitor{w: &out, dialer: dialer{netns: int(f.Fd())}}
	if err := m.watch(ctx, c); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"overrun: events were lost", "\nsync link 1 lo ", "sync link ", " nlo39p ", "\nsync addr 127.0.0.1/8 dev lo scope host\n"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("the output does not contain %q:\n%s", want, &out)
		}
	}
}

// -pcap and -trace on each command: the capture holds what nl sent and
// received, starting with its first request, and the trace names it.
func TestIntegrationRunCaptureAndTrace(t *testing.T) {
	testenv.RequireLinux(t)
	tests := []struct {
		args      []string
		proto     int    // of the first record
		firstType uint16 // of the first message nl sends
		trace     []string
	}{
		{nil, familyRoute, rtmGetLink, []string{`msg="netlink sent" proto=route`, "type=RTM_GETLINK flags=request|dump", "attrs.ifname=lo", "type=NLMSG_DONE"}},
		{[]string{"dump", "route", "getaddr"}, familyRoute, rtmGetAddr, []string{"type=RTM_NEWADDR", "attrs.local=127.0.0.1"}},
		{[]string{"genl", "nlctrl"}, familyGeneric, uint16(genlIDCtrl), []string{"proto=generic", "type=nlctrl", "genlmsghdr.cmd=CTRL_CMD_GETFAMILY", "attrs.family_name=nlctrl"}},
	}
	for _, tt := range tests {
		t.Run(strings.Join(append([]string{"nl"}, tt.args...), " "), func(t *testing.T) {
			file := filepath.Join(t.TempDir(), "nl.pcap")
			var stdout, stderr strings.Builder
			args := append([]string{"-pcap", file, "-trace"}, tt.args...)
			if code := run(context.Background(), args, &stdout, &stderr); code != 0 {
				t.Fatalf("exit status %d, stderr:\n%s", code, &stderr)
			}
			f, err := os.Open(file)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			recs, err := nlpcap.ReadAll(f)
			if err != nil {
				t.Fatal(err)
			}
			if len(recs) < 2 {
				t.Fatalf("%d records, want a request and its replies", len(recs))
			}
			first := recs[0]
			if first.PacketType != nlpcap.PacketUser || first.Protocol != tt.proto || len(first.Data) < 16 ||
				binary.NativeEndian.Uint16(first.Data[4:]) != tt.firstType {
				t.Errorf("first record %+v, want nl's request of type %d on protocol %d", first, tt.firstType, tt.proto)
			}
			kernel := 0
			for _, r := range recs {
				if r.PacketType == nlpcap.PacketKernel {
					kernel++
				}
			}
			if kernel == 0 {
				t.Error("no record from the kernel")
			}
			// One trace line per message; at least one per record.
			if lines := strings.Count(stderr.String(), "\n"); lines < len(recs) {
				t.Errorf("%d trace lines for %d records", lines, len(recs))
			}
			for _, want := range tt.trace {
				if !strings.Contains(stderr.String(), want) {
					t.Errorf("the trace does not contain %q:\n%s", want, &stderr)
				}
			}
		})
	}
}

// A capture file that cannot be created is an error before anything is
// sent.
func TestRunCaptureNotCreated(t *testing.T) {
	var stdout, stderr strings.Builder
	if code := run(context.Background(), []string{"-pcap", filepath.Join(t.TempDir(), "no", "such", "dir")}, &stdout, &stderr); code != 1 {
		t.Fatalf("exit status %d, want 1", code)
	}
	if !strings.HasPrefix(stderr.String(), "nl: -pcap: open ") {
		t.Errorf("stderr = %q, want the -pcap error", &stderr)
	}
}
