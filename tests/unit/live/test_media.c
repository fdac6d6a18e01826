/* Unit tests of media negotiation (live/media.c) on real browser SDP
 * (tests/data/sdp/), without a relay: the workers' commands go to a fake
 * sink, the members' messages to a list. */
#include <errno.h>
#include <glib.h>
#include <stdio.h>
#include <string.h>

#include "config/cfg.h"
#include "core/clock.h"
#include "crypto/dtls.h"
#include "live/media.h"
#include "live/room.h"
#include "live/speaker.h"
#include "live/speaker_room.h"
#include "relay/relay.h"
#include "relay/stream.h"

#define MEMBERS 20

struct sink {
	int fail;     /* refuse the next commands: -EAGAIN */
	GArray *cmds; /* of struct relay_msg, payloads freed */
	/* The transport-cc extension id of each stream of the last
	 * TRANSPORT_ADD/UPDATE. */
	unsigned stream_count;
	uint8_t twcc_ext_id[RELAY_MAX_STREAMS];
	struct relay_stream streams[RELAY_MAX_STREAMS];
	uint8_t audio_level_ext_id[RELAY_MAX_STREAMS]; /* RFC 6464 */
	uint8_t kind[RELAY_MAX_STREAMS];
	/* The estimation ids of the last ROUTES_SET, and how many came. */
	unsigned routes_sets;
	uint8_t routes_twcc_ext_id, routes_abs_send_time_ext_id;
};

static int sink_send(void *userdata, unsigned worker, const struct relay_msg *msg)
{
	struct sink *k = userdata;
	struct relay_msg copy = *msg;

	(void)worker;
	if (k->fail)
		return -EAGAIN;
	if (msg->type == RELAY_CMD_TRANSPORT_ADD || msg->type == RELAY_CMD_TRANSPORT_UPDATE) {
		const struct relay_transport_params *p = msg->payload;
		k->stream_count = p->stream_count;
		for (unsigned s = 0; s < p->stream_count; s++) {
			k->twcc_ext_id[s] = p->streams[s].twcc_ext_id;
			k->streams[s] = p->streams[s];
			k->audio_level_ext_id[s] = p->streams[s].audio_level_ext_id;
			k->kind[s] = p->streams[s].kind;
		}
		relay_transport_params_free(msg->payload);
	} else {
		if (msg->type == RELAY_CMD_ROUTES_SET) {
			const struct relay_routes *r = msg->payload;
			k->routes_sets++;
			k->routes_twcc_ext_id = r->twcc_ext_id;
			k->routes_abs_send_time_ext_id = r->abs_send_time_ext_id;
		}
		g_free(msg->payload);
	}
	copy.payload = NULL;
	g_array_append_val(k->cmds, copy);
	return 0;
}

static unsigned sink_workers(void *userdata)
{
	(void)userdata;
	return 1;
}

static int sink_port(void *userdata, unsigned worker)
{
	(void)userdata;
	return 40000 + (int)worker;
}

struct told {
	struct sig_member *to;
	json_t *msg;
};

struct fixture {
	struct cfg cfg;
	struct crypto_dtls_identity *identity;
	struct sink sink;
	struct sig_rooms *rooms;
	struct sig_media *media;
	struct sig_session session;
	struct sig_roster_entry entries[MEMBERS];
	struct sig_member *members[MEMBERS];
	GArray *told; /* of struct told */
	char *offer;  /* Chromium's publish offer: audio and video */
};

static void tell(void *userdata, struct sig_member *member, json_t *msg)
{
	struct fixture *f = userdata;
	struct told t = {.to = member, .msg = msg};

	g_array_append_val(f->told, t);
}

static void told_clear(gpointer p)
{
	json_decref(((struct told *)p)->msg);
}

static char *read_sdp(const char *name)
{
	g_autofree char *path = g_build_filename(g_getenv("HEARTH_SDP_DATA"), name, NULL);
	char *text = NULL;

	g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
	return text;
}

static void fixture_setup(struct fixture *f, gconstpointer data)
{
	struct sig_media_relay relay = {.send = sink_send,
					.worker_count = sink_workers,
					.worker_port = sink_port,
					.userdata = &f->sink};

	const char *const *addresses = data; /* NULL or {bind, public} */
	g_autoptr(GPtrArray) errors = g_ptr_array_new_with_free_func(g_free);

	memset(f, 0, sizeof(*f));
	cfg_init(&f->cfg);
	if (addresses) {
		g_autofree char *bind = g_strdup_printf("media.bind_address=%s", addresses[0]);
		g_autofree char *pub = g_strdup_printf("media.public_address=%s", addresses[1]);
		g_assert_cmpint(cfg_set_override(&f->cfg, bind, errors), ==, 0);
		g_assert_cmpint(cfg_set_override(&f->cfg, pub, errors), ==, 0);
	}
	g_assert_cmpint(cfg_resolve(&f->cfg, errors), ==, 0);
	f->cfg.media_loss_repair = 1; /* what these tests negotiate */
	g_assert_cmpint(crypto_dtls_identity_generate(&f->identity), ==, 0);
	f->sink.cmds = g_array_new(FALSE, TRUE, sizeof(struct relay_msg));
	f->told = g_array_new(FALSE, TRUE, sizeof(struct told));
	g_array_set_clear_func(f->told, told_clear);
	f->rooms = sig_rooms_new();
	f->media = sig_media_new(&relay, f->rooms, &f->cfg, f->identity, tell, f);
	sig_session_defaults(SIG_KIND_GROUP, &f->session);
	f->session.id = 7;
	f->session.capacity = MEMBERS;
	f->session.title = g_strdup("Group");
	for (int i = 0; i < MEMBERS; i++) {
		struct sig_roster_entry *e = &f->entries[i];
		e->id = i + 1;
		e->session_id = f->session.id;
		e->display_name = g_strdup("Someone");
		e->role = SIG_ROLE_PEER;
		e->permissions = sig_role_default_permissions(SIG_ROLE_PEER, SIG_PUBLISH_EVERYONE) |
				 SIG_PERM_PUBLISH_AUDIO | SIG_PERM_PUBLISH_VIDEO |
				 SIG_PERM_SUBSCRIBE;
		g_assert_cmpint(sig_rooms_join(f->rooms, &f->session, e, NULL, &f->members[i]), ==,
				0);
	}
	f->offer = read_sdp("chromium-publish-offer.sdp");
}

