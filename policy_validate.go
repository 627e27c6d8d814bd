package netlink

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"slices"
	"syscall"
)

// Validate checks the attributes in b against p. It returns nil when they
// conform, and otherwise a *PolicyError for the first violation, whose
// Offset counts from the start of b. It allocates nothing unless it fails,
// but on the first use of p and of each policy nested in it, when it keeps
// a summary of their attributes.
func (p *Policy) Validate(b []byte) error {
	return validate(p, b, 0)
}

// ValidateMessage checks the attributes of m, which follow a family header
// of familyHeaderLen bytes (4 for generic netlink, 16 for an ifinfomsg),
// padded to Alignment, against p. Offsets in the *PolicyError count from
// the start of m's header, as the kernel's extended acknowledgement
// (ExtAck.Offset) does. A payload shorter than the family header is an
// error wrapping ErrShortMessage.
func (p *Policy) ValidateMessage(m Message, familyHeaderLen int) error {
	start := Align(familyHeaderLen)
	if familyHeaderLen < 0 || len(m.Data) < familyHeaderLen {
		return parseErrorf("message", HeaderLen, int(m.Header.Type), ErrShortMessage,
			"payload of %d bytes, the family header needs %d", len(m.Data), familyHeaderLen)
	}
	if start > len(m.Data) {
		start = len(m.Data)
	}
	return validate(p, m.Data[start:], HeaderLen+start)
}

// Decode validates b against p and then resets d to walk b, so that the
// caller's walk meets only attributes that conform: lengths and values in
// range, getters that cannot fail on the attributes the policy knows.
// On a violation d is reset to an empty buffer and the *PolicyError
// returned. d's ByteOrder is not changed.
func (p *Policy) Decode(d *AttributeDecoder, b []byte) error {
	if err := p.Validate(b); err != nil {
		d.Reset(nil)
		return err
	}
	d.Reset(b)
	return nil
}

// maxPolicyDepth bounds recursion through nested policies.
const maxPolicyDepth = MaxNestingDepth

// validator is the state of one Validate.
type validator struct {
	strict bool // the outermost policy's Strict, which nests inherit
	slow   bool // check decides everything: for the test that the fast checks agree
}

// validate runs a validator over b, at offset off, and returns a nil
// error or a *PolicyError with its path in order.
func validate(p *Policy, b []byte, off int) error {
	return validator{strict: p.Strict}.run(p, b, off)
}

func (v validator) run(p *Policy, b []byte, off int) error {
	if err := v.walk(p, b, off, 0); err != nil {
		slices.Reverse(err.Path)
		return err
	}
	return nil
}

