//go:build ignore

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * nlgo_test.h - wire protocol of the nlgo_test kernel module.
 *
 * Every constant and payload layout here is mirrored in kmod.go; keep the two
 * in step. All integers in payloads are in host (native) byte order unless a
 * comment says otherwise. Payload structs have no implicit padding.
 *
 * (The //go:build line above keeps the go tool from treating this directory's
 * C files as cgo sources.)
 */
#ifndef NLGO_TEST_H
#define NLGO_TEST_H

#include <linux/types.h>

/* Default netlink protocol number (module parameter "proto"). */
#define NLGO_PROTO_DEFAULT	28
/* Multicast groups of the raw protocol: 1..NLGO_GROUPS. */
#define NLGO_GROUPS		64

/*
 * Message types (nlmsg_type) of the raw protocol. Every message the module
 * sends has an exact nlmsg_len (payload length not rounded up), and replies
 * carry the requester's port in nlmsg_pid and its sequence number.
 */
enum nlgo_msg_type {
	NLGO_MSG_ECHO		= 0x10,	/* any payload, echoed back */
	NLGO_MSG_ERROR		= 0x11,	/* struct nlgo_error_req */
	NLGO_MSG_DUMP		= 0x12,	/* struct nlgo_dump_req, NLM_F_DUMP */
	NLGO_MSG_MUTATE		= 0x13,	/* empty; bumps the table generation */
	NLGO_MSG_BROADCAST	= 0x14,	/* struct nlgo_group_req + data */
	NLGO_MSG_FLOOD		= 0x15,	/* struct nlgo_flood_req */
	NLGO_MSG_NOTIFY		= 0x16,	/* struct nlgo_notify_req + data */
	NLGO_MSG_ATTRS		= 0x17,	/* empty; reply carries NLGO_ATTRS_A_* */
	NLGO_MSG_PARSE		= 0x18,	/* NLGO_PARSE_A_* attributes */
};

/* NLGO_MSG_ERROR request. errno 0 means success (an ack if asked). */
struct nlgo_error_req {
	__s32 errno_val;	/* positive errno; the request fails with -errno */
	__u32 bad_offset;	/* if != 0: NLMSGERR_ATTR_OFFS, from nlmsghdr start */
};

#define NLGO_ERROR_MSG		"nlgo_test: requested error"

/* NLGO_MSG_DUMP request and records. */
struct nlgo_dump_req {
	__u32 count;		/* number of records, at most NLGO_DUMP_MAX */
};

#define NLGO_DUMP_MAX		1000000

struct nlgo_dump_record {
	__u32 index;		/* 0..count-1 */
	__u32 generation;	/* table generation when the record was built */
	/* followed by attribute NLGO_DUMP_A_NAME */
};

enum {
	NLGO_DUMP_A_UNSPEC,
	NLGO_DUMP_A_NAME,	/* NLGO_DUMP_NAME_LEN bytes, "record-%u" + NULs */
};

#define NLGO_DUMP_NAME_LEN	32
#define NLGO_DUMP_NAME_FMT	"record-%u"

/* NLGO_MSG_BROADCAST request: the data is broadcast as a NLGO_MSG_BROADCAST. */
struct nlgo_group_req {
	__u32 group;		/* 1..NLGO_GROUPS */
	/* followed by the data */
};

/* NLGO_MSG_FLOOD request: count messages of size payload bytes. */
struct nlgo_flood_req {
	__u32 group;		/* 1..NLGO_GROUPS */
	__u32 count;		/* 1..NLGO_FLOOD_MAX_COUNT */
	__u32 size;		/* 0..NLGO_FLOOD_MAX_SIZE */
};

#define NLGO_FLOOD_MAX_COUNT	100000
#define NLGO_FLOOD_MAX_SIZE	65536

/* NLGO_MSG_NOTIFY request: data is unicast as a NLGO_MSG_NOTIFY, seq 0. */
struct nlgo_notify_req {
	__u32 portid;		/* destination port */
	/* followed by the data */
};

/*
 * Attributes of the NLGO_MSG_ATTRS reply, with their fixed values, in this
 * order (NLGO_ATTRS_A_PAD may appear before the 64-bit ones on architectures
 * that need the alignment).
 */
