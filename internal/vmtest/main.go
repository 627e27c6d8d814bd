// Command vmtest runs the integration tests inside throwaway Linux VMs, one
// for each kernel of a matrix, next to the nlgo_test kernel module
// (internal/kmod).
//
// Usage (as root, on a Debian or Debian-like machine):
//
//	go run ./internal/vmtest [flags] [-- test binary flags]
//
// The matrix is Debian's three kernel lines: 5.10 (bullseye), 6.1 (bookworm)
// and 6.12 (bookworm-backports); -kernels selects some. It installs what is
// missing on the host with apt-get (qemu, static busybox, gcc, make,
// iproute2, xz), builds the test binaries of the given packages once with
// `go test -c -tags vmtest`, and then for each kernel in turn: fetches the
// line's current kernel image, headers and kbuild tools with an apt of its
// own under -cache (its own sources and lists, no status file: it downloads
// and unpacks, and never installs or upgrades anything on the host), builds
// the module against those headers with the gcc the kernel was built with,
// or the machine's when it lacks that one (5.10 was built with gcc-10;
// Debian 12's gcc-12 builds it without a warning), packs an initramfs with
// the module, the kernel's veth module, iproute2's ip and genl and their
// libraries, and boots it under qemu, once no other qemu runs on the machine.
//
// Inside, init loads veth, runs the host-kernel integration suite (-host-run,
// default every TestIntegration* test but the -host-skip ones, on the
// -host-kernels) of every test binary as root and then as the unprivileged
// user nobody (uid 65534), loads the module, runs the kernel-module tests
// (-run, default ^TestIntegrationKmod) the same way, reloads the module with
// each of the extra protocol numbers to run the -extra-run tests again,
// unloads it, prints a result marker and powers off. The VM's console is
// streamed to stdout as it comes.
//
// Tests that need a newer kernel than the VM's say so through
// internal/testenv (HasFeature, RequireFeature, Lacks, Found), whose marker
// lines the runner collects: each kernel line's table (matrix.go) lists the
// features it lacks, and a test finding one of the others missing, or one of
// those present, fails the run. At the end the runner prints one line per
// kernel (release, verdict, passed, failed, skipped, VM time) and a Markdown
// table of the features each kernel had, as the README carries it.
//
// The example programs (./examples/...) are built too and put in the VM's
// /examples, where TestIntegrationKmodExamples runs them.
//
// The test binaries see NLGO_VM=1, NLGO_STRICT=1 (skips fail, see
// internal/testenv), NLGO_KMOD_PROTO=<protocol>, NLGO_KMOD_PATH=/nlgo_test.ko
// (the module, which a test running as root may reload: see kmod.Reload; it
// must leave the module loaded with the same protocol),
// NLGO_VM_EXAMPLES=/examples and, in the unprivileged run,
// NLGO_VM_UNPRIVILEGED=1. The host-kernel suite runs without the NLGO_KMOD_
// variables, before the module is loaded.
//
// The exit status is 0 only if, on every kernel, every test binary passed,
// the modules loaded and unloaded, the kernel logged no oops, warning or
// panic, the features met agree with the table, and the VM finished within
// -timeout. Downloads and builds are cached under -cache, so warm runs only
// rebuild the test binaries and boot the VMs. -kernel and -headers boot one
// kernel of your own instead (without veth, unless it is built in).
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
	"slices"
	"strconv"
	"strings"
	"time"
)

// defaultHostSkip leaves out of the host-kernel suite in the VM the module
// tests (they run after it, with the module loaded) and the tests that the
// VM cannot run as they are written: TestIntegrationCaptureTshark and
// cmd/nl's TestIntegrationYNLCaptureAndTrace need tshark, which the
// initramfs does not carry, and TestIntegrationReadSideStress holds each
// of 64 goroutines' requests to 5 seconds, which under TCG some miss on
// every kernel (69 of 4,457 on 5.10, 71 of 18,948 on 6.1, 3 of 65,235 on
// 6.12). All three run on the host.
const defaultHostSkip = "^TestIntegration(Kmod|CaptureTshark$|YNLCaptureAndTrace$|ReadSideStress$)"

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
	kernels     []*kernelLine
	hostRun     string
	hostSkip    string
	hostKernels []string
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
	pkgs := fs.String("pkgs", ".,./internal/kmod,./genetlink,./cmd/nl", "comma-separated `packages` whose tests (built with -tags vmtest) run in the VM")
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
	kernels := fs.String("kernels", "5.10,6.1,6.12", "comma-separated kernel `lines` of the matrix to boot, each Debian's current kernel of that line")
	fs.StringVar(&c.hostRun, "host-run", "^TestIntegration", "`regexp` of the host-kernel integration suite, run before the module loads (empty: none)")
	fs.StringVar(&c.hostSkip, "host-skip", defaultHostSkip, "`regexp` of the tests the host-kernel suite leaves out (-test.skip)")
	hostKernels := fs.String("host-kernels", "5.10,6.1,6.12", "comma-separated kernel `lines` that run the host-kernel suite too")
	fs.StringVar(&c.kernel, "kernel", "", "boot this kernel `image` instead of the matrix (needs -headers)")
	fs.StringVar(&c.headers, "headers", "", "build the module against this kernel headers `dir` (with -kernel)")
	fs.BoolVar(&c.keep, "keep", false, "keep the work directory (initramfs, test binaries) and print its path")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	c.testArgs = fs.Args()
	c.pkgs = splitList(*pkgs)
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
	if c.kernel == "" {
		lines, err := selectLines(splitList(*kernels))
		if err != nil {
			return nil, err
		}
		if len(lines) == 0 {
			return nil, errors.New("-kernels names no kernel line")
		}
		c.kernels = lines
	}
	c.hostKernels = splitList(*hostKernels)
	if _, err := selectLines(c.hostKernels); err != nil {
		return nil, fmt.Errorf("-host-kernels: %w", err)
	}
	if c.accel != "tcg" && c.accel != "kvm" {
		return nil, fmt.Errorf("-accel %q: want tcg or kvm", c.accel)
	}
	return c, nil
}