static void fixture_teardown(struct fixture *f, gconstpointer data)
{
	(void)data;
	for (int i = 0; i < MEMBERS; i++)
		sig_media_member_left(f->media, f->members[i]);
	sig_media_free(f->media);
	sig_rooms_free(f->rooms);
	for (int i = 0; i < MEMBERS; i++)
		sig_roster_entry_clear(&f->entries[i]);
	sig_session_clear(&f->session);
	g_array_free(f->told, TRUE);
	g_array_free(f->sink.cmds, TRUE);
	crypto_dtls_identity_free(f->identity);
	cfg_clear(&f->cfg);
	g_free(f->offer);
}

static void publish_ok(struct fixture *f, int who, const char *sdp)
{
	const char *code = NULL;
	g_autofree char *problem = NULL;
	g_autofree char *answer =
	    sig_media_publish(f->media, f->members[who], sdp, strlen(sdp), &code, &problem);

	g_assert_nonnull(answer);
	g_assert_null(problem);
	g_assert_true(g_str_has_prefix(answer, "v=0"));
}

/* How many messages of type went to member who since index *from. */
static unsigned count_told(struct fixture *f, int who, const char *type, guint from)
{
	unsigned n = 0;

	for (guint i = from; i < f->told->len; i++) {
		struct told *t = &g_array_index(f->told, struct told, i);
		if (t->to == f->members[who] &&
		    g_strcmp0(json_string_value(json_object_get(t->msg, "type")), type) == 0)
			n++;
	}
	return n;
}

/* The last message of type member who got, or NULL. */
static json_t *last_told(struct fixture *f, int who, const char *type)
{
	for (guint i = f->told->len; i-- > 0;) {
		struct told *t = &g_array_index(f->told, struct told, i);
		if (t->to == f->members[who] &&
		    g_strcmp0(json_string_value(json_object_get(t->msg, "type")), type) == 0)
			return t->msg;
	}
	return NULL;
}

static unsigned mlines(const json_t *offer)
{
	const char *sdp = json_string_value(json_object_get(offer, "sdp"));
	unsigned n = 0;

	for (const char *p = sdp; (p = strstr(p, "\r\nm=")); p++)
		n++;
	return n;
}

static void test_publish_subscribe(struct fixture *f, gconstpointer data)
{
	(void)data;
	publish_ok(f, 0, f->offer);
	g_assert_cmpuint(f->sink.cmds->len, ==, 1);
	g_assert_cmpuint(g_array_index(f->sink.cmds, struct relay_msg, 0).type, ==,
			 RELAY_CMD_TRANSPORT_ADD);
	/* Nobody subscribed yet: the others only hear of the streams. */
	g_assert_cmpuint(count_told(f, 1, "stream.added", 0), ==,
			 3); /* microphone, camera, screen */
	g_assert_cmpint(sig_media_subscribe(f->media, f->members[1]), ==, 0);
	json_t *offer = last_told(f, 1, "subscribe.offer");
	g_assert_nonnull(offer);
	g_assert_cmpuint(mlines(offer), ==, 3);
	g_assert_nonnull(strstr(json_string_value(json_object_get(offer, "sdp")),
				f->members[0]->participant_id));
}

/* sdp with the RTX SSRCs of its FID groups replaced, in order, by those
 * of like's. Caller frees. */
static char *rtx_ssrcs_as(const char *sdp, const char *like)
{
	g_autoptr(GString) out = g_string_new(sdp);
	const char *p = sdp, *q = like;

	while ((p = strstr(p, "a=ssrc-group:FID ")) && (q = strstr(q, "a=ssrc-group:FID "))) {
		unsigned long media, rtx, like_media, like_rtx;
		g_assert_cmpint(sscanf(p, "a=ssrc-group:FID %lu %lu", &media, &rtx), ==, 2);
		g_assert_cmpint(sscanf(q, "a=ssrc-group:FID %lu %lu", &like_media, &like_rtx), ==,
				2);
		g_autofree char *from = g_strdup_printf("%lu", rtx);
		g_autofree char *to = g_strdup_printf("%lu", like_rtx);
		g_string_replace(out, from, to, 0);
		p++;
		q++;
	}
	return g_string_free(g_steal_pointer(&out), FALSE);
}

/* A renegotiation the worker cannot take, or an offer refused half-way,
 * leaves the publication as it was: nobody hears of a change, and offers
 * built afterwards still carry the streams as first published. */
static void test_refused_renegotiation(struct fixture *f, gconstpointer data)
{
	(void)data;
	publish_ok(f, 0, f->offer);
	g_assert_cmpint(sig_media_subscribe(f->media, f->members[1]), ==, 0);
	g_autofree char *before =
	    g_strdup(json_string_value(json_object_get(last_told(f, 1, "subscribe.offer"), "sdp")));
	guint mark = f->told->len;

	/* The worker's queue is full. */
	const char *code = NULL;
	char *problem = NULL;
	f->sink.fail = 1;
	g_assert_null(sig_media_publish(f->media, f->members[0], f->offer, strlen(f->offer), &code,
					&problem));
	g_assert_cmpstr(code, ==, "internal");
	g_free(problem);
	f->sink.fail = 0;

	/* An offer without the SSRC of its video: refused as SDP. */
	g_autoptr(GString) no_ssrc = g_string_new(NULL);
	g_auto(GStrv) lines = g_strsplit(f->offer, "\r\n", -1);
	bool video = false;
	for (char **l = lines; *l && **l; l++) {
		video = g_str_has_prefix(*l, "m=") ? g_str_has_prefix(*l, "m=video") : video;
		if (!(video && g_str_has_prefix(*l, "a=ssrc")))
			g_string_append_printf(no_ssrc, "%s\r\n", *l);
	}
	problem = NULL;
	g_assert_null(sig_media_publish(f->media, f->members[0], no_ssrc->str, no_ssrc->len, &code,
					&problem));
	g_assert_cmpstr(code, ==, "sdp_refused");
	g_assert_nonnull(problem);
	g_free(problem);

	for (int who = 1; who < MEMBERS; who++) {
		g_assert_cmpuint(count_told(f, who, "stream.removed", mark), ==, 0);
		g_assert_cmpuint(count_told(f, who, "stream.added", mark), ==, 0);
	}
	/* Another subscriber gets the publication as first published. */
	g_assert_cmpint(sig_media_subscribe(f->media, f->members[2]), ==, 0);
	const char *after =
	    json_string_value(json_object_get(last_told(f, 2, "subscribe.offer"), "sdp"));
	g_assert_nonnull(after);
	/* RTX SSRCs are the relay's own, chosen for each subscriber: the
	 * second one's are read as the first one's. */
	g_autofree char *same = rtx_ssrcs_as(after, before);
	g_auto(GStrv) a = g_strsplit(before, "\r\n", -1);
	g_auto(GStrv) b = g_strsplit(same, "\r\n", -1);
	/* The same m-lines, codecs and SSRCs (o= and ICE credentials aside). */
	for (int i = 0; a[i] && b[i]; i++)
		if (g_str_has_prefix(a[i], "m=") || g_str_has_prefix(a[i], "a=rtpmap") ||
		    g_str_has_prefix(a[i], "a=ssrc"))
			g_assert_cmpstr(a[i], ==, b[i]);
}

