#include "daemon/control.h"

#include <errno.h>
#include <stddef.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <systemd/sd-daemon.h>
#include <time.h>
#include <unistd.h>

#include <libwebsockets.h>

#include "config/cfg.h"
#include "core/log.h"
#include "crypto/dtls.h"
#include "crypto/srtp.h"
#include "crypto/token.h"
#include "relay/relay.h"
#include "admin/api.h"
#include "daemon/certs.h"
#include "daemon/crossnode.h"
#include "daemon/nodes.h"
#include "daemon/webhooks.h"
#include "daemon/metrics.h"
#include "http/http.h"
#include "http/server.h"
#include "http/web.h"
#include "live/media.h"
#include "live/room.h"
#include "live/ws.h"
#include "service/ratelimit.h"
#include "service/session_ops.h"
#include "store/store.h"
#include "core/clock.h"
#include "core/parse.h"

/* A worker that has not answered a ping for this long is unhealthy: /healthz
 * says so and the systemd watchdog is no longer fed. */
#define CONTROL_WORKER_TIMEOUT_US (3 * 1000000LL)
#define CONTROL_TICK_US		  (1000000LL)
#define CONTROL_AUDIT_ANCHOR_US	  (3600 * 1000000LL) /* the audit head goes to the journal */
#define CONTROL_CERT_CHECK_S	  (86400) /* how often a generated certificate is checked */
#define CONTROL_RETRY_AFTER_MS	  1000	  /* server.restarting: when to try the next process */

struct sig_control {
	struct cfg *cfg;  /* borrowed */
	char **overrides; /* borrowed */
	struct relay *relay;
	struct sig_server *server;
	struct sig_store *store;
	struct sig_ratelimit *limiter; /* failed attempts per address, both protocols */
	struct sig_ops *ops;	       /* the operations both protocols share */
	struct sig_api *api;
	struct sig_rooms *rooms;
	struct sig_ws *ws;
	struct sig_nodes *nodes; /* this node among several (daemon/nodes.h) */
	struct sig_media *media;
	struct sig_certs *certs;		     /* TLS and DTLS certificates, reloadable */
	struct sig_webhooks *webhooks;		     /* NULL without [webhooks] url */
	struct sig_crossnode *crossnode;	     /* NULL for one node (SQLite) */
	struct crypto_dtls_identity *relay_identity; /* the workers' default (a reference) */
	int64_t certs_check_s;			     /* next renewal check, Unix time */
	int signal_fd;
	bool stopping;
	int64_t drain_until_us; /* SIGTERM: stop once clients are gone or at this time; 0 = none */
	bool watchdog;
	uint64_t ping_seq;
	int64_t started_us;
	int64_t *last_pong_us;	 /* per worker, monotonic */
	int64_t audit_logged_us; /* when the audit head was last logged */
};

int sig_control_block_signals(void)
{
	sigset_t mask;

	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0)
		return -errno;
	/* A closed client socket must not kill the daemon. */
	signal(SIGPIPE, SIG_IGN);
	return 0;
}

static unsigned control_unhealthy_workers(const struct sig_control *c)
{
	int64_t now = clock_mono_us();
	unsigned bad = 0;

	for (unsigned i = 0; i < relay_worker_count(c->relay); i++)
		if (now - c->last_pong_us[i] > CONTROL_WORKER_TIMEOUT_US)
			bad++;
	return bad;
}

static void control_healthz(void *userdata, struct sig_http_request *req)
{
	struct sig_control *c = userdata;
	unsigned workers = relay_worker_count(c->relay);
	unsigned bad = control_unhealthy_workers(c);

	if (strcmp(req->method, "GET") != 0 && strcmp(req->method, "HEAD") != 0) {
		sig_http_respond_error(req, 405, "method_not_allowed", "use GET");
		return;
	}
	json_t *body = json_pack(
	    "{s:s,s:s,s:I,s:i,s:i}", "status", bad ? "degraded" : "ok", "version", HEARTH_VERSION,
	    "uptime_s", (json_int_t)((clock_mono_us() - c->started_us) / 1000000), "workers",
	    (int)workers, "workers_responding", (int)(workers - bad));
	sig_http_respond_json(req, bad ? 503 : 200, body);
	json_decref(body);
}

/* Who may read /metrics: the admin socket; with a key configured, whoever
 * presents it; else the metrics listener when there is one, or loopback
 * clients of the main listener (not through a proxy) when there is not. Answers and returns false
 * otherwise. */
