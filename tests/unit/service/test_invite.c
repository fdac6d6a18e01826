/* Unit tests of service/invite: every refusal, in the order a person would
 * want to hear it, and that consuming counts uses up to the limit. Runs on a
 * real store in a temporary directory. */
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>

#include "service/invite.h"

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
	g_autofree char *path = g_build_filename(f->dir, "hearth.db", NULL);
	g_assert_cmpint(sig_store_open(path, &f->store), ==, 0);

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
	/* Checking does not spend; joining does, up to max_uses. */
	g_assert_cmpint(resolve(f, f->token, T0, false), ==, SIG_INVITE_OK);
	g_assert_cmpint(resolve(f, f->token, T0, true), ==, SIG_INVITE_OK);
	g_assert_cmpint(resolve(f, f->token, T0 + 1, true), ==, SIG_INVITE_OK);
	g_assert_cmpint(resolve(f, f->token, T0 + 2, true), ==, SIG_INVITE_USED_UP);
	g_assert_cmpint(resolve(f, f->token, T0 + 2, false), ==, SIG_INVITE_USED_UP);
	g_assert_cmpint(sig_store_invite_get(f->store, f->invite.id, &stored), ==, 0);
	g_assert_cmpint(stored.uses, ==, 2);
	g_assert_cmpint(stored.last_used_at, ==, T0 + 1);
	g_assert_cmpstr(sig_invite_state(&stored), ==, "used_up");
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
	g_test_add("/invite/revoked", struct fixture, NULL, fixture_setup, test_revoked_and_removed,
		   fixture_teardown);
	g_test_add("/invite/ended", struct fixture, NULL, fixture_setup, test_ended,
		   fixture_teardown);
	return g_test_run();
}
