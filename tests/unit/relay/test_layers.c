/* Simulcast on the worker (relay/layers.c): which unknown SSRCs may be
 * tried, learning encodings from rid / repaired rid / mid extensions
 * (RFC 8852, one-byte form), finding a track's encodings, the best one
 * being sent. A transport built by hand: no DTLS, no worker. */
#include <errno.h>
#include <glib.h>
#include <string.h>

#include "relay/dynacast.h"
#include "relay/layers.h"
#include "relay/simulcast.h"
#include "relay/transport.h"

#define GROUP	0x47525031u
#define MID_ID	4
#define RID_ID	10
#define RRID_ID 11
#define VP8_PT	96
#define RTX_PT	97
#define MS	1000LL

/* Audio 0x1111, and the camera (mid 1) as encodings h and f. */
static struct relay_transport *transport(void)
{
	struct relay_transport *t = g_malloc0(sizeof(*t));

	t->p.publishing = true;
	t->p.stream_count = 3;
	t->p.streams[0] = (struct relay_stream){
	    .ssrc = 0x1111, .kind = RELAY_STREAM_AUDIO, .payload_type = 111, .layers = 1};
	for (unsigned k = 0; k < 2; k++) {
		struct relay_stream *s = &t->p.streams[1 + k];
		*s = (struct relay_stream){.kind = RELAY_STREAM_VIDEO,
					   .codec = RELAY_CODEC_VP8,
					   .payload_type = VP8_PT,
					   .rtx_payload_type = RTX_PT,
					   .group_ssrc = GROUP,
					   .layer = (uint8_t)k,
					   .layers = 2,
					   .rid_ext_id = RID_ID,
					   .rrid_ext_id = RRID_ID,
					   .mid_ext_id = MID_ID};
		g_strlcpy(s->mid, "1", sizeof(s->mid));
		g_strlcpy(s->rid, k ? "f" : "h", sizeof(s->rid));
	}
	for (unsigned s = 0; s < 3; s++)
		t->pub[s].desc = t->p.streams[s];
	return t;
}

/* An RTP packet with a one-byte extension block: mid, then (when ext_id)
 * the rid or repaired rid. Returns its length. */
static size_t packet(uint8_t *out, uint8_t pt, uint32_t ssrc, const char *mid, uint8_t ext_id,
		     const char *rid)
{
	size_t n = 16, ml = strlen(mid), rl = rid ? strlen(rid) : 0;

	memset(out, 0, 64);
	out[0] = 0x90; /* V=2, X */
	out[1] = pt;
	out[3] = 7; /* seq */
	out[8] = (uint8_t)(ssrc >> 24);
	out[9] = (uint8_t)(ssrc >> 16);
	out[10] = (uint8_t)(ssrc >> 8);
	out[11] = (uint8_t)ssrc;
	out[12] = 0xbe;
	out[13] = 0xde;
	out[n++] = (uint8_t)(MID_ID << 4 | (ml - 1));
	memcpy(out + n, mid, ml);
	n += ml;
	if (ext_id) {
		out[n++] = (uint8_t)(ext_id << 4 | (rl - 1));
		memcpy(out + n, rid, rl);
		n += rl;
	}
	size_t words = (n - 16 + 3) / 4;
	out[15] = (uint8_t)words;
	n = 16 + 4 * words;
	out[n++] = 0x90; /* a VP8 payload descriptor byte, then data */
	out[n++] = 0x00;
	return n;
}

