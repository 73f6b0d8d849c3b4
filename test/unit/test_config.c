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
			 "mtu = 1500\n", "alt.mtu");
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

int
main(void)
{
	test_full();
	test_defaults();
	test_switches();
	test_comments_and_blanks();
	test_overrides();
	test_addresses();
	test_errors();
	test_repeats();
	return TAP_DONE();
}
