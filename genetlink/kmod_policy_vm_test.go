//go:build linux && vmtest

package genetlink_test

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"syscall"
	"testing"

	"github.com/nlgo/netlink"
	"github.com/nlgo/netlink/genetlink"
	"github.com/nlgo/netlink/internal/kmod"
)

// The differential test of netlink.Policy against the kernel, on the
// nlgo_test module's family kmod.PolicyName: its one operation does
// nothing, so the kernel acknowledges a request exactly when the request
// passes the family's policy, which the kernel validates strictly and
// which has an attribute for each rule of the kernel's validation. No
// sentinel is needed, as it is for the host's families
// (integration_policy_linux_test.go), whose requests share the generator
// of policy_diff_linux_test.go with these.
//
// The policy is dumped (CTRL_CMD_GETPOLICY) and converted
// (Policy.NetlinkPolicy); each request is validated with the result and
// sent. The contract: every request the client flags, the kernel rejects,
// with EINVAL or ERANGE, at the attribute the client names; no request the
// kernel accepts is flagged. The kernel rejections the client could not
// foresee (the dump is lossy; the conversion lenient) are counted. A
// second row validates with the converted policy made Strict, which the
// operation is: it shows what the lenient conversion gives away, and what
// Strict on a lossy dump wrongly flags; it is counted, never failed.

// TestIntegrationKmodPolicyDifferential sends the boundary requests of the
// module's policy family and checks the agreement contract; the table is
// in the test log.
func TestIntegrationKmodPolicyDifferential(t *testing.T) {
	c := kmDial(t, &netlink.Config{Strict: true}) // Strict: extended acks
	f, err := c.GetFamily(kmod.PolicyName)
	if err != nil {
		t.Fatalf("GetFamily(%q): %v", kmod.PolicyName, err)
	}
	p, err := c.Policy(kmod.PolicyName, kmod.PolicyCmdCheck)
	if err != nil {
		t.Fatalf("Policy(%q, %d): %v", kmod.PolicyName, kmod.PolicyCmdCheck, err)
	}
	np := p.NetlinkPolicy(p.Operations[0].Do)
	if np == nil {
		t.Fatalf("Policy(%q, %d): no policy for the request: %+v", kmod.PolicyName, kmod.PolicyCmdCheck, p.Operations)
	}
	strict := *np
	strict.Strict = true
	for typ, a := range np.Attributes {
		if a.Kind != netlink.KindUnspec {
			t.Logf("converted: %d %v", typ, a)
		}
	}

	lenient := &diffRow{ops: 1}
	strictRow := &diffRow{ops: 1}
	cases := append(policyCases(np), kmPolicyCases(&strict)...)
	for _, dc := range cases {
		_, err := c.Execute(genetlink.Message{
			Header: genetlink.Header{Command: kmod.PolicyCmdCheck, Version: kmod.PolicyVersion},
			Data:   dc.attr,
		}, f.ID, netlink.Acknowledge)
		var off uint32
		if err != nil {
			var oe *netlink.OpError
			if !errors.As(err, &oe) || errors.Is(err, syscall.EAGAIN) {
				t.Fatalf("%s: %v", dc.what, err)
			}
			off = oe.Offset
		}
		wire := netlink.Message{Data: append([]byte{kmod.PolicyCmdCheck, kmod.PolicyVersion, 0, 0}, dc.attr...)}
		lenient.record(t, true, dc.what, kmValidate(t, np, wire), err, off)
		strictRow.record(t, false, dc.what, kmValidate(t, &strict, wire), err, off)
	}
	release, _ := os.ReadFile("/proc/sys/kernel/osrelease")
	t.Logf("kernel %s:%s", bytes.TrimSpace(release), diffTable(map[string]*diffRow{
		kmod.PolicyName: lenient, kmod.PolicyName + " Strict": strictRow,
	}))
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
// cannot make them; and one request of every attribute at once, each
// admitted by strict, the converted policy made strict.
func kmPolicyCases(strict *netlink.Policy) []diffCase {
	u32 := func(v uint32) []byte { return intBytes(uint64(v), 4) }
	cs := []diffCase{
		{"REJECT 4 bytes", attr(kmod.PolicyAttrReject, make([]byte, 4))},
		{"REJECT empty", attr(kmod.PolicyAttrReject, nil)},
		{"EVEN 2", attr(kmod.PolicyAttrEven, u32(2))},
		{"EVEN 3", attr(kmod.PolicyAttrEven, u32(3))},
		{"BE16 2 bytes", attr(kmod.PolicyAttrBE16, []byte{0x12, 0x34})},
		{"BE16 3 bytes", attr(kmod.PolicyAttrBE16, make([]byte, 3))},
		{"HOLE 4 bytes", attr(kmod.PolicyAttrHole, make([]byte, 4))},
		{"BIN_MIN 3 bytes", attr(kmod.PolicyAttrBinMin, make([]byte, 3))},
		{"BIN_MIN 4 bytes", attr(kmod.PolicyAttrBinMin, make([]byte, 4))},
		{"BIN_MAX 8 bytes", attr(kmod.PolicyAttrBinMax, make([]byte, 8))},
		{"BIN_MAX 9 bytes", attr(kmod.PolicyAttrBinMax, make([]byte, 9))},
		{"UINT_RANGE 6", attr(kmod.PolicyAttrUintRange, intBytes(6, 8))},
		{"EXACT_WARN 5 bytes", attr(kmod.PolicyAttrExactWarn, make([]byte, 5))},
	}
	var all []byte
	n := 0
	for typ, a := range strict.Attributes {
		for _, c := range boundaryCases(uint16(typ), a, 0) {
			if strict.Validate(c.attr) == nil {
				all = append(all, c.attr...)
				n++
				break
			}
		}
	}
	return append(cs, diffCase{fmt.Sprintf("%d attributes at once, each admitted", n), all})
}
