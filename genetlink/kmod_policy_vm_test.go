//go:build linux && vmtest

package genetlink_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"testing"

	"github.com/nlgo/netlink"
	"github.com/nlgo/netlink/genetlink"
	"github.com/nlgo/netlink/internal/kmod"
)

// The differential test of netlink.Policy against the kernel, on the
// nlgo_test module's family kmod.PolicyName: its operations do nothing, so
// the kernel acknowledges a request exactly when the request passes the
// operation's policy, which has an attribute for each rule of the kernel's
// validation; CHECK validates strictly, CHECK_LIBERAL liberally. No
// sentinel is needed, as it is for the host's families
// (integration_policy_linux_test.go), whose requests share the generator
// of policy_diff_linux_test.go with these.
//
// Each operation's policy is dumped (CTRL_CMD_GETPOLICY) and converted
// (Policy.NetlinkPolicy); each request is validated with the result and
// sent. The contract: every request the client flags, the kernel rejects,
// with EINVAL or ERANGE, at the attribute the client names; no request the
// kernel accepts is flagged. The kernel rejections the client could not
// foresee (the dump is lossy; the conversion lenient) are counted. For
// CHECK, a second row validates with the converted policy made Strict, as
// the operation is: it shows what the lenient conversion gives away, and
// what Strict on a lossy dump wrongly flags; it is counted, never failed.

// TestIntegrationKmodPolicyDifferential sends the boundary requests of the
// module's policy family to its strict and its liberal operation and
// checks the agreement contract; the table is in the test log.
func TestIntegrationKmodPolicyDifferential(t *testing.T) {
	c := kmDial(t, &netlink.Config{Strict: true}) // Strict: extended acks
	f, err := c.GetFamily(kmod.PolicyName)
	if err != nil {
		t.Fatalf("GetFamily(%q): %v", kmod.PolicyName, err)
	}
	rows := make(map[string]*diffRow)
	for _, op := range []struct {
		name string
		cmd  uint8
	}{
		{"CHECK", kmod.PolicyCmdCheck},
		{"CHECK_LIBERAL", kmod.PolicyCmdCheckLiberal},
	} {
		p, err := c.Policy(kmod.PolicyName, uint32(op.cmd))
		if err != nil {
			t.Fatalf("Policy(%q, %d): %v", kmod.PolicyName, op.cmd, err)
		}
		np := p.NetlinkPolicy(p.Operations[0].Do)
		if np == nil {
			t.Fatalf("Policy(%q, %d): no policy for the request: %+v", kmod.PolicyName, op.cmd, p.Operations)
		}
		for typ, a := range np.Attributes {
			if op.cmd == kmod.PolicyCmdCheck && (a.Kind != netlink.KindUnspec || a.MinLen > 0) {
				t.Logf("converted %d: %v", typ, a)
			}
		}
		name := kmod.PolicyName + " " + op.name
		rows[name] = &diffRow{ops: 1}
		var strictRow *diffRow
		strict := &netlink.Policy{Attributes: np.Attributes, Strict: true}
		if op.cmd == kmod.PolicyCmdCheck {
			strictRow = &diffRow{ops: 1}
			rows[name+", Strict client"] = strictRow
		}
		// accepted holds, by type, the first attribute of a request of
		// one attribute that the kernel accepted.
		accepted := make(map[uint16][]byte)
		run := func(dc diffCase) {
			t.Helper()
			_, err := c.Execute(genetlink.Message{
				Header: genetlink.Header{Command: op.cmd, Version: kmod.PolicyVersion},
				Data:   dc.attr,
			}, f.ID, netlink.Acknowledge)
			var off uint32
			if err != nil {
				// The kernel's answer, not a failed socket call.
				var oe *netlink.OpError
				var se *os.SyscallError
				if !errors.As(err, &oe) || errors.As(err, &se) || errors.Is(err, os.ErrDeadlineExceeded) {
					t.Fatalf("%s %s: %v", op.name, dc.what, err)
				}
				off = oe.Offset
			}
			wire := netlink.Message{Data: append([]byte{op.cmd, kmod.PolicyVersion, 0, 0}, dc.attr...)}
			what := op.name + " " + dc.what
			rows[name].record(t, true, what, kmValidate(t, np, wire), err, off)
			if strictRow != nil {
				strictRow.record(t, false, what, kmValidate(t, strict, wire), err, off)
			}
			if err == nil && len(dc.attr) >= netlink.AttributeHeaderLen {
				if typ := binary.NativeEndian.Uint16(dc.attr[2:]) & netlink.AttributeTypeMask; accepted[typ] == nil {
					accepted[typ] = dc.attr
				}
			}
		}
		for _, dc := range append(policyCases(np), kmPolicyCases()...) {
			run(dc)
		}
		// Every attribute the kernel accepted alone, in one request.
		var all []byte
		for typ := range uint16(kmod.PolicyMaxAttr + 1) {
			all = append(all, accepted[typ]...)
		}
		run(diffCase{fmt.Sprintf("%d attributes at once", len(accepted)), all})
		// Requests of each outcome, or the policy is not in force: the
		// rules the dump leaves out make rejections the client cannot
		// foresee.
		if r := rows[name]; r.bothReject == 0 || r.bothAccept == 0 || r.unforeseen == 0 {
			t.Errorf("%s: %d rejected by both, %d accepted by both, %d unforeseen: want some of each", name,
				r.bothReject, r.bothAccept, r.unforeseen)
		}
	}
	release, _ := os.ReadFile("/proc/sys/kernel/osrelease")
	t.Logf("kernel %s:%s", bytes.TrimSpace(release), diffTable(rows))
}

