/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The /igmpgw/... DPDK telemetry endpoints: views (views.h) converted by
 * tel_json, answered on DPDK's telemetry thread.
 */
#ifndef IGMPGW_TELEMETRY_H
#define IGMPGW_TELEMETRY_H

/* Registers the /igmpgw/... telemetry commands; logs any DPDK refused. */
void gw_telemetry_register(void);

#endif