// walk validates the attributes in b, which lies at offset off of the
// outermost buffer, at nesting depth depth, against p (never nil). The
// path of the error it returns is reversed: the innermost element first.
func (v *validator) walk(p *Policy, b []byte, off, depth int) *PolicyError {
	var seen [4]uint64 // types below 256 already met, for Once
	attrs, fast := p.Attributes, p.fastChecks()
	if v.slow {
		fast = slices.Clone(fast)
		for i := range fast {
			fast[i].op = fastNone
		}
	}
	pos := 0
	for len(b)-pos >= AttributeHeaderLen {
		h := b[pos : pos+AttributeHeaderLen : pos+AttributeHeaderLen]
		n := int(binary.NativeEndian.Uint16(h))
		raw := binary.NativeEndian.Uint16(h[2:])
		if n < AttributeHeaderLen || n > len(b)-pos {
			break
		}
		t := raw & AttributeTypeMask
		next := pos + AttributeAlign(n)
		if int(t) >= len(fast) {
			if v.strict {
				return v.fail(p, t, off+pos, syscall.EINVAL, "unknown attribute type")
			}
			pos = next
			continue
		}
		f := &fast[t]
		if f.once {
			if a := &attrs[t]; t < 256 {
				w, bit := t>>6, uint64(1)<<(t&63)
				if seen[w]&bit != 0 && (a.Kind != KindUnspec || a.MinLen != 0) {
					return v.fail(p, t, off+pos, syscall.EINVAL, "repeated, and the policy allows it once")
				}
				seen[w] |= bit
			} else if (a.Kind != KindUnspec || a.MinLen != 0) && repeated(b[:pos], t) {
				return v.fail(p, t, off+pos, syscall.EINVAL, "repeated, and the policy allows it once")
			}
		}
		// The fast checks pass the commonest attributes on their summary
		// alone; what they do not pass, check decides. FuzzPolicyFastChecks
		// holds them to passing only what check passes.
		if raw&AttributeNested == 0 {
			switch n := uint64(n - AttributeHeaderLen); f.op {
			case fastSize:
				if n == uint64(f.size) {
					pos = next
					continue
				}
			case fastInt:
				if n == uint64(f.size) {
					var u uint64
					data := b[pos+AttributeHeaderLen:]
					switch n {
					case 1:
						u = uint64(data[0])
					case 2:
						u = uint64(binary.NativeEndian.Uint16(data))
					case 4:
						u = uint64(binary.NativeEndian.Uint32(data))
					default:
						u = binary.NativeEndian.Uint64(data)
					}
					if u >= f.min && u <= f.max {
						pos = next
						continue
					}
				}
			case fastSint:
				if n == uint64(f.size) {
					var i int64
					data := b[pos+AttributeHeaderLen:]
					switch n {
					case 1:
						i = int64(int8(data[0]))
					case 2:
						i = int64(int16(binary.NativeEndian.Uint16(data)))
					case 4:
						i = int64(int32(binary.NativeEndian.Uint32(data)))
					default:
						i = int64(binary.NativeEndian.Uint64(data))
					}
					if i >= int64(f.min) && i <= int64(f.max) {
						pos = next
						continue
					}
				}
			case fastLen:
				if n >= f.min && n <= f.max {
					pos = next
					continue
				}
			case fastNul:
				if n >= 1 && n <= f.max && b[pos+int(n)+AttributeHeaderLen-1] == 0 {
					pos = next
					continue
				}
			}
		}
		a, data := &attrs[t], b[pos+AttributeHeaderLen:pos+n]
		if t == 0 || a.Kind == KindUnspec && a.MinLen == 0 {
			if v.strict {
				return v.fail(p, t, off+pos, syscall.EINVAL, "unknown attribute type")
			}
		} else if err := v.check(p, a, raw, data, off+pos, depth); err != nil {
			return err
		}
		pos = next
	}
	if pos < len(b) && v.strict {
		return v.fail(p, noType, off+pos, syscall.EINVAL, "%d bytes left over after the last attribute", len(b)-pos)
	}
	return nil
}

// A fastCheck summarises an AttributePolicy for walk's fast checks.
type fastCheck struct {
	min, max uint64 // fastInt's value range; fastLen's length range
	op       uint8  // fastNone, fastInt or fastLen
	size     uint8  // fastInt's payload size
	once     bool   // the policy's Once
}

// The fast checks.
const (
	fastNone = iota // check decides
	fastSize        // an integer of exactly size bytes, any value
	fastInt         // an unsigned integer of exactly size bytes, native order, within min..max
	fastSint        // a signed integer of exactly size bytes, native order, within int64(min)..int64(max)
	fastLen         // a binary or string payload of min..max bytes
	fastNul         // a string of 1..max bytes, the last a NUL
)

// fastChecks returns p's attributes summarised, made on p's first use.
func (p *Policy) fastChecks() []fastCheck {
	if f := p.fast.Load(); f != nil {
		return *f
	}
	f := make([]fastCheck, len(p.Attributes))
	for t := range p.Attributes {
		f[t] = summarise(&p.Attributes[t])
	}
	p.fast.Store(&f)
	return f
}

