package main

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/nlgo/netlink"
	"github.com/nlgo/netlink/family"
	"github.com/nlgo/netlink/family/ethtool"
	"github.com/nlgo/netlink/family/rtlink"
	"github.com/nlgo/netlink/genetlink"
	"github.com/nlgo/netlink/nlpcap"
	"github.com/nlgo/netlink/nltest"
)

// fakeLinks are the links of the fake rtnetlink.
func fakeLinks() []*rtlink.LinkAttrs {
	return []*rtlink.LinkAttrs{
		{Ifinfomsg: rtlink.Ifinfomsg{IfiType: 772, IfiIndex: 1, IfiFlags: 0x49}, Ifname: "lo",
			Mtu: family.Some[uint32](65536), Address: family.HardwareAddr{0, 0, 0, 0, 0, 0}},
		{Ifinfomsg: rtlink.Ifinfomsg{IfiType: 1, IfiIndex: 2, IfiFlags: 0x1003}, Ifname: "veth0",
			Mtu: family.Some[uint32](1500), Operstate: family.Some[uint8](6),
			Linkinfo: family.Some(rtlink.LinkinfoAttrs{Kind: "veth"})},
	}
}

// A fakeRoute is a fake rtnetlink that knows fakeLinks: getlink's dump
// lists them, its do finds one by name (ENODEV otherwise), setlink
// acknowledges, and so does newlink with NLM_F_CREATE (ENODEV without). It records the requests it decoded.
type fakeRoute struct {
	k    *nltest.Kernel
	mu   sync.Mutex
	reqs []fakeRequest
}

// A fakeRequest is a request the fake received.
type fakeRequest struct {
	Type  netlink.HeaderType
	Flags netlink.HeaderFlags
	Link  rtlink.LinkAttrs
}

func newFakeRoute(t *testing.T) *fakeRoute {
	f := &fakeRoute{k: nltest.NewKernel()}
	f.k.RegisterFunc(rtlink.ProtocolNumber, func(req []netlink.Message) ([]netlink.Message, error) {
		m := req[0]
		var l rtlink.LinkAttrs
		if err := l.UnmarshalBinary(m.Data); err != nil {
			return nil, syscall.EINVAL
		}
		f.mu.Lock()
		f.reqs = append(f.reqs, fakeRequest{m.Header.Type, m.Header.Flags, l})
		f.mu.Unlock()
		reply := func(v *rtlink.LinkAttrs) netlink.Message {
			b, err := v.AppendBinary(nil)
			if err != nil {
				t.Error(err)
			}
			return netlink.Message{Header: netlink.Header{Type: netlink.HeaderType(rtlink.CmdGetlinkReply)}, Data: b}
		}
		switch uint16(m.Header.Type) {
		case rtlink.CmdGetlinkRequest:
			if m.Header.Flags&netlink.Dump != 0 {
				var out []netlink.Message
				for _, v := range fakeLinks() {
					out = append(out, reply(v))
				}
				return nltest.Multipart(out), nil
			}
			for _, v := range fakeLinks() {
				if v.Ifname == l.Ifname {
					return []netlink.Message{reply(v)}, nil
				}
			}
		case rtlink.CmdSetlinkRequest:
			return []netlink.Message{nltest.Error(nil, m)}, nil
		case rtlink.CmdNewlinkRequest:
			if m.Header.Flags&netlink.Create == 0 {
				return nil, syscall.ENODEV
			}
			return []netlink.Message{nltest.Error(nil, m)}, nil
		}
		return nil, syscall.ENODEV
	}, nltest.Groups(32))
	return f
}

// requests returns the requests the fake received.
func (f *fakeRoute) requests() []fakeRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.reqs)
}

// family returns rt-link's descriptor, its Dial dialling the fake.
func (f *fakeRoute) family() family.Family {
	d := rtlink.Describe()
	d.Dial = func(cfg *netlink.Config) (io.Closer, error) {
		c, err := f.k.Dial(rtlink.ProtocolNumber, cfg)
		if err != nil {
			return nil, err
		}
		return rtlink.NewClient(c), nil
	}
	return d
}

