// Command vmtest runs the integration tests inside a throwaway Linux VM, next
// to the nlgo_test kernel module (internal/kmod).
//
// Usage (as root, on a Debian or Debian-like machine):
//
//	go run ./internal/vmtest [flags] [-- test binary flags]
//
// It installs what is missing with apt-get (qemu, static busybox, a compiler,
// the headers of Debian's current kernel), fetches that kernel's image without
// installing it, builds the module against the headers, builds the test
// binaries of the given packages with `go test -c -tags vmtest`, packs them
// into an initramfs and boots it under qemu. Inside, init loads the module,
// runs the kernel-module integration tests (-run, default ^TestIntegrationKmod;
// the host-kernel TestIntegration* tests need tools the VM lacks) of every test
// binary as root and then as the unprivileged user nobody (uid 65534),
// reloads the module with each of the extra protocol numbers to run the
// -extra-run tests again, unloads it, prints a result marker and powers off.
// The VM's console is streamed to stdout as it comes.
//
// The example programs (./examples/...) are built too and put in the VM's
// /examples, where TestIntegrationKmodExamples runs them.
//
// The test binaries see NLGO_VM=1, NLGO_STRICT=1 (skips fail, see
// internal/testenv), NLGO_KMOD_PROTO=<protocol>, NLGO_KMOD_PATH=/nlgo_test.ko
// (the module, which a test running as root may reload: see kmod.Reload; it
// must leave the module loaded with the same protocol),
// NLGO_VM_EXAMPLES=/examples and, in the unprivileged run,
// NLGO_VM_UNPRIVILEGED=1.
//
// The exit status is 0 only if every test binary passed, the module loaded
// and unloaded, the kernel logged no oops, warning or panic, and the VM
// finished within -timeout. Downloads and builds are cached under -cache, so
// warm runs only rebuild the test binaries and boot the VM.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"
)

// config holds the command line.
type config struct {
	pkgs        []string
	run         string
	accel       string
	timeout     time.Duration
	testTimeout time.Duration
	cacheDir    string
	mem         string
	smp         int
	proto       int
	extraProtos []int
	extraRun    string
	unpriv      bool
	update      bool
	kernel      string
	headers     string
	keep        bool
	testArgs    []string
}

func parseFlags(args []string, stderr io.Writer) (*config, error) {
	fs := flag.NewFlagSet("vmtest", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: go run ./internal/vmtest [flags] [-- test binary flags]\n\n"+
			"Boots a qemu VM with the nlgo_test kernel module and runs the packages'\n"+
			"vmtest-tagged tests in it, as root and as an unprivileged user.\n\nFlags:\n")
		fs.PrintDefaults()
	}
	c := &config{}
	pkgs := fs.String("pkgs", ".,./internal/kmod,./genetlink", "comma-separated `packages` whose tests (built with -tags vmtest) run in the VM")
	fs.StringVar(&c.run, "run", "^TestIntegrationKmod", "run only tests matching `regexp` (-test.run); empty runs every test, unit tests too")
	fs.StringVar(&c.accel, "accel", "tcg", "qemu accelerator: tcg, or kvm where /dev/kvm works")
	fs.DurationVar(&c.timeout, "timeout", 8*time.Minute, "limit for the whole VM run; exceeding it fails")
	fs.DurationVar(&c.testTimeout, "test-timeout", 4*time.Minute, "-test.timeout for each test binary run")
	fs.StringVar(&c.cacheDir, "cache", "/var/cache/nlgo-vmtest", "`dir` for the kernel image and module builds")
	fs.StringVar(&c.mem, "mem", "1G", "VM memory (qemu -m)")
	fs.IntVar(&c.smp, "smp", 2, "VM CPUs (qemu -smp)")
	fs.IntVar(&c.proto, "proto", 28, "netlink protocol number for the module (insmod proto=N)")
	extra := fs.String("extra-protos", "17", "comma-separated protocol numbers to reload the module with and rerun -extra-run tests as root (empty: none)")
	fs.StringVar(&c.extraRun, "extra-run", "^TestIntegrationKmod", "`regexp` of the tests rerun as root with each extra protocol")
	fs.BoolVar(&c.unpriv, "unprivileged", true, "also run every test binary as the unprivileged user nobody")
	fs.BoolVar(&c.update, "update", false, "run apt-get update even if nothing is missing (picks up a newer kernel)")
	fs.StringVar(&c.kernel, "kernel", "", "boot this kernel `image` instead of Debian's current one (needs -headers)")
	fs.StringVar(&c.headers, "headers", "", "build the module against this kernel headers `dir` (with -kernel)")
	fs.BoolVar(&c.keep, "keep", false, "keep the work directory (initramfs, test binaries) and print its path")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	c.testArgs = fs.Args()
	for _, p := range strings.Split(*pkgs, ",") {
		if p = strings.TrimSpace(p); p != "" {
			c.pkgs = append(c.pkgs, p)
		}
	}
	if len(c.pkgs) == 0 {
		return nil, errors.New("-pkgs names no package")
	}
	for _, s := range strings.Split(*extra, ",") {
		if s = strings.TrimSpace(s); s == "" {
			continue
		}
		n, err := strconv.Atoi(s)
		if err != nil || n <= 0 || n >= 32 {
			return nil, fmt.Errorf("-extra-protos: bad protocol %q (want 1..31)", s)
		}
		c.extraProtos = append(c.extraProtos, n)
	}
	if c.proto <= 0 || c.proto >= 32 {
		return nil, fmt.Errorf("-proto %d: want 1..31", c.proto)
	}
	if (c.kernel == "") != (c.headers == "") {
		return nil, errors.New("-kernel and -headers go together")
	}
	if c.accel != "tcg" && c.accel != "kvm" {
		return nil, fmt.Errorf("-accel %q: want tcg or kvm", c.accel)
	}
	return c, nil
}

