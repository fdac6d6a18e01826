/* Seats that outlive the process (docs/operations.md, "Restarts"): each
 * seat event (join, admission, resume, a host's mute or grant) writes the
 * member's state to the store, each departure deletes it, and at start the
 * seats of sessions still open come back as disconnected members whose
 * resume window starts now (with several nodes: of the sessions this node
 * takes the lease of; another node's come back there, or here when this
 * node takes a session over: sig_ws_restore_session_seats). The resume token is stored only as its
 * SHA-256, as the member keeps it. */
#include <errno.h>
#include <glib.h>
#include <string.h>

#include "core/clock.h"
#include "core/log.h"
#include "live/media.h"
#include "live/room.h"
#include "live/ws_internal.h"
#include "service/cluster.h"
#include "service/audit.h"
#include "store/store.h"

/* How long a seat of a session whose window has no end is worth keeping
 * while the daemon is down. */
#define SIG_SEAT_TTL_S (12 * 3600)

void sig_ws_seat_save(struct sig_ws *ws, const struct sig_member *m)
{
	struct sig_seat seat = {
	    .session_id = m->session_id,
	    .roster_entry_id = m->roster_entry_id,
	    .waiting = m->waiting,
	    .granted = m->granted,
	    .muted = m->muted,
	    .locked = m->locked,
	    .display_name = m->name_chosen ? m->display_name : NULL,
	    .closes_at = m->closes_at,
	    .expires_at = m->closes_at ? m->closes_at : clock_wall_s() + SIG_SEAT_TTL_S,
	};
	int r;

	g_strlcpy(seat.participant_id, m->participant_id, sizeof(seat.participant_id));
	memcpy(seat.resume_hash, m->resume_hash, sizeof(seat.resume_hash));
	r = sig_store_seat_put(ws->store, &seat);
	if (r < 0)
		log_warn("session %lld: participant %s: the seat was not stored (%s); a restart "
			 "would drop it",
			 (long long)m->session_id, m->participant_id, strerror(-r));
}

void sig_ws_seat_forget(struct sig_ws *ws, const struct sig_member *m)
{
	int r = sig_store_seat_delete(ws->store, m->participant_id);

	/* -ENOENT: never stored, or gone with its roster entry. */
	if (r < 0 && r != -ENOENT)
		log_warn("session %lld: participant %s: the seat was not deleted (%s)",
			 (long long)m->session_id, m->participant_id, strerror(-r));
}

/* A stored seat that no longer counts: its departure is audited (the
 * daemon was down when it would have timed out) and the row deleted. */
static void sig_ws_seat_drop(struct sig_ws *ws, const struct sig_seat *seat, const char *reason)
{
	g_autofree char *actor = g_strdup_printf("roster:%lld", (long long)seat->roster_entry_id);

	sig_audit_participant(ws->store, actor, SIG_AUDIT_LEAVE, seat->session_id,
			      seat->roster_entry_id, seat->participant_id,
			      json_pack("{s:s}", "reason", reason));
	(void)sig_store_seat_delete(ws->store, seat->participant_id);
}

/* Why seat cannot come back (NULL: it can), with its session and entry. */
static const char *sig_ws_seat_check(struct sig_ws *ws, const struct sig_seat *seat, int64_t now,
				     struct sig_session *ret_session,
				     struct sig_roster_entry *ret_entry)
{
	if (seat->expires_at <= now)
		return "expired";
	if (sig_store_session_get(ws->store, seat->session_id, ret_session) < 0)
		return "expired";
	if (ret_session->ended_at)
		return "ended";
	if (sig_store_roster_get(ws->store, seat->roster_entry_id, ret_entry) < 0)
		return "removed";
	if (ret_entry->removed_at || ret_entry->session_id != seat->session_id)
		return "removed";
	return NULL;
}

