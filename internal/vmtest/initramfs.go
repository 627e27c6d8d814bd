package main

import (
	"bufio"
	"compress/gzip"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path"
	"strings"
	"time"
)

// Markers that init prints and the host looks for on the console.
const (
	resultMarker = "NLGO-VMTEST-RESULT: " // followed by PASS or FAIL and a reason
	runMarker    = "NLGO-VMTEST-RUN: "    // followed by a description of a test binary run
	moduleFail   = "NLGO-VMTEST-MODULE-FAIL"
)

// cpioWriter writes a "newc" cpio archive, the format the kernel unpacks
// into its initramfs. Entries are owned by root.
type cpioWriter struct {
	w   io.Writer
	ino uint32
	off int64
	err error
}

const (
	modeDir  = 0o040000
	modeFile = 0o100000
	modeLink = 0o120000
	modeChar = 0o020000
)

func (c *cpioWriter) write(b []byte) {
	if c.err != nil {
		return
	}
	n, err := c.w.Write(b)
	c.off += int64(n)
	c.err = err
}

func (c *cpioWriter) pad() {
	if r := c.off % 4; r != 0 {
		c.write(make([]byte, 4-r))
	}
}

// entry writes one archive member; data is the file content or link target.
func (c *cpioWriter) entry(name string, mode uint32, rdevMajor, rdevMinor uint32, data []byte) {
	c.ino++
	nlink := 1
	if mode&0o170000 == modeDir {
		nlink = 2
	}
	hdr := fmt.Sprintf("070701%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x",
		c.ino, mode, 0, 0, nlink, time.Now().Unix(), len(data), 0, 0,
		rdevMajor, rdevMinor, len(name)+1, 0)
	c.write([]byte(hdr))
	c.write(append([]byte(name), 0))
	c.pad()
	c.write(data)
	c.pad()
}

func (c *cpioWriter) dir(name string, perm uint32) { c.entry(name, modeDir|perm, 0, 0, nil) }

func (c *cpioWriter) file(name string, perm uint32, data []byte) {
	c.entry(name, modeFile|perm, 0, 0, data)
}

func (c *cpioWriter) symlink(name, target string) {
	c.entry(name, modeLink|0o777, 0, 0, []byte(target))
}

func (c *cpioWriter) char(name string, perm, major, minor uint32) {
	c.entry(name, modeChar|perm, major, minor, nil)
}

func (c *cpioWriter) close() error {
	c.entry("TRAILER!!!", 0, 0, 0, nil)
	return c.err
}

// initFile is a file the initramfs carries besides busybox, the module and
// the test binaries: the kernel's own modules and iproute2's programs and
// libraries (vmFiles).
type initFile struct {
	name string // path in the VM, without the leading /
	path string // on the host
}

