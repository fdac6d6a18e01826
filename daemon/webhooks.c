#include "daemon/webhooks.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "config/cfg.h"
#include "config/webhook_url.h"
#include "core/clock.h"
#include "core/log.h"
#include "crypto/token.h"
#include "http/post.h"
#include "http/server.h"
#include "service/webhook.h"
#include "store/store.h"

#define WEBHOOKS_POLL_US  (250 * 1000LL) /* how often the outbox is looked at */
#define WEBHOOKS_PRUNE_MS (60 * 1000LL)	 /* how often delivered rows are pruned */
#define WEBHOOKS_SKIP_MAX 16		 /* rows given up per look, at most */

enum webhooks_outcome {
	WEBHOOKS_DELIVERED, /* 2xx */
	WEBHOOKS_REJECTED,  /* another status: retried */
	WEBHOOKS_FAILED,    /* no answer (refused, timeout, TLS): retried */
	WEBHOOKS_GAVE_UP,   /* a day old and still not delivered */
	WEBHOOKS_OUTCOMES
};

static const char *const webhooks_outcome_names[WEBHOOKS_OUTCOMES] = {"delivered", "rejected",
								      "failed", "gave_up"};

struct sig_webhooks {
	struct sig_store *store; /* borrowed */
	struct sig_post *post;
	struct cfg_webhook_url url;
	char *secret; /* wiped on free */
	int64_t pruned_ms;
	/* The row in flight (inflight_id 0: none). */
	int64_t inflight_id;
	int64_t inflight_session;
	int inflight_attempts;
	char *inflight_delivery;
	uint64_t outcomes[WEBHOOKS_OUTCOMES];
};

/* What a failure without an answer was, for the log. */
static const char *webhooks_failure(int status)
{
	switch (status) {
	case -EPROTO:
		return "the TLS handshake or the certificate check failed";
	case -ETIMEDOUT:
		return "no answer within 10 s";
	case -EHOSTUNREACH:
		return "the host name does not resolve, or no address answers";
	case -EBADMSG:
		return "the answer is not HTTP/1.x";
	default:
		return g_strerror(-status);
	}
}

/* Logged on the first failure of a delivery, then on each doubling. */
static bool webhooks_worth_logging(int attempts)
{
	return (attempts & (attempts - 1)) == 0;
}

static void webhooks_prune(struct sig_webhooks *w, int64_t now_ms)
{
	int pruned = 0;

	if (now_ms - w->pruned_ms < WEBHOOKS_PRUNE_MS)
		return;
	w->pruned_ms = now_ms;
	if (sig_store_outbox_prune(w->store, now_ms - SIG_WEBHOOK_KEEP_DELIVERED_MS, &pruned) < 0)
		log_error("webhooks: cannot prune the outbox");
	else if (pruned > 0)
		log_debug("webhooks: pruned %d delivered events", pruned);
}

/* The whole request, with the signature of now. Caller frees. */
static char *webhooks_request(struct sig_webhooks *w, const struct sig_outbox_row *row,
			      size_t *ret_len)
{
	char signature[SIG_WEBHOOK_SIGNATURE_MAX];
	size_t body_len = strlen(row->body);
	GString *req;

	if (sig_webhook_sign(w->secret, clock_wall_s(), row->body, body_len, signature) < 0)
		return NULL;
	req = g_string_sized_new(512 + body_len);
	g_string_append_printf(req,
			       "POST %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: hearthd/%s\r\n"
			       "Content-Type: application/json\r\nContent-Length: %zu\r\n"
			       "Hearth-Event: %s\r\nHearth-Delivery: %s\r\n"
			       "Hearth-Signature: %s\r\nConnection: close\r\n\r\n",
			       w->url.path, w->url.authority, HEARTH_VERSION, body_len, row->event,
			       row->delivery_id, signature);
	g_string_append_len(req, row->body, (gssize)body_len);
	*ret_len = req->len;
	return g_string_free(req, FALSE);
}

/* Starts the next due event, giving up on those too old. */
static void webhooks_pump(struct sig_webhooks *w)
{
	int64_t now_ms = clock_wall_ms();

	if (w->inflight_id)
		return;
	webhooks_prune(w, now_ms);
	for (int i = 0; i < WEBHOOKS_SKIP_MAX; i++) {
		struct sig_outbox_row row = {0};
		char *request;
		size_t len = 0;
		int r = sig_store_outbox_next(w->store, now_ms, &row);

		if (r == -ENOENT)
			return;
		if (r < 0) {
			log_error("webhooks: cannot read the outbox");
			return;
		}
		if (now_ms - row.created_ms > SIG_WEBHOOK_GIVE_UP_MS) {
			w->outcomes[WEBHOOKS_GAVE_UP]++;
			log_warn("webhooks: session %lld: gave up delivery %s (%s) after %d "
				 "attempts",
				 (long long)row.session_id, row.delivery_id, row.event,
				 row.attempts);
			if (sig_store_outbox_delete(w->store, row.id) < 0)
				log_error("webhooks: cannot remove delivery %s", row.delivery_id);
			sig_outbox_row_clear(&row);
			continue;
		}
		request = webhooks_request(w, &row, &len);
		if (!request || sig_post_start(w->post, &w->url, request, len) < 0) {
			log_error("webhooks: cannot start delivery %s", row.delivery_id);
			sig_outbox_row_clear(&row);
			return;
		}
		w->inflight_id = row.id;
		w->inflight_session = row.session_id;
		w->inflight_attempts = row.attempts;
		w->inflight_delivery = g_steal_pointer(&row.delivery_id);
		sig_outbox_row_clear(&row);
		return;
	}
}

