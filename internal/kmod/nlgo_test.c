//go:build ignore

// SPDX-License-Identifier: GPL-2.0
/*
 * nlgo_test - a netlink test peer for the nlgo library's integration tests.
 *
 * It registers its own netlink protocol (module parameter "proto", default
 * 28) in every network namespace, with 64 multicast groups that unprivileged
 * users may join and send to, a generic netlink family "nlgo_test" with the
 * multicast groups "events" and "alerts", and a generic netlink family
 * "nlgo_policy" whose operations only validate their requests against a
 * policy of one attribute per validation rule, strictly or liberally. The
 * wire protocol is described in nlgo_test.h. Requests are handled by
 * netlink_rcv_skb(), so they need NLM_F_REQUEST and get acks, error
 * messages and extended acks exactly as the kernel's own families send them.
 *
 * The //go:build line above keeps the go tool away from this file.
 */
#include <linux/module.h>
#include <linux/kernel.h>
#include <linux/netlink.h>
#include <linux/skbuff.h>
#include <linux/version.h>
#include <linux/sched.h>
#include <net/sock.h>
#include <net/netlink.h>
#include <net/genetlink.h>
#include <net/net_namespace.h>
#include <net/netns/generic.h>

#include "nlgo_test.h"

/*
 * Older kernels, back to 5.10 (Debian 11), which the VM matrix also boots
 * (internal/vmtest): what they spell differently or lack.
 */
#if LINUX_VERSION_CODE < KERNEL_VERSION(5, 11, 0)
#define nla_strscpy nla_strlcpy		/* renamed in 5.11 */
#endif
#ifndef GENL_REQ_ATTR_CHECK		/* 6.0; no missing-attribute ext-ack before */
#define GENL_REQ_ATTR_CHECK(info, attr) ({				\
	bool __missing = !(info)->attrs[(attr)];			\
	if (__missing)							\
		NL_SET_ERR_MSG((info)->extack, "missing attribute");	\
	__missing;							\
})
#endif

static int proto = NLGO_PROTO_DEFAULT;
module_param(proto, int, 0444);
MODULE_PARM_DESC(proto, "netlink protocol number to register (default 28)");

static unsigned int nlgo_net_id;

struct nlgo_net {
	struct sock *sk;
};

/* Generation of the dump table; never 0 (0 means "unset" to the dump code). */
static atomic_t nlgo_generation = ATOMIC_INIT(1);

static u32 nlgo_current_generation(void)
{
	return (u32)atomic_read(&nlgo_generation);
}

static void nlgo_bump_generation(void)
{
	if (atomic_inc_return(&nlgo_generation) == 0)
		atomic_inc(&nlgo_generation);
}

/*
 * nlgo_new_msg allocates a message of the given type with room for len bytes
 * of payload (zeroed) and returns it with *data pointing at the payload.
 */
static struct sk_buff *nlgo_new_msg(u32 portid, u32 seq, u16 type, size_t len,
				    void **data)
{
	struct sk_buff *skb;
	struct nlmsghdr *nlh;

	skb = nlmsg_new(len, GFP_KERNEL);
	if (!skb)
		return NULL;
	nlh = nlmsg_put(skb, portid, seq, type, len, 0);
	if (!nlh) {
		kfree_skb(skb);
		return NULL;
	}
	/* No nlmsg_end(): it would round nlmsg_len up to the padded size. */
	*data = nlmsg_data(nlh);
	memset(*data, 0, len);
	return skb;
}

/* nlgo_reply unicasts type/seq of req with the given payload to the sender. */
static int nlgo_reply(struct sk_buff *in_skb, const struct nlmsghdr *req,
		      const void *payload, size_t len)
{
	u32 portid = NETLINK_CB(in_skb).portid;
	struct sk_buff *skb;
	void *data;

	skb = nlgo_new_msg(portid, req->nlmsg_seq, req->nlmsg_type, len, &data);
	if (!skb)
		return -ENOMEM;
	if (len)
		memcpy(data, payload, len);
	return nlmsg_unicast(in_skb->sk, skb, portid);
}

static int nlgo_check_group(u32 group, struct netlink_ext_ack *extack)
{
	if (group < 1 || group > NLGO_GROUPS) {
		NL_SET_ERR_MSG(extack, "nlgo_test: group must be 1..64");
		return -EINVAL;
	}
	return 0;
}

static int nlgo_error(struct nlmsghdr *nlh, struct netlink_ext_ack *extack)
{
	const struct nlgo_error_req *req = nlmsg_data(nlh);

	if (nlmsg_len(nlh) != sizeof(*req)) {
		NL_SET_ERR_MSG(extack, "nlgo_test: ERROR payload must be 8 bytes");
		return -EINVAL;
	}
	if (req->errno_val < 0 || req->errno_val > MAX_ERRNO) {
		NL_SET_ERR_MSG(extack, "nlgo_test: errno must be 0..4095");
		return -EINVAL;
	}
	if (req->errno_val == 0)
		return 0;
	if (req->bad_offset) {
		if (req->bad_offset >= nlh->nlmsg_len) {
			NL_SET_ERR_MSG(extack,
				       "nlgo_test: bad_offset outside the request");
			return -EINVAL;
		}
		NL_SET_BAD_ATTR(extack, (const struct nlattr *)
				((const u8 *)nlh + req->bad_offset));
	}
	NL_SET_ERR_MSG(extack, NLGO_ERROR_MSG);
	return -req->errno_val;
}

