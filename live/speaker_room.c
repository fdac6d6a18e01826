#include "live/speaker_room.h"

#include "core/log.h"
#include "live/room.h"
#include "live/speaker.h"
#include "relay/relay.h"

struct sig_speaker_room_tell {
	sig_media_tell_fn tell;
	void *userdata;
	json_t *msg;
};

static void sig_speaker_room_tell_one(struct sig_member *m, void *userdata)
{
	struct sig_speaker_room_tell *t = userdata;

	t->tell(t->userdata, m, json_incref(t->msg));
}

/* Decides, and tells everyone admitted in session when the speaker
 * changed and the rate limit allows. */
static void sig_speaker_room_update(struct sig_rooms *rooms, int64_t session_id,
				    struct sig_speaker *sp, int64_t now_us, sig_media_tell_fn tell,
				    void *userdata)
{
	const char *id;

	sig_speaker_decide(sp, now_us);
	if (!sig_speaker_announce_due(sp, now_us, &id))
		return;
	log_debug("session %lld: active speaker %s", (long long)session_id, id ? id : "none");
	struct sig_speaker_room_tell t = {
	    .tell = tell,
	    .userdata = userdata,
	    .msg = json_pack("{s:s,s:o}", "type", "speaker", "participant_id",
			     id ? json_string(id) : json_null()),
	};
	sig_rooms_foreach_audience(rooms, session_id, sig_speaker_room_tell_one, &t);
	json_decref(t.msg);
}

void sig_speaker_room_heard(struct sig_rooms *rooms, const struct sig_member *m, unsigned activity,
			    int64_t now_us, sig_media_tell_fn tell, void *userdata)
{
	if (m->waiting || (m->muted & RELAY_MUTE_AUDIO))
		return;
	struct sig_speaker *sp = sig_rooms_speaker(rooms, m->session_id);
	if (!sp)
		return;
	sig_speaker_heard(sp, m->participant_id, activity, now_us);
	sig_speaker_room_update(rooms, m->session_id, sp, now_us, tell, userdata);
}

void sig_speaker_room_silenced(struct sig_rooms *rooms, const struct sig_member *m, int64_t now_us,
			       sig_media_tell_fn tell, void *userdata)
{
	struct sig_speaker *sp = sig_rooms_speaker(rooms, m->session_id);

	if (!sp)
		return;
	sig_speaker_forget(sp, m->participant_id);
	sig_speaker_room_update(rooms, m->session_id, sp, now_us, tell, userdata);
}

void sig_speaker_room_tick(struct sig_rooms *rooms, int64_t now_us, sig_media_tell_fn tell,
			   void *userdata)
{
	GArray *ids = sig_rooms_sessions(rooms);

	for (guint i = 0; i < ids->len; i++) {
		int64_t sid = g_array_index(ids, int64_t, i);
		struct sig_speaker *sp = sig_rooms_speaker(rooms, sid);
		if (sp)
			sig_speaker_room_update(rooms, sid, sp, now_us, tell, userdata);
	}
	g_array_free(ids, TRUE);
}

json_t *sig_speaker_room_json(struct sig_rooms *rooms, int64_t session_id)
{
	const char *id = sig_rooms_active_speaker(rooms, session_id);

	return id ? json_string(id) : json_null();
}
