/* Transport-wide congestion control feedback to a publisher
 * (draft-holmer-rmcat-transport-wide-cc-extensions-01): the relay notes
 * when each packet carrying the transport-wide sequence number arrived
 * and tells the sender, in RTPFB FMT=15 packets, which arrived and when.
 * The sender's bandwidth estimation (Chromium's, webrtcbin's) needs it to
 * lower its bitrate to what its uplink takes.
 *
 * One recorder per publisher transport (the sequence is transport-wide:
 * audio, video and RTX padding probes share it). Pure: fixed memory, no
 * allocation, no clock of its own (the caller passes arrival times, in
 * microseconds of a monotonic clock), no logging. */
#ifndef HEARTH_RELAY_TWCC_H
#define HEARTH_RELAY_TWCC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* How often the worker sends feedback to each publisher that sent
 * something since the last one (libwebrtc sends its own every 50-250 ms;
 * the draft leaves it to the receiver). */
#define RELAY_TWCC_INTERVAL_US (50 * 1000LL)
/* Packets remembered per transport (a power of two): ~1 s of a 10 Mbit/s
 * publisher, far more than one interval. Older ones are not reported. */
#define RELAY_TWCC_HISTORY 1024
/* Feedback packets one report may need at most (a packet is cut where a
 * delta does not fit 16 bits, or where it would outgrow the caller's
 * buffer). */
#define RELAY_TWCC_MAX_PACKETS 4

struct relay_twcc_slot {
	int64_t seq; /* the extended sequence number it holds; 0: none */
	int64_t arrival_us;
};

struct relay_twcc {
	bool started;
	bool pending;	   /* received something not reported yet */
	uint8_t fb_count;  /* the next feedback packet count */
	int64_t max_seq;   /* the newest sequence number, extended (>= 2^16) */
	int64_t begin_seq; /* the first one the next report covers */
	struct relay_twcc_slot slots[RELAY_TWCC_HISTORY];
};

/* RFC 8285: the transport-wide sequence number (a 2-byte element with
 * this id, one-byte or two-byte header form) in an unprotected RTP
 * packet. Returns 0, -ENOENT (no such element, or no extension block) or
 * -EINVAL (the block or the element is malformed). */
int relay_twcc_ext_seq(const uint8_t *pkt, size_t len, uint8_t id, uint16_t *ret_seq);

/* Notes the packet with transport-wide sequence number seq arriving at
 * arrival_us. A duplicate keeps its first arrival; one that arrives after
 * it was reported missing is reported again with those after it. */
void relay_twcc_on_packet(struct relay_twcc *tw, uint16_t seq, int64_t arrival_us);

/* The next feedback packet (RTCP RTPFB, FMT 15) from sender_ssrc about
 * media_ssrc into out: every sequence number from the first not reported
 * yet to the newest, received or not, as far as fits cap bytes and 16-bit
 * deltas; padded to 32 bits (RFC 3550 §6.4.1 padding). Call again until
 * it returns 0 (nothing left to report). Returns the length, 0, or
 * -ENOBUFS (cap below 24 bytes: nothing was consumed). */
int relay_twcc_build(struct relay_twcc *tw, uint8_t *out, size_t cap, uint32_t sender_ssrc,
		     uint32_t media_ssrc);

/* Packets one parsed feedback packet may report at most: more is refused
 * (-E2BIG) rather than followed (libwebrtc reports far fewer per packet;
 * a run-length chunk could otherwise claim 65,535 in two bytes). */
#define RELAY_TWCC_FB_MAX 1024

/* One RTPFB FMT=15 packet as a media sender reads it (§3.1): packets
 * base_seq .. base_seq + count - 1 (mod 2^16), each received or not, the
 * received ones with their arrival time relative to the reference time. */
struct relay_twcc_fb {
	uint32_t sender_ssrc, media_ssrc;
	uint16_t base_seq;
	uint16_t count;	    /* packet status count, 1..RELAY_TWCC_FB_MAX */
	uint8_t fb_count;   /* feedback packet count (to spot lost feedback) */
	uint32_t reference; /* 24 bits, in 64 ms: unwrap it against the previous one */
	/* Arrival of packet base_seq + i in microseconds after reference *
	 * 64 ms (may be negative: deltas are signed); INT64_MIN: not received. */
	int64_t arrival_us[RELAY_TWCC_FB_MAX];
};

/* Walks a compound RTCP packet (unprotected) and calls fn for every
 * well-formed transport-cc feedback packet in it. Returns the number of
 * feedback packets passed to fn, or -EINVAL when the compound is
 * malformed, -E2BIG when one reports more than RELAY_TWCC_FB_MAX packets
 * (fn was called for those before; never with a half-parsed one). fb is
 * the caller's scratch space (about 8 KB). */
int relay_twcc_parse(const uint8_t *pkt, size_t len, struct relay_twcc_fb *fb,
		     void (*fn)(const struct relay_twcc_fb *fb, void *userdata), void *userdata);

#endif
