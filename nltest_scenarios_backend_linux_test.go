//go:build linux

package netlink_test

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"os/exec"
	"strings"
	"sync"
	"testing"

	"github.com/nlgo/netlink"
	"github.com/nlgo/netlink/internal/testenv"
	"github.com/nlgo/netlink/nltest"
	"golang.org/x/sys/unix"
)

// The two backends of TestIntegrationScenarios: the host kernel, in a
// network namespace made for each scenario, and nltest, with a handler
// that mimics rtnetlink for exactly the requests the scenarios send.

// A backend is where a scenario runs: the Conns it dials and the
// kernel-side events it can cause.
type backend interface {
	// dial opens a Conn, closed at Cleanup.
	dial(t *testing.T, family int, cfg netlink.Config) *netlink.Conn
	// addVeth creates a veth pair and returns the first one's ifindex.
	addVeth(t *testing.T, name, peer string) int
	// addRoutes adds n /32 routes in 198.18.0.0/15 through link dev,
	// whose index is ifindex.
	addRoutes(t *testing.T, dev string, ifindex, n int)
	// linkUp brings up a link made by addVeth, which makes IPv4 join
	// 224.0.0.1 on it and announce that on RTNLGRP_IPV4_MCADDR.
	linkUp(t *testing.T, name string)
	// interruptNextDump flags the next dump as interrupted; only nltest
	// can.
	interruptNextDump(t *testing.T)
}

// hostBackend runs scenarios against the host kernel in a namespace made
// for the test.
type hostBackend struct {
	ns string
}

func newHostBackend(t *testing.T) *hostBackend {
	t.Helper()
	testenv.RequireRoot(t)
	if _, err := exec.LookPath("ip"); err != nil {
		testenv.Skip(t, "needs iproute2's ip command: "+err.Error())
	}
	b := &hostBackend{ns: fmt.Sprintf("nlgo-sc-%08x", rand.Uint32())}
	if out, err := exec.Command("ip", "netns", "add", b.ns).CombinedOutput(); err != nil {
		testenv.Skip(t, fmt.Sprintf("cannot create a network namespace: %v: %s", err, out))
	}
	t.Cleanup(func() {
		if out, err := exec.Command("ip", "netns", "del", b.ns).CombinedOutput(); err != nil {
			t.Errorf("ip netns del %s: %v: %s", b.ns, err, out)
		}
	})
	return b
}

// ip runs `ip -n NS -batch -` with one command per line.
func (b *hostBackend) ip(t *testing.T, lines ...string) {
	t.Helper()
	cmd := exec.Command("ip", "-n", b.ns, "-batch", "-")
	cmd.Stdin = strings.NewReader(strings.Join(lines, "\n") + "\n")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("ip -n %s -batch: %v: %s", b.ns, err, out)
	}
}