// kmValidate validates m with p and returns its *PolicyError, or nil.
func kmValidate(t *testing.T, p *netlink.Policy, m netlink.Message) *netlink.PolicyError {
	t.Helper()
	err := p.ValidateMessage(m, 4)
	var pe *netlink.PolicyError
	if err != nil && !errors.As(err, &pe) {
		t.Fatalf("ValidateMessage: %v, want a *PolicyError", err)
	}
	return pe
}

// kmPolicyCases returns the requests of rules of the module's policy that
// its dump leaves out, so that the generator, which works from the dump,
// cannot make them.
func kmPolicyCases() []diffCase {
	return []diffCase{
		{"REJECT 4 bytes", attr(kmod.PolicyAttrReject, make([]byte, 4))},
		{"REJECT empty", attr(kmod.PolicyAttrReject, nil)},
		{"EVEN 2 bytes", attr(kmod.PolicyAttrEven, make([]byte, 2))},
		{"EVEN 3 bytes", attr(kmod.PolicyAttrEven, make([]byte, 3))},
		{"BE16 2 bytes", attr(kmod.PolicyAttrBE16, []byte{0x12, 0x34})},
		{"BE16 3 bytes", attr(kmod.PolicyAttrBE16, make([]byte, 3))},
		{"HOLE 4 bytes", attr(kmod.PolicyAttrHole, make([]byte, 4))},
		{"BIN_MIN 3 bytes", attr(kmod.PolicyAttrBinMin, make([]byte, 3))},
		{"BIN_MIN 4 bytes", attr(kmod.PolicyAttrBinMin, make([]byte, 4))},
		{"BIN_MAX 8 bytes", attr(kmod.PolicyAttrBinMax, make([]byte, 8))},
		{"BIN_MAX 9 bytes", attr(kmod.PolicyAttrBinMax, make([]byte, 9))},
		{"UINT_RANGE 6", attr(kmod.PolicyAttrUintRange, intBytes(6, 8))},
		{"EXACT_WARN 5 bytes", attr(kmod.PolicyAttrExactWarn, make([]byte, 5))},
		{"MSECS 4 bytes", attr(kmod.PolicyAttrMsecs, make([]byte, 4))},
		{"MSECS 9 bytes", attr(kmod.PolicyAttrMsecs, make([]byte, 9))},
	}
}