/* A subscriber receives at most SIG_SDP_MAX_MLINES (48: a group of 16
 * with everyone's microphone, camera and screen) streams: beyond that it
 * is told with a documented code; a slot whose stream went is reused, so
 * toggling streams does not run out. */
static void test_slots(struct fixture *f, gconstpointer data)
{
	int sub = MEMBERS - 1;

	(void)data;
	G_STATIC_ASSERT(MEMBERS >= 20);
	g_assert_cmpint(sig_media_subscribe(f->media, f->members[sub]), ==, 0);
	/* Fifteen publishers of microphone, camera and screen: 45 slots. */
	for (int i = 0; i < 15; i++)
		publish_ok(f, i, f->offer);
	g_assert_cmpuint(count_told(f, sub, "error", 0), ==, 0);
	g_assert_cmpuint(mlines(last_told(f, sub, "subscribe.offer")), ==, 3);

	/* One stops, another starts (someone else taking the floor, a screen
	 * share toggled): the new streams take the slots that went. */
	sig_media_unpublish(f->media, f->members[3]);
	publish_ok(f, 15, f->offer);
	for (int round = 0; round < 5; round++) {
		sig_media_unpublish(f->media, f->members[15]);
		publish_ok(f, 15, f->offer);
	}
	g_assert_cmpuint(count_told(f, sub, "error", 0), ==, 0);

	/* The sixteenth fills the last three slots; one more finds none. */
	publish_ok(f, 3, f->offer);
	g_assert_cmpuint(count_told(f, sub, "error", 0), ==, 0);
	publish_ok(f, 16, f->offer);
	g_assert_cmpuint(count_told(f, sub, "error", 0), ==, 1);
	json_t *err = json_object_get(last_told(f, sub, "error"), "error");
	g_assert_cmpstr(json_string_value(json_object_get(err, "code")), ==, "too_many_streams");
	g_assert_cmpint(json_integer_value(json_object_get(err, "unplaced")), ==, 3);
	g_assert_cmpint(json_integer_value(json_object_get(err, "max_streams")), ==, 48);
	/* Told again only when the shortfall grows: a change elsewhere says
	 * nothing; someone leaving lets the waiting streams in; coming back, it
	 * is short of three. */
	sig_media_set_muted(f->media, f->members[1], RELAY_MUTE_AUDIO);
	sig_media_unpublish(f->media, f->members[0]);
	g_assert_cmpuint(count_told(f, sub, "error", 0), ==, 1);
	publish_ok(f, 0, f->offer);
	g_assert_cmpuint(count_told(f, sub, "error", 0), ==, 2);
	publish_ok(f, 17, f->offer);
	g_assert_cmpuint(count_told(f, sub, "error", 0), ==, 3);
	g_assert_cmpint(json_integer_value(json_object_get(
			    json_object_get(last_told(f, sub, "error"), "error"), "unplaced")),
			==, 6);
	/* Room again: a newcomer fits without a word. */
	sig_media_unpublish(f->media, f->members[17]);
	sig_media_unpublish(f->media, f->members[16]);
	sig_media_unpublish(f->media, f->members[4]);
	publish_ok(f, 18, f->offer);
	g_assert_cmpuint(count_told(f, sub, "error", 0), ==, 3);
}

#define TWCC_URI "http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01"
#define ABS_URI	 "http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time"

/* sdp without the lines that contain what. Caller frees. */
static char *without_lines(const char *sdp, const char *what)
{
	g_auto(GStrv) lines = g_strsplit(sdp, "\r\n", -1);
	g_autoptr(GString) out = g_string_new(NULL);

	for (char **l = lines; *l; l++)
		if (**l && !strstr(*l, what))
			g_string_append_printf(out, "%s\r\n", *l);
	return g_string_free(g_steal_pointer(&out), FALSE);
}

static unsigned occurrences(const char *text, const char *what)
{
	unsigned n = 0;

	for (const char *p = text; (p = strstr(p, what)); p++)
		n++;
	return n;
}

/* Congestion feedback: a publisher's answer takes the transport-wide-cc
 * extension (with the offerer's id) and rtcp-fb transport-cc on every
 * m-line that offers both, and the worker learns the id per stream;
 * without the rtcp-fb, neither; subscribers are offered both, with the
 * relay's id. */
static void test_congestion_feedback(struct fixture *f, gconstpointer data)
{
	const char *code = NULL;
	g_autofree char *problem = NULL;

	(void)data;
	g_autofree char *answer =
	    sig_media_publish(f->media, f->members[0], f->offer, strlen(f->offer), &code, &problem);
	g_assert_nonnull(answer);
	g_assert_cmpuint(occurrences(answer, "a=extmap:3 " TWCC_URI "\r\n"), ==, 3);
	/* and the audio level on the audio m-line (test_active_speaker) */
	g_assert_cmpuint(occurrences(answer, "a=extmap:"), ==, 4);
	g_assert_nonnull(strstr(answer, "a=rtcp-fb:111 transport-cc\r\n"));
	g_assert_cmpuint(occurrences(answer, "a=rtcp-fb:96 transport-cc\r\n"), ==, 2);
	g_assert_null(strstr(answer, "goog-remb"));
	g_assert_null(strstr(answer, "abs-send-time"));
	g_assert_cmpuint(f->sink.stream_count, ==, 3);
	for (unsigned s = 0; s < 3; s++) {
		g_assert_cmpuint(f->sink.twcc_ext_id[s], ==, 3);
		g_assert_cmpuint(f->sink.streams[s].abs_send_time_ext_id, ==, 0);
	}

	g_assert_cmpint(sig_media_subscribe(f->media, f->members[1]), ==, 0);
	const char *offer =
	    json_string_value(json_object_get(last_told(f, 1, "subscribe.offer"), "sdp"));
	/* Subscribers: the relay's own id on every m-line, and the feedback
	 * type for every codec (relay/congestion.c estimates their downlink). */
	unsigned mlines = occurrences(offer, "m=");
	g_assert_cmpuint(mlines, >=, 3);
	g_assert_cmpuint(occurrences(offer, "a=extmap:3 " TWCC_URI "\r\n"), ==, mlines);
	g_assert_cmpuint(occurrences(offer, " transport-cc\r\n"), ==, mlines);

	/* The extension alone, without the feedback type: not answered. */
	g_autofree char *no_fb = without_lines(f->offer, " transport-cc");
	g_autofree char *answer2 =
	    sig_media_publish(f->media, f->members[2], no_fb, strlen(no_fb), &code, &problem);
	g_assert_nonnull(answer2);
	g_assert_null(strstr(answer2, "transport-cc"));
	g_assert_null(strstr(answer2, "draft-holmer"));
	for (unsigned s = 0; s < f->sink.stream_count; s++)
		g_assert_cmpuint(f->sink.twcc_ext_id[s], ==, 0);
}

