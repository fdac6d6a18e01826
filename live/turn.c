#include "live/turn.h"

#include <errno.h>
#include <glib.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "config/cfg.h"
#include "crypto/token.h"
#include "crypto/turn.h"

struct sig_turn *sig_turn_new(const struct cfg *cfg)
{
	char problem[CFG_TURN_PROBLEM_MAX];
	struct sig_turn *turn;
	int n;

	if (!*cfg->turn_servers || !cfg->turn_secret_resolved)
		return NULL;
	turn = g_new0(struct sig_turn, 1);
	/* cfg_resolve() checked the list: this cannot fail now. */
	n = cfg_turn_urls_parse(cfg->turn_servers, turn->urls, problem);
	g_assert(n > 0);
	turn->url_count = n;
	turn->secret = g_strdup(cfg->turn_secret_resolved);
	turn->ttl_s = cfg->turn_ttl;
	return turn;
}

struct sig_turn *sig_turn_free(struct sig_turn *turn)
{
	if (turn) {
		crypto_wipe(turn->secret, strlen(turn->secret));
		g_free(turn->secret);
		g_free(turn);
	}
	return NULL;
}

int sig_turn_credentials(const struct sig_turn *turn, const char *participant_id, int64_t now,
			 char ret_username[SIG_TURN_USERNAME_MAX + 1], char ret_password[32])
{
	char username[SIG_TURN_USERNAME_MAX + 1];
	char password[CRYPTO_TURN_PASSWORD_CHARS + 1];
	int n, r;

	G_STATIC_ASSERT(CRYPTO_TURN_PASSWORD_CHARS + 1 <= 32);
	n = snprintf(username, sizeof(username), "%" PRId64 ":%s", now + turn->ttl_s,
		     participant_id);
	if (n < 0 || (size_t)n >= sizeof(username))
		return -ENAMETOOLONG;
	r = crypto_turn_password(turn->secret, strlen(turn->secret), username, password);
	if (r < 0)
		return r;
	memcpy(ret_username, username, (size_t)n + 1);
	memcpy(ret_password, password, sizeof(password));
	crypto_wipe(password, sizeof(password));
	return 0;
}

json_t *sig_turn_ice_servers(const struct sig_turn *turn, const char *participant_id, int64_t now,
			     int64_t *ret_expires_at)
{
	char username[SIG_TURN_USERNAME_MAX + 1];
	char password[32];
	json_t *list = json_array();

	*ret_expires_at = 0;
	if (!turn || sig_turn_credentials(turn, participant_id, now, username, password) < 0)
		return list;
	json_t *urls = json_array();
	for (int i = 0; i < turn->url_count; i++)
		json_array_append_new(urls, json_string(turn->urls[i]));
	json_array_append_new(list, json_pack("{s:o,s:s,s:s}", "urls", urls, "username", username,
					      "credential", password));
	crypto_wipe(password, sizeof(password));
	*ret_expires_at = now + turn->ttl_s;
	return list;
}

bool sig_turn_due(const struct sig_turn *turn, int64_t expires_at, int64_t now)
{
	return turn && expires_at && now >= expires_at - turn->ttl_s / 5;
}
