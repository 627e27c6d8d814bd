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
//   - conn_test.go holds the request workloads, run against the kernel in
//     the network namespace setup.sh makes: GetLink (RTM_GETLINK for
//     ifindex 1), DumpLinks (1,001 links), DumpAddrs (5,001 IPv6
//     addresses) and GetFamily (CTRL_CMD_GETFAMILY "nlctrl"). Its
//     TestConnSameReplies checks that every implementation gets the replies
//     the floor gets before anything is timed.
//   - fanin_test.go holds the multicast fan-in: one sender writes 200,000
//     64-byte NETLINK_USERSOCK messages to a group as fast as it can, and
//     one listener of each implementation in turn, with an 8 MiB receive
//     buffer, reports the messages it received per second and the
//     percentage the kernel dropped.
//   - conn_<impl>_test.go is one implementation's sockets for those:
//     nlgo (Execute) and nlgoeach (ExecuteEach, the zero-copy streaming
//     form of Execute); mdlayher, with its default Config and
//     with MessageBufferSize 64 KiB (mdlayher64k); vishvananda, on the
//     persistent-socket path of its netlink.Handle; and two floors of
//     plain golang.org/x/sys/unix calls, blocking (floor) and through the
//     Go runtime poller (floorpoll), the realistic floor for a library
//     with deadlines.
//   - paired_test.go times each implementation of the request workloads
//     against the blocking floor op by op, alternating which goes first,
//     and reports x-floor, the ratio of their times over the same
//     iterations: a burst of load from elsewhere lands on both, so the
//     ratio holds still where the side-by-side ones drift.
//   - typed_test.go holds W2 typed: the dump of the 1,001 links decoded
//     into each library's own link values, the generated family/rtlink
//     client's GetlinkDump into one reused LinkAttrs (nlgo, in
//     typed_nlgo_test.go), vishvananda/netlink's Handle.LinkList and
//     jsimonetti/rtnetlink's Link.List, each paired with the blocking
//     floor's W2 (BenchmarkPairedTypedDumpLinks). TestTypedSameLinks
//     checks that all three decode the same index, name, MTU and
//     linkinfo kind for every link first.
//   - shared_test.go holds W7, requests on one shared Conn: 16 goroutines
//     each doing GetLink on one Conn, for this library (nlgo), for
//     mdlayher/netlink, for the same Conn of this library from one
//     goroutine (nlgo1, the Conn's own rate) and for the floor, 16
//     goroutines with a blocking socket each. It reports ns/op per request
//     and req/s, side by side (BenchmarkSharedGetLink) and paired with
//     the floor round by round (BenchmarkPairedSharedGetLink).
//   - idle_test.go measures the Go heap that 1,000 idle Conns hold, each
//     after one GetLink, in a process of its own (the test binary run
//     again; see main_test.go): TestIdleConnMemory holds this library to
//     at most 4 MiB, and BenchmarkIdleConns reports heap-MiB for it and
//     for mdlayher/netlink.
//   - netns_test.go opens the namespace and creates the floor's sockets in
//     it on a locked thread of their own.
//
// Benchmarks are named Benchmark<Workload>/impl=<implementation>, so that
// benchstat -col /impl sets the implementations side by side. run.sh makes
// the namespace (as root), runs every benchmark in interleaved rounds,
// summarises them with benchstat and prints each implementation's time as
// a multiple of the floor's, with the fan-in's rates and drops (see
// cmd/benchratio):
//
//	sudo ./run.sh               # 6 rounds, about 10 minutes
//	COUNT=10 ./run.sh
//	BENCH='^BenchmarkDumpAddrs$' ./run.sh
//	./setup.sh -d               # remove the namespace
//	go test -bench DumpAddrs/impl=nlgo -cpuprofile cpu.out
//
// The Conn benchmarks skip, saying why, without root or without the
// namespace.
//
// The module builds on Linux only: vishvananda/netlink's nl package does.
package bench
