package kmod

import (
	"errors"
	"fmt"
	"os"
	"strconv"

	"golang.org/x/sys/unix"
)

// Load loads the module from the .ko file at path with proto=proto
// (finit_module). It needs CAP_SYS_MODULE; a module already loaded is an
// error matching os.ErrExist (EEXIST).
func Load(path string, proto int) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("kmod: load: %w", err)
	}
	defer f.Close()
	if err := unix.FinitModule(int(f.Fd()), "proto="+strconv.Itoa(proto), 0); err != nil {
		return fmt.Errorf("kmod: load %s proto=%d: %w", path, proto, os.NewSyscallError("finit_module", err))
	}
	return nil
}

// Unload unloads the module (delete_module, without waiting, as rmmod
// does). It fails with EWOULDBLOCK while the module is in use, as it is
// while a socket of its own protocol is open or a dump of its generic
// family is under way, and with an error wrapping ErrNotLoaded when the
// module is not loaded.
func Unload() error {
	err := unix.DeleteModule(ModuleName, unix.O_NONBLOCK)
	if errors.Is(err, unix.ENOENT) {
		return fmt.Errorf("kmod: unload: %w", ErrNotLoaded)
	}
	if err != nil {
		return fmt.Errorf("kmod: unload %s: %w", ModuleName, os.NewSyscallError("delete_module", err))
	}
	return nil
}

// Reload unloads the module and loads it again from path with the
// protocol it had, which it returns. The kernel gives the module's generic
// netlink family a new id: it allocates family ids cyclically, up to 1023.
func Reload(path string) (proto int, err error) {
	proto, err = Protocol()
	if err != nil {
		return 0, err
	}
	if err := Unload(); err != nil {
		return 0, err
	}
	return proto, Load(path, proto)
}