static void test_learn(void)
{
	struct relay_transport *t = transport();
	uint8_t pkt[64];
	size_t len;

	/* Nothing learnt: a stranger may be tried, a known one needs not. */
	g_assert_false(relay_transport_accepts_ssrc(t, 0, false));
	g_assert_true(relay_layers_probe(t, 0xaaaa));
	g_assert_false(relay_layers_probe(t, 0)); /* never SSRC 0 */

	/* Another mid, an unknown rid, the wrong payload type: none. */
	len = packet(pkt, VP8_PT, 0xaaaa, "2", RID_ID, "f");
	g_assert_cmpint(relay_layers_learn(t, pkt, len), ==, -ENOENT);
	len = packet(pkt, VP8_PT, 0xaaaa, "1", RID_ID, "x");
	g_assert_cmpint(relay_layers_learn(t, pkt, len), ==, -ENOENT);
	len = packet(pkt, RTX_PT, 0xaaaa, "1", RID_ID, "f");
	g_assert_cmpint(relay_layers_learn(t, pkt, len), ==, -ENOENT);
	len = packet(pkt, VP8_PT, 0xaaaa, "1", 0, NULL); /* no rid at all */
	g_assert_cmpint(relay_layers_learn(t, pkt, len), ==, -ENOENT);

	/* f's media, h's media, h's RTX (repaired rid), f's RTX. */
	len = packet(pkt, VP8_PT, 0xaaaa, "1", RID_ID, "f");
	g_assert_cmpint(relay_layers_learn(t, pkt, len), ==, 0);
	g_assert_cmpuint(t->pub[2].desc.ssrc, ==, 0xaaaa);
	g_assert_true(relay_transport_accepts_ssrc(t, 0xaaaa, false));
	len = packet(pkt, VP8_PT, 0xbbbb, "1", RID_ID, "h");
	g_assert_cmpint(relay_layers_learn(t, pkt, len), ==, 0);
	g_assert_cmpuint(t->pub[1].desc.ssrc, ==, 0xbbbb);
	/* Learnt once: the same rid from another SSRC is not taken. */
	len = packet(pkt, VP8_PT, 0xcccc, "1", RID_ID, "h");
	g_assert_cmpint(relay_layers_learn(t, pkt, len), ==, -ENOENT);
	len = packet(pkt, RTX_PT, 0xdddd, "1", RRID_ID, "h");
	g_assert_cmpint(relay_layers_learn(t, pkt, len), ==, 0);
	g_assert_cmpuint(t->pub[1].desc.rtx_ssrc, ==, 0xdddd);
	g_assert_true(relay_layers_probe(t, 0xeeee)); /* f's RTX still to come */
	len = packet(pkt, RTX_PT, 0xeeee, "1", RRID_ID, "f");
	g_assert_cmpint(relay_layers_learn(t, pkt, len), ==, 0);
	g_assert_cmpuint(t->p.streams[2].rtx_ssrc, ==, 0xeeee);
	/* Everything learnt: no stranger is tried any more. */
	g_assert_false(relay_layers_probe(t, 0xffff));
	g_free(t);
}

static void test_probe_cap(void)
{
	struct relay_transport *t = transport();
	unsigned n = 0;

	while (relay_layers_probe(t, 0x5000 + n) && n < 100)
		n++;
	g_assert_cmpuint(n, ==, RELAY_SSRC_PROBES_MAX);
	/* A subscriber's transport never tries. */
	struct relay_transport *sub = transport();
	sub->p.publishing = false;
	g_assert_false(relay_layers_probe(sub, 0x5000));
	g_free(sub);
	g_free(t);
}

