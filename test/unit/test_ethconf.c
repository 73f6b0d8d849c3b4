/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Offload negotiation against fake capability sets: the lab's vdevs as DPDK
 * 22.11 describes them (drivers/net/{pcap,null,af_packet,tap}), a NIC like
 * i40e, and NICs that offer less (no chains, part of RSS, nothing).
 */
#include <string.h>

#include "ethconf.h"
#include "tap.h"

/* A default RX mbuf: RTE_MBUF_DEFAULT_BUF_SIZE less the headroom. */
#define ROOM 2048

/* What rte_eth_dev_info_get fills before the PMD's dev_infos_get. */
static struct rte_eth_dev_info
base(const char *driver)
{
	struct rte_eth_dev_info info;

	memset(&info, 0, sizeof(info));
	info.driver_name = driver;
	info.min_mtu = RTE_ETHER_MIN_LEN - RTE_ETHER_HDR_LEN - RTE_ETHER_CRC_LEN;
	info.max_mtu = UINT16_MAX;
	info.max_rx_queues = 1;
	info.max_tx_queues = 1;
	return info;
}

static struct rte_eth_dev_info
pcap(void)
{
	struct rte_eth_dev_info info = base("net_pcap");

	info.max_rx_pktlen = UINT32_MAX;
	return info;
}

static struct rte_eth_dev_info
null_pmd(void)
{
	struct rte_eth_dev_info info = base("net_null");

	info.max_rx_pktlen = UINT32_MAX;
	info.max_rx_queues = 1024;
	info.max_tx_queues = 1024;
	info.flow_type_rss_offloads = RTE_ETH_RSS_PROTO_MASK;
	return info;
}

static struct rte_eth_dev_info
af_packet(void)
{
	struct rte_eth_dev_info info = base("net_af_packet");

	info.max_rx_pktlen = RTE_ETHER_MAX_LEN;
	info.tx_offload_capa = RTE_ETH_TX_OFFLOAD_MULTI_SEGS | RTE_ETH_TX_OFFLOAD_VLAN_INSERT;
	info.rx_offload_capa = RTE_ETH_RX_OFFLOAD_VLAN_STRIP;
	return info;
}

static struct rte_eth_dev_info
tap_pmd(void)
{
	struct rte_eth_dev_info info = base("net_tap");

	info.max_rx_pktlen = RTE_ETHER_MAX_VLAN_FRAME_LEN;
	info.max_rx_queues = 16;
	info.max_tx_queues = 16;
	info.tx_offload_capa = RTE_ETH_TX_OFFLOAD_MULTI_SEGS | RTE_ETH_TX_OFFLOAD_IPV4_CKSUM |
		RTE_ETH_TX_OFFLOAD_UDP_CKSUM | RTE_ETH_TX_OFFLOAD_TCP_CKSUM;
	info.rx_offload_capa = RTE_ETH_RX_OFFLOAD_SCATTER | RTE_ETH_RX_OFFLOAD_IPV4_CKSUM;
	info.flow_type_rss_offloads = ~(uint64_t)0;
	return info;
}

/* Like i40e: jumbo, scatter, chains, checksums, RSS per flow type. */
static struct rte_eth_dev_info
nic(void)
{
	struct rte_eth_dev_info info = base("net_i40e");

	info.min_mtu = RTE_ETHER_MIN_MTU;
	info.max_mtu = 9728 - 26;
	info.max_rx_pktlen = 9728;
	info.max_rx_queues = 64;
	info.max_tx_queues = 64;
	info.tx_offload_capa = RTE_ETH_TX_OFFLOAD_MULTI_SEGS | RTE_ETH_TX_OFFLOAD_IPV4_CKSUM;
	info.rx_offload_capa = RTE_ETH_RX_OFFLOAD_SCATTER;
	info.flow_type_rss_offloads = RTE_ETH_RSS_FRAG_IPV4 | RTE_ETH_RSS_NONFRAG_IPV4_TCP |
		RTE_ETH_RSS_NONFRAG_IPV4_UDP | RTE_ETH_RSS_NONFRAG_IPV4_SCTP |
		RTE_ETH_RSS_NONFRAG_IPV4_OTHER | RTE_ETH_RSS_L2_PAYLOAD;
	return info;
}

/* A NIC that advertises no offload at all and is on no list. */
static struct rte_eth_dev_info
plain_nic(void)
{
	struct rte_eth_dev_info info = base("net_plain");

	info.max_mtu = 9000;
	info.max_rx_pktlen = 9018;
	info.max_rx_queues = 4;
	info.max_tx_queues = 4;
	return info;
}

static struct ethconf_want
want(uint16_t n_rxq, uint16_t mtu)
{
	struct ethconf_want w = {
		.n_rxq = n_rxq,
		.n_txq = n_rxq,
		.mtu = mtu,
		.chained_replicas = true,
		.ipv4_cksum = false,
		.mbuf_data_room = ROOM,
	};

	return w;
}

