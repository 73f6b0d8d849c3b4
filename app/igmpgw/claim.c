/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Claims the interfaces behind the ports and the kernel twins' names with
 * flock(2) on files under /run/lock/igmpgw, before EAL probes anything. An
 * interface is judged by what the kernel says it is (its index in this
 * network namespace, or its PCI address), not by the devargs text.
 */
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "claim.h"
#include "gw.h"
#include "ports.h"

#define GW_LOG_PART main

#define CLAIM_PARENT "/run/lock"
#define CLAIM_DIR CLAIM_PARENT "/igmpgw"
#define MAX_KEYS 4                 /* interfaces one port's devargs may name */
#define MAX_CLAIMS 64
#define TWIN_GONE_WAIT_MS 2000     /* a killed gateway's twins vanish as its fds close */

/* What a port sits on: an interface of this namespace (by index or, not there yet, by name) or a PCI device. */
struct iface_key {
	char kind;                 /* 'i' ifindex, 'n' name, 'p' PCI address */
	unsigned int ifindex;
	char name[IF_NAMESIZE + 16]; /* interface name as given, or canonical PCI address */
	uint16_t vlan;             /* 0: untagged; VLAN trunks will share one interface */
};

struct claim {
	char file[160];
	int fd;
};

static struct claim claims[MAX_CLAIMS];
static int n_claims;

/* The value of the --vdev at argv[*i] (and moves *i past it), or NULL. */
static const char *
vdev_at(int argc, char **argv, int *i)
{
	if (strncmp(argv[*i], "--vdev=", 7) == 0)
		return argv[*i] + 7;
	if (strcmp(argv[*i], "--vdev") == 0 && *i + 1 < argc)
		return argv[++*i];
	return NULL;
}

/* The devargs of EAL's --vdev named name ("net_af_packet0"), or NULL. */
static const char *
eal_vdev(const char *name, int argc, char **argv)
{
	size_t len = strlen(name);

	for (int i = 1; i < argc; i++) {
		const char *v = vdev_at(argc, argv, &i);

		if (v != NULL && strncmp(v, name, len) == 0 && (v[len] == ',' || v[len] == '\0'))
			return v;
	}
	return NULL;
}

/* "0000:01:00.0" or "01:00.0" into the canonical domain:bus:device.function. */
static bool
pci_address(const char *s, size_t n, char *out, size_t out_len)
{
	unsigned int dom = 0, bus, dev, fn;
	char buf[32];
	int used = 0;

	if (n >= sizeof(buf))
		return false;
	memcpy(buf, s, n);
	buf[n] = '\0';
	if (!(sscanf(buf, "%x:%x:%x.%x%n", &dom, &bus, &dev, &fn, &used) == 4 &&
	      (size_t)used == n) &&
	    !(sscanf(buf, "%x:%x.%x%n", &bus, &dev, &fn, &used) == 3 && (size_t)used == n))
		return false;
	if (bus > 0xff || dev > 0x1f || fn > 7)
		return false;
	snprintf(out, out_len, "%04x:%02x:%02x.%x", dom, bus, dev, fn);
	return true;
}

static bool
key_equal(const struct iface_key *a, const struct iface_key *b)
{
	if (a->kind != b->kind || a->vlan != b->vlan)
		return false;
	return a->kind == 'i' ? a->ifindex == b->ifindex : strcmp(a->name, b->name) == 0;
}

static int
add_key(struct iface_key *keys, int n, const struct iface_key *k)
{
	for (int i = 0; i < n; i++)
		if (key_equal(&keys[i], k))
			return n;
	if (n < MAX_KEYS)
		keys[n++] = *k;
	return n;
}

/*
 * The interfaces one devargs string opens: a PCI device, or the interfaces
 * its iface-like keys name (af_packet, pcap and tap all take one of these). A
 * bare ethdev name is looked up among EAL's --vdev arguments.
 */
static int
devargs_keys(const char *devargs, int argc, char **argv, struct iface_key *keys)
{
	static const char *const iface_params[] = { "iface", "rx_iface", "rx_iface_in", "tx_iface" };
	size_t name_len = strcspn(devargs, ",");
	struct iface_key k;
	int n = 0;

	memset(&k, 0, sizeof(k));
	if (pci_address(devargs, name_len, k.name, sizeof(k.name))) {
		k.kind = 'p';
		return add_key(keys, n, &k);
	}
	if (devargs[name_len] == '\0') {
		const char *v = eal_vdev(devargs, argc, argv);

		if (v != NULL)
			devargs = v;
	}
	for (const char *p = strchr(devargs, ','); p != NULL; p = strchr(p + 1, ',')) {
		for (size_t i = 0; i < RTE_DIM(iface_params); i++) {
			size_t plen = strlen(iface_params[i]);
			size_t vlen;

			if (strncmp(p + 1, iface_params[i], plen) != 0 || p[1 + plen] != '=')
				continue;
			vlen = strcspn(p + 2 + plen, ",");
			if (vlen == 0 || vlen >= IF_NAMESIZE)
				continue; /* the driver will say what is wrong with it */
			memset(&k, 0, sizeof(k));
			memcpy(k.name, p + 2 + plen, vlen);
			k.ifindex = if_nametoindex(k.name);
			k.kind = k.ifindex != 0 ? 'i' : 'n';
			n = add_key(keys, n, &k);
		}
	}
	return n;
}

