/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A port's rte_eth_conf from its rte_eth_dev_info. The MTU rules follow
 * rte_eth_dev_configure's own (lib/ethdev/rte_ethdev.c, 22.11), so a port this
 * accepts is not refused there.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "ethconf.h"

/*
 * PMDs that transmit chains without advertising RTE_ETH_TX_OFFLOAD_MULTI_SEGS,
 * read in DPDK 22.11's drivers/net:
 *   net_pcap  eth_pcap_tx/_tx_dumper copy a chain out with rte_pktmbuf_read
 *             (up to RTE_ETH_PCAP_SNAPLEN, 16128 bytes);
 *   net_null  eth_null_tx frees what it is given (copy mode reads the first segment).
 * net_af_packet, net_tap and net_ring advertise MULTI_SEGS (af_packet's and
 * TAP's TX copy every segment), so they need no entry. Any other PMD that advertises nothing gets
 * linear replicas.
 */
static const char *const chains_unadvertised[] = {
	"net_pcap",
	"net_null",
};

bool
ethconf_takes_chains_unadvertised(const char *driver_name)
{
	if (driver_name == NULL)
		return false;
	for (size_t i = 0; i < RTE_DIM(chains_unadvertised); i++)
		if (strcmp(driver_name, chains_unadvertised[i]) == 0)
			return true;
	return false;
}

/* Ethernet header and CRC, unless the PMD's max_rx_pktlen and max_mtu say more (VLAN tags). */
static uint32_t
overhead_len(const struct rte_eth_dev_info *info)
{
	if (info->max_mtu != UINT16_MAX && info->max_rx_pktlen > info->max_mtu)
		return info->max_rx_pktlen - info->max_mtu;
	return RTE_ETHER_HDR_LEN + RTE_ETHER_CRC_LEN;
}

uint16_t
ethconf_max_mtu(const struct rte_eth_dev_info *info)
{
	uint32_t overhead = overhead_len(info);
	uint32_t by_frame = info->max_rx_pktlen > overhead ? info->max_rx_pktlen - overhead : 0;

	return (uint16_t)RTE_MIN((uint32_t)info->max_mtu, by_frame);
}

static int
fail(int ret, char *err, size_t err_len, const char *fmt, ...) __rte_format_printf(4, 5);

/* Writes one line to err; returns ret. */
static int
fail(int ret, char *err, size_t err_len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, err_len, fmt, ap);
	va_end(ap);
	return ret;
}

static int
decide_mtu(const struct rte_eth_dev_info *info, const struct ethconf_want *want,
	   struct ethconf *out, char *err, size_t err_len)
{
	uint16_t max_mtu = ethconf_max_mtu(info);
	uint16_t mtu = want->mtu;

	/* The default is 1500 where the PMD takes it (as ethdev's own default). */
	if (mtu == 0)
		mtu = RTE_MIN((uint16_t)ETHCONF_MTU_DEFAULT, max_mtu);
	if (mtu > max_mtu)
		return fail(-ERANGE, err, err_len,
			    "MTU %u is more than %s takes (max MTU %u: max_mtu %u, max_rx_pktlen %u)",
			    mtu, info->driver_name != NULL ? info->driver_name : "the PMD", max_mtu,
			    info->max_mtu, info->max_rx_pktlen);
	if (mtu < info->min_mtu || mtu < RTE_ETHER_MIN_MTU)
		return fail(-ERANGE, err, err_len, "MTU %u is less than %s takes (min MTU %u)", mtu,
			    info->driver_name != NULL ? info->driver_name : "the PMD",
			    RTE_MAX(info->min_mtu, (uint16_t)RTE_ETHER_MIN_MTU));
	out->mtu = mtu;
	out->max_frame = mtu + overhead_len(info);
	out->conf.rxmode.mtu = mtu;
	return 0;
}

/*
 * Frames bigger than an mbuf of the default pool: RX scatter where offered and
 * the port takes chains on TX (what arrives chained may leave chained), else
 * a pool of mbufs big enough for a whole frame.
 */
static void
decide_rx_room(const struct rte_eth_dev_info *info, const struct ethconf_want *want,
	       struct ethconf *out)
{
	if (out->max_frame <= want->mbuf_data_room)
		return;
	if ((info->rx_offload_capa & RTE_ETH_RX_OFFLOAD_SCATTER) != 0 && !out->linear_replicas) {
		out->scatter = true;
		out->conf.rxmode.offloads |= RTE_ETH_RX_OFFLOAD_SCATTER;
		return;
	}
	out->rx_data_room = out->max_frame;
}

int
ethconf_decide(const struct rte_eth_dev_info *info, const struct ethconf_want *want,
	       struct ethconf *out, char *err, size_t err_len)
{
	int ret;

	memset(out, 0, sizeof(*out));
	if (want->n_rxq == 0 || want->n_txq == 0 || want->n_rxq > info->max_rx_queues ||
	    want->n_txq > info->max_tx_queues)
		return fail(-EINVAL, err, err_len, "%u RX and %u TX queues asked, %s offers %u and %u",
			    want->n_rxq, want->n_txq,
			    info->driver_name != NULL ? info->driver_name : "the PMD",
			    info->max_rx_queues, info->max_tx_queues);
	ret = decide_mtu(info, want, out, err, err_len);
	if (ret < 0)
		return ret;

	if (want->chained_replicas) {
		if ((info->tx_offload_capa & RTE_ETH_TX_OFFLOAD_MULTI_SEGS) != 0)
			out->conf.txmode.offloads |= RTE_ETH_TX_OFFLOAD_MULTI_SEGS;
		else if (!ethconf_takes_chains_unadvertised(info->driver_name))
			out->linear_replicas = true;
	}
	decide_rx_room(info, want, out);

	if (want->ipv4_cksum && (info->tx_offload_capa & RTE_ETH_TX_OFFLOAD_IPV4_CKSUM) != 0) {
		out->ipv4_cksum = true;
		out->conf.txmode.offloads |= RTE_ETH_TX_OFFLOAD_IPV4_CKSUM;
	}

	/* Software otherwise: the datapath pushes and pulls the 4 bytes itself. */
	if (want->vlan && (info->rx_offload_capa & RTE_ETH_RX_OFFLOAD_VLAN_STRIP) != 0) {
		out->vlan_strip = true;
		out->conf.rxmode.offloads |= RTE_ETH_RX_OFFLOAD_VLAN_STRIP;
	}
	if (want->vlan && (info->tx_offload_capa & RTE_ETH_TX_OFFLOAD_VLAN_INSERT) != 0) {
		out->vlan_insert = true;
		out->conf.txmode.offloads |= RTE_ETH_TX_OFFLOAD_VLAN_INSERT;
	}

	out->rss_hf = want->n_rxq > 1 ? ETHCONF_RSS_HF & info->flow_type_rss_offloads : 0;
	if (out->rss_hf != 0) {
		out->conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
		out->conf.rx_adv_conf.rss_conf.rss_hf = out->rss_hf;
	}
	return 0;
}
