//go:build linux

package netlink

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/nlgo/netlink/internal/testenv"
	"golang.org/x/sys/unix"
)

// Real-kernel tests against rtnetlink (NETLINK_ROUTE): dumps, changes with
// acknowledgements, extended acks, strict checking, capped acks and kernel
// multicast. iproute2 sets up and cross-checks; requests under test are
// built by hand (see nsutil_linux_test.go).
//
// NLM_F_DUMP_INTR is not tested here: the host kernel sets it only when the
// object set changes between two parts of a dump, a race that cannot be
// forced on demand reliably. The VM tests against our kernel module, which
// can flag a dump as interrupted at will, cover ErrDumpInterrupted.

// TestIntegrationRouteDumpLinks dumps about 1,000 links, 500 veth pairs,
// and checks every ifindex and name against `ip -json link`, once through
// Execute and once through Send and ReceiveEach.
func TestIntegrationRouteDumpLinks(t *testing.T) {
	ns := newTestNS(t)
	const pairs = 500
	lines := make([]string, 0, pairs)
	for i := range pairs {
		lines = append(lines, fmt.Sprintf("link add d%da type veth peer name d%db", i, i))
	}
	ns.batch(t, lines)
	want := ns.links(t)
	if len(want) != 2*pairs+1 {
		t.Fatalf("ip reports %d links, want %d (the pairs and lo)", len(want), 2*pairs+1)
	}
	c := ns.dial(t, unix.NETLINK_ROUTE, nil)

	t.Run("Execute", func(t *testing.T) {
		if diff := cmp.Diff(want, dumpLinks(t, c)); diff != "" {
			t.Errorf("links by ifindex (-want +got):\n%s", diff)
		}
	})
	t.Run("ReceiveEach", func(t *testing.T) {
		sent, err := c.Send(Message{
			Header: Header{Type: rtmGetLink, Flags: Request | Dump},
			Data:   ifInfomsg{}.append(nil),
		})
		if err != nil {
			t.Fatalf("Send: %v", err)
		}
		got := make(map[int]string)
		datagrams, done := 0, false
		for !done {
			datagrams++
			err := c.ReceiveEach(func(m Message, src Source) bool {
				if m.Header.Sequence != sent.Header.Sequence || src != (Source{}) {
					t.Errorf("message %v from %+v, want seq %d from the kernel", m.Header, src, sent.Header.Sequence)
				}
				if m.Header.Type == Done {
					done = true
					if err := CheckMessage(m); err != nil {
						t.Errorf("NLMSG_DONE: %v", err)
					}
					return false
				}
				if m.Header.Flags&Multi == 0 {
					t.Errorf("dump message %v lacks NLM_F_MULTI", m.Header)
				}
				l, err := parseLink(m)
				if err != nil {
					t.Errorf("message %d: %v", len(got), err)
					return false
				}
				got[l.Index] = l.Name
				return true
			})
			if err != nil {
				t.Fatalf("ReceiveEach: %v", err)
			}
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("links by ifindex (-want +got):\n%s", diff)
		}
		if datagrams < 2 {
			t.Errorf("the dump came in %d datagram(s), want several", datagrams)
		}
	})
}

