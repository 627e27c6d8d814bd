//go:build linux

package genetlink_test

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/nlgo/netlink"
	"github.com/nlgo/netlink/genetlink"
	"github.com/nlgo/netlink/internal/testenv"
	"github.com/nlgo/netlink/nltest"
)

// Tests against the host kernel. They only read what the controller
// says, which changes nothing, so they run in the test's own namespace and
// need no privileges.

// dialHost dials the host's generic netlink, or skips.
func dialHost(t *testing.T) *genetlink.Conn {
	t.Helper()
	c, err := genetlink.Dial(nil)
	if errors.Is(err, syscall.EPROTONOSUPPORT) || errors.Is(err, syscall.EAFNOSUPPORT) {
		testenv.Skip(t, fmt.Sprintf("no generic netlink here: %v", err))
	}
	if err != nil {
		t.Fatalf("Dial: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// genlCtrlList runs `genl ctrl list` (iproute2) and parses what it prints:
// each family with its id, version, header size, max attr, operations and
// groups. iproute2 6.1 prints the flags of operations of some families
// only; where it does not, an Operation's Flags is 0 and hasFlags false.
func genlCtrlList(t *testing.T) (fams []genetlink.Family, hasFlags map[string]bool) {
	t.Helper()
	if _, err := exec.LookPath("genl"); err != nil {
		testenv.Skip(t, "genl (iproute2) is not installed: apt-get install iproute2")
	}
	out, err := exec.Command("genl", "ctrl", "list").Output()
	if err != nil {
		t.Fatalf("genl ctrl list: %v", err)
	}
	hasFlags = make(map[string]bool)
	var f *genetlink.Family
	inGroups := false
	num := func(s string) uint64 {
		n, err := strconv.ParseUint(s, 0, 32)
		if err != nil {
			t.Fatalf("genl ctrl list: %q is not a number in:\n%s", s, out)
		}
		return n
	}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		fs := strings.Fields(sc.Text())
		switch {
		case len(fs) == 0:
		case fs[0] == "Name:":
			fams = append(fams, genetlink.Family{Name: fs[1]})
			f, inGroups = &fams[len(fams)-1], false
		case fs[0] == "ID:" && len(fs) >= 10:
			f.ID, f.Version = uint16(num(fs[1])), uint8(num(fs[3]))
			f.HeaderSize, f.MaxAttr = uint32(num(fs[6])), uint32(num(fs[9]))
		case fs[0] == "multicast":
			inGroups = true
		case strings.HasPrefix(fs[0], "#") && strings.HasPrefix(fs[1], "ID-"):
			id := uint32(num(strings.TrimPrefix(fs[1], "ID-")))
			if inGroups {
				f.Groups = append(f.Groups, genetlink.MulticastGroup{ID: id, Name: fs[3]})
			} else {
				f.Operations = append(f.Operations, genetlink.Operation{ID: id})
			}
		case fs[0] == "Capabilities":
			op := &f.Operations[len(f.Operations)-1]
			op.Flags = genetlink.OperationFlags(num(strings.Trim(fs[1], "():")))
			hasFlags[f.Name] = true
		}
	}
	return fams, hasFlags
}

// Every family genl lists, ListFamilies lists the same, field by field.
func TestIntegrationListFamiliesMatchesGenl(t *testing.T) {
	c := dialHost(t)
	want, hasFlags := genlCtrlList(t)
	got, err := c.ListFamilies()
	if err != nil {
		t.Fatalf("ListFamilies: %v", err)
	}
	for i := range got {
		if !hasFlags[got[i].Name] {
			for j := range got[i].Operations {
				got[i].Operations[j].Flags = 0
			}
		}
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("ListFamilies against genl ctrl list (-want +got):\n%s", diff)
	}
}

// GetFamily of well-known families agrees with ListFamilies, and finds the
// controller where it always is.
func TestIntegrationGetFamily(t *testing.T) {
	c := dialHost(t)
	all, err := c.ListFamilies()
	if err != nil {
		t.Fatalf("ListFamilies: %v", err)
	}
	// Families that come with a kernel feature of their own.
	since := map[string]testenv.Feature{"netdev": testenv.NetdevFamily, "mptcp_pm": testenv.MPTCPFamily}
	for _, name := range []string{"nlctrl", "ethtool", "netdev", "mptcp_pm", "TASKSTATS", "tcp_metrics"} {
		t.Run(name, func(t *testing.T) {
			i := slices.IndexFunc(all, func(f genetlink.Family) bool { return f.Name == name })
			if f, ok := since[name]; ok {
				if i < 0 {
					testenv.Lacks(t, f, errors.New("no family "+name))
				}
				testenv.Found(t, f)
			}
			if i < 0 {
				testenv.Skip(t, "the host kernel has no family "+name)
			}
			got, err := c.GetFamily(name)
			if err != nil {
				t.Fatalf("GetFamily(%q): %v", name, err)
			}
			if diff := cmp.Diff(all[i], got); diff != "" {
				t.Errorf("GetFamily(%q) (-ListFamilies +GetFamily):\n%s", name, diff)
			}
			byID, err := c.FamilyByID(got.ID)
			if err != nil {
				t.Fatalf("FamilyByID(%d): %v", got.ID, err)
			}
			if diff := cmp.Diff(got, byID); diff != "" {
				t.Errorf("FamilyByID(%d) (-GetFamily +FamilyByID):\n%s", got.ID, diff)
			}
		})
	}
	t.Run("unknown", func(t *testing.T) {
		_, err := c.GetFamily("nlgo-nofamily")
		if !errors.Is(err, os.ErrNotExist) {
			t.Errorf("GetFamily of an unknown family: %v, want an error matching os.ErrNotExist", err)
		}
	})
}

// The policy of every operation of every family decodes; an operation
// without one is ENODATA.
func TestIntegrationPolicyOfEveryOperation(t *testing.T) {
	c := dialHost(t)
	fams, err := c.ListFamilies()
	if err != nil {
		t.Fatalf("ListFamilies: %v", err)
	}
	// Before split do/dump policies (6.2), an operation that validates
	// against its family's policy has the flag but no policy of its own.
	split := testenv.HasFeature(t, testenv.SplitPolicies)
	n := 0
	for _, f := range fams {
		for _, op := range f.Operations {
			p, err := c.Policy(f.Name, op.ID)
			switch {
			case err == nil && len(p.Operations) == 0 && !split:
			case op.Flags&genetlink.HasPolicy == 0:
				if !errors.Is(err, syscall.ENODATA) {
					t.Errorf("Policy(%s, %d) without a policy: %v, want ENODATA", f.Name, op.ID, err)
				}
			case err != nil:
				t.Errorf("Policy(%s, %d): %v", f.Name, op.ID, err)
			case len(p.Operations) != 1 || p.Operations[0].Command != op.ID:
				t.Errorf("Policy(%s, %d): operations %+v, want one for command %d", f.Name, op.ID, p.Operations, op.ID)
			default:
				n++
				for _, idx := range []int64{p.Operations[0].Do, p.Operations[0].Dump} {
					if idx != genetlink.NoPolicy && p.Policies[uint32(idx)] == nil {
						t.Errorf("Policy(%s, %d): policy %d is not in %v", f.Name, op.ID, idx, p.Policies)
					}
				}
			}
		}
	}
	t.Logf("%d operation policies of %d families decoded", n, len(fams))
}

// nlctrl's own policy for CTRL_CMD_GETFAMILY is as the kernel declares it:
// the id a u16, the name a NUL-terminated string of at most 15 bytes.
func TestIntegrationControllerPolicy(t *testing.T) {
	c := dialHost(t)
	p, err := c.Policy(genetlink.ControllerName, uint32(genetlink.CmdGetFamily))
	if err != nil {
		t.Fatalf("Policy: %v", err)
	}
	want := genetlink.Policy{
		Operations: []genetlink.OperationPolicy{{Command: uint32(genetlink.CmdGetFamily), Do: 0, Dump: 0}},
		Policies: map[uint32][]genetlink.AttributePolicy{0: {
			{Type: genetlink.AttrFamilyID, Kind: genetlink.TypeU16, Has: genetlink.HasUnsignedRange, MaxUnsigned: 65535},
			{Type: genetlink.AttrFamilyName, Kind: genetlink.TypeNulString, Has: genetlink.HasMaxLength, MaxLength: 15},
		}},
	}
	if !testenv.HasFeature(t, testenv.SplitPolicies) {
		want.Operations[0].Dump = genetlink.NoPolicy // no dump policy before 6.2
	}
	if diff := cmp.Diff(want, p); diff != "" {
		t.Errorf("nlctrl's GETFAMILY policy (-want +got):\n%s", diff)
	}
	if _, err := c.Policy("nlgo-nofamily", 1); !errors.Is(err, os.ErrNotExist) || errors.Is(err, syscall.ENODATA) {
		t.Errorf("Policy of an unknown family: %v, want ENOENT", err)
	}
}

// The same requests to nlctrl, sent to the host kernel and to the fake,
// get the same replies, byte for byte after the netlink header.
func TestIntegrationFakeControllerMatchesKernel(t *testing.T) {
	host, err := netlink.Dial(genetlink.Protocol, nil)
	if err != nil {
		testenv.Skip(t, fmt.Sprintf("no generic netlink here: %v", err))
	}
	defer host.Close()
	g := nltest.NewGeneric(nltest.NewKernel())
	fake, err := g.Kernel().Dial(genetlink.Protocol, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer fake.Close()

	tests := []struct {
		name  string
		cmd   uint8
		flags netlink.HeaderFlags
		attrs func(e *netlink.AttributeEncoder)
	}{
		{"getfamily by name", genetlink.CmdGetFamily, 0, func(e *netlink.AttributeEncoder) { e.String(genetlink.AttrFamilyName, "nlctrl") }},
		{"getfamily by id", genetlink.CmdGetFamily, 0, func(e *netlink.AttributeEncoder) { e.Uint16(genetlink.AttrFamilyID, genetlink.ControllerID) }},
		{"getfamily unknown", genetlink.CmdGetFamily, 0, func(e *netlink.AttributeEncoder) { e.String(genetlink.AttrFamilyName, "nlgo-nofamily") }},
		{"getfamily name too long", genetlink.CmdGetFamily, 0, func(e *netlink.AttributeEncoder) { e.String(genetlink.AttrFamilyName, "sixteen-bytes-xx") }},
		{"getfamily nothing", genetlink.CmdGetFamily, 0, func(*netlink.AttributeEncoder) {}},
		{"getpolicy all", genetlink.CmdGetPolicy, netlink.Dump, func(e *netlink.AttributeEncoder) { e.String(genetlink.AttrFamilyName, "nlctrl") }},
		{"getpolicy getfamily", genetlink.CmdGetPolicy, netlink.Dump, func(e *netlink.AttributeEncoder) {
			e.Uint16(genetlink.AttrFamilyID, genetlink.ControllerID)
			e.Uint32(genetlink.AttrOp, uint32(genetlink.CmdGetFamily))
		}},
		{"getpolicy getpolicy", genetlink.CmdGetPolicy, netlink.Dump, func(e *netlink.AttributeEncoder) {
			e.String(genetlink.AttrFamilyName, "nlctrl")
			e.Uint32(genetlink.AttrOp, uint32(genetlink.CmdGetPolicy))
		}},
		{"getpolicy unknown op", genetlink.CmdGetPolicy, netlink.Dump, func(e *netlink.AttributeEncoder) {
			e.String(genetlink.AttrFamilyName, "nlctrl")
			e.Uint32(genetlink.AttrOp, 99)
		}},
		{"getpolicy unknown family", genetlink.CmdGetPolicy, netlink.Dump, func(e *netlink.AttributeEncoder) { e.String(genetlink.AttrFamilyName, "nlgo-nofamily") }},
	}
	// The fake reports policies as kernels with split do/dump policies do.
	split := map[string]bool{"getpolicy all": true, "getpolicy getfamily": true, "getpolicy getpolicy": true}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if split[tt.name] {
				testenv.RequireFeature(t, testenv.SplitPolicies)
			}
			e := netlink.NewAttributeEncoder()
			e.Reset([]byte{tt.cmd, genetlink.ControllerVersion, 0, 0})
			tt.attrs(e)
			b, err := e.Encode()
			if err != nil {
				t.Fatal(err)
			}
			req := netlink.Message{Header: netlink.Header{Type: netlink.HeaderType(genetlink.ControllerID), Flags: netlink.Request | tt.flags}, Data: b}
			want, wantErr := replies(host, req)
			got, gotErr := replies(fake, req)
			if wantErr == nil && len(want) == 0 {
				t.Errorf("the kernel sent no replies")
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("replies (-kernel +fake):\n%s", diff)
			}
			if !errors.Is(gotErr, errnoOf(wantErr)) || (wantErr == nil) != (gotErr == nil) {
				t.Errorf("the kernel says %v, the fake %v", wantErr, gotErr)
			}
		})
	}
}