// fakeEthtool returns ethtool's descriptor, its Dial dialling a fake
// ethtool whose features-get answers for veth0 only.
func fakeEthtool(t *testing.T, reply *ethtool.Features) family.Family {
	g := nltest.NewGeneric(nltest.NewKernel())
	_, err := g.Register(nltest.GenericFamily{Name: ethtool.FamilyName, Version: 1,
		Operations: []nltest.GenericOperation{{Command: uint8(ethtool.CmdFeaturesGetRequest), Flags: genetlink.Do | genetlink.Dump,
			Handler: func(r *nltest.GenericRequest) error {
				var req ethtool.Features
				if err := req.UnmarshalBinary(r.Message.Data); err != nil {
					return syscall.EINVAL
				}
				if req.Header.Value.DevName != "veth0" {
					return syscall.ENODEV
				}
				b, err := reply.AppendBinary(nil)
				if err != nil {
					return err
				}
				return r.Reply(genetlink.Message{Header: genetlink.Header{Command: uint8(ethtool.CmdFeaturesGetReply), Version: 1}, Data: b})
			}}}})
	if err != nil {
		t.Fatal(err)
	}
	d := ethtool.Describe()
	d.Dial = func(cfg *netlink.Config) (io.Closer, error) {
		c, err := g.Dial(cfg)
		if err != nil {
			return nil, err
		}
		return ethtool.NewClient(c)
	}
	return d
}

// runFake runs nl with args, ynl's families being fams.
func runFake(ctx context.Context, fams []family.Family, args ...string) (stdout, stderr string, code int) {
	var out, errs strings.Builder
	o, err := parseArgs(args)
	if err == nil {
		o.fams = fams
		err = execute(ctx, o, &out, &errs)
	}
	code = report(&errs, err)
	return out.String(), errs.String(), code
}

// jsonLine is v as nl prints a dump's entry.
func jsonLine(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b) + "\n"
}

// nl ynl rt_link dump getlink prints each link the kernel sends as a line
// of JSON, the link as the typed client decodes it, and sends a dump
// request holding the attributes of -json.
func TestYNLDump(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want rtlink.LinkAttrs // the request the fake got
	}{
		{"positional", []string{"ynl", "rt_link", "dump", "getlink"}, rtlink.LinkAttrs{}},
		{"ynl's flags", []string{"ynl", "--family", "rt-link", "--dump", "getlink", "--json", `{"ifi-family": 0, "ext-mask": "skip-stats"}`},
			rtlink.LinkAttrs{ExtMask: family.Some(rtlink.RtextFilterSkipStats)}},
		{"go package name", []string{"ynl", "rtlink", "dump", "getlink", "-json", `{"master": 3}`},
			rtlink.LinkAttrs{Master: family.Some[uint32](3)}},
		{"a field's name in another case", []string{"ynl", "rt_link", "dump", "getlink", "-json", `{"MASTER": 3, "IFI-Index": 4}`},
			rtlink.LinkAttrs{Ifinfomsg: rtlink.Ifinfomsg{IfiIndex: 4}, Master: family.Some[uint32](3)}},
		{"an operation's name in another spelling", []string{"ynl", "rt_link", "dump", "GET_LINK"}, rtlink.LinkAttrs{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeRoute(t)
			stdout, stderr, code := runFake(context.Background(), []family.Family{f.family()}, tt.args...)
			if code != 0 {
				t.Fatalf("exit status %d, stderr:\n%s", code, stderr)
			}
			var want strings.Builder
			for _, l := range fakeLinks() {
				want.WriteString(jsonLine(t, l))
			}
			if diff := cmp.Diff(want.String(), stdout); diff != "" {
				t.Errorf("output (-want +got):\n%s", diff)
			}
			reqs := f.requests()
			if len(reqs) != 1 || reqs[0].Type != netlink.HeaderType(rtlink.CmdGetlinkRequest) || reqs[0].Flags&netlink.Dump != netlink.Dump {
				t.Fatalf("requests %+v, want one getlink dump", reqs)
			}
			if diff := cmp.Diff(jsonLine(t, &tt.want), jsonLine(t, &reqs[0].Link)); diff != "" {
				t.Errorf("the request (-want +got):\n%s", diff)
			}
		})
	}
}

