/* Events between nodes as text (service/node_event.h): every kind round
 * trips, and anything a node does not make is refused whole. */
#include "service/node_event.h"

#include <errno.h>
#include <glib.h>
#include <string.h>

static void round_trip(const struct sig_node_event *ev, const char *want)
{
	char buf[SIG_STORE_EVENT_BODY_MAX + 1];
	struct sig_node_event got;
	int n = sig_node_event_encode(ev, buf, sizeof(buf));

	g_assert_cmpint(n, ==, (int)strlen(want));
	g_assert_cmpstr(buf, ==, want);
	memset(&got, 0x5a, sizeof(got));
	g_assert_cmpint(sig_node_event_decode(buf, (size_t)n, &got), ==, 0);
	g_assert_cmpint(got.kind, ==, ev->kind);
	g_assert_cmpint(got.session_id, ==, ev->session_id);
	if (ev->kind == SIG_NODE_EVENT_REMOVED)
		g_assert_cmpint(got.entry_id, ==, ev->entry_id);
	if (ev->kind == SIG_NODE_EVENT_PARTICIPANT) {
		g_assert_cmpstr(got.participant_id, ==, ev->participant_id);
		g_assert_cmpint(got.op, ==, ev->op);
		if (ev->op == SIG_PARTICIPANT_MUTE) {
			g_assert_cmpuint(got.mute, ==, ev->mute);
			g_assert_cmpint(got.lock, ==, ev->lock);
		}
	}
}

static void test_round_trip(void)
{
	struct sig_node_event ev = {.kind = SIG_NODE_EVENT_ENDED, .session_id = 12};

	round_trip(&ev, "1 ended 12");
	ev.kind = SIG_NODE_EVENT_DELETED;
	ev.session_id = INT64_MAX;
	round_trip(&ev, "1 deleted 9223372036854775807");
	ev = (struct sig_node_event){
	    .kind = SIG_NODE_EVENT_REMOVED, .session_id = 3, .entry_id = 44};
	round_trip(&ev, "1 removed 3 44");
	ev = (struct sig_node_event){.kind = SIG_NODE_EVENT_PARTICIPANT,
				     .session_id = 7,
				     .op = SIG_PARTICIPANT_ADMIT,
				     .participant_id = "p-0123456789abcdef"};
	round_trip(&ev, "1 admit 7 p-0123456789abcdef");
	ev.op = SIG_PARTICIPANT_TO_WAITING;
	round_trip(&ev, "1 waiting 7 p-0123456789abcdef");
	ev.op = SIG_PARTICIPANT_MUTE;
	ev.mute = SIG_OPS_MUTE_AUDIO | SIG_OPS_MUTE_VIDEO;
	ev.lock = true;
	round_trip(&ev, "1 mute 7 p-0123456789abcdef 3 1");
	ev.mute = SIG_OPS_MUTE_VIDEO;
	ev.lock = false;
	round_trip(&ev, "1 mute 7 p-0123456789abcdef 2 0");
}

static void test_encode_refuses(void)
{
	char buf[64], tiny[8];
	struct sig_node_event ev = {.kind = SIG_NODE_EVENT_ENDED, .session_id = 0};

	g_assert_cmpint(sig_node_event_encode(&ev, buf, sizeof(buf)), ==, -EINVAL);
	ev = (struct sig_node_event){.kind = SIG_NODE_EVENT_REMOVED, .session_id = 1};
	g_assert_cmpint(sig_node_event_encode(&ev, buf, sizeof(buf)), ==, -EINVAL);
	ev = (struct sig_node_event){.kind = SIG_NODE_EVENT_PARTICIPANT,
				     .session_id = 1,
				     .op = SIG_PARTICIPANT_ADMIT,
				     .participant_id = "Ada Lovelace"};
	g_assert_cmpint(sig_node_event_encode(&ev, buf, sizeof(buf)), ==, -EINVAL);
	g_strlcpy(ev.participant_id, "p-0123456789abcdef", sizeof(ev.participant_id));
	ev.op = SIG_PARTICIPANT_MUTE;
	ev.mute = 0;
	g_assert_cmpint(sig_node_event_encode(&ev, buf, sizeof(buf)), ==, -EINVAL);
	ev.mute = 4;
	g_assert_cmpint(sig_node_event_encode(&ev, buf, sizeof(buf)), ==, -EINVAL);
	ev = (struct sig_node_event){.kind = SIG_NODE_EVENT_ENDED, .session_id = 123456};
	g_assert_cmpint(sig_node_event_encode(&ev, tiny, sizeof(tiny)), ==, -ENOSPC);
}

static void test_decode_refuses(void)
{
	static const char *const bad[] = {
	    "",
	    "1",
	    "1 ended",
	    "2 ended 12",
	    "1 ended 012",
	    "1 ended 0",
	    "1 ended -1",
	    "1 ended +1",
	    "1 ended 9223372036854775808",
	    "1 ended 12 ",
	    " 1 ended 12",
	    "1  ended 12",
	    "1 ended 12 13",
	    "1 ENDED 12",
	    "1 removed 12",
	    "1 removed 12 0",
	    "1 removed 12 x",
	    "1 admit 12",
	    "1 admit 12 p-0123456789ABCDEF",
	    "1 admit 12 p-0123456789abcde",
	    "1 admit 12 p-0123456789abcdef0",
	    "1 admit 12 q-0123456789abcdef",
	    "1 admit 12 p-0123456789abcdef 1",
	    "1 mute 12 p-0123456789abcdef",
	    "1 mute 12 p-0123456789abcdef 1",
	    "1 mute 12 p-0123456789abcdef 0 0",
	    "1 mute 12 p-0123456789abcdef 4 0",
	    "1 mute 12 p-0123456789abcdef 1 2",
	    "1 mute 12 p-0123456789abcdef 11 0",
	    "1 mute 12 p-0123456789abcdef 1 0 0",
	    "1 kick 12 p-0123456789abcdef",
	    "1 ended 1\n",
	};
	struct sig_node_event ev = {.kind = SIG_NODE_EVENT_ENDED, .session_id = 99};

	for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
		g_test_message("%s", bad[i]);
		g_assert_cmpint(sig_node_event_decode(bad[i], strlen(bad[i]), &ev), ==, -EINVAL);
	}
	/* Untouched on failure; the length, not a NUL, ends the text. */
	g_assert_cmpint(ev.session_id, ==, 99);
	g_assert_cmpint(sig_node_event_decode("1 ended 12345", 10, &ev), ==, 0);
	g_assert_cmpint(ev.session_id, ==, 12);
	g_assert_cmpint(sig_node_event_decode("1 ended 1\0 2", 12, &ev), ==, -EINVAL);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/node-event/round-trip", test_round_trip);
	g_test_add_func("/node-event/encode-refuses", test_encode_refuses);
	g_test_add_func("/node-event/decode-refuses", test_decode_refuses);
	return g_test_run();
}
