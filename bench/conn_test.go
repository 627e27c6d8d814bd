package bench

import (
	"encoding/binary"
	"fmt"
	"net/netip"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/sys/unix"
)

// The request workloads: each sends one request to the kernel inside the
// benchmark namespace (see setup.sh and netns_test.go) and reads every
// reply, through NLMSG_DONE for a dump.
type workload int

const (
	getLink   workload = iota // W1: RTM_GETLINK for ifindex 1, one reply
	dumpLinks                 // W2: RTM_GETLINK dump, 1,001 links
	dumpAddrs                 // W3: RTM_GETADDR dump of AF_INET6, 5,001 addresses
	getFamily                 // W4: CTRL_CMD_GETFAMILY "nlctrl" over NETLINK_GENERIC
)

var workloads = []workload{getLink, dumpLinks, dumpAddrs, getFamily}

// String is the workload's benchmark name.
func (w workload) String() string {
	switch w {
	case getLink:
		return "GetLink"
	case dumpLinks:
		return "DumpLinks"
	case dumpAddrs:
		return "DumpAddrs"
	case getFamily:
		return "GetFamily"
	}
	return fmt.Sprintf("workload(%d)", int(w))
}

// replies is the number of reply messages each workload returns in the
// namespace setup.sh makes, NLMSG_DONE not counted.
func (w workload) replies() int {
	switch w {
	case dumpLinks:
		return 2*vethPairs + 1
	case dumpAddrs:
		return ipv6Addrs + 1
	}
	return 1
}

// The namespace setup.sh makes: lo and 500 veth pairs, and 5,000 IPv6
// addresses on veth0a besides ::1 on lo.
const (
	vethPairs = 500
	ipv6Addrs = 5000
)

// Fixed headers and constants the floor and the checks need.
const (
	ifaddrmsgLen = 8 // struct ifaddrmsg
	genlHdrLen   = 4 // struct genlmsghdr

	genlIDCtrl          = 0x10 // GENL_ID_CTRL, the id of "nlctrl"
	genlCtrlVersion     = 2    // the version vishvananda/netlink sends
	ctrlCmdGetFamily    = unix.CTRL_CMD_GETFAMILY
	ctrlAttrFamilyID    = unix.CTRL_ATTR_FAMILY_ID
	ctrlAttrFamilyName  = unix.CTRL_ATTR_FAMILY_NAME
	genlFamilyRequested = "nlctrl"
)

// A client is one implementation's sockets in the benchmark namespace, a
// NETLINK_ROUTE one and a NETLINK_GENERIC one, dialled once and reused by
// every request.
type client interface {
	// do sends w's request, built the way the library builds it, reads
	// every reply, and returns how many replies there were, NLMSG_DONE and
	// acknowledgements not counted. When visit is not nil, it is called
	// with the payload of each reply (the bytes after the nlmsghdr), after
	// or while the replies are read: the benchmarks pass nil, the tests
	// collect what the replies say.
	do(w workload, visit func(p []byte)) (int, error)
	close() error
}

// A clientImpl names an implementation of the request workloads and dials
// its client inside the namespace ns, a file descriptor.
type clientImpl struct {
	name string
	dial func(ns int) (client, error)
}

// clientImpls returns the implementations compared, the blocking floor
// first.
func clientImpls() []clientImpl {
	return []clientImpl{
		{name: "floor", dial: func(ns int) (client, error) { return newFloorClient(ns, false) }},
		{name: "floorpoll", dial: func(ns int) (client, error) { return newFloorClient(ns, true) }},
		{name: "nlgo", dial: newNlgoClient},
		{name: "nlgoeach", dial: newNlgoEachClient},
		{name: "mdlayher", dial: func(ns int) (client, error) { return newMdlayherClient(ns, 0) }},
		{name: "mdlayher64k", dial: func(ns int) (client, error) { return newMdlayherClient(ns, 64<<10) }},
		{name: "vishvananda", dial: newVishvanandaClient},
	}
}

