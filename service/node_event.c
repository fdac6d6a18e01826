#include "service/node_event.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "core/parse.h"
#include "store/store.h"

G_STATIC_ASSERT(SIG_NODE_EVENT_PID_LEN + 1 <= sizeof(((struct sig_seat *)0)->participant_id));

#define SIG_NODE_EVENT_FIELDS 6 /* the most: mute's */

bool sig_node_event_pid_ok(const char *text, size_t len)
{
	if (len != SIG_NODE_EVENT_PID_LEN || text[0] != 'p' || text[1] != '-')
		return false;
	for (size_t i = 2; i < len; i++)
		if (!((text[i] >= '0' && text[i] <= '9') || (text[i] >= 'a' && text[i] <= 'f')))
			return false;
	return true;
}

static const char *sig_node_event_op_name(enum sig_participant_op op)
{
	switch (op) {
	case SIG_PARTICIPANT_TO_WAITING:
		return "waiting";
	case SIG_PARTICIPANT_ADMIT:
		return "admit";
	case SIG_PARTICIPANT_MUTE:
		return "mute";
	}
	return NULL;
}

int sig_node_event_encode(const struct sig_node_event *ev, char *buf, size_t len)
{
	const char *op;
	int n;

	if (ev->session_id < 1)
		return -EINVAL;
	switch (ev->kind) {
	case SIG_NODE_EVENT_ENDED:
	case SIG_NODE_EVENT_DELETED:
		n = snprintf(buf, len, "1 %s %lld",
			     ev->kind == SIG_NODE_EVENT_ENDED ? "ended" : "deleted",
			     (long long)ev->session_id);
		break;
	case SIG_NODE_EVENT_REMOVED:
		if (ev->entry_id < 1)
			return -EINVAL;
		n = snprintf(buf, len, "1 removed %lld %lld", (long long)ev->session_id,
			     (long long)ev->entry_id);
		break;
	case SIG_NODE_EVENT_PARTICIPANT:
		op = sig_node_event_op_name(ev->op);
		if (!op || !sig_node_event_pid_ok(ev->participant_id, strlen(ev->participant_id)))
			return -EINVAL;
		if (ev->op != SIG_PARTICIPANT_MUTE) {
			n = snprintf(buf, len, "1 %s %lld %s", op, (long long)ev->session_id,
				     ev->participant_id);
			break;
		}
		if (ev->mute < 1 || ev->mute > (SIG_OPS_MUTE_AUDIO | SIG_OPS_MUTE_VIDEO))
			return -EINVAL;
		n = snprintf(buf, len, "1 mute %lld %s %u %d", (long long)ev->session_id,
			     ev->participant_id, ev->mute, ev->lock ? 1 : 0);
		break;
	default:
		return -EINVAL;
	}
	if (n < 0)
		return -EINVAL;
	if ((size_t)n >= len)
		return -ENOSPC;
	return n;
}

struct sig_node_event_field {
	const char *at;
	size_t len;
};

/* Splits at single spaces: the number of fields, or -EINVAL for an empty
 * field (two spaces, one at either end) or too many. */
static int sig_node_event_split(const char *text, size_t len,
				struct sig_node_event_field fields[SIG_NODE_EVENT_FIELDS])
{
	int n = 0;
	size_t start = 0;

	for (size_t i = 0; i <= len; i++) {
		if (i < len && text[i] != ' ')
			continue;
		if (i == start || n == SIG_NODE_EVENT_FIELDS)
			return -EINVAL;
		fields[n++] = (struct sig_node_event_field){text + start, i - start};
		start = i + 1;
	}
	return n;
}

static bool sig_node_event_is(const struct sig_node_event_field *f, const char *word)
{
	return f->len == strlen(word) && memcmp(f->at, word, f->len) == 0;
}

/* A decimal id 1..INT64_MAX without a leading zero. */
static int sig_node_event_id(const struct sig_node_event_field *f, int64_t *ret_id)
{
	uint64_t v = 0;

	if (f->len == 0 || f->at[0] == '0' || f->len > 19 ||
	    parse_uint64_n(f->at, f->len, INT64_MAX, &v) < 0 || v == 0)
		return -EINVAL;
	*ret_id = (int64_t)v;
	return 0;
}

static int sig_node_event_participant(const struct sig_node_event_field *fields, int n,
				      struct sig_node_event *ev)
{
	const struct sig_node_event_field *pid = &fields[3];

	if (n < 4 || !sig_node_event_pid_ok(pid->at, pid->len))
		return -EINVAL;
	memcpy(ev->participant_id, pid->at, pid->len);
	ev->participant_id[pid->len] = '\0';
	ev->kind = SIG_NODE_EVENT_PARTICIPANT;
	if (sig_node_event_is(&fields[1], "waiting") || sig_node_event_is(&fields[1], "admit")) {
		ev->op = sig_node_event_is(&fields[1], "admit") ? SIG_PARTICIPANT_ADMIT
								: SIG_PARTICIPANT_TO_WAITING;
		return n == 4 ? 0 : -EINVAL;
	}
	/* mute: kinds 1..3, lock 0 or 1, each one digit */
	if (n != 6 || fields[4].len != 1 || fields[5].len != 1 || fields[4].at[0] < '1' ||
	    fields[4].at[0] > '3' || (fields[5].at[0] != '0' && fields[5].at[0] != '1'))
		return -EINVAL;
	ev->op = SIG_PARTICIPANT_MUTE;
	ev->mute = (unsigned)(fields[4].at[0] - '0');
	ev->lock = fields[5].at[0] == '1';
	return 0;
}

int sig_node_event_decode(const char *text, size_t len, struct sig_node_event *ret_event)
{
	struct sig_node_event_field fields[SIG_NODE_EVENT_FIELDS];
	struct sig_node_event ev = {0};
	int n, r;

	if (len > SIG_STORE_EVENT_BODY_MAX)
		return -EINVAL;
	n = sig_node_event_split(text, len, fields);
	if (n < 3 || !sig_node_event_is(&fields[0], "1") ||
	    sig_node_event_id(&fields[2], &ev.session_id) < 0)
		return -EINVAL;
	if (sig_node_event_is(&fields[1], "ended") || sig_node_event_is(&fields[1], "deleted")) {
		if (n != 3)
			return -EINVAL;
		ev.kind = sig_node_event_is(&fields[1], "ended") ? SIG_NODE_EVENT_ENDED
								 : SIG_NODE_EVENT_DELETED;
		r = 0;
	} else if (sig_node_event_is(&fields[1], "removed")) {
		ev.kind = SIG_NODE_EVENT_REMOVED;
		r = n == 4 ? sig_node_event_id(&fields[3], &ev.entry_id) : -EINVAL;
	} else if (sig_node_event_is(&fields[1], "waiting") ||
		   sig_node_event_is(&fields[1], "admit") ||
		   sig_node_event_is(&fields[1], "mute")) {
		r = sig_node_event_participant(fields, n, &ev);
	} else {
		r = -EINVAL;
	}
	if (r == 0)
		*ret_event = ev;
	return r;
}
