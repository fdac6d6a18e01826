/* What every stage of a media worker shares, private to relay/: the worker
 * itself (its tables, socket, queues and counters), the datagram limit,
 * and the two things any stage may do to the worker: mark a transport for
 * closing, and tell the control thread.
 *
 * It sits below every .c file of the worker (recv, ice, dtls, forward,
 * feedback, send, worker), so none of them needs another's header for the
 * worker's shape; the helpers are inline here rather than in worker.c so
 * that the stages below worker.c do not call up into it. Everything here
 * belongs to the worker thread once it runs, except the queues' producer
 * ends and the relaxed-read counters. */
#ifndef HEARTH_RELAY_STAGE_H
#define HEARTH_RELAY_STAGE_H

#include <glib.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>
#include <time.h>

#include "relay/queue.h"
#include "relay/relay.h"
#include "relay/transport.h"
#include "core/clock.h"

/* The largest datagram received or forwarded (media goes with DF set). */
#define RELAY_DATAGRAM_MAX 1500

struct crypto_dtls_identity;
struct relay_send_batch;
struct relay_tcp;

struct relay_worker {
	unsigned index;
	struct crypto_dtls_identity *identity; /* borrowed, shared read-only */
	GHashTable *by_id;		       /* uint64 id -> transport (owns them) */
	GHashTable *by_ufrag;		       /* our ufrag -> transport */
	GHashTable *by_addr;		       /* struct relay_addr_key -> transport */
	bool reap;			       /* some transport is CLOSING */
	int64_t next_tick_us;
	unsigned ticks;
	struct relay_send_batch *out; /* owned (send.h) */
	int epoll_fd;
	/* [RELAY_UDP_V4], [RELAY_UDP_V6]: -1 when that family is not bound;
	 * both on `port`. "::" alone is one dual-stack socket ([V6]): its IPv4
	 * peers arrive, and are answered, as v4-mapped AF_INET6 addresses. */
	int udp_fd[2];
	int port;
	int cmd_wake_fd;	     /* owned: the worker's eventfd */
	struct relay_queue commands; /* control -> worker */
	struct relay_queue events;   /* worker -> control, wakes the control fd */
	pthread_t thread;
	bool started;
	_Atomic uint64_t datagrams_received;
	_Atomic uint64_t datagrams_dropped_unknown;
	_Atomic uint64_t events_dropped;
	_Atomic uint64_t send_dropped;	/* datagrams sendmmsg did not take */
	_Atomic uint64_t stun_refused;	/* bad integrity, unknown ufrag, malformed */
	_Atomic uint64_t rtp_forwarded; /* SRTP packets sent to subscribers */
	_Atomic uint64_t srtp_failures; /* unprotect failed (auth, replay) */
	_Atomic uint64_t bytes_received, bytes_sent;
	_Atomic uint64_t network_changes;
	_Atomic uint64_t transport_failures[RELAY_FAILURES];
	/* Loss repair (relay_worker_stats says what each counts). */
	_Atomic uint64_t nacks_received;
	_Atomic uint64_t rtx_sent;
	_Atomic uint64_t rtx_missed;
	_Atomic uint64_t nacks_ignored;
	_Atomic uint64_t nacks_sent;
	_Atomic uint64_t packets_recovered;
	_Atomic uint64_t loss_keyframes;
	_Atomic uint64_t rtx_buffers_refused;
	_Atomic uint64_t twcc_feedback_sent;
	_Atomic uint64_t remb_sent;
	_Atomic uint64_t layer_switches;
	_Atomic uint64_t ssrcs_learnt;
	/* Subscribers' bandwidth estimation (relay/congestion.c). */
	_Atomic uint64_t twcc_feedback_received;
	_Atomic uint64_t remb_received;
	_Atomic uint64_t probes_sent;
	_Atomic uint64_t bwe_subscribers[RELAY_BWE_BUCKETS];
	uint32_t bwe_max_bps;  /* the cap of every subscriber's estimate */
	bool fit_downlinks;    /* media.fit_downlinks: relay/budget.c runs */
	int64_t next_probe_us; /* the next probe packets due; INT64_MAX: none */
	/* Pacing (relay/pacing.c): queues allocated (cap
	 * RELAY_PACERS_PER_WORKER), when the next queued packet is due
	 * (INT64_MAX: none waits), and what the counters say in relay.h. */
	unsigned pacers;
	int64_t next_pace_us;
	/* Audio sent twice to lossy subscribers without RED (audio_dup.c):
	 * media.audio_duplicate, the subscribers that have the state (cap
	 * RELAY_DUPS_PER_WORKER), copies sent. */
	bool audio_duplicate;
	unsigned dups;
	_Atomic uint64_t audio_duplicates;
	_Atomic uint64_t pacers_refused;
	_Atomic uint64_t paced_packets;
	_Atomic uint64_t pacer_dropped;
	_Atomic uint64_t pacer_delay_us;
	_Atomic uint64_t hidden_skipped;
	_Atomic uint64_t budget_skipped;
	unsigned
	    rtx_buffers; /* retransmission buffers allocated (cap RELAY_RTX_BUFFERS_PER_WORKER) */
	int64_t next_nack_us; /* the earliest NACK due to a publisher; INT64_MAX: none */
	/* When transport-cc feedback is due (RELAY_TWCC_INTERVAL_US after the
	 * first packet since the last was sent); INT64_MAX: nothing to say. */
	int64_t next_twcc_us;
	struct relay_tcp *tcp; /* owned; ICE-TCP (relay/tcp_conn.h); NULL: off */
};

/* Retransmission buffers one worker allocates at most (each
 * sizeof(struct relay_rtx_buffer), ~780 KB: 50 MB in all); video streams
 * beyond get no NACK answers from the relay. */
#define RELAY_RTX_BUFFERS_PER_WORKER 64

/* Monotonic time in microseconds: the worker's clock. */
static inline int64_t relay_worker_now_us(void)
{
	return clock_mono_us();
}

/* Tells the control thread (event queue); a full queue is counted. */
static inline void relay_worker_emit(struct relay_worker *w, uint32_t type, uint64_t arg,
				     uint64_t arg2)
{
	struct relay_msg msg = {.type = type, .worker = w->index, .arg = arg, .arg2 = arg2};

	if (relay_queue_push(&w->events, &msg) < 0)
		atomic_fetch_add_explicit(&w->events_dropped, 1, memory_order_relaxed);
}

/* Counts one failure of a transport (enum relay_failure). */
static inline void relay_worker_failed(struct relay_worker *w, enum relay_failure failure)
{
	atomic_fetch_add_explicit(&w->transport_failures[failure], 1, memory_order_relaxed);
}

/* Marks t for closing; worker.c reaps it at the end of this loop
 * iteration (never freed from inside a stage). */
enum { RELAY_UDP_V4, RELAY_UDP_V6 };

/* The socket a datagram to `family` goes out of: the one its peer's packets
 * came in on, since the address kept is the one recvmmsg gave. */
static inline int relay_worker_udp_fd(const struct relay_worker *w, int family)
{
	return w->udp_fd[family == AF_INET ? RELAY_UDP_V4 : RELAY_UDP_V6];
}

static inline void relay_worker_close(struct relay_worker *w, struct relay_transport *t,
				      enum relay_close_reason reason)
{
	if (t->state == RELAY_TRANSPORT_CLOSING)
		return;
	t->state = RELAY_TRANSPORT_CLOSING;
	t->close_reason = reason;
	w->reap = true;
}

#endif
