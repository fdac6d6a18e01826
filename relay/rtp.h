/* RTP and RTCP as the relay handles them (RFC 3550, RFC 4585, RFC 5104):
 * reading the few header fields routing needs, writing a subscriber's copy
 * of a packet, and building the feedback the relay sends itself. Pure
 * functions on caller buffers: no allocation, no logging. */
#ifndef HEARTH_RELAY_RTP_H
#define HEARTH_RELAY_RTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* RFC 5761 §4: RTCP packet types 192..223 share the byte with RTP's
 * marker + payload type; these are RTCP when rtcp-mux is on. */
bool relay_rtp_is_rtcp(const uint8_t *pkt, size_t len);

struct relay_rtp_header {
	uint8_t payload_type;
	bool marker;
	uint16_t seq;
	uint32_t timestamp;
	uint32_t ssrc;
	size_t header_len;  /* fixed header + CSRCs + extension block */
	size_t payload_len; /* after the header, padding included */
};

/* Parses an (unprotected) RTP header. Returns 0 or -EINVAL. */
int relay_rtp_parse(const uint8_t *pkt, size_t len, struct relay_rtp_header *ret);

/* Network byte order writers, for everything in relay/ that builds or
 * rewrites RTP and RTCP. */
static inline void relay_rtp_wr16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void relay_rtp_wr32(uint8_t *p, uint32_t v)
{
	relay_rtp_wr16(p, (uint16_t)(v >> 16));
	relay_rtp_wr16(p + 2, (uint16_t)v);
}

/* RFC 8285: the value of the header extension element with this id (1..255;
 * one-byte form ids 1..14, or the two-byte form) in an unprotected RTP
 * packet: *ret_value points into pkt, *ret_len is its length. Returns 0,
 * -ENOENT (no such element, or no extension block) or -EINVAL (the block
 * or an element before it is malformed). */
int relay_rtp_ext_find(const uint8_t *pkt, size_t len, uint8_t id, const uint8_t **ret_value,
		       size_t *ret_len);

/* Writes a subscriber's copy of an unprotected RTP packet into out: the
 * publisher's SSRC, sequence number and timestamp, the subscriber's payload
 * type, no header extension (their ids are the publisher's; the subscriber
 * demultiplexes by SSRC from its SDP). Returns the length written, or
 * -ENOBUFS / -EINVAL. */
int relay_rtp_copy_for(const uint8_t *pkt, size_t len, const struct relay_rtp_header *h,
		       uint8_t payload_type, uint8_t *out, size_t cap);

/* Whether an RTP payload (after the header) starts a keyframe: VP8 (RFC
 * 7741 §4.2, §4.3: the first partition's P bit) and H.264 (RFC 6184: an
 * IDR slice alone, in a STAP-A or starting an FU-A). */
bool relay_rtp_vp8_keyframe(const uint8_t *payload, size_t len);
/* A VP8 keyframe's picture size (RFC 6386 §9.1), from its first packet's
 * payload; false when it is not one or too short. */
bool relay_rtp_vp8_size(const uint8_t *payload, size_t len, uint16_t *ret_width,
			uint16_t *ret_height);
bool relay_rtp_h264_keyframe(const uint8_t *payload, size_t len);

/* Walks a compound RTCP packet; calls fn for every PLI (RFC 4585 §6.3.1)
 * and FIR (RFC 5104 §4.3.1) with the media SSRC it asks a keyframe of.
 * Returns 0, or -EINVAL when the compound is malformed (fn may have been
 * called for the packets before). */
int relay_rtcp_keyframe_requests(const uint8_t *pkt, size_t len,
				 void (*fn)(uint32_t media_ssrc, void *userdata), void *userdata);

/* Walks a compound RTCP packet; calls fn for every sequence number a
 * generic NACK (RTPFB FMT 1, RFC 4585 §6.2.1) asks for: each FCI entry's
 * PID and PID+i+1 for every bit i set in its BLP. Returns 0, or -EINVAL
 * when the compound is malformed (fn may have been called before). */
int relay_rtcp_nacks(const uint8_t *pkt, size_t len,
		     void (*fn)(uint32_t media_ssrc, uint16_t seq, void *userdata), void *userdata);

/* Builds a generic NACK from sender_ssrc about media_ssrc for the n
 * sequence numbers in seqs (in sending order, oldest first), packed into
 * PID/BLP entries. Returns the length or -ENOBUFS / -EINVAL (n == 0). */
int relay_rtcp_build_nack(uint8_t *out, size_t cap, uint32_t sender_ssrc, uint32_t media_ssrc,
			  const uint16_t *seqs, unsigned n);

/* RFC 4588 §4: the retransmission of a stored packet (fixed header and
 * CSRCs, no extension, as relay_rtp_copy_for writes it) on the RTX stream:
 * its SSRC, payload type and sequence number, the original's marker and
 * timestamp, and the original sequence number (OSN) before the payload.
 * Returns the length or -ENOBUFS / -EINVAL. */
