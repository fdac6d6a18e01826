#include "relay/worker.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include "config/addr_pair.h"
#include "core/log.h"
#include "relay/congestion.h"
#include "relay/dtls.h"
#include "relay/feedback.h"
#include "relay/ice.h"
#include "relay/addr.h"
#include "relay/audio_dup.h"
#include "relay/budget.h"
#include "relay/dynacast.h"
#include "relay/layers.h"
#include "relay/hint.h"
#include "relay/pacing.h"
#include "relay/recv.h"
#include "relay/repair.h"
#include "relay/send.h"
#include "relay/switching.h"
#include "relay/stream.h"
#include "relay/tcp.h"
#include "relay/transport.h"

#define RELAY_QUEUE_SLOTS 4096
/* Audio level events one tick sends at most (~3 a second per publisher
 * heard: ~100 speaking at once per worker); windows not reported wait for
 * the next tick. */
#define RELAY_AUDIO_LEVEL_EVENTS_PER_TICK 32
/* Socket buffers, each way: ~1,800 datagrams of 1,200 bytes, tens of
 * milliseconds of a loaded worker's traffic, so that a worker that is not
 * scheduled for a moment (a busy or virtual machine) loses nothing. The
 * kernel caps it at net.core.rmem_max / wmem_max unless the process may
 * override that (CAP_NET_ADMIN); docs/operations.md says how to raise
 * them. */
#define RELAY_SOCKET_BUFFER (4 << 20)

enum { EP_COMMANDS = 1, EP_UDP = 2 }; /* EP_UDP + RELAY_UDP_V4 / _V6 */

/* Best effort: a smaller buffer only means loss under bursts. Media goes
 * with DF set and never fragmented, as browsers send it; the kernel then
 * also skips its per-datagram IP ID generation (a hash and a shared atomic
 * counter) for our unconnected socket. */
static void relay_worker_tune_socket(int fd, int family)
{
	int size = RELAY_SOCKET_BUFFER, probe = IP_PMTUDISC_PROBE;

	(void)setsockopt(fd, IPPROTO_IP, IP_MTU_DISCOVER, &probe, sizeof(probe));
	if (family == AF_INET6)
		(void)setsockopt(fd, IPPROTO_IPV6, IPV6_MTU_DISCOVER, &probe, sizeof(probe));

	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)) < 0)
		(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &size, sizeof(size)) < 0)
		(void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof(size));
}

/* One UDP socket on address (numeric, of family) and port (0: any free
 * one); dual_stack clears IPV6_V6ONLY ("::" alone serves IPv4 clients as
 * v4-mapped addresses), otherwise an IPv6 socket is IPv6 only, so that
 * "0.0.0.0" and "::" can both be bound on one port. */
static int relay_worker_bind(int family, const char *address, int port, bool dual_stack,
			     int *ret_fd, int *ret_port)
{
	struct sockaddr_storage ss;
	int fd, r, v6only = !dual_stack, len = relay_addr_parse(address, port, &ss);

	if (len < 0 || ss.ss_family != family)
		return -EINVAL;
	fd = socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (family == AF_INET6 &&
	    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v6only, sizeof(v6only)) < 0)
		goto fail;
	relay_worker_tune_socket(fd, family);
	if (bind(fd, (struct sockaddr *)&ss, (socklen_t)len) < 0)
		goto fail;
	r = relay_addr_bound_port(fd, ret_port);
	if (r < 0) {
		close(fd);
		return r;
	}
	*ret_fd = fd;
	return 0;
fail:
	r = -errno;
	close(fd);
	return r;
}

/* Tries for a free port both families can share (a port the kernel chose
 * for IPv4 may be taken for IPv6). */
#define RELAY_WORKER_PORT_TRIES 16

/* The worker's sockets: one per family bound, on one port, so that every
 * candidate of the worker has the same port (relay/README.md). */
