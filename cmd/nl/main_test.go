package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"runtime"
	"strings"
	"syscall"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/nlgo/netlink"
)

func TestParseArgs(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want options
	}{
		{"no arguments", nil, options{cmd: "summary", hdr: -1}},
		{"json", []string{"-json"}, options{cmd: "summary", json: true, hdr: -1}},
		{"explicit summary", []string{"summary", "-json"}, options{cmd: "summary", json: true, hdr: -1}},
		{"help", []string{"help"}, options{cmd: "help", hdr: -1}},
		{"monitor", []string{"monitor"}, options{cmd: "monitor", hdr: -1}},
		{"monitor count", []string{"-netns", "x", "monitor", "-count", "3", "-json"},
			options{cmd: "monitor", nsName: "x", json: true, count: 3, hdr: -1}},
		{"dump", []string{"dump", "route", "getlink"},
			options{cmd: "dump", args: []string{"route", "getlink"}, hdr: -1}},
		{"dump flags anywhere", []string{"-json", "dump", "route", "-hdr", "4", "getnsid"},
			options{cmd: "dump", args: []string{"route", "getnsid"}, json: true, hdr: 4}},
		{"dump after --", []string{"dump", "--", "route", "-1"},
			options{cmd: "dump", args: []string{"route", "-1"}, hdr: -1}},
		{"genl", []string{"genl", "-json", "ethtool"},
			options{cmd: "genl", args: []string{"ethtool"}, json: true, hdr: -1}},
		{"pcap and trace", []string{"-pcap", "nl.pcap", "monitor", "-trace"},
			options{cmd: "monitor", pcap: "nl.pcap", trace: true, hdr: -1}},
		{"ynl", []string{"ynl"}, options{cmd: "ynl", hdr: -1}},
		{"ynl family", []string{"-json", "ynl", "rt_link"}, options{cmd: "ynl", json: true, hdr: -1, ynl: ynlCommand{family: "rt_link"}}},
		{"ynl dump", []string{"ynl", "rt_link", "dump", "getlink", "-trace"},
			options{cmd: "ynl", trace: true, hdr: -1, ynl: ynlCommand{family: "rt_link", action: "dump", op: "getlink"}}},
		{"ynl do with a request", []string{"ynl", "-netns", "x", "ethtool", "do", "features-get", "--json", `{"header":{}}`},
			options{cmd: "ynl", nsName: "x", hdr: -1, ynl: ynlCommand{family: "ethtool", action: "do", op: "features-get", json: `{"header":{}}`}}},
		{"ynl's own flags", []string{"ynl", "--family", "netdev", "--dump", "dev-get", "-pcap", "f"},
			options{cmd: "ynl", pcap: "f", hdr: -1, ynl: ynlCommand{family: "netdev", action: "dump", op: "dev-get"}}},
		{"ynl header flags", []string{"ynl", "rt_link", "do", "newlink", "-create", "--excl", "-replace", "-append"},
			options{cmd: "ynl", hdr: -1, ynl: ynlCommand{family: "rt_link", action: "do", op: "newlink",
				flags: netlink.Create | netlink.Excl | netlink.Replace | netlink.Append}}},
		{"ynl monitor", []string{"ynl", "rt_link", "monitor", "rtnlgrp-link", "rtnlgrp-stats", "-count", "2"},
			options{cmd: "ynl", count: 2, hdr: -1, ynl: ynlCommand{family: "rt_link", action: "monitor", groups: []string{"rtnlgrp-link", "rtnlgrp-stats"}}}},
		{"ynl subscribe", []string{"ynl", "-family", "rt_link", "-subscribe", "rtnlgrp-link", "-subscribe", "rtnlgrp-stats"},
			options{cmd: "ynl", hdr: -1, ynl: ynlCommand{family: "rt_link", action: "monitor", groups: []string{"rtnlgrp-link", "rtnlgrp-stats"}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseArgs(tt.args)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got, cmp.AllowUnexported(options{}, dialer{}, ynlCommand{})); diff != "" {
				t.Errorf("parseArgs(%q) (-want +got):\n%s", tt.args, diff)
			}
		})
	}
}

