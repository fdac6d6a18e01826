/* The client protocol's requests that decide about others or speak to
 * them: the waiting room (admit, deny), moderation (mute, unmute, remove,
 * end), raised hands (hand, grant, revoke), camera/microphone presence and
 * chat. docs/protocol.md. */
#include <errno.h>
#include <string.h>
#include <time.h>

#include "core/log.h"
#include "relay/relay.h"
#include "model/domain_json.h"
#include "service/audit.h"
#include "service/ratelimit.h"
#include "service/participant_ops.h"
#include "service/session_ops.h"
#include "store/store.h"
#include "service/invite.h"
#include "live/media.h"
#include "live/speaker_room.h"
#include "live/ws_internal.h"
#include "core/clock.h"

/* Whether the sender may moderate; answers "forbidden" when not. */
static bool sig_ws_moderator(struct sig_ws_conn *conn, const json_t *id)
{
	if ((conn->member->permissions & SIG_PERM_MODERATE) && !conn->member->waiting)
		return true;
	sig_ws_error(conn, id, "forbidden", "only hosts and cohosts may do that", NULL);
	return false;
}

/* The member of this session a host's request names (only someone
 * waiting, for admit/deny), or NULL after answering the error. */
static struct sig_member *sig_ws_target(struct sig_ws_conn *conn, json_t *msg, const json_t *id,
					bool waiting)
{
	json_t *pid = json_object_get(msg, "participant_id");
	struct sig_member *found;

	if (!sig_ws_moderator(conn, id))
		return NULL;
	if (!json_is_string(pid)) {
		sig_ws_error(conn, id, "bad_message", "\"participant_id\" must be a string", NULL);
		return NULL;
	}
	found = sig_rooms_find(conn->ws->rooms, conn->member->session_id, json_string_value(pid));
	if (!found || (waiting && !found->waiting)) {
		sig_ws_error(conn, id, "not_found",
			     waiting ? "nobody of that id is waiting"
				     : "nobody of that id is in the session",
			     NULL);
		return NULL;
	}
	return found;
}

/* An audit row of a host's decision about m. */
static void sig_ws_audit_decision(struct sig_ws *ws, const struct sig_member *host,
				  const struct sig_member *m, enum sig_audit_kind kind)
{
	g_autofree char *actor = sig_ws_actor(host);

	sig_audit_participant(ws->store, actor, kind, m->session_id, m->roster_entry_id,
			      m->participant_id, NULL);
}

void sig_ws_on_admit(struct sig_ws_conn *conn, json_t *msg, const json_t *id)
{
	struct sig_member *m = sig_ws_target(conn, msg, id, true);
	struct sig_ws *ws = conn->ws;

	if (!m)
		return;
	g_autofree char *actor = sig_ws_actor(conn->member);
	sig_ws_reply(conn, id, "admit", NULL);
	/* Done and audited in service/, as the admin API's admit is. */
	sig_ops_admit(ws->ops, m->session_id, m->participant_id, actor);
}

void sig_ws_on_deny(struct sig_ws_conn *conn, json_t *msg, const json_t *id)
{
	struct sig_member *m = sig_ws_target(conn, msg, id, true);
	json_t *reason = json_object_get(msg, "reason");
	struct sig_ws *ws = conn->ws;

	if (!m)
		return;
	if (reason && (!json_is_string(reason) || json_string_length(reason) > 500)) {
		sig_ws_error(conn, id, "bad_message",
			     "\"reason\" must be a string of at most 500 "
			     "bytes",
			     NULL);
		return;
	}
	sig_ws_reply(conn, id, "deny", NULL);
	sig_ws_audit_decision(ws, conn->member, m, SIG_AUDIT_DENY);
	log_info("session %lld: participant %s denied by %s", (long long)m->session_id,
		 m->participant_id, conn->member->participant_id);
	/* The reason is for the person, never for logs or the audit row. */
	GPtrArray *taken = sig_rooms_take(ws->rooms, m->session_id, m->roster_entry_id);
	json_t *denied = json_pack("{s:s,s:s}", "type", "denied", "reason",
				   reason ? json_string_value(reason) : "");
	sig_ws_evict(ws, taken, denied, "denied");
}