// splitList splits a comma-separated flag, dropping empty items.
func splitList(s string) []string {
	var items []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			items = append(items, p)
		}
	}
	return items
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
	ok, err := run(ctx, c, os.Stdout)
	if err != nil {
		fmt.Fprintln(os.Stderr, "vmtest: FAIL:", err)
		os.Exit(1)
	}
	if !ok {
		os.Exit(1)
	}
}

// run builds the tests once, then boots each kernel of the matrix (or the
// -kernel) in turn with them and reports what happened: a summary for
// each, then one line per kernel and the features table.
func run(ctx context.Context, c *config, out io.Writer) (ok bool, err error) {
	if runtime.GOOS != "linux" || runtime.GOARCH != "amd64" {
		return false, fmt.Errorf("needs linux/amd64, running on %s/%s", runtime.GOOS, runtime.GOARCH)
	}
	start := time.Now()
	logf := func(format string, args ...any) {
		fmt.Fprintf(out, "vmtest: [%5.1fs] %s\n", time.Since(start).Seconds(), fmt.Sprintf(format, args...))
	}
	root, err := repoRoot(ctx)
	if err != nil {
		return false, err
	}
	host := &hostSetup{cacheDir: c.cacheDir, update: c.update, logf: logf, out: out}
	if err := host.ensureTools(ctx); err != nil {
		return false, err
	}
	work, err := os.MkdirTemp("", "nlgo-vmtest-")
	if err != nil {
		return false, err
	}
	if c.keep {
		logf("keeping work directory %s", work)
	} else {
		defer os.RemoveAll(work)
	}
	bins, err := buildTests(ctx, root, c.pkgs, work, logf)
	if err != nil {
		return false, err
	}
	if len(bins) == 0 {
		return false, fmt.Errorf("none of the packages %v has vmtest tests", c.pkgs)
	}
	examples, err := buildExamples(ctx, root, work, logf)
	if err != nil {
		return false, err
	}
	if c.kernel != "" {
		res, err := bootKernel(ctx, c, nil, host, root, work, bins, examples, logf, out)
		if err != nil {
			return false, err
		}
		res.summary(out, time.Since(start))
		return res.ok(), nil
	}
	var results []lineResult
	ok = true
	for _, line := range c.kernels {
		lc := *c
		if !slices.Contains(c.hostKernels, line.name) {
			lc.hostRun = ""
		}
		logf("kernel line %s (%s)", line.name, strings.Join(line.suites, ", "))
		lineStart := time.Now()
		res, err := bootKernel(ctx, &lc, line, host, root, work, bins, examples, logf, out)
		lr := lineResult{line: line, res: res, err: err}
		if err == nil {
			lr.release = res.release
			res.problems = append(res.problems, res.features.check(line)...)
			res.summary(out, time.Since(lineStart))
		}
		ok = ok && err == nil && res.ok()
		results = append(results, lr)
		if ctx.Err() != nil {
			break
		}
	}
	printMatrix(out, results)
	logf("matrix done: %s", map[bool]string{true: "PASS", false: "FAIL"}[ok])
	return ok, nil
}

// bootKernel prepares line's kernel (or the -kernel), builds the module
// for it, packs the initramfs and boots it, once no other VM runs.
func bootKernel(ctx context.Context, c *config, line *kernelLine, host *hostSetup, root, work string, bins, examples []testBinary, logf func(string, ...any), out io.Writer) (*result, error) {
	kern, err := host.prepare(ctx, line, c.kernel, c.headers)
	if err != nil {
		return nil, err
	}
	logf("kernel %s, headers %s", kern.image, kern.headers)
	ko, err := host.buildModule(ctx, filepath.Join(root, "internal", "kmod"), kern)
	if err != nil {
		return nil, err
	}
	logf("module %s", ko)
	extra, err := vmFiles(kern)
	if err != nil {
		return nil, err
	}
	initrd := filepath.Join(work, "initrd.gz")
	if err := writeInitramfs(initrd, host.busybox, ko, bins, examples, extra, initScript(c, bins, examples)); err != nil {
		return nil, err
	}
	if err := waitForOtherVMs(ctx, logf); err != nil {
		return nil, err
	}
	logf("initramfs %s, booting (accel %s, timeout %s)", initrd, c.accel, c.timeout)
	return bootVM(ctx, c, kern.image, initrd, out), nil
}
