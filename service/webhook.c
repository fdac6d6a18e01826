#include "service/webhook.h"

#include <errno.h>
#include <glib.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "crypto/token.h"

/* Audit kind to event, first match wins; flag: a boolean of the row's
 * detail that must be true. A new event is one line here (and one in
 * docs/admin-api.md). */
static const struct {
	enum sig_audit_kind kind;
	const char *flag;
	const char *event;
} webhook_events[] = {
    {SIG_AUDIT_JOIN, "waiting", "participant.waiting"},
    {SIG_AUDIT_JOIN, NULL, "participant.joined"},
    {SIG_AUDIT_TO_WAITING, NULL, "participant.waiting"}, /* sent back by a host */
    {SIG_AUDIT_ADMIT, NULL, "participant.admitted"},
    {SIG_AUDIT_REMOVE, NULL, "participant.removed"},
    {SIG_AUDIT_LEAVE, NULL, "participant.left"},
    {SIG_AUDIT_OCCURRENCE_STARTED, NULL, "occurrence.started"},
    {SIG_AUDIT_OCCURRENCE_ENDED, NULL, "occurrence.ended"},
    {SIG_AUDIT_INVITE_LOW, NULL, "invite.nearly_used_up"},
};

const char *sig_webhook_event_of(enum sig_audit_kind kind, const json_t *detail)
{
	for (size_t i = 0; i < G_N_ELEMENTS(webhook_events); i++) {
		if (webhook_events[i].kind != kind)
			continue;
		if (webhook_events[i].flag &&
		    !json_is_true(json_object_get(detail, webhook_events[i].flag)))
			continue;
		return webhook_events[i].event;
	}
	return NULL;
}

/* RFC 3339 UTC with milliseconds. */
static void webhook_time(int64_t at_ms, char ret_text[32])
{
	time_t s = (time_t)(at_ms / 1000);
	struct tm tm;

	size_t n;

	gmtime_r(&s, &tm);
	n = strftime(ret_text, 24, "%Y-%m-%dT%H:%M:%S", &tm); /* 0: year past 9999 */
	snprintf(ret_text + n, 32 - n, ".%03dZ", (int)(at_ms % 1000));
}

static json_t *webhook_id_or_null(int64_t id)
{
	return id > 0 ? json_integer((json_int_t)id) : json_null();
}

/* The body: ids, times and the audit row's detail (which never holds
 * personal data); the participant id moves up to a field of its own. */
static json_t *webhook_body(const struct sig_audit_event *event, const json_t *detail,
			    const char *type, const char *delivery_id)
{
	json_t *data = json_is_object(detail) ? json_deep_copy(detail) : json_object();
	json_t *given = json_object_get(data, "participant");
	json_t *participant = json_is_string(given) ? json_incref(given) : json_null();
	char at[32];

	webhook_time(event->at_ms, at);
	json_object_del(data, "participant");
	return json_pack("{s:s,s:s,s:s,s:o,s:o,s:o,s:o,s:s,s:o}", "id", delivery_id, "type", type,
			 "occurred_at", at, "session_id", webhook_id_or_null(event->session_id),
			 "roster_entry_id", webhook_id_or_null(event->roster_entry_id), "invite_id",
			 webhook_id_or_null(event->invite_id), "participant_id", participant,
			 "actor", event->actor ? event->actor : "system", "data", data);
}

int sig_webhook_outbox_row(const struct sig_audit_event *event, const json_t *detail,
			   struct sig_outbox_row *ret_row)
{
	const char *type = sig_webhook_event_of(event->kind, detail);
	uint8_t raw[16];
	char id[SIG_WEBHOOK_ID_CHARS + 1] = "evt_";
	char *text;
	json_t *body;

	if (!type)
		return -ENOENT;
	if (crypto_random(raw, sizeof(raw)) < 0)
		return -EIO;
	crypto_hex(raw, sizeof(raw), id + 4);
	body = webhook_body(event, detail, type, id);
	text = body ? json_dumps(body, JSON_COMPACT) : NULL;
	json_decref(body);
	if (!text)
		return -ENOMEM;
	*ret_row = (struct sig_outbox_row){
	    .session_id = event->session_id,
	    .delivery_id = g_strdup(id),
	    .event = g_strdup(type),
	    .body = g_strdup(text),
	    .created_ms = event->at_ms,
	    .next_ms = event->at_ms,
	};
	free(text);
	return 0;
}

int sig_webhook_sign(const char *secret, int64_t t, const char *body, size_t body_len,
		     char ret_header[SIG_WEBHOOK_SIGNATURE_MAX])
{
	char stamp[24];
	int n = snprintf(stamp, sizeof(stamp), "%" PRId64 ".", t);
	const void *pieces[] = {stamp, body};
	const size_t lens[] = {(size_t)n, body_len};
	uint8_t mac[CRYPTO_SHA256_BYTES];
	char hex[CRYPTO_SHA256_HEX + 1];
	int r = crypto_hmac_sha256_pieces(secret, strlen(secret), pieces, lens, 2, mac);

	if (r < 0)
		return r;
	crypto_hex(mac, sizeof(mac), hex);
	snprintf(ret_header, SIG_WEBHOOK_SIGNATURE_MAX, "t=%" PRId64 ",v1=%s", t, hex);
	return 0;
}

int64_t sig_webhook_backoff_ms(int attempts)
{
	int64_t wait = SIG_WEBHOOK_BACKOFF_MIN_MS;

	for (int i = 1; i < attempts && wait < SIG_WEBHOOK_BACKOFF_MAX_MS; i++)
		wait *= 2;
	return wait < SIG_WEBHOOK_BACKOFF_MAX_MS ? wait : SIG_WEBHOOK_BACKOFF_MAX_MS;
}
