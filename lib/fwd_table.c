/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Forwarding table: an rte_hash from group to an immutable entry (any-source
 * ports plus per-source exceptions). A change builds a new entry and swaps the
 * hash's data pointer, which readers see at once; the old entry waits in an
 * RCU defer queue until every reader has been quiescent. Static routes are a
 * short list fixed at start-up, scanned after the hash.
 *
 * The hash has room for more than max_groups: a deleted group's key slot is
 * only reusable after a grace period, so a table sized exactly would refuse
 * new groups while holding fewer than max_groups. The limit is counted here,
 * and when slow readers still hold the headroom the writer waits for them.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_errno.h>
#include <rte_hash.h>
#include <rte_hash_crc.h>
#include <rte_lcore.h>
#include <rte_malloc.h>

#include "fwd_table.h"

struct fwd_entry {
	fwd_mask_t any_source;
	uint16_t n_sources;
	struct fwd_source sources[];   /* sorted by addr */
};

struct fwd_static {
	uint32_t group;                /* host order, masked */
	uint32_t mask;                 /* host order */
	uint32_t source;               /* network order, 0 = any */
	fwd_mask_t ports;
};

/* Retired entries the defer queue holds at least, whatever max_groups. */
#define FWD_DQ_MIN 1024
/* Key slots beyond max_groups for deletes in their grace period: a quarter more, and this. */
#define FWD_HEADROOM_MIN 64

struct fwd_table {
	struct rte_hash *hash;
	struct rte_rcu_qsbr *qsbr;
	size_t fixed_bytes;            /* table, hash and queues: measured on the heap */
	struct rte_rcu_qsbr_dq *dq;
	int socket;
	uint32_t max_groups;
	uint32_t count;
	size_t block_overhead;         /* what rte_malloc adds to a block, measured */
	size_t entry_bytes;            /* as rte_malloc takes them */
	uint16_t n_static;
	struct fwd_static statics[FWD_MAX_STATIC];
};

/*
 * A group without per-source exceptions (the common case) keeps its ports in
 * the hash's data word itself, tagged by the low bit (entries are aligned, so
 * their pointers never have it): lookups then skip a cache miss, and such
 * groups cost no allocation.
 */
static inline bool
is_inline(const void *data)
{
	return ((uintptr_t)data & 1) != 0;
}

static inline void *
inline_ports(fwd_mask_t ports)
{
	return (void *)(((uintptr_t)ports << 1) | 1);
}

static size_t
entry_size(uint16_t n_sources)
{
	return sizeof(struct fwd_entry) + (size_t)n_sources * sizeof(struct fwd_source);
}

/* What an entry takes on the heap: rte_malloc rounds it up to a cache line and adds a header. */
static size_t
entry_footprint(const struct fwd_table *t, uint16_t n_sources)
{
	return RTE_CACHE_LINE_ROUNDUP(entry_size(n_sources)) + t->block_overhead;
}

/* Runs once no reader can hold the entry any more. */
static void
free_entry(void *arg, void *entries, unsigned int n)
{
	struct fwd_table *t = arg;

	for (unsigned int i = 0; i < n; i++) {
		struct fwd_entry *e = ((struct fwd_entry **)entries)[i];

		t->entry_bytes -= entry_footprint(t, e->n_sources);
		rte_free(e);
	}
}

/* Bytes allocated on every socket's heap (SOCKET_ID_ANY may use any of them). */
static size_t
heap_used(void)
{
	struct rte_malloc_socket_stats st;
	size_t used = 0;

	for (unsigned int i = 0; i < rte_socket_count(); i++)
		if (rte_malloc_get_socket_stats(rte_socket_id_by_idx(i), &st) == 0)
			used += st.heap_allocsz_bytes;
	return used;
}

/* The heap's cost of a one-line block beyond that line (its header size varies by build). */
static size_t
block_overhead(int socket)
{
	size_t before = heap_used(), cost;
	void *p = rte_malloc_socket("fwd_probe", 1, 0, socket);

	if (p == NULL)
		return RTE_CACHE_LINE_SIZE;
	cost = heap_used() - before;
	rte_free(p);
	return cost > RTE_CACHE_LINE_SIZE ? cost - RTE_CACHE_LINE_SIZE : 0;
}

