/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Builds the IGMP packets the gateway sends of its own accord on the main
 * lcore, up to the IPv4 header. Workers own the tx queues, so the packets
 * travel to the port's owner through the port's ctrl_tx ring, which frames
 * them as it frames the IGMP it proxies (igmp_frame.c).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_ethdev.h>
#include <rte_ether.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include "gw.h"
#include "originate.h"
#include "report_coalesce.h"
#include "tx_pacer.h"
#include "upstream.h"

/* The largest IGMP message an mbuf of the ports' pools holds behind the headers. */
#define IGMP_MAX_MSG (RTE_MBUF_DEFAULT_DATAROOM - RTE_ETHER_HDR_LEN - IGMP_IP_HDR_LEN)
/*
 * The send queues' pace: well below what worker 0 and a veth take, high enough
 * that 16 384 single v2 reports leave in under 2 s; on the outsides
 * limits.upstream_reports_per_second replaces them.
 */
#define TXQ_RATE_PPS 10000
#define TXQ_BURST 256
#define TXQ_SPARE 1024 /* beyond the groups: queries, client requests */

/* One queue per port, in front of the port's ctrl_tx ring. */
static struct tx_pacer *queues[GW_MAX_PORTS];

/*
 * The paced queue's sink: the IPv4 packet is built now and waits in the queue
 * while the ring or the mempool is full. The port's owner puts the Ethernet
 * header on, by the same rule as for the IGMP it proxies.
 */
static int
to_ring(void *arg __rte_unused, uint16_t role, uint32_t dst, const uint8_t *igmp, uint16_t len)
{
	struct gw_port *p = &gw.port[role];
	struct rte_mbuf *m;
	uint8_t *ip;

	if (rte_ring_full(p->ctrl_tx))
		return -EAGAIN;
	m = rte_pktmbuf_alloc(p->pool);
	if (m == NULL)
		return -EAGAIN;
	/* limits.upstream_reports_per_second: the bucket what the workers relay shares. */
	if (!gw_role_is_inside(role) &&
	    !rl_shared_take(&gw.upstream_bucket[role], &gw.upstream_rate, rte_rdtsc())) {
		rte_pktmbuf_free(m);
		return -EAGAIN;
	}
	ip = (uint8_t *)rte_pktmbuf_append(m, IGMP_IP_HDR_LEN + len);
	if (ip == NULL) {
		rte_pktmbuf_free(m);
		return -EMSGSIZE;
	}
	igmp_build_ipv4_header(ip, IGMP_IP_HDR_LEN, p->addr, dst, len);
	memcpy(ip + IGMP_IP_HDR_LEN, igmp, len);
	/* One producer (this lcore): not full above means room now. */
	if (rte_ring_enqueue(p->ctrl_tx, m) != 0) {
		rte_pktmbuf_free(m);
		return -EAGAIN;
	}
	return 0;
}

uint16_t
gw_igmp_max_msg(enum gw_role role)
{
	const struct gw_port *p = &gw.port[role];
	uint16_t mtu = RTE_ETHER_MTU;

	if (p->present && rte_eth_dev_get_mtu(p->port_id, &mtu) != 0)
		mtu = RTE_ETHER_MTU;
	if (mtu > IGMP_MAX_MSG + IGMP_IP_HDR_LEN)
		mtu = IGMP_MAX_MSG + IGMP_IP_HDR_LEN;
	return (uint16_t)(mtu - IGMP_IP_HDR_LEN);
}

uint16_t
gw_upstream_max_msg(void)
{
	uint16_t len = UINT16_MAX;

	for (int r = 0; r < GW_MAX_PORTS; r++)
		if (gw.port[r].present && !gw_role_is_inside(r) && gw_igmp_max_msg(r) < len)
			len = gw_igmp_max_msg(r);
	return len;
}

static uint64_t
now_us(void)
{
	return (rte_rdtsc() - gw.start_tsc) / (rte_get_tsc_hz() / 1000000);
}

int
gw_originate_init(char *err, size_t err_len)
{
	/* Room for a report (or two retransmissions) of every group the state may hold. */
	struct tx_pacer_config cfg = {
		.bound = 2 * gw.cfg.limits.max_groups + TXQ_SPARE,
		.rate_pps = TXQ_RATE_PPS,
		.burst = TXQ_BURST,
	};

	uint32_t up = gw.cfg.limits.upstream_reports_per_second;

	for (int r = 0; r < GW_MAX_PORTS; r++) {
		if (!gw.port[r].present)
			continue;
		/*
		 * limits.upstream_reports_per_second paces the outsides: a hundredth
		 * of a second's worth back to back, so no wall-clock second sees
		 * more than the rate and that burst.
		 */
		cfg.rate_pps = gw_role_is_inside(r) || up == 0 ? TXQ_RATE_PPS : up;
		cfg.burst = gw_role_is_inside(r) || up == 0 ? TXQ_BURST : up / 100 + 1;
		queues[r] = tx_pacer_create(&cfg);
		if (queues[r] == NULL) {
			snprintf(err, err_len, "config: limits.max_groups: no memory for %s's send queue",
				 gw_role_name(r));
			return -ENOMEM;
		}
	}
	return 0;
}