static int nlgo_dump_records(struct sk_buff *skb, struct netlink_callback *cb)
{
	u32 count = (u32)(uintptr_t)cb->data;
	char name[NLGO_DUMP_NAME_LEN];
	struct nlgo_dump_record *rec;
	struct nlmsghdr *nlh;
	u32 i;

	cb->seq = nlgo_current_generation();
	for (i = cb->args[0]; i < count; i++) {
		nlh = nlmsg_put(skb, NETLINK_CB(cb->skb).portid,
				cb->nlh->nlmsg_seq, NLGO_MSG_DUMP, sizeof(*rec),
				NLM_F_MULTI);
		if (!nlh)
			break;
		nl_dump_check_consistent(cb, nlh);
		rec = nlmsg_data(nlh);
		rec->index = i;
		rec->generation = cb->seq;
		memset(name, 0, sizeof(name));
		snprintf(name, sizeof(name), NLGO_DUMP_NAME_FMT, i);
		if (nla_put(skb, NLGO_DUMP_A_NAME, sizeof(name), name)) {
			nlmsg_cancel(skb, nlh);
			break;
		}
		nlmsg_end(skb, nlh);
	}
	cb->args[0] = i;
	return skb->len;
}

static int nlgo_dump(struct sk_buff *skb, struct nlmsghdr *nlh,
		     struct netlink_ext_ack *extack)
{
	const struct nlgo_dump_req *req = nlmsg_data(nlh);
	struct netlink_dump_control c = { .dump = nlgo_dump_records };

	if ((nlh->nlmsg_flags & NLM_F_DUMP) != NLM_F_DUMP) {
		NL_SET_ERR_MSG(extack, "nlgo_test: DUMP needs NLM_F_DUMP");
		return -EINVAL;
	}
	if (nlmsg_len(nlh) != sizeof(*req)) {
		NL_SET_ERR_MSG(extack, "nlgo_test: DUMP payload must be 4 bytes");
		return -EINVAL;
	}
	if (req->count > NLGO_DUMP_MAX) {
		NL_SET_ERR_MSG(extack, "nlgo_test: DUMP count too large");
		return -EINVAL;
	}
	c.data = (void *)(uintptr_t)req->count;
	/* Returns -EINTR once the dump started: netlink_rcv_skb sends no ack. */
	return netlink_dump_start(skb->sk, skb, nlh, &c);
}

static int nlgo_broadcast(struct sk_buff *in_skb, struct nlmsghdr *nlh,
			  struct netlink_ext_ack *extack)
{
	const struct nlgo_group_req *req = nlmsg_data(nlh);
	struct sk_buff *skb;
	size_t len;
	void *data;
	int err;

	if (nlmsg_len(nlh) < (int)sizeof(*req)) {
		NL_SET_ERR_MSG(extack, "nlgo_test: BROADCAST payload too short");
		return -EINVAL;
	}
	err = nlgo_check_group(req->group, extack);
	if (err)
		return err;
	len = nlmsg_len(nlh) - sizeof(*req);
	skb = nlgo_new_msg(0, 0, NLGO_MSG_BROADCAST, len, &data);
	if (!skb)
		return -ENOMEM;
	memcpy(data, req + 1, len);
	/*
	 * As nlmsg_multicast() does: without dst_group, listeners see
	 * nl_groups 0 and NETLINK_PKTINFO group 0.
	 */
	NETLINK_CB(skb).dst_group = req->group;
	err = netlink_broadcast(in_skb->sk, skb, 0, req->group, GFP_KERNEL);
	if (err == -ESRCH)	/* nobody listening is not an error */
		err = 0;
	return err;
}

static int nlgo_flood(struct sk_buff *in_skb, struct nlmsghdr *nlh,
		      struct netlink_ext_ack *extack)
{
	const struct nlgo_flood_req *req = nlmsg_data(nlh);
	struct sk_buff *skb;
	void *data;
	u32 i;
	int err;