static bool control_metrics_allowed(struct sig_control *c, struct sig_http_request *req)
{
	const char *key_hex = c->cfg->metrics_key_sha256;
	bool own_listener = sig_server_metrics_bound(c->server) != NULL;

	if (req->admin_socket)
		return true;
	if (own_listener && !req->metrics_listener) {
		sig_http_respond_error(req, 404, "not_found", "no such resource");
		return false;
	}
	if (*key_hex) {
		uint8_t want[CRYPTO_SHA256_BYTES], got[CRYPTO_SHA256_BYTES];
		char header[256];
		bool ok = false;
		int n =
		    lws_hdr_copy(req->wsi, header, sizeof(header), WSI_TOKEN_HTTP_AUTHORIZATION);
		if (n > 7 && g_ascii_strncasecmp(header, "Bearer ", 7) == 0 &&
		    parse_hex(key_hex, want, sizeof(want)) == 0) {
			crypto_sha256(header + 7, strlen(header + 7), got);
			ok = crypto_equal(want, got, sizeof(got));
		}
		crypto_wipe(header, sizeof(header));
		if (!ok) {
			sig_http_add_header(req, "www-authenticate:", "Bearer");
			sig_http_respond_error(req, 401, "unauthorized",
					       "/metrics needs its bearer key");
		}
		return ok;
	}
	/* Whatever a proxy forwarded, even a header that names no usable
	 * client (and so leaves the proxy's own loopback address), came from
	 * outside. */
	if (own_listener || (netaddr_is_loopback(&req->client) && !req->forwarded))
		return true;
	sig_http_respond_error(req, 403, "forbidden",
			       "/metrics answers loopback clients only; set metrics.key_sha256 or "
			       "metrics.listen_address");
	return false;
}

/* The control thread's own figures: connections and refusals. */
static void control_metrics_http(struct sig_control *c, GString *out)
{
	struct sig_server_stats st;

	sig_server_stats(c->server, &st);
	g_string_append_printf(
	    out,
	    "# HELP hearth_http_connections_open HTTP/WebSocket connections open now\n"
	    "# TYPE hearth_http_connections_open gauge\n"
	    "hearth_http_connections_open %llu\n"
	    "# HELP hearth_http_connections_accepted_total HTTP/WebSocket connections accepted\n"
	    "# TYPE hearth_http_connections_accepted_total counter\n"
	    "hearth_http_connections_accepted_total %llu\n"
	    "# HELP hearth_http_connections_refused_total connections answered 503: over "
	    "server.max_connections_per_address\n"
	    "# TYPE hearth_http_connections_refused_total counter\n"
	    "hearth_http_connections_refused_total %llu\n"
	    "# HELP hearth_rate_limited_total requests refused after repeated failed attempts "
	    "(invites, API keys)\n"
	    "# TYPE hearth_rate_limited_total counter\n"
	    "hearth_rate_limited_total %llu\n",
	    (unsigned long long)st.connections_open, (unsigned long long)st.connections_accepted,
	    (unsigned long long)st.connections_refused,
	    (unsigned long long)sig_ratelimit_refused(c->limiter));
}

/* Subscribers' bandwidth estimates, as cumulative buckets (a histogram of
 * what is now, so a gauge): how many subscribers of each worker have an
 * estimate at or below le bit/s. */
static void control_metrics_bwe(struct sig_control *c, GString *out)
{
	static const uint32_t bounds[RELAY_BWE_BUCKETS] = RELAY_BWE_BUCKET_BOUNDS;
	static const char name[] = "hearth_subscriber_bwe_bps";

	g_string_append_printf(out,
			       "# HELP %s subscribers whose bandwidth estimate is at or below le "
			       "bit/s, now\n# TYPE %s gauge\n",
			       name, name);
	for (unsigned i = 0; i < relay_worker_count(c->relay); i++) {
		struct relay_worker_stats st;
		relay_worker_stats(c->relay, i, &st);
		for (unsigned b = 0; b < RELAY_BWE_BUCKETS; b++) {
			char le[16];
			if (bounds[b])
				g_snprintf(le, sizeof(le), "%u", bounds[b]);
			else
				g_strlcpy(le, "+Inf", sizeof(le));
			g_string_append_printf(out,
					       "%s{worker=\"%u\",port=\"%d\",le=\"%s\"} %llu\n",
					       name, i, relay_worker_port(c->relay, i), le,
					       (unsigned long long)st.bwe_subscribers[b]);
		}
	}
}

/* ICE-TCP (relay/tcp.c): connections held now, accepted, and closed by
 * the relay by reason, per worker. */
