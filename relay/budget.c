#include "relay/budget.h"

#include "core/log.h"
#include "relay/allocate.h"
#include "relay/hint.h"
#include "relay/layers.h"
#include "relay/transport.h"

/* Where each track the allocator is given comes from. */
struct relay_budget_src {
	struct relay_transport *pub;
	struct relay_pub_stream *head;
	struct relay_out *out;
};

static struct relay_out *relay_budget_out_to(struct relay_pub_stream *ps,
					     const struct relay_transport *to)
{
	for (unsigned o = 0; o < ps->out_count; o++)
		if (ps->outs[o].to == to)
			return &ps->outs[o];
	return NULL;
}

/* The bitrate of an encoding being sent (at least 1: sent, however
 * little), 0 when it is not. */
static uint32_t relay_budget_bps(struct relay_transport *pub, const struct relay_pub_stream *ps,
				 int64_t now)
{
	if (!relay_layers_active(pub, ps, now))
		return 0;
	uint32_t bps = relay_layers_bitrate(ps);
	return bps ? bps : 1;
}

/* The smallest encoding at least as tall as the subscriber's tile (its
 * hint), as the encodings' keyframes say; RELAY_LAYER_NONE: any (no hint,
 * or no size known yet). */
static uint8_t relay_budget_cap(const struct relay_budget_src *src, int64_t now)
{
	uint16_t want = src->out->max_height;
	uint8_t top = RELAY_LAYER_NONE;

	if (want == RELAY_HEIGHT_ANY || want == RELAY_HEIGHT_HIDDEN)
		return RELAY_LAYER_NONE;
	for (uint8_t k = 0; k < src->head->desc.layers; k++) {
		const struct relay_pub_stream *st = relay_layers_stream(src->pub, src->head, k);
		if (!st || !st->height || !relay_budget_bps(src->pub, st, now))
			continue;
		if (st->height >= want)
			return k;
		top = k;
	}
	return top;
}

/* The allocator's view of one video track to `to`. */
static void relay_budget_track(struct relay_alloc_track *t, const struct relay_budget_src *src,
			       int64_t now)
{
	const struct relay_pub_stream *head = src->head;

	*t = (struct relay_alloc_track){
	    .layers = head->desc.layers > 1 ? head->desc.layers : 1,
	    .cap = RELAY_LAYER_NONE,
	    .layer = RELAY_LAYER_NONE,
	};
	for (uint8_t k = 0; k < t->layers; k++)
		t->bps[k] = relay_budget_bps(src->pub, relay_layers_stream(src->pub, head, k), now);
	t->hidden = src->out->max_height == RELAY_HEIGHT_HIDDEN;
	/* What people look at: the one speaking, and what is being shown. */
	t->priority = head->desc.screen || src->pub->speaking;
	if (head->desc.layers > 1) {
		t->current = src->out->budget_off ? RELAY_LAYER_NONE : src->out->sc.current;
		t->cap = relay_budget_cap(src, now);
	} else {
		t->current = relay_out_video_off(src->out) ? RELAY_LAYER_NONE : 0;
	}
}

/* A simulcast track's step from one encoding to another: a step down
 * soon after a step up, on a budget smaller than it was then, is a step
 * up that did not hold. */
static void relay_budget_step(struct relay_out *out, bool up, uint32_t budget, int64_t now)
{
	if (up) {
		out->raised_us = now;
		out->raised_budget_bps = budget;
		return;
	}
	bool failed = out->raised_us && now - out->raised_us < RELAY_BUDGET_STAYED_US &&
		      budget < out->raised_budget_bps;
	if (!failed)
		out->up_backoff = 0;
	else if (out->up_backoff < RELAY_BUDGET_UP_BACKOFF_MAX)
		out->up_backoff++;
	out->raised_us = 0;
}

