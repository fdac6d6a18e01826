/* The media requests of the client protocol (docs/protocol.md, "Media"):
 * publish, subscribe, a subscriber's answer, ICE restart and visibility
 * hints, handed to live/media.c. */
#include <errno.h>
#include <glib.h>
#include <jansson.h>

#include "live/media.h"
#include "live/ws_internal.h"

/* The "sdp" string of a media request, or an error answered. */
static const char *sig_ws_sdp(struct sig_ws_conn *conn, json_t *msg, const json_t *id)
{
	json_t *sdp = json_object_get(msg, "sdp");

	if (!conn->ws->media) {
		sig_ws_error(conn, id, "unknown_type", "this server relays no media", NULL);
		return NULL;
	}
	if (!json_is_string(sdp)) {
		sig_ws_error(conn, id, "bad_message", "\"sdp\" must be a string", NULL);
		return NULL;
	}
	return json_string_value(sdp);
}

void sig_ws_on_publish(struct sig_ws_conn *conn, json_t *msg, const json_t *id)
{
	const char *sdp = sig_ws_sdp(conn, msg, id), *code = NULL;
	g_autofree char *problem = NULL;

	if (!sdp)
		return;
	g_autofree char *answer =
	    sig_media_publish(conn->ws->media, conn->member, sdp,
			      json_string_length(json_object_get(msg, "sdp")), &code, &problem);
	if (!answer) {
		sig_ws_error(conn, id, code, problem ? problem : "refused", NULL);
		return;
	}
	sig_ws_reply(conn, id, "publish", json_pack("{s:s}", "sdp", answer));
}

void sig_ws_on_subscribe(struct sig_ws_conn *conn, json_t *msg, const json_t *id)
{
	(void)msg;
	if (!conn->ws->media) {
		sig_ws_error(conn, id, "unknown_type", "this server relays no media", NULL);
		return;
	}
	int r = sig_media_subscribe(conn->ws->media, conn->member);
	if (r == -EPERM)
		sig_ws_error(conn, id, "forbidden", "you may not receive media in this session",
			     NULL);
	else if (r < 0)
		sig_ws_error(conn, id, "internal", "the server could not subscribe you", NULL);
	else
		sig_ws_reply(conn, id, "subscribe", NULL);
}

void sig_ws_on_subscribe_restart(struct sig_ws_conn *conn, json_t *msg, const json_t *id)
{
	(void)msg;
	if (!conn->ws->media || sig_media_subscribe_restart(conn->ws->media, conn->member) < 0) {
		sig_ws_error(conn, id, "bad_message", "subscribe first", NULL);
		return;
	}
	sig_ws_reply(conn, id, "subscribe.restart", NULL);
}

void sig_ws_on_subscribe_answer(struct sig_ws_conn *conn, json_t *msg, const json_t *id)
{
	const char *sdp = sig_ws_sdp(conn, msg, id), *code = NULL;
	json_t *version = json_object_get(msg, "version");
	g_autofree char *problem = NULL;

	if (!sdp)
		return;
	if (!json_is_integer(version)) {
		sig_ws_error(conn, id, "bad_message", "\"version\" must be an integer", NULL);
		return;
	}
	if (sig_media_subscribe_answer(conn->ws->media, conn->member, json_integer_value(version),
				       sdp, json_string_length(json_object_get(msg, "sdp")), &code,
				       &problem) < 0) {
		sig_ws_error(conn, id, code, problem ? problem : "refused", NULL);
		return;
	}
	sig_ws_reply(conn, id, "subscribe.answer", NULL);
}

void sig_ws_on_subscribe_hint(struct sig_ws_conn *conn, json_t *msg, const json_t *id)
{
	const char *code = NULL;
	g_autofree char *problem = NULL;

	if (!conn->ws->media) {
		sig_ws_error(conn, id, "unknown_type", "this server relays no media", NULL);
		return;
	}
	if (sig_media_subscribe_hint(conn->ws->media, conn->member, msg, &code, &problem) < 0) {
		sig_ws_error(conn, id, code, problem ? problem : "refused", NULL);
		return;
	}
	sig_ws_reply(conn, id, "subscribe.hint", NULL);
}
