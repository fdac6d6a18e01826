/* libFuzzer target: the admin API's path matching (admin/api_path.c)
 * must never crash or misbehave under the sanitizers on any path, and a
 * match must be exact: its ids within 1..999999999999999, its participant
 * id "p-" and 16 lowercase hex digits, and the pattern with them put back
 * the very path matched. The first byte picks one of the routing table's
 * patterns (or one like them: at most 3 '#' and one '$'); the rest is the
 * path. */
#include <inttypes.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin/api_path.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const patterns[] = {
    "/sessions",
    "/sessions/#",
    "/sessions/#/end",
    "/sessions/#/roster/#",
    "/sessions/#/roster/#/invite",
    "/sessions/#/participants",
    "/sessions/#/participants/$/remove",
    "/sessions/#/participants/$/to-waiting",
    "/#/#/#",
    "/#/#/#/#",
    "/x/$/#",
    "",
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int64_t ids[SIG_API_PATH_IDS];
	char pid[SIG_API_PARTICIPANT_ID_SIZE];
	char rebuilt[1100] = "";
	size_t at = 0;
	int n = 0;

	if (size < 1 || size > 1024)
		return 0;
	const char *pattern = patterns[data[0] % (sizeof(patterns) / sizeof(patterns[0]))];
	char *path = strndup((const char *)data + 1, size - 1);
	if (!path || !sig_api_path_match(pattern, path, ids, pid)) {
		free(path);
		return 0;
	}
	/* Put the segments back into the pattern: the same path. */
	for (const char *p = pattern; *p; p++) {
		int w;
		if (*p == '#') {
			if (ids[n] < 1 || ids[n] > 999999999999999)
				abort();
			w = snprintf(rebuilt + at, sizeof(rebuilt) - at, "%" PRId64, ids[n++]);
		} else if (*p == '$') {
			if (strlen(pid) != SIG_API_PARTICIPANT_ID_LEN ||
			    strncmp(pid, "p-", 2) != 0 ||
			    strspn(pid + 2, "0123456789abcdef") != SIG_API_PARTICIPANT_ID_LEN - 2)
				abort();
			w = snprintf(rebuilt + at, sizeof(rebuilt) - at, "%s", pid);
		} else {
			w = snprintf(rebuilt + at, sizeof(rebuilt) - at, "%c", *p);
		}
		if (w < 0 || (size_t)w >= sizeof(rebuilt) - at)
			abort();
		at += (size_t)w;
	}
	if (strcmp(rebuilt, path) != 0)
		abort();
	free(path);
	return 0;
}
