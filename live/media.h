/* Media negotiation on the control thread (docs/protocol.md, "Media"):
 * publish offers answered with a transport on the session's worker,
 * subscribe offers built from the others' streams, routes handed to the
 * worker when a subscriber answers, and the workers' transport events. */
#ifndef HEARTH_LIVE_MEDIA_H
#define HEARTH_LIVE_MEDIA_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

struct cfg;
struct crypto_dtls_identity;
struct relay;
struct relay_msg;
struct sig_member;
struct sig_rooms;
struct sig_media;

/* Where the workers' commands go: the relay (sig_media_relay_of) in
 * hearthd, a fake in tests. */
struct sig_media_relay {
	/* Queues msg for worker: 0, or -EAGAIN when its queue is full (the
	 * payload stays the caller's). */
	int (*send)(void *userdata, unsigned worker, const struct relay_msg *msg);
	unsigned (*worker_count)(void *userdata);
	int (*worker_port)(void *userdata, unsigned worker); /* its UDP port */
	void *userdata;
};

/* The relay's own queues (relay borrowed). */
void sig_media_relay_of(struct relay *relay, struct sig_media_relay *ret_relay);

/* Sends member a message (msg taken), if it still has a connection: how
 * media tells the client protocol's connections about offers and streams. */
typedef void (*sig_media_tell_fn)(void *userdata, struct sig_member *member, json_t *msg);

/* relay is copied (its userdata borrowed), rooms borrowed; identity is our
 * DTLS certificate (a reference is taken); tell (with tell_data, borrowed)
 * reaches the members. */
struct sig_media *sig_media_new(const struct sig_media_relay *relay, struct sig_rooms *rooms,
				const struct cfg *cfg, struct crypto_dtls_identity *identity,
				sig_media_tell_fn tell, void *tell_data);
struct sig_media *sig_media_free(struct sig_media *media);

/* Transports negotiated from now on use identity (a reference is taken)
 * and name its fingerprint; those already negotiated keep theirs, in
 * renegotiations too. */
void sig_media_set_identity(struct sig_media *media, struct crypto_dtls_identity *identity);

/* A member's publish offer. Returns the answer (caller g_free()s), or NULL
 * with ret_code ("forbidden", "sdp_refused", "internal") and ret_problem
 * (caller frees). */
char *sig_media_publish(struct sig_media *media, struct sig_member *member, const char *sdp,
			size_t len, const char **ret_code, char **ret_problem);

/* A member asks to receive the others' streams; offers follow as
 * "subscribe.offer" messages. Returns 0 or -EPERM (no subscribe
 * permission). */
int sig_media_subscribe(struct sig_media *media, struct sig_member *member);

/* The member's answer to subscribe offer `version`. Returns 0, or a
 * negative errno with ret_code and ret_problem as for publish. */
int sig_media_subscribe_answer(struct sig_media *media, struct sig_member *member, int64_t version,
			       const char *sdp, size_t len, const char **ret_code,
			       char **ret_problem);

/* The member restarts ICE on its subscribe connection (network change):
 * the next offer carries new server credentials. Returns 0, or -EINVAL
 * when it has not subscribed. */
int sig_media_subscribe_restart(struct sig_media *media, struct sig_member *member);

/* The member's "subscribe.hint" (msg, borrowed): which videos its client
 * shows, and how large. Stored per m-line and told to the worker: a hidden
 * video is not forwarded. At most SIG_MEDIA_HINTS_PER_S a second reach
 * the worker at once; the state of later ones follows within a second
 * (sig_media_hint_flush). Returns 0, or a negative errno with ret_code
 * ("bad_message": not subscribed, or a malformed message (live/hint.h);
 * "unknown_stream": a mid that is none of its m-lines) and ret_problem
 * (caller frees); a refused hint changes nothing. */
int sig_media_subscribe_hint(struct sig_media *media, struct sig_member *member, const json_t *msg,
			     const char **ret_code, char **ret_problem);

/* Tells the worker the member's hints held back by the rate limit, once a
 * second has passed since (the control tick calls it for everyone). */
void sig_media_hint_flush(struct sig_media *media, struct sig_member *member);

/* Stops (or resumes) forwarding the member's audio and video: mute holds
 * RELAY_MUTE_* bits. Applies to its current and future publish transports. */
void sig_media_set_muted(struct sig_media *media, struct sig_member *member, unsigned mute);

/* Stops what the member publishes (a host took back its right to): its
 * transport goes and the others' offers drop its streams. */
void sig_media_unpublish(struct sig_media *media, struct sig_member *member);

/* The member left: its transports go, the others stop receiving it. */
void sig_media_member_left(struct sig_media *media, struct sig_member *member);

/* A worker's event about a transport. */
void sig_media_on_event(struct sig_media *media, const struct relay_msg *msg);

#endif
