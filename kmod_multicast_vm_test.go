//go:build linux && vmtest

package netlink

import (
	"context"
	"errors"
	"fmt"
	"os"
	"syscall"
	"testing"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/sys/unix"

	"github.com/nlgo/netlink/internal/kmod"
)

// kmBroadcast asks the module to broadcast data to group and waits for its
// ack: by then every listener has the message queued.
func kmBroadcast(t testing.TB, s *Conn, group uint32, data []byte) {
	t.Helper()
	if msgs := kmExec(t, s, kmMsg(kmod.TypeBroadcast, Acknowledge, kmod.GroupRequest(group, data))); len(msgs) != 0 {
		t.Fatalf("BROADCAST to group %d returned %v, want only the ack", group, msgs)
	}
}

// kmExpectBroadcast receives one datagram on l and checks that it is the
// module's broadcast of data to group.
func kmExpectBroadcast(t testing.TB, l *Conn, what string, group uint32, data []byte) {
	t.Helper()
	msgs, src := kmRecv(t, l)
	want := []Message{kmKernelMsg(kmod.TypeBroadcast, 0, 0, 0, data)}
	if diff := cmp.Diff(want, msgs); diff != "" {
		t.Errorf("%s: broadcast (-want +got):\n%s", what, diff)
	}
	if wantSrc := (Source{Group: group}); src != wantSrc {
		t.Errorf("%s: source %+v, want %+v", what, src, wantSrc)
	}
}

