/* Pacing what is sent to one subscriber: a media budget that fills at the
 * pacing rate and a bounded queue of the video packets that wait for it.
 *
 * Without it, every copy of a publisher's keyframe (20-60 KB at 640x480)
 * leaves the relay in one sendmmsg batch and lands on a slow downlink's
 * bottleneck queue as a burst: its tail is lost, NACKed, resent, and the
 * picture freezes. With it, video leaves at a multiple of the subscriber's
 * estimate (RELAY_PACE_FACTOR): a burst waits here, where the relay can
 * see and bound it, instead of in a router's drop-tail queue.
 *
 * Audio and RTCP never wait: they go at once and are charged to the budget
 * (relay_pace_spent), so the video that follows makes room for them. A
 * packet waits only when the budget is spent or others wait already (the
 * order of one SSRC's packets never changes: they get their SRTP index
 * and transport-wide sequence number when they leave).
 *
 * Pure: fixed memory (RELAY_PACE_SLOTS packets, allocated once per
 * subscriber by the caller), no clock of its own (the caller passes the
 * time), no allocation, lock or logging. relay/pacing.c is the worker's
 * side. */
#ifndef HEARTH_RELAY_PACE_H
#define HEARTH_RELAY_PACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Packets one subscriber's queue holds (a power of two): ~150 KB of video,
 * above what RELAY_PACE_DRAIN_US lets wait at any rate where a queue
 * forms. A full queue drops its oldest packet. */
#define RELAY_PACE_SLOTS 128
/* The largest packet it holds: an unprotected copy, before the
 * transport-wide sequence number and the SRTP tag are added. */
#define RELAY_PACE_PACKET_MAX 1500
/* The pacing rate over the estimate, in tenths. libwebrtc paces its video
 * at 2.5 x its target; a 600 kbit/s link behind a 30 KB drop-tail queue
 * (tbf burst 10kb latency 250ms) holds a keyframe of K bytes paced at f x
 * the link when K (1 - 1/f) fits: 50 KB at 2 x, 48 KB at 2.5 x, 85 KB at
 * 1.5 x, but at 1.5 x a keyframe takes longer than the freeze it ends. */
#define RELAY_PACE_FACTOR_TENTHS 20
/* What the budget may save up while nothing is sent: a burst of this
 * much time at the pacing rate (libwebrtc's 5 ms packet limit). */
#define RELAY_PACE_BURST_US 5000
/* The debt audio and probes may run up (at the pacing rate). */
#define RELAY_PACE_MAX_DEBT_US 500000
/* The queue drains within this long: when what waits would take longer
 * at the pacing rate (a keyframe larger than the estimate carries in
 * that time), the rate rises to drain it in time (libwebrtc's pacer does
 * the same with 2 s). Dropping instead would cut every such keyframe's
 * tail, ask for another, and never show a picture. */
#define RELAY_PACE_DRAIN_US 250000
/* A packet that waited longer anyway (a rate lowered meanwhile, a worker
 * held up) is dropped: late video is useless, the keyframe asked for
 * instead is not. */
#define RELAY_PACE_MAX_DELAY_US 500000
/* The worker's wake while a queue waits: at most this long, at least
 * RELAY_PACE_STEP_MIN_US. */
#define RELAY_PACE_STEP_MAX_US 5000
#define RELAY_PACE_STEP_MIN_US 1000

struct relay_pace_packet {
	int64_t queued_us; /* when it was queued */
	uint16_t len;
	_Alignas(8) uint8_t data[RELAY_PACE_PACKET_MAX];
};

struct relay_pace {
	uint32_t estimate_bps; /* what rate_bps was set from */
	uint32_t rate_bps;     /* the pacing rate; 0: unpaced (no estimate yet) */
	int64_t budget;	       /* bytes that may go now; below 0: a debt */
	int64_t budget_us;     /* when it was last filled; 0: never */
	unsigned head, count;
	uint64_t queued_bytes; /* what waits */
	/* The caller's: the last SSRC a keyframe was asked for after a drop,
	 * and when. */
	uint32_t asked_ssrc;
	int64_t asked_us;
	/* Packets queued, and dropped (late, full, flushed), ever: for a
	 * subscriber's debug line. */
	uint64_t queued_total, dropped_total;
	struct relay_pace_packet q[RELAY_PACE_SLOTS];
};

/* An empty queue, unpaced. */
void relay_pace_init(struct relay_pace *p);

/* The pacing rate for an estimate of estimate_bps (0: none: unpaced). */
void relay_pace_set_estimate(struct relay_pace *p, uint32_t estimate_bps, int64_t now_us);

/* Whether a packet may go now without waiting: unpaced, or nothing waits
 * and the budget is not in debt. */
bool relay_pace_may_send(struct relay_pace *p, int64_t now_us);

/* Charges len bytes sent (any kind) to the budget. */
void relay_pace_spent(struct relay_pace *p, size_t len);

/* A queue slot for a packet of len bytes queued now: its data to fill
 * (copy len bytes into it); the oldest waiting packet is dropped first
 * when the queue is full (its SSRC in *ret_dropped_ssrc, UINT32_MAX for
 * one without; 0: none dropped). NULL
 * when len is above RELAY_PACE_PACKET_MAX (nothing queued). */
uint8_t *relay_pace_push(struct relay_pace *p, size_t len, int64_t now_us,
			 uint32_t *ret_dropped_ssrc);

/* The next packet that may leave now (the budget not in debt), or NULL;
 * it stays queued until relay_pace_pop(). A head that waited longer than
 * RELAY_PACE_MAX_DELAY_US is dropped instead: NULL, its SSRC in
 * *ret_dropped_ssrc (else 0), and the caller asks again. */
struct relay_pace_packet *relay_pace_next(struct relay_pace *p, int64_t now_us,
					  uint32_t *ret_dropped_ssrc);

/* Takes the head packet off the queue (after it was sent or dropped). */
void relay_pace_pop(struct relay_pace *p);

/* Drops everything queued; returns how many. */
unsigned relay_pace_flush(struct relay_pace *p);

/* When the queue's head may leave (now_us plus a step within
 * RELAY_PACE_STEP_MIN_US..RELAY_PACE_STEP_MAX_US); INT64_MAX when nothing
 * waits. */
int64_t relay_pace_wake_us(const struct relay_pace *p, int64_t now_us);

#endif
