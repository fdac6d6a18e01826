/* Unit tests of service/invite, service/occurrence and the occurrence
 * operations of service/session_ops: every refusal, in the order a person
 * would want to hear it; uses counted once per occurrence up to the limit;
 * ending an occurrence (and a series). Runs on a real store in a temporary
 * directory. */
#include <glib.h>
#include <glib/gstdio.h>
#include <errno.h>
#include <string.h>

#include "test_backend.h"

#include "service/invite.h"
#include "service/session_ops.h"

#define T0 1800000000 /* 2027-01-15T08:00:00Z */

struct fixture {
	char *dir;
	struct sig_store *store;
	struct sig_session session;
	struct sig_roster_entry entry;
	struct sig_invite invite;
	char token[CRYPTO_TOKEN_CHARS + 1];
};

static void fixture_setup(struct fixture *f, gconstpointer data)
{
	(void)data;
	f->dir = g_dir_make_tmp("hearth-invite-XXXXXX", NULL);
	g_autofree char *path = test_backend_where(f->dir, "hearth.db");
	g_assert_cmpint(test_backend_open(path, &f->store), ==, 0);

	memset(&f->session, 0, sizeof(f->session));
	sig_session_defaults(SIG_KIND_FAMILY, &f->session);
	f->session.title = g_strdup("Family");
	f->session.schedule = (struct sig_schedule){.kind = SIG_SCHEDULE_ONCE,
						    .start = T0,
						    .end = T0 + 3600,
						    .grace_before_minutes = 15,
						    .grace_after_minutes = 15};
	f->session.created_at = f->session.updated_at = T0 - 86400;
	g_assert_cmpint(sig_store_session_insert(f->store, &f->session), ==, 0);

	memset(&f->entry, 0, sizeof(f->entry));
	f->entry.session_id = f->session.id;
	f->entry.display_name = g_strdup("Robin");
	f->entry.role = SIG_ROLE_FAMILY;
	f->entry.permissions = sig_role_default_permissions(SIG_ROLE_FAMILY, SIG_PUBLISH_EVERYONE);
	g_assert_cmpint(sig_store_roster_insert(f->store, &f->entry), ==, 0);

	g_assert_cmpint(crypto_token_new(f->token), ==, 0);
	f->invite = (struct sig_invite){.roster_entry_id = f->entry.id,
					.session_id = f->session.id,
					.max_uses = 2,
					.created_at = T0 - 86400};
	crypto_sha256(f->token, strlen(f->token), f->invite.token_hash);
	g_assert_cmpint(sig_store_invite_insert(f->store, &f->invite), ==, 0);
}

static void fixture_teardown(struct fixture *f, gconstpointer data)
{
	(void)data;
	sig_session_clear(&f->session);
	sig_roster_entry_clear(&f->entry);
	sig_store_close(f->store);
	g_autofree char *path = g_build_filename(f->dir, "hearth.db", NULL);
	g_autofree char *wal = g_strconcat(path, "-wal", NULL);
	g_autofree char *shm = g_strconcat(path, "-shm", NULL);
	g_unlink(path);
	g_unlink(wal);
	g_unlink(shm);
	g_rmdir(f->dir);
	g_free(f->dir);
}

static enum sig_invite_refusal resolve(struct fixture *f, const char *token, int64_t now,
				       bool consume)
{
	struct sig_invite_resolution res;
	enum sig_invite_refusal r = sig_invite_resolve(f->store, token, now, consume, &res);

	if (r == SIG_INVITE_OK) {
		g_assert_cmpint(res.entry.id, ==, f->entry.id);
		g_assert_cmpint(res.session.id, ==, f->session.id);
		g_assert_cmpstr(res.entry.display_name, ==, "Robin");
	}
	sig_invite_resolution_clear(&res);
	return r;
}

static void test_window(struct fixture *f, gconstpointer data)
{
	(void)data;
	g_assert_cmpint(resolve(f, f->token, T0 - 15 * 60 - 1, false), ==, SIG_INVITE_NOT_OPEN_YET);
	g_assert_cmpint(resolve(f, f->token, T0 - 15 * 60, false), ==, SIG_INVITE_OK);
	g_assert_cmpint(resolve(f, f->token, T0 + 3600 + 15 * 60 - 1, false), ==, SIG_INVITE_OK);
	g_assert_cmpint(resolve(f, f->token, T0 + 3600 + 15 * 60, false), ==, SIG_INVITE_EXPIRED);
}