static int relay_worker_bind_all(struct relay_worker *w, const struct cfg_addr_pair *bind, int port)
{
	bool dual_stack = cfg_addr_pair_v6_any(bind) && !*bind->v4;
	int r = -EINVAL;

	for (int i = 0; i < RELAY_WORKER_PORT_TRIES; i++) {
		int got = port;
		r = 0;
		if (*bind->v4)
			r = relay_worker_bind(AF_INET, bind->v4, port, false,
					      &w->udp_fd[RELAY_UDP_V4], &got);
		if (r == 0 && *bind->v6)
			r = relay_worker_bind(AF_INET6, bind->v6, *bind->v4 ? got : port,
					      dual_stack, &w->udp_fd[RELAY_UDP_V6], &got);
		if (r == 0) {
			w->port = got;
			return 0;
		}
		if (w->udp_fd[RELAY_UDP_V4] >= 0)
			close(w->udp_fd[RELAY_UDP_V4]);
		w->udp_fd[RELAY_UDP_V4] = -1;
		if (port != 0 || r != -EADDRINUSE)
			break;
	}
	return r;
}

static int relay_worker_watch(int epoll_fd, int fd, uint64_t tag)
{
	struct epoll_event ev = {.events = EPOLLIN, .data.u64 = tag};

	return epoll_ctl(epoll_fd, EPOLL_CTL_ADD, fd, &ev) < 0 ? -errno : 0;
}

static void relay_transport_destroy(gpointer data)
{
	relay_transport_free(data);
}

int relay_worker_init(struct relay_worker *w, unsigned index, const struct cfg_addr_pair *bind,
		      int port, int control_wake_fd, struct crypto_dtls_identity *identity)
{
	int r;

	memset(w, 0, sizeof(*w));
	w->index = index;
	w->epoll_fd = w->cmd_wake_fd = -1;
	w->udp_fd[RELAY_UDP_V4] = w->udp_fd[RELAY_UDP_V6] = -1;
	w->identity = identity;
	w->next_nack_us = INT64_MAX;
	w->next_twcc_us = INT64_MAX;
	w->next_probe_us = INT64_MAX;
	w->next_pace_us = INT64_MAX;
	w->by_id =
	    g_hash_table_new_full(g_int64_hash, g_int64_equal, NULL, relay_transport_destroy);
	w->by_ufrag = g_hash_table_new(g_str_hash, g_str_equal);
	w->by_addr = g_hash_table_new(relay_addr_key_hash, relay_addr_key_equal);
	w->out = calloc(1, sizeof(*w->out));
	if (!w->out)
		return -ENOMEM;

	r = relay_worker_bind_all(w, bind, port);
	if (r < 0)
		return r;
	w->cmd_wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (w->cmd_wake_fd < 0)
		return -errno;
	w->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
	if (w->epoll_fd < 0)
		return -errno;
	r = relay_queue_init(&w->commands, RELAY_QUEUE_SLOTS, w->cmd_wake_fd);
	if (r < 0)
		return r;
	r = relay_queue_init(&w->events, RELAY_QUEUE_SLOTS, control_wake_fd);
	if (r < 0)
		return r;
	r = relay_worker_watch(w->epoll_fd, w->cmd_wake_fd, EP_COMMANDS);
	if (r < 0)
		return r;
	for (int f = RELAY_UDP_V4; f <= RELAY_UDP_V6; f++) {
		r = w->udp_fd[f] < 0 ? 0
				     : relay_worker_watch(w->epoll_fd, w->udp_fd[f], EP_UDP + f);
		if (r < 0)
			return r;
	}
	return 0;
}

/* A retransmission buffer for each video stream of t that the relay
 * repairs and has none, as long as the worker's cap allows. */