/* "audio" or "video" → its RELAY_MUTE_* bit, or 0 after answering. */
static unsigned sig_ws_kind_bit(struct sig_ws_conn *conn, json_t *msg, const json_t *id)
{
	const char *kind = json_string_value(json_object_get(msg, "kind"));

	if (kind && strcmp(kind, "audio") == 0)
		return RELAY_MUTE_AUDIO;
	if (kind && strcmp(kind, "video") == 0)
		return RELAY_MUTE_VIDEO;
	sig_ws_error(conn, id, "bad_message", "\"kind\" must be \"audio\" or \"video\"", NULL);
	return 0;
}

void sig_ws_apply_mute(struct sig_ws *ws, struct sig_member *m, unsigned bit, bool on, bool lock,
		       const char *by)
{
	if (on)
		m->muted |= bit;
	else
		m->muted &= ~bit;
	if (on && lock)
		m->locked |= bit;
	else
		m->locked &= ~bit;
	sig_ws_seat_save(ws, m);
	if (ws->media)
		sig_media_set_muted(ws->media, m, m->muted);
	if (on && bit == RELAY_MUTE_AUDIO)
		sig_speaker_room_silenced(ws->rooms, m, clock_mono_us(), sig_ws_tell, NULL);
	json_t *ev =
	    json_pack("{s:s,s:s,s:s,s:b,s:s}", "type",
		      on ? "participant.muted" : "participant.unmuted", "participant_id",
		      m->participant_id, "kind", bit == RELAY_MUTE_AUDIO ? "audio" : "video",
		      "locked", (m->locked & bit) != 0, "by", by);
	sig_ws_broadcast(ws, m->session_id, NULL, ev);
}

/* A host mutes someone: the relay stops forwarding that kind at once;
 * with "lock", the person cannot lift it. */
void sig_ws_on_mute(struct sig_ws_conn *conn, json_t *msg, const json_t *id)
{
	struct sig_member *m = sig_ws_target(conn, msg, id, false);
	unsigned bit = m ? sig_ws_kind_bit(conn, msg, id) : 0;

	if (!bit)
		return;
	g_autofree char *actor = sig_ws_actor(conn->member);
	sig_ws_reply(conn, id, "mute", NULL);
	sig_ops_mute(conn->ws->ops, m->session_id, m->participant_id, bit,
		     json_is_true(json_object_get(msg, "lock")), actor);
}

/* Lifts a host's mute: a host for anyone; a participant for itself, unless
 * the host locked it. */
void sig_ws_on_unmute(struct sig_ws_conn *conn, json_t *msg, const json_t *id)
{
	struct sig_member *m = conn->member;
	unsigned bit;

	if (json_object_get(msg, "participant_id")) {
		m = sig_ws_target(conn, msg, id, false);
		if (!m)
			return;
	} else if (m->waiting) {
		sig_ws_error(conn, id, "waiting", "you are in the waiting room", NULL);
		return;
	}
	bit = sig_ws_kind_bit(conn, msg, id);
	if (!bit)
		return;
	if (m == conn->member && (m->locked & bit) &&
	    !(conn->member->permissions & SIG_PERM_MODERATE)) {
		sig_ws_error(conn, id, "locked", "the host has locked this", NULL);
		return;
	}
	sig_ws_reply(conn, id, "unmute", NULL);
	if (m->muted & bit)
		sig_ws_apply_mute(conn->ws, m, bit, false, false,
				  m == conn->member ? "self" : "host");
}

/* Microphone and camera as the participant switches them. */
void sig_ws_on_media_state(struct sig_ws_conn *conn, json_t *msg, const json_t *id)
{
	struct sig_member *m = conn->member;
	json_t *audio = json_object_get(msg, "audio"), *video = json_object_get(msg, "video");

	if ((audio && !json_is_boolean(audio)) || (video && !json_is_boolean(video))) {
		sig_ws_error(conn, id, "bad_message", "\"audio\" and \"video\" must be booleans",
			     NULL);
		return;
	}
	if (audio)
		m->audio_on = json_is_true(audio);
	if (video)
		m->video_on = json_is_true(video);
	sig_ws_reply(conn, id, "media.state", NULL);
	if (audio && !m->audio_on)
		sig_speaker_room_silenced(conn->ws->rooms, m, clock_mono_us(), sig_ws_tell, NULL);
	if (!m->waiting)
		sig_ws_broadcast(conn->ws, m->session_id, m,
				 json_pack("{s:s,s:s,s:b,s:b}", "type", "participant.media",
					   "participant_id", m->participant_id, "audio",
					   m->audio_on, "video", m->video_on));
}

