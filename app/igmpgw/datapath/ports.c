/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Opens the configured ports and their kernel twins. A twin is a TAP (or
 * virtio-user) port with the network port's MAC and address, so the kernel
 * answers ARP and ping for the gateway and runs everything that is not IGMP.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <net/if.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <rte_bus.h>
#include <rte_dev.h>
#include <rte_devargs.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "datapath.h"
#include "ethconf.h"
#include "gw.h"
#include "poolsize.h"
#include "ports.h"
#include "workers.h"

#define GW_LOG_PART main

#define RX_DESC 1024
#define TX_DESC 1024
#define POOL_CACHE 256

/* A replica's header mbuf holds only an Ethernet header behind the headroom. */
#define REPLICA_HDR_ROOM (RTE_PKTMBUF_HEADROOM + 2 * RTE_CACHE_LINE_SIZE)
/*
 * A port whose frames outgrow a default mbuf and that cannot scatter gets a
 * pool of its own with mbufs for whole frames (9.3 MB a thousand at MTU 9000),
 * so fewer: the lab runs three such ports in -m 256.
 */
#define BIG_POOL_MBUFS 2047

/*
 * Test only (README, "Jumbo frames and NIC offloads"): IGMPGW_TEST_LINEAR_REPLICAS=1
 * treats every port's PMD as one that takes no chained mbufs, so the lab's
 * vdevs exercise the linear replica path.
 */
#define LINEAR_REPLICAS_ENV "IGMPGW_TEST_LINEAR_REPLICAS"
/*
 * Test only: IGMPGW_TEST_VLAN_SOFTWARE=1 hides the PMDs' VLAN strip and insert
 * offloads, so the lab's af_packet ports exercise the software tagging.
 */
#define VLAN_SOFTWARE_ENV "IGMPGW_TEST_VLAN_SOFTWARE"
/* DPDK 22.11's RTE_PMD_AF_PACKET_MAX_RINGS: the most queue pairs af_packet takes. */
#define AF_PACKET_MAX_QPAIRS 16u
/*
 * DPDK 22.11's TAP PMD sends every queue's fd, RX and TX, in one multi-process
 * message of RTE_MP_MAX_FD_NUM (8) when it starts, and writes past the array
 * with more than 4 queue pairs: start-up ended in "stack smashing detected".
 */
#define TAP_MAX_QPAIRS (RTE_MP_MAX_FD_NUM / 2)

static struct rte_mempool *pools[RTE_MAX_NUMA_NODES];
static struct rte_mempool *hdr_pools[RTE_MAX_NUMA_NODES];
static struct rte_mempool *clone_pools[RTE_MAX_NUMA_NODES];
/* Ports configure_port started: stopping one that was not logs a confusing line after the error. */
static bool started[RTE_MAX_ETHPORTS];
/* What each opened port holds in mbufs, found before the pools are made (by role). */
static struct poolsize_port holds[GW_MAX_PORTS];

static int
socket_index(int socket)
{
	return socket < 0 || socket >= RTE_MAX_NUMA_NODES ? 0 : socket;
}

/*
 * Bytes a pool of n mbufs with data_room bytes each takes, its ring and header
 * included. An mbuf never crosses a page, and without hugepages a page is 4 kB:
 * a default mbuf (2.3 kB) then takes a whole page.
 */
static uint64_t
pool_bytes(uint32_t n, uint32_t data_room)
{
	uint64_t obj = rte_mempool_calc_obj_size(sizeof(struct rte_mbuf) + data_room, 0, NULL);
	uint64_t page = rte_eal_has_hugepages() ? 0 : (uint64_t)getpagesize();
	uint64_t objs;

	if (page != 0 && obj <= page)
		objs = (n + page / obj - 1) / (page / obj) * page;
	else
		objs = n * obj;
	/* The header has a cache struct for every possible lcore: about 1 MB. */
	return objs + (uint64_t)rte_align32pow2(n + 1) * sizeof(void *) +
	       RTE_MAX_LCORE * sizeof(struct rte_mempool_cache) + sizeof(struct rte_mempool);
}

/* DPDK memory still free on socket, or UINT64_MAX where the heap grows (hugepages). */
static uint64_t
free_memory(int socket)
{
	struct rte_malloc_socket_stats st;

	/* Without hugepages the heap is the -m given at start, and never grows. */
	if (rte_eal_has_hugepages() || rte_malloc_get_socket_stats(socket, &st) < 0)
		return UINT64_MAX;
	return st.heap_freesz_bytes;
}

/*
 * The pools of one socket, sized from the ports on it (poolsize.h): a packet
 * pool for what every descriptor, cache, buffer and ring can hold, and the
 * replicas' header and indirect pools for what the TX side can hold.
 */