static void
test_chains(void)
{
	struct rte_eth_dev_info info;
	struct ethconf_want w = want(1, 0);
	struct ethconf c;
	char err[256];

	info = af_packet();
	CHECK_INT(ethconf_decide(&info, &w, &c, err, sizeof(err)), 0, "af_packet: accepted");
	TAP_CHECK(!c.linear_replicas, "af_packet advertises chains: chained replicas");
	TAP_CHECK(c.conf.txmode.offloads & RTE_ETH_TX_OFFLOAD_MULTI_SEGS,
		  "af_packet: multi-segment TX requested");

	info = nic();
	ethconf_decide(&info, &w, &c, err, sizeof(err));
	TAP_CHECK(!c.linear_replicas && (c.conf.txmode.offloads & RTE_ETH_TX_OFFLOAD_MULTI_SEGS),
		  "NIC advertising chains: multi-segment TX requested");

	info = pcap();
	CHECK_INT(ethconf_decide(&info, &w, &c, err, sizeof(err)), 0, "pcap: accepted");
	TAP_CHECK(!c.linear_replicas, "pcap takes chains unadvertised (listed): chained replicas");
	CHECK_INT(c.conf.txmode.offloads, 0, "pcap: nothing requested it does not offer");

	info = null_pmd();
	ethconf_decide(&info, &w, &c, err, sizeof(err));
	TAP_CHECK(!c.linear_replicas, "null is listed: chained replicas");
	CHECK_INT(c.conf.txmode.offloads, 0, "null: nothing requested it does not offer");

	info = plain_nic();
	ethconf_decide(&info, &w, &c, err, sizeof(err));
	TAP_CHECK(c.linear_replicas, "neither advertised nor listed: linear replicas");
	CHECK_INT(c.conf.txmode.offloads, 0, "plain NIC: no multi-segment TX requested");

	w.chained_replicas = false;
	info = af_packet();
	ethconf_decide(&info, &w, &c, err, sizeof(err));
	CHECK_INT(c.conf.txmode.offloads, 0, "no chains wanted: multi-segment TX not requested");
	info = plain_nic();
	ethconf_decide(&info, &w, &c, err, sizeof(err));
	TAP_CHECK(!c.linear_replicas, "no chains wanted: nothing to make linear");

	TAP_CHECK(ethconf_takes_chains_unadvertised("net_pcap") &&
		  ethconf_takes_chains_unadvertised("net_null") &&
		  !ethconf_takes_chains_unadvertised("net_pcap_x") &&
		  !ethconf_takes_chains_unadvertised("net_ring") &&
		  !ethconf_takes_chains_unadvertised(NULL), "the list matches whole names only");
}

static void
test_mtu(void)
{
	struct rte_eth_dev_info info;
	struct ethconf_want w;
	struct ethconf c;
	char err[256];

	info = af_packet();
	w = want(1, 0);
	CHECK_INT(ethconf_decide(&info, &w, &c, err, sizeof(err)), 0, "af_packet default MTU");
	CHECK_INT(c.mtu, 1500, "af_packet: default MTU 1500");
	CHECK_INT(c.conf.rxmode.mtu, 1500, "af_packet: rxmode.mtu");
	CHECK_INT(c.max_frame, 1518, "af_packet: max frame");
	CHECK_INT(ethconf_max_mtu(&info), 1500, "af_packet: max MTU (max_rx_pktlen 1518)");
	info = tap_pmd();
	CHECK_INT(ethconf_max_mtu(&info), 1504, "tap: max MTU (max_rx_pktlen 1522)");

	info = af_packet();
	w = want(1, 9000);
	memset(err, 0, sizeof(err));
	CHECK_INT(ethconf_decide(&info, &w, &c, err, sizeof(err)), -ERANGE, "af_packet MTU 9000 refused");
	TAP_CHECK(strcmp(err, "MTU 9000 is more than net_af_packet takes (max MTU 1500: max_mtu 65535, max_rx_pktlen 1518)") == 0,
		  "the line names the PMD and its limit: %s", err);
	w = want(1, 1501);
	CHECK_INT(ethconf_decide(&info, &w, &c, err, sizeof(err)), -ERANGE, "af_packet MTU 1501 refused");
	w = want(1, 1500);
	CHECK_INT(ethconf_decide(&info, &w, &c, err, sizeof(err)), 0, "af_packet MTU 1500 taken");

	info = plain_nic();
	w = want(1, 9000);
	CHECK_INT(ethconf_decide(&info, &w, &c, err, sizeof(err)), 0, "plain NIC: MTU 9000 at its max");
	w = want(1, 9001);
	CHECK_INT(ethconf_decide(&info, &w, &c, err, sizeof(err)), -ERANGE, "plain NIC: MTU 9001 refused");
	TAP_CHECK(strstr(err, "max MTU 9000") != NULL, "by its max_mtu: %s", err);

	info = nic();
	w = want(1, 60);
	CHECK_INT(ethconf_decide(&info, &w, &c, err, sizeof(err)), -ERANGE, "MTU 60 refused");
	TAP_CHECK(strstr(err, "min MTU 68") != NULL, "below the minimum: %s", err);

	/* A PMD whose maximum is under 1500: the default follows it. */
	info = plain_nic();
	info.max_mtu = 1400;
	info.max_rx_pktlen = 1418;
	w = want(1, 0);
	CHECK_INT(ethconf_decide(&info, &w, &c, err, sizeof(err)), 0, "small PMD: default taken");
	CHECK_INT(c.mtu, 1400, "small PMD: default MTU is its max");
}

