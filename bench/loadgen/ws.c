/* See ws.h. */
#include <errno.h>
#include <libwebsockets.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "bench/loadgen/ws.h"

struct out_msg {
	struct out_msg *next;
	size_t len;
	unsigned char data[]; /* LWS_PRE bytes, then the text */
};

struct lg_ws {
	struct lws *wsi;
	const struct lg_ws_ops *ops;
	void *user;
	char *rx;
	size_t rx_len, rx_cap;
	bool rx_too_large;
	struct out_msg *out_head, *out_tail;
	bool closing; /* freed by the owner: close at the next callback */
};

static struct lws_context *context;
static void (*wake_hook)(void);
static atomic_bool stopping;

static void drop_out(struct lg_ws *ws)
{
	while (ws->out_head) {
		struct out_msg *m = ws->out_head;
		ws->out_head = m->next;
		free(m);
	}
	ws->out_tail = NULL;
}

static int on_receive(struct lg_ws *ws, struct lws *wsi, const void *in, size_t len)
{
	if (ws->rx_len + len + 1 > LG_WS_MAX_MESSAGE)
		ws->rx_too_large = true;
	if (!ws->rx_too_large && ws->rx_len + len + 1 > ws->rx_cap) {
		size_t cap = ws->rx_cap ? ws->rx_cap : 8192;
		while (cap < ws->rx_len + len + 1)
			cap *= 2;
		char *rx = realloc(ws->rx, cap);
		if (!rx)
			return -1;
		ws->rx = rx;
		ws->rx_cap = cap;
	}
	if (!ws->rx_too_large) {
		memcpy(ws->rx + ws->rx_len, in, len);
		ws->rx_len += len;
	}
	if (!lws_is_final_fragment(wsi) || lws_remaining_packet_payload(wsi) > 0)
		return 0;
	bool too_large = ws->rx_too_large;
	ws->rx_too_large = false;
	size_t n = ws->rx_len;
	ws->rx_len = 0;
	if (too_large) {
		ws->ops->on_close(ws->user, "message too large");
		return -1;
	}
	json_error_t err;
	json_t *msg = json_loadb(ws->rx, n, 0, &err);
	if (!msg) {
		ws->ops->on_close(ws->user, "message is not JSON");
		return -1;
	}
	ws->ops->on_message(ws->user, msg);
	json_decref(msg);
	return 0;
}

static int on_writeable(struct lg_ws *ws, struct lws *wsi)
{
	struct out_msg *m = ws->out_head;
	if (!m)
		return 0;
	if (lws_write(wsi, m->data + LWS_PRE, m->len, LWS_WRITE_TEXT) < (int)m->len)
		return -1;
	ws->out_head = m->next;
	if (!ws->out_head)
		ws->out_tail = NULL;
	free(m);
	if (ws->out_head)
		lws_callback_on_writable(wsi);
	return 0;
}

static int callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
		    size_t len)
{
	(void)user;
	struct lg_ws *ws = wsi ? lws_get_opaque_user_data(wsi) : NULL;
	switch (reason) {
	case LWS_CALLBACK_EVENT_WAIT_CANCELLED:
		if (wake_hook)
			wake_hook();
		return 0;
	case LWS_CALLBACK_CLIENT_ESTABLISHED:
		if (ws && !ws->closing) {
			ws->ops->on_open(ws->user);
			if (ws->out_head)
				lws_callback_on_writable(wsi);
		}
		return 0;
	case LWS_CALLBACK_CLIENT_RECEIVE:
		if (!ws || ws->closing)
			return -1;
		return on_receive(ws, wsi, in, len);
	case LWS_CALLBACK_CLIENT_WRITEABLE:
		if (!ws || ws->closing)
			return -1;
		return on_writeable(ws, wsi);
	case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
	case LWS_CALLBACK_CLIENT_CLOSED:
		if (ws) {
			lws_set_opaque_user_data(wsi, NULL);
			ws->wsi = NULL;
			if (!ws->closing)
				ws->ops->on_close(
				    ws->user, reason == LWS_CALLBACK_CLIENT_CLOSED
						  ? "closed"
						  : (in ? (const char *)in : "connection error"));
			else
				free(ws);
		}
		return 0;
	default:
		return 0;
	}
}

static const struct lws_protocols protocols[] = {
    {"lg", callback, 0, 65536, 0, NULL, 0},
    {NULL, NULL, 0, 0, 0, NULL, 0},
};

int lg_ws_global_init(void (*on_wake)(void))
{
	lws_set_log_level(LLL_ERR, NULL);
	struct lws_context_creation_info info;
	memset(&info, 0, sizeof(info));
	info.port = CONTEXT_PORT_NO_LISTEN;
	info.protocols = protocols;
	info.gid = -1;
	info.uid = -1;
	info.fd_limit_per_thread = 4096;
	wake_hook = on_wake;
	context = lws_create_context(&info);
	return context ? 0 : -EIO;
}

void lg_ws_run(void)
{
	while (!atomic_load(&stopping))
		if (lws_service(context, 0) < 0)
			break;
}

void lg_ws_stop(void)
{
	atomic_store(&stopping, true);
	lws_cancel_service(context);
}

void lg_ws_wake(void)
{
	lws_cancel_service(context);
}

void lg_ws_global_done(void)
{
	if (context)
		lws_context_destroy(context);
	context = NULL;
}

struct lg_ws *lg_ws_connect(const char *host, int port, const char *path, const char *subprotocol,
			    const struct lg_ws_ops *ops, void *user)
{
	struct lg_ws *ws = calloc(1, sizeof(*ws));
	if (!ws)
		return NULL;
	ws->ops = ops;
	ws->user = user;
	struct lws_client_connect_info ci;
	memset(&ci, 0, sizeof(ci));
	ci.context = context;
	ci.address = host;
	ci.port = port;
	ci.path = path;
	ci.host = host;
	ci.origin = host;
	ci.protocol = subprotocol;
	ci.local_protocol_name = "lg";
	ci.opaque_user_data = ws;
	ci.pwsi = &ws->wsi;
	if (!lws_client_connect_via_info(&ci)) {
		free(ws);
		return NULL;
	}
	return ws;
}

int lg_ws_send(struct lg_ws *ws, json_t *msg)
{
	if (!ws || ws->closing)
		return -ENOTCONN;
	char *text = json_dumps(msg, JSON_COMPACT);
	if (!text)
		return -ENOMEM;
	size_t len = strlen(text);
	struct out_msg *m = malloc(sizeof(*m) + LWS_PRE + len);
	if (!m) {
		free(text);
		return -ENOMEM;
	}
	m->next = NULL;
	m->len = len;
	memcpy(m->data + LWS_PRE, text, len);
	free(text);
	if (ws->out_tail)
		ws->out_tail->next = m;
	else
		ws->out_head = m;
	ws->out_tail = m;
	if (ws->wsi)
		lws_callback_on_writable(ws->wsi);
	return 0;
}

struct lg_ws *lg_ws_free(struct lg_ws *ws)
{
	if (!ws)
		return NULL;
	drop_out(ws);
	free(ws->rx);
	ws->rx = NULL;
	if (ws->wsi) {
		/* The close callback frees it. */
		ws->closing = true;
		lws_set_timeout(ws->wsi, PENDING_TIMEOUT_CLOSE_SEND, LWS_TO_KILL_ASYNC);
		return NULL;
	}
	free(ws);
	return NULL;
}
