#include "service/invite.h"

#include <errno.h>
#include <string.h>

#include "model/domain_json.h"
#include "service/audit.h"

struct sig_refusal_info {
	const char *code;
	int status;
	const char *message;
};

static const struct sig_refusal_info refusals[] = {
    [SIG_INVITE_OK] = {"ok", 200, "the invite is valid"},
    [SIG_INVITE_UNKNOWN] = {"invite_unknown", 404, "this link is not valid"},
    [SIG_INVITE_REVOKED] = {"invite_revoked", 410, "this link was revoked"},
    [SIG_INVITE_USED_UP] = {"invite_used_up", 410, "this link has been used too many times"},
    [SIG_INVITE_NOT_OPEN_YET] = {"session_not_open_yet", 403, "the session is not open yet"},
    [SIG_INVITE_EXPIRED] = {"invite_expired", 410, "the session this link was for is over"},
    [SIG_INVITE_ENDED] = {"session_ended", 410, "the session has ended"},
    [SIG_INVITE_OCCURRENCE_ENDED] = {"occurrence_ended", 403,
				     "today's session has ended; this link works again for the "
				     "next one"},
    [SIG_INVITE_FAILED] = {"internal", 500, "the server could not check this link"},
};

const char *sig_invite_refusal_code(enum sig_invite_refusal refusal)
{
	return refusals[refusal].code;
}

int sig_invite_refusal_status(enum sig_invite_refusal refusal)
{
	return refusals[refusal].status;
}

const char *sig_invite_refusal_message(enum sig_invite_refusal refusal)
{
	return refusals[refusal].message;
}

json_t *sig_invite_refusal_extra(const struct sig_invite_resolution *res)
{
	if (res->refusal == SIG_INVITE_NOT_OPEN_YET)
		return json_pack("{s:o}", "opens_at", sig_json_time(res->occurrence.opens_at));
	if (res->refusal == SIG_INVITE_OCCURRENCE_ENDED && res->view.has_next)
		return json_pack("{s:o}", "opens_at", sig_json_time(res->view.next.opens_at));
	return NULL;
}

const char *sig_invite_state(const struct sig_invite *invite)
{
	if (invite->revoked_at)
		return "revoked";
	if (invite->uses >= invite->max_uses)
		return "used_up";
	return "active";
}

/* The refusal that the invite, its entry, its session's schedule and the
 * current occurrence give at now, in the order a person would want to
 * hear them. */
static enum sig_invite_refusal sig_invite_judge(struct sig_store *store,
						struct sig_invite_resolution *res, int64_t now)
{
	bool used_now = false;

	if (res->invite.revoked_at || res->entry.removed_at)
		return SIG_INVITE_REVOKED;
	if (sig_occurrence_view(store, &res->session, now, &res->view) < 0)
		return SIG_INVITE_FAILED;
	res->occurrence = res->view.occurrence;
	switch (res->view.state) {
	case SIG_OCCURRENCE_SESSION_ENDED:
		return SIG_INVITE_ENDED;
	case SIG_OCCURRENCE_OVER:
		return SIG_INVITE_EXPIRED;
	case SIG_OCCURRENCE_NOT_OPEN_YET:
		return SIG_INVITE_NOT_OPEN_YET;
	case SIG_OCCURRENCE_ENDED:
		return SIG_INVITE_OCCURRENCE_ENDED;
	case SIG_OCCURRENCE_OPEN:
		break;
	}
	if (res->invite.uses < res->invite.max_uses)
		return SIG_INVITE_OK;
	/* Used up, but a rejoin in an occurrence it already paid for is free. */
	if (sig_store_invite_used_in(store, res->invite.id, res->occurrence.start, &used_now) < 0)
		return SIG_INVITE_FAILED;
	return used_now ? SIG_INVITE_OK : SIG_INVITE_USED_UP;
}

static int sig_invite_load(struct sig_store *store, const char *token,
			   struct sig_invite_resolution *res)
{
	uint8_t hash[CRYPTO_SHA256_BYTES];
	int r;

	crypto_sha256(token, strlen(token), hash);
	r = sig_store_invite_find_by_hash(store, hash, &res->invite);
	if (r < 0)
		return r;
	/* The lookup matched on the hash; compare again in constant time so
	 * that no timing difference depends on secret-derived bytes here. */
	if (!crypto_equal(hash, res->invite.token_hash, sizeof(hash)))
		return -ENOENT;
	r = sig_store_roster_get(store, res->invite.roster_entry_id, &res->entry);
	if (r < 0)
		return r;
	return sig_store_session_get(store, res->invite.session_id, &res->session);
}

enum sig_invite_refusal sig_invite_resolve(struct sig_store *store, const char *token, int64_t now,
					   bool consume, struct sig_invite_resolution *ret)
{
	int r;

	memset(ret, 0, sizeof(*ret));
	if (!token || !crypto_token_well_formed(token))
		return ret->refusal = SIG_INVITE_UNKNOWN;

	r = consume ? sig_store_begin(store) : 0;
	if (r == 0)
		r = sig_invite_load(store, token, ret);
	if (r == -ENOENT)
		ret->refusal = SIG_INVITE_UNKNOWN;
	else if (r < 0)
		ret->refusal = SIG_INVITE_FAILED;
	else
		ret->refusal = sig_invite_judge(store, ret, now);

	if (consume && ret->refusal == SIG_INVITE_OK) {
		g_autofree char *actor =
		    g_strdup_printf("roster:%lld", (long long)ret->invite.roster_entry_id);
		r = sig_occurrence_note_join(store, &ret->invite, ret->occurrence.start, now,
					     actor);
		if (r == 0)
			r = sig_store_commit(store);
		/* Another node took the last use since the invite was read. */
		if (r == -EDQUOT)
			ret->refusal = SIG_INVITE_USED_UP;
		else if (r < 0)
			ret->refusal = SIG_INVITE_FAILED;
	}
	if (consume && ret->refusal != SIG_INVITE_OK)
		sig_store_rollback(store);
	return ret->refusal;
}

void sig_invite_resolution_clear(struct sig_invite_resolution *res)
{
	sig_session_clear(&res->session);
	sig_roster_entry_clear(&res->entry);
}

int sig_invite_revoke_entry(struct sig_store *store, int64_t session_id, int64_t entry_id,
			    int64_t now, const char *actor, const char *reason)
{
	g_autoptr(GArray) rows = g_array_new(FALSE, TRUE, sizeof(struct sig_invite));
	int64_t after = 0;
	int r;

	do {
		g_array_set_size(rows, 0);
		r = sig_store_invite_list(store, session_id, entry_id, after, SIG_STORE_LIST_MAX,
					  rows);
		for (guint i = 0; r == 0 && i < rows->len; i++) {
			struct sig_invite *inv = &g_array_index(rows, struct sig_invite, i);
			after = inv->id;
			if (inv->revoked_at)
				continue;
			inv->revoked_at = now;
			r = sig_store_invite_update(store, inv);
			if (r == 0)
				r = sig_audit_record(store, actor, SIG_AUDIT_INVITE_REVOKED,
						     session_id, entry_id, inv->id,
						     json_pack("{s:s}", "reason", reason));
		}
	} while (r == 0 && rows->len == SIG_STORE_LIST_MAX);
	return r;
}