func (b *hostBackend) dial(t *testing.T, family int, cfg netlink.Config) *netlink.Conn {
	t.Helper()
	f, err := netlink.OpenNetNS(b.ns)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cfg.NetNS = int(f.Fd())
	c, err := netlink.Dial(family, &cfg)
	if err != nil {
		t.Fatalf("Dial(%d) in %s: %v", family, b.ns, err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func (b *hostBackend) addVeth(t *testing.T, name, peer string) int {
	t.Helper()
	b.ip(t, fmt.Sprintf("link add %s type veth peer name %s", name, peer))
	out, err := exec.Command("ip", "-n", b.ns, "-o", "link", "show", "dev", name).Output()
	if err != nil {
		t.Fatalf("ip link show %s: %v", name, err)
	}
	var idx int
	if _, err := fmt.Sscanf(string(out), "%d:", &idx); err != nil {
		t.Fatalf("parsing ip link show %s: %v: %q", name, err, out)
	}
	return idx
}

func (b *hostBackend) addRoutes(t *testing.T, dev string, _, n int) {
	t.Helper()
	lines := make([]string, n)
	for i := range n {
		lines[i] = fmt.Sprintf("route add %s/32 dev %s", routeDst(i), dev)
	}
	b.ip(t, lines...)
}

func (b *hostBackend) linkUp(t *testing.T, name string) {
	t.Helper()
	b.ip(t, "link set "+name+" up")
}

func (b *hostBackend) interruptNextDump(t *testing.T) {
	t.Fatal("the host kernel cannot be made to interrupt a dump on demand")
}

// routeDst is the destination of route i: 198.18.0.1, 198.18.0.2, ...
func routeDst(i int) net.IP { return net.IPv4(198, 18, byte(i/250), byte(i%250+1)).To4() }

// fakeBackend runs scenarios against nltest: NETLINK_ROUTE with a handler
// that mimics rtnetlink for the scenarios' requests, and
// NETLINK_USERSOCK, which has no kernel side.
type fakeBackend struct {
	k *nltest.Kernel
	m *rtnlMimic
}

func newFakeBackend() *fakeBackend {
	b := &fakeBackend{k: nltest.NewKernel(), m: &rtnlMimic{nextIndex: 2, interruptAt: -1}}
	b.k.Register(unix.NETLINK_ROUTE, b.m.handle, nltest.Groups(64))
	b.k.Register(unix.NETLINK_USERSOCK, nil)
	return b
}

func (b *fakeBackend) dial(t *testing.T, family int, cfg netlink.Config) *netlink.Conn {
	t.Helper()
	c, err := b.k.Dial(family, &cfg)
	if err != nil {
		t.Fatalf("nltest Dial(%d): %v", family, err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func (b *fakeBackend) addVeth(t *testing.T, name, peer string) int {
	return b.m.addVeth(name, peer)
}

func (b *fakeBackend) addRoutes(t *testing.T, _ string, ifindex, n int) {
	b.m.mu.Lock()
	defer b.m.mu.Unlock()
	for i := range n {
		b.m.routes = append(b.m.routes, mimicRoute{dst: routeDst(i), oif: uint32(ifindex)})
	}
}

// linkUp announces, as the kernel does, that the link joined 224.0.0.1.
func (b *fakeBackend) linkUp(t *testing.T, name string) {
	t.Helper()
	b.m.mu.Lock()
	idx := b.m.links[name]
	b.m.mu.Unlock()
	err := b.k.Broadcast(unix.NETLINK_ROUTE, unix.RTNLGRP_IPV4_MCADDR, newMulticastMessage(idx))
	if err != nil && !errors.Is(err, unix.ESRCH) { // ESRCH: nobody listens
		t.Fatalf("Broadcast: %v", err)
	}
}

func (b *fakeBackend) interruptNextDump(t *testing.T) {
	b.m.mu.Lock()
	defer b.m.mu.Unlock()
	b.m.interruptAt = 1
}

// rtnlMimic answers, like rtnetlink, the requests the scenarios send, and
// nothing else.
type rtnlMimic struct {
	mu          sync.Mutex
	nextIndex   int
	links       map[string]int
	routes      []mimicRoute
	interruptAt int // a message index to flag NLM_F_DUMP_INTR, or -1
}

type mimicRoute struct {
	dst net.IP
	oif uint32
}

// addVeth numbers a pair as a fresh namespace does: the peer first.
func (m *rtnlMimic) addVeth(name, peer string) int {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.links == nil {
		m.links = make(map[string]int)
	}
	m.links[peer] = m.nextIndex
	m.links[name] = m.nextIndex + 1
	m.nextIndex += 2
	return m.links[name]
}

// mimicUnknownAttr is where the mimic's attribute types end: every
// attribute the scenarios send above it is unknown to the kernel.
const mimicUnknownAttr = 0x1000

func (m *rtnlMimic) handle(r *nltest.Request) error {
	h := r.Message.Header
	switch {
	case h.Type == unix.RTM_NEWLINK:
		return nil // the scenarios only set lo up, which succeeds
	case h.Type == unix.RTM_GETLINK && r.Option(netlink.GetStrictCheck):
		// rtnl_valid_getlink_req: strict attribute parsing.
		d := netlink.NewAttributeDecoder(r.Message.Data[unix.SizeofIfInfomsg:])
		for d.Next() {
			if d.Type() > mimicUnknownAttr {
				return &nltest.ExtError{Errno: unix.EINVAL, Message: "Unknown attribute type",
					Offset: uint32(netlink.HeaderLen + unix.SizeofIfInfomsg + d.Offset())}
			}
		}
	case h.Type == unix.RTM_GETROUTE && h.Flags&netlink.Dump == netlink.Dump:
		return m.dumpRoutes(r)
	}
	return fmt.Errorf("rtnl mimic: request %v is not mimicked", h)
}

// dumpRoutes answers an IPv4 route dump as fib_dump_info encodes it.
func (m *rtnlMimic) dumpRoutes(r *nltest.Request) error {
	m.mu.Lock()
	routes := m.routes
	var opts []nltest.DumpOption
	if m.interruptAt >= 0 {
		opts = append(opts, nltest.DumpInterruptedAt(m.interruptAt))
		m.interruptAt = -1
	}
	m.mu.Unlock()
	msgs := make([]netlink.Message, len(routes))
	for i, rt := range routes {
		hdr := []byte{unix.AF_INET, 32, 0, 0, unix.RT_TABLE_MAIN, unix.RTPROT_BOOT, unix.RT_SCOPE_LINK, unix.RTN_UNICAST, 0, 0, 0, 0}
		e := netlink.NewAttributeEncoder()
		e.Reset(hdr)
		e.Uint32(unix.RTA_TABLE, unix.RT_TABLE_MAIN)
		e.Bytes(unix.RTA_DST, rt.dst)
		e.Uint32(unix.RTA_OIF, rt.oif)
		data, err := e.Encode()
		if err != nil {
			return err
		}
		msgs[i] = netlink.Message{Header: netlink.Header{Type: unix.RTM_NEWROUTE}, Data: data}
	}
	return r.Dump(msgs, opts...)
}

// newMulticastMessage is the RTM_NEWMULTICAST inet_fill_ifmcaddr sends
// when link ifindex joins 224.0.0.1, with zero timestamps.
func newMulticastMessage(ifindex int) netlink.Message {
	hdr := binary.NativeEndian.AppendUint32([]byte{unix.AF_INET, 32, unix.IFA_F_PERMANENT, 0}, uint32(ifindex))
	e := netlink.NewAttributeEncoder()
	e.Reset(hdr)
	e.Bytes(unix.IFA_MULTICAST, []byte{224, 0, 0, 1})
	ci := make([]byte, 16) // struct ifa_cacheinfo: preferred, valid, cstamp, tstamp
	binary.NativeEndian.PutUint32(ci[0:], 0xffffffff)
	binary.NativeEndian.PutUint32(ci[4:], 0xffffffff)
	e.Bytes(unix.IFA_CACHEINFO, ci)
	data, _ := e.Encode()
	return netlink.Message{Header: netlink.Header{Type: unix.RTM_NEWMULTICAST}, Data: data}
}