/* REMB: a publisher that offers goog-remb and abs-send-time but no
 * transport-cc gets both answered, abs-send-time on every m-line that
 * offered it, and the worker learns its id per stream; one that offers
 * transport-cc too gets neither (test_congestion_feedback), nor one
 * without abs-send-time. */
static void test_remb(struct fixture *f, gconstpointer data)
{
	const char *code = NULL;
	g_autofree char *problem = NULL;

	(void)data;
	g_autofree char *no_fb = without_lines(f->offer, " transport-cc");
	g_autofree char *remb_only = without_lines(no_fb, "draft-holmer");
	g_autofree char *answer = sig_media_publish(f->media, f->members[0], remb_only,
						    strlen(remb_only), &code, &problem);
	g_assert_nonnull(answer);
	g_assert_null(strstr(answer, "transport-cc"));
	g_assert_cmpuint(occurrences(answer, "a=extmap:2 " ABS_URI "\r\n"), ==, 3);
	g_assert_cmpuint(occurrences(answer, "a=rtcp-fb:96 goog-remb\r\n"), ==, 2);
	g_assert_cmpuint(f->sink.stream_count, ==, 3);
	for (unsigned s = 0; s < 3; s++)
		g_assert_cmpuint(f->sink.streams[s].abs_send_time_ext_id, ==, 2);

	g_autofree char *no_abs = without_lines(remb_only, "abs-send-time");
	g_autofree char *answer2 =
	    sig_media_publish(f->media, f->members[1], no_abs, strlen(no_abs), &code, &problem);
	g_assert_nonnull(answer2);
	g_assert_null(strstr(answer2, "goog-remb"));
	for (unsigned s = 0; s < f->sink.stream_count; s++)
		g_assert_cmpuint(f->sink.streams[s].abs_send_time_ext_id, ==, 0);
}

/* The last command to the worker. */
static struct relay_msg last_cmd(struct fixture *f)
{
	g_assert_cmpuint(f->sink.cmds->len, >, 0);
	return g_array_index(f->sink.cmds, struct relay_msg, f->sink.cmds->len - 1);
}

/* A worker's event about transport id. */
static void worker_event(struct fixture *f, uint32_t type, uint64_t id, uint64_t arg2)
{
	struct relay_msg msg = {.type = type, .arg = id, .arg2 = arg2};

	sig_media_on_event(f->media, &msg);
}

/* After an outage: a transport whose consent expired is kept by the
 * worker, so the client's ICE restart renegotiates it (same id, the
 * others hear of nothing); one the worker closed is forgotten, so the
 * next offer makes a new one and the others stop receiving the old. */
static void test_outage(struct fixture *f, gconstpointer data)
{
	(void)data;
	publish_ok(f, 0, f->offer);
	uint64_t id = last_cmd(f).arg;
	g_assert_cmpint(sig_media_subscribe(f->media, f->members[1]), ==, 0);
	guint mark = f->told->len;

	worker_event(f, RELAY_EVT_TRANSPORT_LOST, id, 0);
	g_autoptr(GString) restart = g_string_new(f->offer);
	g_string_replace(restart, "a=ice-ufrag:aX8F", "a=ice-ufrag:bY9G", 0);
	publish_ok(f, 0, restart->str);
	g_assert_cmpuint(last_cmd(f).type, ==, RELAY_CMD_TRANSPORT_UPDATE);
	g_assert_cmpuint(last_cmd(f).arg, ==, id);
	worker_event(f, RELAY_EVT_TRANSPORT_UP, id, 1);
	g_assert_cmpuint(count_told(f, 1, "stream.removed", mark), ==, 0);
	g_assert_cmpuint(count_told(f, 1, "subscribe.offer", mark), ==, 0);

	/* Closed by the worker (here: DTLS failed): the streams go. */
	worker_event(f, RELAY_EVT_TRANSPORT_CLOSED, id, RELAY_CLOSE_DTLS_FAILED);
	g_assert_cmpuint(count_told(f, 1, "stream.removed", mark), ==, 3);
	guint cmds = f->sink.cmds->len;
	publish_ok(f, 0, restart->str);
	g_assert_cmpuint(f->sink.cmds->len, ==, cmds + 1);
	g_assert_cmpuint(last_cmd(f).type, ==, RELAY_CMD_TRANSPORT_ADD);
	g_assert_cmpuint(last_cmd(f).arg, !=, id);
	g_assert_cmpuint(count_told(f, 1, "stream.added", mark), ==, 3);
	/* An event about a transport nobody has is only logged. */
	worker_event(f, RELAY_EVT_TRANSPORT_CLOSED, id, RELAY_CLOSE_DTLS_FAILED);
	g_assert_cmpuint(count_told(f, 1, "stream.removed", mark), ==, 3);
}

/* Simulcast (RFC 8853): the camera's m-line with three encodings becomes
 * three relay streams of one track (SSRCs to be learnt from the rids,
 * one group SSRC), answered with a=simulcast:recv and the rid extensions;
 * the others hear of one camera and are offered it as one m-line with the
 * group SSRC, which a renegotiation keeps. */
