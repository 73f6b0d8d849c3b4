/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The running gateway: its ports, per-port counters and the little state the
 * workers and the main lcore share. One instance, set up by main.c.
 */
#ifndef IGMPGW_GW_H
#define IGMPGW_GW_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <rte_cycles.h>
#include <rte_ether.h>
#include <rte_log.h>
#include <rte_seqlock.h>

#include "fwd_table.h"
#include "gw_log.h"
#include "gw_config.h"
#include "igmp_proxy.h"
#include "igmp_wire.h"
#include "neigh.h"
#include "ratelimit.h"


/*
 * Workers a 64-core box runs. What a slot costs: every port slot (all
 * GW_MAX_PORTS, present or not) keeps a counter block per worker
 * (GW_STATS_SLOTS x sizeof(struct gw_port_stats)): struct gw grew from 54 KB
 * at 8 to 326 KB at 64 (nm -S), about 25 KB a port; the RCU variable takes a
 * cache line per worker.
 */
#define GW_MAX_WORKERS 64
/* Counter slots: one per worker, and the last for the main lcore's own packets. */
#define GW_STATS_MAIN GW_MAX_WORKERS
#define GW_STATS_SLOTS (GW_MAX_WORKERS + 1)
#define GW_NO_PORT UINT16_MAX
#define GW_NO_QUEUE UINT16_MAX
/* The (port, rx queue) pairs one worker polls, at most. */
#define GW_MAX_WORKER_RXQ 64

/*
 * Datapath counters of one port. The X-macro gives the enum, the telemetry
 * names and the help text from one list.
 */
#define GW_COUNTERS(X) \
	X(rx_packets, "frames received on the port") \
	X(tx_packets, "frames sent on the port") \
	X(tx_dropped, "frames the port could not take (tx ring full)") \
	X(own_frames, "our own transmitted frames echoed back (af_packet), dropped") \
	X(runt_frames, "frames shorter than an Ethernet header, dropped") \
	X(igmp_received, "IGMP packets received") \
	X(igmp_invalid, "IGMP packets rejected by the codec (see wire_errors)") \
	X(igmp_sent, "IGMP packets the gateway sent on the port") \
	X(to_kernel, "frames handed to the port's kernel twin") \
	X(from_kernel, "frames the kernel twin sent out of the port") \
	X(kernel_igmp_dropped, "IGMP the kernel twin tried to send (the gateway owns IGMP)") \
	X(exception_dropped, "frames for the kernel dropped (no twin, or twin full)") \
	X(handoff_dropped, "frames for the port's owner worker (kernel twin, IGMP, a shared tx queue) dropped: its hand-over ring was full") \
	X(no_mbuf, "packets dropped because the mempool was empty") \
	X(events_dropped, "events the control plane was too slow to take") \
	X(igmp_rate_host_dropped, "IGMP from one host over limits.igmp_rate_per_host, dropped") \
	X(igmp_rate_port_dropped, "IGMP on the port over limits.igmp_rate_per_port, dropped") \
	X(igmp_rate_hosts_evicted, "hosts whose rate bucket gave way to a new host (limits.igmp_rate_hosts full)") \
	X(trace_dropped, "IGMP packets a running trace could not record (its ring was full)") \
	X(neighbor_unknown, "unicast IGMP sent to broadcast MAC: destination MAC unknown") \
	X(mcast_received, "multicast data received on an outside port for forwarding") \
	X(mcast_forwarded, "multicast data frames sent on the port (every replica)") \
	X(mcast_no_members, "multicast data no inside port wants, dropped") \
	X(mcast_ttl_expired, "multicast data with TTL <= 1, dropped") \
	X(mcast_malformed, "multicast data with a broken IPv4 header (version, length), dropped") \
	X(mcast_inactive_outside, "multicast data on the non-active outside, dropped") \
	X(mcast_forwarding_off, "multicast data on the active outside while forward.enabled = no: to the kernel twin, not forwarded") \
	X(mcast_too_big, "multicast data longer than the port's MTU, not sent on it") \
	X(link_lost, "times the port's link went down: its PMD's link state, or its kernel interface found down, deleted or replaced") \
	X(twin_lost, "times the kernel twin was found down or deleted (ARP, ping, SSH cut)") \
	X(port_rebound, "times the port was re-bound to its interface deleted and re-created under the same name (af_packet: a new ethdev on it, the workers held meanwhile)") \
	X(twin_rebound, "times the kernel twin was deleted and made again") \
	X(rebind_failed, "attempts to re-bind the port or make its twin again that failed (tried again every 2 s)") \
	X(acl_denied, "report records (v1/v2 reports, leaves) from hosts an allow/deny list refused, dropped; the rest of the report still counts") \
	X(ssm_asm_ignored, "v1/v2 reports and leaves and EXCLUDE records for groups in igmp.ssm_range, ignored (RFC 4604)") \
	X(acl_too_large, "reports with more records or sources than the ACL filter holds, dropped (no MTU carries them)") \
	X(acl_rebuild_failed, "reports an allow/deny list changed that could not be rebuilt in their frame, dropped") \
	X(upstream_paced, "reports relayed or translated upstream over limits.upstream_reports_per_second: to the main lcore's paced queue (coalesced, rebuilt from state), counted on the outside") \
	X(upstream_paced_dropped, "reports over limits.upstream_reports_per_second the paced queue's ring could not take, dropped; counted on the outside") \
	X(acl_removed, "groups (or some of their sources) held on the inside port that a reload's new allow/deny or ssm_range refuses, removed as if their members had left") \
	X(unknown_vlan, "frames of a VLAN no section of the port names (or untagged where every section is tagged), dropped; counted on the trunk head") \
	X(vlan_qinq, "QinQ (802.1ad, 0x88a8) frames, dropped; counted on the trunk head") \
	X(vlan_insert_failed, "frames of the kernel twin a VLAN section could not tag in software (no headroom, or a shared mbuf), dropped")