// The request payloads, after the nlmsghdr, for the implementations that
// take bytes rather than build the family header themselves.
var (
	// getLinkPayload is a struct ifinfomsg asking for ifindex 1.
	getLinkPayload = appendIfinfomsg(nil, unix.AF_UNSPEC, 0, 1, 0, 0)
	// dumpLinksPayload is an empty struct ifinfomsg: every link.
	dumpLinksPayload = appendIfinfomsg(nil, unix.AF_UNSPEC, 0, 0, 0, 0)
	// dumpAddrsPayload is a struct ifaddrmsg for AF_INET6.
	dumpAddrsPayload = []byte{unix.AF_INET6, 0, 0, 0, 0, 0, 0, 0}
	// genlHeader is the struct genlmsghdr of CTRL_CMD_GETFAMILY.
	genlHeader = []byte{ctrlCmdGetFamily, genlCtrlVersion, 0, 0}
)

// request returns w's complete request message with sequence number 0, the
// way the floor sends it, built with the generator's writer.
func (w workload) request() []byte {
	var g attrWriter
	switch w {
	case getLink:
		g.start(unix.RTM_GETLINK, unix.NLM_F_REQUEST, 0)
		g.b = append(g.b, getLinkPayload...)
	case dumpLinks:
		g.start(unix.RTM_GETLINK, unix.NLM_F_REQUEST|unix.NLM_F_DUMP, 0)
		g.b = append(g.b, dumpLinksPayload...)
	case dumpAddrs:
		g.start(unix.RTM_GETADDR, unix.NLM_F_REQUEST|unix.NLM_F_DUMP, 0)
		g.b = append(g.b, dumpAddrsPayload...)
	case getFamily:
		g.start(genlIDCtrl, unix.NLM_F_REQUEST, 0)
		g.b = append(g.b, genlHeader...)
		g.attr(ctrlAttrFamilyName, append([]byte(genlFamilyRequested), 0))
	}
	g.end()
	return g.b
}

// family is the netlink family w's request goes to.
func (w workload) family() int {
	if w == getFamily {
		return unix.NETLINK_GENERIC
	}
	return unix.NETLINK_ROUTE
}

// TestConnSameReplies checks, before anything is timed, that every
// implementation gets the same replies as the floor: the same ifindex and
// name for the link; the same set of ifindex and name pairs in the link
// dump; the same set of ifindex and address pairs in the address dump; the
// same family id and name for nlctrl. Each client does every workload
// twice, so that its reused socket and buffers are exercised.
func TestConnSameReplies(t *testing.T) {
	ns := openBenchNS(t)
	want := make(map[workload][]string)
	for _, impl := range clientImpls() {
		t.Run(impl.name, func(t *testing.T) {
			c, err := impl.dial(ns)
			if err != nil {
				t.Fatal(err)
			}
			defer c.close()
			for _, w := range workloads {
				for round := range 2 {
					got, err := replySummary(c, w)
					if err != nil {
						t.Fatalf("%v, round %d: %v", w, round, err)
					}
					if len(got) != w.replies() {
						t.Errorf("%v, round %d: %d replies, want %d (is the namespace as setup.sh makes it?)",
							w, round, len(got), w.replies())
					}
					if want[w] == nil { // the floor comes first
						want[w] = got
						continue
					}
					if diff := cmp.Diff(want[w], got); diff != "" {
						t.Errorf("%v, round %d: replies differ from the floor's (-floor +%s):\n%s", w, round, impl.name, diff)
					}
				}
			}
		})
	}
}

// replySummary does w with c and returns what the replies say, one sorted
// line per reply. It checks that the count do returns agrees.
func replySummary(c client, w workload) ([]string, error) {
	var lines []string
	var perr error
	n, err := c.do(w, func(p []byte) {
		s, err := summarize(w, p)
		if err != nil && perr == nil {
			perr = err
		}
		lines = append(lines, s)
	})
	if err != nil {
		return nil, err
	}
	if perr != nil {
		return nil, perr
	}
	if n != len(lines) {
		return nil, fmt.Errorf("%d replies counted, %d visited", n, len(lines))
	}
	slices.Sort(lines)
	return lines, nil
}

