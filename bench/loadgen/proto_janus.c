/* Janus's VideoRoom over its WebSocket transport (subprotocol
 * janus-protocol): create a Janus session, attach a publisher handle,
 * create the room if missing, join as publisher and publish (we offer);
 * later attach a subscriber handle and join with every other feed of the
 * room (Janus offers, multistream, we answer with "start"). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/loadgen/participant.h"

#define KEEPALIVE_NS (20 * 1000000000LL) /* Janus's session_timeout is 60 s */
#define ROOM_EXISTS  427		 /* JANUS_VIDEOROOM_ERROR_ROOM_EXISTS */

static void send_json(struct lg_participant *p, json_t *msg)
{
	if (lg_ws_send(p->ws, msg) < 0)
		lg_participant_fail(p, "cannot send on the WebSocket");
	json_decref(msg);
}

static void send_plugin(struct lg_participant *p, uint64_t handle, const char *txn, json_t *body,
			json_t *jsep)
{
	json_t *msg = json_pack("{s:s, s:I, s:I, s:s, s:o}", "janus", "message", "session_id",
				(json_int_t)p->j_session, "handle_id", (json_int_t)handle,
				"transaction", txn, "body", body);
	if (jsep)
		json_object_set_new(msg, "jsep", jsep);
	send_json(p, msg);
}

static void attach(struct lg_participant *p, const char *txn)
{
	send_json(p, json_pack("{s:s, s:I, s:s, s:s}", "janus", "attach", "session_id",
			       (json_int_t)p->j_session, "plugin", "janus.plugin.videoroom",
			       "transaction", txn));
}

static int room(const struct lg_participant *p)
{
	return p->run->janus_room_base + p->session;
}

static void on_open(void *user)
{
	struct lg_participant *p = user;
	send_json(p, json_pack("{s:s, s:s}", "janus", "create", "transaction", "create"));
}

static int publishers_in_session(const struct lg_participant *p)
{
	int n = 0;
	for (size_t i = 0; i < p->run->n; i++)
		n += p->run->p[i].session == p->session && p->run->p[i].publishes;
	return n;
}

static void on_success(struct lg_participant *p, const char *txn, json_t *msg)
{
	json_int_t id = json_integer_value(json_object_get(json_object_get(msg, "data"), "id"));
	if (strcmp(txn, "create") == 0) {
		p->j_session = (uint64_t)id;
		p->j_keepalive_ns = lg_now_ns() + KEEPALIVE_NS;
		if (p->publishes)
			attach(p, "attach-pub");
	} else if (strcmp(txn, "attach-pub") == 0) {
		p->j_pub_handle = (uint64_t)id;
		/* Whoever comes first makes the room; the others get 427. */
		send_plugin(p, p->j_pub_handle, "room",
			    json_pack("{s:s, s:i, s:i, s:i, s:s, s:s, s:b}", "request", "create",
				      "room", room(p), "publishers", publishers_in_session(p) + 1,
				      "bitrate", 0, "audiocodec", "opus", "videocodec", "vp8",
				      "permanent", 0),
			    NULL);
	} else if (strcmp(txn, "attach-sub") == 0) {
		p->j_sub_handle = (uint64_t)id;
		json_t *streams = json_array();
		for (size_t i = 0; i < p->run->n; i++) {
			const struct lg_participant *o = &p->run->p[i];
			if (o != p && o->session == p->session && o->publishes && o->j_feed)
				json_array_append_new(
				    streams, json_pack("{s:I}", "feed", (json_int_t)o->j_feed));
		}
		p->sub_requested_ns = lg_now_ns();
		send_plugin(p, p->j_sub_handle, "join-sub",
			    json_pack("{s:s, s:s, s:i, s:o}", "request", "join", "ptype",
				      "subscriber", "room", room(p), "streams", streams),
			    NULL);
	} else if (strcmp(txn, "room") == 0) {
		json_t *data = json_object_get(json_object_get(msg, "plugindata"), "data");
		json_int_t code = json_integer_value(json_object_get(data, "error_code"));
		if (code != 0 && code != ROOM_EXISTS) {
			lg_participant_fail(p, "room create: %s",
					    json_string_value(json_object_get(data, "error"))
						?: "?");
			return;
		}
		char display[32];
		snprintf(display, sizeof(display), "lg%d", p->index);
		send_plugin(p, p->j_pub_handle, "join-pub",
			    json_pack("{s:s, s:s, s:i, s:s}", "request", "join", "ptype",
				      "publisher", "room", room(p), "display", display),
			    NULL);
	}
}

