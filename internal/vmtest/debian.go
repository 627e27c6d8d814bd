package main

import (
	"archive/tar"
	"bytes"
	"context"
	"debug/elf"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
)

// Kernels from Debian's archive, whichever suite they are in, are fetched
// through an apt of the runner's own: its sources, lists and downloads live
// under -cache/apt/<line>, with no status file, so it only ever downloads
// and never installs or upgrades anything on the host. The packages are
// unpacked into -cache/debian/<abi>: the kernel image, the modules the VM
// loads (kernelModules) and the headers and kbuild tools the test module
// is built with.

// debianMirror and debianSecurity are where the archive is.
const (
	debianMirror   = "http://deb.debian.org/debian"
	debianSecurity = "http://deb.debian.org/debian-security"
	debianKeyring  = "/usr/share/keyrings/debian-archive-keyring.gpg"
)

// kernelModules are the in-tree modules the VM loads before the tests, in
// this order (each after its dependencies): the host-kernel integration
// tests create veth pairs, which Debian builds as a module.
var kernelModules = []string{"veth"}

// privateApt runs apt-get and apt-cache on one kernel line's own state.
type privateApt struct {
	h    *hostSetup
	dir  string   // -cache/apt/<line>
	srcs []string // sources.list lines
}

func (h *hostSetup) aptFor(line *kernelLine) *privateApt {
	var srcs []string
	for _, s := range line.suites {
		uri := debianMirror
		if strings.HasSuffix(s, "-security") {
			uri = debianSecurity
		}
		srcs = append(srcs, fmt.Sprintf("deb [signed-by=%s] %s %s main", debianKeyring, uri, s))
	}
	return &privateApt{h: h, dir: filepath.Join(h.cacheDir, "apt", line.name), srcs: srcs}
}

// options points apt at the private state.
func (a *privateApt) options() []string {
	return []string{
		"-o", "Dir::Etc::SourceList=" + filepath.Join(a.dir, "sources.list"),
		"-o", "Dir::Etc::SourceParts=" + filepath.Join(a.dir, "sources.list.d"),
		"-o", "Dir::Etc::Preferences=" + filepath.Join(a.dir, "preferences"),
		"-o", "Dir::Etc::PreferencesParts=" + filepath.Join(a.dir, "preferences.d"),
		"-o", "Dir::State::Lists=" + filepath.Join(a.dir, "lists"),
		"-o", "Dir::State::Status=" + filepath.Join(a.dir, "status"),
		"-o", "Dir::Cache=" + filepath.Join(a.dir, "cache"),
		"-o", "Acquire::Languages=none",
		"-o", "Acquire::IndexTargets::deb::DEP-11::DefaultEnabled=false",
		"-o", "Acquire::IndexTargets::deb::DEP-11-icons::DefaultEnabled=false",
		"-o", "Acquire::IndexTargets::deb::DEP-11-icons-small::DefaultEnabled=false",
		"-o", "APT::Sandbox::User=root",
	}
}

func (a *privateApt) command(ctx context.Context, dir, name string, args ...string) *exec.Cmd {
	cmd := a.h.command(ctx, name, append(a.options(), args...)...)
	cmd.Dir = dir
	return cmd
}

// update writes the sources and runs apt-get update on the private state.
func (a *privateApt) update(ctx context.Context) error {
	for _, d := range []string{"sources.list.d", "preferences.d", "lists/partial", "cache/archives/partial"} {
		if err := os.MkdirAll(filepath.Join(a.dir, d), 0o755); err != nil {
			return err
		}
	}
	if err := os.WriteFile(filepath.Join(a.dir, "sources.list"), []byte(strings.Join(a.srcs, "\n")+"\n"), 0o644); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(a.dir, "status"), nil, 0o644); err != nil {
		return err
	}
	a.h.logf("apt-get update (%s)", strings.Join(a.srcs, "; "))
	_, err := a.h.runQuiet(a.command(ctx, a.dir, "apt-get", "update", "-qq"))
	return err
}

// depends returns the packages a package depends on (apt-cache depends).
func (a *privateApt) depends(ctx context.Context, pkg string) ([]string, error) {
	out, err := a.h.runQuiet(a.command(ctx, a.dir, "apt-cache", "depends", pkg))
	if err != nil {
		return nil, err
	}
	var deps []string
	for _, line := range strings.Split(string(out), "\n") {
		line = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(line), "|"))
		if d, ok := strings.CutPrefix(line, "Depends: "); ok && !strings.HasPrefix(d, "<") {
			deps = append(deps, d)
		}
	}
	return deps, nil
}

