/* Unit tests of the worker's side of the layer allocator (relay/budget.c)
 * with priorities: a subscriber whose downlink carries one camera's best
 * encoding and the lowest of another gives the best to the active
 * speaker (RELAY_CMD_SPEAKER), and moves it when the speaker changes
 * (down at once, up after RELAY_BUDGET_UP_US); a shared screen comes
 * before a camera. A worker without a thread: its table holds transports
 * made here. */
#include <glib.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "relay/budget.h"
#include "relay/layers.h"
#include "relay/simulcast.h"
#include "relay/transport.h"

#define MS	1000LL
#define SESSION 9

struct rig {
	struct relay_worker w;
	struct relay_transport *pub[2], *sub;
	uint32_t carried_bps; /* media the subscriber's feedback acknowledges */
};

/* Publisher id with one video track in two encodings: 150 and 800 kbit/s,
 * both being sent; its out to the subscriber receives the lowest. */
static struct relay_transport *publisher(struct relay_transport *sub, uint64_t id, int64_t now)
{
	struct relay_transport *t = g_malloc0(sizeof(*t));

	t->p.id = id;
	t->p.session_id = SESSION;
	t->p.publishing = true;
	t->state = RELAY_TRANSPORT_UP;
	t->p.stream_count = 2;
	for (unsigned k = 0; k < 2; k++) {
		struct relay_pub_stream *ps = &t->pub[k];
		ps->desc = (struct relay_stream){.ssrc = (uint32_t)(id * 16 + k),
						 .kind = RELAY_STREAM_VIDEO,
						 .codec = RELAY_CODEC_VP8,
						 .group_ssrc = (uint32_t)(id * 16 + 8),
						 .layer = (uint8_t)k,
						 .layers = 2};
		g_strlcpy(ps->desc.mid, "1", sizeof(ps->desc.mid));
		/* Payload bytes per 0.5 s window: 150 and 800 kbit/s. */
		ps->bytes_last = ps->bytes_before = k ? 50000 : 9375;
		ps->last_rtp_us = now;
		t->p.streams[k] = ps->desc;
	}
	struct relay_out *out = &t->pub[0].outs[0];
	t->pub[0].out_count = 1;
	*out = (struct relay_out){.to = sub, .max_height = RELAY_HEIGHT_ANY};
	relay_simulcast_init(&out->sc, true, 0);
	out->sc.current = 0;
	out->sc.started = true;
	out->max_layer = 0;
	return t;
}

static void rig_init(struct rig *r, int64_t now)
{
	memset(r, 0, sizeof(*r));
	r->w.by_id = g_hash_table_new(g_int64_hash, g_int64_equal);
	/* RELAY_EVT_VIDEO_PAUSED goes here. */
	int fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	g_assert_cmpint(fd, >=, 0);
	g_assert_cmpint(relay_queue_init(&r->w.events, 64, fd), ==, 0);
	r->w.fit_downlinks = true;
	r->sub = g_malloc0(sizeof(*r->sub));
	r->sub->p.id = 3;
	r->sub->p.session_id = SESSION;
	r->sub->state = RELAY_TRANSPORT_UP;
	/* 90 %: 1.35 Mbit/s: both lowest (300 k) and one best with its
	 * headroom (800 k + 25 %), not two. */
	r->sub->bwe_bps = 1500000;
	r->carried_bps = 1500000; /* the path carried it: steps up need no trial */
	for (unsigned i = 0; i < 2; i++) {
		r->pub[i] = publisher(r->sub, 1 + i, now);
		g_hash_table_insert(r->w.by_id, &r->pub[i]->p.id, r->pub[i]);
	}
	g_hash_table_insert(r->w.by_id, &r->sub->p.id, r->sub);
}

static void rig_clear(struct rig *r)
{
	g_hash_table_destroy(r->w.by_id);
	close(r->w.events.wake_fd);
	relay_queue_clear(&r->w.events);
	for (unsigned i = 0; i < 2; i++)
		g_free(r->pub[i]);
	g_free(r->sub);
}

/* The best encoding publisher i's track may send the subscriber. */
static uint8_t max_layer(const struct rig *r, unsigned i)
{
	return r->pub[i]->pub[0].outs[0].max_layer;
}

/* The allocation every 200 ms for `ms`, the streams still sent, the
 * subscriber's feedback acknowledging carried_bps of media. */
static int64_t run(struct rig *r, int64_t now, int64_t ms)
{
	for (int64_t end = now + ms * MS; now < end;) {
		now += RELAY_BUDGET_EVERY_US;
		r->sub->bwe.est.media_acked_bytes +=
		    (uint64_t)r->carried_bps * RELAY_BUDGET_EVERY_US / 8000000;
		for (unsigned i = 0; i < 2; i++)
			for (unsigned k = 0; k < 2; k++)
				r->pub[i]->pub[k].last_rtp_us = now;
		relay_budget_tick(&r->w, r->sub, now);
	}
	return now;
}

