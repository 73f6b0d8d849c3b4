/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The roles of the membership library, between the bottom layer (mship_base.h)
 * and the API (mship_api.c): what the API dispatches to, and the one-way
 * calls between roles. Calls go down only, never back up:
 *
 *   API     mship_api.c    -> router, querier, proxy, proxy_query, bottom
 *           mship_views.c  -> bottom
 *   roles   router         -> querier (the §6.4 rows' queries), proxy (a new merge)
 *           proxy          -> proxy_query (its tick runs the answers due)
 *           querier, proxy_query -> bottom
 *   bottom  records        -> sets
 *           sets, deadlines, output -> nothing
 */
#ifndef IGMPGW_MSHIP_ROLES_H
#define IGMPGW_MSHIP_ROLES_H

#include <stdbool.h>
#include <stdint.h>

#include "mship_base.h"

/* ---- router (mship_router.c): RFC 3376 §6.4 records from reports, their expiry ---- */
enum mship_counter mship_router_report(struct mship *m, uint16_t port, uint32_t src,
				       const struct igmp_msg *msg, uint64_t now);
void mship_router_query(struct mship *m, uint16_t port, const struct igmp_msg *msg,
			uint64_t now);
void mship_router_tick(struct mship *m, uint16_t port, uint64_t now);
void mship_router_flush(struct mship *m, uint16_t port, uint64_t now);
int mship_router_remove(struct mship *m, uint16_t port, uint32_t group, const uint32_t *sources,
			uint16_t n_sources, uint64_t now);

/* ---- querier (mship_querier.c): election, general, group and source queries ---- */
void mship_querier_start(struct mship *m, uint16_t port, uint64_t now);
void mship_querier_query(struct mship *m, uint16_t port, uint32_t src,
			 const struct igmp_msg *msg, uint64_t now);
void mship_querier_tick(struct mship *m, uint16_t port, uint64_t now);
void mship_querier_group(struct mship *m, uint16_t port, struct mship_group *g, uint64_t now);
void mship_querier_group_sources(struct mship *m, uint16_t port, struct mship_group *g,
				 const uint32_t *cand, uint32_t n, uint64_t now);
void mship_querier_retransmit(struct mship *m, uint16_t port, struct mship_group *g,
			      uint64_t now);

/* ---- proxy (mship_proxy.c): the merge and its state-change reports upstream ---- */
void mship_proxy_refresh(struct mship *m, uint32_t group, uint64_t now);
void mship_proxy_tick(struct mship *m, uint64_t now);
void mship_proxy_upstream_changed(struct mship *m, uint64_t now);

/* ---- proxy (mship_proxy_query.c): queries heard upstream, answers, compatibility ---- */
void mship_proxy_query(struct mship *m, uint32_t src, const struct igmp_msg *msg,
		       uint64_t now);
void mship_proxy_compat_tick(struct mship *m, uint64_t now);
void mship_proxy_answer_general(struct mship *m);
void mship_proxy_answer_group(struct mship *m, struct mship_up_group *u);
void mship_proxy_cancel_pending(struct mship *m);

#endif