// nl ynl FAMILY do OP: the reply indented, or on one line after nl -json;
// nothing for an operation without a reply; a kernel error is status 1.
func TestYNLDo(t *testing.T) {
	lo := fakeLinks()[0]
	indented, err := json.MarshalIndent(lo, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		args   []string
		stdout string
		code   int
		stderr string
		req    fakeRequest
	}{
		{"indented", []string{"ynl", "rt-link", "do", "getlink", "--json", `{"ifname":"lo"}`}, string(indented) + "\n", 0, "",
			fakeRequest{Type: 18, Flags: netlink.Request, Link: rtlink.LinkAttrs{Ifname: "lo"}}},
		{"compact", []string{"-json", "ynl", "rt-link", "do", "getlink", "--json", `{"ifname":"lo"}`}, jsonLine(t, lo), 0, "",
			fakeRequest{Type: 18, Flags: netlink.Request, Link: rtlink.LinkAttrs{Ifname: "lo"}}},
		{"no reply", []string{"ynl", "rt_link", "--do", "setlink", "--json", `{"ifi-index":2,"mtu":9000}`}, "", 0, "",
			fakeRequest{Type: 19, Flags: netlink.Request | netlink.Acknowledge,
				Link: rtlink.LinkAttrs{Ifinfomsg: rtlink.Ifinfomsg{IfiIndex: 2}, Mtu: family.Some[uint32](9000)}}},
		{"header flags", []string{"ynl", "rt_link", "do", "newlink", "-create", "--excl", "-json", `{"ifname":"v0","linkinfo":{"kind":"veth"}}`}, "", 0, "",
			fakeRequest{Type: 16, Flags: netlink.Request | netlink.Acknowledge | netlink.Create | netlink.Excl,
				Link: rtlink.LinkAttrs{Ifname: "v0", Linkinfo: family.Some(rtlink.LinkinfoAttrs{Kind: "veth"})}}},
		{"without a header flag", []string{"ynl", "rt_link", "do", "newlink", "-json", `{"ifname":"v0"}`}, "", 1,
			"nl: rt-link do newlink: netlink: execute: no such device\n",
			fakeRequest{Type: 16, Flags: netlink.Request | netlink.Acknowledge, Link: rtlink.LinkAttrs{Ifname: "v0"}}},
		{"kernel error", []string{"ynl", "rt_link", "do", "getlink", "--json", `{"ifname":"nope"}`}, "", 1,
			"nl: rt-link do getlink: netlink: execute: no such device\n",
			fakeRequest{Type: 18, Flags: netlink.Request, Link: rtlink.LinkAttrs{Ifname: "nope"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeRoute(t)
			stdout, stderr, code := runFake(context.Background(), []family.Family{f.family()}, tt.args...)
			if code != tt.code || !strings.HasPrefix(stderr, tt.stderr) || tt.stderr == "" && stderr != "" {
				t.Errorf("exit status %d, stderr %q; want %d, %q", code, stderr, tt.code, tt.stderr)
			}
			if diff := cmp.Diff(tt.stdout, stdout); diff != "" {
				t.Errorf("output (-want +got):\n%s", diff)
			}
			reqs := f.requests()
			if len(reqs) != 1 {
				t.Fatalf("requests %+v, want one", reqs)
			}
			if diff := cmp.Diff(jsonLine(t, tt.req), jsonLine(t, reqs[0])); diff != "" {
				t.Errorf("the request (-want +got):\n%s", diff)
			}
		})
	}
}

// nl ynl ethtool do features-get with the header nest in -json: the
// request reaches a generic family's fake, and the reply prints as the
// typed client decodes it.
func TestYNLEthtool(t *testing.T) {
	reply := &ethtool.Features{
		Header: family.Some(ethtool.Header{DevIndex: family.Some[uint32](5), DevName: "veth0"}),
		Active: family.Some(ethtool.Bitset{Size: family.Some[uint32](64),
			Bits: family.Some(ethtool.BitsetBits{Bit: []ethtool.BitsetBit{{Index: family.Some[uint32](1), Name: "tx-checksum-ipv4", Value: true}}})}),
	}
	fams := []family.Family{fakeEthtool(t, reply)}
	stdout, stderr, code := runFake(context.Background(), fams, "-json", "ynl", "ethtool", "do", "features-get", "--json", `{"header":{"dev-name":"veth0"}}`)
	if code != 0 {
		t.Fatalf("exit status %d, stderr:\n%s", code, stderr)
	}
	if diff := cmp.Diff(jsonLine(t, reply), stdout); diff != "" {
		t.Errorf("output (-want +got):\n%s", diff)
	}
	_, stderr, code = runFake(context.Background(), fams, "ynl", "ethtool", "do", "features-get", "--json", `{"header":{"dev-name":"eth9"}}`)
	if code != 1 || !strings.Contains(stderr, "no such device") {
		t.Errorf("features-get of eth9: status %d, stderr %q; want 1 and ENODEV", code, stderr)
	}
}

// Mistakes are usage errors (status 2) that say what exists: the
// families, a family's operations with do and dump, its groups, a
// request's fields, where in the request a field is unknown.
func TestYNLUsageErrors(t *testing.T) {
	fams := typedFamilies()
	tests := []struct {
		name   string
		args   []string
		stderr []string // parts of the message
	}{
		{"unknown family", []string{"ynl", "rt_bogus"}, []string{`unknown family "rt_bogus"`, "rt-link", "ethtool", "tcp_metrics"}},
		{"unknown operation", []string{"ynl", "rt_link", "dump", "getbogus"},
			[]string{`no operation "getbogus"`, "newlink (do)", "getlink (do, dump)", "getstats (do, dump)"}},
		{"operation without a dump", []string{"ynl", "rt_link", "dump", "setlink"}, []string{"setlink has no dump, only do"}},
		{"operation without a do", []string{"ynl", "nlctrl", "do", "getpolicy"}, []string{"getpolicy has no do, only dump"}},
		{"unknown field", []string{"ynl", "rt_link", "do", "getlink", "--json", `{"ifnam":"lo"}`},
			[]string{`the request has no field "ifnam"`, "ifname", "ifi-index", "mtu"}},
		{"unknown field in a nest", []string{"ynl", "ethtool", "do", "features-get", "--json", `{"header":{"dev-nam":"veth0"}}`},
			[]string{`header has no field "dev-nam"; its fields: dev-index, dev-name, flags, phy-index`}},
		{"unknown field in a list", []string{"ynl", "rt_link", "do", "setlink", "--json", `{"prop-list":{"alt-ifname":["a"]},"vfinfo-list":{"info":[{"mac":null},{"bogus":1}]}}`},
			[]string{`vfinfo-list.info[1] has no field "bogus"`}},
		{"wrong type", []string{"ynl", "rt_link", "do", "getlink", "--json", `{"ifname":5}`}, []string{"-json for getlink", "ifname"}},
		{"not JSON", []string{"ynl", "rt_link", "do", "getlink", "--json", `{ifname}`}, []string{"-json for getlink", "invalid character"}},
		{"unknown enum name", []string{"ynl", "rt_link", "do", "getlink", "--json", `{"ifi-flags":"up|sideways"}`}, []string{"-json for getlink", "sideways"}},
		{"unknown group", []string{"ynl", "rt_link", "monitor", "rtnlgrp-bogus"}, []string{`no multicast group "rtnlgrp-bogus"`, "rtnlgrp-link, rtnlgrp-stats"}},
		{"unknown action", []string{"ynl", "rt_link", "frob", "getlink"}, []string{`unknown action "frob"`}},
		{"do without an operation", []string{"ynl", "rt_link", "do"}, []string{"needs one operation"}},
		{"monitor without a group", []string{"ynl", "rt_link", "monitor"}, []string{"needs a multicast GROUP"}},
		{"request without an operation", []string{"ynl", "rt_link", "--json", `{}`}, []string{"-json is the request of a do or a dump"}},
		{"operation without a family", []string{"ynl", "--dump", "getlink"}, []string{"needs a FAMILY"}},
		{"do and dump", []string{"ynl", "rt_link", "--do", "getlink", "--dump", "getlink"}, []string{"only one of -do, -dump and -subscribe"}},
		{"extra arguments", []string{"ynl", "rt_link", "dump", "getlink", "more"}, []string{"needs one operation"}},
		{"header flags without a request", []string{"ynl", "rt_link", "monitor", "rtnlgrp-link", "-create"}, []string{"-create, -excl, -replace and -append are flags of a do's or a dump's request"}},
		{"negative count", []string{"ynl", "rt_link", "monitor", "rtnlgrp-link", "-count", "-1"}, []string{"-count -1"}},
		{"json without a value", []string{"ynl", "rt_link", "dump", "getlink", "-json"}, []string{"flag needs an argument: -json", "in ynl, -json takes the request", "nl -json ynl"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stdout, stderr, code := runFake(context.Background(), fams, tt.args...)
			if code != 2 {
				t.Errorf("exit status %d, want 2; stderr:\n%s", code, stderr)
			}
			for _, want := range append(tt.stderr, "nl -h") {
				if !strings.Contains(stderr, want) {
					t.Errorf("stderr %q does not mention %q", stderr, want)
				}
			}
			if stdout != "" {
				t.Errorf("stdout %q, want nothing", stdout)
			}
		})
	}
}

// nl ynl lists every family under each of its names; nl ynl FAMILY lists
// its operations, each with its do and dump, and its groups, as the
// descriptor has them.
func TestYNLList(t *testing.T) {
	fams := typedFamilies()
	stdout, stderr, code := runFake(context.Background(), fams, "ynl")
	if code != 0 {
		t.Fatalf("exit status %d, stderr:\n%s", code, stderr)
	}
	for _, want := range []string{"rt-link  ", "rt_link.yaml", "family/rtlink", "mptcp_pm.yaml", "family/mptcppm", "genetlink-legacy", "rtnlgrp-link rtnlgrp-stats"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("nl ynl does not show %q:\n%s", want, stdout)
		}
	}
	if n := strings.Count(stdout, "\n"); n != len(fams)+1 {
		t.Errorf("nl ynl printed %d lines, want a heading and %d families:\n%s", n, len(fams), stdout)
	}

	stdout, _, _ = runFake(context.Background(), fams, "-json", "ynl")
	var views []typedFamilyView
	if err := json.Unmarshal([]byte(stdout), &views); err != nil {
		t.Fatalf("nl -json ynl: %v\n%s", err, stdout)
	}
	var names []string
	for _, v := range views {
		names = append(names, v.Name)
	}
	if diff := cmp.Diff([]string{"rt-link", "rt-addr", "rt-route", "nlctrl", "netdev", "ethtool", "mptcp_pm", "tcp_metrics"}, names); diff != "" {
		t.Errorf("nl -json ynl: families (-want +got):\n%s", diff)
	}

	for _, f := range fams {
		names := []string{f.Name, specFile(f), strings.ReplaceAll(f.Name, "-", "_"), canonicalFamily(f.Name), strings.ToUpper(f.Name)}
		slices.Sort(names)
		for _, name := range slices.Compact(names) {
			t.Run(f.Name+"/"+name, func(t *testing.T) {
				stdout, stderr, code := runFake(context.Background(), fams, "-json", "ynl", name)
				if code != 0 {
					t.Fatalf("exit status %d, stderr:\n%s", code, stderr)
				}
				var got typedFamilyView
				if err := json.Unmarshal([]byte(stdout), &got); err != nil {
					t.Fatalf("%v\n%s", err, stdout)
				}
				want := typedFamilyView{Name: f.Name, Spec: specFile(f), Package: "family/" + canonicalFamily(f.Name),
					Protocol: f.Protocol, Groups: append([]string{}, f.Groups...)}
				for _, op := range f.Operations {
					want.Operations = append(want.Operations, opView{op.Name, op.Do != nil, op.Dump != nil})
				}
				if diff := cmp.Diff(want, got); diff != "" {
					t.Errorf("nl -json ynl %s (-want +got):\n%s", name, diff)
				}
			})
		}
	}

	stdout, _, _ = runFake(context.Background(), fams, "ynl", "rt_link")
	want := `family rt-link: spec rt_link.yaml, package family/rtlink, protocol netlink-raw
multicast groups: rtnlgrp-link rtnlgrp-stats

OPERATION  DO   DUMP
newlink    yes  -
dellink    yes  -
getlink    yes  yes
setlink    yes  -
getstats   yes  yes
`
	if diff := cmp.Diff(want, stdout); diff != "" {
		t.Errorf("nl ynl rt_link (-want +got):\n%s", diff)
	}
}

