package nltest

import "syscall"

// errnoNoData is ENODATA, the answer to a request for the policy of an
// operation without one.
const errnoNoData = syscall.ENODATA
