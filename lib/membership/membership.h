/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IGMP membership state of the gateway: the RFC 3376 router side and querier on
 * each downstream (inside) port, and the RFC 4605 proxy that merges them and
 * reports the merge on the upstream (active outside) port.
 *
 * Plain data owned by one thread (the main lcore): no locks, no threads, no
 * clock reads. The caller feeds every valid IGMP message with mship_input(),
 * calls mship_tick() every few milliseconds, and carries out what the library
 * asks through the callbacks of struct mship_ops, which are called from inside
 * mship_input(), mship_tick() and the port functions. A callback must not call
 * back into the library.
 *
 * Upstream reports of changes are due "now" and go out at the next
 * mship_tick() (mship_next_timer() says so): call it after each burst of
 * input, and the changes of the whole burst share v3 reports, packed to
 * max_msg_len (RFC 3376 §4.2.16); so do retransmissions and answers.
 *
 * Time is a uint64_t in milliseconds on any clock the caller likes, never
 * going backwards. Addresses are in network byte order, as in igmp_wire.h.
 * Timers are reported as absolute deadlines on that clock; 0 means "not
 * running" (for a source in EXCLUDE mode: the source is excluded).
 */
#ifndef IGMPGW_MEMBERSHIP_H
#define IGMPGW_MEMBERSHIP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "igmp_wire.h"
#include "igmpgw_proto.h"
#include "mship_timers.h"

#define MSHIP_MAX_PORTS 18        /* ports are 0 .. MSHIP_MAX_PORTS - 1 */
#define MSHIP_MAX_DOWNSTREAM 16
#define MSHIP_NO_PORT UINT16_MAX  /* mship_set_upstream(): no upstream */
#define MSHIP_ALL_PORTS UINT16_MAX /* mship_group_count(): every downstream port */

struct mship;

/* Router and host tunables (RFC 3376 §8); mship_config_defaults() fills the RFC defaults. */
struct mship_config {
	uint8_t robustness;                     /* RV: 2 */
	uint8_t startup_query_count;            /* RV */
	uint8_t last_member_query_count;        /* LMQC: RV */
	uint8_t querier_version;                /* version of the queries we send: 1, 2 or 3 */
	bool querier_enabled;                   /* take part in the querier election */
	uint32_t query_interval_ms;             /* QI: 125 s */
	uint32_t query_response_interval_ms;    /* QRI: 10 s, less than QI */
	/*
	 * Bounds on what a non-querier adopts from the elected querier's QRV and
	 * QQIC (§4.1.6, §4.1.7): larger values are taken as these, so one query
	 * cannot stretch the group timers and the other querier present interval
	 * to days. Defaults: twice RV and QI.
	 */
	uint8_t max_adopted_robustness;         /* 4 */
	uint32_t max_adopted_query_interval_ms; /* 250 s */
	uint32_t startup_query_interval_ms;     /* QI / 4 */
	uint32_t last_member_query_interval_ms; /* LMQI: 1 s */
	uint32_t unsolicited_report_interval_ms;    /* upstream v3 reports: 1 s */
	uint32_t unsolicited_report_interval_v2_ms; /* upstream v1/v2 reports: 10 s */
	/*
	 * Limits. A record that would take a port past one of them is refused
	 * whole and counted; the state held before stays as it was.
	 */
	uint32_t max_groups;                    /* group records, all ports together */
	uint32_t max_groups_per_port;
	uint16_t max_sources_per_group;         /* sources of one group record */
	uint16_t max_msg_len;                   /* IGMP bytes per emitted message: MTU - 24 */
	/*
	 * Hosts tracked per group record on a fast-leave port: a group that
	 * hears from one more stops being tracked host by host (counted
	 * hosts_untracked) and leaves the RFC way until it is deleted.
	 */
	uint16_t max_hosts_per_group;           /* 64 */
	uint64_t random_seed;                   /* report delays, when ops->random is NULL */
};

/* Fills cfg with the RFC 3376 §8.1-8.14 defaults and moderate limits. */
void mship_config_defaults(struct mship_config *cfg);

/* Filter modes of a group record (RFC 3376 §6.2.1). */
enum mship_mode {
	MSHIP_INCLUDE = 1,
	MSHIP_EXCLUDE = 2,
};

/*
 * What mship_ops.event() reports, with its stable name: one definition for
 * the enum, mship_event_name() and whoever shows events. The group events are
 * the ones the gateway publishes: the control protocol's names.
 */
