/* Receiver-estimated maximum bitrate (draft-alvestrand-rmcat-remb-03) for
 * publishers that offer goog-remb and abs-send-time but not transport-cc
 * (older and embedded WebRTC stacks): the relay estimates their uplink
 * itself, from when each packet was sent (the abs-send-time header
 * extension: 24 bits of 6.18 fixed-point seconds of the sender's clock)
 * against when it arrived, with the same estimator as for subscribers
 * (bwe.c), and tells them the answer in RTCP PSFB FMT=15 "REMB" packets.
 * A publisher that does transport-cc gets transport-cc feedback instead
 * (twcc.c) and estimates for itself.
 *
 * One per publisher transport. Pure: fixed memory, no allocation, no
 * clock of its own (the caller passes times in microseconds), no
 * logging. */
#ifndef HEARTH_RELAY_REMB_H
#define HEARTH_RELAY_REMB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "relay/bwe.h"

/* Packets noted between two estimator updates (the worker's feedback
 * wake, every RELAY_TWCC_INTERVAL_US, takes them; a full batch is taken
 * at once). */
#define RELAY_REMB_BATCH 128
/* A REMB goes out at least this often while packets come... */
#define RELAY_REMB_INTERVAL_US (1000 * 1000LL)
/* ...and sooner, but not more often than this, when the estimate fell
 * below RELAY_REMB_DROP_PERCENT of the last one sent. */
#define RELAY_REMB_MIN_INTERVAL_US (200 * 1000LL)
#define RELAY_REMB_DROP_PERCENT	   97
/* SSRCs one REMB names at most (a publisher's streams). */
#define RELAY_REMB_MAX_SSRCS 16

struct relay_remb {
	bool started; /* est initialised */
	struct relay_bwe est;
	/* Send times, unwrapped: the last 24-bit value and its running sum. */
	bool have_abs;
	uint32_t last_abs;
	int64_t abs_ticks; /* 2^-18 s since the first packet */
	/* Noted since the last estimator update. */
	struct relay_bwe_packet batch[RELAY_REMB_BATCH];
	unsigned n;
	/* The last REMB sent (0: none yet). */
	uint32_t sent_bps;
	int64_t sent_us;
};

/* RFC 8285: the 24-bit abs-send-time (a 3-byte element with this id,
 * either header form) of an unprotected RTP packet. Returns 0, -ENOENT or
 * -EINVAL (malformed block, or an element of another size). */
int relay_remb_abs_send_time(const uint8_t *pkt, size_t len, uint8_t id, uint32_t *ret_abs);

/* Notes a packet of size bytes sent at abs (24-bit abs-send-time) that
 * arrived at arrival_us. Returns true when the batch is full: the caller
 * updates the estimate now (relay_remb_update). */
bool relay_remb_on_packet(struct relay_remb *r, uint32_t abs, size_t size, int64_t arrival_us);

/* Feeds the batch to the estimator (started with cfg at the first call).
 * Returns the bitrate to tell the publisher now, or 0: no REMB due (none
 * to send yet, or the last one still holds). */
uint32_t relay_remb_update(struct relay_remb *r, const struct relay_bwe_config *cfg,
			   int64_t now_us);

/* A REMB packet from sender_ssrc telling that bps may be sent on the n
 * media SSRCs (at most RELAY_REMB_MAX_SSRCS) into out. Returns its length,
 * or -ENOSPC when cap is too small, -EINVAL for n. */
int relay_remb_build(uint8_t *out, size_t cap, uint32_t sender_ssrc, uint64_t bps,
		     const uint32_t *ssrcs, unsigned n);

/* The bitrate of the first REMB in an RTCP compound packet. Returns 0
 * (*ret_bps set), -ENOENT (no REMB in it) or -EINVAL (malformed). */
int relay_remb_parse(const uint8_t *pkt, size_t len, uint64_t *ret_bps);

#endif
