package ethtool_test

import (
	"encoding/json"
	"syscall"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/nlgo/netlink/family"
	"github.com/nlgo/netlink/family/ethtool"
	"github.com/nlgo/netlink/genetlink"
	"github.com/nlgo/netlink/nltest"
)

// features is what the fake kernel reports for veth0.
func features() *ethtool.Features {
	bits := func(names ...string) family.Opt[ethtool.Bitset] {
		var b ethtool.Bitset
		b.Size = family.Some[uint32](64)
		var bs ethtool.BitsetBits
		for i, n := range names {
			bs.Bit = append(bs.Bit, ethtool.BitsetBit{Index: family.Some(uint32(i)), Name: n, Value: true})
		}
		b.Bits = family.Some(bs)
		return family.Some(b)
	}
	return &ethtool.Features{
		Header: family.Some(ethtool.Header{DevIndex: family.Some[uint32](5), DevName: "veth0"}),
		Hw:     bits("tx-checksum-ip-generic", "tx-scatter-gather"),
		Active: bits("tx-checksum-ip-generic"),
	}
}

// serve answers features-get for veth0 only, as ethtool's do does.
func serve(t *testing.T) *ethtool.Client {
	t.Helper()
	f := nltest.GenericFamily{Name: ethtool.FamilyName, Version: 1,
		Operations: []nltest.GenericOperation{{Command: uint8(ethtool.CmdFeaturesGetRequest), Flags: genetlink.Do | genetlink.Dump}}}
	c := nltest.ServeFamily(f, func(r *nltest.GenericRequest) error {
		var req ethtool.Features
		if err := req.UnmarshalBinary(r.Message.Data); err != nil {
			return syscall.EINVAL
		}
		if !r.Dumping() && req.Header.Value.DevName != "veth0" {
			return syscall.ENODEV
		}
		b, err := features().AppendBinary(nil)
		if err != nil {
			return err
		}
		m := genetlink.Message{Header: genetlink.Header{Command: uint8(ethtool.CmdFeaturesGetReply), Version: 1}, Data: b}
		if r.Dumping() {
			return r.Dump([]genetlink.Message{m, m})
		}
		return r.Reply(m)
	})
	cl, err := ethtool.NewClient(c)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cl.Close() })
	return cl
}

func TestFeaturesGet(t *testing.T) {
	c := serve(t)
	var req ethtool.Features
	if err := json.Unmarshal([]byte(`{"header":{"dev-name":"veth0"}}`), &req); err != nil {
		t.Fatal(err)
	}
	got, err := c.FeaturesGet(&req)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(features(), got); diff != "" {
		t.Errorf("FeaturesGet (-want +got):\n%s", diff)
	}
	_, err = c.FeaturesGet(&ethtool.Features{Header: family.Some(ethtool.Header{DevName: "nope"})})
	if err == nil {
		t.Errorf("FeaturesGet of an unknown device: no error")
	}
	n := 0
	for f, err := range c.FeaturesGetDump(nil) {
		if err != nil {
			t.Fatal(err)
		}
		if f.Header.Value.DevName != "veth0" {
			t.Errorf("dumped %q", f.Header.Value.DevName)
		}
		n++
	}
	if n != 2 {
		t.Errorf("dump: %d entries, want 2", n)
	}
}

func TestFeaturesJSON(t *testing.T) {
	b, err := json.Marshal(features())
	if err != nil {
		t.Fatal(err)
	}
	want := `{"header":{"dev-index":5,"dev-name":"veth0"},` +
		`"hw":{"size":64,"bits":{"bit":[{"index":0,"name":"tx-checksum-ip-generic","value":true},{"index":1,"name":"tx-scatter-gather","value":true}]}},` +
		`"active":{"size":64,"bits":{"bit":[{"index":0,"name":"tx-checksum-ip-generic","value":true}]}}}`
	if diff := cmp.Diff(want, string(b)); diff != "" {
		t.Errorf("JSON (-want +got):\n%s", diff)
	}
}
