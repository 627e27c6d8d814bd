package genetlink

import (
	"cmp"
	"slices"
)

// CachedFamilies returns the families in the Conn's cache, sorted by id:
// those it resolved and that the kernel has not announced gone since. A
// Conn without a cache (see NewConn) returns nil. A capture that starts
// late writes them first (nlpcap.Writer.WriteFamilies), so that a
// dissector can name their messages.
func (c *Conn) CachedFamilies() []Family {
	if c.cache == nil {
		return nil
	}
	return c.cache.all()
}

// all returns copies of the cached families, sorted by id.
func (fc *familyCache) all() []Family {
	fc.mu.Lock()
	defer fc.mu.Unlock()
	out := make([]Family, 0, len(fc.names))
	for _, f := range fc.names {
		out = append(out, cloneFamily(f))
	}
	slices.SortFunc(out, func(a, b Family) int { return cmp.Compare(a.ID, b.ID) })
	return out
}