// TestIntegrationRouteAddress adds and deletes an IPv4 address with
// acknowledgements, and checks EEXIST and EADDRNOTAVAIL with the echoed
// request and, when asked for, the extended-ack message.
func TestIntegrationRouteAddress(t *testing.T) {
	ns := newTestNS(t)
	ns.batch(t, []string{"link add a0 type veth peer name a1"})
	idx := uint32(ns.ifindex(t, "a0"))
	ip := [4]byte{192, 0, 2, 1} // TEST-NET-1

	tests := []struct {
		name   string
		cfg    *Config
		setup  func(*Conn) error
		extack bool
	}{
		{name: "Config.Strict", cfg: &Config{Strict: true}, extack: true},
		{name: "SetOption ExtendedAcknowledge", setup: func(c *Conn) error {
			return c.SetOption(ExtendedAcknowledge, true)
		}, extack: true},
		{name: "no extended ack"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := ns.dial(t, unix.NETLINK_ROUTE, tt.cfg)
			if tt.setup != nil {
				if err := tt.setup(c); err != nil {
					t.Fatal(err)
				}
			}
			add := addrRequest(t, rtmNewAddr, Acknowledge|Excl|Create, idx, ip, 24)
			del := addrRequest(t, rtmDelAddr, Acknowledge, idx, ip, 24)

			if msgs, err := c.Execute(add); err != nil || len(msgs) != 0 {
				t.Fatalf("adding 192.0.2.1/24: %d messages, %v; want an acknowledgement only", len(msgs), err)
			}
			if got := ipv4Addrs(t, ns, "a0"); !slices.Equal(got, []string{"192.0.2.1/24"}) {
				t.Errorf("after adding, ip shows %v", got)
			}
			if got, want := dumpAddrs(t, c), []addrInfo{{Index: idx, PrefixLen: 24, Local: "192.0.2.1"}}; !cmp.Equal(want, got) {
				t.Errorf("after adding, the Conn's dump shows %+v, want %+v", got, want)
			}

			// The messages came with Linux 6.6; before, the ack has none.
			addMsg, delMsg := "ipv4: Address already assigned", "ipv4: Address not found"
			if tt.extack && !testenv.HasFeature(t, testenv.IPv4AddrExtAck) {
				addMsg, delMsg = "", ""
			}
			add.Header.Sequence = 0x5eed
			_, err := c.Execute(add)
			checkAckError(t, err, unix.EEXIST, add, c.PID(), tt.extack, addMsg)
			if !errors.Is(err, os.ErrExist) {
				t.Errorf("adding twice: %v does not match os.ErrExist", err)
			}

			if msgs, err := c.Execute(del); err != nil || len(msgs) != 0 {
				t.Fatalf("deleting 192.0.2.1/24: %d messages, %v; want an acknowledgement only", len(msgs), err)
			}
			if got := ipv4Addrs(t, ns, "a0"); len(got) != 0 {
				t.Errorf("after deleting, ip shows %v", got)
			}
			del.Header.Sequence = 0x5eee
			_, err = c.Execute(del)
			checkAckError(t, err, unix.EADDRNOTAVAIL, del, c.PID(), tt.extack, delMsg)
		})
	}
}

// checkAckError checks the error of a request the kernel refused: the
// errno, the echoed request header (req was sent with its Sequence set),
// and the extended-ack message when one was asked for.
func checkAckError(t *testing.T, err error, errno unix.Errno, req Message, pid uint32, extack bool, msg string) {
	t.Helper()
	if !errors.Is(err, errno) {
		t.Fatalf("got %v, want %v", err, errno)
	}
	var oe *OpError
	if !errors.As(err, &oe) {
		t.Fatalf("got %#v, want an *OpError", err)
	}
	want := req.Header
	want.Length, want.PID = uint32(MessageLen(len(req.Data))), pid
	if diff := cmp.Diff(want, oe.Request); diff != "" {
		t.Errorf("echoed request header (-want +got):\n%s", diff)
	}
	if oe.Sequence != req.Header.Sequence {
		t.Errorf("OpError.Sequence = %d, want %d", oe.Sequence, req.Header.Sequence)
	}
	if !extack {
		msg = ""
	}
	if oe.Message != msg {
		t.Errorf("extended-ack message %q, want %q", oe.Message, msg)
	}
}

// ipv4Addrs lists dev's IPv4 addresses as `ip -json addr` reports them.
func ipv4Addrs(t *testing.T, ns *testNS, dev string) []string {
	t.Helper()
	var ifs []struct {
		Addrs []struct {
			Family string `json:"family"`
			Local  string `json:"local"`
			Prefix int    `json:"prefixlen"`
		} `json:"addr_info"`
	}
	if err := json.Unmarshal([]byte(ns.ip(t, "-json", "addr", "show", "dev", dev)), &ifs); err != nil {
		t.Fatalf("decoding ip -json addr: %v", err)
	}
	var got []string
	for _, i := range ifs {
		for _, a := range i.Addrs {
			if a.Family == "inet" {
				got = append(got, fmt.Sprintf("%s/%d", a.Local, a.Prefix))
			}
		}
	}
	return got
}

// dumpAddrs dumps the IPv4 addresses c sees.
func dumpAddrs(t *testing.T, c *Conn) []addrInfo {
	t.Helper()
	msgs, err := c.Execute(Message{
		Header: Header{Type: rtmGetAddr, Flags: Request | Dump},
		Data:   ifAddrmsg{Family: unix.AF_INET}.append(nil),
	})
	if err != nil {
		t.Fatalf("dumping addresses: %v", err)
	}
	var got []addrInfo
	for _, m := range msgs {
		a, err := parseAddr(m)
		if err != nil {
			t.Fatalf("dumping addresses: %v", err)
		}
		got = append(got, a)
	}
	return got
}

