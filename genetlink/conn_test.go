package genetlink_test

import (
	"errors"
	"os"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/nlgo/netlink"
	"github.com/nlgo/netlink/genetlink"
	"github.com/nlgo/netlink/nltest"
)

// Unit tests against the fake controller of package nltest.

const (
	cmdEcho  = 1 // replies with the request's attributes
	cmdList  = 2 // dumps three records
	cmdFail  = 3 // fails with ENOENT, as a family's handler may
	cmdOther = 4 // replies with a message of another family
)

// testFamily is the family the tests register: it echoes, dumps and fails.
func testFamily() nltest.GenericFamily {
	echo := func(r *nltest.GenericRequest) error {
		return r.Reply(genetlink.Message{Header: genetlink.Header{Command: cmdEcho, Version: 1}, Data: r.Message.Data})
	}
	list := func(r *nltest.GenericRequest) error {
		var msgs []genetlink.Message
		for i := range 3 {
			msgs = append(msgs, genetlink.Message{Header: genetlink.Header{Command: cmdList, Version: 1}, Data: []byte{8, 0, 1, 0, byte(i), 0, 0, 0}})
		}
		return r.Dump(msgs)
	}
	other := func(r *nltest.GenericRequest) error {
		return r.Request.Reply(netlink.Message{Header: netlink.Header{Type: 0x10}, Data: []byte{1, 2, 0, 0}})
	}
	return nltest.GenericFamily{
		Name: "nlgo_test", Version: 1, MaxAttr: 6,
		Operations: []nltest.GenericOperation{
			{Command: cmdEcho, Flags: genetlink.Do, Handler: echo},
			{Command: cmdList, Flags: genetlink.Dump, Handler: list},
			{Command: cmdFail, Flags: genetlink.Do | genetlink.AdminPerm, Handler: func(*nltest.GenericRequest) error { return syscall.ENOENT }},
			{Command: cmdOther, Flags: genetlink.Do, Handler: other},
		},
		Groups: []string{"events", "alerts"},
	}
}

// wantTestFamily is testFamily as the controller describes it, the first
// family registered after nlctrl.
var wantTestFamily = genetlink.Family{
	ID: 0x13, Name: "nlgo_test", Version: 1, MaxAttr: 6,
	Operations: []genetlink.Operation{
		{ID: cmdEcho, Flags: genetlink.Do}, {ID: cmdList, Flags: genetlink.Dump},
		{ID: cmdFail, Flags: genetlink.Do | genetlink.AdminPerm}, {ID: cmdOther, Flags: genetlink.Do},
	},
	Groups: []genetlink.MulticastGroup{{ID: 2, Name: "events"}, {ID: 3, Name: "alerts"}},
}

var wantController = genetlink.Family{
	ID: 0x10, Name: "nlctrl", Version: 2,
	Operations: []genetlink.Operation{
		{ID: 3, Flags: genetlink.Do | genetlink.Dump | genetlink.HasPolicy},
		{ID: 10, Flags: genetlink.Dump | genetlink.HasPolicy},
	},
	Groups: []genetlink.MulticastGroup{{ID: 0x10, Name: "notify"}},
}

// newFake returns a fake with testFamily registered and a Conn on it.
func newFake(t *testing.T) (*nltest.Generic, *genetlink.Conn) {
	t.Helper()
	g := nltest.NewGeneric(nltest.NewKernel())
	if _, err := g.Register(testFamily()); err != nil {
		t.Fatal(err)
	}
	c, err := g.Dial(nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return g, c
}

func TestGetFamily(t *testing.T) {
	_, c := newFake(t)
	tests := []struct {
		name string
		get  func() (genetlink.Family, error)
		want genetlink.Family
		err  error
	}{
		{"by name", func() (genetlink.Family, error) { return c.GetFamily("nlgo_test") }, wantTestFamily, nil},
		{"cached", func() (genetlink.Family, error) { return c.GetFamily("nlgo_test") }, wantTestFamily, nil},
		{"by id", func() (genetlink.Family, error) { return c.FamilyByID(0x13) }, wantTestFamily, nil},
		{"controller", func() (genetlink.Family, error) { return c.GetFamily("nlctrl") }, wantController, nil},
		{"controller by id", func() (genetlink.Family, error) { return c.FamilyByID(genetlink.ControllerID) }, wantController, nil},
		{"unknown name", func() (genetlink.Family, error) { return c.GetFamily("nope") }, genetlink.Family{}, os.ErrNotExist},
		{"unknown id", func() (genetlink.Family, error) { return c.FamilyByID(0x99) }, genetlink.Family{}, os.ErrNotExist},
		{"name too long", func() (genetlink.Family, error) { return c.GetFamily("sixteen-bytes-xx") }, genetlink.Family{}, syscall.EINVAL},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.get()
			if !errors.Is(err, tt.err) || (err == nil) != (tt.err == nil) {
				t.Fatalf("error %v, want %v", err, tt.err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("family (-want +got):\n%s", diff)
			}
		})
	}
}