static int sig_ws_seat_restore(struct sig_ws *ws, struct sig_seat *seat, int64_t now)
{
	struct sig_session session = {0};
	struct sig_roster_entry entry = {0};
	struct sig_member *m = NULL;
	const char *why = sig_ws_seat_check(ws, seat, now, &session, &entry);
	int r = why ? -ESTALE : 0;

	if (r == 0) {
		r = sig_rooms_restore(ws->rooms, &session, &entry, seat->participant_id, &m);
		why = "full";
	}
	if (r < 0) {
		sig_ws_seat_drop(ws, seat, why);
		goto out;
	}
	memcpy(m->resume_hash, seat->resume_hash, sizeof(m->resume_hash));
	m->waiting = seat->waiting;
	m->granted = seat->granted & ~entry.permissions;
	m->permissions |= m->granted;
	m->muted = seat->muted;
	m->locked = seat->locked;
	if (seat->display_name) {
		g_free(m->display_name);
		m->display_name = g_strdup(seat->display_name);
		m->name_chosen = true;
	}
	m->closes_at = seat->closes_at;
	m->disconnected_us = clock_mono_us(); /* the resume window starts now */
	m->restored = true;
	if (m->muted && ws->media)
		sig_media_set_muted(ws->media, m, m->muted); /* applied when it publishes */
out:
	sig_session_clear(&session);
	sig_roster_entry_clear(&entry);
	return r;
}

/* At start with several nodes: whether this node serves the seat's
 * session (it takes the lease of its occurrence, or holds it). A session
 * another node serves keeps its seats stored for that node. homes caches
 * the answer per session for this pass. */
static bool sig_ws_seat_homed_here(struct sig_ws *ws, const struct sig_seat *seat, int64_t now,
				   GHashTable *homes)
{
	struct sig_session session = {0};
	g_autofree char *url = NULL;
	gpointer cached;
	int r;

	if (!ws->cluster)
		return true;
	if (g_hash_table_lookup_extended(homes, &seat->session_id, NULL, &cached))
		return GPOINTER_TO_INT(cached);
	/* A session that cannot be read is left to sig_ws_seat_check. */
	r = sig_store_session_get(ws->store, seat->session_id, &session);
	bool here = r < 0 || (r = sig_ws_lease(ws, &session, now, &url)) == SIG_CLUSTER_HERE ||
		    r == SIG_CLUSTER_TAKEN;
	sig_session_clear(&session);
	g_hash_table_insert(homes, g_memdup2(&seat->session_id, sizeof(int64_t)),
			    GINT_TO_POINTER(here));
	return here;
}

/* The stored seats of session_id (0: of every session this node serves)
 * back as members who are reconnecting. */
static int sig_ws_restore(struct sig_ws *ws, int64_t session_id, int64_t now)
{
	g_autoptr(GArray) rows = g_array_new(FALSE, TRUE, sizeof(struct sig_seat));
	g_autoptr(GHashTable) homes =
	    g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, NULL);
	unsigned restored = 0, dropped = 0;
	int64_t after = 0;
	int r;

	g_array_set_clear_func(rows, (GDestroyNotify)sig_seat_clear);
	do {
		g_array_set_size(rows, 0);
		r = session_id ? sig_store_seat_list_session(ws->store, session_id, after,
							     SIG_STORE_LIST_MAX, rows)
			       : sig_store_seat_list(ws->store, after, SIG_STORE_LIST_MAX, rows);
		if (r < 0) {
			log_error("cannot read the stored seats: %s", strerror(-r));
			return r;
		}
		for (guint i = 0; i < rows->len; i++) {
			struct sig_seat *seat = &g_array_index(rows, struct sig_seat, i);
			after = seat->id;
			if (!session_id && !sig_ws_seat_homed_here(ws, seat, now, homes))
				continue;
			/* Someone present here already (their own seat). */
			if (sig_rooms_find(ws->rooms, seat->session_id, seat->participant_id))
				continue;
			if (sig_ws_seat_restore(ws, seat, now) == 0)
				restored++;
			else
				dropped++;
		}
	} while (rows->len == SIG_STORE_LIST_MAX);
	if (restored || dropped)
		log_info("seats%s: %u held for a resume for %d s, %u no longer valid",
			 session_id ? " of a session taken over" : "", restored, SIG_WS_RESUME_S,
			 dropped);
	return (int)restored;
}

int sig_ws_restore_seats(struct sig_ws *ws, int64_t now)
{
	return sig_ws_restore(ws, 0, now);
}

int sig_ws_restore_session_seats(struct sig_ws *ws, int64_t session_id, int64_t now)
{
	g_assert(session_id > 0);
	return sig_ws_restore(ws, session_id, now);
}
