// Command benchratio prints the results of benchmarks named
// Benchmark<Workload>/impl=<implementation> as a Markdown table: for each
// workload and implementation the median ns/op, B/op and allocs/op over
// every run, and the time as a multiple of a base implementation's. Custom
// metrics that benchmarks report with b.ReportMetric (msg/s, drop%, ...)
// get a column each, with their medians; MB/s, which only restates ns/op,
// does not.
//
//	go test -bench . -benchmem -count 6 > raw.txt
//	go run ./cmd/benchratio -base floor raw.txt
//
// With no file arguments it reads standard input.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

func main() {
	base := flag.String("base", "floor", "the implementation times are divided by")
	flag.Parse()
	rs, err := readFiles(flag.Args())
	if err != nil {
		fmt.Fprintln(os.Stderr, "benchratio:", err)
		os.Exit(1)
	}
	if len(rs.order) == 0 {
		fmt.Fprintln(os.Stderr, "benchratio: no benchmark named .../impl=NAME in the input")
		os.Exit(1)
	}
	rs.print(os.Stdout, *base)
}

// readFiles reads the named files, or standard input if there are none.
func readFiles(names []string) (*results, error) {
	rs := newResults()
	if len(names) == 0 {
		return rs, rs.read(os.Stdin)
	}
	for _, name := range names {
		f, err := os.Open(name)
		if err != nil {
			return nil, err
		}
		err = rs.read(f)
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
	}
	return rs, nil
}

// units are the measurements always printed, in order.
var units = []string{"ns/op", "B/op", "allocs/op"}

// derived are units left out of the table because they restate another.
var derived = map[string]bool{"MB/s": true}

// A key names one implementation's benchmark of one workload.
type key struct{ workload, impl string }

// results holds every sample of every benchmark, in order of first
// appearance.
type results struct {
	order   []key
	samples map[key]map[string][]float64 // unit -> values
	metrics []string                     // custom units, in order of first appearance
}

func newResults() *results {
	return &results{samples: make(map[key]map[string][]float64)}
}

// procsSuffix is the -GOMAXPROCS suffix go test adds to benchmark names.
var procsSuffix = regexp.MustCompile(`-\d+$`)

// read adds the samples of the benchmark result lines in r. Other lines
// are ignored, as are benchmarks without an impl= component.
func (rs *results) read(r io.Reader) error {
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 4 || !strings.HasPrefix(f[0], "Benchmark") {
			continue
		}
		k, ok := parseName(procsSuffix.ReplaceAllString(f[0], ""))
		if !ok {
			continue
		}
		if rs.samples[k] == nil {
			rs.samples[k] = make(map[string][]float64)
			rs.order = append(rs.order, k)
		}
		for i := 2; i+1 < len(f); i += 2 { // f[1] is the iteration count
			v, err := strconv.ParseFloat(f[i], 64)
			if err != nil {
				return fmt.Errorf("%s: value %q: %w", f[0], f[i], err)
			}
			unit := f[i+1]
			if !slices.Contains(units, unit) && !derived[unit] && !slices.Contains(rs.metrics, unit) {
				rs.metrics = append(rs.metrics, unit)
			}
			rs.samples[k][unit] = append(rs.samples[k][unit], v)
		}
	}
	return sc.Err()
}

// parseName splits "BenchmarkDecode/impl=nlgo" into workload "Decode" and
// implementation "nlgo". Other components stay in the workload's name.
func parseName(name string) (key, bool) {
	parts := strings.Split(strings.TrimPrefix(name, "Benchmark"), "/")
	var k key
	var rest []string
	for _, p := range parts {
		if impl, ok := strings.CutPrefix(p, "impl="); ok {
			k.impl = impl
		} else {
			rest = append(rest, p)
		}
	}
	k.workload = strings.Join(rest, "/")
	return k, k.impl != ""
}

// median returns the median of the samples of unit for k, and false if
// there are none.
func (rs *results) median(k key, unit string) (float64, bool) {
	vs := slices.Clone(rs.samples[k][unit])
	if len(vs) == 0 {
		return 0, false
	}
	slices.Sort(vs)
	if n := len(vs); n%2 == 0 {
		return (vs[n/2-1] + vs[n/2]) / 2, true
	}
	return vs[len(vs)/2], true
}

// print writes the table, one row per implementation of each workload,
// with a column per custom metric after the standard ones.
func (rs *results) print(w io.Writer, base string) {
	head := []string{"workload", "impl", "ns/op", "vs " + base, "B/op", "allocs/op"}
	head = append(append(head, rs.metrics...), "runs")
	fmt.Fprintf(w, "| %s |\n", strings.Join(head, " | "))
	fmt.Fprintf(w, "|---|---|%s\n", strings.Repeat("---:|", len(head)-2))
	for _, k := range rs.order {
		ratio := "-"
		ns, ok := rs.median(k, "ns/op")
		if b, bok := rs.median(key{k.workload, base}, "ns/op"); ok && bok && b > 0 {
			ratio = fmt.Sprintf("%.2fx", ns/b)
		}
		cells := []string{k.workload, k.impl, cell(rs.median(k, units[0])), ratio,
			cell(rs.median(k, units[1])), cell(rs.median(k, units[2]))}
		for _, m := range rs.metrics {
			cells = append(cells, cell(rs.median(k, m)))
		}
		cells = append(cells, strconv.Itoa(len(rs.samples[k]["ns/op"])))
		fmt.Fprintf(w, "| %s |\n", strings.Join(cells, " | "))
	}
}

// cell formats a median for the table, "-" when it is missing.
func cell(v float64, ok bool) string {
	if !ok {
		return "-"
	}
	switch {
	case v >= 100 || v == float64(int64(v)):
		return strconv.FormatFloat(v, 'f', 0, 64)
	case v < 10:
		return strconv.FormatFloat(v, 'f', 2, 64)
	}
	return strconv.FormatFloat(v, 'f', 1, 64)
}
