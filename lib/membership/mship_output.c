/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Membership library, bottom layer: what leaves the library. IGMP messages
 * built from the roles' decisions (queries of the configured version, v3
 * reports packed to max_msg_len, v1/v2 reports and leaves) and handed to
 * ops->send, each counted; events, "changed" notices and counters.
 */
#include <arpa/inet.h>
#include <string.h>

#include "mship_base.h"

void
mship_count(struct mship *m, enum mship_counter c)
{
	m->ctr[c]++;
}

void
mship_event_raise(struct mship *m, enum mship_event ev, uint16_t port, uint32_t addr)
{
	if (m->ops.event != NULL)
		m->ops.event(m->ops.arg, ev, port, addr);
}

void
mship_changed(struct mship *m, uint16_t port, uint32_t group)
{
	if (m->ops.changed != NULL)
		m->ops.changed(m->ops.arg, port, group);
}

/* Hands a built message to the caller, counted as c; len 0 (the build failed) is counted. */
static void
emit(struct mship *m, uint16_t port, uint32_t dst, const uint8_t *igmp, size_t len,
     enum mship_counter c)
{
	if (len == 0) {
		mship_count(m, MSHIP_CTR_TX_BUILD_FAILED);
		return;
	}
	mship_count(m, c);
	m->ops.send(m->ops.arg, port, dst, igmp, (uint16_t)len);
}

/* ---- queries ---- */

/* Max Resp Code for an interval in milliseconds: v3 floating point code, v2 plain tenths. */
static uint8_t
resp_code(const struct mship *m, uint32_t ms)
{
	uint32_t ds = ms / 100;

	if (m->cfg.querier_version == 1)
		return 0;
	if (ds == 0)
		ds = 1; /* a v2 query with 0 would read as v1 */
	if (m->cfg.querier_version == 2)
		return ds > UINT8_MAX ? UINT8_MAX : (uint8_t)ds;
	return igmp_code_encode(ds);
}

/*
 * Builds a query of the configured version into m->msg, with the robustness
 * and interval in use on p (the builder sends QRV 0 above 7, §4.1.6);
 * returns its length (0: failed).
 */
static size_t
build_query(struct mship *m, const struct mship_port *p, uint32_t group, uint32_t resp_ms,
	    bool s_flag, const uint32_t *sources, uint16_t n)
{
	uint8_t code = resp_code(m, resp_ms);

	if (m->cfg.querier_version < 3)
		return igmp_build_v2(m->msg, m->cfg.max_msg_len, IGMP_TYPE_QUERY, code, group);
	return igmp_build_v3_query(m->msg, m->cfg.max_msg_len, code, group, s_flag, p->rv,
				   igmp_code_encode(p->qi_ms / 1000), sources, n);
}

void
mship_send_general_query(struct mship *m, uint16_t port)
{
	size_t len = build_query(m, &m->port[port], 0, m->cfg.query_response_interval_ms, false,
				 NULL, 0);

	emit(m, port, htonl(IGMP_ALL_SYSTEMS), m->msg, len, MSHIP_CTR_TX_GENERAL_QUERY);
}

/* Q(G), to the group, answered within LMQI. */
void
mship_send_group_query(struct mship *m, uint16_t port, uint32_t group, bool s_flag)
{
	size_t len = build_query(m, &m->port[port], group, m->cfg.last_member_query_interval_ms,
				 s_flag, NULL, 0);

	emit(m, port, group, m->msg, len, MSHIP_CTR_TX_GROUP_QUERY);
}

/* Q(G, sources), split to fit max_msg_len; no message for no source. */
void
mship_send_group_source_query(struct mship *m, uint16_t port, uint32_t group, bool s_flag,
			      const uint32_t *sources, uint32_t n)
{
	const struct mship_port *p = &m->port[port];
	uint32_t per_msg = (m->cfg.max_msg_len - IGMP_V3_QUERY_MIN_LEN) / 4;
	uint32_t off, take;
	size_t len;

	for (off = 0; off < n; off += take) {
		take = n - off < per_msg ? n - off : per_msg;
		len = build_query(m, p, group, m->cfg.last_member_query_interval_ms, s_flag,
				  sources + off, (uint16_t)take);
		emit(m, port, group, m->msg, len, MSHIP_CTR_TX_GROUP_SOURCE_QUERY);
	}
}

