// Command nl shows github.com/nlgo/netlink talking to the Linux kernel.
//
// Run without arguments, it lists the network links with their addresses
// (rtnetlink) and the generic netlink families with their multicast groups;
// it needs no privileges. The monitor command prints link, address and
// route changes as they happen, dump prints the replies to any dump
// request, decoded attribute by attribute, and genl prints a generic
// netlink family's operations with the policy of each. The ynl command
// drives the families generated from the kernel's YAML specs (package
// family and those under it) with requests and replies in JSON, as the
// kernel's ynl tool does. Every command can write its netlink traffic to
// a pcap file for Wireshark (-pcap) and trace it, decoded, on standard
// error (-trace). Run nl -h for the details.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"runtime"
	"strings"
	"syscall"

	"github.com/nlgo/netlink"
	"github.com/nlgo/netlink/family"
	"github.com/nlgo/netlink/nldecode"
	"github.com/nlgo/netlink/nlpcap"
	"github.com/nlgo/netlink/nltrace"
)

const usage = `nl shows the netlink library github.com/nlgo/netlink talking to the kernel.

Usage:
  nl [flags]                             links, addresses and generic netlink families
  nl [flags] monitor [-count N]          print link, address and route events until interrupted
  nl [flags] dump [-hdr N] FAMILY TYPE   send a dump request and print every reply
  nl [flags] genl NAME                   a generic netlink family's operations and their policies
  nl [flags] ynl [FAMILY]                the typed families (generated from the kernel's YAML
                                         specs), or one family's operations and multicast groups
  nl [flags] ynl FAMILY do|dump OP [-json '{...}'] [-create] [-excl] [-replace] [-append]
                                         run an operation; the request is a JSON object,
                                         its header flags NLM_F_CREATE ... as asked
  nl [flags] ynl FAMILY monitor GROUP... [-count N]
                                         print the family's notifications until interrupted
  nl help                                print this help

Flags, accepted before or after the command:
  -json        print JSON (monitor and dump: one object per line)
  -netns NAME  work in the network namespace NAME (as made by ip netns add) or at
               a path such as /proc/PID/ns/net; needs CAP_SYS_ADMIN
  -pcap FILE   write every datagram nl sends and receives to FILE, a pcap capture
               that Wireshark and tshark decode (tshark -r FILE -V)
  -trace       log every message nl sends and receives, decoded, on standard error
  -count N     monitor: exit after N events (default 0: never)
  -hdr N       dump: send a zeroed family header of N bytes (default: by TYPE)

nl ynl works as the kernel's tools/net/ynl/cli.py does, with its flags too:
nl ynl -family FAMILY (-do OP | -dump OP | -subscribe GROUP) [-json '{...}'].
FAMILY is the spec's file name (rt_link), its name (rt-link) or the Go package's
(rtlink); OP and GROUP are as the spec names them (nl ynl FAMILY lists them).
In ynl, -json takes the request; the output is always JSON, with the spec's
names: a do's reply indented (on one line after nl -json ynl ...), nothing for
an operation without a reply, a dump's entries one per line (JSON Lines), each
notification on a line as {"name": ..., "msg": {...}}.

FAMILY is a name or a number: route, generic, sock_diag, audit, xfrm, netfilter, ...
TYPE is a name or a number: for route getlink, getaddr, getroute, getneigh, getrule,
getqdisc, getclass, getfilter, getnetconf, getnsid, getnexthop; for generic getfamily.

Examples:
  nl -json
  nl monitor -count 5
  nl dump route getroute
  nl dump generic getfamily
  nl genl nlctrl
  nl -pcap nl.pcap dump route getaddr
  nl -trace genl ethtool
  nl ynl rt_link dump getlink
  nl ynl rt-link do getlink -json '{"ifname":"lo"}'
  nl ynl ethtool do features-get -json '{"header":{"dev-name":"eth0"}}'
  nl ynl --family netdev --dump dev-get
  nl ynl rt_link monitor rtnlgrp-link -count 1
  nl ynl rt_link do newlink -create -excl -json '{"ifname":"v0","linkinfo":{"kind":"veth"}}'

Exit status: 0 on success, 1 on an error, 2 on a command-line mistake.
`

func main() {
	// The first SIGINT or SIGTERM ends ctx: the monitor stops cleanly and
	// a pending request gives up. A second one kills nl as usual.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	context.AfterFunc(ctx, stop)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// options are the command line's flags and arguments.
type options struct {
	cmd    string   // "summary", "monitor", "dump", "genl" or "help"
	args   []string // the command's arguments
	json   bool
	nsName string
	pcap   string // -pcap FILE
	trace  bool
	count  int
	hdr    int             // -1: by type
	ynl    ynlCommand      // the ynl command's family, action and request
	fams   []family.Family // the families ynl drives; nil: typedFamilies()
	dialer                 // the namespace and tap, once set up
}

// A dialer dials nl's Conns: in the namespace of -netns, with the tap of
// -pcap and -trace.
type dialer struct {
	netns int // the descriptor of -netns, once opened; 0 for nl's own namespace
	tap   netlink.Tap
}

// config is the Config of every Conn nl dials.
func (d dialer) config() *netlink.Config {
	return &netlink.Config{NetNS: d.netns, Tap: d.tap}
}

// dial dials family.
func (d dialer) dial(family int) (*netlink.Conn, error) {
	return netlink.Dial(family, d.config())
}

// run runs nl with args and returns its exit status. Ending ctx stops the
// monitor, which then exits successfully.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	o, err := parseArgs(args)
	if errors.Is(err, flag.ErrHelp) || err == nil && o.cmd == "help" {
		fmt.Fprint(stdout, usage)
		return 0
	}
	if err == nil {
		err = execute(ctx, o, stdout, stderr)
	}
	return report(stderr, err)
}

