/* Webhook events: the audit-kind table, the body (ids, no personal data),
 * the signature against an independent HMAC-SHA256 (Python's hmac), the
 * backoff, and that an audit row and its event are written together or
 * not at all (on a real database). */
#include "service/audit.h"
#include "service/webhook.h"

#include "test_backend.h"

#include <errno.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>

#include "crypto/token.h"

#define T0_MS 1796144400123LL /* 2026-12-01T17:00:00.123Z */

static void test_event_table(void)
{
	json_t *waiting = json_pack("{s:s,s:b}", "participant", "p1", "waiting", 1);
	json_t *in = json_pack("{s:s}", "participant", "p1");

	g_assert_cmpstr(sig_webhook_event_of(SIG_AUDIT_JOIN, waiting), ==, "participant.waiting");
	g_assert_cmpstr(sig_webhook_event_of(SIG_AUDIT_JOIN, in), ==, "participant.joined");
	g_assert_cmpstr(sig_webhook_event_of(SIG_AUDIT_JOIN, NULL), ==, "participant.joined");
	g_assert_cmpstr(sig_webhook_event_of(SIG_AUDIT_ADMIT, in), ==, "participant.admitted");
	g_assert_cmpstr(sig_webhook_event_of(SIG_AUDIT_TO_WAITING, NULL), ==,
			"participant.waiting");
	g_assert_null(sig_webhook_event_of(SIG_AUDIT_MUTE, in));
	g_assert_cmpstr(sig_webhook_event_of(SIG_AUDIT_REMOVE, NULL), ==, "participant.removed");
	g_assert_cmpstr(sig_webhook_event_of(SIG_AUDIT_LEAVE, in), ==, "participant.left");
	g_assert_cmpstr(sig_webhook_event_of(SIG_AUDIT_OCCURRENCE_STARTED, NULL), ==,
			"occurrence.started");
	g_assert_cmpstr(sig_webhook_event_of(SIG_AUDIT_OCCURRENCE_ENDED, NULL), ==,
			"occurrence.ended");
	g_assert_cmpstr(sig_webhook_event_of(SIG_AUDIT_INVITE_LOW, NULL), ==,
			"invite.nearly_used_up");
	g_assert_null(sig_webhook_event_of(SIG_AUDIT_SESSION_CREATED, NULL));
	g_assert_null(sig_webhook_event_of(SIG_AUDIT_INVITE_CREATED, NULL));
	g_assert_null(sig_webhook_event_of(SIG_AUDIT_DENY, in));
	json_decref(waiting);
	json_decref(in);
}

static void test_body(void)
{
	struct sig_audit_event ev = {
	    .at_ms = T0_MS,
	    .kind = SIG_AUDIT_LEAVE,
	    .session_id = 7,
	    .roster_entry_id = 12,
	    .actor = (char *)"roster:12",
	};
	json_t *detail = json_pack("{s:s,s:s}", "participant", "pA", "reason", "closed");
	struct sig_outbox_row row = {0}, other = {0};
	json_error_t error;
	json_t *body;

	g_assert_cmpint(sig_webhook_outbox_row(&ev, detail, &row), ==, 0);
	g_assert_cmpint(sig_webhook_outbox_row(&ev, detail, &other), ==, 0);
	g_assert_cmpstr(row.event, ==, "participant.left");
	g_assert_cmpint(row.session_id, ==, 7);
	g_assert_cmpint(row.next_ms, ==, T0_MS);
	g_assert_cmpint(strlen(row.delivery_id), ==, SIG_WEBHOOK_ID_CHARS);
	g_assert_true(g_str_has_prefix(row.delivery_id, "evt_"));
	g_assert_cmpstr(row.delivery_id, !=, other.delivery_id); /* each event its own */
	body = json_loads(row.body, 0, &error);
	g_assert_nonnull(body);
	g_assert_cmpstr(json_string_value(json_object_get(body, "id")), ==, row.delivery_id);
	g_assert_cmpstr(json_string_value(json_object_get(body, "type")), ==, "participant.left");
	g_assert_cmpstr(json_string_value(json_object_get(body, "occurred_at")), ==,
			"2026-12-01T17:00:00.123Z");
	g_assert_cmpint(json_integer_value(json_object_get(body, "session_id")), ==, 7);
	g_assert_cmpint(json_integer_value(json_object_get(body, "roster_entry_id")), ==, 12);
	g_assert_true(json_is_null(json_object_get(body, "invite_id")));
	g_assert_cmpstr(json_string_value(json_object_get(body, "participant_id")), ==, "pA");
	g_assert_cmpstr(json_string_value(json_object_get(json_object_get(body, "data"), "reason")),
			==, "closed");
	g_assert_null(json_object_get(json_object_get(body, "data"), "participant"));
	json_decref(body);
	/* Not an event: nothing made. */
	ev.kind = SIG_AUDIT_SESSION_UPDATED;
	g_assert_cmpint(sig_webhook_outbox_row(&ev, detail, &other), ==, -ENOENT);
	sig_outbox_row_clear(&row);
	sig_outbox_row_clear(&other);
	json_decref(detail);
}

/* Expected values from Python:
 * hmac.new(b'whsec-test-0123456789', b'1796144400.{"id":"evt_1"}',
 *          hashlib.sha256).hexdigest() */
