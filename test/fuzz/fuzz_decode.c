/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target for igmpgw-decode's readers (app/decode/decode.c, compiled in):
 * the input as a capture file (pcap, pcapng, any link type libpcap accepts)
 * and as a --raw IGMP message, under a file label taken from the input too.
 * Every line printed must be one JSON object with the frame number counting
 * up, the label read back exactly, and an "error" only when it is a reason
 * the codec names.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

#include <jansson.h>

int decode_main(int argc, char **argv);
#define main decode_main
#include "../../app/decode/decode.c"
#undef main

#include "fuzz_common.h"

static int file_fd = -1;
static char file_path[64];
static FILE *devnull;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	file_fd = memfd_create("igmpgw-fuzz.pcap", MFD_CLOEXEC);
	FUZZ_ASSERT(file_fd >= 0);
	snprintf(file_path, sizeof(file_path), "/proc/self/fd/%d", file_fd);
	/* The readers complain about bad files on stderr: that is their job, not news. */
	devnull = fopen("/dev/null", "w");
	FUZZ_ASSERT(devnull != NULL);
	return 0;
}

static bool
known_error(const char *name)
{
	int e;

	for (e = 0; e < IGMP_ERR_COUNT; e++)
		if (strcmp(igmp_wire_error_name((enum igmp_wire_error)e), name) == 0)
			return e != IGMP_OK;
	return false;
}

/* out[0..len) must be JSON objects, one a line, frames counting up. */
static void
check_output(const char *out, size_t len, const char *label, bool raw)
{
	unsigned long last = 0;
	const char *p = out, *nl;
	json_t *o, *v = label != NULL ? json_string(label) : NULL;
	bool label_is_utf8 = v != NULL;

	json_decref(v);
	FUZZ_ASSERT(len == 0 || out[len - 1] == '\n');
	while (p < out + len) {
		nl = memchr(p, '\n', (size_t)(out + len - p));
		FUZZ_ASSERT(nl != NULL);
		o = json_loadb(p, (size_t)(nl - p), JSON_REJECT_DUPLICATES, NULL);
		if (!json_is_object(o))
			fprintf(stdout, "not a JSON object: %.*s\n", (int)(nl - p), p);
		FUZZ_ASSERT(json_is_object(o));
		v = json_object_get(o, "frame");
		FUZZ_ASSERT(json_is_integer(v) && (unsigned long)json_integer_value(v) > last);
		last = (unsigned long)json_integer_value(v);
		if (raw)
			FUZZ_ASSERT(last == 1);
		v = json_object_get(o, "file");
		if (label == NULL)
			FUZZ_ASSERT(v == NULL);
		else
			FUZZ_ASSERT(json_is_string(v));
		/* Names that are UTF-8 come back exactly; other bytes become U+FFFD. */
		if (label != NULL && label_is_utf8)
			FUZZ_ASSERT(strcmp(json_string_value(v), label) == 0);
		v = json_object_get(o, "error");
		FUZZ_ASSERT(v == NULL || (json_is_string(v) && known_error(json_string_value(v))));
		json_decref(o);
		p = nl + 1;
	}
}

static void
run(int (*reader)(const char *, const char *), const char *label, bool raw)
{
	FILE *saved = stdout, *saved_err = stderr, *mem;
	char *out = NULL;
	size_t len = 0;

	mem = open_memstream(&out, &len);
	FUZZ_ASSERT(mem != NULL);
	/* The FILE pointers only: sanitizer reports still reach file descriptor 2. */
	stdout = mem;
	stderr = devnull;
	reader(file_path, label);
	stdout = saved;
	stderr = saved_err;
	FUZZ_ASSERT(fclose(mem) == 0);
	check_output(out, len, label, raw);
	free(out);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char label[64];
	size_t n;

	FUZZ_ASSERT(ftruncate(file_fd, 0) == 0);
	FUZZ_ASSERT(pwrite(file_fd, data, size, 0) == (ssize_t)size);

	/* The label: any bytes up to a NUL in the input's tail, as a file name could be. */
	n = size < sizeof(label) - 1 ? size : sizeof(label) - 1;
	memcpy(label, data + size - n, n);
	label[n] = '\0';

	run(decode_capture, NULL, false);
	run(decode_capture, label, false);
	run(decode_raw, label, true);
	return 0;
}