// download fetches the .debs of pkgs into dir.
func (a *privateApt) download(ctx context.Context, dir string, pkgs ...string) error {
	a.h.logf("apt-get download %s", strings.Join(pkgs, " "))
	_, err := a.h.runQuiet(a.command(ctx, dir, "apt-get", append([]string{"download", "-q"}, pkgs...)...))
	return err
}

var lineABIRE = regexp.MustCompile(`^linux-image-([0-9].*)-amd64$`)

// debianKernel returns line's current kernel, downloading and unpacking it
// unless it is in the cache. It runs apt-get update when the private lists
// are missing or -update says so, and once more when a download fails
// (the archive dropped the version the lists name).
func (h *hostSetup) debianKernel(ctx context.Context, line *kernelLine) (*kernel, error) {
	a := h.aptFor(line)
	updated := false
	if _, err := os.Stat(filepath.Join(a.dir, "lists", "partial")); err != nil || h.update {
		if err := a.update(ctx); err != nil {
			return nil, err
		}
		updated = true
	}
	for {
		k, err := h.fetchDebianKernel(ctx, a, line)
		if err == nil || updated {
			return k, err
		}
		h.logf("%s: %v; updating the package lists", line.name, err)
		if err := a.update(ctx); err != nil {
			return nil, err
		}
		updated = true
	}
}

func (h *hostSetup) fetchDebianKernel(ctx context.Context, a *privateApt, line *kernelLine) (*kernel, error) {
	deps, err := a.depends(ctx, "linux-image-amd64")
	if err != nil {
		return nil, err
	}
	var abi string
	for _, d := range deps {
		if m := lineABIRE.FindStringSubmatch(d); m != nil {
			abi = m[1]
		}
	}
	if abi == "" {
		return nil, fmt.Errorf("linux-image-amd64 of %s depends on no kernel image: %q", strings.Join(line.suites, ","), deps)
	}
	dir := filepath.Join(h.cacheDir, "debian", abi)
	k := &kernel{
		abi:     abi,
		image:   filepath.Join(dir, "vmlinuz"),
		headers: filepath.Join(dir, "root", "usr", "src", "linux-headers-"+abi+"-amd64"),
		modules: filepath.Join(dir, "modules"),
	}
	if _, err := os.Stat(filepath.Join(dir, "complete")); err == nil {
		return k, nil
	}
	headers := "linux-headers-" + abi + "-amd64"
	hdeps, err := a.depends(ctx, headers)
	if err != nil {
		return nil, err
	}
	pkgs := []string{"linux-image-" + abi + "-amd64", headers}
	for _, d := range hdeps {
		if strings.HasPrefix(d, "linux-headers-") || strings.HasPrefix(d, "linux-kbuild-") {
			pkgs = append(pkgs, d)
		}
	}
	os.RemoveAll(dir)
	debs := filepath.Join(dir, "debs")
	if err := os.MkdirAll(debs, 0o755); err != nil {
		return nil, err
	}
	if err := a.download(ctx, debs, pkgs...); err != nil {
		return nil, err
	}
	files, _ := filepath.Glob(filepath.Join(debs, "*.deb"))
	if len(files) != len(pkgs) {
		return nil, fmt.Errorf("apt-get download %s left %d .debs in %s", strings.Join(pkgs, " "), len(files), debs)
	}
	root := filepath.Join(dir, "root")
	for _, f := range files {
		if strings.HasPrefix(filepath.Base(f), "linux-image-") {
			if err := extractKernel(ctx, f, k); err != nil {
				return nil, err
			}
			continue
		}
		if _, err := h.runQuiet(exec.CommandContext(ctx, "dpkg-deb", "-x", f, root)); err != nil {
			return nil, err
		}
	}
	if err := relocateHeaders(k.headers, root, abi); err != nil {
		return nil, err
	}
	if err := os.RemoveAll(debs); err != nil {
		return nil, err
	}
	return k, os.WriteFile(filepath.Join(dir, "complete"), nil, 0o644)
}

// relocateHeaders makes the unpacked headers work where they are: the
// arch directory's Makefile includes the common one by its absolute path
// under /usr/src; and without vmlinux kbuild skips the module's BTF, which
// needs pahole (6.12's headers carry vmlinux, 6.1's do not).
func relocateHeaders(headers, root, abi string) error {
	common := filepath.Join(root, "usr", "src", "linux-headers-"+abi+"-common", "Makefile")
	if _, err := os.Stat(common); err != nil {
		return fmt.Errorf("headers of %s: %w", abi, err)
	}
	if err := os.WriteFile(filepath.Join(headers, "Makefile"), []byte("include "+common+"\n"), 0o644); err != nil {
		return err
	}
	if err := os.Remove(filepath.Join(headers, "vmlinux")); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	return nil
}

