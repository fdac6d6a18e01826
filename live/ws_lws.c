/* The client protocol on libwebsockets: the protocol hearthd registers with
 * http/ (SIG_WS_PROTOCOL on /ws), each connection's receive buffer (capped)
 * and send queue (capped), its join timer, and closing. Everything the
 * protocol decides is in ws.c and the files beside it; this file only
 * carries bytes (struct sig_ws_io). */
#include <errno.h>
#include <glib.h>
#include <libwebsockets.h>
#include <stdlib.h>
#include <string.h>

#include "core/capbuf.h"
#include "core/netaddr.h"
#include "http/http.h"
#include "http/server.h"
#include "live/ws.h"
#include "live/ws_internal.h"

/* One queued outgoing text frame, with LWS_PRE bytes of headroom. */
struct sig_ws_frame {
	size_t len;
	unsigned char data[];
};

/* Per connection; lws allocates and zeroes it. */
struct sig_ws_lws_conn {
	struct sig_ws_conn conn; /* first: the protocol's part */
	struct lws *wsi;
	struct capbuf rx; /* the message being received: grows up to SIG_WS_MAX_MESSAGE */
	GQueue out;
	size_t out_bytes;
	enum sig_ws_close_code close_code;
	lws_sorted_usec_list_t join_timer;
};

static struct sig_ws_lws_conn *sig_ws_lws(struct sig_ws_conn *conn)
{
	return (struct sig_ws_lws_conn *)conn;
}

static int sig_ws_lws_write(struct sig_ws_conn *conn, const char *text, size_t n)
{
	struct sig_ws_lws_conn *c = sig_ws_lws(conn);
	struct sig_ws_frame *f;

	if (c->out_bytes + n > SIG_WS_MAX_QUEUED)
		return -ENOBUFS;
	f = malloc(sizeof(*f) + LWS_PRE + n);
	if (!f)
		return -ENOMEM;
	f->len = n;
	memcpy(f->data + LWS_PRE, text, n);
	g_queue_push_tail(&c->out, f);
	c->out_bytes += n;
	lws_callback_on_writable(c->wsi);
	return 0;
}

/* After the queue drains, or by force within a second. */
static void sig_ws_lws_close(struct sig_ws_conn *conn, enum sig_ws_close_code code)
{
	struct sig_ws_lws_conn *c = sig_ws_lws(conn);

	c->close_code = code;
	lws_callback_on_writable(c->wsi);
	lws_set_timeout(c->wsi, PENDING_TIMEOUT_CLOSE_SEND, 1);
}

static void sig_ws_lws_joined(struct sig_ws_conn *conn)
{
	lws_sul_cancel(&sig_ws_lws(conn)->join_timer);
}

static const struct sig_ws_io sig_ws_lws_io = {
    .write = sig_ws_lws_write,
    .close = sig_ws_lws_close,
    .joined = sig_ws_lws_joined,
};

static void sig_ws_lws_join_timeout(lws_sorted_usec_list_t *sul)
{
	struct sig_ws_lws_conn *c = lws_container_of(sul, struct sig_ws_lws_conn, join_timer);

	sig_ws_join_timeout(&c->conn);
}

static int sig_ws_lws_receive(struct sig_ws_lws_conn *c, const void *in, size_t len)
{
	int r;

	if (c->conn.closing)
		return 0;
	/* The buffer grows with the message, never past the cap (checked by
	 * capbuf_append before it grows). */
	r = lws_frame_is_binary(c->wsi) ? -EMSGSIZE : capbuf_append(&c->rx, in, len);
	if (r == -EMSGSIZE) {
		capbuf_clear(&c->rx);
		sig_ws_error(&c->conn, NULL, "too_large",
			     "messages are JSON text of at most 65536 bytes", NULL);
		sig_ws_close(&c->conn, SIG_WS_CLOSE_TOO_LARGE);
		return 0;
	}
	if (r < 0)
		return -1;
	if (!lws_is_final_fragment(c->wsi) || lws_remaining_packet_payload(c->wsi))
		return 0;
	sig_ws_dispatch(&c->conn, c->rx.data, c->rx.len);
	capbuf_reset(&c->rx, SIG_WS_RX_KEEP);
	return 0;
}