	if (nlmsg_len(nlh) != sizeof(*req)) {
		NL_SET_ERR_MSG(extack, "nlgo_test: FLOOD payload must be 12 bytes");
		return -EINVAL;
	}
	err = nlgo_check_group(req->group, extack);
	if (err)
		return err;
	if (req->count < 1 || req->count > NLGO_FLOOD_MAX_COUNT ||
	    req->size > NLGO_FLOOD_MAX_SIZE) {
		NL_SET_ERR_MSG(extack, "nlgo_test: FLOOD count or size out of range");
		return -EINVAL;
	}
	for (i = 0; i < req->count; i++) {
		skb = nlgo_new_msg(0, i + 1, NLGO_MSG_FLOOD, req->size, &data);
		if (!skb)
			return -ENOMEM;
		memset(data, (u8)i, req->size);
		NETLINK_CB(skb).dst_group = req->group;
		/* Overruns are the point: listeners see ENOBUFS, we go on. */
		netlink_broadcast(in_skb->sk, skb, 0, req->group, GFP_KERNEL);
		cond_resched();
	}
	return 0;
}

static int nlgo_notify(struct sk_buff *in_skb, struct nlmsghdr *nlh,
		       struct netlink_ext_ack *extack)
{
	const struct nlgo_notify_req *req = nlmsg_data(nlh);
	struct sk_buff *skb;
	size_t len;
	void *data;

	if (nlmsg_len(nlh) < (int)sizeof(*req)) {
		NL_SET_ERR_MSG(extack, "nlgo_test: NOTIFY payload too short");
		return -EINVAL;
	}
	len = nlmsg_len(nlh) - sizeof(*req);
	skb = nlgo_new_msg(0, 0, NLGO_MSG_NOTIFY, len, &data);
	if (!skb)
		return -ENOMEM;
	memcpy(data, req + 1, len);
	return nlmsg_unicast(in_skb->sk, skb, req->portid);
}

static int nlgo_put_nests(struct sk_buff *skb)
{
	struct nlattr *nest, *inner;

	nest = nla_nest_start(skb, NLGO_ATTRS_A_NEST);
	if (!nest)
		return -EMSGSIZE;
	if (nla_put_u32(skb, NLGO_NEST_A_U32, NLGO_NEST_U32) ||
	    nla_put_string(skb, NLGO_NEST_A_STRING, NLGO_NEST_STRING))
		return -EMSGSIZE;
	inner = nla_nest_start(skb, NLGO_NEST_A_NEST);
	if (!inner || nla_put_u32(skb, NLGO_NEST_A_U32, NLGO_NEST_INNER_U32))
		return -EMSGSIZE;
	nla_nest_end(skb, inner);
	nla_nest_end(skb, nest);
	return 0;
}

static int nlgo_put_nest_noflag(struct sk_buff *skb)
{
	struct nlattr *nest;

	nest = nla_nest_start_noflag(skb, NLGO_ATTRS_A_NEST_NOFLAG);
	if (!nest || nla_put_u32(skb, NLGO_NEST_A_U32, NLGO_NEST_U32))
		return -EMSGSIZE;
	nla_nest_end(skb, nest);
	return 0;
}

static int nlgo_put_attrs(struct sk_buff *skb)
{
	static const u8 binary[3] = { 0x01, 0x02, 0x03 };

	if (nla_put_u8(skb, NLGO_ATTRS_A_U8, NLGO_ATTRS_U8) ||
	    nla_put_u16(skb, NLGO_ATTRS_A_U16, NLGO_ATTRS_U16) ||
	    nla_put_u32(skb, NLGO_ATTRS_A_U32, NLGO_ATTRS_U32) ||
	    nla_put_u64_64bit(skb, NLGO_ATTRS_A_U64, NLGO_ATTRS_U64,
			      NLGO_ATTRS_A_PAD) ||
	    nla_put_s8(skb, NLGO_ATTRS_A_S8, NLGO_ATTRS_S8) ||
	    nla_put_s16(skb, NLGO_ATTRS_A_S16, NLGO_ATTRS_S16) ||
	    nla_put_s32(skb, NLGO_ATTRS_A_S32, NLGO_ATTRS_S32) ||
	    nla_put_s64(skb, NLGO_ATTRS_A_S64, NLGO_ATTRS_S64,
			NLGO_ATTRS_A_PAD) ||
	    nla_put_string(skb, NLGO_ATTRS_A_STRING, NLGO_ATTRS_STRING) ||
	    nla_put_flag(skb, NLGO_ATTRS_A_FLAG))
		return -EMSGSIZE;
	if (nlgo_put_nests(skb))
		return -EMSGSIZE;
	if (nla_put_net16(skb, NLGO_ATTRS_A_BE16, htons(NLGO_ATTRS_BE16)) ||
	    nla_put_net32(skb, NLGO_ATTRS_A_BE32, htonl(NLGO_ATTRS_BE32)) ||
	    nla_put(skb, NLGO_ATTRS_A_BINARY, sizeof(binary), binary) ||
	    nlgo_put_nest_noflag(skb))
		return -EMSGSIZE;
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 7, 0)
	if (nla_put_uint(skb, NLGO_ATTRS_A_UINT, NLGO_ATTRS_UINT) ||
	    nla_put_sint(skb, NLGO_ATTRS_A_SINT, NLGO_ATTRS_SINT))
		return -EMSGSIZE;
#endif
	return 0;
}

