/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Inside the config module only: the INI reader (rte_cfgfile) and the value
 * readers the per-section parsing in gw_config.c is written with. Every
 * reader writes one line naming the key and the reason to err and returns
 * -EINVAL on a bad value; an absent key leaves *out as it was (the default).
 */
#ifndef IGMPGW_GW_CONFIG_INI_H
#define IGMPGW_GW_CONFIG_INI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rte_cfgfile.h>

#include "gw_config.h"

/*
 * Opens path, applies the overrides ("section.key=value") and rejects unknown
 * or repeated sections and keys. 0 and *file to close with
 * rte_cfgfile_close(), or a negative value and err.
 */
int gw_cfg_open(struct rte_cfgfile **file, const char *path, const char *const *overrides,
		int n_overrides, char *err, size_t err_len);

/* Writes the formatted line to err; returns -EINVAL. */
int gw_cfg_fail(char *err, size_t err_len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* yes/true/1/on or no/false/0/off. 0 or -EINVAL. */
int gw_cfg_parse_bool(const char *v, bool *out);
/* A decimal number up to max. 0 or -EINVAL. */
int gw_cfg_parse_uint(const char *v, uint32_t max, uint32_t *out);
/* Dotted quad into network order. 0 or -EINVAL. */
int gw_cfg_parse_ipv4(const char *v, uint32_t *out);
/* "a.b.c.d/len": a host address (not network, not broadcast, not multicast). */
int gw_cfg_parse_prefix(const char *v, uint32_t *addr, uint8_t *len);

/* sec.key as yes or no. */
int gw_cfg_get_bool(struct rte_cfgfile *file, const char *sec, const char *key, bool *out,
		    char *err, size_t err_len);
/* sec.key as a whole number in min..max. */
int gw_cfg_get_uint(struct rte_cfgfile *file, const char *sec, const char *key, uint32_t min,
		    uint32_t max, uint32_t *out, char *err, size_t err_len);
/* sec.key as seconds with up to three decimals, into milliseconds in min_ms..max_ms. */
int gw_cfg_get_seconds(struct rte_cfgfile *file, const char *sec, const char *key,
		       uint32_t min_ms, uint32_t max_ms, uint32_t *out_ms, char *err,
		       size_t err_len);

/*
 * gw_config_acl.c: a port section's allow/deny (numbered keys allow1...,
 * acl_file) and accept_from, and [igmp] ssm_range.
 */
int gw_cfg_load_port_acl(struct rte_cfgfile *file, const char *sec, bool inside,
			 struct gw_port_config *port, char *err, size_t err_len);
int gw_cfg_load_ssm_range(struct rte_cfgfile *file, struct gw_igmp_config *igmp, char *err,
			  size_t err_len);
/* Whether key is base followed by 1..999 ("allow7"): the numbered ACL keys. */
bool gw_cfg_numbered_key(const char *key, const char *base);

struct gw_limits_config;
/* [limits]'s rate keys (gw_config_limits.c), defaults included. */
int gw_cfg_load_rate_limits(struct rte_cfgfile *file, struct gw_limits_config *l, char *err,
			    size_t err_len);

#endif