#define MSHIP_EVENTS(X) \
	/* port: downstream; addr: group */ \
	X(MSHIP_EV_GROUP_ADDED, IGMPGW_EVENT_NAME_GROUP_ADDED) \
	X(MSHIP_EV_GROUP_REMOVED, IGMPGW_EVENT_NAME_GROUP_REMOVED) \
	/* the merged state now wants the group; port: upstream */ \
	X(MSHIP_EV_UPSTREAM_JOINED, "upstream_joined") \
	/* the merged state no longer wants it; port: upstream */ \
	X(MSHIP_EV_UPSTREAM_LEFT, "upstream_left") \
	/* a lower address queries on port; addr: that querier */ \
	X(MSHIP_EV_QUERIER_LOST, "querier_lost") \
	/* we query on port again (other querier gone); addr: ours */ \
	X(MSHIP_EV_QUERIER_ELECTED, "querier_elected")

enum mship_event {
#define MSHIP_EVENT_ENUM(code, name) code,
	MSHIP_EVENTS(MSHIP_EVENT_ENUM)
#undef MSHIP_EVENT_ENUM
	MSHIP_EV_COUNT
};

/* Stable name of an event ("group_added"); "invalid" out of range. */
const char *mship_event_name(enum mship_event ev);

struct mship_ops {
	/*
	 * Emit one IGMP message (bytes from the igmp_build_* functions, checksum
	 * set) on port to dst: the caller adds the IPv4 header (igmp_build_ipv4_header)
	 * and may rewrite dst (unicast reports to the querier). Required.
	 */
	void (*send)(void *arg, uint16_t port, uint32_t dst, const uint8_t *igmp, uint16_t len);
	/* The forwarding state of (port, group) changed: rebuild what depends on it. Optional. */
	void (*changed)(void *arg, uint16_t port, uint32_t group);
	/* Something worth logging or telling clients about. Optional. */
	void (*event)(void *arg, enum mship_event ev, uint16_t port, uint32_t addr);
	/* Uniform random 32 bits for report delays. Optional: NULL uses cfg.random_seed. */
	uint32_t (*random)(void *arg);
	/*
	 * Whether a report from src, outside port's subnet, is taken all the same
	 * (accept_from: routed hosts). Queries never are. Optional: NULL takes none.
	 */
	bool (*accept_foreign)(void *arg, uint16_t port, uint32_t src);
	void *arg;
};

/*
 * Counters, one definition for code, telemetry and docs. Every message given
 * to mship_input() bumps one outcome: "accepted", an ignored_* reason, or (a v1
 * or v2 report over a limit) a refused_* reason. A v3 report counts as accepted
 * and each of its records that was ignored or refused bumps that reason too.
 */