// summarise returns a's fast check: what it passes, check passes too.
func summarise(a *AttributePolicy) fastCheck {
	f := fastCheck{once: a.Once, max: math.MaxUint64}
	size := kindSizes[a.Kind&31]
	switch {
	case size != 0 && a.Signed == nil && a.Unsigned == nil && a.Mask == 0:
		f.op, f.size = fastSize, size
	case size != 0 && !a.Kind.signed() && a.Signed == nil && a.Mask == 0 && !a.NetByteOrder:
		f.op, f.size, f.min, f.max = fastInt, size, a.Unsigned.Min, a.Unsigned.Max
	case size != 0 && a.Kind.signed() && a.Signed != nil && a.Mask == 0 && !a.NetByteOrder:
		f.op, f.size, f.min, f.max = fastSint, size, uint64(a.Signed.Min), uint64(a.Signed.Max)
	case a.Kind == KindBinary:
		f.op, f.min = fastLen, uint64(max(a.MinLen, 0))
		if a.MaxLen > 0 {
			f.max = uint64(a.MaxLen)
		}
	case a.Kind == KindNulString:
		f.op = fastNul
		if a.MaxLen > 0 {
			f.max = uint64(a.MaxLen) + 1
		}
	case a.Kind == KindString:
		f.op, f.min = fastLen, 1
		if a.MaxLen > 0 {
			f.max = uint64(a.MaxLen)
		}
	}
	return f
}

// kindSizes holds the payload size of each fixed-size integer kind.
var kindSizes = [32]uint8{KindU8: 1, KindS8: 1, KindU16: 2, KindS16: 2, KindU32: 4, KindS32: 4, KindU64: 8, KindS64: 8}

// noType marks an error about no attribute in particular.
const noType = 0xffff

// repeated reports whether an attribute of type t lies in b, a prefix of
// a buffer that Validate has walked.
func repeated(b []byte, t uint16) bool {
	for pos := 0; len(b)-pos >= AttributeHeaderLen; {
		n := int(binary.NativeEndian.Uint16(b[pos:]))
		if binary.NativeEndian.Uint16(b[pos+2:])&AttributeTypeMask == t {
			return true
		}
		pos += AttributeAlign(n)
	}
	return false
}

// check validates one attribute of raw type raw (flags included) and
// payload data, at offset off, against a, in the order of the kernel's
// validate_nla: exact sizes and the nested flag when strict, then the
// kind's rules, then value ranges and masks.
func (v *validator) check(p *Policy, a *AttributePolicy, raw uint16, data []byte, off, depth int) *PolicyError {
	t := raw & AttributeTypeMask
	n := len(data)
	strict := v.strict
	size := a.Kind.size()
	if strict {
		if size > 0 && n != size {
			return v.fail(p, t, off, syscall.EINVAL, "%s needs %d %s, have %d", a.Kind, size, bytesWord(size), n)
		}
		nested := a.Kind == KindNested || a.Kind == KindNestedArray
		if nested && raw&AttributeNested == 0 {
			return v.fail(p, t, off, syscall.EINVAL, "NLA_F_NESTED is missing")
		}
		if !nested && a.Kind != KindUnspec && raw&AttributeNested != 0 {
			return v.fail(p, t, off, syscall.EINVAL, "NLA_F_NESTED not expected")
		}
	}
	switch a.Kind {
	case KindReject:
		return v.fail(p, t, off, syscall.EINVAL, "rejected by the policy")
	case KindUnspec:
		if strict {
			return v.fail(p, t, off, syscall.EINVAL, "unsupported attribute")
		}
		if n < a.MinLen {
			return v.fail(p, t, off, syscall.ERANGE, "%d %s, at least %d needed", n, bytesWord(n), a.MinLen)
		}
		return nil
	case KindFlag:
		if n > 0 {
			return v.fail(p, t, off, syscall.ERANGE, "flag has a payload of %d %s", n, bytesWord(n))
		}
		return nil
	case KindUint, KindSint:
		if n != 4 && n != 8 {
			return v.fail(p, t, off, syscall.EINVAL, "%s needs 4 or 8 bytes, have %d", a.Kind, n)
		}
	case KindBitfield32:
		return v.bitfield32(p, a, data, off, t)
	case KindNulString:
		limit := n
		if a.MaxLen > 0 {
			limit = min(n, a.MaxLen+1)
		}
		if limit == 0 || bytes.IndexByte(data[:limit], 0) < 0 {
			return v.fail(p, t, off, syscall.EINVAL, "string not NUL-terminated within %d %s", limit, bytesWord(limit))
		}
		return v.string(p, a, data, off, t)
	case KindString:
		return v.string(p, a, data, off, t)
	case KindBinary:
		if n < a.MinLen || a.MaxLen > 0 && n > a.MaxLen {
			return v.failLength(p, a, t, off, n)
		}
		return nil
	case KindNested, KindNestedArray:
		return v.nested(p, a, data, off, depth, t)
	default:
		if n < size {
			return v.fail(p, t, off, syscall.ERANGE, "%s needs %d %s, have %d", a.Kind, size, bytesWord(size), n)
		}
	}
	if a.Unsigned == nil && a.Signed == nil && a.Mask == 0 {
		return nil
	}
	return v.value(p, a, data, off, t)
}

