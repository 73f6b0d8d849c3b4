/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The convenience wrappers of igmpgw_client.h: one request each, built from
 * the protocol's names (igmpgw_proto.h), and the whole groups table read page
 * by page.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "client_internal.h"
#include "igmpgw_proto.h"

/* The protocol's command names (igmpgw_proto.h), by the codes of its list. */
enum cmd {
#define CLIENT_CMD_ENUM(code, name, level) CMD_##code,
	IGMPGW_COMMANDS(CLIENT_CMD_ENUM)
#undef CLIENT_CMD_ENUM
};

static const char *const cmd_names[] = {
#define CLIENT_CMD_NAME(code, name, level) [CMD_##code] = name,
	IGMPGW_COMMANDS(CLIENT_CMD_NAME)
#undef CLIENT_CMD_NAME
};


static json_t *
simple_request(struct igmpgw_client *c, json_t *req)
{
	json_t *resp;
	int err;

	if (req == NULL) {
		errno = EINVAL;
		return NULL;
	}
	if (c == NULL) {
		json_decref(req);
		errno = EINVAL;
		return NULL;
	}
	resp = igmpgw_client_request(c, req, c->timeout_ms);
	err = errno;
	json_decref(req);
	errno = err;
	return resp;
}

json_t *
igmpgw_client_status(struct igmpgw_client *c)
{
	return simple_request(c, json_pack("{s:s}", "cmd", cmd_names[CMD_STATUS]));
}

json_t *
igmpgw_client_stats(struct igmpgw_client *c)
{
	return simple_request(c, json_pack("{s:s}", "cmd", cmd_names[CMD_STATS]));
}

json_t *
igmpgw_client_select_outside(struct igmpgw_client *c, const char *port)
{
	if (port == NULL) {
		errno = EINVAL;
		return NULL;
	}
	return simple_request(c, json_pack("{s:s, s:s}", "cmd", cmd_names[CMD_SELECT_OUTSIDE],
						"port", port));
}

/* [{"group": G, "sources": [S, ...]}, ...]; "sources" only when there are some. */
static json_t *
items_json(const struct igmpgw_item *items, size_t n)
{
	json_t *list = json_array();

	if (list == NULL)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		json_t *item;
		json_t *sources;

		if (items[i].group == NULL || (items[i].n_sources > 0 && items[i].sources == NULL))
			goto invalid;
		/* Constructors fail on strings that are not UTF-8 (or on no memory). */
		item = json_pack("{s:s}", "group", items[i].group);
		if (json_array_append_new(list, item) < 0)
			goto invalid;
		if (items[i].n_sources == 0)
			continue;
		sources = json_array();
		if (json_object_set_new(item, "sources", sources) < 0)
			goto invalid;
		for (size_t s = 0; s < items[i].n_sources; s++) {
			if (items[i].sources[s] == NULL ||
			    json_array_append_new(sources, json_string(items[i].sources[s])) < 0)
				goto invalid;
		}
	}
	return list;
invalid:
	json_decref(list);
	errno = EINVAL;
	return NULL;
}

static json_t *
items_request(struct igmpgw_client *c, const char *cmd, const struct igmpgw_item *items, size_t n)
{
	json_t *list;

	if (items == NULL && n > 0) {
		errno = EINVAL;
		return NULL;
	}
	list = items_json(items, n);
	if (list == NULL)
		return NULL;
	return simple_request(c, json_pack("{s:s, s:o}", "cmd", cmd, "items", list));
}

json_t *
igmpgw_client_report(struct igmpgw_client *c, const struct igmpgw_item *items, size_t n)
{
	return items_request(c, cmd_names[CMD_REPORT], items, n);
}

json_t *
igmpgw_client_leave(struct igmpgw_client *c, const struct igmpgw_item *items, size_t n)
{
	return items_request(c, cmd_names[CMD_LEAVE], items, n);
}

static json_t *
events_request(struct igmpgw_client *c, const char *cmd, const char *const *events, size_t n)
{
	json_t *list;

	if (events == NULL && n > 0) {
		errno = EINVAL;
		return NULL;
	}
	list = json_array();
	if (list == NULL) {
		errno = ENOMEM;
		return NULL;
	}
	for (size_t i = 0; i < n; i++) {
		if (events[i] == NULL) {
			json_decref(list);
			errno = EINVAL;
			return NULL;
		}
		if (json_array_append_new(list, json_string(events[i])) < 0) {
			json_decref(list);
			errno = EINVAL;
			return NULL;
		}
	}
	return simple_request(c, json_pack("{s:s, s:o}", "cmd", cmd, "events", list));
}