enum gw_counter {
#define GW_COUNTER_ENUM(name, help) GW_CNT_##name,
	GW_COUNTERS(GW_COUNTER_ENUM)
#undef GW_COUNTER_ENUM
	GW_CNT_COUNT
};

extern const char *const gw_counter_names[GW_CNT_COUNT];

/*
 * The [limits] keys a join can be refused by. Refusals are counted where the
 * state is kept and summarised in the log once a period, naming the key.
 */
#define GW_LIMITS(X) \
	X(MAX_GROUPS, "max_groups") \
	X(MAX_GROUPS_PER_PORT, "max_groups_per_port") \
	X(MAX_SOURCES_PER_GROUP, "max_sources_per_group")

enum gw_limit {
#define GW_LIMIT_ENUM(code, key) GW_LIMIT_##code,
	GW_LIMITS(GW_LIMIT_ENUM)
#undef GW_LIMIT_ENUM
	GW_LIMIT_COUNT
};

/* "max_groups", ...: the key in [limits]; and its configured value. */
const char *gw_limit_key(enum gw_limit l);
uint32_t gw_limit_value(enum gw_limit l);

/* Seconds between two log lines about the same host over its IGMP rate. */
#define GW_RATE_LOG_PERIOD_S 10

/* Start-up (datapath/rate_limit.c): the IGMP input rate limits' tables; err: one line. */
int dp_rate_init(char *err, size_t err_len);
void dp_rate_close(void);
/* limits' IGMP input rates in TSC ticks (the one conversion, start and reload); err: one line. */
int dp_rate_params(const struct gw_limits_config *l, struct rl_rate *host, struct rl_rate *port,
		   char *err, size_t err_len);
/* Main lcore: host tables for every inside port l's host rate needs that has none yet. */
int dp_rate_tables(const struct gw_limits_config *l, char *err, size_t err_len);

/* One worker's counters for one port: written by that worker only. */
struct gw_port_stats {
	uint64_t cnt[GW_CNT_COUNT];
	uint64_t wire[IGMP_ERR_COUNT];         /* codec rejections by reason */
	uint64_t proxy[PROXY_REASON_COUNT];    /* decisions by reason */
} __rte_cache_aligned;

/*
 * One worker as status shows it. The worker writes all of it (its lcore and
 * socket once at start, the counters per poll); the main lcore reads.
 */
#define GW_IDLE_WINDOW_POLLS (1u << 16)

struct gw_worker_info {
	unsigned int lcore;
	int socket;                   /* NUMA node of the lcore */
	uint64_t polls;               /* passes over its queues */
	uint64_t idle_polls;          /* passes that found nothing to do */
	uint64_t window_start_idle;   /* idle_polls when the current window began */
	uint32_t window_idle;         /* empty passes of the last whole window, UINT32_MAX before */
	uint64_t sleeps;              /* idle = adaptive: times it slept */
	uint64_t slept_ns;            /* and how long, all told */
} __rte_cache_aligned;

/*
 * The querier learned from queries on one outside port, active or standby.
 * One writer: the worker that owns the port; any lcore reads (upstream.h).
 */