static int
pools_for_socket(int socket, unsigned int n_workers, char *err, size_t err_len)
{
	const struct poolsize_lcores lc = {
		.n_workers = n_workers,
		.cache = POOL_CACHE,
		.burst = BURST,
		.handoff = GW_HANDOFF_RING_SIZE,
		.ctrl_tx = GW_CTRL_TX_RING_SIZE,
		.events = GW_EVENT_RING_SIZE,
	};
	struct poolsize_port on[GW_MAX_PORTS];
	char name[RTE_MEMPOOL_NAMESIZE];
	unsigned int n = 0;
	struct poolsize ps;
	uint64_t need, avail;

	for (int r = 0; r < GW_MAX_PORTS; r++)
		if (gw.port[r].present && gw.cfg.port[r].trunk == r &&
		    socket_index(gw.port[r].socket) == socket)
			on[n++] = holds[r];
	if (n == 0)
		return 0;
	poolsize_compute(on, n, &lc, &ps);
	need = pool_bytes(ps.mbufs, RTE_MBUF_DEFAULT_BUF_SIZE) +
	       pool_bytes(ps.replicas, REPLICA_HDR_ROOM) + pool_bytes(ps.replicas, 0);
	avail = free_memory(socket);
	GW_LOG(INFO, "socket %d: %u mbufs (rx %" PRIu64 ", tx %" PRIu64 ", twins %" PRIu64
	       ", caches %" PRIu64 ", in flight %" PRIu64 ", rings %" PRIu64 ", pcap files %" PRIu64
	       "; floor %u), 2 x %u for replicas: %" PRIu64 " MB",
	       socket, ps.mbufs, ps.rx, ps.tx, ps.twins, ps.caches, ps.inflight, ps.rings, ps.held,
	       POOLSIZE_FLOOR, ps.replicas, need >> 20);
	if (ps.too_many || need > avail)
		goto nomem;
	snprintf(name, sizeof(name), "igmpgw_pool_%d", socket);
	pools[socket] = rte_pktmbuf_pool_create(name, ps.mbufs, POOL_CACHE, 0,
						RTE_MBUF_DEFAULT_BUF_SIZE, socket);
	snprintf(name, sizeof(name), "igmpgw_hdr_%d", socket);
	hdr_pools[socket] = rte_pktmbuf_pool_create(name, ps.replicas, POOL_CACHE, 0,
						    REPLICA_HDR_ROOM, socket);
	snprintf(name, sizeof(name), "igmpgw_clone_%d", socket);
	clone_pools[socket] = rte_pktmbuf_pool_create(name, ps.replicas, POOL_CACHE, 0, 0, socket);
	if (pools[socket] != NULL && hdr_pools[socket] != NULL && clone_pools[socket] != NULL)
		return 0;
nomem:
	if (avail != UINT64_MAX) {
		/* What -m gives now, with the shortfall and the rest of start-up's 64 MB. */
		uint64_t want = (rte_eal_get_physmem_size() + need - RTE_MIN(need, avail)) >> 20;

		return gw_fail(err, err_len,
			       "config: ports: socket %d's mempools need %" PRIu64 " MB (%u mbufs for %u worker%s), -m leaves %" PRIu64 " MB: start with -m %" PRIu64 " or more, or fewer workers",
			       socket, need >> 20, ps.mbufs, n_workers, n_workers == 1 ? "" : "s",
			       avail >> 20,
			       RTE_ALIGN_CEIL(want + 64, 32));
	}
	return gw_fail(err, err_len,
		       "config: ports: socket %d's mempools need %" PRIu64 " MB (%u mbufs for %u worker%s) of DPDK memory, more than there is: reserve hugepages (scripts/setup.sh) or give fewer workers",
		       socket, need >> 20, ps.mbufs, n_workers, n_workers == 1 ? "" : "s");
}

/* Every socket's pools, then each port's. */
static int
make_pools(unsigned int n_workers, char *err, size_t err_len)
{
	for (int socket = 0; socket < RTE_MAX_NUMA_NODES; socket++)
		if (pools_for_socket(socket, n_workers, err, err_len) < 0)
			return -1;
	for (int r = 0; r < GW_MAX_PORTS; r++) {
		struct gw_port *p = &gw.port[r];
		int socket = socket_index(p->socket);

		p->pool = pools[socket];
		p->copy_pool = pools[socket];
		p->hdr_pool = hdr_pools[socket];
		p->clone_pool = clone_pools[socket];
	}
	return 0;
}

/* The ethdev name is the devargs up to the first comma ("net_pcap0,rx_pcap=..."). */
static void
devargs_name(const char *devargs, char *name, size_t len)
{
	size_t n = strcspn(devargs, ",");

	if (n >= len)
		n = len - 1;
	memcpy(name, devargs, n);
	name[n] = '\0';
}

