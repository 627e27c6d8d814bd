package nltest

import (
	"fmt"
	"os"
	"slices"
	"sync"
	"syscall"

	"github.com/nlgo/netlink"
)

// A Kernel is an in-memory fake of the kernel side of netlink: protocol
// families with an input handler, as netlink_kernel_create registers them,
// and the sockets user space binds to them. Conns dialled on a Kernel talk
// to its handlers, to each other by port ID, and to multicast groups. The
// zero value is not usable: call NewKernel.
//
// All methods are safe for concurrent use.
type Kernel struct {
	mu        sync.Mutex
	families  map[int]*family
	conns     map[*netlink.Conn]*socket
	rover     uint32 // the next port ID to try when binding to port 0
	recording bool
	recorded  []Datagram
}

// family is one registered protocol family: its handler, if it has a
// kernel socket, and the user sockets bound to it.
type family struct {
	proto   int
	handler Handler // nil: no kernel socket (like NETLINK_USERSOCK)
	fn      Func    // set by Dial(Func): answers whole datagrams
	ngroups uint32
	input   sync.Mutex // serialises calls of handler and fn
	ports   map[uint32]*socket
}

// firstRover is where port-ID assignment starts, like the kernel's
// netlink_autobind, which counts down from -4096.
const firstRover = 0xfffff000

// NewKernel returns a Kernel with no family registered.
func NewKernel() *Kernel {
	return &Kernel{
		families: make(map[int]*family),
		conns:    make(map[*netlink.Conn]*socket),
		rover:    firstRover,
	}
}

// A Handler is a family's input callback (netlink_kernel_cfg.input), called
// once for each request message a Conn sends to port 0, in order, like the
// callback of netlink_rcv_skb. It answers through r: Reply, Dump, Ack.
//
// The returned error decides the acknowledgement, as in the kernel: nil
// sends an acknowledgement only when the request asked for one
// (NLM_F_ACK), carrying any warning set with Warn; a syscall.Errno or an
// *ExtError sends an NLMSG_ERROR with that code and extended ack, whatever
// the flags. No acknowledgement follows a successful Dump or an explicit
// Ack. Any other error is not an errno: it is handed to the requesting
// socket, whose next Receive fails with it, so that a broken handler fails
// the test that uses it.
//
// Messages that are not requests (no NLM_F_REQUEST) and control messages
// (types below netlink.MinType) never reach the handler: they are only
// acknowledged when they ask to be. A malformed message ends the datagram.
//
// Calls for one family are serialised. A handler may call the Kernel
// (Unicast, Broadcast, ...) but must not send on a Conn of its own family.
type Handler func(r *Request) error

// A FamilyOption configures a family in Register.
type FamilyOption func(*family)

// Groups sets the number of multicast groups the family has
// (netlink_kernel_cfg.groups). The default is 32; more lets Conns join
// groups above 32, which only JoinGroup reaches; fewer than 32 means 32,
// as in the kernel.
func Groups(n uint32) FamilyOption {
	return func(f *family) { f.ngroups = max(n, 32) }
}