static void relay_worker_rtx_buffers(struct relay_worker *w, struct relay_transport *t)
{
	for (unsigned s = 0; s < t->p.stream_count; s++) {
		struct relay_pub_stream *ps = &t->pub[s];
		if (!t->p.publishing || ps->desc.kind != RELAY_STREAM_VIDEO || !ps->desc.repair ||
		    ps->rtx)
			continue;
		if (w->rtx_buffers >= RELAY_RTX_BUFFERS_PER_WORKER ||
		    !(ps->rtx = calloc(1, sizeof(*ps->rtx)))) {
			atomic_fetch_add_explicit(&w->rtx_buffers_refused, 1, memory_order_relaxed);
			continue;
		}
		w->rtx_buffers++;
	}
}

/* Frees ps's retransmission buffer and gives it back to the worker's cap. */
static void relay_worker_rtx_release(struct relay_worker *w, struct relay_pub_stream *ps)
{
	if (!ps->rtx)
		return;
	free(ps->rtx);
	ps->rtx = NULL;
	w->rtx_buffers--;
}

/* hearth_transport_failures_total: what a closing says about failure
 * (the control plane's removal and the peer's close_notify are none). */
static void relay_worker_count_close(struct relay_worker *w, enum relay_close_reason reason)
{
	switch (reason) {
	case RELAY_CLOSE_CONSENT:
		relay_worker_failed(w, RELAY_FAILURE_DTLS_TIMEOUT);
		break;
	case RELAY_CLOSE_DTLS_FAILED:
		relay_worker_failed(w, RELAY_FAILURE_DTLS_HANDSHAKE);
		break;
	case RELAY_CLOSE_FINGERPRINT:
		relay_worker_failed(w, RELAY_FAILURE_DTLS_FINGERPRINT);
		break;
	case RELAY_CLOSE_SRTP:
		relay_worker_failed(w, RELAY_FAILURE_SRTP);
		break;
	case RELAY_CLOSE_REMOVED:
	case RELAY_CLOSE_PEER_CLOSED:
		break;
	}
}

/* Frees the transports marked CLOSING: out of every table, out of every
 * publisher's forwarding list, and the control thread told why. */
static void relay_worker_reap(struct relay_worker *w)
{
	GHashTableIter it;
	gpointer key, value;
	GPtrArray *dead = g_ptr_array_new();

	g_hash_table_iter_init(&it, w->by_id);
	while (g_hash_table_iter_next(&it, &key, &value))
		if (((struct relay_transport *)value)->state == RELAY_TRANSPORT_CLOSING)
			g_ptr_array_add(dead, value);
	for (guint i = 0; i < dead->len; i++) {
		struct relay_transport *t = dead->pdata[i];
		g_hash_table_iter_init(&it, w->by_id);
		while (g_hash_table_iter_next(&it, &key, &value))
			if (value != t && ((struct relay_transport *)value)->p.publishing)
				relay_transport_drop_outs(value, t);
		g_hash_table_remove(w->by_ufrag, t->p.local_ufrag);
		if (t->bound)
			g_hash_table_remove(w->by_addr, &t->addr_key);
		for (unsigned s = 0; s < RELAY_MAX_STREAMS; s++)
			relay_worker_rtx_release(w, &t->pub[s]);
		relay_pacing_release(w, t);
		if (t->audio_dup) {
			free(t->audio_dup);
			t->audio_dup = NULL;
			w->dups--;
		}
		relay_worker_count_close(w, t->close_reason);
		if (t->close_reason != RELAY_CLOSE_REMOVED)
			relay_worker_emit(w, RELAY_EVT_TRANSPORT_CLOSED, t->p.id, t->close_reason);
		g_hash_table_remove(w->by_id, &t->p.id); /* frees t */
	}
	g_ptr_array_free(dead, TRUE);
	w->reap = false;
}

