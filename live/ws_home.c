/* Which node serves a session (service/cluster.h): a join or resume that
 * reaches a node other than its occurrence's home is answered
 * `wrong_node` with the home's URL (docs/protocol.md, "Several nodes");
 * one that finds the lease free or expired takes it here, and with it the
 * seats stored for that session (a node that died: its clients resume
 * here without a second trip through the waiting room). */
#include <errno.h>
#include <glib.h>
#include <string.h>

#include "core/clock.h"
#include "core/log.h"
#include "crypto/token.h"
#include "live/media.h"
#include "live/ws_internal.h"
#include "service/cluster.h"
#include "service/occurrence.h"
#include "store/store.h"

#define SIG_WS_MOVED_RETRY_MS 500 /* a session moved: resume (and be sent on) soon */

/* Answers that the session is served elsewhere, then closes: the client
 * opens a WebSocket to url and asks again there. */
static void sig_ws_wrong_node(struct sig_ws_conn *conn, const json_t *id, int64_t session_id,
			      const char *url)
{
	log_debug("session %lld: served by another node", (long long)session_id);
	sig_ws_error(conn, id, "wrong_node", "this session is served by another node",
		     json_pack("{s:s}", "url", url));
	sig_ws_close(conn, SIG_WS_CLOSE_NORMAL);
}

/* The lease could not be read or taken: the client tries again shortly. */
static void sig_ws_home_unknown(struct sig_ws_conn *conn, const json_t *id, int64_t session_id,
				int r)
{
	log_warn("session %lld: cannot tell which node serves it (%s)", (long long)session_id,
		 strerror(-r));
	sig_ws_error(conn, id, "server_restarting", "the server is busy; try again shortly",
		     json_pack("{s:i}", "retry_after_ms", 1000));
	sig_ws_close(conn, SIG_WS_CLOSE_RESTART);
}

int sig_ws_home(struct sig_ws_conn *conn, const json_t *id, const struct sig_session *session)
{
	struct sig_ws *ws = conn->ws;
	g_autofree char *url = NULL;
	int64_t now = clock_wall_s();
	int r = sig_ws_lease(ws, session, now, &url);

	if (r == SIG_CLUSTER_ELSEWHERE) {
		sig_ws_wrong_node(conn, id, session->id, url);
		return -EREMOTE;
	}
	if (r < 0) {
		sig_ws_home_unknown(conn, id, session->id, r);
		return r;
	}
	/* Taken with nobody here: from a node that died or left, whose seats
	 * come back here. With people here, this node served the session
	 * already (a new occurrence's lease, or one it had let go). */
	if (r == SIG_CLUSTER_TAKEN && sig_rooms_count(ws->rooms, session->id) == 0)
		(void)sig_ws_restore_session_seats(ws, session->id, now);
	return 0;
}

void sig_ws_session_moved(struct sig_ws *ws, int64_t session_id)
{
	GPtrArray *taken = sig_rooms_take(ws->rooms, session_id, 0);

	for (guint i = 0; i < taken->len; i++) {
		struct sig_member *m = taken->pdata[i];

		if (ws->media)
			sig_media_member_left(ws->media, m);
		if (m->conn) {
			sig_ws_send(m->conn, json_pack("{s:s,s:i}", "type", "server.restarting",
						       "retry_after_ms", SIG_WS_MOVED_RETRY_MS));
			sig_ws_close(m->conn, SIG_WS_CLOSE_RESTART);
			m->conn->member = NULL;
		}
		sig_member_free(m);
	}
	log_warn("session %lld: served by another node now: %u participants sent there",
		 (long long)session_id, taken->len);
	g_ptr_array_free(taken, TRUE);
}

int sig_ws_resume_home(struct sig_ws_conn *conn, const json_t *id,
		       const uint8_t hash[CRYPTO_SHA256_BYTES])
{
	struct sig_ws *ws = conn->ws;
	struct sig_seat seat = {0};
	struct sig_session session = {0};
	int r;

	if (!ws->cluster)
		return 0;
	/* A seat stored by a node that is gone, or that serves it now. */
	r = sig_store_seat_find(ws->store, hash, &seat);
	if (r == 0)
		r = sig_store_session_get(ws->store, seat.session_id, &session);
	if (r == 0)
		r = sig_ws_home(conn, id, &session) < 0 ? 1 : 0;
	else
		r = 0; /* no such seat: resume_expired, as on one node */
	sig_seat_clear(&seat);
	sig_session_clear(&session);
	return r;
}
