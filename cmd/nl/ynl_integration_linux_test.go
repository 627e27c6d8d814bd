//go:build linux

package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/nlgo/netlink"
	"github.com/nlgo/netlink/family"
	"github.com/nlgo/netlink/family/ethtool"
	"github.com/nlgo/netlink/family/rtlink"
	"github.com/nlgo/netlink/genetlink"
	"github.com/nlgo/netlink/internal/testenv"
)

// runNL runs nl with args and fails the test unless it succeeds.
func runNL(t *testing.T, args ...string) (stdout, stderr string) {
	t.Helper()
	var out, errs strings.Builder
	if code := run(context.Background(), args, &out, &errs); code != 0 {
		t.Fatalf("nl %s: exit status %d, stderr:\n%s", strings.Join(args, " "), code, &errs)
	}
	return out.String(), errs.String()
}

// nsConfig opens the namespace ns for a Config, closed in t.Cleanup.
func nsConfig(t *testing.T, ns string) *netlink.Config {
	t.Helper()
	f, err := netlink.OpenNetNS(ns)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return &netlink.Config{NetNS: int(f.Fd())}
}

// jsonLines encodes each value as nl ynl prints a dump's entries.
func jsonLines(t *testing.T, vs []any) string {
	var b strings.Builder
	for _, v := range vs {
		b.WriteString(jsonLine(t, v))
	}
	return b.String()
}

// `nl ynl rt_link dump getlink` in a namespace prints what rtlink's
// client returns there, and every link `ip -json link` shows, with the
// same name, index, mtu, address and kind.
func TestIntegrationYNLGetlink(t *testing.T) {
	ns := newTestNS(t)
	addVeth(t, ns, "nly0")
	if err := ip(ns, "link", "set", "nly0", "mtu", "1400"); err != nil {
		t.Fatal(err)
	}
	stdout, _ := runNL(t, "-netns", ns, "ynl", "rt_link", "dump", "getlink")

	c, err := rtlink.Dial(nsConfig(t, ns))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	var want []any
	for l, err := range c.GetlinkDump(nil) {
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, json.RawMessage(jsonLine(t, l)))
	}
	if diff := cmp.Diff(jsonLines(t, want), stdout); diff != "" {
		t.Errorf("nl ynl rt_link dump getlink, against rtlink's GetlinkDump (-client +nl):\n%s", diff)
	}

	type link struct {
		Name    string `json:"ifname"`
		Index   int32  `json:"ifindex"`
		MTU     uint32 `json:"mtu"`
		Address string `json:"address"`
		Kind    string `json:"kind"`
	}
	out, err := exec.Command("ip", "-n", ns, "-json", "-details", "link", "show").Output()
	if err != nil {
		t.Fatalf("ip -json link: %v", err)
	}
	var ipLinks []struct {
		link
		Info struct {
			Kind string `json:"info_kind"`
		} `json:"linkinfo"`
	}
	if err := json.Unmarshal(out, &ipLinks); err != nil {
		t.Fatalf("ip -json link: %v\n%s", err, out)
	}
	var fromIP, fromNL []link
	for _, l := range ipLinks {
		l.Kind = l.Info.Kind
		fromIP = append(fromIP, l.link)
	}
	for _, line := range strings.Split(strings.TrimSuffix(stdout, "\n"), "\n") {
		var l rtlink.LinkAttrs
		if err := json.Unmarshal([]byte(line), &l); err != nil {
			t.Fatalf("a line of nl ynl: %v\n%s", err, line)
		}
		fromNL = append(fromNL, link{Name: l.Ifname, Index: l.IfiIndex, MTU: l.Mtu.Value, Address: l.Address.String(), Kind: l.Linkinfo.Value.Kind})
	}
	if diff := cmp.Diff(fromIP, fromNL); diff != "" {
		t.Errorf("links of ip -json link against nl ynl (-ip +nl):\n%s", diff)
	}
	if len(fromNL) != 3 { // lo and the pair
		t.Errorf("%d links, want lo, nly0 and nly0p", len(fromNL))
	}
}