static void relay_worker_add(struct relay_worker *w, struct relay_transport_params *p)
{
	uint64_t id = p->id;
	struct relay_transport *t = NULL;

	if (!g_hash_table_contains(w->by_id, &id) &&
	    !g_hash_table_contains(w->by_ufrag, p->local_ufrag)) {
		t = relay_transport_new(p, w->identity, relay_worker_now_us()); /* takes p */
	} else {
		relay_transport_params_free(p);
	}
	if (!t) {
		relay_worker_failed(w, RELAY_FAILURE_SETUP);
		relay_worker_emit(w, RELAY_EVT_TRANSPORT_CLOSED, id, RELAY_CLOSE_DTLS_FAILED);
		return;
	}
	g_hash_table_insert(w->by_id, &t->p.id, t);
	g_hash_table_insert(w->by_ufrag, t->p.local_ufrag, t);
	relay_worker_rtx_buffers(w, t);
}

/* A renegotiation of a running transport (tracks changed, or an ICE
 * restart): new credentials and streams; DTLS and SRTP go on, and streams
 * that stay keep their subscribers. */
static void relay_worker_update(struct relay_worker *w, struct relay_transport_params *p)
{
	struct relay_transport *t = g_hash_table_lookup(w->by_id, &p->id);
	struct relay_pub_stream pub[RELAY_MAX_STREAMS];
	bool kept[RELAY_MAX_STREAMS] = {false};

	if (!t || t->state == RELAY_TRANSPORT_CLOSING)
		goto out;
	if (strcmp(t->p.local_ufrag, p->local_ufrag) != 0) {
		if (g_hash_table_contains(w->by_ufrag, p->local_ufrag))
			goto out;
		g_hash_table_remove(w->by_ufrag, t->p.local_ufrag);
		memcpy(t->p.local_ufrag, p->local_ufrag, sizeof(t->p.local_ufrag));
		memcpy(t->p.local_pwd, p->local_pwd, sizeof(t->p.local_pwd));
		g_hash_table_insert(w->by_ufrag, t->p.local_ufrag, t);
	}
	memcpy(t->p.remote_ufrag, p->remote_ufrag, sizeof(t->p.remote_ufrag));
	memset(pub, 0, sizeof(pub));
	for (unsigned i = 0; i < p->stream_count; i++) {
		struct relay_stream *d = &p->streams[i];
		pub[i].desc = *d;
		for (unsigned k = 0; k < t->p.stream_count; k++) {
			const struct relay_stream *was = &t->pub[k].desc;
			/* A simulcast encoding is its track's and layer; what
			 * was learnt of it stays. */
			bool same = d->group_ssrc ? was->group_ssrc == d->group_ssrc &&
							was->layer == d->layer &&
							strcmp(was->rid, d->rid) == 0
						  : was->ssrc == d->ssrc;
			if (!kept[k] && same) {
				if (d->group_ssrc) {
					d->ssrc = was->ssrc;
					d->rtx_ssrc = was->rtx_ssrc;
				}
				pub[i] = t->pub[k];
				pub[i].desc = *d;
				kept[k] = true; /* its buffer moves with it */
				break;
			}
		}
		if (pub[i].desc.kind != RELAY_STREAM_VIDEO)
			relay_worker_rtx_release(w, &pub[i]);
	}
	for (unsigned k = 0; k < t->p.stream_count; k++)
		if (!kept[k])
			relay_worker_rtx_release(w, &t->pub[k]);
	memcpy(t->pub, pub, sizeof(pub));
	memcpy(t->p.streams, p->streams, sizeof(t->p.streams));
	t->p.stream_count = p->stream_count;
	relay_worker_rtx_buffers(w, t);
out:
	relay_transport_params_free(p);
}

/* Whether ps goes to `to` already; then *ret_out is that out. */
static bool relay_stream_goes_to(const struct relay_pub_stream *ps,
				 const struct relay_transport *to, struct relay_out *ret_out)
{
	for (unsigned o = 0; o < ps->out_count; o++) {
		if (ps->outs[o].to == to) {
			*ret_out = ps->outs[o];
			return true;
		}
	}
	return false;
}

/* Whether ps is what a route naming this SSRC hangs on: a stream, or the
 * lowest encoding of a simulcast track (the group SSRC). */