static void control_metrics_tcp(struct sig_control *c, GString *out)
{
	static const char *const reasons[RELAY_TCP_REFUSALS] = RELAY_TCP_REFUSAL_NAMES;

	g_string_append(out,
			"# HELP hearth_tcp_connections ICE-TCP connections held now\n"
			"# TYPE hearth_tcp_connections gauge\n"
			"# HELP hearth_tcp_accepted_total ICE-TCP connections accepted\n"
			"# TYPE hearth_tcp_accepted_total counter\n"
			"# HELP hearth_tcp_refused_total ICE-TCP connections the relay closed, "
			"by reason\n# TYPE hearth_tcp_refused_total counter\n");
	for (unsigned i = 0; i < relay_worker_count(c->relay); i++) {
		struct relay_worker_stats st;
		int port = relay_worker_port(c->relay, i);
		relay_worker_stats(c->relay, i, &st);
		g_string_append_printf(out,
				       "hearth_tcp_connections{worker=\"%u\",port=\"%d\"} %llu\n",
				       i, port, (unsigned long long)st.tcp_connections);
		g_string_append_printf(
		    out, "hearth_tcp_accepted_total{worker=\"%u\",port=\"%d\"} %llu\n", i, port,
		    (unsigned long long)st.tcp_accepted);
		for (unsigned r = 0; r < RELAY_TCP_REFUSALS; r++)
			g_string_append_printf(out,
					       "hearth_tcp_refused_total{worker=\"%u\",port=\"%d\","
					       "reason=\"%s\"} %llu\n",
					       i, port, reasons[r],
					       (unsigned long long)st.tcp_refused[r]);
	}
}

