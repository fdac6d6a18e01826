/* Unit tests of subscribers' visibility hints on a worker (relay/hint.c):
 * a hidden video out skips every packet (counted), its NACKs map to
 * nothing; shown again it waits for a keyframe, then goes on with the
 * next sequence number it expects, and its NACKs map back to the
 * publisher's numbers, never across the pause. Audio is never hidden. A
 * worker without a thread: its table holds two transports made here. */
#include <glib.h>
#include <stdlib.h>
#include <string.h>

#include "relay/hint.h"
#include "relay/stream.h"

struct rig {
	struct relay_worker w;
	struct relay_transport *pub, *sub;
	struct relay_out *video, *audio;
};

static void rig_init(struct rig *r)
{
	memset(r, 0, sizeof(*r));
	r->w.by_id = g_hash_table_new(g_int64_hash, g_int64_equal);
	r->pub = calloc(1, sizeof(*r->pub));
	r->sub = calloc(1, sizeof(*r->sub));
	g_assert_nonnull(r->pub);
	g_assert_nonnull(r->sub);
	r->pub->p.id = 1;
	r->pub->p.session_id = 9;
	r->pub->p.publishing = true;
	r->pub->p.stream_count = 2;
	r->pub->pub[0].desc = (struct relay_stream){.ssrc = 1111, .kind = RELAY_STREAM_AUDIO};
	r->pub->pub[1].desc = (struct relay_stream){
	    .ssrc = 2222, .kind = RELAY_STREAM_VIDEO, .codec = RELAY_CODEC_VP8};
	r->sub->p.id = 2;
	r->sub->p.session_id = 9;
	r->sub->state = RELAY_TRANSPORT_UP;
	for (unsigned s = 0; s < 2; s++) {
		r->pub->pub[s].out_count = 1;
		r->pub->pub[s].outs[0] =
		    (struct relay_out){.to = r->sub, .max_height = RELAY_HEIGHT_ANY};
	}
	r->audio = &r->pub->pub[0].outs[0];
	r->video = &r->pub->pub[1].outs[0];
	g_hash_table_insert(r->w.by_id, &r->pub->p.id, r->pub);
	g_hash_table_insert(r->w.by_id, &r->sub->p.id, r->sub);
}

static void rig_clear(struct rig *r)
{
	g_hash_table_destroy(r->w.by_id);
	free(r->pub);
	free(r->sub);
}

/* What the subscriber's copy of a packet numbered seq is numbered. */
static uint16_t numbered(struct relay_out *out, uint16_t seq)
{
	uint8_t slot[12] = {0x80, 96, (uint8_t)(seq >> 8), (uint8_t)seq};

	relay_hint_number(out, slot);
	return (uint16_t)(slot[2] << 8 | slot[3]);
}

/* Packet seq through the gate, as forward.c passes it. */
static bool passes(struct rig *r, uint16_t seq, bool keyframe)
{
	struct relay_out *out = r->video;

	if (out->max_height != RELAY_HEIGHT_HIDDEN && !out->resuming)
		return true;
	return relay_hint_admit(&r->w, &r->pub->pub[1], out, seq, keyframe);
}

