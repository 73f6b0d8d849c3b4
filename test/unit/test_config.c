/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of the config reader: real INI files written to /tmp and loaded
 * with gw_config_load, every key read back, every mistake refused with one
 * line that names the key.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gw_config.h"
#include "tap.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* The smallest valid file: both required ports, nothing else. */
/* A valid file whose inside.address is the %s. */
#define WITH_INSIDE_ADDRESS \
	"[outside]\nport = a\naddress = 10.0.0.2/24\n[inside]\nport = b\naddress = %s\n"

#define MINIMAL \
	"[outside]\n" \
	"port = net_null0\n" \
	"address = 10.0.0.2/24\n" \
	"[inside]\n" \
	"port = net_null1\n" \
	"address = 172.17.0.1/16\n"

/* Every section and every key, none at its default. */
static const char full_config[] =
	"; every key, none at its default\n"
	"\n"
	"[outside]\n"
	"port = net_af_packet0,iface=veth-out,qpairs=1\n"
	"address = 192.0.2.2/24\n"
	"\n"
	"[alt]\n"
	"port = 0000:03:00.0\n"
	"address = 198.51.100.6/30\n"
	"\n"
	"[inside]\n"
	"port = net_tap0,iface=gw-in\n"
	"address = 172.17.0.1/16\n"
	"\n"
	"[igmp]\n"
	"proxy_out_to_in = yes\n"
	"proxy_in_to_out = true\n"
	"unicast_proxy_in_to_out = 1\n"
	"query_notify = on\n"
	"membership_reports_from_network = yes\n"
	"membership_reports_to_network = yes\n"
	"unicast_membership_reports = yes\n"
	"leave_to_network = yes\n"
	"unicast_dst = 192.0.2.254\n"
	"active_outside = alt\n"
	"self_query_interval = 125\n"
	"\n"
	"[exception]\n"
	"mode = virtio-user\n"
	"\n"
	"[control]\n"
	"socket = /tmp/igmpgw-test.sock\n"
	"group = netdev\n"
	"max_clients = 4\n";

/* Each switch by name and place, from the same X-macro the reader uses. */
struct switch_field {
	const char *name;
	size_t offset;
};

static const struct switch_field switches[] = {
#define SWITCH_FIELD(n) { #n, offsetof(struct gw_igmp_config, n) },
	GW_IGMP_SWITCHES(SWITCH_FIELD)
#undef SWITCH_FIELD
};

static bool
switch_value(const struct gw_igmp_config *igmp, const struct switch_field *sw)
{
	return *(const bool *)((const uint8_t *)igmp + sw->offset);
}

static uint32_t
addr(uint8_t a, uint8_t b, uint8_t c, uint8_t d)
{
	return htonl((uint32_t)a << 24 | (uint32_t)b << 16 | (uint32_t)c << 8 | d);
}

/*
 * Writes text to a fresh file in /tmp, loads it with the overrides, removes it.
 * Returns what gw_config_load returned; err always holds a string.
 */
static int
load_text(const char *text, const char *const *overrides, int n_overrides,
	  struct gw_config *cfg, char *err, size_t err_len)
{
	char path[] = "/tmp/igmpgw-test-config-XXXXXX";
	size_t len = strlen(text);
	int fd;
	int ret;

	snprintf(err, err_len, "(no message)");
	fd = mkstemp(path);
	if (fd < 0) {
		snprintf(err, err_len, "test: mkstemp: %s", strerror(errno));
		return -1000;
	}
	if (write(fd, text, len) != (ssize_t)len) {
		snprintf(err, err_len, "test: write %s: %s", path, strerror(errno));
		close(fd);
		unlink(path);
		return -1000;
	}
	close(fd);
	ret = gw_config_load(cfg, path, overrides, n_overrides, err, err_len);
	unlink(path);
	return ret;
}

/* The message, made safe for a TAP line even if it (wrongly) holds newlines. */
static const char *
one_line(const char *err)
{
	static char buf[GW_ERR_LEN];

	snprintf(buf, sizeof(buf), "%s", err);
	for (char *p = buf; *p != '\0'; p++)
		if (*p == '\n' || *p == '\r')
			*p = '|';
	return buf;
}

/*
 * Loads text with overrides and expects -EINVAL and one non-empty line that
 * contains want (the "section.key", "[section]" or the --set argument).
 */
static void
check_error(const char *what, const char *text, const char *const *overrides, int n_overrides,
	    const char *want)
{
	struct gw_config cfg;
	char err[GW_ERR_LEN];
	int ret;

	ret = load_text(text, overrides, n_overrides, &cfg, err, sizeof(err));
	TAP_CHECK(ret == -EINVAL && err[0] != '\0' && strstr(err, want) != NULL &&
		  strchr(err, '\n') == NULL,
		  "%s: refused (ret %d) naming '%s': %s", what, ret, want, one_line(err));
}

/* Same, for one bad line appended to the minimal file. */
static void
check_error_line(const char *what, const char *extra, const char *want)
{
	char text[1024];

	snprintf(text, sizeof(text), "%s%s", MINIMAL, extra);
	check_error(what, text, NULL, 0, want);
}

/* Same, for one --set on the minimal file. */
static void
check_error_set(const char *what, const char *set, const char *want)
{
	const char *overrides[] = { set };

	check_error(what, MINIMAL, overrides, 1, want);
}

static void
test_full(void)
{
	struct gw_config cfg;
	char err[GW_ERR_LEN];
	const struct gw_port_config *out = &cfg.port[GW_ROLE_OUTSIDE];
	const struct gw_port_config *alt = &cfg.port[GW_ROLE_ALT];
	const struct gw_port_config *in = &cfg.port[GW_ROLE_INSIDE];
	int ret;

	ret = load_text(full_config, NULL, 0, &cfg, err, sizeof(err));
	TAP_CHECK(ret == 0, "full config loads (ret %d%s%s)", ret, ret == 0 ? "" : ": ",
		  ret == 0 ? "" : one_line(err));
	if (ret != 0)
		return;

	TAP_CHECK(out->present && out->role == GW_ROLE_OUTSIDE &&
		  strcmp(out->devargs, "net_af_packet0,iface=veth-out,qpairs=1") == 0,
		  "outside.port kept whole, '=' and ',' included: '%s'", out->devargs);
	TAP_CHECK(out->addr == addr(192, 0, 2, 2) && out->prefix_len == 24,
		  "outside.address 192.0.2.2/24 in network order (0x%08x/%u)", out->addr,
		  out->prefix_len);
	TAP_CHECK(alt->present && alt->role == GW_ROLE_ALT &&
		  strcmp(alt->devargs, "0000:03:00.0") == 0,
		  "alt.port: '%s'", alt->devargs);
	TAP_CHECK(alt->addr == addr(198, 51, 100, 6) && alt->prefix_len == 30,
		  "alt.address 198.51.100.6/30 (0x%08x/%u)", alt->addr, alt->prefix_len);
	TAP_CHECK(in->present && in->role == GW_ROLE_INSIDE &&
		  strcmp(in->devargs, "net_tap0,iface=gw-in") == 0,
		  "inside.port: '%s'", in->devargs);
	TAP_CHECK(in->addr == addr(172, 17, 0, 1) && in->prefix_len == 16,
		  "inside.address 172.17.0.1/16 (0x%08x/%u)", in->addr, in->prefix_len);
	for (size_t i = 0; i < ARRAY_LEN(switches); i++)
		TAP_CHECK(switch_value(&cfg.igmp, &switches[i]), "igmp.%s on", switches[i].name);
	TAP_CHECK(cfg.igmp.unicast_dst == addr(192, 0, 2, 254),
		  "igmp.unicast_dst 192.0.2.254 in network order (0x%08x)", cfg.igmp.unicast_dst);
	TAP_CHECK(cfg.igmp.active_outside == GW_ROLE_ALT, "igmp.active_outside alt (%s)",
		  gw_role_name(cfg.igmp.active_outside));
	TAP_CHECK(cfg.igmp.self_query_interval == 125, "igmp.self_query_interval 125 (%u)",
		  cfg.igmp.self_query_interval);
	TAP_CHECK(cfg.exception == GW_EXCEPTION_VIRTIO_USER, "exception.mode virtio-user (%d)",
		  (int)cfg.exception);
	TAP_CHECK(strcmp(cfg.control.socket, "/tmp/igmpgw-test.sock") == 0,
		  "control.socket: '%s'", cfg.control.socket);
	TAP_CHECK(strcmp(cfg.control.group, "netdev") == 0, "control.group: '%s'",
		  cfg.control.group);
	TAP_CHECK(cfg.control.max_clients == 4, "control.max_clients 4 (%u)",
		  cfg.control.max_clients);
}

static void
test_defaults(void)
{
	struct gw_config cfg;
	char err[GW_ERR_LEN];
	bool any_on = false;
	int ret;

	/* Filled with junk first: the reader must set every default itself. */
	memset(&cfg, 0xa5, sizeof(cfg));
	ret = load_text(MINIMAL, NULL, 0, &cfg, err, sizeof(err));
	TAP_CHECK(ret == 0, "minimal config loads (ret %d%s%s)", ret, ret == 0 ? "" : ": ",
		  ret == 0 ? "" : one_line(err));
	if (ret != 0)
		return;
	for (size_t i = 0; i < ARRAY_LEN(switches); i++)
		any_on = any_on || switch_value(&cfg.igmp, &switches[i]);
	TAP_CHECK(!any_on, "default: every switch off");
	TAP_CHECK(!cfg.port[GW_ROLE_ALT].present, "default: no alt port");
	TAP_CHECK(cfg.port[GW_ROLE_OUTSIDE].present && cfg.port[GW_ROLE_INSIDE].present,
		  "outside and inside present");
	TAP_CHECK(cfg.igmp.active_outside == GW_ROLE_OUTSIDE,
		  "default: active_outside outside (%s)", gw_role_name(cfg.igmp.active_outside));
	TAP_CHECK(cfg.igmp.unicast_dst == 0, "default: no unicast_dst");
	TAP_CHECK(cfg.igmp.self_query_interval == 0, "default: self_query_interval 0 (off)");
	TAP_CHECK(cfg.exception == GW_EXCEPTION_TAP, "default: exception.mode tap (%d)",
		  (int)cfg.exception);
	TAP_CHECK(strcmp(cfg.control.socket, GW_CONTROL_SOCKET_DEFAULT) == 0 &&
		  cfg.control.group[0] == '\0' && cfg.control.max_clients == 16,
		  "default: control socket %s, no group, 16 clients", GW_CONTROL_SOCKET_DEFAULT);
	{
		const char *o[] = { "control.socket=none" };

		ret = load_text(MINIMAL, o, 1, &cfg, err, sizeof(err));
		TAP_CHECK(ret == 0 && cfg.control.socket[0] == '\0', "control.socket=none: no socket");
	}
}

