/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Forwarding table: an open-addressing index from group to ports, built for a
 * reader that looks up a whole burst at once.
 *
 * A slot is {group, data}. data is the group's any-source ports inline (low
 * bit set) when it has no per-source exceptions, the common case, so such a
 * lookup touches one cache line; otherwise a pointer to an immutable entry.
 * Slots are probed linearly from the group's CRC32.
 *
 * One writer. A slot, once given a group, keeps it: a delete only clears the
 * data (a tombstone the same group takes again), so a reader never sees a
 * slot change group under it. Tombstones are cleared by a rebuild: a fresh
 * index with the live groups only, published by one pointer store. The
 * rebuild also sizes the index to what it holds (about four slots a group;
 * at most two slots per max_groups, so even a full table is half empty), so
 * a few busy groups share cache lines instead of being spread over an index
 * sized for the limit. Replaced
 * entries and indexes wait in an RCU defer queue until every reader has been
 * quiescent. Static routes are a short list scanned after the index, replaced
 * whole: the writer fills the set readers do not use and publishes it by one
 * pointer store, then waits for the readers before that set may be refilled.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_common.h>
#include <rte_debug.h>
#include <rte_errno.h>
#include <rte_hash_crc.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_prefetch.h>

#include "fwd_table.h"

struct fwd_entry {
	fwd_mask_t any_source;
	uint16_t n_sources;
	struct fwd_source sources[];   /* sorted by addr */
};

struct fwd_slot {
	uint32_t group;                /* network order; 0: never used (no group is 0.0.0.0) */
	uint32_t unused;
	uintptr_t data;                /* 0: deleted; odd: inline ports; else struct fwd_entry * */
};

struct fwd_index {
	uint32_t mask;                 /* slots - 1 */
	struct fwd_slot slots[] __rte_cache_aligned;
};

struct fwd_static {
	uint32_t group;                /* host order, masked */
	uint32_t mask;                 /* host order */
	uint32_t source;               /* network order, 0 = any */
	fwd_mask_t ports;
	uint8_t prefix_len;
};

/* One generation of the static routes: immutable while readers may see it. */
struct fwd_static_set {
	uint16_t n;
	struct fwd_static s[FWD_MAX_STATIC];
};

/* Retired entries the defer queue holds at least, whatever max_groups. */
#define FWD_DQ_MIN 1024
/* Slots in use (live or tombstone) that trigger a rebuild: 3/4 of the index. */
#define FWD_REBUILD_NUM 3
#define FWD_REBUILD_DEN 4
/* Slots a rebuild gives each live group; fewer than 1/16 of that makes it shrink. */
#define FWD_SLOTS_PER_GROUP 4
#define FWD_SHRINK_DEN 16
/* The smallest index: 16 KiB. */
#define FWD_MIN_SLOTS 1024u

struct fwd_table {
	struct fwd_index *index;       /* readers load it once per lookup */
	struct rte_rcu_qsbr *qsbr;
	struct rte_rcu_qsbr_dq *dq;
	int socket;
	uint32_t max_groups;
	uint32_t count;                /* live groups */
	uint32_t used;                 /* slots with a group, live or deleted */
	uint32_t max_slots;            /* at least 2 * max_groups: load stays <= 1/2 */
	size_t fixed_bytes;            /* table and queue: measured on the heap */
	size_t retired_bytes;          /* rebuilt indexes still waiting for the readers */
	size_t block_overhead;         /* what rte_malloc adds to a block, measured */
	size_t entry_bytes;            /* as rte_malloc takes them */
	uint64_t rebuilds;
	struct fwd_static_set *statics;        /* readers load it once per lookup */
	struct fwd_static_set static_sets[2];  /* the one published and the spare */
};

static inline bool
is_inline(uintptr_t data)
{
	return (data & 1) != 0;
}

static inline uintptr_t
inline_ports(fwd_mask_t ports)
{
	return ((uintptr_t)ports << 1) | 1;
}

/* Indexes go through the defer queue too, tagged so the free callback tells them apart. */
#define RETIRED_INDEX ((uintptr_t)2)

static inline uint32_t
home_slot(uint32_t group)
{
	return rte_hash_crc_4byte(group, 0);
}

static size_t
entry_size(uint16_t n_sources)
{
	return sizeof(struct fwd_entry) + (size_t)n_sources * sizeof(struct fwd_source);
}

