/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Membership library, bottom layer: memory accounting (mship_memory() is held
 * to it), tables of records sorted by address, and sorted address sets with
 * the set algebra of RFC 3376 (union, intersection, difference).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "mship_base.h"

void *
mship_realloc(struct mship *m, void *p, size_t old_size, size_t new_size)
{
	void *q;

	if (new_size == 0) {
		mship_release(m, p, old_size);
		return NULL;
	}
	q = realloc(p, new_size);
	if (q == NULL)
		return NULL;
	m->mem = m->mem - old_size + new_size;
	return q;
}

void
mship_release(struct mship *m, void *p, size_t size)
{
	if (p == NULL)
		return;
	free(p);
	m->mem -= size;
}

int
mship_addr_cmp(uint32_t a, uint32_t b)
{
	uint32_t ha = ntohl(a), hb = ntohl(b);

	return ha < hb ? -1 : ha > hb;
}

/* Index of addr in the sorted array v, or where it would go. */
uint32_t
mship_sorted_find(const void *base, size_t stride, uint32_t n, uint32_t addr, bool *found)
{
	uint32_t lo = 0, hi = n, mid, key;
	int c;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		memcpy(&key, (const char *)base + (size_t)mid * stride, sizeof(key));
		c = mship_addr_cmp(key, addr);
		if (c == 0) {
			*found = true;
			return mid;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*found = false;
	return lo;
}

uint32_t
mship_addrs_find(const uint32_t *v, uint32_t n, uint32_t addr, bool *found)
{
	return mship_sorted_find(v, sizeof(*v), n, addr, found);
}

/*
 * The tables. A million groups on one port must not cost a memmove of the
 * whole table per join (quadratic), so a record goes to the end of v and an
 * open-addressing hash (linear probing, backward-shift deletion) maps its
 * address to its slot; a removal leaves a hole (NULL) so a walk in progress
 * keeps its place. Address order is restored lazily, by mship_table_sort()
 * at the start of each walk that promises it: holes squeezed out, a radix
 * sort when something was appended out of order, the hash rebuilt.
 */

static inline uint32_t
table_hash(const struct mship_table *t, uint32_t key)
{
	return (key * 2654435761u) >> (32 - t->hbits);
}

/* A hash entry: the key with it, so a probe reads the hash alone; 0 is empty. */
static inline uint64_t
table_entry(uint32_t key, uint32_t i)
{
	return (uint64_t)key << 32 | (i + 1);
}

static inline uint32_t
entry_key(uint64_t e)
{
	return (uint32_t)(e >> 32);
}

static inline uint32_t
entry_slot(uint64_t e)
{
	return (uint32_t)e - 1;
}

/* The hash slot of key, or of the empty slot where it would go. */
static uint32_t
table_slot(const struct mship_table *t, uint32_t key)
{
	uint32_t mask = (1u << t->hbits) - 1, h = table_hash(t, key);

	while (t->hash[h] != 0 && entry_key(t->hash[h]) != key)
		h = (h + 1) & mask;
	return h;
}

/* Puts slot i of v into the hash (its key is not there). */
static void
table_hash_add(struct mship_table *t, uint32_t i)
{
	t->hash[table_slot(t, t->key[i])] = table_entry(t->key[i], i);
}

static void
table_rehash(struct mship_table *t)
{
	uint32_t i;

	memset(t->hash, 0, sizeof(*t->hash) << t->hbits);
	for (i = 0; i < t->len; i++)
		if (t->v[i] != NULL)
			table_hash_add(t, i);
}

/* Takes the hash slot h out, shifting back the entries its probe chain held. */
static void
table_hash_del(struct mship_table *t, uint32_t h)
{
	uint32_t mask = (1u << t->hbits) - 1, j = h, home;

	for (;;) {
		t->hash[h] = 0;
		for (;;) {
			j = (j + 1) & mask;
			if (t->hash[j] == 0)
				return;
			home = table_hash(t, entry_key(t->hash[j]));
			/* j's entry may move to h unless its home lies cyclically in (h, j] */
			if (h <= j ? (h < home && home <= j) : (h < home || home <= j))
				continue;
			break;
		}
		t->hash[h] = t->hash[j];
		h = j;
	}
}

uint32_t
mship_table_find(const struct mship_table *t, uint32_t addr, bool *found)
{
	uint32_t h;

	*found = false;
	if (t->n == 0)
		return t->len;
	h = table_slot(t, ntohl(addr));
	if (t->hash[h] == 0)
		return t->len;
	*found = true;
	return entry_slot(t->hash[h]);
}

void *
mship_table_get(const struct mship_table *t, uint32_t addr)
{
	bool found;
	uint32_t pos = mship_table_find(t, addr, &found);

	return found ? t->v[pos] : NULL;
}

/* Room for one more slot in v, and a hash at most half full. */
static int
table_reserve(struct mship *m, struct mship_table *t)
{
	uint32_t cap, bits;
	uint64_t *hash;
	uint32_t *key;
	void **v;

	if (t->len == t->cap) {
		cap = t->cap == 0 ? 8 : t->cap * 2;
		v = mship_realloc(m, t->v, t->cap * sizeof(*v), cap * sizeof(*v));
		if (v == NULL)
			return -ENOMEM;
		t->v = v;
		key = mship_realloc(m, t->key, t->cap * sizeof(*key), cap * sizeof(*key));
		if (key == NULL) {
			/* back to the size cap still says, so the release accounts it */
			v = mship_realloc(m, t->v, cap * sizeof(*v), t->cap * sizeof(*v));
			if (v != NULL || t->cap == 0)
				t->v = v;
			return -ENOMEM;
		}
		t->key = key;
		t->cap = cap;
	}
	if (t->hbits == 0 || (t->n + 1) * 2 > (1u << t->hbits)) {
		bits = t->hbits == 0 ? 4 : t->hbits + 1;
		hash = mship_realloc(m, NULL, 0, sizeof(*hash) << bits);
		if (hash == NULL)
			return -ENOMEM;
		mship_release(m, t->hash, t->hbits == 0 ? 0 : sizeof(*hash) << t->hbits);
		t->hash = hash;
		t->hbits = bits;
		table_rehash(t);
	}
	return 0;
}

int
mship_table_insert(struct mship *m, struct mship_table *t, void *rec)
{
	uint32_t key = ntohl(*(const uint32_t *)rec);

	if (table_reserve(m, t) < 0)
		return -ENOMEM;
	if (t->len > 0 && key < t->key[t->len - 1])
		t->unsorted = true;
	t->v[t->len] = rec;
	t->key[t->len] = key;
	table_hash_add(t, t->len);
	t->len++;
	t->n++;
	return 0;
}

void
mship_table_remove(struct mship_table *t, uint32_t pos)
{
	table_hash_del(t, table_slot(t, t->key[pos]));
	t->v[pos] = NULL;
	t->n--;
}

/* LSD radix sort of (key << 32 | slot), 16 bits a pass; tmp as large as a, count 2^16. */
static void
radix_sort(uint64_t *a, uint64_t *tmp, uint32_t *count, uint32_t n)
{
	uint64_t *from = a, *to = tmp, *swap;
	uint32_t i, sum, c;
	unsigned int shift;

	for (shift = 32; shift < 64; shift += 16) {
		memset(count, 0, sizeof(*count) << 16);
		for (i = 0; i < n; i++)
			count[(from[i] >> shift) & 0xffff]++;
		for (i = 0, sum = 0; i < (1u << 16); i++) {
			c = count[i];
			count[i] = sum;
			sum += c;
		}
		for (i = 0; i < n; i++)
			to[count[(from[i] >> shift) & 0xffff]++] = from[i];
		swap = from;
		from = to;
		to = swap;
	}
}

static int
key_cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)*(void *const *)a, y = *(const uint32_t *)*(void *const *)b;

	return mship_addr_cmp(x, y);
}

