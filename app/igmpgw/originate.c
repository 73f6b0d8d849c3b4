/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Builds the IGMP packets the gateway sends of its own accord on the main
 * lcore. Workers own the tx queues, so the packets travel to worker 0 through
 * the ctrl_tx ring (m->port carries the role).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

#include <rte_ether.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include "gw.h"
#include "originate.h"

#define ALL_ROUTERS 0xe0000002u
#define ALL_V3_ROUTERS 0xe0000016u
/* Room for IGMP behind the IPv4 header in a standard Ethernet frame. */
#define IGMP_MAX_MSG (RTE_ETHER_MTU - IGMP_IP_HDR_LEN)

uint32_t
gw_querier_read(struct gw_querier *out)
{
	uint32_t sn;

	do {
		sn = rte_seqlock_read_begin(&gw.querier.lock);
		out->addr = gw.querier.addr;
		out->mac = gw.querier.mac;
		out->version = gw.querier.version;
		out->port = gw.querier.port;
		out->heard_tsc = gw.querier.heard_tsc;
	} while (rte_seqlock_read_retry(&gw.querier.lock, sn));
	return out->addr;
}

static void
destination_mac(uint32_t dst, struct rte_ether_addr *mac)
{
	const uint8_t *a = (const uint8_t *)&dst;
	struct gw_querier q;

	if ((a[0] & 0xf0) == 0xe0) {
		*mac = (struct rte_ether_addr){ { 0x01, 0x00, 0x5e, a[1] & 0x7f, a[2], a[3] } };
		return;
	}
	if (gw_querier_read(&q) == dst && dst != 0) {
		*mac = q.mac;
		return;
	}
	/* An unknown unicast neighbour still gets it: Linux accepts broadcast frames to its address. */
	memset(mac, 0xff, sizeof(*mac));
}

int
gw_originate_igmp(enum gw_role role, uint32_t dst, const uint8_t *igmp, uint16_t len)
{
	struct gw_port *p = &gw.port[role];
	struct rte_ether_hdr *eth;
	struct rte_mbuf *m;
	uint8_t *ip;

	if (!p->present)
		return -ENODEV;
	m = rte_pktmbuf_alloc(p->pool);
	if (m == NULL) {
		p->stats[GW_STATS_MAIN].cnt[GW_CNT_no_mbuf]++;
		return -ENOBUFS;
	}
	eth = (struct rte_ether_hdr *)rte_pktmbuf_append(m, sizeof(*eth) + IGMP_IP_HDR_LEN + len);
	if (eth == NULL) {
		rte_pktmbuf_free(m);
		return -EMSGSIZE;
	}
	ip = (uint8_t *)(eth + 1);
	destination_mac(dst, &eth->dst_addr);
	rte_ether_addr_copy(&p->mac, &eth->src_addr);
	eth->ether_type = RTE_BE16(RTE_ETHER_TYPE_IPV4);
	igmp_build_ipv4_header(ip, IGMP_IP_HDR_LEN, p->addr, dst, len);
	memcpy(ip + IGMP_IP_HDR_LEN, igmp, len);
	m->port = (uint16_t)role;
	if (rte_ring_enqueue(gw.ctrl_tx, m) != 0) {
		p->stats[GW_STATS_MAIN].cnt[GW_CNT_tx_dropped]++;
		rte_pktmbuf_free(m);
		return -ENOBUFS;
	}
	return 0;
}

/* unicast_membership_reports: the querier, else unicast_dst, else 0 (multicast). */
static uint32_t
unicast_destination(void)
{
	struct gw_querier q;

	if (!gw.cfg.igmp.unicast_membership_reports)
		return 0;
	if (gw_querier_read(&q) != 0)
		return q.addr;
	return gw.cfg.igmp.unicast_dst;
}

static int
send_v2(enum gw_role role, const struct ctl_item *item, bool leave, uint32_t unicast)
{
	uint8_t msg[IGMP_V2_LEN];
	uint32_t dst = unicast;

	igmp_build_v2(msg, sizeof(msg), leave ? IGMP_TYPE_LEAVE : IGMP_TYPE_V2_REPORT, 0,
		      item->group);
	if (dst == 0)
		dst = leave ? htonl(ALL_ROUTERS) : item->group;
	return gw_originate_igmp(role, dst, msg, sizeof(msg));
}

/* Items with sources: IS_IN records to report, BLOCK records to leave, split to fit. */
static int
send_v3(enum gw_role role, const struct ctl_item *items, uint16_t n, bool leave,
	uint32_t unicast)
{
	struct igmp_record_spec specs[CTL_MAX_ITEMS];
	uint8_t msg[IGMP_MAX_MSG];
	uint16_t n_specs = 0, next = 0, next_src = 0;
	uint32_t dst = unicast != 0 ? unicast : htonl(ALL_V3_ROUTERS);
	int packets = 0;
	size_t len;

	for (uint16_t i = 0; i < n; i++) {
		if (items[i].n_sources == 0)
			continue;
		specs[n_specs++] = (struct igmp_record_spec){
			.type = leave ? IGMP_REC_BLOCK : IGMP_REC_IS_IN,
			.group = items[i].group,
			.sources = items[i].sources,
			.n_sources = items[i].n_sources,
		};
	}
	while (next < n_specs) {
		int ret;

		len = igmp_build_v3_report(msg, sizeof(msg), sizeof(msg), specs, n_specs, &next,
					   &next_src);
		if (len == 0)
			return -EMSGSIZE;
		ret = gw_originate_igmp(role, dst, msg, (uint16_t)len);
		if (ret < 0)
			return ret;
		packets++;
	}
	return packets;
}

int
gw_send_membership(const struct ctl_item *items, uint16_t n, bool leave, uint32_t *dst)
{
	enum gw_role role = gw_active_outside();
	uint32_t unicast = unicast_destination();
	int packets = 0;
	int ret;

	*dst = unicast;
	for (uint16_t i = 0; i < n; i++) {
		if (items[i].n_sources != 0)
			continue;
		ret = send_v2(role, &items[i], leave, unicast);
		if (ret < 0)
			return ret;
		packets++;
	}
	ret = send_v3(role, items, n, leave, unicast);
	if (ret < 0)
		return ret;
	return packets + ret;
}
