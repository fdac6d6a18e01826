#include "daemon/metrics.h"

#include "daemon/hearth_commit.h"
#include "daemon/procstat.h"
#include "live/room.h"
#include "live/ws.h"
#include "relay/relay.h"
#include "service/ratelimit.h"

static void sig_metrics_head(GString *out, const char *name, const char *type, const char *help)
{
	g_string_append_printf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

struct sig_metrics_census {
	unsigned admitted, waiting;
};

static void sig_metrics_count_member(struct sig_member *m, void *userdata)
{
	struct sig_metrics_census *census = userdata;

	if (m->waiting)
		census->waiting++;
	else
		census->admitted++;
}

/* Who is here: sessions with someone present, and the people in them (a
 * seat kept for a resume counts: its socket dropped under 30 s ago). */
static void sig_metrics_people(const struct sig_metrics_sources *src, GString *out)
{
	struct sig_metrics_census census = {0, 0};
	unsigned sessions = 0;

	if (src->rooms) {
		GArray *ids = sig_rooms_sessions(src->rooms);
		sessions = ids->len;
		for (guint i = 0; i < ids->len; i++)
			sig_rooms_foreach(src->rooms, g_array_index(ids, int64_t, i),
					  sig_metrics_count_member, &census);
		g_array_free(ids, TRUE);
	}
	sig_metrics_head(out, "hearth_sessions_open", "gauge", "sessions with someone present now");
	g_string_append_printf(out, "hearth_sessions_open %u\n", sessions);
	sig_metrics_head(out, "hearth_participants", "gauge",
			 "people present now, admitted or in the waiting room");
	g_string_append_printf(out,
			       "hearth_participants{state=\"admitted\"} %u\n"
			       "hearth_participants{state=\"waiting\"} %u\n",
			       census.admitted, census.waiting);
}

static void sig_metrics_protocol(const struct sig_metrics_sources *src, GString *out)
{
	static const char *const whats[SIG_RATELIMIT_WHATS] = SIG_RATELIMIT_WHAT_NAMES;
	struct sig_ws_stats st = {0};

	if (src->ws)
		sig_ws_stats(src->ws, &st);
	sig_metrics_head(out, "hearth_websocket_connections_open", "gauge",
			 "client protocol (WebSocket) connections open now");
	g_string_append_printf(out, "hearth_websocket_connections_open %llu\n",
			       (unsigned long long)st.connections_open);
	sig_metrics_head(out, "hearth_joins_total", "counter",
			 "join requests by outcome: ok, waiting, or the error code that refused "
			 "them (docs/protocol.md)");
	for (unsigned i = 0; i < SIG_JOIN_OUTCOMES; i++)
		g_string_append_printf(out, "hearth_joins_total{outcome=\"%s\"} %llu\n",
				       sig_join_outcome_name(i), (unsigned long long)st.joins[i]);
	sig_metrics_head(out, "hearth_ratelimit_refusals_total", "counter",
			 "attempts refused after repeated failures from an address, by what was "
			 "tried");
	for (unsigned i = 0; i < SIG_RATELIMIT_WHATS; i++)
		g_string_append_printf(
		    out, "hearth_ratelimit_refusals_total{what=\"%s\"} %llu\n", whats[i],
		    (unsigned long long)sig_ratelimit_refused_for(src->limiter, i));
}

/* Per worker, like the media counters of control.c. */
static void sig_metrics_transports(const struct sig_metrics_sources *src, GString *out)
{
	static const char *const reasons[RELAY_FAILURES] = RELAY_FAILURE_NAMES;
	unsigned workers = relay_worker_count(src->relay);
	struct relay_worker_stats *st = g_new0(struct relay_worker_stats, workers ? workers : 1);

	for (unsigned i = 0; i < workers; i++)
		relay_worker_stats(src->relay, i, &st[i]);
	sig_metrics_head(out, "hearth_transport_failures_total", "counter",
			 "media transports (ICE/DTLS/SRTP) that failed, by reason");
	for (unsigned i = 0; i < workers; i++)
		for (unsigned r = 0; r < RELAY_FAILURES; r++)
			g_string_append_printf(out,
					       "hearth_transport_failures_total{worker=\"%u\",port="
					       "\"%d\",reason=\"%s\"} "
					       "%llu\n",
					       i, relay_worker_port(src->relay, i), reasons[r],
					       (unsigned long long)st[i].transport_failures[r]);
	sig_metrics_head(out, "hearth_transport_network_changes_total", "counter",
			 "media transports moved to a new address (a network change or ICE "
			 "restart)");
	for (unsigned i = 0; i < workers; i++)
		g_string_append_printf(
		    out, "hearth_transport_network_changes_total{worker=\"%u\",port=\"%d\"} %llu\n",
		    i, relay_worker_port(src->relay, i), (unsigned long long)st[i].network_changes);
	sig_metrics_head(out, "hearth_media_bytes_total", "counter",
			 "media payload bytes (UDP datagrams, ICE-TCP frames) received (in) and "
			 "sent (out)");
	for (unsigned i = 0; i < workers; i++) {
		int port = relay_worker_port(src->relay, i);
		g_string_append_printf(
		    out,
		    "hearth_media_bytes_total{worker=\"%u\",port=\"%d\",direction=\"in\"} %llu\n"
		    "hearth_media_bytes_total{worker=\"%u\",port=\"%d\",direction=\"out\"} %llu\n",
		    i, port, (unsigned long long)st[i].bytes_received, i, port,
		    (unsigned long long)st[i].bytes_sent);
	}
	g_free(st);
}

void sig_metrics_ops(const struct sig_metrics_sources *src, GString *out)
{
	sig_metrics_head(out, "hearth_build_info", "gauge",
			 "always 1: the version and commit hearthd was built from");
	g_string_append_printf(out, "hearth_build_info{version=\"%s\",commit=\"%s\"} 1\n",
			       HEARTH_VERSION, HEARTH_COMMIT);
	sig_metrics_people(src, out);
	sig_metrics_protocol(src, out);
	sig_metrics_transports(src, out);
	sig_procstat_metrics(out);
}
