/* The active speaker of each session on the client protocol
 * (docs/protocol.md, "Active speaker"): the relay's audio level reports
 * fed to the session's decision (live/speaker.h, kept by live/room.c),
 * and the change announced to everyone admitted, as
 * {"type": "speaker", "participant_id": "p-…" | null}, at most twice a
 * second. Control thread only. Messages go out through tell (with its
 * userdata), as media.c's do. */
#ifndef HEARTH_LIVE_SPEAKER_ROOM_H
#define HEARTH_LIVE_SPEAKER_ROOM_H

#include <jansson.h>
#include <stdint.h>

#include "live/media.h"

struct sig_member;
struct sig_rooms;

/* The relay heard member at this activity (RELAY_EVT_AUDIO_LEVEL). Ignored
 * for someone waiting or whose audio a host muted. */
void sig_speaker_room_heard(struct sig_rooms *rooms, const struct sig_member *member,
			    unsigned activity, int64_t now_us, sig_media_tell_fn tell,
			    void *userdata);

/* member left, was muted or turned its microphone off: it is no longer the
 * speaker, nor a candidate until heard again. Call after detaching a member
 * that left. */
void sig_speaker_room_silenced(struct sig_rooms *rooms, const struct sig_member *member,
			       int64_t now_us, sig_media_tell_fn tell, void *userdata);

/* Decisions and announcements that wait on time (a takeover, an
 * announcement held back by the rate limit), for every session: call
 * regularly (the control loop's tick). */
void sig_speaker_room_tick(struct sig_rooms *rooms, int64_t now_us, sig_media_tell_fn tell,
			   void *userdata);

/* The session's speaker as the protocol names it: a participant id string,
 * or null (a new reference), for the join snapshot. */
json_t *sig_speaker_room_json(struct sig_rooms *rooms, int64_t session_id);

#endif