/* The encoding out may get now (RELAY_LAYER_NONE: nothing): its cap, or
 * the best when it has none yet ("any": no allocation capped it, and the
 * first may want it off: a REMB subscriber's first estimate, 105 kbit/s
 * on a 600 kbit/s link, left it the best encoding, 2 Mbit/s, for 10 s). */
static uint8_t relay_budget_have(const struct relay_out *out, const struct relay_alloc_track *t,
				 bool layered)
{
	if (out->budget_off)
		return RELAY_LAYER_NONE;
	if (!layered)
		return 0;
	return out->max_layer < t->layers ? out->max_layer : (uint8_t)(t->layers - 1);
}

/* One allocation's facts, as relay_budget_apply() takes them. */
struct relay_budget_pass {
	struct relay_worker *w;
	struct relay_transport *to;
	uint32_t budget;
	bool proven;   /* a trial just proved the room (congestion.c) */
	bool hold_off; /* a shown video keeps its lowest encoding instead of going off */
	bool held;     /* ...and one did */
	bool remb;     /* a REMB subscriber (congestion.c) */
	bool resume;   /* ...at audio only: one video on at its lowest */
	uint64_t room; /* what the path carried lately beyond what is sent now */
	int64_t now;
};

/* A REMB subscriber's receiver saw no congestion lately: its REMB has
 * not fallen for RELAY_BUDGET_REMB_CALM_US. Its REMB grows only to ~1.5 x
 * what arrives (libwebrtc's AIMD; padding does not count: at audio only
 * with padding up to it, Chromium's REMB stayed at 1.5 x the sound +
 * 10 kbit/s, 103 kbit/s, for 30 s), so a video the budget has no room
 * for stays on at its lowest while it is calm, and at audio only one
 * comes on at its lowest (after the off backoff): the REMB then grows
 * with what arrives, or falls (the link does not carry it) and the video
 * goes off. */
static bool relay_budget_remb_calm(const struct relay_transport *to, int64_t now)
{
	return to->bwe.remb_last_bps &&
	       (!to->bwe.remb_fell_us || now - to->bwe.remb_fell_us >= RELAY_BUDGET_REMB_CALM_US);
}

/* Whether a shown video the allocator would switch off for want of room
 * keeps its lowest encoding instead. After an overuse the estimate is
 * cut below what arrived (0.85 x, bwe.c): by design below what is sent,
 * for the queue to drain, and on a link at the boundary (down600: the
 * budget ~10 % above both lowest encodings) that cut alone would switch
 * a video off for the budget's 2-4 s window and then wait for its
 * keyframe: a freeze of 3-5 s for a link that carried it all. So it
 * stays on while the path carried what it is sent (the media
 * acknowledged over the last second, RELAY_BUDGET_OFF_CARRIED_PERCENT),
 * little was lost, the estimate is not far below it (a link that
 * collapsed), and for RELAY_BUDGET_OFF_HOLD_US at most. */
static bool relay_budget_hold_off(const struct relay_transport *to, uint64_t sent, int64_t now)
{
	if (to->bwe.abs_ext_id)
		return relay_budget_remb_calm(to, now);
	uint64_t acked = to->acked_second_bps;
	bool carried = acked * 100 >= sent * RELAY_BUDGET_OFF_CARRIED_PERCENT;
	bool lossless = to->bwe.est.fraction_lost <= RELAY_BUDGET_OFF_MAX_LOSS;
	bool near = (uint64_t)to->bwe_bps * 100 >= sent * RELAY_BUDGET_OFF_DEEP_PERCENT;
	bool fresh = !to->off_held_us || now - to->off_held_us < RELAY_BUDGET_OFF_HOLD_US;

	return acked && carried && lossless && near && fresh;
}

/* What the allocator chose, applied: down (or off) at once (off held
 * back as relay_budget_hold_off() says), up once it has been wanted for
 * RELAY_BUDGET_UP_US (<< up_backoff for a better encoding) and, for a
 * better encoding, once the path has shown it carries what the step adds
 * (over the budget's share): `room`, which a step taken uses up.
 * Returns 0, or what a step that waits for that proof would add. */