/* Every spelling of yes and no, and each switch alone. */
static void
test_switches(void)
{
	static const char *const yes[] = { "yes", "true", "1", "on" };
	static const char *const no[] = { "no", "false", "0", "off" };
	struct gw_config cfg;
	char err[GW_ERR_LEN];
	char set[96];
	const char *overrides[] = { set };

	for (size_t i = 0; i < ARRAY_LEN(switches); i++) {
		bool only_this = true;
		int ret;

		snprintf(set, sizeof(set), "igmp.%s=%s", switches[i].name, yes[i % ARRAY_LEN(yes)]);
		ret = load_text(MINIMAL, overrides, 1, &cfg, err, sizeof(err));
		for (size_t j = 0; j < ARRAY_LEN(switches); j++)
			if (switch_value(&cfg.igmp, &switches[j]) != (i == j))
				only_this = false;
		TAP_CHECK(ret == 0 && only_this, "--set %s turns on that switch alone", set);
	}
	for (size_t i = 0; i < ARRAY_LEN(no); i++) {
		char text[1024];
		int ret;

		snprintf(text, sizeof(text), "%s[igmp]\nquery_notify = %s\n", MINIMAL, no[i]);
		ret = load_text(text, NULL, 0, &cfg, err, sizeof(err));
		TAP_CHECK(ret == 0 && !cfg.igmp.query_notify, "'%s' reads as off", no[i]);
	}
}

static void
test_comments_and_blanks(void)
{
	static const char text[] =
		"; leading comment\n"
		"\n"
		"   \n"
		"[outside]   ; the upstream\n"
		"port = net_null0 ; a null vdev\n"
		"\n"
		"address=10.0.0.2/24;no space before the comment\n"
		"\n"
		"; between sections\n"
		"[inside]\n"
		"  port   =   net_null1  \n"
		"address = 172.17.0.1/16\n"
		"[igmp]\n"
		"query_notify = yes ; tell the application\n"
		"self_query_interval = 60 ; seconds\n"
		"\n";
	struct gw_config cfg;
	char err[GW_ERR_LEN];
	int ret;

	ret = load_text(text, NULL, 0, &cfg, err, sizeof(err));
	TAP_CHECK(ret == 0, "comments and blank lines load (ret %d%s%s)", ret, ret == 0 ? "" : ": ",
		  ret == 0 ? "" : one_line(err));
	if (ret != 0)
		return;
	TAP_CHECK(strcmp(cfg.port[GW_ROLE_OUTSIDE].devargs, "net_null0") == 0,
		  "inline comment stripped from outside.port: '%s'",
		  cfg.port[GW_ROLE_OUTSIDE].devargs);
	TAP_CHECK(cfg.port[GW_ROLE_OUTSIDE].addr == addr(10, 0, 0, 2) &&
		  cfg.port[GW_ROLE_OUTSIDE].prefix_len == 24,
		  "comment right after the value stripped from outside.address");
	TAP_CHECK(strcmp(cfg.port[GW_ROLE_INSIDE].devargs, "net_null1") == 0,
		  "spaces around key and value stripped: '%s'", cfg.port[GW_ROLE_INSIDE].devargs);
	TAP_CHECK(cfg.igmp.query_notify && cfg.igmp.self_query_interval == 60,
		  "values before comments read (query_notify %d, self_query_interval %u)",
		  cfg.igmp.query_notify, cfg.igmp.self_query_interval);
}

static void
test_overrides(void)
{
	struct gw_config cfg;
	char err[GW_ERR_LEN];
	int ret;

	{
		/* Existing keys replaced; the last --set of a key wins. */
		const char *o[] = {
			"outside.address=10.9.9.9/8",
			"igmp.self_query_interval=5",
			"igmp.self_query_interval=7",
			"exception.mode=none",
		};
		char text[1024];

		snprintf(text, sizeof(text),
			 "%s[igmp]\nself_query_interval = 125\n[exception]\nmode = tap\n", MINIMAL);
		ret = load_text(text, o, ARRAY_LEN(o), &cfg, err, sizeof(err));
		TAP_CHECK(ret == 0 && cfg.port[GW_ROLE_OUTSIDE].addr == addr(10, 9, 9, 9) &&
			  cfg.port[GW_ROLE_OUTSIDE].prefix_len == 8,
			  "--set replaces outside.address (ret %d)", ret);
		TAP_CHECK(ret == 0 && cfg.igmp.self_query_interval == 7,
			  "--set replaces igmp.self_query_interval, last one wins (%u)",
			  cfg.igmp.self_query_interval);
		TAP_CHECK(ret == 0 && cfg.exception == GW_EXCEPTION_NONE,
			  "--set replaces exception.mode (%d)", (int)cfg.exception);
	}
	{
		/* A new key in a section the file has. */
		const char *o[] = { "igmp.unicast_dst=10.0.0.1" };
		char text[1024];

		snprintf(text, sizeof(text), "%s[igmp]\nquery_notify = yes\n", MINIMAL);
		ret = load_text(text, o, 1, &cfg, err, sizeof(err));
		TAP_CHECK(ret == 0 && cfg.igmp.unicast_dst == addr(10, 0, 0, 1) &&
			  cfg.igmp.query_notify,
			  "--set adds a key to an existing section (ret %d)", ret);
	}
	{
		/* New sections: [igmp] and [exception] absent from the file. */
		const char *o[] = { "igmp.query_notify=yes", "exception.mode=virtio-user" };

		ret = load_text(MINIMAL, o, ARRAY_LEN(o), &cfg, err, sizeof(err));
		TAP_CHECK(ret == 0 && cfg.igmp.query_notify &&
			  cfg.exception == GW_EXCEPTION_VIRTIO_USER,
			  "--set creates [igmp] and [exception] (ret %d)", ret);
	}
	{
		/* A whole [alt] from the command line, made active. */
		const char *o[] = {
			"alt.port=net_pcap0,iface=gre1",
			"alt.address=192.0.2.6/30",
			"igmp.active_outside=alt",
		};

		ret = load_text(MINIMAL, o, ARRAY_LEN(o), &cfg, err, sizeof(err));
		TAP_CHECK(ret == 0 && cfg.port[GW_ROLE_ALT].present &&
			  strcmp(cfg.port[GW_ROLE_ALT].devargs, "net_pcap0,iface=gre1") == 0 &&
			  cfg.port[GW_ROLE_ALT].addr == addr(192, 0, 2, 6) &&
			  cfg.port[GW_ROLE_ALT].prefix_len == 30 &&
			  cfg.igmp.active_outside == GW_ROLE_ALT,
			  "--set creates [alt] with port and address, active (ret %d%s%s)", ret,
			  ret == 0 ? "" : ": ", ret == 0 ? "" : one_line(err));
	}
	{
		/* [alt] from --set alone is incomplete without an address. */
		const char *o[] = { "alt.port=net_null2" };

		check_error("--set alt.port without alt.address", MINIMAL, o, 1, "alt.address");
	}
	{
		/* An override is checked like the file: a typo is not silently ignored. */
		check_error_set("--set unknown key", "igmp.query_notfy=yes", "igmp.query_notfy");
		check_error_set("--set unknown section", "igpm.query_notify=yes", "[igpm]");
		check_error_set("--set bad bool", "igmp.proxy_in_to_out=perhaps",
				"igmp.proxy_in_to_out");
	}
}

/* Addresses the port keys must take or refuse. */
static void
test_addresses(void)
{
	static const char *const good[] = {
		"172.17.0.1/32",
		"172.17.0.0/31",  /* RFC 3021: both /31 addresses are hosts */
		"223.255.255.1/24", /* last class C, still unicast */
	};
	static const char *const bad[] = {
		"172.17.0.1",      /* no prefix */
		"172.17.0.1/",     /* empty prefix */
		"172.17.0.1/33",
		"172.17.0.1/0",
		"172.17.0.1/-1",
		"172.17.0.1/16x",
		"239.1.1.1/24",    /* multicast */
		"224.0.0.1/4",
		"240.0.0.1/8",     /* class E */
		"255.255.255.255/32",
		"0.0.0.0/8",
		"garbage",
		"garbage/24",
		"172.17.0.256/16",
		"172.17.0/16",
		"172.17.0.1.5/16",
		"172.17.0.1/16/16",
		"1111111111111111111111111111111111111111.1/8", /* longer than any address */
		"172.17.0.0/24",   /* the subnet's network address */
		"172.17.0.255/24", /* its broadcast address */
		"127.0.0.1/8",     /* loopback */
	};
	struct gw_config cfg;
	char err[GW_ERR_LEN];

	for (size_t i = 0; i < ARRAY_LEN(good); i++) {
		char text[1024];
		int ret;

		snprintf(text, sizeof(text), WITH_INSIDE_ADDRESS, good[i]);
		ret = load_text(text, NULL, 0, &cfg, err, sizeof(err));
		TAP_CHECK(ret == 0, "inside.address %s accepted (ret %d)", good[i], ret);
	}
	for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
		char text[1024];
		char what[96];

		snprintf(text, sizeof(text), WITH_INSIDE_ADDRESS, bad[i]);
		snprintf(what, sizeof(what), "inside.address %s", bad[i]);
		check_error(what, text, NULL, 0, "inside.address");
	}
}

/* rte_cfgfile reads only the first of two sections or keys: a repeat must be refused. */
static void
test_repeats(void)
{
	check_error_line("section given twice", "[igmp]\nquery_notify = yes\n[igmp]\nquery_notify = no\n",
			 "[igmp]");
	check_error_line("key given twice", "[igmp]\nquery_notify = yes\nquery_notify = no\n",
			 "igmp.query_notify");
	check_error("inside section given twice", MINIMAL "[inside]\nport = x\naddress = 10.9.0.1/24\n",
		    NULL, 0, "[inside]");
}

