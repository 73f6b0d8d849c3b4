/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Memberships the gateway asked for upstream. An open-addressing hash (linear
 * probing, tombstone-free deletion by back-shifting) of 4-byte slots points
 * into a dense entry array used from its start, and source lists are
 * allocated only for groups that have sources: memory follows the groups
 * held and is bounded by max_groups. A second index, the entries sorted by
 * group address, gives the groups view its ordered walk. It is rebuilt (a
 * radix sort, O(n)) by the first walk after a change, not kept sorted on every
 * join and leave: an insert into a sorted array moves half of it, which at a
 * million groups made each join cost milliseconds; views are rare, joins not.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "asked_groups.h"

/* Every gateway role (gw_config.h's GW_MAX_PORTS), bit i of a fwd_mask_t. */
#define MAX_PORTS 18

_Static_assert(ASKED_VIA_COUNT <= 4, "asked_entry keeps a port's via in two bits");

struct asked_source {
	uint32_t addr;
	fwd_mask_t ports;
};

struct asked_entry {
	uint32_t group;                        /* 0 = unused */
	fwd_mask_t any_source;
	uint16_t n_sources;
	struct asked_source *sources;          /* room for max_sources, or NULL */
	uint64_t expires[MAX_PORTS];           /* per port, ms; 0 = not asked */
	/* How each port last asked, 2 bits a port, and who asked last (of any port): cheap. */
	uint64_t via;
	uint32_t last_from;
	uint8_t last_port;
};

struct asked_groups {
	uint32_t *slots;                       /* entry index + 1; 0 = free slot */
	uint32_t mask;                         /* slot count - 1 */
	uint32_t shift;                        /* 32 - log2(slot count) */
	struct asked_entry *entries;           /* max_groups of them */
	uint32_t *order;                       /* [0, count): entry indexes by group, host order */
	uint32_t *order_tmp;                   /* the radix sort's other buffer */
	bool order_stale;                      /* a group came or went since order was built */
	uint32_t *free_entries;                /* indexes given back, reused first */
	uint32_t n_free;
	uint32_t high_water;                   /* entries ever used: [0, high_water) */
	uint32_t count;
	uint32_t port_count[MAX_PORTS];        /* groups each port asks for, kept as they change */
	uint32_t max_groups;
	uint16_t max_sources;
	uint32_t n_source_lists;
	uint64_t lifetime_ms;
	uint64_t next_expiry;                  /* earliest deadline held; UINT64_MAX: none */
	asked_changed_fn changed;
	void *arg;
};

static uint32_t
slot_of(const struct asked_groups *a, uint32_t group)
{
	/*
	 * Fibonacci hashing spreads the dense group ranges operators use: its top
	 * bits, which depend on every bit of the group (the low ones would only
	 * see the low bits, the first octets of a group in network order).
	 */
	return (uint32_t)(group * 2654435769u) >> a->shift;
}

struct asked_groups *
asked_groups_create(uint32_t max_groups, uint16_t max_sources, uint64_t lifetime_ms,
		    asked_changed_fn changed, void *arg)
{
	struct asked_groups *a;
	uint32_t n = 16;

	/* Twice that in slots would not fit the 32-bit slot index. */
	if (max_groups > UINT32_C(1) << 30 || max_sources > ASKED_MAX_SOURCES) {
		errno = EINVAL;
		return NULL;
	}
	a = calloc(1, sizeof(*a));
	if (a == NULL)
		return NULL;
	a->shift = 32 - 4;
	while (n < 2 * max_groups) {
		n *= 2;
		a->shift--;
	}
	/* calloc: the pages of entries never used are never touched. */
	a->slots = calloc(n, sizeof(*a->slots));
	/* At least one of each: calloc(0) may give NULL, which would read as failure. */
	a->entries = calloc(max_groups + 1, sizeof(*a->entries));
	a->free_entries = calloc(max_groups + 1, sizeof(*a->free_entries));
	a->order = calloc(max_groups + 1, sizeof(*a->order));
	a->order_tmp = calloc(max_groups + 1, sizeof(*a->order_tmp));
	if (a->slots == NULL || a->entries == NULL || a->free_entries == NULL ||
	    a->order == NULL || a->order_tmp == NULL) {
		asked_groups_free(a);
		return NULL;
	}
	a->mask = n - 1;
	a->max_groups = max_groups;
	a->max_sources = max_sources;
	a->lifetime_ms = lifetime_ms;
	a->next_expiry = UINT64_MAX;
	a->changed = changed;
	a->arg = arg;
	return a;
}

