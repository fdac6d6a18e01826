/* A session's schedule as the JSON text both backends keep
 * (schedule_text.h). */
#include "store/schedule_text.h"

#include <errno.h>
#include <glib.h>
#include <jansson.h>
#include <stdlib.h>

#include "core/log.h"

int store_schedule_encode(const struct sig_schedule *schedule, char **ret_text)
{
	const char *field = NULL;
	char *problem = NULL;
	json_t *json;
	char *text;

	if (sig_schedule_validate(schedule, &field, &problem) < 0) {
		g_free(problem);
		return -EINVAL;
	}
	json = sig_schedule_to_json(schedule);
	if (!json)
		return -EINVAL;
	text = json_dumps(json, JSON_COMPACT);
	json_decref(json);
	if (!text)
		return -ENOMEM;
	*ret_text = text;
	return 0;
}

int store_schedule_decode(const char *text, size_t len, struct sig_schedule *ret_schedule)
{
	struct sig_schedule schedule = {0};
	const char *field = NULL;
	char *problem = NULL;
	json_t *json;
	int r;

	if (!text || len > STORE_SCHEDULE_TEXT_MAX)
		return -EIO;
	json = json_loadb(text, len, JSON_REJECT_DUPLICATES, NULL);
	if (!json)
		return -EIO;
	r = sig_schedule_from_json(json, &schedule, &field, &problem);
	json_decref(json);
	if (r < 0) {
		log_debug("store: a stored schedule does not parse (%s)", field ? field : "?");
		g_free(problem);
		return -EIO;
	}
	*ret_schedule = schedule;
	return 0;
}
