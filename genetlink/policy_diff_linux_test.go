package genetlink_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"math/bits"
	"sort"
	"strings"
	"syscall"
	"testing"

	"github.com/nlgo/netlink"
)

// The request generator and the scorekeeping of the differential tests of
// netlink.Policy against the kernel: the host's families
// (integration_policy_linux_test.go) and the nlgo_test module's policy
// family in the VM (kmod_policy_vm_test.go).

// diffCase is one request of the differential test: its attribute under
// test, encoded, and where it came from.
type diffCase struct {
	what string
	attr []byte
}

// intBytes encodes v in n bytes, native order.
func intBytes(v uint64, n int) []byte {
	b := make([]byte, 8)
	binary.NativeEndian.PutUint64(b, v)
	if binary.NativeEndian.Uint16([]byte{1, 0}) != 1 { // big-endian: the low bytes are last
		return b[8-n:]
	}
	return b[:n]
}

// policyCases returns the requests at and across the limits of every
// attribute of p, then attributes p does not have: type 0 and the type
// after its last.
func policyCases(p *netlink.Policy) []diffCase {
	var cs []diffCase
	for typ, a := range p.Attributes {
		cs = append(cs, boundaryCases(uint16(typ), a, 0)...)
	}
	return append(cs, unknownCases(p, "")...)
}

// unknownCases returns attributes of types p does not know, named with
// prefix: type 0, and the type after p's last.
func unknownCases(p *netlink.Policy, prefix string) []diffCase {
	over := uint16(len(p.Attributes))
	return []diffCase{
		{what: prefix + "type 0", attr: attr(0, make([]byte, 4))},
		{what: fmt.Sprintf("%stype %d (over the policy)", prefix, over), attr: attr(over, make([]byte, 4))},
	}
}

// intSizes holds the payload size of each fixed-size integer kind.
var intSizes = map[netlink.AttributeKind]int{netlink.KindU8: 1, netlink.KindU16: 2, netlink.KindU32: 4, netlink.KindU64: 8,
	netlink.KindS8: 1, netlink.KindS16: 2, netlink.KindS32: 4, netlink.KindS64: 8}

// boundaryCases returns requests at and across the limits of attribute
// typ of policy a, and, for a nest, those of its attributes inside it.
func boundaryCases(typ uint16, a netlink.AttributePolicy, depth int) []diffCase {
	name := fmt.Sprintf("%d", typ)
	var cs []diffCase
	add := func(what string, payload []byte) {
		cs = append(cs, diffCase{what: name + " " + what, attr: attr(typ, payload)})
	}
	// ok is a payload the policy admits, for the cases that change
	// only the attribute's flags.
	var ok []byte
	switch k := a.Kind; k {
	case netlink.KindU8, netlink.KindU16, netlink.KindU32, netlink.KindU64, netlink.KindS8, netlink.KindS16, netlink.KindS32, netlink.KindS64:
		n := intSizes[k]
		ok = intBytes(admitted(a), n)
		add("length-1", make([]byte, n-1))
		add("length", make([]byte, n))
		add("length+1", make([]byte, n+1))
		for what, v := range edgeValues(a, n) {
			add(what, intBytes(v, n))
		}
	case netlink.KindUint, netlink.KindSint:
		ok = intBytes(admitted(a), 8)
		add("4 bytes", make([]byte, 4))
		add("8 bytes", make([]byte, 8))
		add("6 bytes", make([]byte, 6))
		add("9 bytes", make([]byte, 9))
		for what, v := range edgeValues(a, 8) {
			add(what, intBytes(v, 8))
			// The same value in 4 bytes, where it fits.
			if fits32(v, k == netlink.KindSint) {
				add(what+" in 4 bytes", intBytes(v, 4))
			}
		}
	case netlink.KindString, netlink.KindNulString:
		ok = []byte("a\x00")
		add("empty", nil)
		add("NUL", []byte{0})
		add("no NUL", []byte("ab"))
		add("NUL inside", []byte("a\x00b"))
		if m := a.MaxLen; m > 0 && m < 4096 {
			s := bytes.Repeat([]byte("a"), m)
			add("max", s)
			add("max NUL", append(bytes.Clone(s), 0))
			add("max+1", append(bytes.Clone(s), 'a'))
			add("max+1 NUL", append(append(bytes.Clone(s), 'a'), 0))
			add("NUL first, max+2", append([]byte{0}, append(bytes.Clone(s), 'a')...))
		}
	case netlink.KindBinary:
		ok = make([]byte, a.MinLen)
		add("empty", nil)
		add("100 bytes", make([]byte, 100))
		if a.MinLen > 0 {
			add("min-1", make([]byte, a.MinLen-1))
			add("min", make([]byte, a.MinLen))
			add("min+1", make([]byte, a.MinLen+1))
		}
		if a.MaxLen > 0 && a.MaxLen < 4096 {
			add("max", make([]byte, a.MaxLen))
			add("max+1", make([]byte, a.MaxLen+1))
		}
	case netlink.KindFlag:
		add("empty", nil)
		add("1 byte", []byte{1})
	case netlink.KindBitfield32:
		m := uint32(a.Mask)
		ok = make([]byte, 8)
		add("4 bytes", make([]byte, 4))
		add("12 bytes", make([]byte, 12))
		add("valid", append(intBytes(uint64(m), 4), intBytes(uint64(m), 4)...))
		add("unselected value", append(intBytes(uint64(m), 4), make([]byte, 4)...))
		if out := ^m & -^m; out != 0 {
			add("outside selector", append(make([]byte, 4), intBytes(uint64(out), 4)...))
			add("value outside valid", append(intBytes(uint64(out), 4), intBytes(uint64(m), 4)...))
		}
	case netlink.KindNested, netlink.KindNestedArray:
		return nestCases(typ, a, depth)
	default:
		return nil
	}
	cs = append(cs, diffCase{what: name + " NLA_F_NESTED set", attr: attr(typ|netlink.AttributeNested, ok)})
	cs = append(cs, diffCase{what: name + " NLA_F_NET_BYTEORDER set", attr: attr(typ|netlink.AttributeNetByteOrder, ok)})
	return cs
}