/* Finds a port EAL already has, or probes the devargs. */
static int
find_or_probe(const char *devargs, uint16_t *port_id, char *name, size_t name_len)
{
	int ret;

	devargs_name(devargs, name, name_len);
	if (rte_eth_dev_get_port_by_name(name, port_id) == 0)
		return 0;
	ret = rte_dev_probe(devargs);
	if (ret < 0)
		return ret;
	if (rte_eth_dev_get_port_by_name(name, port_id) != 0)
		return -ENODEV;
	return 0;
}

/*
 * Why a probe failed, in words an operator can act on: drivers return a bare
 * -1 (EPERM) for "no such device", which strerror would misreport.
 */
static const char *
probe_error(const char *devargs, int ret)
{
	static char buf[128];
	const char *iface = strstr(devargs, "iface=");

	if (iface != NULL) {
		char name[IF_NAMESIZE];
		size_t n = strcspn(iface + 6, ",");

		if (n < sizeof(name)) {
			memcpy(name, iface + 6, n);
			name[n] = '\0';
			if (if_nametoindex(name) == 0) {
				snprintf(buf, sizeof(buf), "no interface '%s' in this network namespace",
					 name);
				return buf;
			}
		}
	}
	if (ret == -1 || ret == -EPERM)
		return "the driver refused it (does the device exist? see the EAL lines above)";
	return strerror(-ret);
}

/* The pool of mbufs holding frames of data_room bytes for one port, made once. */
static struct rte_mempool *
big_pool(uint16_t port_id, uint32_t data_room, unsigned int n_mbufs, int socket)
{
	char name[RTE_MEMPOOL_NAMESIZE];
	struct rte_mempool *mp;

	snprintf(name, sizeof(name), "igmpgw_big_%u", port_id);
	mp = rte_mempool_lookup(name);
	if (mp != NULL)
		return mp;
	return rte_pktmbuf_pool_create(name, n_mbufs, POOL_CACHE, 0,
				       (uint16_t)(RTE_PKTMBUF_HEADROOM + data_room), socket);
}

/*
 * Configures and starts one port with n_rxq RX and n_txq TX queues, RX into
 * *pool on socket, at mtu (0 = 1500 or the PMD's max where less), with what
 * ethconf decides from the port's dev_info (*ec tells the caller). A port whose
 * frames do not fit *pool's mbufs and that cannot scatter gets a pool of big
 * mbufs in *pool. On failure writes one line (the caller names the key) to err.
 */
static int
configure_port(uint16_t port_id, uint16_t n_rxq, uint16_t n_txq, uint16_t mtu,
	       struct rte_mempool **pool, int socket, bool chained_replicas, bool vlan,
	       struct ethconf *ec, char *err, size_t err_len)
{
	struct rte_eth_dev_info info;
	struct ethconf_want want = {
		.n_rxq = n_rxq,
		.n_txq = n_txq,
		.mtu = mtu,
		.chained_replicas = chained_replicas,
		/*
		 * Software checksums: a replica's TTL - 1 updates the checksum in
		 * three additions (RFC 1624), while the offload needs l2_len, l3_len
		 * and ol_flags on every replica, and on some NICs (ixgbe, i40e) any
		 * TX offload costs the vector TX path.
		 */
		.ipv4_cksum = false,
		.vlan = vlan,
		.mbuf_data_room = rte_pktmbuf_data_room_size(*pool) - RTE_PKTMBUF_HEADROOM,
	};
	const char *linear = getenv(LINEAR_REPLICAS_ENV);
	uint16_t rx_desc = RX_DESC;
	uint16_t tx_desc = TX_DESC;
	int ret;

