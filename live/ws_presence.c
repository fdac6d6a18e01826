/* Presence as the client protocol tells it: who hears what (everyone
 * admitted, or the hosts), what a member sees once admitted, a member's
 * departure and eviction, and the participant rows of the audit log. */
#include <glib.h>
#include <jansson.h>

#include "core/clock.h"
#include "core/log.h"
#include "live/media.h"
#include "live/room.h"
#include "live/speaker_room.h"
#include "live/ws_internal.h"
#include "service/audit.h"
#include "service/occurrence.h"
#include "store/store.h"

char *sig_ws_actor(const struct sig_member *m)
{
	return g_strdup_printf("roster:%lld", (long long)m->roster_entry_id);
}

/* An audit row of m, by m: {"participant": id} plus extra's fields (extra
 * taken, may be NULL; never personal data). */
void sig_ws_audit_with(struct sig_ws *ws, const struct sig_member *m, enum sig_audit_kind kind,
		       json_t *extra)
{
	g_autofree char *actor = sig_ws_actor(m);

	/* Every participant row names the occurrence it happened in. */
	if (m->occurrence_start)
		extra = sig_occurrence_detail(m->occurrence_start, extra);
	sig_audit_participant(ws->store, actor, kind, m->session_id, m->roster_entry_id,
			      m->participant_id, extra);
}

static void sig_ws_audit(struct sig_ws *ws, const struct sig_member *m, enum sig_audit_kind kind,
			 const char *reason)
{
	sig_ws_audit_with(ws, m, kind, reason ? json_pack("{s:s}", "reason", reason) : NULL);
}

static void sig_ws_broadcast_one(struct sig_member *m, void *userdata)
{
	struct sig_ws_broadcast *b = userdata;

	if (m != b->except)
		sig_ws_send_member(m, json_incref(b->msg));
}

static void sig_ws_moderator_one(struct sig_member *m, void *userdata)
{
	struct sig_ws_broadcast *b = userdata;

	if (m != b->except && (m->permissions & SIG_PERM_MODERATE))
		sig_ws_send_member(m, json_incref(b->msg));
}

/* Sends msg (taken) to the hosts and cohosts admitted. */
void sig_ws_tell_moderators(struct sig_ws *ws, int64_t session_id, json_t *msg)
{
	struct sig_ws_broadcast b = {.msg = msg};

	sig_rooms_foreach_audience(ws->rooms, session_id, sig_ws_moderator_one, &b);
	json_decref(msg);
}

/* Sends msg (taken) to everyone admitted in session but except. */
void sig_ws_broadcast(struct sig_ws *ws, int64_t session_id, const struct sig_member *except,
		      json_t *msg)
{
	struct sig_ws_broadcast b = {.except = except, .msg = msg};

	sig_rooms_foreach_audience(ws->rooms, session_id, sig_ws_broadcast_one, &b);
	json_decref(msg);
}

/* A member that is no longer present: the others are told, the audit log
 * records it, its connection forgets it. The caller has detached it. */
void sig_ws_departed(struct sig_ws *ws, struct sig_member *m, const char *reason)
{
	if (ws->media)
		sig_media_member_left(ws->media, m);
	sig_speaker_room_silenced(ws->rooms, m, clock_mono_us(), sig_ws_tell, NULL);
	/* m is detached already: everyone still present hears it (only the
	 * hosts, for someone who was still waiting). */
	if (m->waiting)
		sig_ws_tell_moderators(ws, m->session_id,
				       json_pack("{s:s,s:s}", "type", "waiting.removed",
						 "participant_id", m->participant_id));
	else
		sig_ws_broadcast(ws, m->session_id, NULL,
				 json_pack("{s:s,s:s}", "type", "participant.left",
					   "participant_id", m->participant_id));
	sig_ws_audit(ws, m, SIG_AUDIT_LEAVE, reason);
	sig_ws_seat_forget(ws, m);
	log_info("session %lld: participant %s (roster entry %lld) left (%s)",
		 (long long)m->session_id, m->participant_id, (long long)m->roster_entry_id,
		 reason);
	if (m->conn)
		m->conn->member = NULL;
	sig_member_free(m);
}

