/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The protocol's small JSON values, one definition for every message that
 * carries them: addresses, group record types.
 */
#include <arpa/inet.h>

#include <jansson.h>

#include "ctl_proto.h"

/* Index is the RFC 3376 record type - 1. */
static const char *const record_names[] = {
	"is_in",
	"is_ex",
	"to_in",
	"to_ex",
	"allow",
	"block",
};

json_t *
ctl_addr_json(uint32_t a)
{
	char text[INET_ADDRSTRLEN];

	if (inet_ntop(AF_INET, &a, text, sizeof(text)) == NULL)
		return NULL;
	return json_string(text);
}

json_t *
ctl_record_type_json(uint8_t type)
{
	if (type >= 1 && type <= sizeof(record_names) / sizeof(record_names[0]))
		return json_string(record_names[type - 1]);
	return json_integer(type);
}