	ret = rte_eth_dev_info_get(port_id, &info);
	if (ret < 0)
		goto fail;
	if (linear != NULL && strcmp(linear, "1") == 0 && chained_replicas) {
		info.tx_offload_capa &= ~RTE_ETH_TX_OFFLOAD_MULTI_SEGS;
		info.driver_name = LINEAR_REPLICAS_ENV;
	}
	if (vlan && getenv(VLAN_SOFTWARE_ENV) != NULL && strcmp(getenv(VLAN_SOFTWARE_ENV), "1") == 0) {
		info.rx_offload_capa &= ~RTE_ETH_RX_OFFLOAD_VLAN_STRIP;
		info.tx_offload_capa &= ~RTE_ETH_TX_OFFLOAD_VLAN_INSERT;
	}
	ret = ethconf_decide(&info, &want, ec, err, err_len);
	if (ret < 0)
		return ret;
	/* Link changes as interrupts where the PMD has them (TAP): link_watch.c takes them. */
	if (*info.dev_flags & RTE_ETH_DEV_INTR_LSC)
		ec->conf.intr_conf.lsc = 1;
	if (ec->rx_data_room != 0) {
		*pool = big_pool(port_id, ec->rx_data_room, BIG_POOL_MBUFS + n_rxq * RX_DESC, socket);
		if (*pool == NULL) {
			snprintf(err, err_len, "no DPDK memory for %u mbufs of %u bytes (MTU %u)",
				 BIG_POOL_MBUFS + n_rxq * RX_DESC, ec->rx_data_room, ec->mtu);
			return -ENOMEM;
		}
	}
	ret = rte_eth_dev_configure(port_id, n_rxq, n_txq, &ec->conf);
	if (ret < 0)
		goto fail;
	ret = rte_eth_dev_adjust_nb_rx_tx_desc(port_id, &rx_desc, &tx_desc);
	if (ret < 0)
		goto fail;
	for (uint16_t q = 0; q < n_rxq; q++) {
		ret = rte_eth_rx_queue_setup(port_id, q, rx_desc, socket, NULL, *pool);
		if (ret < 0)
			goto fail;
	}
	for (uint16_t q = 0; q < n_txq; q++) {
		ret = rte_eth_tx_queue_setup(port_id, q, tx_desc, socket, NULL);
		if (ret < 0)
			goto fail;
	}
	ret = rte_eth_dev_start(port_id);
	if (ret < 0)
		goto fail;
	started[port_id] = true;
	/* IGMP and multicast data arrive for groups no NIC filter knows about. */
	rte_eth_promiscuous_enable(port_id);
	rte_eth_allmulticast_enable(port_id);
	return 0;
fail:
	snprintf(err, err_len, "%s", strerror(-ret));
	return ret;
}

static void
write_sysctl(const char *path, const char *value)
{
	FILE *f = fopen(path, "w");

	if (f == NULL)
		return;
	fputs(value, f);
	fclose(f);
}

/* Gives the twin's kernel interface the port's address and brings it up. */
static int
configure_kernel_iface(const char *ifname, uint32_t addr, uint8_t prefix_len)
{
	struct sockaddr_in *sin;
	struct ifreq ifr;
	int fd;
	int ret = 0;

	fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0)
		return -errno;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	sin = (struct sockaddr_in *)&ifr.ifr_addr;
	sin->sin_family = AF_INET;
	sin->sin_addr.s_addr = addr;
	if (ioctl(fd, SIOCSIFADDR, &ifr) < 0)
		ret = -errno;
	sin->sin_addr.s_addr = htonl(prefix_len == 32 ? 0xffffffffu : ~(0xffffffffu >> prefix_len));
	if (ret == 0 && ioctl(fd, SIOCSIFNETMASK, &ifr) < 0)
		ret = -errno;
	if (ret == 0 && ioctl(fd, SIOCGIFFLAGS, &ifr) < 0)
		ret = -errno;
	ifr.ifr_flags |= IFF_UP;
	if (ret == 0 && ioctl(fd, SIOCSIFFLAGS, &ifr) < 0)
		ret = -errno;
	close(fd);
	return ret;
}

void
gw_twin_ifname(enum gw_role role, char *buf, size_t len)
{
	snprintf(buf, len, "igw-%s", gw_role_name(role));
}

static int
open_twin(struct gw_port *p, char *err, size_t err_len)
{
	const char *role = gw_role_name(p->role);
	const struct rte_ether_addr *m = &p->mac;
	char devargs[256];
	char name[64];
	char path[128];
	char why[160];
	struct rte_mempool *twin_pool;
	struct ethconf ec;
	int ret;

	p->twin_id = GW_NO_PORT;
	if (gw.cfg.exception == GW_EXCEPTION_NONE)
		return 0;

	gw_twin_ifname(p->role, p->twin_ifname, sizeof(p->twin_ifname));
	if (gw.cfg.exception == GW_EXCEPTION_VIRTIO_USER) {
		if (access("/dev/vhost-net", R_OK | W_OK) != 0)
			return gw_fail(err, err_len,
				    "config: exception.mode: virtio-user needs /dev/vhost-net, which this machine does not have (use tap)");
		snprintf(devargs, sizeof(devargs),
			 "virtio_user_%s,path=/dev/vhost-net,queues=1,queue_size=1024,iface=%s,mac="
			 RTE_ETHER_ADDR_PRT_FMT, role, p->twin_ifname, RTE_ETHER_ADDR_BYTES(m));
	} else {
		snprintf(devargs, sizeof(devargs), "net_tap_%s,iface=%s,mac=" RTE_ETHER_ADDR_PRT_FMT,
			 role, p->twin_ifname, RTE_ETHER_ADDR_BYTES(m));
	}
	ret = find_or_probe(devargs, &p->twin_id, name, sizeof(name));
	if (ret < 0) {
		p->twin_id = GW_NO_PORT;
		return gw_fail(err, err_len, "config: exception.mode: cannot create the kernel twin %s for %s: %s",
			    p->twin_ifname, role, strerror(-ret));
	}
	/* The gateway owns IGMP and the lab has no use for MLD on the twin. */
	snprintf(path, sizeof(path), "/proc/sys/net/ipv6/conf/%s/disable_ipv6", p->twin_ifname);
	write_sysctl(path, "1");
	twin_pool = p->pool;
	ret = configure_port(p->twin_id, 1, 1, 0, &twin_pool, p->socket, false, false, &ec, why,
			     sizeof(why));
	if (ret < 0)
		return gw_fail(err, err_len, "config: exception.mode: cannot start the kernel twin %s: %s",
			    p->twin_ifname, why);
	ret = configure_kernel_iface(p->twin_ifname, p->addr, p->prefix_len);
	if (ret < 0)
		return gw_fail(err, err_len, "config: %s.address: cannot set it on the kernel twin %s: %s",
			    role, p->twin_ifname, strerror(-ret));
	return 0;
}

