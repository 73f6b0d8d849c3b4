/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The Prometheus text writer (names, escaping, samples) and the /metrics
 * endpoint over real TCP on 127.0.0.1: what a scrape gets before and after a
 * publish, other paths and methods, an address in use.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "metrics_http.h"
#include "prom_text.h"
#include "tap.h"

static char *
render(void (*fn)(struct prom_buf *))
{
	struct prom_buf b;
	size_t len;

	prom_buf_init(&b);
	fn(&b);
	return prom_buf_take(&b, &len);
}

static void
family_and_samples(struct prom_buf *b)
{
	struct prom_label l[] = { { "port", "outside" }, { "worker", "0" } };

	prom_family(b, "igmpgw_rx_packets_total", PROM_COUNTER, "frames received on the port");
	prom_sample(b, "igmpgw_rx_packets_total", l, 2, 42);
	prom_sample(b, "igmpgw_rx_packets_total", NULL, 0, UINT64_MAX);
}

static void
escapes(struct prom_buf *b)
{
	struct prom_label l[] = { { "path", "a\\b\"c\nd" } };

	prom_family(b, "x", PROM_GAUGE, "back\\slash and\nnewline \"quoted\"");
	prom_sample(b, "x", l, 1, 1);
}

static void
reals(struct prom_buf *b)
{
	prom_sample_real(b, "r", NULL, 0, 0.25);
	prom_sample_real(b, "r", NULL, 0, NAN);
	prom_sample_real(b, "r", NULL, 0, INFINITY);
	prom_sample_real(b, "r", NULL, 0, -INFINITY);
}

static void
test_text(void)
{
	char *t = render(family_and_samples);
	struct prom_buf b;
	struct prom_label bad_label[] = { { "__name__", "x" } };
	struct prom_label bad_label2[] = { { "a:b", "x" } };
	size_t len;

	TAP_CHECK(t != NULL && strcmp(t,
		"# HELP igmpgw_rx_packets_total frames received on the port\n"
		"# TYPE igmpgw_rx_packets_total counter\n"
		"igmpgw_rx_packets_total{port=\"outside\",worker=\"0\"} 42\n"
		"igmpgw_rx_packets_total 18446744073709551615\n") == 0,
		"a family: HELP, TYPE, samples with and without labels");
	free(t);

	t = render(escapes);
	TAP_CHECK(t != NULL && strcmp(t,
		"# HELP x back\\\\slash and\\nnewline \"quoted\"\n"
		"# TYPE x gauge\n"
		"x{path=\"a\\\\b\\\"c\\nd\"} 1\n") == 0,
		"HELP escapes \\ and newline, a label value also the quote");
	free(t);

	t = render(reals);
	TAP_CHECK(t != NULL && strcmp(t, "r 0.25\nr NaN\nr +Inf\nr -Inf\n") == 0,
		  "real values, NaN and infinities as the format spells them");
	free(t);

	TAP_CHECK(prom_name_valid("igmpgw_x:y_total") && prom_name_valid("_x"),
		  "names with _ and : are valid");
	TAP_CHECK(!prom_name_valid("") && !prom_name_valid("1x") && !prom_name_valid("a-b") &&
		  !prom_name_valid("a b") && !prom_name_valid(NULL), "empty, digit-first, - and blank are not");
	TAP_CHECK(!prom_label_name_valid("a:b") && !prom_label_name_valid("__x") &&
		  prom_label_name_valid("port"), "a label name takes no ':' and no leading __");

	prom_buf_init(&b);
	CHECK_INT(prom_family(&b, "bad-name", PROM_GAUGE, "h"), -EINVAL, "a family with a bad name");
	CHECK_INT(prom_sample(&b, "ok", bad_label, 1, 1), -EINVAL, "a reserved label name");
	CHECK_INT(prom_sample(&b, "ok", bad_label2, 1, 1), -EINVAL, "a label name with ':'");
	t = prom_buf_take(&b, &len);
	TAP_CHECK(t != NULL && len == 0 && *t == '\0', "refused writes leave nothing behind");
	free(t);

	prom_buf_init(&b);
	b.failed = true;
	prom_sample(&b, "x", NULL, 0, 1);
	TAP_CHECK(prom_buf_take(&b, &len) == NULL && len == 0,
		  "a buffer whose write failed gives no text, not half of it");
}

/* One HTTP/1.0 exchange with the server; the whole answer, NUL-terminated. */
static char *
http(uint16_t port, const char *request)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
	size_t cap = 1 << 20, len = 0;
	char *out = calloc(1, cap);
	ssize_t n;
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
		if (fd >= 0)
			close(fd);
		return out;
	}
	if (write(fd, request, strlen(request)) < 0) {
		close(fd);
		return out;
	}
	while (len < cap - 1 && (n = read(fd, out + len, cap - 1 - len)) > 0)
		len += (size_t)n;
	close(fd);
	return out;
}

