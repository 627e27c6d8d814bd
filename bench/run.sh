#!/usr/bin/env bash
# run.sh runs the benchmarks of every implementation side by side, the
# codec ones and the Conn ones, summarises them with benchstat and prints a
# table of medians with each implementation's time as a multiple of the
# floor's (the hand-written codec, and the blocking-socket floor), its
# allocations, and for the fan-in the messages received per second and the
# share dropped.
#
# As root it first makes the benchmark network namespace (./setup.sh, which
# keeps one already made); otherwise the Conn benchmarks skip. It then runs
# the tests that check every implementation does the same work, so a broken
# benchmark fails before anything is timed, and reports this library's
# allocation budget on the Conn workloads and its idle-Conn memory budget
# without stopping on them.
#
# The test binary is built once and run COUNT times over every benchmark,
# so that implementations alternate and a burst of load elsewhere on the
# machine spreads over all of them; the table shows medians. The paired
# benchmarks (BenchmarkPaired*, paired_test.go) time each implementation
# and the blocking floor in the same iterations, so their x-floor column
# does not drift with the machine's load: the goals are judged on it.
#
# Environment:
#   COUNT  rounds, each running every benchmark once (default 6)
#   BENCH  the -bench pattern (default: every codec and Conn benchmark)
#   OUT    directory for raw.txt, the raw go test output, and bench.test
#          (default: a new temporary directory)
set -euo pipefail
cd "$(dirname "$0")"

count=${COUNT:-6}
bench=${BENCH:-'^Benchmark(Decode|Encode|GetLink|DumpLinks|DumpAddrs|GetFamily|FanIn|SharedGetLink|IdleConns|PairedGetLink|PairedDumpLinks|PairedDumpAddrs|PairedGetFamily|PairedSharedGetLink|PairedTypedDumpLinks)$'}
out=${OUT:-$(mktemp -d)}
mkdir -p "$out"

gobin=$(go env GOBIN)
export PATH="${gobin:-$(go env GOPATH)/bin}:$PATH"
if ! command -v benchstat >/dev/null; then
	echo "== installing benchstat"
	go install golang.org/x/perf/cmd/benchstat@latest
fi

if [[ $(id -u) -eq 0 ]]; then
	echo "== benchmark network namespace"
	./setup.sh
else
	echo "== not root: the Conn benchmarks (GetLink ... FanIn) will skip"
fi

echo "== checking that every implementation does the same work"
go test -count 1 -run '^(TestSameResults|TestDecodersRejectMalformed|TestAllocations|TestConnSameReplies|TestFanInSameMessages|TestSharedSameReplies|TestTypedSameLinks)$' .

echo "== this library's allocation and idle-memory budgets (reported, not enforced here)"
if ! go test -count 1 -run '^(TestConnAllocations|TestIdleConnMemory)$' . ; then
	echo "== a budget MISSED (see above); continuing with the benchmarks"
fi

echo "== benchmarks, $count rounds, raw output in $out/raw.txt"
go test -c -o "$out/bench.test" .
: >"$out/raw.txt"
for ((round = 1; round <= count; round++)); do
	echo "-- round $round of $count, load average $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown)"
	"$out/bench.test" -test.run '^$' -test.bench "$bench" -test.benchmem -test.count 1 | tee -a "$out/raw.txt"
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown)"

echo
echo "== benchstat, implementations side by side (the floor is the base)"
benchstat -col /impl "$out/raw.txt"

echo
echo "== medians, relative to the floor (x-floor: paired with the floor, op by op)"
go run ./cmd/benchratio -base floor "$out/raw.txt"