static void test_simulcast_publish(struct fixture *f, gconstpointer data)
{
	const char *code = NULL;
	g_autofree char *problem = NULL;
	g_autoptr(GString) offer = g_string_new(f->offer);

	(void)data;
	g_string_replace(offer, "a=mid:1\r\n",
			 "a=mid:1\r\na=rid:q send\r\na=rid:h send\r\na=rid:f send\r\n"
			 "a=simulcast:send q;h;f\r\n",
			 1);
	g_autofree char *answer =
	    sig_media_publish(f->media, f->members[0], offer->str, offer->len, &code, &problem);
	if (!answer)
		g_error("%s: %s", code, problem);
	g_assert_nonnull(strstr(answer, "a=simulcast:recv q;h;f\r\n"));
	g_assert_nonnull(strstr(answer, "a=rid:h recv\r\n"));
	g_assert_nonnull(
	    strstr(answer, "a=extmap:10 urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id"));
	/* microphone, camera q/h/f, screen */
	g_assert_cmpuint(f->sink.stream_count, ==, 5);
	const struct relay_stream *q = &f->sink.streams[1];
	g_assert_cmpuint(q->group_ssrc, !=, 0);
	for (unsigned k = 0; k < 3; k++) {
		const struct relay_stream *st = &f->sink.streams[1 + k];
		g_assert_cmpuint(st->ssrc, ==, 0);
		g_assert_cmpuint(st->rtx_ssrc, ==, 0);
		g_assert_cmpuint(st->group_ssrc, ==, q->group_ssrc);
		g_assert_cmpuint(st->layer, ==, k);
		g_assert_cmpuint(st->layers, ==, 3);
		g_assert_cmpuint(strlen(st->rid), ==, 1);
		g_assert_cmpint(st->rid[0], ==, "qhf"[k]);
		g_assert_cmpuint(st->rid_ext_id, ==, 10);
		g_assert_cmpuint(st->rrid_ext_id, ==, 11);
		g_assert_cmpuint(st->rtx_payload_type, !=, 0); /* RTX by repaired rid */
	}
	g_assert_cmpuint(f->sink.streams[0].layers, ==, 1);
	g_assert_cmpuint(f->sink.streams[4].group_ssrc, ==, 0);
	/* The second video is the screen (served first by the relay), every
	 * encoding of the camera is not. */
	for (unsigned s = 0; s < 4; s++)
		g_assert_cmpuint(f->sink.streams[s].screen, ==, 0);
	g_assert_cmpuint(f->sink.streams[4].screen, ==, 1);
	g_assert_cmpuint(count_told(f, 1, "stream.added", 0), ==, 3);

	g_assert_cmpint(sig_media_subscribe(f->media, f->members[1]), ==, 0);
	json_t *sub = last_told(f, 1, "subscribe.offer");
	g_assert_cmpuint(mlines(sub), ==, 3);
	g_autofree char *ssrc_line = g_strdup_printf("a=ssrc:%u ", q->group_ssrc);
	g_assert_nonnull(strstr(json_string_value(json_object_get(sub, "sdp")), ssrc_line));
	g_assert_null(strstr(json_string_value(json_object_get(sub, "sdp")), "a=ssrc:0 "));

	/* Renegotiated (same connection): the same track, the same SSRC. */
	uint32_t group = q->group_ssrc;
	guint mark = f->told->len;
	publish_ok(f, 0, offer->str);
	g_assert_cmpuint(last_cmd(f).type, ==, RELAY_CMD_TRANSPORT_UPDATE);
	g_assert_cmpuint(f->sink.streams[2].group_ssrc, ==, group);
	g_assert_cmpuint(count_told(f, 1, "stream.added", mark), ==, 0);
	g_assert_cmpuint(count_told(f, 1, "stream.removed", mark), ==, 0);
}

/* Active speaker: a publisher's answer takes the audio level extension
 * (RFC 6464) on its audio m-line, the worker learns its id for the audio
 * stream only; the worker's level reports make the loudest publisher the
 * speaker, announced to everyone admitted; reports about a transport that
 * is not a publication, or from someone a host muted, count for nothing;
 * the speaker leaving is announced as nobody. (Timing: tests/unit/live/
 * test_speaker.c.) */
static void test_active_speaker(struct fixture *f, gconstpointer data)
{
	const char *code = NULL;
	g_autofree char *problem = NULL;

	(void)data;
	g_autofree char *answer =
	    sig_media_publish(f->media, f->members[0], f->offer, strlen(f->offer), &code, &problem);
	g_assert_nonnull(answer);
	g_assert_cmpuint(
	    occurrences(answer, "a=extmap:1 urn:ietf:params:rtp-hdrext:ssrc-audio-level\r\n"), ==,
	    1);
	for (unsigned s = 0; s < f->sink.stream_count; s++)
		g_assert_cmpuint(f->sink.audio_level_ext_id[s], ==,
				 f->sink.kind[s] == RELAY_STREAM_AUDIO ? 1 : 0);
	uint64_t id0 = last_cmd(f).arg;
	publish_ok(f, 1, f->offer);
	uint64_t id1 = last_cmd(f).arg;
	guint mark = f->told->len;

	/* Someone muted by a host, and a transport nobody publishes on: no. */
	f->members[1]->muted = RELAY_MUTE_AUDIO;
	worker_event(f, RELAY_EVT_AUDIO_LEVEL, id1, 3000);
	worker_event(f, RELAY_EVT_AUDIO_LEVEL, 999, 3000);
	g_assert_cmpuint(count_told(f, 2, "speaker", mark), ==, 0);
	g_assert_null(sig_rooms_active_speaker(f->rooms, f->session.id));
	/* Member 0 speaks: everyone hears it once. */
	worker_event(f, RELAY_EVT_AUDIO_LEVEL, id0, 3000);
	worker_event(f, RELAY_EVT_AUDIO_LEVEL, id0, 3000);
	for (int i = 0; i < MEMBERS; i++)
		g_assert_cmpuint(count_told(f, i, "speaker", mark), ==, 1);
	json_t *ev = last_told(f, 5, "speaker");
	g_assert_cmpstr(json_string_value(json_object_get(ev, "participant_id")), ==,
			f->members[0]->participant_id);
	g_assert_cmpstr(sig_rooms_active_speaker(f->rooms, f->session.id), ==,
			f->members[0]->participant_id);
	/* Gone: nobody speaks (announced at once: the first was long enough
	 * ago, or at the next tick). */
	g_usleep(SIG_SPEAKER_ANNOUNCE_US);
	sig_speaker_room_silenced(f->rooms, f->members[0], clock_mono_us(), tell, f);
	g_assert_null(sig_rooms_active_speaker(f->rooms, f->session.id));
	g_assert_cmpuint(count_told(f, 5, "speaker", mark), ==, 2);
	ev = last_told(f, 5, "speaker");
	g_assert_true(json_is_null(json_object_get(ev, "participant_id")));
}

