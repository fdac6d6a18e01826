/* Retransmission on the relay's side of each hop (RFC 4588):
 * - relay_rtx_buffer: the last RELAY_RTX_SLOTS packets of one published
 *   video stream as forwarded (unprotected, fixed header and CSRCs, no
 *   extension: relay_rtp_copy_for's form with the publisher's payload
 *   type), by sequence number, to answer subscribers' NACKs. One block of
 *   fixed size, allocated once per stream (worker.c caps how many).
 * - relay_rtx_history: what one subscriber was resent lately, so that a
 *   packet goes to it again only after about a round trip, and at most
 *   RELAY_RTX_MAX_RESENDS times.
 * No allocation, no clock of its own: the caller passes the time. */
#ifndef HEARTH_RELAY_RTX_H
#define HEARTH_RELAY_RTX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* 512 packets: 2.7 s of video at 1.7 Mbit/s (1,100-byte packets). */
#define RELAY_RTX_SLOTS	     512
#define RELAY_RTX_PACKET_MAX 1500
/* A stored packet older than this is not resent (the receiver has given
 * up on it), nor mistaken for one 65,536 sequence numbers later. */
#define RELAY_RTX_MAX_AGE_US  (3000 * 1000LL)
#define RELAY_RTX_MAX_RESENDS 4 /* to one subscriber, per packet */
#define RELAY_RTX_HISTORY     256

struct relay_rtx_slot {
	int64_t stored_us; /* 0: empty */
	uint16_t seq;
	uint16_t len;
	uint8_t data[RELAY_RTX_PACKET_MAX];
};

struct relay_rtx_buffer {
	struct relay_rtx_slot slots[RELAY_RTX_SLOTS];
};

/* Keeps a copy of packet seq (len bytes), replacing what its slot held.
 * Returns 0, or -EMSGSIZE (not kept). */
int relay_rtx_buffer_store(struct relay_rtx_buffer *b, uint16_t seq, const uint8_t *pkt, size_t len,
			   int64_t now);

/* The same without a copy: the slot's buffer (RELAY_RTX_PACKET_MAX bytes,
 * emptied) for packet seq to be written into, then kept with
 * relay_rtx_buffer_keep(). */
uint8_t *relay_rtx_buffer_claim(struct relay_rtx_buffer *b, uint16_t seq);
void relay_rtx_buffer_keep(struct relay_rtx_buffer *b, uint16_t seq, size_t len, int64_t now);

/* The stored packet seq, or NULL when it is not (or no longer) there.
 * Borrowed: valid until the next store. */
const struct relay_rtx_slot *relay_rtx_buffer_find(const struct relay_rtx_buffer *b, uint16_t seq,
						   int64_t now);

struct relay_rtx_sent {
	uint32_t ssrc; /* the media SSRC the NACK named */
	uint16_t seq;
	uint8_t count;
	int64_t last_us; /* 0: unused */
};

struct relay_rtx_history {
	struct relay_rtx_sent e[RELAY_RTX_HISTORY]; /* by hash of (ssrc, seq) */
};

/* Whether packet seq of ssrc may be resent to this subscriber now (not
 * within rtt_us of the last time, 0: 100 ms; at
 * most RELAY_RTX_MAX_RESENDS times); when yes, it is counted as sent. */
bool relay_rtx_history_allow(struct relay_rtx_history *h, uint32_t ssrc, uint16_t seq, int64_t now,
			     int64_t rtt_us);

#endif