/*
 * The queues a port gets with n_workers workers: an rx queue per worker and a
 * tx queue per worker, as many as the PMD offers. af_packet's queues are the
 * members of a PACKET_FANOUT group the kernel spreads frames over, so every
 * one is configured and polled (an unpolled one silently loses its share);
 * af_packet and TAP pair each rx queue with a tx queue, TAP at most
 * TAP_MAX_QPAIRS.
 */
static int
queue_counts(struct gw_port *p, unsigned int n_workers)
{
	struct rte_eth_dev_info info;
	int ret = rte_eth_dev_info_get(p->port_id, &info);

	if (ret < 0)
		return ret;
	p->n_rxq = (uint16_t)RTE_MIN(n_workers, info.max_rx_queues);
	p->n_txq = (uint16_t)RTE_MIN(n_workers, info.max_tx_queues);
	if (strcmp(info.driver_name, "net_af_packet") == 0)
		p->n_rxq = p->n_txq = info.max_rx_queues;
	else if (strcmp(info.driver_name, "net_tap") == 0)
		p->n_rxq = p->n_txq = RTE_MIN(p->n_rxq, p->n_txq);
	if (strcmp(info.driver_name, "net_tap") == 0 && p->n_rxq > TAP_MAX_QPAIRS)
		p->n_rxq = p->n_txq = TAP_MAX_QPAIRS;
	if (p->n_rxq == 0 || p->n_txq == 0)
		return -EINVAL;
	return 0;
}

/*
 * An af_packet port igmpgw creates gets a queue pair per worker unless the
 * devargs say otherwise: every worker then receives its share of the port
 * (PACKET_FANOUT) and sends on its own socket, with no ring between workers.
 */
static const char *
with_qpairs(const char *devargs, unsigned int n_workers, char *buf, size_t len)
{
	if (strncmp(devargs, "net_af_packet", strlen("net_af_packet")) != 0 ||
	    strstr(devargs, "qpairs=") != NULL || n_workers < 2)
		return devargs;
	if ((size_t)snprintf(buf, len, "%s,qpairs=%u", devargs,
			     RTE_MIN(n_workers, AF_PACKET_MAX_QPAIRS)) >= len)
		return devargs;
	return buf;
}

/* The tag p's frames carry: its VLAN and a priority. */
static void
set_vlan(struct gw_port *p, const struct gw_port_config *pc)
{
	struct gw_port *head = &gw.port[pc->trunk];

	p->trunk = pc->trunk;
	p->vlan = pc->vlan;
	p->tci = (uint16_t)(pc->priority << 13 | pc->vlan);
	p->igmp_tci = (uint16_t)(pc->igmp_priority << 13 | pc->vlan);
	if (p == head)
		memset(head->vid_role, GW_VID_NONE, sizeof(head->vid_role));
	head->vid_role[pc->vlan] = (uint8_t)pc->role;
	if (pc->vlan != 0)
		head->tagged_trunk = true;
}

/*
 * A section on a VLAN of a port another section (its trunk head) opened: the
 * same ethdev, queues and MAC; a twin and addresses of its own.
 */
