/* What both protocols do to one participant present now: list who is
 * present, send someone admitted back to the waiting room, admit someone
 * waiting, mute, remove. A host's request (live/) and the admin API
 * (admin/) meet here; the client protocol, which alone knows who is
 * present, registers how it is done (struct sig_participant_listener, in
 * its struct sig_presence_listener). Each operation is done first, then
 * its audit row is written (in a transaction of its own: presence is not
 * stored, so there is nothing to roll back). Control thread only. */
#ifndef HEARTH_SERVICE_PARTICIPANT_OPS_H
#define HEARTH_SERVICE_PARTICIPANT_OPS_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "service/session_ops.h"

/* The kinds a mute covers (the relay's RELAY_MUTE_* values). */
#define SIG_OPS_MUTE_AUDIO (1u << 0)
#define SIG_OPS_MUTE_VIDEO (1u << 1)

enum sig_participant_op {
	SIG_PARTICIPANT_TO_WAITING, /* admitted → the waiting room */
	SIG_PARTICIPANT_ADMIT,	    /* the waiting room → admitted */
	SIG_PARTICIPANT_MUTE,
};

struct sig_participant_change {
	enum sig_participant_op op;
	unsigned mute;	   /* SIG_PARTICIPANT_MUTE: SIG_OPS_MUTE_* bits */
	bool lock;	   /* SIG_PARTICIPANT_MUTE: the participant may not lift it */
	const char *actor; /* who decided, for the log ("roster:<id>", "api-key:<name>") */
};

/* How the client protocol does it (all borrowed; participant ids are
 * "p-" + 16 hex digits, compared exactly). */
struct sig_participant_listener {
	/* The people in session_id now, waiting or admitted: a JSON array
	 * (new reference) as docs/admin-api.md, "Participants", shows it. */
	json_t *(*list)(void *userdata, int64_t session_id);
	/* The roster entry of participant_id in session_id: 0, or -ENOENT
	 * when nobody of that id is there. */
	int (*find)(void *userdata, int64_t session_id, const char *participant_id,
		    int64_t *ret_entry_id);
	/* Applies change to participant_id in session_id and tells whoever
	 * must hear of it. Returns 0 (ret_entry_id filled), -ENOENT (nobody of
	 * that id there), or -EALREADY (to the waiting room: waiting already;
	 * admit: not waiting). */
	int (*apply)(void *userdata, int64_t session_id, const char *participant_id,
		     const struct sig_participant_change *change, int64_t *ret_entry_id);
};

/* The people present in session_id (a JSON array, new reference; [] when
 * the client protocol is not listening). The caller checked the session
 * exists. */
json_t *sig_ops_participants(struct sig_ops *ops, int64_t session_id);

/* Sends participant_id of session_id back to the waiting room: its media
 * stops both ways, the others hear it left, the hosts see it waiting
 * again; audit row to_waiting by actor. Returns 0, -ENOENT or -EALREADY
 * (waiting already). */
int sig_ops_to_waiting(struct sig_ops *ops, int64_t session_id, const char *participant_id,
		       const char *actor);

/* Admits participant_id of session_id from the waiting room (audit row
 * admit). Returns 0, -ENOENT or -EALREADY (not waiting). */
int sig_ops_admit(struct sig_ops *ops, int64_t session_id, const char *participant_id,
		  const char *actor);

/* Mutes participant_id's kinds (SIG_OPS_MUTE_* bits, not 0), locked or
 * not (audit row mute). Returns 0 or -ENOENT. */
int sig_ops_mute(struct sig_ops *ops, int64_t session_id, const char *participant_id,
		 unsigned kinds, bool lock, const char *actor);

/* Removes participant_id of session_id: its roster entry as
 * sig_ops_remove_entry() does (marked removed, links revoked, audit row
 * remove), and it is disconnected within a second. Returns 0, -ENOENT or
 * a store error. */
int sig_ops_remove_participant(struct sig_ops *ops, int64_t session_id, const char *participant_id,
			       const char *actor, int64_t now);

#endif
