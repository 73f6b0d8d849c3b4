/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The workers' plan. Every rx queue that receives is polled by exactly one
 * worker: a port's queues go round the workers in turn, continuing from where
 * the previous port stopped, so single-queue ports spread over the workers
 * (outside on the first, alt on the second...). The worker polling a port's
 * queue 0 owns it; ports with a queue on every worker start one further on,
 * so their owners differ too. [workers] map pins instead, as l3fwd's --config. Each worker sends on a tx queue of its own where the port
 * has enough; the others hand their frames to the owner, which always has one.
 */
#include <stdio.h>

#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include "gw.h"
#include "workers.h"

#define GW_LOG_PART main

static int
add_rxq(unsigned int w, enum gw_role role, uint16_t queue, char *err, size_t err_len)
{
	struct gw_worker_plan *c = &gw.plan[w];

	if (c->n_rxq == GW_MAX_WORKER_RXQ)
		return gw_fail(err, err_len, "EAL: -l: lcore %u would poll more than %d queues",
			       c->lcore, GW_MAX_WORKER_RXQ);
	c->rxq[c->n_rxq++] = (struct gw_rxq){ .role = (uint8_t)role, .queue = queue };
	if (queue == 0)
		gw.port[role].owner = (uint16_t)w;
	return 0;
}

static int
worker_of_lcore(unsigned int lcore)
{
	for (unsigned int w = 0; w < gw.n_workers; w++)
		if (gw.plan[w].lcore == lcore)
			return (int)w;
	return -1;
}

/*
 * The lcore workers.map gives a port's rx queue: its own entry, else the
 * port's; -1 with err when neither, or when the lcore is no worker's.
 */
static int
mapped_worker(enum gw_role role, uint16_t queue, char *err, size_t err_len)
{
	const struct gw_worker_map *map = &gw.cfg.workers.map;
	const struct gw_worker_map_entry *found = NULL;
	int w;

	for (uint16_t i = 0; i < map->n; i++) {
		const struct gw_worker_map_entry *e = &map->e[i];

		if (e->role == role && e->queue == queue)
			found = e;
		else if (e->role == role && e->queue == GW_MAP_ALL_QUEUES && found == NULL)
			found = e;
	}
	if (found == NULL)
		return gw_fail(err, err_len, "config: workers.map: %s/%u is not mapped (%s has %u rx queues, each needs an lcore)",
			       gw_role_name(role), queue, gw_role_name(role), gw.port[role].n_rxq);
	w = worker_of_lcore(found->lcore);
	if (w < 0)
		return gw_fail(err, err_len, "config: workers.map: lcore %u is not a worker lcore (EAL -l/--lcores, not the main one)",
			       found->lcore);
	return w;
}

/* Entries naming a queue the port does not have: the PMD gave fewer. */
static int
check_map_queues(char *err, size_t err_len)
{
	const struct gw_worker_map *map = &gw.cfg.workers.map;

	for (uint16_t i = 0; i < map->n; i++) {
		const struct gw_worker_map_entry *e = &map->e[i];

		if (e->queue != GW_MAP_ALL_QUEUES && e->queue >= gw.port[e->role].n_rxq)
			return gw_fail(err, err_len, "config: workers.map: %s/%u: %s has %u rx queues",
				       gw_role_name(e->role), e->queue, gw_role_name(e->role),
				       gw.port[e->role].n_rxq);
	}
	return 0;
}

/* The owner takes tx queue 0, the other workers the next ones while there are any. */
static void
give_txqs(enum gw_role role)
{
	struct gw_port *p = &gw.port[role];
	uint16_t next = 0;

	gw.plan[p->owner].txq[role] = next++;
	for (unsigned int w = 0; w < gw.n_workers; w++)
		if (w != p->owner && next < p->n_txq)
			gw.plan[w].txq[role] = next++;
}

static struct rte_ring *
ring_for(const char *what, enum gw_role role, unsigned int size, unsigned int flags)
{
	char name[RTE_RING_NAMESIZE];

	snprintf(name, sizeof(name), "igmpgw_%s_%s", what, gw_role_name(role));
	return rte_ring_create(name, size, gw.port[role].socket, flags);
}

