package family_test

import (
	"strings"
	"testing"

	"github.com/nlgo/netlink/family"
)

type client struct{}
type request struct{ N int }

func TestOpArgs(t *testing.T) {
	tests := []struct {
		name    string
		client  any
		req     any
		wantReq *request
		wantErr string
	}{
		{"request", &client{}, &request{N: 7}, &request{N: 7}, ""},
		{"nil request is empty", &client{}, nil, &request{}, ""},
		{"wrong client", client{}, &request{}, nil, "client is family_test.client, not a *family_test.client"},
		{"wrong request", &client{}, request{}, nil, "request is family_test.request, not *family_test.request"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, r, err := family.OpArgs[client, request]("fam", tt.client, tt.req)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !strings.HasPrefix(err.Error(), "fam: ") {
					t.Fatalf("error %v, want one with %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || c == nil || *r != *tt.wantReq {
				t.Fatalf("OpArgs = %v, %+v, %v; want the client and %+v", c, r, err, tt.wantReq)
			}
		})
	}
}