static void test_signature(void)
{
	static const char body[] = "{\"id\":\"evt_1\"}";
	char header[SIG_WEBHOOK_SIGNATURE_MAX];
	uint8_t mac[CRYPTO_SHA256_BYTES];
	char hex[CRYPTO_SHA256_HEX + 1];
	const void *pieces[] = {"The quick brown fox ", "jumps over the lazy dog"};
	const size_t lens[] = {20, 23};

	g_assert_cmpint(
	    sig_webhook_sign("whsec-test-0123456789", 1796144400, body, strlen(body), header), ==,
	    0);
	g_assert_cmpstr(header, ==,
			"t=1796144400,v1="
			"cf1664c5ec7024e7d0066f1be39a8ae327f7bc5aae68b4342cecf00746cd2244");
	/* Another timestamp, another signature: a replay cannot move it. */
	g_assert_cmpint(
	    sig_webhook_sign("whsec-test-0123456789", 1796144401, body, strlen(body), header), ==,
	    0);
	g_assert_false(strstr(header, "cf1664c5ec7024e7"));
	/* The pieces are one message (Wikipedia's HMAC_SHA256 example). */
	g_assert_cmpint(crypto_hmac_sha256_pieces("key", 3, pieces, lens, 2, mac), ==, 0);
	crypto_hex(mac, sizeof(mac), hex);
	g_assert_cmpstr(hex, ==,
			"f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8");
}

static void test_backoff(void)
{
	g_assert_cmpint(sig_webhook_backoff_ms(1), ==, 1000);
	g_assert_cmpint(sig_webhook_backoff_ms(2), ==, 2000);
	g_assert_cmpint(sig_webhook_backoff_ms(3), ==, 4000);
	g_assert_cmpint(sig_webhook_backoff_ms(9), ==, 256000);
	g_assert_cmpint(sig_webhook_backoff_ms(10), ==, 300000);
	g_assert_cmpint(sig_webhook_backoff_ms(1000000), ==, 300000);
}

struct fixture {
	char *dir, *path;
	struct sig_store *store;
};

static void fixture_setup(struct fixture *f, gconstpointer data)
{
	GError *error = NULL;

	(void)data;
	f->dir = g_dir_make_tmp("hearth-webhook-XXXXXX", &error);
	g_assert_no_error(error);
	f->path = test_backend_where(f->dir, "hearth.db");
	g_assert_cmpint(test_backend_open(f->path, &f->store), ==, 0);
}

static void fixture_teardown(struct fixture *f, gconstpointer data)
{
	const char *suffixes[] = {"", "-wal", "-shm"};

	(void)data;
	f->store = sig_store_close(f->store);
	for (size_t i = 0; i < G_N_ELEMENTS(suffixes); i++) {
		g_autofree char *p = g_strconcat(f->path, suffixes[i], NULL);
		(void)g_unlink(p);
	}
	g_assert_cmpint(g_rmdir(f->dir), ==, 0);
	g_free(f->path);
	g_free(f->dir);
}

static int pending(struct fixture *f)
{
	int rows = 0, waiting = 0;

	g_assert_cmpint(sig_store_outbox_depth(f->store, &rows, &waiting), ==, 0);
	return waiting;
}

static void test_audit_writes_event(struct fixture *f, gconstpointer data)
{
	struct sig_outbox_row row = {0};
	json_t *body;

	(void)data;
	/* Off (no [webhooks] url): audit rows only. */
	sig_audit_participant(f->store, "roster:3", SIG_AUDIT_JOIN, 1, 3, "p1", NULL);
	g_assert_cmpint(pending(f), ==, 0);
	sig_store_outbox_limit(f->store, 100);
	sig_audit_participant(f->store, "roster:3", SIG_AUDIT_JOIN, 1, 3, "p1",
			      json_pack("{s:b}", "waiting", 1));
	g_assert_cmpint(
	    sig_audit_record(f->store, "system", SIG_AUDIT_SESSION_UPDATED, 1, 0, 0, NULL), ==, 0);
	g_assert_cmpint(pending(f), ==, 1);
	g_assert_cmpint(sig_store_outbox_next(f->store, INT64_MAX, &row), ==, 0);
	g_assert_cmpstr(row.event, ==, "participant.waiting");
	body = json_loads(row.body, 0, NULL);
	g_assert_cmpstr(json_string_value(json_object_get(body, "participant_id")), ==, "p1");
	json_decref(body);
	sig_outbox_row_clear(&row);

	/* Rolled back with the caller's transaction: neither row stays. */
	g_assert_cmpint(sig_store_begin(f->store), ==, 0);
	g_assert_cmpint(sig_audit_record(f->store, "system", SIG_AUDIT_REMOVE, 1, 3, 0, NULL), ==,
			0);
	g_assert_cmpint(pending(f), ==, 2);
	sig_store_rollback(f->store);
	g_assert_cmpint(pending(f), ==, 1);
	/* Committed with it: both. */
	g_assert_cmpint(sig_store_begin(f->store), ==, 0);
	g_assert_cmpint(sig_audit_record(f->store, "system", SIG_AUDIT_REMOVE, 1, 3, 0, NULL), ==,
			0);
	g_assert_cmpint(sig_store_commit(f->store), ==, 0);
	g_assert_cmpint(pending(f), ==, 2);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/webhook/event-table", test_event_table);
	g_test_add_func("/webhook/body", test_body);
	g_test_add_func("/webhook/signature", test_signature);
	g_test_add_func("/webhook/backoff", test_backoff);
	g_test_add("/webhook/audit-writes-event", struct fixture, NULL, fixture_setup,
		   test_audit_writes_event, fixture_teardown);
	return g_test_run();
}
