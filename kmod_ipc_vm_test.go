//go:build linux && vmtest

package netlink

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/sys/unix"

	"github.com/nlgo/netlink/internal/testenv"
)

// kmIPCType is the message type of the user-space exchanges.
const kmIPCType = MinType + 0x20

// kmIPCProtocols are the protocols user-space IPC is tested on: the
// module's (NL_CFG_F_NONROOT_SEND) and NETLINK_USERSOCK, which needs no
// module.
func kmIPCProtocols(t *testing.T) []struct {
	name  string
	proto int
} {
	return []struct {
		name  string
		proto int
	}{
		{"module protocol " + strconv.Itoa(kmProto(t)), kmProto(t)},
		{"NETLINK_USERSOCK", unix.NETLINK_USERSOCK},
	}
}

// kmServe answers n requests on server the way seed 003's server does:
// reply to the source port with the request's sequence number. Requests it
// saw go to seen. It reports a failure on errc.
func kmServe(server *Conn, n int, seen chan<- Message, errc chan<- error) {
	for i := 0; i < n; {
		msgs, src, err := kmRecvErr(server, kmTimeout)
		if err != nil {
			errc <- fmt.Errorf("server: %w", err)
			return
		}
		for _, m := range msgs {
			if m.Header.PID != src.PID || src.Group != 0 {
				errc <- fmt.Errorf("server: request %v from %+v: header port is not the source", m.Header, src)
				return
			}
			if seen != nil {
				seen <- m
			}
			reply := Message{Header: Header{Type: m.Header.Type, Sequence: m.Header.Sequence},
				Data: append([]byte("re: "), m.Data...)}
			if _, err := server.SendTo(reply, Addr{PID: src.PID}); err != nil {
				errc <- fmt.Errorf("server: reply to %d: %w", src.PID, err)
				return
			}
			i++
		}
	}
	errc <- nil
}