/* The status line of an answer, for a TAP line. */
static const char *
status_line(const char *r)
{
	static char line[64];
	size_t n = strcspn(r, "\r\n");

	snprintf(line, sizeof(line), "%.*s", (int)(n < sizeof(line) ? n : sizeof(line) - 1), r);
	return line;
}

static int
open_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	int n = 0;

	while (d != NULL && readdir(d) != NULL)
		n++;
	if (d != NULL)
		closedir(d);
	return n;
}

static void
test_http(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = 0 };
	struct metrics_http *h, *again;
	char err[256] = "";
	int fds = open_fds();
	char *r, *text, *big;
	uint16_t port;

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	h = metrics_http_start((struct sockaddr *)&a, err, sizeof(err));
	TAP_CHECK(h != NULL, "starts on 127.0.0.1, any port (%s)", err);
	if (h == NULL)
		return;
	port = metrics_http_port(h);
	TAP_CHECK(port != 0, "tells the port it got: %u", port);

	r = http(port, "GET /metrics HTTP/1.0\r\n\r\n");
	TAP_CHECK(strncmp(r, "HTTP/1.0 503", 12) == 0 || strncmp(r, "HTTP/1.1 503", 12) == 0,
		  "before the first publish: 503 (%s)", status_line(r));
	free(r);

	text = strdup("# HELP a b\n# TYPE a gauge\na 1\n");
	metrics_http_publish(h, text, strlen(text));
	r = http(port, "GET /metrics HTTP/1.0\r\n\r\n");
	TAP_CHECK(strstr(r, " 200 ") != NULL && strstr(r, "\r\n\r\n# HELP a b\n# TYPE a gauge\na 1\n") != NULL,
		  "after it: 200 and the text (%s)", status_line(r));
	TAP_CHECK(strstr(r, "Content-Type: text/plain; version=0.0.4; charset=utf-8") != NULL,
		  "the exposition format's content type");
	free(r);

	/* A second publish replaces the first; a big text is served whole. */
	big = malloc(300001);
	memset(big, 'x', 300000);
	big[0] = '#';
	big[299999] = '\n';
	big[300000] = '\0';
	metrics_http_publish(h, big, 300000);
	r = http(port, "GET /metrics HTTP/1.0\r\n\r\n");
	TAP_CHECK(strstr(r, "\r\n\r\n#xxx") != NULL && strlen(strstr(r, "\r\n\r\n")) == 300004,
		  "a republished 300 kB text is served whole: %zu bytes",
		  strstr(r, "\r\n\r\n") != NULL ? strlen(strstr(r, "\r\n\r\n")) - 4 : 0);
	free(r);

	r = http(port, "GET / HTTP/1.0\r\n\r\n");
	TAP_CHECK(strstr(r, " 404 ") != NULL, "another path: 404");
	free(r);
	r = http(port, "POST /metrics HTTP/1.0\r\nContent-Length: 2\r\n\r\nab");
	TAP_CHECK(strstr(r, " 405 ") != NULL, "another method: 405");
	free(r);
	r = http(port, "HEAD /metrics HTTP/1.0\r\n\r\n");
	TAP_CHECK(strstr(r, " 200 ") != NULL, "HEAD: 200");
	free(r);
	TAP_CHECK(metrics_http_scrapes(h) == 3, "scrapes counted: %llu",
		  (unsigned long long)metrics_http_scrapes(h));

	a.sin_port = htons(port);
	again = metrics_http_start((struct sockaddr *)&a, err, sizeof(err));
	TAP_CHECK(again == NULL && strstr(err, "cannot listen: Address already in use") != NULL,
		  "the same address twice: refused saying why (%s)", err);
	metrics_http_stop(again);

	a.sin_addr.s_addr = inet_addr("192.0.2.1");
	again = metrics_http_start((struct sockaddr *)&a, err, sizeof(err));
	TAP_CHECK(again == NULL && strstr(err, "cannot listen: Cannot assign requested address") != NULL,
		  "an address not on this box: refused saying why (%s)", err);

	metrics_http_stop(h);
	CHECK_INT(open_fds(), fds, "stopped: no socket or thread descriptor left open");
	r = http(port, "GET /metrics HTTP/1.0\r\n\r\n");
	TAP_CHECK(*r == '\0', "stopped: nothing answers");
	free(r);
}

int
main(void)
{
	test_text();
	test_http();
	return TAP_DONE();
}