static void
test_jumbo_rx(void)
{
	struct rte_eth_dev_info info;
	struct ethconf_want w;
	struct ethconf c;
	char err[256];

	info = nic();
	w = want(1, 9000);
	CHECK_INT(ethconf_decide(&info, &w, &c, err, sizeof(err)), 0, "NIC MTU 9000");
	CHECK_INT(c.max_frame, 9026, "NIC: max frame by its own overhead (VLAN tags)");
	TAP_CHECK(c.scatter && (c.conf.rxmode.offloads & RTE_ETH_RX_OFFLOAD_SCATTER),
		  "NIC: scatter for frames bigger than an mbuf");
	CHECK_INT(c.rx_data_room, 0, "NIC: default pool");

	w = want(1, 1500);
	ethconf_decide(&info, &w, &c, err, sizeof(err));
	TAP_CHECK(!c.scatter && c.conf.rxmode.offloads == 0, "NIC at 1500: no scatter");
	CHECK_INT(c.rx_data_room, 0, "NIC at 1500: default pool");

	info = pcap();
	w = want(1, 9000);
	CHECK_INT(ethconf_decide(&info, &w, &c, err, sizeof(err)), 0, "pcap MTU 9000");
	TAP_CHECK(!c.scatter && c.conf.rxmode.offloads == 0, "pcap offers no scatter: none asked");
	CHECK_INT(c.rx_data_room, 9018, "pcap: a pool of mbufs for whole 9018-byte frames");

	/* Linear replicas are copied into the egress pool: it must hold whole frames. */
	info = plain_nic();
	info.rx_offload_capa = RTE_ETH_RX_OFFLOAD_SCATTER;
	w = want(1, 9000);
	ethconf_decide(&info, &w, &c, err, sizeof(err));
	TAP_CHECK(c.linear_replicas && !c.scatter, "linear port: no scatter even where offered");
	CHECK_INT(c.rx_data_room, 9018, "linear port: big mbufs");
}

static void
test_rss(void)
{
	struct rte_eth_dev_info info;
	struct ethconf_want w;
	struct ethconf c;
	char err[256];

	info = nic();
	w = want(4, 0);
	CHECK_INT(ethconf_decide(&info, &w, &c, err, sizeof(err)), 0, "NIC with 4 queues");
	CHECK_INT(c.conf.rxmode.mq_mode, RTE_ETH_MQ_RX_RSS, "NIC: RSS on");
	CHECK_INT(c.rss_hf, RTE_ETH_RSS_FRAG_IPV4 | RTE_ETH_RSS_NONFRAG_IPV4_TCP |
		  RTE_ETH_RSS_NONFRAG_IPV4_UDP | RTE_ETH_RSS_NONFRAG_IPV4_SCTP |
		  RTE_ETH_RSS_NONFRAG_IPV4_OTHER, "NIC: every IPv4 flow type it offers, nothing else");
	TAP_CHECK(c.rss_hf & RTE_ETH_RSS_NONFRAG_IPV4_UDP, "UDP hashed (not left on queue 0)");
	CHECK_INT(c.conf.rx_adv_conf.rss_conf.rss_hf, c.rss_hf, "rss_conf.rss_hf");
	TAP_CHECK(c.conf.rx_adv_conf.rss_conf.rss_key == NULL, "the PMD's default key");

	w = want(1, 0);
	ethconf_decide(&info, &w, &c, err, sizeof(err));
	TAP_CHECK(c.conf.rxmode.mq_mode == RTE_ETH_MQ_RX_NONE && c.rss_hf == 0, "one queue: no RSS");

	/* Partial: IPv4 and UDP only. */
	info = plain_nic();
	info.flow_type_rss_offloads = RTE_ETH_RSS_IPV4 | RTE_ETH_RSS_NONFRAG_IPV4_UDP |
		RTE_ETH_RSS_IPV6;
	w = want(4, 0);
	ethconf_decide(&info, &w, &c, err, sizeof(err));
	CHECK_INT(c.rss_hf, RTE_ETH_RSS_IPV4 | RTE_ETH_RSS_NONFRAG_IPV4_UDP,
		  "partial: what it offers of ours, no IPv6");
	CHECK_INT(c.conf.rxmode.mq_mode, RTE_ETH_MQ_RX_RSS, "partial: RSS on");

	/* None: several queues, RSS off (ethdev refuses rss_hf the PMD does not offer). */
	info = plain_nic();
	ethconf_decide(&info, &w, &c, err, sizeof(err));
	TAP_CHECK(c.conf.rxmode.mq_mode == RTE_ETH_MQ_RX_NONE && c.rss_hf == 0 &&
		  c.conf.rx_adv_conf.rss_conf.rss_hf == 0, "none offered: RSS off");

	info = af_packet();
	w = want(2, 0);
	CHECK_INT(ethconf_decide(&info, &w, &c, err, sizeof(err)), -EINVAL,
		  "af_packet with one qpair: 2 queues refused");
	TAP_CHECK(strcmp(err, "2 RX and 2 TX queues asked, net_af_packet offers 1 and 1") == 0,
		  "queues line: %s", err);
}

