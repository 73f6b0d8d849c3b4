/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The policy a reload changes live: the ACLs, the SSM range and the IGMP
 * input rates the workers read (struct gw_policy, published by RCU pointer
 * swap), and the state held from before that the new policy refuses, removed
 * as if its members had left.
 */
#ifndef IGMPGW_RELOAD_POLICY_H
#define IGMPGW_RELOAD_POLICY_H

#include <stddef.h>
#include <stdint.h>

#include "gw.h"

/* Start-up, before the workers run: publishes gw.cfg's policy. 0, or -1 and one line in err. */
int gw_policy_start(char *err, size_t err_len);

/*
 * A reload's first step (may refuse): the block of next's policy, and the
 * rate tables its host rate needs. NULL and one line in err.
 */
struct gw_policy *gw_policy_prepare(const struct gw_config *next, char *err, size_t err_len);

/* A refused reload's block, never published. */
void gw_policy_discard(struct gw_policy *p);

/*
 * Publishes p, once gw.cfg holds the configuration it was made from. old:
 * the configuration gw.cfg held before, whose ACLs and accept_from sets go,
 * with the old block, after a grace period of the workers.
 */
void gw_policy_install(struct gw_policy *p, const struct gw_config *old);

/*
 * Removes what the policy in force refuses from the state held before it:
 * tracked groups and sources on inside ports, goIGMP-mode asked groups (left
 * upstream). Returns how many groups (and source sets) went.
 */
uint32_t gw_policy_purge(uint64_t now_ms);

/*
 * The purge of the policy just installed, once every worker has passed a
 * quiescent state and the events they raised under the old one are handled:
 * a report the old policy let through would otherwise bring back a group
 * just removed. The main loop asks gw_policy_purge_ready, handles the
 * events, then runs gw_policy_purge_logged.
 */
void gw_policy_purge_after_grace(void);
bool gw_policy_purge_ready(void);
void gw_policy_purge_logged(uint64_t now_ms);

/* Main loop: frees the retired blocks and ACLs whose grace period is over. */
void gw_policy_poll(void);

void gw_policy_close(void);

#endif