static void test_hide_and_show(void)
{
	struct rig r;

	rig_init(&r);
	/* Shown: packets go on with the publisher's numbers. */
	g_assert_true(passes(&r, 65534, false));
	g_assert_cmpuint(numbered(r.video, 65534), ==, 65534);
	g_assert_true(passes(&r, 65535, false));
	g_assert_cmpuint(numbered(r.video, 65535), ==, 65535);
	g_assert_cmpint(relay_hint_original_seq(r.video, 65535), ==, 65535);

	/* Hidden: nothing goes, its NACKs name nothing. */
	relay_hint_apply(&r.w, 2, RELAY_HINT(2222, RELAY_HEIGHT_HIDDEN), 1000);
	g_assert_cmpuint(r.video->max_height, ==, RELAY_HEIGHT_HIDDEN);
	for (uint16_t seq = 0; seq < 40000; seq++)
		g_assert_false(passes(&r, seq, seq == 5));
	g_assert_cmpuint(atomic_load(&r.w.hidden_skipped), ==, 40000);
	g_assert_cmpint(relay_hint_original_seq(r.video, 65535), ==, -1);

	/* Shown again (at a size): a keyframe is asked for; until it comes,
	 * nothing goes and NACKs still name nothing. */
	relay_hint_apply(&r.w, 2, RELAY_HINT(2222, 360), 2000);
	g_assert_cmpuint(r.video->max_height, ==, 360);
	g_assert_true(r.video->resuming);
	g_assert_cmpint(r.video->keyframe_asked_us, ==, 2000);
	g_assert_false(passes(&r, 40000, false));
	g_assert_cmpint(relay_hint_original_seq(r.video, 0), ==, -1);
	/* The keyframe: it is the packet after the last one sent (no gap
	 * for the subscriber's SRTP index or jitter buffer, however long the
	 * pause), and the next ones follow. */
	g_assert_true(passes(&r, 40001, true));
	g_assert_false(r.video->resuming);
	g_assert_cmpint(r.video->keyframe_asked_us, ==, 0);
	g_assert_cmpuint(numbered(r.video, 40001), ==, 0);
	g_assert_true(passes(&r, 40002, false));
	g_assert_cmpuint(numbered(r.video, 40002), ==, 1);
	/* NACKs map back to the publisher's numbers, not to before the pause
	 * (those are another numbering). */
	g_assert_cmpint(relay_hint_original_seq(r.video, 1), ==, 40002);
	g_assert_cmpint(relay_hint_original_seq(r.video, 0), ==, 40001);
	g_assert_cmpint(relay_hint_original_seq(r.video, 65535), ==, -1);
	/* A packet reordered behind the last one sent does not move it back. */
	g_assert_cmpuint(numbered(r.video, 40000), ==, 65535);
	g_assert_cmpuint(r.video->last_seq, ==, 1);

	/* Another size while shown changes nothing else. */
	relay_hint_apply(&r.w, 2, RELAY_HINT(2222, 720), 3000);
	g_assert_false(r.video->resuming);
	g_assert_cmpint(r.video->keyframe_asked_us, ==, 0);
	rig_clear(&r);
}

/* Audio is never hidden; a hint about a stream the subscriber does not
 * receive, from a publisher's id or an unknown one, changes nothing. */
static void test_ignored(void)
{
	struct rig r;

	rig_init(&r);
	relay_hint_apply(&r.w, 2, RELAY_HINT(1111, RELAY_HEIGHT_HIDDEN), 1000);
	g_assert_cmpuint(r.audio->max_height, ==, RELAY_HEIGHT_ANY);
	relay_hint_apply(&r.w, 2, RELAY_HINT(3333, RELAY_HEIGHT_HIDDEN), 1000);
	relay_hint_apply(&r.w, 1, RELAY_HINT(2222, RELAY_HEIGHT_HIDDEN), 1000);
	relay_hint_apply(&r.w, 77, RELAY_HINT(2222, RELAY_HEIGHT_HIDDEN), 1000);
	g_assert_cmpuint(r.video->max_height, ==, RELAY_HEIGHT_ANY);
	/* An out's first packet sets where its numbers are, whatever they are. */
	g_assert_cmpuint(numbered(r.video, 65000), ==, 65000);
	g_assert_cmpuint(r.video->last_seq, ==, 65000);
	rig_clear(&r);
}

/* A codec whose keyframes the relay does not know resumes at once. */
static void test_other_codec(void)
{
	struct rig r;

	rig_init(&r);
	r.pub->pub[1].desc.codec = RELAY_CODEC_OTHER;
	g_assert_cmpuint(numbered(r.video, 10), ==, 10);
	relay_hint_apply(&r.w, 2, RELAY_HINT(2222, RELAY_HEIGHT_HIDDEN), 1000);
	g_assert_false(passes(&r, 11, false));
	relay_hint_apply(&r.w, 2, RELAY_HINT(2222, RELAY_HEIGHT_ANY), 2000);
	g_assert_true(passes(&r, 500, false));
	g_assert_cmpuint(numbered(r.video, 500), ==, 11);
	rig_clear(&r);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/relay/hint/hide-and-show", test_hide_and_show);
	g_test_add_func("/relay/hint/ignored", test_ignored);
	g_test_add_func("/relay/hint/other-codec", test_other_codec);
	return g_test_run();
}