// Register creates protocol family proto with handler h, like
// netlink_kernel_create. A nil h makes a family without a kernel socket,
// like NETLINK_USERSOCK: its Conns talk only to each other and to groups,
// and a send to port 0 fails with ECONNREFUSED. Register panics if proto
// is already registered.
func (k *Kernel) Register(proto int, h Handler, opts ...FamilyOption) {
	f := &family{proto: proto, handler: h, ngroups: 32, ports: make(map[uint32]*socket)}
	for _, o := range opts {
		o(f)
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.families[proto] != nil {
		panic(fmt.Sprintf("nltest: family %d registered twice", proto))
	}
	k.families[proto] = f
}

// Dial opens a Conn on family proto, which must be registered, as
// netlink.Dial does on a real kernel. Of the config (nil means defaults):
//
//   - PID binds that port ID; a port already bound in the family fails
//     with an error matching syscall.EADDRINUSE. Zero assigns a free one,
//     counting down from 0xfffff000 like the kernel's autobind.
//   - Groups subscribes to the groups of the legacy mask that the family
//     has.
//   - Strict turns on ExtendedAcknowledge and GetStrictCheck.
//   - Peer and MaxMessageSize apply to the Conn as usual.
//   - NetNS is ignored: a Kernel is one namespace.
//
// An unregistered family fails with an error matching
// syscall.EPROTONOSUPPORT.
func (k *Kernel) Dial(proto int, cfg *netlink.Config) (*netlink.Conn, error) {
	var c netlink.Config
	if cfg != nil {
		c = *cfg
	}
	if c.MaxMessageSize <= 0 {
		c.MaxMessageSize = netlink.DefaultMaxMessageSize
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	f := k.families[proto]
	if f == nil {
		return nil, &netlink.OpError{Op: "dial", Err: os.NewSyscallError("socket", syscall.EPROTONOSUPPORT)}
	}
	port := c.PID
	if port == 0 {
		port = k.lockedAutobind(f)
	} else if f.ports[port] != nil {
		return nil, &netlink.OpError{Op: "dial", Err: os.NewSyscallError("bind", syscall.EADDRINUSE)}
	}
	s := newSocket(k, f, port, c.MaxMessageSize)
	for _, g := range netlink.MaskGroups(c.Groups) {
		if g <= f.ngroups {
			s.groups[g] = true
		}
	}
	if c.Strict {
		s.options[netlink.ExtendedAcknowledge] = true
		s.options[netlink.GetStrictCheck] = true
	}
	f.ports[port] = s
	s.conn = netlink.NewConn(s, proto, &c)
	k.conns[s.conn] = s
	return s.conn, nil
}

// lockedAutobind picks a free port ID in f.
func (k *Kernel) lockedAutobind(f *family) uint32 {
	for {
		p := k.rover
		k.rover--
		if k.rover == 0 {
			k.rover = firstRover
		}
		if f.ports[p] == nil {
			return p
		}
	}
}

// socketOf returns the socket under c, panicking if c was not dialled on
// k: that is a mistake in the test.
func (k *Kernel) socketOf(c *netlink.Conn) *socket {
	k.mu.Lock()
	defer k.mu.Unlock()
	s := k.conns[c]
	if s == nil {
		panic("nltest: the Conn was not dialled on this Kernel")
	}
	return s
}

// lockedFamily returns the registered family proto.
func (k *Kernel) lockedFamily(proto int) (*family, error) {
	if f := k.families[proto]; f != nil {
		return f, nil
	}
	return nil, fmt.Errorf("nltest: family %d is not registered", proto)
}

// Unicast sends msgs as one datagram from the kernel to port in family
// proto, like netlink_unicast from a kernel socket: it never blocks. A
// port nobody has bound fails with ECONNREFUSED; a full receive queue
// drops the datagram, records an overrun on the socket and fails with
// EAGAIN. Headers are sent as given, except Length, which is computed.
func (k *Kernel) Unicast(proto int, port uint32, msgs ...netlink.Message) error {
	b, err := encode(msgs)
	if err != nil {
		return err
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	f, err := k.lockedFamily(proto)
	if err != nil {
		return err
	}
	s := f.ports[port]
	if s == nil {
		return syscall.ECONNREFUSED
	}
	k.lockedRecord(0, port, 0, b)
	if !s.lockedDeliver(datagram{b: b}) {
		return syscall.EAGAIN
	}
	return nil
}

// Broadcast sends msgs as one datagram from the kernel to multicast group
// of family proto, like netlink_broadcast: every subscribed socket gets a
// copy, and a socket whose queue is full loses it and records an overrun.
// It returns nil if any socket took the datagram; ENOBUFS if a subscriber
// with the BroadcastError option lost it; ESRCH if nobody listened.
func (k *Kernel) Broadcast(proto int, group uint32, msgs ...netlink.Message) error {
	b, err := encode(msgs)
	if err != nil {
		return err
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	f, err := k.lockedFamily(proto)
	if err != nil {
		return err
	}
	k.lockedRecord(0, 0, group, b)
	delivered, failed := f.lockedBroadcast(nil, 0, group, datagram{b: b, group: group})
	switch {
	case failed:
		return syscall.ENOBUFS
	case delivered:
		return nil
	}
	return syscall.ESRCH
}

// lockedBroadcast delivers d to every socket of f subscribed to group,
// except from (the sender) and the port skip, which gets a unicast
// instead. It reports whether anyone took it and whether a socket with
// BroadcastError lost it.
func (f *family) lockedBroadcast(from *socket, skip, group uint32, d datagram) (delivered, failed bool) {
	if group == 0 || group > f.ngroups {
		return false, false
	}
	for _, s := range f.lockedSockets() {
		if s == from || (skip != 0 && s.port == skip) || !s.groups[group] {
			continue
		}
		if s.lockedDeliver(d) {
			delivered = true
		} else if s.options[netlink.BroadcastError] {
			failed = true
		}
	}
	return delivered, failed
}

// lockedSockets returns f's sockets in port order, so that delivery
// order, and so the recorder, is deterministic.
func (f *family) lockedSockets() []*socket {
	ports := make([]uint32, 0, len(f.ports))
	for p := range f.ports {
		ports = append(ports, p)
	}
	slices.Sort(ports)
	ss := make([]*socket, len(ports))
	for i, p := range ports {
		ss[i] = f.ports[p]
	}
	return ss
}

// encode packs msgs into one datagram, computing each Length.
func encode(msgs []netlink.Message) ([]byte, error) {
	var b []byte
	for _, m := range msgs {
		var err error
		if b, err = m.AppendBinary(b); err != nil {
			return nil, err
		}
	}
	return b, nil
}