static uint64_t relay_budget_apply(struct relay_budget_pass *p, const struct relay_budget_src *src,
				   const struct relay_alloc_track *t)
{
	struct relay_out *out = src->out;
	bool layered = src->head->desc.layers > 1;
	int64_t now = p->now;

	if (t->hidden) /* its subscriber's choice, not the downlink's */
		return 0;
	uint8_t have = relay_budget_have(out, t, layered);
	uint8_t want = t->layer;
	if (want == RELAY_LAYER_NONE && have != RELAY_LAYER_NONE && p->hold_off) {
		want = relay_alloc_lowest(t);
		p->held = true;
	} else if (want == RELAY_LAYER_NONE && have == RELAY_LAYER_NONE && p->resume) {
		want = relay_alloc_lowest(t);
		p->resume = false;
	}
	/* RELAY_LAYER_NONE is "nothing" here, below every layer. */
	int rank_have = have == RELAY_LAYER_NONE ? -1 : have;
	int rank_want = want == RELAY_LAYER_NONE ? -1 : want;

	if (rank_want > rank_have) {
		/* Video on again after it went off for want of room: at once
		 * (the estimate has held for the window already), later when
		 * the last try failed (an estimate that rises while only sound
		 * flows says little), unless a trial just proved the room
		 * (congestion.c). */
		int64_t wait = have != RELAY_LAYER_NONE ? RELAY_BUDGET_UP_US << out->up_backoff
			       : p->proven		? 0
			       : p->remb ? RELAY_BUDGET_REMB_RESUME_US << out->off_backoff
					 : RELAY_BUDGET_UP_US * out->off_backoff;
		if (!out->up_since_us) {
			out->up_since_us = now;
			return 0;
		}
		if (now - out->up_since_us < wait)
			return 0;
		/* A better encoding on an estimate only probes raised: a
		 * shaper's bucket lets a 30 ms probe through at any rate
		 * (down600: ~1.2 Mbit/s read on 600), and a step up over the
		 * link costs a keyframe burst that the sound waits behind. */
		if (have != RELAY_LAYER_NONE) {
			uint32_t from = t->bps[have] < t->bps[want] ? t->bps[have] : t->bps[want];
			uint64_t cost = (uint64_t)(t->bps[want] - from) * 100 / RELAY_BUDGET_SHARE;
			if (cost > p->room)
				return cost ? cost : 1;
			p->room -= cost;
		}
	}
	out->up_since_us = 0;
	if (rank_want == rank_have)
		return 0;
	bool was_off = out->budget_off;
	out->budget_off = want == RELAY_LAYER_NONE;
	if (out->budget_off && !was_off) {
		/* Off again soon after it came on: wait longer next time. */
		if (now - out->on_since_us < RELAY_BUDGET_STAYED_US)
			out->off_backoff = out->off_backoff < RELAY_BUDGET_BACKOFF_MAX
					       ? out->off_backoff + 1
					       : out->off_backoff;
		else
			out->off_backoff = 0;
	} else if (!out->budget_off && was_off) {
		out->on_since_us = now;
	}
	if (layered && !out->budget_off && !was_off && have != RELAY_LAYER_NONE)
		relay_budget_step(out, rank_want > rank_have, p->budget, now);
	if (layered && !out->budget_off)
		out->max_layer = want;
	/* One encoding on again: at its next keyframe (a simulcast track's
	 * outs are switched on by layers.c). */
	if (!layered && was_off && !relay_out_video_off(out))
		relay_hint_resume(p->w, p->to, src->pub, src->head, out, now);
	return 0;
}

/* The most media the path carried lately: the media acknowledged as
 * received over each second (probes and trials not counted: a 30 ms
 * cluster passes a shaper's bucket whole), or a trial's whole rate once
 * it passed, the highest of this and the last window; an overuse forgets
 * it (the path queued at what it carried). */
