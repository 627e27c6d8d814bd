package main

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestErrataNlctrlPolicyMask: nlctrl's policy-attrs get <linux/netlink.h>'s
// numbers for mask and pad while the spec lists them in the wrong order
// with implicit values, and nothing changes once a spec has values.
func TestErrataNlctrlPolicyMask(t *testing.T) {
	names := []string{"type", "min-value-s", "max-value-s", "min-value-u", "max-value-u", "min-length", "max-length",
		"policy-idx", "policy-maxtype", "bitfield32-mask", "mask", "pad"}
	spec := func(explicit bool) *Spec {
		var as []Attribute
		for i, n := range names {
			a := Attribute{Name: n}
			if explicit {
				v := i + 1
				a.Value = &v
			}
			as = append(as, a)
		}
		return &Spec{Name: "nlctrl", AttributeSets: []AttributeSet{{Name: "policy-attrs", Attributes: as}}}
	}
	values := func(s *Spec) map[string]int {
		m := map[string]int{}
		for _, a := range s.AttributeSets[0].Attributes {
			if a.Value != nil {
				m[a.Name] = *a.Value
			}
		}
		return m
	}
	tests := []struct {
		name string
		spec *Spec
		want map[string]int
	}{
		{"implicit values", spec(false), map[string]int{"mask": 12, "pad": 11}},
		{"values of the spec's own", spec(true), values(spec(true))},
		{"another family", func() *Spec { s := spec(false); s.Name = "other"; return s }(), map[string]int{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			applyErrata(tt.spec)
			if diff := cmp.Diff(tt.want, values(tt.spec)); diff != "" {
				t.Errorf("explicit values after applyErrata (-want +got):\n%s", diff)
			}
		})
	}
}

// TestErrataIpv6DevconfAddrGenMode: rt-link's ipv6-devconf struct gets a
// 32-bit addr-gen-mode, and nothing else changes: not the attribute of
// the same name, not another family's struct.
func TestErrataIpv6DevconfAddrGenMode(t *testing.T) {
	spec := func(name string) *Spec {
		return &Spec{Name: name,
			Definitions: []Definition{{Name: "ipv6-devconf", Type: "struct", Members: []Member{
				{Name: "forwarding", Type: "u32"}, {Name: "addr-gen-mode", Type: "u8"}, {Name: "disable-policy", Type: "u32"}}}},
			AttributeSets: []AttributeSet{{Name: "link-inet6-attrs", Attributes: []Attribute{{Name: "addr-gen-mode", Type: "u8"}}}},
		}
	}
	types := func(s *Spec) []string {
		var out []string
		for _, m := range s.Definitions[0].Members {
			out = append(out, m.Type)
		}
		return append(out, s.AttributeSets[0].Attributes[0].Type)
	}
	tests := []struct {
		family string
		want   []string
	}{
		{"rt-link", []string{"u32", "u32", "u32", "u8"}},
		{"other", []string{"u32", "u8", "u32", "u8"}},
	}
	for _, tt := range tests {
		t.Run(tt.family, func(t *testing.T) {
			s := spec(tt.family)
			applyErrata(s)
			if diff := cmp.Diff(tt.want, types(s)); diff != "" {
				t.Errorf("member and attribute types after applyErrata (-want +got):\n%s", diff)
			}
		})
	}
}