static void test_speaker_first(void)
{
	struct rig r;
	int64_t now = 100000 * MS;

	rig_init(&r, now);
	relay_budget_speaker(&r.w, SESSION, r.pub[1]->p.id);
	g_assert_false(r.pub[0]->speaking);
	g_assert_true(r.pub[1]->speaking);
	now = run(&r, now, 3000);
	g_assert_cmpuint(max_layer(&r, 1), ==, 1); /* the speaker: its best */
	g_assert_cmpuint(max_layer(&r, 0), ==, 0);
	/* The other one speaks: it has the best at once it can (after the
	 * wait up), the last speaker goes down first. */
	relay_budget_speaker(&r.w, SESSION, r.pub[0]->p.id);
	g_assert_true(r.pub[0]->speaking);
	g_assert_false(r.pub[1]->speaking);
	now = run(&r, now, 200);
	g_assert_cmpuint(max_layer(&r, 1), ==, 0);
	g_assert_cmpuint(max_layer(&r, 0), ==, 0);
	now = run(&r, now, 2600);
	g_assert_cmpuint(max_layer(&r, 0), ==, 1);
	g_assert_cmpuint(max_layer(&r, 1), ==, 0);
	/* Another session's speaker changes nothing here. */
	relay_budget_speaker(&r.w, SESSION + 1, r.pub[1]->p.id);
	g_assert_true(r.pub[0]->speaking);
	/* Nobody speaks: the flag goes. */
	relay_budget_speaker(&r.w, SESSION, 0);
	g_assert_false(r.pub[0]->speaking);
	g_assert_false(r.pub[1]->speaking);
	rig_clear(&r);
}

static void test_screen_first(void)
{
	struct rig r;
	int64_t now = 100000 * MS;

	rig_init(&r, now);
	/* Publisher 0's track is a shared screen; 1 speaks: both are
	 * priority, the first served of the two gets the room, but the
	 * screen alone (nobody speaking) always has it. */
	for (unsigned k = 0; k < 2; k++)
		r.pub[0]->pub[k].desc.screen = 1;
	now = run(&r, now, 3000);
	g_assert_cmpuint(max_layer(&r, 0), ==, 1);
	g_assert_cmpuint(max_layer(&r, 1), ==, 0);
	rig_clear(&r);
}

/* Both videos off for want of room (a 100 kbit/s downlink), after
 * failed tries (the backoff at its most): what would bring them back is
 * the trial's aim (both lowest encodings, 150 kbit/s each, a quarter
 * more, over the 90 % share: 416 kbit/s). The downlink back, an estimate
 * that rises by itself waits out the 2-4 s window and the backoff; one a
 * trial proved (congestion.c) brings both on at the next allocations. */
static void test_paused_resume(void)
{
	struct rig r;
	int64_t now = 100000 * MS;

	/* One of two videos on (a 200 kbit/s downlink): no trial, its
	 * padding would ride on the video that is on. */
	rig_init(&r, now);
	r.sub->bwe_bps = r.carried_bps = 200000;
	now = run(&r, now, 3000);
	g_assert_cmpuint(r.sub->videos_paused, ==, 1);
	g_assert_cmpuint(r.sub->bwe_resume_bps, ==, 0);
	rig_clear(&r);
	for (int proven = 0; proven < 2; proven++) {
		rig_init(&r, now);
		r.sub->bwe_bps = r.carried_bps = 100000;
		now = run(&r, now, 3000);
		g_assert_cmpuint(r.sub->videos_paused, ==, 2);
		g_assert_true(r.pub[0]->pub[0].outs[0].budget_off);
		g_assert_cmpuint(r.sub->bwe_resume_bps, ==, 416666);
		for (unsigned i = 0; i < 2; i++)
			r.pub[i]->pub[0].outs[0].off_backoff = RELAY_BUDGET_BACKOFF_MAX;
		r.sub->bwe_bps = 520000;
		if (proven)
			r.sub->bwe.trial_passed_us = now;
		now = run(&r, now, 600);
		g_assert_cmpuint(r.sub->videos_paused, ==, (proven ? 0 : 2));
		if (!proven) {
			now = run(&r, now, 3400); /* the window: 4 s */
			g_assert_cmpuint(r.sub->videos_paused, ==, 2);
			now = run(&r, now, 4200); /* and the backoff */
			g_assert_cmpuint(r.sub->videos_paused, ==, 0);
		}
		g_assert_false(r.pub[0]->pub[0].outs[0].budget_off);
		g_assert_false(r.pub[1]->pub[0].outs[0].budget_off);
		rig_clear(&r);
	}
}