/* What a block takes on the heap: rte_malloc rounds it up to a cache line and adds a header. */
static size_t
heap_footprint(const struct fwd_table *t, size_t size)
{
	return RTE_CACHE_LINE_ROUNDUP(size) + t->block_overhead;
}

static size_t
entry_footprint(const struct fwd_table *t, uint16_t n_sources)
{
	return heap_footprint(t, entry_size(n_sources));
}

static size_t
index_size(uint32_t n_slots)
{
	return sizeof(struct fwd_index) + (size_t)n_slots * sizeof(struct fwd_slot);
}

static size_t
index_footprint(const struct fwd_table *t, const struct fwd_index *ix)
{
	return heap_footprint(t, index_size(ix->mask + 1));
}

/* Runs once no reader can hold the entry (or index) any more. */
static void
free_retired(void *arg, void *retired, unsigned int n)
{
	struct fwd_table *t = arg;

	for (unsigned int i = 0; i < n; i++) {
		uintptr_t p = ((uintptr_t *)retired)[i];

		if (p & RETIRED_INDEX) {
			struct fwd_index *ix = (struct fwd_index *)(p & ~RETIRED_INDEX);

			t->retired_bytes -= index_footprint(t, ix);
			rte_free(ix);
			continue;
		}
		t->entry_bytes -= entry_footprint(t, ((struct fwd_entry *)p)->n_sources);
		rte_free((void *)p);
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

static struct fwd_index *
index_new(const struct fwd_table *t, uint32_t n_slots)
{
	struct fwd_index *ix = rte_zmalloc_socket("fwd_index", index_size(n_slots),
						  RTE_CACHE_LINE_SIZE, t->socket);

	if (ix != NULL)
		ix->mask = n_slots - 1;
	return ix;
}

/* The index size for n live groups: about FWD_SLOTS_PER_GROUP slots each, within bounds. */
static uint32_t
slots_for(const struct fwd_table *t, uint32_t n)
{
	uint64_t want = rte_align64pow2((uint64_t)n * FWD_SLOTS_PER_GROUP);

	if (want < FWD_MIN_SLOTS)
		want = FWD_MIN_SLOTS;
	return want < t->max_slots ? (uint32_t)want : t->max_slots;
}

/* Writer: the slot holding group (live or deleted), or the free slot it would take. */
static struct fwd_slot *
index_slot(const struct fwd_index *ix, uint32_t group)
{
	uint32_t i = home_slot(group) & ix->mask;

	for (;;) {
		const struct fwd_slot *s = &ix->slots[i];

		if (s->group == group || s->group == 0)
			return (struct fwd_slot *)(uintptr_t)s;
		i = (i + 1) & ix->mask;
	}
}

/*
 * Reader: the data of group, 0 when absent. A quarter of the slots stays free,
 * so a probe ends at a free slot; the bound only guards against a broken index.
 */
static inline uintptr_t
index_find(const struct fwd_index *ix, uint32_t group, uint32_t home)
{
	uint32_t i = home & ix->mask;

	for (uint32_t n = 0; n <= ix->mask; n++) {
		const struct fwd_slot *s = &ix->slots[i];
		uint32_t g = __atomic_load_n(&s->group, __ATOMIC_ACQUIRE);

		if (g == group)
			return __atomic_load_n(&s->data, __ATOMIC_ACQUIRE);
		if (g == 0)
			return 0;
		i = (i + 1) & ix->mask;
	}
	return 0;
}

struct fwd_table *
fwd_table_create(const char *name, uint32_t max_groups, int socket, struct rte_rcu_qsbr *qsbr)
{
	char dq_name[RTE_RCU_QSBR_DQ_NAMESIZE];
	struct rte_rcu_qsbr_dq_parameters dq = {
		.name = dq_name,
		/* Full, it makes the writer wait for the readers: keep that rare. */
		.size = max_groups < FWD_DQ_MIN ? FWD_DQ_MIN : max_groups,
		.esize = sizeof(void *),
		.trigger_reclaim_limit = 0,
		.max_reclaim_size = 64,
		.v = qsbr,
		.free_fn = free_retired,
	};
	size_t before = heap_used();
	struct fwd_table *t;

	if (max_groups == 0 || max_groups > FWD_MAX_GROUPS) {
		rte_errno = EINVAL;
		return NULL;
	}
	t = rte_zmalloc_socket(name, sizeof(*t), 0, socket);
	if (t == NULL)
		return NULL;
	t->socket = socket;
	t->qsbr = qsbr;
	t->statics = &t->static_sets[0];
	t->max_groups = max_groups;
	/* At the limit live groups fill at most half the index: short probes, room for tombstones. */
	t->max_slots = rte_align32pow2(2 * max_groups);
	t->block_overhead = block_overhead(socket);
	/* Ring names are global: the table's address keeps two tables of one name apart. */
	snprintf(dq_name, sizeof(dq_name), "fwdq_%" PRIxPTR, (uintptr_t)t);
	dq.p = t;
	t->dq = rte_rcu_qsbr_dq_create(&dq);
	if (t->dq == NULL) {
		fwd_table_free(t);
		return NULL;
	}
	t->fixed_bytes = heap_used() - before;
	t->index = index_new(t, slots_for(t, 0));
	if (t->index == NULL) {
		fwd_table_free(t);
		return NULL;
	}
	return t;
}

void
fwd_table_free(struct fwd_table *t)
{
	if (t == NULL)
		return;
	if (t->dq != NULL)
		rte_rcu_qsbr_dq_delete(t->dq);
	if (t->index != NULL) {
		for (uint32_t i = 0; i <= t->index->mask; i++) {
			uintptr_t d = t->index->slots[i].data;

			if (d != 0 && !is_inline(d))
				rte_free((void *)d);
		}
		rte_free(t->index);
	}
	rte_free(t);
}

static int
cmp_source(const void *a, const void *b)
{
	uint32_t x = rte_be_to_cpu_32(((const struct fwd_source *)a)->addr);
	uint32_t y = rte_be_to_cpu_32(((const struct fwd_source *)b)->addr);

	return x < y ? -1 : x > y;
}

/* Hands what readers may still hold to the defer queue (or frees it if that is full). */
static void
retire(struct fwd_table *t, uintptr_t old)
{
	if (old == 0 || is_inline(old))
		return;
	if (rte_rcu_qsbr_dq_enqueue(t->dq, &old) != 0) {
		/* Queue full: wait for the readers once, then it is safe. */
		rte_rcu_qsbr_synchronize(t->qsbr, RTE_QSBR_THRID_INVALID);
		free_retired(t, &old, 1);
	}
}

/* A fresh index with the live groups only, sized for them: deleted groups' tombstones go. */
static int
rebuild(struct fwd_table *t, uint32_t n_slots)
{
	struct fwd_index *old = t->index, *ix = index_new(t, n_slots);

	if (ix == NULL)
		return -ENOMEM;
	for (uint32_t i = 0; i <= old->mask; i++) {
		const struct fwd_slot *s = &old->slots[i];

		if (s->data != 0)
			*index_slot(ix, s->group) = *s;
	}
	__atomic_store_n(&t->index, ix, __ATOMIC_RELEASE);
	t->used = t->count;
	t->rebuilds++;
	t->retired_bytes += index_footprint(t, old);
	retire(t, (uintptr_t)old | RETIRED_INDEX);
	return 0;
}

int
fwd_table_set(struct fwd_table *t, uint32_t group, fwd_mask_t any_source,
	      const struct fwd_source *sources, uint16_t n_sources)
{
	struct fwd_slot *s;
	struct fwd_entry *e;
	uintptr_t old, data;

	if (n_sources > FWD_MAX_SOURCES || (n_sources > 0 && sources == NULL) || group == 0)
		return -EINVAL;
	s = index_slot(t->index, group);
	old = s->group == group ? s->data : 0;

	if (any_source == 0 && n_sources == 0) {
		if (old == 0)
			return 0;
		__atomic_store_n(&s->data, 0, __ATOMIC_RELEASE);
		t->count--;
		retire(t, old);
		/* Mostly empty: shrink, so the groups left share cache lines again (best effort). */
		if ((uint64_t)t->count * FWD_SLOTS_PER_GROUP * FWD_SHRINK_DEN < t->index->mask + 1 &&
		    slots_for(t, t->count) < t->index->mask + 1)
			rebuild(t, slots_for(t, t->count));
		return 0;
	}
	if (old == 0 && t->count >= t->max_groups)
		return -ENOSPC;
	if (s->group == 0 &&
	    (uint64_t)(t->used + 1) * FWD_REBUILD_DEN > (uint64_t)(t->index->mask + 1) * FWD_REBUILD_NUM) {
		if (rebuild(t, slots_for(t, t->count + 1)) != 0)
			return -ENOMEM;
		s = index_slot(t->index, group);
	}

	if (n_sources == 0) {
		data = inline_ports(any_source);
	} else {
		e = rte_malloc_socket("fwd_entry", entry_size(n_sources), 0, t->socket);
		if (e == NULL)
			return -ENOMEM;
		e->any_source = any_source;
		e->n_sources = n_sources;
		memcpy(e->sources, sources, (size_t)n_sources * sizeof(*sources));
		qsort(e->sources, n_sources, sizeof(*sources), cmp_source);
		t->entry_bytes += entry_footprint(t, n_sources);
		data = (uintptr_t)e;
	}
	/* Data before group: a reader that sees the group sees its data. */
	__atomic_store_n(&s->data, data, __ATOMIC_RELEASE);
	if (s->group == 0) {
		__atomic_store_n(&s->group, group, __ATOMIC_RELEASE);
		t->used++;
	}
	if (old == 0)
		t->count++;
	retire(t, old);
	return 0;
}

/* A route into the form lookups scan; -EINVAL when it is not one. */
static int
static_of(const struct fwd_route *r, struct fwd_static *s)
{
	uint32_t mask;

	if (r->prefix_len > 32 || r->ports == 0)
		return -EINVAL;
	mask = r->prefix_len == 0 ? 0 : ~0u << (32 - r->prefix_len);
	s->group = rte_be_to_cpu_32(r->group) & mask;
	s->mask = mask;
	s->source = r->source;
	s->ports = r->ports;
	s->prefix_len = r->prefix_len;
	return 0;
}

static void
route_of(const struct fwd_static *s, struct fwd_route *r)
{
	r->group = rte_cpu_to_be_32(s->group);
	r->prefix_len = s->prefix_len;
	r->source = s->source;
	r->ports = s->ports;
}

/* Publishes next (the spare set, filled), then waits until no reader holds the old one. */
static void
publish_statics(struct fwd_table *t, struct fwd_static_set *next)
{
	__atomic_store_n(&t->statics, next, __ATOMIC_RELEASE);
	/* The old set becomes the spare: no reader may still be scanning it when it is refilled. */
	if (t->qsbr != NULL)
		rte_rcu_qsbr_synchronize(t->qsbr, RTE_QSBR_THRID_INVALID);
}

static struct fwd_static_set *
spare_statics(struct fwd_table *t)
{
	return t->statics == &t->static_sets[0] ? &t->static_sets[1] : &t->static_sets[0];
}

int
fwd_table_replace_static(struct fwd_table *t, const struct fwd_route *routes, uint16_t n)
{
	struct fwd_static_set *next = spare_statics(t);

	if (n > FWD_MAX_STATIC || (n > 0 && routes == NULL))
		return -EINVAL;
	for (uint16_t i = 0; i < n; i++)
		if (static_of(&routes[i], &next->s[i]) < 0)
			return -EINVAL;
	next->n = n;
	publish_statics(t, next);
	return 0;
}

int
fwd_table_add_static(struct fwd_table *t, uint32_t group, uint8_t prefix_len, uint32_t source,
		     fwd_mask_t ports)
{
	const struct fwd_static_set *cur = t->statics;
	struct fwd_static_set *next = spare_statics(t);
	struct fwd_route r = { group, prefix_len, source, ports };

	if (cur->n == FWD_MAX_STATIC)
		return -ENOSPC;
	if (static_of(&r, &next->s[cur->n]) < 0)
		return -EINVAL;
	memcpy(next->s, cur->s, cur->n * sizeof(cur->s[0]));
	next->n = (uint16_t)(cur->n + 1);
	publish_statics(t, next);
	return 0;
}

int
fwd_table_del_static(struct fwd_table *t, uint32_t group, uint8_t prefix_len, uint32_t source)
{
	const struct fwd_static_set *cur = t->statics;
	struct fwd_static_set *next = spare_statics(t);
	bool found = false;
	uint16_t n = 0;

	/* Routes are held masked to their prefix (239.1.2.3/16 is 239.1.0.0/16): so is the key. */
	if (prefix_len > 32)
		return -EINVAL;
	if (prefix_len < 32)
		group &= rte_cpu_to_be_32(prefix_len == 0 ? 0 : ~0u << (32 - prefix_len));
	for (uint16_t i = 0; i < cur->n; i++) {
		struct fwd_route r;

		route_of(&cur->s[i], &r);
		if (!found && r.group == group && r.prefix_len == prefix_len && r.source == source) {
			found = true;
			continue;
		}
		next->s[n++] = cur->s[i];
	}
	if (!found)
		return -ENOENT;
	next->n = n;
	publish_statics(t, next);
	return 0;
}

uint16_t
fwd_table_statics(const struct fwd_table *t, struct fwd_route *routes, uint16_t max)
{
	const struct fwd_static_set *cur = t->statics;

	for (uint16_t i = 0; i < cur->n && i < max; i++)
		route_of(&cur->s[i], &routes[i]);
	return cur->n;
}

int
fwd_table_set_max_groups(struct fwd_table *t, uint32_t max_groups)
{
	uint32_t slots;

	if (max_groups == 0 || max_groups > FWD_MAX_GROUPS)
		return -EINVAL;
	slots = rte_align32pow2(2 * max_groups);
	t->max_groups = max_groups;
	if (slots > t->max_slots)
		t->max_slots = slots;
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

static inline fwd_mask_t
data_ports(uintptr_t data, uint32_t source)
{
	if (is_inline(data))
		return (fwd_mask_t)(data >> 1);
	return data == 0 ? 0 : entry_ports((const struct fwd_entry *)data, source);
}

static fwd_mask_t
static_ports(const struct fwd_static_set *set, uint32_t group, uint32_t source)
{
	uint32_t g = rte_be_to_cpu_32(group);
	fwd_mask_t ports = 0;

	for (uint16_t i = 0; i < set->n; i++) {
		const struct fwd_static *s = &set->s[i];

		if ((g & s->mask) == s->group && (s->source == 0 || s->source == source))
			ports |= s->ports;
	}
	return ports;
}

fwd_mask_t
fwd_table_lookup(const struct fwd_table *t, uint32_t group, uint32_t source)
{
	const struct fwd_static_set *set = __atomic_load_n(&t->statics, __ATOMIC_ACQUIRE);
	const struct fwd_index *ix = __atomic_load_n(&t->index, __ATOMIC_ACQUIRE);
	fwd_mask_t ports = data_ports(index_find(ix, group, home_slot(group)), source);

	if (unlikely(set->n > 0))
		ports |= static_ports(set, group, source);
	return ports;
}

void
fwd_table_lookup_bulk(const struct fwd_table *t, const uint32_t *groups, const uint32_t *sources,
		      unsigned int n, fwd_mask_t *ports)
{
	const struct fwd_static_set *set = __atomic_load_n(&t->statics, __ATOMIC_ACQUIRE);
	const struct fwd_index *ix = __atomic_load_n(&t->index, __ATOMIC_ACQUIRE);
	uint32_t home[FWD_LOOKUP_BULK_MAX];

	RTE_ASSERT(n <= FWD_LOOKUP_BULK_MAX);

	/* All the home slots first: their cache misses overlap instead of queueing. */
	for (unsigned int i = 0; i < n; i++) {
		home[i] = home_slot(groups[i]);
		rte_prefetch0(&ix->slots[home[i] & ix->mask]);
	}
	for (unsigned int i = 0; i < n; i++)
		ports[i] = data_ports(index_find(ix, groups[i], home[i]), sources[i]);
	if (unlikely(set->n > 0))
		for (unsigned int i = 0; i < n; i++)
			ports[i] |= static_ports(set, groups[i], sources[i]);
}

bool
fwd_table_holds(const struct fwd_table *t, uint32_t group)
{
	const struct fwd_index *ix = __atomic_load_n(&t->index, __ATOMIC_ACQUIRE);

	return index_find(ix, group, home_slot(group)) != 0;
}

uint32_t
fwd_table_count(const struct fwd_table *t)
{
	return t->count;
}

size_t
fwd_table_memory(const struct fwd_table *t)
{
	return t->fixed_bytes + index_footprint(t, t->index) + t->retired_bytes + t->entry_bytes;
}

uint64_t
fwd_table_rebuilds(const struct fwd_table *t)
{
	return t->rebuilds;
}
