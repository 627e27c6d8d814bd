package genetlink

import (
	"errors"
	"sync"

	"github.com/nlgo/netlink"
)

// A familyCache remembers families by name and id, and forgets them as the
// controller announces changes on its "notify" group, which a goroutine
// reads from a socket of the cache's own.
type familyCache struct {
	w    *netlink.Conn
	done chan struct{}

	mu    sync.Mutex
	dead  bool   // the watcher stopped: cache nothing
	gen   uint64 // counts the changes announced
	names map[string]Family
	ids   map[uint16]string
}

// newFamilyCache starts watching w, already in the controller's group.
func newFamilyCache(w *netlink.Conn) *familyCache {
	fc := &familyCache{w: w, done: make(chan struct{}),
		names: make(map[string]Family), ids: make(map[uint16]string)}
	go fc.watch()
	return fc
}

// watch reads the controller's announcements until the socket is closed.
// Any announcement about a family drops it; a lost announcement (an
// overrun) or an unreadable one drops everything. Any other failure to
// read stops the cache for good: it forgets everything and caches no more.
func (fc *familyCache) watch() {
	defer close(fc.done)
	for {
		err := fc.w.ReceiveEach(func(m netlink.Message, _ netlink.Source) bool {
			fc.announced(m)
			return true
		})
		var pe *netlink.ParseError
		switch {
		case err == nil:
		case errors.Is(err, netlink.ErrOverrun) || errors.As(err, &pe):
			fc.forgetAll()
		default:
			fc.mu.Lock()
			fc.dead = true
			fc.gen++
			fc.lockedForgetAll()
			fc.mu.Unlock()
			return
		}
	}
}

// announced handles one message from the controller's group.
func (fc *familyCache) announced(m netlink.Message) {
	if m.Header.Type != netlink.HeaderType(ControllerID) {
		return
	}
	name, id, ok := announcedFamily(m.Data)
	fc.mu.Lock()
	defer fc.mu.Unlock()
	fc.gen++
	if !ok {
		fc.lockedForgetAll()
		return
	}
	fc.lockedForget(name)
	if n, ok := fc.ids[id]; ok {
		fc.lockedForget(n)
	}
}

// announcedFamily reads the name and id of the family an announcement is
// about: every one of them (NEWFAMILY, DELFAMILY, NEWMCAST_GRP,
// DELMCAST_GRP) carries both.
func announcedFamily(b []byte) (name string, id uint16, ok bool) {
	if _, err := parseHeader(b); err != nil {
		return "", 0, false
	}
	var hasName, hasID bool
	var d netlink.AttributeDecoder
	d.Reset(b[HeaderLen:])
	for d.Next() {
		switch d.Type() {
		case AttrFamilyName:
			name, hasName = d.String(), true
		case AttrFamilyID:
			id, hasID = d.Uint16(), true
		}
	}
	return name, id, d.Err() == nil && hasName && hasID
}

func (fc *familyCache) generation() uint64 {
	fc.mu.Lock()
	defer fc.mu.Unlock()
	return fc.gen
}

// put caches f, learnt from the kernel when the generation was gen, unless
// an announcement came since: f may be stale already.
func (fc *familyCache) put(f Family, gen uint64) {
	fc.mu.Lock()
	defer fc.mu.Unlock()
	if gen != fc.gen || fc.dead {
		return
	}
	if old, ok := fc.names[f.Name]; ok {
		delete(fc.ids, old.ID)
	}
	fc.names[f.Name] = cloneFamily(f)
	fc.ids[f.ID] = f.Name
}

func (fc *familyCache) byName(name string) (Family, bool) {
	fc.mu.Lock()
	defer fc.mu.Unlock()
	f, ok := fc.names[name]
	if !ok {
		return Family{}, false
	}
	return cloneFamily(f), true
}

func (fc *familyCache) byID(id uint16) (Family, bool) {
	fc.mu.Lock()
	defer fc.mu.Unlock()
	name, ok := fc.ids[id]
	if !ok {
		return Family{}, false
	}
	return cloneFamily(fc.names[name]), true
}

// forgetID drops the family with id, which the kernel says does not exist.
func (fc *familyCache) forgetID(id uint16) {
	fc.mu.Lock()
	defer fc.mu.Unlock()
	if name, ok := fc.ids[id]; ok {
		fc.gen++
		fc.lockedForget(name)
	}
}

func (fc *familyCache) lockedForget(name string) {
	if f, ok := fc.names[name]; ok {
		delete(fc.ids, f.ID)
		delete(fc.names, name)
	}
}

func (fc *familyCache) forgetAll() {
	fc.mu.Lock()
	defer fc.mu.Unlock()
	fc.gen++
	fc.lockedForgetAll()
}

func (fc *familyCache) lockedForgetAll() {
	clear(fc.names)
	clear(fc.ids)
}

// close closes the cache's socket and waits for its goroutine.
func (fc *familyCache) close() {
	fc.w.Close()
	<-fc.done
}