/* Prometheus text format (version 0.0.4): the media workers' counters. */
static void control_metrics(void *userdata, struct sig_http_request *req)
{
	static const struct {
		const char *name, *help;
		size_t offset;
	} counters[] = {
	    {"hearth_datagrams_received_total", "UDP datagrams (and ICE-TCP frames) received",
	     offsetof(struct relay_worker_stats, datagrams_received)},
	    {"hearth_datagrams_dropped_unknown_total",
	     "datagrams from addresses that passed no STUN check, or not STUN/DTLS/RTP",
	     offsetof(struct relay_worker_stats, datagrams_dropped_unknown)},
	    {"hearth_stun_refused_total", "STUN messages refused (credentials, format)",
	     offsetof(struct relay_worker_stats, stun_refused)},
	    {"hearth_rtp_forwarded_total", "SRTP packets sent to subscribers",
	     offsetof(struct relay_worker_stats, rtp_forwarded)},
	    {"hearth_srtp_failures_total", "SRTP/SRTCP packets that failed to unprotect",
	     offsetof(struct relay_worker_stats, srtp_failures)},
	    {"hearth_send_dropped_total",
	     "datagrams a full socket buffer did not take (raise net.core.wmem_max)",
	     offsetof(struct relay_worker_stats, send_dropped)},
	    {"hearth_nacks_received_total", "packets subscribers asked for again (generic NACK)",
	     offsetof(struct relay_worker_stats, nacks_received)},
	    {"hearth_rtx_sent_total", "RTX retransmissions sent to subscribers",
	     offsetof(struct relay_worker_stats, rtx_sent)},
	    {"hearth_rtx_missed_total",
	     "packets subscribers asked for that the retransmission buffer did not hold",
	     offsetof(struct relay_worker_stats, rtx_missed)},
	    {"hearth_nacks_ignored_total",
	     "packets subscribers asked for while awaiting the keyframe they requested",
	     offsetof(struct relay_worker_stats, nacks_ignored)},
	    {"hearth_nacks_sent_total", "packets the relay asked publishers for again",
	     offsetof(struct relay_worker_stats, nacks_sent)},
	    {"hearth_packets_recovered_total",
	     "missing publisher packets that arrived after all (RTX or retransmission)",
	     offsetof(struct relay_worker_stats, packets_recovered)},
	    {"hearth_loss_keyframes_total", "keyframe requests sent instead of NACKs (a burst)",
	     offsetof(struct relay_worker_stats, loss_keyframes)},
	    {"hearth_rtx_buffers_refused_total",
	     "video streams left without a retransmission buffer (the worker's cap)",
	     offsetof(struct relay_worker_stats, rtx_buffers_refused)},
	    {"hearth_twcc_feedback_sent_total",
	     "transport-wide congestion control feedback packets sent to publishers",
	     offsetof(struct relay_worker_stats, twcc_feedback_sent)},
	    {"hearth_remb_sent_total",
	     "REMB packets sent to publishers that do REMB instead of transport-cc",
	     offsetof(struct relay_worker_stats, remb_sent)},
	    {"hearth_ssrcs_learnt_total",
	     "simulcast encodings (and their RTX) whose SSRC was learnt from its rid",
	     offsetof(struct relay_worker_stats, ssrcs_learnt)},
	    {"hearth_layer_switches_total",
	     "times a subscriber was switched to another simulcast encoding of a track",
	     offsetof(struct relay_worker_stats, layer_switches)},
	    {"hearth_twcc_feedback_received_total",
	     "transport-wide congestion control feedback packets read from subscribers",
	     offsetof(struct relay_worker_stats, twcc_feedback_received)},
	    {"hearth_remb_received_total",
	     "REMB packets read from subscribers that do REMB instead of transport-cc",
	     offsetof(struct relay_worker_stats, remb_received)},
	    {"hearth_bwe_probes_sent_total",
	     "padding-only RTX packets sent to subscribers to probe their bandwidth",
	     offsetof(struct relay_worker_stats, probes_sent)},
	    {"hearth_hidden_skipped_total",
	     "video packets not sent because the subscriber does not show that stream",
	     offsetof(struct relay_worker_stats, hidden_skipped)},
	    {"hearth_budget_skipped_total",
	     "video packets not sent because the subscriber's downlink has no room for any of "
	     "that stream (it keeps its sound)",
	     offsetof(struct relay_worker_stats, budget_skipped)},
	    {"hearth_paced_packets_total",
	     "video packets that waited in a subscriber's pacer before they were sent",
	     offsetof(struct relay_worker_stats, paced_packets)},
	    {"hearth_pacer_dropped_total",
	     "video packets dropped from a subscriber's pacer (waited too long, or it was full)",
	     offsetof(struct relay_worker_stats, pacer_dropped)},
	    {"hearth_pacer_queue_delay_microseconds_total",
	     "how long paced packets waited, in all (over hearth_paced_packets_total: the mean)",
	     offsetof(struct relay_worker_stats, pacer_delay_us)},
	    {"hearth_pacers_refused_total",
	     "subscribers left unpaced because the worker has its most pacer queues",
	     offsetof(struct relay_worker_stats, pacers_refused)},
	    {"hearth_audio_duplicates_total",
	     "audio packets sent a second time to subscribers without RED while they lose",
	     offsetof(struct relay_worker_stats, audio_duplicates)},
	};
	struct sig_control *c = userdata;
	g_autoptr(GString) out = g_string_new(NULL);

	if (!control_metrics_allowed(c, req))
		return;
	if (strcmp(req->method, "GET") != 0) {
		sig_http_respond_error(req, 405, "method_not_allowed", "use GET");
		return;
	}
	control_metrics_http(c, out);
	for (size_t k = 0; k < G_N_ELEMENTS(counters); k++) {
		g_string_append_printf(out, "# HELP %s %s\n# TYPE %s counter\n", counters[k].name,
				       counters[k].help, counters[k].name);
		for (unsigned i = 0; i < relay_worker_count(c->relay); i++) {
			struct relay_worker_stats st;
			relay_worker_stats(c->relay, i, &st);
			uint64_t v = *(const uint64_t *)((const char *)&st + counters[k].offset);
			g_string_append_printf(out, "%s{worker=\"%u\",port=\"%d\"} %llu\n",
					       counters[k].name, i, relay_worker_port(c->relay, i),
					       (unsigned long long)v);
		}
	}
	control_metrics_bwe(c, out);
	control_metrics_tcp(c, out);
	sig_webhooks_metrics(c->webhooks, c->store, out);
	sig_crossnode_metrics(c->crossnode, out);
	struct sig_metrics_sources ops = {
	    .relay = c->relay, .ws = c->ws, .rooms = c->rooms, .limiter = c->limiter};
	sig_metrics_ops(&ops, out);
	sig_http_respond_text(req, 200, "text/plain; version=0.0.4", out->str);
}

static void control_relay_events(void *userdata)
{
	struct sig_control *c = userdata;
	struct relay_msg msg;

	relay_event_fd_drain(c->relay);
	while (relay_next_event(c->relay, &msg)) {
		switch (msg.type) {
		case RELAY_EVT_PONG:
			if (msg.worker < relay_worker_count(c->relay))
				c->last_pong_us[msg.worker] = clock_mono_us();
			break;
		case RELAY_EVT_TRANSPORT_UP:
		case RELAY_EVT_TRANSPORT_CLOSED:
		case RELAY_EVT_TRANSPORT_LOST:
		case RELAY_EVT_AUDIO_LEVEL:
		case RELAY_EVT_VIDEO_PAUSED:
		case RELAY_EVT_LAYERS_WANTED:
			if (c->media)
				sig_media_on_event(c->media, &msg);
			break;
		default:
			log_debug("control: unexpected event %u from worker %u", msg.type,
				  msg.worker);
			break;
		}
		free(msg.payload);
	}
}