static bool relay_stream_is_route(const struct relay_pub_stream *ps, uint32_t ssrc)
{
	return ssrc && relay_stream_track_ssrc(&ps->desc) == ssrc && ps->desc.layer == 0;
}

/* A subscriber that negotiated transport-cc (a browser) gets the state
 * for its audio to be sent twice while it loses (audio_dup.c); forward.c
 * uses it only for streams it takes without RED. */
static void relay_worker_audio_dup_routes(struct relay_worker *w, struct relay_transport *to)
{
	if (!w->audio_duplicate || to->audio_dup || to->p.publishing || !to->bwe.sent.ext_id ||
	    w->dups >= RELAY_DUPS_PER_WORKER)
		return;
	to->audio_dup = calloc(1, sizeof(*to->audio_dup));
	if (to->audio_dup)
		w->dups++;
}

static void relay_worker_routes(struct relay_worker *w, struct relay_routes *routes)
{
	struct relay_transport *to = g_hash_table_lookup(w->by_id, &routes->to);
	bool had[RELAY_MAX_ROUTES] = {false};
	/* What goes on across the change: the RTX numbers, the hint, the
	 * simulcast layer and rewriting. Large: on the heap. */
	struct relay_out *was = calloc(RELAY_MAX_ROUTES, sizeof(*was));
	int64_t now = relay_worker_now_us();
	GHashTableIter it;
	gpointer key, value;

	if (!to || !was)
		goto out;
	relay_congestion_routes(w, to, routes->twcc_ext_id, routes->abs_send_time_ext_id);
	relay_pacing_routes(w, to);
	relay_worker_audio_dup_routes(w, to);
	/* Which routes the subscriber had already: a new one needs a keyframe
	 * (when its transport is up; else that comes with DTLS). */
	for (unsigned i = 0; i < routes->count; i++) {
		struct relay_transport *from =
		    g_hash_table_lookup(w->by_id, &routes->routes[i].from);
		/* A new RTX stream starts anywhere (RFC 3550 §5.1); a kept one
		 * goes on, so that no sequence number is used twice under one
		 * key. */
		was[i] = (struct relay_out){
		    .rtx_seq = (uint16_t)(now ^ (now >> 16) ^ routes->routes[i].rtx_ssrc),
		    .max_height = RELAY_HEIGHT_ANY,
		};
		for (unsigned s = 0; from && s < from->p.stream_count; s++)
			if (relay_stream_is_route(&from->pub[s], routes->routes[i].ssrc))
				had[i] = relay_stream_goes_to(&from->pub[s], to, &was[i]);
	}
	g_hash_table_iter_init(&it, w->by_id);
	while (g_hash_table_iter_next(&it, &key, &value))
		if (((struct relay_transport *)value)->p.publishing)
			relay_transport_drop_outs(value, to);
	for (unsigned i = 0; i < routes->count; i++) {
		const struct relay_route *r = &routes->routes[i];
		struct relay_transport *from = g_hash_table_lookup(w->by_id, &r->from);
		for (unsigned s = 0; from && s < from->p.stream_count; s++) {
			struct relay_pub_stream *ps = &from->pub[s];
			if (!relay_stream_is_route(ps, r->ssrc))
				continue;
			if (ps->out_count == RELAY_MAX_OUTS) {
				log_warn("worker %u: a stream already has %d subscribers; one more "
					 "is not served",
					 w->index, RELAY_MAX_OUTS);
				continue;
			}
			struct relay_out *out = &ps->outs[ps->out_count++];
			*out = (struct relay_out){
			    .to = to,
			    .payload_type = r->out_payload_type,
			    .rtx_payload_type = r->out_rtx_payload_type,
			    .red_payload_type = r->out_red_payload_type,
			    .rtx_ssrc = r->rtx_ssrc,
			    .rtx_seq = was[i].rtx_seq,
			    .max_height = was[i].max_height,
			    .resuming = was[i].resuming,
			    /* its keyframe still asked for, again by the tick */
			    .keyframe_asked_us = was[i].resuming ? was[i].keyframe_asked_us : 0,
			    .seq_skip = was[i].seq_skip,
			    .sent = was[i].sent,
			    .last_seq = was[i].last_seq,
			    .resume_seq = was[i].resume_seq,
			    .max_layer = RELAY_LAYER_NONE,
			};
			if (had[i]) {
				out->sc = was[i].sc;
				out->max_layer = was[i].max_layer;
				out->budget_off = was[i].budget_off;
				out->up_since_us = was[i].up_since_us;
				out->on_since_us = was[i].on_since_us;
				out->off_backoff = was[i].off_backoff;
				out->raised_us = was[i].raised_us;
				out->raised_budget_bps = was[i].raised_budget_bps;
				out->up_backoff = was[i].up_backoff;
			} else {
				relay_simulcast_init(
				    &out->sc, ps->desc.codec == RELAY_CODEC_VP8,
				    relay_layers_best(from, ps, out->max_layer, now));
			}
			if (!had[i] && to->state == RELAY_TRANSPORT_UP)
				relay_feedback_keyframe(
				    w, from, relay_layers_keyframe_stream(from, ps, out), now);
		}
	}
out:
	free(was);
	free(routes);
}

