package main

import (
	"bufio"
	"compress/gzip"
	"fmt"
	"io"
	"os"
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

// writeInitramfs writes a gzipped initramfs with busybox, the module, the test
// binaries (in /tests), the example programs (in /examples) and the init
// script.
func writeInitramfs(dst, busybox, ko string, bins, examples []testBinary, init string) error {
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
	for _, d := range []string{"bin", "dev", "etc", "proc", "sys", "tmp", "root", "tests", "examples", "sbin", "usr", "usr/bin", "usr/sbin"} {
		c.dir(d, 0o755)
	}
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
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
mount -t tmpfs -o mode=1777 tmpfs /tmp
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

// initScript generates /init: load the module, run each binary as root and
// (with c.unpriv) as nobody, rerun for each extra protocol, unload, report.
// With examples, the tests see NLGO_VM_EXAMPLES=/examples.
func initScript(c *config, bins, examples []testBinary) string {
	var b strings.Builder
	b.WriteString(initHead)
	fmt.Fprintf(&b, "module=%s\n", shQuote(moduleFile))
	base := []string{"-test.v", "-test.timeout=" + c.testTimeout.String()}
	run := func(proto int, pattern string, unpriv bool) {
		for _, t := range bins {
			args := append([]string{"/tests/" + t.name}, base...)
			if pattern != "" {
				args = append(args, "-test.run="+pattern)
			}
			args = append(args, c.testArgs...)
			env := "env NLGO_VM=1 NLGO_STRICT=1 NLGO_KMOD_PROTO=" + fmt.Sprint(proto) + " NLGO_KMOD_PATH=" + moduleFile + " HOME=/tmp TMPDIR=/tmp "
			if len(examples) > 0 {
				env += "NLGO_VM_EXAMPLES=" + examplesDir + " "
			}
			fmt.Fprintf(&b, "runtest %s root %s\n",
				shQuote(fmt.Sprintf("%s as root, protocol %d", t.pkg, proto)), shQuote(env+shJoin(args)))
			if unpriv {
				env += "NLGO_VM_UNPRIVILEGED=1 "
				fmt.Fprintf(&b, "runtest %s nobody %s\n",
					shQuote(fmt.Sprintf("%s as nobody (uid 65534), protocol %d", t.pkg, proto)), shQuote(env+shJoin(args)))
			}
		}
	}
	fmt.Fprintf(&b, "load %d\n", c.proto)
	run(c.proto, c.run, c.unpriv)
	b.WriteString("unload\n")
	for _, p := range c.extraProtos {
		fmt.Fprintf(&b, "load %d\n", p)
		run(p, c.extraRun, false)
		b.WriteString("unload\n")
	}
	b.WriteString(`dmesg | grep -E 'nlgo_test|WARNING|BUG|Oops' | sed 's/^/nlgo-vmtest: dmesg: /'
if [ $fail = 0 ]; then result PASS; else result FAIL some test run failed; fi
`)
	return b.String()
}
