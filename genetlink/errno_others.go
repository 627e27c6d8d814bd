//go:build !linux

package genetlink

import "syscall"

// errnoNoData is Linux's ENODATA, which package syscall lacks on some
// platforms; nltest's fake kernel answers with it there.
const errnoNoData = syscall.Errno(61)