/* Returns false when the worker must stop. */
static bool relay_worker_commands(struct relay_worker *w)
{
	struct relay_msg msg;
	bool running = true;

	relay_queue_wake_drain(w->cmd_wake_fd);
	while (relay_queue_pop(&w->commands, &msg)) {
		switch (msg.type) {
		case RELAY_CMD_PING:
			relay_worker_emit(w, RELAY_EVT_PONG, msg.arg, 0);
			break;
		case RELAY_CMD_STOP:
			running = false;
			break;
		case RELAY_CMD_TRANSPORT_ADD:
			relay_worker_add(w, msg.payload);
			break;
		case RELAY_CMD_TRANSPORT_REMOVE: {
			struct relay_transport *t = g_hash_table_lookup(w->by_id, &msg.arg);
			if (t)
				relay_worker_close(w, t, RELAY_CLOSE_REMOVED);
			break;
		}
		case RELAY_CMD_MUTE: {
			struct relay_transport *t = g_hash_table_lookup(w->by_id, &msg.arg);
			if (t)
				t->muted = (unsigned)msg.arg2;
			break;
		}
		case RELAY_CMD_TRANSPORT_UPDATE:
			relay_worker_update(w, msg.payload);
			break;
		case RELAY_CMD_ROUTES_SET:
			relay_worker_routes(w, msg.payload);
			break;
		case RELAY_CMD_HINT:
			relay_hint_apply(w, msg.arg, msg.arg2, relay_worker_now_us());
			break;
		case RELAY_CMD_SPEAKER:
			relay_budget_speaker(w, msg.arg, msg.arg2);
			break;
		default:
			log_debug("worker %u: unknown command %u", w->index, msg.type);
			free(msg.payload);
			break;
		}
	}
	return running;
}

/* RFC 7675 §5.1: consent for t's address expired. An association that
 * was up stops sending and forgets the address, but keeps DTLS, SRTP and
 * its routes: the person is still in the session (the control plane
 * removes the transport when they leave), and once their network is back
 * an ICE restart finds it and media resumes where it was. A handshake
 * that never finished is closed. */
static void relay_worker_consent_lost(struct relay_worker *w, struct relay_transport *t)
{
	if (t->state != RELAY_TRANSPORT_UP) {
		/* Checks came, then none: DTLS never finished (one without any
		 * check is kept: relay_ice_check_timeout()). */
		relay_worker_close(w, t, RELAY_CLOSE_CONSENT);
		return;
	}
	if (t->bound) /* else another transport took the address */
		g_hash_table_remove(w->by_addr, &t->addr_key);
	t->bound = false;
	t->state = RELAY_TRANSPORT_LOST;
	relay_worker_failed(w, RELAY_FAILURE_CONSENT_LOST);
	relay_worker_emit(w, RELAY_EVT_TRANSPORT_LOST, t->p.id, 0);
}