enum {
	NLGO_ATTRS_A_UNSPEC,
	NLGO_ATTRS_A_U8,	/* nla_put_u8: 0xab */
	NLGO_ATTRS_A_U16,	/* nla_put_u16: 0xbeef */
	NLGO_ATTRS_A_U32,	/* nla_put_u32: 0xdeadbeef */
	NLGO_ATTRS_A_U64,	/* nla_put_u64_64bit: 0x0123456789abcdef */
	NLGO_ATTRS_A_PAD,	/* padding for 64-bit alignment, may appear */
	NLGO_ATTRS_A_S8,	/* nla_put_s8: -8 */
	NLGO_ATTRS_A_S16,	/* nla_put_s16: -1600 */
	NLGO_ATTRS_A_S32,	/* nla_put_s32: -320000 */
	NLGO_ATTRS_A_S64,	/* nla_put_s64: -6400000000 */
	NLGO_ATTRS_A_STRING,	/* nla_put_string: "nlgo_test" (with NUL) */
	NLGO_ATTRS_A_FLAG,	/* nla_put_flag */
	NLGO_ATTRS_A_NEST,	/* nla_nest_start (NLA_F_NESTED): NLGO_NEST_A_* */
	NLGO_ATTRS_A_BE16,	/* nla_put_net16 (NLA_F_NET_BYTEORDER): 0x1234 */
	NLGO_ATTRS_A_BE32,	/* nla_put_net32 (NLA_F_NET_BYTEORDER): 0x01020304 */
	NLGO_ATTRS_A_BINARY,	/* nla_put: 3 bytes 01 02 03 (padded to 4) */
	NLGO_ATTRS_A_NEST_NOFLAG, /* nla_nest_start_noflag: NLGO_NEST_A_U32 */
	NLGO_ATTRS_A_UINT,	/* nla_put_uint (kernel >= 6.7): 0x100000000 */
	NLGO_ATTRS_A_SINT,	/* nla_put_sint (kernel >= 6.7): -2 */
	__NLGO_ATTRS_A_MAX,
};

#define NLGO_ATTRS_U8		0xab
#define NLGO_ATTRS_U16		0xbeef
#define NLGO_ATTRS_U32		0xdeadbeefU
#define NLGO_ATTRS_U64		0x0123456789abcdefULL
#define NLGO_ATTRS_S8		(-8)
#define NLGO_ATTRS_S16		(-1600)
#define NLGO_ATTRS_S32		(-320000)
#define NLGO_ATTRS_S64		(-6400000000LL)
#define NLGO_ATTRS_STRING	"nlgo_test"
#define NLGO_ATTRS_BE16		0x1234
#define NLGO_ATTRS_BE32		0x01020304U
#define NLGO_ATTRS_UINT		0x100000000ULL
#define NLGO_ATTRS_SINT		(-2LL)

/* Attributes inside NLGO_ATTRS_A_NEST and NLGO_ATTRS_A_NEST_NOFLAG. */
enum {
	NLGO_NEST_A_UNSPEC,
	NLGO_NEST_A_U32,	/* 7 */
	NLGO_NEST_A_STRING,	/* "inner" (only in NLGO_ATTRS_A_NEST) */
	NLGO_NEST_A_NEST,	/* nested again: NLGO_NEST_A_U32 = 8 (ditto) */
	__NLGO_NEST_A_MAX,
};

#define NLGO_NEST_U32		7
#define NLGO_NEST_STRING	"inner"
#define NLGO_NEST_INNER_U32	8

/*
 * NLGO_MSG_PARSE request attributes, parsed with nlmsg_parse() (strict
 * validation, attributes start right after the nlmsghdr).
 */
enum {
	NLGO_PARSE_A_UNSPEC,
	NLGO_PARSE_A_U8,	/* NLA_U8 */
	NLGO_PARSE_A_U16,	/* NLA_U16 */
	NLGO_PARSE_A_U32,	/* NLA_U32 */
	NLGO_PARSE_A_U64,	/* NLA_U64 */
	NLGO_PARSE_A_STRING,	/* NLA_STRING, at most NLGO_PARSE_STRING_MAX */
	NLGO_PARSE_A_FLAG,	/* NLA_FLAG */
	NLGO_PARSE_A_NEST,	/* NLA_NESTED (NLA_F_NESTED required): NLGO_NEST_A_* */
	NLGO_PARSE_A_RANGED,	/* NLA_U8 in NLGO_PARSE_RANGED_MIN..MAX */
	__NLGO_PARSE_A_MAX,
};

#define NLGO_PARSE_STRING_MAX	15
#define NLGO_PARSE_RANGED_MIN	1
#define NLGO_PARSE_RANGED_MAX	10

/* Payload of the NLGO_MSG_PARSE reply: what the kernel parsed. */
struct nlgo_parse_reply {
	__u64 u64;
	__u32 present;		/* bit (1 << NLGO_PARSE_A_x) per attribute seen */
	__u32 u32;
	__u32 nest_u32;		/* NLGO_NEST_A_U32 inside NLGO_PARSE_A_NEST */
	__u16 u16;
	__u8 u8;
	__u8 ranged;
	__u8 flag;		/* 1 if NLGO_PARSE_A_FLAG was present */
	__u8 pad[3];
	char string[NLGO_PARSE_STRING_MAX + 1];		/* NUL padded */
	char nest_string[NLGO_PARSE_STRING_MAX + 1];	/* NLGO_NEST_A_STRING */
	__u32 pad2;
};