// TestIntegrationRouteStrictCheck sends requests that strict checking
// rejects, with strict checking on (through Config.Strict or SetOption)
// and off, and checks the errno, the extended-ack message and offset, and
// the echoed request. A rejected dump is answered by NLMSG_DONE, which
// echoes no request.
func TestIntegrationRouteStrictCheck(t *testing.T) {
	ns := newTestNS(t)
	const bogusAttr = 0x3fff // beyond every IFA_MAX and IFLA_MAX
	reqs := []struct {
		name   string
		req    Message
		msg    string
		offset uint32
	}{
		{
			name: "address dump with ifa_prefixlen set",
			req: Message{Header: Header{Type: rtmGetAddr, Flags: Request | Dump},
				Data: ifAddrmsg{Family: unix.AF_INET, PrefixLen: 24}.append(nil)},
			msg: "ipv4: Invalid values in header for address dump request",
		},
		{
			name: "address dump with an unknown attribute",
			req: Message{Header: Header{Type: rtmGetAddr, Flags: Request | Dump},
				Data: withAttrs(t, ifAddrmsg{Family: unix.AF_INET}.append(nil), func(e *AttributeEncoder) {
					e.Uint32(bogusAttr, 1)
				})},
			msg: "Unknown attribute type", offset: HeaderLen + sizeofIfAddrmsg,
		},
		{
			name: "link get with ifi_flags set",
			req: Message{Header: Header{Type: rtmGetLink, Flags: Request | Acknowledge},
				Data: ifInfomsg{Index: 1, Flags: unix.IFF_UP}.append(nil)},
			msg: "Invalid values in header for get link request",
		},
		{
			name: "link get with an unknown attribute",
			req: Message{Header: Header{Type: rtmGetLink, Flags: Request | Acknowledge},
				Data: withAttrs(t, ifInfomsg{Index: 1}.append(nil), func(e *AttributeEncoder) {
					e.Uint32(bogusAttr, 1)
				})},
			msg: "Unknown attribute type", offset: HeaderLen + sizeofIfInfomsg,
		},
	}
	modes := []struct {
		name   string
		cfg    *Config
		opts   []Option
		strict bool
	}{
		{name: "Config.Strict", cfg: &Config{Strict: true}, strict: true},
		{name: "SetOption", opts: []Option{GetStrictCheck, ExtendedAcknowledge}, strict: true},
		{name: "off", opts: []Option{ExtendedAcknowledge}},
	}
	for _, mode := range modes {
		c := ns.dial(t, unix.NETLINK_ROUTE, mode.cfg)
		for _, o := range mode.opts {
			if err := c.SetOption(o, true); err != nil {
				t.Fatalf("SetOption(%v): %v", o, err)
			}
		}
		for i, r := range reqs {
			t.Run(mode.name+"/"+r.name, func(t *testing.T) {
				req := r.req
				req.Header.Sequence = uint32(1000 + i)
				offset := r.offset
				// A dump's error carries the offending attribute's offset
				// from Linux 6.10 (all extack types in dumps).
				if req.Header.Flags&Dump != 0 && offset != 0 && mode.strict && !testenv.HasFeature(t, testenv.DumpExtAck) {
					offset = 0
				}
				checkStrictReply(t, c, req, mode.strict, r.msg, offset)
			})
		}
	}
}

// checkStrictReply executes req, which strict checking rejects with
// EINVAL and the extended ack msg and offset, and checks the outcome.
func checkStrictReply(t *testing.T, c *Conn, req Message, strict bool, msg string, offset uint32) {
	t.Helper()
	msgs, err := c.Execute(req)
	if !strict {
		if err != nil {
			t.Fatalf("without strict checking: %v", err)
		}
		if req.Header.Type == rtmGetLink && len(msgs) != 1 {
			t.Errorf("without strict checking: %d replies, want lo", len(msgs))
		}
		return
	}
	var oe *OpError
	if !errors.As(err, &oe) || !errors.Is(err, unix.EINVAL) {
		t.Fatalf("got %v, want an *OpError matching EINVAL", err)
	}
	want := &OpError{Op: "execute", Err: unix.EINVAL, Sequence: req.Header.Sequence,
		ExtAck: ExtAck{Message: msg, Offset: offset}}
	sent := req.Header
	sent.Length, sent.PID = uint32(MessageLen(len(req.Data))), c.PID()
	if req.Header.Flags&Dump != Dump {
		want.Request = sent
	}
	if offset != 0 { // the offset points into the request: the error keeps it as sent
		var merr error
		if want.Sent, merr = (Message{Header: sent, Data: req.Data}).MarshalBinary(); merr != nil {
			t.Fatal(merr)
		}
	}
	if diff := cmp.Diff(want, oe, cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("error (-want +got):\n%s", diff)
	}
}

