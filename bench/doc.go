// Package bench compares github.com/nlgo/netlink with the other Go netlink
// libraries, side by side and on identical input. It is a module of its own
// so that the root module never depends on the libraries it is compared
// with.
//
// Everything lives in test files, one per workload and one per
// implementation:
//
//   - gen_test.go builds the inputs once, and the output every encoder must
//     produce, with its own minimal appender.
//   - codec_test.go holds the codec workloads: decoding a 1,000-message
//     RTM_GETLINK dump and encoding one RTM_NEWLINK request. It checks that
//     every implementation reaches the same result before anything is
//     timed.
//   - codec_<impl>_test.go is one implementation's codec: nlgo (this
//     library), mdlayher (github.com/mdlayher/netlink), vishvananda (the nl
//     package of github.com/vishvananda/netlink) and floor (encoding/binary
//     by hand, the fastest a Go codec can reasonably be).
//
// Benchmarks are named Benchmark<Workload>/impl=<implementation>, so that
// benchstat -col /impl sets the implementations side by side. run.sh runs
// them, summarises them with benchstat and prints each implementation's time
// as a multiple of the floor's (see cmd/benchratio):
//
//	./run.sh                    # -count 6, about a minute
//	COUNT=10 ./run.sh
//	go test -bench Decode/nlgo -cpuprofile cpu.out
//
// The module builds on Linux only: vishvananda/netlink's nl package does.
package bench
