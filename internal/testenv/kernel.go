package testenv

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
)

// Feature is a kernel feature that tests need and older kernels lack. A
// test asks with HasFeature or RequireFeature, or reports with Lacks what it
// found missing; each prints a line the VM runner (internal/vmtest) reads,
//
//	nlgo-feature: have NAME (Linux X.Y)
//	nlgo-feature: lack NAME (Linux X.Y; running RELEASE)
//
// and checks against its table of the features each kernel of the matrix
// lacks, so that a kernel that should have a feature and does not fails
// the run rather than skipping, and the README's table of kernels and
// features comes from what the tests met.
type Feature int

// The features, each with the Linux release that brought it (Since).
const (
	// SplitPolicies: generic netlink reports a do and a dump policy for
	// each operation, and names a dump-only one by 0 (split ops, 6.2).
	SplitPolicies Feature = iota + 1
	// NetdevFamily: the generic netlink family "netdev" (6.2).
	NetdevFamily
	// MPTCPFamily: the generic netlink family "mptcp_pm". Linux has it
	// since 5.7, but Debian builds MPTCP only from 6.1 (bookworm): the
	// release here is the matrix's.
	MPTCPFamily
	// IPv4AddrExtAck: adding an IPv4 address twice or deleting a missing
	// one is answered with an extended-ack message (6.6).
	IPv4AddrExtAck
	// UintAttrs: the kernel emits NLA_UINT and NLA_SINT (nla_put_uint, 6.7).
	UintAttrs
	// ListenAllNSIDOption: getsockopt(NETLINK_LISTEN_ALL_NSID), which
	// setsockopt has had since 4.2 (6.9).
	ListenAllNSIDOption
	// DumpExtAck: the error that ends a dump carries every extended-ack
	// attribute, the offending attribute's offset too, not only the
	// message (6.10).
	DumpExtAck
	// IPv4MCAddrGroup: rtnetlink's group 37, RTNLGRP_IPV4_MCADDR, above
	// the 32 groups of the legacy mask (6.13).
	IPv4MCAddrGroup
	// TsinfoProvider: ethtool's TSINFO_GET takes a hardware timestamp
	// provider (ETHTOOL_A_TSINFO_HWTSTAMP_PROVIDER), whose index and
	// qualifier are required, so that leaving them out is answered with
	// NLMSGERR_ATTR_MISS_TYPE and MISS_NEST (6.14).
	TsinfoProvider
	maxFeature
)

type featureInfo struct {
	name         string
	major, minor int
}

// info is the table of features: a switch, not a variable, so nothing can
// change it.
func (f Feature) info() featureInfo {
	switch f {
	case SplitPolicies:
		return featureInfo{"split do/dump policies", 6, 2}
	case NetdevFamily:
		return featureInfo{"genl family netdev", 6, 2}
	case MPTCPFamily:
		return featureInfo{"genl family mptcp_pm", 6, 1}
	case IPv4AddrExtAck:
		return featureInfo{"IPv4 address ext-ack messages", 6, 6}
	case UintAttrs:
		return featureInfo{"NLA_UINT/NLA_SINT", 6, 7}
	case ListenAllNSIDOption:
		return featureInfo{"getsockopt NETLINK_LISTEN_ALL_NSID", 6, 9}
	case DumpExtAck:
		return featureInfo{"full ext-ack in a dump's error", 6, 10}
	case IPv4MCAddrGroup:
		return featureInfo{"RTNLGRP_IPV4_MCADDR (group 37)", 6, 13}
	case TsinfoProvider:
		return featureInfo{"ethtool tsinfo hwtstamp provider", 6, 14}
	}
	return featureInfo{"Feature(" + strconv.Itoa(int(f)) + ")", 0, 0}
}

// Features lists every Feature, oldest release first.
func Features() []Feature {
	fs := make([]Feature, 0, maxFeature-1)
	for f := Feature(1); f < maxFeature; f++ {
		fs = append(fs, f)
	}
	for i := 1; i < len(fs); i++ { // insertion sort by release
		for j := i; j > 0 && fs[j].before(fs[j-1]); j-- {
			fs[j], fs[j-1] = fs[j-1], fs[j]
		}
	}
	return fs
}

func (f Feature) before(g Feature) bool {
	a, b := f.info(), g.info()
	return a.major < b.major || a.major == b.major && a.minor < b.minor
}

// String returns the feature's name, as the marker lines print it.
func (f Feature) String() string { return f.info().name }

// Since returns the Linux release that brought the feature.
func (f Feature) Since() (major, minor int) { i := f.info(); return i.major, i.minor }

// KernelRelease returns the running kernel's release (uname -r) and its
// major and minor numbers.
func KernelRelease() (release string, major, minor int, err error) {
	b, err := os.ReadFile("/proc/sys/kernel/osrelease")
	if err != nil {
		return "", 0, 0, err
	}
	release = strings.TrimSpace(string(b))
	major, minor, err = ParseRelease(release)
	return release, major, minor, err
}

// ParseRelease returns the major and minor numbers of a kernel release
// such as "6.1.0-57-amd64".
func ParseRelease(release string) (major, minor int, err error) {
	if _, err := fmt.Sscanf(release, "%d.%d", &major, &minor); err != nil {
		return 0, 0, fmt.Errorf("kernel release %q: %w", release, err)
	}
	return major, minor, nil
}

// KernelAtLeast reports whether the running kernel is at least
// major.minor, failing the test if it cannot tell.
func KernelAtLeast(t testing.TB, major, minor int) bool {
	t.Helper()
	_, ma, mi, err := KernelRelease()
	if err != nil {
		t.Fatal(err)
	}
	return ma > major || ma == major && mi >= minor
}

// HasFeature reports whether the running kernel's release has f, and
// prints the marker line saying so.
func HasFeature(t testing.TB, f Feature) bool {
	t.Helper()
	rel, ma, mi, err := KernelRelease()
	if err != nil {
		t.Fatal(err)
	}
	fma, fmi := f.Since()
	if ma > fma || ma == fma && mi >= fmi {
		t.Logf("nlgo-feature: have %s (Linux %d.%d)", f, fma, fmi)
		return true
	}
	t.Logf("nlgo-feature: lack %s (Linux %d.%d; running %s)", f, fma, fmi, rel)
	return false
}

// RequireFeature skips the test, naming the feature and both releases,
// unless the running kernel's release has f. The skip is expected even
// under Strict: the runner checks it against its table instead.
func RequireFeature(t testing.TB, f Feature) {
	t.Helper()
	if !HasFeature(t, f) {
		t.SkipNow()
	}
}

// Found reports that the test found f present, printing the marker line.
// On a kernel older than f's release the runner takes it for a backport
// and fails the run: its table says the kernel lacks f.
func Found(t testing.TB, f Feature) {
	t.Helper()
	fma, fmi := f.Since()
	t.Logf("nlgo-feature: have %s (Linux %d.%d)", f, fma, fmi)
}

// Lacks reports that the test found f missing (err says how). On a kernel
// older than f's release that is expected and the test skips; on a newer
// one the feature should be there and the test fails.
func Lacks(t testing.TB, f Feature, err error) {
	t.Helper()
	rel, ma, mi, rerr := KernelRelease()
	if rerr != nil {
		t.Fatal(rerr)
	}
	fma, fmi := f.Since()
	if ma > fma || ma == fma && mi >= fmi {
		t.Fatalf("Linux %s should have %s (since %d.%d), but: %v", rel, f, fma, fmi, err)
	}
	t.Skipf("nlgo-feature: lack %s (Linux %d.%d; running %s): %v", f, fma, fmi, rel, err)
}
