/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * membership_reporter: the igmpgw counterpart of goIGMP's example membership
 * reporter. It keeps the set of memberships an application wants upstream,
 * answers the upstream querier with reports of that set, repeats them every
 * --interval seconds, and sends leaves for memberships that leave the set.
 * It uses nothing but the client library (igmpgw_client.h).
 *
 * The set comes from a file (-f FILE), one membership "G" or "G@S[,S...]" per
 * line, '#' comments allowed, re-read when it changes; a file with a bad line
 * is refused as a whole, so a half-edited file never causes leaves. With
 * -f - the set is edited by lines on standard input: "+G[@S,...]" (or just
 * "G[@S,...]") adds, "-G@S,..." removes those sources, "-G" removes every
 * membership of G.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "igmpgw_client.h"
#include "igmpgw_version.h"

#define PROG "membership_reporter"
#define EXIT_USAGE 2

#define DEFAULT_INTERVAL_S 60
#define MAX_INTERVAL_S 86400
#define FILE_CHECK_MS 1000       /* how often the set file's mtime is looked at */
#define RECONNECT_MS 1000        /* how often a lost gateway is tried again */
#define MAX_LINE 4096            /* one membership line, stdin or file */
#define MAX_MEMBERSHIPS 65536    /* (group, source) pairs in the set */

/* One (group, source) pair, host order; source 0 stands for "any source". */
struct membership {
	uint32_t group;
	uint32_t source;
};

struct mset {
	struct membership *m;
	size_t n;
	size_t cap;
};

struct reporter {
	const char *socket;
	const char *file;           /* "-" is standard input */
	int interval_s;             /* 0: no gratuitous reports */
	bool verbose;

	struct igmpgw_client *c;    /* NULL while the gateway is away */
	bool lost;                  /* the connection died inside a callback: close it later */
	int64_t next_connect;
	bool said_unreachable;
	char unreachable_why[160];

	struct mset set;            /* what is wanted now, sorted, no duplicates */
	int64_t next_report;

	/* -f FILE */
	struct stat seen;           /* the file as last loaded or refused */
	bool have_seen;
	bool said_unreadable;
	int64_t next_file_check;

	/* -f - */
	bool stdin_open;
	char line[MAX_LINE + 1];
	size_t line_len;
	bool line_too_long;
};

static volatile sig_atomic_t stop_requested;

