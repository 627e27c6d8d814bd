package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"debug/elf"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
)

// hostSetup installs and caches what the VM run needs on the host.
type hostSetup struct {
	cacheDir string
	update   bool // force apt-get update
	updated  bool // apt-get update ran in this process
	busybox  string
	logf     func(format string, args ...any)
	out      io.Writer
}

// kernel is the kernel the VM boots and the headers the module builds with.
type kernel struct {
	abi     string // e.g. 6.1.0-56, empty for -kernel
	image   string // bzImage
	headers string // kbuild dir
	modules string // dir of the kernelModules and their load order; empty for -kernel
}

// prepare makes sure the tools are there and returns the -kernel image
// and -headers, or, with line, that kernel line's current kernel from
// Debian's archive (debianKernel).
func (h *hostSetup) prepare(ctx context.Context, line *kernelLine, image, headers string) (*kernel, error) {
	if err := h.ensureTools(ctx); err != nil {
		return nil, err
	}
	if line != nil {
		return h.debianKernel(ctx, line)
	}
	for _, p := range []string{image, filepath.Join(headers, "Makefile")} {
		if _, err := os.Stat(p); err != nil {
			return nil, err
		}
	}
	return &kernel{image: image, headers: headers}, nil
}

// ensureTools installs qemu, a static busybox, make and gcc if missing.
func (h *hostSetup) ensureTools(ctx context.Context) error {
	var missing []string
	if _, err := exec.LookPath("qemu-system-x86_64"); err != nil {
		missing = append(missing, "qemu-system-x86")
	}
	if !isStatic("/bin/busybox") {
		missing = append(missing, "busybox-static")
	}
	// The host-kernel tests in the VM run iproute2's ip and genl, which
	// go into its initramfs; 6.7 and later compress their modules with xz.
	for tool, pkg := range map[string]string{"make": "make", "gcc": "gcc", "ip": "iproute2", "genl": "iproute2", "xz": "xz-utils"} {
		if _, err := exec.LookPath(tool); err != nil && !slices.Contains(missing, pkg) {
			missing = append(missing, pkg)
		}
	}
	if len(missing) > 0 {
		if err := h.aptInstall(ctx, missing...); err != nil {
			return err
		}
	}
	if !isStatic("/bin/busybox") {
		return errors.New("/bin/busybox is not a static binary (install busybox-static)")
	}
	h.busybox = "/bin/busybox"
	return nil
}

// isStatic reports whether path is an ELF executable without an interpreter.
func isStatic(path string) bool {
	f, err := elf.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			return false
		}
	}
	return true
}

func (h *hostSetup) command(ctx context.Context, name string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = append(os.Environ(), "DEBIAN_FRONTEND=noninteractive")
	return cmd
}

