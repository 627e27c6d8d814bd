package netlink

import (
	"errors"
	"fmt"
	"testing"
)

// FuzzPolicyValidate validates any bytes against the test policy, strict
// and lenient: no input panics, every error is a *PolicyError pointing
// inside the buffer, and what passes strict validation passes lenient
// validation, since strict checks a superset, and its top level decodes
// without error. (Not every level: as in the kernel, the list of a nested
// array's entries is not checked for leftover bytes.)
func FuzzPolicyValidate(f *testing.F) {
	f.Add(nlattr(11|AttributeNested, attrCat(nlattr(1, nlaU32(5)), nlattr(2, []byte("ab\x00")))))
	f.Add(nlattr(12|AttributeNested, nlattr(1, nlattr(1, nlaU32(2)))))
	f.Add(attrCat(nlattr(3, nlaU32(1)), nlattr(13, attrCat(nlaU32(1), nlaU32(3)))))
	strict, lenient := testPolicy(true), testPolicy(false)
	f.Fuzz(func(t *testing.T, b []byte) {
		serr, lerr := strict.Validate(b), lenient.Validate(b)
		for _, err := range []error{serr, lerr} {
			var pe *PolicyError
			if err == nil {
				continue
			}
			if !errors.As(err, &pe) {
				t.Fatalf("error %v (%T) is no *PolicyError", err, err)
			}
			if pe.Offset < 0 || pe.Offset >= len(b) || pe.Error() == "" {
				t.Fatalf("error %v: offset %d outside the %d bytes", err, pe.Offset, len(b))
			}
		}
		if serr != nil {
			return
		}
		if lerr != nil {
			t.Fatalf("strict validation passed, lenient failed: %v", lerr)
		}
		var d AttributeDecoder
		if err := strict.Decode(&d, b); err != nil {
			t.Fatalf("Decode after Validate passed: %v", err)
		}
		for d.Next() {
		}
		if err := d.Err(); err != nil {
			t.Fatalf("a buffer that passed strict validation does not decode: %v", err)
		}
	})
}

// FuzzPolicyFastChecks holds Validate's fast checks to the rules of
// check: for any buffer, and the test policies strict and lenient,
// Validate with and without the fast checks returns the same verdict
// and the same error.
func FuzzPolicyFastChecks(f *testing.F) {
	f.Add(nlattr(11|AttributeNested, attrCat(nlattr(1, nlaU32(5)), nlattr(2, []byte("ab\x00")))))
	f.Add(attrCat(nlattr(3, nlaU32(1)), nlattr(13, attrCat(nlaU32(1), nlaU32(3)))))
	f.Add(attrCat(nlattr(1, []byte{1}), nlattr(2, []byte("x")), nlattr(4, nlaU32(7))))
	policies := []*Policy{testPolicy(true), testPolicy(false), linkDumpPolicy()}
	f.Fuzz(func(t *testing.T, b []byte) {
		for i, p := range policies {
			fast := validate(p, b, 0)
			slow := validator{strict: p.Strict, slow: true}.run(p, b, 0)
			if fmt.Sprint(fast) != fmt.Sprint(slow) {
				t.Fatalf("policy %d: with the fast checks %v, without %v", i, fast, slow)
			}
		}
	})
}