#define NLGO_PARSE_REPLY_SIZE	64

/* Generic netlink family. */
#define NLGO_GENL_NAME		"nlgo_test"
#define NLGO_GENL_VERSION	1
#define NLGO_GENL_MCGRP_EVENTS	"events"	/* group index 0 */
#define NLGO_GENL_MCGRP_ALERTS	"alerts"	/* group index 1 */

enum {
	NLGO_GENL_CMD_UNSPEC,
	NLGO_GENL_CMD_ECHO,	/* doit: replies with the request's attributes */
	NLGO_GENL_CMD_NOTIFY,	/* doit: multicasts an EVENT to GROUP */
	NLGO_GENL_CMD_GET,	/* dumpit: COUNT records (default 10) */
	NLGO_GENL_CMD_EVENT,	/* multicast by NOTIFY: the request's attributes */
	__NLGO_GENL_CMD_MAX,
};

enum {
	NLGO_GENL_A_UNSPEC,
	NLGO_GENL_A_U32,	/* NLA_U32 */
	NLGO_GENL_A_STRING,	/* NLA_NUL_STRING, at most NLGO_GENL_STRING_MAX */
	NLGO_GENL_A_GROUP,	/* NLA_U32 at most 1: 0 events, 1 alerts */
	NLGO_GENL_A_DATA,	/* NLA_BINARY, at most NLGO_GENL_DATA_MAX */
	NLGO_GENL_A_COUNT,	/* NLA_U32 in 0..NLGO_DUMP_MAX (full range) */
	NLGO_GENL_A_INDEX,	/* NLA_U32, in GET records */
	NLGO_GENL_A_FLAGS,	/* NLA_U16, only bits of NLGO_GENL_FLAGS_MASK */
	NLGO_GENL_A_SELECT,	/* NLA_BITFIELD32 of NLGO_GENL_SELECT_BITS */
	NLGO_GENL_A_NEST,	/* NLA_NESTED: NLGO_GENL_NEST_A_* */
	__NLGO_GENL_A_MAX,
};

#define NLGO_GENL_STRING_MAX	63
#define NLGO_GENL_DATA_MAX	1024
#define NLGO_GENL_GET_DEFAULT	10
#define NLGO_GENL_FLAGS_MASK	0x0f0f
#define NLGO_GENL_SELECT_BITS	0x7

/* Attributes inside NLGO_GENL_A_NEST, with a policy of their own. */
enum {
	NLGO_GENL_NEST_A_UNSPEC,
	NLGO_GENL_NEST_A_ID,	/* NLA_U32 in NLGO_GENL_NEST_ID_MIN..MAX */
	NLGO_GENL_NEST_A_NAME,	/* NLA_NUL_STRING, at most NLGO_GENL_NEST_NAME_MAX */
	NLGO_GENL_NEST_A_KEY,	/* NLA_BINARY of exactly NLGO_GENL_NEST_KEY_LEN */
	NLGO_GENL_NEST_A_LEVEL,	/* NLA_S32 in NLGO_GENL_NEST_LEVEL_MIN..MAX */
	__NLGO_GENL_NEST_A_MAX,
};

#define NLGO_GENL_NEST_ID_MIN		1
#define NLGO_GENL_NEST_ID_MAX		4094
#define NLGO_GENL_NEST_NAME_MAX		15
#define NLGO_GENL_NEST_KEY_LEN		8
#define NLGO_GENL_NEST_LEVEL_MIN	(-10)
#define NLGO_GENL_NEST_LEVEL_MAX	10

/*
 * Generic netlink family "nlgo_policy": two operations whose handler does
 * nothing, so that a request is acknowledged exactly when its attributes
 * pass the operation's policy. CHECK validates strictly (no
 * GENL_DONT_VALIDATE_* flag: NL_VALIDATE_STRICT, for the nests too), and its
 * policy sets strict_start_type 1 besides; CHECK_LIBERAL validates
 * liberally (GENL_DONT_VALIDATE_STRICT) with the same policy but for
 * strict_start_type. The policy has one attribute per rule the kernel's
 * validation knows; the comment says what each is.
 */
#define NLGO_POL_NAME		"nlgo_policy"
#define NLGO_POL_VERSION	1

enum {
	NLGO_POL_CMD_UNSPEC,
	NLGO_POL_CMD_CHECK,	/* doit: does nothing; strict */
	NLGO_POL_CMD_CHECK_LIBERAL, /* doit: does nothing; liberal */
	__NLGO_POL_CMD_MAX,
};

