/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A port's configuration decided from what its PMD says it can do
 * (struct rte_eth_dev_info) and what igmpgw wants of it: multi-segment TX for
 * chained replicas or linear replicas, RSS on the IPv4 addresses where there
 * are several RX queues, the MTU against the PMD's limits, scatter or large
 * mbufs for frames bigger than an mbuf, IPv4 checksum TX offload where offered,
 * 802.1Q tag strip (RX) and insert (TX) where offered on a port with VLANs.
 * Pure: no EAL calls, so it is unit tested against fake capability sets.
 */
#ifndef IGMPGW_ETHCONF_H
#define IGMPGW_ETHCONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rte_ethdev.h>

/* The MTU a port gets unless its config says otherwise. */
#define ETHCONF_MTU_DEFAULT 1500

/*
 * The RSS hash igmpgw asks for: IPv4 source and destination, on every IPv4
 * flow type a NIC hashes apart (i40e/ice hash UDP, "other" and fragments only
 * with their own bits; RTE_ETH_RSS_IPV4 alone leaves UDP on queue 0). Where a
 * NIC adds the UDP ports, a stream (one source, group and ports) still stays
 * on one queue, in order. Masked by what the PMD offers.
 */
#define ETHCONF_RSS_HF (RTE_ETH_RSS_IPV4 | RTE_ETH_RSS_FRAG_IPV4 | \
			RTE_ETH_RSS_NONFRAG_IPV4_UDP | RTE_ETH_RSS_NONFRAG_IPV4_OTHER | \
			RTE_ETH_RSS_NONFRAG_IPV4_TCP | RTE_ETH_RSS_NONFRAG_IPV4_SCTP)

/* What igmpgw wants of one port. */
struct ethconf_want {
	uint16_t n_rxq;
	uint16_t n_txq;
	uint16_t mtu;              /* 0 = ETHCONF_MTU_DEFAULT, or less where the PMD's max is */
	bool chained_replicas;     /* replicas are a header mbuf chained to a clone */
	bool ipv4_cksum;           /* the datapath would set RTE_MBUF_F_TX_IP_CKSUM */
	bool vlan;                 /* the port carries 802.1Q tags: strip and insert where offered */
	uint32_t mbuf_data_room;   /* bytes of frame an RX mbuf of the default pool holds */
};

/* The decision for one port. */
struct ethconf {
	struct rte_eth_conf conf;  /* for rte_eth_dev_configure */
	uint16_t mtu;              /* the MTU set (conf.rxmode.mtu) */
	uint32_t max_frame;        /* the longest frame that MTU gives (Ethernet header and CRC in) */
	bool linear_replicas;      /* TX takes no chains: each replica a copy in one mbuf */
	bool scatter;              /* RX chains mbufs for frames bigger than one */
	uint32_t rx_data_room;     /* the data room its RX pool's mbufs need (0 = the default pool) */
	bool ipv4_cksum;           /* IPv4 checksum TX offload requested */
	bool vlan_strip;           /* RX: the PMD strips the tag into mbuf vlan_tci */
	bool vlan_insert;          /* TX: the PMD inserts mbuf vlan_tci (RTE_MBUF_F_TX_VLAN) */
	uint64_t rss_hf;           /* 0 = no RSS */
};

/*
 * True for a PMD that transmits chained mbufs without advertising
 * RTE_ETH_TX_OFFLOAD_MULTI_SEGS (the list in ethconf.c, with why).
 */
bool ethconf_takes_chains_unadvertised(const char *driver_name);

/* The largest MTU the PMD takes: its max_mtu, and max_rx_pktlen less the overhead. */
uint16_t ethconf_max_mtu(const struct rte_eth_dev_info *info);

/*
 * Decides how to configure the port info describes for want. On success fills
 * out and returns 0; otherwise writes one line to err (the asked value and the
 * PMD's limit, without the port: the caller names it) and returns -ERANGE for
 * an MTU the PMD does not take, -EINVAL for queue counts it does not offer.
 */
int ethconf_decide(const struct rte_eth_dev_info *info, const struct ethconf_want *want,
		   struct ethconf *out, char *err, size_t err_len);

#endif