static void webhooks_settle(struct sig_webhooks *w, int status)
{
	int attempts = w->inflight_attempts + 1;
	int64_t now_ms = clock_wall_ms();
	enum webhooks_outcome outcome;
	int r;

	if (status >= 200 && status <= 299) {
		outcome = WEBHOOKS_DELIVERED;
		r = sig_store_outbox_delivered(w->store, w->inflight_id, now_ms);
		if (attempts > 1)
			log_info("webhooks: session %lld: delivery %s delivered after %d attempts",
				 (long long)w->inflight_session, w->inflight_delivery, attempts);
	} else {
		outcome = status > 0 ? WEBHOOKS_REJECTED : WEBHOOKS_FAILED;
		r = sig_store_outbox_retry(w->store, w->inflight_id, attempts,
					   now_ms + sig_webhook_backoff_ms(attempts));
		if (webhooks_worth_logging(attempts)) {
			if (status > 0)
				log_warn("webhooks: session %lld: delivery %s: the receiver "
					 "answered %d (attempt %d; retrying)",
					 (long long)w->inflight_session, w->inflight_delivery,
					 status, attempts);
			else
				log_warn("webhooks: session %lld: delivery %s: %s (attempt %d; "
					 "retrying)",
					 (long long)w->inflight_session, w->inflight_delivery,
					 webhooks_failure(status), attempts);
		}
	}
	/* -ENOENT: the row was trimmed over the cap while in flight. */
	if (r < 0 && r != -ENOENT)
		log_error("webhooks: cannot record the outcome of delivery %s",
			  w->inflight_delivery);
	w->outcomes[outcome]++;
	w->inflight_id = 0;
	g_clear_pointer(&w->inflight_delivery, g_free);
}

static void webhooks_done(void *userdata)
{
	struct sig_webhooks *w = userdata;
	int status;

	if (sig_post_result(w->post, &status) <= 0 || !w->inflight_id)
		return;
	webhooks_settle(w, status);
	webhooks_pump(w); /* a backlog goes out back to back */
}

static void webhooks_tick(void *userdata)
{
	webhooks_pump(userdata);
}

int sig_webhooks_new(const struct cfg *cfg, struct sig_store *store, struct sig_server *server,
		     struct sig_webhooks **ret_webhooks)
{
	char problem[CFG_WEBHOOK_PROBLEM_MAX];
	struct sig_webhooks *w;
	int r;

	*ret_webhooks = NULL;
	sig_store_outbox_limit(store, 0);
	if (!*cfg->webhooks_url)
		return 0;
	g_assert(cfg->webhooks_secret_resolved); /* cfg_resolve() */
	w = g_new0(struct sig_webhooks, 1);
	w->store = store;
	w->secret = g_strdup(cfg->webhooks_secret_resolved);
	r = cfg_webhook_url_parse(cfg->webhooks_url, &w->url, problem);
	if (r < 0) {
		log_error("webhooks: url: %s", problem);
		goto fail;
	}
	r = sig_post_new(&w->post);
	if (r < 0) {
		log_error("webhooks: cannot start the delivery thread: %s", g_strerror(-r));
		goto fail;
	}
	r = sig_server_watch_fd(server, sig_post_fd(w->post), webhooks_done, w);
	if (r == 0)
		r = sig_server_every(server, WEBHOOKS_POLL_US, webhooks_tick, w);
	if (r < 0)
		goto fail;
	sig_store_outbox_limit(store, cfg->webhooks_outbox_max);
	log_info("webhooks: delivering to %s://%s (outbox of at most %d events)",
		 w->url.tls ? "https" : "http", w->url.authority, cfg->webhooks_outbox_max);
	*ret_webhooks = w;
	return 0;

fail:
	sig_webhooks_free(w);
	return r;
}

struct sig_webhooks *sig_webhooks_free(struct sig_webhooks *w)
{
	if (!w)
		return NULL;
	w->post = sig_post_free(w->post);
	sig_store_outbox_limit(w->store, 0);
	if (w->secret)
		crypto_wipe(w->secret, strlen(w->secret));
	g_free(w->secret);
	g_free(w->inflight_delivery);
	g_free(w);
	return NULL;
}

void sig_webhooks_metrics(struct sig_webhooks *w, struct sig_store *store, GString *out)
{
	int rows = 0, pending = 0;

	g_string_append(out, "# HELP hearth_webhook_deliveries_total webhook delivery attempts "
			     "by outcome (dropped: pending events trimmed over "
			     "webhooks.outbox_max)\n"
			     "# TYPE hearth_webhook_deliveries_total counter\n");
	for (int i = 0; i < WEBHOOKS_OUTCOMES; i++)
		g_string_append_printf(
		    out, "hearth_webhook_deliveries_total{outcome=\"%s\"} %llu\n",
		    webhooks_outcome_names[i], (unsigned long long)(w ? w->outcomes[i] : 0));
	g_string_append_printf(out, "hearth_webhook_deliveries_total{outcome=\"dropped\"} %llu\n",
			       (unsigned long long)sig_store_outbox_dropped(store));
	if (sig_store_outbox_depth(store, &rows, &pending) < 0)
		return;
	g_string_append_printf(out,
			       "# HELP hearth_webhook_outbox_depth webhook events not yet "
			       "delivered\n# TYPE hearth_webhook_outbox_depth gauge\n"
			       "hearth_webhook_outbox_depth %d\n",
			       pending);
}
