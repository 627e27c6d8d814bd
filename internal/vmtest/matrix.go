package main

import (
	"fmt"
	"io"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/nlgo/netlink/internal/testenv"
)

// kernelLine is one Debian kernel line of the matrix.
type kernelLine struct {
	name   string   // as -kernels names it: the major.minor of the line
	suites []string // the Debian suites it comes from
	// lacks are the features of testenv.Features this line's kernels do
	// not have: the tests' skips for exactly these are expected here, and
	// a skip for any other feature fails the run (TestMatrixLacks checks
	// the table against the features' releases).
	lacks []testenv.Feature
}

// matrix is every kernel line, oldest first: Debian 11's 5.10, 12's 6.1
// and 6.12 from bookworm-backports (the kernel of Debian 13, built like
// 6.1 with bookworm's gcc-12 and against its libc, so its kbuild tools run
// on this host; trixie's own are built against a newer libc).
var matrix = []kernelLine{
	{name: "5.10", suites: []string{"bullseye", "bullseye-security"},
		lacks: []testenv.Feature{testenv.MPTCPFamily, testenv.SplitPolicies, testenv.NetdevFamily, testenv.IPv4AddrExtAck, testenv.UintAttrs, testenv.ListenAllNSIDOption, testenv.DumpExtAck, testenv.IPv4MCAddrGroup, testenv.TsinfoProvider}},
	{name: "6.1", suites: []string{"bookworm", "bookworm-updates", "bookworm-security"},
		lacks: []testenv.Feature{testenv.SplitPolicies, testenv.NetdevFamily, testenv.IPv4AddrExtAck, testenv.UintAttrs, testenv.ListenAllNSIDOption, testenv.DumpExtAck, testenv.IPv4MCAddrGroup, testenv.TsinfoProvider}},
	{name: "6.12", suites: []string{"bookworm-backports"},
		lacks: []testenv.Feature{testenv.IPv4MCAddrGroup, testenv.TsinfoProvider}},
}

// selectLines returns the lines -kernels names, in matrix order.
func selectLines(names []string) ([]*kernelLine, error) {
	var lines []*kernelLine
	for i := range matrix {
		if slices.Contains(names, matrix[i].name) {
			lines = append(lines, &matrix[i])
		}
	}
	for _, n := range names {
		if !slices.ContainsFunc(matrix, func(l kernelLine) bool { return l.name == n }) {
			var known []string
			for _, l := range matrix {
				known = append(known, l.name)
			}
			return nil, fmt.Errorf("-kernels: no kernel line %q (have %s)", n, strings.Join(known, ", "))
		}
	}
	return lines, nil
}

// featureRE matches the marker lines of internal/testenv.
var featureRE = regexp.MustCompile(`nlgo-feature: (have|lack) (.+?) \(Linux`)

// features records what the tests of one VM run met.
type features struct {
	have, lack map[string]bool
}

func (f *features) observe(line string) {
	m := featureRE.FindStringSubmatch(line)
	if m == nil {
		return
	}
	if f.have == nil {
		f.have, f.lack = map[string]bool{}, map[string]bool{}
	}
	if m[1] == "have" {
		f.have[m[2]] = true
	} else {
		f.lack[m[2]] = true
	}
}

// check compares what the tests met with the line's table: a feature the
// table says the kernel has must not have been found missing, and one it
// says the kernel lacks must not have been found present (the table, and
// the README's, would be wrong).
func (f *features) check(line *kernelLine) []string {
	var problems []string
	expected := map[string]bool{}
	for _, l := range line.lacks {
		expected[l.String()] = true
	}
	for _, name := range sortedKeys(f.lack) {
		if !expected[name] {
			problems = append(problems, fmt.Sprintf("feature: a test found %q missing, which Linux %s should have", name, line.name))
		}
	}
	for _, name := range sortedKeys(f.have) {
		if expected[name] {
			problems = append(problems, fmt.Sprintf("feature: a test found %q present, which the matrix says Linux %s lacks", name, line.name))
		}
	}
	return problems
}

func sortedKeys(m map[string]bool) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// lineResult is one kernel's outcome in the matrix.
type lineResult struct {
	line    *kernelLine
	release string // uname -r in the VM, from the console
	res     *result
	err     error // preparing the VM failed
}

// printMatrix prints one line per kernel, then the features table in
// Markdown, as the README carries it.
func printMatrix(out io.Writer, results []lineResult) {
	fmt.Fprintln(out)
	for _, r := range results {
		if r.err != nil {
			fmt.Fprintf(out, "vmtest: kernel %-5s FAIL: %v\n", r.line.name, r.err)
			continue
		}
		verdict := "PASS"
		if !r.res.ok() {
			verdict = "FAIL"
		}
		fmt.Fprintf(out, "vmtest: kernel %-5s %-22s %s: %d passed, %d failed, %d skipped (VM %.0fs)\n",
			r.line.name, r.release, verdict, r.res.passed, r.res.failed, r.res.skipped, r.res.vmTime.Seconds())
	}
	fmt.Fprintln(out, "\n| feature (since) |"+columns(results, func(r lineResult) string { return " " + r.release + " |" }))
	fmt.Fprintln(out, "|---|"+columns(results, func(lineResult) string { return "---|" }))
	for _, f := range testenv.Features() {
		ma, mi := f.Since()
		row := fmt.Sprintf("| %s (%d.%d) |", f, ma, mi)
		row += columns(results, func(r lineResult) string {
			switch {
			case r.res == nil:
				return " ? |"
			case r.res.features.have[f.String()]:
				return " yes |"
			case r.res.features.lack[f.String()]:
				return " no |"
			}
			return " not tested |"
		})
		fmt.Fprintln(out, row)
	}
}

func columns(results []lineResult, cell func(lineResult) string) string {
	var b strings.Builder
	for _, r := range results {
		b.WriteString(cell(r))
	}
	return b.String()
}