static void
test_errors(void)
{
	char path[128];
	char want[192];
	struct gw_config cfg;
	char err[GW_ERR_LEN];
	int ret;

	check_error_line("unknown section", "[upstream]\nport = x\n", "[upstream]");
	check_error_line("unknown key in [igmp]", "[igmp]\nproxy_out_to_inn = yes\n",
			 "igmp.proxy_out_to_inn");
	check_error_line("unknown key in a port section", "[alt]\nport = x\naddress = 10.1.0.2/24\n"
			 "speed = 10G\n", "alt.speed");
	check_error_line("unknown key in [exception]", "[exception]\ntype = tap\n",
			 "exception.type");
	check_error_line("bad bool", "[igmp]\nquery_notify = maybe\n", "igmp.query_notify");
	check_error_line("empty bool", "[igmp]\nleave_to_network =\n", "igmp.leave_to_network");
	check_error_line("bad unicast_dst", "[igmp]\nunicast_dst = 10.0.0\n", "igmp.unicast_dst");

	check_error("missing [inside]", "[outside]\nport = a\naddress = 10.0.0.2/24\n", NULL, 0,
		    "[inside]");
	check_error("missing [outside]", "[inside]\nport = a\naddress = 10.0.0.2/24\n", NULL, 0,
		    "[outside]");
	check_error("empty file", "", NULL, 0, "[outside]");
	check_error("missing port", "[outside]\naddress = 10.0.0.2/24\n"
		    "[inside]\nport = b\naddress = 172.17.0.1/16\n", NULL, 0, "outside.port");
	check_error("empty port", "[outside]\nport =\naddress = 10.0.0.2/24\n"
		    "[inside]\nport = b\naddress = 172.17.0.1/16\n", NULL, 0, "outside.port");
	check_error("missing address", "[outside]\nport = a\naddress = 10.0.0.2/24\n"
		    "[inside]\nport = b\n", NULL, 0, "inside.address");
	check_error_line("missing alt.port", "[alt]\naddress = 10.1.0.2/24\n", "alt.port");
	check_error_line("missing alt.address", "[alt]\nport = c\n", "alt.address");

	check_error_line("active_outside=alt without [alt]", "[igmp]\nactive_outside = alt\n",
			 "igmp.active_outside");
	check_error_line("active_outside=inside", "[igmp]\nactive_outside = inside\n",
			 "igmp.active_outside");
	check_error_line("active_outside empty", "[igmp]\nactive_outside =\n",
			 "igmp.active_outside");

	check_error_line("self_query_interval negative", "[igmp]\nself_query_interval = -1\n",
			 "igmp.self_query_interval");
	check_error_line("self_query_interval text", "[igmp]\nself_query_interval = ten\n",
			 "igmp.self_query_interval");
	check_error_line("self_query_interval with unit", "[igmp]\nself_query_interval = 10s\n",
			 "igmp.self_query_interval");
	check_error_line("self_query_interval above 31744", "[igmp]\nself_query_interval = 31745\n",
			 "igmp.self_query_interval");
	check_error_line("self_query_interval past 64 bits",
			 "[igmp]\nself_query_interval = 99999999999999999999999\n",
			 "igmp.self_query_interval");
	{
		char text[1024];

		snprintf(text, sizeof(text), "%s[igmp]\nself_query_interval = 31744\n", MINIMAL);
		ret = load_text(text, NULL, 0, &cfg, err, sizeof(err));
		TAP_CHECK(ret == 0 && cfg.igmp.self_query_interval == 31744,
			  "self_query_interval 31744 (the largest QQIC) accepted (ret %d)", ret);
	}

	check_error_line("bad exception.mode", "[exception]\nmode = kni\n", "exception.mode");
	check_error_line("relative control.socket", "[control]\nsocket = igmpgw.sock\n",
			 "control.socket");
	check_error_line("control.max_clients 0", "[control]\nmax_clients = 0\n",
			 "control.max_clients");
	check_error_line("control.max_clients 1025", "[control]\nmax_clients = 1025\n",
			 "control.max_clients");
	check_error_line("control.max_clients text", "[control]\nmax_clients = many\n",
			 "control.max_clients");
	{
		char set[160];

		snprintf(set, sizeof(set), "control.socket=/%0120d", 0);
		check_error_set("control.socket longer than sun_path", set, "control.socket");
		snprintf(set, sizeof(set), "control.group=%070d", 0);
		check_error_set("control.group too long", set, "control.group");
	}

	check_error_set("--set without a dot", "igmpquery_notify=yes", "igmpquery_notify=yes");
	check_error_set("--set without =", "igmp.query_notify", "igmp.query_notify");
	check_error_set("--set without a section", ".query_notify=yes", ".query_notify=yes");
	check_error_set("--set without a key", "igmp.=yes", "igmp.=yes");
	check_error_set("--set with the dot after =", "igmp=query.notify", "igmp=query.notify");
	{
		char set[400];

		snprintf(set, sizeof(set), "igmp.unicast_dst=%0300d", 1);
		check_error_set("--set with a value too long", set, "igmp.unicast_dst");
	}

	check_error("key before any section", "port = a\n" MINIMAL, NULL, 0,
		    "not a valid INI file");

	snprintf(path, sizeof(path), "/tmp/igmpgw-test-config-missing-%ld", (long)getpid());
	unlink(path);
	snprintf(want, sizeof(want), "%s: %s", path, strerror(ENOENT));
	ret = gw_config_load(&cfg, path, NULL, 0, err, sizeof(err));
	TAP_CHECK(ret == -EINVAL && strstr(err, want) != NULL && strchr(err, '\n') == NULL,
		  "nonexistent file: refused with path and strerror: %s", one_line(err));
}

/* ---- membership tracking, querier, limits, forwarding ---- */

/* The new sections, none at its default; every inside port from inside to inside16. */
static const char tracking_config[] =
	MINIMAL
	"[inside2]\nport = net_null2\naddress = 172.18.0.1/16\n"
	"[inside3]\nport = net_null3\naddress = 172.19.0.1/16\n"
	"[inside4]\nport = net_null4\naddress = 172.20.0.1/16\n"
	"[inside5]\nport = net_null5\naddress = 172.21.0.1/16\n"
	"[inside6]\nport = net_null6\naddress = 172.22.0.1/16\n"
	"[inside7]\nport = net_null7\naddress = 172.23.0.1/16\n"
	"[inside8]\nport = net_tap8,iface=gw-in8\naddress = 172.24.0.1/16\n"
	"[inside9]\nport = net_null9\naddress = 172.25.0.1/16\n"
	"[inside10]\nport = net_null10\naddress = 172.26.0.1/16\n"
	"[inside11]\nport = net_null11\naddress = 172.27.0.1/16\n"
	"[inside12]\nport = net_null12\naddress = 172.28.0.1/16\n"
	"[inside13]\nport = net_null13\naddress = 172.29.0.1/16\n"
	"[inside14]\nport = net_null14\naddress = 172.30.0.1/16\n"
	"[inside15]\nport = net_null15\naddress = 172.31.0.1/16\n"
	"[inside16]\nport = net_null16\naddress = 172.32.0.1/16\n"
	"[proxy]\ntrack_membership = yes\n"
	"[querier]\n"
	"enabled = yes\n"
	"version = 2\n"
	"query_interval = 60\n"
	"query_response_interval = 0.5\n"
	"robustness = 3\n"
	"last_member_query_interval = 0.25\n"
	"last_member_query_count = 5\n"
	"max_adopted_robustness = 5\n"
	"max_adopted_query_interval = 90.5\n"
	"[limits]\n"
	"max_groups = 500\n"
	"max_groups_per_port = 100\n"
	"max_sources_per_group = 1\n"
	"[forward]\nenabled = yes\n"
	"[mroute]\n"
	"tv = 239.1.0.0/16 to inside inside2\n"
	"ssm = 232.1.1.1 source 10.0.0.1 to inside8\n"
	"all\t=\t224.0.0.0/4\tto\tinside3 ; every group\n";

static uint32_t
role_bit(enum gw_role role)
{
	return 1u << role;
}

static void
test_tracking_full(void)
{
	struct gw_config cfg;
	char err[GW_ERR_LEN];
	const struct gw_querier_config *q = &cfg.querier;
	const struct gw_mroute *rt = cfg.forward.mroutes;
	bool all_inside = true;
	int ret;

	ret = load_text(tracking_config, NULL, 0, &cfg, err, sizeof(err));
	TAP_CHECK(ret == 0, "tracking config loads (ret %d%s%s)", ret, ret == 0 ? "" : ": ",
		  ret == 0 ? "" : one_line(err));
	if (ret != 0)
		return;
	for (int r = GW_ROLE_INSIDE; r < GW_MAX_PORTS; r++) {
		char want[32];

		snprintf(want, sizeof(want), "172.%d.0.1", 17 + r - GW_ROLE_INSIDE);
		if (!cfg.port[r].present || cfg.port[r].role != (enum gw_role)r ||
		    cfg.port[r].addr != inet_addr(want) || cfg.port[r].prefix_len != 16)
			all_inside = false;
	}
	TAP_CHECK(all_inside, "inside .. inside16 present, each with its role and address");
	TAP_CHECK(strcmp(cfg.port[GW_ROLE_INSIDE + 7].devargs, "net_tap8,iface=gw-in8") == 0 &&
		  strcmp(gw_role_name(GW_ROLE_INSIDE + 7), "inside8") == 0 &&
		  strcmp(gw_role_name(GW_ROLE_INSIDE + 1), "inside2") == 0,
		  "inside8.port '%s', role names inside2 and inside8",
		  cfg.port[GW_ROLE_INSIDE + 7].devargs);
	TAP_CHECK(gw_role_is_inside(GW_ROLE_INSIDE + 7) && !gw_role_is_inside(GW_ROLE_ALT),
		  "inside8 plays the inside role, alt does not");
	TAP_CHECK(cfg.track_membership, "proxy.track_membership on");
	TAP_CHECK(q->enabled && q->version == 2, "querier.enabled on, version 2 (%u)", q->version);
	TAP_CHECK(q->query_interval_ms == 60000, "querier.query_interval 60 s (%u ms)",
		  q->query_interval_ms);
	TAP_CHECK(q->query_response_interval_ms == 500, "querier.query_response_interval 0.5 s (%u ms)",
		  q->query_response_interval_ms);
	TAP_CHECK(q->robustness == 3, "querier.robustness 3 (%u)", q->robustness);
	TAP_CHECK(q->last_member_query_interval_ms == 250,
		  "querier.last_member_query_interval 0.25 s (%u ms)",
		  q->last_member_query_interval_ms);
	TAP_CHECK(q->last_member_query_count == 5, "querier.last_member_query_count 5 (%u)",
		  q->last_member_query_count);
	TAP_CHECK(q->max_adopted_robustness == 5 && q->max_adopted_query_interval_ms == 90500,
		  "querier.max_adopted_robustness 5, max_adopted_query_interval 90.5 s (%u, %u ms)",
		  q->max_adopted_robustness, q->max_adopted_query_interval_ms);
	TAP_CHECK(cfg.limits.max_groups == 500 && cfg.limits.max_groups_per_port == 100 &&
		  cfg.limits.max_sources_per_group == 1,
		  "limits 500/100/1 (%u/%u/%u)", cfg.limits.max_groups, cfg.limits.max_groups_per_port,
		  cfg.limits.max_sources_per_group);
	TAP_CHECK(cfg.forward.enabled, "forward.enabled on");
	TAP_CHECK(cfg.forward.n_mroutes == 3, "three mroutes (%u)", cfg.forward.n_mroutes);
	if (cfg.forward.n_mroutes != 3)
		return;
	TAP_CHECK(rt[0].group == addr(239, 1, 0, 0) && rt[0].prefix_len == 16 && rt[0].source == 0 &&
		  rt[0].ports == (role_bit(GW_ROLE_INSIDE) | role_bit(GW_ROLE_INSIDE + 1)),
		  "mroute tv: 239.1.0.0/16 from any source to inside and inside2 (0x%08x/%u, 0x%x)",
		  ntohl(rt[0].group), rt[0].prefix_len, rt[0].ports);
	TAP_CHECK(rt[1].group == addr(232, 1, 1, 1) && rt[1].prefix_len == 32 &&
		  rt[1].source == addr(10, 0, 0, 1) && rt[1].ports == role_bit(GW_ROLE_INSIDE + 7),
		  "mroute ssm: 232.1.1.1/32 from 10.0.0.1 to inside8 (/%u, 0x%x)", rt[1].prefix_len,
		  rt[1].ports);
	TAP_CHECK(rt[2].group == addr(224, 0, 0, 0) && rt[2].prefix_len == 4 &&
		  rt[2].ports == role_bit(GW_ROLE_INSIDE + 2),
		  "mroute all: tabs and a comment, 224.0.0.0/4 to inside3 (/%u, 0x%x)",
		  rt[2].prefix_len, rt[2].ports);
}