#define MSHIP_COUNTERS(X) \
	X(MSHIP_CTR_ACCEPTED, "accepted", \
	  "IGMP messages membership tracking took") \
	X(MSHIP_CTR_IGNORED_UNKNOWN_PORT, "ignored_unknown_port", \
	  "messages on a port tracking does not serve, ignored") \
	X(MSHIP_CTR_IGNORED_OWN_ADDRESS, "ignored_own_address", \
	  "messages from the gateway's own address, ignored") \
	X(MSHIP_CTR_IGNORED_FOREIGN_SUBNET, "ignored_foreign_subnet", \
	  "reports from a source outside the port's subnet (and accept_from), ignored") \
	X(MSHIP_CTR_IGNORED_BAD_CHECKSUM, "ignored_bad_checksum", \
	  "messages with a wrong IGMP checksum, ignored") \
	X(MSHIP_CTR_IGNORED_BAD_GROUP, "ignored_bad_group", \
	  "reports, leaves or records for an address that is not a group to track, ignored") \
	X(MSHIP_CTR_IGNORED_COMPAT, "ignored_compat", \
	  "leaves and records a group's older-version compatibility mode ignores (RFC 3376 7.3.2)") \
	X(MSHIP_CTR_IGNORED_TYPE, "ignored_type", \
	  "messages of a type or record type tracking does not act on, ignored") \
	X(MSHIP_CTR_REFUSED_MAX_GROUPS, "refused_max_groups", \
	  "reports or records for a new group beyond limits.max_groups, refused") \
	X(MSHIP_CTR_REFUSED_MAX_GROUPS_PER_PORT, "refused_max_groups_per_port", \
	  "reports or records for a new group beyond limits.max_groups_per_port, refused") \
	X(MSHIP_CTR_REFUSED_MAX_SOURCES, "refused_max_sources", \
	  "records that would hold more sources than limits.max_sources_per_group, refused") \
	X(MSHIP_CTR_REFUSED_NO_MEMORY, "refused_no_memory", \
	  "reports or records refused for want of memory") \
	X(MSHIP_CTR_RX_QUERY, "rx_query", \
	  "queries received") \
	X(MSHIP_CTR_RX_V1_REPORT, "rx_v1_report", \
	  "IGMPv1 reports received") \
	X(MSHIP_CTR_RX_V2_REPORT, "rx_v2_report", \
	  "IGMPv2 reports received") \
	X(MSHIP_CTR_RX_V3_REPORT, "rx_v3_report", \
	  "IGMPv3 reports received") \
	X(MSHIP_CTR_RX_LEAVE, "rx_leave", \
	  "IGMPv2 leaves received") \
	X(MSHIP_CTR_RX_RECORD, "rx_record", \
	  "group records received in IGMPv3 reports") \
	X(MSHIP_CTR_TX_GENERAL_QUERY, "tx_general_query", \
	  "general queries sent on the inside ports") \
	X(MSHIP_CTR_TX_GROUP_QUERY, "tx_group_query", \
	  "group-specific queries sent on the inside ports") \
	X(MSHIP_CTR_TX_GROUP_SOURCE_QUERY, "tx_group_source_query", \
	  "group-and-source-specific queries sent on the inside ports") \
	X(MSHIP_CTR_TX_V1_REPORT, "tx_v1_report", \
	  "IGMPv1 reports sent upstream") \
	X(MSHIP_CTR_TX_V2_REPORT, "tx_v2_report", \
	  "IGMPv2 reports sent upstream") \
	X(MSHIP_CTR_TX_V3_REPORT, "tx_v3_report", \
	  "IGMPv3 reports sent upstream") \
	X(MSHIP_CTR_TX_LEAVE, "tx_leave", \
	  "IGMPv2 leaves sent upstream") \
	X(MSHIP_CTR_TX_BUILD_FAILED, "tx_build_failed", \
	  "IGMP messages tracking could not build (no buffer), not sent") \
	X(MSHIP_CTR_QUERIER_LOST, "querier_lost", \
	  "times the gateway lost an inside port's querier election to another querier") \
	X(MSHIP_CTR_QUERIER_ELECTED, "querier_elected", \
	  "times the gateway became an inside port's querier (another querier gone)") \
	X(MSHIP_CTR_GROUPS_ADDED, "groups_added", \
	  "groups that gained members on an inside port") \
	X(MSHIP_CTR_GROUPS_REMOVED, "groups_removed", \
	  "groups an inside port no longer has members of (left or timed out)") \
	X(MSHIP_CTR_UPSTREAM_JOINS, "upstream_joins", \
	  "groups the merged membership joined upstream") \
	X(MSHIP_CTR_UPSTREAM_LEAVES, "upstream_leaves", \
	  "groups the merged membership left upstream") \
	X(MSHIP_CTR_FAST_LEAVES, "fast_leaves", \
	  "leaves or blocks applied at once by fast leave, without a last-member query") \
	X(MSHIP_CTR_HOSTS_UNTRACKED, "hosts_untracked", \
	  "fast leave: a group's host table was full (or out of memory), RFC leaves for it")

enum mship_counter {
#define MSHIP_COUNTER_ENUM(code, name, help) code,
	MSHIP_COUNTERS(MSHIP_COUNTER_ENUM)
#undef MSHIP_COUNTER_ENUM
	MSHIP_CTR_COUNT
};

/* Stable name of a counter ("refused_max_sources"); "invalid" out of range. */
const char *mship_counter_name(enum mship_counter c);

/* What counter c counts, in words (its Prometheus HELP, its line in igmpgw(8)); "" when unknown. */
const char *mship_counter_help(enum mship_counter c);

/* Current value of a counter (0 out of range). */
uint64_t mship_counter(const struct mship *m, enum mship_counter c);

/*
 * Creates the state with copies of cfg and ops. Returns NULL and sets errno
 * (EINVAL for a bad config or missing send callback, ENOMEM).
 */
struct mship *mship_create(const struct mship_config *cfg, const struct mship_ops *ops);

/* Frees everything; no callback is called. NULL is fine. */
void mship_free(struct mship *m);

/*
 * A configuration reload: the timers, counts and group limits of cfg apply
 * from now on, the state held stays (a limit lowered below what is held
 * refuses new records until under, nothing is evicted). What buffers were
 * sized from (max_sources_per_group, max_msg_len) and the querier's
 * enabled/version are kept as created. 0, or -EINVAL (nothing changed).
 */
int mship_set_config(struct mship *m, const struct mship_config *cfg);

