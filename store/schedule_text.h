/* Private to store/: a session's schedule as the JSON text both backends
 * keep in sessions.schedule. */
#ifndef HEARTH_STORE_SCHEDULE_TEXT_H
#define HEARTH_STORE_SCHEDULE_TEXT_H

#include <stddef.h>

#include "model/domain.h"

#define STORE_SCHEDULE_TEXT_MAX 2048 /* bytes; the schema's CHECK says the same */

/* -EINVAL for a schedule that does not validate. Caller frees with free(). */
int store_schedule_encode(const struct sig_schedule *schedule, char **ret_text);
/* -EIO for stored text that does not parse. */
int store_schedule_decode(const char *text, size_t len, struct sig_schedule *ret_schedule);

#endif
