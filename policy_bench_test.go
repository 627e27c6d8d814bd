package netlink

import (
	"fmt"
	"testing"
	"time"
)

// linkDumpPolicy is a route policy for the messages linkDump builds: each
// of their 40 attribute types, with the kinds, lengths and ranges of the
// kernel's ifla_policy where the types correspond.
func linkDumpPolicy() *Policy {
	attrs := make([]AttributePolicy, 41)
	attrs[1] = AttributePolicy{Name: "IFLA_ADDRESS", Kind: KindBinary, MaxLen: 32}
	attrs[2] = AttributePolicy{Name: "IFLA_BROADCAST", Kind: KindBinary, MaxLen: 32}
	attrs[3] = AttributePolicy{Name: "IFLA_IFNAME", Kind: KindString, MaxLen: 15}
	for t := 4; t < 30; t++ {
		attrs[t] = AttributePolicy{Name: fmt.Sprintf("IFLA_U32_%d", t), Kind: KindU32}
	}
	attrs[4].Unsigned = &UnsignedRange{Min: 68, Max: 1 << 20}   // IFLA_MTU-like
	attrs[13].Unsigned = &UnsignedRange{Min: 0, Max: 1 << 24}   // IFLA_TXQLEN-like
	attrs[29].Unsigned = &UnsignedRange{Min: 1, Max: 1<<32 - 1} // IFLA_GSO_MAX_SIZE-like
	for t := 30; t < 36; t++ {
		attrs[t] = AttributePolicy{Name: fmt.Sprintf("IFLA_U8_%d", t), Kind: KindU8}
	}
	attrs[30].Unsigned = &UnsignedRange{Min: 0, Max: 64} // IFLA_OPERSTATE-like
	attrs[36] = AttributePolicy{Name: "IFLA_QDISC", Kind: KindNulString, MaxLen: 15}
	attrs[37] = AttributePolicy{Name: "IFLA_STATS64", Kind: KindBinary, MinLen: 192}
	attrs[38] = AttributePolicy{Name: "IFLA_U64", Kind: KindU64}
	attrs[39] = AttributePolicy{Name: "IFLA_LINKINFO", Kind: KindNested, Nested: &Policy{Attributes: []AttributePolicy{
		1: {Name: "IFLA_INFO_A", Kind: KindU32},
		2: {Name: "IFLA_INFO_B", Kind: KindU32, Mask: 0xff},
	}}}
	attrs[40] = AttributePolicy{Name: "IFLA_NEW_IFINDEX", Kind: KindS32, Signed: &SignedRange{Min: 0, Max: 1<<31 - 1}}
	return &Policy{Attributes: attrs}
}

// validateLinkDump validates every RTM_NEWLINK message of dgram.
func validateLinkDump(p *Policy, dgram []byte) (int, error) {
	n := 0
	for m, err := range Messages(dgram) {
		if err != nil {
			return n, err
		}
		if m.Header.Type != 16 {
			continue
		}
		if err := p.Validate(m.Data[16:]); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// BenchmarkPolicyLinkDump validates the 1,000-link dump against a route
// policy; BenchmarkWalkLinkDump is the plain decode walk of the same dump,
// and BenchmarkPolicyLinkDumpPaired their ratio.
func BenchmarkPolicyLinkDump(b *testing.B) {
	dgram := linkDump(1000)
	p := linkDumpPolicy()
	b.SetBytes(int64(len(dgram)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := validateLinkDump(p, dgram); err != nil {
			b.Fatal(err)
		}
	}
}

func TestPolicyLinkDumpAllocs(t *testing.T) {
	dgram := linkDump(1000)
	p := linkDumpPolicy()
	if n, err := validateLinkDump(p, dgram); err != nil || n != 1000 {
		t.Fatalf("validated %d links: %v", n, err)
	}
	if n := testing.AllocsPerRun(5, func() {
		if _, err := validateLinkDump(p, dgram); err != nil {
			panic(err)
		}
	}); n != 0 {
		t.Errorf("validating 1,000 links allocated %v times per run, want 0", n)
	}
	// Every check runs: the policy does reject a link out of its range.
	bad := linkDump(3)
	p = linkDumpPolicy() // a new one: a policy in use must not change
	p.Attributes[30].Unsigned = &UnsignedRange{Min: 0, Max: 29}
	if _, err := validateLinkDump(p, bad); err == nil {
		t.Error("a u8 of 30 passed a range of 0..29")
	}
}

// BenchmarkPolicyLinkDumpPaired times validation of the 1,000-link dump
// against the plain decode walk in the same iterations, alternating, and
// reports their ratio as x-walk (the goal: at most 1.3), so that a busy
// machine slows both alike. A benchmark, not a test: timings on a shared
// machine are not assertions.
func BenchmarkPolicyLinkDumpPaired(b *testing.B) {
	dgram := linkDump(1000)
	p := linkDumpPolicy()
	var d AttributeDecoder
	var sum uint64
	walk := func() {
		n, err := walkLinkDump(&d, dgram)
		if err != nil {
			b.Fatal(err)
		}
		sum += n
	}
	validate := func() {
		if _, err := validateLinkDump(p, dgram); err != nil {
			b.Fatal(err)
		}
	}
	var walkTime, validateTime time.Duration
	i := 0
	b.ReportAllocs()
	for b.Loop() {
		first, second := walk, validate
		if i%2 == 1 {
			first, second = validate, walk
		}
		t0 := time.Now()
		first()
		t1 := time.Now()
		second()
		t2 := time.Now()
		if i%2 == 0 {
			walkTime, validateTime = walkTime+t1.Sub(t0), validateTime+t2.Sub(t1)
		} else {
			validateTime, walkTime = validateTime+t1.Sub(t0), walkTime+t2.Sub(t1)
		}
		i++
	}
	b.ReportMetric(float64(validateTime)/float64(walkTime), "x-walk")
	_ = sum
}