func TestListFamilies(t *testing.T) {
	_, c := newFake(t)
	got, err := c.ListFamilies()
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]genetlink.Family{wantController, wantTestFamily}, got); diff != "" {
		t.Errorf("ListFamilies (-want +got):\n%s", diff)
	}
}

// A family returned from the cache is the caller's to change.
func TestGetFamilyReturnsCopy(t *testing.T) {
	_, c := newFake(t)
	for range 2 {
		f, err := c.GetFamily("nlgo_test")
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(wantTestFamily, f); diff != "" {
			t.Fatalf("family (-want +got):\n%s", diff)
		}
		f.Operations[0].ID, f.Groups[0].Name = 99, "changed"
	}
}

func TestExecute(t *testing.T) {
	_, c := newFake(t)
	attrs := []byte{8, 0, 1, 0, 42, 0, 0, 0}
	tests := []struct {
		name  string
		cmd   uint8
		flags netlink.HeaderFlags
		want  []genetlink.Message
		err   error
	}{
		{"do", cmdEcho, 0, []genetlink.Message{{Header: genetlink.Header{Command: cmdEcho, Version: 1}, Data: attrs}}, nil},
		{"do with ack", cmdEcho, netlink.Acknowledge, []genetlink.Message{{Header: genetlink.Header{Command: cmdEcho, Version: 1}, Data: attrs}}, nil},
		{"dump", cmdList, netlink.Dump, []genetlink.Message{
			{Header: genetlink.Header{Command: cmdList, Version: 1}, Data: []byte{8, 0, 1, 0, 0, 0, 0, 0}},
			{Header: genetlink.Header{Command: cmdList, Version: 1}, Data: []byte{8, 0, 1, 0, 1, 0, 0, 0}},
			{Header: genetlink.Header{Command: cmdList, Version: 1}, Data: []byte{8, 0, 1, 0, 2, 0, 0, 0}},
		}, nil},
		{"dump of a do command", cmdEcho, netlink.Dump, nil, syscall.EOPNOTSUPP},
		{"do of a dump command", cmdList, 0, nil, syscall.EOPNOTSUPP},
		{"unknown command", 77, 0, nil, syscall.EOPNOTSUPP},
		{"handler error", cmdFail, 0, nil, os.ErrNotExist},
		{"reply of another family", cmdOther, 0, nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := c.Execute(genetlink.Message{Header: genetlink.Header{Command: tt.cmd, Version: 1}, Data: attrs}, 0x13, tt.flags)
			if tt.name == "reply of another family" {
				if err == nil {
					t.Fatalf("a reply of family 16 to a request to 19 was accepted: %v", got)
				}
				return
			}
			if !errors.Is(err, tt.err) || (err == nil) != (tt.err == nil) {
				t.Fatalf("error %v, want %v", err, tt.err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("replies (-want +got):\n%s", diff)
			}
		})
	}
	t.Run("unknown family", func(t *testing.T) {
		if _, err := c.Execute(genetlink.Message{Header: genetlink.Header{Command: 1}}, 0x55, 0); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("Execute to an unknown family: %v, want ENOENT", err)
		}
	})
}

// ExecuteEach hands each reply over as it comes, and stops calling when
// told, reading the rest.
func TestExecuteEach(t *testing.T) {
	_, c := newFake(t)
	var got []byte
	err := c.ExecuteEach(genetlink.Message{Header: genetlink.Header{Command: cmdList, Version: 1}}, 0x13, netlink.Dump, func(m genetlink.Message) bool {
		got = append(got, m.Data[4])
		return len(got) < 2
	})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]byte{0, 1}, got); diff != "" {
		t.Errorf("records seen (-want +got):\n%s", diff)
	}
	// The exchange was read to its end: the next one works.
	if _, err := c.Execute(genetlink.Message{Header: genetlink.Header{Command: cmdEcho, Version: 1}}, 0x13, 0); err != nil {
		t.Errorf("the next Execute: %v", err)
	}
}

// waitFamily polls GetFamily until check accepts its result: the cache
// follows the controller's announcements asynchronously.
func waitFamily(t *testing.T, c *genetlink.Conn, name string, check func(genetlink.Family, error) bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		f, err := c.GetFamily(name)
		if check(f, err) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("GetFamily(%q) is still %+v, %v", name, f, err)
		}
		time.Sleep(time.Millisecond)
	}
}

