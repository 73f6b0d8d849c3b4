/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The control socket, served on the main lcore. Everything is non-blocking: a
 * client that floods, stalls or vanishes mid-line costs the others nothing, and
 * a subscriber that does not read loses events (counted, and told) rather than
 * making anyone wait.
 */
#define _GNU_SOURCE /* accept4 */
#include <arpa/inet.h>
#include <errno.h>
#include <grp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_log.h>

#include "ctl_server.h"
#include "forwarding.h"
#include "link_watch.h"
#include "tracking.h"
#include "gw.h"
#include "originate.h"

/* Events stop queueing for a client once this much output waits for it. */
#define EVENT_BUFFER_LIMIT (256 * 1024)
/* Requests answered per client per pass (every 2 ms): a flood waits, others do not. */
#define LINES_PER_PASS 32
/* Past this much unread output we stop reading a client's requests. */
#define RESPONSE_BUFFER_LIMIT (4 * 1024 * 1024)

struct client {
	int fd;                       /* -1: free slot */
	char in[CTL_MAX_LINE + 1];    /* the longest line and its newline */
	size_t in_len;
	bool discarding;              /* inside a line that was too long */
	bool backlog;                 /* complete lines wait for the next pass */
	char *out;
	size_t out_len;
	size_t out_cap;
	uint32_t events;              /* subscribed kinds */
	uint64_t missed;              /* events dropped since it last drained */
	uint64_t events_sent;
	uint64_t events_dropped;
};

struct ctl_server {
	int listen_fd;
	struct client *clients;
	uint32_t max_clients;
	uint64_t events_sent;
	uint64_t events_dropped;
	uint64_t clients_refused;
};

static struct ctl_server srv = { .listen_fd = -1 };

/* ---- output ---- */

static int
out_append(struct client *c, const char *data, size_t len)
{
	if (c->out_len + len > c->out_cap) {
		size_t cap = c->out_cap == 0 ? 4096 : c->out_cap;
		char *p;

		while (cap < c->out_len + len)
			cap *= 2;
		p = realloc(c->out, cap);
		if (p == NULL)
			return -ENOMEM;
		c->out = p;
		c->out_cap = cap;
	}
	memcpy(c->out + c->out_len, data, len);
	c->out_len += len;
	return 0;
}

static void
send_json(struct client *c, json_t *obj)
{
	size_t len;
	char *line = ctl_dump_line(obj, &len);

	if (line != NULL)
		out_append(c, line, len);
	free(line);
	json_decref(obj);
}

static void
client_close(struct client *c)
{
	close(c->fd);
	free(c->out);
	memset(c, 0, sizeof(*c));
	c->fd = -1;
}

/* Writes what the socket takes; tells a drained subscriber how many events it missed. */
static void
client_flush(struct client *c)
{
	while (c->out_len > 0) {
		ssize_t n = send(c->fd, c->out, c->out_len, MSG_DONTWAIT | MSG_NOSIGNAL);

		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
				return;
			client_close(c);
			return;
		}
		memmove(c->out, c->out + n, c->out_len - n);
		c->out_len -= n;
		if (c->out_len == 0 && c->missed > 0) {
			json_t *ev = json_pack("{s:s, s:I}", "event", "missed", "count",
					       (json_int_t)c->missed);

			c->missed = 0;
			send_json(c, ev);
		}
	}
}

/* ---- request handlers ---- */

static json_t *
ipv4_json(uint32_t addr)
{
	char buf[INET_ADDRSTRLEN];

	inet_ntop(AF_INET, &addr, buf, sizeof(buf));
	return json_string(buf);
}

static json_t *
port_json(enum gw_role role)
{
	const struct gw_port *p = &gw.port[role];
	char mac[RTE_ETHER_ADDR_FMT_SIZE], addr[INET_ADDRSTRLEN + 4];

	rte_ether_format_addr(mac, sizeof(mac), &p->mac);
	inet_ntop(AF_INET, &p->addr, addr, INET_ADDRSTRLEN);
	snprintf(addr + strlen(addr), sizeof(addr) - strlen(addr), "/%u", p->prefix_len);
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:b}", "role",
			 gw_role_name(role), "name", p->name, "link",
			 gw_port_link_up(p) ? "up" : "down", "interface", p->ifname,
			 "interface_state", gw_link_state_name(p, false), "address", addr, "mac", mac,
			 "twin", p->twin_id == GW_NO_PORT ? "" : p->twin_ifname, "twin_state",
			 gw_link_state_name(p, true), "active",
			 gw_role_is_inside(role) || role == gw_active_outside());
}

