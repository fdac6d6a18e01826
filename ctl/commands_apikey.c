/* api-key generate: a new random API key and the [admin] api_keys entry
 * that stands for it. Local only: hearthd never sees the key, only its
 * SHA-256 in the configuration. The key is printed once and kept nowhere. */
#include <stdio.h>
#include <string.h>

#include "crypto/token.h"
#include "ctl/ctl.h"

#define CTL_KEY_NAME_MAX 64

/* Names appear in the config entry (name:hash[:read]) and in audit rows
 * (api-key:name): no separators, no spaces. */
static bool ctl_key_name_ok(const char *name)
{
	size_t n = strlen(name);

	if (n == 0 || n > CTL_KEY_NAME_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!g_ascii_isalnum(name[i]) && !strchr("._-", name[i]))
			return false;
	return true;
}

static void ctl_key_print_human(const char *name, const char *key, const char *entry,
				bool read_only)
{
	printf("New API key \"%s\" (%s). It is shown only this once; give it to the client "
	       "now:\n\n    %s\n\n",
	       name, read_only ? "read-only: GET requests only" : "read-write", key);
	printf("Add this entry to api_keys in the [admin] section of hearthd.conf "
	       "(entries are comma-separated),\nthen reload hearthd (SIGHUP):\n\n    %s\n",
	       entry);
}

static int ctl_key_print_json(const char *name, const char *key, const char *hex, const char *entry,
			      bool read_only)
{
	json_t *out = json_pack("{s:s, s:s, s:s, s:b, s:s}", "name", name, "key", key, "sha256",
				hex, "read_only", read_only, "entry", entry);
	char *text;

	if (!out)
		return CTL_EXIT_SERVER;
	text = json_dumps(out, JSON_INDENT(2));
	json_decref(out); /* jansson keeps no copy that outlives this */
	if (!text)
		return CTL_EXIT_SERVER;
	puts(text);
	crypto_wipe(text, strlen(text));
	free(text);
	return CTL_EXIT_OK;
}

int ctl_cmd_api_key_generate(struct ctl *ctl, const struct ctl_command *cmd, int argc, char **argv)
{
	gboolean read_only = FALSE;
	const GOptionEntry entries[] = {
	    {"read-only", 0, 0, G_OPTION_ARG_NONE, &read_only, "The key may only read (GET)", NULL},
	    {NULL},
	};
	char key[CRYPTO_TOKEN_CHARS + 1];
	uint8_t digest[CRYPTO_SHA256_BYTES];
	char hex[CRYPTO_SHA256_HEX + 1];
	g_autofree char *entry = NULL;
	int r;

	r = ctl_parse_options(ctl, cmd, entries, 1, &argc, &argv);
	if (r != CTL_EXIT_OK)
		return r;
	if (!ctl_key_name_ok(argv[0])) {
		ctl_error("api-key generate: NAME must be 1 to %d letters, digits, '.', '_' or '-'",
			  CTL_KEY_NAME_MAX);
		return CTL_EXIT_USAGE;
	}
	if (crypto_token_new(key) < 0) {
		ctl_error("api-key generate: the random generator failed");
		return CTL_EXIT_SERVER;
	}
	crypto_sha256(key, strlen(key), digest);
	crypto_hex(digest, sizeof(digest), hex);
	entry = g_strdup_printf("%s:%s%s", argv[0], hex, read_only ? ":read" : "");
	if (ctl->json)
		r = ctl_key_print_json(argv[0], key, hex, entry, read_only);
	else
		ctl_key_print_human(argv[0], key, entry, read_only);
	crypto_wipe(key, sizeof(key));
	return r;
}
