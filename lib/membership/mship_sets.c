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

uint32_t
mship_table_find(const struct mship_table *t, uint32_t addr, bool *found)
{
	uint32_t lo = 0, hi = t->n, mid;
	int c;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		c = mship_addr_cmp(*(const uint32_t *)t->v[mid], addr);
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

void *
mship_table_get(const struct mship_table *t, uint32_t addr)
{
	bool found;
	uint32_t pos = mship_table_find(t, addr, &found);

	return found ? t->v[pos] : NULL;
}

int
mship_table_insert(struct mship *m, struct mship_table *t, uint32_t pos, void *rec)
{
	uint32_t cap;
	void **v;

	if (t->n == t->cap) {
		cap = t->cap == 0 ? 8 : t->cap * 2;
		v = mship_realloc(m, t->v, t->cap * sizeof(*v), cap * sizeof(*v));
		if (v == NULL)
			return -ENOMEM;
		t->v = v;
		t->cap = cap;
	}
	memmove(&t->v[pos + 1], &t->v[pos], (t->n - pos) * sizeof(*t->v));
	t->v[pos] = rec;
	t->n++;
	return 0;
}

void
mship_table_remove(struct mship_table *t, uint32_t pos)
{
	memmove(&t->v[pos], &t->v[pos + 1], (t->n - pos - 1) * sizeof(*t->v));
	t->n--;
}

void
mship_table_release(struct mship *m, struct mship_table *t)
{
	mship_release(m, t->v, t->cap * sizeof(*t->v));
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