static void test_unknown(struct fixture *f, gconstpointer data)
{
	char other[CRYPTO_TOKEN_CHARS + 1];

	(void)data;
	g_assert_cmpint(crypto_token_new(other), ==, 0);
	g_assert_cmpint(resolve(f, other, T0, false), ==, SIG_INVITE_UNKNOWN);
	g_assert_cmpint(resolve(f, "", T0, false), ==, SIG_INVITE_UNKNOWN);
	g_assert_cmpint(resolve(f, "not a token", T0, false), ==, SIG_INVITE_UNKNOWN);
	g_assert_cmpint(resolve(f, NULL, T0, false), ==, SIG_INVITE_UNKNOWN);
}

static void test_uses(struct fixture *f, gconstpointer data)
{
	struct sig_invite stored;

	(void)data;
	/* Checking does not spend; joining does, once per occurrence: a rejoin
	 * (another tab, a reload) in the same one is free. */
	g_assert_cmpint(resolve(f, f->token, T0, false), ==, SIG_INVITE_OK);
	g_assert_cmpint(resolve(f, f->token, T0, true), ==, SIG_INVITE_OK);
	g_assert_cmpint(resolve(f, f->token, T0 + 1, true), ==, SIG_INVITE_OK);
	g_assert_cmpint(resolve(f, f->token, T0 + 2, true), ==, SIG_INVITE_OK);
	g_assert_cmpint(sig_store_invite_get(f->store, f->invite.id, &stored), ==, 0);
	g_assert_cmpint(stored.uses, ==, 1);
	g_assert_cmpint(stored.last_used_at, ==, T0 + 2);
	g_assert_cmpstr(sig_invite_state(&stored), ==, "active");
}

/* The fixture's session made weekly, every day at 08:00 UTC for an hour:
 * occurrences start at T0 + k days. */
static void make_daily(struct fixture *f)
{
	f->session.schedule = (struct sig_schedule){.kind = SIG_SCHEDULE_WEEKLY,
						    .weekdays = 0x7f,
						    .start_minute = 8 * 60,
						    .duration_minutes = 60,
						    .time_zone = "UTC",
						    .grace_before_minutes = 15,
						    .grace_after_minutes = 15};
	g_assert_cmpint(sig_store_session_update(f->store, &f->session), ==, 0);
}

/* Rows of the audit log of one kind. */
static int count_audit(struct fixture *f, enum sig_audit_kind kind)
{
	g_autoptr(GArray) rows = g_array_new(FALSE, TRUE, sizeof(struct sig_audit_event));
	int n = 0;

	g_array_set_clear_func(rows, (GDestroyNotify)sig_audit_event_clear);
	g_assert_cmpint(sig_store_audit_list(f->store, 0, 0, SIG_STORE_LIST_MAX, rows), ==, 0);
	for (guint i = 0; i < rows->len; i++)
		n += g_array_index(rows, struct sig_audit_event, i).kind == kind;
	return n;
}

static void test_uses_per_occurrence(struct fixture *f, gconstpointer data)
{
	struct sig_invite stored;
	int64_t rows, bad;
	char *problem = NULL;

	(void)data;
	make_daily(f);
	g_assert_cmpint(resolve(f, f->token, T0, true), ==, SIG_INVITE_OK);
	g_assert_cmpint(resolve(f, f->token, T0 + 60, true), ==, SIG_INVITE_OK);
	g_assert_cmpint(resolve(f, f->token, T0 + 86400, true), ==, SIG_INVITE_OK);
	g_assert_cmpint(sig_store_invite_get(f->store, f->invite.id, &stored), ==, 0);
	g_assert_cmpint(stored.uses, ==, 2);
	g_assert_cmpstr(sig_invite_state(&stored), ==, "used_up");
	/* Used up, yet its person gets back into the occurrence it paid for... */
	g_assert_cmpint(resolve(f, f->token, T0 + 86400 + 600, true), ==, SIG_INVITE_OK);
	/* ...and not into the next. */
	g_assert_cmpint(resolve(f, f->token, T0 + 2 * 86400, false), ==, SIG_INVITE_USED_UP);
	g_assert_cmpint(resolve(f, f->token, T0 + 2 * 86400, true), ==, SIG_INVITE_USED_UP);
	g_assert_cmpint(sig_store_invite_get(f->store, f->invite.id, &stored), ==, 0);
	g_assert_cmpint(stored.uses, ==, 2);
	/* One occurrence_started per occurrence; a link of two uses is nearly
	 * used up from its first use on: warned once. */
	g_assert_cmpint(count_audit(f, SIG_AUDIT_OCCURRENCE_STARTED), ==, 2);
	g_assert_cmpint(count_audit(f, SIG_AUDIT_INVITE_LOW), ==, 1);
	g_assert_cmpint(sig_store_audit_verify(f->store, &rows, &bad, &problem), ==, 0);
	g_assert_null(problem);
}