/* [join]: smcroute's mgroup, NAME = GROUP [source ADDR]... */
static void
test_joins(void)
{
	static const char *const bad[] = {
		"",
		"10.0.0.1",                     /* not a group */
		"240.0.0.1",
		"239.1.1",
		"239.1.1.1 to inside",          /* a join names no ports */
		"239.1.1.1 source",
		"239.1.1.1 source bogus",
		"239.1.1.1 source 0.0.0.0",
		"239.1.1.1 source 239.1.1.2",
		"239.1.1.1 10.0.0.1",
		"224.0.0.22",                   /* link-local: never reported */
		/* over GW_JOIN_MAX_SOURCES (parenthesised: one string on purpose) */
		("239.1.1.1 source 1.0.0.1 source 1.0.0.2 source 1.0.0.3 source 1.0.0.4 "
		 "source 1.0.0.5 source 1.0.0.6 source 1.0.0.7 source 1.0.0.8 source 1.0.0.9"),
	};
	const char *o[] = { "join.cam=239.5.5.5" };
	struct gw_config cfg;
	char err[GW_ERR_LEN];
	char text[64];
	int ret;

	for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
		char line[400];
		char what[300];

		snprintf(line, sizeof(line), "[join]\njoin_%zu = %s\n", i, bad[i]);
		snprintf(what, sizeof(what), "join '%s'", bad[i]);
		snprintf(text, sizeof(text), "join.join_%zu", i);
		check_error_line(what, line, text);
	}
	ret = load_text(MINIMAL "[join]\ntv = 239.1.1.1\n"
			"ssm = 232.1.1.1 source 10.0.0.1 source 10.0.0.2 ; two sources\n",
			NULL, 0, &cfg, err, sizeof(err));
	TAP_CHECK(ret == 0 && cfg.join.n == 2, "two joins load (ret %d, %u)", ret, cfg.join.n);
	if (ret != 0 || cfg.join.n != 2)
		return;
	TAP_CHECK(strcmp(cfg.join.joins[0].name, "tv") == 0 &&
		  cfg.join.joins[0].group == addr(239, 1, 1, 1) && cfg.join.joins[0].n_sources == 0,
		  "join tv: 239.1.1.1 from any source");
	TAP_CHECK(strcmp(cfg.join.joins[1].name, "ssm") == 0 &&
		  cfg.join.joins[1].group == addr(232, 1, 1, 1) && cfg.join.joins[1].n_sources == 2 &&
		  cfg.join.joins[1].sources[0] == addr(10, 0, 0, 1) &&
		  cfg.join.joins[1].sources[1] == addr(10, 0, 0, 2),
		  "join ssm: 232.1.1.1 from 10.0.0.1 and 10.0.0.2 (%u sources)",
		  cfg.join.joins[1].n_sources);
	ret = load_text(MINIMAL, o, 1, &cfg, err, sizeof(err));
	TAP_CHECK(ret == 0 && cfg.join.n == 1 && cfg.join.joins[0].group == addr(239, 5, 5, 5),
		  "--set join.cam=239.5.5.5 makes a join (ret %d, %u)", ret, cfg.join.n);
	ret = load_text(MINIMAL, NULL, 0, &cfg, err, sizeof(err));
	TAP_CHECK(ret == 0 && cfg.join.n == 0, "default: no joins");
}

static void
test_tracking_defaults(void)
{
	struct gw_config cfg;
	char err[GW_ERR_LEN];
	const struct gw_querier_config *q = &cfg.querier;
	bool no_extra_inside = true;
	int ret;

	memset(&cfg, 0x5a, sizeof(cfg));
	ret = load_text(MINIMAL, NULL, 0, &cfg, err, sizeof(err));
	TAP_CHECK(ret == 0, "minimal config loads for the tracking defaults (ret %d)", ret);
	if (ret != 0)
		return;
	TAP_CHECK(!cfg.track_membership, "default: no membership tracking");
	TAP_CHECK(!q->enabled && q->version == 3, "default: querier off, version 3 (%u)",
		  q->version);
	/* RFC 3376 §8.2, §8.3, §8.1, §8.8. */
	TAP_CHECK(q->query_interval_ms == 125000 && q->query_response_interval_ms == 10000,
		  "default: query interval 125 s, response interval 10 s (%u, %u ms)",
		  q->query_interval_ms, q->query_response_interval_ms);
	TAP_CHECK(q->robustness == 2 && q->last_member_query_interval_ms == 1000 &&
		  q->last_member_query_count == 2,
		  "default: robustness 2, last member query 1 s x 2 (%u, %u ms, %u)", q->robustness,
		  q->last_member_query_interval_ms, q->last_member_query_count);
	TAP_CHECK(q->max_adopted_robustness == 4 && q->max_adopted_query_interval_ms == 250000,
		  "default: another querier's QRV and QQIC adopted up to 4 and 250 s (%u, %u ms)",
		  q->max_adopted_robustness, q->max_adopted_query_interval_ms);
	TAP_CHECK(cfg.limits.max_groups == 16384 && cfg.limits.max_groups_per_port == 16384 &&
		  cfg.limits.max_sources_per_group == 64,
		  "default limits 16384/16384/64 (%u/%u/%u)", cfg.limits.max_groups,
		  cfg.limits.max_groups_per_port, cfg.limits.max_sources_per_group);
	TAP_CHECK(!cfg.forward.enabled && cfg.forward.n_mroutes == 0,
		  "default: no forwarding, no mroutes");
	for (int r = GW_ROLE_INSIDE + 1; r < GW_MAX_PORTS; r++)
		no_extra_inside = no_extra_inside && !cfg.port[r].present;
	TAP_CHECK(no_extra_inside, "default: no inside2 .. inside8");

	{
		/* last_member_query_count follows robustness unless given. */
		const char *o[] = { "querier.robustness=6" };
		const char *o2[] = { "querier.robustness=6", "querier.last_member_query_count=1" };

		ret = load_text(MINIMAL, o, 1, &cfg, err, sizeof(err));
		TAP_CHECK(ret == 0 && q->robustness == 6 && q->last_member_query_count == 6,
			  "robustness 6 alone: last_member_query_count 6 too (%u)",
			  q->last_member_query_count);
		ret = load_text(MINIMAL, o2, 2, &cfg, err, sizeof(err));
		TAP_CHECK(ret == 0 && q->robustness == 6 && q->last_member_query_count == 1,
			  "robustness 6, last_member_query_count 1: kept apart (%u)",
			  q->last_member_query_count);
	}
	{
		/* The adopted maxima follow what is configured: twice, within the fields. */
		const char *o[] = { "querier.robustness=3", "querier.query_interval=60" };
		const char *o2[] = { "querier.robustness=4", "querier.query_interval=20000" };
		const char *o3[] = { "querier.robustness=3", "querier.max_adopted_robustness=3",
				     "querier.query_interval=60",
				     "querier.max_adopted_query_interval=60" };

		ret = load_text(MINIMAL, o, 2, &cfg, err, sizeof(err));
		TAP_CHECK(ret == 0 && q->max_adopted_robustness == 6 &&
			  q->max_adopted_query_interval_ms == 120000,
			  "robustness 3, query interval 60 s: maxima 6 and 120 s (%u, %u ms)",
			  q->max_adopted_robustness, q->max_adopted_query_interval_ms);
		ret = load_text(MINIMAL, o2, 2, &cfg, err, sizeof(err));
		TAP_CHECK(ret == 0 && q->max_adopted_robustness == 7 &&
			  q->max_adopted_query_interval_ms == 31744000,
			  "robustness 4, query interval 20000 s: maxima 7 and 31744 s, what QRV and "
			  "QQIC hold (%u, %u ms)", q->max_adopted_robustness,
			  q->max_adopted_query_interval_ms);
		ret = load_text(MINIMAL, o3, 4, &cfg, err, sizeof(err));
		TAP_CHECK(ret == 0 && q->max_adopted_robustness == 3 &&
			  q->max_adopted_query_interval_ms == 60000,
			  "maxima equal to our own values load: nothing larger is adopted (ret %d)",
			  ret);
	}
	{
		/* Tracking without a querier is fine: another router may query. */
		const char *o[] = { "proxy.track_membership=yes" };

		ret = load_text(MINIMAL, o, 1, &cfg, err, sizeof(err));
		TAP_CHECK(ret == 0 && cfg.track_membership && !q->enabled,
			  "track_membership without a querier loads (ret %d)", ret);
	}
}

/* Seconds with decimals: what the reader takes and how many milliseconds it makes. */
static void
test_seconds(void)
{
	static const struct {
		const char *text;
		uint32_t ms;
	} good[] = {
		{ "1", 1000 },
		{ "0.1", 100 },
		{ "0.5", 500 },
		{ "2.05", 2050 },
		{ "0.125", 125 },
		{ "3174.4", 3174400 },
		{ "007", 7000 },
	};
	struct gw_config cfg;
	char err[GW_ERR_LEN];
	char set[96];
	const char *o[] = { set };

	for (size_t i = 0; i < ARRAY_LEN(good); i++) {
		int ret;

		snprintf(set, sizeof(set), "querier.last_member_query_interval=%s", good[i].text);
		ret = load_text(MINIMAL, o, 1, &cfg, err, sizeof(err));
		TAP_CHECK(ret == 0 && cfg.querier.last_member_query_interval_ms == good[i].ms,
			  "last_member_query_interval '%s' is %u ms (ret %d, %u)", good[i].text,
			  good[i].ms, ret, cfg.querier.last_member_query_interval_ms);
	}
	{
		const char *qi[] = { "querier.query_interval=31744",
				     "querier.query_response_interval=3174.4" };
		int ret = load_text(MINIMAL, qi, 2, &cfg, err, sizeof(err));

		TAP_CHECK(ret == 0 && cfg.querier.query_interval_ms == 31744000 &&
			  cfg.querier.query_response_interval_ms == 3174400,
			  "the largest intervals QQIC and Max Resp Code hold (ret %d)", ret);
	}
	{
		const char *qi[] = { "querier.query_interval=1",
				     "querier.query_response_interval=0.999" };
		int ret = load_text(MINIMAL, qi, 2, &cfg, err, sizeof(err));

		TAP_CHECK(ret == 0 && cfg.querier.query_interval_ms == 1000 &&
			  cfg.querier.query_response_interval_ms == 999,
			  "query_interval 1 s with a response interval of 0.999 s (ret %d%s%s)", ret,
			  ret == 0 ? "" : ": ", ret == 0 ? "" : one_line(err));
	}
}

