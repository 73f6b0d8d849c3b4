/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Configuration reload (SIGHUP, the control request "reload"): the file read
 * again with the --set overrides of the start, checked whole, then applied to
 * the running gateway without losing membership or forwarding state. All or
 * nothing: a bad file, or one changing a key only a restart may change,
 * changes nothing, and the reason names the key.
 */
#ifndef IGMPGW_RELOAD_H
#define IGMPGW_RELOAD_H

#include <stddef.h>

#include <jansson.h>

/* Remembers what start-up loaded gw.cfg from; before the main loop. */
void gw_reload_init(const char *path, const char *const *overrides, int n_overrides);

/*
 * Reloads; origin ("SIGHUP", "control request") goes into the one log line
 * either way. 0 and the sections that changed appended to changed (may be
 * NULL), or a negative value and one line naming the key in err.
 */
int gw_reload(const char *origin, json_t *changed, char *err, size_t err_len);

#endif