// TestIntegrationRouteCapAck sends a request the kernel rejects, an
// RTM_NEWADDR whose IFA_LOCAL is 2 bytes, with NETLINK_CAP_ACK on and off
// and extended acks on and off. Execute's error is the same either way;
// the raw NLMSG_ERROR echoes the whole request, or only its header.
func TestIntegrationRouteCapAck(t *testing.T) {
	ns := newTestNS(t)
	ns.batch(t, []string{"link add a0 type veth peer name a1"})
	idx := uint32(ns.ifindex(t, "a0"))
	bad := Message{
		Header: Header{Type: rtmNewAddr, Flags: Request | Acknowledge | Create | Excl, Sequence: 77},
		Data: withAttrs(t, ifAddrmsg{Family: unix.AF_INET, PrefixLen: 24, Index: idx}.append(nil), func(e *AttributeEncoder) {
			e.Bytes(unix.IFA_ADDRESS, []byte{192, 0, 2, 1})
			e.Uint16(unix.IFA_LOCAL, 1) // an NLA_U32 needs 4 bytes
		}),
	}
	const msg, offset = "Attribute failed policy validation", HeaderLen + sizeofIfAddrmsg + 8

	// What each layout looked like: the NLMSG_ERROR payload's length and
	// the extended ack it carried.
	type shape struct {
		n   int
		ext ExtAck
	}
	shapes := make(map[string]shape)
	for _, capped := range []bool{false, true} {
		for _, extack := range []bool{false, true} {
			name := fmt.Sprintf("capped=%v/extack=%v", capped, extack)
			t.Run(name, func(t *testing.T) {
				c := ns.dial(t, unix.NETLINK_ROUTE, nil)
				for o, on := range map[Option]bool{CapAcknowledge: capped, ExtendedAcknowledge: extack} {
					if err := c.SetOption(o, on); err != nil {
						t.Fatalf("SetOption(%v, %v): %v", o, on, err)
					}
				}
				_, err := c.Execute(bad)
				wantMsg, wantOff := "", uint32(0)
				if extack {
					wantMsg, wantOff = msg, offset
				}
				checkAckError(t, err, unix.ERANGE, bad, c.PID(), extack, msg)
				if oe := (*OpError)(nil); errors.As(err, &oe) && oe.Offset != wantOff {
					t.Errorf("extended-ack offset %d, want %d", oe.Offset, wantOff)
				}

				sent, ack := rawAck(t, c, bad)
				wantFlags := HeaderFlags(0)
				if capped {
					wantFlags |= Capped
				}
				if extack {
					wantFlags |= AcknowledgeTLVs
				}
				if ack.Header.Flags != wantFlags {
					t.Errorf("NLMSG_ERROR flags %v, want %v", ack.Header.Flags.Format(AckFlags), wantFlags.Format(AckFlags))
				}
				a, err := ParseAck(ack)
				if err != nil {
					t.Fatalf("ParseAck: %v", err)
				}
				wantData := sent.Data
				if capped {
					wantData = nil
				}
				want := Ack{Code: -int32(unix.ERANGE), Request: Message{Header: sent.Header, Data: wantData},
					ExtAck: ExtAck{Message: wantMsg, Offset: wantOff}}
				if diff := cmp.Diff(want, a, cmpopts.EquateEmpty(), cmpopts.IgnoreFields(ExtAck{}, "Policy", "Expected")); diff != "" {
					t.Errorf("ParseAck (-want +got):\n%s", diff)
				}
				shapes[name] = shape{n: len(ack.Data), ext: a.ExtAck}
			})
		}
	}
	// The capped layouts are shorter by exactly the echoed payload, and
	// carry the same extended ack.
	for _, extack := range []bool{false, true} {
		full, cut := shapes[fmt.Sprintf("capped=false/extack=%v", extack)], shapes[fmt.Sprintf("capped=true/extack=%v", extack)]
		if got, want := full.n-cut.n, Align(len(bad.Data)); got != want {
			t.Errorf("extack=%v: the full ack is %d bytes longer than the capped one, want %d", extack, got, want)
		}
		if diff := cmp.Diff(full.ext, cut.ext, cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("extack=%v: extended ack, full vs capped (-full +capped):\n%s", extack, diff)
		}
	}
}

