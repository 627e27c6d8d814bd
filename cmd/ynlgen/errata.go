package main

// Errata: places where a kernel spec disagrees with the kernel, whose
// UAPI header is what it actually sends and accepts. Each correction is
// applied only while the spec still has the defect, so a spec fixed
// upstream passes through unchanged.

// applyErrata corrects s in place.
func applyErrata(s *Spec) {
	if s.Name == "nlctrl" {
		nlctrlPolicyMask(s)
	}
}

// nlctrlPolicyMask: nlctrl.yaml (6.12 and later) lists policy-attrs'
// mask before pad, with implicit values, making mask 11 and pad 12;
// <linux/netlink.h> has NL_POLICY_TYPE_ATTR_PAD = 11 and
// NL_POLICY_TYPE_ATTR_MASK = 12 (MASK came later, in 5.12). Decoded with
// the spec's numbers, a policy's mask is lost and a pad attribute, which
// the kernel adds to align a u64, is read as a u64.
func nlctrlPolicyMask(s *Spec) {
	for i := range s.AttributeSets {
		set := &s.AttributeSets[i]
		as := set.Attributes
		n := len(as)
		if set.Name != "policy-attrs" || n != 12 || as[n-2].Name != "mask" || as[n-1].Name != "pad" {
			continue
		}
		for _, a := range as {
			if a.Value != nil {
				return // values of the spec's own: not the defect
			}
		}
		mask, pad := 12, 11
		as[n-2].Value, as[n-1].Value = &mask, &pad
	}
}