// runQuiet runs a command and returns its combined output in the error.
func (h *hostSetup) runQuiet(cmd *exec.Cmd) ([]byte, error) {
	var buf bytes.Buffer
	cmd.Stdout, cmd.Stderr = &buf, &buf
	if err := cmd.Run(); err != nil {
		return buf.Bytes(), fmt.Errorf("%s: %w\n%s", strings.Join(cmd.Args, " "), err, lastLines(buf.String(), 20))
	}
	return buf.Bytes(), nil
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

func (h *hostSetup) aptUpdate(ctx context.Context) error {
	if h.updated {
		return nil
	}
	if os.Geteuid() != 0 {
		return errors.New("apt-get update needs root: run as root or install the packages by hand")
	}
	h.logf("apt-get update")
	if _, err := h.runQuiet(h.command(ctx, "apt-get", "update", "-qq")); err != nil {
		return err
	}
	h.updated = true
	return nil
}

func (h *hostSetup) aptInstall(ctx context.Context, pkgs ...string) error {
	if os.Geteuid() != 0 {
		return fmt.Errorf("missing %s: run as root or install them by hand", strings.Join(pkgs, " "))
	}
	if err := h.aptUpdate(ctx); err != nil {
		return err
	}
	h.logf("apt-get install %s", strings.Join(pkgs, " "))
	args := append([]string{"install", "-y", "-qq", "--no-install-recommends"}, pkgs...)
	_, err := h.runQuiet(h.command(ctx, "apt-get", args...))
	return err
}

// moduleSources are the files of internal/kmod that make up the module.
var moduleSources = []string{"nlgo_test.c", "nlgo_test.h", "Kbuild"}

// buildModule builds nlgo_test.ko from srcDir against k's headers in a cache
// directory keyed by the sources and the kernel, and returns its path.
func (h *hostSetup) buildModule(ctx context.Context, srcDir string, k *kernel) (string, error) {
	cc, err := h.compiler(ctx, k)
	if err != nil {
		return "", err
	}
	sum := sha256.New()
	fmt.Fprintf(sum, "%s\x00%s\x00%s\x00", k.headers, k.abi, cc.version)
	files := map[string][]byte{}
	for _, name := range moduleSources {
		b, err := os.ReadFile(filepath.Join(srcDir, name))
		if err != nil {
			return "", err
		}
		files[name] = b
		fmt.Fprintf(sum, "%s\x00%d\x00", name, len(b))
		sum.Write(b)
	}
	key := hex.EncodeToString(sum.Sum(nil))[:16]
	dir := filepath.Join(h.cacheDir, "module", key)
	ko := filepath.Join(dir, "nlgo_test.ko")
	if _, err := os.Stat(ko); err == nil {
		return ko, nil
	}
	build := dir + ".build"
	os.RemoveAll(build)
	if err := os.MkdirAll(build, 0o755); err != nil {
		return "", err
	}
	defer os.RemoveAll(build)
	for name, b := range files {
		if err := os.WriteFile(filepath.Join(build, name), b, 0o644); err != nil {
			return "", err
		}
	}
	h.logf("building module against %s with %s", k.headers, cc.name)
	out, err := h.runQuiet(h.command(ctx, "make", "-C", k.headers, "M="+build, "CC="+cc.name, "modules"))
	if err != nil {
		return "", err
	}
	if w := warnings(out); w != "" {
		return "", fmt.Errorf("module build printed warnings:\n%s", w)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	b, err := os.ReadFile(filepath.Join(build, "nlgo_test.ko"))
	if err != nil {
		return "", err
	}
	if err := os.WriteFile(ko+".tmp", b, 0o644); err != nil {
		return "", err
	}
	return ko, os.Rename(ko+".tmp", ko)
}

// compiler is the C compiler a module is built with.
type compiler struct {
	name    string // the command, e.g. gcc-12
	version string // its first line of --version
}

var kernelCCRE = regexp.MustCompile(`\bgcc-([0-9]+)\b`)

// compiler picks the compiler for k's module: the gcc-N the kernel was
// built with (its headers' .kernelvariables say which) if this machine has
// it, else the machine's gcc. Debian 11's 5.10 was built with gcc-10,
// which Debian 12 does not have; its gcc-12 builds the module without a
// warning (the build fails on any) and the module loads and passes its
// tests on 5.10, which the VM run shows.
func (h *hostSetup) compiler(ctx context.Context, k *kernel) (compiler, error) {
	cc := "gcc"
	want := ""
	if b, err := os.ReadFile(filepath.Join(k.headers, ".kernelvariables")); err == nil {
		if m := kernelCCRE.FindString(string(b)); m != "" {
			want = m
			if _, err := exec.LookPath(m); err == nil {
				cc = m
			}
		}
	}
	out, err := exec.CommandContext(ctx, cc, "--version").Output()
	if err != nil {
		return compiler{}, fmt.Errorf("%s --version: %w", cc, err)
	}
	version, _, _ := strings.Cut(string(out), "\n")
	if want != "" && cc != want {
		h.logf("the kernel was built with %s, which this machine lacks: building its module with %s (%s)", want, cc, version)
	}
	return compiler{name: cc, version: version}, nil
}

// warnings returns the compiler warning lines of a kbuild log.
func warnings(log []byte) string {
	var w []string
	for _, line := range strings.Split(string(log), "\n") {
		if strings.Contains(strings.ToLower(line), "warning:") {
			w = append(w, line)
		}
	}
	return strings.Join(w, "\n")
}

// repoRoot returns the directory of the main module's go.mod.
func repoRoot(ctx context.Context) (string, error) {
	out, err := exec.CommandContext(ctx, "go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w", err)
	}
	mod := strings.TrimSpace(string(out))
	if mod == "" || mod == os.DevNull {
		return "", errors.New("not inside a Go module: run from the repository")
	}
	return filepath.Dir(mod), nil
}

// testBinary is a test binary built for the VM.
type testBinary struct {
	pkg  string // as given on the command line
	name string // file name inside the VM's /tests
	path string // on the host
}

// buildTests builds a static test binary with -tags vmtest for each package.
// Packages without test files are reported and left out.
func buildTests(ctx context.Context, root string, pkgs []string, dir string, logf func(string, ...any)) ([]testBinary, error) {
	var bins []testBinary
	for _, pkg := range pkgs {
		name := binaryName(pkg)
		b := testBinary{pkg: pkg, name: name, path: filepath.Join(dir, name)}
		cmd := exec.CommandContext(ctx, "go", "test", "-c", "-tags", "vmtest", "-o", b.path, pkg)
		cmd.Dir = root
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH=amd64")
		out, err := cmd.CombinedOutput()
		if err != nil {
			return nil, fmt.Errorf("go test -c -tags vmtest %s: %w\n%s", pkg, err, out)
		}
		if _, err := os.Stat(b.path); errors.Is(err, os.ErrNotExist) {
			logf("package %s has no test files, skipping it", pkg)
			continue
		}
		logf("built %s (%s)", name, pkg)
		bins = append(bins, b)
	}
	return bins, nil
}

// buildExamples builds the example programs, the main packages under
// root/examples, as static binaries in dir/examples. It returns none when
// there is no examples directory.
func buildExamples(ctx context.Context, root, dir string, logf func(string, ...any)) ([]testBinary, error) {
	if _, err := os.Stat(filepath.Join(root, "examples")); errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	out := filepath.Join(dir, "examples")
	if err := os.MkdirAll(out, 0o755); err != nil {
		return nil, err
	}
	// With -o naming a directory, go build writes one executable per main
	// package there, named after its directory.
	cmd := exec.CommandContext(ctx, "go", "build", "-o", out+string(filepath.Separator), "./examples/...")
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH=amd64")
	if b, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("go build ./examples/...: %w\n%s", err, b)
	}
	entries, err := os.ReadDir(out)
	if err != nil {
		return nil, err
	}
	var bins []testBinary
	for _, e := range entries {
		bins = append(bins, testBinary{pkg: "./examples/" + e.Name(), name: e.Name(), path: filepath.Join(out, e.Name())})
	}
	logf("built %d example programs", len(bins))
	return bins, nil
}

// binaryName turns a package pattern into a file name: "." -> "root.test",
// "./internal/kmod" -> "internal_kmod.test".
func binaryName(pkg string) string {
	p := strings.Trim(strings.TrimPrefix(pkg, "./"), "/.")
	if p == "" {
		p = "root"
	}
	p = strings.NewReplacer("/", "_", ".", "_", "\\", "_").Replace(p)
	return p + ".test"
}
