#include "live/hint.h"

#include <errno.h>
#include <glib.h>
#include <string.h>

/* An optional size field: an integer 0..SIG_HINT_SIZE_MAX, 0 when absent. */
static int sig_hint_size(const json_t *entry, const char *key, unsigned i, uint16_t *ret,
			 char **ret_problem)
{
	const json_t *v = json_object_get(entry, key);

	if (!v) {
		*ret = 0;
		return 0;
	}
	if (!json_is_integer(v) || json_integer_value(v) < 0 ||
	    json_integer_value(v) > SIG_HINT_SIZE_MAX) {
		*ret_problem = g_strdup_printf("streams[%u].%s must be an integer 0..%d", i, key,
					       SIG_HINT_SIZE_MAX);
		return -EINVAL;
	}
	*ret = (uint16_t)json_integer_value(v);
	return 0;
}

static int sig_hint_entry(const json_t *entry, unsigned i, struct sig_hint_entry *ret,
			  char **ret_problem)
{
	const json_t *mid = json_object_get(entry, "mid");
	const json_t *visible = json_object_get(entry, "visible");

	if (!json_is_object(entry)) {
		*ret_problem = g_strdup_printf("streams[%u] must be an object", i);
		return -EINVAL;
	}
	if (!json_is_string(mid) || json_string_length(mid) == 0 ||
	    json_string_length(mid) > SIG_HINT_MID_MAX ||
	    strlen(json_string_value(mid)) != json_string_length(mid)) {
		*ret_problem = g_strdup_printf("streams[%u].mid must be a string of 1..%d bytes", i,
					       SIG_HINT_MID_MAX);
		return -EINVAL;
	}
	if (!json_is_boolean(visible)) {
		*ret_problem = g_strdup_printf("streams[%u].visible must be true or false", i);
		return -EINVAL;
	}
	if (sig_hint_size(entry, "width", i, &ret->width, ret_problem) < 0 ||
	    sig_hint_size(entry, "height", i, &ret->height, ret_problem) < 0)
		return -EINVAL;
	g_strlcpy(ret->mid, json_string_value(mid), sizeof(ret->mid));
	ret->visible = json_is_true(visible);
	return 0;
}

int sig_hint_parse(const json_t *msg, unsigned max_entries, struct sig_hint *ret,
		   char **ret_problem)
{
	const json_t *streams = json_object_get(msg, "streams");
	struct sig_hint h = {0};

	if (max_entries > SIG_HINT_MAX_STREAMS)
		max_entries = SIG_HINT_MAX_STREAMS;
	if (!json_is_array(streams)) {
		*ret_problem = g_strdup("\"streams\" must be an array");
		return -EINVAL;
	}
	if (json_array_size(streams) > max_entries) {
		*ret_problem =
		    g_strdup_printf("at most %u streams (one per m-line you receive)", max_entries);
		return -EINVAL;
	}
	for (size_t i = 0; i < json_array_size(streams); i++) {
		struct sig_hint_entry *e = &h.entries[h.count];
		if (sig_hint_entry(json_array_get(streams, i), (unsigned)i, e, ret_problem) < 0)
			return -EINVAL;
		for (unsigned k = 0; k < h.count; k++) {
			if (strcmp(h.entries[k].mid, e->mid) == 0) {
				*ret_problem = g_strdup_printf(
				    "streams[%zu].mid: \"%s\" comes twice", i, e->mid);
				return -EINVAL;
			}
		}
		h.count++;
	}
	*ret = h;
	return 0;
}