static int nlgo_attrs(struct sk_buff *in_skb, struct nlmsghdr *req,
		      struct netlink_ext_ack *extack)
{
	u32 portid = NETLINK_CB(in_skb).portid;
	struct sk_buff *skb;
	struct nlmsghdr *nlh;

	if (nlmsg_len(req) != 0) {
		NL_SET_ERR_MSG(extack, "nlgo_test: ATTRS takes no payload");
		return -EINVAL;
	}
	skb = nlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!skb)
		return -ENOMEM;
	nlh = nlmsg_put(skb, portid, req->nlmsg_seq, NLGO_MSG_ATTRS, 0, 0);
	if (!nlh || nlgo_put_attrs(skb)) {
		kfree_skb(skb);
		return -EMSGSIZE;
	}
	nlmsg_end(skb, nlh);
	return nlmsg_unicast(in_skb->sk, skb, portid);
}

static const struct nla_policy nlgo_inner_policy[NLGO_NEST_A_U32 + 1] = {
	[NLGO_NEST_A_U32]	= { .type = NLA_U32 },
};

static const struct nla_policy nlgo_nest_policy[__NLGO_NEST_A_MAX] = {
	[NLGO_NEST_A_U32]	= { .type = NLA_U32 },
	[NLGO_NEST_A_STRING]	= { .type = NLA_STRING,
				    .len = NLGO_PARSE_STRING_MAX },
	[NLGO_NEST_A_NEST]	= NLA_POLICY_NESTED(nlgo_inner_policy),
};

static const struct nla_policy nlgo_parse_policy[__NLGO_PARSE_A_MAX] = {
	[NLGO_PARSE_A_U8]	= { .type = NLA_U8 },
	[NLGO_PARSE_A_U16]	= { .type = NLA_U16 },
	[NLGO_PARSE_A_U32]	= { .type = NLA_U32 },
	[NLGO_PARSE_A_U64]	= { .type = NLA_U64 },
	[NLGO_PARSE_A_STRING]	= { .type = NLA_STRING,
				    .len = NLGO_PARSE_STRING_MAX },
	[NLGO_PARSE_A_FLAG]	= { .type = NLA_FLAG },
	[NLGO_PARSE_A_NEST]	= NLA_POLICY_NESTED(nlgo_nest_policy),
	[NLGO_PARSE_A_RANGED]	= NLA_POLICY_RANGE(NLA_U8,
						   NLGO_PARSE_RANGED_MIN,
						   NLGO_PARSE_RANGED_MAX),
};

static int nlgo_parse_nest(const struct nlattr *attr,
			   struct nlgo_parse_reply *r,
			   struct netlink_ext_ack *extack)
{
	struct nlattr *tb[__NLGO_NEST_A_MAX];
	int err;

	err = nla_parse_nested(tb, __NLGO_NEST_A_MAX - 1, attr,
			       nlgo_nest_policy, extack);
	if (err)
		return err;
	if (tb[NLGO_NEST_A_U32])
		r->nest_u32 = nla_get_u32(tb[NLGO_NEST_A_U32]);
	if (tb[NLGO_NEST_A_STRING])
		nla_strscpy(r->nest_string, tb[NLGO_NEST_A_STRING],
			    sizeof(r->nest_string));
	return 0;
}

static int nlgo_parse(struct sk_buff *skb, struct nlmsghdr *nlh,
		      struct netlink_ext_ack *extack)
{
	struct nlattr *tb[__NLGO_PARSE_A_MAX];
	struct nlgo_parse_reply r;
	int err, i;

	BUILD_BUG_ON(sizeof(r) != NLGO_PARSE_REPLY_SIZE);
	err = nlmsg_parse(nlh, 0, tb, __NLGO_PARSE_A_MAX - 1,
			  nlgo_parse_policy, extack);
	if (err)
		return err;
	memset(&r, 0, sizeof(r));
	for (i = 1; i < __NLGO_PARSE_A_MAX; i++)
		if (tb[i])
			r.present |= 1U << i;
	if (tb[NLGO_PARSE_A_U8])
		r.u8 = nla_get_u8(tb[NLGO_PARSE_A_U8]);
	if (tb[NLGO_PARSE_A_U16])
		r.u16 = nla_get_u16(tb[NLGO_PARSE_A_U16]);
	if (tb[NLGO_PARSE_A_U32])
		r.u32 = nla_get_u32(tb[NLGO_PARSE_A_U32]);
	if (tb[NLGO_PARSE_A_U64])
		r.u64 = nla_get_u64(tb[NLGO_PARSE_A_U64]);
	if (tb[NLGO_PARSE_A_STRING])
		nla_strscpy(r.string, tb[NLGO_PARSE_A_STRING], sizeof(r.string));
	r.flag = nla_get_flag(tb[NLGO_PARSE_A_FLAG]);
	if (tb[NLGO_PARSE_A_RANGED])
		r.ranged = nla_get_u8(tb[NLGO_PARSE_A_RANGED]);
	if (tb[NLGO_PARSE_A_NEST]) {
		err = nlgo_parse_nest(tb[NLGO_PARSE_A_NEST], &r, extack);
		if (err)
			return err;
	}
	return nlgo_reply(skb, nlh, &r, sizeof(r));
}