static int sig_ws_lws_writeable(struct sig_ws_lws_conn *c)
{
	struct sig_ws_frame *f = g_queue_pop_head(&c->out);

	if (f) {
		c->out_bytes -= f->len;
		int n = lws_write(c->wsi, f->data + LWS_PRE, f->len, LWS_WRITE_TEXT);
		free(f);
		if (n < 0)
			return -1;
		if (!g_queue_is_empty(&c->out) || c->conn.closing)
			lws_callback_on_writable(c->wsi);
		return 0;
	}
	if (c->conn.closing) {
		/* RFC 6455 §7.4.1: lws_close_status has the same values. */
		lws_close_reason(c->wsi, (enum lws_close_status)c->close_code, NULL, 0);
		return -1;
	}
	return 0;
}

static void sig_ws_lws_closed(struct sig_ws_lws_conn *c)
{
	struct sig_ws_frame *f;

	lws_sul_cancel(&c->join_timer);
	sig_ws_conn_closed(&c->conn);
	while ((f = g_queue_pop_head(&c->out)))
		free(f);
	capbuf_clear(&c->rx);
}

/* Over HTTP/1.1 the upgrade is a GET; over HTTP/2 (RFC 8441, which
 * libwebsockets offers browsers) a CONNECT whose path is :path. */
static bool sig_ws_lws_path_ok(struct lws *wsi)
{
	char path[16];

	return (lws_hdr_copy(wsi, path, sizeof(path), WSI_TOKEN_GET_URI) > 0 ||
		lws_hdr_copy(wsi, path, sizeof(path), WSI_TOKEN_HTTP_COLON_PATH) > 0) &&
	       strcmp(path, "/ws") == 0;
}

static int sig_ws_lws_established(struct sig_ws_lws_conn *c, struct lws *wsi)
{
	struct sig_ws *ws = lws_get_protocol(wsi)->user;
	char peer[NETADDR_TEXT_MAX] = "";
	struct netaddr client;

	if (!ws)
		return -1;
	c->wsi = wsi;
	c->rx.max = SIG_WS_MAX_MESSAGE;
	/* The client's address (through trusted proxies), for the rate
	 * limits. */
	if (sig_http_client_address(wsi, &client, NULL) == 0)
		netaddr_format(&client, peer);
	sig_ws_conn_open(&c->conn, ws, &sig_ws_lws_io, peer);
	lws_sul_schedule(lws_get_context(wsi), 0, &c->join_timer, sig_ws_lws_join_timeout,
			 SIG_WS_JOIN_TIMEOUT_S * LWS_US_PER_SEC);
	return 0;
}

static int sig_ws_lws_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user,
			       void *in, size_t len)
{
	struct sig_ws_lws_conn *c = user;

	switch (reason) {
	case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION:
		/* Only /ws, never on the admin socket or the metrics listener,
		 * nor over the connection cap (HTTP/2 upgrades come here
		 * without HTTP_CONFIRM_UPGRADE). */
		return !sig_ws_lws_path_ok(wsi) || sig_http_admin_socket(wsi) ||
		       sig_http_upgrade_refused(wsi);
	case LWS_CALLBACK_ESTABLISHED:
		return sig_ws_lws_established(c, wsi);
	case LWS_CALLBACK_RECEIVE:
		return sig_ws_lws_receive(c, in, len);
	case LWS_CALLBACK_SERVER_WRITEABLE:
		return sig_ws_lws_writeable(c);
	case LWS_CALLBACK_CLOSED:
		if (c->conn.ws)
			sig_ws_lws_closed(c);
		return 0;
	default:
		return 0;
	}
}

void sig_ws_protocol(struct sig_ws *ws, struct sig_server_protocol *ret_protocol)
{
	*ret_protocol = (struct sig_server_protocol){
	    .name = SIG_WS_PROTOCOL,
	    .callback = sig_ws_lws_callback,
	    .per_connection_size = sizeof(struct sig_ws_lws_conn),
	    .rx_buffer_size = 16384,
	    .user = ws,
	};
}
