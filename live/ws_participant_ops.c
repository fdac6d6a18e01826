/* What the shared operations on one participant (service/
 * participant_ops.h) do to the people present: the admin API's list of
 * who is here, admitting someone waiting, sending someone admitted back to
 * the waiting room, muting. A host's request (ws_moderation.c) and the
 * admin API both come through service/, which writes the audit rows. */
#include <errno.h>
#include <glib.h>
#include <jansson.h>
#include <string.h>

#include "core/clock.h"
#include "core/log.h"
#include "live/media.h"
#include "live/room.h"
#include "live/speaker_room.h"
#include "live/ws_internal.h"
#include "model/domain_json.h"
#include "relay/relay.h"
#include "service/participant_ops.h"

G_STATIC_ASSERT(SIG_OPS_MUTE_AUDIO == RELAY_MUTE_AUDIO);
G_STATIC_ASSERT(SIG_OPS_MUTE_VIDEO == RELAY_MUTE_VIDEO);

void sig_ws_admit_member(struct sig_ws *ws, struct sig_member *m, const char *actor)
{
	m->waiting = false;
	sig_ws_seat_save(ws, m); /* a restart keeps the decision (live/seats.c) */
	log_info("session %lld: participant %s admitted by %s", (long long)m->session_id,
		 m->participant_id, actor);
	json_t *admitted = json_pack("{s:s}", "type", "admitted");
	sig_ws_add_presence(ws, m, admitted);
	sig_ws_send_member(m, admitted);
	sig_ws_tell_moderators(
	    ws, m->session_id,
	    json_pack("{s:s,s:s}", "type", "waiting.removed", "participant_id", m->participant_id));
	sig_ws_broadcast(ws, m->session_id, m,
			 json_pack("{s:s,s:o}", "type", "participant.joined", "participant",
				   sig_member_json(m)));
}

/* Back to the waiting room: m hears nothing more of the session and its
 * media stops both ways at once (its transports go, and with them its
 * routes on the worker; the others' offers drop its streams); the others
 * hear it left, the hosts see it waiting again. Admitting it again is a
 * fresh start: its client publishes and subscribes anew. */
static void sig_ws_to_waiting_member(struct sig_ws *ws, struct sig_member *m, const char *actor)
{
	m->waiting = true; /* first: nothing below reaches m but "waiting" */
	m->hand_raised = false;
	sig_ws_seat_save(ws, m);
	if (ws->media) {
		sig_media_member_left(ws->media, m);
		if (m->muted) /* a host's mute outlives the waiting room */
			sig_media_set_muted(ws->media, m, m->muted);
	}
	sig_speaker_room_silenced(ws->rooms, m, clock_mono_us(), sig_ws_tell, NULL);
	log_info("session %lld: participant %s sent back to the waiting room by %s",
		 (long long)m->session_id, m->participant_id, actor);
	sig_ws_send_member(m, json_pack("{s:s,s:s}", "type", "waiting", "reason", "host"));
	sig_ws_broadcast(ws, m->session_id, NULL,
			 json_pack("{s:s,s:s}", "type", "participant.left", "participant_id",
				   m->participant_id));
	sig_ws_tell_moderators(
	    ws, m->session_id,
	    json_pack("{s:s,s:o}", "type", "waiting.added", "participant", sig_member_json(m)));
}

static json_t *sig_ws_kinds_json(unsigned bits)
{
	json_t *out = json_array();

	if (bits & RELAY_MUTE_AUDIO)
		json_array_append_new(out, json_string("audio"));
	if (bits & RELAY_MUTE_VIDEO)
		json_array_append_new(out, json_string("video"));
	return out;
}

static void sig_ws_list_one(struct sig_member *m, void *userdata)
{
	json_t *out = sig_member_json(m);

	json_object_set_new(out, "state", json_string(m->waiting ? "waiting" : "admitted"));
	json_object_set_new(out, "locked", sig_ws_kinds_json(m->locked));
	json_object_set_new(out, "hand_raised", json_boolean(m->hand_raised));
	json_object_set_new(out, "connected", json_boolean(m->conn != NULL));
	/* Not kept across a restart (live/seats.c): null for a seat restored. */
	json_object_set_new(out, "joined_at",
			    m->joined_at ? sig_json_time(m->joined_at) : json_null());
	json_array_append_new(userdata, out);
}

static json_t *sig_ws_list(void *userdata, int64_t session_id)
{
	struct sig_ws *ws = userdata;
	json_t *out = json_array();

	sig_rooms_foreach(ws->rooms, session_id, sig_ws_list_one, out);
	return out;
}

static int sig_ws_find_entry(void *userdata, int64_t session_id, const char *participant_id,
			     int64_t *ret_entry_id)
{
	struct sig_ws *ws = userdata;
	struct sig_member *m = sig_rooms_find(ws->rooms, session_id, participant_id);

	if (!m)
		return -ENOENT;
	*ret_entry_id = m->roster_entry_id;
	return 0;
}

static int sig_ws_apply(void *userdata, int64_t session_id, const char *participant_id,
			const struct sig_participant_change *change, int64_t *ret_entry_id)
{
	struct sig_ws *ws = userdata;
	struct sig_member *m = sig_rooms_find(ws->rooms, session_id, participant_id);

	if (!m)
		return -ENOENT;
	switch (change->op) {
	case SIG_PARTICIPANT_TO_WAITING:
		if (m->waiting)
			return -EALREADY;
		sig_ws_to_waiting_member(ws, m, change->actor);
		break;
	case SIG_PARTICIPANT_ADMIT:
		if (!m->waiting)
			return -EALREADY;
		sig_ws_admit_member(ws, m, change->actor);
		break;
	case SIG_PARTICIPANT_MUTE:
		for (unsigned bit = RELAY_MUTE_AUDIO; bit <= RELAY_MUTE_VIDEO; bit <<= 1)
			if (change->mute & bit)
				sig_ws_apply_mute(ws, m, bit, true, change->lock, "host");
		log_info("session %lld: participant %s muted by %s", (long long)m->session_id,
			 m->participant_id, change->actor);
		break;
	default:
		return -EINVAL;
	}
	*ret_entry_id = m->roster_entry_id;
	return 0;
}

const struct sig_participant_listener sig_ws_participants = {
    .list = sig_ws_list,
    .find = sig_ws_find_entry,
    .apply = sig_ws_apply,
};