int relay_rtp_build_rtx(const uint8_t *pkt, size_t len, uint8_t rtx_payload_type, uint32_t rtx_ssrc,
			uint16_t rtx_seq, uint8_t *out, size_t cap);

/* The reverse, in place: an RTX packet pkt (header h) becomes the original
 * packet of stream ssrc with payload_type (its OSN as sequence number),
 * starting 2 bytes into pkt (*ret_pkt, *ret_len). An RTX packet with no
 * OSN (padding only: bandwidth probes) is -ENODATA. */
int relay_rtp_unwrap_rtx(uint8_t *pkt, size_t len, const struct relay_rtp_header *h, uint32_t ssrc,
			 uint8_t payload_type, uint8_t **ret_pkt, size_t *ret_len);

/* The SSRC of the sender of an RTCP packet (its first packet's). */
int relay_rtcp_sender_ssrc(const uint8_t *pkt, size_t len, uint32_t *ret_ssrc);

/* Builds a PLI from sender_ssrc about media_ssrc; 12 bytes. Returns the
 * length or -ENOBUFS. */
int relay_rtcp_build_pli(uint8_t *out, size_t cap, uint32_t sender_ssrc, uint32_t media_ssrc);

/* Reception statistics of one incoming stream (RFC 3550 §6.4.1, A.1, A.8),
 * kept by the relay for its receiver reports to the publisher. */
struct relay_rx_stats {
	bool started;
	uint16_t max_seq;
	uint32_t cycles; /* shifted count of sequence number wraps */
	uint32_t base_seq;
	uint32_t received;
	uint32_t expected_prior, received_prior;
	uint32_t jitter; /* in timestamp units, times 16 (A.8) */
	int64_t last_transit;
	uint32_t last_sr;   /* middle 32 bits of the last SR's NTP time */
	int64_t last_sr_us; /* when it arrived (monotonic), 0 = none */
};

/* Counts one packet (seq, RTP timestamp) that arrived at arrival_us. */
void relay_rx_stats_update(struct relay_rx_stats *st, uint16_t seq, uint32_t timestamp,
			   int64_t arrival_us, uint32_t clock_rate);

/* Remembers a sender report of the stream (for LSR/DLSR). */
void relay_rx_stats_sender_report(struct relay_rx_stats *st, uint32_t ntp_middle,
				  int64_t arrival_us);

/* What relay_rtcp_copy_renumbered() does with one sender report: its
 * SSRC becomes ssrc and delta is added to its RTP timestamp; keep false:
 * it is left out. */
struct relay_rtcp_renumber {
	bool keep;
	uint32_t ssrc;
	uint32_t ts_delta;
};

/* Copies compound RTCP packet pkt into out (cap bytes) with each sender
 * report's SSRC and RTP timestamp as fn says (simulcast: a subscriber
 * sees the encoding it receives as the track's one stream, and no other
 * encoding's report); other packets as they are. Returns the length
 * written (0: nothing left), or -EINVAL (malformed) / -ENOBUFS. */
int relay_rtcp_copy_renumbered(const uint8_t *pkt, size_t len, uint8_t *out, size_t cap,
			       struct relay_rtcp_renumber (*fn)(uint32_t ssrc, void *userdata),
			       void *userdata);

/* Finds the sender reports in a compound RTCP packet: calls fn with the
 * sender's SSRC and the middle 32 bits of its NTP timestamp. Returns 0, or
 * -EINVAL for a malformed compound packet (after the packets before the
 * fault). */
int relay_rtcp_sender_reports(const uint8_t *pkt, size_t len,
			      void (*fn)(uint32_t ssrc, uint32_t ntp_middle, void *userdata),
			      void *userdata);

/* One report block of a sender or receiver report (RFC 3550 §6.4.1). */
struct relay_rtcp_report_block {
	uint32_t ssrc;	       /* the stream it is about */
	uint8_t fraction_lost; /* since the last report, in 1/256 */
	uint32_t lsr;	       /* middle 32 bits of the last SR's NTP time, 0 = none */
	uint32_t dlsr;	       /* delay since that SR, in 1/65536 s */
};

/* Walks a compound RTCP packet; calls fn for every report block of its
 * sender and receiver reports. Returns 0, or -EINVAL for a malformed
 * compound packet (after the packets before the fault). */
int relay_rtcp_report_blocks(const uint8_t *pkt, size_t len,
			     void (*fn)(const struct relay_rtcp_report_block *b, void *userdata),
			     void *userdata);

/* Builds a receiver report from sender_ssrc with one block per stream
 * (ssrcs[i] with stats[i], at most 31); a block's fraction lost is at
 * least floors[i] (NULL: no floors). Updates the stats' "prior" counters.
 * Returns the length or -ENOBUFS. */
int relay_rtcp_build_rr(uint8_t *out, size_t cap, uint32_t sender_ssrc, const uint32_t *ssrcs,
			struct relay_rx_stats *const *stats, const uint8_t *floors, unsigned n,
			int64_t now_us);

#endif