static void
describe(const struct iface_key *k, char *buf, size_t len)
{
	if (k->kind == 'p')
		snprintf(buf, len, "PCI device %s", k->name);
	else
		snprintf(buf, len, "interface %s", k->name);
}

/* Only a refusal by permissions is cured by root. */
static const char *
root_hint(int e)
{
	return e == EACCES || e == EPERM ? " (run igmpgw as root)" : "";
}

/* Locks CLAIM_DIR/file; "who" names the config key the line blames. */
static int
take_lock(const char *file, const char *who, const char *what, char *err, size_t err_len)
{
	struct claim *c = &claims[n_claims];

	for (int i = 0; i < n_claims; i++)
		if (strcmp(claims[i].file + strlen(CLAIM_DIR) + 1, file) == 0)
			return 0;
	if (n_claims == MAX_CLAIMS)
		return gw_fail(err, err_len, "%s: more than %d interfaces to lock", who, MAX_CLAIMS);
	/* A booted Debian has /run/lock; a minimal container or chroot may not. */
	if (mkdir(CLAIM_PARENT, 01777) == 0)
		chmod(CLAIM_PARENT, 01777); /* as systemd-tmpfiles makes it, past the umask */
	if (mkdir(CLAIM_DIR, 0755) < 0 && errno != EEXIST) {
		int e = errno;

		return gw_fail(err, err_len, "%s: cannot create %s to lock %s: %s%s", who, CLAIM_DIR,
			    what, strerror(e), root_hint(e));
	}
	snprintf(c->file, sizeof(c->file), "%s/%s", CLAIM_DIR, file);
	/* A file unlinked by its holder between our open and flock is retried. */
	for (int tries = 0; tries < 3; tries++) {
		struct stat held, named;
		char pid[16] = "";
		int fd = open(c->file, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
		ssize_t got;

		if (fd < 0) {
			int e = errno;

			return gw_fail(err, err_len, "%s: cannot lock %s (%s): %s%s", who, what,
				    c->file, strerror(e), root_hint(e));
		}
		if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
			int e = errno;

			got = pread(fd, pid, sizeof(pid) - 1, 0);
			pid[got > 0 ? got : 0] = '\0';
			pid[strcspn(pid, "\n")] = '\0';
			close(fd);
			if (e == EWOULDBLOCK)
				return gw_fail(err, err_len,
					    "%s: %s is in use by another igmpgw (pid %s): stop it first, a second gateway on the same ports cuts the first one off",
					    who, what, pid[0] != '\0' ? pid : "?");
			return gw_fail(err, err_len, "%s: cannot lock %s: %s", who, what, strerror(e));
		}
		if (fstat(fd, &held) == 0 && stat(c->file, &named) == 0 &&
		    held.st_ino == named.st_ino && held.st_dev == named.st_dev) {
			char line[16];
			int len = snprintf(line, sizeof(line), "%d\n", (int)getpid());

			if (ftruncate(fd, 0) < 0 || pwrite(fd, line, (size_t)len, 0) != len)
				GW_LOG(DEBUG, "cannot write our pid into %s", c->file);
			c->fd = fd;
			n_claims++;
			return 0;
		}
		close(fd);
	}
	return gw_fail(err, err_len, "%s: cannot lock %s: its lock file keeps changing", who, what);
}

static int
lock_key(const struct iface_key *k, unsigned long netns, const char *who, char *err,
	 size_t err_len)
{
	char file[96];
	char what[64];

	if (k->kind == 'p')
		snprintf(file, sizeof(file), "pci-%s", k->name);
	else if (k->kind == 'i')
		snprintf(file, sizeof(file), "net%lu-if%u", netns, k->ifindex);
	else
		snprintf(file, sizeof(file), "net%lu-ifname-%s", netns, k->name);
	describe(k, what, sizeof(what));
	return take_lock(file, who, what, err, err_len);
}

static unsigned long
netns_id(void)
{
	struct stat st;

	return stat("/proc/self/ns/net", &st) == 0 ? (unsigned long)st.st_ino : 0;
}

static void
sleep_ms(unsigned int ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000 };

	nanosleep(&ts, NULL);
}

