/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * JSON views as DPDK 22.11 telemetry data. Telemetry has no booleans, reals or
 * null, puts no dict inside an array, nests containers one level, takes names
 * of [A-Za-z0-9_/] only, 256 entries a dict and 16 KB a reply, and silently
 * drops whatever passes those: the view is first reshaped within them as JSON
 * (measurable, testable without EAL), then copied into rte_tel_data.
 */
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_telemetry.h>

#include "tel_json.h"

/* What DPDK's writer needs beyond the bytes counted (its snprintf's NUL, a margin). */

static bool
is_container(const json_t *v)
{
	return json_is_object(v) || json_is_array(v);
}

/* key with every byte outside [A-Za-z0-9_] as '_', cut to fit a telemetry name. */
static size_t
sanitize(const char *key, char *out, size_t len)
{
	size_t n = 0;

	for (; key[n] != '\0' && n + 1 < len; n++) {
		char ch = key[n];
		bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
			  (ch >= '0' && ch <= '9') || ch == '_';

		out[n] = ok ? ch : '_';
	}
	if (n == 0 && len > 1)
		out[n++] = '_';
	out[n] = '\0';
	return n;
}

/* prefix/key, the key sanitized; prefix is already a telemetry name ("" for none). */
static void
join(const char *prefix, const char *key, char *out, size_t len)
{
	size_t n = 0;

	if (prefix[0] != '\0')
		n = (size_t)snprintf(out, len, "%s/", prefix);
	if (n >= len - 1) {
		out[len - 1] = '\0';
		return;
	}
	sanitize(key, out + n, len - n);
}

/* An object's first member when it is a non-empty string (a port's "role"), else NULL. */
static const char *
first_string(const json_t *item)
{
	void *it = json_is_object(item) ? json_object_iter((json_t *)item) : NULL;
	const json_t *first = it != NULL ? json_object_iter_value(it) : NULL;

	return json_is_string(first) && json_string_length(first) > 0 ?
	       json_string_value(first) : NULL;
}

/* Whether every item of array has a first string member, no two the same. */
static bool
keyed(const json_t *array)
{
	size_t n = json_array_size(array);

	for (size_t i = 0; i < n; i++) {
		const char *k = first_string(json_array_get(array, i));

		if (k == NULL)
			return false;
		for (size_t j = 0; j < i; j++)
			if (strcmp(k, first_string(json_array_get(array, j))) == 0)
				return false;
	}
	return true;
}

/* The key item i of an array goes under: its first member when the array is keyed, else i. */
static void
item_key(const json_t *item, size_t i, bool by_first, char *out, size_t len)
{
	if (by_first)
		sanitize(first_string(item), out, len);
	else
		snprintf(out, len, "%zu", i);
}

static bool
all_scalars(const json_t *array)
{
	size_t i;
	json_t *v;

	json_array_foreach(array, i, v)
		if (is_container(v))
			return false;
	return true;
}

/* A string cut to fit a telemetry value, never in the middle of a UTF-8 sequence. */
static json_t *
short_string(const char *s, size_t len)
{
	if (len >= TEL_JSON_MAX_STRING) {
		len = TEL_JSON_MAX_STRING - 1;
		while (len > 0 && ((unsigned char)s[len] & 0xc0) == 0x80)
			len--;
	}
	return json_stringn_nocheck(s, len);
}