// TestIntegrationKmodIPC is seed 003's client and server through the
// library: clients whose Config.Peer is the server's port Execute
// requests; the server Receives them and answers with SendTo, echoing the
// sequence number. Several clients at once, on the module's protocol and
// on NETLINK_USERSOCK, as root and as nobody.
func TestIntegrationKmodIPC(t *testing.T) {
	for _, p := range kmIPCProtocols(t) {
		t.Run(p.name, func(t *testing.T) {
			const clients, each = 4, 25
			server := kmDial(t, p.proto, nil)
			serverErr := make(chan error, 1)
			go kmServe(server, clients*each, nil, serverErr)
			errs := make(chan error, clients)
			var wg sync.WaitGroup
			for i := range clients {
				c := kmDial(t, p.proto, &Config{Peer: server.PID()})
				wg.Add(1)
				go func() {
					defer wg.Done()
					for j := range each {
						req := []byte(fmt.Sprintf("Hello World! from client %d, request %d", i, j))
						msgs, err := kmExecErr(c, Message{Header: Header{Type: kmIPCType, Flags: Request}, Data: req})
						if err != nil {
							errs <- fmt.Errorf("client %d request %d: %w", i, j, err)
							return
						}
						want := []Message{{
							Header: Header{Length: uint32(MessageLen(4 + len(req))), Type: kmIPCType, PID: server.PID()},
							Data:   append([]byte("re: "), req...),
						}}
						// The sequence number is the request's, which
						// Execute does not return: take it from the reply.
						if len(msgs) == 1 {
							want[0].Header.Sequence = msgs[0].Header.Sequence
						}
						if diff := cmp.Diff(want, msgs); diff != "" {
							errs <- fmt.Errorf("client %d request %d (-want +got):\n%s", i, j, diff)
							return
						}
					}
				}()
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Error(err)
			}
			if err := <-serverErr; err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestIntegrationKmodIPCForgedReply has a third socket answer the client's
// request first, with the right sequence number, once as itself and once
// claiming the server's port in the header. Execute returns only the
// server's reply: what counts is the source the kernel reports, not the
// header. Receive then shows the forgeries and who really sent them.
func TestIntegrationKmodIPCForgedReply(t *testing.T) {
	for _, p := range kmIPCProtocols(t) {
		t.Run(p.name, func(t *testing.T) {
			server, forger := kmDial(t, p.proto, nil), kmDial(t, p.proto, nil)
			client := kmDial(t, p.proto, &Config{Peer: server.PID()})
			type result struct {
				msgs []Message
				err  error
			}
			done := make(chan result, 1)
			go func() {
				msgs, err := kmExecErr(client, Message{Header: Header{Type: kmIPCType, Flags: Request}, Data: []byte("who are you?")})
				done <- result{msgs, err}
			}()
			reqs, _ := kmRecv(t, server)
			if len(reqs) != 1 || reqs[0].Header.PID != client.PID() {
				t.Fatalf("server got %v, want one request from port %d", reqs, client.PID())
			}
			seq := reqs[0].Header.Sequence
			var forged []Message
			for _, pid := range []uint32{0, server.PID()} { // 0: the forger's own port
				m, err := forger.SendTo(Message{Header: Header{Type: kmIPCType, Sequence: seq, PID: pid}, Data: []byte("forged")},
					Addr{PID: client.PID()})
				if err != nil {
					t.Fatal(err)
				}
				forged = append(forged, m)
			}
			real, err := server.SendTo(Message{Header: Header{Type: kmIPCType, Sequence: seq}, Data: []byte("real")}, Addr{PID: client.PID()})
			if err != nil {
				t.Fatal(err)
			}
			r := <-done
			if r.err != nil {
				t.Fatalf("Execute: %v", r.err)
			}
			if diff := cmp.Diff([]Message{real}, r.msgs); diff != "" {
				t.Errorf("Execute returned (-want +got):\n%s", diff)
			}
			for i, f := range forged {
				msgs, src := kmRecv(t, client)
				if diff := cmp.Diff([]Message{f}, msgs); diff != "" {
					t.Errorf("forgery %d as received (-want +got):\n%s", i, diff)
				}
				if want := (Source{PID: forger.PID()}); src != want {
					t.Errorf("forgery %d from %+v, want %+v", i, src, want)
				}
			}
			kmQuiet(t, client, "the client after the forgeries")
		})
	}
}

// kmProc is a running example program whose output the test reads line by
// line.
type kmProc struct {
	name   string
	cmd    *exec.Cmd
	lines  chan string
	stderr bytes.Buffer
	done   chan error
}

// kmExampleDir returns the directory of the example programs the VM runner
// built, or skips (fails under NLGO_STRICT).
func kmExampleDir(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("NLGO_VM_EXAMPLES")
	if dir == "" {
		testenv.Skip(t, "NLGO_VM_EXAMPLES is not set: the example programs are built by go run ./internal/vmtest")
	}
	return dir
}

// kmStart starts example program name with args.
func kmStart(t *testing.T, name string, args ...string) *kmProc {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), kmTimeout)
	p := &kmProc{name: name + " " + strings.Join(args, " "), lines: make(chan string, 64), done: make(chan error, 1)}
	p.cmd = exec.CommandContext(ctx, filepath.Join(kmExampleDir(t), name), args...)
	p.cmd.Stderr = &p.stderr
	out, err := p.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := p.cmd.Start(); err != nil {
		cancel()
		t.Fatal(err)
	}
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			p.lines <- sc.Text()
		}
		close(p.lines)
		p.done <- p.cmd.Wait()
		cancel()
	}()
	t.Cleanup(func() {
		cancel()
		for range p.lines {
		}
		<-p.done
	})
	return p
}

// line returns the next line of output, failing if the program ends or
// takes too long.
func (p *kmProc) line(t *testing.T) string {
	t.Helper()
	select {
	case l, ok := <-p.lines:
		if !ok {
			err := <-p.done
			p.done <- err
			t.Fatalf("%s: ended (%v) without the expected output; stderr: %s", p.name, err, p.stderr.String())
		}
		return l
	case <-time.After(kmTimeout):
		t.Fatalf("%s: no output for %v", p.name, kmTimeout)
	}
	return ""
}

// expect checks that the next line of output is want.
func (p *kmProc) expect(t *testing.T, want string) {
	t.Helper()
	if got := p.line(t); got != want {
		t.Errorf("%s: printed %q, want %q", p.name, got, want)
	}
}

// wait waits for the program to end and checks that it succeeded with no
// more output.
func (p *kmProc) wait(t *testing.T) {
	t.Helper()
	for l := range p.lines {
		t.Errorf("%s: unexpected output %q", p.name, l)
	}
	err := <-p.done
	p.done <- err
	if err != nil {
		t.Errorf("%s: %v; stderr: %s", p.name, err, p.stderr.String())
	}
}

