//go:build linux && vmtest

package genetlink_test

import (
	"encoding/binary"
	"errors"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/nlgo/netlink"
	"github.com/nlgo/netlink/genetlink"
	"github.com/nlgo/netlink/internal/kmod"
	"github.com/nlgo/netlink/internal/testenv"
)

// kmFollowTime bounds how long a Conn's cache may take to notice that a
// family went away: the controller announces it while the module unloads,
// and the cache's goroutine only has to read the announcement.
const kmFollowTime = 10 * time.Second

// kmLookups is a netlink.Tap that counts the CTRL_CMD_GETFAMILY requests a
// Conn sends: the lookups its cache could not answer.
type kmLookups struct{ n atomic.Int64 }

func (l *kmLookups) Observe(d *netlink.Datagram) {
	b := d.Bytes
	for d.Direction == netlink.Sent && len(b) >= netlink.HeaderLen+genetlink.HeaderLen {
		n := int(binary.NativeEndian.Uint32(b))
		if n < netlink.HeaderLen || n > len(b) {
			return
		}
		if binary.NativeEndian.Uint16(b[4:]) == genetlink.ControllerID && b[netlink.HeaderLen] == genetlink.CmdGetFamily {
			l.n.Add(1)
		}
		b = b[min(netlink.MessageLen(n-netlink.HeaderLen), len(b)):]
	}
}

// kmReload reloads the module with the protocol it has, and makes sure at
// Cleanup that it is loaded, for the test binaries that run after this
// one. It needs root, and the module's path from the VM runner.
func kmReload(t *testing.T) {
	t.Helper()
	path := os.Getenv(kmod.PathEnv)
	if path == "" {
		testenv.Skip(t, kmod.PathEnv+" is not set: the VM runner tells where the module is")
	}
	proto, err := kmod.Protocol()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if _, err := kmod.Protocol(); errors.Is(err, kmod.ErrNotLoaded) {
			if err := kmod.Load(path, proto); err != nil {
				t.Errorf("loading the module again: %v", err)
			}
		}
	})
	if _, err := kmod.Reload(path); err != nil {
		t.Fatalf("reloading the module: %v", err)
	}
}

// kmAwaitLookup calls GetFamily on c, whose lookups l counts, until c asks
// the kernel: until its cache has dropped the family.
func kmAwaitLookup(t *testing.T, c *genetlink.Conn, l *kmLookups, what string) genetlink.Family {
	t.Helper()
	deadline := time.Now().Add(kmFollowTime)
	for {
		n := l.n.Load()
		f := kmFamily(t, c)
		if l.n.Load() > n {
			return f
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: GetFamily still answers from the cache %v after the reload: id %d", what, kmFollowTime, f.ID)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestIntegrationKmodGenetlinkReload reloads the module under Conns that
// resolved its family and joined a group: the kernel gives the family a
// new id and the old one is gone, and the Conns' caches, told by the
// controller, drop the family, so that GetFamily, Execute and JoinGroup
// work with the new ids, without a new Conn. Before the reload, a second
// GetFamily makes no request: the cache is in use.
func TestIntegrationKmodGenetlinkReload(t *testing.T) {
	testenv.RequireRoot(t)
	var lc, ll kmLookups
	c := kmDial(t, &netlink.Config{Tap: &lc})
	listener := kmDial(t, &netlink.Config{Tap: &ll})
	echo := func(t *testing.T, id uint16) error {
		t.Helper()
		replies, err := c.Execute(kmRequest(t, kmod.GenlCmdEcho, kmAttrs{U32: uint32(id)}.encode), id, 0)
		if err == nil && (len(replies) != 1 || kmDecodeAttrs(t, replies[0].Data).U32 != uint32(id)) {
			t.Errorf("ECHO to family %d: %v, want one echo", id, replies)
		}
		return err
	}

	before := kmFamily(t, c)
	if n := lc.n.Load(); n != 1 {
		t.Fatalf("GetFamily sent %d CTRL_CMD_GETFAMILY requests, want 1", n)
	}
	if again := kmFamily(t, c); lc.n.Load() != 1 || !cmp.Equal(before, again) {
		t.Fatalf("a second GetFamily: %d requests in all, %+v; want it from the cache, %+v", lc.n.Load(), again, before)
	}
	if err := echo(t, before.ID); err != nil {
		t.Fatalf("ECHO before the reload: %v", err)
	}
	if err := listener.JoinGroup(kmod.GenlName, kmod.GenlGroupEvents); err != nil {
		t.Fatalf("JoinGroup before the reload: %v", err)
	}

	kmReload(t)

	// The kernel's view, through a Conn without a cache.
	nc := kmUncached(t)
	now, err := nc.GetFamily(kmod.GenlName)
	if err != nil {
		t.Fatalf("GetFamily after the reload, uncached: %v", err)
	}
	t.Logf("family %s: id %d before the reload, %d after; groups %+v, then %+v", kmod.GenlName, before.ID, now.ID, before.Groups, now.Groups)
	if now.ID == before.ID {
		t.Errorf("the reloaded family has the id %d it had: the kernel allocates ids cyclically", now.ID)
	}
	if _, err := nc.Execute(kmRequest(t, kmod.GenlCmdEcho, nil), before.ID, 0); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("ECHO to the old id %d: %v, want an error matching os.ErrNotExist", before.ID, err)
	}

	after := kmAwaitLookup(t, c, &lc, "the Conn that resolved the family")
	if diff := cmp.Diff(now, after); diff != "" {
		t.Errorf("GetFamily after the reload (-kernel +cached Conn):\n%s", diff)
	}
	if err := echo(t, after.ID); err != nil {
		t.Errorf("ECHO after the reload: %v", err)
	}

	// The kernel dropped the membership with the group: join again, by
	// name, with the listener's own cache, which followed too.
	kmAwaitLookup(t, listener, &ll, "the listener")
	if err := listener.JoinGroup(kmod.GenlName, kmod.GenlGroupEvents); err != nil {
		t.Fatalf("JoinGroup after the reload: %v", err)
	}
	sent := kmAttrs{String: "after the reload"}
	if _, err := c.Execute(kmRequest(t, kmod.GenlCmdNotify, func(e *netlink.AttributeEncoder) {
		e.Uint32(kmod.GenlAttrGroup, 0)
		sent.encode(e)
	}), after.ID, netlink.Acknowledge); err != nil {
		t.Fatalf("NOTIFY after the reload: %v", err)
	}
	kmReceiveEvent(t, listener, after, sent)
}