static uint32_t relay_budget_carried(struct relay_transport *to, int64_t now)
{
	const struct relay_bwe *est = &to->bwe.est;

	/* A REMB subscriber (congestion.c) sends the relay no feedback to
	 * judge a step trial by: its browser's estimate, windowed as the
	 * budget's, is what the path carries, and steps up follow it (no
	 * step trial: bwe_step_bps stays 0). */
	if (to->bwe.abs_ext_id)
		return to->est_low_now < to->est_low_last ? to->est_low_now : to->est_low_last;
	if (est->overuses != to->carried_overuses || !to->carried_mark_us) {
		to->carried_overuses = est->overuses;
		to->carried_now = to->carried_last = 0;
		to->carried_window_us = to->carried_mark_us = now;
		to->carried_mark_bytes = est->media_acked_bytes;
	}
	if (to->bwe.trial_passed_us > to->carried_trial_us) {
		to->carried_trial_us = to->bwe.trial_passed_us;
		if (to->bwe.trial_total_bps > to->carried_now)
			to->carried_now = to->bwe.trial_total_bps;
	}
	if (now - to->carried_mark_us >= 1000000) {
		uint64_t bps = (est->media_acked_bytes - to->carried_mark_bytes) * 8000000 /
			       (uint64_t)(now - to->carried_mark_us);
		to->carried_mark_us = now;
		to->carried_mark_bytes = est->media_acked_bytes;
		to->acked_second_bps = bps > UINT32_MAX ? UINT32_MAX : (uint32_t)bps;
		if (bps > to->carried_now)
			to->carried_now = bps > UINT32_MAX ? UINT32_MAX : (uint32_t)bps;
	}
	if (now - to->carried_window_us >= RELAY_BUDGET_CARRIED_US) {
		to->carried_last = to->carried_now;
		to->carried_now = 0;
		to->carried_window_us = now;
	}
	return to->carried_now > to->carried_last ? to->carried_now : to->carried_last;
}

/* Once a second, for whoever debugs an allocation (no personal data):
 * per track, each encoding's kbit/s, then what the allocator chose and
 * what the subscriber has (max_layer/current, or on/off). */
static void relay_budget_log(const struct relay_worker *w, const struct relay_transport *to,
			     uint32_t budget, uint32_t audio, const struct relay_alloc_track *t,
			     const struct relay_budget_src *src, unsigned n)
{
	/* Debug only, once a second: the text may grow as it needs. */
	g_autoptr(GString) text = g_string_new(NULL);

	for (unsigned i = 0; i < n; i++) {
		g_string_append(text, " [");
		for (unsigned k = 0; k < t[i].layers; k++)
			g_string_append_printf(text, "%s%u", k ? "/" : "", t[i].bps[k] / 1000);
		g_string_append_printf(
		    text, " -> %d, has %d/%d%s%s]",
		    t[i].layer == RELAY_LAYER_NONE ? -1 : t[i].layer,
		    src[i].out->max_layer == RELAY_LAYER_NONE ? -1 : src[i].out->max_layer,
		    src[i].out->sc.current == RELAY_LAYER_NONE ? -1 : src[i].out->sc.current,
		    src[i].out->budget_off ? " off" : "", t[i].hidden ? " hidden" : "");
	}
	log_debug(
	    "worker %u: transport %llu: budget %u kbit/s (estimate %u, lately %u, carried %u, "
	    "acked %u, audio %u%s):%s",
	    w->index, (unsigned long long)to->p.id, budget / 1000, to->bwe_bps / 1000,
	    (to->est_low_now < to->est_low_last ? to->est_low_now : to->est_low_last) / 1000,
	    (to->carried_now > to->carried_last ? to->carried_now : to->carried_last) / 1000,
	    to->acked_second_bps / 1000, audio / 1000, to->off_held_us ? ", off held" : "",
	    text->str);
}