static int nlgo_rcv_msg(struct sk_buff *skb, struct nlmsghdr *nlh,
			struct netlink_ext_ack *extack)
{
	switch (nlh->nlmsg_type) {
	case NLGO_MSG_ECHO:
		return nlgo_reply(skb, nlh, nlmsg_data(nlh), nlmsg_len(nlh));
	case NLGO_MSG_ERROR:
		return nlgo_error(nlh, extack);
	case NLGO_MSG_DUMP:
		return nlgo_dump(skb, nlh, extack);
	case NLGO_MSG_MUTATE:
		if (nlmsg_len(nlh) != 0) {
			NL_SET_ERR_MSG(extack, "nlgo_test: MUTATE takes no payload");
			return -EINVAL;
		}
		nlgo_bump_generation();
		return 0;
	case NLGO_MSG_BROADCAST:
		return nlgo_broadcast(skb, nlh, extack);
	case NLGO_MSG_FLOOD:
		return nlgo_flood(skb, nlh, extack);
	case NLGO_MSG_NOTIFY:
		return nlgo_notify(skb, nlh, extack);
	case NLGO_MSG_ATTRS:
		return nlgo_attrs(skb, nlh, extack);
	case NLGO_MSG_PARSE:
		return nlgo_parse(skb, nlh, extack);
	}
	NL_SET_ERR_MSG(extack, "nlgo_test: unknown message type");
	return -EOPNOTSUPP;
}

static void nlgo_input(struct sk_buff *skb)
{
	netlink_rcv_skb(skb, nlgo_rcv_msg);
}

static int __net_init nlgo_net_init(struct net *net)
{
	struct nlgo_net *nn = net_generic(net, nlgo_net_id);
	struct netlink_kernel_cfg cfg = {
		.groups	= NLGO_GROUPS,
		.flags	= NL_CFG_F_NONROOT_RECV | NL_CFG_F_NONROOT_SEND,
		.input	= nlgo_input,
	};

	nn->sk = netlink_kernel_create(net, proto, &cfg);
	if (!nn->sk) {
		pr_err("nlgo_test: cannot create netlink protocol %d (in use?)\n",
		       proto);
		return -EBUSY;
	}
	return 0;
}

static void __net_exit nlgo_net_exit(struct net *net)
{
	struct nlgo_net *nn = net_generic(net, nlgo_net_id);

	netlink_kernel_release(nn->sk);
	nn->sk = NULL;
}

static struct pernet_operations nlgo_net_ops = {
	.init	= nlgo_net_init,
	.exit	= nlgo_net_exit,
	.id	= &nlgo_net_id,
	.size	= sizeof(struct nlgo_net),
};

/* Generic netlink family "nlgo_test". */

static struct genl_family nlgo_genl_family;

static struct netlink_range_validation nlgo_count_range = {
	.min = 0,
	.max = NLGO_DUMP_MAX,
};

static const struct nla_policy nlgo_genl_nest_policy[__NLGO_GENL_NEST_A_MAX] = {
	[NLGO_GENL_NEST_A_ID]	= NLA_POLICY_RANGE(NLA_U32, NLGO_GENL_NEST_ID_MIN,
						   NLGO_GENL_NEST_ID_MAX),
	[NLGO_GENL_NEST_A_NAME]	= { .type = NLA_NUL_STRING,
				    .len = NLGO_GENL_NEST_NAME_MAX },
	[NLGO_GENL_NEST_A_KEY]	= NLA_POLICY_EXACT_LEN(NLGO_GENL_NEST_KEY_LEN),
	[NLGO_GENL_NEST_A_LEVEL] = NLA_POLICY_RANGE(NLA_S32,
						    NLGO_GENL_NEST_LEVEL_MIN,
						    NLGO_GENL_NEST_LEVEL_MAX),
};

static const struct nla_policy nlgo_genl_policy[__NLGO_GENL_A_MAX] = {
	[NLGO_GENL_A_U32]	= { .type = NLA_U32 },
	[NLGO_GENL_A_STRING]	= { .type = NLA_NUL_STRING,
				    .len = NLGO_GENL_STRING_MAX },
	[NLGO_GENL_A_GROUP]	= NLA_POLICY_MAX(NLA_U32, 1),
	[NLGO_GENL_A_DATA]	= { .type = NLA_BINARY,
				    .len = NLGO_GENL_DATA_MAX },
	[NLGO_GENL_A_COUNT]	= NLA_POLICY_FULL_RANGE(NLA_U32,
							&nlgo_count_range),
	[NLGO_GENL_A_INDEX]	= { .type = NLA_U32 },
	[NLGO_GENL_A_FLAGS]	= NLA_POLICY_MASK(NLA_U16, NLGO_GENL_FLAGS_MASK),
	[NLGO_GENL_A_SELECT]	= NLA_POLICY_BITFIELD32(NLGO_GENL_SELECT_BITS),
	[NLGO_GENL_A_NEST]	= NLA_POLICY_NESTED(nlgo_genl_nest_policy),
};