static json_t *
igmp_config_json(void)
{
	const struct gw_igmp_config *c = &gw.cfg.igmp;
	json_t *o = json_object();

#define GW_SWITCH_JSON(name) json_object_set_new(o, #name, json_boolean(c->name));
	GW_IGMP_SWITCHES(GW_SWITCH_JSON)
#undef GW_SWITCH_JSON
	json_object_set_new(o, "unicast_dst", c->unicast_dst == 0 ? json_null() :
			    ipv4_json(c->unicast_dst));
	json_object_set_new(o, "self_query_interval", json_integer(c->self_query_interval));
	return o;
}

static void
handle_status(json_t *resp)
{
	static const char *const modes[] = { "none", "tap", "virtio-user" };
	uint64_t hz = rte_get_tsc_hz();
	json_t *ports = json_array();
	struct gw_querier q;

	for (int r = 0; r < GW_MAX_PORTS; r++)
		if (gw.port[r].present)
			json_array_append_new(ports, port_json(r));
	json_object_set_new(resp, "version", json_string(IGMPGW_VERSION));
	json_object_set_new(resp, "uptime", json_integer((rte_rdtsc() - gw.start_tsc) / hz));
	json_object_set_new(resp, "ports", ports);
	json_object_set_new(resp, "active_outside", json_string(gw_role_name(gw_active_outside())));
	if (gw_querier_read(&q) != 0) {
		char mac[RTE_ETHER_ADDR_FMT_SIZE];

		rte_ether_format_addr(mac, sizeof(mac), &q.mac);
		json_object_set_new(resp, "querier",
				    json_pack("{s:o, s:s, s:i, s:s, s:I}", "address", ipv4_json(q.addr),
					      "mac", mac, "version", q.version, "port",
					      gw_role_name(q.port), "age",
					      (json_int_t)((rte_rdtsc() - q.heard_tsc) / hz)));
	} else {
		json_object_set_new(resp, "querier", json_null());
	}
	json_object_set_new(resp, "igmp", igmp_config_json());
	json_object_set_new(resp, "exception", json_string(modes[gw.cfg.exception]));
	json_object_set_new(resp, "forwarding", gw_forwarding_status());
	json_object_set_new(resp, "tracking", gw_tracking_status());
}

static void
handle_stats(json_t *resp)
{
	json_t *ports = json_object();
	unsigned int clients = 0;

	for (int r = 0; r < GW_MAX_PORTS; r++) {
		const struct gw_port *p = &gw.port[r];
		json_t *o;

		if (!p->present)
			continue;
		o = json_object();
		for (int c = 0; c < GW_CNT_COUNT; c++)
			json_object_set_new(o, gw_counter_names[c],
					    json_integer((json_int_t)gw_port_counter(p, c)));
		for (int e = 1; e < IGMP_ERR_COUNT; e++)
			json_object_set_new(o, igmp_wire_error_name(e),
					    json_integer((json_int_t)gw_port_wire_counter(p, e)));
		for (int e = 0; e < PROXY_REASON_COUNT; e++)
			json_object_set_new(o, igmp_proxy_reason_name(e),
					    json_integer((json_int_t)gw_port_proxy_counter(p, e)));
		json_object_set_new(ports, gw_role_name(r), o);
	}
	for (uint32_t i = 0; i < srv.max_clients; i++)
		clients += srv.clients[i].fd >= 0;
	json_object_set_new(resp, "ports", ports);
	json_object_set_new(resp, "control",
			    json_pack("{s:i, s:I, s:I, s:I}", "clients", clients, "events_sent",
				      (json_int_t)srv.events_sent, "events_dropped",
				      (json_int_t)srv.events_dropped, "clients_refused",
				      (json_int_t)srv.clients_refused));
}