static void test_invite_low_crossing(struct fixture *f, gconstpointer data)
{
	(void)data;
	make_daily(f);
	f->invite.max_uses = 4; /* low at 2 left: after the second occurrence */
	g_assert_cmpint(sig_store_invite_update(f->store, &f->invite), ==, 0);
	g_assert_cmpint(resolve(f, f->token, T0, true), ==, SIG_INVITE_OK);
	g_assert_cmpint(count_audit(f, SIG_AUDIT_INVITE_LOW), ==, 0);
	g_assert_cmpint(resolve(f, f->token, T0 + 86400, true), ==, SIG_INVITE_OK);
	g_assert_cmpint(count_audit(f, SIG_AUDIT_INVITE_LOW), ==, 1);
	g_assert_cmpint(resolve(f, f->token, T0 + 2 * 86400, true), ==, SIG_INVITE_OK);
	g_assert_cmpint(count_audit(f, SIG_AUDIT_INVITE_LOW), ==, 1);
}

struct ended_calls {
	int count;
	int64_t session_id;
};

static void on_session_ended(void *userdata, int64_t session_id, const char *reason)
{
	struct ended_calls *c = userdata;

	g_assert_cmpstr(reason, ==, "ended");
	c->count++;
	c->session_id = session_id;
}

static void on_entry_removed(void *userdata, int64_t session_id, int64_t entry_id)
{
	(void)userdata;
	(void)session_id;
	(void)entry_id;
	g_assert_not_reached();
}

static const struct sig_presence_listener listener = {on_session_ended, on_entry_removed};

static void test_end_occurrence(struct fixture *f, gconstpointer data)
{
	struct sig_ops *ops = sig_ops_new(f->store);
	struct ended_calls calls = {0};
	struct sig_invite_resolution res;
	struct sig_session got;
	struct sig_invite stored;

	(void)data;
	make_daily(f);
	sig_ops_listen(ops, &listener, &calls);
	g_assert_cmpint(resolve(f, f->token, T0, true), ==, SIG_INVITE_OK);
	/* Between occurrences there is nothing to end. */
	g_assert_cmpint(sig_ops_end_occurrence(ops, f->session.id, "roster:1", T0 - 3600, NULL), ==,
			-ESRCH);
	g_assert_cmpint(calls.count, ==, 0);
	g_assert_cmpint(sig_ops_end_occurrence(ops, f->session.id, "roster:1", T0 + 600, &got), ==,
			0);
	g_assert_cmpint(got.ended_at, ==, 0); /* the series goes on */
	sig_session_clear(&got);
	g_assert_cmpint(calls.count, ==, 1);
	g_assert_cmpint(calls.session_id, ==, f->session.id);
	/* Nobody gets back in today, not even on a link already used today;
	 * they hear when the next one opens. */
	g_assert_cmpint(sig_invite_resolve(f->store, f->token, T0 + 700, true, &res), ==,
			SIG_INVITE_OCCURRENCE_ENDED);
	g_assert_cmpstr(sig_invite_refusal_code(res.refusal), ==, "occurrence_ended");
	g_assert_true(res.view.has_next);
	g_assert_cmpint(res.view.next.start, ==, T0 + 86400);
	json_t *extra = sig_invite_refusal_extra(&res);
	g_assert_cmpstr(json_string_value(json_object_get(extra, "opens_at")), ==,
			"2027-01-16T07:45:00Z");
	json_decref(extra);
	sig_invite_resolution_clear(&res);
	/* Ending it again only disconnects: one audit row. */
	g_assert_cmpint(sig_ops_end_occurrence(ops, f->session.id, "roster:1", T0 + 800, NULL), ==,
			0);
	g_assert_cmpint(calls.count, ==, 2);
	g_assert_cmpint(count_audit(f, SIG_AUDIT_OCCURRENCE_ENDED), ==, 1);
	/* It stays ended across a restart. */
	sig_store_close(f->store);
	g_autofree char *path = test_backend_pg() ? g_strdup(g_getenv("HEARTH_TEST_DATABASE_URL"))
						  : g_build_filename(f->dir, "hearth.db", NULL);
	g_assert_cmpint(test_backend_open(path, &f->store), ==, 0);
	sig_ops_free(ops);
	ops = sig_ops_new(f->store);
	g_assert_cmpint(resolve(f, f->token, T0 + 900, false), ==, SIG_INVITE_OCCURRENCE_ENDED);
	/* The next occurrence opens as usual, and the link works there. */
	g_assert_cmpint(resolve(f, f->token, T0 + 86400 - 15 * 60, true), ==, SIG_INVITE_OK);
	g_assert_cmpint(sig_store_invite_get(f->store, f->invite.id, &stored), ==, 0);
	g_assert_cmpint(stored.uses, ==, 2);
	/* Ending the series ends it for good (and today's occurrence). */
	g_assert_cmpint(sig_ops_end_session(ops, f->session.id, "admin-socket", T0 + 86400, NULL),
			==, 0);
	g_assert_cmpint(resolve(f, f->token, T0 + 86400 + 60, false), ==, SIG_INVITE_ENDED);
	g_assert_cmpint(resolve(f, f->token, T0 + 7 * 86400, false), ==, SIG_INVITE_ENDED);
	g_assert_cmpint(count_audit(f, SIG_AUDIT_OCCURRENCE_ENDED), ==, 2);
	g_assert_cmpint(count_audit(f, SIG_AUDIT_SESSION_ENDED), ==, 1);
	sig_ops_free(ops);
}