/* A host removes someone: off the roster (marked removed), its links
 * revoked, disconnected within a second; a rejoin is refused. */
void sig_ws_on_remove(struct sig_ws_conn *conn, json_t *msg, const json_t *id)
{
	struct sig_member *m = sig_ws_target(conn, msg, id, false);
	int r;

	if (!m)
		return;
	if (m == conn->member) {
		sig_ws_error(conn, id, "bad_message", "leave instead of removing yourself", NULL);
		return;
	}
	g_autofree char *actor = sig_ws_actor(conn->member);
	/* Disconnecting m waits until this request is answered (sig_ws_dispatch
	 * runs what the operation asked for afterwards). */
	r = sig_ops_remove_entry(conn->ws->ops, m->session_id, m->roster_entry_id, actor,
				 clock_wall_s(), m->participant_id);
	if (r < 0) {
		sig_ws_error(conn, id, "internal", "the server could not remove them", NULL);
		return;
	}
	sig_ws_reply(conn, id, "remove", NULL);
	log_info("session %lld: participant %s removed by %s", (long long)m->session_id,
		 m->participant_id, conn->member->participant_id);
}

/* A host sends someone admitted back to the waiting room for a moment
 * (family therapy): its media stops both ways, the others hear it left,
 * and admitting it again lets it back in. */
void sig_ws_on_to_waiting(struct sig_ws_conn *conn, json_t *msg, const json_t *id)
{
	struct sig_member *m = sig_ws_target(conn, msg, id, false);

	if (!m)
		return;
	if (m == conn->member) {
		sig_ws_error(conn, id, "bad_message",
			     "you cannot send yourself to the waiting room", NULL);
		return;
	}
	if (m->waiting) {
		sig_ws_error(conn, id, "already_waiting", "they are in the waiting room already",
			     NULL);
		return;
	}
	g_autofree char *actor = sig_ws_actor(conn->member);
	sig_ws_reply(conn, id, "to_waiting", NULL);
	sig_ops_to_waiting(conn->ws->ops, m->session_id, m->participant_id, actor);
}

/* A host ends today's occurrence for everyone: nobody gets back in until
 * the next one opens; the series and its links stay (a one-off ends for
 * good). Ending a whole series is the admin API's. */
void sig_ws_on_end(struct sig_ws_conn *conn, json_t *msg, const json_t *id)
{
	int64_t sid = conn->member->session_id;
	int r;

	(void)msg;
	if (!sig_ws_moderator(conn, id))
		return;
	g_autofree char *actor = sig_ws_actor(conn->member);
	r = sig_ops_end_occurrence(conn->ws->ops, sid, actor, clock_wall_s(), NULL);
	if (r == -ESRCH) {
		sig_ws_error(conn, id, "not_open", "no occurrence of this session is open now",
			     NULL);
		return;
	}
	if (r < 0) {
		sig_ws_error(conn, id, "internal", "the server could not end the session", NULL);
		return;
	}
	sig_ws_reply(conn, id, "end", NULL);
	log_info("session %lld: occurrence ended by %s", (long long)sid,
		 conn->member->participant_id);
}

#define SIG_WS_CHAT_MAX 2000 /* bytes of one chat message */

/* Chat: relayed to the others present (or to one of them), never stored
 * and never logged. */