// The cache answers without asking the kernel, and follows a family that
// goes away and comes back with another id, as when a module is reloaded.
func TestCacheFollowsReload(t *testing.T) {
	g, c := newFake(t)
	if _, err := c.GetFamily("nlgo_test"); err != nil {
		t.Fatal(err)
	}
	g.Kernel().Record()
	f, err := c.GetFamily("nlgo_test")
	if err != nil || f.ID != 0x13 {
		t.Fatalf("GetFamily from the cache: %+v, %v", f, err)
	}
	if ds := g.Kernel().Datagrams(); len(ds) != 0 {
		t.Errorf("a cached GetFamily sent datagrams:\n%s", nltest.Format(ds))
	}

	if err := g.Unregister("nlgo_test"); err != nil {
		t.Fatal(err)
	}
	waitFamily(t, c, "nlgo_test", func(_ genetlink.Family, err error) bool { return errors.Is(err, os.ErrNotExist) })
	if _, err := g.Register(testFamily()); err != nil {
		t.Fatal(err)
	}
	waitFamily(t, c, "nlgo_test", func(f genetlink.Family, err error) bool { return err == nil && f.ID == 0x14 })
	if err := c.JoinGroup("nlgo_test", "alerts"); err != nil {
		t.Errorf("JoinGroup after the reload: %v", err)
	}
}

// A Conn without a watcher asks the kernel every time, so it is never
// stale either.
func TestNoCacheWithoutWatcher(t *testing.T) {
	g := nltest.NewGeneric(nltest.NewKernel())
	if _, err := g.Register(testFamily()); err != nil {
		t.Fatal(err)
	}
	nc, err := g.Kernel().Dial(genetlink.Protocol, nil)
	if err != nil {
		t.Fatal(err)
	}
	c := genetlink.NewConn(nc)
	defer c.Close()
	for _, want := range []uint16{0x13, 0x14} {
		f, err := c.GetFamily("nlgo_test")
		if err != nil || f.ID != want {
			t.Fatalf("GetFamily: %+v, %v; want id %#x", f, err, want)
		}
		if err := g.Unregister("nlgo_test"); err != nil {
			t.Fatal(err)
		}
		if _, err := g.Register(testFamily()); err != nil {
			t.Fatal(err)
		}
	}
}

// JoinGroup joins a family's group by name; the group's broadcasts then
// arrive, and the controller's announcements on "notify" too.
func TestJoinGroup(t *testing.T) {
	g, c := newFake(t)
	if err := c.JoinGroup("nlgo_test", "events"); err != nil {
		t.Fatal(err)
	}
	event := genetlink.Message{Header: genetlink.Header{Command: 9, Version: 1}, Data: []byte{5, 0, 2, 0, 'x', 0, 0, 0}}
	if err := g.Broadcast("nlgo_test", "events", event); err != nil {
		t.Fatal(err)
	}
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	gms, nms, err := c.Receive()
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]genetlink.Message{event}, gms); diff != "" {
		t.Errorf("received (-want +got):\n%s", diff)
	}
	if len(nms) != 1 || nms[0].Header.Type != 0x13 {
		t.Errorf("netlink messages %v, want one of type 0x13", nms)
	}

	for _, tt := range []struct{ family, group string }{{"nlgo_test", "nope"}, {"nope", "events"}} {
		if err := c.JoinGroup(tt.family, tt.group); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("JoinGroup(%q, %q): %v, want an error matching os.ErrNotExist", tt.family, tt.group, err)
		}
	}
}

// The controller announces a family and its groups as they come and go.
func TestControllerAnnouncements(t *testing.T) {
	g, c := newFake(t)
	if err := c.JoinGroup(genetlink.ControllerName, genetlink.ControllerGroup); err != nil {
		t.Fatal(err)
	}
	f := testFamily()
	f.Name, f.Groups = "second", f.Groups[:1]
	if _, err := g.Register(f); err != nil {
		t.Fatal(err)
	}
	if err := g.Unregister("second"); err != nil {
		t.Fatal(err)
	}
	var got []uint8
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	for len(got) < 4 {
		gms, _, err := c.Receive()
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range gms {
			got = append(got, m.Header.Command)
		}
	}
	want := []uint8{genetlink.CmdNewFamily, genetlink.CmdNewMcastGrp, genetlink.CmdDelMcastGrp, genetlink.CmdDelFamily}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("announcements (-want +got):\n%s", diff)
	}
}

// ServeFamily, the one-function fake, resolves and answers.
func TestServeFamily(t *testing.T) {
	c := nltest.ServeFamily(nltest.GenericFamily{
		Name: "simple", Version: 3,
		Operations: []nltest.GenericOperation{{Command: 1, Flags: genetlink.Do}},
	}, func(r *nltest.GenericRequest) error {
		return r.Reply(genetlink.Message{Header: genetlink.Header{Command: 1, Version: 3}, Data: []byte("pong")})
	})
	defer c.Close()
	f, err := c.GetFamily("simple")
	if err != nil {
		t.Fatal(err)
	}
	got, err := c.Execute(genetlink.Message{Header: genetlink.Header{Command: 1, Version: f.Version}}, f.ID, 0)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]genetlink.Message{{Header: genetlink.Header{Command: 1, Version: 3}, Data: []byte("pong")}}, got); diff != "" {
		t.Errorf("replies (-want +got):\n%s", diff)
	}
}