/* Publisher i's track back at its best: the time it took (ms), the room
 * back all along. */
static int64_t ms_until_best(struct rig *r, int64_t *now, unsigned i)
{
	int64_t start = *now;
	while (max_layer(r, i) != 1 && *now - start < 60000 * MS)
		*now = run(r, *now, 200);
	return (*now - start) / MS;
}

/* An estimate that falls each time the speaker's track steps up (as a
 * keyframe burst on a downlink at the boundary makes it): each step up
 * that did not hold makes the next wait twice as long, up to 16 s; a
 * step down for a new speaker is no failure, and resets it. */
static void test_up_backoff(void)
{
	struct rig r;
	int64_t now = 100000 * MS;
	int64_t took[4];

	rig_init(&r, now);
	relay_budget_speaker(&r.w, SESSION, r.pub[1]->p.id);
	now = run(&r, now, 3000);
	g_assert_cmpuint(max_layer(&r, 1), ==, 1);
	for (unsigned k = 0; k < 4; k++) {
		r.sub->bwe_bps = 900000; /* both lowest, not one best */
		now = run(&r, now, 200);
		g_assert_cmpuint(max_layer(&r, 1), ==, 0);
		g_assert_cmpuint(r.pub[1]->pub[0].outs[0].up_backoff, ==, k < 3 ? k + 1 : 3);
		r.sub->bwe_bps = 1500000;
		took[k] = ms_until_best(&r, &now, 1);
	}
	/* 4, 8, 16, 16 s, after the estimate's window (up to 4 s). */
	static const int64_t wait[4] = {4000, 8000, 16000, 16000};
	for (unsigned k = 0; k < 4; k++) {
		g_assert_cmpint(took[k], >=, wait[k]);
		g_assert_cmpint(took[k], <=, wait[k] + 4400);
	}
	/* Held past RELAY_BUDGET_STAYED_US, then down for a new speaker: the
	 * wait is back to 2 s. */
	now = run(&r, now, 21000);
	relay_budget_speaker(&r.w, SESSION, r.pub[0]->p.id);
	now = run(&r, now, 200);
	g_assert_cmpuint(max_layer(&r, 1), ==, 0);
	g_assert_cmpuint(r.pub[1]->pub[0].outs[0].up_backoff, ==, 0);
	relay_budget_speaker(&r.w, SESSION, r.pub[1]->p.id);
	now = run(&r, now, 200);
	g_assert_cmpint(ms_until_best(&r, &now, 1), <=, 2800);
	rig_clear(&r);
}

/* A path that carried both lowest encodings and an estimate that probes
 * alone raised (a shaper's bucket lets a 30 ms cluster through): the
 * speaker's step up waits for a trial at what it would take (150 + 800
 * kbit/s over the 90 % share), and goes once one passed; an overuse
 * forgets what the path carried. */
static void test_step_trial(void)
{
	struct rig r;
	int64_t now = 100000 * MS;

	rig_init(&r, now);
	r.carried_bps = 350000;
	relay_budget_speaker(&r.w, SESSION, r.pub[1]->p.id);
	now = run(&r, now, 6000);
	g_assert_cmpuint(max_layer(&r, 1), ==, 0);
	g_assert_cmpuint(r.sub->bwe_step_bps, ==, 1055555);
	/* A path that carried that much lately needs no trial... */
	r.carried_bps = 1100000;
	now = run(&r, now, 1200);
	g_assert_cmpuint(max_layer(&r, 1), ==, 1);
	g_assert_cmpuint(r.sub->bwe_step_bps, ==, 0);
	/* ...until an overuse: down, and up again only after a trial. */
	r.carried_bps = 350000;
	r.sub->bwe.est.overuses++;
	r.sub->bwe_bps = 900000;
	now = run(&r, now, 200);
	g_assert_cmpuint(max_layer(&r, 1), ==, 0);
	r.sub->bwe_bps = 1500000;
	now = run(&r, now, 30000);
	g_assert_cmpuint(max_layer(&r, 1), ==, 0);
	g_assert_cmpuint(r.sub->bwe_step_bps, ==, 1055555);
	/* A trial that passed at less than the step takes: still waiting. */
	r.sub->bwe.trial_passed_us = now;
	r.sub->bwe.trial_total_bps = 1000000;
	now = run(&r, now, 200);
	g_assert_cmpuint(max_layer(&r, 1), ==, 0);
	r.sub->bwe.trial_passed_us = now;
	r.sub->bwe.trial_total_bps = 1055555;
	now = run(&r, now, 200);
	g_assert_cmpuint(max_layer(&r, 1), ==, 1);
	g_assert_cmpuint(r.sub->bwe_step_bps, ==, 0);
	rig_clear(&r);
}