void relay_budget_speaker(struct relay_worker *w, uint64_t session, uint64_t speaker)
{
	GHashTableIter it;
	gpointer key, value;

	g_hash_table_iter_init(&it, w->by_id);
	while (g_hash_table_iter_next(&it, &key, &value)) {
		struct relay_transport *t = value;
		if (t->p.publishing && t->p.session_id == session)
			t->speaking = speaker && t->p.id == speaker;
	}
}

void relay_budget_tick(struct relay_worker *w, struct relay_transport *to, int64_t now)
{
	struct relay_alloc_track tracks[RELAY_MAX_ROUTES];
	struct relay_budget_src src[RELAY_MAX_ROUTES];
	unsigned n = 0;
	uint64_t audio = 0, best = 0, lowest = 0;
	GHashTableIter it;
	gpointer key, value;

	if (!w->fit_downlinks || to->p.publishing || to->state != RELAY_TRANSPORT_UP ||
	    !to->bwe_bps || now - to->budget_us < RELAY_BUDGET_EVERY_US)
		return;
	to->budget_us = now;
	g_hash_table_iter_init(&it, w->by_id);
	while (g_hash_table_iter_next(&it, &key, &value)) {
		struct relay_transport *pub = value;
		if (!pub->p.publishing || pub->p.session_id != to->p.session_id)
			continue;
		for (unsigned s = 0; s < pub->p.stream_count; s++) {
			struct relay_pub_stream *ps = &pub->pub[s];
			struct relay_out *out =
			    ps->desc.layer == 0 ? relay_budget_out_to(ps, to) : NULL;
			if (!out)
				continue;
			if (ps->desc.kind == RELAY_STREAM_AUDIO) {
				audio += relay_layers_bitrate(ps);
				continue;
			}
			if (n == RELAY_MAX_ROUTES)
				continue;
			src[n] = (struct relay_budget_src){.pub = pub, .head = ps, .out = out};
			relay_budget_track(&tracks[n], &src[n], now);
			/* The best its tile takes (hidden: nothing), and its
			 * lowest encoding being sent. */
			for (unsigned k = tracks[n].layers; k-- > 0 && !tracks[n].hidden;)
				if (tracks[n].bps[k] && k <= tracks[n].cap) {
					best += tracks[n].bps[k];
					break;
				}
			for (unsigned k = 0; k < tracks[n].layers && !tracks[n].hidden; k++)
				if (tracks[n].bps[k]) {
					lowest += tracks[n].bps[k];
					break;
				}
			n++;
		}
	}
	/* The lowest estimate of the last 2-4 s: a drop counts at once, a
	 * rise (a probe through a bursty shaper, the estimate's own
	 * overshoot) only once it has held, or once a trial proved it. */
	bool proven = to->bwe.trial_passed_us && now - to->bwe.trial_passed_us < RELAY_BUDGET_UP_US;
	if (to->bwe.trial_passed_us > to->est_window_us) {
		to->est_low_now = to->est_low_last = to->bwe_bps;
		to->est_window_us = now;
	} else if (now - to->est_window_us >= RELAY_BUDGET_WINDOW_US) {
		to->est_low_last = to->est_low_now ? to->est_low_now : to->bwe_bps;
		to->est_low_now = to->bwe_bps;
		to->est_window_us = now;
	} else if ((!to->est_low_now || to->bwe_bps < to->est_low_now) &&
		   !(to->bwe.trial && to->bwe.trial_step)) {
		/* (Not during a step trial: a cut its own queue made before
		 * it failed is undone when it fails, congestion.c.) */
		to->est_low_now = to->bwe_bps;
	}
	uint32_t low = to->est_low_now < to->est_low_last ? to->est_low_now : to->est_low_last;
	uint64_t share = (uint64_t)low * RELAY_BUDGET_SHARE / 100;
	uint32_t budget = share > audio ? (uint32_t)(share - audio) : 0;
	relay_alloc(budget, tracks, n);
	/* What the subscriber receives now, over the budget's share, and
	 * the room the path has shown beyond it for steps up. */
	uint64_t sent = audio;
	for (unsigned i = 0; i < n; i++) {
		const struct relay_out *out = src[i].out;
		uint8_t have = relay_budget_have(out, &tracks[i], src[i].head->desc.layers > 1);
		if (!tracks[i].hidden && have != RELAY_LAYER_NONE)
			sent += tracks[i].bps[have];
	}
	uint64_t sent_needed = sent * 100 / RELAY_BUDGET_SHARE;
	uint64_t carried = relay_budget_carried(to, now);
	struct relay_budget_pass p = {
	    .w = w,
	    .to = to,
	    .budget = budget,
	    .proven = proven,
	    .hold_off = relay_budget_hold_off(to, sent, now),
	    /* (bwe_resume_bps: every shown video was off at the last) */
	    .remb = to->bwe.abs_ext_id != 0,
	    .resume = to->bwe.abs_ext_id && to->bwe_resume_bps && relay_budget_remb_calm(to, now),
	    .room = carried > sent_needed ? carried - sent_needed : 0,
	    .now = now,
	};
	uint64_t room_before = p.room;
	/* Priority tracks first to the room, and a trial for the smallest
	 * step that waits (one step at a time: all of them at once could
	 * be twice what a link at the boundary takes). */
	uint64_t waiting = 0;
	for (int pass = 0; pass < 2; pass++)
		for (unsigned i = 0; i < n; i++) {
			if (tracks[i].priority != (pass == 0))
				continue;
			uint64_t cost = relay_budget_apply(&p, &src[i], &tracks[i]);
			if (cost && (!waiting || cost < waiting))
				waiting = cost;
		}
	if (!p.held)
		to->off_held_us = 0;
	else if (!to->off_held_us)
		to->off_held_us = now;
	unsigned paused = 0, shown = 0;
	for (unsigned i = 0; i < n; i++) {
		paused += src[i].out->budget_off && !tracks[i].hidden;
		shown += !tracks[i].hidden;
	}
	/* What is sent once the steps taken now are, and the next one. */
	uint64_t step = waiting ? sent_needed + (room_before - p.room) + waiting : 0;
	to->bwe_step_bps = step > UINT32_MAX ? UINT32_MAX : (uint32_t)step;
	/* The page says so (audio only for want of bandwidth), and when it
	 * is over. */
	if (paused != to->videos_paused) {
		to->videos_paused = paused;
		relay_worker_emit(w, RELAY_EVT_VIDEO_PAUSED, to->p.id, paused);
	}
	if (log_enabled(LOG_LEVEL_DEBUG) && now - to->budget_log_us >= 1000000) {
		to->budget_log_us = now;
		relay_budget_log(w, to, budget, (uint32_t)audio, tracks, src, n);
	}
	/* Probing aims at what would carry every track at its best. */
	uint64_t target = (best + audio) * 100 / RELAY_BUDGET_SHARE;
	to->bwe_target_bps = target > UINT32_MAX ? UINT32_MAX : (uint32_t)target;
	/* A trial aims at every shown video's lowest encoding (a quarter
	 * more, as the allocator wants to bring one on) and the sound; only
	 * while every shown video is off (audio only): with some video on, a
	 * trial's padding rides on top of it, the link's excess is small and
	 * 800 ms do not drain a shaper's bucket (down600: trials passed at
	 * 780 kbit/s on 600, the videos came on over the link and froze). */
	uint64_t resume = (lowest * 5 / 4 + audio) * 100 / RELAY_BUDGET_SHARE;
	if (!paused || paused < shown)
		resume = 0;
	to->bwe_resume_bps = resume > UINT32_MAX ? UINT32_MAX : (uint32_t)resume;
}