struct fwd_table *
fwd_table_create(const char *name, uint32_t max_groups, int socket, struct rte_rcu_qsbr *qsbr)
{
	char dq_name[RTE_RCU_QSBR_DQ_NAMESIZE];
	struct rte_hash_parameters hp = {
		.name = name,
		/* Headroom for key slots waiting out a grace period (see the top). */
		.entries = max_groups + max_groups / 4 + FWD_HEADROOM_MIN,
		.key_len = sizeof(uint32_t),
		.hash_func = rte_hash_crc,
		.socket_id = socket,
		/* Lock-free readers; the key slot of a deleted group is freed after a grace period. */
		.extra_flag = RTE_HASH_EXTRA_FLAGS_RW_CONCURRENCY_LF |
			RTE_HASH_EXTRA_FLAGS_EXT_TABLE,
	};
	struct rte_hash_rcu_config hash_rcu = {
		.v = qsbr,
		.mode = RTE_HASH_QSBR_MODE_DQ,
	};
	struct rte_rcu_qsbr_dq_parameters dq = {
		.name = dq_name,
		/* Full, it makes the writer wait for the readers: keep that rare. */
		.size = hp.entries < FWD_DQ_MIN ? FWD_DQ_MIN : hp.entries,
		.esize = sizeof(void *),
		.trigger_reclaim_limit = 0,
		.max_reclaim_size = 64,
		.v = qsbr,
		.free_fn = free_entry,
	};
	size_t before = heap_used();
	struct fwd_table *t;

	if (max_groups > RTE_HASH_ENTRIES_MAX / 2) {
		rte_errno = EINVAL;
		return NULL;
	}
	t = rte_zmalloc_socket("fwd_table", sizeof(*t), 0, socket);
	if (t == NULL)
		return NULL;
	t->socket = socket;
	t->qsbr = qsbr;
	t->max_groups = max_groups;
	t->block_overhead = block_overhead(socket);
	t->hash = rte_hash_create(&hp);
	if (t->hash == NULL || rte_hash_rcu_qsbr_add(t->hash, &hash_rcu) != 0) {
		fwd_table_free(t);
		return NULL;
	}
	snprintf(dq_name, sizeof(dq_name), "%s_dq", name);
	dq.p = t;
	t->dq = rte_rcu_qsbr_dq_create(&dq);
	if (t->dq == NULL) {
		fwd_table_free(t);
		return NULL;
	}
	t->fixed_bytes = heap_used() - before;
	return t;
}

void
fwd_table_free(struct fwd_table *t)
{
	const void *key;
	void *data;
	uint32_t iter = 0;

	if (t == NULL)
		return;
	if (t->dq != NULL)
		rte_rcu_qsbr_dq_delete(t->dq);
	while (t->hash != NULL && rte_hash_iterate(t->hash, &key, &data, &iter) >= 0)
		if (!is_inline(data))
			rte_free(data);
	rte_hash_free(t->hash);
	rte_free(t);
}

static int
cmp_source(const void *a, const void *b)
{
	uint32_t x = rte_be_to_cpu_32(((const struct fwd_source *)a)->addr);
	uint32_t y = rte_be_to_cpu_32(((const struct fwd_source *)b)->addr);

	return x < y ? -1 : x > y;
}

/* Hands an entry readers may still hold to the defer queue (or frees it if that is full). */
static void
retire(struct fwd_table *t, struct fwd_entry *old)
{
	if (old == NULL || is_inline(old))
		return;
	if (rte_rcu_qsbr_dq_enqueue(t->dq, &old) != 0) {
		/* Queue full: wait for the readers once, then it is safe. */
		rte_rcu_qsbr_synchronize(t->qsbr, RTE_QSBR_THRID_INVALID);
		free_entry(t, &old, 1);
	}
}