// `nl ynl ethtool do features-get` on a veth prints what ethtool's client
// returns for it, features named.
func TestIntegrationYNLEthtoolFeatures(t *testing.T) {
	ns := newTestNS(t)
	addVeth(t, ns, "nly0")
	stdout, _ := runNL(t, "-netns", ns, "-json", "ynl", "ethtool", "do", "features-get", "--json", `{"header":{"dev-name":"nly0"}}`)

	c, err := ethtool.Dial(nsConfig(t, ns))
	if err != nil {
		testenv.Skip(t, "no ethtool generic netlink family: "+err.Error())
	}
	defer c.Close()
	want, err := c.FeaturesGet(&ethtool.Features{Header: family.Some(ethtool.Header{DevName: "nly0"})})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(jsonLine(t, want), stdout); diff != "" {
		t.Errorf("nl ynl ethtool do features-get, against FeaturesGet (-client +nl):\n%s", diff)
	}
	for _, name := range []string{`"dev-name":"nly0"`, `"name":"tx-checksum-ip-generic"`} {
		if !strings.Contains(stdout, name) {
			t.Errorf("the features do not show %s:\n%s", name, stdout)
		}
	}
}

// -pcap of nl ynl writes a capture tshark reads, and -trace names the
// attributes as the specs do: rt-link's by its spec ("num-tx-queues",
// where nl's own tables say num_tx_queues), ethtool's by its spec.
func TestIntegrationYNLCaptureAndTrace(t *testing.T) {
	ns := newTestNS(t)
	addVeth(t, ns, "nly0")
	tests := []struct {
		args  []string
		trace []string
	}{
		{[]string{"ynl", "rt_link", "dump", "getlink"},
			[]string{"type=RTM_GETLINK flags=request|dump", "attrs.ifname=nly0", "attrs.num-tx-queues=", "attrs.linkinfo.kind=veth"}},
		{[]string{"ynl", "ethtool", "do", "features-get", "--json", `{"header":{"dev-name":"nly0"}}`},
			[]string{"type=ethtool", "attrs.header.dev-name=nly0", "attrs.active.bits.bit.name=tx-checksum-ip-generic"}},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			file := filepath.Join(t.TempDir(), "ynl.pcap")
			_, stderr := runNL(t, append([]string{"-netns", ns, "-pcap", file, "-trace"}, tt.args...)...)
			for _, want := range tt.trace {
				if !strings.Contains(stderr, want) {
					t.Errorf("the trace does not contain %q:\n%s", want, stderr)
				}
			}
			if _, err := exec.LookPath("tshark"); err != nil {
				testenv.Skip(t, "needs tshark to read the capture: "+err.Error())
			}
			out, err := exec.Command("tshark", "-r", file).CombinedOutput()
			if err != nil {
				t.Fatalf("tshark -r %s: %v\n%s", file, err, out)
			}
			if n := strings.Count(string(out), "Netlink"); n < 2 {
				t.Errorf("tshark shows %d netlink packets, want the request and its replies:\n%s", n, out)
			}
		})
	}
}

// `nl ynl rt_link monitor rtnlgrp-link -count 1` in a namespace prints
// the first link notification, typed. nl subscribes at some point after
// it starts, so the test keeps making links until it exits.
func TestIntegrationYNLMonitor(t *testing.T) {
	ns := newTestNS(t)
	addVeth(t, ns, "nlyprobe")
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var stdout, stderr strings.Builder
	var wg sync.WaitGroup
	code := -1
	wg.Go(func() {
		code = run(ctx, []string{"-netns", ns, "ynl", "rt_link", "monitor", "rtnlgrp-link", "-count", "1"}, &stdout, &stderr)
		cancel()
	})
	for i := 0; ctx.Err() == nil; i++ {
		name := fmt.Sprintf("nlym%d", i)
		if err := ip(ns, "link", "add", name, "type", "veth", "peer", "name", name+"p"); err != nil {
			t.Error(err)
			break
		}
		select {
		case <-ctx.Done():
		case <-time.After(50 * time.Millisecond):
		}
	}
	wg.Wait()
	if code != 0 {
		t.Fatalf("exit status %d, stderr:\n%s", code, &stderr)
	}
	var got struct {
		Name string           `json:"name"`
		Msg  rtlink.LinkAttrs `json:"msg"`
	}
	if err := json.Unmarshal([]byte(stdout.String()), &got); err != nil || strings.Count(stdout.String(), "\n") != 1 {
		t.Fatalf("the output is not one notification (%v):\n%s", err, &stdout)
	}
	if got.Name != "newlink" || !strings.HasPrefix(got.Msg.Ifname, "nlym") || got.Msg.Linkinfo.Value.Kind != "veth" {
		t.Errorf("notification %s, want a newlink of a veth nlym*", &stdout)
	}
}

