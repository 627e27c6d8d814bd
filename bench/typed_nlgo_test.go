package bench

import (
	"github.com/nlgo/netlink"
	"github.com/nlgo/netlink/family/rtlink"
)

// typedImpls is this module's typed link dump: family/rtlink's
// GetlinkDump, dialled in the namespace with Config.NetNS. The dump
// decodes every link into one reused LinkAttrs; the benchmark's walk reads
// the fields the others are compared on, so nothing it times can be left
// undone.
func typedImpls() []typedImpl {
	return []typedImpl{
		{"nlgo", func(ns int) (func(bool) ([]typedLink, error), func() error, error) {
			c, err := rtlink.Dial(&netlink.Config{NetNS: ns})
			if err != nil {
				return nil, nil, err
			}
			var sink int
			return func(want bool) ([]typedLink, error) {
				var out []typedLink
				for l, err := range c.GetlinkDump(nil) {
					if err != nil {
						return nil, err
					}
					t := typedLink{Index: int(l.IfiIndex), Name: l.Ifname, MTU: int(l.Mtu.Value)}
					if l.Linkinfo.Valid {
						t.Kind = l.Linkinfo.Value.Kind
					}
					if want {
						out = append(out, t)
					} else {
						sink += t.Index + len(t.Name) + t.MTU + len(t.Kind)
					}
				}
				typedSink = sink
				return out, nil
			}, c.Close, nil
		}},
	}
}

// typedSink keeps the fields the typed benchmark reads live.
var typedSink int
