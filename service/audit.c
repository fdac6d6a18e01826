#include "service/audit.h"

#include <errno.h>
#include <glib.h>
#include <stdlib.h>

#include "core/clock.h"
#include "core/log.h"
#include "service/webhook.h"

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
	struct sig_outbox_row outbox = {0};
	int r = text ? 0 : -ENOMEM;

	/* An event for the webhooks, when they are on and the kind is one:
	 * written with the row, in its transaction. */
	if (r == 0 && sig_store_outbox_on(store)) {
		r = sig_webhook_outbox_row(&event, detail, &outbox);
		if (r == -ENOENT)
			r = 0;
	}
	if (r == 0)
		r = sig_store_audit_append_with(store, &event, outbox.event ? &outbox : NULL);
	sig_outbox_row_clear(&outbox);
	free(text);
	json_decref(detail);
	sig_audit_event_clear(&event);
	return r;
}

json_t *sig_audit_participant_detail(const char *participant_id, json_t *extra)
{
	json_t *detail;

	if (!participant_id)
		return extra;
	detail = json_pack("{s:s}", "participant", participant_id);
	if (extra)
		json_object_update(detail, extra);
	json_decref(extra);
	return detail;
}

void sig_audit_participant(struct sig_store *store, const char *actor, enum sig_audit_kind kind,
			   int64_t session_id, int64_t roster_entry_id, const char *participant_id,
			   json_t *extra)
{
	if (sig_audit_record(store, actor, kind, session_id, roster_entry_id, 0,
			     sig_audit_participant_detail(participant_id, extra)) < 0)
		log_error("audit: session %lld: cannot write the audit row for %s",
			  (long long)session_id, participant_id ? participant_id : "-");
}