/* RELAY_CMD_SPEAKER commands since command mark; the last in *ret_last. */
static unsigned speaker_cmds(struct fixture *f, guint mark, struct relay_msg *ret_last)
{
	unsigned n = 0;

	for (guint i = mark; i < f->sink.cmds->len; i++) {
		struct relay_msg m = g_array_index(f->sink.cmds, struct relay_msg, i);
		if (m.type != RELAY_CMD_SPEAKER)
			continue;
		*ret_last = m;
		n++;
	}
	return n;
}

/* The relay hears who speaks: once per change, the speaker's publish
 * transport (its camera is served first, relay/budget.c). */
static void test_speaker_to_relay(struct fixture *f, gconstpointer data)
{
	struct relay_msg cmd = {0};

	(void)data;
	publish_ok(f, 0, f->offer);
	uint64_t id0 = last_cmd(f).arg;
	publish_ok(f, 1, f->offer);
	uint64_t id1 = last_cmd(f).arg;
	guint mark = f->sink.cmds->len;

	worker_event(f, RELAY_EVT_AUDIO_LEVEL, id0, 3000);
	worker_event(f, RELAY_EVT_AUDIO_LEVEL, id0, 3000);
	g_assert_cmpuint(speaker_cmds(f, mark, &cmd), ==, 1);
	g_assert_cmpuint(cmd.arg, ==, (uint64_t)f->session.id);
	g_assert_cmpuint(cmd.arg2, ==, id0);
	/* Member 0 falls silent: the relay keeps it until another speaks. */
	g_usleep(SIG_SPEAKER_ANNOUNCE_US);
	sig_speaker_room_silenced(f->rooms, f->members[0], clock_mono_us(), tell, f);
	g_assert_cmpuint(speaker_cmds(f, mark, &cmd), ==, 1);
	/* Member 1 speaks, its worker's queue full: told at the next report. */
	g_usleep(SIG_SPEAKER_ANNOUNCE_US);
	f->sink.fail = 1;
	worker_event(f, RELAY_EVT_AUDIO_LEVEL, id1, 5000);
	worker_event(f, RELAY_EVT_AUDIO_LEVEL, id1, 5000);
	g_assert_cmpstr(sig_rooms_active_speaker(f->rooms, f->session.id), ==,
			f->members[1]->participant_id);
	f->sink.fail = 0;
	g_assert_cmpuint(speaker_cmds(f, mark, &cmd), ==, 1);
	worker_event(f, RELAY_EVT_AUDIO_LEVEL, id1, 5000);
	g_assert_cmpuint(speaker_cmds(f, mark, &cmd), ==, 2);
	g_assert_cmpuint(cmd.arg2, ==, id1);
	worker_event(f, RELAY_EVT_AUDIO_LEVEL, id1, 5000);
	g_assert_cmpuint(speaker_cmds(f, mark, &cmd), ==, 2);
}

/* A hint message as a client sends it. */
static int hint(struct fixture *f, int who, const char *streams, const char **ret_code)
{
	g_autofree char *text =
	    g_strdup_printf("{\"type\":\"subscribe.hint\",\"streams\":%s}", streams);
	json_t *msg = json_loads(text, 0, NULL);
	g_autofree char *problem = NULL;

	g_assert_nonnull(msg);
	*ret_code = NULL;
	int r = sig_media_subscribe_hint(f->media, f->members[who], msg, ret_code, &problem);
	json_decref(msg);
	g_assert_true((r == 0) == (problem == NULL));
	return r;
}

/* The HINT commands sent since index from: how many, and the last. */
static unsigned hints_since(struct fixture *f, guint from, struct relay_msg *ret_last)
{
	unsigned n = 0;

	for (guint i = from; i < f->sink.cmds->len; i++) {
		struct relay_msg *c = &g_array_index(f->sink.cmds, struct relay_msg, i);
		if (c->type != RELAY_CMD_HINT)
			continue;
		n++;
		*ret_last = *c;
	}
	return n;
}

/* The client's answer to the last subscribe offer: Chromium's audio and
 * video sections, one per m-line of the offer, with its mids, and the
 * lines of extra (NULL: none) in every section, before a=recvonly. */
static void answer_with(struct fixture *f, int who, const char *extra)
{
	json_t *offer = last_told(f, who, "subscribe.offer");
	const char *osdp = json_string_value(json_object_get(offer, "sdp"));
	g_autofree char *raw = read_sdp("chromium-subscribe-answer.sdp");
	g_auto(GStrv) parts = g_strsplit(raw, "m=", -1); /* session, audio, video, video */
	g_autoptr(GString) sdp = g_string_new(NULL), bundle = g_string_new("BUNDLE");
	g_autofree char *problem = NULL;
	const char *code = NULL;

	g_assert_cmpuint(g_strv_length(parts), ==, 4);
	for (const char *m = osdp; (m = strstr(m, "\r\nm=")); m++) {
		const char *mid = strstr(m, "a=mid:") + 6;
		g_autofree char *id = g_strndup(mid, strcspn(mid, "\r\n"));
		g_autoptr(GString) section = g_string_new("m=");
		bool audio = g_str_has_prefix(m + 4, "audio");
		g_string_append(section, audio ? parts[1] : parts[2]);
		g_string_replace(section, audio ? "a=mid:a0" : "a=mid:v0", "", 0);
		g_string_append_printf(section, "a=mid:%s\r\n", id);
		if (extra) /* (its audio level's id is the relay's abs-send-time's) */
			g_string_replace(
			    section, "a=extmap:2 urn:ietf:params:rtp-hdrext:ssrc-audio-level\r\n",
			    "", 0);
		if (extra)
			g_string_replace(section, "a=recvonly\r\n", extra, 0);
		g_string_append(sdp, section->str);
		g_string_append_printf(bundle, " %s", id);
	}
	g_string_prepend(sdp, parts[0]);
	g_string_replace(sdp, "BUNDLE a0 v0 v1", bundle->str, 0);
	g_string_replace(sdp, "\r\n\r\n", "\r\n", 0);
	g_assert_cmpint(
	    sig_media_subscribe_answer(f->media, f->members[who],
				       json_integer_value(json_object_get(offer, "version")),
				       sdp->str, sdp->len, &code, &problem),
	    ==, 0);
}

