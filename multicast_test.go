package netlink

import (
	"errors"
	"math"
	"syscall"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestGroupMask(t *testing.T) {
	tests := []struct {
		name  string
		group uint32
		want  uint32
	}{
		{"group 0 has no bit", 0, 0},
		{"group 1", 1, 1},
		{"group 2", 2, 2},
		{"group 3 is mask 4, not 3", 3, 4},
		{"group 4", 4, 8},
		{"RTNLGRP_IPV4_IFADDR", 5, 0x10},
		{"group 31", 31, 1 << 30},
		{"group 32 is the top bit", 32, 1 << 31},
		{"group 33 has no bit", 33, 0},
		{"group 64 has no bit", 64, 0},
		{"max group has no bit", math.MaxUint32, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := GroupMask(tt.group); got != tt.want {
				t.Errorf("GroupMask(%d) = %#x, want %#x", tt.group, got, tt.want)
			}
		})
	}
}

func TestMaskGroups(t *testing.T) {
	tests := []struct {
		name string
		mask uint32
		want []uint32
	}{
		{"empty", 0, []uint32{}},
		{"bit 0 is group 1", 1, []uint32{1}},
		{"mask 4 is group 3", 4, []uint32{3}},
		{"mask 3 is groups 1 and 2", 3, []uint32{1, 2}},
		{"0b101", 0b101, []uint32{1, 3}},
		{"top bit", 1 << 31, []uint32{32}},
		{"RTMGRP_LINK|RTMGRP_IPV4_IFADDR", 0x1 | 0x10, []uint32{1, 5}},
		{"all", math.MaxUint32, func() []uint32 {
			var gs []uint32
			for g := uint32(1); g <= 32; g++ {
				gs = append(gs, g)
			}
			return gs
		}()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, MaskGroups(tt.mask), equateEmpty); diff != "" {
				t.Errorf("MaskGroups(%#x) (-want +got):\n%s", tt.mask, diff)
			}
		})
	}
}

func TestGroupMaskRoundTrip(t *testing.T) {
	var all uint32
	for g := uint32(1); g <= 32; g++ {
		m := GroupMask(g)
		if diff := cmp.Diff([]uint32{g}, MaskGroups(m)); diff != "" {
			t.Errorf("MaskGroups(GroupMask(%d)) (-want +got):\n%s", g, diff)
		}
		if all&m != 0 {
			t.Errorf("GroupMask(%d) = %#x overlaps another group's bit", g, m)
		}
		all |= m
	}
	if all != math.MaxUint32 {
		t.Errorf("groups 1..32 cover mask %#x, want every bit", all)
	}
}

func TestMembershipGroups(t *testing.T) {
	tests := []struct {
		name  string
		words []uint32
		want  []uint32
	}{
		{"none", nil, nil},
		{"zero words", []uint32{0, 0}, nil},
		{"group 1", []uint32{1}, []uint32{1}},
		{"groups 1 and 3", []uint32{0b101}, []uint32{1, 3}},
		{"group 32", []uint32{1 << 31}, []uint32{32}},
		{"group 33 is bit 0 of word 1", []uint32{0, 1}, []uint32{33}},
		{"groups above 32", []uint32{1 << 2, 1<<0 | 1<<31, 0, 1 << 4}, []uint32{3, 33, 64, 101}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, membershipGroups(tt.words), equateEmpty); diff != "" {
				t.Errorf("membershipGroups(%#x) (-want +got):\n%s", tt.words, diff)
			}
		})
	}
}

func TestJoinLeaveGroups(t *testing.T) {
	tests := []struct {
		name       string
		join       []uint32
		leave      []uint32
		want       []uint32
		wantPktInf bool
	}{
		{"legacy groups", []uint32{3, 1}, nil, []uint32{1, 3}, false},
		{"group above 32 turns on PacketInfo", []uint32{33}, nil, []uint32{33}, true},
		{"join then leave", []uint32{2, 7, 40}, []uint32{7}, []uint32{2, 40}, true},
		{"group 32 needs no PacketInfo", []uint32{32}, nil, []uint32{32}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, _ := newFakeConn(t, testPID, Config{})
			for _, g := range tt.join {
				if err := c.JoinGroup(g); err != nil {
					t.Fatalf("JoinGroup(%d): %v", g, err)
				}
			}
			for _, g := range tt.leave {
				if err := c.LeaveGroup(g); err != nil {
					t.Fatalf("LeaveGroup(%d): %v", g, err)
				}
			}
			got, err := c.Groups()
			if err != nil {
				t.Fatalf("Groups: %v", err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Groups (-want +got):\n%s", diff)
			}
			on, err := c.GetOption(PacketInfo)
			if err != nil {
				t.Fatal(err)
			}
			if on != tt.wantPktInf {
				t.Errorf("PacketInfo on = %v, want %v", on, tt.wantPktInf)
			}
		})
	}
}

func TestGroupErrors(t *testing.T) {
	c, _ := newFakeConn(t, testPID, Config{})
	tests := []struct {
		op   string
		call func() error
	}{
		{"join group", func() error { return c.JoinGroup(0) }},
		{"leave group", func() error { return c.LeaveGroup(0) }},
	}
	for _, tt := range tests {
		t.Run(tt.op, func(t *testing.T) {
			err := tt.call()
			oe := wantOpError(t, err, tt.op, syscall.EINVAL)
			if !errors.Is(oe, errFakeGroup) {
				t.Errorf("error %v does not wrap the socket's error", err)
			}
		})
	}
}

func TestReceiveMulticastSource(t *testing.T) {
	c, fs := newFakeConn(t, testPID, Config{Groups: GroupMask(1) | GroupMask(3)})
	tests := []struct {
		name string
		src  Source
	}{
		{"legacy group", Source{Group: 3}},
		{"group above 32", Source{Group: 40}},
		{"other namespace", Source{Group: 1, NSID: 2, HasNSID: true}},
		{"unicast from a port", Source{PID: 77}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs.pushFrom(tt.src, rawMessage(24, 0, 0, 0, nil))
			_, src, err := c.ReceiveFrom()
			if err != nil {
				t.Fatalf("ReceiveFrom: %v", err)
			}
			if diff := cmp.Diff(tt.src, src); diff != "" {
				t.Errorf("source (-want +got):\n%s", diff)
			}
		})
	}
}