int
fwd_table_set(struct fwd_table *t, uint32_t group, fwd_mask_t any_source,
	      const struct fwd_source *sources, uint16_t n_sources)
{
	struct fwd_entry *old = NULL, *e;
	int ret;

	if (n_sources > FWD_MAX_SOURCES || (n_sources > 0 && sources == NULL))
		return -EINVAL;
	if (rte_hash_lookup_data(t->hash, &group, (void **)&old) < 0)
		old = NULL;

	if (any_source == 0 && n_sources == 0) {
		if (old == NULL)
			return 0;
		/* The hash's own RCU frees the key slot; the entry goes through ours. */
		if (rte_hash_del_key(t->hash, &group) >= 0) {
			t->count--;
			retire(t, old);
		}
		return 0;
	}
	if (old == NULL && t->count >= t->max_groups)
		return -ENOSPC;

	if (n_sources == 0) {
		e = inline_ports(any_source);
	} else {
		e = rte_malloc_socket("fwd_entry", entry_size(n_sources), 0, t->socket);
		if (e == NULL)
			return -ENOMEM;
		e->any_source = any_source;
		e->n_sources = n_sources;
		memcpy(e->sources, sources, (size_t)n_sources * sizeof(*sources));
		qsort(e->sources, n_sources, sizeof(*sources), cmp_source);
	}
	ret = rte_hash_add_key_data(t->hash, &group, e);
	if (ret == -ENOSPC) {
		/*
		 * Under max_groups, so the headroom is held by deleted groups
		 * whose grace period a slow reader has not ended: wait for it,
		 * then rte_hash reclaims their slots itself when it retries.
		 */
		rte_rcu_qsbr_synchronize(t->qsbr, RTE_QSBR_THRID_INVALID);
		ret = rte_hash_add_key_data(t->hash, &group, e);
	}
	if (ret < 0) {
		if (!is_inline(e))
			rte_free(e);
		return ret;
	}
	if (!is_inline(e))
		t->entry_bytes += entry_footprint(t, n_sources);
	if (old == NULL)
		t->count++;
	retire(t, old);
	return 0;
}

int
fwd_table_add_static(struct fwd_table *t, uint32_t group, uint8_t prefix_len, uint32_t source,
		     fwd_mask_t ports)
{
	struct fwd_static *s;
	uint32_t mask;

	if (prefix_len > 32 || ports == 0)
		return -EINVAL;
	if (t->n_static == FWD_MAX_STATIC)
		return -ENOSPC;
	mask = prefix_len == 0 ? 0 : ~0u << (32 - prefix_len);
	s = &t->statics[t->n_static];
	s->group = rte_be_to_cpu_32(group) & mask;
	s->mask = mask;
	s->source = source;
	s->ports = ports;
	/* Publish the route only once it is whole. */
	__atomic_store_n(&t->n_static, t->n_static + 1, __ATOMIC_RELEASE);
	return 0;
}

void
fwd_table_reclaim(struct fwd_table *t)
{
	unsigned int freed, pending, available;

	rte_rcu_qsbr_dq_reclaim(t->dq, 64, &freed, &pending, &available);
}

static fwd_mask_t
entry_ports(const struct fwd_entry *e, uint32_t source)
{
	uint32_t s = rte_be_to_cpu_32(source);
	uint16_t lo = 0, hi = e->n_sources;

	while (lo < hi) {
		uint16_t mid = (uint16_t)((lo + hi) / 2);
		uint32_t m = rte_be_to_cpu_32(e->sources[mid].addr);

		if (m == s)
			return (e->any_source & ~e->sources[mid].exclude) | e->sources[mid].include;
		if (m < s)
			lo = mid + 1;
		else
			hi = mid;
	}
	return e->any_source;
}

fwd_mask_t
fwd_table_lookup(const struct fwd_table *t, uint32_t group, uint32_t source)
{
	uint16_t n_static = __atomic_load_n(&t->n_static, __ATOMIC_ACQUIRE);
	const struct fwd_entry *e;
	fwd_mask_t ports = 0;

	if (rte_hash_lookup_data(t->hash, &group, (void **)&e) >= 0)
		ports = is_inline(e) ? (fwd_mask_t)((uintptr_t)e >> 1) : entry_ports(e, source);
	if (n_static > 0) {
		uint32_t g = rte_be_to_cpu_32(group);

		for (uint16_t i = 0; i < n_static; i++) {
			const struct fwd_static *s = &t->statics[i];

			if ((g & s->mask) == s->group && (s->source == 0 || s->source == source))
				ports |= s->ports;
		}
	}
	return ports;
}

uint32_t
fwd_table_count(const struct fwd_table *t)
{
	return t->count;
}

size_t
fwd_table_memory(const struct fwd_table *t)
{
	/* The hash is sized for max groups at creation; entries grow with use. */
	return t->fixed_bytes + t->entry_bytes;
}
