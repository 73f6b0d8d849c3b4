/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Static routes changed at run time, like smcroutectl add/del: they join the
 * file's [mroute] routes in gw.cfg.forward (marked runtime) and the forwarding
 * table. A reload keeps them unless the file names the same route (same
 * group/prefix and source): then the file's takes its place.
 */
#ifndef IGMPGW_MROUTES_H
#define IGMPGW_MROUTES_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "gw_config.h"

/* Adds rt (replacing a route of the same group/prefix and source). 0, or -1 and err. */
int gw_mroute_add(const struct gw_mroute *rt, char *err, size_t err_len);

/* Removes the route of group/prefix_len from source (0: any). 0, or -1 and err. */
int gw_mroute_del(uint32_t group, uint8_t prefix_len, uint32_t source, char *err,
		  size_t err_len);

/* Every route in force, file and run-time, as a JSON array. */
json_t *gw_mroutes_json(void);

/*
 * A reload: the run-time routes of running that the file (next) does not name
 * join next's routes. 0, or -1 and err when they do not fit.
 */
int gw_mroutes_merge(const struct gw_forward_config *running, struct gw_forward_config *next,
		     char *err, size_t err_len);

#endif