// reply is a reply as the differential test compares it: the parts of the
// netlink header that do not depend on the socket, and the payload.
type reply struct {
	Type  uint16
	Flags string
	Data  string
}

func replies(c *netlink.Conn, req netlink.Message) ([]reply, error) {
	msgs, err := c.Execute(req)
	var out []reply
	for _, m := range msgs {
		out = append(out, reply{Type: uint16(m.Header.Type), Flags: m.Header.Flags.String(), Data: fmt.Sprintf("% x", m.Data)})
	}
	return out, err
}

// errnoOf returns the errno err wraps, or nil.
func errnoOf(err error) error {
	var errno syscall.Errno
	if errors.As(err, &errno) {
		return errno
	}
	return nil
}

// Allocation budgets against the host kernel: the streaming Execute
// allocates nothing, GetFamily from the cache only the copies of its two
// slices, and uncached no more than its strings and slices.
func TestIntegrationAllocations(t *testing.T) {
	c := dialHost(t)
	uncached := genetlink.NewConn(mustDial(t))
	defer uncached.Close()
	e := netlink.NewAttributeEncoder()
	e.String(genetlink.AttrFamilyName, "nlctrl")
	attrs, err := e.Encode()
	if err != nil {
		t.Fatal(err)
	}
	req := genetlink.Message{Header: genetlink.Header{Command: genetlink.CmdGetFamily, Version: genetlink.ControllerVersion}, Data: attrs}
	n := 0
	count := func(genetlink.Message) bool { n++; return true }
	if _, err := c.GetFamily("nlctrl"); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		fn   func() error
		max  float64
	}{
		{"ExecuteEach", func() error { return c.ExecuteEach(req, genetlink.ControllerID, 0, count) }, 0},
		{"GetFamily cached", func() error { _, err := c.GetFamily("nlctrl"); return err }, 2},
		// The operations, the groups and the group's name.
		{"GetFamily uncached", func() error { _, err := uncached.GetFamily("nlctrl"); return err }, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var err error
			got := testing.AllocsPerRun(100, func() {
				if e := tt.fn(); e != nil {
					err = e
				}
			})
			if err != nil {
				t.Fatal(err)
			}
			if got > tt.max {
				t.Errorf("%v allocations per call, want at most %v", got, tt.max)
			}
		})
	}
}

func mustDial(t *testing.T) *netlink.Conn {
	t.Helper()
	nc, err := netlink.Dial(genetlink.Protocol, nil)
	if err != nil {
		testenv.Skip(t, fmt.Sprintf("no generic netlink here: %v", err))
	}
	return nc
}