// nl ynl rt_link monitor prints the notifications of its groups, one per
// line as {"name", "msg"}, until -count of them; interrupted, it ends
// with status 0.
func TestYNLMonitor(t *testing.T) {
	f := newFakeRoute(t)
	fams := []family.Family{f.family()}
	links := fakeLinks()
	type result struct {
		stdout, stderr string
		code           int
	}
	done := make(chan result, 1)
	go func() {
		stdout, stderr, code := runFake(context.Background(), fams, "ynl", "rt_link", "--subscribe", "rtnlgrp-link", "-count", "2")
		done <- result{stdout, stderr, code}
	}()
	var msgs []netlink.Message
	for i, l := range links {
		b, err := l.AppendBinary(nil)
		if err != nil {
			t.Fatal(err)
		}
		msgs = append(msgs, netlink.Message{Header: netlink.Header{Type: netlink.HeaderType(16 + i)}, Data: b}) // RTM_NEWLINK, RTM_DELLINK
	}
	// Broadcast until the monitor has joined the group.
	for errors.Is(f.k.Broadcast(rtlink.ProtocolNumber, rtlink.GroupRtnlgrpLink, msgs...), syscall.ESRCH) {
		time.Sleep(time.Millisecond)
	}
	r := <-done
	if r.code != 0 {
		t.Fatalf("exit status %d, stderr:\n%s", r.code, r.stderr)
	}
	want := jsonLine(t, ynlNotification{"newlink", links[0]}) + jsonLine(t, ynlNotification{"dellink", links[1]})
	if diff := cmp.Diff(want, r.stdout); diff != "" {
		t.Errorf("output (-want +got):\n%s", diff)
	}

	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(10*time.Millisecond, cancel)
	if _, stderr, code := runFake(ctx, fams, "ynl", "rt_link", "monitor", "rtnlgrp-link"); code != 0 {
		t.Errorf("interrupted monitor: exit status %d, stderr:\n%s", code, stderr)
	}
}

// -trace names rt-link's attributes as the spec does, and -pcap writes
// the datagrams, on the fake as on the kernel.
func TestYNLTraceAndCapture(t *testing.T) {
	f := newFakeRoute(t)
	pcap := filepath.Join(t.TempDir(), "ynl.pcap")
	_, stderr, code := runFake(context.Background(), []family.Family{f.family()}, "ynl", "rt_link", "dump", "getlink", "-trace", "-pcap", pcap)
	if code != 0 {
		t.Fatalf("exit status %d, stderr:\n%s", code, stderr)
	}
	for _, want := range []string{"type=RTM_GETLINK flags=request|dump", "type=RTM_NEWLINK", "attrs.ifname=veth0", "attrs.linkinfo.kind=veth", "attrs.operstate=up"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("the trace does not contain %q:\n%s", want, stderr)
		}
	}
	file, err := os.Open(pcap)
	if err != nil {
		t.Fatal(err)
	}
	defer file.Close()
	r, err := nlpcap.NewReader(file)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for {
		if _, err := r.Next(); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		n++
	}
	if n < 2 {
		t.Errorf("the capture holds %d datagrams, want the request and the replies", n)
	}
}