// writeInitramfs writes a gzipped initramfs with busybox, the module, the test
// binaries (in /tests), the example programs (in /examples), the extra files
// (their directories made as needed) and the init script.
func writeInitramfs(dst, busybox, ko string, bins, examples []testBinary, extra []initFile, init string) error {
	f, err := os.Create(dst)
	if err != nil {
		return err
	}
	defer f.Close()
	bw := bufio.NewWriterSize(f, 1<<20)
	zw, err := gzip.NewWriterLevel(bw, gzip.BestSpeed)
	if err != nil {
		return err
	}
	c := &cpioWriter{w: zw}
	for _, d := range []string{"bin", "dev", "etc", "proc", "sys", "tmp", "root", "run", "var", "tests", "examples", "sbin", "usr", "usr/bin", "usr/sbin"} {
		c.dir(d, 0o755)
	}
	c.symlink("var/run", "../run")
	c.char("dev/console", 0o600, 5, 1)
	c.char("dev/null", 0o666, 1, 3)
	c.file("etc/passwd", 0o644, []byte("root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/tmp:/bin/sh\n"))
	c.file("etc/group", 0o644, []byte("root:x:0:\nnogroup:x:65534:\n"))
	c.file("init", 0o755, []byte(init))
	for _, src := range []struct{ name, path string }{{"bin/busybox", busybox}, {strings.TrimPrefix(moduleFile, "/"), ko}} {
		b, err := os.ReadFile(src.path)
		if err != nil {
			return err
		}
		c.file(src.name, 0o755, b)
	}
	c.symlink("bin/sh", "busybox")
	dirs := map[string]bool{}
	for _, f := range extra {
		var parents []string
		for d := path.Dir(f.name); d != "." && !dirs[d]; d = path.Dir(d) {
			dirs[d] = true
			parents = append(parents, d)
		}
		for i := len(parents) - 1; i >= 0; i-- {
			c.dir(parents[i], 0o755)
		}
		b, err := os.ReadFile(f.path)
		if err != nil {
			return err
		}
		c.file(f.name, 0o755, b)
	}
	for _, set := range []struct {
		dir  string
		bins []testBinary
	}{{"tests", bins}, {"examples", examples}} {
		for _, t := range set.bins {
			b, err := os.ReadFile(t.path)
			if err != nil {
				return err
			}
			c.file(path.Join(set.dir, t.name), 0o755, b)
		}
	}
	if err := c.close(); err != nil {
		return err
	}
	if err := zw.Close(); err != nil {
		return err
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	return f.Close()
}

// shQuote quotes s for a POSIX shell.
func shQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

func shJoin(args []string) string {
	q := make([]string, len(args))
	for i, a := range args {
		q[i] = shQuote(a)
	}
	return strings.Join(q, " ")
}

// initHead sets up the VM and defines the helpers the generated part calls.
const initHead = `#!/bin/busybox sh
/bin/busybox --install -s /bin
# iproute2's ip and genl are in /usr/sbin, ahead of busybox's ip.
export PATH=/usr/sbin:/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
mount -t tmpfs -o mode=1777 tmpfs /tmp
mount -t tmpfs -o mode=755 tmpfs /run
ip link set lo up
echo "nlgo-vmtest: kernel $(uname -r), $(nproc) cpus, $(free -m | awk '/Mem:/ {print $2}') MiB"
fail=0
result() {
	echo "NLGO-VMTEST-RESULT: $*"
	sync
	poweroff -f
	sleep 10
}
load() {
	if ! insmod "$module" proto="$1"; then
		echo "NLGO-VMTEST-MODULE-FAIL: insmod proto=$1 failed"
		result FAIL module did not load
	fi
	p=$(cat /sys/module/nlgo_test/parameters/proto 2>/dev/null)
	if [ "$p" != "$1" ]; then
		echo "NLGO-VMTEST-MODULE-FAIL: module loaded but proto is '$p', not $1"
		result FAIL module did not load
	fi
	echo "nlgo-vmtest: module nlgo_test loaded with protocol $p"
	export NLGO_KMOD_PROTO="$p"
}
# kmods loads the kernel's own modules the tests need, in order.
kmods() {
	[ -f /lib/modules/nlgo/order ] || return 0
	for m in $(cat /lib/modules/nlgo/order); do
		if ! insmod "/lib/modules/nlgo/$m.ko"; then
			echo "NLGO-VMTEST-MODULE-FAIL: insmod $m failed"
			fail=1
		fi
	done
}
unload() {
	if ! rmmod nlgo_test; then
		echo "NLGO-VMTEST-MODULE-FAIL: rmmod nlgo_test failed"
		fail=1
	fi
}
# runtest LABEL USER COMMAND: runs COMMAND (a quoted shell string) in /tmp.
runtest() {
	echo "NLGO-VMTEST-RUN: $1"
	start=$(date +%s)
	if [ "$2" = root ]; then
		(cd /tmp && eval "$3")
	else
		su -s /bin/sh "$2" -c "cd /tmp && $3"
	fi
	rc=$?
	echo "nlgo-vmtest: $1: exit status $rc after $(( $(date +%s) - start ))s"
	[ $rc = 0 ] || fail=1
}
`

// examplesDir is where the example programs are in the VM; the tests find it
// in the environment variable NLGO_VM_EXAMPLES.
const examplesDir = "/examples"

// moduleFile is where the module is in the VM; the tests find it in the
// environment variable NLGO_KMOD_PATH (kmod.PathEnv), to reload it.
const moduleFile = "/nlgo_test.ko"

// initScript generates /init: load the kernel's modules, run the host-kernel
// suite (c.hostRun, if set) as root and (with c.unpriv) as nobody, load the
// test module, run each binary's module tests the same way, rerun them for
// each extra protocol, unload, report. With examples, the tests see
// NLGO_VM_EXAMPLES=/examples.
func initScript(c *config, bins, examples []testBinary) string {
	var b strings.Builder
	b.WriteString(initHead)
	fmt.Fprintf(&b, "module=%s\n", shQuote(moduleFile))
	base := []string{"-test.v", "-test.timeout=" + c.testTimeout.String()}
	// run runs every binary's tests matching run and not skip; proto 0
	// means without the module.
	run := func(proto int, run, skip string, unpriv bool) {
		for _, t := range bins {
			args := append([]string{"/tests/" + t.name}, base...)
			if run != "" {
				args = append(args, "-test.run="+run)
			}
			if skip != "" {
				args = append(args, "-test.skip="+skip)
			}
			args = append(args, c.testArgs...)
			env := "env NLGO_VM=1 NLGO_STRICT=1 HOME=/tmp TMPDIR=/tmp "
			what := "host-kernel suite"
			if proto != 0 {
				env += "NLGO_KMOD_PROTO=" + fmt.Sprint(proto) + " NLGO_KMOD_PATH=" + moduleFile + " "
				what = fmt.Sprintf("protocol %d", proto)
			}
			if len(examples) > 0 {
				env += "NLGO_VM_EXAMPLES=" + examplesDir + " "
			}
			fmt.Fprintf(&b, "runtest %s root %s\n",
				shQuote(fmt.Sprintf("%s as root, %s", t.pkg, what)), shQuote(env+shJoin(args)))
			if unpriv {
				env += "NLGO_VM_UNPRIVILEGED=1 "
				fmt.Fprintf(&b, "runtest %s nobody %s\n",
					shQuote(fmt.Sprintf("%s as nobody (uid 65534), %s", t.pkg, what)), shQuote(env+shJoin(args)))
			}
		}
	}
	b.WriteString("kmods\n")
	if c.hostRun != "" {
		run(0, c.hostRun, c.hostSkip, c.unpriv)
	}
	fmt.Fprintf(&b, "load %d\n", c.proto)
	run(c.proto, c.run, "", c.unpriv)
	b.WriteString("unload\n")
	for _, p := range c.extraProtos {
		fmt.Fprintf(&b, "load %d\n", p)
		run(p, c.extraRun, "", false)
		b.WriteString("unload\n")
	}
	b.WriteString(`dmesg | grep -E 'nlgo_test|WARNING|BUG|Oops' | sed 's/^/nlgo-vmtest: dmesg: /'
if [ $fail = 0 ]; then result PASS; else result FAIL some test run failed; fi
`)
	return b.String()
}

// vmFiles returns what the initramfs carries for k besides the module and
// the tests: k's modules (kernelModules, in /lib/modules/nlgo with their
// load order) and this machine's iproute2 ip and genl, in /usr/sbin, with
// the shared libraries ldd says they need, at the same paths.
func vmFiles(k *kernel) ([]initFile, error) {
	var files []initFile
	if k.modules != "" {
		order, err := os.ReadFile(path.Join(k.modules, "order"))
		if err != nil {
			return nil, err
		}
		files = append(files, initFile{"lib/modules/nlgo/order", path.Join(k.modules, "order")})
		for _, m := range strings.Fields(string(order)) {
			files = append(files, initFile{"lib/modules/nlgo/" + m + ".ko", path.Join(k.modules, m+".ko")})
		}
	}
	libs := map[string]bool{}
	for _, tool := range []string{"ip", "genl"} {
		p, err := exec.LookPath(tool)
		if err != nil {
			return nil, err
		}
		files = append(files, initFile{"usr/sbin/" + tool, p})
		out, err := exec.Command("ldd", p).Output()
		if err != nil {
			return nil, fmt.Errorf("ldd %s: %w", p, err)
		}
		for _, line := range strings.Split(string(out), "\n") {
			// "libc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x...)" or
			// "/lib64/ld-linux-x86-64.so.2 (0x...)"
			f := strings.Fields(line)
			lib := ""
			switch {
			case len(f) >= 3 && f[1] == "=>":
				lib = f[2]
			case len(f) >= 1 && strings.HasPrefix(f[0], "/"):
				lib = f[0]
			}
			if lib != "" && !libs[lib] {
				libs[lib] = true
				files = append(files, initFile{strings.TrimPrefix(lib, "/"), lib})
			}
		}
	}
	return files, nil
}
