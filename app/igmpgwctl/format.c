/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The gateway's JSON as text for people: values, durations, key/value
 * sections and column-aligned tables that split cleanly on blanks.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmds.h"

const char *
value_str(const json_t *v, char *buf, size_t len)
{
	char *text;

	/* A key the answer lacks: json_typeof would read through NULL. */
	if (v == NULL)
		return "?";
	switch (json_typeof(v)) {
	case JSON_STRING:
		return json_string_value(v);
	case JSON_TRUE:
		return "yes";
	case JSON_FALSE:
		return "no";
	case JSON_INTEGER:
		snprintf(buf, len, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		return buf;
	case JSON_REAL:
		snprintf(buf, len, "%g", json_real_value(v));
		return buf;
	case JSON_OBJECT:
	case JSON_ARRAY:
		text = json_dumps(v, JSON_COMPACT);
		snprintf(buf, len, "%s", text != NULL ? text : "?");
		free(text);
		return buf;
	case JSON_NULL:
	default:
		break;
	}
	return "-";
}

void
format_duration(json_int_t s, char *buf, size_t len)
{
	if (s < 60)
		snprintf(buf, len, "%llds", (long long)s);
	else if (s < 3600)
		snprintf(buf, len, "%lldm%02llds", (long long)s / 60, (long long)s % 60);
	else if (s < 86400)
		snprintf(buf, len, "%lldh%02lldm%02llds", (long long)s / 3600,
			 (long long)s / 60 % 60, (long long)s % 60);
	else
		snprintf(buf, len, "%lldd%02lldh%02lldm", (long long)s / 86400,
			 (long long)s / 3600 % 24, (long long)s / 60 % 60);
}

void
print_object_lines(const char *indent, const json_t *obj)
{
	const char *key;
	json_t *v;
	size_t width = 0;
	char buf[256];

	json_object_foreach((json_t *)obj, key, v) {
		if (strlen(key) > width)
			width = strlen(key);
	}
	json_object_foreach((json_t *)obj, key, v)
		printf("%s%-*s  %s\n", indent, (int)width, key, value_str(v, buf, sizeof(buf)));
}

void
print_table(const json_t *rows, const char *const *cols, size_t n_cols)
{
	size_t width[16] = { 0 };
	char buf[256];
	size_t i;
	json_t *row;

	for (size_t k = 0; k < n_cols && k < ARRAY_LEN(width); k++)
		width[k] = strlen(cols[k]);
	json_array_foreach(rows, i, row) {
		for (size_t k = 0; k < n_cols && k < ARRAY_LEN(width); k++) {
			size_t w = strlen(value_str(json_object_get(row, cols[k]), buf, sizeof(buf)));

			w = w == 0 ? 1 : w;

			if (w > width[k])
				width[k] = w;
		}
	}
	for (size_t k = 0; k < n_cols && k < ARRAY_LEN(width); k++) {
		for (const char *p = cols[k]; *p != '\0'; p++)
			putchar(*p >= 'a' && *p <= 'z' ? *p - 'a' + 'A' : *p);
		printf("%*s", k + 1 < n_cols ? (int)(width[k] - strlen(cols[k]) + 2) : 0, "");
	}
	putchar('\n');
	json_array_foreach(rows, i, row) {
		for (size_t k = 0; k < n_cols && k < ARRAY_LEN(width); k++) {
			const char *s = value_str(json_object_get(row, cols[k]), buf, sizeof(buf));

			/* An empty cell would shift the columns for anyone splitting on blanks. */
			if (s[0] == '\0')
				s = "-";

			if (k + 1 < n_cols)
				printf("%-*s  ", (int)width[k], s);
			else
				printf("%s", s);
		}
		putchar('\n');
	}
}
