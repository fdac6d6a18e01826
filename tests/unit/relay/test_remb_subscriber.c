/* Unit tests of REMB for subscribers that do not do transport-cc
 * (relay/congestion.c, pacing.c's stamp, budget.c's carried): the answer's
 * ids choose the mode (transport-cc first), abs-send-time is stamped on
 * what leaves and only media is counted, the subscriber's REMB is its
 * estimate within the worker's cap, padding tops the sound up to the
 * REMB while every shown video is paused and stops when one is on, and
 * the budget steps up on the REMB without a step trial. A worker without
 * a thread: its table holds transports made here. */
#include <glib.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "relay/budget.h"
#include "relay/congestion.h"
#include "relay/pacing.h"
#include "relay/remb.h"
#include "relay/send.h"
#include "relay/sent.h"
#include "relay/simulcast.h"
#include "relay/transport.h"

#define MS	1000LL
#define SESSION 9
#define CAP_BPS 2000000

struct rig {
	struct relay_worker w;
	struct relay_transport *pub, *sub;
};

/* A publisher with one video track in two encodings (150 and 800
 * kbit/s, both sent), whose out to the subscriber has RTX (a route for
 * padding) and receives the lowest. */
static struct relay_transport *publisher(struct relay_transport *sub, int64_t now)
{
	struct relay_transport *t = g_malloc0(sizeof(*t));

	t->p.id = 1;
	t->p.session_id = SESSION;
	t->p.publishing = true;
	t->state = RELAY_TRANSPORT_UP;
	t->p.stream_count = 2;
	for (unsigned k = 0; k < 2; k++) {
		struct relay_pub_stream *ps = &t->pub[k];
		ps->desc = (struct relay_stream){.ssrc = 16 + k,
						 .kind = RELAY_STREAM_VIDEO,
						 .codec = RELAY_CODEC_VP8,
						 .group_ssrc = 24,
						 .layer = (uint8_t)k,
						 .layers = 2};
		g_strlcpy(ps->desc.mid, "1", sizeof(ps->desc.mid));
		ps->bytes_last = ps->bytes_before = k ? 50000 : 9375; /* per 0.5 s */
		ps->last_rtp_us = now;
		t->p.streams[k] = ps->desc;
	}
	struct relay_out *out = &t->pub[0].outs[0];
	t->pub[0].out_count = 1;
	*out = (struct relay_out){
	    .to = sub, .max_height = RELAY_HEIGHT_ANY, .rtx_ssrc = 25, .rtx_payload_type = 97};
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
	int fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	g_assert_cmpint(fd, >=, 0);
	g_assert_cmpint(relay_queue_init(&r->w.events, 64, fd), ==, 0);
	r->w.fit_downlinks = true;
	r->w.bwe_max_bps = CAP_BPS;
	r->w.next_probe_us = INT64_MAX;
	r->sub = g_malloc0(sizeof(*r->sub));
	r->sub->p.id = 3;
	r->sub->p.session_id = SESSION;
	r->sub->state = RELAY_TRANSPORT_UP;
	r->pub = publisher(r->sub, now);
	g_hash_table_insert(r->w.by_id, &r->pub->p.id, r->pub);
	g_hash_table_insert(r->w.by_id, &r->sub->p.id, r->sub);
}

static void rig_clear(struct rig *r)
{
	g_hash_table_destroy(r->w.by_id);
	close(r->w.events.wake_fd);
	relay_queue_clear(&r->w.events);
	g_free(r->pub);
	g_free(r->sub);
}

/* The subscriber's RTCP at now: a receiver report (no blocks), then a
 * REMB of bps, as Chromium sends them together. */
static void remb_from_subscriber(struct rig *r, uint64_t bps, int64_t now)
{
	uint8_t pkt[64] = {0x80, 201, 0, 1, 0, 0, 0, 7};
	uint32_t ssrc = 24;
	int n = relay_remb_build(pkt + 8, sizeof(pkt) - 8, 7, bps, &ssrc, 1);

	g_assert_cmpint(n, >, 0);
	relay_congestion_from_subscriber(&r->w, r->sub, pkt, 8 + (size_t)n, now);
}

/* Its first REMB, RELAY_REMB_SETTLE_US before now: of the stream just
 * starting, not taken. */
static void remb_first(struct rig *r, int64_t now)
{
	remb_from_subscriber(r, 68000, now - RELAY_REMB_SETTLE_US);
	g_assert_cmpuint(r->sub->bwe_bps, ==, 0);
}

static uint64_t rembs(struct rig *r)
{
	return atomic_load_explicit(&r->w.remb_received, memory_order_relaxed);
}

/* transport-cc when the answer has it; REMB only without it; the
 * estimate is the REMB, from RELAY_REMB_SETTLE_US after the first, within
 * [the estimator's floor, the cap]. */