/* As l3fwd: a worker polling a port of another NUMA socket works, slower. */
static void
warn_remote_ports(void)
{
	for (unsigned int w = 0; w < gw.n_workers; w++) {
		const struct gw_worker_plan *c = &gw.plan[w];
		bool warned[GW_MAX_PORTS] = { false };
		int socket = (int)rte_lcore_to_socket_id(c->lcore);

		for (uint16_t k = 0; k < c->n_rxq; k++) {
			const struct gw_port *p = &gw.port[c->rxq[k].role];

			if (warned[p->role] || p->socket < 0 || p->socket == socket)
				continue;
			warned[p->role] = true;
			GW_LOG(WARNING, "lcore %u (socket %d) polls %s, a port on socket %d: slower than a local lcore",
			       c->lcore, socket, gw_role_name(p->role), p->socket);
		}
	}
}

static void
log_plan(void)
{
	for (unsigned int w = 0; w < gw.n_workers; w++) {
		const struct gw_worker_plan *c = &gw.plan[w];
		char line[512];
		int len = 0;

		for (uint16_t k = 0; k < c->n_rxq && len < (int)sizeof(line); k++)
			len += snprintf(line + len, sizeof(line) - len, " %s:%u",
					gw_role_name(c->rxq[k].role), c->rxq[k].queue);
		GW_LOG(INFO, "worker %u on lcore %u polls%s", w, c->lcore, c->n_rxq ? line : " nothing");
	}
}

int
gw_workers_plan(char *err, size_t err_len)
{
	unsigned int lcore, n = 0, next = 0;

	RTE_LCORE_FOREACH_WORKER(lcore) {
		if (n == gw.n_workers)
			break;
		gw.plan[n].lcore = lcore;
		gw.plan[n].n_rxq = 0;
		for (int r = 0; r < GW_MAX_PORTS; r++)
			gw.plan[n].txq[r] = GW_NO_QUEUE;
		n++;
	}
	if (check_map_queues(err, err_len) < 0)
		return -1;
	for (int r = 0; r < GW_MAX_PORTS; r++) {
		struct gw_port *p = &gw.port[r];

		if (!p->present)
			continue;
		if (p->trunk != r) {
			/* A VLAN of a trunk: its head's queues, owner and tx queues (heads come first). */
			p->owner = gw.port[p->trunk].owner;
			for (unsigned int w = 0; w < gw.n_workers; w++)
				gw.plan[w].txq[r] = gw.plan[w].txq[p->trunk];
			goto rings;
		}
		for (uint16_t q = 0; q < p->n_rxq; q++) {
			int w = (int)(next++ % gw.n_workers);

			if (gw.cfg.workers.map.n > 0)
				w = mapped_worker(r, q, err, err_len);
			if (w < 0 || add_rxq((unsigned int)w, r, q, err, err_len) < 0)
				return -1;
		}
		/* A port with a queue on every worker: the next port's owner is another. */
		if (p->n_rxq % gw.n_workers == 0)
			next++;
		give_txqs(r);
rings:
		p->handoff = ring_for("handoff", r, GW_HANDOFF_RING_SIZE, RING_F_SC_DEQ);
		p->ctrl_tx = ring_for("ctrl_tx", r, GW_CTRL_TX_RING_SIZE, RING_F_SP_ENQ | RING_F_SC_DEQ);
		if (p->handoff == NULL || p->ctrl_tx == NULL)
			return gw_fail(err, err_len, "EAL: cannot create the rings of %s: %s",
				       gw_role_name(r), rte_strerror(rte_errno));
	}
	warn_remote_ports();
	log_plan();
	return 0;
}

static void
ring_free(struct rte_ring **r)
{
	void *m = NULL;

	while (*r != NULL && rte_ring_dequeue(*r, &m) == 0)
		rte_pktmbuf_free(m);
	rte_ring_free(*r);
	*r = NULL;
}

void
gw_workers_close(void)
{
	for (int r = 0; r < GW_MAX_PORTS; r++) {
		ring_free(&gw.port[r].handoff);
		ring_free(&gw.port[r].ctrl_tx);
	}
}