static void sig_ws_list_member(struct sig_member *m, void *userdata)
{
	struct sig_ws_broadcast *b = userdata;

	if (m != b->except && !m->waiting)
		json_array_append_new(b->msg, sig_member_json(m));
}

static void sig_ws_list_waiting(struct sig_member *m, void *userdata)
{
	struct sig_ws_broadcast *b = userdata;

	if (m != b->except && m->waiting)
		json_array_append_new(b->msg, sig_member_json(m));
}

struct sig_ws_present {
	int64_t entry_id;
	bool present;
};

static void sig_ws_present_one(struct sig_member *m, void *userdata)
{
	struct sig_ws_present *p = userdata;

	if (m->roster_entry_id == p->entry_id)
		p->present = true;
}

/* For hosts: everyone expected (the roster, removed entries aside) and
 * whether they are here. A roster holds at most SIG_CAPACITY_MAX. */
static json_t *sig_ws_roster(struct sig_ws *ws, int64_t session_id)
{
	g_autoptr(GArray) rows = g_array_new(FALSE, TRUE, sizeof(struct sig_roster_entry));
	json_t *out = json_array();
	int64_t after = 0;

	g_array_set_clear_func(rows, (GDestroyNotify)sig_roster_entry_clear);
	do {
		g_array_set_size(rows, 0);
		if (sig_store_roster_list(ws->store, session_id, after, SIG_STORE_LIST_MAX, rows) <
		    0)
			break;
		for (guint i = 0; i < rows->len; i++) {
			const struct sig_roster_entry *e =
			    &g_array_index(rows, struct sig_roster_entry, i);
			struct sig_ws_present p = {.entry_id = e->id};
			after = e->id;
			if (e->removed_at)
				continue;
			sig_rooms_foreach(ws->rooms, session_id, sig_ws_present_one, &p);
			json_array_append_new(
			    out, json_pack("{s:I,s:s,s:s,s:b}", "roster_entry_id",
					   (json_int_t)e->id, "display_name", e->display_name,
					   "role", sig_role_name(e->role), "present", p.present));
		}
	} while (rows->len == SIG_STORE_LIST_MAX);
	return out;
}

/* What a member sees of the session once admitted: who is present, and
 * for hosts who is waiting. */
void sig_ws_add_presence(struct sig_ws *ws, const struct sig_member *m, json_t *msg)
{
	struct sig_ws_broadcast present = {.except = m, .msg = json_array()};

	sig_rooms_foreach(ws->rooms, m->session_id, sig_ws_list_member, &present);
	json_object_set_new(msg, "participants", present.msg);
	json_object_set_new(msg, "speaker", sig_speaker_room_json(ws->rooms, m->session_id));
	if (m->permissions & SIG_PERM_MODERATE) {
		struct sig_ws_broadcast waiting = {.except = m, .msg = json_array()};
		sig_rooms_foreach(ws->rooms, m->session_id, sig_ws_list_waiting, &waiting);
		json_object_set_new(msg, "waiting", waiting.msg);
		json_object_set_new(msg, "roster", sig_ws_roster(ws, m->session_id));
	}
}

/* Tells each member taken from the room and disconnects it. */
void sig_ws_evict(struct sig_ws *ws, GPtrArray *taken, json_t *msg, const char *reason)
{
	for (guint i = 0; i < taken->len; i++) {
		struct sig_member *m = taken->pdata[i];
		if (m->conn) {
			sig_ws_send(m->conn, json_incref(msg));
			sig_ws_close(m->conn, SIG_WS_CLOSE_NORMAL);
		}
		sig_ws_departed(ws, m, reason);
	}
	json_decref(msg);
	g_ptr_array_free(taken, TRUE);
}