static void test_remb_estimate(void)
{
	struct rig r;
	int64_t now = 100000 * MS;

	rig_init(&r, 0);
	relay_congestion_routes(&r.w, r.sub, 3, 2);
	g_assert_cmpuint(r.sub->bwe.sent.ext_id, ==, 3);
	g_assert_cmpuint(r.sub->bwe.abs_ext_id, ==, 0);
	remb_from_subscriber(&r, 450000, now); /* not REMB's to say */
	g_assert_cmpuint(r.sub->bwe_bps, ==, 0);
	g_assert_cmpuint(rembs(&r), ==, 0);

	relay_congestion_routes(&r.w, r.sub, 0, 2);
	g_assert_cmpuint(r.sub->bwe.sent.ext_id, ==, 0);
	g_assert_cmpuint(r.sub->bwe.abs_ext_id, ==, 2);
	g_assert_cmpuint(r.sub->bwe_bps, ==, 0); /* none until its first REMB */
	/* ...and the REMBs of RELAY_REMB_SETTLE_US from its first. */
	remb_from_subscriber(&r, 68000, now - RELAY_REMB_SETTLE_US);
	remb_from_subscriber(&r, 184000, now - 1);
	g_assert_cmpuint(r.sub->bwe_bps, ==, 0);
	remb_from_subscriber(&r, 450000, now);
	g_assert_cmpuint(r.sub->bwe_bps, ==, 450000);
	remb_from_subscriber(&r, 9000000, now);
	g_assert_cmpuint(r.sub->bwe_bps, ==, CAP_BPS);
	remb_from_subscriber(&r, 0, now);
	g_assert_cmpuint(r.sub->bwe_bps, ==, RELAY_BWE_MIN_BPS);
	g_assert_cmpuint(rembs(&r), ==, 5);
	/* RTCP without a REMB, or a malformed one: nothing changes. */
	uint8_t rr[8] = {0x80, 201, 0, 1, 0, 0, 0, 7};
	relay_congestion_from_subscriber(&r.w, r.sub, rr, sizeof(rr), now);
	relay_congestion_from_subscriber(&r.w, r.sub, rr, 5, now);
	g_assert_cmpuint(r.sub->bwe_bps, ==, RELAY_BWE_MIN_BPS);
	g_assert_cmpuint(rembs(&r), ==, 5);
	/* A renegotiation that keeps it keeps the estimate; an id out of the
	 * one-byte range is none. */
	relay_congestion_routes(&r.w, r.sub, 0, 2);
	g_assert_cmpuint(r.sub->bwe_bps, ==, RELAY_BWE_MIN_BPS);
	relay_congestion_routes(&r.w, r.sub, 0, 15);
	g_assert_cmpuint(r.sub->bwe.abs_ext_id, ==, 0);
	g_assert_cmpuint(r.sub->bwe_bps, ==, 0);
	rig_clear(&r);
}

/* Every packet to a REMB subscriber leaves with abs-send-time of the
 * relay's clock; media is counted for the padding's complement, padding
 * (a probe cluster's id) is not. */
static void test_stamp(void)
{
	struct rig r;
	uint8_t slot[RELAY_SEND_SLOT] = {0x80, 96, 0, 1, 0, 0, 0, 9, 0, 0, 0, 24, 'v', 'p', '8'};
	size_t len = 15;
	uint32_t abs = 0;

	rig_init(&r, 0);
	relay_congestion_routes(&r.w, r.sub, 0, 2);
	relay_pacing_stamp(r.sub, slot, &len, 3500000, 0);
	g_assert_cmpuint(len, ==, 15 + RELAY_SENT_EXT_BYTES);
	g_assert_cmpint(relay_remb_abs_send_time(slot, len, 2, &abs), ==, 0);
	g_assert_cmphex(abs, ==, relay_sent_abs_send_time(3500000));
	g_assert_cmpmem(slot + 20, 3, "vp8", 3);
	g_assert_cmpuint(r.sub->bwe.remb_media_bytes, ==, len + RELAY_SENT_OVERHEAD);
	g_assert_cmpuint(r.sub->bwe.sent.stamped, ==, 0); /* no transport-wide number */
	uint8_t pad[RELAY_SEND_SLOT] = {0xa0, 97, 0, 1, 0, 0, 0, 9, 0, 0, 0, 25};
	len = 12;
	relay_pacing_stamp(r.sub, pad, &len, 3600000, 4);
	g_assert_cmpuint(len, ==, 12 + RELAY_SENT_EXT_BYTES);
	g_assert_cmpuint(r.sub->bwe.remb_media_bytes, ==,
			 15 + RELAY_SENT_EXT_BYTES + RELAY_SENT_OVERHEAD);
	rig_clear(&r);
}

/* The tick every 100 ms for ms, with bps of media stamped meanwhile. */
static int64_t tick(struct rig *r, int64_t now, int64_t ms, uint32_t media_bps)
{
	for (int64_t end = now + ms * MS; now < end;) {
		now += 100 * MS;
		r->sub->bwe.remb_media_bytes += (uint64_t)media_bps / 80;
		r->w.ticks++;
		relay_congestion_tick(&r->w, r->sub, now);
	}
	return now;
}