// parseArgs parses the global flags, the command, and its flags and
// arguments. Mistakes are *usageError values.
func parseArgs(args []string) (options, error) {
	o := options{cmd: "summary", hdr: -1}
	fs := o.flags("nl")
	if err := parse(fs, args); err != nil {
		return o, err
	}
	rest := fs.Args()
	if len(rest) > 0 {
		o.cmd, rest = rest[0], rest[1:]
	}
	fs = o.flags(o.cmd)
	if o.cmd == "ynl" {
		fs = o.ynlFlags()
	}
	switch o.cmd {
	case "summary", "help":
	case "monitor":
		fs.IntVar(&o.count, "count", 0, "exit after `N` events")
	case "dump":
		fs.IntVar(&o.hdr, "hdr", -1, "family header size in `bytes`")
	case "genl", "ynl":
	default:
		return o, usagef("unknown command %q", o.cmd)
	}
	var err error
	if o.args, err = parseInterspersed(fs, rest); err != nil {
		if o.cmd == "ynl" && strings.HasSuffix(err.Error(), "needs an argument: -json") {
			err = usagef("%v: in ynl, -json takes the request, a JSON object (nl -json ynl ... prints a reply on one line)", err)
		}
		return o, err
	}
	if o.cmd == "ynl" {
		err = parseYNL(&o.ynl, o.args)
		o.args = nil
		if err == nil && o.count < 0 {
			err = usagef("-count %d: must be 0 or more", o.count)
		}
		return o, err
	}
	switch {
	case o.cmd == "dump" && len(o.args) != 2:
		return o, usagef("dump needs a FAMILY and a TYPE, as in: nl dump route getlink")
	case o.cmd == "genl" && len(o.args) != 1:
		return o, usagef("genl needs a family NAME, as in: nl genl nlctrl")
	case o.cmd != "dump" && o.cmd != "genl" && len(o.args) != 0:
		return o, usagef("%s takes no arguments, got %q", o.cmd, o.args)
	case o.count < 0:
		return o, usagef("-count %d: must be 0 or more", o.count)
	case o.hdr < -1 || o.hdr > maxHdr:
		return o, usagef("-hdr %d: must be from 0 to %d", o.hdr, maxHdr)
	}
	return o, nil
}

// maxHdr bounds -hdr.
const maxHdr = 1<<16 - 1

// flags returns a flag set with the flags every command accepts.
func (o *options) flags(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard) // run reports errors and prints the usage itself
	fs.BoolVar(&o.json, "json", o.json, "print JSON")
	fs.StringVar(&o.nsName, "netns", o.nsName, "network namespace `name` or path")
	fs.StringVar(&o.pcap, "pcap", o.pcap, "write a pcap capture to `file`")
	fs.BoolVar(&o.trace, "trace", o.trace, "trace messages on standard error")
	return fs
}

// ynlFlags returns the flag set of nl ynl: the flags of every command,
// except that -json takes the request, as ynl's --json does, and the
// flags of ynl: -family, -do, -dump, -subscribe, -count, and the header
// flags -create, -excl, -replace and -append.
func (o *options) ynlFlags() *flag.FlagSet {
	fs := flag.NewFlagSet("ynl", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.StringVar(&o.nsName, "netns", o.nsName, "network namespace `name` or path")
	fs.StringVar(&o.pcap, "pcap", o.pcap, "write a pcap capture to `file`")
	fs.BoolVar(&o.trace, "trace", o.trace, "trace messages on standard error")
	fs.StringVar(&o.ynl.json, "json", "", "the request, a JSON `object`")
	fs.StringVar(&o.ynl.family, "family", "", "the `family`")
	fs.IntVar(&o.count, "count", 0, "monitor: exit after `N` notifications")
	fs.Func("do", "run the do of `operation`", func(s string) error { return o.ynl.setAction("do", s) })
	fs.Func("dump", "run the dump of `operation`", func(s string) error { return o.ynl.setAction("dump", s) })
	fs.Func("subscribe", "monitor the multicast `group`", func(s string) error { return o.ynl.setAction("monitor", s) })
	for _, f := range ynlHeaderFlags {
		fs.BoolFunc(f.name, "add "+f.flag.String()+" to the request", func(string) error {
			o.ynl.flags |= f.flag
			return nil
		})
	}
	return fs
}

// parse parses args with fs, turning its errors other than -h into
// usage errors.
func parse(fs *flag.FlagSet, args []string) error {
	err := fs.Parse(args)
	if err != nil && !errors.Is(err, flag.ErrHelp) {
		return &usageError{err.Error()}
	}
	return err
}

// parseInterspersed parses flags that may come before, between or after
// the positional arguments, which it returns. Arguments after "--" are
// positional.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := parse(fs, args); err != nil {
			return nil, err
		}
		used := len(args) - fs.NArg()
		dashes := used > 0 && args[used-1] == "--"
		if args = fs.Args(); len(args) == 0 || dashes {
			return append(pos, args...), nil
		}
		pos, args = append(pos, args[0]), args[1:]
	}
}

