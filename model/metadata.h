/* What a scheduling system attaches to sessions and roster entries for its
 * own use, and the keys it makes its requests idempotent with:
 *
 * - an external id: its own id of the appointment or person, 1 to
 *   SIG_EXTERNAL_ID_MAX bytes of UTF-8 without control characters; not
 *   unique, only stored, returned and filtered on;
 * - metadata: a flat JSON object of at most SIG_METADATA_KEYS_MAX keys (1 to
 *   SIG_METADATA_KEY_MAX bytes each, no control characters) whose values are
 *   strings, numbers or booleans, at most SIG_METADATA_MAX bytes in its
 *   canonical form (compact, keys sorted), which is what is stored;
 * - an Idempotency-Key header: 1 to SIG_IDEMPOTENCY_KEY_MAX bytes of
 *   printable ASCII (space to tilde).
 *
 * These may hold personal data (a scheduling system may put anything
 * there): they are never logged. Pure functions; problems are returned as
 * text the API sends back (caller frees). */
#ifndef HEARTH_MODEL_METADATA_H
#define HEARTH_MODEL_METADATA_H

#include <jansson.h>
#include <stddef.h>

#define SIG_EXTERNAL_ID_MAX	128
#define SIG_METADATA_KEYS_MAX	16
#define SIG_METADATA_KEY_MAX	40
#define SIG_METADATA_MAX	2048
#define SIG_IDEMPOTENCY_KEY_MAX 255

/* Returns 0, or -EINVAL with ret_problem. */
int sig_external_id_validate(const char *text, char **ret_problem);

/* Checks a metadata object and writes its canonical text to ret_text
 * (caller frees; NULL for an empty object, which is stored as none).
 * Returns 0, or -EINVAL with ret_field ("metadata" or "metadata.<key>",
 * caller frees) and ret_problem; ret_text is untouched on failure. */
int sig_metadata_from_json(const json_t *value, char **ret_text, char **ret_field,
			   char **ret_problem);

/* The object of stored canonical text (new reference); {} for NULL or for
 * text that is not an object (which the store's checks never let in). */
json_t *sig_metadata_to_json(const char *text);

/* Checks an Idempotency-Key value of len bytes. Returns 0, or -EINVAL with
 * ret_problem. */
int sig_idempotency_key_validate(const char *key, size_t len, char **ret_problem);

#endif