static void answer_ok(struct fixture *f, int who)
{
	answer_with(f, who, NULL);
}

#define ABS_SEND_TIME_URI "http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time"

/* How the relay learns a subscriber's downlink: every m-line of a
 * subscribe offer carries transport-cc (id 3) and abs-send-time (id 2),
 * with rtcp-fb transport-cc and goog-remb; the answer decides (data):
 * transport-cc accepted: the relay's own estimate (the worker gets id 3,
 * no abs-send-time); abs-send-time and goog-remb only: REMB (id 2); the
 * extension without goog-remb, or nothing: neither. */
static void test_subscriber_estimation(struct fixture *f, gconstpointer data)
{
	(void)data;
	publish_ok(f, 0, f->offer);
	g_assert_cmpint(sig_media_subscribe(f->media, f->members[1]), ==, 0);
	g_assert_cmpint(sig_media_subscribe(f->media, f->members[2]), ==, 0);
	g_assert_cmpint(sig_media_subscribe(f->media, f->members[3]), ==, 0);
	const char *offer =
	    json_string_value(json_object_get(last_told(f, 1, "subscribe.offer"), "sdp"));
	unsigned n = occurrences(offer, "m=");
	g_assert_cmpuint(n, >=, 3);
	g_assert_cmpuint(occurrences(offer, "a=extmap:2 " ABS_SEND_TIME_URI "\r\n"), ==, n);
	g_assert_cmpuint(occurrences(offer, "a=extmap:3 " TWCC_URI "\r\n"), ==, n);
	g_assert_cmpuint(occurrences(offer, " goog-remb\r\n"), ==, n);
	g_assert_cmpuint(occurrences(offer, " transport-cc\r\n"), ==, n);

	const char *abs = "a=extmap:2 " ABS_SEND_TIME_URI "\r\na=recvonly\r\n"
			  "a=rtcp-fb:96 goog-remb\r\na=rtcp-fb:111 goog-remb\r\n";
	/* (rtcp-fb lines of a payload type the section does not have are
	 * ignored: each section gets both.) */
	answer_with(f, 1, abs);
	g_assert_cmpuint(f->sink.routes_sets, ==, 1);
	g_assert_cmpuint(f->sink.routes_twcc_ext_id, ==, 0);
	g_assert_cmpuint(f->sink.routes_abs_send_time_ext_id, ==, 2);

	g_autofree char *both =
	    g_strdup_printf("a=extmap:3 %s\r\n%sa=rtcp-fb:96 transport-cc\r\n", TWCC_URI, abs);
	answer_with(f, 2, both);
	g_assert_cmpuint(f->sink.routes_sets, ==, 2);
	g_assert_cmpuint(f->sink.routes_twcc_ext_id, ==, 3);
	g_assert_cmpuint(f->sink.routes_abs_send_time_ext_id, ==, 0);

	answer_with(f, 3, "a=extmap:2 " ABS_SEND_TIME_URI "\r\na=recvonly\r\n");
	g_assert_cmpuint(f->sink.routes_sets, ==, 3);
	g_assert_cmpuint(f->sink.routes_twcc_ext_id, ==, 0);
	g_assert_cmpuint(f->sink.routes_abs_send_time_ext_id, ==, 0);
}

/* Visibility hints: checked against the subscriber's m-lines (all or
 * nothing), stored per m-line, told to the worker once routed (and again
 * with every new set of routes), at most 5 a second at once, the latest
 * state after that within a second; a stream taking over an m-line starts
 * shown; audio is never hidden. */
static void test_hints(struct fixture *f, gconstpointer data)
{
	const char *code;
	struct relay_msg last = {0};

	(void)data;
	/* Not subscribed: nothing to hint about. */
	g_assert_cmpint(hint(f, 1, "[]", &code), <, 0);
	g_assert_cmpstr(code, ==, "bad_message");

	publish_ok(f, 0, f->offer); /* microphone (mid 0), camera (1), screen (2) */
	g_assert_cmpint(sig_media_subscribe(f->media, f->members[1]), ==, 0);
	/* Before the answer: stored, not sent (the worker has no route). */
	guint mark = f->sink.cmds->len;
	g_assert_cmpint(hint(f, 1, "[{\"mid\":\"2\",\"visible\":false}]", &code), ==, 0);
	g_assert_cmpuint(hints_since(f, mark, &last), ==, 0);
	answer_ok(f, 1);
	g_assert_cmpuint(hints_since(f, mark, &last), ==, 1);
	g_assert_cmpuint(last.arg, ==, g_array_index(f->sink.cmds, struct relay_msg, mark).arg);
	g_assert_cmpuint(RELAY_HINT_HEIGHT(last.arg2), ==, RELAY_HEIGHT_HIDDEN);
	uint32_t screen = RELAY_HINT_SSRC(last.arg2);
	g_assert_cmpuint(screen, !=, 0);

	/* Refused, changing nothing: an unknown mid (even next to a good
	 * one), more entries than m-lines, a bad size. */
	mark = f->sink.cmds->len;
	g_assert_cmpint(
	    hint(f, 1, "[{\"mid\":\"1\",\"visible\":false},{\"mid\":\"7\",\"visible\":false}]",
		 &code),
	    ==, -ENOENT);
	g_assert_cmpstr(code, ==, "unknown_stream");
	g_assert_cmpint(hint(f, 1,
			     "[{\"mid\":\"0\",\"visible\":true},{\"mid\":\"1\",\"visible\":true},"
			     "{\"mid\":\"2\",\"visible\":true},{\"mid\":\"3\",\"visible\":true}]",
			     &code),
			<, 0);
	g_assert_cmpstr(code, ==, "bad_message");
	g_assert_cmpint(hint(f, 1, "[{\"mid\":\"1\",\"visible\":true,\"height\":20000}]", &code), <,
			0);
	g_assert_cmpstr(code, ==, "bad_message");
	g_assert_cmpuint(hints_since(f, mark, &last), ==, 0);

	/* Audio is never hidden: nothing for the worker. Shown with a size:
	 * the height goes to the worker; the same state again: nothing. */
	g_assert_cmpint(hint(f, 1,
			     "[{\"mid\":\"0\",\"visible\":false},{\"mid\":\"2\",\"visible\":true,"
			     "\"width\":640,\"height\":360}]",
			     &code),
			==, 0);
	g_assert_cmpuint(hints_since(f, mark, &last), ==, 1);
	g_assert_cmpuint(RELAY_HINT_SSRC(last.arg2), ==, screen);
	g_assert_cmpuint(RELAY_HINT_HEIGHT(last.arg2), ==, 360);
	g_assert_cmpint(hint(f, 1, "[{\"mid\":\"2\",\"visible\":true,\"height\":360}]", &code), ==,
			0);
	g_assert_cmpuint(hints_since(f, mark, &last), ==, 1);

	/* The rate: the first 5 in a second (3 of them above, refusals do not
	 * count) reach the worker at once; the rest wait, and only the latest
	 * state goes. */
	for (int i = 0; i < 5; i++)
		g_assert_cmpint(hint(f, 1,
				     i % 2 ? "[{\"mid\":\"1\",\"visible\":true}]"
					   : "[{\"mid\":\"1\",\"visible\":false}]",
				     &code),
				==, 0);
	g_assert_cmpuint(hints_since(f, mark, &last), ==, 1 + 2);
	sig_media_hint_flush(f->media, f->members[1]);
	g_assert_cmpuint(hints_since(f, mark, &last), ==, 1 + 2);
	g_usleep(1010 * 1000);
	sig_media_hint_flush(f->media, f->members[1]);
	g_assert_cmpuint(hints_since(f, mark, &last), ==, 1 + 2 + 1);
	g_assert_cmpuint(RELAY_HINT_HEIGHT(last.arg2), ==, RELAY_HEIGHT_HIDDEN);
	uint32_t camera = RELAY_HINT_SSRC(last.arg2);
	g_assert_cmpuint(camera, !=, screen);
	sig_media_hint_flush(f->media, f->members[1]);
	g_assert_cmpuint(hints_since(f, mark, &last), ==, 1 + 2 + 1);

	/* New routes (another publisher's streams arrive): the worker starts
	 * them shown and keeps the others' hints; the non-default ones are
	 * told again anyway. */
	publish_ok(f, 2, f->offer);
	mark = f->sink.cmds->len;
	answer_ok(f, 1);
	g_assert_cmpuint(hints_since(f, mark, &last), ==, 2); /* camera hidden, screen 360 */

	/* A stream that takes over an m-line is shown until the client says
	 * otherwise: the publisher goes and comes back. */
	sig_media_unpublish(f->media, f->members[0]);
	publish_ok(f, 0, f->offer);
	mark = f->sink.cmds->len;
	answer_ok(f, 1);
	g_assert_cmpuint(hints_since(f, mark, &last), ==, 0);
}

