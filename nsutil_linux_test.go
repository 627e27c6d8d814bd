//go:build linux

package netlink

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/nlgo/netlink/internal/testenv"
	"golang.org/x/sys/unix"
)

// Helpers shared by the TestIntegration* tests: a throwaway network
// namespace per test, made with iproute2 (`ip netns add`), and hand-rolled
// encoders for the rtnetlink messages the tests send (generic netlink
// tests use package genetlink, from the external test package).
// iproute2 only sets up and cross-checks; the Conn is the thing under test.

// testNS is a network namespace made for one test and deleted by its
// Cleanup. Sockets are dialled into it through Config.NetNS, so no thread
// of the test process ever changes namespace.
type testNS struct {
	name string
}

// newTestNS creates a namespace named nlgo-<random> and registers its
// deletion with t.Cleanup. It needs root and the ip command; without them
// the test is skipped (a failure under NLGO_STRICT).
func newTestNS(t testing.TB) *testNS {
	t.Helper()
	testenv.RequireRoot(t)
	if _, err := exec.LookPath("ip"); err != nil {
		testenv.Skip(t, "needs iproute2's ip command: "+err.Error())
	}
	ns := &testNS{name: fmt.Sprintf("nlgo-%08x", rand.Uint32())}
	if out, err := exec.Command("ip", "netns", "add", ns.name).CombinedOutput(); err != nil {
		testenv.Skip(t, fmt.Sprintf("cannot create a network namespace: ip netns add: %v: %s", err, out))
	}
	t.Cleanup(func() {
		if out, err := exec.Command("ip", "netns", "del", ns.name).CombinedOutput(); err != nil {
			t.Errorf("ip netns del %s: %v: %s", ns.name, err, out)
		}
	})
	return ns
}

// ip runs `ip -n NS args...` and returns its standard output, failing the
// test when it fails.
func (ns *testNS) ip(t testing.TB, args ...string) string {
	t.Helper()
	out, err := ns.tryIP(args...)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// tryIP is ip that returns the error instead of failing the test, for use
// off the test goroutine.
func (ns *testNS) tryIP(args ...string) (string, error) {
	cmd := exec.Command("ip", append([]string{"-n", ns.name}, args...)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("ip -n %s %s: %v: %s", ns.name, strings.Join(args, " "), err, stderr.Bytes())
	}
	return string(out), nil
}

// batch runs `ip -n NS -batch -` with one command per line.
func (ns *testNS) batch(t testing.TB, lines []string) {
	t.Helper()
	cmd := exec.Command("ip", "-n", ns.name, "-batch", "-")
	cmd.Stdin = strings.NewReader(strings.Join(lines, "\n") + "\n")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("ip -n %s -batch (%d commands): %v: %s", ns.name, len(lines), err, out)
	}
}

// open opens the namespace for Config.NetNS.
func (ns *testNS) open(t testing.TB) *os.File {
	t.Helper()
	f, err := OpenNetNS(ns.name)
	if err != nil {
		t.Fatalf("OpenNetNS(%q): %v", ns.name, err)
	}
	return f
}