/* Attributes that nlgo_genl_put_common copies as they came. */
static const int nlgo_genl_copied[] = {
	NLGO_GENL_A_FLAGS, NLGO_GENL_A_SELECT, NLGO_GENL_A_NEST,
};

/*
 * nlgo_genl_put_common copies U32, STRING and DATA from attrs to skb, then
 * FLAGS, SELECT and NEST byte for byte (a nest keeps NLA_F_NESTED).
 */
static int nlgo_genl_put_common(struct sk_buff *skb, struct nlattr **attrs)
{
	struct nlattr *a;
	size_t i;

	a = attrs[NLGO_GENL_A_U32];
	if (a && nla_put_u32(skb, NLGO_GENL_A_U32, nla_get_u32(a)))
		return -EMSGSIZE;
	a = attrs[NLGO_GENL_A_STRING];
	if (a && nla_put_string(skb, NLGO_GENL_A_STRING, nla_data(a)))
		return -EMSGSIZE;
	a = attrs[NLGO_GENL_A_DATA];
	if (a && nla_put(skb, NLGO_GENL_A_DATA, nla_len(a), nla_data(a)))
		return -EMSGSIZE;
	for (i = 0; i < ARRAY_SIZE(nlgo_genl_copied); i++) {
		a = attrs[nlgo_genl_copied[i]];
		if (a && nla_put(skb, a->nla_type, nla_len(a), nla_data(a)))
			return -EMSGSIZE;
	}
	return 0;
}

static int nlgo_genl_echo(struct sk_buff *skb, struct genl_info *info)
{
	struct sk_buff *msg;
	void *hdr;

	msg = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	hdr = genlmsg_put_reply(msg, info, &nlgo_genl_family, 0,
				NLGO_GENL_CMD_ECHO);
	if (!hdr || nlgo_genl_put_common(msg, info->attrs)) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);
}

static int nlgo_genl_notify(struct sk_buff *skb, struct genl_info *info)
{
	struct sk_buff *msg;
	u32 group;
	void *hdr;
	int err;

	if (GENL_REQ_ATTR_CHECK(info, NLGO_GENL_A_GROUP))
		return -EINVAL;
	group = nla_get_u32(info->attrs[NLGO_GENL_A_GROUP]);
	msg = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	hdr = genlmsg_put(msg, 0, 0, &nlgo_genl_family, 0, NLGO_GENL_CMD_EVENT);
	if (!hdr || nlgo_genl_put_common(msg, info->attrs)) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	genlmsg_end(msg, hdr);
	err = genlmsg_multicast_netns(&nlgo_genl_family, genl_info_net(info),
				      msg, 0, group, GFP_KERNEL);
	if (err == -ESRCH)	/* nobody listening is not an error */
		err = 0;
	return err;
}

/* The attributes of a dump request: in an embedded genl_info from 6.2. */
static struct nlattr **nlgo_dumpit_attrs(struct netlink_callback *cb)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 2, 0)
	return genl_dumpit_info(cb)->info.attrs;
#else
	return genl_dumpit_info(cb)->attrs;
#endif
}

static int nlgo_genl_get(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct nlattr **attrs = nlgo_dumpit_attrs(cb);
	u32 count = NLGO_GENL_GET_DEFAULT;
	char name[NLGO_DUMP_NAME_LEN];
	void *hdr;
	u32 i;

	if (attrs[NLGO_GENL_A_COUNT])
		count = nla_get_u32(attrs[NLGO_GENL_A_COUNT]);
	for (i = cb->args[0]; i < count; i++) {
		hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid,
				  cb->nlh->nlmsg_seq, &nlgo_genl_family,
				  NLM_F_MULTI, NLGO_GENL_CMD_GET);
		if (!hdr)
			break;
		snprintf(name, sizeof(name), NLGO_DUMP_NAME_FMT, i);
		if (nla_put_u32(skb, NLGO_GENL_A_INDEX, i) ||
		    nla_put_string(skb, NLGO_GENL_A_STRING, name)) {
			genlmsg_cancel(skb, hdr);
			break;
		}
		genlmsg_end(skb, hdr);
	}
	cb->args[0] = i;
	return skb->len;
}

static const struct genl_ops nlgo_genl_ops[] = {
	{ .cmd = NLGO_GENL_CMD_ECHO,	.doit = nlgo_genl_echo },
	{ .cmd = NLGO_GENL_CMD_NOTIFY,	.doit = nlgo_genl_notify },
	{ .cmd = NLGO_GENL_CMD_GET,	.dumpit = nlgo_genl_get },
};

static const struct genl_multicast_group nlgo_genl_mcgrps[] = {
	{ .name = NLGO_GENL_MCGRP_EVENTS },
	{ .name = NLGO_GENL_MCGRP_ALERTS },
};

