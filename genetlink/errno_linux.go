package genetlink

import "syscall"

// errnoNoData is ENODATA: no policy.
const errnoNoData = syscall.ENODATA
