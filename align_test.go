package netlink

import "testing"

// The expected values are what the C macros of <linux/netlink.h> give:
//
//	#define NLMSG_ALIGNTO	4U
//	#define NLMSG_ALIGN(len) ( ((len)+NLMSG_ALIGNTO-1) & ~(NLMSG_ALIGNTO-1) )
//	#define NLMSG_HDRLEN	 ((int) NLMSG_ALIGN(sizeof(struct nlmsghdr)))
//	#define NLMSG_LENGTH(len) ((len) + NLMSG_HDRLEN)
//	#define NLMSG_SPACE(len) NLMSG_ALIGN(NLMSG_LENGTH(len))
//	#define NLMSG_PAYLOAD(nlh,len) ((nlh)->nlmsg_len - NLMSG_SPACE((len)))
//	#define NLA_ALIGN(len)		(((len) + NLA_ALIGNTO - 1) & ~(NLA_ALIGNTO - 1))
//	#define NLA_HDRLEN		((int) NLA_ALIGN(sizeof(struct nlattr)))
//	nla_attr_size(payload) = NLA_HDRLEN + payload
//	nla_total_size(payload) = NLA_ALIGN(nla_attr_size(payload))
func TestAlign(t *testing.T) {
	tests := []struct {
		name string
		got  int
		want int
	}{
		{"NLMSG_ALIGNTO", Alignment, 4},
		{"NLMSG_HDRLEN", HeaderLen, 16},
		{"NLA_ALIGNTO", AttributeAlignment, 4},
		{"NLA_HDRLEN", AttributeHeaderLen, 4},
		{"NLMSG_ALIGN(0)", Align(0), 0},
		{"NLMSG_ALIGN(1)", Align(1), 4},
		{"NLMSG_ALIGN(3)", Align(3), 4},
		{"NLMSG_ALIGN(4)", Align(4), 4},
		{"NLMSG_ALIGN(5)", Align(5), 8},
		{"NLMSG_ALIGN(133)", Align(133), 136},
		{"NLMSG_LENGTH(0)", MessageLen(0), 16},
		{"NLMSG_LENGTH(1)", MessageLen(1), 17},
		{"NLMSG_LENGTH(16)", MessageLen(16), 32},
		{"NLMSG_SPACE(0)", MessageSpace(0), 16},
		{"NLMSG_SPACE(1)", MessageSpace(1), 20},
		{"NLMSG_SPACE(4)", MessageSpace(4), 20},
		{"NLMSG_SPACE(5)", MessageSpace(5), 24},
		{"NLMSG_SPACE(117)", MessageSpace(117), 136},
		{"NLMSG_PAYLOAD(len 52, 16)", MessagePayloadLen(52, 16), 20},
		{"NLMSG_PAYLOAD(len 32, 16)", MessagePayloadLen(32, 16), 0},
		{"NLMSG_PAYLOAD(len 20, 16) clamps", MessagePayloadLen(20, 16), 0},
		{"NLMSG_PAYLOAD(len 40, 5)", MessagePayloadLen(40, 5), 16},
		{"NLA_ALIGN(0)", AttributeAlign(0), 0},
		{"NLA_ALIGN(1)", AttributeAlign(1), 4},
		{"NLA_ALIGN(6)", AttributeAlign(6), 8},
		{"nla_attr_size(0)", AttributeLen(0), 4},
		{"nla_attr_size(1)", AttributeLen(1), 5},
		{"nla_attr_size(6)", AttributeLen(6), 10},
		{"nla_total_size(0)", AttributeSpace(0), 4},
		{"nla_total_size(1)", AttributeSpace(1), 8},
		{"nla_total_size(4)", AttributeSpace(4), 8},
		{"nla_total_size(6)", AttributeSpace(6), 12},
		{"max attribute payload", MaxAttributePayload, 65531},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.got != tt.want {
				t.Fatalf("got %d, want %d", tt.got, tt.want)
			}
		})
	}
}
