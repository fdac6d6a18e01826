/* Hearth's client protocol (docs/protocol.md, subprotocol hearth.v1): join
 * with the invite token, publish (we offer), subscribe (Hearth offers, we
 * answer each version). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "bench/loadgen/participant.h"
#include "bench/loadgen/sdp.h"

#define HINT_ENTRIES_MAX 16 /* per subscribe.hint (docs/protocol.md) */

static void send_json(struct lg_participant *p, json_t *msg)
{
	if (lg_ws_send(p->ws, msg) < 0)
		lg_participant_fail(p, "cannot send on the WebSocket");
	json_decref(msg);
}

static void on_open(void *user)
{
	struct lg_participant *p = user;
	send_json(p, json_pack("{s:s, s:i, s:i, s:s}", "type", "join", "id", ++p->next_id, "v", 1,
			       "token", p->token));
}

static void on_join_ok(struct lg_participant *p, json_t *msg)
{
	const char *state = json_string_value(json_object_get(msg, "state"));
	if (state && strcmp(state, "waiting") == 0) {
		lg_participant_fail(p,
				    "put in the waiting room (the roster entry needs auto_admit)");
		return;
	}
	if (!p->publishes)
		return;
	char *offer = lg_participant_publish_offer(p);
	if (!offer)
		return;
	send_json(
	    p, json_pack("{s:s, s:i, s:s}", "type", "publish", "id", ++p->next_id, "sdp", offer));
	free(offer);
}

/* What the browser client's grid says (web/js/hints.js): the first
 * p->visible videos of the subscription shown, the others hidden; sent
 * after each answer, every video named (the server keeps what a message
 * leaves out, so a re-offer's new m-lines are the ones that matter). */
static void send_hints(struct lg_participant *p, const char *offer)
{
	struct lg_sdp_remote *r = malloc(sizeof(*r));
	if (!r || lg_sdp_parse(offer, r, NULL) < 0) {
		free(r);
		return; /* the answer already said why */
	}
	json_t *streams = json_array();
	int videos = 0;
	for (size_t i = 0; i < r->n_mlines; i++) {
		const struct lg_sdp_mline *m = &r->m[i];
		if (m->kind != LG_VIDEO || !m->active || m->pt < 0)
			continue;
		json_array_append_new(streams, json_pack("{s:s, s:b}", "mid", m->mid, "visible",
							 videos++ < p->visible));
		if (json_array_size(streams) == HINT_ENTRIES_MAX) {
			send_json(p, json_pack("{s:s, s:i, s:O}", "type", "subscribe.hint", "id",
					       ++p->next_id, "streams", streams));
			json_array_clear(streams);
		}
	}
	if (json_array_size(streams) > 0)
		send_json(p, json_pack("{s:s, s:i, s:O}", "type", "subscribe.hint", "id",
				       ++p->next_id, "streams", streams));
	json_decref(streams);
	free(r);
}

static void on_subscribe_offer(struct lg_participant *p, json_t *msg)
{
	const char *sdp = json_string_value(json_object_get(msg, "sdp"));
	json_t *version = json_object_get(msg, "version");
	if (!sdp || !json_is_integer(version)) {
		lg_participant_fail(p, "subscribe.offer without sdp or version");
		return;
	}
	/* Hearth is ICE-lite: we control; it offers actpass and we take the
	 * DTLS client role, as browsers do. */
	char *answer = lg_participant_subscribe_answer(p, sdp, true, "active");
	if (!answer)
		return;
	send_json(p, json_pack("{s:s, s:i, s:O, s:s}", "type", "subscribe.answer", "id",
			       ++p->next_id, "version", version, "sdp", answer));
	free(answer);
	if (p->visible >= 0)
		send_hints(p, sdp);
}

/* "http://host[:port]" (a node's public URL, IPv4 or a name) into p's
 * node to move to. */
static int parse_node_url(struct lg_participant *p, const char *url)
{
	const char *host = url && strncmp(url, "http://", 7) == 0 ? url + 7 : NULL;
	size_t n = host ? strcspn(host, ":/") : 0;
	long port = 80;

	if (!n || n >= sizeof(p->node_host))
		return -EINVAL;
	if (host[n] == ':') {
		char *end;
		errno = 0;
		port = strtol(host + n + 1, &end, 10);
		if (errno || end == host + n + 1 || (*end && *end != '/') || port < 1 ||
		    port > 65535)
			return -EINVAL;
	}
	memcpy(p->node_host, host, n);
	p->node_host[n] = '\0';
	p->node_port = (int)port;
	return 0;
}

static void on_message(void *user, json_t *msg)
{
	struct lg_participant *p = user;
	const char *type = json_string_value(json_object_get(msg, "type"));
	if (!type || p->failed)
		return;
	if (strcmp(type, "join.ok") == 0) {
		on_join_ok(p, msg);
	} else if (strcmp(type, "publish.ok") == 0) {
		const char *sdp = json_string_value(json_object_get(msg, "sdp"));
		if (!sdp)
			lg_participant_fail(p, "publish.ok without sdp");
		else
			lg_participant_publish_answered(p, sdp);
	} else if (strcmp(type, "subscribe.offer") == 0) {
		on_subscribe_offer(p, msg);
	} else if (strcmp(type, "error") == 0) {
		json_t *e = json_object_get(msg, "error");
		const char *code = json_string_value(json_object_get(e, "code"));
		if (code && strcmp(code, "wrong_node") == 0 && !p->moving &&
		    parse_node_url(p, json_string_value(json_object_get(e, "url"))) == 0) {
			p->moving = true; /* the server closes this socket */
			return;
		}
		lg_participant_fail(p, "error %s: %s",
				    json_string_value(json_object_get(e, "code")) ?: "?",
				    json_string_value(json_object_get(e, "message")) ?: "");
	} else if (strcmp(type, "bye") == 0 || strcmp(type, "session.ended") == 0) {
		lg_participant_fail(p, "the server said %s", type);
	}
}

static void on_close(void *user, const char *why)
{
	struct lg_participant *p = user;
	if (p->moving)
		return; /* after wrong_node: the next tick connects to the node named */
	lg_participant_fail(p, "WebSocket: %s", why);
}

static void subscribe(struct lg_participant *p)
{
	p->sub_requested_ns = lg_now_ns();
	send_json(p, json_pack("{s:s, s:i}", "type", "subscribe", "id", ++p->next_id));
}

static void tick(struct lg_participant *p, int64_t now)
{
	(void)now; /* the server pings; libwebsockets answers */
	if (!p->moving || p->failed)
		return;
	/* Not from the old socket's own callback: it is freed here. */
	p->moving = false;
	p->ws = lg_ws_free(p->ws);
	p->ws = lg_ws_connect(p->node_host, p->node_port, lg_proto_hearth.path,
			      lg_proto_hearth.subprotocol, lg_proto_hearth.ws_ops, p);
	if (!p->ws)
		lg_participant_fail(p, "cannot connect to the node serving the session");
}

static const struct lg_ws_ops hearth_ws_ops = {
    .on_open = on_open,
    .on_message = on_message,
    .on_close = on_close,
};

const struct lg_proto lg_proto_hearth = {
    .path = "/ws",
    .subprotocol = "hearth.v1",
    .ws_ops = &hearth_ws_ops,
    .subscribe = subscribe,
    .tick = tick,
};