// nestCases returns requests for nest or nested array typ of policy a:
// malformed nests, and, at depth 0, the boundary requests of the nested
// policy inside it (inside an entry for an array).
func nestCases(typ uint16, a netlink.AttributePolicy, depth int) []diffCase {
	name := fmt.Sprintf("%d", typ)
	nested := typ | netlink.AttributeNested
	array := a.Kind == netlink.KindNestedArray
	cs := []diffCase{
		{name + " empty", attr(nested, nil)},
		{name + " 2 bytes", attr(nested, []byte{1, 2})},
		{name + " without NLA_F_NESTED", attr(typ, nil)},
	}
	if array {
		cs = append(cs,
			diffCase{name + " empty entry", attr(nested, attr(1|netlink.AttributeNested, nil))},
			diffCase{name + " entry of 2 bytes", attr(nested, attr(1|netlink.AttributeNested, []byte{1, 2}))},
			diffCase{name + " entry without NLA_F_NESTED", attr(nested, attr(1, nil))})
	}
	if a.Nested == nil || depth > 0 {
		return cs
	}
	wrap := func(c diffCase) diffCase {
		inner := c.attr
		if array {
			inner = attr(1|netlink.AttributeNested, inner)
		}
		return diffCase{what: name + "." + c.what, attr: attr(nested, inner)}
	}
	strict := &netlink.Policy{Attributes: a.Nested.Attributes, Strict: true}
	var valid []byte // an attribute the nested policy admits, strictly
	for it, ia := range a.Nested.Attributes {
		for _, c := range boundaryCases(uint16(it), ia, depth+1) {
			cs = append(cs, wrap(c))
			if valid == nil && strict.Validate(c.attr) == nil {
				valid = c.attr
			}
		}
	}
	for _, c := range unknownCases(a.Nested, "") {
		cs = append(cs, wrap(c))
	}
	if valid != nil {
		// Bytes left over after the last attribute inside.
		cs = append(cs, wrap(diffCase{what: "2 bytes after an attribute", attr: append(bytes.Clone(valid), 1, 2)}))
	}
	return cs
}

// admitted returns a value that integer policy a admits.
func admitted(a netlink.AttributePolicy) uint64 {
	switch {
	case a.Unsigned != nil:
		return a.Unsigned.Min
	case a.Signed != nil:
		return uint64(a.Signed.Min)
	}
	return 0
}

// fits32 reports whether v, signed or not, survives a round trip
// through 4 bytes.
func fits32(v uint64, signed bool) bool {
	if signed {
		return int64(v) == int64(int32(v))
	}
	return v <= math.MaxUint32
}

// edgeValues returns the values at and across the range and mask of
// integer policy a, of n bytes, by name.
func edgeValues(a netlink.AttributePolicy, n int) map[string]uint64 {
	vals := map[string]uint64{}
	if r := a.Unsigned; r != nil {
		vals["min"], vals["max"] = r.Min, r.Max
		if r.Min > 0 {
			vals["min-1"] = r.Min - 1
		}
		if r.Max < math.MaxUint64>>(64-8*n) {
			vals["max+1"] = r.Max + 1
		}
	}
	if r := a.Signed; r != nil {
		vals["min"], vals["max"] = uint64(r.Min), uint64(r.Max)
		if r.Min > math.MinInt64>>(64-8*n) {
			vals["min-1"] = uint64(r.Min - 1)
		}
		if r.Max < math.MaxInt64>>(64-8*n) {
			vals["max+1"] = uint64(r.Max + 1)
		}
	}
	if a.Mask != 0 {
		vals["mask"] = a.Mask
		if out := ^a.Mask & (math.MaxUint64 >> (64 - 8*n)); out != 0 {
			vals["outside mask"] = out & -out
			vals["highest bit outside mask"] = uint64(1) << (63 - bits.LeadingZeros64(out))
		}
	}
	return vals
}