void
mship_table_sort(struct mship_table *t)
{
	uint64_t *a, *tmp;
	uint32_t i, j, *count;
	void **v;

	if (t->len == t->n && !t->unsorted)
		return;
	for (i = 0, j = 0; i < t->len; i++) {
		if (t->v[i] == NULL)
			continue;
		t->v[j] = t->v[i];
		t->key[j] = t->key[i];
		j++;
	}
	t->len = j;
	if (t->unsorted) {
		/* scratch for the moment of the sort: not held, so not in mship_memory() */
		a = malloc((size_t)j * sizeof(*a));
		tmp = malloc((size_t)j * sizeof(*tmp));
		v = malloc((size_t)j * sizeof(*v));
		count = malloc(sizeof(*count) << 16);
		if (a != NULL && tmp != NULL && v != NULL && count != NULL) {
			for (i = 0; i < j; i++)
				a[i] = (uint64_t)t->key[i] << 32 | i;
			radix_sort(a, tmp, count, j);
			for (i = 0; i < j; i++) {
				v[i] = t->v[(uint32_t)a[i]];
				t->key[i] = (uint32_t)(a[i] >> 32);
			}
			memcpy(t->v, v, (size_t)j * sizeof(*v));
		} else {
			qsort(t->v, j, sizeof(*t->v), key_cmp);
			for (i = 0; i < j; i++)
				t->key[i] = ntohl(*(const uint32_t *)t->v[i]);
		}
		free(a);
		free(tmp);
		free(v);
		free(count);
		t->unsorted = false;
	}
	table_rehash(t);
}