json_t *
igmpgw_client_subscribe(struct igmpgw_client *c, const char *const *events, size_t n)
{
	return events_request(c, cmd_names[CMD_SUBSCRIBE], events, n);
}

json_t *
igmpgw_client_unsubscribe(struct igmpgw_client *c, const char *const *events, size_t n)
{
	return events_request(c, cmd_names[CMD_UNSUBSCRIBE], events, n);
}

json_t *
igmpgw_client_trace(struct igmpgw_client *c, const char *port, unsigned int count)
{
	json_t *req = json_pack("{s:s}", "cmd", cmd_names[CMD_TRACE]);

	if (req != NULL && port != NULL && json_object_set_new(req, "port", json_string(port)) < 0) {
		json_decref(req);
		req = NULL;
	}
	if (req != NULL && count != 0 && json_object_set_new(req, "count", json_integer(count)) < 0) {
		json_decref(req);
		req = NULL;
	}
	return simple_request(c, req);
}

json_t *
igmpgw_client_log_level(struct igmpgw_client *c, const char *level, const char *type)
{
	json_t *req;
	json_t *value;
	char *end;
	long num;

	if (level == NULL || level[0] == '\0') {
		errno = EINVAL;
		return NULL;
	}
	/* The protocol takes the level as a name or as a number; "8" means the number. */
	errno = 0;
	num = strtol(level, &end, 10);
	if (*end == '\0' && errno == 0)
		value = json_integer(num);
	else
		value = json_string(level);
	req = json_pack("{s:s, s:o}", "cmd", cmd_names[CMD_LOG_LEVEL], "level", value);
	if (req != NULL && type != NULL &&
	    json_object_set_new(req, "type", json_string(type)) < 0) {
		json_decref(req);
		req = NULL;
	}
	return simple_request(c, req);
}

json_t *
igmpgw_client_groups_page(struct igmpgw_client *c, const char *cursor, unsigned int limit)
{
	json_t *req;

	if (limit < 1 || limit > IGMPGW_GROUPS_PAGE_MAX) {
		errno = EINVAL;
		return NULL;
	}
	/* "cursor": null on the first page, so that it is a page whatever the limit. */
	req = json_pack("{s:s, s:I, s:s?}", "cmd", cmd_names[CMD_GROUPS], "limit",
			(json_int_t)limit, "cursor", cursor);
	return simple_request(c, req);
}

json_t *
igmpgw_client_groups(struct igmpgw_client *c)
{
	json_t *all = NULL;
	char *cursor = NULL;
	int err = 0;

	for (;;) {
		json_t *page = igmpgw_client_groups_page(c, cursor, IGMPGW_CLIENT_GROUPS_PAGE);
		json_t *groups = json_object_get(page, "groups");
		json_t *next = json_object_get(page, "cursor");
		char *next_text = NULL;

		if (page == NULL || igmpgw_client_error(page) != NULL) {
			err = errno;
			json_decref(all);
			all = page;
			break;
		}
		if (!json_is_array(groups) || (next != NULL && !json_is_null(next) &&
					       !json_is_string(next))) {
			json_decref(page);
			err = EBADMSG;
			break;
		}
		/* No cursor: the last page, or a gateway that answered the whole table at once. */
		if (json_is_string(next)) {
			next_text = strdup(json_string_value(next));
			if (next_text == NULL)
				err = ENOMEM;
			else if (cursor != NULL && strcmp(cursor, next_text) == 0)
				err = EBADMSG; /* it would page for ever */
		}
		json_object_del(page, "cursor");
		if (all == NULL) {
			all = page;
		} else {
			json_array_extend(json_object_get(all, "groups"), groups);
			json_decref(page);
		}
		free(cursor);
		cursor = next_text;
		if (cursor == NULL || err != 0)
			break;
	}
	free(cursor);
	if (err != 0 && (all == NULL || igmpgw_client_error(all) == NULL)) {
		json_decref(all);
		all = NULL;
		errno = err;
	}
	return all;
}
