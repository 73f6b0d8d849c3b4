/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The policy step of the IGMP stage, for what hosts send on an inside port:
 * the port's ACL, the active outside's ACL (what the gateway may report
 * upstream) and the SSM range, by lib/acl's filter. It runs before the proxy
 * decision and before tracking gets its copy, so tracking, unicast
 * translation and in_to_out proxying all see the same filtered report.
 */
#include <rte_mbuf.h>

#include "acl.h"
#include "datapath.h"

/* Per worker thread: a rebuild needs room for a whole message's records. */
static __thread struct acl_scratch scratch;

/*
 * Writes the rebuilt message over the received packet, behind a fresh IPv4
 * header from the same source to the same destination (it is never longer
 * than the packet it replaces), and parses it again into ip and msg.
 */
static bool
replace_message(struct rte_mbuf *m, uint8_t *l3, const uint8_t *igmp, uint16_t len,
		struct igmp_ipv4 *ip, struct igmp_msg *msg)
{
	uint32_t l2 = (uint32_t)(l3 - rte_pktmbuf_mtod(m, uint8_t *));
	uint32_t want = l2 + IGMP_IP_HDR_LEN + len;

	if (want > rte_pktmbuf_data_len(m))
		return false;
	igmp_build_ipv4_header(l3, IGMP_IP_HDR_LEN, ip->src, ip->dst, len);
	memmove(l3 + IGMP_IP_HDR_LEN, igmp, len);
	rte_pktmbuf_trim(m, (uint16_t)(rte_pktmbuf_data_len(m) - want));
	return igmp_packet_parse(l3, IGMP_IP_HDR_LEN + len, ip, msg) == IGMP_OK;
}

bool
dp_igmp_policy(struct worker *w, enum gw_role role, struct rte_mbuf *m, uint8_t *l3,
	       struct igmp_ipv4 *ip, struct igmp_msg *msg)
{
	const struct gw_policy *pol = gw_policy(); /* RCU: a reload swaps it whole */
	struct acl_policy p = {
		.acl = { pol->acl[role], pol->acl[gw_active_outside()] },
		.ssm = pol->ssm,
		.ssm_range = pol->ssm_range,
	};
	struct gw_port_stats *st = stats_of(w, role);
	struct acl_counts c = { 0 };
	enum acl_result res;
	uint16_t len = 0;

	if (!gw_role_is_inside(role) || !acl_policy_active(&p))
		return true;
	res = acl_filter_report(&p, msg, &scratch, scratch.out, sizeof(scratch.out), &len, &c);
	st->cnt[GW_CNT_acl_denied] += c.denied;
	st->cnt[GW_CNT_ssm_asm_ignored] += c.ssm_ignored;
	st->cnt[GW_CNT_acl_too_large] += c.too_large;
	st->cnt[GW_CNT_acl_rebuild_failed] += c.rebuild_failed;
	if (res == ACL_DROPPED)
		return false;
	if (res == ACL_UNCHANGED)
		return true;
	if (replace_message(m, l3, scratch.out, len, ip, msg))
		return true;
	st->cnt[GW_CNT_acl_rebuild_failed]++;
	return false;
}