/*
 * Makes port a downstream port where we are router (and querier when the
 * config says so: startup queries begin now). addr is our address there,
 * reports and queries are accepted from addr/prefix_len and from 0.0.0.0.
 * Returns 0, -EINVAL (port out of range or the upstream, prefix > 32),
 * -EEXIST (already downstream) or -ENOSPC (MSHIP_MAX_DOWNSTREAM reached).
 */
int mship_port_add(struct mship *m, uint16_t port, uint32_t addr, uint8_t prefix_len,
		   uint64_t now);

/*
 * Fast leave on a downstream port (off by default), as Junos' immediate-leave:
 * the library tracks which hosts (report source addresses, RFC 3376 §6 allows
 * explicit tracking) reported each group and source there. A leave, TO_IN or
 * BLOCK that leaves a group or source without any reporting host ends its
 * forwarding and its share of the upstream merge at once, with no last-member
 * queries; while another host still reports it, such a record changes
 * nothing. The caller states that every host's reports reach the gateway (no
 * v1/v2 report suppression). Returns 0 or -ENOENT (not a downstream port).
 */
int mship_port_fast_leave(struct mship *m, uint16_t port, bool on);

/*
 * Stops tracking port: its groups go (group_removed events, changed callbacks,
 * and the upstream report of what that changes). Returns 0 or -ENOENT.
 */
int mship_port_del(struct mship *m, uint16_t port, uint64_t now);

/*
 * Removes what a policy now refuses (a reloaded ACL), as if its members had
 * left and the last member queries gone unanswered: port's record of group
 * (n_sources 0), or these sources of its INCLUDE record (the record goes
 * when none is left). Group events, changed callbacks and the upstream
 * report of the change follow as for a real leave. 0, -ENOENT (no such
 * record, or not a downstream port) or -EINVAL (sources of an EXCLUDE
 * record: remove the record).
 */
int mship_group_remove(struct mship *m, uint16_t port, uint32_t group, const uint32_t *sources,
		       uint16_t n_sources, uint64_t now);

/*
 * The link of downstream port came back up: its group state is kept (a flap
 * shorter than the group membership interval loses nothing) and, when we are
 * to query, the startup queries begin again now so members re-report at once.
 * Returns 0 or -ENOENT (not a downstream port).
 */
int mship_port_link_up(struct mship *m, uint16_t port, uint64_t now);

/*
 * The upstream link came back up: the merged state is reported again as
 * unsolicited reports (robustness times), as after a change of upstream, so
 * the upstream switch re-learns it without waiting for its next query.
 */
void mship_upstream_link_up(struct mship *m, uint64_t now);

/*
 * Sets the upstream port (MSHIP_NO_PORT: none) and our address there. On a
 * change of port, pending reports and answers are dropped, the upstream
 * compatibility mode goes back to v3, and the current merged state is
 * reported on the new port as unsolicited reports. Returns 0 or -EINVAL
 * (port out of range or downstream).
 */
int mship_set_upstream(struct mship *m, uint16_t port, uint32_t addr, uint64_t now);

/*
 * The gateway itself as a member of group on the upstream, as an application
 * socket on the proxy would be (a static join): one more share of the RFC 3376
 * §3.2 merge, so the upstream state is the union of the downstream members
 * and the gateway's own, and the group stays wanted upstream when its last
 * downstream member leaves. EXCLUDE {} (any source) when n_sources is 0, else
 * INCLUDE {sources}. Replaces an earlier local membership of group; reported
 * upstream like a downstream change, in the upstream's compatibility mode;
 * no changed callback (no downstream port's forwarding moves). Returns 0,
 * -EINVAL (not a trackable group, more than max_sources_per_group sources) or
 * -ENOMEM.
 */
int mship_local_join(struct mship *m, uint32_t group, const uint32_t *sources, uint16_t n_sources,
		     uint64_t now);

/* Ends the gateway's own membership of group (reported upstream): 0 or -ENOENT. */
int mship_local_leave(struct mship *m, uint32_t group, uint64_t now);

/*
 * Feeds one valid IGMP message received on port from src (IPv4 source) to dst
 * (IPv4 destination). Downstream: reports, leaves and queries (election,
 * timer lowering). Upstream: queries (answers, compatibility). Returns the
 * counter naming the outcome: MSHIP_CTR_ACCEPTED, an ignored_* reason, or the
 * refused_* reason of the first refused record.
 */
enum mship_counter mship_input(struct mship *m, uint16_t port, uint32_t src, uint32_t dst,
			       const struct igmp_msg *msg, uint64_t now);

/* Runs every timer due at now. Cheap when nothing is due. */
void mship_tick(struct mship *m, uint64_t now);

