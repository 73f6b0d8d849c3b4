/* SPDX-License-Identifier: BSD-3-Clause */
/* One log line a host and period for IGMP over limits.igmp_rate_per_host. */
#include <arpa/inet.h>
#include <stdint.h>

#include <rte_ring.h>

#define GW_LOG_PART control

#include "gw.h"
#include "rate_log.h"

#define LOG_BURST 32

void
gw_rate_log_poll(void)
{
	const struct gw_rate *rate = &gw.cfg.limits.igmp_rate_per_host;
	uint64_t rec[LOG_BURST];
	unsigned int n;

	if (gw.rate_log == NULL)
		return;
	n = rte_ring_dequeue_burst_elem(gw.rate_log, rec, sizeof(rec[0]), LOG_BURST, NULL);
	for (unsigned int i = 0; i < n; i++) {
		struct in_addr host = { .s_addr = (uint32_t)rec[i] };
		char addr[INET_ADDRSTRLEN];

		inet_ntop(AF_INET, &host, addr, sizeof(addr));
		GW_LOG(NOTICE,
		       "%s: host %s sends IGMP faster than limits.igmp_rate_per_host = %u/s burst %u: the excess is dropped (igmp_rate_host_dropped); next line on it in %d s at the earliest",
		       gw_role_name((enum gw_role)(rec[i] >> 32)), addr, rate->per_sec, rate->burst,
		       GW_RATE_LOG_PERIOD_S);
	}
}
