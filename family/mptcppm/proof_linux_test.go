package mptcppm_test

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"net/netip"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/nlgo/netlink/family"
	"github.com/nlgo/netlink/family/internal/nstest"
	"github.com/nlgo/netlink/family/mptcppm"
	"github.com/nlgo/netlink/family/rtlink"
	"github.com/nlgo/netlink/internal/testenv"
)

// The endpoint flags, MPTCP_PM_ADDR_FLAG_* of <linux/mptcp.h>, which
// mptcp_pm.yaml leaves a bare u32, with the names ip prints.
var endpointFlags = []struct {
	bit  uint32
	name string
}{{1, "signal"}, {2, "subflow"}, {4, "backup"}, {8, "fullmesh"}}

// ipEndpoint is an endpoint as `ip -json mptcp endpoint show` prints it
// (iproute2 6.1); the typed dump is put into the same shape.
type ipEndpoint struct {
	Address string          `json:"address"`
	ID      uint8           `json:"id"`
	Port    uint16          `json:"port,omitempty"`
	Dev     string          `json:"dev,omitempty"`
	Flags   map[string]bool `json:"-"`
}

func (e *ipEndpoint) UnmarshalJSON(b []byte) error {
	type plain ipEndpoint
	if err := json.Unmarshal(b, (*plain)(e)); err != nil {
		return err
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		return err
	}
	e.Flags = map[string]bool{}
	for k, v := range m {
		switch k {
		case "address", "id", "port", "dev":
		default:
			known := false
			for _, f := range endpointFlags {
				known = known || f.name == k
			}
			if !known {
				return fmt.Errorf("ip prints key %q, which the test does not compare", k)
			}
			e.Flags[k] = v == true
		}
	}
	return nil
}

// typed puts a dumped or got endpoint into ip's shape.
func typed(t *testing.T, a mptcppm.Address, devs map[int32]string) ipEndpoint {
	t.Helper()
	e := ipEndpoint{ID: a.Id.Value, Port: a.Port.Value, Flags: map[string]bool{}}
	switch {
	case a.Addr4.Valid:
		e.Address = netip.AddrFrom4([4]byte(binary.BigEndian.AppendUint32(nil, a.Addr4.Value))).String()
	case len(a.Addr6) == 16:
		e.Address = netip.AddrFrom16([16]byte(a.Addr6)).String()
	default:
		t.Errorf("endpoint %d without an address: %+v", e.ID, a)
	}
	if a.IfIdx.Valid && a.IfIdx.Value != 0 {
		e.Dev = devs[a.IfIdx.Value]
	}
	rest := a.Flags.Value
	for _, f := range endpointFlags {
		if rest&f.bit != 0 {
			e.Flags[f.name] = true
			rest &^= f.bit
		}
	}
	if rest != 0 {
		t.Errorf("endpoint %d: flags %#x have no name of ip's", e.ID, rest)
	}
	return e
}

// TestIntegrationEndpointsEqualIP adds three endpoints (IPv4 and IPv6,
// signal, subflow, backup, a port, a device) through the typed client on
// the host's kernel, and after each of add, get, delete and flush
// compares the typed dump with `ip -json mptcp endpoint show`.
func TestIntegrationEndpointsEqualIP(t *testing.T) {
	ns := nstest.New(t)
	ns.Batch(t, []string{"link add veth0 type veth peer name veth1"})
	c, err := mptcppm.Dial(ns.Config())
	if err != nil {
		testenv.Skip(t, fmt.Sprintf("no mptcp_pm family: %v", err))
	}
	defer c.Close()
	lc, err := rtlink.Dial(ns.Config())
	if err != nil {
		t.Fatal(err)
	}
	defer lc.Close()
	veth0, err := lc.Getlink(&rtlink.LinkAttrs{Ifname: "veth0"})
	if err != nil {
		t.Fatal(err)
	}
	devs := map[int32]string{veth0.IfiIndex: "veth0"}

	compare := func(step string) []ipEndpoint {
		t.Helper()
		got := []ipEndpoint{}
		for a, err := range c.GetAddrDump(nil) {
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, typed(t, a.Addr.Value, devs))
		}
		want := []ipEndpoint{}
		ns.JSON(t, &want, "mptcp", "endpoint", "show")
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s: typed endpoint dump differs from ip -json mptcp endpoint show (-ip +typed):\n%s", step, diff)
		}
		return got
	}

	v4 := binary.BigEndian.Uint32([]byte{192, 0, 2, 1})
	v4b := binary.BigEndian.Uint32([]byte{198, 51, 100, 3})
	v6 := netip.MustParseAddr("2001:db8::2").As16()
	adds := []mptcppm.Address{
		{Family: family.Some[uint16](2), Id: family.Some[uint8](7), Addr4: family.Some(v4), Flags: family.Some[uint32](1)},
		{Family: family.Some[uint16](10), Id: family.Some[uint8](8), Addr6: v6[:], Flags: family.Some[uint32](2 | 4),
			IfIdx: family.Some(veth0.IfiIndex)},
		{Family: family.Some[uint16](2), Id: family.Some[uint8](9), Addr4: family.Some(v4b), Port: family.Some[uint16](8080),
			Flags: family.Some[uint32](1)},
	}
	for _, a := range adds {
		if err := c.AddAddr(&mptcppm.Endpoint{Addr: family.Some(a)}); err != nil {
			t.Fatalf("AddAddr %d: %v", a.Id.Value, err)
		}
	}
	all := compare("after AddAddr")
	if len(all) != 3 {
		t.Fatalf("%d endpoints after 3 AddAddr: %+v", len(all), all)
	}

	g, err := c.GetAddr(&mptcppm.Attr{Addr: family.Some(mptcppm.Address{Id: family.Some[uint8](8)})})
	if err != nil {
		t.Fatalf("GetAddr 8: %v", err)
	}
	if diff := cmp.Diff(all[1], typed(t, g.Addr.Value, devs)); diff != "" {
		t.Errorf("GetAddr 8 differs from its dump entry (-dump +get):\n%s", diff)
	}

	if err := c.DelAddr(&mptcppm.Endpoint{Addr: family.Some(mptcppm.Address{Id: family.Some[uint8](7)})}); err != nil {
		t.Fatalf("DelAddr 7: %v", err)
	}
	if got := compare("after DelAddr 7"); len(got) != 2 || got[0].ID == 7 {
		t.Errorf("after DelAddr 7: %+v", got)
	}
	if _, err := c.GetAddr(&mptcppm.Attr{Addr: family.Some(mptcppm.Address{Id: family.Some[uint8](7)})}); err == nil {
		t.Errorf("GetAddr 7 after DelAddr: no error")
	}

	if err := c.FlushAddrs(&mptcppm.Endpoint{Addr: family.Some(mptcppm.Address{})}); err != nil {
		t.Fatalf("FlushAddrs: %v", err)
	}
	if got := compare("after FlushAddrs"); len(got) != 0 {
		t.Errorf("after FlushAddrs: %+v", got)
	}
}