// extractKernel copies boot/vmlinuz-* and the kernelModules (with the
// modules they depend on, decompressed) out of a kernel image .deb. It
// walks the package again for each level of dependencies it discovers.
func extractKernel(ctx context.Context, deb string, k *kernel) error {
	if err := os.MkdirAll(k.modules, 0o755); err != nil {
		return err
	}
	want := map[string]bool{}
	for _, m := range kernelModules {
		want[m] = true
	}
	found := map[string][]byte{} // module name -> decompressed contents
	deps := map[string][]string{}
	for pass := 0; ; pass++ {
		var image []byte
		err := walkDeb(ctx, deb, func(name string, r io.Reader) error {
			var err error
			switch {
			case pass == 0 && strings.HasPrefix(name, "boot/vmlinuz-"):
				image, err = io.ReadAll(r)
			case strings.HasPrefix(name, "lib/modules/") && strings.Contains(name, ".ko"):
				base := filepath.Base(name)
				mod := strings.ReplaceAll(base[:strings.Index(base, ".ko")], "-", "_")
				if !want[mod] || found[mod] != nil {
					return nil
				}
				b, err := io.ReadAll(r)
				if err == nil {
					found[mod], err = decompressModule(ctx, b)
				}
				if err == nil {
					deps[mod], err = moduleDepends(found[mod])
				}
				if err != nil {
					return fmt.Errorf("module %s: %w", mod, err)
				}
			}
			return err
		})
		if err != nil {
			return err
		}
		if pass == 0 {
			if image == nil {
				return fmt.Errorf("no boot/vmlinuz-* in %s", deb)
			}
			if err := os.WriteFile(k.image, image, 0o644); err != nil {
				return err
			}
		}
		more := false
		for m := range want {
			if found[m] == nil {
				return fmt.Errorf("%s has no module %s", deb, m)
			}
			for _, d := range deps[m] {
				if !want[d] {
					want[d], more = true, true
				}
			}
		}
		if !more {
			break
		}
	}
	// Dependencies first.
	var order []string
	done := map[string]bool{}
	var add func(m string)
	add = func(m string) {
		if done[m] {
			return
		}
		done[m] = true
		for _, d := range deps[m] {
			add(d)
		}
		order = append(order, m)
	}
	for _, m := range kernelModules {
		add(m)
	}
	for _, m := range order {
		if err := os.WriteFile(filepath.Join(k.modules, m+".ko"), found[m], 0o644); err != nil {
			return err
		}
	}
	return os.WriteFile(filepath.Join(k.modules, "order"), []byte(strings.Join(order, "\n")+"\n"), 0o644)
}

// walkDeb calls fn for each regular file in a .deb's data.
func walkDeb(ctx context.Context, deb string, fn func(name string, r io.Reader) error) error {
	cmd := exec.CommandContext(ctx, "dpkg-deb", "--fsys-tarfile", deb)
	pipe, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		return err
	}
	tr := tar.NewReader(pipe)
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			cmd.Process.Kill()
			cmd.Wait()
			return fmt.Errorf("%s: %w", deb, err)
		}
		if hdr.Typeflag != tar.TypeReg {
			continue
		}
		if err := fn(strings.TrimPrefix(hdr.Name, "./"), tr); err != nil {
			cmd.Process.Kill()
			cmd.Wait()
			return err
		}
	}
	return cmd.Wait()
}

// decompressModule undoes CONFIG_MODULE_COMPRESS_XZ (Debian from 6.7),
// since busybox's insmod takes plain ELF.
func decompressModule(ctx context.Context, b []byte) ([]byte, error) {
	if !bytes.HasPrefix(b, []byte("\xfd7zXZ\x00")) {
		return b, nil
	}
	cmd := exec.CommandContext(ctx, "xz", "-dc")
	cmd.Stdin = bytes.NewReader(b)
	var out, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("xz -dc: %w: %s", err, stderr.Bytes())
	}
	return out.Bytes(), nil
}

// moduleDepends reads the depends= entry of a module's .modinfo section.
func moduleDepends(ko []byte) ([]string, error) {
	f, err := elf.NewFile(bytes.NewReader(ko))
	if err != nil {
		return nil, err
	}
	s := f.Section(".modinfo")
	if s == nil {
		return nil, errors.New("no .modinfo section")
	}
	info, err := s.Data()
	if err != nil {
		return nil, err
	}
	for _, kv := range bytes.Split(info, []byte{0}) {
		if v, ok := bytes.CutPrefix(kv, []byte("depends=")); ok {
			if len(v) == 0 {
				return nil, nil
			}
			return strings.Split(strings.ReplaceAll(string(v), "-", "_"), ","), nil
		}
	}
	return nil, nil
}