/* How loud publisher t was (RFC 6464 levels, relay/audio_level.h): one
 * event for its audio streams whose window is full, the loudest; none
 * when none was heard (DTX: silence) or a host muted its audio. Costs one
 * of the tick's *budget events. */
static void relay_worker_audio_level(struct relay_worker *w, struct relay_transport *t, int64_t now,
				     unsigned *budget)
{
	unsigned loudest = 0, activity;
	bool heard = false;

	for (unsigned s = 0; s < t->p.stream_count && *budget; s++) {
		struct relay_pub_stream *ps = &t->pub[s];
		if (!ps->desc.audio_level_ext_id)
			continue;
		if (t->muted & RELAY_MUTE_AUDIO)
			relay_audio_level_reset(&ps->level);
		else if (relay_audio_level_take(&ps->level, now, &activity)) {
			heard = true;
			loudest = activity > loudest ? activity : loudest;
		}
	}
	if (heard) {
		relay_worker_emit(w, RELAY_EVT_AUDIO_LEVEL, t->p.id, loudest);
		(*budget)--;
	}
}

/* Every 100 ms: DTLS retransmissions, consent freshness (RFC 7675), audio
 * levels. */
static void relay_worker_tick(struct relay_worker *w, int64_t now)
{
	GHashTableIter it;
	gpointer key, value;
	unsigned levels = RELAY_AUDIO_LEVEL_EVENTS_PER_TICK;

	g_hash_table_iter_init(&it, w->by_id);
	while (g_hash_table_iter_next(&it, &key, &value)) {
		struct relay_transport *t = value;
		if (t->state == RELAY_TRANSPORT_CLOSING)
			continue;
		/* A transport that never had a check has no address to stop
		 * sending to (its client may be behind a blocked path: an ICE
		 * restart finds it when that opens); one that lost consent waits
		 * for a check. */
		if ((t->bound || t->state != RELAY_TRANSPORT_NEW) &&
		    t->state != RELAY_TRANSPORT_LOST &&
		    now - t->consent_us > RELAY_CONSENT_TIMEOUT_US) {
			relay_worker_consent_lost(w, t);
			continue;
		}
		relay_ice_check_timeout(w, t, now);
		/* Once a second, a receiver report to each publisher. */
		if (w->ticks % 10 == 0)
			relay_feedback_receiver_report(w, t, now);
		if (t->p.publishing) {
			relay_feedback_pending_plis(w, t, now);
			relay_feedback_keyframe_retries(w, t, now);
			if (t->state == RELAY_TRANSPORT_UP) {
				relay_switching_tick(w, t, now);
				relay_dynacast_tick(w, t, now);
			}
			relay_worker_audio_level(w, t, now, &levels);
		}
		relay_congestion_tick(w, t, now);
		relay_budget_tick(w, t, now);
		relay_dtls_on_tick(w, t);
	}
	if (w->ticks % 10 == 0)
		relay_congestion_stats(w);
	relay_send_batch_flush(w);
	w->ticks++;
}

/* Transport-cc feedback to every publisher that sent something since the
 * last (or its REMB estimate updated, and a REMB when due); the next
 * packet with a transport-wide sequence number (or abs-send-time)
 * schedules the next (forward.c), so an idle worker does not wake for it. */
static void relay_worker_twcc(struct relay_worker *w)
{
	GHashTableIter it;
	gpointer key, value;

	g_hash_table_iter_init(&it, w->by_id);
	while (g_hash_table_iter_next(&it, &key, &value)) {
		relay_feedback_twcc(w, value);
		relay_feedback_remb(w, value, relay_worker_now_us());
	}
	relay_send_batch_flush(w);
	w->next_twcc_us = INT64_MAX;
}

