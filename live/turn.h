/* TURN for browsers whose network blocks UDP: the iceServers a joining
 * participant gets, with short-lived credentials for an external coturn
 * (use-auth-secret; docs/operations.md, "TURN"). The username is
 * "<expiry>:<participant id>": the protocol's random seat id, never a name.
 * Control thread only. */
#ifndef HEARTH_LIVE_TURN_H
#define HEARTH_LIVE_TURN_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "config/turn_urls.h"

struct cfg;

struct sig_turn {
	char urls[CFG_TURN_URLS_MAX][CFG_TURN_URL_MAX + 1];
	int url_count;
	char *secret; /* owned, wiped on free */
	int ttl_s;
};

/* The TURN servers of a resolved configuration; NULL when it has none. */
struct sig_turn *sig_turn_new(const struct cfg *cfg);
struct sig_turn *sig_turn_free(struct sig_turn *turn);

/* "<now + ttl>:<participant_id>" and its password. Returns 0 or a negative
 * errno (-ENAMETOOLONG when the username does not fit). */
#define SIG_TURN_USERNAME_MAX 64
int sig_turn_credentials(const struct sig_turn *turn, const char *participant_id, int64_t now,
			 char ret_username[SIG_TURN_USERNAME_MAX + 1], char ret_password[32]);

/* The RTCIceServer list for participant_id (new reference): [] without
 * TURN, else one entry {"urls": [...], "username", "credential"} valid
 * until *ret_expires_at (0 without TURN, or when the credential could not
 * be made, which leaves the list empty). */
json_t *sig_turn_ice_servers(const struct sig_turn *turn, const char *participant_id, int64_t now,
			     int64_t *ret_expires_at);

/* Whether a credential that expires at expires_at is due for renewal at
 * now: in the last fifth of its life. */
bool sig_turn_due(const struct sig_turn *turn, int64_t expires_at, int64_t now);

#endif