static void
on_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The start of every log line: the local time. */
static void
log_stamp(void)
{
	struct timespec ts;
	struct tm tm;
	char buf[32];

	clock_gettime(CLOCK_REALTIME, &ts);
	localtime_r(&ts.tv_sec, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
	printf("%s.%03ld ", buf, ts.tv_nsec / 1000000);
}

static void log_line(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void
log_line(const char *fmt, ...)
{
	va_list ap;

	log_stamp();
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

/* ---- the set ---- */

static int
membership_cmp(const void *a, const void *b)
{
	const struct membership *x = a;
	const struct membership *y = b;

	if (x->group != y->group)
		return x->group < y->group ? -1 : 1;
	if (x->source != y->source)
		return x->source < y->source ? -1 : 1;
	return 0;
}

static int
mset_add(struct mset *s, uint32_t group, uint32_t source)
{
	if (s->n == s->cap) {
		size_t cap = s->cap == 0 ? 64 : s->cap * 2;
		struct membership *m = realloc(s->m, cap * sizeof(*m));

		if (m == NULL)
			return -1;
		s->m = m;
		s->cap = cap;
	}
	s->m[s->n].group = group;
	s->m[s->n].source = source;
	s->n++;
	return 0;
}

/* Sorts and drops duplicates; says false when more than MAX_MEMBERSHIPS remain. */
static bool
mset_normalize(struct mset *s)
{
	size_t out = 0;

	if (s->n == 0)
		return true;
	qsort(s->m, s->n, sizeof(*s->m), membership_cmp);
	for (size_t i = 0; i < s->n; i++) {
		if (out > 0 && membership_cmp(&s->m[out - 1], &s->m[i]) == 0)
			continue;
		s->m[out++] = s->m[i];
	}
	s->n = out;
	return s->n <= MAX_MEMBERSHIPS;
}

static void
mset_free(struct mset *s)
{
	free(s->m);
	s->m = NULL;
	s->n = s->cap = 0;
}

static bool
mset_has(const struct mset *s, const struct membership *m)
{
	return s->n > 0 && bsearch(m, s->m, s->n, sizeof(*s->m), membership_cmp) != NULL;
}

/* Every pair of item (text form) into s; the text was checked by igmpgw_item_parse(). */
static int
mset_add_item(struct mset *s, const struct igmpgw_item *item)
{
	struct in_addr g;
	struct in_addr src;

	inet_pton(AF_INET, item->group, &g);
	if (item->n_sources == 0)
		return mset_add(s, ntohl(g.s_addr), 0);
	for (size_t i = 0; i < item->n_sources; i++) {
		inet_pton(AF_INET, item->sources[i], &src);
		if (mset_add(s, ntohl(g.s_addr), ntohl(src.s_addr)) < 0)
			return -1;
	}
	return 0;
}

/* Drops item's pairs from s; an item without sources drops the whole group. */
static void
mset_remove_item(struct mset *s, const struct igmpgw_item *item)
{
	struct in_addr g;
	size_t out = 0;

	inet_pton(AF_INET, item->group, &g);
	for (size_t i = 0; i < s->n; i++) {
		bool drop = false;

		if (s->m[i].group == ntohl(g.s_addr)) {
			drop = item->n_sources == 0;
			for (size_t k = 0; k < item->n_sources && !drop; k++) {
				struct in_addr src;

				inet_pton(AF_INET, item->sources[k], &src);
				drop = s->m[i].source == ntohl(src.s_addr);
			}
		}
		if (!drop)
			s->m[out++] = s->m[i];
	}
	s->n = out;
}

/* ---- sending ---- */

static void
addr_str(uint32_t host_order, char *buf)
{
	struct in_addr a = { .s_addr = htonl(host_order) };

	inet_ntop(AF_INET, &a, buf, INET_ADDRSTRLEN);
}

/* "G G@S,S ..." of the items, on the current line. */
static void
print_items(const struct igmpgw_item *items, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		printf(" %s", items[i].group);
		for (size_t k = 0; k < items[i].n_sources; k++)
			printf("%c%s", k == 0 ? '@' : ',', items[i].sources[k]);
	}
}

static bool
connection_gone(int err)
{
	return err == ECONNRESET || err == EPIPE;
}

/* Sends one report or leave request for n items (at most IGMPGW_CLIENT_MAX_ITEMS). */
static void
send_request(struct reporter *r, bool leave, const struct igmpgw_item *items, size_t n,
	     size_t n_memberships, const char *why)
{
	const char *cmd = leave ? "leave" : "report";
	const char *dest;
	const char *err;
	json_t *resp;

	if (r->c == NULL || r->lost)
		return;
	resp = leave ? igmpgw_client_leave(r->c, items, n) : igmpgw_client_report(r->c, items, n);
	/* "multicast", or the unicast address of the special unicast mode. */
	dest = json_string_value(json_object_get(resp, "destination"));
	if (dest == NULL)
		dest = "?";
	log_stamp();
	printf("%s %zu membership%s (%s): ", cmd, n_memberships, n_memberships == 1 ? "" : "s", why);
	err = igmpgw_client_error(resp);
	if (resp == NULL)
		printf("no answer: %s", strerror(errno));
	else if (err != NULL)
		printf("refused: %s", err);
	else
		printf("%" JSON_INTEGER_FORMAT " packet%s %s %s",
		       json_integer_value(json_object_get(resp, "packets")),
		       json_integer_value(json_object_get(resp, "packets")) == 1 ? "" : "s",
		       strcmp(dest, "multicast") == 0 ? "by" : "to", dest);
	if (r->verbose) {
		printf(" [");
		print_items(items, n);
		printf(" ]");
	}
	putchar('\n');
	if (resp == NULL && connection_gone(errno))
		r->lost = true;
	json_decref(resp);
}

/*
 * Reports (or leaves) the sorted pairs m[0..n): one item per group for "any
 * source", items of at most IGMPGW_CLIENT_MAX_SOURCES sources per group for
 * the rest, requests of at most IGMPGW_CLIENT_MAX_ITEMS items.
 */
static void
send_memberships(struct reporter *r, bool leave, const struct membership *m, size_t n,
		 const char *why)
{
	struct igmpgw_item *items = calloc(n, sizeof(*items));
	const char **src = calloc(n, sizeof(*src));
	char (*text)[INET_ADDRSTRLEN] = calloc(2 * n, INET_ADDRSTRLEN);
	size_t n_items = 0;
	size_t first_pair = 0;     /* pairs already covered by earlier requests */

	if (n == 0)
		goto out;
	if (items == NULL || src == NULL || text == NULL) {
		log_line("%s: out of memory", leave ? "leave" : "report");
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		struct igmpgw_item *last = n_items > 0 ? &items[n_items - 1] : NULL;

		addr_str(m[i].group, text[2 * i]);
		addr_str(m[i].source, text[2 * i + 1]);
		src[i] = text[2 * i + 1];
		if (m[i].source != 0 && last != NULL && last->n_sources > 0 &&
		    m[i].group == m[i - 1].group && last->n_sources < IGMPGW_CLIENT_MAX_SOURCES) {
			last->n_sources++;
			continue;
		}
		if (n_items == IGMPGW_CLIENT_MAX_ITEMS) {
			send_request(r, leave, items, n_items, i - first_pair, why);
			first_pair = i;
			n_items = 0;
		}
		items[n_items].group = text[2 * i];
		items[n_items].sources = m[i].source != 0 ? &src[i] : NULL;
		items[n_items].n_sources = m[i].source != 0 ? 1 : 0;
		n_items++;
	}
	send_request(r, leave, items, n_items, n - first_pair, why);
out:
	free(items);
	free(src);
	free(text);
}

/* The pairs of group (every group when it is 0) into out. */
static int
select_group(const struct mset *s, uint32_t group, struct mset *out)
{
	for (size_t i = 0; i < s->n; i++) {
		if ((group == 0 || s->m[i].group == group) &&
		    mset_add(out, s->m[i].group, s->m[i].source) < 0)
			return -1;
	}
	return 0;
}

static void
report_all(struct reporter *r, const char *why)
{
	if (r->set.n == 0) {
		if (r->verbose)
			log_line("nothing to report (%s): the set is empty", why);
		return;
	}
	send_memberships(r, false, r->set.m, r->set.n, why);
}

/*
 * Moves to the set next: leaves for the pairs that went, then reports of the
 * groups that gained pairs (with all their pairs: a report states the whole
 * membership of a group). Takes next over.
 */
static void
apply_set(struct reporter *r, struct mset *next, const char *why)
{
	struct mset gone = { 0 };
	struct mset changed = { 0 };
	char reason[96];
	bool ok = true;

	for (size_t i = 0; i < r->set.n; i++) {
		if (!mset_has(next, &r->set.m[i]))
			ok &= mset_add(&gone, r->set.m[i].group, r->set.m[i].source) == 0;
	}
	for (size_t i = 0; i < next->n; i++) {
		if (mset_has(&r->set, &next->m[i]))
			continue;
		if (changed.n > 0 && changed.m[changed.n - 1].group == next->m[i].group)
			continue;
		ok &= select_group(next, next->m[i].group, &changed) == 0;
	}
	if (!ok) {
		log_line("out of memory: set not changed");
	} else if (gone.n == 0 && changed.n == 0) {
		if (r->verbose)
			log_line("%s: no membership changed", why);
	} else {
		mset_free(&r->set);
		r->set = *next;
		*next = (struct mset){ 0 };
		log_line("set changed (%s): %zu wanted, %zu gone, %zu to report in changed groups",
			 why, r->set.n, gone.n, changed.n);
		snprintf(reason, sizeof(reason), "gone from %s", why);
		send_memberships(r, true, gone.m, gone.n, reason);
		snprintf(reason, sizeof(reason), "new in %s", why);
		send_memberships(r, false, changed.m, changed.n, reason);
	}
	mset_free(&gone);
	mset_free(&changed);
	mset_free(next);
}

/* ---- the set file ---- */

static void
trim(char **s)
{
	char *end;

	while (**s == ' ' || **s == '\t')
		(*s)++;
	end = *s + strlen(*s);
	while (end > *s && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r' ||
			    end[-1] == '\n'))
		*--end = '\0';
}

static bool
same_file_state(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino && a->st_size == b->st_size &&
		a->st_mtim.tv_sec == b->st_mtim.tv_sec && a->st_mtim.tv_nsec == b->st_mtim.tv_nsec;
}

/*
 * Reads the whole file into out. Returns 0, -1 after logging why it cannot be
 * used, or 1 when it changed while being read (read it again later).
 */
static int
read_set_file(struct reporter *r, struct mset *out, struct stat *st)
{
	char line[MAX_LINE + 2];
	unsigned int lineno = 0;
	struct stat after;
	FILE *f;
	int rc = 0;

	f = fopen(r->file, "r");
	if (f == NULL || fstat(fileno(f), st) < 0) {
		if (!r->said_unreadable)
			log_line("cannot read %s: %s; keeping the set (%zu wanted)", r->file,
				 strerror(errno), r->set.n);
		r->said_unreadable = true;
		if (f != NULL)
			fclose(f);
		return -1;
	}
	r->said_unreadable = false;
	while (rc == 0 && fgets(line, sizeof(line), f) != NULL) {
		struct igmpgw_item *item;
		char err[160];
		char *p = line;

		size_t len = strlen(line);

		lineno++;
		if (len > 0 && line[len - 1] == '\n')
			len--;
		if (len > MAX_LINE) {
			log_line("%s:%u: line longer than %d bytes; keeping the previous set",
				 r->file, lineno, MAX_LINE);
			rc = -1;
			break;
		}
		trim(&p);
		if (*p == '\0' || *p == '#')
			continue;
		item = igmpgw_item_parse(p, err, sizeof(err));
		if (item == NULL) {
			log_line("%s:%u: %s; keeping the previous set", r->file, lineno, err);
			rc = -1;
			break;
		}
		if (mset_add_item(out, item) < 0) {
			log_line("%s: out of memory; keeping the previous set", r->file);
			rc = -1;
		}
		free(item);
	}
	if (rc == 0 && ferror(f)) {
		log_line("cannot read %s: %s; keeping the previous set", r->file, strerror(errno));
		rc = -1;
	}
	if (rc == 0 && (fstat(fileno(f), &after) < 0 || !same_file_state(st, &after)))
		rc = 1;
	if (rc == 0 && !mset_normalize(out)) {
		log_line("%s: more than %d memberships; keeping the previous set", r->file,
			 MAX_MEMBERSHIPS);
		rc = -1;
	}
	fclose(f);
	return rc;
}

/* Loads the file when it is not what was last looked at. */
static void
check_file(struct reporter *r, bool force)
{
	struct mset next = { 0 };
	struct stat st;
	int rc;

	if (stat(r->file, &st) < 0) {
		if (!r->said_unreadable)
			log_line("cannot read %s: %s; keeping the set (%zu wanted)", r->file,
				 strerror(errno), r->set.n);
		r->said_unreadable = true;
		r->have_seen = false;
		return;
	}
	if (!force && r->have_seen && same_file_state(&st, &r->seen))
		return;
	rc = read_set_file(r, &next, &st);
	if (rc != 1) {
		/* A refused version is not retried until the file changes again. */
		r->seen = st;
		r->have_seen = true;
	}
	if (rc == 0)
		apply_set(r, &next, r->file);
	mset_free(&next);
}

/* ---- standard input ---- */

/* Applies one "+ITEM", "-ITEM" or "ITEM" line to next. */
static void
stdin_line(struct mset *next, char *p)
{
	struct igmpgw_item *item;
	bool remove = false;
	char err[160];

	trim(&p);
	if (*p == '\0' || *p == '#')
		return;
	if (*p == '+' || *p == '-') {
		remove = *p == '-';
		p++;
		trim(&p);
	}
	item = igmpgw_item_parse(p, err, sizeof(err));
	if (item == NULL) {
		log_line("stdin: %s; line ignored", err);
		return;
	}
	if (remove)
		mset_remove_item(next, item);
	else if (mset_add_item(next, item) < 0)
		log_line("stdin: out of memory; line ignored");
	free(item);
}

/* Reads what standard input has, applying every complete line as one change. */
static void
read_stdin(struct reporter *r)
{
	struct mset next = { 0 };
	char buf[MAX_LINE];
	ssize_t n;
	bool changed = false;

	n = read(STDIN_FILENO, buf, sizeof(buf));
	if (n < 0) {
		if (errno == EINTR || errno == EAGAIN)
			return;
		log_line("stdin: %s; keeping the set (%zu wanted)", strerror(errno), r->set.n);
		r->stdin_open = false;
		return;
	}
	if (n == 0) {
		r->stdin_open = false;
		log_line("stdin closed; keeping the set (%zu wanted)", r->set.n);
		if (r->line_len == 0)
			return;
		/* The last line may lack its newline. */
		buf[0] = '\n';
		n = 1;
	}
	if (select_group(&r->set, 0, &next) < 0) {
		log_line("stdin: out of memory; input ignored");
		return;
	}
	for (ssize_t i = 0; i < n; i++) {
		if (buf[i] != '\n') {
			if (r->line_len < MAX_LINE)
				r->line[r->line_len++] = buf[i];
			else
				r->line_too_long = true;
			continue;
		}
		r->line[r->line_len] = '\0';
		if (r->line_too_long)
			log_line("stdin: line longer than %d bytes ignored", MAX_LINE);
		else
			stdin_line(&next, r->line);
		changed = true;
		r->line_len = 0;
		r->line_too_long = false;
	}
	if (!changed) {
		mset_free(&next);
		return;
	}
	if (!mset_normalize(&next)) {
		log_line("stdin: more than %d memberships; change ignored", MAX_MEMBERSHIPS);
		mset_free(&next);
		return;
	}
	apply_set(r, &next, "stdin");
}

/* ---- the gateway ---- */

static int
on_event(json_t *ev, void *arg)
{
	struct reporter *r = arg;
	const char *kind = json_string_value(json_object_get(ev, "event"));
	const char *querier = json_string_value(json_object_get(ev, "querier"));
	const char *group = json_string_value(json_object_get(ev, "group"));
	struct in_addr g = { 0 };
	char why[96];

	if (strcmp(kind, "missed") == 0) {
		/* A query may have been among them: answer as if it was. */
		snprintf(why, sizeof(why), "%" JSON_INTEGER_FORMAT " events missed",
			 json_integer_value(json_object_get(ev, "count")));
		report_all(r, why);
		return r->lost ? 1 : 0;
	}
	if (strcmp(kind, "query") != 0) {
		if (r->verbose)
			log_line("ignored %s event", kind);
		return 0;
	}
	if (querier == NULL)
		querier = "?";
	if (group == NULL || inet_pton(AF_INET, group, &g) != 1 || g.s_addr == 0) {
		snprintf(why, sizeof(why), "general query from %s", querier);
		if (r->set.n == 0)
			log_line("%s: nothing to report, the set is empty", why);
		else
			report_all(r, why);
	} else {
		struct mset sel = { 0 };

		snprintf(why, sizeof(why), "query for %s from %s", group, querier);
		if (select_group(&r->set, ntohl(g.s_addr), &sel) < 0)
			log_line("%s: out of memory", why);
		else if (sel.n == 0)
			log_line("%s: not in the set", why);
		else
			send_memberships(r, false, sel.m, sel.n, why);
		mset_free(&sel);
	}
	return r->lost ? 1 : 0;
}

/* Connects and subscribes to queries; false (logged once) when the gateway is not there. */
static bool
gateway_connect(struct reporter *r)
{
	static const char *const events[] = { "query" };
	const char *path = igmpgw_client_socket_path(r->socket);
	json_t *resp;
	const char *err;

	r->c = igmpgw_client_connect(r->socket);
	if (r->c == NULL) {
		snprintf(r->unreachable_why, sizeof(r->unreachable_why), "cannot connect to %s: %s",
			 path, strerror(errno));
		if (!r->said_unreachable)
			log_line("%s; trying every %d ms", r->unreachable_why, RECONNECT_MS);
		r->said_unreachable = true;
		return false;
	}
	resp = igmpgw_client_subscribe(r->c, events, 1);
	err = igmpgw_client_error(resp);
	if (resp == NULL || err != NULL) {
		snprintf(r->unreachable_why, sizeof(r->unreachable_why), "subscribe on %s: %s",
			 path, resp == NULL ? strerror(errno) : err);
		if (!r->said_unreachable)
			log_line("%s; trying every %d ms", r->unreachable_why, RECONNECT_MS);
		r->said_unreachable = true;
		json_decref(resp);
		igmpgw_client_close(r->c);
		r->c = NULL;
		return false;
	}
	r->said_unreachable = false;
	log_line("connected to %s, subscribed to queries", path);
	if (json_array_size(json_object_get(resp, "inactive")) > 0)
		log_line("the gateway has query_notify off: queries will not be answered, "
			 "only the reports every %d s go out", r->interval_s);
	json_decref(resp);
	return true;
}

static void
gateway_lost(struct reporter *r, int err)
{
	log_line("lost the gateway: %s; reconnecting", strerror(err));
	igmpgw_client_close(r->c);
	r->c = NULL;
	r->lost = false;
	r->next_connect = now_ms() + RECONNECT_MS;
}

static int
parse_interval(const char *s)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (end == s || *end != '\0' || errno != 0 || v < 0 || v > MAX_INTERVAL_S)
		return -1;
	return (int)v;
}