// dial dials family inside the namespace with cfg (nil means defaults) and
// closes the Conn at Cleanup.
func (ns *testNS) dial(t testing.TB, family int, cfg *Config) *Conn {
	t.Helper()
	c, err := ns.tryDial(family, cfg)
	if err != nil {
		t.Fatalf("Dial(%d) in %s: %v", family, ns.name, err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// tryDial dials family inside the namespace and returns the error; the
// caller closes the Conn.
func (ns *testNS) tryDial(family int, cfg *Config) (*Conn, error) {
	f, err := OpenNetNS(ns.name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var c Config
	if cfg != nil {
		c = *cfg
	}
	c.NetNS = int(f.Fd())
	return Dial(family, &c)
}

// ipLink is the part of `ip -json link` output the tests compare.
type ipLink struct {
	Index int    `json:"ifindex"`
	Name  string `json:"ifname"`
}

// links lists the namespace's links as iproute2 sees them, by ifindex.
func (ns *testNS) links(t testing.TB) map[int]string {
	t.Helper()
	var ls []ipLink
	if err := json.Unmarshal([]byte(ns.ip(t, "-json", "link", "show")), &ls); err != nil {
		t.Fatalf("decoding ip -json link: %v", err)
	}
	m := make(map[int]string, len(ls))
	for _, l := range ls {
		m[l.Index] = l.Name
	}
	return m
}

// ifindex returns the index of the link called name.
func (ns *testNS) ifindex(t testing.TB, name string) int {
	t.Helper()
	var ls []ipLink
	if err := json.Unmarshal([]byte(ns.ip(t, "-json", "link", "show", "dev", name)), &ls); err != nil || len(ls) != 1 {
		t.Fatalf("ip -json link show dev %s: %v (%d links)", name, err, len(ls))
	}
	return ls[0].Index
}

// threadNetNS returns the inode of the calling thread's network namespace.
func threadNetNS(t testing.TB) uint64 {
	t.Helper()
	var st unix.Stat_t
	if err := unix.Stat("/proc/thread-self/ns/net", &st); err != nil {
		t.Fatalf("stat /proc/thread-self/ns/net: %v", err)
	}
	return st.Ino
}

// receiveWithin receives one datagram, failing the test if none arrives
// within d.
func receiveWithin(t testing.TB, c *Conn, d time.Duration) ([]Message, Source) {
	t.Helper()
	if err := c.SetReadDeadline(time.Now().Add(d)); err != nil {
		t.Fatalf("SetReadDeadline: %v", err)
	}
	defer c.SetReadDeadline(time.Time{})
	msgs, src, err := receiveRaw(c)
	if err != nil {
		t.Fatalf("ReceiveFrom: %v", err)
	}
	return msgs, src
}

// receiveRaw is ReceiveFrom that returns NLMSG_ERROR messages as they are,
// through ReceiveEach.
func receiveRaw(c *Conn) ([]Message, Source, error) {
	var msgs []Message
	var from Source
	err := c.ReceiveEach(func(m Message, src Source) bool {
		m.Data = append([]byte(nil), m.Data...)
		msgs, from = append(msgs, m), src
		return true
	})
	return msgs, from, err
}

// receiveUntil receives datagrams until match accepts a message, failing
// the test if none does within d. It returns the matching message and its
// source.
func receiveUntil(t testing.TB, c *Conn, d time.Duration, match func(Message, Source) bool) (Message, Source) {
	t.Helper()
	if err := c.SetReadDeadline(time.Now().Add(d)); err != nil {
		t.Fatalf("SetReadDeadline: %v", err)
	}
	defer c.SetReadDeadline(time.Time{})
	for {
		msgs, src, err := c.ReceiveFrom()
		if err != nil {
			t.Fatalf("no matching message within %v: %v", d, err)
		}
		for _, m := range msgs {
			if match(m, src) {
				return m, src
			}
		}
	}
}

// expectNothing fails the test if c receives a datagram within d.
func expectNothing(t testing.TB, c *Conn, d time.Duration) {
	t.Helper()
	if err := c.SetReadDeadline(time.Now().Add(d)); err != nil {
		t.Fatalf("SetReadDeadline: %v", err)
	}
	defer c.SetReadDeadline(time.Time{})
	msgs, src, err := c.ReceiveFrom()
	if err == nil {
		t.Fatalf("received %d messages from %+v, want none: %v", len(msgs), src, msgs)
	}
	if !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("ReceiveFrom: %v, want a timeout", err)
	}
}

// openFDs counts the process's open file descriptors.
func openFDs(t testing.TB) int {
	t.Helper()
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Fatalf("reading /proc/self/fd: %v", err)
	}
	return len(ents)
}

// settledGoroutines waits up to a second for the goroutine count to drop
// to at most want, and returns the last count.
func settledGoroutines(want int) int {
	n := runtime.NumGoroutine()
	for deadline := time.Now().Add(time.Second); n > want && time.Now().Before(deadline); n = runtime.NumGoroutine() {
		time.Sleep(10 * time.Millisecond)
	}
	return n
}

// familyUsersock is NETLINK_USERSOCK: a family the kernel reserves for
// user-space protocols, where sockets may unicast to each other and send
// to and receive from its 32 multicast groups without privileges.
const familyUsersock = unix.NETLINK_USERSOCK

// serveUsersock answers every request srv receives, until srv is closed,
// with the messages reply returns, sent back to the requesting port. The
// serving goroutine is waited for at Cleanup.
func serveUsersock(t testing.TB, srv *Conn, reply func(req Message) []Message) {
	t.Helper()
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			msgs, src, err := srv.ReceiveFrom()
			if err != nil {
				if !errors.Is(err, net.ErrClosed) {
					t.Errorf("server: ReceiveFrom: %v", err)
				}
				return
			}
			for _, req := range msgs {
				for _, m := range reply(req) {
					if _, err := srv.SendTo(m, Addr{PID: src.PID}); err != nil {
						t.Errorf("server: SendTo(%d): %v", src.PID, err)
					}
				}
			}
		}
	}()
	t.Cleanup(func() {
		srv.Close()
		<-done
	})
}