static int
open_sub_port(struct gw_port *p, const struct gw_port_config *pc, char *err, size_t err_len)
{
	const struct gw_port *head = &gw.port[pc->trunk];
	const char *role = gw_role_name(pc->role);

	p->role = pc->role;
	p->addr = pc->addr;
	p->prefix_len = pc->prefix_len;
	p->twin_id = GW_NO_PORT;
	p->port_id = head->port_id;
	memcpy(p->name, head->name, sizeof(p->name));
	p->socket = head->socket;
	p->pool = head->pool;
	p->copy_pool = head->copy_pool;
	p->hdr_pool = head->hdr_pool;
	p->clone_pool = head->clone_pool;
	p->mac = head->mac;
	p->n_rxq = head->n_rxq;
	p->n_txq = head->n_txq;
	p->linear_replicas = head->linear_replicas;
	p->vlan_strip = head->vlan_strip;
	p->vlan_insert = head->vlan_insert;
	p->mtu = head->mtu;
	if (pc->mtu != 0 && pc->mtu > head->mtu)
		return gw_fail(err, err_len, "config: %s.mtu: %u is more than %s's %u, whose port it shares",
			       role, pc->mtu, gw_role_name(head->role), head->mtu);
	if (pc->mtu != 0)
		p->mtu = pc->mtu;
	p->present = true;
	set_vlan(p, pc);
	return open_twin(p, err, err_len);
}

/*
 * Mbufs net_pcap keeps for the whole run: with infinite_rx it reads the
 * rx_pcap file of each of the n_rxq queues set up into mbufs of the RX pool
 * (a frame bigger than an mbuf takes a chain), whether the devargs came with
 * the config's port or with EAL's --vdev.
 */
static uint32_t
pcap_held_mbufs(const struct rte_eth_dev_info *info, uint16_t n_rxq, uint32_t data_room)
{
	uint16_t files = 0;
	const struct rte_devargs *da = rte_dev_devargs(info->device);
	const char *args = da != NULL ? da->args : NULL;
	const char *at, *inf;
	uint64_t held = 0;

	if (strcmp(info->driver_name, "net_pcap") != 0 || args == NULL)
		return 0;
	inf = strstr(args, "infinite_rx=");
	if (inf == NULL || atoi(inf + strlen("infinite_rx=")) <= 0)
		return 0;
	for (at = strstr(args, "rx_pcap="); at != NULL && files < n_rxq;
	     at = strstr(at, "rx_pcap="), files++) {
		char errbuf[PCAP_ERRBUF_SIZE];
		char path[PATH_MAX];
		struct pcap_pkthdr *h;
		const u_char *data;
		size_t len;
		pcap_t *pc;

		at += strlen("rx_pcap=");
		len = strcspn(at, ",");
		if (len >= sizeof(path))
			continue;
		memcpy(path, at, len);
		path[len] = '\0';
		pc = pcap_open_offline(path, errbuf);
		if (pc == NULL)
			continue; /* the PMD says why when it opens it */
		while (pcap_next_ex(pc, &h, &data) == 1)
			held += h->caplen <= data_room ? 1 : (h->caplen + data_room - 1) / data_room;
		pcap_close(pc);
	}
	return held > UINT32_MAX ? UINT32_MAX : (uint32_t)held;
}

/*
 * What a port will hold in mbufs (holds[]): its queues, their descriptors as
 * the PMD adjusts them, its twins, what net_pcap keeps.
 */
static int
measure_holds(struct gw_port *p, char *err, size_t err_len)
{
	struct poolsize_port *h = &holds[p->role];
	struct rte_eth_dev_info info;
	uint16_t rx_desc = RX_DESC;
	uint16_t tx_desc = TX_DESC;
	int ret;

	ret = rte_eth_dev_info_get(p->port_id, &info);
	if (ret == 0)
		ret = rte_eth_dev_adjust_nb_rx_tx_desc(p->port_id, &rx_desc, &tx_desc);
	if (ret < 0)
		return gw_fail(err, err_len, "config: %s.port: cannot read what '%s' offers: %s",
			       gw_role_name(p->role), p->name, strerror(-ret));
	*h = (struct poolsize_port){
		.n_rxq = p->n_rxq, .rx_desc = rx_desc, .n_txq = p->n_txq, .tx_desc = tx_desc,
		.held = pcap_held_mbufs(&info, p->n_rxq, RTE_MBUF_DEFAULT_DATAROOM),
		/* A twin has one queue pair (open_twin). */
		.twin_desc = RTE_MAX(RX_DESC, TX_DESC),
	};
	if (gw.cfg.exception != GW_EXCEPTION_NONE)
		for (int r = 0; r < GW_MAX_PORTS; r++)
			if (gw.cfg.port[r].present && gw.cfg.port[r].trunk == p->role)
				h->n_twins++;
	return 0;
}

