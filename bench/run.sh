#!/usr/bin/env bash
# run.sh runs the codec benchmarks of every implementation side by side,
# summarises them with benchstat and prints a table of medians with each
# implementation's time as a multiple of the hand-written floor's.
#
# It first runs the tests that check every implementation does the same
# work, so a broken benchmark fails before anything is timed.
#
# Environment:
#   COUNT  runs of each benchmark (default 6)
#   BENCH  the -bench pattern (default: the codec benchmarks)
#   OUT    directory for raw.txt, the raw go test output (default: a new
#          temporary directory)
set -euo pipefail
cd "$(dirname "$0")"

count=${COUNT:-6}
bench=${BENCH:-'^Benchmark(Decode|Encode)$'}
out=${OUT:-$(mktemp -d)}
mkdir -p "$out"

gobin=$(go env GOBIN)
export PATH="${gobin:-$(go env GOPATH)/bin}:$PATH"
if ! command -v benchstat >/dev/null; then
	echo "== installing benchstat"
	go install golang.org/x/perf/cmd/benchstat@latest
fi

echo "== checking that every implementation does the same work"
go test -count 1 -run '^(TestSameResults|TestDecodersRejectMalformed|TestAllocations)$' .

echo "== benchmarks, $count runs each, raw output in $out/raw.txt"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown)"
go test -run '^$' -bench "$bench" -benchmem -count "$count" . | tee "$out/raw.txt"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown)"

echo
echo "== benchstat, implementations side by side (the floor is the base)"
benchstat -col /impl "$out/raw.txt"

echo
echo "== medians, relative to the floor"
go run ./cmd/benchratio -base floor "$out/raw.txt"
