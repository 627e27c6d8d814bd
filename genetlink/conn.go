package genetlink

import (
	"errors"
	"fmt"
	"os"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/nlgo/netlink"
)

// A Conn is a generic netlink socket: it sends Messages to families by id,
// resolves families, their groups and their policies through the
// controller, and remembers the families it resolved.
//
// Concurrency: a Conn is safe for concurrent use, with the contract of the
// netlink.Conn under it: Execute runs one exchange at a time, and a blocked
// Receive holds up Execute.
//
// The family cache: a Conn made by Dial subscribes a second socket of its
// own to the controller's "notify" group and drops a family from its cache
// as soon as the kernel announces that the family, or one of its groups,
// came or went, so the cache cannot outlive a module reload. GetFamily,
// JoinGroup and Policy answer from the cache when they can, without a
// system call. A Conn made by NewConn has no cache, unless WatchFamilies
// gives it that second socket: it asks the kernel every time.
type Conn struct {
	c       *netlink.Conn
	scratch scratchSlot
	cache   *familyCache // nil without a watcher
}

// Dial opens a generic netlink socket (NETLINK_GENERIC) with config, as
// netlink.Dial does; nil means the defaults. It also opens the socket that
// keeps the family cache true, in the same network namespace: if that one
// cannot be opened or cannot join the controller's group, the Conn works
// without a cache. On platforms other than Linux it fails with an error
// matching netlink.ErrNotSupported.
func Dial(config *netlink.Config) (*Conn, error) {
	c, err := netlink.Dial(Protocol, config)
	if err != nil {
		return nil, err
	}
	gc := NewConn(c)
	var wcfg netlink.Config
	if config != nil {
		wcfg.NetNS = config.NetNS
	}
	if w, err := netlink.Dial(Protocol, &wcfg); err == nil {
		if gc.WatchFamilies(w) != nil {
			w.Close()
		}
	}
	return gc, nil
}

// NewConn returns a Conn that sends and receives through c, a
// NETLINK_GENERIC Conn (or one of package nltest). The Conn owns c from
// then on: Close closes it. It has no family cache until WatchFamilies.
func NewConn(c *netlink.Conn) *Conn {
	return &Conn{c: c}
}

// WatchFamilies gives the Conn a family cache kept true by w, a
// NETLINK_GENERIC Conn of the same network namespace that the Conn owns
// from then on and uses for nothing else: it joins the controller's
// "notify" group on w, and a goroutine reads w until Close. It fails if
// the Conn already has a cache or w cannot join the group.
func (c *Conn) WatchFamilies(w *netlink.Conn) error {
	if c.cache != nil {
		return errors.New("genetlink: the Conn already watches families")
	}
	if err := w.JoinGroup(uint32(ControllerID)); err != nil {
		return err
	}
	c.cache = newFamilyCache(w)
	return nil
}

// Close closes the Conn's socket and its cache's, and waits for the cache's
// goroutine to end. It is idempotent.
func (c *Conn) Close() error {
	err := c.c.Close()
	if c.cache != nil {
		c.cache.close()
	}
	return err
}

// Execute sends m to family with flags, which always include
// netlink.Request, and returns the replies, reading until the exchange is
// complete as netlink.Conn.Execute does: pass netlink.Dump for a dump and
// netlink.Acknowledge to wait for the acknowledgement of a request that
// has no reply. The replies own their Data. A reply of another family or
// with a malformed genlmsghdr is an error.
//
// An error code from the kernel is a *netlink.OpError matching its errno.
// When its extended ack points at an attribute of m, or names one missing,
// the error's Path and Missing locate it (netlink.OpError.Locate), with
// the attribute types as numbers, or named for the controller's: a caller
// that knows the family's policy can call Locate again with it. ENOENT for
// a family in the cache drops it, so that the next GetFamily asks the
// kernel: its id may have changed.
func (c *Conn) Execute(m Message, family uint16, flags netlink.HeaderFlags) ([]Message, error) {
	var msgs []Message
	var data []byte
	err := c.ExecuteEach(m, family, flags, func(r Message) bool {
		data = append(data, r.Data...)
		msgs = append(msgs, Message{Header: r.Header})
		msgs[len(msgs)-1].Data = data[len(data)-len(r.Data):]
		return true
	})
	if err != nil && !errors.Is(err, netlink.ErrDumpInterrupted) {
		return nil, err
	}
	// data grew as replies came: point every reply into its final array.
	off := 0
	for i := range msgs {
		n := len(msgs[i].Data)
		msgs[i].Data = data[off : off+n : off+n]
		off += n
	}
	return msgs, err
}