// kmGroups checks the groups c is subscribed to.
func kmGroups(t testing.TB, c *Conn, what string, want []uint32) {
	t.Helper()
	got, err := c.Groups()
	if err != nil {
		t.Fatalf("%s: Groups: %v", what, err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("%s: Groups (-want +got):\n%s", what, diff)
	}
}

// TestIntegrationKmodBroadcast is seed 000's second example: two (and
// three) listeners of group 1 each get the kernel's one "Greeting from
// kernel!", whether they subscribed with the legacy bind mask
// (nl_groups = 1, as the seed does) or with JoinGroup. A listener of
// group 2 gets nothing.
func TestIntegrationKmodBroadcast(t *testing.T) {
	greeting := []byte("Greeting from kernel!")
	for _, join := range []bool{false, true} {
		for _, n := range []int{2, 3} {
			how := "bind mask"
			if join {
				how = "JoinGroup"
			}
			t.Run(fmt.Sprintf("%d listeners by %s", n, how), func(t *testing.T) {
				listen := func(group uint32) *Conn {
					if !join {
						return kmDial(t, -1, &Config{Groups: GroupMask(group)})
					}
					c := kmDial(t, -1, nil)
					if err := c.JoinGroup(group); err != nil {
						t.Fatal(err)
					}
					return c
				}
				var listeners []*Conn
				for range n {
					listeners = append(listeners, listen(1))
				}
				other := listen(2)
				s := kmDial(t, -1, nil)
				kmBroadcast(t, s, 1, greeting)
				for i, l := range listeners {
					what := fmt.Sprintf("listener %d", i)
					kmGroups(t, l, what, []uint32{1})
					kmExpectBroadcast(t, l, what, 1, greeting)
				}
				kmQuiet(t, other, "listener of group 2")
				kmQuiet(t, s, "the requesting socket")
				t.Logf("%d listeners: Received message payload: %s", n, greeting)
			})
		}
	}
}

// TestIntegrationKmodGroupsAbove32 joins groups the 32-bit bind mask
// cannot name; Source.Group reports them (JoinGroup turns on PacketInfo).
func TestIntegrationKmodGroupsAbove32(t *testing.T) {
	l := kmDial(t, -1, nil)
	for _, g := range []uint32{64, 40} {
		if err := l.JoinGroup(g); err != nil {
			t.Fatalf("JoinGroup(%d): %v", g, err)
		}
	}
	kmGroups(t, l, "listener", []uint32{40, 64})
	if on, err := l.GetOption(PacketInfo); err != nil || !on {
		t.Errorf("PacketInfo after JoinGroup(40): %v, %v; want on", on, err)
	}
	legacy := kmDial(t, -1, &Config{Groups: 0xffffffff})
	kmGroups(t, legacy, "mask 0xffffffff", MaskGroups(0xffffffff))
	s := kmDial(t, -1, nil)

	kmBroadcast(t, s, 40, []byte("forty"))
	kmExpectBroadcast(t, l, "group 40", 40, []byte("forty"))
	kmBroadcast(t, s, 64, []byte("sixty-four"))
	kmExpectBroadcast(t, l, "group 64", 64, []byte("sixty-four"))
	kmQuiet(t, legacy, "listener of groups 1..32")

	if err := l.LeaveGroup(40); err != nil {
		t.Fatal(err)
	}
	kmGroups(t, l, "after LeaveGroup(40)", []uint32{64})
	kmBroadcast(t, s, 40, []byte("gone"))
	kmQuiet(t, l, "after LeaveGroup(40)")
	kmBroadcast(t, s, 64, []byte("still here"))
	kmExpectBroadcast(t, l, "group 64 after leaving 40", 64, []byte("still here"))

	// The module has 64 groups: 65 and 0 do not exist.
	for _, g := range []uint32{65, 0} {
		if err := l.JoinGroup(g); !errors.Is(err, syscall.EINVAL) {
			t.Errorf("JoinGroup(%d): %v, want EINVAL", g, err)
		}
	}
}

// TestIntegrationKmodGroupMaskPitfall is the seeds' pitfall: nl_groups is
// a mask, so Config.Groups = 3 subscribes to groups 1 and 2, not to group
// 3; GroupMask(3) is what names group 3.
func TestIntegrationKmodGroupMaskPitfall(t *testing.T) {
	wrong := kmDial(t, -1, &Config{Groups: 3})
	right := kmDial(t, -1, &Config{Groups: GroupMask(3)})
	kmGroups(t, wrong, "Groups: 3", []uint32{1, 2})
	kmGroups(t, right, "Groups: GroupMask(3)", []uint32{3})
	s := kmDial(t, -1, nil)

	kmBroadcast(t, s, 3, []byte("to group 3"))
	kmExpectBroadcast(t, right, "GroupMask(3)", 3, []byte("to group 3"))
	kmQuiet(t, wrong, "mask 3 for a broadcast to group 3")

	for _, g := range []uint32{1, 2} {
		data := []byte(fmt.Sprintf("to group %d", g))
		kmBroadcast(t, s, g, data)
		kmExpectBroadcast(t, wrong, "mask 3", g, data)
	}
	kmQuiet(t, right, "GroupMask(3) for broadcasts to groups 1 and 2")
}

// TestIntegrationKmodUserMulticast has a user-space socket send to a
// group: the module's protocol has NL_CFG_F_NONROOT_SEND, so this works
// unprivileged too, and listeners see the sender's port. NETLINK_USERSOCK
// allows it too, but the kernel also delivers a group message to the
// address's port, 0, and NETLINK_USERSOCK has no kernel socket there: the
// send fails with ECONNREFUSED after the multicast went out. Listening to
// NETLINK_USERSOCK groups needs CAP_NET_ADMIN (it lacks
// NL_CFG_F_NONROOT_RECV): as nobody, subscribing fails with EPERM.
func TestIntegrationKmodUserMulticast(t *testing.T) {
	for _, p := range kmIPCProtocols(t) {
		t.Run(p.name, func(t *testing.T) {
			if p.proto == unix.NETLINK_USERSOCK && kmUnprivileged() {
				_, err := Dial(p.proto, &Config{Groups: GroupMask(5)})
				if !errors.Is(err, unix.EPERM) {
					t.Errorf("Dial NETLINK_USERSOCK with Groups as uid %d: %v, want EPERM", os.Geteuid(), err)
				}
				return
			}
			byMask := kmDial(t, p.proto, &Config{Groups: GroupMask(5)})
			byJoin := kmDial(t, p.proto, nil)
			if err := byJoin.JoinGroup(5); err != nil {
				t.Fatal(err)
			}
			s := kmDial(t, p.proto, nil)
			// Not a request: the module, which also gets the datagram,
			// ignores it.
			m := Message{Header: Header{Type: MinType + 0x40}, Data: []byte("from user space")}
			sent, err := s.SendTo(m, Addr{Groups: GroupMask(5)})
			if p.proto == unix.NETLINK_USERSOCK {
				if !errors.Is(err, syscall.ECONNREFUSED) {
					t.Fatalf("SendTo group 5 on NETLINK_USERSOCK (uid %d): %v, want ECONNREFUSED", os.Geteuid(), err)
				}
				// SendTo returns no message on error: rebuild what it sent.
				sent = m
				sent.Header.Length = uint32(MessageLen(len(m.Data)))
				sent.Header.PID = s.PID()
			} else if err != nil {
				t.Fatalf("SendTo group 5 (uid %d): %v", os.Geteuid(), err)
			}
			for _, l := range []*Conn{byMask, byJoin} {
				msgs, src := kmRecv(t, l)
				if p.proto == unix.NETLINK_USERSOCK && len(msgs) == 1 {
					sent.Header.Sequence = msgs[0].Header.Sequence // chosen by SendTo
				}
				if diff := cmp.Diff([]Message{sent}, msgs); diff != "" {
					t.Errorf("multicast from user space (-want +got):\n%s", diff)
				}
				if want := (Source{PID: s.PID(), Group: 5}); src != want {
					t.Errorf("source %+v, want %+v", src, want)
				}
			}
			kmQuiet(t, s, "the sender")
		})
	}
}

// TestIntegrationKmodOverrun floods a subscriber with a small receive
// buffer: Receive reports the overrun once, the messages that fit are
// still there, and after draining them the same Conn receives again.
func TestIntegrationKmodOverrun(t *testing.T) {
	const group, count, size = 9, 200, 1000
	for _, noENOBUFS := range []bool{false, true} {
		t.Run(fmt.Sprintf("NoENOBUFS=%v", noENOBUFS), func(t *testing.T) {
			l := kmDial(t, -1, nil)
			if err := l.JoinGroup(group); err != nil {
				t.Fatal(err)
			}
			if err := l.SetReadBuffer(8192); err != nil {
				t.Fatal(err)
			}
			if err := l.SetOption(NoENOBUFS, noENOBUFS); err != nil {
				t.Fatal(err)
			}
			s := kmDial(t, -1, nil)
			kmExec(t, s, kmMsg(kmod.TypeFlood, Acknowledge, kmod.FloodRequest(group, count, size)))

			overruns, received := 0, 0
			var last uint32
			for {
				msgs, src, err := kmRecvErr(l, kmQuietTime)
				if errors.Is(err, context.DeadlineExceeded) {
					break
				}
				if err != nil {
					var oe *OpError
					if !errors.Is(err, ErrOverrun) || !errors.Is(err, unix.ENOBUFS) || !errors.As(err, &oe) || oe.Op != "receive" {
						t.Fatalf("Receive: %v, want a receive *OpError matching ErrOverrun and ENOBUFS", err)
					}
					overruns++
					continue
				}
				for _, m := range msgs {
					if m.Header.Type != HeaderType(kmod.TypeFlood) || len(m.Data) != size || src.Group != group ||
						m.Header.Sequence <= last || m.Header.Sequence > count {
						t.Fatalf("after message %d: got %v from %+v", last, m.Header, src)
					}
					last = m.Header.Sequence
					received++
				}
			}
			t.Logf("%d of %d messages received, %d overrun errors", received, count, overruns)
			switch {
			case noENOBUFS && overruns != 0:
				t.Errorf("%d overrun errors with NoENOBUFS, want none", overruns)
			case !noENOBUFS && overruns != 1:
				t.Errorf("%d overrun errors, want exactly one", overruns)
			}
			if received == 0 || received >= count {
				t.Errorf("received %d of %d messages: want some, not all", received, count)
			}

			kmBroadcast(t, s, group, []byte("after the overrun"))
			kmExpectBroadcast(t, l, "after the overrun", group, []byte("after the overrun"))
		})
	}
}

// TestIntegrationKmodOverrunDuringExecute overruns the receive queue of a
// Conn that then runs an exchange. The kernel drops the reply too (the
// queue is full), so waiting for it would hang: Execute fails with the
// overrun instead. Receive reports the overrun once among what was
// queued, and once the queue is drained, Execute works again.
func TestIntegrationKmodOverrunDuringExecute(t *testing.T) {
	const group = 10
	c := kmDial(t, -1, nil)
	if err := c.JoinGroup(group); err != nil {
		t.Fatal(err)
	}
	if err := c.SetReadBuffer(8192); err != nil {
		t.Fatal(err)
	}
	s := kmDial(t, -1, nil)
	kmExec(t, s, kmMsg(kmod.TypeFlood, Acknowledge, kmod.FloodRequest(group, 100, 1000)))
	_, err := kmExecErr(c, kmMsg(kmod.TypeEcho, 0, []byte("lost")))
	var oe *OpError
	if !errors.Is(err, ErrOverrun) || !errors.Is(err, unix.ENOBUFS) || !errors.As(err, &oe) || oe.Op != "execute" {
		t.Fatalf("Execute on an overrun Conn: %v, want an execute *OpError matching ErrOverrun and ENOBUFS", err)
	}
	// Receive reports the overrun once, in its place among the rest.
	overruns := 0
	for {
		msgs, _, err := kmRecvErr(c, kmQuietTime)
		if errors.Is(err, context.DeadlineExceeded) {
			break
		}
		if errors.Is(err, ErrOverrun) {
			overruns++
			continue
		}
		if err != nil {
			t.Fatalf("draining: %v", err)
		}
		for _, m := range msgs {
			if m.Header.Type != HeaderType(kmod.TypeFlood) {
				t.Errorf("draining: got %v, want only the flood (the reply was dropped)", m.Header)
			}
		}
	}
	if overruns != 1 {
		t.Errorf("draining reported %d overruns, want 1", overruns)
	}
	if msgs := kmExec(t, c, kmMsg(kmod.TypeEcho, 0, []byte("found"))); len(msgs) != 1 || string(msgs[0].Data) != "found" {
		t.Errorf("echo after draining: %v", msgs)
	}
}

// TestIntegrationKmodPrivilege checks what needs privilege and what the
// module's NL_CFG_F_NONROOT_RECV|NL_CFG_F_NONROOT_SEND grant. NETLINK_ROUTE
// lets anyone join groups but not send to other ports (no
// NL_CFG_F_NONROOT_SEND); NETLINK_USERSOCK the other way round (no
// NL_CFG_F_NONROOT_RECV); NETLINK_AUDIT's log group needs CAP_AUDIT_READ.
// As nobody those fail with EPERM, as root they work. On the module's
// protocol nobody may do both.
func TestIntegrationKmodPrivilege(t *testing.T) {
	unpriv := os.Geteuid() != 0
	if unpriv != kmUnprivileged() {
		t.Fatalf("euid %d, but %s=%q", os.Geteuid(), "NLGO_VM_UNPRIVILEGED", os.Getenv("NLGO_VM_UNPRIVILEGED"))
	}
	unicast := func(t *testing.T, family int) error {
		dst, src := kmDial(t, family, nil), kmDial(t, family, nil)
		m := Message{Header: Header{Type: MinType + 0x41}, Data: []byte("user to user")}
		sent, err := src.SendTo(m, Addr{PID: dst.PID()})
		if err != nil {
			return err
		}
		msgs, from := kmRecv(t, dst)
		if diff := cmp.Diff([]Message{sent}, msgs); diff != "" || from != (Source{PID: src.PID()}) {
			t.Errorf("from %+v, want port %d (-want +got):\n%s", from, src.PID(), diff)
		}
		return nil
	}
	t.Run("route unicast to a user port", func(t *testing.T) {
		err := unicast(t, unix.NETLINK_ROUTE)
		if unpriv {
			var oe *OpError
			if !errors.Is(err, os.ErrPermission) || !errors.Is(err, unix.EPERM) || !errors.As(err, &oe) || oe.Op != "send" {
				t.Errorf("SendTo another port on NETLINK_ROUTE as uid %d: %v, want a send *OpError matching EPERM", os.Geteuid(), err)
			}
		} else if err != nil {
			t.Errorf("SendTo another port on NETLINK_ROUTE as root: %v", err)
		}
	})
	t.Run("module unicast to a user port", func(t *testing.T) {
		if err := unicast(t, kmProto(t)); err != nil {
			t.Errorf("SendTo another port on the module's protocol as uid %d: %v", os.Geteuid(), err)
		}
	})
	t.Run("audit log group", func(t *testing.T) {
		c := kmDial(t, unix.NETLINK_AUDIT, nil)
		err := c.JoinGroup(unix.AUDIT_NLGRP_READLOG)
		if unpriv {
			if !errors.Is(err, unix.EPERM) {
				t.Errorf("JoinGroup(AUDIT_NLGRP_READLOG) as uid %d: %v, want EPERM", os.Geteuid(), err)
			}
		} else if err != nil {
			t.Errorf("JoinGroup(AUDIT_NLGRP_READLOG) as root: %v", err)
		}
	})
	t.Run("usersock groups", func(t *testing.T) {
		c, err := Dial(unix.NETLINK_USERSOCK, &Config{Groups: GroupMask(1)})
		if err == nil {
			c.Close()
		}
		join := kmDial(t, unix.NETLINK_USERSOCK, nil)
		jerr := join.JoinGroup(2)
		var oe *OpError
		switch {
		case !unpriv && (err != nil || jerr != nil):
			t.Errorf("NETLINK_USERSOCK groups as root: Dial %v, JoinGroup %v", err, jerr)
		case unpriv && (!errors.Is(err, unix.EPERM) || !errors.As(err, &oe) || oe.Op != "dial"):
			t.Errorf("Dial NETLINK_USERSOCK with Groups as uid %d: %v, want a dial *OpError matching EPERM", os.Geteuid(), err)
		case unpriv && !errors.Is(jerr, unix.EPERM):
			t.Errorf("JoinGroup on NETLINK_USERSOCK as uid %d: %v, want EPERM", os.Geteuid(), jerr)
		}
	})
	t.Run("module groups", func(t *testing.T) {
		kmDial(t, -1, &Config{Groups: GroupMask(1)})
		if err := kmDial(t, -1, nil).JoinGroup(2); err != nil {
			t.Errorf("JoinGroup on the module's protocol as uid %d: %v", os.Geteuid(), err)
		}
	})
	t.Run("route groups are open to all", func(t *testing.T) {
		c := kmDial(t, unix.NETLINK_ROUTE, &Config{Groups: GroupMask(unix.RTNLGRP_LINK)})
		if err := c.JoinGroup(unix.RTNLGRP_IPV4_IFADDR); err != nil {
			t.Errorf("JoinGroup(RTNLGRP_IPV4_IFADDR) as uid %d: %v", os.Geteuid(), err)
		}
	})
}
