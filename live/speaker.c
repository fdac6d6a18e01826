#include "live/speaker.h"

#include <string.h>

void sig_speaker_init(struct sig_speaker *sp)
{
	memset(sp, 0, sizeof(*sp));
}

static struct sig_speaker_candidate *sig_speaker_find(struct sig_speaker *sp, const char *id)
{
	for (unsigned i = 0; i < sp->count; i++)
		if (strcmp(sp->candidates[i].id, id) == 0)
			return &sp->candidates[i];
	return NULL;
}

/* A slot for a participant not remembered yet: a free one, else the one
 * heard least recently that is not the speaker. */
static struct sig_speaker_candidate *sig_speaker_slot(struct sig_speaker *sp)
{
	struct sig_speaker_candidate *oldest = NULL;

	if (sp->count < SIG_SPEAKER_CANDIDATES)
		return &sp->candidates[sp->count++];
	for (unsigned i = 0; i < sp->count; i++) {
		struct sig_speaker_candidate *c = &sp->candidates[i];
		if (strcmp(c->id, sp->current) != 0 && (!oldest || c->heard_us < oldest->heard_us))
			oldest = c;
	}
	return oldest;
}

void sig_speaker_heard(struct sig_speaker *sp, const char *id, unsigned activity, int64_t now_us)
{
	size_t len = strlen(id);

	if (len == 0 || len >= SIG_SPEAKER_ID_MAX)
		return;
	if (activity > 100000)
		activity = 100000;
	struct sig_speaker_candidate *c = sig_speaker_find(sp, id);
	if (!c) {
		c = sig_speaker_slot(sp);
		memset(c, 0, sizeof(*c));
		memcpy(c->id, id, len + 1);
	} else if (now_us - c->heard_us > SIG_SPEAKER_STALE_US) {
		c->score = 0; /* silent meanwhile */
	}
	/* An average over ~3 reports (~1 s): a click is not speech, and the
	 * pauses between words do not end it. */
	c->score += ((int32_t)activity - c->score) / 3;
	c->heard_us = now_us;
}

static int32_t sig_speaker_score(const struct sig_speaker_candidate *c, int64_t now_us)
{
	return now_us - c->heard_us > SIG_SPEAKER_STALE_US ? 0 : c->score;
}

static void sig_speaker_set(struct sig_speaker *sp, const char *id, int64_t now_us)
{
	memcpy(sp->current, id, sizeof(sp->current));
	sp->since_us = now_us;
	sp->challenger[0] = '\0';
}

bool sig_speaker_decide(struct sig_speaker *sp, int64_t now_us)
{
	const struct sig_speaker_candidate *best = NULL, *cur = NULL;

	for (unsigned i = 0; i < sp->count; i++) {
		const struct sig_speaker_candidate *c = &sp->candidates[i];
		if (strcmp(c->id, sp->current) == 0)
			cur = c;
		else if (!best || sig_speaker_score(c, now_us) > sig_speaker_score(best, now_us))
			best = c;
	}
	int32_t b = best ? sig_speaker_score(best, now_us) : 0;
	if (b < SIG_SPEAKER_ACTIVE) {
		sp->challenger[0] = '\0';
		return false; /* nobody else speaks: the speaker (or nobody) stays */
	}
	if (!sp->current[0]) {
		sig_speaker_set(sp, best->id, now_us);
		return true;
	}
	int32_t s = cur ? sig_speaker_score(cur, now_us) : 0;
	if (b <= s + s / 2 + SIG_SPEAKER_MARGIN) {
		sp->challenger[0] = '\0';
		return false;
	}
	if (strcmp(sp->challenger, best->id) != 0) {
		memcpy(sp->challenger, best->id, sizeof(sp->challenger));
		sp->challenge_us = now_us;
	}
	if (now_us - sp->challenge_us < SIG_SPEAKER_TAKEOVER_US ||
	    now_us - sp->since_us < SIG_SPEAKER_HOLD_US)
		return false;
	sig_speaker_set(sp, best->id, now_us);
	return true;
}

bool sig_speaker_forget(struct sig_speaker *sp, const char *id)
{
	struct sig_speaker_candidate *c = sig_speaker_find(sp, id);
	bool was = id[0] && strcmp(sp->current, id) == 0;

	if (c) {
		*c = sp->candidates[--sp->count];
		memset(&sp->candidates[sp->count], 0, sizeof(*c));
	}
	if (strcmp(sp->challenger, id) == 0)
		sp->challenger[0] = '\0';
	if (was)
		sp->current[0] = '\0';
	return was;
}

const char *sig_speaker_current(const struct sig_speaker *sp)
{
	return sp->current[0] ? sp->current : NULL;
}

bool sig_speaker_announce_due(struct sig_speaker *sp, int64_t now_us, const char **ret_id)
{
	if (strcmp(sp->announced, sp->current) == 0)
		return false;
	if (sp->announced_us && now_us - sp->announced_us < SIG_SPEAKER_ANNOUNCE_US)
		return false;
	memcpy(sp->announced, sp->current, sizeof(sp->announced));
	sp->announced_us = now_us;
	*ret_id = sig_speaker_current(sp);
	return true;
}