static void on_event(struct lg_participant *p, const char *txn, json_t *msg)
{
	json_t *data = json_object_get(json_object_get(msg, "plugindata"), "data");
	const char *sdp = json_string_value(json_object_get(json_object_get(msg, "jsep"), "sdp"));
	if (json_object_get(data, "error_code")) {
		lg_participant_fail(p, "%s: %s", txn,
				    json_string_value(json_object_get(data, "error")) ?: "?");
		return;
	}
	if (strcmp(txn, "join-pub") == 0) {
		p->j_feed = (uint64_t)json_integer_value(json_object_get(data, "id"));
		char *offer = lg_participant_publish_offer(p);
		if (!offer)
			return;
		send_plugin(
		    p, p->j_pub_handle, "publish",
		    json_pack("{s:s, s:b, s:b}", "request", "publish", "audio", 1, "video", 1),
		    json_pack("{s:s, s:s}", "type", "offer", "sdp", offer));
		free(offer);
	} else if (strcmp(txn, "publish") == 0) {
		if (!sdp)
			lg_participant_fail(p, "publish answered without jsep");
		else
			lg_participant_publish_answered(p, sdp);
	} else if (strcmp(txn, "join-sub") == 0) {
		if (!sdp) {
			lg_participant_fail(p, "subscriber join answered without jsep");
			return;
		}
		/* Janus is a full ICE agent and offers: as the answerer we are
		 * controlled (RFC 8445 §6.1.1) and let it be the DTLS client. */
		char *answer = lg_participant_subscribe_answer(p, sdp, false, "passive");
		if (!answer)
			return;
		send_plugin(p, p->j_sub_handle, "start", json_pack("{s:s}", "request", "start"),
			    json_pack("{s:s, s:s}", "type", "answer", "sdp", answer));
		free(answer);
	}
}

static void on_message(void *user, json_t *msg)
{
	struct lg_participant *p = user;
	const char *janus = json_string_value(json_object_get(msg, "janus"));
	const char *txn = json_string_value(json_object_get(msg, "transaction"));
	if (!janus || p->failed)
		return;
	if (strcmp(janus, "error") == 0) {
		json_t *e = json_object_get(msg, "error");
		lg_participant_fail(p, "janus error %" JSON_INTEGER_FORMAT ": %s (%s)",
				    json_integer_value(json_object_get(e, "code")),
				    json_string_value(json_object_get(e, "reason")) ?: "?",
				    txn ?: "-");
	} else if (strcmp(janus, "success") == 0 && txn) {
		on_success(p, txn, msg);
	} else if (strcmp(janus, "event") == 0 && txn) {
		on_event(p, txn, msg);
	} else if (strcmp(janus, "hangup") == 0) {
		lg_participant_fail(p, "janus hung up: %s",
				    json_string_value(json_object_get(msg, "reason")) ?: "?");
	}
}

static void on_close(void *user, const char *why)
{
	struct lg_participant *p = user;
	lg_participant_fail(p, "WebSocket: %s", why);
}

static void subscribe(struct lg_participant *p)
{
	if (!p->j_session) {
		lg_participant_fail(p, "no Janus session to subscribe in");
		return;
	}
	attach(p, "attach-sub");
}

static void tick(struct lg_participant *p, int64_t now)
{
	if (!p->j_session || now < p->j_keepalive_ns || p->failed)
		return;
	p->j_keepalive_ns = now + KEEPALIVE_NS;
	send_json(p, json_pack("{s:s, s:I, s:s}", "janus", "keepalive", "session_id",
			       (json_int_t)p->j_session, "transaction", "keepalive"));
}

static const struct lg_ws_ops janus_ws_ops = {
    .on_open = on_open,
    .on_message = on_message,
    .on_close = on_close,
};

const struct lg_proto lg_proto_janus = {
    .path = "/",
    .subprotocol = "janus-protocol",
    .ws_ops = &janus_ws_ops,
    .subscribe = subscribe,
    .tick = tick,
};