/* Audio only for want of room: no probe, trial or padding (its receiver
 * counts no padding as arriving); the media rate it is sent is measured
 * for the debug line. */
static void test_no_padding(void)
{
	struct rig r;
	int64_t now = 100000 * MS;

	rig_init(&r, now);
	relay_congestion_routes(&r.w, r.sub, 0, 2);
	remb_first(&r, now);
	remb_from_subscriber(&r, 200000, now);
	r.sub->videos_paused = 1;
	r.sub->bwe_resume_bps = 250000;
	r.sub->bwe_target_bps = 1000000;
	now = tick(&r, now, 10000, 40000);
	g_assert_false(r.sub->bwe.probing);
	g_assert_false(r.sub->bwe.trial);
	g_assert_cmpuint(r.sub->bwe.remb_media_bps, ==, 40000);
	g_assert_cmpint(r.w.next_probe_us, ==, INT64_MAX);
	rig_clear(&r);
}

/* The budget's allocations for ms, the encodings still sent. */
static int64_t allocate(struct rig *r, int64_t now, int64_t ms)
{
	for (int64_t end = now + ms * MS; now < end;) {
		now += RELAY_BUDGET_EVERY_US;
		for (unsigned k = 0; k < 2; k++)
			r->pub->pub[k].last_rtp_us = now;
		relay_budget_tick(&r->w, r->sub, now);
	}
	return now;
}

/* The budget on a REMB: a step up to the better encoding once wanted for
 * RELAY_BUDGET_UP_US, no step trial (no feedback would judge it), though
 * nothing was acknowledged. */
static void test_budget_steps_on_remb(void)
{
	struct rig r;
	int64_t now = 100000 * MS;

	rig_init(&r, now);
	relay_congestion_routes(&r.w, r.sub, 0, 2);
	remb_first(&r, now);
	remb_from_subscriber(&r, 1500000, now);
	for (int i = 0; i < 15; i++) {
		now = allocate(&r, now, 200);
		g_assert_cmpuint(r.sub->bwe_step_bps, ==, 0);
	}
	g_assert_cmpuint(r.pub->pub[0].outs[0].max_layer, ==, 1);
	rig_clear(&r);
}

/* A REMB at 1.5 x the sound (103 kbit/s, no room for the 150 kbit/s
 * video): the video stays on at its lowest while the REMB does not fall;
 * a REMB that falls (its receiver's overuse) switches it off; at audio
 * only it comes back once the REMB has been calm RELAY_BUDGET_REMB_CALM_US
 * and the wait is over (RELAY_BUDGET_REMB_RESUME_US, doubled when it
 * went off again within RELAY_BUDGET_STAYED_US of coming on). */
static void test_remb_calm(void)
{
	struct rig r;
	int64_t now = 100000 * MS;

	rig_init(&r, now);
	relay_congestion_routes(&r.w, r.sub, 0, 2);
	remb_first(&r, now);
	remb_from_subscriber(&r, 103000, now);
	now = allocate(&r, now, 3000);
	g_assert_cmpuint(r.sub->videos_paused, ==, 0);
	g_assert_cmpuint(r.pub->pub[0].outs[0].max_layer, ==, 0);
	/* It falls: off. */
	remb_from_subscriber(&r, 90000, now);
	int64_t fell = now;
	now = allocate(&r, now, 200);
	g_assert_cmpuint(r.sub->videos_paused, ==, 1);
	/* Calm again for 2 s, then the wait: on at its lowest. */
	while (r.sub->videos_paused && now - fell < 30000 * MS)
		now = allocate(&r, now, 200);
	g_assert_cmpint(now - fell, >=, RELAY_BUDGET_REMB_CALM_US + RELAY_BUDGET_REMB_RESUME_US);
	g_assert_cmpint(now - fell, <=,
			RELAY_BUDGET_REMB_CALM_US + RELAY_BUDGET_REMB_RESUME_US + 600 * MS);
	g_assert_cmpuint(r.pub->pub[0].outs[0].max_layer, ==, 0);
	/* Off again soon: the next wait is twice as long. */
	remb_from_subscriber(&r, 80000, now);
	fell = now;
	now = allocate(&r, now, 200);
	g_assert_cmpuint(r.sub->videos_paused, ==, 1);
	while (r.sub->videos_paused && now - fell < 30000 * MS)
		now = allocate(&r, now, 200);
	g_assert_cmpint(now - fell, >=,
			RELAY_BUDGET_REMB_CALM_US + 2 * RELAY_BUDGET_REMB_RESUME_US);
	g_assert_cmpuint(r.sub->videos_paused, ==, 0);
	rig_clear(&r);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/relay/remb-subscriber/estimate", test_remb_estimate);
	g_test_add_func("/relay/remb-subscriber/stamp", test_stamp);
	g_test_add_func("/relay/remb-subscriber/no-padding", test_no_padding);
	g_test_add_func("/relay/remb-subscriber/budget-steps", test_budget_steps_on_remb);
	g_test_add_func("/relay/remb-subscriber/calm", test_remb_calm);
	return g_test_run();
}
