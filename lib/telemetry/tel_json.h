/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Any JSON view (jansson) as DPDK 22.11 telemetry data: the one converter the
 * telemetry endpoints share, so a view is built once and every surface reads
 * the same numbers. docs/telemetry.md gives the rules with examples.
 */
#ifndef IGMPGW_TEL_JSON_H
#define IGMPGW_TEL_JSON_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

struct rte_tel_data;

/* DPDK 22.11's limits (lib/telemetry: MAX_OUTPUT_LEN, RTE_TEL_MAX_*). */
#define TEL_JSON_MAX_REPLY 16384        /* bytes of one reply, "{"cmd":...}" whole */
#define TEL_JSON_MAX_DICT 256           /* entries of a dict */
#define TEL_JSON_MAX_ARRAY 512          /* entries of an array */
#define TEL_JSON_MAX_STRING 128         /* bytes of a name or a string value, NUL included */
/* What DPDK's writer needs beyond the bytes of the reply (its snprintf's NUL, a margin). */
#define TEL_JSON_REPLY_SLACK 16
/* Key of the entry that says how many entries a full dict left out. */
#define TEL_JSON_OMITTED "omitted_entries"

/*
 * The view reshaped into what telemetry can carry, as JSON again (so its size
 * can be measured and tests can read it):
 * - true/false -> "yes"/"no", null -> "", a real -> its "%g" string, an
 *   integer -> itself (u64 when >= 0), strings cut to 127 bytes;
 * - names: every byte outside [A-Za-z0-9_] becomes '_' ('/' joins levels);
 * - an array of objects becomes a dict, each object keyed by its first member
 *   (a port's "role") when every object's is a string and no two are the
 *   same, else by its index;
 * - the top is a dict (or an array of scalars); its members may be dicts of
 *   scalars or arrays of scalars of one type (integers, else strings); what
 *   nests deeper is flattened into the member's dict as "a/b" keys. With flat,
 *   everything is flattened into the top dict ("mempool/NAME/in_use");
 * - a dict over 256 entries keeps 255 and TEL_JSON_OMITTED: the count left out;
 *   an array keeps its first 512 entries.
 * Returns a new reference, or NULL when out of memory.
 */
json_t *tel_json_shape(const json_t *view, bool flat);

/* Bytes of the telemetry reply to cmd that carries shaped. */
size_t tel_json_reply_size(const char *cmd, const json_t *shaped);

/*
 * The member of view that path names: keys joined by '/', each an object's key
 * or, in an array of objects, the key tel_json_shape gives an object. NULL
 * when there is none. Borrowed reference.
 */
const json_t *tel_json_select(const json_t *view, const char *path);

/*
 * Makes shaped (a dict) fit a reply to cmd: a member that would push the reply
 * past TEL_JSON_MAX_REPLY - TEL_JSON_REPLY_SLACK is replaced by the string of
 * the command that returns it alone, "CMD,PATH/KEY" ("CMD,KEY" at the top).
 * Members stay whole, in order, as long as the ones after them still fit as
 * such pointers.
 */
void tel_json_fit(const char *cmd, const char *path, json_t *shaped);

/*
 * Fills d with the reply to cmd (path: the parameter it came with, NULL or ""
 * for none): the member of view that path selects, shaped and fitted (above).
 * Returns 0, -ENOENT when path selects nothing, -ENOMEM.
 */
int tel_json_reply(const char *cmd, const char *path, const json_t *view, bool flat,
		   struct rte_tel_data *d);

/* Fills d from shaped (tel_json_shape's output). Returns 0 or -ENOMEM. */
int tel_json_emit(const json_t *shaped, struct rte_tel_data *d);

#endif