static void
test_cksum(void)
{
	struct rte_eth_dev_info info;
	struct ethconf_want w = want(1, 0);
	struct ethconf c;
	char err[256];

	w.ipv4_cksum = true;
	info = nic();
	ethconf_decide(&info, &w, &c, err, sizeof(err));
	TAP_CHECK(c.ipv4_cksum && (c.conf.txmode.offloads & RTE_ETH_TX_OFFLOAD_IPV4_CKSUM),
		  "offered and wanted: IPv4 checksum offload requested");
	info = af_packet();
	ethconf_decide(&info, &w, &c, err, sizeof(err));
	TAP_CHECK(!c.ipv4_cksum && !(c.conf.txmode.offloads & RTE_ETH_TX_OFFLOAD_IPV4_CKSUM),
		  "not offered: software checksum");
	w.ipv4_cksum = false;
	info = nic();
	ethconf_decide(&info, &w, &c, err, sizeof(err));
	TAP_CHECK(!c.ipv4_cksum && !(c.conf.txmode.offloads & RTE_ETH_TX_OFFLOAD_IPV4_CKSUM),
		  "offered, not wanted: not requested (it can cost a NIC its fast TX path)");
}

/* 802.1Q: strip and insert offloads asked for where offered, only on ports with VLANs. */
static void
test_vlan(void)
{
	struct rte_eth_dev_info info;
	struct ethconf_want w = want(1, 0);
	struct ethconf c;
	char err[256];

	w.vlan = true;
	info = af_packet();
	ethconf_decide(&info, &w, &c, err, sizeof(err));
	TAP_CHECK(c.vlan_strip && c.vlan_insert &&
		  (c.conf.rxmode.offloads & RTE_ETH_RX_OFFLOAD_VLAN_STRIP) &&
		  (c.conf.txmode.offloads & RTE_ETH_TX_OFFLOAD_VLAN_INSERT),
		  "af_packet offers both: strip and insert requested");
	info = tap_pmd();
	ethconf_decide(&info, &w, &c, err, sizeof(err));
	TAP_CHECK(!c.vlan_strip && !c.vlan_insert &&
		  !(c.conf.rxmode.offloads & RTE_ETH_RX_OFFLOAD_VLAN_STRIP) &&
		  !(c.conf.txmode.offloads & RTE_ETH_TX_OFFLOAD_VLAN_INSERT),
		  "TAP offers neither: software both ways");
	info = nic();
	info.rx_offload_capa |= RTE_ETH_RX_OFFLOAD_VLAN_STRIP;
	ethconf_decide(&info, &w, &c, err, sizeof(err));
	TAP_CHECK(c.vlan_strip && !c.vlan_insert &&
		  !(c.conf.txmode.offloads & RTE_ETH_TX_OFFLOAD_VLAN_INSERT),
		  "strip offered, insert not: strip in the PMD, insert in software");
	w.vlan = false;
	info = af_packet();
	ethconf_decide(&info, &w, &c, err, sizeof(err));
	TAP_CHECK(!c.vlan_strip && !c.vlan_insert &&
		  !(c.conf.rxmode.offloads & RTE_ETH_RX_OFFLOAD_VLAN_STRIP) &&
		  !(c.conf.txmode.offloads & RTE_ETH_TX_OFFLOAD_VLAN_INSERT),
		  "a port without VLANs: neither requested (tags stay in the frame, counted)");
}

int
main(void)
{
	test_chains();
	test_mtu();
	test_jumbo_rx();
	test_rss();
	test_cksum();
	test_vlan();
	return TAP_DONE();
}
