package main

import (
	"bytes"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/nlgo/netlink/internal/testenv"
)

// readCpio parses a newc archive into name -> content (link target for links).
func readCpio(t *testing.T, b []byte) map[string]string {
	t.Helper()
	files := map[string]string{}
	pad := func(n int) int { return (n + 3) &^ 3 }
	for off := 0; ; {
		if len(b) < off+110 || string(b[off:off+6]) != "070701" {
			t.Fatalf("bad header at %d", off)
		}
		field := func(i int) int {
			v, err := strconv.ParseUint(string(b[off+6+8*i:off+14+8*i]), 16, 32)
			if err != nil {
				t.Fatal(err)
			}
			return int(v)
		}
		size, namesize := field(6), field(11)
		name := string(b[off+110 : off+110+namesize-1])
		off = pad(off + 110 + namesize)
		if name == "TRAILER!!!" {
			return files
		}
		files[name] = string(b[off : off+size])
		off = pad(off + size)
	}
}

func TestCpio(t *testing.T) {
	var buf bytes.Buffer
	c := &cpioWriter{w: &buf}
	c.dir("bin", 0o755)
	c.file("init", 0o755, []byte("#!/bin/sh\n"))
	c.file("odd", 0o644, []byte("abcde"))
	c.symlink("bin/sh", "busybox")
	c.char("dev/console", 0o600, 5, 1)
	if err := c.close(); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"bin": "", "init": "#!/bin/sh\n", "odd": "abcde", "bin/sh": "busybox", "dev/console": ""}
	if diff := cmp.Diff(want, readCpio(t, buf.Bytes())); diff != "" {
		t.Errorf("archive (-want +got):\n%s", diff)
	}
	if buf.Len()%4 != 0 {
		t.Errorf("archive length %d is not a multiple of 4", buf.Len())
	}
}

func TestShQuote(t *testing.T) {
	args := []string{"/tests/x.test", "-test.run=^Test(A|B)$", "it's", "$HOME", ""}
	out, err := exec.Command("sh", "-c", "for a in "+shJoin(args)+`; do printf '%s\n' "$a"; done`).Output()
	if err != nil {
		t.Skipf("no sh: %v", err)
	}
	if diff := cmp.Diff(strings.Join(args, "\n")+"\n", string(out)); diff != "" {
		t.Errorf("round trip through sh (-want +got):\n%s", diff)
	}
}

func TestBinaryName(t *testing.T) {
	for pkg, want := range map[string]string{".": "root.test", "./": "root.test", "./internal/kmod": "internal_kmod.test", "github.com/a/b": "github_com_a_b.test"} {
		if got := binaryName(pkg); got != want {
			t.Errorf("binaryName(%q) = %q, want %q", pkg, got, want)
		}
	}
}

func TestObserve(t *testing.T) {
	lines := []string{
		runMarker + "./internal/kmod as root",
		"=== RUN   TestA",
		"--- PASS: TestA (0.00s)",
		"    --- PASS: TestA/sub (0.00s)",
		"--- FAIL: TestB (0.01s)",
		"--- SKIP: TestC (0.00s)",
		"[   1.0] WARNING: CPU: 0 PID: 1 at net/netlink/af_netlink.c:2500",
		resultMarker + "FAIL some test run failed",
	}
	r := &result{}
	for i, l := range lines {
		if done := r.observe(l); done != (i == len(lines)-1) {
			t.Errorf("line %d: done = %v", i, done)
		}
	}
	if r.passed != 1 || r.failed != 1 || r.skipped != 1 || len(r.problems) != 1 || r.ok() {
		t.Errorf("result %+v", r)
	}
	if diff := cmp.Diff([]string{"TestB (./internal/kmod as root)"}, r.failures); diff != "" {
		t.Errorf("failures (-want +got):\n%s", diff)
	}
	if !(&result{verdict: "PASS"}).ok() {
		t.Error("a PASS verdict without failures is not ok")
	}
	if (&result{verdict: "PASS", problems: []string{"kernel: Kernel panic"}}).ok() {
		t.Error("a panic is ok")
	}
}