static const char *
handle_select_outside(const struct ctl_request *req, json_t *resp)
{
	if (!gw.port[req->port].present)
		return "there is no alt port: the config has no [alt] section";
	if (req->port != gw_active_outside())
		GW_LOG(NOTICE, "active outside is now %s (control request)", gw_role_name(req->port));
	__atomic_store_n(&gw.active_outside, (uint8_t)req->port, __ATOMIC_RELAXED);
	gw_tracking_upstream_changed(gw_now_ms());
	json_object_set_new(resp, "active_outside", json_string(gw_role_name(req->port)));
	return NULL;
}

static const char *
handle_membership(const struct ctl_request *req, json_t *resp, char *err, size_t err_len)
{
	bool leave = req->cmd == CTL_LEAVE;
	uint32_t dst;
	int packets;

	if (leave && !gw.cfg.igmp.leave_to_network)
		return "leave is off: set [igmp] leave_to_network = yes";
	if (!leave && !gw.cfg.igmp.membership_reports_to_network)
		return "report is off: set [igmp] membership_reports_to_network = yes";
	packets = gw_send_membership(req->items, req->n_items, leave, &dst);
	if (packets < 0) {
		snprintf(err, err_len, "could not queue the packets: %s", strerror(-packets));
		return err;
	}
	gw_forwarding_client(req->items, req->n_items, leave, gw_now_ms());
	json_object_set_new(resp, "packets", json_integer(packets));
	json_object_set_new(resp, "destination", dst == 0 ? json_string("multicast") :
			    ipv4_json(dst));
	return NULL;
}

static bool
event_switch_on(enum ctl_event_kind kind)
{
	switch (kind) {
	case CTL_EV_QUERY:
		return gw.cfg.igmp.query_notify;
	case CTL_EV_MEMBERSHIP_REPORT:
		return gw.cfg.igmp.membership_reports_from_network;
	case CTL_EV_GROUP_ADDED:
	case CTL_EV_GROUP_REMOVED:
		return gw_tracking_enabled();
	default:
		return false;
	}
}

static void
handle_subscribe(struct client *c, const struct ctl_request *req, json_t *resp)
{
	json_t *events = json_array();
	json_t *inactive = json_array();

	if (req->cmd == CTL_SUBSCRIBE)
		c->events |= req->events;
	else
		c->events &= ~req->events;
	for (int k = 0; k < CTL_EV_COUNT; k++) {
		if (!(c->events & (1u << k)))
			continue;
		json_array_append_new(events, json_string(ctl_event_name(k)));
		if (!event_switch_on(k))
			json_array_append_new(inactive, json_string(ctl_event_name(k)));
	}
	json_object_set_new(resp, "events", events);
	if (req->cmd == CTL_SUBSCRIBE)
		json_object_set_new(resp, "inactive", inactive);
	else
		json_decref(inactive);
}

static const char *
handle_log_level(const struct ctl_request *req)
{
	if (rte_log_set_level_pattern(req->log_type, (uint32_t)req->log_level) < 0)
		return "cannot set that log level";
	GW_LOG(NOTICE, "log level of %s set to %d (control request)", req->log_type,
	       req->log_level);
	return NULL;
}

static void
handle_line(struct client *c, const char *line, size_t len)
{
	static struct ctl_request req; /* large (items): keep it off the stack */
	char err[CTL_ERR_LEN];
	const char *error = NULL;
	json_t *resp;

	if (ctl_request_parse(line, len, &req, err, sizeof(err)) < 0) {
		send_json(c, ctl_error_response(req.id, err));
		ctl_request_release(&req);
		return;
	}
	resp = ctl_ok_response(req.id);
	switch (req.cmd) {
	case CTL_STATUS:
		handle_status(resp);
		break;
	case CTL_STATS:
		handle_stats(resp);
		break;
	case CTL_SELECT_OUTSIDE:
		error = handle_select_outside(&req, resp);
		break;
	case CTL_REPORT:
	case CTL_LEAVE:
		error = handle_membership(&req, resp, err, sizeof(err));
		break;
	case CTL_SUBSCRIBE:
	case CTL_UNSUBSCRIBE:
		handle_subscribe(c, &req, resp);
		break;
	case CTL_LOG_LEVEL:
		error = handle_log_level(&req);
		break;
	case CTL_GROUPS:
		json_object_set_new(resp, "tracking", json_boolean(gw_tracking_enabled()));
		json_object_set_new(resp, "groups", gw_tracking_groups(gw_now_ms()));
		break;
	default:
		error = "unknown cmd";
		break;
	}
	if (error != NULL) {
		json_decref(resp);
		resp = ctl_error_response(req.id, error);
	}
	send_json(c, resp);
	ctl_request_release(&req);
}

