/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * [limits]'s rate keys: token buckets on IGMP input (per host, per inside
 * port), the upstream report rate and the control requests per client.
 * Read once at start: the per-host tables are allocated for them, so a
 * reload cannot change them (restart).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_cfgfile.h>

#include "gw_config.h"
#include "gw_config_ini.h"

#define RATE_MAX 10000000u

/* Defaults: generous for real hosts and clients, a wall for a flood. */
#define DEFAULT_HOSTS 4096
#define RL_MIN_HOSTS 8
#define RL_MAX_HOSTS (1u << 20)
#define DEFAULT_CONTROL_RATE 1000
#define DEFAULT_CONTROL_BURST 1000

/* "N/s burst B", "N/s" (burst N) or "none". 0 or -EINVAL. */
static int
parse_rate(const char *v, struct gw_rate *out)
{
	char buf[CFG_VALUE_LEN];
	char *save = NULL, *rate, *word, *burst, *extra, *slash;
	uint32_t per_sec, b;

	snprintf(buf, sizeof(buf), "%s", v);
	rate = strtok_r(buf, " \t", &save);
	if (rate != NULL && strcmp(rate, "none") == 0 && strtok_r(NULL, " \t", &save) == NULL) {
		*out = (struct gw_rate){ 0, 0 };
		return 0;
	}
	if (rate == NULL || (slash = strstr(rate, "/s")) == NULL || slash[2] != '\0')
		return -EINVAL;
	*slash = '\0';
	if (gw_cfg_parse_uint(rate, RATE_MAX, &per_sec) < 0 || per_sec == 0)
		return -EINVAL;
	b = per_sec;
	word = strtok_r(NULL, " \t", &save);
	if (word != NULL) {
		burst = strtok_r(NULL, " \t", &save);
		extra = strtok_r(NULL, " \t", &save);
		if (strcmp(word, "burst") != 0 || burst == NULL || extra != NULL ||
		    gw_cfg_parse_uint(burst, RATE_MAX, &b) < 0 || b == 0)
			return -EINVAL;
	}
	*out = (struct gw_rate){ per_sec, b };
	return 0;
}

static int
get_rate(struct rte_cfgfile *file, const char *key, struct gw_rate *out, char *err,
	 size_t err_len)
{
	const char *v = rte_cfgfile_get_entry(file, "limits", key);

	if (v == NULL)
		return 0;
	if (parse_rate(v, out) < 0)
		return gw_cfg_fail(err, err_len,
				   "config: limits.%s: '%s' is not 'N/s burst B' (1..%u) or 'none'",
				   key, v, RATE_MAX);
	return 0;
}

int
gw_cfg_load_rate_limits(struct rte_cfgfile *file, struct gw_limits_config *l, char *err,
			size_t err_len)
{
	int ret;

	l->igmp_rate_per_host = (struct gw_rate){ 0, 0 };
	l->igmp_rate_per_port = (struct gw_rate){ 0, 0 };
	l->igmp_rate_hosts = DEFAULT_HOSTS;
	l->upstream_reports_per_second = 0;
	l->control_requests_per_client =
		(struct gw_rate){ DEFAULT_CONTROL_RATE, DEFAULT_CONTROL_BURST };

	ret = get_rate(file, "igmp_rate_per_host", &l->igmp_rate_per_host, err, err_len);
	if (ret == 0)
		ret = get_rate(file, "igmp_rate_per_port", &l->igmp_rate_per_port, err, err_len);
	if (ret == 0)
		ret = gw_cfg_get_uint(file, "limits", "igmp_rate_hosts", RL_MIN_HOSTS, RL_MAX_HOSTS,
				      &l->igmp_rate_hosts, err, err_len);
	if (ret == 0)
		ret = gw_cfg_get_uint(file, "limits", "upstream_reports_per_second", 0, 1000000,
				      &l->upstream_reports_per_second, err, err_len);
	if (ret == 0)
		ret = get_rate(file, "control_requests_per_client", &l->control_requests_per_client,
			       err, err_len);
	return ret;
}
