/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The Prometheus text exposition format, written by hand: it is a few lines of
 * rules (names, escaping, one family's samples together) and no library of
 * Debian's writes it for C.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "prom_text.h"

void
prom_buf_init(struct prom_buf *b)
{
	memset(b, 0, sizeof(*b));
}

void
prom_buf_free(struct prom_buf *b)
{
	free(b->text);
	prom_buf_init(b);
}

char *
prom_buf_take(struct prom_buf *b, size_t *len)
{
	char *text = b->failed ? NULL : b->text;

	if (b->failed)
		free(b->text);
	else if (text == NULL)
		text = calloc(1, 1);
	*len = text != NULL ? b->len : 0;
	prom_buf_init(b);
	return text;
}

/* Room for n more bytes and the NUL. */
static bool
reserve(struct prom_buf *b, size_t n)
{
	size_t cap = b->cap != 0 ? b->cap : 4096;
	char *grown;

	if (b->failed)
		return false;
	while (cap < b->len + n + 1)
		cap *= 2;
	if (cap == b->cap)
		return true;
	grown = realloc(b->text, cap);
	if (grown == NULL) {
		b->failed = true;
		return false;
	}
	b->text = grown;
	b->cap = cap;
	return true;
}

static void
put(struct prom_buf *b, const char *s, size_t n)
{
	if (!reserve(b, n))
		return;
	memcpy(b->text + b->len, s, n);
	b->len += n;
	b->text[b->len] = '\0';
}

static void
puts_(struct prom_buf *b, const char *s)
{
	put(b, s, strlen(s));
}

static void __attribute__((format(printf, 2, 3)))
putf(struct prom_buf *b, const char *fmt, ...)
{
	char line[64];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n > 0)
		put(b, line, (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1);
}

/*
 * HELP text escapes backslash and newline; a label value also the double
 * quote (the format's two escaping rules).
 */
static void
put_escaped(struct prom_buf *b, const char *s, bool quote)
{
	for (; *s != '\0'; s++) {
		if (*s == '\\')
			puts_(b, "\\\\");
		else if (*s == '\n')
			puts_(b, "\\n");
		else if (*s == '"' && quote)
			puts_(b, "\\\"");
		else
			put(b, s, 1);
	}
}

static bool
name_valid(const char *name, bool colon)
{
	if (name == NULL || *name == '\0' || (*name >= '0' && *name <= '9'))
		return false;
	for (const char *c = name; *c != '\0'; c++)
		if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
		      (*c >= '0' && *c <= '9') || *c == '_' || (*c == ':' && colon)))
			return false;
	return true;
}

bool
prom_name_valid(const char *name)
{
	return name_valid(name, true);
}

bool
prom_label_name_valid(const char *name)
{
	/* Names starting with __ are reserved for Prometheus itself. */
	return name_valid(name, false) && strncmp(name, "__", 2) != 0;
}

int
prom_family(struct prom_buf *b, const char *name, enum prom_type type, const char *help)
{
	if (!prom_name_valid(name))
		return -EINVAL;
	puts_(b, "# HELP ");
	puts_(b, name);
	puts_(b, " ");
	put_escaped(b, help != NULL ? help : "", false);
	puts_(b, "\n# TYPE ");
	puts_(b, name);
	puts_(b, type == PROM_COUNTER ? " counter\n" : " gauge\n");
	return 0;
}

static int
sample_start(struct prom_buf *b, const char *name, const struct prom_label *labels,
	     size_t n_labels)
{
	if (!prom_name_valid(name))
		return -EINVAL;
	for (size_t i = 0; i < n_labels; i++)
		if (!prom_label_name_valid(labels[i].name) || labels[i].value == NULL)
			return -EINVAL;
	puts_(b, name);
	for (size_t i = 0; i < n_labels; i++) {
		puts_(b, i == 0 ? "{" : ",");
		puts_(b, labels[i].name);
		puts_(b, "=\"");
		put_escaped(b, labels[i].value, true);
		puts_(b, "\"");
	}
	if (n_labels > 0)
		puts_(b, "}");
	return 0;
}

int
prom_sample(struct prom_buf *b, const char *name, const struct prom_label *labels,
	    size_t n_labels, uint64_t value)
{
	int ret = sample_start(b, name, labels, n_labels);

	if (ret == 0)
		putf(b, " %llu\n", (unsigned long long)value);
	return ret;
}

int
prom_sample_real(struct prom_buf *b, const char *name, const struct prom_label *labels,
		 size_t n_labels, double value)
{
	int ret = sample_start(b, name, labels, n_labels);

	if (ret != 0)
		return ret;
	if (isnan(value))
		puts_(b, " NaN\n");
	else if (isinf(value))
		puts_(b, value > 0 ? " +Inf\n" : " -Inf\n");
	else
		putf(b, " %.15g\n", value);
	return 0;
}
