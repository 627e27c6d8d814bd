package genetlink

import "errors"

// Sentinel errors of this package. Errors from the kernel are those of
// package netlink: an unknown family name or id matches os.ErrNotExist
// (ENOENT).
var (
	// ErrNoPolicy means an operation has no attribute policy: the
	// controller answered ENODATA, which the error matches too.
	ErrNoPolicy = errors.New("no policy")

	// ErrReserved means a genlmsghdr's reserved bytes were not zero.
	ErrReserved = errors.New("reserved bytes not zero")

	// ErrMissing means a controller message lacked an attribute it must
	// carry, such as a family's id or name.
	ErrMissing = errors.New("missing attribute")
)
