//go:build linux

package genetlink_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"os"
	"runtime"
	"sort"
	"strings"
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
// are counted, and the table is printed in the test log.

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

// diffCase is one request of the differential test: its attribute under
// test, encoded, and where it came from.
type diffCase struct {
	what string
	attr []byte
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

// intBytes encodes v in n bytes, native order.
func intBytes(v uint64, n int) []byte {
	b := make([]byte, 8)
	binary.NativeEndian.PutUint64(b, v)
	if binary.NativeEndian.Uint16([]byte{1, 0}) != 1 { // big-endian: the low bytes are last
		return b[8-n:]
	}
	return b[:n]
}

// boundaryCases returns requests at and across the limits of attribute
// typ of policy a, and, for a nest, those of its attributes inside it.
func boundaryCases(typ uint16, a netlink.AttributePolicy, depth int) []diffCase {
	name := fmt.Sprintf("%d", typ)
	var cs []diffCase
	add := func(what string, payload []byte) {
		cs = append(cs, diffCase{what: name + " " + what, attr: attr(typ, payload)})
	}
	sizes := map[netlink.AttributeKind]int{netlink.KindU8: 1, netlink.KindU16: 2, netlink.KindU32: 4, netlink.KindU64: 8,
		netlink.KindS8: 1, netlink.KindS16: 2, netlink.KindS32: 4, netlink.KindS64: 8}
	switch k := a.Kind; k {
	case netlink.KindU8, netlink.KindU16, netlink.KindU32, netlink.KindU64, netlink.KindS8, netlink.KindS16, netlink.KindS32, netlink.KindS64:
		n := sizes[k]
		add("length-1", make([]byte, n-1))
		add("length", make([]byte, n))
		add("length+1", make([]byte, n+1))
		vals := map[string]uint64{}
		if r := a.Unsigned; r != nil {
			vals["min"], vals["max"] = r.Min, r.Max
			if r.Min > 0 {
				vals["min-1"] = r.Min - 1
			}
			if r.Max < math.MaxUint64>>(64-8*n) {
				vals["max+1"] = r.Max + 1
			}
		}
		if r := a.Signed; r != nil {
			vals["min"], vals["max"] = uint64(r.Min), uint64(r.Max)
			if r.Min > math.MinInt64>>(64-8*n) {
				vals["min-1"] = uint64(r.Min - 1)
			}
			if r.Max < math.MaxInt64>>(64-8*n) {
				vals["max+1"] = uint64(r.Max + 1)
			}
		}
		if a.Mask != 0 {
			vals["mask"] = a.Mask
			if out := ^a.Mask & (math.MaxUint64 >> (64 - 8*n)); out != 0 {
				vals["outside mask"] = out & -out
			}
		}
		for what, v := range vals {
			add(what, intBytes(v, n))
		}
	case netlink.KindUint, netlink.KindSint:
		add("4 bytes", make([]byte, 4))
		add("8 bytes", make([]byte, 8))
		add("6 bytes", make([]byte, 6))
		if r := a.Unsigned; r != nil && r.Max < math.MaxUint64 {
			add("max+1", intBytes(r.Max+1, 8))
			add("max", intBytes(r.Max, 8))
		}
		if r := a.Signed; r != nil && r.Max < math.MaxInt64 {
			add("max+1", intBytes(uint64(r.Max+1), 8))
			add("max", intBytes(uint64(r.Max), 8))
		}
		if a.Mask != 0 && ^a.Mask != 0 {
			add("outside mask", intBytes(^a.Mask&-^a.Mask, 8))
		}
	case netlink.KindString, netlink.KindNulString:
		add("empty", nil)
		add("NUL", []byte{0})
		add("no NUL", []byte("ab"))
		if m := a.MaxLen; m > 0 && m < 4096 {
			s := bytes.Repeat([]byte("a"), m)
			add("max", s)
			add("max NUL", append(bytes.Clone(s), 0))
			add("max+1", append(bytes.Clone(s), 'a'))
			add("max+1 NUL", append(append(bytes.Clone(s), 'a'), 0))
		}
	case netlink.KindBinary:
		add("empty", nil)
		if a.MinLen > 0 {
			add("min-1", make([]byte, a.MinLen-1))
			add("min", make([]byte, a.MinLen))
			add("min+1", make([]byte, a.MinLen+1))
		}
		if a.MaxLen > 0 && a.MaxLen < 4096 {
			add("max", make([]byte, a.MaxLen))
			add("max+1", make([]byte, a.MaxLen+1))
		}
	case netlink.KindFlag:
		add("empty", nil)
		add("1 byte", []byte{1})
	case netlink.KindBitfield32:
		m := uint32(a.Mask)
		add("4 bytes", make([]byte, 4))
		add("valid", append(intBytes(uint64(m), 4), intBytes(uint64(m), 4)...))
		add("unselected value", append(intBytes(uint64(m), 4), make([]byte, 4)...))
		if ^m != 0 {
			add("outside selector", append(make([]byte, 4), intBytes(uint64(^m&-^m), 4)...))
		}
	case netlink.KindNested, netlink.KindNestedArray:
		typ |= netlink.AttributeNested
		add("empty", nil)
		add("2 bytes", []byte{1, 2})
		cs = append(cs, diffCase{what: name + " without NLA_F_NESTED", attr: attr(typ&^netlink.AttributeNested, nil)})
		if a.Nested == nil || depth > 0 {
			break
		}
		for it, ia := range a.Nested.Attributes {
			for _, c := range boundaryCases(uint16(it), ia, depth+1) {
				inner := c.attr
				if k == netlink.KindNestedArray {
					inner = attr(1|netlink.AttributeNested, inner)
				}
				cs = append(cs, diffCase{what: name + "." + c.what, attr: attr(typ, inner)})
			}
		}
	}
	return cs
}

// diffRow counts the outcomes of one family's requests.
type diffRow struct {
	ops, cases               int
	bothReject, bothAccept   int
	unforeseen, clientOnly   int
	errnoDiffers, notReached int
	examples                 []string
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
	var names []string
	for n := range rows {
		names = append(names, n)
	}
	sort.Strings(names)
	var b strings.Builder
	var total diffRow
	fmt.Fprintf(&b, "\n%-22s %4s %6s %12s %12s %11s %12s %13s %12s\n", "family", "ops", "cases",
		"both reject", "both accept", "unforeseen", "client only", "errno differs", "not reached")
	line := func(name string, r *diffRow) {
		fmt.Fprintf(&b, "%-22s %4d %6d %12d %12d %11d %12d %13d %12d\n", name, r.ops, r.cases,
			r.bothReject, r.bothAccept, r.unforeseen, r.clientOnly, r.errnoDiffers, r.notReached)
	}
	for _, n := range names {
		r := rows[n]
		line(n, r)
		total.ops += r.ops
		total.cases += r.cases
		total.bothReject += r.bothReject
		total.bothAccept += r.bothAccept
		total.unforeseen += r.unforeseen
		total.clientOnly += r.clientOnly
		total.errnoDiffers += r.errnoDiffers
		total.notReached += r.notReached
	}
	line("total", &total)
	for _, n := range names {
		for _, e := range rows[n].examples {
			fmt.Fprintf(&b, "  unforeseen: %s %s\n", n, e)
		}
	}
	t.Log(b.String())
}

// diffOperation sends operation cmd of family f every boundary request of
// np and counts the outcomes in row.
func diffOperation(t *testing.T, c *genetlink.Conn, f genetlink.Family, cmd uint32, np *netlink.Policy, row *diffRow) {
	sent := sentinel(np)
	if sent == nil {
		row.notReached++
		return
	}
	for typ, a := range np.Attributes {
		for _, dc := range boundaryCases(uint16(typ), a, 0) {
			row.cases++
			data := append(append([]byte(nil), dc.attr...), sent...)
			const attrStart = netlink.HeaderLen + 4
			sentinelAt := uint32(attrStart + len(dc.attr))
			msg := netlink.Message{Data: append([]byte{byte(cmd), f.Version, 0, 0}, data...)}
			local := np.ValidateMessage(msg, 4)
			var pe *netlink.PolicyError
			if !errors.As(local, &pe) {
				t.Fatalf("%s cmd %d %s: the sentinel passed the policy: %v", f.Name, cmd, dc.what, local)
			}
			clientFlags := uint32(pe.Offset) < sentinelAt

			_, err := c.Execute(genetlink.Message{Header: genetlink.Header{Command: uint8(cmd), Version: f.Version}, Data: data},
				f.ID, netlink.Acknowledge)
			var oe *netlink.OpError
			if err == nil {
				t.Errorf("%s cmd %d %s: the kernel accepted a request with a sentinel", f.Name, cmd, dc.what)
				continue
			}
			if !errors.As(err, &oe) || oe.Offset == 0 || (oe.Offset >= sentinelAt && oe.Offset != sentinelAt) {
				row.notReached++
				continue
			}
			kernelRejects := oe.Offset < sentinelAt
			switch {
			case clientFlags && kernelRejects:
				row.bothReject++
				if uint32(pe.Offset) != oe.Offset {
					t.Errorf("%s cmd %d %s: client %v, kernel %v at offset %d", f.Name, cmd, dc.what, local, oe.Err, oe.Offset)
				}
				// The errno differs where the kernel validates strictly
				// (EINVAL for a wrong length) and the converted policy,
				// not knowing, is lenient (ERANGE): counted, not failed.
				if !errors.Is(err, pe.Errno) {
					row.errnoDiffers++
				}
			case clientFlags:
				row.clientOnly++
				t.Errorf("%s cmd %d %s: the client flags what the kernel accepts: %v", f.Name, cmd, dc.what, local)
			case kernelRejects:
				row.unforeseen++
				if len(row.examples) < 3 {
					row.examples = append(row.examples, fmt.Sprintf("cmd %d %s: %v", cmd, dc.what, err))
				}
			default:
				row.bothAccept++
			}
		}
	}
}