/* The audit log's head, written to the journal at start and every hour:
 * an anchor outside the database, so that rewriting the whole log (rows and
 * head) in the file is still detectable against the journal. */
static void control_log_audit_head(struct sig_control *c)
{
	uint8_t hash[CRYPTO_SHA256_BYTES];
	char hex[CRYPTO_SHA256_HEX + 1];
	int64_t id = 0;

	if (sig_store_audit_head(c->store, &id, hash) < 0) {
		log_error("audit: cannot read the head of the audit log");
		return;
	}
	crypto_hex(hash, sizeof(hash), hex);
	log_info("audit head: row %lld, sha256 %s", (long long)id, hex);
}

static void control_tick(void *userdata)
{
	struct sig_control *c = userdata;
	int64_t now_us = clock_mono_us();

	if (now_us - c->audit_logged_us >= CONTROL_AUDIT_ANCHOR_US) {
		c->audit_logged_us = now_us;
		control_log_audit_head(c);
	}

	int64_t now_s = clock_wall_s();

	if (c->ws)
		sig_ws_tick(c->ws, now_s);
	if (c->nodes)
		sig_nodes_tick(c->nodes, now_us);
	if (now_s >= c->certs_check_s) {
		c->certs_check_s = now_s + CONTROL_CERT_CHECK_S;
		if (sig_certs_renew(c->certs, now_s) > 0)
			sig_media_set_identity(c->media, sig_certs_dtls(c->certs));
	}
	struct relay_msg ping = {.type = RELAY_CMD_PING, .arg = ++c->ping_seq};

	for (unsigned i = 0; i < relay_worker_count(c->relay); i++)
		if (relay_send(c->relay, i, &ping) < 0)
			log_warn("control: worker %u command queue is full", i);

	/* Feed the watchdog only while every worker answers, so that systemd
	 * restarts a daemon whose media plane hangs. */
	if (c->watchdog && control_unhealthy_workers(c) == 0)
		sd_notify(0, "WATCHDOG=1");
}

static unsigned control_key_count(const struct cfg *cfg)
{
	struct cfg_api_key keys[CFG_API_KEYS_MAX];
	g_autofree char *problem = NULL;
	int n = cfg_api_keys_parse(cfg->admin_api_keys, keys, &problem);

	return n < 0 ? 0 : (unsigned)n;
}

/* Keys sig_certs_reload() re-reads on every reload, changed or not. */
static bool control_cert_key(const char *name)
{
	static const char *const keys[] = {"server.tls_certificate", "server.tls_private_key",
					   "media.dtls_certificate", "media.dtls_private_key"};

	for (size_t i = 0; i < G_N_ELEMENTS(keys); i++)
		if (strcmp(name, keys[i]) == 0)
			return true;
	return false;
}

static void control_take_string(char **slot, const char *value)
{
	g_free(*slot);
	*slot = g_strdup(value);
}

/* Applies a changed listener or metrics key; false when name is not one. */
static bool control_reload_listener(struct sig_control *c, const struct cfg *fresh,
				    const char *name)
{
	if (strcmp(name, "server.trusted_proxies") == 0)
		control_take_string(&c->cfg->trusted_proxies, fresh->trusted_proxies);
	else if (strcmp(name, "server.trusted_proxy_header") == 0)
		control_take_string(&c->cfg->trusted_proxy_header, fresh->trusted_proxy_header);
	else if (strcmp(name, "server.max_connections_per_address") == 0)
		c->cfg->max_connections_per_address = fresh->max_connections_per_address;
	else if (strcmp(name, "metrics.key_sha256") == 0)
		control_take_string(&c->cfg->metrics_key_sha256, fresh->metrics_key_sha256);
	else
		return false;
	sig_server_configure(c->server, c->cfg);
	return true;
}

