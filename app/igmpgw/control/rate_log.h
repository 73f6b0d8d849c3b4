/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The log side of the IGMP input rate limits: workers never log, so the
 * owner worker hands a host's first drop of a period over gw.rate_log, and
 * the main lcore writes the line.
 */
#ifndef IGMPGW_RATE_LOG_H
#define IGMPGW_RATE_LOG_H

/* Logs the hosts the workers handed over; every control period. */
void gw_rate_log_poll(void);

#endif