static void test_end_one_off(struct fixture *f, gconstpointer data)
{
	struct sig_ops *ops = sig_ops_new(f->store);
	struct sig_session got;

	(void)data;
	g_assert_cmpint(sig_ops_end_occurrence(ops, f->session.id, "roster:1", T0 + 60, &got), ==,
			0);
	g_assert_cmpint(got.ended_at, ==, T0 + 60); /* a one-off ends for good */
	sig_session_clear(&got);
	g_assert_cmpint(resolve(f, f->token, T0 + 120, false), ==, SIG_INVITE_ENDED);
	g_assert_cmpint(count_audit(f, SIG_AUDIT_OCCURRENCE_ENDED), ==, 1);
	g_assert_cmpint(count_audit(f, SIG_AUDIT_SESSION_ENDED), ==, 1);
	g_assert_cmpint(sig_ops_end_occurrence(ops, 9999, "roster:1", T0 + 60, NULL), ==, -ENOENT);
	sig_ops_free(ops);
}

static void test_revoked_and_removed(struct fixture *f, gconstpointer data)
{
	(void)data;
	f->entry.removed_at = T0;
	g_assert_cmpint(sig_store_roster_update(f->store, &f->entry), ==, 0);
	g_assert_cmpint(resolve(f, f->token, T0, false), ==, SIG_INVITE_REVOKED);
	f->entry.removed_at = 0;
	g_assert_cmpint(sig_store_roster_update(f->store, &f->entry), ==, 0);
	f->invite.revoked_at = T0;
	g_assert_cmpint(sig_store_invite_update(f->store, &f->invite), ==, 0);
	/* Revoked wins over everything about the schedule. */
	g_assert_cmpint(resolve(f, f->token, T0 - 86400, false), ==, SIG_INVITE_REVOKED);
	g_assert_cmpstr(sig_invite_state(&f->invite), ==, "revoked");
}

static void test_ended(struct fixture *f, gconstpointer data)
{
	(void)data;
	f->session.ended_at = T0 + 60;
	g_assert_cmpint(sig_store_session_update(f->store, &f->session), ==, 0);
	g_assert_cmpint(resolve(f, f->token, T0 + 120, true), ==, SIG_INVITE_ENDED);
	g_assert_cmpstr(sig_invite_refusal_code(SIG_INVITE_ENDED), ==, "session_ended");
	g_assert_cmpint(sig_invite_refusal_status(SIG_INVITE_NOT_OPEN_YET), ==, 403);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add("/invite/window", struct fixture, NULL, fixture_setup, test_window,
		   fixture_teardown);
	g_test_add("/invite/unknown", struct fixture, NULL, fixture_setup, test_unknown,
		   fixture_teardown);
	g_test_add("/invite/uses", struct fixture, NULL, fixture_setup, test_uses,
		   fixture_teardown);
	g_test_add("/invite/uses-per-occurrence", struct fixture, NULL, fixture_setup,
		   test_uses_per_occurrence, fixture_teardown);
	g_test_add("/invite/low-crossing", struct fixture, NULL, fixture_setup,
		   test_invite_low_crossing, fixture_teardown);
	g_test_add("/invite/end-occurrence", struct fixture, NULL, fixture_setup,
		   test_end_occurrence, fixture_teardown);
	g_test_add("/invite/end-one-off", struct fixture, NULL, fixture_setup, test_end_one_off,
		   fixture_teardown);
	g_test_add("/invite/revoked", struct fixture, NULL, fixture_setup, test_revoked_and_removed,
		   fixture_teardown);
	g_test_add("/invite/ended", struct fixture, NULL, fixture_setup, test_ended,
		   fixture_teardown);
	return g_test_run();
}
