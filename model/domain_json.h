/* JSON forms of domain values that both protocols send (the admin API and
 * the client protocol): times and permission sets. No protocol here: each
 * protocol puts them into its own messages. */
#ifndef HEARTH_MODEL_DOMAIN_JSON_H
#define HEARTH_MODEL_DOMAIN_JSON_H

#include <jansson.h>
#include <stdint.h>

/* t (Unix seconds) as RFC 3339 UTC ("2024-05-01T17:00:00Z"), or null for
 * 0. A new reference. */
json_t *sig_json_time(int64_t t);

/* {"publish_audio": bool, ..., "moderate": bool}: every SIG_PERM_* bit by
 * its name. A new reference. */
json_t *sig_json_permissions(unsigned permissions);

#endif