// string applies the rules common to KindString and KindNulString.
func (v *validator) string(p *Policy, a *AttributePolicy, data []byte, off int, t uint16) *PolicyError {
	n := len(data)
	if n < 1 {
		return v.fail(p, t, off, syscall.ERANGE, "empty string")
	}
	if a.MaxLen > 0 {
		if data[n-1] == 0 {
			n--
		}
		if n > a.MaxLen {
			return v.fail(p, t, off, syscall.ERANGE, "string of %d bytes, at most %d allowed", n, a.MaxLen)
		}
	}
	return nil
}

// failLength reports a binary payload outside MinLen..MaxLen.
func (v *validator) failLength(p *Policy, a *AttributePolicy, t uint16, off, n int) *PolicyError {
	if n < a.MinLen {
		return v.fail(p, t, off, syscall.ERANGE, "%d %s, at least %d needed", n, bytesWord(n), a.MinLen)
	}
	return v.fail(p, t, off, syscall.ERANGE, "%d bytes, at most %d allowed", n, a.MaxLen)
}

// bitfield32 validates a struct nla_bitfield32 as validate_nla_bitfield32.
func (v *validator) bitfield32(p *Policy, a *AttributePolicy, data []byte, off int, t uint16) *PolicyError {
	if len(data) != 8 {
		return v.fail(p, t, off, syscall.ERANGE, "bitfield32 needs 8 bytes, have %d", len(data))
	}
	if a.Mask == 0 {
		return nil
	}
	value, selector := binary.NativeEndian.Uint32(data), binary.NativeEndian.Uint32(data[4:])
	valid := uint32(a.Mask)
	switch {
	case selector&^valid != 0:
		return v.fail(p, t, off, syscall.EINVAL, "selector 0x%x outside the valid bits 0x%x", selector, valid)
	case value&^valid != 0:
		return v.fail(p, t, off, syscall.EINVAL, "value 0x%x outside the valid bits 0x%x", value, valid)
	case value&^selector != 0:
		return v.fail(p, t, off, syscall.EINVAL, "value 0x%x sets bits the selector 0x%x does not select", value, selector)
	}
	return nil
}