static void
usage(FILE *out)
{
	fprintf(out,
		"Usage: " PROG " [-s SOCKET] [-f FILE] [--interval S] [-v]\n"
		"Keeps a set of memberships reported upstream through igmpgw: answers each\n"
		"query with reports of the set, repeats them every S seconds, and sends\n"
		"leaves for memberships that leave the set.\n"
		"\n"
		"  -s, --socket SOCKET  the gateway's control socket (default $"
		IGMPGW_CLIENT_SOCKET_ENV " or " IGMPGW_CLIENT_DEFAULT_SOCKET ")\n"
		"  -f, --file FILE      the set, one G or G@S[,S...] per line, '#' comments;\n"
		"                       re-read when it changes (write it by rename); a file\n"
		"                       with a bad line is refused whole. '-' (default): read\n"
		"                       changes from stdin: +ITEM adds, -ITEM removes, -G\n"
		"                       removes every membership of G\n"
		"  -i, --interval S     seconds between unsolicited reports of the whole set\n"
		"                       (default %d, 0: never)\n"
		"  -v, --verbose        log the memberships of each request, and idle steps\n"
		"  -V, --version        print the version and exit\n"
		"  -h, --help           print this help and exit\n"
		"\n"
		"Logs one line per action on stdout. Stops on SIGINT or SIGTERM without\n"
		"sending leaves, so a restart does not interrupt the streams.\n",
		DEFAULT_INTERVAL_S);
}

