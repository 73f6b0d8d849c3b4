/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The gateway's configuration: an INI file read with rte_cfgfile plus
 * --set SECTION.KEY=VALUE overrides. Needs no EAL, so it is unit tested alone.
 */
#ifndef IGMPGW_GW_CONFIG_H
#define IGMPGW_GW_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "acl.h"
#include "igmpgw_proto.h"

#define GW_DEVARGS_LEN 256
#define GW_ERR_LEN 256

/* Port roles; ALT is the optional second upstream; inside2..inside16 follow INSIDE. */
enum gw_role {
	GW_ROLE_OUTSIDE,
	GW_ROLE_ALT,
	GW_ROLE_INSIDE,
};

/*
 * Inside sections: 16, so one trunk carries 16 inside VLANs. A port set is a
 * 32-bit mask (fwd_mask_t); the cost of a slot is gw.h's counter blocks.
 */
#define GW_MAX_INSIDE 16
#define GW_MAX_PORTS (GW_ROLE_INSIDE + GW_MAX_INSIDE)

/* Every downstream ([inside], [inside2] ... [inside16]) plays the inside role. */
static inline bool
gw_role_is_inside(enum gw_role role)
{
	return role >= GW_ROLE_INSIDE;
}

enum gw_exception_mode {
	GW_EXCEPTION_NONE,
	GW_EXCEPTION_TAP,
	GW_EXCEPTION_VIRTIO_USER,
};

struct gw_port_config {
	bool present;
	enum gw_role role;
	char devargs[GW_DEVARGS_LEN];
	uint32_t addr;           /* network order */
	uint8_t prefix_len;
	uint16_t mtu;            /* 0 = not given: 1500, or the PMD's max where less */
	/* allow/deny (numbered keys and acl_file included): NULL = everything passes */
	struct acl *acl;
	struct acl_set *accept_from; /* inside: other-subnet report sources taken (tracking) */
	/* What a reload compares (restart-only keys): the items read, not the pointers. */
	uint64_t acl_digest;
	uint64_t accept_from_digest;
	/*
	 * 802.1Q: the VLAN this section is on (0 = untagged), the priority (PCP)
	 * of what it sends and of the IGMP it sends. Sections naming the same
	 * port value share one ethdev (a trunk), opened by the first of them,
	 * its trunk head; a section alone on its port is its own head.
	 */
	uint16_t vlan;
	uint8_t priority;
	uint8_t igmp_priority;
	uint8_t trunk;           /* enum gw_role of the trunk head */
	bool fast_leave;         /* inside ports, with tracking: leave when the last host goes */
};

#define GW_VLAN_MAX 4094
#define GW_PRIORITY_MAX 7

/* The [PORT] mtu key's range (the PMD may allow less: checked when the port opens). */
#define GW_MTU_MIN 68
#define GW_MTU_MAX 9000

/*
 * goIGMP's eight switches. One X-macro so the config keys, the status
 * output and the docs read the same list.
 */
#define GW_IGMP_SWITCHES(X) \
	X(proxy_out_to_in) \
	X(proxy_in_to_out) \
	X(unicast_proxy_in_to_out) \
	X(query_notify) \
	X(membership_reports_from_network) \
	X(membership_reports_to_network) \
	X(unicast_membership_reports) \
	X(leave_to_network)

/* [igmp] failover: what moves the active outside to the other one by itself. */
#define GW_FAILOVER_MODES(X) \
	X(OFF, "off")         /* only select_outside does */ \
	X(LINK, "link")       /* the active outside's link went down */ \
	X(QUERIER, "querier") /* that, or its querier went quiet while the other has one */

enum gw_failover_mode {
#define GW_FAILOVER_ENUM(code, name) GW_FAILOVER_##code,
	GW_FAILOVER_MODES(GW_FAILOVER_ENUM)
#undef GW_FAILOVER_ENUM
};