void sig_ws_on_chat(struct sig_ws_conn *conn, json_t *msg, const json_t *id)
{
	struct sig_member *m = conn->member;
	json_t *text = json_object_get(msg, "text"), *to = json_object_get(msg, "to");
	struct sig_member *found = NULL;

	if (!json_is_string(text) || json_string_length(text) == 0 ||
	    json_string_length(text) > SIG_WS_CHAT_MAX || (to && !json_is_string(to))) {
		sig_ws_error(conn, id, "bad_message",
			     "\"text\" must be 1..2000 bytes; \"to\", if given, a participant id",
			     NULL);
		return;
	}
	if (to) {
		found = sig_rooms_find(conn->ws->rooms, m->session_id, json_string_value(to));
		if (!found || found->waiting) {
			sig_ws_error(conn, id, "not_found", "nobody of that id is in the session",
				     NULL);
			return;
		}
	}
	json_t *out = json_pack("{s:s,s:s,s:O,s:b}", "type", "chat", "from", m->participant_id,
				"text", text, "private", to != NULL);
	sig_ws_reply(conn, id, "chat", NULL);
	if (found)
		sig_ws_send_member(found, out);
	else
		sig_ws_broadcast(conn->ws, m->session_id, m, out);
}

/* Raising a hand (a workshop viewer asking to speak): hosts are told. */
void sig_ws_on_hand(struct sig_ws_conn *conn, json_t *msg, const json_t *id)
{
	struct sig_member *m = conn->member;
	json_t *raised = json_object_get(msg, "raised");

	if (!json_is_boolean(raised)) {
		sig_ws_error(conn, id, "bad_message", "\"raised\" must be a boolean", NULL);
		return;
	}
	m->hand_raised = json_is_true(raised);
	sig_ws_reply(conn, id, "hand", NULL);
	sig_ws_tell_moderators(conn->ws, m->session_id,
			       json_pack("{s:s,s:s,s:b}", "type", "hand", "participant_id",
					 m->participant_id, "raised", m->hand_raised));
}

static json_t *sig_ws_permissions_event(const struct sig_member *m)
{
	return json_pack("{s:s,s:s,s:o}", "type", "permissions", "participant_id",
			 m->participant_id, "permissions", sig_json_permissions(m->permissions));
}

/* A host lets someone publish for this visit ("publish": ["audio",
 * "video"]), or takes it back (revoke): what they publish stops at once. */
void sig_ws_on_grant(struct sig_ws_conn *conn, json_t *msg, const json_t *id)
{
	struct sig_member *m = sig_ws_target(conn, msg, id, false);
	json_t *what = json_object_get(msg, "publish"), *v;
	unsigned add = 0;
	size_t i;

	if (!m)
		return;
	if (!json_is_array(what) || json_array_size(what) == 0 || json_array_size(what) > 2) {
		sig_ws_error(conn, id, "bad_message",
			     "\"publish\" must list \"audio\" and/or "
			     "\"video\"",
			     NULL);
		return;
	}
	json_array_foreach(what, i, v)
	{
		const char *k = json_string_value(v);
		if (k && strcmp(k, "audio") == 0)
			add |= SIG_PERM_PUBLISH_AUDIO;
		else if (k && strcmp(k, "video") == 0)
			add |= SIG_PERM_PUBLISH_VIDEO;
		else {
			sig_ws_error(conn, id, "bad_message",
				     "\"publish\" must list \"audio\" "
				     "and/or \"video\"",
				     NULL);
			return;
		}
	}
	m->granted |= add & ~m->permissions;
	m->permissions |= add;
	m->hand_raised = false;
	sig_ws_seat_save(conn->ws, m);
	sig_ws_reply(conn, id, "grant", NULL);
	sig_ws_broadcast(conn->ws, m->session_id, NULL, sig_ws_permissions_event(m));
}

void sig_ws_on_revoke(struct sig_ws_conn *conn, json_t *msg, const json_t *id)
{
	struct sig_member *m = sig_ws_target(conn, msg, id, false);

	if (!m)
		return;
	bool had = m->granted != 0;
	m->permissions &= ~m->granted;
	m->granted = 0;
	if (had)
		sig_ws_seat_save(conn->ws, m);
	sig_ws_reply(conn, id, "revoke", NULL);
	/* What was published under the grant stops; publishing again is
	 * checked against what is left. */
	if (conn->ws->media && had)
		sig_media_unpublish(conn->ws->media, m);
	if (had)
		sig_speaker_room_silenced(conn->ws->rooms, m, clock_mono_us(), sig_ws_tell, NULL);
	sig_ws_broadcast(conn->ws, m->session_id, NULL, sig_ws_permissions_event(m));
}