// summarize says what one reply to w holds: "ifindex name" for a link,
// "ifindex address" for an address, "id name" for a family.
func summarize(w workload, p []byte) (string, error) {
	switch w {
	case getLink, dumpLinks:
		if len(p) < ifinfomsgLen {
			return "", errShortPayload
		}
		index := int32(binary.NativeEndian.Uint32(p[4:]))
		var name string
		err := walkAttrs(p[ifinfomsgLen:], func(typ uint16, v []byte) {
			if typ == unix.IFLA_IFNAME {
				name = cString(v)
			}
		})
		return fmt.Sprintf("%d %s", index, name), err
	case dumpAddrs:
		if len(p) < ifaddrmsgLen {
			return "", fmt.Errorf("payload of %d bytes shorter than struct ifaddrmsg", len(p))
		}
		index := binary.NativeEndian.Uint32(p[4:])
		var addr netip.Addr
		err := walkAttrs(p[ifaddrmsgLen:], func(typ uint16, v []byte) {
			if typ == unix.IFA_ADDRESS {
				addr, _ = netip.AddrFromSlice(v)
			}
		})
		return fmt.Sprintf("%d %v", index, addr), err
	case getFamily:
		if len(p) < genlHdrLen {
			return "", fmt.Errorf("payload of %d bytes shorter than struct genlmsghdr", len(p))
		}
		var id uint16
		var name string
		err := walkAttrs(p[genlHdrLen:], func(typ uint16, v []byte) {
			switch {
			case typ == ctrlAttrFamilyID && len(v) >= 2:
				id = binary.NativeEndian.Uint16(v)
			case typ == ctrlAttrFamilyName:
				name = cString(v)
			}
		})
		return fmt.Sprintf("%d %s", id, name), err
	}
	return "", fmt.Errorf("unknown workload %d", int(w))
}

// walkAttrs calls fn with the type, flag bits masked off, and payload of
// each attribute in b.
func walkAttrs(b []byte, fn func(typ uint16, v []byte)) error {
	for len(b) >= nlaHeaderLen {
		l := int(binary.NativeEndian.Uint16(b))
		if l < nlaHeaderLen || l > len(b) {
			return errBadLength
		}
		fn(binary.NativeEndian.Uint16(b[2:])&nlaTypeMask, b[nlaHeaderLen:l])
		b = b[min(align4(l), len(b)):]
	}
	return nil
}

// cString returns b up to its first NUL.
func cString(b []byte) string {
	if i := slices.Index(b, 0); i >= 0 {
		b = b[:i]
	}
	return string(b)
}

// TestConnAllocations holds this library's allocation budget on the
// request workloads: at most 2 allocations per Execute (the replies and
// the slice of messages), whatever the number of replies.
func TestConnAllocations(t *testing.T) {
	ns := openBenchNS(t)
	c, err := newNlgoClient(ns)
	if err != nil {
		t.Fatal(err)
	}
	defer c.close()
	for _, w := range workloads {
		t.Run(w.String(), func(t *testing.T) {
			allocs := testing.AllocsPerRun(20, func() {
				if n, err := c.do(w, nil); err != nil || n != w.replies() {
					t.Fatalf("%d replies, %v", n, err)
				}
			})
			if allocs > 2 {
				t.Errorf("%v allocations per Execute, want at most 2", allocs)
			}
		})
	}
}

// BenchmarkGetLink is W1: RTM_GETLINK for ifindex 1, one reply.
func BenchmarkGetLink(b *testing.B) { benchmarkWorkload(b, getLink) }

// BenchmarkDumpLinks is W2: an RTM_GETLINK dump of 1,001 links.
func BenchmarkDumpLinks(b *testing.B) { benchmarkWorkload(b, dumpLinks) }

// BenchmarkDumpAddrs is W3: an RTM_GETADDR dump of 5,001 IPv6 addresses.
func BenchmarkDumpAddrs(b *testing.B) { benchmarkWorkload(b, dumpAddrs) }

// BenchmarkGetFamily is W4: CTRL_CMD_GETFAMILY "nlctrl".
func BenchmarkGetFamily(b *testing.B) { benchmarkWorkload(b, getFamily) }

// benchmarkWorkload times w with every implementation, each on its own
// sockets dialled before the timer starts and warmed by one request.
func benchmarkWorkload(b *testing.B, w workload) {
	ns := openBenchNS(b)
	for _, impl := range clientImpls() {
		b.Run("impl="+impl.name, func(b *testing.B) {
			c, err := impl.dial(ns)
			if err != nil {
				b.Fatal(err)
			}
			defer c.close()
			want := w.replies()
			if n, err := c.do(w, nil); err != nil || n != want {
				b.Fatalf("%d replies, want %d (is the namespace as setup.sh makes it?): %v", n, want, err)
			}
			b.ReportAllocs()
			for b.Loop() {
				if n, err := c.do(w, nil); err != nil || n != want {
					b.Fatalf("%d replies, want %d: %v", n, want, err)
				}
			}
		})
	}
}