// waitFail waits for the program to fail and returns its error output.
func (p *kmProc) waitFail(t *testing.T) string {
	t.Helper()
	for l := range p.lines {
		t.Errorf("%s: unexpected output %q", p.name, l)
	}
	err := <-p.done
	p.done <- err
	if err == nil {
		t.Errorf("%s succeeded, want a failure", p.name)
	}
	return p.stderr.String()
}

// TestIntegrationKmodExamples runs the example programs in examples/, as
// built by the VM runner, against the module and on NETLINK_USERSOCK: the
// seeds' programs, each printing what the seed's C program printed. The
// runner builds them into the VM so that the very programs a reader runs
// are tested, not a copy of their logic.
func TestIntegrationKmodExamples(t *testing.T) {
	proto := strconv.Itoa(kmProto(t))
	kmExampleDir(t)

	t.Run("hello", func(t *testing.T) {
		p := kmStart(t, "hello", "-proto", proto)
		p.expect(t, "Received message payload: Hello you!")
		p.wait(t)
	})
	t.Run("hello on NETLINK_USERSOCK", func(t *testing.T) {
		// No kernel side answers on NETLINK_USERSOCK.
		p := kmStart(t, "hello", "-proto", "2")
		if stderr := p.waitFail(t); !strings.Contains(stderr, unix.ECONNREFUSED.Error()) {
			t.Errorf("stderr %q, want %q", stderr, unix.ECONNREFUSED.Error())
		}
	})

	listeners := func(t *testing.T, proto, group string, n int, extra ...string) []*kmProc {
		var ls []*kmProc
		for range n {
			l := kmStart(t, "listener", append([]string{"-proto", proto, "-group", group, "-count", "1"}, extra...)...)
			// Printed once subscribed: the message cannot be missed.
			l.expect(t, "Waiting for message from kernel")
			ls = append(ls, l)
		}
		return ls
	}
	t.Run("two listeners, kernel broadcast", func(t *testing.T) {
		ls := listeners(t, proto, "1", 2)
		kmStart(t, "listener", "-proto", proto, "-group", "1", "-kernel", "Greeting from kernel!").wait(t)
		for _, l := range ls {
			l.expect(t, "Received message payload: Greeting from kernel! (group 1, from port 0)")
			l.wait(t)
		}
	})
	t.Run("three listeners of group 40 by JoinGroup", func(t *testing.T) {
		ls := listeners(t, proto, "40", 3, "-join")
		kmStart(t, "listener", "-proto", proto, "-group", "40", "-kernel", "Greeting from kernel!").wait(t)
		for _, l := range ls {
			l.expect(t, "Received message payload: Greeting from kernel! (group 40, from port 0)")
			l.wait(t)
		}
	})
	for _, pr := range []string{proto, "2"} {
		t.Run("user-space multicast on protocol "+pr, func(t *testing.T) {
			if pr == "2" && kmUnprivileged() {
				// NETLINK_USERSOCK lacks NL_CFG_F_NONROOT_RECV.
				l := kmStart(t, "listener", "-proto", pr, "-group", "3")
				if stderr := l.waitFail(t); !strings.Contains(stderr, unix.EPERM.Error()) {
					t.Errorf("listener on NETLINK_USERSOCK as uid %d: stderr %q, want %q", os.Geteuid(), stderr, unix.EPERM.Error())
				}
				return
			}
			ls := listeners(t, pr, "3", 2)
			sender := kmStart(t, "listener", "-proto", pr, "-group", "3", "-send", "Greeting from user space!")
			sender.wait(t)
			for _, l := range ls {
				if got := l.line(t); !strings.HasPrefix(got, "Received message payload: Greeting from user space! (group 3, from port ") {
					t.Errorf("listener printed %q", got)
				}
				l.wait(t)
			}
		})
		t.Run("ipc on protocol "+pr, func(t *testing.T) {
			server := kmStart(t, "ipc", "-server", "-proto", pr, "-port", "0", "-count", "1")
			var port uint32
			if _, err := fmt.Sscanf(server.line(t), "server listening on port %d, protocol "+pr, &port); err != nil {
				t.Fatalf("server's first line: %v", err)
			}
			client := kmStart(t, "ipc", "-client", "-proto", pr, "-peer", fmt.Sprint(port))
			client.expect(t, "Received message payload: How are you,downey!")
			client.wait(t)
			if got := server.line(t); !strings.HasPrefix(got, `server received "Hello World!" from port `) {
				t.Errorf("server printed %q", got)
			}
			server.wait(t)
		})
	}
}