/* ---- upstream reports ---- */

/* Builds and sends v3 reports of the records, as many messages as they need. */
static void
send_v3_records(struct mship *m, const struct igmp_record_spec *specs, uint16_t n)
{
	uint16_t next = 0, next_src = 0;
	size_t len;

	while (next < n) {
		len = igmp_build_v3_report(m->msg, m->cfg.max_msg_len, m->cfg.max_msg_len, specs, n,
					   &next, &next_src);
		emit(m, m->up_port, htonl(IGMP_ALL_V3_ROUTERS), m->msg, len, MSHIP_CTR_TX_V3_REPORT);
		if (len == 0)
			break;
	}
}

/* Sends the report being filled, if it has records. */
void
mship_report_flush(struct mship *m)
{
	if (m->batch_n > 0)
		send_v3_records(m, m->batch, m->batch_n);
	m->batch_n = 0;
	m->batch_n_src = 0;
	m->batch_len = IGMP_V3_REPORT_MIN_LEN;
}

/*
 * Adds a record to the report being filled (RFC 3376 §4.2.16): a record that
 * does not fit sends the report first; one too big for any report goes out
 * alone, split (or cut, for an EXCLUDE record) by the builder.
 */
static void
report_add(struct mship *m, const struct igmp_record_spec *spec)
{
	uint32_t size = IGMP_V3_RECORD_MIN_LEN + 4u * spec->n_sources;
	struct igmp_record_spec *out;

	if (m->batch_n == 0)
		m->batch_len = IGMP_V3_REPORT_MIN_LEN;
	if (m->batch_len + size > m->cfg.max_msg_len)
		mship_report_flush(m);
	if (m->batch_len + size > m->cfg.max_msg_len) {
		send_v3_records(m, spec, 1);
		return;
	}
	out = &m->batch[m->batch_n++];
	*out = *spec;
	out->sources = &m->batch_src[m->batch_n_src];
	if (spec->n_sources > 0) /* a record without sources may have none to point at */
		memcpy(&m->batch_src[m->batch_n_src], spec->sources, 4u * spec->n_sources);
	m->batch_n_src = (uint16_t)(m->batch_n_src + spec->n_sources);
	m->batch_len += size;
}

/* A record of type for group with the sources of set, its sources copied. */
void
mship_report_record(struct mship *m, uint8_t type, uint32_t group,
		    const struct mship_addrs *sources)
{
	struct igmp_record_spec spec;

	memset(&spec, 0, sizeof(spec));
	spec.type = type;
	spec.group = group;
	spec.sources = sources->v;
	spec.n_sources = (uint16_t)sources->n;
	report_add(m, &spec);
}

/* A v1 or v2 membership report for group, to the group (RFC 2236 §3). */
void
mship_send_old_report(struct mship *m, uint32_t group, uint8_t version)
{
	bool v1 = version == 1;
	size_t len = igmp_build_v2(m->msg, m->cfg.max_msg_len,
				   v1 ? IGMP_TYPE_V1_REPORT : IGMP_TYPE_V2_REPORT, 0, group);

	emit(m, m->up_port, group, m->msg, len,
	     v1 ? MSHIP_CTR_TX_V1_REPORT : MSHIP_CTR_TX_V2_REPORT);
}

/* A v2 leave for group, to all routers (RFC 2236 §3). */
void
mship_send_leave(struct mship *m, uint32_t group)
{
	size_t len = igmp_build_v2(m->msg, m->cfg.max_msg_len, IGMP_TYPE_LEAVE, 0, group);

	emit(m, m->up_port, htonl(IGMP_ALL_ROUTERS), m->msg, len, MSHIP_CTR_TX_LEAVE);
}
