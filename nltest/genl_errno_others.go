//go:build !linux

package nltest

import "syscall"

// errnoNoData is Linux's ENODATA, which package syscall lacks on some
// platforms. genetlink expects this value there.
const errnoNoData = syscall.Errno(61)
