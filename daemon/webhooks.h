/* Webhook delivery: takes events from the store's outbox (written with
 * their audit rows, service/webhook.h), one at a time and in order per
 * session, signs them and hands them to the POST thread (http/post.h); a
 * 2xx marks an event delivered, anything else retries it with the same
 * delivery id after a backoff (1 s doubling to 5 min), until it is a day
 * old (then given up and counted). Delivered rows are pruned after a day.
 * Control thread only. */
#ifndef HEARTH_DAEMON_WEBHOOKS_H
#define HEARTH_DAEMON_WEBHOOKS_H

#include <glib.h>

struct cfg;
struct sig_server;
struct sig_store;
struct sig_webhooks;

/* With [webhooks] url set: turns the store's outbox on and starts
 * delivering (a timer and a descriptor on the server's loop). Without:
 * sets *ret_webhooks to NULL and returns 0. */
int sig_webhooks_new(const struct cfg *cfg, struct sig_store *store, struct sig_server *server,
		     struct sig_webhooks **ret_webhooks);
/* After the server (whose loop calls it) is gone. Accepts NULL; returns
 * NULL. */
struct sig_webhooks *sig_webhooks_free(struct sig_webhooks *webhooks);

/* Prometheus text: deliveries by outcome and the outbox's depth (zeros,
 * and the store's depth, when webhooks is NULL). */
void sig_webhooks_metrics(struct sig_webhooks *webhooks, struct sig_store *store, GString *out);

#endif