void
asked_groups_free(struct asked_groups *a)
{
	if (a == NULL)
		return;
	for (uint32_t i = 0; a->entries != NULL && i < a->high_water; i++)
		free(a->entries[i].sources);
	free(a->slots);
	free(a->entries);
	free(a->free_entries);
	free(a->order);
	free(a->order_tmp);
	free(a);
}

void
asked_groups_set_lifetime(struct asked_groups *a, uint64_t lifetime_ms)
{
	a->lifetime_ms = lifetime_ms;
}

const char *
asked_via_name(enum asked_via via)
{
	static const char *const names[] = {
#define ASKED_VIA_NAME(code, name) [ASKED_VIA_##code] = name,
		ASKED_VIA_LIST(ASKED_VIA_NAME)
#undef ASKED_VIA_NAME
	};

	return (unsigned int)via < ASKED_VIA_COUNT ? names[via] : names[ASKED_VIA_UNKNOWN];
}

static inline struct asked_entry *
entry_at(const struct asked_groups *a, uint32_t slot)
{
	return &a->entries[a->slots[slot] - 1];
}

/* The slot of group, or UINT32_MAX. */
static uint32_t
find_slot(const struct asked_groups *a, uint32_t group)
{
	if (group == 0)
		return UINT32_MAX;
	for (uint32_t i = slot_of(a, group);; i = (i + 1) & a->mask) {
		if (a->slots[i] == 0)
			return UINT32_MAX;
		if (entry_at(a, i)->group == group)
			return i;
	}
}

static struct asked_entry *
find(const struct asked_groups *a, uint32_t group)
{
	uint32_t slot = find_slot(a, group);

	return slot == UINT32_MAX ? NULL : entry_at(a, slot);
}

/* Sorts the groups held into order: LSD radix sort on the host-order address, a byte a pass. */
static void
order_rebuild(struct asked_groups *a)
{
	uint32_t n = 0, *from = a->order, *to = a->order_tmp;

	for (uint32_t i = 0; i < a->high_water; i++)
		if (a->entries[i].group != 0)
			from[n++] = i;
	for (unsigned int shift = 0; shift < 32; shift += 8) {
		uint32_t start[257] = { 0 };
		uint32_t *swap;

		for (uint32_t i = 0; i < n; i++)
			start[((ntohl(a->entries[from[i]].group) >> shift) & 0xff) + 1]++;
		for (unsigned int b = 1; b <= 256; b++)
			start[b] += start[b - 1];
		for (uint32_t i = 0; i < n; i++)
			to[start[(ntohl(a->entries[from[i]].group) >> shift) & 0xff]++] = from[i];
		swap = from;
		from = to;
		to = swap;
	}
	/* Four passes: the sorted result is back in order. */
	a->order_stale = false;
}