static void *relay_worker_main(void *arg)
{
	struct relay_worker *w = arg;
	struct epoll_event events[16];
	bool running = true;
	sigset_t all;

	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, NULL);
	log_debug("worker %u: running on UDP port %d", w->index, w->port);

	while (running) {
		/* Until the next tick, the next NACK due to a publisher, or the
		 * next transport-cc feedback. */
		int64_t wake =
		    w->next_nack_us < w->next_tick_us ? w->next_nack_us : w->next_tick_us;
		if (w->next_twcc_us < wake)
			wake = w->next_twcc_us;
		if (w->next_probe_us < wake)
			wake = w->next_probe_us;
		if (w->next_pace_us < wake)
			wake = w->next_pace_us;
		int64_t wait_us = wake - relay_worker_now_us();
		int timeout = wait_us <= 0	  ? 0
			      : wait_us >= 100000 ? 100
						  : (int)((wait_us + 999) / 1000);
		int n = epoll_wait(w->epoll_fd, events, 16, timeout);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			log_error("worker %u: epoll_wait: %s", w->index, strerror(errno));
			break;
		}
		for (int i = 0; i < n; i++) {
			if (events[i].data.u64 == EP_COMMANDS)
				running = relay_worker_commands(w) && running;
			else if (events[i].data.u64 == EP_UDP + RELAY_UDP_V4)
				relay_recv_drain(w, w->udp_fd[RELAY_UDP_V4]);
			else if (events[i].data.u64 == EP_UDP + RELAY_UDP_V6)
				relay_recv_drain(w, w->udp_fd[RELAY_UDP_V6]);
			else if (relay_tcp_owns(events[i].data.u64))
				relay_tcp_on_event(w, events[i].data.u64, events[i].events);
		}
		int64_t now = relay_worker_now_us();
		if (now >= w->next_nack_us) {
			relay_repair_nacks_due(w, now);
			relay_send_batch_flush(w);
		}
		if (now >= w->next_twcc_us)
			relay_worker_twcc(w);
		if (now >= w->next_probe_us)
			relay_congestion_probes_due(w, now);
		if (now >= w->next_pace_us)
			relay_pacing_due(w, now);
		if (now >= w->next_tick_us) {
			relay_worker_tick(w, now);
			w->next_tick_us = now + 100000;
		}
		relay_tcp_after(w, now);
		if (w->reap)
			relay_worker_reap(w);
	}
	log_debug("worker %u: stopped", w->index);
	return NULL;
}

int relay_worker_start(struct relay_worker *w)
{
	char name[16];
	int r = pthread_create(&w->thread, NULL, relay_worker_main, w);

	if (r != 0)
		return -r;
	w->started = true;
	snprintf(name, sizeof(name), "hearth-media%u", w->index);
	pthread_setname_np(w->thread, name);
	return 0;
}

void relay_worker_clear(struct relay_worker *w)
{
	if (w->started)
		pthread_join(w->thread, NULL);
	w->started = false;
	relay_tcp_clear(w);
	if (w->by_ufrag)
		g_hash_table_destroy(w->by_ufrag);
	if (w->by_addr)
		g_hash_table_destroy(w->by_addr);
	if (w->by_id)
		g_hash_table_destroy(w->by_id);
	w->by_id = w->by_ufrag = w->by_addr = NULL;
	free(w->out);
	w->out = NULL;
	relay_queue_clear(&w->commands);
	relay_queue_clear(&w->events);
	if (w->epoll_fd >= 0)
		close(w->epoll_fd);
	for (int f = RELAY_UDP_V4; f <= RELAY_UDP_V6; f++) {
		if (w->udp_fd[f] >= 0)
			close(w->udp_fd[f]);
		w->udp_fd[f] = -1;
	}
	if (w->cmd_wake_fd >= 0)
		close(w->cmd_wake_fd);
	w->epoll_fd = w->cmd_wake_fd = -1;
}
