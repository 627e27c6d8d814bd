package main

// Errata: places where a kernel spec disagrees with the kernel, whose
// UAPI header is what it actually sends and accepts. Each correction is
// applied only while the spec still has the defect, so a spec fixed
// upstream passes through unchanged.

// applyErrata corrects s in place.
func applyErrata(s *Spec) {
	switch s.Name {
	case "nlctrl":
		nlctrlPolicyMask(s)
	case "rt-link":
		ipv6DevconfAddrGenMode(s)
	}
}

// ipv6DevconfAddrGenMode: rt_link.yaml (6.12) declares ipv6-devconf's
// addr-gen-mode a u8, but the struct is the kernel's devconf array
// (IFLA_INET6_CONF, ipv6_store_devconf): one 32-bit value per DEVCONF_*
// entry, addr_gen_mode included. Read as a u8, every member after it
// lands 3 bytes early.
func ipv6DevconfAddrGenMode(s *Spec) {
	for i := range s.Definitions {
		d := &s.Definitions[i]
		if d.Name != "ipv6-devconf" || d.Type != "struct" {
			continue
		}
		for j := range d.Members {
			if m := &d.Members[j]; m.Name == "addr-gen-mode" && m.Type == "u8" {
				m.Type = "u32"
			}
		}
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
