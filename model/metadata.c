#include "model/metadata.h"

#include <errno.h>
#include <glib.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* No control character (C0, DEL, C1) in valid UTF-8 of n bytes. */
static bool sig_printable_utf8(const char *text, size_t n)
{
	if (!g_utf8_validate(text, (gssize)n, NULL))
		return false;
	for (const char *p = text; p < text + n; p = g_utf8_next_char(p))
		if (g_unichar_iscntrl(g_utf8_get_char(p)))
			return false;
	return true;
}

int sig_external_id_validate(const char *text, char **ret_problem)
{
	size_t n = text ? strlen(text) : 0;

	if (n == 0) {
		*ret_problem = g_strdup("must not be empty (send null to clear it)");
		return -EINVAL;
	}
	if (n > SIG_EXTERNAL_ID_MAX) {
		*ret_problem = g_strdup_printf("must be at most %d bytes", SIG_EXTERNAL_ID_MAX);
		return -EINVAL;
	}
	if (!sig_printable_utf8(text, n)) {
		*ret_problem = g_strdup("must be UTF-8 without control characters");
		return -EINVAL;
	}
	return 0;
}

static int sig_metadata_fail(char **ret_field, char **ret_problem, const char *key, char *problem)
{
	/* Name the key only when it is one a client could have meant. */
	if (key && strlen(key) <= SIG_METADATA_KEY_MAX && sig_printable_utf8(key, strlen(key)))
		*ret_field = g_strconcat("metadata.", key, NULL);
	else
		*ret_field = g_strdup("metadata");
	*ret_problem = problem;
	return -EINVAL;
}

int sig_metadata_from_json(const json_t *value, char **ret_text, char **ret_field,
			   char **ret_problem)
{
	const char *key;
	json_t *v;

	if (!json_is_object(value))
		return sig_metadata_fail(ret_field, ret_problem, NULL,
					 g_strdup("must be an object"));
	if (json_object_size(value) > SIG_METADATA_KEYS_MAX)
		return sig_metadata_fail(
		    ret_field, ret_problem, NULL,
		    g_strdup_printf("must have at most %d keys", SIG_METADATA_KEYS_MAX));
	json_object_foreach((json_t *)value, key, v)
	{
		size_t n = strlen(key);
		if (n == 0 || n > SIG_METADATA_KEY_MAX)
			return sig_metadata_fail(
			    ret_field, ret_problem, NULL,
			    g_strdup_printf("keys must be 1 to %d bytes", SIG_METADATA_KEY_MAX));
		if (!sig_printable_utf8(key, n))
			return sig_metadata_fail(
			    ret_field, ret_problem, NULL,
			    g_strdup("keys must be UTF-8 without control characters"));
		if (!json_is_string(v) && !json_is_number(v) && !json_is_boolean(v))
			return sig_metadata_fail(
			    ret_field, ret_problem, key,
			    g_strdup("must be a string, a number, true or false"));
	}
	if (json_object_size(value) == 0) {
		*ret_text = NULL;
		return 0;
	}
	char *text = json_dumps(value, JSON_COMPACT | JSON_SORT_KEYS);
	if (!text)
		return sig_metadata_fail(ret_field, ret_problem, NULL,
					 g_strdup("cannot be serialized"));
	if (strlen(text) > SIG_METADATA_MAX) {
		free(text);
		return sig_metadata_fail(
		    ret_field, ret_problem, NULL,
		    g_strdup_printf("must be at most %d bytes as compact JSON", SIG_METADATA_MAX));
	}
	*ret_text = g_strdup(text);
	free(text);
	return 0;
}

json_t *sig_metadata_to_json(const char *text)
{
	json_t *v = text ? json_loads(text, JSON_REJECT_DUPLICATES, NULL) : NULL;

	if (json_is_object(v))
		return v;
	json_decref(v);
	return json_object();
}

int sig_idempotency_key_validate(const char *key, size_t len, char **ret_problem)
{
	if (len == 0 || len > SIG_IDEMPOTENCY_KEY_MAX) {
		*ret_problem = g_strdup_printf("must be 1 to %d bytes", SIG_IDEMPOTENCY_KEY_MAX);
		return -EINVAL;
	}
	for (size_t i = 0; i < len; i++) {
		if (key[i] < 0x20 || key[i] > 0x7e) {
			*ret_problem = g_strdup("must be printable ASCII (space to tilde)");
			return -EINVAL;
		}
	}
	return 0;
}
