#include "service/audit.h"

#include <errno.h>
#include <glib.h>
#include <stdlib.h>

#include "core/clock.h"

int64_t sig_now_ms(void)
{
	return clock_wall_ms();
}

int sig_audit_record(struct sig_store *store, const char *actor, enum sig_audit_kind kind,
		     int64_t session_id, int64_t roster_entry_id, int64_t invite_id, json_t *detail)
{
	if (!detail)
		detail = json_object();
	char *text = json_dumps(detail, JSON_COMPACT | JSON_SORT_KEYS);
	struct sig_audit_event event = {
	    .at_ms = clock_wall_ms(),
	    .kind = kind,
	    .session_id = session_id,
	    .roster_entry_id = roster_entry_id,
	    .invite_id = invite_id,
	    .actor = g_strdup(actor),
	    .detail = g_strdup(text ? text : "{}"),
	};
	int r = text ? sig_store_audit_append(store, &event) : -ENOMEM;

	free(text);
	json_decref(detail);
	sig_audit_event_clear(&event);
	return r;
}
