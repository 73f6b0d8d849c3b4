/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * One control client's output: a buffer that grows as answers and events
 * queue and is written as the socket takes it, never waiting.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ctl_client.h"
#include "trace.h"

/* An emptied output buffer bigger than this is given back. */
#define OUT_KEEP (64 * 1024)

size_t
gw_ctl_client_pending(const struct gw_ctl_client *c)
{
	return c->out_len - c->out_head;
}

int
gw_ctl_client_append(struct gw_ctl_client *c, const char *data, size_t len)
{
	if (c->out_head > 0 && c->out_len + len > c->out_cap) {
		memmove(c->out, c->out + c->out_head, gw_ctl_client_pending(c));
		c->out_len -= c->out_head;
		c->out_head = 0;
	}
	if (c->out_len + len > c->out_cap) {
		size_t cap = c->out_cap == 0 ? 4096 : c->out_cap;
		char *p;

		while (cap < c->out_len + len)
			cap *= 2;
		p = realloc(c->out, cap);
		if (p == NULL)
			return -ENOMEM;
		c->out = p;
		c->out_cap = cap;
	}
	memcpy(c->out + c->out_len, data, len);
	c->out_len += len;
	return 0;
}

void
gw_ctl_client_send(struct gw_ctl_client *c, json_t *obj)
{
	size_t len;
	char *line = ctl_dump_line(obj, &len);

	if (line != NULL)
		gw_ctl_client_append(c, line, len);
	free(line);
	json_decref(obj);
}

void
gw_ctl_client_close(struct gw_ctl_client *c)
{
	gw_trace_session_gone(&c->session);
	close(c->fd);
	free(c->out);
	memset(c, 0, sizeof(*c));
	c->fd = -1;
}

/* Writes what the socket takes; tells a drained subscriber how many events it missed. */
void
gw_ctl_client_flush(struct gw_ctl_client *c)
{
	while (gw_ctl_client_pending(c) > 0) {
		ssize_t n = send(c->fd, c->out + c->out_head, gw_ctl_client_pending(c),
				 MSG_DONTWAIT | MSG_NOSIGNAL);

		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
				return;
			gw_ctl_client_close(c);
			return;
		}
		c->out_head += n;
		if (c->eof)
			c->drain_deadline = gw_tsc_after_ms(CTL_DRAIN_TIMEOUT_MS);
		if (gw_ctl_client_pending(c) > 0)
			continue;
		c->out_head = c->out_len = 0;
		if (c->out_cap > OUT_KEEP) {
			free(c->out);
			c->out = NULL;
			c->out_cap = 0;
		}
		if (c->missed > 0) {
			json_t *ev = ctl_missed_event(c->missed);

			c->missed = 0;
			gw_ctl_client_send(c, ev);
		}
	}
}