/* Opens the port's ethdev and decides its queues; the pools come after. */
static int
probe_port(struct gw_port *p, const struct gw_port_config *pc, unsigned int n_workers, char *err,
	   size_t err_len)
{
	const char *role = gw_role_name(pc->role);
	char devargs_buf[GW_DEVARGS_LEN + 16];
	const char *devargs = with_qpairs(pc->devargs, n_workers, devargs_buf, sizeof(devargs_buf));
	int ret;

	p->role = pc->role;
	p->addr = pc->addr;
	p->prefix_len = pc->prefix_len;
	p->twin_id = GW_NO_PORT;

	ret = find_or_probe(devargs, &p->port_id, p->name, sizeof(p->name));
	if (ret < 0)
		return gw_fail(err, err_len, "config: %s.port: cannot open '%s': %s", role, pc->devargs,
			    probe_error(pc->devargs, ret));
	for (int r = 0; r < GW_MAX_PORTS; r++)
		if (gw.port[r].present && gw.port[r].port_id == p->port_id)
			return gw_fail(err, err_len, "config: %s.port: '%s' is already the %s port", role,
				    p->name, gw_role_name(r));
	p->present = true;
	p->socket = rte_eth_dev_socket_id(p->port_id);
	if (p->socket < 0)
		p->socket = (int)rte_socket_id();
	ret = rte_eth_macaddr_get(p->port_id, &p->mac);
	if (ret < 0)
		return gw_fail(err, err_len, "config: %s.port: cannot read its MAC: %s", role,
			    strerror(-ret));
	ret = queue_counts(p, n_workers);
	if (ret < 0)
		return gw_fail(err, err_len, "config: %s.port: cannot read what '%s' offers: %s", role,
			    p->name, strerror(-ret));
	return measure_holds(p, err, err_len);
}

/* Configures and starts a probed port on its pools, then its twin. */
static int
start_port(struct gw_port *p, const struct gw_port_config *pc, char *err, size_t err_len)
{
	const char *role = gw_role_name(pc->role);
	struct ethconf ec;
	char why[160];
	int ret;

	for (int r = 0; r < GW_MAX_PORTS; r++)
		if (gw.cfg.port[r].present && gw.cfg.port[r].trunk == pc->role &&
		    gw.cfg.port[r].vlan != 0)
			p->tagged_trunk = true;
	ret = configure_port(p->port_id, p->n_rxq, p->n_txq, pc->mtu, &p->pool, p->socket, true,
			     p->tagged_trunk, &ec, why, sizeof(why));
	if (ret == -ERANGE)
		return gw_fail(err, err_len, "config: %s.mtu: port '%s': %s", role, p->name, why);
	if (ret < 0)
		return gw_fail(err, err_len, "config: %s.port: cannot start '%s' with %u rx and %u tx queues: %s",
			    role, p->name, p->n_rxq, p->n_txq, why);
	p->mtu = ec.mtu;
	p->linear_replicas = ec.linear_replicas;
	p->vlan_strip = ec.vlan_strip;
	p->vlan_insert = ec.vlan_insert;
	set_vlan(p, pc);
	return open_twin(p, err, err_len);
}

/*
 * In three passes, because the pools are sized from what the ports hold: open
 * every port and count its queues, make each socket's pools, then configure
 * and start the ports (VLAN sections after their trunk's head, which comes
 * first in role order) and their twins.
 */
int
gw_ports_open(unsigned int n_workers, char *err, size_t err_len)
{
	for (int r = 0; r < GW_MAX_PORTS; r++)
		if (gw.cfg.port[r].present && gw.cfg.port[r].trunk == r &&
		    probe_port(&gw.port[r], &gw.cfg.port[r], n_workers, err, err_len) < 0)
			return -1;
	if (make_pools(n_workers, err, err_len) < 0)
		return -1;
	for (int r = 0; r < GW_MAX_PORTS; r++) {
		if (!gw.cfg.port[r].present)
			continue;
		if (gw.cfg.port[r].trunk != r) {
			if (open_sub_port(&gw.port[r], &gw.cfg.port[r], err, err_len) < 0)
				return -1;
		} else if (start_port(&gw.port[r], &gw.cfg.port[r], err, err_len) < 0) {
			return -1;
		}
	}
	return 0;
}

static void
close_port(uint16_t port_id)
{
	if (started[port_id])
		rte_eth_dev_stop(port_id);
	started[port_id] = false;
	rte_eth_dev_close(port_id);
}

void
gw_ports_close(void)
{
	for (int r = 0; r < GW_MAX_PORTS; r++) {
		struct gw_port *p = &gw.port[r];

		if (!p->present)
			continue;
		if (p->twin_id != GW_NO_PORT)
			close_port(p->twin_id);
		/* The config's trunk: a head that failed half-way has not set p->trunk yet. */
		if (gw.cfg.port[r].trunk == r)
			close_port(p->port_id);
		p->present = false;
	}
}