func main() {
	c, err := parseFlags(os.Args[1:], os.Stderr)
	if errors.Is(err, flag.ErrHelp) {
		os.Exit(0)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "vmtest:", err)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	res, err := run(ctx, c, os.Stdout)
	if err != nil {
		fmt.Fprintln(os.Stderr, "vmtest: FAIL:", err)
		os.Exit(1)
	}
	if !res.ok() {
		os.Exit(1)
	}
}

// run prepares everything, boots the VM and reports what happened.
func run(ctx context.Context, c *config, out io.Writer) (*result, error) {
	if runtime.GOOS != "linux" || runtime.GOARCH != "amd64" {
		return nil, fmt.Errorf("needs linux/amd64, running on %s/%s", runtime.GOOS, runtime.GOARCH)
	}
	start := time.Now()
	logf := func(format string, args ...any) {
		fmt.Fprintf(out, "vmtest: [%5.1fs] %s\n", time.Since(start).Seconds(), fmt.Sprintf(format, args...))
	}
	root, err := repoRoot(ctx)
	if err != nil {
		return nil, err
	}
	host := &hostSetup{cacheDir: c.cacheDir, update: c.update, logf: logf, out: out}
	kern, err := host.prepare(ctx, c.kernel, c.headers)
	if err != nil {
		return nil, err
	}
	logf("kernel %s, headers %s", kern.image, kern.headers)
	ko, err := host.buildModule(ctx, filepath.Join(root, "internal", "kmod"), kern)
	if err != nil {
		return nil, err
	}
	logf("module %s", ko)
	work, err := os.MkdirTemp("", "nlgo-vmtest-")
	if err != nil {
		return nil, err
	}
	if c.keep {
		logf("keeping work directory %s", work)
	} else {
		defer os.RemoveAll(work)
	}
	bins, err := buildTests(ctx, root, c.pkgs, work, logf)
	if err != nil {
		return nil, err
	}
	if len(bins) == 0 {
		return nil, fmt.Errorf("none of the packages %v has vmtest tests", c.pkgs)
	}
	initrd := filepath.Join(work, "initrd.gz")
	examples, err := buildExamples(ctx, root, work, logf)
	if err != nil {
		return nil, err
	}
	if err := writeInitramfs(initrd, host.busybox, ko, bins, examples, initScript(c, bins, examples)); err != nil {
		return nil, err
	}
	logf("initramfs %s, booting (accel %s, timeout %s)", initrd, c.accel, c.timeout)
	res := bootVM(ctx, c, kern.image, initrd, out)
	res.summary(out, time.Since(start))
	return res, nil
}