static void control_reload(struct sig_control *c)
{
	g_autoptr(GPtrArray) errors = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GPtrArray) changed = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GString) applied = g_string_new(NULL);
	struct cfg fresh;
	int r = 0;

	sd_notifyf(0, "RELOADING=1\nMONOTONIC_USEC=%lld", (long long)clock_mono_us());
	cfg_init(&fresh);
	if (c->cfg->path)
		r = cfg_load_file(&fresh, c->cfg->path, errors);
	for (size_t i = 0; c->overrides && c->overrides[i] && r == 0; i++)
		r = cfg_set_override(&fresh, c->overrides[i], errors);
	if (r == 0)
		r = cfg_resolve(&fresh, errors);
	if (r < 0) {
		for (size_t i = 0; i < errors->len; i++)
			log_error("reload: %s", (const char *)errors->pdata[i]);
		log_error("reload failed: keeping the running configuration");
		cfg_clear(&fresh);
		sd_notify(0,
			  "READY=1\nSTATUS=Reload failed; running on the previous configuration");
		return;
	}

	/* A public URL derived from port 0 names the port taken at start; the
	 * fresh file derives it again from 0. Not a change. */
	if (fresh.public_url_derived && c->cfg->public_url_derived && fresh.listen_port == 0 &&
	    c->cfg->listen_port == 0) {
		g_free(fresh.public_url);
		fresh.public_url = g_strdup(c->cfg->public_url);
	}
	cfg_diff(c->cfg, &fresh, changed);
	for (size_t i = 0; i < changed->len; i++) {
		const char *name = changed->pdata[i];
		if (strcmp(name, "log.level") == 0) {
			c->cfg->log_level = fresh.log_level;
			log_set_level((enum log_level)fresh.log_level);
			g_string_append_printf(applied, "%s%s=%s", applied->len ? ", " : "", name,
					       log_level_name((enum log_level)fresh.log_level));
		} else if (strcmp(name, "log.format") == 0) {
			enum log_format format = LOG_FORMAT_TEXT;
			control_take_string(&c->cfg->log_format, fresh.log_format);
			if (log_format_parse(fresh.log_format, &format) == 0)
				log_set_format(format);
			g_string_append_printf(applied, "%s%s=%s", applied->len ? ", " : "", name,
					       fresh.log_format);
		} else if (strcmp(name, "admin.api_keys") == 0) {
			/* Keys are hashes, but say only how many there are. */
			g_free(c->cfg->admin_api_keys);
			c->cfg->admin_api_keys = g_strdup(fresh.admin_api_keys);
			sig_api_reload(c->api, c->cfg);
			g_string_append_printf(applied, "%s%s (%u keys)", applied->len ? ", " : "",
					       name, control_key_count(c->cfg));
		} else if (control_reload_listener(c, &fresh, name)) {
			g_string_append_printf(applied, "%s%s", applied->len ? ", " : "", name);
		} else if (!control_cert_key(name)) {
			log_warn("reload: %s changed; it takes effect at the next restart", name);
		}
	}
	/* Certificate files are re-read whether or not their paths changed:
	 * renewing usually rewrites the same files. */
	if (sig_certs_reload(c->certs, c->cfg, &fresh, clock_wall_s(), applied) & SIG_CERTS_DTLS)
		sig_media_set_identity(c->media, sig_certs_dtls(c->certs));
	log_info("reloaded %s: %s", c->cfg->path ? c->cfg->path : "(embedded defaults)",
		 applied->len ? applied->str : "no reloadable setting changed");
	cfg_clear(&fresh);
	sd_notify(0, "READY=1\nSTATUS=Serving");
}

/* A restart should drop no call: the first SIGTERM (or SIGINT) drains
 * (live/ws.h, sig_ws_drain: joins refused, clients told and disconnected;
 * their seats stay stored for the next process), and the loop stops once
 * they are gone or server.drain_seconds are up. A second one, a drain of
 * 0 s, or nobody connected, stops at once. */
static void control_stop(struct sig_control *c, const char *what)
{
	if (c->stopping)
		return;
	/* The other nodes take this one's sessions at once, not after the
	 * lease. */
	if (c->nodes)
		sig_nodes_leave(c->nodes);
	if (c->drain_until_us || c->cfg->drain_seconds == 0 || !c->ws ||
	    sig_ws_connected(c->ws) == 0) {
		log_info("received %s: stopping", what);
		c->stopping = true;
		return;
	}
	log_info("received %s: draining for at most %d s, then stopping", what,
		 c->cfg->drain_seconds);
	sd_notify(0, "STOPPING=1\nSTATUS=Draining for a restart");
	c->drain_until_us = clock_mono_us() + c->cfg->drain_seconds * 1000000LL;
	/* The next process is typically serving within a second of this one's
	 * exit; clients try again sooner than that anyway. */
	sig_ws_drain(c->ws, CONTROL_RETRY_AFTER_MS);
}

/* While draining: whether it is time to stop. */
static bool control_drained(struct sig_control *c)
{
	if (!c->drain_until_us)
		return false;
	if (sig_ws_connected(c->ws) == 0) {
		log_info("drained: every client is gone");
		return true;
	}
	if (clock_mono_us() >= c->drain_until_us) {
		log_info("drain time is up: %u clients still connected", sig_ws_connected(c->ws));
		return true;
	}
	return false;
}