enum {
	NLGO_POL_A_UNSPEC,
	NLGO_POL_A_U8_RANGE,	/* NLA_POLICY_RANGE(NLA_U8, 10, 200) */
	NLGO_POL_A_U16_MIN,	/* NLA_POLICY_MIN(NLA_U16, 1000) */
	NLGO_POL_A_U32_MAX,	/* NLA_POLICY_MAX(NLA_U32, 30000) */
	NLGO_POL_A_U64_RANGE,	/* NLA_POLICY_FULL_RANGE(NLA_U64, 2^40..2^50) */
	NLGO_POL_A_S8_RANGE,	/* NLA_POLICY_RANGE(NLA_S8, -100, -10) */
	NLGO_POL_A_S16_MIN,	/* NLA_POLICY_MIN(NLA_S16, -1000) */
	NLGO_POL_A_S32_MAX,	/* NLA_POLICY_MAX(NLA_S32, -5) */
	NLGO_POL_A_S64_RANGE,	/* NLA_POLICY_FULL_RANGE_SIGNED(NLA_S64, -2^40..2^40) */
	NLGO_POL_A_U8_MASK,	/* NLA_POLICY_MASK(NLA_U8, 0x0f) */
	NLGO_POL_A_U16_MASK,	/* NLA_POLICY_MASK(NLA_U16, 0x0ff0) */
	NLGO_POL_A_U32_MASK,	/* NLA_POLICY_MASK(NLA_U32, 0x00ff00ff) */
	NLGO_POL_A_U64_MASK,	/* NLA_POLICY_MASK(NLA_U64, 0xf0f0f0f0) */
	NLGO_POL_A_UINT_RANGE,	/* NLA_POLICY_FULL_RANGE(NLA_UINT, 5..2^33), >= 6.7 */
	NLGO_POL_A_SINT_RANGE,	/* NLA_POLICY_RANGE(NLA_SINT, -300, 300), >= 6.7 */
	NLGO_POL_A_UINT_MASK,	/* NLA_POLICY_MASK(NLA_UINT, 0x3c), >= 6.7 */
	NLGO_POL_A_BIN_MIN,	/* NLA_POLICY_MIN_LEN(4) (not in the dump) */
	NLGO_POL_A_BIN_MAX,	/* NLA_POLICY_MAX(NLA_BINARY, 8) (ditto) */
	NLGO_POL_A_BIN_EXACT,	/* NLA_POLICY_EXACT_LEN(6) */
	NLGO_POL_A_BIN_RANGE,	/* NLA_POLICY_RANGE(NLA_BINARY, 2, 5) */
	NLGO_POL_A_BIN_LEN,	/* NLA_BINARY, .len 16 */
	NLGO_POL_A_STRING,	/* NLA_STRING, .len 7 */
	NLGO_POL_A_NUL_STRING,	/* NLA_NUL_STRING, .len 7 */
	NLGO_POL_A_NUL_STRING_ANY, /* NLA_NUL_STRING, no .len */
	NLGO_POL_A_FLAG,	/* NLA_FLAG */
	NLGO_POL_A_BITFIELD32,	/* NLA_POLICY_BITFIELD32(0x15) */
	NLGO_POL_A_NEST,	/* NLA_POLICY_NESTED: NLGO_POL_NEST_A_* */
	NLGO_POL_A_NEST_ARRAY,	/* NLA_POLICY_NESTED_ARRAY: NLGO_POL_NEST_A_* */
	NLGO_POL_A_REJECT,	/* NLA_REJECT (the dump leaves it out) */
	NLGO_POL_A_EVEN,	/* NLA_BINARY, .len 8, even length (validation fn) */
	NLGO_POL_A_BE16,	/* NLA_BE16 (the dump leaves it out) */
	NLGO_POL_A_EXACT_WARN,	/* NLA_POLICY_EXACT_LEN_WARN(4) */
	NLGO_POL_A_MSECS,	/* NLA_MSECS (dumped as u64; from 6.7 as uint) */
	NLGO_POL_A_HOLE,	/* no entry (NLA_UNSPEC): rejected when strict */
	NLGO_POL_A_U32,		/* NLA_U32 */
	__NLGO_POL_A_MAX,
};

/* Attributes inside NLGO_POL_A_NEST and each entry of NLGO_POL_A_NEST_ARRAY. */
enum {
	NLGO_POL_NEST_A_UNSPEC,
	NLGO_POL_NEST_A_U32,	/* NLA_POLICY_RANGE(NLA_U32, 1, 100) */
	NLGO_POL_NEST_A_NAME,	/* NLA_NUL_STRING, .len 3 */
	NLGO_POL_NEST_A_FLAG,	/* NLA_FLAG */
	NLGO_POL_NEST_A_S16,	/* NLA_POLICY_RANGE(NLA_S16, -1, 1) */
	__NLGO_POL_NEST_A_MAX,
};

#endif /* NLGO_TEST_H */