/* The place in order of the first group not below group (host order). */
static uint32_t
order_find(const struct asked_groups *a, uint32_t group)
{
	uint32_t key = ntohl(group), lo = 0, hi = a->count;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (ntohl(a->entries[a->order[mid]].group) < key)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Takes an unused entry for group and its slot. The caller checked count < max_groups. */
static struct asked_entry *
add_entry(struct asked_groups *a, uint32_t group)
{
	uint32_t index = a->n_free > 0 ? a->free_entries[--a->n_free] : a->high_water++;
	uint32_t i = slot_of(a, group);
	struct asked_entry *e = &a->entries[index];

	while (a->slots[i] != 0)
		i = (i + 1) & a->mask;
	a->slots[i] = index + 1;
	memset(e, 0, sizeof(*e));
	e->group = group;
	a->order_stale = true;
	a->count++;
	return e;
}

/* Removes e and shifts later members of its probe run back, so lookups stay exact. */
static void
remove_entry(struct asked_groups *a, struct asked_entry *e)
{
	uint32_t hole = find_slot(a, e->group);

	for (uint32_t i = (hole + 1) & a->mask; a->slots[i] != 0; i = (i + 1) & a->mask) {
		uint32_t home = slot_of(a, entry_at(a, i)->group);

		/* Move it if its home is not in (hole, i], cyclically. */
		if (((i - home) & a->mask) >= ((i - hole) & a->mask)) {
			a->slots[hole] = a->slots[i];
			hole = i;
		}
	}
	a->slots[hole] = 0;
	a->order_stale = true;
	if (e->sources != NULL) {
		free(e->sources);
		a->n_source_lists--;
	}
	memset(e, 0, sizeof(*e));
	a->free_entries[a->n_free++] = (uint32_t)(e - a->entries);
	a->count--;
}

static fwd_mask_t
asked_ports(const struct asked_entry *e)
{
	fwd_mask_t ports = e->any_source;

	for (uint16_t i = 0; i < e->n_sources; i++)
		ports |= e->sources[i].ports;
	return ports;
}

static struct asked_source *
find_source(struct asked_entry *e, uint32_t addr)
{
	for (uint16_t i = 0; i < e->n_sources; i++)
		if (e->sources[i].addr == addr)
			return &e->sources[i];
	return NULL;
}

/* Counts the groups of each port whose asking changed from before to after. */
static void
recount(struct asked_groups *a, fwd_mask_t before, fwd_mask_t after)
{
	for (int p = 0; p < MAX_PORTS; p++) {
		fwd_mask_t bit = (fwd_mask_t)1u << p;

		if ((before & bit) && !(after & bit))
			a->port_count[p]--;
		else if (!(before & bit) && (after & bit))
			a->port_count[p]++;
	}
}

/* Drops sources no port wants any more, and the entry when nothing is left: the ports left. */
static fwd_mask_t
compact(struct asked_groups *a, struct asked_entry *e)
{
	uint16_t kept = 0;
	fwd_mask_t still;

	for (uint16_t i = 0; i < e->n_sources; i++)
		if (e->sources[i].ports != 0)
			e->sources[kept++] = e->sources[i];
	e->n_sources = kept;
	if (kept == 0 && e->sources != NULL) {
		free(e->sources);
		e->sources = NULL;
		a->n_source_lists--;
	}
	/* A port that wants nothing of the group any more has nothing to expire. */
	still = asked_ports(e);
	for (int p = 0; p < MAX_PORTS; p++) {
		if (!(still & (1u << p))) {
			e->expires[p] = 0;
			e->via &= ~(UINT64_C(3) << (2 * p));
		}
	}
	if (still == 0)
		remove_entry(a, e);
	return still;
}

int
asked_groups_join(struct asked_groups *a, uint32_t group, fwd_mask_t ports,
		  const uint32_t *sources, uint16_t n_sources, uint64_t now_ms)
{
	return asked_groups_join_from(a, group, ports, sources, n_sources, now_ms, NULL);
}

int
asked_groups_join_from(struct asked_groups *a, uint32_t group, fwd_mask_t ports,
		       const uint32_t *sources, uint16_t n_sources, uint64_t now_ms,
		       const struct asked_origin *origin)
{
	struct asked_entry *e = find(a, group);
	fwd_mask_t before = e != NULL ? asked_ports(e) : 0;
	uint16_t new_sources = 0;
	enum asked_via via = origin != NULL && (unsigned int)origin->via < ASKED_VIA_COUNT ?
		origin->via : ASKED_VIA_UNKNOWN;

	if (group == 0 || ports == 0)
		return -EINVAL;
	if (e == NULL) {
		if (a->count == a->max_groups)
			return -ENOSPC;
		e = add_entry(a, group);
	}
	for (uint16_t i = 0; i < n_sources; i++) {
		bool repeated = false;

		/* A source given twice takes one place. */
		for (uint16_t j = 0; j < i && !repeated; j++)
			repeated = sources[j] == sources[i];
		new_sources += !repeated && find_source(e, sources[i]) == NULL;
	}
	if (e->n_sources + new_sources > a->max_sources) {
		if (asked_ports(e) == 0)
			remove_entry(a, e);
		return -E2BIG;
	}
	if (new_sources > 0 && e->sources == NULL) {
		e->sources = malloc((size_t)a->max_sources * sizeof(*e->sources));
		if (e->sources == NULL) {
			if (asked_ports(e) == 0)
				remove_entry(a, e);
			return -ENOMEM;
		}
		a->n_source_lists++;
	}

	if (n_sources == 0)
		e->any_source |= ports;
	for (uint16_t i = 0; i < n_sources; i++) {
		struct asked_source *s = find_source(e, sources[i]);

		if (s == NULL) {
			s = &e->sources[e->n_sources++];
			s->addr = sources[i];
			s->ports = 0;
		}
		s->ports |= ports;
	}
	for (int p = 0; p < MAX_PORTS; p++) {
		if (!(ports & (1u << p)))
			continue;
		e->expires[p] = now_ms + a->lifetime_ms;
		e->via &= ~(UINT64_C(3) << (2 * p));
		e->via |= (uint64_t)via << (2 * p);
		e->last_port = (uint8_t)p;
	}
	e->last_from = origin != NULL ? origin->from : 0;
	recount(a, before, before | ports);
	if (now_ms + a->lifetime_ms < a->next_expiry)
		a->next_expiry = now_ms + a->lifetime_ms;
	if (a->changed != NULL)
		a->changed(a->arg, group);
	return 0;
}

void
asked_groups_leave(struct asked_groups *a, uint32_t group, fwd_mask_t ports,
		   const uint32_t *sources, uint16_t n_sources)
{
	struct asked_entry *e = find(a, group);
	fwd_mask_t before;

	if (e == NULL || group == 0)
		return;
	before = asked_ports(e);
	if (n_sources == 0) {
		e->any_source &= (fwd_mask_t)~ports;
		for (uint16_t i = 0; i < e->n_sources; i++)
			e->sources[i].ports &= (fwd_mask_t)~ports;
	}
	for (uint16_t i = 0; i < n_sources; i++) {
		struct asked_source *s = find_source(e, sources[i]);

		if (s != NULL)
			s->ports &= (fwd_mask_t)~ports;
	}
	recount(a, before, compact(a, e));
	if (a->changed != NULL)
		a->changed(a->arg, group);
}

void
asked_groups_expire(struct asked_groups *a, uint64_t now_ms)
{
	uint64_t next = UINT64_MAX;

	/* A scan only when something is due: the table may be large, the poll frequent. */
	if (now_ms < a->next_expiry)
		return;
	/* Entries do not move (only slots do), so one pass over the used ones sees each once. */
	for (uint32_t i = 0; i < a->high_water; i++) {
		struct asked_entry *e = &a->entries[i];
		fwd_mask_t gone = 0;
		uint32_t group = e->group;

		if (group == 0)
			continue;
		for (int p = 0; p < MAX_PORTS; p++) {
			if (e->expires[p] != 0 && e->expires[p] <= now_ms) {
				gone |= (fwd_mask_t)1u << p;
				e->expires[p] = 0;
			} else if (e->expires[p] != 0 && e->expires[p] < next) {
				next = e->expires[p];
			}
		}
		if (gone != 0)
			asked_groups_leave(a, group, gone, NULL, 0);
	}
	a->next_expiry = next;
}

bool
asked_groups_get(const struct asked_groups *a, uint32_t group, fwd_mask_t *any_source,
		 struct fwd_source *src, uint16_t *n_sources)
{
	const struct asked_entry *e = find(a, group);

	*any_source = 0;
	*n_sources = 0;
	if (e == NULL)
		return false;
	*any_source = e->any_source;
	for (uint16_t i = 0; i < e->n_sources; i++) {
		src[i].addr = e->sources[i].addr;
		src[i].include = e->sources[i].ports;
		src[i].exclude = 0;
	}
	*n_sources = e->n_sources;
	return true;
}

bool
asked_groups_next(struct asked_groups *a, uint16_t port, uint32_t first,
		  struct asked_port_info *info)
{
	fwd_mask_t bit = (fwd_mask_t)(1u << port);

	if (port >= MAX_PORTS)
		return false;
	if (a->order_stale)
		order_rebuild(a);
	for (uint32_t i = order_find(a, first); i < a->count; i++) {
		const struct asked_entry *e = &a->entries[a->order[i]];
		fwd_mask_t ports = asked_ports(e);

		if (!(ports & bit))
			continue;
		info->group = e->group;
		info->ports = ports;
		info->any_source = (e->any_source & bit) != 0;
		info->n_sources = 0;
		for (uint16_t s = 0; s < e->n_sources && !info->any_source; s++)
			if (e->sources[s].ports & bit)
				info->sources[info->n_sources++] = e->sources[s].addr;
		info->expires = e->expires[port];
		info->origin.via = (enum asked_via)((e->via >> (2 * port)) & 3);
		/* The host is kept for the last ask only: of this port, or unknown (0). */
		info->origin.from = e->last_port == port ? e->last_from : 0;
		return true;
	}
	return false;
}

uint32_t
asked_groups_port_count(const struct asked_groups *a, uint16_t port)
{
	return port < MAX_PORTS ? a->port_count[port] : 0;
}

uint32_t
asked_groups_count(const struct asked_groups *a)
{
	return a->count;
}

size_t
asked_groups_memory(const struct asked_groups *a)
{
	/* All the slots (groups spread over them), entries and their free list as far as used. */
	return sizeof(*a) + ((size_t)a->mask + 1) * sizeof(*a->slots) +
		(size_t)a->high_water * (sizeof(*a->entries) + sizeof(*a->free_entries) +
					 2 * sizeof(*a->order)) +
		(size_t)a->n_source_lists * a->max_sources * sizeof(struct asked_source);
}