func TestParseFlags(t *testing.T) {
	var stderr bytes.Buffer
	c, err := parseFlags([]string{"-pkgs", "./a, ./b", "-extra-protos", "17,21", "--", "-test.count=2"}, &stderr)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"./a", "./b"}, c.pkgs); diff != "" {
		t.Errorf("pkgs (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]int{17, 21}, c.extraProtos); diff != "" {
		t.Errorf("extra protos (-want +got):\n%s", diff)
	}
	// Only the module tests by default: the package's host-kernel
	// TestIntegration* tests need tools (iproute2) the VM does not have.
	if c.run != "^TestIntegrationKmod" || c.extraRun != "^TestIntegrationKmod" {
		t.Errorf("-run %q, -extra-run %q: want ^TestIntegrationKmod", c.run, c.extraRun)
	}
	if c.timeout != 8*time.Minute || c.proto != 28 || len(c.testArgs) != 1 {
		t.Errorf("config %+v", c)
	}
	// The packages with vmtest-tagged tests, by default.
	d, err := parseFlags(nil, &stderr)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{".", "./internal/kmod", "./genetlink", "./cmd/nl"}, d.pkgs); diff != "" {
		t.Errorf("default -pkgs (-want +got):\n%s", diff)
	}
	for _, bad := range [][]string{{"-proto", "32"}, {"-extra-protos", "x"}, {"-kernel", "/k"}, {"-accel", "hvf"}, {"-pkgs", ","}} {
		if _, err := parseFlags(bad, &stderr); err == nil {
			t.Errorf("parseFlags(%q) accepted", bad)
		}
	}
}

func TestInitScript(t *testing.T) {
	c, err := parseFlags([]string{"-run", "Echo"}, &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	s := initScript(c, []testBinary{{pkg: "./internal/kmod", name: "internal_kmod.test"}},
		[]testBinary{{pkg: "./examples/hello", name: "hello"}})
	for _, want := range []string{"load 28\n", "load 17\n", "unload\n", "runtest './internal/kmod as nobody", "NLGO_VM_UNPRIVILEGED=1", "NLGO_VM_EXAMPLES=/examples", "NLGO_KMOD_PATH=/nlgo_test.ko", "module='/nlgo_test.ko'", "-test.run=Echo", "poweroff -f"} {
		if !strings.Contains(s, want) {
			t.Errorf("init script lacks %q", want)
		}
	}
	if out, err := exec.Command("sh", "-n", "-c", s).CombinedOutput(); err != nil {
		t.Errorf("sh -n: %v\n%s", err, out)
	}
}

func TestCleanLine(t *testing.T) {
	for in, want := range map[string]string{
		"\x1bc\x1b[?7l\x1b[2J\x1b[0mSeaBIOS (version 1.16.2)\r": "SeaBIOS (version 1.16.2)",
		"--- PASS: TestA (0.00s)\r":                             "--- PASS: TestA (0.00s)",
		"plain":                                                 "plain",
	} {
		if got := cleanLine(in); got != want {
			t.Errorf("cleanLine(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestMatrixLacks checks each kernel line's table of missing features
// against the features' releases: a line lacks exactly the features of
// later releases.
func TestMatrixLacks(t *testing.T) {
	for _, line := range matrix {
		major, minor, err := testenv.ParseRelease(line.name)
		if err != nil {
			t.Fatal(err)
		}
		var want []testenv.Feature
		for _, f := range testenv.Features() {
			if fma, fmi := f.Since(); fma > major || fma == major && fmi > minor {
				want = append(want, f)
			}
		}
		if diff := cmp.Diff(want, line.lacks); diff != "" {
			t.Errorf("Linux %s lacks (-want +got):\n%s", line.name, diff)
		}
	}
}

func TestFeatureCheck(t *testing.T) {
	line := &kernelLine{name: "6.1", lacks: []testenv.Feature{testenv.UintAttrs}}
	var f features
	for _, l := range []string{
		"    kmod_attr_vm_test.go:153: nlgo-feature: lack NLA_UINT/NLA_SINT (Linux 6.7; running 6.1.0-57-amd64)",
		"    x_test.go:1: nlgo-feature: have split do/dump policies (Linux 6.2)",
		"    x_test.go:2: nlgo-feature: lack RTNLGRP_IPV4_MCADDR (group 37) (Linux 6.13; running 6.1.0-57-amd64): invalid argument",
	} {
		f.observe(l)
	}
	want := []string{
		`feature: a test found "RTNLGRP_IPV4_MCADDR (group 37)" missing, which Linux 6.1 should have`,
	}
	if diff := cmp.Diff(want, f.check(line)); diff != "" {
		t.Errorf("problems (-want +got):\n%s", diff)
	}
	f.observe("    y_test.go:3: nlgo-feature: have NLA_UINT/NLA_SINT (Linux 6.7)")
	if got := f.check(line); len(got) != 2 {
		t.Errorf("a feature found present that the table says is missing: problems %q", got)
	}
}

func TestSelectLines(t *testing.T) {
	lines, err := selectLines([]string{"6.12", "5.10"})
	if err != nil || len(lines) != 2 || lines[0].name != "5.10" || lines[1].name != "6.12" {
		t.Errorf("selectLines = %v, %v; want 5.10 then 6.12", lines, err)
	}
	if _, err := selectLines([]string{"4.19"}); err == nil {
		t.Error("selectLines(4.19) accepted")
	}
}