/* ---- input ---- */

/*
 * Answers the complete lines buffered, at most LINES_PER_PASS of them, so a
 * client that floods cannot hold the main lcore: the rest wait for the next pass.
 */
static void
process_input(struct client *c)
{
	unsigned int lines = 0;
	size_t start = 0;

	c->backlog = false;
	for (size_t i = 0; i < c->in_len; i++) {
		if (c->in[i] != '\n')
			continue;
		if (lines == LINES_PER_PASS) {
			c->backlog = true;
			break;
		}
		if (c->discarding)
			c->discarding = false; /* the end of the line we already refused */
		else
			handle_line(c, c->in + start, i - start);
		start = i + 1;
		lines++;
	}
	memmove(c->in, c->in + start, c->in_len - start);
	c->in_len -= start;
	if (!c->backlog && c->in_len == sizeof(c->in)) {
		/* A full buffer without a newline: refuse the line once, skip to its end. */
		if (!c->discarding)
			send_json(c, ctl_error_response(NULL, "request line longer than "
							RTE_STR(CTL_MAX_LINE) " bytes: discarded"));
		c->discarding = true;
		c->in_len = 0;
	}
}

static void
client_read(struct client *c)
{
	ssize_t n;

	if (c->in_len == sizeof(c->in)) {
		process_input(c); /* no room: answer what is buffered first */
		return;
	}
	n = recv(c->fd, c->in + c->in_len, sizeof(c->in) - c->in_len, MSG_DONTWAIT);
	if (n == 0) {
		/* The client is done sending: answer everything it sent, then say goodbye. */
		while (c->backlog && c->out_len < RESPONSE_BUFFER_LIMIT)
			process_input(c);
		client_flush(c);
		if (c->fd >= 0)
			client_close(c);
		return;
	}
	if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
		client_close(c);
		return;
	}
	if (n < 0)
		return;
	c->in_len += n;
	process_input(c);
}