struct gw_querier {
	rte_seqlock_t lock;
	uint32_t addr;                /* 0 = none heard yet */
	struct rte_ether_addr mac;
	uint8_t version;
	uint8_t port;                 /* role it was heard on */
	uint64_t heard_tsc;
	/* What its last general query said of its timers; 0: not said (v1, v2, or 0 on the wire). */
	uint8_t qrv;
	uint32_t qqi_s;
	uint32_t max_resp_ds;
};

/* gw_port.vid_role: no section on that VLAN. */
#define GW_VID_NONE UINT8_MAX
#define GW_VID_COUNT 4096

_Static_assert(GW_MAX_PORTS <= sizeof(fwd_mask_t) * 8, "a fwd_mask_t holds a bit per port");
_Static_assert(GW_MAX_PORTS < GW_VID_NONE, "gw_port.vid_role holds a role");

/*
 * A logical port: one config section. Sections on the same ethdev (a trunk,
 * told apart by VLAN) share port_id, its queues and owner; the trunk head
 * (the first such section) is the one the workers poll, and its vid_role
 * says which section a received frame belongs to.
 */
struct gw_port {
	bool present;
	enum gw_role role;
	uint8_t trunk;                /* enum gw_role of the trunk head; role itself for most */
	bool tagged_trunk;            /* head: some section on this ethdev has a VLAN */
	bool vlan_strip;              /* the PMD strips RX tags into vlan_tci (else software) */
	bool vlan_insert;             /* the PMD inserts TX tags from vlan_tci (else software) */
	uint16_t vlan;                /* 0: untagged */
	uint16_t tci;                 /* the tag of what it sends: priority << 13 | vlan */
	uint16_t igmp_tci;            /* the tag of the IGMP it sends */
	uint16_t port_id;             /* the network port */
	uint16_t twin_id;             /* the kernel twin, GW_NO_PORT without one */
	char name[64];                /* ethdev name */
	char twin_ifname[16];
	char ifname[16];              /* the kernel interface the port sits on, "" for none */
	unsigned int ifindex;         /* its index once opened: a re-created one gets another */
	unsigned int twin_ifindex;
	uint8_t link_state;           /* enum gw_link_state of ifname; main lcore */
	uint8_t twin_state;           /* enum gw_link_state of the twin; main lcore */
	bool link_up;                 /* PMD link and kernel interface, as last found; main lcore */
	struct rte_ether_addr mac;
	uint32_t addr;                /* network order */
	uint8_t prefix_len;
	int socket;
	uint16_t mtu;                 /* as configured: longer IP packets are not sent on it */
	bool linear_replicas;         /* its PMD takes no chained mbufs: replicas are copies */
	struct rte_mempool *pool;     /* RX; holds a whole frame where linear_replicas */
	/*
	 * Replicas of standard-size frames copied whole: the socket's shared
	 * pool, sized for every port's TX side (a jumbo port's own RX pool is not).
	 */
	struct rte_mempool *copy_pool;
	struct rte_mempool *hdr_pool;          /* replicas: a fresh Ethernet header each */
	struct rte_mempool *clone_pool;        /* replicas: indirect mbufs to the payload */
	struct neigh_table neigh;              /* from ARP: the owner writes, any lcore reads */
	uint16_t n_rxq;                        /* rx queues configured, every one polled */
	uint16_t n_txq;
	uint16_t owner;                        /* the worker that owns the port (gw_port_owner) */
	/*
	 * Other workers -> the owner (many producers, one consumer): frames for
	 * the twin, IGMP received on the port, frames to send by a worker without
	 * a tx queue of its own here. The kind rides in m->hash.usr.
	 */
	struct rte_ring *handoff;
	struct rte_ring *ctrl_tx;              /* main -> owner: IGMP packets to frame and send */
	struct gw_port_stats stats[GW_STATS_SLOTS]; /* one writer each: workers, then main */
	uint8_t vid_role[GW_VID_COUNT];        /* head: VLAN (0 = untagged) -> role, GW_VID_NONE */
};

/* One (port, rx queue) pair a worker polls. */
struct gw_rxq {
	uint8_t role;
	uint16_t queue;
};

/* What one worker polls and where it sends: set at start, read-only after. */
struct gw_worker_plan {
	unsigned int lcore;
	uint16_t n_rxq;
	struct gw_rxq rxq[GW_MAX_WORKER_RXQ];
	uint16_t txq[GW_MAX_PORTS];            /* its own tx queue, GW_NO_QUEUE: via the owner */
};

/*
 * What the workers' policy steps read of the configuration: the ACLs, the SSM
 * range and the IGMP input rates. The main lcore publishes a new block whole
 * at start and on each reload (control/reload_policy.c) with an RCU pointer
 * swap, and frees the old one after a grace period of gw.qsbr: a worker sees
 * the old rules or the new ones, never half of each, and takes no lock.
 */