func TestRunUsageErrors(t *testing.T) {
	tests := []struct {
		name   string
		args   []string
		stderr string // a part of the message
	}{
		{"unknown command", []string{"frobnicate"}, `unknown command "frobnicate"`},
		{"unknown flag", []string{"-verbose"}, "-verbose"},
		{"flag of another command", []string{"-count", "1"}, "-count"},
		{"count not a number", []string{"monitor", "-count", "many"}, "-count"},
		{"negative count", []string{"monitor", "-count", "-1"}, "-count -1"},
		{"monitor argument", []string{"monitor", "now"}, "no arguments"},
		{"summary argument", []string{"summary", "x"}, "no arguments"},
		{"dump without type", []string{"dump", "route"}, "FAMILY and a TYPE"},
		{"dump extra argument", []string{"dump", "route", "getlink", "x"}, "FAMILY and a TYPE"},
		{"genl without family", []string{"genl"}, "family NAME"},
		{"genl two families", []string{"genl", "a", "b"}, "family NAME"},
		{"header too large", []string{"dump", "-hdr", "70000", "route", "getlink"}, "-hdr 70000"},
		{"unknown family", []string{"dump", "bogus", "getlink"}, `unknown netlink family "bogus"`},
		{"family out of range", []string{"dump", "99", "1"}, "out of range"},
		{"unknown type", []string{"dump", "route", "getbogus"}, `unknown message type "getbogus"`},
		{"named type of unnamed family", []string{"dump", "audit", "list"}, "give a number"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr strings.Builder
			if code := run(context.Background(), tt.args, &stdout, &stderr); code != 2 {
				t.Errorf("run(%q) = %d, want 2; stderr:\n%s", tt.args, code, &stderr)
			}
			if !strings.Contains(stderr.String(), tt.stderr) || !strings.Contains(stderr.String(), "nl -h") {
				t.Errorf("run(%q) printed %q, want it to mention %q and nl -h", tt.args, &stderr, tt.stderr)
			}
			if stdout.Len() != 0 {
				t.Errorf("run(%q) printed %q on stdout, want nothing", tt.args, &stdout)
			}
		})
	}
}

func TestRunHelp(t *testing.T) {
	for _, args := range [][]string{{"-h"}, {"-help"}, {"help"}, {"monitor", "-h"}, {"dump", "-h"}, {"genl", "-h"}, {"ynl", "-h"}} {
		var stdout, stderr strings.Builder
		if code := run(context.Background(), args, &stdout, &stderr); code != 0 {
			t.Errorf("run(%q) = %d, want 0; stderr:\n%s", args, code, &stderr)
		}
		for _, cmd := range []string{"monitor", "dump", "genl", "ynl", "-json", "-count", "-hdr", "-netns", "-pcap", "-trace", "-family", "-do", "-dump", "-subscribe", "-create", "-excl", "-replace", "-append"} {
			if !strings.Contains(stdout.String(), cmd) {
				t.Errorf("run(%q): the help does not mention %s", args, cmd)
			}
		}
	}
}

func TestReport(t *testing.T) {
	notLinux := "nl: not supported on this platform"
	if runtime.GOOS == "linux" {
		notLinux = "nl: netlink: dial: not supported"
	}
	tests := []struct {
		name   string
		err    error
		code   int
		stderr string // the start of the message
	}{
		{"success", nil, 0, ""},
		{"usage", usagef("bad"), 2, "nl: bad\nRun 'nl -h' for usage.\n"},
		{"not supported", &netlink.OpError{Op: "dial", Err: netlink.ErrNotSupported}, 1, notLinux},
		{"permission", &netlink.OpError{Op: "join group", Err: os.NewSyscallError("setsockopt", syscall.EPERM)}, 1,
			"nl: netlink: join group: setsockopt: operation not permitted\nnl: permission denied: try as root"},
		{"no such family", fmt.Errorf("family 31: %w", syscall.EPROTONOSUPPORT), 1,
			"nl: family 31: protocol not supported\nnl: this kernel has no such netlink family"},
		{"interrupted", &netlink.OpError{Op: "execute", Err: context.Canceled}, 1, "nl: interrupted\n"},
		{"other", errors.New("boom"), 1, "nl: boom\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b strings.Builder
			if code := report(&b, tt.err); code != tt.code {
				t.Errorf("report(%v) = %d, want %d", tt.err, code, tt.code)
			}
			if !strings.HasPrefix(b.String(), tt.stderr) {
				t.Errorf("report(%v) printed %q, want it to start with %q", tt.err, &b, tt.stderr)
			}
		})
	}
}