/* Both tracks want their best (no speaker, room for both in the
 * estimate): the trial is for one step at a time, the smaller, not both
 * at once; each passed trial brings one. */
static void test_step_one_at_a_time(void)
{
	struct rig r;
	int64_t now = 100000 * MS;

	rig_init(&r, now);
	r.sub->bwe_bps = 3000000;
	r.carried_bps = 350000;
	now = run(&r, now, 6000);
	g_assert_cmpuint(max_layer(&r, 0), ==, 0);
	g_assert_cmpuint(max_layer(&r, 1), ==, 0);
	/* 300 sent, 650 more: (300 + 650) / 0.9 */
	g_assert_cmpuint(r.sub->bwe_step_bps, ==, 1055555);
	r.sub->bwe.trial_passed_us = now;
	r.sub->bwe.trial_total_bps = r.sub->bwe_step_bps;
	now = run(&r, now, 200);
	g_assert_cmpuint(max_layer(&r, 0) + max_layer(&r, 1), ==, 1);
	/* 950 sent, 650 more. */
	g_assert_cmpuint(r.sub->bwe_step_bps, ==, 1777777);
	rig_clear(&r);
}

/* Both lowest encodings sent (300 kbit/s), and the estimate cut under
 * what the budget needs to keep them (0.85 x what arrived, as after an
 * overuse: 90 % of 280 leaves 252, less than 150 and 4/5 of 150): while the path carried what it is
 * sent, neither goes off, for RELAY_BUDGET_OFF_HOLD_US at most; but at
 * once when it did not carry it, when much was lost, or when the
 * estimate is far below it. */
static void test_off_held(void)
{
	struct rig r;
	int64_t now = 100000 * MS;

	for (int why = 0; why < 4; why++) {
		rig_init(&r, now);
		r.sub->bwe_bps = 400000;
		r.carried_bps = 330000;
		now = run(&r, now, 3000);
		g_assert_cmpuint(r.sub->videos_paused, ==, 0);
		r.sub->bwe_bps = 280000;
		if (why == 1) {
			r.carried_bps = 200000;
			now = run(&r, now, 2000); /* a whole second measured */
		} else if (why == 2) {
			r.sub->bwe.est.fraction_lost = RELAY_BUDGET_OFF_MAX_LOSS + 1;
		} else if (why == 3) {
			r.sub->bwe_bps = 150000;
		}
		now = run(&r, now, 200);
		g_assert_cmpuint(r.sub->videos_paused, ==, why ? 1 : 0);
		if (!why) {
			now = run(&r, now, RELAY_BUDGET_OFF_HOLD_US / MS - 400);
			g_assert_cmpuint(r.sub->videos_paused, ==, 0);
			now = run(&r, now, 400);
			g_assert_cmpuint(r.sub->videos_paused, ==, 1);
		}
		rig_clear(&r);
	}
}

/* Outs no allocation capped yet (max_layer "any": the best encoding)
 * and a first estimate with no room for video: off at the first
 * allocation; with room for the lowest only: down to it at once. */
static void test_first_allocation(void)
{
	struct rig r;
	int64_t now = 100000 * MS;

	for (int room = 0; room < 2; room++) {
		rig_init(&r, now);
		for (unsigned i = 0; i < 2; i++)
			r.pub[i]->pub[0].outs[0].max_layer = RELAY_LAYER_NONE;
		r.sub->bwe_bps = r.carried_bps = room ? 400000 : 105000;
		now = run(&r, now, 200);
		g_assert_cmpuint(r.sub->videos_paused, ==, room ? 0 : 2);
		for (unsigned i = 0; i < 2 && room; i++)
			g_assert_cmpuint(max_layer(&r, i), ==, 0);
		rig_clear(&r);
	}
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/relay/budget/speaker-first", test_speaker_first);
	g_test_add_func("/relay/budget/screen-first", test_screen_first);
	g_test_add_func("/relay/budget/paused-resume", test_paused_resume);
	g_test_add_func("/relay/budget/up-backoff", test_up_backoff);
	g_test_add_func("/relay/budget/step-trial", test_step_trial);
	g_test_add_func("/relay/budget/step-one-at-a-time", test_step_one_at_a_time);
	g_test_add_func("/relay/budget/off-held", test_off_held);
	g_test_add_func("/relay/budget/first-allocation", test_first_allocation);
	return g_test_run();
}