/* The candidate lines of an SDP, in order, as one string. */
static char *candidates_of(const char *sdp)
{
	g_autoptr(GString) out = g_string_new("");
	const char *p = sdp;

	while ((p = strstr(p, "a=candidate:"))) {
		const char *end = strstr(p, "\r\n");
		g_string_append_len(out, p, end - p);
		g_string_append_c(out, '|');
		if (strstr(p + 1, "m=") && strstr(p + 1, "a=candidate:") > strstr(p + 1, "m="))
			break; /* the first m-line's are enough */
		p = end;
	}
	return g_string_free(g_steal_pointer(&out), FALSE);
}

/* Both families bound: the answer and the subscribe offer carry one host
 * candidate of each, IPv6 first and preferred by one local preference step
 * (RFC 8421), on the worker's one port; c= names the IPv6 one. */
static void test_dual_stack_candidates(struct fixture *f, gconstpointer data)
{
	(void)data;
	const char *code = NULL;
	g_autofree char *problem = NULL;
	g_autofree char *answer =
	    sig_media_publish(f->media, f->members[0], f->offer, strlen(f->offer), &code, &problem);
	g_assert_nonnull(answer);
	g_autofree char *cands = candidates_of(answer);
	g_assert_cmpstr(cands, ==,
			"a=candidate:1 1 udp 2130706431 ::1 40000 typ host|"
			"a=candidate:2 1 udp 2130706175 203.0.113.7 40000 typ host|");
	g_assert_nonnull(strstr(answer, "c=IN IP6 ::1\r\n"));

	g_assert_cmpint(sig_media_subscribe(f->media, f->members[1]), ==, 0);
	const char *offer =
	    json_string_value(json_object_get(last_told(f, 1, "subscribe.offer"), "sdp"));
	g_autofree char *sub_cands = candidates_of(offer);
	g_assert_cmpstr(sub_cands, ==, cands);
}

/* An IPv6 address alone: one IPv6 candidate, no IPv4 one. */
static void test_ipv6_only_candidates(struct fixture *f, gconstpointer data)
{
	(void)data;
	const char *code = NULL;
	g_autofree char *problem = NULL;
	g_autofree char *answer =
	    sig_media_publish(f->media, f->members[0], f->offer, strlen(f->offer), &code, &problem);
	g_assert_nonnull(answer);
	g_autofree char *cands = candidates_of(answer);
	g_assert_cmpstr(cands, ==, "a=candidate:1 1 udp 2130706431 ::1 40000 typ host|");
}

int main(int argc, char **argv)
{
	static const char *const dual[] = {"127.0.0.1, ::1", "203.0.113.7"};
	static const char *const v6_only[] = {"::1", ""};

	g_test_init(&argc, &argv, NULL);
#define ADD(name, fn) g_test_add(name, struct fixture, NULL, fixture_setup, fn, fixture_teardown)
	ADD("/live/media/publish-subscribe", test_publish_subscribe);
	ADD("/live/media/simulcast-publish", test_simulcast_publish);
	ADD("/live/media/refused-renegotiation", test_refused_renegotiation);
	ADD("/live/media/slots", test_slots);
	ADD("/live/media/congestion-feedback", test_congestion_feedback);
	ADD("/live/media/remb", test_remb);
	ADD("/live/media/subscriber-estimation", test_subscriber_estimation);
	ADD("/live/media/outage", test_outage);
	ADD("/live/media/active-speaker", test_active_speaker);
	ADD("/live/media/speaker-to-relay", test_speaker_to_relay);
	ADD("/live/media/hints", test_hints);
	g_test_add("/live/media/dual-stack-candidates", struct fixture, dual, fixture_setup,
		   test_dual_stack_candidates, fixture_teardown);
	g_test_add("/live/media/ipv6-only-candidates", struct fixture, v6_only, fixture_setup,
		   test_ipv6_only_candidates, fixture_teardown);
	return g_test_run();
}