/* "off", "link", "querier". */
const char *gw_failover_mode_name(enum gw_failover_mode mode);

struct gw_igmp_config {
#define GW_SWITCH_FIELD(name) bool name;
	GW_IGMP_SWITCHES(GW_SWITCH_FIELD)
#undef GW_SWITCH_FIELD
	uint32_t unicast_dst;    /* network order, 0 = none */
	enum gw_role active_outside;
	uint32_t self_query_interval; /* seconds, 0 = off */
	bool ssm;                /* ssm_range given (default none) */
	struct acl_prefix ssm_range;
	enum gw_failover_mode failover;
	bool failover_leave_old;  /* leaves on the old outside after a switch, if its link is up */
	bool failover_revert;     /* back to the primary once it is healthy for the hold-down */
	uint32_t failover_hold_down; /* seconds */
};

#define GW_FAILOVER_HOLD_DOWN_DEFAULT 10
#define GW_FAILOVER_HOLD_DOWN_MAX 3600

#define GW_CONTROL_SOCKET_DEFAULT IGMPGW_DEFAULT_SOCKET /* the protocol's */
#define GW_PATH_LEN 108            /* sun_path */

struct gw_control_config {
	char socket[GW_PATH_LEN];  /* "" = no control socket */
	char group[64];            /* "" = the daemon's group */
	char admin_group[64];      /* "" = none: only root changes the gateway */
	uint32_t max_clients;
};

/* A static route, like smcroute's mroute: group/prefix_len from source (0 = any) to ports. */
#define GW_MROUTE_NAME_LEN 64

struct gw_mroute {
	char name[GW_MROUTE_NAME_LEN]; /* its key in [mroute] */
	uint32_t group;            /* network order */
	uint8_t prefix_len;
	uint32_t source;           /* network order, 0 = any */
	uint32_t ports;            /* bit i = role i (a fwd_mask_t) */
	bool runtime;              /* added by a control request (igmpgwctl mroute add), not the file */
};

#define GW_MAX_MROUTES 64

struct gw_forward_config {
	bool enabled;              /* replicate multicast data in the fast path */
	uint16_t n_mroutes;
	struct gw_mroute mroutes[GW_MAX_MROUTES];
};

/* RFC 3376 §8 timers, in milliseconds. */
struct gw_querier_config {
	bool enabled;
	uint8_t version;           /* 1, 2 or 3 */
	uint32_t query_interval_ms;
	uint32_t query_response_interval_ms;
	uint32_t robustness;
	uint32_t last_member_query_interval_ms;
	uint32_t last_member_query_count;
	/* Most of another querier's QRV and QQIC adopted: default twice our own. */
	uint32_t max_adopted_robustness;
	uint32_t max_adopted_query_interval_ms;
};

/* "N/s burst B" or "none" (per_sec 0): a token bucket's rate and size. */
struct gw_rate {
	uint32_t per_sec;
	uint32_t burst;
};

struct gw_limits_config {
	uint32_t max_groups;
	uint32_t max_groups_per_port;
	uint32_t max_sources_per_group;
	/* Rate limits (gw_config_limits.c); a reload changes the rates, not igmp_rate_hosts. */
	struct gw_rate igmp_rate_per_host;   /* IGMP input a host on an inside port */
	struct gw_rate igmp_rate_per_port;   /* IGMP input an inside port */
	uint32_t igmp_rate_hosts;            /* hosts a port's table holds (least recent evicted) */
	uint32_t upstream_reports_per_second; /* IGMP sent on an outside port; 0: no limit */
	struct gw_rate control_requests_per_client;
};

/* A static upstream join, like smcroute's mgroup: group from any source or from these. */
#define GW_MAX_JOINS 64
#define GW_JOIN_NAME_LEN 64
#define GW_JOIN_MAX_SOURCES 8