static json_t *
scalar(const json_t *v)
{
	char buf[32];

	switch (json_typeof(v)) {
	case JSON_TRUE:
		return json_string("yes");
	case JSON_FALSE:
		return json_string("no");
	case JSON_STRING:
		return short_string(json_string_value(v), json_string_length(v));
	case JSON_INTEGER:
		/* Telemetry's signed type is an int: anything below it goes as text. */
		if (json_integer_value(v) < INT_MIN) {
			snprintf(buf, sizeof(buf), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
			return json_string(buf);
		}
		return json_integer(json_integer_value(v));
	case JSON_REAL:
		snprintf(buf, sizeof(buf), "%g", json_real_value(v));
		return json_string(buf);
	case JSON_NULL:
	default:
		return json_string("");
	}
}

/* Every leaf of v into dst under prefix ("a/b/c" keys). */
static void
flatten(json_t *dst, const char *prefix, const json_t *v)
{
	char name[TEL_JSON_MAX_STRING];
	const char *key;
	json_t *m;
	size_t i;

	if (json_is_object(v)) {
		json_object_foreach((json_t *)v, key, m) {
			join(prefix, key, name, sizeof(name));
			flatten(dst, name, m);
		}
	} else if (json_is_array(v)) {
		bool by_first = keyed(v);

		json_array_foreach(v, i, m) {
			char k[TEL_JSON_MAX_STRING];

			item_key(m, i, by_first, k, sizeof(k));
			join(prefix, k, name, sizeof(name));
			flatten(dst, name, m);
		}
	} else {
		json_object_set_new(dst, prefix[0] != '\0' ? prefix : "_", scalar(v));
	}
}

/* A dict over TEL_JSON_MAX_DICT entries: its first ones and the count left out. */
static json_t *
cap_dict(json_t *d)
{
	size_t n = json_object_size(d);
	json_t *out, *m;
	const char *key;
	size_t k = 0;

	if (n <= TEL_JSON_MAX_DICT)
		return d;
	out = json_object();
	json_object_foreach(d, key, m) {
		if (++k == TEL_JSON_MAX_DICT)
			break;
		json_object_set(out, key, m);
	}
	json_object_set_new(out, TEL_JSON_OMITTED,
			    json_integer((json_int_t)(n - (TEL_JSON_MAX_DICT - 1))));
	json_decref(d);
	return out;
}

/* An array of scalars of one type: integers when all are and fit one type, else strings. */
static json_t *
scalar_array(const json_t *v)
{
	bool ints = true, negative = false, big = false;
	json_t *out = json_array();
	json_t *m;
	size_t i;

	json_array_foreach(v, i, m) {
		if (!json_is_integer(m)) {
			ints = false;
			continue;
		}
		negative |= json_integer_value(m) < 0;
		big |= json_integer_value(m) > INT_MAX || json_integer_value(m) < INT_MIN;
	}
	if (negative && big)
		ints = false;
	json_array_foreach(v, i, m) {
		json_t *s;

		if (i == TEL_JSON_MAX_ARRAY)
			break;
		if (ints) {
			s = json_integer(json_integer_value(m));
		} else if (json_is_integer(m)) {
			char buf[32];

			snprintf(buf, sizeof(buf), "%" JSON_INTEGER_FORMAT, json_integer_value(m));
			s = json_string(buf);
		} else {
			s = scalar(m);
		}
		json_array_append_new(out, s);
	}
	return out;
}

/* A member of the top dict: a scalar, an array of scalars, or a dict of scalars. */
static json_t *
member(const json_t *v)
{
	json_t *d;

	if (!is_container(v))
		return scalar(v);
	if (json_is_array(v) && all_scalars(v))
		return scalar_array(v);
	d = json_object();
	flatten(d, "", v);
	return cap_dict(d);
}

json_t *
tel_json_shape(const json_t *view, bool flat)
{
	char name[TEL_JSON_MAX_STRING];
	json_t *top, *m;
	const char *key;
	size_t i;

	if (!is_container(view))
		return scalar(view);
	if (json_is_array(view) && all_scalars(view))
		return scalar_array(view);
	top = json_object();
	if (top == NULL)
		return NULL;
	if (flat) {
		flatten(top, "", view);
	} else if (json_is_object(view)) {
		json_object_foreach((json_t *)view, key, m) {
			sanitize(key, name, sizeof(name));
			json_object_set_new(top, name, member(m));
		}
	} else {
		bool by_first = keyed(view);

		json_array_foreach(view, i, m) {
			item_key(m, i, by_first, name, sizeof(name));
			json_object_set_new(top, name, member(m));
		}
	}
	return cap_dict(top);
}

static size_t
dump_size(const json_t *v)
{
	char *text = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
	size_t n = text != NULL ? strlen(text) : 0;

	free(text);
	return n;
}

size_t
tel_json_reply_size(const char *cmd, const json_t *shaped)
{
	/* {"CMD":VALUE} */
	return strlen(cmd) + 5 + dump_size(shaped);
}

/* The member of node named seg (len bytes), in telemetry's names. */
static const json_t *
child(const json_t *node, const char *seg, size_t len)
{
	char name[TEL_JSON_MAX_STRING];
	const char *key;
	json_t *m;
	size_t i;

	if (json_is_object(node)) {
		json_object_foreach((json_t *)node, key, m) {
			if (sanitize(key, name, sizeof(name)) == len && memcmp(name, seg, len) == 0)
				return m;
		}
	} else if (json_is_array(node)) {
		bool by_first = keyed(node);

		json_array_foreach(node, i, m) {
			item_key(m, i, by_first, name, sizeof(name));
			if (strlen(name) == len && memcmp(name, seg, len) == 0)
				return m;
		}
	}
	return NULL;
}

const json_t *
tel_json_select(const json_t *view, const char *path)
{
	const json_t *node = view;

	while (node != NULL && path != NULL && *path != '\0') {
		const char *end = strchr(path, '/');
		size_t len = end != NULL ? (size_t)(end - path) : strlen(path);

		node = child(node, path, len);
		path = end != NULL ? end + 1 : NULL;
	}
	return node;
}

/* The string that stands for a member too big to come along: the command returning it. */
static json_t *
pointer(const char *cmd, const char *path, const char *key)
{
	char buf[256];

	snprintf(buf, sizeof(buf), "%s,%s%s%s", cmd, path, path[0] != '\0' ? "/" : "", key);
	return json_string(buf);
}

/* Bytes a member "key":value takes in a dict, its comma included. */
static size_t
entry_size(const char *key, const json_t *v)
{
	return strlen(key) + 4 + dump_size(v);
}

/*
 * Keeps the members in order while the reply stays within the limit, counting
 * on the members after each one to come as pointers at worst.
 */
void
tel_json_fit(const char *cmd, const char *path, json_t *shaped)
{
	size_t limit = TEL_JSON_MAX_REPLY - TEL_JSON_REPLY_SLACK;
	size_t used = strlen(cmd) + 5 + 2, rest = 0;
	const char *key;
	json_t *m;

	if (path == NULL)
		path = "";
	if (!json_is_object(shaped) || tel_json_reply_size(cmd, shaped) <= limit)
		return;

	json_object_foreach(shaped, key, m) {
		json_t *p = pointer(cmd, path, key);

		rest += entry_size(key, p);
		json_decref(p);
	}
	json_object_foreach(shaped, key, m) {
		json_t *p = pointer(cmd, path, key);
		size_t whole = entry_size(key, m), small = entry_size(key, p);

		rest -= small;
		if (used + whole + rest <= limit) {
			used += whole;
			json_decref(p);
		} else {
			used += small;
			json_object_set_new(shaped, key, p);
		}
	}
}

int
tel_json_reply(const char *cmd, const char *path, const json_t *view, bool flat,
	       struct rte_tel_data *d)
{
	const json_t *node = tel_json_select(view, path);
	json_t *shaped;
	int rc;

	if (node == NULL)
		return -ENOENT;
	shaped = tel_json_shape(node, flat);
	if (shaped == NULL)
		return -ENOMEM;
	tel_json_fit(cmd, path, shaped);
	rc = tel_json_emit(shaped, d);
	json_decref(shaped);
	return rc;
}

/* ---- into rte_tel_data ---- */

static void
add_dict_scalar(struct rte_tel_data *d, const char *key, const json_t *v)
{
	if (json_is_integer(v) && json_integer_value(v) >= 0)
		rte_tel_data_add_dict_u64(d, key, (uint64_t)json_integer_value(v));
	else if (json_is_integer(v))
		rte_tel_data_add_dict_int(d, key, (int)json_integer_value(v));
	else
		rte_tel_data_add_dict_string(d, key, json_is_string(v) ? json_string_value(v) : "");
}

static void
fill_array(struct rte_tel_data *d, const json_t *a)
{
	const json_t *first = json_array_get(a, 0);
	bool negative = false;
	json_t *v;
	size_t i;

	json_array_foreach(a, i, v)
		negative |= json_is_integer(v) && json_integer_value(v) < 0;
	if (!json_is_integer(first)) {
		rte_tel_data_start_array(d, RTE_TEL_STRING_VAL);
		json_array_foreach(a, i, v)
			rte_tel_data_add_array_string(d, json_string_value(v));
	} else if (negative) {
		rte_tel_data_start_array(d, RTE_TEL_INT_VAL);
		json_array_foreach(a, i, v)
			rte_tel_data_add_array_int(d, (int)json_integer_value(v));
	} else {
		rte_tel_data_start_array(d, RTE_TEL_U64_VAL);
		json_array_foreach(a, i, v)
			rte_tel_data_add_array_u64(d, (uint64_t)json_integer_value(v));
	}
}

int
tel_json_emit(const json_t *shaped, struct rte_tel_data *d)
{
	const char *key;
	json_t *v;

	if (json_is_array(shaped)) {
		fill_array(d, shaped);
		return 0;
	}
	if (!json_is_object(shaped)) {
		json_t *s = scalar(shaped);

		rte_tel_data_string(d, json_is_string(s) ? json_string_value(s) : "");
		json_decref(s);
		return 0;
	}
	rte_tel_data_start_dict(d);
	json_object_foreach((json_t *)shaped, key, v) {
		struct rte_tel_data *c;
		const char *k;
		json_t *m;

		if (!is_container(v)) {
			add_dict_scalar(d, key, v);
			continue;
		}
		c = rte_tel_data_alloc();
		if (c == NULL)
			return -ENOMEM;
		if (json_is_array(v)) {
			fill_array(c, v);
		} else {
			rte_tel_data_start_dict(c);
			json_object_foreach(v, k, m)
				add_dict_scalar(c, k, m);
		}
		if (rte_tel_data_add_dict_container(d, key, c, 0) != 0)
			rte_tel_data_free(c);
	}
	return 0;
}