void
gw_originate_poll(void)
{
	static int first;
	uint64_t now = now_us();

	/* Round robin, so a long upstream queue does not hold back the inside's queries. */
	for (int i = 0; i < GW_MAX_PORTS; i++) {
		int r = (first + i) % GW_MAX_PORTS;

		if (queues[r] != NULL)
			tx_pacer_drain(queues[r], now, to_ring, NULL);
	}
	first = (first + 1) % GW_MAX_PORTS;
}

/*
 * limits.upstream_reports_per_second: the v3 reports queued for an outside
 * merge into the one still waiting there, so a backlog costs no extra
 * messages and a new join waits for one token, not for the whole queue.
 */
static bool
coalesce(enum gw_role role, const uint8_t *igmp, uint16_t len)
{
	return gw.cfg.limits.upstream_reports_per_second != 0 && !gw_role_is_inside(role) &&
		len >= IGMP_V3_REPORT_MIN_LEN && igmp[0] == IGMP_TYPE_V3_REPORT;
}

int
gw_originate_igmp(enum gw_role role, uint32_t dst, const uint8_t *igmp, uint16_t len)
{
	int ret;

	if (!gw.port[role].present || queues[role] == NULL)
		return -ENODEV;
	if (coalesce(role, igmp, len))
		ret = tx_pacer_enqueue_merge(queues[role], (uint16_t)role, dst, igmp, len,
					     gw_igmp_max_msg(role), rcoal_merge_v3);
	else
		ret = tx_pacer_enqueue(queues[role], (uint16_t)role, dst, igmp, len);
	if (ret < 0)
		return ret;
	tx_pacer_drain(queues[role], now_us(), to_ring, NULL);
	return 0;
}

int
gw_originate_upstream(enum gw_role role, uint32_t multicast_dst, const uint8_t *igmp, uint16_t len)
{
	return gw_originate_igmp(role, gw_upstream_dst(role, multicast_dst), igmp, len);
}

uint32_t
gw_originate_depth(enum gw_role role)
{
	return queues[role] != NULL ? tx_pacer_depth(queues[role]) : 0;
}

uint32_t
gw_originate_room(enum gw_role role)
{
	return queues[role] != NULL ? tx_pacer_room(queues[role]) : 0;
}

json_t *
gw_originate_status(void)
{
	json_t *all = json_object();

	for (int r = 0; r < GW_MAX_PORTS; r++) {
		const struct tx_pacer *q = queues[r];
		const struct tx_pacer_config *c;
		json_t *o;

		if (q == NULL)
			continue;
		c = tx_pacer_config(q);
		o = json_pack("{s:i, s:i, s:i, s:i, s:i, s:I}", "depth", (int)tx_pacer_depth(q),
			      "max_depth", (int)tx_pacer_max_depth(q), "bound", (int)c->bound,
			      "rate_pps", (int)c->rate_pps, "burst", (int)c->burst, "memory_bytes",
			      (json_int_t)tx_pacer_memory(q));
		for (int k = 0; k < TX_PACER_CTR_COUNT; k++)
			json_object_set_new(o, tx_pacer_counter_name(k),
					    json_integer((json_int_t)tx_pacer_counter(q, k)));
		json_object_set_new(all, gw_role_name(r), o);
	}
	return all;
}

void
gw_originate_close(void)
{
	for (int r = 0; r < GW_MAX_PORTS; r++) {
		tx_pacer_free(queues[r]);
		queues[r] = NULL;
	}
}

static int
send_v2(enum gw_role role, const struct ctl_item *item, bool leave, uint32_t unicast)
{
	uint8_t msg[IGMP_V2_LEN];
	uint32_t dst = unicast;

	igmp_build_v2(msg, sizeof(msg), leave ? IGMP_TYPE_LEAVE : IGMP_TYPE_V2_REPORT, 0,
		      item->group);
	if (dst == 0)
		dst = leave ? htonl(IGMP_ALL_ROUTERS) : item->group;
	return gw_originate_igmp(role, dst, msg, sizeof(msg));
}

/* Items with sources: IS_IN records to report, BLOCK records to leave, split to fit. */
static int
send_v3(enum gw_role role, const struct ctl_item *items, uint16_t n, bool leave,
	uint32_t unicast)
{
	struct igmp_record_spec specs[IGMPGW_MAX_ITEMS];
	uint8_t msg[IGMP_MAX_MSG];
	uint16_t max_len = gw_igmp_max_msg(role);
	uint16_t n_specs = 0, next = 0, next_src = 0;
	uint32_t dst = unicast != 0 ? unicast : htonl(IGMP_ALL_V3_ROUTERS);
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

		len = igmp_build_v3_report(msg, sizeof(msg), max_len, specs, n_specs, &next,
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
	return gw_send_membership_on(gw_active_outside(), items, n, leave, dst);
}

int
gw_send_membership_on(enum gw_role role, const struct ctl_item *items, uint16_t n, bool leave,
		      uint32_t *dst)
{
	uint32_t unicast = gw_upstream_dst(role, 0);
	int packets = 0;
	int ret;

	*dst = unicast;
	/* A message per item at most: all of them fit, or none is sent. */
	if (gw_originate_room(role) < n)
		return -ENOBUFS;
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
