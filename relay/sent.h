/* What the relay sent a subscriber, for its send-side bandwidth
 * estimation (relay/bwe.h): every RTP packet to a subscriber that
 * negotiated the transport-wide sequence number
 * (draft-holmer-rmcat-transport-wide-cc-extensions-01) gets the
 * subscriber transport's own next number in a header extension, and its
 * send time and size are kept here until the subscriber's transport-cc
 * feedback says when it arrived. A subscriber that does REMB instead gets
 * abs-send-time stamped (relay_sent_stamp_abs), and nothing is kept.
 *
 * One log per subscriber transport (fixed memory, ~48 KB). Pure: no
 * allocation, no clock of its own (the caller passes the time), no
 * logging. */
#ifndef HEARTH_RELAY_SENT_H
#define HEARTH_RELAY_SENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Packets remembered (a power of two): ~2 s of 10 Mbit/s in 1,200-byte
 * packets, many feedback intervals. Older ones are not matched. */
#define RELAY_SENT_HISTORY 2048
/* Bytes a stamp adds: an RFC 8285 one-byte-header block of one word. */
#define RELAY_SENT_EXT_BYTES 8
/* Bytes each packet costs on the wire beyond its RTP bytes: the SRTP
 * tag (16, GCM; HMAC-SHA1-80's is 10) and IPv4 + UDP headers (28). The
 * estimate is of what the path carries. */
#define RELAY_SENT_OVERHEAD 44

enum relay_sent_state {
	RELAY_SENT_PENDING = 0, /* no feedback about it yet */
	RELAY_SENT_ACKED,	/* reported received */
	RELAY_SENT_LOST,	/* reported not received (may still be acked later) */
};

struct relay_sent_slot {
	int64_t seq;	 /* the extended sequence number it holds; 0: none */
	int64_t send_us; /* when it went into the send batch */
	uint16_t size;	 /* bytes on the wire (RTP + RELAY_SENT_OVERHEAD) */
	uint8_t probe;	 /* the probe cluster it belongs to; 0: media */
	uint8_t state;	 /* enum relay_sent_state */
};

struct relay_sent_log {
	/* The RFC 8285 id the subscriber accepted (1..14, the one-byte form);
	 * 0: not negotiated, nothing is stamped. */
	uint8_t ext_id;
	int64_t next_seq; /* extended (>= 2^16 once started); 0: nothing sent yet */
	uint64_t stamped; /* packets stamped */
	struct relay_sent_slot slots[RELAY_SENT_HISTORY];
};

/* Adds the transport-wide sequence number to an unprotected RTP packet of
 * *len bytes in a buffer of cap (after the fixed header and CSRCs, moving
 * the payload), grows *len, and notes the packet as sent at now_us in
 * probe cluster probe (0: media). Returns 0; -ENOENT when the log has no
 * ext_id (untouched); -EEXIST when the packet has an extension block
 * already, -ENOBUFS when it would not fit, -EINVAL when it is not RTP
 * (untouched, not noted). */
int relay_sent_stamp(struct relay_sent_log *log, uint8_t *pkt, size_t *len, size_t cap,
		     int64_t now_us, uint8_t probe);

/* The 24-bit abs-send-time of a time in microseconds: 6.18 fixed-point
 * seconds, wrapping every 64 s (webrtc.org/experiments/rtp-hdrext/
 * abs-send-time). */
uint32_t relay_sent_abs_send_time(int64_t now_us);

/* For a subscriber that does REMB instead of transport-cc (congestion.c):
 * adds abs-send-time at now_us, RFC 8285 one-byte element with id (1..14),
 * to an unprotected RTP packet as relay_sent_stamp() adds its number
 * (RELAY_SENT_EXT_BYTES more), noting nothing: the subscriber estimates
 * from it itself. Returns 0; -ENOENT for an id outside 1..14, -EEXIST,
 * -ENOBUFS, -EINVAL as relay_sent_stamp() (untouched). */
int relay_sent_stamp_abs(uint8_t id, uint8_t *pkt, size_t *len, size_t cap, int64_t now_us);

/* The packet sent with this 16-bit transport-wide sequence number, if it
 * is still in the history (the newest with that number); NULL if not. */
struct relay_sent_slot *relay_sent_find(struct relay_sent_log *log, uint16_t seq);

#endif