struct gw_join {
	char name[GW_JOIN_NAME_LEN];
	uint32_t group;            /* network order */
	uint16_t n_sources;        /* 0 = any source */
	uint32_t sources[GW_JOIN_MAX_SOURCES]; /* network order */
};

struct gw_join_config {
	uint16_t n;
	struct gw_join joins[GW_MAX_JOINS];
};

/* How a worker waits when there is nothing to do. */
enum gw_idle_mode {
	GW_IDLE_ADAPTIVE,          /* short sleeps once idle, back to polling on traffic */
	GW_IDLE_BUSY,              /* poll without pause: no added latency, one core each */
};

/*
 * [workers] map: which lcore polls which (port, rx queue), like l3fwd's
 * --config. "outside@1 alt@2 inside/1@3": a port alone is all its rx queues.
 */
#define GW_MAX_WORKER_MAP 64
#define GW_MAP_ALL_QUEUES UINT16_MAX

struct gw_worker_map_entry {
	uint8_t role;
	uint16_t queue;            /* GW_MAP_ALL_QUEUES: every rx queue of the port */
	uint16_t lcore;
};

struct gw_worker_map {
	uint16_t n;                /* 0: the queues go round the workers */
	struct gw_worker_map_entry e[GW_MAX_WORKER_MAP];
};

/* [workers]: the worker lcores. */
struct gw_workers_config {
	enum gw_idle_mode idle;
	struct gw_worker_map map;
};

/* [metrics]: the Prometheus endpoint, off unless listen is given. */
#define GW_METRICS_LISTEN_LEN 64

struct gw_metrics_config {
	bool enabled;
	char listen[GW_METRICS_LISTEN_LEN]; /* as written: ADDR:PORT, [ADDR6]:PORT */
	struct sockaddr_storage addr;
};

struct gw_config {
	struct gw_port_config port[GW_MAX_PORTS]; /* indexed by enum gw_role */
	struct gw_igmp_config igmp;
	enum gw_exception_mode exception;
	struct gw_control_config control;
	bool track_membership;     /* [proxy]: RFC 4605 proxy with RFC 3376 router side */
	struct gw_querier_config querier;
	struct gw_limits_config limits;
	struct gw_forward_config forward;
	struct gw_join_config join;  /* [join] */
	struct gw_workers_config workers;
	struct gw_metrics_config metrics;
};

/*
 * What a reload (SIGHUP, igmpgwctl reload) may do with a key. Every key has
 * one class, in gw_config_ini.c's table next to its name.
 */
enum gw_reload {
	GW_RELOAD_LIVE,            /* the running gateway takes the new value */
	GW_RELOAD_RESTART,         /* a reload that changes it is refused, naming it */
};

/*
 * Whether next (a freshly loaded file) may replace running by a reload: 0, or
 * -EINVAL and one line naming the first key only a restart may change.
 */
int gw_config_reload_check(const struct gw_config *running, const struct gw_config *next,
			   char *err, size_t err_len);

/* The enum gw_reload of section.key ("*" stands for any key of [mroute], [join]), or -ENOENT. */
int gw_config_key_reload(const char *section, const char *key);

/* Calls fn for every known key, section by section: the docs' and tests' list. */
void gw_config_keys_foreach(void (*fn)(const char *section, const char *key,
				       enum gw_reload reload, void *arg), void *arg);

/* "adaptive" or "busy": the value of workers.idle. */
const char *gw_idle_mode_name(enum gw_idle_mode mode);

/* "outside", "alt", "inside", "inside2" ... "inside16". */
const char *gw_role_name(enum gw_role role);

/*
 * Loads path and applies the overrides ("section.key=value"). On error returns
 * a negative value and writes one line naming the key and the reason to err.
 */
int gw_config_load(struct gw_config *cfg, const char *path, const char *const *overrides,
		   int n_overrides, char *err, size_t err_len);

/* Frees what gw_config_load allocated (the ACLs); cfg may be loaded again. */
void gw_config_release(struct gw_config *cfg);

#endif
