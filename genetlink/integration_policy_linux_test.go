//go:build linux

package genetlink_test

import (
	"errors"
	"fmt"
	"os"
	"runtime"
	"syscall"
	"testing"

	"github.com/nlgo/netlink"
	"github.com/nlgo/netlink/genetlink"
	"github.com/nlgo/netlink/internal/testenv"
)

// The differential test of netlink.Policy against the kernel: for every
// operation of the host's generic families that validates its requests
// with a policy, requests with attributes at and across each limit the
// kernel reports are checked locally with the converted policy and sent.
//
// No request changes anything: each carries, after the attribute under
// test, a sentinel attribute that violates the policy for certain (an
// integer with no payload, say). The kernel validates the attributes in
// order before it runs the operation, so it rejects every request: at the
// attribute under test when that one is invalid, at the sentinel when it
// is valid. The extended ack's offset tells which. The requests are sent
// from a network namespace of the test's own besides.
//
// Every attribute the client flags must be one the kernel rejects, at the
// same offset; the kernel rejections the client could not foresee (the
// dump is lossy: strict validation, exact lengths, validation functions)
// are counted, and the table is printed in the test log. The requests and
// the scorekeeping are policy_diff_linux_test.go's, which the test of the
// nlgo_test module's policy family in the VM shares.

// newNetNS returns a new network namespace, or skips.
func newNetNS(t *testing.T) *os.File {
	t.Helper()
	testenv.RequireRoot(t)
	type result struct {
		f   *os.File
		err error
	}
	ch := make(chan result)
	go func() {
		// The thread stays locked, so the runtime discards it with its
		// namespace when the goroutine ends.
		runtime.LockOSThread()
		if err := syscall.Unshare(syscall.CLONE_NEWNET); err != nil {
			ch <- result{err: err}
			return
		}
		f, err := os.Open(fmt.Sprintf("/proc/%d/task/%d/ns/net", os.Getpid(), syscall.Gettid()))
		ch <- result{f, err}
	}()
	r := <-ch
	if r.err != nil {
		testenv.Skip(t, fmt.Sprintf("cannot make a network namespace: %v", r.err))
	}
	t.Cleanup(func() { r.f.Close() })
	return r.f
}

// sentinel returns an attribute that violates p whatever the kernel's
// validation mode, or nil when p has none to offer.
func sentinel(p *netlink.Policy) []byte {
	for t, a := range p.Attributes {
		var payload []byte
		switch a.Kind {
		case netlink.KindU8, netlink.KindU16, netlink.KindU32, netlink.KindU64, netlink.KindS8, netlink.KindS16,
			netlink.KindS32, netlink.KindS64, netlink.KindString, netlink.KindNulString, netlink.KindBitfield32:
		case netlink.KindUint, netlink.KindSint:
			payload = []byte{1, 2}
		case netlink.KindFlag:
			payload = []byte{1}
		case netlink.KindNested, netlink.KindNestedArray:
			payload = []byte{1, 2}
		case netlink.KindBinary:
			if a.MinLen == 0 {
				continue
			}
		default:
			continue
		}
		typ := uint16(t)
		if a.Kind == netlink.KindNested || a.Kind == netlink.KindNestedArray {
			typ |= netlink.AttributeNested
		}
		b := attr(typ, payload)
		if p.Validate(b) != nil {
			return b
		}
	}
	return nil
}

func TestIntegrationPolicyDifferential(t *testing.T) {
	ns := newNetNS(t)
	c, err := genetlink.Dial(&netlink.Config{NetNS: int(ns.Fd()), Strict: true}) // Strict: extended acks
	if err != nil {
		t.Fatalf("Dial: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	fams, err := c.ListFamilies()
	if err != nil {
		t.Fatalf("ListFamilies: %v", err)
	}
	rows := make(map[string]*diffRow)
	for _, f := range fams {
		for _, op := range f.Operations {
			if op.Flags&genetlink.Do == 0 || op.Flags&genetlink.HasPolicy == 0 {
				continue
			}
			p, err := c.Policy(f.Name, op.ID)
			if errors.Is(err, genetlink.ErrNoPolicy) || errors.Is(err, os.ErrNotExist) {
				continue
			}
			if err != nil {
				t.Fatalf("Policy(%q, %d): %v", f.Name, op.ID, err)
			}
			np := p.NetlinkPolicy(p.Operations[0].Do)
			if np == nil {
				continue
			}
			row := rows[f.Name]
			if row == nil {
				row = &diffRow{}
				rows[f.Name] = row
			}
			row.ops++
			diffOperation(t, c, f, op.ID, np, row)
		}
	}
	if len(rows) == 0 {
		testenv.Skip(t, "no generic family here has an operation with a policy")
	}
	t.Log(diffTable(rows))
}

// diffOperation sends operation cmd of family f every boundary request of
// np and counts the outcomes in row.
func diffOperation(t *testing.T, c *genetlink.Conn, f genetlink.Family, cmd uint32, np *netlink.Policy, row *diffRow) {
	sent := sentinel(np)
	if sent == nil {
		row.notReached++
		return
	}
	for _, dc := range policyCases(np) {
		data := append(append([]byte(nil), dc.attr...), sent...)
		const attrStart = netlink.HeaderLen + 4
		sentinelAt := uint32(attrStart + len(dc.attr))
		msg := netlink.Message{Data: append([]byte{byte(cmd), f.Version, 0, 0}, data...)}
		local := np.ValidateMessage(msg, 4)
		var pe *netlink.PolicyError
		if !errors.As(local, &pe) {
			t.Fatalf("%s cmd %d %s: the sentinel passed the policy: %v", f.Name, cmd, dc.what, local)
		}
		if uint32(pe.Offset) >= sentinelAt {
			pe = nil // the client flags the sentinel only
		}

		_, err := c.Execute(genetlink.Message{Header: genetlink.Header{Command: uint8(cmd), Version: f.Version}, Data: data},
			f.ID, netlink.Acknowledge)
		var oe *netlink.OpError
		if err == nil {
			t.Errorf("%s cmd %d %s: the kernel accepted a request with a sentinel", f.Name, cmd, dc.what)
			continue
		}
		if !errors.As(err, &oe) || oe.Offset == 0 || (oe.Offset >= sentinelAt && oe.Offset != sentinelAt) {
			row.cases++
			row.notReached++
			continue
		}
		if oe.Offset == sentinelAt {
			err = nil // the kernel rejects the sentinel only
		}
		row.record(t, true, fmt.Sprintf("%s cmd %d %s", f.Name, cmd, dc.what), pe, err, oe.Offset)
	}
}
