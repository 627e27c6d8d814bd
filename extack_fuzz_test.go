package netlink

import (
	"encoding/binary"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// FuzzParseKernelPolicy decodes any bytes as a policy description: no
// input panics, an error is a *ParseError inside the input, and what
// decodes encodes back to bytes that decode the same.
func FuzzParseKernelPolicy(f *testing.F) {
	f.Add(cat(rawAttr(policyAttrMaxLength, ne32(15)), rawAttr(policyAttrType, ne32(12))))
	f.Add(cat(rawAttr(policyAttrMinValueU, ne64(1)), rawAttr(policyAttrMaxValueU, ne64(100)), rawAttr(policyAttrType, ne32(4))))
	f.Add(cat(rawAttr(policyAttrMinValueS, ne64(^uint64(0))), rawAttr(policyAttrType, ne32(8)), rawAttr(99, []byte{1})))
	f.Add(cat(rawAttr(policyAttrPolicyIdx, ne32(2)), rawAttr(policyAttrPolicyMaxType, ne32(7)), rawAttr(policyAttrType, ne32(13))))
	f.Add(rawAttr(policyAttrType, []byte{1, 2}))
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := ParseKernelPolicy(b)
		if err != nil {
			var pe *ParseError
			if !errors.As(err, &pe) || pe.Offset < 0 || pe.Offset > len(b) {
				t.Fatalf("error %v (%T) is no *ParseError inside the %d bytes", err, err, len(b))
			}
			return
		}
		a := p.AttributePolicy()
		_ = a.String()
		again, err := ParseKernelPolicy(encodeKernelPolicy(t, p))
		if err != nil {
			t.Fatalf("re-encoded policy: %v", err)
		}
		if diff := cmp.Diff(p, again); diff != "" {
			t.Fatalf("decoded, encoded and decoded again (-first +second):\n%s", diff)
		}
	})
}

// encodeKernelPolicy encodes p as the kernel would describe it.
func encodeKernelPolicy(t *testing.T, p KernelPolicy) []byte {
	var e AttributeEncoder
	if p.Has&HasSignedRange != 0 {
		e.Int64(policyAttrMinValueS, p.MinSigned)
		e.Int64(policyAttrMaxValueS, p.MaxSigned)
	}
	if p.Has&HasUnsignedRange != 0 {
		e.Uint64(policyAttrMinValueU, p.MinUnsigned)
		e.Uint64(policyAttrMaxValueU, p.MaxUnsigned)
	}
	if p.Has&HasMinLength != 0 {
		e.Uint32(policyAttrMinLength, p.MinLength)
	}
	if p.Has&HasMaxLength != 0 {
		e.Uint32(policyAttrMaxLength, p.MaxLength)
	}
	if p.Has&HasNestedPolicy != 0 {
		e.Uint32(policyAttrPolicyIdx, p.NestedPolicy)
		e.Uint32(policyAttrPolicyMaxType, p.NestedMaxType)
	}
	if p.Has&HasBitfield32Mask != 0 {
		e.Uint32(policyAttrBitfield32Mask, p.Bitfield32Mask)
	}
	if p.Has&HasMask != 0 {
		e.Uint64(policyAttrMask, p.Mask)
	}
	for _, u := range p.Unknown {
		e.Bytes(u.Type, u.Data)
	}
	e.Uint32(policyAttrType, uint32(p.Kind))
	b, err := e.Encode()
	if err != nil {
		t.Fatalf("encoding %+v: %v", p, err)
	}
	return b
}

// FuzzOpErrorLocate maps any offsets into any request, with and without a
// policy: no input panics; a path comes with no error, starts at the top
// level and never goes deeper than MaxNestingDepth+1; and Error prints.
func FuzzOpErrorLocate(f *testing.F) {
	req := cat(rawHeader(48, 20, Request, 1, 0), ne32(0),
		rawAttr(1, ne32(7)), rawAttr(2|AttributeNested, cat(rawAttr(1, ne32(1)), rawAttr(2, []byte("ab\x00")))))
	f.Add(req, uint32(20), uint32(0), uint32(0), uint8(4))
	f.Add(req, uint32(36), uint32(0), uint32(0), uint8(4))
	f.Add(req, uint32(0), uint32(3), uint32(28), uint8(4))
	f.Add(req, uint32(17), uint32(1), uint32(17), uint8(0))
	f.Add([]byte{1, 2, 3}, uint32(20), uint32(1), uint32(0), uint8(4))
	policy := testPolicy(true)
	f.Fuzz(func(t *testing.T, sent []byte, off, missType, missNest uint32, headerLen uint8) {
		for _, p := range []*Policy{nil, policy} {
			e := &OpError{Op: "execute", Err: errors.New("x"), Sent: sent,
				ExtAck: ExtAck{Offset: off, MissingType: missType, MissingNest: missNest}}
			path, err := e.AttributePath(int(headerLen), p)
			if err != nil && path != nil || err == nil && (len(path) == 0 || len(path) > MaxNestingDepth+1) {
				t.Fatalf("AttributePath: %v, %v", path, err)
			}
			e.Locate(int(headerLen), p)
			if e.Error() == "" {
				t.Fatal("no message")
			}
		}
	})
}

func ne64(v uint64) []byte { return binary.NativeEndian.AppendUint64(nil, v) }