/* Earliest deadline of any timer (UINT64_MAX when none): tick then, or sooner. */
uint64_t mship_next_timer(const struct mship *m);

/*
 * Does port want traffic from source to group (RFC 3376 §6.3)? INCLUDE: the
 * source is listed with a running timer. EXCLUDE: the source is not listed,
 * or listed with a running timer. No group record: false.
 */
bool mship_wants(const struct mship *m, uint16_t port, uint32_t group, uint32_t source);

/* One source record. */
struct mship_source {
	uint32_t addr;
	uint8_t query_rtx;          /* group-and-source query transmissions left */
	uint64_t expires;           /* source timer deadline; 0: zero (excluded in EXCLUDE) */
};

/* One group record of a downstream port, as mship_group_walk() shows it. */
struct mship_group_info {
	uint16_t port;
	uint32_t group;
	enum mship_mode mode;
	uint8_t compat;             /* group compatibility mode: 1, 2 or 3 (§7.3.2) */
	uint8_t group_query_rtx;    /* group-specific query transmissions left */
	uint32_t last_reporter;
	uint64_t expires;           /* group timer deadline; 0 in INCLUDE mode */
	uint64_t v1_host_expires;   /* older version host present timers; 0 when off */
	uint64_t v2_host_expires;
	uint16_t n_sources;
	const struct mship_source *sources; /* sorted by address; valid during the call */
	uint16_t n_hosts;           /* fast leave: hosts tracked as reporting it now */
	bool hosts_untracked;       /* fast leave: its host table overflowed, RFC leaves */
};

/* Return non-zero to stop the walk; mship_group_walk() then returns that value. */
typedef int (*mship_group_fn)(const struct mship_group_info *g, void *arg);

/* Calls fn for each group record of port in address order: 0, fn's stop value, or -ENOENT. */
int mship_group_walk(const struct mship *m, uint16_t port, mship_group_fn fn, void *arg);
/* The same, from the first record whose group (network order) is not below first in host order. */
int mship_group_walk_from(const struct mship *m, uint16_t port, uint32_t first, mship_group_fn fn,
			  void *arg);

/*
 * Fills *info for (port, group). Returns 0 or -ENOENT. info->sources stays
 * valid until the next call that changes state.
 */
int mship_group_get(const struct mship *m, uint16_t port, uint32_t group,
		    struct mship_group_info *info);

/* Group records of port, or of every downstream port with MSHIP_ALL_PORTS. */
uint32_t mship_group_count(const struct mship *m, uint16_t port);

/* Querier state of a downstream port. */
struct mship_querier_info {
	bool querier;               /* we are the querier */
	uint32_t querier_addr;      /* the elected querier: ours or the other */
	uint64_t other_expires;     /* other querier present timer; 0 when we query */
	uint64_t next_query;        /* next general query we send; 0 when we don't */
	uint8_t startup_left;       /* startup queries still to send */
	uint8_t robustness;         /* in use: configured, or adopted from the querier's QRV */
	uint32_t query_interval_ms; /* in use: configured, or adopted from its QQIC */
};

/* Returns 0 or -ENOENT (not a downstream port). */
int mship_querier_get(const struct mship *m, uint16_t port, struct mship_querier_info *info);

/* One group of the merged (upstream) state. */
struct mship_upstream_info {
	uint32_t group;
	enum mship_mode mode;
	bool wanted;                /* EXCLUDE, or INCLUDE with sources: reported as a member */
	uint8_t change_rtx;         /* filter mode change reports still to send */
	uint16_t n_sources;         /* INCLUDE: wanted sources; EXCLUDE: excluded sources */
	const uint32_t *sources;    /* sorted by address; valid during the call */
};

typedef int (*mship_upstream_fn)(const struct mship_upstream_info *u, void *arg);

/* Calls fn for each merged group in address order (also ones still sending a leave). */
int mship_upstream_walk(const struct mship *m, mship_upstream_fn fn, void *arg);

/* Upstream host-side state. */
struct mship_upstream_status {
	uint16_t port;              /* MSHIP_NO_PORT when none */
	uint8_t compat;             /* host compatibility mode: 1, 2 or 3 (§7.2.1) */
	uint32_t querier_addr;      /* source of the last query heard; 0 before */
	uint64_t v1_querier_expires;
	uint64_t v2_querier_expires;
	uint64_t general_response_at; /* pending answer to a general query; 0 when none */
	uint32_t n_groups;          /* merged groups wanted */
};

void mship_upstream_get(const struct mship *m, struct mship_upstream_status *st);

/* Bytes allocated for this state, the struct itself included. */
size_t mship_memory(const struct mship *m);

#endif
