/* Simulcast forwarding for one subscriber of one track: which encoding
 * (layer) it receives, and the rewriting that makes the encodings it is
 * switched between one continuous stream to it: sequence numbers,
 * timestamps, and VP8's picture id and TL0PICIDX (RFC 7741 §4.2) go on
 * from where the last encoding left them. A switch happens only at a
 * keyframe of the encoding switched to. Pure: no worker, no clock (the
 * caller passes the time), unit tested alone. */
#ifndef HEARTH_RELAY_SIMULCAST_H
#define HEARTH_RELAY_SIMULCAST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "relay/rtp.h"

#define RELAY_LAYER_NONE 0xff

/* Where VP8's picture id and TL0PICIDX are in a payload descriptor. */
struct relay_vp8_ids {
	size_t pic_off; /* 0: no picture id */
	bool pic_15;	/* M bit: 15 bits (else 7) */
	size_t tl0_off; /* 0: no TL0PICIDX */
	uint16_t pic;	/* its value */
	uint8_t tl0;	/* its value */
};

/* Reads the VP8 payload descriptor at payload (len bytes). Returns false
 * when it is too short for what its flags announce. */
bool relay_vp8_ids_read(const uint8_t *payload, size_t len, struct relay_vp8_ids *ret);

/* One subscriber's view of a simulcast track. Zeroed, then
 * relay_simulcast_init(). */
struct relay_simulcast_out {
	uint8_t current;    /* the encoding it receives; RELAY_LAYER_NONE: none yet */
	uint8_t target;	    /* the encoding it should receive; RELAY_LAYER_NONE: none */
	bool started;	    /* something was sent: the last_* fields hold */
	bool vp8;	    /* rewrite VP8 picture ids */
	uint16_t first_seq; /* the current encoding's first packet forwarded (its numbers) */
	uint16_t seq_delta; /* what is added to the current encoding's numbers */
	uint32_t ts_delta;
	uint16_t pic_delta;
	uint8_t tl0_delta;
	/* The newest of what was sent, in the subscriber's numbers. */
	uint16_t last_seq;
	uint32_t last_ts;
	uint16_t last_pic;
	uint8_t last_tl0;
	int64_t last_us; /* when the packet with last_ts was sent */
	/* The subscriber's number of the first packet of the current
	 * encoding: NACKs of earlier ones are about another encoding. */
	uint16_t switch_seq;
	uint32_t switches; /* encoding changes, for the counters */
};

void relay_simulcast_init(struct relay_simulcast_out *s, bool vp8, uint8_t target);

/* Whether a packet of encoding `layer` goes to this subscriber; switches
 * to it when it is the target and keyframe_start (the first packet of a
 * keyframe) says it may. payload/len: the packet's payload (VP8 picture
 * ids are read from it at a switch). */
bool relay_simulcast_accept(struct relay_simulcast_out *s, uint8_t layer,
			    const struct relay_rtp_header *h, const uint8_t *payload, size_t len,
			    bool keyframe_start, int64_t now_us);

/* Rewrites an accepted packet's copy (an unprotected RTP packet of len
 * bytes, its header parsed as h) into the subscriber's numbers, with
 * SSRC ssrc, and notes it as sent. */
void relay_simulcast_rewrite(struct relay_simulcast_out *s, uint8_t *pkt, size_t len,
			     const struct relay_rtp_header *h, uint32_t ssrc, int64_t now_us);

/* The same numbers for a copy resent later (RTX): nothing is noted. */
void relay_simulcast_rewrite_again(const struct relay_simulcast_out *s, uint8_t *pkt, size_t len,
				   const struct relay_rtp_header *h, uint32_t ssrc);

/* The current encoding's own sequence number of the subscriber's number
 * seq; false when seq is from before the current encoding. */
bool relay_simulcast_seq_in(const struct relay_simulcast_out *s, uint16_t seq, uint16_t *ret_seq);

#endif