struct gw_policy {
	const struct acl *acl[GW_MAX_PORTS];   /* gw.cfg.port[r].acl; NULL: everything passes */
	bool ssm;
	struct acl_prefix ssm_range;
	struct rl_rate host_rate;              /* limits.igmp_rate_per_host, in TSC ticks */
	struct rl_rate port_rate;              /* limits.igmp_rate_per_port */
};

struct gw {
	struct gw_config cfg;
	const struct gw_policy *policy;        /* RCU: gw_policy() */
	struct gw_port port[GW_MAX_PORTS];     /* indexed by enum gw_role */
	volatile bool quit;
	uint8_t active_outside;                /* enum gw_role; atomic access */
	struct gw_querier querier[GW_ROLE_INSIDE]; /* one per outside, indexed by role */
	struct rte_ring *events;               /* workers -> main (many producers): mbufs raising events */
	/*
	 * igmpgwctl trace: the ports whose IGMP the workers record (bit per role,
	 * 0: none; the main lcore writes it), and the ring of struct
	 * igmp_trace_rec they record into (every worker produces, main drains).
	 */
	uint32_t trace_ports;
	struct rte_ring *trace;
	/* Owner workers -> main: (role << 32 | host) of a host's first rate drop a period. */
	struct rte_ring *rate_log;
	unsigned int n_workers;
	struct gw_worker_info worker[GW_MAX_WORKERS];
	struct gw_worker_plan plan[GW_MAX_WORKERS]; /* workers.c: what each worker polls */
	uint64_t start_tsc;
	/* Multicast data fast path ([forward] enabled): NULL when off. */
	struct fwd_table *fwd;
	struct rte_rcu_qsbr *qsbr;             /* workers report quiescent states here */
	fwd_mask_t inside_mask;                /* present inside ports */
	/*
	 * goIGMP's modes: the groups the gateway holds upstream (gw.fwd itself
	 * when forwarding is on), read by the workers without locks, and the
	 * room left under max_groups; NULL with tracking, which bounds its state.
	 */
	struct fwd_table *held;
	struct igmp_proxy_limits upstream_limits;
	bool feed_asked;                       /* workers hand reports passed upstream to main */
	bool feed_tracking;                    /* workers hand inside IGMP and queries to main */
	/*
	 * limits.upstream_reports_per_second, per outside: what workers relay
	 * upstream and what the main lcore's paced queue sends share one bucket.
	 * Over it, a worker hands the report to main (upstream_backlog) and, while
	 * main still holds one of them for that outside (pending), the next ones
	 * too, so none overtakes another.
	 */
	struct rl_shared_rate upstream_rate;
	struct rl_shared_bucket upstream_bucket[GW_ROLE_INSIDE];
	uint32_t upstream_pending[GW_ROLE_INSIDE];
	struct rte_ring *upstream_backlog;     /* workers -> main: mbufs, the IGMP message alone */
};

extern struct gw gw;

/* The policy in force, for a worker until its next quiescent state. */
static inline const struct gw_policy *
gw_policy(void)
{
	return __atomic_load_n(&gw.policy, __ATOMIC_ACQUIRE);
}

static inline enum gw_role
gw_active_outside(void)
{
	return (enum gw_role)__atomic_load_n(&gw.active_outside, __ATOMIC_RELAXED);
}

/*
 * The worker that owns a port: it polls the port's rx queue 0, serves its
 * kernel twin, handles every IGMP frame the port receives (so one host's
 * report and leave stay in order, and the learned querier has one writer),
 * frames the IGMP the main lcore sends there and is the one writer of the
 * port's neighbour table. It always has a tx queue of its own on the port.
 */
static inline unsigned int
gw_port_owner(enum gw_role role)
{
	return gw.port[role].owner;
}

/* Milliseconds since start: the clock the control plane's timers run on. */
static inline uint64_t
gw_now_ms(void)
{
	return (rte_rdtsc() - gw.start_tsc) / (rte_get_tsc_hz() / 1000);
}

/* Writes one start-up error line to err; returns -1 so callers can return it. */
static inline int
gw_fail(char *err, size_t err_len, const char *fmt, ...) __rte_format_printf(3, 4);

static inline int
gw_fail(char *err, size_t err_len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, err_len, fmt, ap);
	va_end(ap);
	return -1;
}

/* Sum one counter of a port over the workers. */
uint64_t gw_port_counter(const struct gw_port *p, enum gw_counter c);
uint64_t gw_port_wire_counter(const struct gw_port *p, enum igmp_wire_error e);
uint64_t gw_port_proxy_counter(const struct gw_port *p, enum igmp_proxy_reason r);

#endif