// `nl ynl netdev dump dev-get` lists the namespace's devices by index,
// and `nl ynl nlctrl dump getfamily` the generic families genetlink
// lists.
func TestIntegrationYNLGenericDumps(t *testing.T) {
	ns := newTestNS(t)
	addVeth(t, ns, "nly0")
	field := func(t *testing.T, out, name string) []string {
		var got []string
		for _, line := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
			var m map[string]any
			if err := json.Unmarshal([]byte(line), &m); err != nil {
				t.Fatalf("a line of nl ynl: %v\n%s", err, line)
			}
			got = append(got, fmt.Sprint(m[name]))
		}
		slices.Sort(got)
		return got
	}

	t.Run("netdev", func(t *testing.T) {
		testenv.RequireFeature(t, testenv.NetdevFamily)
		stdout, _ := runNL(t, "-netns", ns, "ynl", "netdev", "dump", "dev-get")
		out, err := exec.Command("ip", "-n", ns, "-json", "link", "show").Output()
		if err != nil {
			t.Fatalf("ip -json link: %v", err)
		}
		var links []struct {
			Index int `json:"ifindex"`
		}
		if err := json.Unmarshal(out, &links); err != nil {
			t.Fatal(err)
		}
		var want []string
		for _, l := range links {
			want = append(want, fmt.Sprint(l.Index))
		}
		slices.Sort(want)
		if diff := cmp.Diff(want, field(t, stdout, "ifindex")); diff != "" {
			t.Errorf("netdev dev-get's devices against ip -json link's (-ip +nl):\n%s", diff)
		}
	})
	t.Run("nlctrl", func(t *testing.T) {
		stdout, _ := runNL(t, "-netns", ns, "ynl", "nlctrl", "dump", "getfamily")
		gc, err := genetlink.Dial(nsConfig(t, ns))
		if err != nil {
			t.Fatal(err)
		}
		defer gc.Close()
		fams, err := gc.ListFamilies()
		if err != nil {
			t.Fatal(err)
		}
		var want []string
		for _, f := range fams {
			want = append(want, f.Name)
		}
		slices.Sort(want)
		if diff := cmp.Diff(want, field(t, stdout, "family-name")); diff != "" {
			t.Errorf("nlctrl getfamily's families against genetlink's ListFamilies (-genetlink +nl):\n%s", diff)
		}
	})
}

// `nl ynl rt_link do newlink -create -excl` makes a veth pair that ip
// shows, a second time fails with EEXIST, and dellink deletes the pair.
// (The 6.12 spec has no veth data, so the kernel names the peer.)
func TestIntegrationYNLNewlink(t *testing.T) {
	ns := newTestNS(t)
	links := func() map[string]string {
		out, err := exec.Command("ip", "-n", ns, "-json", "-details", "link", "show").Output()
		if err != nil {
			t.Fatalf("ip -json link: %v", err)
		}
		var ls []struct {
			Name string `json:"ifname"`
			MTU  int    `json:"mtu"`
			Info struct {
				Kind string `json:"info_kind"`
			} `json:"linkinfo"`
		}
		if err := json.Unmarshal(out, &ls); err != nil {
			t.Fatal(err)
		}
		m := map[string]string{}
		for _, l := range ls {
			m[l.Name] = fmt.Sprintf("%s mtu %d", l.Info.Kind, l.MTU)
		}
		return m
	}
	req := `{"ifname":"nlyv0","mtu":1400,"linkinfo":{"kind":"veth"}}`
	runNL(t, "-netns", ns, "ynl", "rt_link", "do", "newlink", "-create", "-excl", "-json", req)
	got := links()
	if len(got) != 3 || got["lo"] != " mtu 65536" || got["nlyv0"] != "veth mtu 1400" {
		t.Errorf("links after newlink: %v, want lo, nlyv0 and its veth peer", got)
	}
	var stdout, stderr strings.Builder
	if code := run(context.Background(), []string{"-netns", ns, "ynl", "rt_link", "do", "newlink", "-create", "-excl", "-json", req}, &stdout, &stderr); code != 1 ||
		!strings.Contains(stderr.String(), "file exists") {
		t.Errorf("newlink of an existing link: status %d, stderr %q; want 1 and EEXIST", code, &stderr)
	}
	runNL(t, "-netns", ns, "ynl", "rt_link", "do", "dellink", "-json", `{"ifname":"nlyv0"}`)
	if diff := cmp.Diff(map[string]string{"lo": " mtu 65536"}, links()); diff != "" {
		t.Errorf("links after dellink (-want +got):\n%s", diff)
	}
}