static void
test_tracking_errors(void)
{
	static const struct {
		const char *key;    /* section.key */
		const char *value;
	} bad[] = {
		{ "proxy.track_membership", "maybe" },
		{ "proxy.track_membership", "" },
		{ "querier.enabled", "2" },
		{ "querier.version", "0" },
		{ "querier.version", "4" },
		{ "querier.version", "v3" },
		{ "querier.version", "" },
		{ "querier.query_interval", "0" },
		{ "querier.query_interval", "0.5" },
		{ "querier.query_interval", "31744.001" },
		{ "querier.query_interval", "31745" },
		{ "querier.query_interval", "99999999999999999999" },
		{ "querier.query_interval", "-1" },
		{ "querier.query_interval", "1.2345" },
		{ "querier.query_interval", "1e3" },
		{ "querier.query_interval", "10s" },
		{ "querier.query_interval", ".5" },
		{ "querier.query_interval", "1,5" },
		{ "querier.query_interval", "" },
		{ "querier.query_response_interval", "0" },
		{ "querier.query_response_interval", "0.05" },
		{ "querier.query_response_interval", "3174.5" },
		{ "querier.query_response_interval", "ten" },
		{ "querier.robustness", "0" },
		{ "querier.robustness", "8" },
		{ "querier.robustness", "2.5" },
		{ "querier.last_member_query_interval", "0" },
		{ "querier.last_member_query_interval", "0.099" },
		{ "querier.last_member_query_interval", "3175" },
		{ "querier.last_member_query_count", "0" },
		{ "querier.last_member_query_count", "8" },
		{ "querier.last_member_query_count", "" },
		{ "querier.max_adopted_robustness", "1" },   /* below robustness 2 */
		{ "querier.max_adopted_robustness", "8" },
		{ "querier.max_adopted_robustness", "" },
		{ "querier.max_adopted_robustness", "four" },
		{ "querier.max_adopted_query_interval", "124.999" },  /* below 125 s */
		{ "querier.max_adopted_query_interval", "31744.001" },
		{ "querier.max_adopted_query_interval", "" },
		{ "querier.max_adopted_query_interval", "2d" },
		{ "limits.max_groups", "0" },
		{ "limits.max_groups", "1000001" },
		{ "limits.max_groups", "-5" },
		{ "limits.max_groups", "lots" },
		{ "limits.max_groups_per_port", "0" },
		{ "limits.max_groups_per_port", "1000001" },
		{ "limits.max_sources_per_group", "0" }, /* blamed proxy.track_membership */
		{ "limits.max_sources_per_group", "1025" },
		{ "limits.max_sources_per_group", "x" },
		{ "forward.enabled", "sometimes" },
		{ "querier.interval", "125" },
		{ "limits.groups", "10" },
		{ "forward.mode", "fast" },
		{ "proxy.tracking", "yes" },
	};
	char set[160];

	for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
		char what[160];

		snprintf(set, sizeof(set), "%s=%s", bad[i].key, bad[i].value);
		snprintf(what, sizeof(what), "%s '%s'", bad[i].key, bad[i].value);
		check_error_set(what, set, bad[i].key);
	}
	check_error_line("querier on without tracking", "[querier]\nenabled = yes\n",
			 "querier.enabled");
	check_error_line("querier on, track_membership no",
			 "[proxy]\ntrack_membership = no\n[querier]\nenabled = yes\n",
			 "querier.enabled");
	check_error_line("response interval equal to the query interval",
			 "[querier]\nquery_interval = 10\nquery_response_interval = 10\n",
			 "querier.query_response_interval");
	check_error_line("response interval above the query interval",
			 "[querier]\nquery_interval = 10\nquery_response_interval = 10.5\n",
			 "querier.query_response_interval");
	check_error_line("query interval under the default response interval (10 s)",
			 "[querier]\nquery_interval = 5\n", "querier.query_response_interval");
	check_error_line("max_adopted_robustness under a configured robustness",
			 "[querier]\nrobustness = 5\nmax_adopted_robustness = 4\n",
			 "querier.max_adopted_robustness");
	check_error_line("max_adopted_query_interval under a configured query interval",
			 "[querier]\nquery_interval = 30\nmax_adopted_query_interval = 29\n",
			 "querier.max_adopted_query_interval");
	check_error_line("unknown section [inside17]", "[inside17]\nport = x\naddress = 10.9.0.1/24\n",
			 "[inside17]");
	check_error_line("inside2 without an address", "[inside2]\nport = x\n", "inside2.address");
	check_error_line("inside8 without a port", "[inside8]\naddress = 10.8.0.1/24\n",
			 "inside8.port");
	check_error_line("inside3 with a bad address", "[inside3]\nport = x\naddress = 239.0.0.1/24\n",
			 "inside3.address");
	check_error_line("inside4 given twice",
			 "[inside4]\nport = x\naddress = 10.4.0.1/24\n"
			 "[inside4]\nport = y\naddress = 10.4.0.2/24\n", "[inside4]");
}

static void
test_mroutes(void)
{
	static const char *const bad[] = {
		"239.1.1.1",
		"239.1.1.1 to",
		"to inside",
		"",
		"10.0.0.1 to inside",           /* not a group */
		"240.0.0.1 to inside",
		"239.1.1.1/3 to inside",        /* wider than 224.0.0.0/4 */
		"239.1.1.1/33 to inside",
		"239.1.1.1/ to inside",
		"239.1.1.1/x to inside",
		"239.1.1 to inside",
		"239.1.1.1 source to inside",
		"239.1.1.1 source bogus to inside",
		"239.1.1.1 source 10.0.0.1",
		"239.1.1.1 source 10.0.0.1 source 10.0.0.2 to inside",
		"239.1.1.1 from inside",
		"239.1.1.1 inside",
		"239.1.1.1 to outside",         /* ports: configured inside ones only */
		"239.1.1.1 to alt",
		"239.1.1.1 to inside2",         /* not configured in MINIMAL */
		"239.1.1.1 to inside17",
		"239.1.1.1 to inside bogus",
		"239.1.1.1 to INSIDE",
	};
	struct gw_config cfg;
	char err[GW_ERR_LEN];
	char text[16384];
	size_t len;
	int ret;

	for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
		char line[320];
		char what[128];

		snprintf(line, sizeof(line), "[mroute]\nroute_%zu = %s\n", i, bad[i]);
		snprintf(what, sizeof(what), "mroute '%s'", bad[i]);
		snprintf(text, sizeof(text), "mroute.route_%zu", i);
		check_error_line(what, line, text);
	}
	check_error_line("mroute name given twice",
			 "[mroute]\na = 239.1.1.1 to inside\na = 239.1.1.2 to inside\n", "mroute.a");

	/* --set makes routes too; inside2 from --set is a port an mroute may use. */
	{
		const char *o[] = {
			"inside2.port=net_null2",
			"inside2.address=10.2.0.1/24",
			"mroute.cam=239.5.5.5 to inside2",
		};

		ret = load_text(MINIMAL, o, ARRAY_LEN(o), &cfg, err, sizeof(err));
		TAP_CHECK(ret == 0 && cfg.forward.n_mroutes == 1 &&
			  cfg.forward.mroutes[0].ports == role_bit(GW_ROLE_INSIDE + 1) &&
			  cfg.forward.mroutes[0].group == addr(239, 5, 5, 5) &&
			  strcmp(cfg.forward.mroutes[0].name, "cam") == 0,
			  "--set inside2 and an mroute to it, named by its key (ret %d%s%s)", ret, ret == 0 ? "" : ": ",
			  ret == 0 ? "" : one_line(err));
	}

	/* 64 routes fit, the 65th is refused. */
	len = (size_t)snprintf(text, sizeof(text), "%s[mroute]\n", MINIMAL);
	for (int i = 0; i < GW_MAX_MROUTES; i++)
		len += (size_t)snprintf(text + len, sizeof(text) - len,
					"r%d = 239.0.%d.1 to inside\n", i, i);
	ret = load_text(text, NULL, 0, &cfg, err, sizeof(err));
	TAP_CHECK(ret == 0 && cfg.forward.n_mroutes == GW_MAX_MROUTES &&
		  cfg.forward.mroutes[GW_MAX_MROUTES - 1].group == addr(239, 0, GW_MAX_MROUTES - 1, 1) &&
		  strcmp(cfg.forward.mroutes[GW_MAX_MROUTES - 1].name, "r63") == 0,
		  "%d mroutes load, in order, with their names (ret %d, %u)", GW_MAX_MROUTES, ret,
		  cfg.forward.n_mroutes);
	snprintf(text + len, sizeof(text) - len, "r%d = 239.9.9.9 to inside\n", GW_MAX_MROUTES);
	check_error("one mroute too many", text, NULL, 0, "[mroute]");
}

/* Ports that would route the same addresses through two kernel twins. */
static void
test_port_subnets(void)
{
	static const struct {
		const char *what;
		const char *set[2];
		const char *want;
	} bad[] = {
		{ "same address on two ports", { "inside.address=10.0.0.2/24" },
		  "inside.address: 10.0.0.2 is already outside's address" },
		{ "inside inside outside's subnet", { "inside.address=10.0.0.9/24" },
		  "inside.address: 10.0.0.9/24 overlaps outside's subnet 10.0.0.2/24" },
		{ "a wider subnet around another port's", { "inside.address=10.1.0.1/8" },
		  "inside.address: 10.1.0.1/8 overlaps outside's subnet 10.0.0.2/24" },
		{ "alt on inside's subnet", { "alt.port=net_null2", "alt.address=172.17.9.9/30" },
		  "inside.address: 172.17.0.1/16 overlaps alt's subnet 172.17.9.9/30" },
		{ "inside2 on inside's address",
		  { "inside2.port=net_null3", "inside2.address=172.17.0.1/32" },
		  "inside2.address: 172.17.0.1 is already inside's address" },
	};
	const char *o[] = { "inside.address=10.0.1.1/24", "alt.port=net_null2",
			    "alt.address=10.0.0.254/32" };
	struct gw_config cfg;
	char err[GW_ERR_LEN];
	int ret;

	for (size_t i = 0; i < ARRAY_LEN(bad); i++)
		check_error(bad[i].what, MINIMAL, bad[i].set, bad[i].set[1] == NULL ? 1 : 2,
			    bad[i].want);
	/* Neighbouring subnets are fine; a /32 inside another port's subnet is not. */
	ret = load_text(MINIMAL, o, 1, &cfg, err, sizeof(err));
	TAP_CHECK(ret == 0, "10.0.1.1/24 beside 10.0.0.2/24 accepted (ret %d %s)", ret,
		  ret == 0 ? "" : one_line(err));
	check_error("a /32 inside another port's subnet", MINIMAL, o + 1, 2, "alt.address");
}

