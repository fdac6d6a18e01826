#include "admin/api_path.h"

#include <errno.h>
#include <string.h>

#include "core/parse.h"

int sig_api_parse_id(const char *text, size_t len, int64_t *ret_id)
{
	uint64_t v;

	if (len == 0 || text[0] == '0' || parse_uint64_n(text, len, 999999999999999, &v) < 0)
		return -EINVAL;
	*ret_id = (int64_t)v;
	return 0;
}

/* A participant id segment of len bytes; anything else names nobody. */
static bool sig_api_participant_segment(const char *text, size_t len,
					char ret_id[SIG_API_PARTICIPANT_ID_SIZE])
{
	if (len != SIG_API_PARTICIPANT_ID_LEN || text[0] != 'p' || text[1] != '-')
		return false;
	for (size_t i = 2; i < len; i++)
		if (!((text[i] >= '0' && text[i] <= '9') || (text[i] >= 'a' && text[i] <= 'f')))
			return false;
	memcpy(ret_id, text, len);
	ret_id[len] = '\0';
	return true;
}

bool sig_api_path_match(const char *pattern, const char *path, int64_t ret_ids[SIG_API_PATH_IDS],
			char ret_participant[SIG_API_PARTICIPANT_ID_SIZE])
{
	int n = 0;

	ret_participant[0] = '\0';
	while (*pattern && *path) {
		size_t len = strcspn(path, "/");
		if (*pattern == '$') {
			if (!sig_api_participant_segment(path, len, ret_participant))
				return false;
		} else if (*pattern == '#') {
			if (n == SIG_API_PATH_IDS || sig_api_parse_id(path, len, &ret_ids[n]) < 0)
				return false;
			n++;
		} else if (*pattern++ != *path++) {
			return false;
		} else {
			continue;
		}
		path += len;
		pattern++;
	}
	return !*pattern && !*path;
}
