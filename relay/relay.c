#include "relay/relay.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "config/cfg.h"
#include "core/log.h"
#include "crypto/srtp.h"
#include "relay/tcp.h"
#include "relay/tcp_hub.h"
#include "relay/worker.h"

struct relay {
	unsigned count;
	unsigned next_poll; /* round-robin start for relay_next_event() */
	int event_fd;	    /* owned; every worker's event queue wakes it */
	struct relay_worker *workers;
	struct relay_tcp_hub *tcp_hub; /* owned; NULL: no ICE-TCP */
};

/* ICE-TCP (media.tcp_port): every worker listens on the port
 * (SO_REUSEPORT), the hub routes connections to their transports' worker. */
static int relay_tcp_start(struct relay *relay, const struct cfg *cfg)
{
	int port = cfg->media_tcp_port, r;
	/* One listening address: the IPv4 bind address, else the IPv6 one
	 * ("::" alone is dual-stack); live/media.c offers the same. */
	const char *address = *cfg->media_bind.v4 ? cfg->media_bind.v4 : cfg->media_bind.v6;

	if (port == 0)
		return 0;
	r = relay_tcp_hub_new(relay->count, &relay->tcp_hub);
	if (r < 0)
		return r;
	for (unsigned i = 0; i < relay->count; i++) {
		r = relay_tcp_init(&relay->workers[i], relay->tcp_hub, address, port, &port);
		if (r < 0) {
			log_error("media worker %u: cannot listen on TCP port %d on %s: %s", i,
				  port, address, strerror(-r));
			return r;
		}
	}
	return 0;
}

int relay_new(const struct cfg *cfg, struct crypto_dtls_identity *identity,
	      struct relay **ret_relay)
{
	struct relay *relay;
	int r;

	relay = calloc(1, sizeof(*relay));
	if (!relay)
		return -ENOMEM;
	relay->event_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (relay->event_fd < 0) {
		r = -errno;
		goto fail;
	}
	relay->workers = calloc((size_t)cfg->media_workers, sizeof(*relay->workers));
	if (!relay->workers) {
		r = -ENOMEM;
		goto fail;
	}
	for (int i = 0; i < cfg->media_workers; i++) {
		int port = cfg->media_port_min ? cfg->media_port_min + i : 0;
		relay->count = (unsigned)i + 1;
		r = relay_worker_init(&relay->workers[i], (unsigned)i, &cfg->media_bind, port,
				      relay->event_fd, identity);
		relay->workers[i].bwe_max_bps = (uint32_t)cfg->media_subscriber_max_kbps * 1000;
		relay->workers[i].fit_downlinks = cfg->media_fit_downlinks != 0;
		relay->workers[i].audio_duplicate = cfg->media_audio_duplicate != 0;
		if (r < 0) {
			log_error("media worker %d: cannot use UDP port %d on %s: %s", i, port,
				  cfg->media_bind_address, strerror(-r));
			goto fail;
		}
	}
	r = relay_tcp_start(relay, cfg);
	if (r < 0)
		goto fail;
	for (unsigned i = 0; i < relay->count; i++) {
		r = relay_worker_start(&relay->workers[i]);
		if (r < 0) {
			log_error("media worker %u: cannot start thread: %s", i, strerror(-r));
			goto fail;
		}
	}
	/* Debug: the daemon's first info line is its "listening" line. */
	log_debug("media relay: %u workers; SRTP: %s", relay->count, crypto_srtp_library());
	*ret_relay = relay;
	return 0;
fail:
	relay_free(relay);
	return r;
}

struct relay *relay_free(struct relay *relay)
{
	struct relay_msg stop = {.type = RELAY_CMD_STOP};

	if (!relay)
		return NULL;
	for (unsigned i = 0; i < relay->count; i++) {
		struct relay_worker *w = &relay->workers[i];
		if (!w->started)
			continue;
		/* A full queue only delays the stop: retry until it fits. */
		while (relay_queue_push(&w->commands, &stop) == -EAGAIN)
			usleep(1000);
	}
	for (unsigned i = 0; i < relay->count; i++)
		relay_worker_clear(&relay->workers[i]);
	relay->tcp_hub = relay_tcp_hub_free(relay->tcp_hub);
	free(relay->workers);
	if (relay->event_fd >= 0)
		close(relay->event_fd);
	free(relay);
	return NULL;
}

int relay_event_fd(const struct relay *relay)
{
	return relay->event_fd;
}

unsigned relay_worker_count(const struct relay *relay)
{
	return relay->count;
}

int relay_worker_port(const struct relay *relay, unsigned worker)
{
	return worker < relay->count ? relay->workers[worker].port : -1;
}

void relay_worker_stats(const struct relay *relay, unsigned worker,
			struct relay_worker_stats *ret_stats)
{
	struct relay_worker *w = &relay->workers[worker];