static struct genl_family nlgo_genl_family = {
	.name		= NLGO_GENL_NAME,
	.version	= NLGO_GENL_VERSION,
	.maxattr	= __NLGO_GENL_A_MAX - 1,
	.policy		= nlgo_genl_policy,
	.netnsok	= true,
	.module		= THIS_MODULE,
	.ops		= nlgo_genl_ops,
	.n_ops		= ARRAY_SIZE(nlgo_genl_ops),
	.mcgrps		= nlgo_genl_mcgrps,
	.n_mcgrps	= ARRAY_SIZE(nlgo_genl_mcgrps),
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 1, 0)	/* strict header checks from 6.1 */
	.resv_start_op	= __NLGO_GENL_CMD_MAX,
#endif
};

/*
 * Generic netlink family "nlgo_policy": a policy with one attribute per
 * validation rule, and an operation that only validates (nlgo_test.h).
 */

/* Not const: in 6.1 and older, struct nla_policy points to non-const ranges. */
static struct netlink_range_validation nlgo_pol_u64_range = {
	.min = 1ULL << 40,
	.max = 1ULL << 50,
};

static struct netlink_range_validation_signed nlgo_pol_s64_range = {
	.min = -(1LL << 40),
	.max = 1LL << 40,
};

#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 7, 0)
static struct netlink_range_validation nlgo_pol_uint_range = {
	.min = 5,
	.max = 1ULL << 33,
};
#endif

/*
 * nlgo_pol_even admits payloads of an even length only: a rule the dump
 * cannot show. (A validation function on an integer would do as well, but
 * the dump of one warns before 6.16.)
 */
static int nlgo_pol_even(const struct nlattr *attr,
			 struct netlink_ext_ack *extack)
{
	if (nla_len(attr) & 1) {
		NL_SET_ERR_MSG_ATTR(extack, attr, "nlgo_policy: odd length");
		return -EINVAL;
	}
	return 0;
}

static const struct nla_policy nlgo_pol_nest_policy[__NLGO_POL_NEST_A_MAX] = {
	[NLGO_POL_NEST_A_U32]	= NLA_POLICY_RANGE(NLA_U32, 1, 100),
	[NLGO_POL_NEST_A_NAME]	= { .type = NLA_NUL_STRING, .len = 3 },
	[NLGO_POL_NEST_A_FLAG]	= { .type = NLA_FLAG },
	[NLGO_POL_NEST_A_S16]	= NLA_POLICY_RANGE(NLA_S16, -1, 1),
};

/*
 * The entries of the policies of CHECK and CHECK_LIBERAL, which differ only
 * in strict_start_type; NLA_UINT and NLA_SINT are 6.7's.
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 7, 0)
#define NLGO_POL_UINT_ENTRIES \
	[NLGO_POL_A_UINT_RANGE] = NLA_POLICY_FULL_RANGE(NLA_UINT, &nlgo_pol_uint_range), \
	[NLGO_POL_A_SINT_RANGE] = NLA_POLICY_RANGE(NLA_SINT, -300, 300), \
	[NLGO_POL_A_UINT_MASK] = NLA_POLICY_MASK(NLA_UINT, 0x3c),
#else
#define NLGO_POL_UINT_ENTRIES
#endif

#define NLGO_POL_ENTRIES \
	[NLGO_POL_A_U8_RANGE] = NLA_POLICY_RANGE(NLA_U8, 10, 200), \
	[NLGO_POL_A_U16_MIN] = NLA_POLICY_MIN(NLA_U16, 1000), \
	[NLGO_POL_A_U32_MAX] = NLA_POLICY_MAX(NLA_U32, 30000), \
	[NLGO_POL_A_U64_RANGE] = NLA_POLICY_FULL_RANGE(NLA_U64, &nlgo_pol_u64_range), \
	[NLGO_POL_A_S8_RANGE] = NLA_POLICY_RANGE(NLA_S8, -100, -10), \
	[NLGO_POL_A_S16_MIN] = NLA_POLICY_MIN(NLA_S16, -1000), \
	[NLGO_POL_A_S32_MAX] = NLA_POLICY_MAX(NLA_S32, -5), \
	[NLGO_POL_A_S64_RANGE] = NLA_POLICY_FULL_RANGE_SIGNED(NLA_S64, &nlgo_pol_s64_range), \
	[NLGO_POL_A_U8_MASK] = NLA_POLICY_MASK(NLA_U8, 0x0f), \
	[NLGO_POL_A_U16_MASK] = NLA_POLICY_MASK(NLA_U16, 0x0ff0), \
	[NLGO_POL_A_U32_MASK] = NLA_POLICY_MASK(NLA_U32, 0x00ff00ff), \
	[NLGO_POL_A_U64_MASK] = NLA_POLICY_MASK(NLA_U64, 0xf0f0f0f0), \
	[NLGO_POL_A_BIN_MIN] = NLA_POLICY_MIN_LEN(4), \
	[NLGO_POL_A_BIN_MAX] = NLA_POLICY_MAX(NLA_BINARY, 8), \
	[NLGO_POL_A_BIN_EXACT] = NLA_POLICY_EXACT_LEN(6), \
	[NLGO_POL_A_BIN_RANGE] = NLA_POLICY_RANGE(NLA_BINARY, 2, 5), \
	[NLGO_POL_A_BIN_LEN] = { .type = NLA_BINARY, .len = 16 }, \
	[NLGO_POL_A_STRING] = { .type = NLA_STRING, .len = 7 }, \
	[NLGO_POL_A_NUL_STRING] = { .type = NLA_NUL_STRING, .len = 7 }, \
	[NLGO_POL_A_NUL_STRING_ANY] = { .type = NLA_NUL_STRING }, \
	[NLGO_POL_A_FLAG] = { .type = NLA_FLAG }, \
	[NLGO_POL_A_BITFIELD32] = NLA_POLICY_BITFIELD32(0x15), \
	[NLGO_POL_A_NEST] = NLA_POLICY_NESTED(nlgo_pol_nest_policy), \
	[NLGO_POL_A_NEST_ARRAY] = NLA_POLICY_NESTED_ARRAY(nlgo_pol_nest_policy), \
	[NLGO_POL_A_REJECT] = { .type = NLA_REJECT }, \
	[NLGO_POL_A_EVEN] = NLA_POLICY_VALIDATE_FN(NLA_BINARY, nlgo_pol_even, 8), \
	[NLGO_POL_A_BE16] = { .type = NLA_BE16 }, \
	[NLGO_POL_A_EXACT_WARN] = NLA_POLICY_EXACT_LEN_WARN(4), \
	[NLGO_POL_A_MSECS] = { .type = NLA_MSECS }, \
	[NLGO_POL_A_U32] = { .type = NLA_U32 }, \
	NLGO_POL_UINT_ENTRIES

static const struct nla_policy nlgo_pol_policy[__NLGO_POL_A_MAX] = {
	[NLGO_POL_A_UNSPEC]	= { .strict_start_type = 1 },
	NLGO_POL_ENTRIES
};

/* The same, validated liberally: no strict_start_type. */
static const struct nla_policy nlgo_pol_liberal_policy[__NLGO_POL_A_MAX] = {
	NLGO_POL_ENTRIES
};