static void test_best(void)
{
	struct relay_transport *t = transport();
	struct relay_pub_stream *h = &t->pub[1], *f = &t->pub[2];
	int64_t now = 10000 * MS;

	g_assert_true(relay_layers_head(t, f) == h);
	g_assert_true(relay_layers_head(t, &t->pub[0]) == &t->pub[0]);
	g_assert_true(relay_layers_stream(t, h, 1) == f);
	g_assert_true(relay_layers_stream(t, h, RELAY_LAYER_NONE) == h);
	g_assert_null(relay_layers_stream(t, h, 2));

	/* Nothing sent yet: the best there is. */
	g_assert_cmpuint(relay_layers_best(t, h, RELAY_LAYER_NONE, now), ==, 1);
	h->last_rtp_us = now - 10 * MS;
	g_assert_cmpuint(relay_layers_best(t, h, RELAY_LAYER_NONE, now), ==, 0);
	f->last_rtp_us = now - 10 * MS;
	g_assert_cmpuint(relay_layers_best(t, h, RELAY_LAYER_NONE, now), ==, 1);
	g_assert_cmpuint(relay_layers_best(t, h, 0, now), ==, 0); /* capped */
	/* f at 4 frames a second against h's 30: h; at 16 (>= 15): f. */
	h->frames_last = 15;
	f->frames_last = 2;
	g_assert_cmpuint(relay_layers_best(t, h, RELAY_LAYER_NONE, now), ==, 0);
	f->frames_last = 8;
	g_assert_cmpuint(relay_layers_best(t, h, RELAY_LAYER_NONE, now), ==, 1);
	/* Counted from marker bits, turned over by the tick's window. */
	f->frames_now = 0;
	static const uint8_t key[] = {0x10, 0x50, 0x42, 0x00, 0x9d, 0x01,
				      0x2a, 0x80, 0x02, 0xe0, 0x01};
	relay_layers_on_packet(f, key, sizeof(key), false, now);
	relay_layers_on_packet(f, key + 1, sizeof(key) - 1, true, now); /* not a start */
	g_assert_cmpuint(f->frames_now, ==, 1);
	g_assert_cmpuint(f->bytes_now, ==, 2 * sizeof(key) - 1);
	g_assert_cmpuint(f->width, ==, 640);
	g_assert_cmpuint(f->height, ==, 480);
	f->bytes_last = 50000; /* in 0.5 s */
	f->bytes_before = 50000;
	g_assert_cmpuint(relay_layers_bitrate(f), ==, 800000);
	g_assert_cmpint(f->last_rtp_us, ==, now);
	/* f stopped: h. */
	f->last_rtp_us = now - RELAY_LAYER_ACTIVE_US;
	g_assert_cmpuint(relay_layers_best(t, h, RELAY_LAYER_NONE, now), ==, 0);
	/* Stopped: silent 0.5 s, or while h ended RELAY_LAYER_OVERTAKEN frames
	 * (four at 20 frames/s: 200 ms); a publisher silent whole (its CPU)
	 * stops nothing before 0.5 s. */
	f->last_rtp_us = now - 300 * MS;
	g_assert_true(relay_layers_active(t, f, now));
	for (int i = 0; i < RELAY_LAYER_OVERTAKEN - 1; i++) {
		int64_t dropped =
		    relay_layers_on_packet(h, key, sizeof(key), true, now - (150 - 50 * i) * MS);
		g_assert_false(relay_layers_stops_above(t, h, dropped));
	}
	g_assert_true(relay_layers_active(t, f, now)); /* three frames of h */
	int64_t dropped = relay_layers_on_packet(h, key, sizeof(key), true, now);
	g_assert_false(relay_layers_active(t, f, now));		/* four */
	g_assert_true(relay_layers_stops_above(t, h, dropped)); /* just now */
	dropped = relay_layers_on_packet(h, key, sizeof(key), true, now + 50 * MS);
	g_assert_false(relay_layers_stops_above(t, h, dropped)); /* not again */
	g_assert_cmpuint(relay_layers_best(t, h, RELAY_LAYER_NONE, now), ==, 0);
	g_assert_true(relay_layers_active(t, h, now)); /* the lowest: time only */
	relay_layers_on_packet(f, key + 1, sizeof(key) - 1, false, now);
	g_assert_true(relay_layers_active(t, f, now)); /* back */
	f->last_rtp_us = now - RELAY_LAYER_ACTIVE_US;
	g_assert_false(relay_layers_active(t, f, now));

	/* A keyframe is asked of the encoding an out is to receive. */
	struct relay_out out = {0};
	relay_simulcast_init(&out.sc, true, 1);
	g_assert_true(relay_layers_keyframe_stream(t, h, &out) == f);
	out.sc.target = RELAY_LAYER_NONE;
	out.sc.current = 0;
	g_assert_true(relay_layers_keyframe_stream(t, h, &out) == h);
	g_free(t);
}

/* Dynacast: the encodings, from the lowest, some subscriber would take. */
static void test_dynacast(void)
{
	struct relay_transport *t = transport();
	struct relay_pub_stream *h = &t->pub[1], *f = &t->pub[2];

	h->height = 240;
	f->height = 480;
	g_assert_cmpuint(relay_dynacast_wanted(t, h), ==, 1); /* nobody: the lowest */
	h->outs[0] = (struct relay_out){.max_height = RELAY_HEIGHT_HIDDEN};
	h->out_count = 1;
	g_assert_cmpuint(relay_dynacast_wanted(t, h), ==, 1);
	h->outs[0].max_height = 200; /* h is tall enough */
	g_assert_cmpuint(relay_dynacast_wanted(t, h), ==, 1);
	h->outs[1] = (struct relay_out){.max_height = 300};
	h->out_count = 2;
	g_assert_cmpuint(relay_dynacast_wanted(t, h), ==, 2);
	h->outs[1].budget_off = true; /* its downlink takes none: the lowest */
	g_assert_cmpuint(relay_dynacast_wanted(t, h), ==, 1);
	h->outs[1] = (struct relay_out){.max_height = RELAY_HEIGHT_ANY}; /* no hint: all */
	g_assert_cmpuint(relay_dynacast_wanted(t, h), ==, 2);
	h->outs[1].max_height = 300;
	f->height = 0; /* a size not known: no saving */
	g_assert_cmpuint(relay_dynacast_wanted(t, h), ==, 2);
	g_free(t);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/relay/layers/learn", test_learn);
	g_test_add_func("/relay/layers/probe-cap", test_probe_cap);
	g_test_add_func("/relay/layers/best", test_best);
	g_test_add_func("/relay/layers/dynacast", test_dynacast);
	return g_test_run();
}