// rawAck sends m and receives the datagram that answers it, which must
// hold exactly one NLMSG_ERROR.
func rawAck(t *testing.T, c *Conn, m Message) (sent, ack Message) {
	t.Helper()
	sent, err := c.Send(m)
	if err != nil {
		t.Fatalf("Send: %v", err)
	}
	msgs, src := receiveWithin(t, c, 2*time.Second)
	if len(msgs) != 1 || msgs[0].Header.Type != Error || src != (Source{}) {
		t.Fatalf("received %v from %+v, want one NLMSG_ERROR from the kernel", msgs, src)
	}
	if msgs[0].Header.Sequence != sent.Header.Sequence || msgs[0].Header.PID != c.PID() {
		t.Errorf("NLMSG_ERROR header %v, want seq %d pid %d", msgs[0].Header, sent.Header.Sequence, c.PID())
	}
	return sent, msgs[0]
}

// TestIntegrationRouteMulticastLink subscribes to RTNLGRP_LINK, through
// JoinGroup and through the legacy Config.Groups mask, and watches a veth
// pair being created.
func TestIntegrationRouteMulticastLink(t *testing.T) {
	ns := newTestNS(t)
	tests := []struct {
		name string
		cfg  *Config
		join bool
	}{
		{name: "JoinGroup", join: true},
		{name: "Config.Groups", cfg: &Config{Groups: GroupMask(rtnlGroupLink)}},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := ns.dial(t, unix.NETLINK_ROUTE, tt.cfg)
			if tt.join {
				if err := c.JoinGroup(rtnlGroupLink); err != nil {
					t.Fatalf("JoinGroup(%d): %v", rtnlGroupLink, err)
				}
			}
			if gs, err := c.Groups(); err != nil || !slices.Equal(gs, []uint32{rtnlGroupLink}) {
				t.Errorf("Groups() = %v, %v; want [%d]", gs, err, rtnlGroupLink)
			}
			name := fmt.Sprintf("m%d", i)
			ns.ip(t, "link", "add", name, "type", "veth", "peer", "name", name+"p")
			_, src := receiveUntil(t, c, 5*time.Second, func(m Message, _ Source) bool {
				l, err := parseLink(m)
				return err == nil && l.Name == name
			})
			if diff := cmp.Diff(Source{Group: rtnlGroupLink}, src); diff != "" {
				t.Errorf("source of RTM_NEWLINK %s (-want +got):\n%s", name, diff)
			}
		})
	}
}

// TestIntegrationRouteMulticastHighGroup joins RTNLGRP_IPV4_MCADDR (37),
// above the 32 groups of the legacy mask, next to RTNLGRP_LINK (1) from the
// mask, and brings a veth up: its join of 224.0.0.1 is announced as
// RTM_NEWMULTICAST on group 37, which Source.Group must report, while the
// link's own change arrives on group 1.
func TestIntegrationRouteMulticastHighGroup(t *testing.T) {
	ns := newTestNS(t)
	const group = unix.RTNLGRP_IPV4_MCADDR // 37, since Linux 6.13
	c := ns.dial(t, unix.NETLINK_ROUTE, &Config{Groups: GroupMask(rtnlGroupLink)})
	if err := c.JoinGroup(group); err != nil {
		if errors.Is(err, unix.EINVAL) {
			testenv.Lacks(t, testenv.IPv4MCAddrGroup, err)
		}
		t.Fatalf("JoinGroup(%d): %v", group, err)
	}
	testenv.Found(t, testenv.IPv4MCAddrGroup)
	if gs, err := c.Groups(); err != nil || !slices.Equal(gs, []uint32{rtnlGroupLink, group}) {
		t.Errorf("Groups() = %v, %v; want [%d %d]", gs, err, rtnlGroupLink, group)
	}
	if on, err := c.GetOption(PacketInfo); err != nil || !on {
		t.Errorf("GetOption(PacketInfo) after joining group %d = %v, %v; want true", group, on, err)
	}

	ns.batch(t, []string{"link add h0 type veth peer name h1", "link set h0 up"})
	idx := uint32(ns.ifindex(t, "h0"))
	var sawLink bool
	receiveUntil(t, c, 5*time.Second, func(m Message, src Source) bool {
		switch m.Header.Type {
		case unix.RTM_NEWMULTICAST:
			if src.Group != group {
				t.Errorf("RTM_NEWMULTICAST from group %d, want %d", src.Group, group)
			}
			ifa, err := parseIfAddrmsg(m.Data)
			return err == nil && ifa.Index == idx
		case rtmNewLink, rtmDelLink:
			sawLink = true
			if src.Group != rtnlGroupLink {
				t.Errorf("link message from group %d, want %d", src.Group, rtnlGroupLink)
			}
		}
		return false
	})
	if !sawLink {
		t.Error("no RTM_NEWLINK on group 1 before the RTM_NEWMULTICAST")
	}

	if err := c.LeaveGroup(group); err != nil {
		t.Fatalf("LeaveGroup(%d): %v", group, err)
	}
	if gs, err := c.Groups(); err != nil || !slices.Equal(gs, []uint32{rtnlGroupLink}) {
		t.Errorf("Groups() after LeaveGroup = %v, %v; want [%d]", gs, err, rtnlGroupLink)
	}
}

