//go:build !linux

package netlink

import (
	"errors"
	"os"
	"syscall"
	"time"
)

var _ Socket = (*stubSocket)(nil)

// errNotLinux is returned by everything that needs a netlink socket.
var errNotLinux = errors.Join(ErrNotSupported, errors.New("netlink sockets exist only on Linux"))

// stubSocket stands in for the Linux socket on other platforms. Dial never
// returns one; it exists so that both builds satisfy one interface.
type stubSocket struct{}

func dial(int, *Config) (Socket, error) { return nil, &OpError{Op: "dial", Err: errNotLinux} }

// OpenNetNS fails with an error matching ErrNotSupported: network
// namespaces exist only on Linux.
func OpenNetNS(string) (*os.File, error) { return nil, errNotLinux }

func (stubSocket) Send([]byte, Addr) error               { return errNotLinux }
func (stubSocket) Receive([]byte) (int, Source, error)   { return 0, Source{}, errNotLinux }
func (stubSocket) Wait() error                           { return errNotLinux }
func (stubSocket) PID() uint32                           { return 0 }
func (stubSocket) Close() error                          { return nil }
func (stubSocket) SetReadDeadline(time.Time) error       { return errNotLinux }
func (stubSocket) SetWriteDeadline(time.Time) error      { return errNotLinux }
func (stubSocket) SetOption(Option, bool) error          { return errNotLinux }
func (stubSocket) Option(Option) (bool, error)           { return false, errNotLinux }
func (stubSocket) JoinGroup(uint32) error                { return errNotLinux }
func (stubSocket) LeaveGroup(uint32) error               { return errNotLinux }
func (stubSocket) Groups() ([]uint32, error)             { return nil, errNotLinux }
func (stubSocket) SetReadBuffer(int) error               { return errNotLinux }
func (stubSocket) SetWriteBuffer(int) error              { return errNotLinux }
func (stubSocket) SetBPF([]BPFInstruction) error         { return errNotLinux }
func (stubSocket) RemoveBPF() error                      { return errNotLinux }
func (stubSocket) SyscallConn() (syscall.RawConn, error) { return nil, errNotLinux }
