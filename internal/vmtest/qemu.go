package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"time"
)

// kernelTrouble are console substrings that mean the kernel oopsed, warned or
// panicked. Any of them fails the run.
var kernelTrouble = []string{
	"Kernel panic", "Oops:", "BUG:", "WARNING: CPU:", "general protection fault",
	"Call Trace:", "UBSAN:", "KASAN:",
}

// result is what the host saw of one VM run.
type result struct {
	verdict  string   // "PASS" or "FAIL ..." from the result marker, "" if none
	problems []string // why the run failed, besides the verdict
	runs     []string // test binary runs, in order
	passed   int      // top-level "--- PASS" lines
	failed   int      // top-level "--- FAIL" lines
	skipped  int      // top-level "--- SKIP" lines
	failures []string // names of failed tests, with their run
	vmTime   time.Duration
	release  string   // the VM's uname -r, from init's first line
	features features // what the tests' nlgo-feature lines said
}

func (r *result) ok() bool { return r.verdict == "PASS" && len(r.problems) == 0 && r.failed == 0 }

// observe classifies one console line. It returns true when the VM is done.
func (r *result) observe(line string) (done bool) {
	r.features.observe(line)
	switch {
	case strings.HasPrefix(line, "nlgo-vmtest: kernel ") && r.release == "":
		r.release, _, _ = strings.Cut(strings.TrimPrefix(line, "nlgo-vmtest: kernel "), ",")
	case strings.HasPrefix(line, resultMarker):
		r.verdict = strings.TrimSpace(strings.TrimPrefix(line, resultMarker))
		return true
	case strings.HasPrefix(line, runMarker):
		r.runs = append(r.runs, strings.TrimPrefix(line, runMarker))
	case strings.HasPrefix(line, moduleFail):
		r.problems = append(r.problems, "module: "+strings.TrimPrefix(strings.TrimPrefix(line, moduleFail), ": "))
	case strings.HasPrefix(line, "--- PASS: "):
		r.passed++
	case strings.HasPrefix(line, "--- SKIP: "):
		r.skipped++
	case strings.HasPrefix(line, "--- FAIL: "):
		r.failed++
		name, _, _ := strings.Cut(strings.TrimPrefix(line, "--- FAIL: "), " ")
		run := "?"
		if len(r.runs) > 0 {
			run = r.runs[len(r.runs)-1]
		}
		r.failures = append(r.failures, name+" ("+run+")")
	}
	for _, t := range kernelTrouble {
		if strings.Contains(line, t) {
			r.problems = append(r.problems, "kernel: "+strings.TrimSpace(line))
			return strings.Contains(line, "Kernel panic")
		}
	}
	return false
}

// escapes matches the terminal control sequences the firmware prints (reset,
// clear screen, wrap off): streamed as they are they would clear the
// caller's terminal.
var escapes = regexp.MustCompile(`\x1b(\[[0-9;?]*[A-Za-z]|[@-Z\\-_a-z])`)

// cleanLine strips control sequences and the carriage return from a line.
func cleanLine(s string) string {
	return escapes.ReplaceAllString(strings.TrimRight(s, "\r"), "")
}

// qemuArgs returns the qemu command line.
func qemuArgs(c *config, image, initrd string) []string {
	args := []string{
		"-accel", c.accel, "-m", c.mem, "-smp", fmt.Sprint(c.smp),
		"-nographic", "-no-reboot", "-nic", "none",
		"-kernel", image, "-initrd", initrd,
		"-append", "console=ttyS0 panic=-1 quiet loglevel=4 mitigations=off rdinit=/init",
	}
	if c.accel == "kvm" {
		args = append(args, "-cpu", "host")
	} else {
		args = append(args, "-cpu", "max")
	}
	return args
}

// waitForOtherVMs waits while another qemu-system-x86_64 runs on this
// machine (another engineer's run or another CI job): on 2 cores two TCG
// VMs would slow each other past their time limits.
func waitForOtherVMs(ctx context.Context, logf func(string, ...any)) error {
	for logged := false; ; logged = true {
		pids := otherVMs()
		if len(pids) == 0 {
			return nil
		}
		if !logged {
			logf("waiting for the qemu already running (pid %s) to finish", strings.Join(pids, ", "))
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(3 * time.Second):
		}
	}
}

// otherVMs returns the pids of running qemu-system-x86_64 processes.
func otherVMs() []string {
	comms, _ := filepath.Glob("/proc/[0-9]*/comm")
	var pids []string
	for _, c := range comms {
		b, err := os.ReadFile(c)
		// The kernel truncates comm to 15 bytes: "qemu-system-x86".
		if err == nil && strings.HasPrefix(string(b), "qemu-system-x86") {
			pids = append(pids, filepath.Base(filepath.Dir(c)))
		}
	}
	return pids
}

// bootVM runs qemu, streams the console to out line by line and returns what
// it saw. It kills qemu at the deadline or after a kernel panic.
func bootVM(ctx context.Context, c *config, image, initrd string, out io.Writer) *result {
	res := &result{}
	start := time.Now()
	defer func() { res.vmTime = time.Since(start) }()
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "qemu-system-x86_64", qemuArgs(c, image, initrd)...)
	cmd.Stdin = nil // not the terminal: qemu would put it in raw mode
	cmd.Stderr = os.Stderr
	cmd.WaitDelay = 5 * time.Second
	pipe, err := cmd.StdoutPipe()
	if err == nil {
		err = cmd.Start()
	}
	if err != nil {
		res.problems = append(res.problems, "qemu: "+err.Error())
		return res
	}
	sc := bufio.NewScanner(pipe)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := cleanLine(sc.Text())
		fmt.Fprintln(out, line)
		if res.observe(line) {
			break
		}
	}
	// After the result marker, give poweroff a moment, then stop qemu.
	done := make(chan error, 1)
	go func() {
		io.Copy(out, pipe)
		done <- cmd.Wait()
	}()
	var waitErr error
	select {
	case waitErr = <-done:
	case <-time.After(15 * time.Second):
		cmd.Process.Kill()
		waitErr = <-done
	}
	switch {
	case errors.Is(ctx.Err(), context.DeadlineExceeded):
		res.problems = append(res.problems, fmt.Sprintf("VM did not finish within -timeout %s", c.timeout))
	case ctx.Err() != nil:
		res.problems = append(res.problems, "interrupted")
	case res.verdict == "" && waitErr != nil:
		res.problems = append(res.problems, "qemu: "+waitErr.Error())
	}
	if res.verdict == "" {
		res.problems = append(res.problems, "the VM printed no result marker")
	}
	return res
}

// summary prints the outcome; its last line is "vmtest: N passed, N failed,
// N skipped" so CI log readers count the tests.
func (r *result) summary(out io.Writer, total time.Duration) {
	fmt.Fprintf(out, "\nvmtest: %d test binary runs, VM %.1fs, total %.1fs\n", len(r.runs), r.vmTime.Seconds(), total.Seconds())
	for _, f := range r.failures {
		fmt.Fprintf(out, "vmtest: failed: %s\n", f)
	}
	for _, p := range r.problems {
		fmt.Fprintf(out, "vmtest: problem: %s\n", p)
	}
	verdict := "PASS"
	if !r.ok() {
		verdict = "FAIL"
		if r.verdict != "" && r.verdict != "PASS" {
			verdict += " (" + r.verdict + ")"
		}
	}
	fmt.Fprintf(out, "vmtest: %s\n", verdict)
	fmt.Fprintf(out, "vmtest: %d passed, %d failed, %d skipped\n", r.passed, r.failed, r.skipped)
}