// diffRow counts the outcomes of one family's requests.
type diffRow struct {
	ops, cases               int
	bothReject, bothAccept   int
	unforeseen, clientOnly   int
	errnoDiffers, notReached int
	noOffset                 int // the kernel rejected, naming no attribute
	examples                 []string
	clientOnlyExamples       []string // where the contract is not asserted
}

// record counts in r the outcome of request what: local is the client's
// verdict (nil: it accepts), kernelErr the kernel's (nil: it accepts) and
// kernelOff the offset its extended acknowledgement names (0: none).
// Under contract it fails t where the contract breaks: the client flags
// what the kernel accepts, or the kernel rejects what the client flags
// with another errno than EINVAL or ERANGE, or at another attribute.
func (r *diffRow) record(t *testing.T, contract bool, what string, local *netlink.PolicyError, kernelErr error, kernelOff uint32) {
	t.Helper()
	r.cases++
	fail := func(format string, args ...any) {
		t.Helper()
		if contract {
			t.Errorf(what+": "+format, args...)
		}
	}
	switch {
	case local != nil && kernelErr != nil:
		r.bothReject++
		if !errors.Is(kernelErr, syscall.EINVAL) && !errors.Is(kernelErr, syscall.ERANGE) {
			fail("the kernel rejects what the client flags (%v) with %v, not EINVAL or ERANGE", local, kernelErr)
		}
		switch {
		case kernelOff == 0:
			r.noOffset++
			fail("client %v, the kernel %v at no attribute", local, kernelErr)
		case uint32(local.Offset) != kernelOff:
			fail("client %v, kernel %v at offset %d", local, kernelErr, kernelOff)
		}
		// The errno differs where the kernel validates strictly
		// (EINVAL for a wrong length) and the converted policy,
		// not knowing, is lenient (ERANGE): counted, not failed.
		if !errors.Is(kernelErr, local.Errno) {
			r.errnoDiffers++
		}
	case local != nil:
		r.clientOnly++
		fail("the client flags what the kernel accepts: %v", local)
		if !contract && len(r.clientOnlyExamples) < 6 {
			r.clientOnlyExamples = append(r.clientOnlyExamples, fmt.Sprintf("client only: %s: %v", what, local))
		}
	case kernelErr != nil:
		r.unforeseen++
		if kernelOff == 0 {
			r.noOffset++
		}
		if len(r.examples) < 6 {
			r.examples = append(r.examples, fmt.Sprintf("unforeseen: %s: %v", what, kernelErr))
		}
	default:
		r.bothAccept++
	}
}

// diffTable formats the rows, by name, and their total, then the examples.
func diffTable(rows map[string]*diffRow) string {
	var names []string
	for n := range rows {
		names = append(names, n)
	}
	sort.Strings(names)
	var b strings.Builder
	var total diffRow
	fmt.Fprintf(&b, "\n%-34s %4s %6s %12s %12s %11s %12s %13s %10s %12s\n", "family", "ops", "cases",
		"both reject", "both accept", "unforeseen", "client only", "errno differs", "no offset", "not reached")
	line := func(name string, r *diffRow) {
		fmt.Fprintf(&b, "%-34s %4d %6d %12d %12d %11d %12d %13d %10d %12d\n", name, r.ops, r.cases,
			r.bothReject, r.bothAccept, r.unforeseen, r.clientOnly, r.errnoDiffers, r.noOffset, r.notReached)
	}
	for _, n := range names {
		r := rows[n]
		line(n, r)
		total.ops += r.ops
		total.cases += r.cases
		total.bothReject += r.bothReject
		total.bothAccept += r.bothAccept
		total.unforeseen += r.unforeseen
		total.clientOnly += r.clientOnly
		total.errnoDiffers += r.errnoDiffers
		total.noOffset += r.noOffset
		total.notReached += r.notReached
	}
	if len(names) > 1 {
		line("total", &total)
	}
	for _, n := range names {
		for _, e := range append(rows[n].clientOnlyExamples, rows[n].examples...) {
			fmt.Fprintf(&b, "  %s: %s\n", n, e)
		}
	}
	return b.String()
}