int
main(int argc, char **argv)
{
	static const struct option long_opts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "file", required_argument, NULL, 'f' },
		{ "interval", required_argument, NULL, 'i' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct reporter r = {
		.file = "-",
		.interval_s = DEFAULT_INTERVAL_S,
	};
	struct sigaction sa = { .sa_handler = on_signal };
	bool from_stdin;
	int opt;

	while ((opt = getopt_long(argc, argv, "s:f:i:vVh", long_opts, NULL)) != -1) {
		switch (opt) {
		case 's':
			r.socket = optarg;
			break;
		case 'f':
			r.file = optarg;
			break;
		case 'i':
			r.interval_s = parse_interval(optarg);
			if (r.interval_s < 0) {
				fprintf(stderr, PROG ": --interval: '%s' is not a number of seconds "
					"from 0 to %d\n", optarg, MAX_INTERVAL_S);
				return EXIT_USAGE;
			}
			break;
		case 'v':
			r.verbose = true;
			break;
		case 'V':
			printf(PROG " %s\n", IGMPGW_CLIENT_VERSION);
			return EXIT_SUCCESS;
		case 'h':
			usage(stdout);
			return EXIT_SUCCESS;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind < argc) {
		fprintf(stderr, PROG ": unexpected argument '%s'\n", argv[optind]);
		return EXIT_USAGE;
	}
	from_stdin = strcmp(r.file, "-") == 0;
	setvbuf(stdout, NULL, _IOLBF, 0);
	/* No SA_RESTART: a signal must wake poll(). */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	/* A gateway that is not there at start is a mistake worth stopping for. */
	r.said_unreachable = true;
	if (!gateway_connect(&r)) {
		fprintf(stderr, PROG ": %s (is igmpgw running?)\n", r.unreachable_why);
		return EXIT_FAILURE;
	}
	if (from_stdin) {
		r.stdin_open = true;
	} else {
		if (access(r.file, R_OK) < 0) {
			fprintf(stderr, PROG ": cannot read %s: %s\n", r.file, strerror(errno));
			igmpgw_client_close(r.c);
			return EXIT_FAILURE;
		}
		check_file(&r, true);
	}
	r.next_report = now_ms() + (int64_t)r.interval_s * 1000;
	r.next_file_check = now_ms() + FILE_CHECK_MS;

	while (!stop_requested) {
		struct pollfd pfd[2] = {
			{ .fd = r.c != NULL ? igmpgw_client_fd(r.c) : -1, .events = POLLIN },
			{ .fd = r.stdin_open ? STDIN_FILENO : -1, .events = POLLIN },
		};
		int64_t now = now_ms();
		int64_t wake = INT64_MAX;
		int timeout;

		if (r.interval_s > 0)
			wake = r.next_report;
		if (!from_stdin && r.next_file_check < wake)
			wake = r.next_file_check;
		if (r.c == NULL && r.next_connect < wake)
			wake = r.next_connect;
		if (r.c != NULL && igmpgw_client_pending(r.c) > 0)
			wake = now;
		timeout = wake == INT64_MAX ? -1 : wake <= now ? 0 :
			wake - now > INT_MAX ? INT_MAX : (int)(wake - now);

		if (poll(pfd, 2, timeout) < 0 && errno != EINTR) {
			log_line("poll: %s", strerror(errno));
			break;
		}
		if (stop_requested)
			break;
		if (r.c != NULL && (pfd[0].revents != 0 || igmpgw_client_pending(r.c) > 0)) {
			if (igmpgw_client_dispatch(r.c, on_event, &r) < 0)
				gateway_lost(&r, errno);
		}
		if (r.c != NULL && r.lost)
			gateway_lost(&r, ECONNRESET);
		if ((pfd[1].revents & (POLLIN | POLLHUP | POLLERR)) != 0)
			read_stdin(&r);
		now = now_ms();
		if (!from_stdin && now >= r.next_file_check) {
			check_file(&r, false);
			r.next_file_check = now + FILE_CHECK_MS;
		}
		if (r.interval_s > 0 && now >= r.next_report) {
			char why[48];

			snprintf(why, sizeof(why), "every %d s", r.interval_s);
			report_all(&r, why);
			r.next_report += (int64_t)r.interval_s * 1000;
			if (r.next_report <= now)
				r.next_report = now + (int64_t)r.interval_s * 1000;
		}
		if (r.c != NULL && r.lost)
			gateway_lost(&r, ECONNRESET);
		if (r.c == NULL && now_ms() >= r.next_connect) {
			if (gateway_connect(&r))
				report_all(&r, "connected again");
			else
				r.next_connect = now_ms() + RECONNECT_MS;
		}
	}
	log_line("stopping, %zu wanted (no leaves sent)", r.set.n);
	igmpgw_client_close(r.c);
	mset_free(&r.set);
	return EXIT_SUCCESS;
}
