//go:build !linux

package netlink

import (
	"errors"
	"os"
	"syscall"
	"time"
)

var _ socket = (*stubSocket)(nil)

// errNotLinux is returned by everything that needs a netlink socket.
var errNotLinux = errors.Join(ErrNotSupported, errors.New("netlink sockets exist only on Linux"))

// stubSocket stands in for the Linux socket on other platforms. Dial never
// returns one; it exists so that both builds satisfy one interface.
type stubSocket struct{}

func dial(int, *Config) (socket, error) { return nil, &OpError{Op: "dial", Err: errNotLinux} }

// OpenNetNS fails with an error matching ErrNotSupported: network
// namespaces exist only on Linux.
func OpenNetNS(string) (*os.File, error) { return nil, errNotLinux }

func (stubSocket) send([]byte, Addr) error               { return errNotLinux }
func (stubSocket) recv([]byte) (int, Source, error)      { return 0, Source{}, errNotLinux }
func (stubSocket) port() uint32                          { return 0 }
func (stubSocket) close() error                          { return nil }
func (stubSocket) setReadDeadline(time.Time) error       { return errNotLinux }
func (stubSocket) setWriteDeadline(time.Time) error      { return errNotLinux }
func (stubSocket) setOption(Option, bool) error          { return errNotLinux }
func (stubSocket) option(Option) (bool, error)           { return false, errNotLinux }
func (stubSocket) joinGroup(uint32) error                { return errNotLinux }
func (stubSocket) leaveGroup(uint32) error               { return errNotLinux }
func (stubSocket) memberships() ([]uint32, error)        { return nil, errNotLinux }
func (stubSocket) setBuffer(bool, int) error             { return errNotLinux }
func (stubSocket) setBPF([]BPFInstruction) error         { return errNotLinux }
func (stubSocket) removeBPF() error                      { return errNotLinux }
func (stubSocket) syscallConn() (syscall.RawConn, error) { return nil, errNotLinux }