// ExecuteEach is Execute for large results and hot paths: it calls fn with
// each reply as it arrives, and allocates nothing. A reply's Data aliases
// the Conn's receive buffer and is valid only until fn returns. When fn
// returns false it is not called again, but the rest of the exchange is
// still read. Errors are those of Execute.
func (c *Conn) ExecuteEach(m Message, family uint16, flags netlink.HeaderFlags, fn func(Message) bool) error {
	s := c.scratch.get()
	b := append(s.req[:0], m.Header.Command, m.Header.Version, 0, 0)
	b = append(b, m.Data...)
	err := c.exchange(b, family, flags, fn)
	c.scratch.put(s, b)
	return err
}

// exchange sends req, a genlmsghdr and its payload, to family and hands
// each reply to fn, checking that it is a well-formed message of family.
func (c *Conn) exchange(req []byte, family uint16, flags netlink.HeaderFlags, fn func(Message) bool) error {
	var bad error
	nm := netlink.Message{
		Header: netlink.Header{Type: netlink.HeaderType(family), Flags: flags | netlink.Request},
		Data:   req,
	}
	err := c.c.ExecuteEach(nm, func(r netlink.Message) bool {
		if bad != nil {
			return false
		}
		if r.Header.Type != netlink.HeaderType(family) {
			bad = fmt.Errorf("genetlink: reply of type %d to a request to family %d", r.Header.Type, family)
			return false
		}
		gm, err := unpack(r)
		if err != nil {
			bad = err
			return false
		}
		return fn(gm)
	})
	if err == nil || errors.Is(err, netlink.ErrDumpInterrupted) && bad != nil {
		err = bad
	}
	if c.cache != nil && errors.Is(err, os.ErrNotExist) {
		c.cache.forgetID(family)
	}
	if err != nil {
		c.locate(err, family)
	}
	return err
}

// Send sends m to family with flags, which always include netlink.Request,
// without waiting for a reply, and returns the netlink message as sent.
func (c *Conn) Send(m Message, family uint16, flags netlink.HeaderFlags) (netlink.Message, error) {
	b, err := m.MarshalBinary()
	if err != nil {
		return netlink.Message{}, err
	}
	return c.c.Send(netlink.Message{
		Header: netlink.Header{Type: netlink.HeaderType(family), Flags: flags | netlink.Request},
		Data:   b,
	})
}

// Receive reads one datagram and returns its generic netlink messages
// together with the netlink messages that carry them, index for index:
// for a control message (an error, an acknowledgement, NLMSG_DONE) the
// generic Message is zero, and netlink.CheckMessage tells what it says.
// Both own their Data.
func (c *Conn) Receive() ([]Message, []netlink.Message, error) {
	nms, err := c.c.Receive()
	if err != nil {
		return nil, nil, err
	}
	gms := make([]Message, len(nms))
	for i, nm := range nms {
		if nm.Header.Type < netlink.MinType {
			continue
		}
		if gms[i], err = unpack(nm); err != nil {
			return nil, nil, err
		}
	}
	return gms, nms, nil
}

// JoinGroup subscribes to the multicast group called group of the family
// called family, resolving both through the cache or the controller. An
// unknown family or group is an error matching os.ErrNotExist. Groups
// with GENL_MCAST_CAP_NET_ADMIN need CAP_NET_ADMIN (else EPERM).
func (c *Conn) JoinGroup(family, group string) error {
	g, err := c.group(family, group)
	if err != nil {
		return err
	}
	return c.c.JoinGroup(g.ID)
}