/* Our lock on a twin's name held, an interface by that name is a dying gateway's or a stranger's. */
static int
check_twin_free(const char *ifname, char *err, size_t err_len)
{
	for (unsigned int waited = 0; if_nametoindex(ifname) != 0; waited += 50) {
		if (waited >= TWIN_GONE_WAIT_MS)
			return gw_fail(err, err_len,
				    "config: exception.mode: an interface named %s already exists here and no igmpgw holds it: the kernel twin needs that name (ip link del %s)",
				    ifname, ifname);
		sleep_ms(50);
	}
	return 0;
}

/*
 * The interfaces behind every configured port, in keys; refuses one interface
 * under two roles, which would be opened twice and fight itself. Reads only.
 */
static int
find_port_keys(const struct gw_config *cfg, int eal_argc, char **eal_argv,
	       struct iface_key keys[GW_MAX_PORTS][MAX_KEYS], int n_keys[GW_MAX_PORTS],
	       char *err, size_t err_len)
{
	for (int r = 0; r < GW_MAX_PORTS; r++) {
		if (!cfg->port[r].present)
			continue;
		n_keys[r] = devargs_keys(cfg->port[r].devargs, eal_argc, eal_argv, keys[r]);
		/* A VLAN of a trunk: its head's interface, claimed once by the head. */
		for (int s = 0; s < r && cfg->port[r].trunk == r; s++)
			for (int i = 0; i < n_keys[r]; i++)
				for (int j = 0; j < n_keys[s]; j++) {
					char what[64];

					if (!key_equal(&keys[r][i], &keys[s][j]))
						continue;
					describe(&keys[r][i], what, sizeof(what));
					return gw_fail(err, err_len,
						    "config: %s.port: %s is already the %s port",
						    gw_role_name(r), what, gw_role_name(s));
				}
	}
	return 0;
}

static int
claim_all(const struct gw_config *cfg, int eal_argc, char **eal_argv, char *err, size_t err_len)
{
	struct iface_key keys[GW_MAX_PORTS][MAX_KEYS];
	int n_keys[GW_MAX_PORTS] = { 0 };
	unsigned long netns = netns_id();
	char who[64];

	if (find_port_keys(cfg, eal_argc, eal_argv, keys, n_keys, err, err_len) < 0)
		return -1;
	for (int r = 0; r < GW_MAX_PORTS; r++)
		if (n_keys[r] > 0 && keys[r][0].kind != 'p')
			snprintf(gw.port[r].ifname, sizeof(gw.port[r].ifname), "%s",
				 keys[r][0].name);
	for (int r = 0; r < GW_MAX_PORTS; r++) {
		snprintf(who, sizeof(who), "config: %s.port", gw_role_name(r));
		for (int i = 0; i < n_keys[r] && cfg->port[r].trunk == r; i++)
			if (lock_key(&keys[r][i], netns, who, err, err_len) < 0)
				return -1;
	}
	/* EAL probes every --vdev, used by a role or not. */
	for (int i = 1; i < eal_argc; i++) {
		struct iface_key vkeys[MAX_KEYS];
		const char *v = vdev_at(eal_argc, eal_argv, &i);
		int n;

		if (v == NULL)
			continue;
		n = devargs_keys(v, 0, NULL, vkeys);
		snprintf(who, sizeof(who), "EAL: --vdev %.48s", v);
		for (int k = 0; k < n; k++)
			if (lock_key(&vkeys[k], netns, who, err, err_len) < 0)
				return -1;
	}
	if (cfg->exception == GW_EXCEPTION_NONE)
		return 0;
	for (int r = 0; r < GW_MAX_PORTS; r++) {
		char twin[IF_NAMESIZE];
		char file[64];
		char what[48];

		if (!cfg->port[r].present)
			continue;
		gw_twin_ifname(r, twin, sizeof(twin));
		snprintf(file, sizeof(file), "net%lu-twin-%s", netns, twin);
		snprintf(what, sizeof(what), "kernel twin %s", twin);
		if (take_lock(file, "config: exception.mode", what, err, err_len) < 0 ||
		    check_twin_free(twin, err, err_len) < 0)
			return -1;
	}
	return 0;
}

int
gw_claim_ports(const struct gw_config *cfg, int eal_argc, char **eal_argv, char *err,
	       size_t err_len)
{
	if (claim_all(cfg, eal_argc, eal_argv, err, err_len) == 0)
		return 0;
	gw_claim_release(); /* what was locked before the refusal: no lock files left behind */
	return -1;
}

int
gw_claim_check(const struct gw_config *cfg, int eal_argc, char **eal_argv, char *err,
	       size_t err_len)
{
	struct iface_key keys[GW_MAX_PORTS][MAX_KEYS];
	int n_keys[GW_MAX_PORTS] = { 0 };

	return find_port_keys(cfg, eal_argc, eal_argv, keys, n_keys, err, err_len);
}

void
gw_claim_release(void)
{
	/* Unlinked while still locked: a waiting opener sees the inode change and retries. */
	for (int i = 0; i < n_claims; i++) {
		unlink(claims[i].file);
		close(claims[i].fd);
	}
	n_claims = 0;
}
