/* libFuzzer target: [storage] database_url. The config's check
 * (config/database_url.c) and the store's (store/pg_conn.c) must agree on
 * every input, each refusal must come with a message, and the form of the
 * URL hearthd logs (sig_store_url_redacted()) must never keep a user,
 * password or parameters: no '@' in its authority, no '?'. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "config/database_url.h"
#include "store/store.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char problem[CFG_DATABASE_URL_PROBLEM_MAX];
	char *store_problem = NULL;
	char *text = malloc(size + 1);
	int cfg_r, store_r;

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	cfg_r = cfg_database_url_check(text, problem);
	if (cfg_r < 0 && !memchr(problem, '\0', sizeof(problem)))
		abort();
	if (*text) {
		store_r = sig_store_url_check(text, &store_problem);
		if ((store_r < 0) != (cfg_r < 0) || (store_r < 0 && !store_problem))
			abort();
		g_free(store_problem);
	}
	if (sig_store_is_url(text)) {
		char *shown = sig_store_url_redacted(text);
		const char *authority = strstr(shown, "://") + 3;

		if (strchr(shown, '?') || memchr(authority, '@', strcspn(authority, "/")))
			abort();
		g_free(shown);
	}
	free(text);
	return 0;
}