uint32_t
mship_table_lower_bound(const struct mship_table *t, uint32_t addr)
{
	uint32_t lo = 0, hi = t->len, mid, key = ntohl(addr);

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (t->key[mid] < key)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

void
mship_table_release(struct mship *m, struct mship_table *t)
{
	mship_release(m, t->v, t->cap * sizeof(*t->v));
	mship_release(m, t->key, t->cap * sizeof(*t->key));
	mship_release(m, t->hash, t->hbits == 0 ? 0 : sizeof(*t->hash) << t->hbits);
	memset(t, 0, sizeof(*t));
}

bool
mship_addrs_has(const struct mship_addrs *s, uint32_t addr)
{
	bool found;

	mship_addrs_find(s->v, s->n, addr, &found);
	return found;
}

int
mship_addrs_reserve(struct mship *m, struct mship_addrs *s, uint32_t n)
{
	uint32_t *v;

	if (n <= s->cap)
		return 0;
	v = mship_realloc(m, s->v, s->cap * sizeof(*v), n * sizeof(*v));
	if (v == NULL)
		return -ENOMEM;
	s->v = v;
	s->cap = n;
	return 0;
}

void
mship_addrs_release(struct mship *m, struct mship_addrs *s)
{
	mship_release(m, s->v, s->cap * sizeof(*s->v));
	memset(s, 0, sizeof(*s));
}

/* dst must have room for src (scratch sets are sized for the largest merge). */
void
mship_addrs_copy(struct mship_addrs *dst, const struct mship_addrs *src)
{
	if (src->n > 0)
		memcpy(dst->v, src->v, src->n * sizeof(*src->v));
	dst->n = src->n;
}

/* dst = a + b; dst has room for both and is neither of them. */
void
mship_addrs_union(struct mship_addrs *dst, const struct mship_addrs *a,
		  const struct mship_addrs *b)
{
	uint32_t i = 0, j = 0, n = 0;
	int c;

	while (i < a->n || j < b->n) {
		if (i == a->n)
			c = 1;
		else if (j == b->n)
			c = -1;
		else
			c = mship_addr_cmp(a->v[i], b->v[j]);
		if (c <= 0) {
			dst->v[n++] = a->v[i++];
			if (c == 0)
				j++;
		} else {
			dst->v[n++] = b->v[j++];
		}
	}
	dst->n = n;
}

/* dst = a * b */
void
mship_addrs_intersect(struct mship_addrs *dst, const struct mship_addrs *a,
		      const struct mship_addrs *b)
{
	uint32_t i = 0, j = 0, n = 0;
	int c;

	while (i < a->n && j < b->n) {
		c = mship_addr_cmp(a->v[i], b->v[j]);
		if (c == 0) {
			dst->v[n++] = a->v[i];
			i++;
			j++;
		} else if (c < 0) {
			i++;
		} else {
			j++;
		}
	}
	dst->n = n;
}

/* dst = a - b */
void
mship_addrs_minus(struct mship_addrs *dst, const struct mship_addrs *a,
		  const struct mship_addrs *b)
{
	uint32_t i = 0, j = 0, n = 0;
	int c;

	while (i < a->n) {
		c = j < b->n ? mship_addr_cmp(a->v[i], b->v[j]) : -1;
		if (c < 0) {
			dst->v[n++] = a->v[i++];
		} else if (c == 0) {
			i++;
			j++;
		} else {
			j++;
		}
	}
	dst->n = n;
}

bool
mship_addrs_equal(const struct mship_addrs *a, const struct mship_addrs *b)
{
	return a->n == b->n && (a->n == 0 || memcmp(a->v, b->v, a->n * sizeof(*a->v)) == 0);
}

static int
addr_qsort_cmp(const void *a, const void *b)
{
	return mship_addr_cmp(*(const uint32_t *)a, *(const uint32_t *)b);
}

/* Sorts v and drops duplicates; returns the new length. */
uint32_t
mship_sort_unique(uint32_t *v, uint32_t n)
{
	uint32_t i, out = 0;

	if (n == 0)
		return 0;
	qsort(v, n, sizeof(*v), addr_qsort_cmp);
	for (i = 1; i < n; i++)
		if (v[i] != v[out])
			v[++out] = v[i];
	return out + 1;
}