static void control_signal(void *userdata)
{
	struct sig_control *c = userdata;
	struct signalfd_siginfo si;

	while (read(c->signal_fd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		switch (si.ssi_signo) {
		case SIGHUP:
			control_reload(c);
			break;
		case SIGTERM:
		case SIGINT:
			control_stop(c, si.ssi_signo == SIGTERM ? "SIGTERM" : "SIGINT");
			break;
		default:
			break;
		}
	}
}

static int control_start_loop(struct sig_control *c)
{
	uint64_t watchdog_us = 0;
	int64_t tick = CONTROL_TICK_US;
	int r;

	struct sig_server_protocol ws_protocol;
	struct sig_media_relay media_relay;

	/* Built in the order they depend on each other: the client protocol
	 * before the server that serves it, the API after the server it
	 * registers its routes with. */
	c->limiter = sig_ratelimit_new(SIG_RATELIMIT_FAIL_BURST, SIG_RATELIMIT_FAIL_REFILL_MS,
				       SIG_RATELIMIT_FAIL_ADDRESSES);
	c->ops = sig_ops_new(c->store);
	c->rooms = sig_rooms_new();
	sig_media_relay_of(c->relay, &media_relay);
	c->media = sig_media_new(&media_relay, c->rooms, c->cfg, sig_certs_dtls(c->certs),
				 sig_ws_tell, NULL);
	c->ws = sig_ws_new(c->store, c->limiter, c->rooms, c->ops, c->media);
	sig_ws_use_turn(c->ws, c->cfg);
	sig_ws_protocol(c->ws, &ws_protocol);
	r = sig_server_new(c->cfg, &ws_protocol, 1, &c->server);
	if (r < 0)
		return r;
	if (*c->cfg->tls_certificate) {
		r = sig_certs_serve_tls(c->certs, sig_server_tls_ctx(c->server));
		if (r < 0) {
			log_error("http: cannot attach the TLS certificate: %s", strerror(-r));
			return r;
		}
	}
	r = sig_server_route(c->server, "/healthz", control_healthz, c);
	if (r < 0)
		return r;
	r = sig_server_route(c->server, "/metrics", control_metrics, c);
	if (r < 0)
		return r;
	/* Port 0 took a free port: links must name the real one. */
	if (c->cfg->public_url_derived && c->cfg->listen_port == 0) {
		g_free(c->cfg->public_url);
		c->cfg->public_url = cfg_derive_public_url(c->cfg, sig_server_port(c->server));
	}
	/* This node registered (its public URL known) before it serves. */
	c->nodes =
	    sig_nodes_new(c->cfg, c->store, c->rooms, c->ws, *c->cfg->tls_certificate != '\0');
	sig_ws_use_cluster(c->ws, sig_nodes_cluster(c->nodes));
	/* Seats of open sessions from before a restart (of the sessions this
	 * node serves): their clients resume. */
	r = sig_ws_restore_seats(c->ws, clock_wall_s());
	if (r < 0)
		return r;
	r = sig_web_register_peers(c->server, sig_nodes_web_peers(c->nodes));
	if (r < 0)
		return r;
	r = sig_api_new(c->store, c->limiter, c->ops, c->cfg, c->server, &c->api);
	if (r < 0)
		return r;
	r = sig_webhooks_new(c->cfg, c->store, c->server, &c->webhooks);
	if (r < 0)
		return r;
	/* Several nodes: effects of operations reach the node whose people
	 * they concern. */
	r = sig_crossnode_new(c->store, c->ops, c->server, &c->crossnode);
	if (r < 0)
		return r;
	r = sig_server_watch_fd(c->server, relay_event_fd(c->relay), control_relay_events, c);
	if (r < 0)
		return r;
	r = sig_server_watch_fd(c->server, c->signal_fd, control_signal, c);
	if (r < 0)
		return r;
	if (sd_watchdog_enabled(0, &watchdog_us) > 0) {
		c->watchdog = true;
		if ((int64_t)watchdog_us / 2 < tick)
			tick = (int64_t)watchdog_us / 2;
	}
	return sig_server_every(c->server, tick, control_tick, c);
}

int sig_control_new(struct cfg *cfg, char **overrides, struct sig_control **ret_control)
{
	g_autofree char *db_path = NULL;
	struct sig_control *c;
	sigset_t mask;
	int r;

	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->signal_fd = -1;
	c->cfg = cfg;
	c->overrides = overrides;
	c->started_us = clock_mono_us();

	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	c->signal_fd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
	if (c->signal_fd < 0) {
		r = -errno;
		goto fail;
	}
	if (g_mkdir_with_parents(cfg->state_directory, 0700) < 0) {
		r = -errno;
		log_error("cannot create state directory %s: %s", cfg->state_directory,
			  strerror(-r));
		goto fail;
	}
	if (*cfg->database_url) {
		db_path = sig_store_url_redacted(cfg->database_url); /* for messages only */
		r = sig_store_open_with(cfg->database_url, cfg->database_password_resolved,
					&c->store);
	} else {
		db_path = g_build_filename(cfg->state_directory, "hearth.db", NULL);
		r = sig_store_open(db_path, &c->store);
	}
	if (r < 0) {
		log_error("cannot open the database %s: %s", db_path, strerror(-r));
		goto fail;
	}
	log_info("database: %s, %s", sig_store_backend_name(c->store), db_path);
	r = crypto_srtp_global_init();
	if (r < 0) {
		log_error("cannot initialise libsrtp: %s", strerror(-r));
		goto fail;
	}
	r = sig_certs_new(cfg, clock_wall_s(), &c->certs);
	if (r < 0)
		goto fail; /* logged */
	c->certs_check_s = clock_wall_s() + CONTROL_CERT_CHECK_S;
	c->relay_identity = crypto_dtls_identity_ref(sig_certs_dtls(c->certs));
	r = relay_new(cfg, c->relay_identity, &c->relay);
	if (r < 0)
		goto fail;
	c->last_pong_us = calloc(relay_worker_count(c->relay), sizeof(*c->last_pong_us));
	if (!c->last_pong_us) {
		r = -ENOMEM;
		goto fail;
	}
	/* Count the workers healthy until their first ping is due. */
	for (unsigned i = 0; i < relay_worker_count(c->relay); i++)
		c->last_pong_us[i] = c->started_us;
	r = control_start_loop(c);
	if (r < 0)
		goto fail;
	*ret_control = c;
	return 0;
fail:
	sig_control_free(c);
	return r;
}

int sig_control_run(struct sig_control *c)
{
	unsigned n = relay_worker_count(c->relay);
	int first = relay_worker_port(c->relay, 0), last = relay_worker_port(c->relay, n - 1);

	const char *metrics = sig_server_metrics_bound(c->server);

	char metrics_at[NETADDR_TEXT_MAX + 32] = "";

	if (metrics)
		snprintf(metrics_at, sizeof(metrics_at), "; /metrics on %s port %d", metrics,
			 sig_server_metrics_port(c->server));
	/* What the kernel says is bound, not what was configured. */
	log_info("hearthd %s listening on %s (HTTP %s port %d)%s; %u media workers on UDP %s "
		 "ports %d-%d; state in %s",
		 HEARTH_VERSION, c->cfg->public_url, sig_server_bound(c->server),
		 sig_server_port(c->server), metrics_at, n, c->cfg->media_bind_address, first, last,
		 c->cfg->state_directory);
	sd_notifyf(0, "READY=1\nSTATUS=Serving on port %d\nMAINPID=%lu", sig_server_port(c->server),
		   (unsigned long)getpid());
	control_log_audit_head(c);
	c->audit_logged_us = clock_mono_us();

	while (!c->stopping) {
		sig_server_service(c->server);
		if (control_drained(c))
			c->stopping = true;
	}

	sd_notify(0, "STOPPING=1\nSTATUS=Stopping");
	return 0;
}

struct sig_control *sig_control_free(struct sig_control *c)
{
	if (!c)
		return NULL;
	/* Listeners first, so nothing new arrives while the workers stop. */
	/* Closing the server closes every WebSocket, which leaves its room. */
	c->server = sig_server_free(c->server);
	c->webhooks = sig_webhooks_free(c->webhooks);	 /* after the loop that calls it */
	c->crossnode = sig_crossnode_free(c->crossnode); /* after the loop, before ops */
	c->ws = sig_ws_free(c->ws);
	c->nodes = sig_nodes_free(c->nodes); /* after ws, which borrows its cluster */
	c->media = sig_media_free(c->media);
	c->rooms = sig_rooms_free(c->rooms);
	c->api = sig_api_free(c->api);
	c->limiter = sig_ratelimit_free(c->limiter);
	c->ops = sig_ops_free(c->ops);
	c->relay = relay_free(c->relay);
	c->relay_identity = crypto_dtls_identity_free(c->relay_identity);
	c->certs = sig_certs_free(c->certs); /* after the server: its SSL_CTX is gone */
	c->store = sig_store_close(c->store);
	free(c->last_pong_us);
	if (c->signal_fd >= 0)
		close(c->signal_fd);
	free(c);
	return NULL;
}