/*
 * Re-binding (control/link_rebind.c): af_packet's sockets stay bound to the
 * ifindex they opened, and its stop/start does not reopen them, so a port
 * whose interface was deleted and re-created under its name gets a new ethdev
 * on it: its devargs (as EAL holds them) probed under a new name ("_r1", "_r2"
 * after the configured one), configured as at start (the same queues, pools,
 * MTU and MAC) and started while the old one still stands; only then, with
 * the workers held, does the trunk move to it and the old one go. A failure
 * before the move leaves the port as it was.
 */
int
gw_port_rebind_open(enum gw_role role, uint16_t *new_id, char *err, size_t err_len)
{
	static unsigned int generation[GW_MAX_PORTS];
	struct gw_port *p = &gw.port[role];
	const struct gw_port_config *pc = &gw.cfg.port[role];
	struct rte_mempool *pool = p->pool;
	struct rte_eth_dev_info info;
	const struct rte_devargs *da;
	struct rte_ether_addr mac;
	char devargs[GW_DEVARGS_LEN + 80];
	char base[sizeof(p->name)];
	char name[sizeof(p->name)];
	struct ethconf ec;
	uint16_t port_id;
	char why[160];
	int ret;

	ret = rte_eth_dev_info_get(p->port_id, &info);
	if (ret < 0)
		return gw_fail(err, err_len, "cannot read '%s': %s", p->name, strerror(-ret));
	da = rte_dev_devargs(info.device);
	if (da == NULL || da->args == NULL || da->args[0] == '\0')
		return gw_fail(err, err_len, "'%s' has no devargs to probe it again with", p->name);
	devargs_name(pc->devargs, base, sizeof(base));
	snprintf(devargs, sizeof(devargs), "%.40s_r%u,%s", base, ++generation[role], da->args);
	ret = find_or_probe(devargs, &port_id, name, sizeof(name));
	if (ret < 0)
		return gw_fail(err, err_len, "cannot probe '%s': %s", devargs, probe_error(devargs, ret));
	ret = rte_eth_dev_info_get(port_id, &info);
	if (ret == 0 && (info.max_rx_queues < p->n_rxq || info.max_tx_queues < p->n_txq)) {
		snprintf(why, sizeof(why), "it has %u rx and %u tx queues, not %u and %u",
			 info.max_rx_queues, info.max_tx_queues, p->n_rxq, p->n_txq);
		ret = -EINVAL;
	}
	/* The gateway's MAC stays: the twin, the neighbours and the queriers know it. */
	if (ret == 0 && rte_eth_macaddr_get(port_id, &mac) == 0 &&
	    !rte_is_same_ether_addr(&mac, &p->mac))
		rte_eth_dev_default_mac_addr_set(port_id, &p->mac);
	if (ret == 0)
		ret = configure_port(port_id, p->n_rxq, p->n_txq, pc->mtu, &pool, p->socket, true,
				     p->tagged_trunk, &ec, why, sizeof(why));
	if (ret < 0) {
		gw_port_rebind_drop(port_id);
		return gw_fail(err, err_len, "cannot start '%s': %s", name, why);
	}
	*new_id = port_id;
	return 0;
}

void
gw_port_rebind_drop(uint16_t port_id)
{
	struct rte_eth_dev_info info;

	if (rte_eth_dev_info_get(port_id, &info) != 0)
		return;
	close_port(port_id);
	rte_dev_remove(info.device);
}

void
gw_port_rebind_move(enum gw_role role, uint16_t new_id)
{
	uint16_t old_id = gw.port[role].port_id;
	char name[sizeof(gw.port[role].name)];

	if (rte_eth_dev_get_name_by_port(new_id, name) != 0)
		snprintf(name, sizeof(name), "port%u", new_id);
	for (int r = 0; r < GW_MAX_PORTS; r++) {
		struct gw_port *p = &gw.port[r];

		if (p->present && p->trunk == role) {
			p->port_id = new_id;
			memcpy(p->name, name, sizeof(p->name));
		}
	}
	gw_port_rebind_drop(old_id);
}

/*
 * A kernel twin someone deleted (workers held): its TAP removed and made
 * again as at start. Removing it first keeps the TAP PMD from acting on the
 * new interface by name; should the new one fail, the port has no twin.
 */
int
gw_twin_rebind(enum gw_role role, char *err, size_t err_len)
{
	struct gw_port *p = &gw.port[role];

	if (p->twin_id != GW_NO_PORT) {
		gw_port_rebind_drop(p->twin_id);
		p->twin_id = GW_NO_PORT;
	}
	return open_twin(p, err, err_len);
}