/* -f must name a configuration: not a directory, a device or a huge file. */
static void
test_not_a_file(void)
{
	struct gw_config cfg;
	char err[GW_ERR_LEN];
	char big[] = "/tmp/igmpgw-test-big-XXXXXX";
	int fd;
	int ret;

	ret = gw_config_load(&cfg, "/tmp", NULL, 0, err, sizeof(err));
	TAP_CHECK(ret == -EINVAL && strcmp(err, "config: /tmp: is a directory, not a configuration file") == 0,
		  "-f DIRECTORY: %s", one_line(err));
	/* /dev/zero made rte_cfgfile spin for ever: this returns at once. */
	ret = gw_config_load(&cfg, "/dev/zero", NULL, 0, err, sizeof(err));
	TAP_CHECK(ret == -EINVAL && strstr(err, "config: /dev/zero: not a regular file") == err,
		  "-f /dev/zero: %s", one_line(err));
	fd = mkstemp(big);
	TAP_CHECK(fd >= 0 && ftruncate(fd, (2 << 20)) == 0, "a 2 MiB file made");
	if (fd >= 0)
		close(fd);
	ret = gw_config_load(&cfg, big, NULL, 0, err, sizeof(err));
	TAP_CHECK(ret == -EINVAL && strstr(err, "larger than a configuration can be") != NULL,
		  "-f 2 MiB of zeros: %s", one_line(err));
	unlink(big);
}

/* A control character in --set would break the one error line that echoes it. */
static void
test_set_control_characters(void)
{
	check_error_set("--set value with a newline", "igmp.proxy_in_to_out=ye\ns",
			"config: --set igmp.proxy_in_to_out=ye...: has a control character (a newline?) at position 24");
	check_error_set("--set key with a tab", "igmp.proxy\tin_to_out=yes",
			"--set igmp.proxy...: has a control character");
	check_error_set("--set with DEL", "igmp.proxy_in_to_out=yes\x7f",
			"control character");
}

/* [workers] idle: adaptive by default, busy on request, anything else one line naming the key. */
static void
test_workers(void)
{
	struct gw_config cfg;
	char err[GW_ERR_LEN];
	char text[1024];
	int ret;

	memset(&cfg, 0xa5, sizeof(cfg));
	ret = load_text(MINIMAL, NULL, 0, &cfg, err, sizeof(err));
	TAP_CHECK(ret == 0 && cfg.workers.idle == GW_IDLE_ADAPTIVE,
		  "default: workers.idle adaptive (ret %d, %d)", ret, (int)cfg.workers.idle);
	snprintf(text, sizeof(text), "%s[workers]\nidle = busy\n", MINIMAL);
	ret = load_text(text, NULL, 0, &cfg, err, sizeof(err));
	TAP_CHECK(ret == 0 && cfg.workers.idle == GW_IDLE_BUSY, "workers.idle busy (ret %d, %s)",
		  ret, gw_idle_mode_name(cfg.workers.idle));
	{
		const char *o[] = { "workers.idle=adaptive" };

		ret = load_text(text, o, 1, &cfg, err, sizeof(err));
		TAP_CHECK(ret == 0 && cfg.workers.idle == GW_IDLE_ADAPTIVE,
			  "--set workers.idle=adaptive replaces busy (ret %d, %s)", ret,
			  gw_idle_mode_name(cfg.workers.idle));
	}
	check_error_line("bad workers.idle", "[workers]\nidle = lazy\n", "workers.idle");
	check_error_line("empty workers.idle", "[workers]\nidle =\n", "workers.idle");
	check_error_set("--set bad workers.idle", "workers.idle=Busy", "workers.idle");
	check_error_line("unknown [workers] key", "[workers]\nidel = busy\n", "workers.idel");
}

/* [PORT] mtu: absent is 0 (the PMD's default, 1500), else 68..9000 bytes. */
static void
test_mtu(void)
{
	const char *jumbo[] = { "inside.mtu=9000" };
	struct gw_config cfg;
	char err[GW_ERR_LEN];

	TAP_CHECK(load_text(MINIMAL, NULL, 0, &cfg, err, sizeof(err)) == 0 &&
		  cfg.port[GW_ROLE_OUTSIDE].mtu == 0 && cfg.port[GW_ROLE_INSIDE].mtu == 0,
		  "mtu absent: 0 (the default)");
	TAP_CHECK(load_text(MINIMAL, jumbo, 1, &cfg, err, sizeof(err)) == 0 &&
		  cfg.port[GW_ROLE_INSIDE].mtu == 9000 && cfg.port[GW_ROLE_OUTSIDE].mtu == 0,
		  "inside.mtu=9000 on the inside only");
	check_error_set("mtu above 9000", "outside.mtu=9001", "outside.mtu: '9001' is not bytes in 68..9000");
	check_error_set("mtu below 68", "outside.mtu=67", "outside.mtu");
	check_error_set("mtu not a number", "inside.mtu=jumbo", "inside.mtu");
	check_error_set("mtu empty", "inside.mtu=", "inside.mtu");
}

/* [inside] fast_leave: inside ports only, and only with membership tracking. */
static void
test_fast_leave(void)
{
	const char *on[] = { "proxy.track_membership=yes", "inside.fast_leave=yes" };
	const char *admin[] = { "control.admin_group=igmpgw-admin" };
	struct gw_config cfg;
	char err[GW_ERR_LEN];

	TAP_CHECK(load_text(MINIMAL, NULL, 0, &cfg, err, sizeof(err)) == 0 &&
		  !cfg.port[GW_ROLE_INSIDE].fast_leave && cfg.control.admin_group[0] == '\0',
		  "fast_leave and admin_group absent: off, none");
	TAP_CHECK(load_text(MINIMAL, on, 2, &cfg, err, sizeof(err)) == 0 &&
		  cfg.port[GW_ROLE_INSIDE].fast_leave && !cfg.port[GW_ROLE_OUTSIDE].fast_leave,
		  "inside.fast_leave=yes with tracking");
	check_error_set("fast_leave without tracking", "inside.fast_leave=yes",
			"config: inside.fast_leave: needs [proxy] track_membership = yes");
	check_error_set("fast_leave on the outside", "outside.fast_leave=yes",
			"config: outside.fast_leave: only inside ports");
	check_error_set("fast_leave not a switch", "inside.fast_leave=quick", "inside.fast_leave");
	TAP_CHECK(load_text(MINIMAL, admin, 1, &cfg, err, sizeof(err)) == 0 &&
		  strcmp(cfg.control.admin_group, "igmpgw-admin") == 0, "control.admin_group read");
}

/* [workers] map: PORT[/QUEUE]@LCORE, every configured port named, nothing twice. */
static void
test_worker_map(void)
{
	static const char *const bad[] = {
		"outside inside@2",             /* no lcore */
		"outside@ inside@2",
		"outside@x inside@2",
		"outside@1 inside/@2",
		"outside@1 inside/x@2",
		"outside@99999 inside@2",
		"outside@1 alt@2 inside@2",     /* alt is not configured in MINIMAL */
		"outside@1 inside17@2",
		"outside@1",                    /* inside not mapped */
		"inside/0@2 inside/1@3",        /* outside not mapped */
		"outside@1 inside@2 inside@3",  /* twice */
		"outside@1 inside/1@2 inside/1@3",
		"",
	};
	static const char *const want[] = {
		"'outside' is not PORT[/QUEUE]@LCORE",
		"'outside@' is not",
		"'outside@x' is not",
		"'inside/@2' is not",
		"'inside/x@2' is not",
		"'outside@99999' is not",
		"'alt' is not a configured port",
		"'inside17' is not a configured port",
		"inside is not mapped",
		"outside is not mapped",
		"inside mapped twice",
		"inside/1 mapped twice",
		"workers.map",
	};
	struct gw_config cfg;
	char err[GW_ERR_LEN];
	int ret;

	for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
		char line[320];
		char what[128];

		snprintf(line, sizeof(line), "[workers]\nmap = %s\n", bad[i]);
		snprintf(what, sizeof(what), "workers.map '%s'", bad[i]);
		check_error_line(what, line, want[i]);
	}
	ret = load_text(MINIMAL "[workers]\nmap = outside@1, inside@2 inside/1@3\n", NULL, 0, &cfg,
			err, sizeof(err));
	TAP_CHECK(ret == 0 && cfg.workers.map.n == 3 &&
		  cfg.workers.map.e[0].role == GW_ROLE_OUTSIDE &&
		  cfg.workers.map.e[0].queue == GW_MAP_ALL_QUEUES && cfg.workers.map.e[0].lcore == 1 &&
		  cfg.workers.map.e[2].role == GW_ROLE_INSIDE && cfg.workers.map.e[2].queue == 1 &&
		  cfg.workers.map.e[2].lcore == 3,
		  "workers.map: three entries, a port and a queue (ret %d: %s)", ret, one_line(err));
	ret = load_text(MINIMAL, NULL, 0, &cfg, err, sizeof(err));
	TAP_CHECK(ret == 0 && cfg.workers.map.n == 0, "workers.map: none by default");
}

/* Loads MINIMAL plus extra into cfg; the test fails loudly when it does not load. */
static bool
load_extra(const char *extra, struct gw_config *cfg)
{
	char text[2048], err[GW_ERR_LEN];
	int ret;

	snprintf(text, sizeof(text), "%s%s", MINIMAL, extra);
	ret = load_text(text, NULL, 0, cfg, err, sizeof(err));
	if (ret != 0)
		TAP_CHECK(false, "reload: '%s' loads: %s", extra, one_line(err));
	return ret == 0;
}

/* A reload from MINIMAL+before to MINIMAL+after is refused naming want (NULL: accepted). */
static void
check_reload(const char *before, const char *after, const char *want)
{
	struct gw_config a, b;
	char err[GW_ERR_LEN] = "";
	int ret;

	if (!load_extra(before, &a))
		return;
	if (!load_extra(after, &b)) {
		gw_config_release(&a);
		return;
	}
	ret = gw_config_reload_check(&a, &b, err, sizeof(err));
	if (want == NULL)
		TAP_CHECK(ret == 0, "reload '%s' -> '%s': accepted (%s)", one_line(before),
			  one_line(after), one_line(err));
	else
		TAP_CHECK(ret == -EINVAL && strstr(err, want) != NULL && strchr(err, '\n') == NULL,
			  "reload '%s' -> '%s': refused naming %s: %s", one_line(before),
			  one_line(after), want, one_line(err));
	/* Both loads hold ACLs (the policy rows): LeakSanitizer counts them otherwise. */
	gw_config_release(&a);
	gw_config_release(&b);
}

