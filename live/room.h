/* Presence: who is connected to which session right now. Control thread
 * only. A member is one WebSocket connection of one roster entry that has
 * joined; it lives from join.ok until it leaves, is replaced, removed, or
 * its session ends. */
#ifndef HEARTH_LIVE_ROOM_H
#define HEARTH_LIVE_ROOM_H

#include <glib.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "model/domain.h"

struct sig_ws_conn;
struct sig_media_peer;
struct sig_rooms;

struct sig_member {
	char participant_id[20]; /* "p-" + 16 hex digits, random */
	int64_t session_id;
	int64_t roster_entry_id;
	char *display_name; /* owned */
	bool name_chosen;   /* display_name was chosen for this visit, not the roster's */
	bool restored;	    /* loaded from the store at start: its media must start anew */
	enum sig_role role;
	unsigned permissions; /* the roster entry's, plus what a host granted */
	unsigned granted;     /* publish permissions a host granted for this visit */
	bool hand_raised;
	bool waiting; /* in the waiting room: hears nothing, sends nothing, until admitted */
	bool audio_on, video_on;      /* as the participant reports its microphone and camera */
	unsigned muted;		      /* RELAY_MUTE_* a host imposed */
	unsigned locked;	      /* of those, the ones the participant may not lift */
	int64_t closes_at;	      /* end of the occurrence's window (with grace), Unix s */
	int64_t occurrence_start;     /* the occurrence joined (its scheduled start), Unix s */
	int64_t joined_at;	      /* Unix s this visit began (join.ok) */
	bool warned;		      /* told that the window closes soon */
	uint8_t resume_hash[32];      /* SHA-256 of the current resume token */
	int64_t disconnected_us;      /* monotonic time its socket dropped; 0 = connected */
	int64_t turn_expires_at;      /* Unix s its TURN credentials expire; 0 = none given */
	struct sig_ws_conn *conn;     /* borrowed; the connection outlives membership */
	struct sig_media_peer *media; /* owned by media.c: freed by sig_media_member_left() */
};

struct sig_rooms *sig_rooms_new(void);
struct sig_rooms *sig_rooms_free(struct sig_rooms *rooms);

/* Adds a member for entry in session. The caller has taken out any earlier
 * member of the same entry (sig_rooms_take). Returns 0, or -ENOSPC when the
 * session already has `capacity` members, or -EIO. */
int sig_rooms_join(struct sig_rooms *rooms, const struct sig_session *session,
		   const struct sig_roster_entry *entry, struct sig_ws_conn *conn,
		   struct sig_member **ret_member);

/* Puts back a member that held a seat before a restart (live/seats.c),
 * with its participant id, disconnected: as sig_rooms_join otherwise. */
int sig_rooms_restore(struct sig_rooms *rooms, const struct sig_session *session,
		      const struct sig_roster_entry *entry, const char *participant_id,
		      struct sig_member **ret_member);

/* Whether entry could join session now (a seat free, or its own seat to
 * take over). */
bool sig_rooms_has_seat(struct sig_rooms *rooms, const struct sig_session *session,
			int64_t entry_id);

/* Detaches a member from its room (it gets no more events); the caller
 * frees it. */
void sig_rooms_detach(struct sig_rooms *rooms, struct sig_member *member);
struct sig_member *sig_member_free(struct sig_member *member);

/* Calls fn for every member present in session (including any the caller
 * is about to notify about itself; skip it by comparing). fn must not join
 * or detach members. */
typedef void (*sig_member_fn)(struct sig_member *member, void *userdata);
void sig_rooms_foreach(struct sig_rooms *rooms, int64_t session_id, sig_member_fn fn,
		       void *userdata);

/* Calls fn for every member of session that may hear about the others:
 * those admitted, never anyone in the waiting room (docs/protocol.md:
 * someone waiting hears nothing of the session). Every event about others
 * is sent through this. fn must not join or detach members. */
void sig_rooms_foreach_audience(struct sig_rooms *rooms, int64_t session_id, sig_member_fn fn,
				void *userdata);

/* Detaches and returns every member of session (for session end), or only
 * the one of roster entry entry_id when it is not 0, as a GPtrArray the
 * caller frees (its members with sig_member_free). */
GPtrArray *sig_rooms_take(struct sig_rooms *rooms, int64_t session_id, int64_t entry_id);

/* The member of session whose participant id is participant_id (NULL
 * for none, or for a NULL id). */
struct sig_member *sig_rooms_find(struct sig_rooms *rooms, int64_t session_id,
				  const char *participant_id);

unsigned sig_rooms_count(struct sig_rooms *rooms, int64_t session_id);

/* The ids of the sessions with someone present (caller frees the array). */
GArray *sig_rooms_sessions(struct sig_rooms *rooms);

/* The session's active speaker state (live/speaker.h, live/speaker_room.h):
 * made when first asked for while someone is present, freed when the last
 * one goes. NULL when nobody is present. Borrowed. */
struct sig_speaker;
struct sig_speaker *sig_rooms_speaker(struct sig_rooms *rooms, int64_t session_id);

/* The participant id of the session's active speaker, or NULL (nobody has
 * spoken yet, or the speaker left or was muted): for anyone who gives the
 * speaker more (the client's layout, a layer allocator). Borrowed, valid
 * until the next level report or departure. */
const char *sig_rooms_active_speaker(struct sig_rooms *rooms, int64_t session_id);

/* {"participant_id","roster_entry_id","display_name","role","audio","video",
 *  "muted": [kinds]} */
json_t *sig_member_json(const struct sig_member *member);

#endif