// dumpLinks dumps the links c sees (RTM_GETLINK with NLM_F_DUMP) and
// returns their names by ifindex, failing on a duplicate index.
func dumpLinks(t testing.TB, c *Conn) map[int]string {
	t.Helper()
	msgs, err := c.Execute(Message{
		Header: Header{Type: rtmGetLink, Flags: Request | Dump},
		Data:   ifInfomsg{}.append(nil),
	})
	if err != nil {
		t.Fatalf("dumping links: %v", err)
	}
	links := make(map[int]string, len(msgs))
	for _, m := range msgs {
		l, err := parseLink(m)
		if err != nil {
			t.Fatalf("dumping links: %v", err)
		}
		if old, dup := links[l.Index]; dup {
			t.Fatalf("dumping links: ifindex %d twice: %q and %q", l.Index, old, l.Name)
		}
		links[l.Index] = l.Name
	}
	return links
}

// rtnetlink message types and attributes, from <linux/rtnetlink.h> and
// <linux/if_link.h>, <linux/if_addr.h>. Kept here as typed values so the
// tests read like the C they mirror.
const (
	rtmNewLink = HeaderType(unix.RTM_NEWLINK)
	rtmDelLink = HeaderType(unix.RTM_DELLINK)
	rtmGetLink = HeaderType(unix.RTM_GETLINK)
	rtmNewAddr = HeaderType(unix.RTM_NEWADDR)
	rtmDelAddr = HeaderType(unix.RTM_DELADDR)
	rtmGetAddr = HeaderType(unix.RTM_GETADDR)

	rtnlGroupLink = unix.RTNLGRP_LINK // 1

	sizeofIfInfomsg = unix.SizeofIfInfomsg // 16
	sizeofIfAddrmsg = unix.SizeofIfAddrmsg // 8
)

// ifInfomsg is struct ifinfomsg.
type ifInfomsg struct {
	Family uint8
	Type   uint16
	Index  int32
	Flags  uint32
	Change uint32
}

// append encodes m in native byte order after b.
func (m ifInfomsg) append(b []byte) []byte {
	b = append(b, m.Family, 0)
	b = binary.NativeEndian.AppendUint16(b, m.Type)
	b = binary.NativeEndian.AppendUint32(b, uint32(m.Index))
	b = binary.NativeEndian.AppendUint32(b, m.Flags)
	return binary.NativeEndian.AppendUint32(b, m.Change)
}

// parseIfInfomsg decodes the ifinfomsg at the start of b.
func parseIfInfomsg(b []byte) (ifInfomsg, error) {
	if len(b) < sizeofIfInfomsg {
		return ifInfomsg{}, fmt.Errorf("ifinfomsg: %d bytes < %d", len(b), sizeofIfInfomsg)
	}
	return ifInfomsg{
		Family: b[0],
		Type:   binary.NativeEndian.Uint16(b[2:4]),
		Index:  int32(binary.NativeEndian.Uint32(b[4:8])),
		Flags:  binary.NativeEndian.Uint32(b[8:12]),
		Change: binary.NativeEndian.Uint32(b[12:16]),
	}, nil
}

// ifAddrmsg is struct ifaddrmsg.
type ifAddrmsg struct {
	Family    uint8
	PrefixLen uint8
	Flags     uint8
	Scope     uint8
	Index     uint32
}