static void
count_key(const char *section, const char *key, enum gw_reload reload, void *arg)
{
	int *n = arg;

	(void)section;
	(void)key;
	n[reload == GW_RELOAD_LIVE ? 0 : 1]++;
}

static void
test_reload_check(void)
{
	int n[2] = { 0, 0 };

	/* Live keys: anything may change. */
	check_reload("", "", NULL);
	check_reload("", "[igmp]\nproxy_in_to_out = yes\nunicast_dst = 10.0.0.9\n"
		     "self_query_interval = 5\n", NULL);
	check_reload("[proxy]\ntrack_membership = yes\n",
		     "[proxy]\ntrack_membership = yes\n[querier]\nquery_interval = 30\n"
		     "robustness = 3\n[limits]\nmax_groups = 10\n", NULL);
	check_reload("[mroute]\na = 239.1.1.1 to inside\n",
		     "[mroute]\nb = 239.2.0.0/16 to inside\n", NULL);
	/* A restart-only key given its default value explicitly is no change. */
	check_reload("", "[exception]\nmode = tap\n[forward]\nenabled = no\n", NULL);
	/* Restart-only keys, each named. */
	check_reload("", "[exception]\nmode = none\n", "exception.mode");
	check_reload("", "[forward]\nenabled = yes\n", "forward.enabled");
	check_reload("", "[proxy]\ntrack_membership = yes\n", "proxy.track_membership");
	check_reload("", "[control]\nsocket = /tmp/other.sock\n", "control.socket");
	check_reload("", "[workers]\nidle = busy\n", "workers.idle");
	check_reload("", "[workers]\nmap = outside@1 inside@1\n", "workers.map");
	check_reload("", "[join]\na = 239.1.1.1\n", "[join]");
	check_reload("", "[alt]\nport = c\naddress = 10.9.0.1/24\n", "[alt]");
	check_reload("", "mtu = 1400\n", "inside.mtu"); /* MINIMAL ends in [inside] */
	/* The policy keys and the rates change live (control/reload_policy.c). */
	check_reload("allow = 239.0.0.0/8\ndeny2 = 239.9.0.0/16\n",
		     "allow = 239.0.0.0/8\ndeny2 = 239.9.0.0/16\n", NULL);
	check_reload("allow = 239.0.0.0/8\n", "allow = 239.0.0.0/9\n", NULL);
	check_reload("", "deny7 = 239.0.0.0/8\n", NULL);
	check_reload("", "[igmp]\nssm_range = 232.0.0.0/8\n", NULL);
	check_reload("[igmp]\nssm_range = none\n", "", NULL);
	check_reload("accept_from = 10.9.0.0/16\n[proxy]\ntrack_membership = yes\n",
		     "accept_from = 10.8.0.0/16\n[proxy]\ntrack_membership = yes\n", NULL);
	check_reload("", "[limits]\nigmp_rate_per_host = 5/s burst 2\nigmp_rate_per_port = 50/s\n"
		     "control_requests_per_client = 10/s burst 5\n", NULL);
	check_reload("", "[limits]\nigmp_rate_hosts = 64\n", "limits.igmp_rate_hosts");
	TAP_CHECK(gw_config_key_reload("inside3", "deny12") == GW_RELOAD_LIVE &&
		  gw_config_key_reload("inside", "allow0") == -ENOENT,
		  "reload: numbered ACL keys have allow's class");
	TAP_CHECK(gw_config_key_reload("igmp", "leave_to_network") == GW_RELOAD_LIVE &&
		  gw_config_key_reload("outside", "address") == GW_RELOAD_RESTART &&
		  gw_config_key_reload("mroute", "anything") == GW_RELOAD_LIVE &&
		  gw_config_key_reload("igmp", "no_such_key") == -ENOENT,
		  "reload: every key has its class");
	gw_config_keys_foreach(count_key, n);
	TAP_CHECK(n[0] > 10 && n[1] > 10, "reload: %d live keys, %d restart-only keys", n[0], n[1]);
	check_reload("", "[metrics]\nlisten = 127.0.0.1:9464\n", "metrics.listen");
}

/* [igmp] failover keys: defaults, values, the one error line each, restart-only. */
static void
test_failover_keys(void)
{
	const char *on[] = { "igmp.failover=querier", "igmp.failover_leave_old=no",
			     "igmp.failover_revert=yes", "igmp.failover_hold_down=30" };
	const char *alt = MINIMAL "[alt]\nport = net_null2\naddress = 10.1.0.2/24\n";
	struct gw_config cfg;
	char err[GW_ERR_LEN];
	int ret;

	ret = load_text(MINIMAL, NULL, 0, &cfg, err, sizeof(err));
	TAP_CHECK(ret == 0 && cfg.igmp.failover == GW_FAILOVER_OFF && cfg.igmp.failover_leave_old &&
		  !cfg.igmp.failover_revert &&
		  cfg.igmp.failover_hold_down == GW_FAILOVER_HOLD_DOWN_DEFAULT,
		  "failover: off, leave_old yes, revert no, hold-down 10 s by default");
	ret = load_text(alt, on, 4, &cfg, err, sizeof(err));
	TAP_CHECK(ret == 0 && cfg.igmp.failover == GW_FAILOVER_QUERIER &&
		  !cfg.igmp.failover_leave_old && cfg.igmp.failover_revert &&
		  cfg.igmp.failover_hold_down == 30, "failover: every key read (%s)", one_line(err));
	check_error("failover without alt", MINIMAL, on, 1, "igmp.failover: 'querier' needs an [alt]");
	check_error_line("failover = sometimes", "[igmp]\nfailover = sometimes\n", "igmp.failover");
	check_error_line("failover_leave_old = maybe", "[igmp]\nfailover_leave_old = maybe\n",
			 "igmp.failover_leave_old");
	check_error_line("failover_revert = 2", "[igmp]\nfailover_revert = 2\n",
			 "igmp.failover_revert");
	check_error_line("failover_hold_down = 3601", "[igmp]\nfailover_hold_down = 3601\n",
			 "igmp.failover_hold_down");
	TAP_CHECK(gw_config_key_reload("igmp", "failover") == GW_RELOAD_RESTART &&
		  gw_config_key_reload("igmp", "failover_hold_down") == GW_RELOAD_RESTART,
		  "failover keys: restart-only (the failover state is made at start)");
	TAP_CHECK(strcmp(gw_failover_mode_name(GW_FAILOVER_LINK), "link") == 0,
		  "failover mode names");
}

/* [metrics] listen: off unless given; ADDR:PORT or [ADDR6]:PORT. */
static void
test_metrics(void)
{
	static const char *const bad[] = {
		"9464", "127.0.0.1", "127.0.0.1:", "127.0.0.1:0", "127.0.0.1:65536",
		"127.0.0.1:x", "localhost:9464", "::1:9464", "[::1:9464", "[nonsense]:9464", "",
		"1.2.3.4:9464:1",
	};
	const char *v4[] = { "metrics.listen=10.0.0.1:9464" };
	const char *v6[] = { "metrics.listen=[::1]:9100" };
	const char *none[] = { "metrics.listen=none" };
	const struct sockaddr_in *a4;
	const struct sockaddr_in6 *a6;
	struct gw_config cfg;
	char err[GW_ERR_LEN];
	int ret;

	ret = load_text(MINIMAL, NULL, 0, &cfg, err, sizeof(err));
	TAP_CHECK(ret == 0 && !cfg.metrics.enabled, "metrics: off by default");
	ret = load_text(MINIMAL, v4, 1, &cfg, err, sizeof(err));
	a4 = (const struct sockaddr_in *)&cfg.metrics.addr;
	TAP_CHECK(ret == 0 && cfg.metrics.enabled && a4->sin_family == AF_INET &&
		  ntohs(a4->sin_port) == 9464 && ntohl(a4->sin_addr.s_addr) == 0x0a000001 &&
		  strcmp(cfg.metrics.listen, "10.0.0.1:9464") == 0,
		  "metrics.listen 10.0.0.1:9464 (ret %d: %s)", ret, one_line(err));
	ret = load_text(MINIMAL, v6, 1, &cfg, err, sizeof(err));
	a6 = (const struct sockaddr_in6 *)&cfg.metrics.addr;
	TAP_CHECK(ret == 0 && cfg.metrics.enabled && a6->sin6_family == AF_INET6 &&
		  ntohs(a6->sin6_port) == 9100 && IN6_IS_ADDR_LOOPBACK(&a6->sin6_addr),
		  "metrics.listen [::1]:9100 (ret %d: %s)", ret, one_line(err));
	ret = load_text(MINIMAL, none, 1, &cfg, err, sizeof(err));
	TAP_CHECK(ret == 0 && !cfg.metrics.enabled, "metrics.listen none: off");
	for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
		char line[320];
		char what[128];

		snprintf(line, sizeof(line), "[metrics]\nlisten = %s\n", bad[i]);
		snprintf(what, sizeof(what), "metrics.listen '%s'", bad[i]);
		check_error_line(what, line, "metrics.listen: '");
	}
	check_error_line("unknown [metrics] key", "[metrics]\nport = 9464\n", "metrics.port: unknown key");
}

