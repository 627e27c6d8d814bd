// Package nstest gives the generated families' TestIntegration* tests a
// named network namespace of their own, made and cross-checked with
// iproute2: the tests dial the typed clients into it through
// netlink.Config.NetNS and compare what they decode with what `ip -json`
// (or ethtool, through `ip netns exec`) prints for the same namespace.
// No thread of the test process ever changes namespace.
package nstest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"

	"github.com/nlgo/netlink"
	"github.com/nlgo/netlink/internal/testenv"
)

// NS is a network namespace made for one test and deleted by its
// Cleanup.
type NS struct {
	// Name is the namespace's name under /run/netns.
	Name string
	f    *os.File
}

// New creates a namespace named nlgo-<random>, opens it and registers its
// deletion with t.Cleanup. It needs root and the ip command; without them
// the test is skipped (a failure under NLGO_STRICT).
func New(t testing.TB) *NS {
	t.Helper()
	testenv.RequireRoot(t)
	if _, err := exec.LookPath("ip"); err != nil {
		testenv.Skip(t, "needs iproute2's ip command: "+err.Error())
	}
	ns := &NS{Name: fmt.Sprintf("nlgo-%08x", rand.Uint32())}
	if out, err := exec.Command("ip", "netns", "add", ns.Name).CombinedOutput(); err != nil {
		testenv.Skip(t, fmt.Sprintf("cannot create a network namespace: ip netns add: %v: %s", err, out))
	}
	t.Cleanup(func() {
		if out, err := exec.Command("ip", "netns", "del", ns.Name).CombinedOutput(); err != nil {
			t.Errorf("ip netns del %s: %v: %s", ns.Name, err, out)
		}
	})
	f, err := os.Open("/run/netns/" + ns.Name)
	if err != nil {
		t.Fatalf("opening namespace %s: %v", ns.Name, err)
	}
	t.Cleanup(func() { f.Close() })
	ns.f = f
	return ns
}

// Config returns a netlink.Config that dials into the namespace.
func (ns *NS) Config() *netlink.Config { return &netlink.Config{NetNS: int(ns.f.Fd())} }

// IP runs `ip -n NS args...` and returns its standard output, failing the
// test when it fails.
func (ns *NS) IP(t testing.TB, args ...string) string {
	t.Helper()
	return run(t, "ip", append([]string{"-n", ns.Name}, args...)...)
}

// JSON runs `ip -n NS -json args...` and decodes its output into v.
func (ns *NS) JSON(t testing.TB, v any, args ...string) {
	t.Helper()
	out := ns.IP(t, append([]string{"-json"}, args...)...)
	if strings.TrimSpace(out) == "" {
		out = "[]" // some ip versions print nothing for an empty list
	}
	if err := json.Unmarshal([]byte(out), v); err != nil {
		t.Fatalf("decoding ip -json %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

// Exec runs name with args inside the namespace (`ip netns exec`) and
// returns its standard output, failing the test when it fails.
func (ns *NS) Exec(t testing.TB, name string, args ...string) string {
	t.Helper()
	if _, err := exec.LookPath(name); err != nil {
		testenv.Skip(t, fmt.Sprintf("needs the %s command: %v", name, err))
	}
	return run(t, "ip", append([]string{"netns", "exec", ns.Name, name}, args...)...)
}

// Batch runs `ip -n NS -batch -` with one command per line.
func (ns *NS) Batch(t testing.TB, lines []string) {
	t.Helper()
	cmd := exec.Command("ip", "-n", ns.Name, "-batch", "-")
	cmd.Stdin = strings.NewReader(strings.Join(lines, "\n") + "\n")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("ip -n %s -batch (%d commands): %v: %s", ns.Name, len(lines), err, out)
	}
}

func run(t testing.TB, name string, args ...string) string {
	t.Helper()
	cmd := exec.Command(name, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s %s: %v: %s", name, strings.Join(args, " "), err, stderr.Bytes())
	}
	return string(out)
}

// Names reads one of iproute2's tables of names for numbers, as ip does
// (/etc/iproute2/NAME: "number name" lines, # comments), over defaults,
// the names ip has built in.
func Names(t testing.TB, file string, defaults map[uint32]string) map[uint32]string {
	t.Helper()
	m := map[uint32]string{}
	for k, v := range defaults {
		m[k] = v
	}
	b, err := os.ReadFile("/etc/iproute2/" + file)
	if err != nil {
		return m
	}
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) < 2 || strings.HasPrefix(f[0], "#") {
			continue
		}
		n, err := strconv.ParseUint(f[0], 0, 32)
		if err != nil {
			continue
		}
		m[uint32(n)] = f[1]
	}
	return m
}