// execute runs the command o describes, tracing on stderr if asked.
func execute(ctx context.Context, o options, w, stderr io.Writer) (err error) {
	if o.nsName != "" {
		ns, err := netlink.OpenNetNS(o.nsName)
		if err != nil {
			return fmt.Errorf("network namespace: %w", err)
		}
		defer ns.Close()
		o.netns = int(ns.Fd())
	}
	var taps tee
	if o.trace {
		logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
		taps = append(taps, nltrace.New(logger, &nltrace.Options{Decoder: traceDecoder(o)}))
	}
	if o.pcap != "" {
		pw, done, err := createCapture(o.pcap)
		if err != nil {
			return err
		}
		defer func() { err = errors.Join(err, done()) }()
		taps = append(taps, pw)
	}
	o.tap = taps.tap()
	return executeCommand(ctx, o, w)
}

// executeCommand runs the command o describes, its Conns dialled by o.
func executeCommand(ctx context.Context, o options, w io.Writer) error {
	switch o.cmd {
	case "monitor":
		c, err := subscribe(o.dialer)
		if err != nil {
			return err
		}
		defer c.Close()
		m := &monitor{w: w, json: o.json, count: o.count, dialer: o.dialer}
		return m.watch(ctx, c)
	case "dump":
		p, err := parseProtocol(o.args[0])
		if err != nil {
			return err
		}
		t, err := parseDumpType(p, o.args[1])
		if err != nil {
			return err
		}
		if o.hdr >= 0 {
			t.hdrLen = o.hdr
		}
		return runDump(ctx, w, o, p, t)
	case "genl":
		return runGenl(w, o, o.args[0])
	case "ynl":
		return runYNL(ctx, w, o, o.families())
	}
	s, err := collectSummary(ctx, o.dialer)
	if err != nil {
		return err
	}
	return writeSummary(w, s, o.json)
}

// traceDecoder returns the decoder -trace decodes with: for ynl, one that
// names the attributes of the typed families as their specs do.
func traceDecoder(o options) *nldecode.Decoder {
	d := new(nldecode.Decoder)
	if o.cmd == "ynl" {
		for _, f := range o.families() {
			d.AddSchema(f)
		}
	}
	return d
}

// families returns the families ynl drives.
func (o options) families() []family.Family {
	if o.fams != nil {
		return o.fams
	}
	return typedFamilies()
}

// createCapture creates the pcap file name; done closes it and reports
// the first error writing it.
func createCapture(name string) (w *nlpcap.Writer, done func() error, err error) {
	f, err := os.Create(name)
	if err != nil {
		return nil, nil, fmt.Errorf("-pcap: %w", err)
	}
	if w, err = nlpcap.NewWriter(f, nil); err != nil {
		f.Close()
		return nil, nil, fmt.Errorf("-pcap %s: %w", name, err)
	}
	return w, func() error {
		err := errors.Join(w.Err(), f.Close())
		if err != nil {
			return fmt.Errorf("-pcap %s: %w", name, err)
		}
		return nil
	}, nil
}

// A tee is a Tap that hands every datagram to each of its taps in turn.
type tee []netlink.Tap

func (t tee) Observe(d *netlink.Datagram) {
	for _, tap := range t {
		tap.Observe(d)
	}
}

// tap returns t as one Tap: nil for none, the tap itself for one.
func (t tee) tap() netlink.Tap {
	switch len(t) {
	case 0:
		return nil
	case 1:
		return t[0]
	}
	return t
}

// report prints err, with a hint where one helps, and returns the exit
// status for it.
func report(w io.Writer, err error) int {
	var ue *usageError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &ue):
		fmt.Fprintf(w, "nl: %v\nRun 'nl -h' for usage.\n", err)
		return 2
	case errors.Is(err, context.Canceled):
		fmt.Fprintln(w, "nl: interrupted")
	case errors.Is(err, netlink.ErrNotSupported) && runtime.GOOS != "linux":
		fmt.Fprintf(w, "nl: not supported on this platform (%s): netlink exists only on Linux\n", runtime.GOOS)
	case errors.Is(err, os.ErrPermission):
		fmt.Fprintf(w, "nl: %v\nnl: permission denied: try as root (CAP_NET_ADMIN; CAP_SYS_ADMIN for -netns)\n", err)
	case errors.Is(err, syscall.EPROTONOSUPPORT):
		fmt.Fprintf(w, "nl: %v\nnl: this kernel has no such netlink family (is its module loaded?)\n", err)
	default:
		fmt.Fprintf(w, "nl: %v\n", err)
	}
	return 1
}
