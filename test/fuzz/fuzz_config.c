/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target for the configuration (lib/config/gw_config.h): the input is a
 * config file, then NUL-separated --set overrides. A refused config gets one
 * line "config: ..."; an accepted one holds only values the README allows,
 * and loading the same input again gives the same struct, byte for byte.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fuzz_common.h"
#include "gw_config.h"
#include "igmp_wire.h"

#define FUZZ_MAX_OVERRIDES 8

static int file_fd = -1;
static char file_path[64];
static struct gw_config cfg, cfg2;
static char text[1 << 16];

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	file_fd = memfd_create("igmpgw-fuzz.conf", MFD_CLOEXEC);
	FUZZ_ASSERT(file_fd >= 0);
	snprintf(file_path, sizeof(file_path), "/proc/self/fd/%d", file_fd);
	return 0;
}

static bool
terminated(const char *s, size_t cap)
{
	return memchr(s, '\0', cap) != NULL;
}

static void
check_config(const struct gw_config *c)
{
	const struct gw_querier_config *q = &c->querier;
	int r, n_inside = 0;
	uint16_t i;

	FUZZ_ASSERT(c->port[GW_ROLE_OUTSIDE].present && c->port[GW_ROLE_INSIDE].present);
	for (r = 0; r < GW_MAX_PORTS; r++) {
		const struct gw_port_config *p = &c->port[r];

		if (!p->present)
			continue;
		n_inside += gw_role_is_inside(r);
		FUZZ_ASSERT(p->role == (enum gw_role)r);
		FUZZ_ASSERT(terminated(p->devargs, sizeof(p->devargs)) && p->devargs[0] != '\0');
		FUZZ_ASSERT(p->prefix_len <= 32);
	}
	FUZZ_ASSERT(n_inside >= 1);
	FUZZ_ASSERT(c->igmp.active_outside == GW_ROLE_OUTSIDE ||
		    (c->igmp.active_outside == GW_ROLE_ALT && c->port[GW_ROLE_ALT].present));
	FUZZ_ASSERT(c->exception == GW_EXCEPTION_NONE || c->exception == GW_EXCEPTION_TAP ||
		    c->exception == GW_EXCEPTION_VIRTIO_USER);
	FUZZ_ASSERT(terminated(c->control.socket, sizeof(c->control.socket)));
	FUZZ_ASSERT(terminated(c->control.group, sizeof(c->control.group)));
	FUZZ_ASSERT(c->control.max_clients >= 1 && c->control.max_clients <= 1024);
	FUZZ_ASSERT(q->version >= 1 && q->version <= 3);
	FUZZ_ASSERT(q->robustness >= 1 && q->robustness <= 7);
	FUZZ_ASSERT(q->last_member_query_count >= 1 && q->last_member_query_count <= 7);
	FUZZ_ASSERT(q->query_interval_ms >= 1000 && q->query_interval_ms <= 31744000);
	FUZZ_ASSERT(q->query_response_interval_ms >= 100 &&
		    q->query_response_interval_ms < q->query_interval_ms);
	FUZZ_ASSERT(q->last_member_query_interval_ms >= 100 &&
		    q->last_member_query_interval_ms <= 3174400);
	FUZZ_ASSERT(!q->enabled || c->track_membership);
	FUZZ_ASSERT(c->limits.max_groups >= 1 && c->limits.max_groups <= 1000000);
	FUZZ_ASSERT(c->limits.max_groups_per_port >= 1 &&
		    c->limits.max_groups_per_port <= 1000000);
	FUZZ_ASSERT(c->forward.n_mroutes <= GW_MAX_MROUTES);
	for (i = 0; i < c->forward.n_mroutes; i++) {
		const struct gw_mroute *rt = &c->forward.mroutes[i];

		FUZZ_ASSERT(igmp_is_multicast(rt->group));
		FUZZ_ASSERT(rt->prefix_len >= 4 && rt->prefix_len <= 32);
		FUZZ_ASSERT(rt->source == 0 || !igmp_is_multicast(rt->source));
		FUZZ_ASSERT(rt->ports != 0);
		for (r = 0; r < GW_MAX_PORTS; r++)
			if (rt->ports & (1u << r))
				FUZZ_ASSERT(gw_role_is_inside(r) && c->port[r].present);
		FUZZ_ASSERT((rt->ports >> GW_MAX_PORTS) == 0);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *overrides[FUZZ_MAX_OVERRIDES];
	char err[GW_ERR_LEN], err2[GW_ERR_LEN];
	size_t file_len, pos;
	int n = 0, ret;

	if (size >= sizeof(text))
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	file_len = strlen(text);
	for (pos = file_len + 1; pos < size && n < FUZZ_MAX_OVERRIDES; pos += strlen(text + pos) + 1) {
		overrides[n++] = text + pos;
	}

	FUZZ_ASSERT(ftruncate(file_fd, 0) == 0);
	FUZZ_ASSERT(pwrite(file_fd, text, file_len, 0) == (ssize_t)file_len);

	err[0] = '\0';
	ret = gw_config_load(&cfg, file_path, overrides, n, err, sizeof(err));
	if (ret < 0) {
		FUZZ_ASSERT(terminated(err, sizeof(err)));
		FUZZ_ASSERT(strncmp(err, "config: ", 8) == 0);
		/* One line, whatever the file or a --set value held. */
		FUZZ_ASSERT(strchr(err, '\n') == NULL);
	} else {
		FUZZ_ASSERT(ret == 0);
		check_config(&cfg);
	}
	/* Nothing depends on what the last load left behind. */
	memset(&cfg2, 0xa5, sizeof(cfg2));
	err2[0] = '\0';
	FUZZ_ASSERT(gw_config_load(&cfg2, file_path, overrides, n, err2, sizeof(err2)) == ret);
	if (ret == 0)
		FUZZ_ASSERT(memcmp(&cfg, &cfg2, sizeof(cfg)) == 0);
	else
		FUZZ_ASSERT(strcmp(err, err2) == 0);
	return 0;
}