// append encodes m in native byte order after b.
func (m ifAddrmsg) append(b []byte) []byte {
	b = append(b, m.Family, m.PrefixLen, m.Flags, m.Scope)
	return binary.NativeEndian.AppendUint32(b, m.Index)
}

// parseIfAddrmsg decodes the ifaddrmsg at the start of b.
func parseIfAddrmsg(b []byte) (ifAddrmsg, error) {
	if len(b) < sizeofIfAddrmsg {
		return ifAddrmsg{}, fmt.Errorf("ifaddrmsg: %d bytes < %d", len(b), sizeofIfAddrmsg)
	}
	return ifAddrmsg{Family: b[0], PrefixLen: b[1], Flags: b[2], Scope: b[3],
		Index: binary.NativeEndian.Uint32(b[4:8])}, nil
}

// withAttrs appends the attributes fn encodes to the family header hdr.
func withAttrs(t testing.TB, hdr []byte, fn func(e *AttributeEncoder)) []byte {
	t.Helper()
	e := NewAttributeEncoder()
	e.Reset(hdr)
	if fn != nil {
		fn(e)
	}
	b, err := e.Encode()
	if err != nil {
		t.Fatalf("encoding attributes: %v", err)
	}
	return b
}

// linkInfo is what the tests read from an RTM_NEWLINK message.
type linkInfo struct {
	Index int
	Name  string
}

// parseLink decodes the index and IFLA_IFNAME of an RTM_NEWLINK message.
func parseLink(m Message) (linkInfo, error) {
	if m.Header.Type != rtmNewLink {
		return linkInfo{}, fmt.Errorf("message type %v, want RTM_NEWLINK (%d)", m.Header.Type, rtmNewLink)
	}
	ifi, err := parseIfInfomsg(m.Data)
	if err != nil {
		return linkInfo{}, err
	}
	l := linkInfo{Index: int(ifi.Index)}
	var d AttributeDecoder
	d.Reset(m.Data[sizeofIfInfomsg:])
	for d.Next() {
		if d.Type() == unix.IFLA_IFNAME {
			l.Name = d.String()
		}
	}
	return l, d.Err()
}

// addrInfo is what the tests read from an RTM_NEWADDR message.
type addrInfo struct {
	Index     uint32
	PrefixLen uint8
	Local     string
}

// parseAddr decodes an IPv4 RTM_NEWADDR message.
func parseAddr(m Message) (addrInfo, error) {
	ifa, err := parseIfAddrmsg(m.Data)
	if err != nil {
		return addrInfo{}, err
	}
	a := addrInfo{Index: ifa.Index, PrefixLen: ifa.PrefixLen}
	var d AttributeDecoder
	d.Reset(m.Data[sizeofIfAddrmsg:])
	for d.Next() {
		if d.Type() == unix.IFA_LOCAL {
			if ip := d.Data(); len(ip) == 4 {
				a.Local = fmt.Sprintf("%d.%d.%d.%d", ip[0], ip[1], ip[2], ip[3])
			}
		}
	}
	return a, d.Err()
}

// getLinkRequest asks for the link with index ifindex.
func getLinkRequest(t testing.TB, ifindex int32) Message {
	return Message{
		Header: Header{Type: rtmGetLink, Flags: Request},
		Data:   withAttrs(t, ifInfomsg{Index: ifindex}.append(nil), nil),
	}
}

// addrRequest builds an RTM_NEWADDR or RTM_DELADDR for an IPv4 address
// ip/prefix on ifindex, with IFA_LOCAL and IFA_ADDRESS.
func addrRequest(t testing.TB, typ HeaderType, flags HeaderFlags, ifindex uint32, ip [4]byte, prefix uint8) Message {
	hdr := ifAddrmsg{Family: unix.AF_INET, PrefixLen: prefix, Index: ifindex}.append(nil)
	return Message{
		Header: Header{Type: typ, Flags: Request | flags},
		Data: withAttrs(t, hdr, func(e *AttributeEncoder) {
			e.Bytes(unix.IFA_LOCAL, ip[:])
			e.Bytes(unix.IFA_ADDRESS, ip[:])
		}),
	}
}