static void
accept_clients(void)
{
	for (;;) {
		int fd = accept4(srv.listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		struct client *slot = NULL;

		if (fd < 0)
			return;
		for (uint32_t i = 0; i < srv.max_clients && slot == NULL; i++)
			if (srv.clients[i].fd < 0)
				slot = &srv.clients[i];
		if (slot == NULL) {
			static const char full[] =
				"{\"ok\":false,\"error\":\"too many clients: try again later\"}\n";

			srv.clients_refused++;
			if (send(fd, full, sizeof(full) - 1, MSG_DONTWAIT | MSG_NOSIGNAL) < 0)
				GW_LOG(DEBUG, "refused client went away first");
			close(fd);
			continue;
		}
		slot->fd = fd;
	}
}

void
gw_ctl_poll(void)
{
	struct pollfd pfd[1 + 1024];
	struct client *owner[1 + 1024];
	nfds_t n = 0;

	if (srv.listen_fd < 0)
		return;
	pfd[n].fd = srv.listen_fd;
	pfd[n].events = POLLIN;
	owner[n++] = NULL;
	for (uint32_t i = 0; i < srv.max_clients; i++) {
		struct client *c = &srv.clients[i];
		bool reading = c->out_len < RESPONSE_BUFFER_LIMIT && !c->backlog;

		if (c->fd < 0)
			continue;
		pfd[n].fd = c->fd;
		pfd[n].events = (reading ? POLLIN : 0) | (c->out_len > 0 ? POLLOUT : 0);
		pfd[n].revents = 0;
		owner[n++] = c;
	}
	if (poll(pfd, n, 0) < 0)
		return;
	for (nfds_t i = 1; i < n; i++) {
		struct client *c = owner[i];

		if (pfd[i].revents & (POLLIN | POLLHUP | POLLERR))
			client_read(c);
		else if (c->backlog && c->out_len < RESPONSE_BUFFER_LIMIT)
			process_input(c);
		if (c->fd >= 0 && c->out_len > 0)
			client_flush(c);
	}
	if (pfd[0].revents & POLLIN)
		accept_clients();
}

void
gw_ctl_publish(enum ctl_event_kind kind, json_t *ev)
{
	size_t len;
	char *line = NULL;

	for (uint32_t i = 0; i < srv.max_clients; i++) {
		struct client *c = &srv.clients[i];

		if (c->fd < 0 || !(c->events & (1u << kind)))
			continue;
		if (line == NULL) {
			line = ctl_dump_line(ev, &len);
			if (line == NULL)
				break;
		}
		if (c->out_len + len > EVENT_BUFFER_LIMIT || out_append(c, line, len) < 0) {
			c->missed++;
			c->events_dropped++;
			srv.events_dropped++;
			continue;
		}
		c->events_sent++;
		srv.events_sent++;
		client_flush(c);
	}
	free(line);
}

int
gw_ctl_open(char *err, size_t err_len)
{
	const struct gw_control_config *cfg = &gw.cfg.control;
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	char dir[GW_PATH_LEN];
	char *slash;
	int fd;

	srv.max_clients = cfg->max_clients;
	srv.clients = calloc(srv.max_clients, sizeof(*srv.clients));
	if (srv.clients == NULL) {
		snprintf(err, err_len, "config: control.max_clients: out of memory");
		return -ENOMEM;
	}
	for (uint32_t i = 0; i < srv.max_clients; i++)
		srv.clients[i].fd = -1;
	if (cfg->socket[0] == '\0')
		return 0;

	snprintf(dir, sizeof(dir), "%s", cfg->socket);
	slash = strrchr(dir, '/');
	if (slash != NULL && slash != dir) {
		*slash = '\0';
		if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
			snprintf(err, err_len, "config: control.socket: cannot create %s: %s", dir,
				 strerror(errno));
			return -errno;
		}
	}
	snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", cfg->socket);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		snprintf(err, err_len, "config: control.socket: %s", strerror(errno));
		return -errno;
	}
	/* A socket file left by a gateway that died is stale; a live one still answers. */
	if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) == 0) {
		snprintf(err, err_len, "config: control.socket: %s is in use by a running igmpgw",
			 cfg->socket);
		close(fd);
		return -EADDRINUSE;
	}
	unlink(cfg->socket);
	if (bind(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0 || listen(fd, 16) < 0 ||
	    chmod(cfg->socket, 0660) < 0) {
		snprintf(err, err_len, "config: control.socket: cannot listen on %s: %s", cfg->socket,
			 strerror(errno));
		close(fd);
		return -EINVAL;
	}
	if (cfg->group[0] != '\0') {
		struct group *g = getgrnam(cfg->group);

		if (g == NULL || chown(cfg->socket, (uid_t)-1, g->gr_gid) < 0) {
			snprintf(err, err_len, "config: control.group: cannot give %s to group '%s'%s",
				 cfg->socket, cfg->group, g == NULL ? ": no such group" : "");
			close(fd);
			unlink(cfg->socket);
			return -EINVAL;
		}
	}
	srv.listen_fd = fd;
	GW_LOG(INFO, "control socket %s", cfg->socket);
	return 0;
}

void
gw_ctl_close(void)
{
	for (uint32_t i = 0; srv.clients != NULL && i < srv.max_clients; i++)
		if (srv.clients[i].fd >= 0)
			client_close(&srv.clients[i]);
	free(srv.clients);
	srv.clients = NULL;
	if (srv.listen_fd >= 0) {
		close(srv.listen_fd);
		unlink(gw.cfg.control.socket);
		srv.listen_fd = -1;
	}
}