/* The policy said yes: there is nothing left to do. */
static int nlgo_pol_check(struct sk_buff *skb, struct genl_info *info)
{
	return 0;
}

static const struct genl_ops nlgo_pol_ops[] = {
	{
		.cmd		= NLGO_POL_CMD_CHECK,
		.doit		= nlgo_pol_check,
	},
	{
		.cmd		= NLGO_POL_CMD_CHECK_LIBERAL,
		.validate	= GENL_DONT_VALIDATE_STRICT,
		.doit		= nlgo_pol_check,
		.policy		= nlgo_pol_liberal_policy,
		.maxattr	= __NLGO_POL_A_MAX - 1,
	},
};

static struct genl_family nlgo_pol_family = {
	.name		= NLGO_POL_NAME,
	.version	= NLGO_POL_VERSION,
	.maxattr	= __NLGO_POL_A_MAX - 1,
	.policy		= nlgo_pol_policy,
	.netnsok	= true,
	.parallel_ops	= true,
	.module		= THIS_MODULE,
	.ops		= nlgo_pol_ops,
	.n_ops		= ARRAY_SIZE(nlgo_pol_ops),
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 1, 0)
	.resv_start_op	= __NLGO_POL_CMD_MAX,
#endif
};

static int __init nlgo_init(void)
{
	int err;

	if (proto <= 0 || proto >= MAX_LINKS) {
		pr_err("nlgo_test: proto %d out of range 1..%d\n", proto,
		       MAX_LINKS - 1);
		return -EINVAL;
	}
	err = register_pernet_subsys(&nlgo_net_ops);
	if (err)
		return err;
	err = genl_register_family(&nlgo_genl_family);
	if (err) {
		unregister_pernet_subsys(&nlgo_net_ops);
		return err;
	}
	err = genl_register_family(&nlgo_pol_family);
	if (err) {
		genl_unregister_family(&nlgo_genl_family);
		unregister_pernet_subsys(&nlgo_net_ops);
		return err;
	}
	pr_info("nlgo_test: netlink protocol %d, genl family %s id %d\n",
		proto, NLGO_GENL_NAME, nlgo_genl_family.id);
	return 0;
}

static void __exit nlgo_exit(void)
{
	genl_unregister_family(&nlgo_pol_family);
	genl_unregister_family(&nlgo_genl_family);
	unregister_pernet_subsys(&nlgo_net_ops);
	pr_info("nlgo_test: unloaded\n");
}

module_init(nlgo_init);
module_exit(nlgo_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("netlink test peer for the nlgo library");
MODULE_AUTHOR("nlgo authors");
