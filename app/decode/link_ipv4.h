/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Finds the IPv4 header inside a captured frame for the link types our
 * captures come in. Shared by igmpgw-decode and the conformance round-trip
 * test, so both read a capture the same way.
 */
#ifndef IGMPGW_LINK_IPV4_H
#define IGMPGW_LINK_IPV4_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <pcap/pcap.h>

#define LINK_ETHER_HDR_LEN 14
#define LINK_VLAN_TAG_LEN 4
#define LINK_SLL_HDR_LEN 16
#define LINK_SLL_PROTO_OFF 14
#define LINK_SLL2_HDR_LEN 20
#define LINK_SLL2_PROTO_OFF 0

#define LINK_ETHERTYPE_IPV4 0x0800
#define LINK_ETHERTYPE_VLAN 0x8100
#define LINK_ETHERTYPE_QINQ 0x88a8
#define LINK_ETHERTYPE_QINQ_OLD 0x9100

static inline uint16_t
link_get_be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/*
 * The ethertype at type_off announces the payload at payload_off. VLAN tags
 * (802.1Q, 802.1ad and the old 0x9100 QinQ) are 4 bytes at the start of that
 * payload, the inner ethertype in their last 2: skips any number of them.
 */
static inline bool
link_skip_vlans(const uint8_t *pkt, size_t len, size_t type_off, size_t payload_off,
		size_t *off)
{
	uint16_t type;

	if (len < type_off + 2)
		return false;
	type = link_get_be16(pkt + type_off);
	for (;;) {
		if (type == LINK_ETHERTYPE_IPV4) {
			*off = payload_off;
			return payload_off <= len;
		}
		if (type != LINK_ETHERTYPE_VLAN && type != LINK_ETHERTYPE_QINQ &&
		    type != LINK_ETHERTYPE_QINQ_OLD)
			return false;
		if (len < payload_off + LINK_VLAN_TAG_LEN)
			return false;
		type = link_get_be16(pkt + payload_off + 2);
		payload_off += LINK_VLAN_TAG_LEN;
	}
}

/*
 * Sets *off to where the IPv4 header starts in a frame of link type dlt
 * (a pcap_datalink() value) and returns true; false for frames that carry
 * something else (IPv6, ARP, unknown link types). Only the link header is
 * checked: the IPv4 header itself is the codec's to validate.
 */
static inline bool
link_find_ipv4(int dlt, const uint8_t *pkt, size_t len, size_t *off)
{
	switch (dlt) {
	case DLT_EN10MB:
		return link_skip_vlans(pkt, len, LINK_ETHER_HDR_LEN - 2, LINK_ETHER_HDR_LEN, off);
	case DLT_LINUX_SLL:
		/* Cooked headers carry an ethertype; VLAN tags may stay in the payload. */
		return link_skip_vlans(pkt, len, LINK_SLL_PROTO_OFF, LINK_SLL_HDR_LEN, off);
	case DLT_LINUX_SLL2:
		return link_skip_vlans(pkt, len, LINK_SLL2_PROTO_OFF, LINK_SLL2_HDR_LEN, off);
	case DLT_RAW:
	case DLT_IPV4:
		/* Raw IP may as well be IPv6: the version nibble tells. */
		if (len < 1 || pkt[0] >> 4 == 6)
			return false;
		*off = 0;
		return true;
	default:
		return false;
	}
}

#endif