/* allow/deny (numbered keys, acl_file), accept_from and [igmp] ssm_range. */
static void
test_acl_keys(void)
{
	char path[] = "/tmp/igmpgw-test-acl-XXXXXX";
	static char text[65536];
	struct gw_config cfg;
	char err[GW_ERR_LEN];
	size_t off;
	FILE *f;
	int fd, ret;

	ret = load_text(MINIMAL, NULL, 0, &cfg, err, sizeof(err));
	TAP_CHECK(ret == 0 && cfg.port[GW_ROLE_INSIDE].acl == NULL && !cfg.igmp.ssm &&
		  cfg.port[GW_ROLE_INSIDE].accept_from == NULL,
		  "no ACL, no SSM range, no accept_from by default");
	ret = load_text(MINIMAL "allow = 239.0.0.0/8, 232.1.0.0/16 source 10.0.0.0/8\n"
			"deny = 239.9.0.0/16\n"
			"[igmp]\nssm_range = 232.0.0.0/8\n", NULL, 0, &cfg, err, sizeof(err));
	TAP_CHECK(ret == 0 && cfg.port[GW_ROLE_INSIDE].acl != NULL &&
		  acl_rule_count(cfg.port[GW_ROLE_INSIDE].acl) == 3 &&
		  acl_permits(cfg.port[GW_ROLE_INSIDE].acl, addr(239, 1, 1, 1), 0) &&
		  !acl_permits(cfg.port[GW_ROLE_INSIDE].acl, addr(239, 9, 1, 1), 0) &&
		  !acl_permits(cfg.port[GW_ROLE_INSIDE].acl, addr(232, 1, 1, 1), 0) &&
		  acl_permits(cfg.port[GW_ROLE_INSIDE].acl, addr(232, 1, 1, 1), addr(10, 1, 1, 1)) &&
		  cfg.port[GW_ROLE_OUTSIDE].acl == NULL && cfg.igmp.ssm &&
		  cfg.igmp.ssm_range.len == 8,
		  "inside allow/deny and ssm_range read (ret %d: %s)", ret, one_line(err));
	gw_config_release(&cfg);
	TAP_CHECK(cfg.port[GW_ROLE_INSIDE].acl == NULL, "release frees the ACLs");

	/* 1200 entries: numbered keys past one value's 256 characters, and a file. */
	off = (size_t)snprintf(text, sizeof(text), "%s", MINIMAL);
	for (int k = 1; k <= 20; k++) {
		off += (size_t)snprintf(text + off, sizeof(text) - off, "deny%d = ", k);
		for (int i = 0; i < 10; i++)
			off += (size_t)snprintf(text + off, sizeof(text) - off, "%s239.%d.%d.0/24",
						i ? ", " : "", k, i);
		off += (size_t)snprintf(text + off, sizeof(text) - off, "\n");
	}
	fd = mkstemp(path);
	f = fdopen(fd, "w");
	fprintf(f, "# an ACL file\n\n");
	for (int i = 0; i < 1000; i++)
		fprintf(f, "allow 238.%d.%d.0/24 ; comment\n", i / 200, i % 200);
	fprintf(f, "allow 239.0.0.0/8\n");
	fclose(f);
	snprintf(text + off, sizeof(text) - off, "acl_file = %s\n", path);
	ret = load_text(text, NULL, 0, &cfg, err, sizeof(err));
	TAP_CHECK(ret == 0 && acl_rule_count(cfg.port[GW_ROLE_INSIDE].acl) == 1201 &&
		  acl_permits(cfg.port[GW_ROLE_INSIDE].acl, addr(238, 4, 199, 7), 0) &&
		  !acl_permits(cfg.port[GW_ROLE_INSIDE].acl, addr(238, 5, 0, 7), 0) &&
		  !acl_permits(cfg.port[GW_ROLE_INSIDE].acl, addr(239, 20, 9, 1), 0) &&
		  acl_permits(cfg.port[GW_ROLE_INSIDE].acl, addr(239, 21, 9, 1), 0),
		  "deny1..deny20 and a 1001-line acl_file: 1201 entries (ret %d: %s)", ret,
		  one_line(err));
	gw_config_release(&cfg);
	f = fopen(path, "a");
	fprintf(f, "allow 238.1.2.3/16\n");
	fclose(f);
	snprintf(text, sizeof(text), "acl_file = %s\n", path);
	check_error_line("acl_file bad line", text, ":1004: '238.1.2.3/16': host bits set");
	check_error_line("acl_file bad line names the key", text, "inside.acl_file");
	unlink(path);
	check_error_line("acl_file missing", "acl_file = /nonexistent/acl\n",
			 "inside.acl_file: /nonexistent/acl: No such file");
	check_error_line("bad item", "allow2 = 239.0.0.0/8, 10.0.0.0/8\n",
			 "inside.allow2: '10.0.0.0/8': group prefix is not within 224.0.0.0/4");
	check_error_line("bad source", "deny = 239.0.0.0/8 source\n", "inside.deny");
	check_error_line("empty allow", "allow =\n", "inside.allow: empty");
	check_error_line("allow0 is not a key", "allow0 = 239.0.0.0/8\n", "inside.allow0: unknown key");
	check_error_line("allow1000 is not a key", "allow1000 = 239.0.0.0/8\n",
			 "inside.allow1000: unknown key");
	check_error_line("allowx is not a key", "allowx = 239.0.0.0/8\n", "inside.allowx: unknown key");
	check_error_set("ssm_range unicast", "igmp.ssm_range=10.0.0.0/8", "igmp.ssm_range");
	check_error_set("ssm_range host bits", "igmp.ssm_range=232.1.0.0/8", "igmp.ssm_range");
	check_error_set("accept_from without tracking", "inside.accept_from=10.9.0.0/16",
			"inside.accept_from: needs [proxy] track_membership");
	check_error_set("accept_from on the outside", "outside.accept_from=10.9.0.0/16",
			"outside.accept_from: only on inside ports");
	check_error_set("accept_from multicast", "inside.accept_from=239.0.0.0/8",
			"inside.accept_from: '239.0.0.0/8': not a unicast prefix");
	{
		const char *ov[] = { "proxy.track_membership=yes",
				     "inside.accept_from=10.9.0.0/16, 192.168.7.0/24",
				     "igmp.ssm_range=none" };

		ret = load_text(MINIMAL, ov, 3, &cfg, err, sizeof(err));
		TAP_CHECK(ret == 0 && !cfg.igmp.ssm &&
			  acl_set_contains(cfg.port[GW_ROLE_INSIDE].accept_from, addr(10, 9, 3, 4)) &&
			  acl_set_contains(cfg.port[GW_ROLE_INSIDE].accept_from, addr(192, 168, 7, 4)) &&
			  !acl_set_contains(cfg.port[GW_ROLE_INSIDE].accept_from, addr(10, 8, 3, 4)),
			  "accept_from with tracking (ret %d: %s)", ret, one_line(err));
		gw_config_release(&cfg);
	}
}

/* 802.1Q: sections sharing a port (a trunk), their VLANs and priorities. */
static void
test_vlans(void)
{
	struct gw_config cfg;
	char err[GW_ERR_LEN];
	int ret;

	ret = load_text(MINIMAL
			"[inside2]\nport = net_null1\naddress = 172.18.0.1/16\nvlan = 100\n"
			"[inside3]\nport = net_null1\naddress = 172.19.0.1/16\nvlan = 4094\n"
			"priority = 5\nigmp_priority = 6\n"
			"[alt]\nport = net_null1\naddress = 10.0.1.2/24\nvlan = 200\npriority = 3\n",
			NULL, 0, &cfg, err, sizeof(err));
	TAP_CHECK(ret == 0, "a trunk: inside untagged, inside2, inside3 and alt tagged (ret %d: %s)",
		  ret, ret == 0 ? "" : one_line(err));
	if (ret != 0)
		return;
	TAP_CHECK(cfg.port[GW_ROLE_ALT].trunk == GW_ROLE_ALT &&
		  cfg.port[GW_ROLE_INSIDE].trunk == GW_ROLE_ALT &&
		  cfg.port[GW_ROLE_INSIDE + 1].trunk == GW_ROLE_ALT &&
		  cfg.port[GW_ROLE_INSIDE + 2].trunk == GW_ROLE_ALT &&
		  cfg.port[GW_ROLE_OUTSIDE].trunk == GW_ROLE_OUTSIDE,
		  "the first section naming the port heads the trunk; outside heads its own");
	TAP_CHECK(cfg.port[GW_ROLE_INSIDE].vlan == 0 && cfg.port[GW_ROLE_INSIDE + 1].vlan == 100 &&
		  cfg.port[GW_ROLE_INSIDE + 2].vlan == 4094 && cfg.port[GW_ROLE_ALT].vlan == 200,
		  "vlans 0, 100, 4094, 200");
	TAP_CHECK(cfg.port[GW_ROLE_INSIDE + 2].priority == 5 &&
		  cfg.port[GW_ROLE_INSIDE + 2].igmp_priority == 6 &&
		  cfg.port[GW_ROLE_ALT].priority == 3 && cfg.port[GW_ROLE_ALT].igmp_priority == 3 &&
		  cfg.port[GW_ROLE_INSIDE + 1].priority == 0,
		  "priority, igmp_priority defaulting to priority, 0 by default");
	check_error_line("two untagged sections on one port",
			 "[inside2]\nport = net_null1\naddress = 172.18.0.1/16\n", "inside2.vlan: missing");
	check_error_line("one VLAN twice on a port",
			 "[inside2]\nport = net_null1\naddress = 172.18.0.1/16\nvlan = 7\n"
			 "[inside3]\nport = net_null1\naddress = 172.19.0.1/16\nvlan = 7\n",
			 "inside3.vlan: VLAN 7 of port 'net_null1' is already inside2's");
	check_error_line("vlan 0", "[inside2]\nport = net_null1\naddress = 172.18.0.1/16\nvlan = 0\n",
			 "inside2.vlan: '0' is not a whole number in 1..4094");
	check_error_line("vlan 4095",
			 "[inside2]\nport = net_null1\naddress = 172.18.0.1/16\nvlan = 4095\n",
			 "inside2.vlan: '4095'");
	check_error_line("priority 8",
			 "[inside2]\nport = net_null2\naddress = 172.18.0.1/16\nvlan = 2\npriority = 8\n",
			 "inside2.priority: '8' is not a whole number in 0..7");
	check_error_line("priority without a vlan",
			 "[inside2]\nport = net_null2\naddress = 172.18.0.1/16\npriority = 1\n",
			 "inside2.priority: needs inside2.vlan");
	check_error_line("igmp_priority without a vlan",
			 "[inside2]\nport = net_null2\naddress = 172.18.0.1/16\nigmp_priority = 6\n",
			 "inside2.igmp_priority: needs inside2.vlan");
	check_error_line("a VLAN section on the same subnet",
			 "[inside2]\nport = net_null1\naddress = 172.17.9.1/24\nvlan = 9\n",
			 "inside2.address");
	check_error_line("workers.map naming a VLAN of another section's port",
			 "[inside2]\nport = net_null1\naddress = 172.18.0.1/16\nvlan = 9\n"
			 "[workers]\nmap = outside@1 inside2@2\n",
			 "workers.map: 'inside2' shares inside's port, whose queues it is: map inside");
	ret = load_text(MINIMAL "[inside2]\nport = net_null1\naddress = 172.18.0.1/16\nvlan = 9\n"
			"[workers]\nmap = outside@1 inside@2\n", NULL, 0, &cfg, err, sizeof(err));
	TAP_CHECK(ret == 0, "workers.map: the trunk head's entry maps the VLANs too (%s)",
		  ret == 0 ? "" : one_line(err));
}

int
main(void)
{
	test_full();
	test_metrics();
	test_failover_keys();
	test_defaults();
	test_switches();
	test_comments_and_blanks();
	test_overrides();
	test_addresses();
	test_errors();
	test_repeats();
	test_tracking_full();
	test_tracking_defaults();
	test_seconds();
	test_tracking_errors();
	test_mroutes();
	test_joins();
	test_port_subnets();
	test_not_a_file();
	test_set_control_characters();
	test_workers();
	test_mtu();
	test_fast_leave();
	test_worker_map();
	test_reload_check();
	test_acl_keys();
	test_vlans();
	return TAP_DONE();
}