// nested validates a nest or a nested array with a.Nested.
func (v *validator) nested(p *Policy, a *AttributePolicy, data []byte, off, depth int, t uint16) *PolicyError {
	n := len(data)
	if n == 0 {
		return nil
	}
	if n < AttributeHeaderLen {
		return v.fail(p, t, off, syscall.ERANGE, "nest of %d %s, too short for an attribute", n, bytesWord(n))
	}
	if a.Nested == nil {
		return nil
	}
	if a.Kind == KindNested {
		if depth >= maxPolicyDepth {
			return v.fail(p, t, off, syscall.EINVAL, "nested deeper than %d", maxPolicyDepth)
		}
		return v.within(p, t, v.walk(a.Nested, data, off+AttributeHeaderLen, depth+1))
	}
	// An array: every entry is a nest of a.Nested's attributes, whatever
	// its type (nla_validate_array). Entries take a level of the path.
	if depth+1 >= maxPolicyDepth {
		return v.fail(p, t, off, syscall.EINVAL, "nested deeper than %d", maxPolicyDepth)
	}
	for pos := 0; n-pos >= AttributeHeaderLen; {
		m := int(binary.NativeEndian.Uint16(data[pos:]))
		if m < AttributeHeaderLen || m > n-pos {
			break
		}
		et := binary.NativeEndian.Uint16(data[pos+2:]) & AttributeTypeMask
		switch {
		case m == AttributeHeaderLen:
		case m < 2*AttributeHeaderLen:
			err := v.fail(nil, et, off+AttributeHeaderLen+pos, syscall.ERANGE,
				"array entry of %d %s, too short for an attribute", m-AttributeHeaderLen, bytesWord(m-AttributeHeaderLen))
			return v.within(p, t, err)
		default:
			entry := data[pos+AttributeHeaderLen : pos+m]
			if err := v.walk(a.Nested, entry, off+2*AttributeHeaderLen+pos, depth+2); err != nil {
				return v.within(p, t, v.within(nil, et, err))
			}
		}
		pos += AttributeAlign(m)
	}
	return nil
}

// within adds the nest of type t in p to the path of err, if not nil.
func (v *validator) within(p *Policy, t uint16, err *PolicyError) *PolicyError {
	if err != nil {
		err.Path = append(err.Path, PathElement{Type: t, Name: p.name(t)})
	}
	return err
}

// value checks an integer's range and mask.
func (v *validator) value(p *Policy, a *AttributePolicy, data []byte, off int, t uint16) *PolicyError {
	var u uint64
	be := a.NetByteOrder
	switch {
	case a.Kind == KindU8 || a.Kind == KindS8:
		u = uint64(data[0])
		if a.Kind == KindS8 {
			u = uint64(int64(int8(data[0])))
		}
	case a.Kind == KindU16 || a.Kind == KindS16:
		u = uint64(binary.NativeEndian.Uint16(data))
		if be {
			u = uint64(binary.BigEndian.Uint16(data))
		}
		if a.Kind == KindS16 {
			u = uint64(int64(int16(u)))
		}
	case a.Kind == KindU32 || a.Kind == KindS32 || len(data) == 4:
		u = uint64(binary.NativeEndian.Uint32(data))
		if be {
			u = uint64(binary.BigEndian.Uint32(data))
		}
		if a.Kind == KindS32 || a.Kind == KindSint {
			u = uint64(int64(int32(u)))
		}
	case be:
		u = binary.BigEndian.Uint64(data)
	default:
		u = binary.NativeEndian.Uint64(data)
	}
	if a.Kind.signed() {
		if r := a.Signed; r != nil && (int64(u) < r.Min || int64(u) > r.Max) {
			return v.fail(p, t, off, syscall.ERANGE, "value %d outside %d..%d", int64(u), r.Min, r.Max)
		}
		return nil
	}
	if r := a.Unsigned; r != nil && (u < r.Min || u > r.Max) {
		return v.fail(p, t, off, syscall.ERANGE, "value %d outside %d..%d", u, r.Min, r.Max)
	}
	if a.Mask != 0 && u&^a.Mask != 0 {
		return v.fail(p, t, off, syscall.EINVAL, "value 0x%x has bits outside the mask 0x%x", u, a.Mask)
	}
	return nil
}

// fail builds the *PolicyError for the attribute of type t of policy p
// at offset off; t is noType for an error about the buffer.
func (v *validator) fail(p *Policy, t uint16, off int, errno syscall.Errno, format string, args ...any) *PolicyError {
	err := &PolicyError{Offset: off, Errno: errno, Detail: fmt.Sprintf(format, args...)}
	if t != noType {
		err.Path = AttributePath{{Type: t, Name: p.name(t)}}
	}
	return err
}
