package genetlink_test

import (
	"errors"
	"strings"
	"syscall"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/nlgo/netlink"
	"github.com/nlgo/netlink/genetlink"
	"github.com/nlgo/netlink/nltest"
)

// A failed Execute locates the attribute the extended ack points at, after
// the genlmsghdr and the family's own header: named for the controller,
// numbered for other families, whose header size comes from the cache.
func TestExecuteLocatesExtAck(t *testing.T) {
	const cmdOffset, cmdMissing = 1, 2
	fail := func(r *nltest.GenericRequest) error {
		if r.Message.Header.Command == cmdMissing {
			return &nltest.ExtError{Errno: syscall.EINVAL, MissingType: 3}
		}
		// nlmsghdr 16, genlmsghdr 4, family header 4, attribute 1 of 8:
		// attribute 2.
		return &nltest.ExtError{Errno: syscall.EINVAL, Offset: 32}
	}
	g := nltest.NewGeneric(nltest.NewKernel())
	fam, err := g.Register(nltest.GenericFamily{Name: "nlgo_hdr", Version: 1, HeaderSize: 4, MaxAttr: 3,
		Operations: []nltest.GenericOperation{
			{Command: cmdOffset, Flags: genetlink.Do, Handler: fail},
			{Command: cmdMissing, Flags: genetlink.Do, Handler: fail},
		}})
	if err != nil {
		t.Fatal(err)
	}
	cached, err := g.Dial(nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cached.Close() })
	if _, err := cached.GetFamily("nlgo_hdr"); err != nil { // now in the cache
		t.Fatal(err)
	}
	nc, err := g.Kernel().Dial(genetlink.Protocol, nil)
	if err != nil {
		t.Fatal(err)
	}
	uncached := genetlink.NewConn(nc)
	t.Cleanup(func() { uncached.Close() })
	for _, c := range []*genetlink.Conn{cached, uncached} {
		if err := c.SetOption(netlink.ExtendedAcknowledge, true); err != nil {
			t.Fatal(err)
		}
	}

	var e netlink.AttributeEncoder
	e.Reset([]byte{0, 0, 0, 0}) // the family header
	e.Uint32(1, 1)
	e.Uint32(2, 2)
	data, err := e.Encode()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name        string
		c           *genetlink.Conn
		family      uint16
		m           genetlink.Message
		path        netlink.AttributePath
		missing     netlink.AttributePath
		errorEnding string
	}{
		{name: "controller, named", c: cached, family: genetlink.ControllerID,
			m: genetlink.Message{Header: genetlink.Header{Command: genetlink.CmdGetFamily, Version: genetlink.ControllerVersion},
				Data: familyName(t, strings.Repeat("n", genetlink.NameMax+1))},
			path:        netlink.AttributePath{{Type: genetlink.AttrFamilyName, Name: "CTRL_ATTR_FAMILY_NAME"}},
			errorEnding: ": attribute CTRL_ATTR_FAMILY_NAME (2) at offset 20: kernel expects nul-string of at most 15 bytes"},
		{name: "family header size from the cache", c: cached, family: fam.ID,
			m:    genetlink.Message{Header: genetlink.Header{Command: cmdOffset, Version: 1}, Data: data},
			path: netlink.AttributePath{{Type: 2}}, errorEnding: ": attribute 2 at offset 32"},
		{name: "family header size unknown: taken as 0", c: uncached, family: fam.ID,
			m:           genetlink.Message{Header: genetlink.Header{Command: cmdOffset, Version: 1}, Data: data},
			errorEnding: "invalid argument (offset 32)"},
		{name: "missing attribute", c: cached, family: fam.ID,
			m:       genetlink.Message{Header: genetlink.Header{Command: cmdMissing, Version: 1}, Data: data},
			missing: netlink.AttributePath{{Type: 3}}, errorEnding: ": missing attribute 3"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tt.c.Execute(tt.m, tt.family, 0)
			var oe *netlink.OpError
			if !errors.As(err, &oe) || !errors.Is(err, syscall.EINVAL) {
				t.Fatalf("Execute: %v, want an *OpError matching EINVAL", err)
			}
			if diff := cmp.Diff(tt.path, oe.Path); diff != "" {
				t.Errorf("Path (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.missing, oe.Missing); diff != "" {
				t.Errorf("Missing (-want +got):\n%s", diff)
			}
			if !strings.HasSuffix(err.Error(), tt.errorEnding) {
				t.Errorf("Error() = %q, want it to end %q", err, tt.errorEnding)
			}
		})
	}
}

// familyName encodes a CTRL_ATTR_FAMILY_NAME.
func familyName(t *testing.T, name string) []byte {
	t.Helper()
	var e netlink.AttributeEncoder
	e.String(genetlink.AttrFamilyName, name)
	b, err := e.Encode()
	if err != nil {
		t.Fatal(err)
	}
	return b
}
