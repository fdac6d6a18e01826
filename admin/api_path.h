/* The admin API's paths (below /api/v1) against the routing table's
 * patterns: '#' stands for one numeric id segment, '$' for one participant
 * id. Pure (no libwebsockets, no state), so that it is fuzzed alone
 * (tests/fuzz/fuzz_api_path.c). */
#ifndef HEARTH_ADMIN_API_PATH_H
#define HEARTH_ADMIN_API_PATH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SIG_API_PATH_IDS 3 /* '#' segments a pattern may have */
/* A participant id: "p-" and 16 lowercase hex digits (live/room.c makes
 * them), and its NUL. */
#define SIG_API_PARTICIPANT_ID_LEN  18
#define SIG_API_PARTICIPANT_ID_SIZE 24

/* An id as paths and queries write it: 1 to 15 digits, no leading zero.
 * Returns 0 or -EINVAL. */
int sig_api_parse_id(const char *text, size_t len, int64_t *ret_id);

/* Whether path matches pattern (at most SIG_API_PATH_IDS '#' and one
 * '$'); when it does, ret_ids holds its '#'
 * segments in order and ret_participant its '$' segment ("" when none).
 * Either may be changed when it does not. */
bool sig_api_path_match(const char *pattern, const char *path, int64_t ret_ids[SIG_API_PATH_IDS],
			char ret_participant[SIG_API_PARTICIPANT_ID_SIZE]);

#endif