// LeaveGroup unsubscribes from a group joined with JoinGroup.
func (c *Conn) LeaveGroup(family, group string) error {
	g, err := c.group(family, group)
	if err != nil {
		return err
	}
	return c.c.LeaveGroup(g.ID)
}

// group resolves a family's multicast group by name.
func (c *Conn) group(family, group string) (MulticastGroup, error) {
	f, err := c.GetFamily(family)
	if err != nil {
		return MulticastGroup{}, err
	}
	g, ok := f.Group(group)
	if !ok {
		return MulticastGroup{}, fmt.Errorf("genetlink: family %s has no multicast group %q: %w", family, group, os.ErrNotExist)
	}
	return g, nil
}

// JoinGroupID subscribes to the multicast group with id g, as
// netlink.Conn.JoinGroup does (mdlayher/genetlink's JoinGroup).
func (c *Conn) JoinGroupID(g uint32) error { return c.c.JoinGroup(g) }

// LeaveGroupID unsubscribes from the multicast group with id g.
func (c *Conn) LeaveGroupID(g uint32) error { return c.c.LeaveGroup(g) }

// PID returns the port ID the socket is bound to.
func (c *Conn) PID() uint32 { return c.c.PID() }

// SetDeadline sets the read and write deadlines of the socket; see
// netlink.Conn.SetDeadline.
func (c *Conn) SetDeadline(t time.Time) error { return c.c.SetDeadline(t) }

// SetReadDeadline sets the deadline for Receive and Execute's reads.
func (c *Conn) SetReadDeadline(t time.Time) error { return c.c.SetReadDeadline(t) }

// SetWriteDeadline sets the deadline for sends.
func (c *Conn) SetWriteDeadline(t time.Time) error { return c.c.SetWriteDeadline(t) }

// SetOption turns a socket option on or off.
func (c *Conn) SetOption(o netlink.Option, on bool) error { return c.c.SetOption(o, on) }

// SetReadBuffer sets the socket's receive buffer size in bytes.
func (c *Conn) SetReadBuffer(n int) error { return c.c.SetReadBuffer(n) }

// SetWriteBuffer sets the socket's send buffer size in bytes.
func (c *Conn) SetWriteBuffer(n int) error { return c.c.SetWriteBuffer(n) }

// SetBPF attaches a classic BPF program that filters received datagrams.
func (c *Conn) SetBPF(prog []netlink.BPFInstruction) error { return c.c.SetBPF(prog) }

// RemoveBPF detaches the BPF program.
func (c *Conn) RemoveBPF() error { return c.c.RemoveBPF() }

// SyscallConn gives access to the raw socket; see netlink.Conn.SyscallConn.
func (c *Conn) SyscallConn() (syscall.RawConn, error) { return c.c.SyscallConn() }

// scratch is what one request of a Conn reuses from the last: the
// request's buffer and a decoder for its replies, whose nested decoders
// are then reused too.
type scratch struct {
	req []byte
	dec netlink.AttributeDecoder
}

// A scratchSlot keeps one scratch for reuse, without a lock: a caller
// takes it, or a new one while another caller has it, and puts it back
// when done. Unlike a sync.Pool it never drops what it holds, so
// allocation budgets hold.
type scratchSlot struct{ p atomic.Pointer[scratch] }

// maxKeptRequest is the largest request buffer a Conn keeps.
const maxKeptRequest = 64 << 10

func (s *scratchSlot) get() *scratch {
	if x := s.p.Swap(nil); x != nil {
		return x
	}
	return new(scratch)
}

// put puts x back, keeping req, the buffer its request grew into.
func (s *scratchSlot) put(x *scratch, req []byte) {
	x.req = req[:0]
	if cap(req) > maxKeptRequest {
		x.req = nil
	}
	s.p.Store(x)
}