// TestIntegrationConcurrentExecute runs 32 goroutines of 2,000 Executes
// each on one Conn (run it with -race) and checks that every request gets
// its own reply: the sequence number it was sent with, the requester's
// port, and the link it asked for.
func TestIntegrationConcurrentExecute(t *testing.T) {
	ns := newTestNS(t)
	var lines []string
	for i := range 4 {
		lines = append(lines, fmt.Sprintf("link add c%da type veth peer name c%db", i, i))
	}
	ns.batch(t, lines)
	want := ns.links(t)
	indexes := make([]int, 0, len(want))
	for idx := range want {
		indexes = append(indexes, idx)
	}
	slices.Sort(indexes)
	c := ns.dial(t, unix.NETLINK_ROUTE, nil)
	reqs := make(map[int]Message, len(indexes))
	for _, idx := range indexes {
		reqs[idx] = getLinkRequest(t, int32(idx))
	}

	const goroutines, perGoroutine = 32, 2000
	// Even goroutines choose their sequence numbers; odd ones let the Conn
	// choose, and the replies' numbers must then all differ.
	auto := make([][]uint32, goroutines)
	var wg sync.WaitGroup
	start := time.Now()
	for g := range goroutines {
		wg.Go(func() {
			explicit := g%2 == 0
			for i := range perGoroutine {
				idx := indexes[(g+i)%len(indexes)]
				req := reqs[idx]
				if explicit {
					req.Header.Sequence = uint32(g+1)<<16 | uint32(i+1)
				}
				msgs, err := c.Execute(req)
				if err == nil {
					err = checkLinkReply(msgs, req.Header.Sequence, c.PID(), idx, want[idx])
				}
				if err != nil {
					t.Errorf("goroutine %d, request %d (ifindex %d): %v", g, i, idx, err)
					return
				}
				if !explicit {
					auto[g] = append(auto[g], msgs[0].Header.Sequence)
				}
			}
		})
	}
	wg.Wait()
	t.Logf("%d Executes from %d goroutines in %v", goroutines*perGoroutine, goroutines, time.Since(start))
	seen := make(map[uint32]bool)
	for _, seqs := range auto {
		for _, s := range seqs {
			if seen[s] {
				t.Errorf("two replies with sequence number %d", s)
			}
			seen[s] = true
		}
	}
	// Nothing stray was set aside.
	expectNothing(t, c, 50*time.Millisecond)
}

// checkLinkReply checks the reply to an RTM_GETLINK for ifindex idx. seq
// is the request's sequence number, or 0 if the Conn chose it.
func checkLinkReply(msgs []Message, seq, pid uint32, idx int, name string) error {
	if len(msgs) != 1 {
		return fmt.Errorf("%d replies, want 1", len(msgs))
	}
	h := msgs[0].Header
	if seq != 0 && h.Sequence != seq {
		return fmt.Errorf("reply sequence %d, want %d", h.Sequence, seq)
	}
	if h.Sequence == 0 || h.PID != pid {
		return fmt.Errorf("reply header %v, want a sequence number and pid %d", h, pid)
	}
	l, err := parseLink(msgs[0])
	if err != nil {
		return err
	}
	if l.Index != idx || l.Name != name {
		return fmt.Errorf("reply is link %d %q, want %d %q", l.Index, l.Name, idx, name)
	}
	return nil
}