	ret_stats->datagrams_received =
	    atomic_load_explicit(&w->datagrams_received, memory_order_relaxed);
	ret_stats->datagrams_dropped_unknown =
	    atomic_load_explicit(&w->datagrams_dropped_unknown, memory_order_relaxed);
	ret_stats->events_dropped = atomic_load_explicit(&w->events_dropped, memory_order_relaxed);
	ret_stats->send_dropped = atomic_load_explicit(&w->send_dropped, memory_order_relaxed);
	ret_stats->stun_refused = atomic_load_explicit(&w->stun_refused, memory_order_relaxed);
	ret_stats->rtp_forwarded = atomic_load_explicit(&w->rtp_forwarded, memory_order_relaxed);
	ret_stats->srtp_failures = atomic_load_explicit(&w->srtp_failures, memory_order_relaxed);
	ret_stats->nacks_received = atomic_load_explicit(&w->nacks_received, memory_order_relaxed);
	ret_stats->rtx_sent = atomic_load_explicit(&w->rtx_sent, memory_order_relaxed);
	ret_stats->rtx_missed = atomic_load_explicit(&w->rtx_missed, memory_order_relaxed);
	ret_stats->nacks_ignored = atomic_load_explicit(&w->nacks_ignored, memory_order_relaxed);
	ret_stats->nacks_sent = atomic_load_explicit(&w->nacks_sent, memory_order_relaxed);
	ret_stats->packets_recovered =
	    atomic_load_explicit(&w->packets_recovered, memory_order_relaxed);
	ret_stats->loss_keyframes = atomic_load_explicit(&w->loss_keyframes, memory_order_relaxed);
	ret_stats->rtx_buffers_refused =
	    atomic_load_explicit(&w->rtx_buffers_refused, memory_order_relaxed);
	ret_stats->remb_sent = atomic_load_explicit(&w->remb_sent, memory_order_relaxed);
	ret_stats->twcc_feedback_sent =
	    atomic_load_explicit(&w->twcc_feedback_sent, memory_order_relaxed);
	ret_stats->ssrcs_learnt = atomic_load_explicit(&w->ssrcs_learnt, memory_order_relaxed);
	ret_stats->layer_switches = atomic_load_explicit(&w->layer_switches, memory_order_relaxed);
	ret_stats->twcc_feedback_received =
	    atomic_load_explicit(&w->twcc_feedback_received, memory_order_relaxed);
	ret_stats->remb_received = atomic_load_explicit(&w->remb_received, memory_order_relaxed);
	ret_stats->probes_sent = atomic_load_explicit(&w->probes_sent, memory_order_relaxed);
	for (unsigned i = 0; i < RELAY_BWE_BUCKETS; i++)
		ret_stats->bwe_subscribers[i] =
		    atomic_load_explicit(&w->bwe_subscribers[i], memory_order_relaxed);
	ret_stats->hidden_skipped = atomic_load_explicit(&w->hidden_skipped, memory_order_relaxed);
	ret_stats->budget_skipped = atomic_load_explicit(&w->budget_skipped, memory_order_relaxed);
	ret_stats->paced_packets = atomic_load_explicit(&w->paced_packets, memory_order_relaxed);
	ret_stats->pacer_dropped = atomic_load_explicit(&w->pacer_dropped, memory_order_relaxed);
	ret_stats->pacer_delay_us = atomic_load_explicit(&w->pacer_delay_us, memory_order_relaxed);
	ret_stats->pacers_refused = atomic_load_explicit(&w->pacers_refused, memory_order_relaxed);
	ret_stats->audio_duplicates =
	    atomic_load_explicit(&w->audio_duplicates, memory_order_relaxed);
	for (unsigned i = 0; i < RELAY_FAILURES; i++)
		ret_stats->transport_failures[i] =
		    atomic_load_explicit(&w->transport_failures[i], memory_order_relaxed);
	ret_stats->network_changes =
	    atomic_load_explicit(&w->network_changes, memory_order_relaxed);
	ret_stats->bytes_received = atomic_load_explicit(&w->bytes_received, memory_order_relaxed);
	ret_stats->bytes_sent = atomic_load_explicit(&w->bytes_sent, memory_order_relaxed);
	relay_tcp_stats(w, ret_stats);
}

int relay_send(struct relay *relay, unsigned worker, const struct relay_msg *msg)
{
	if (worker >= relay->count)
		return -EINVAL;
	return relay_queue_push(&relay->workers[worker].commands, msg);
}

bool relay_next_event(struct relay *relay, struct relay_msg *ret_msg)
{
	for (unsigned n = 0; n < relay->count; n++) {
		unsigned i = (relay->next_poll + n) % relay->count;
		if (relay_queue_pop(&relay->workers[i].events, ret_msg)) {
			relay->next_poll = (i + 1) % relay->count;
			return true;
		}
	}
	return false;
}

void relay_event_fd_drain(struct relay *relay)
{
	relay_queue_wake_drain(relay->event_fd);
}
