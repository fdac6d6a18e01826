/* RED for audio (RFC 2198): a packet that carries, before its own
 * (primary) encoding, copies of one or more earlier ones, so that a
 * receiver that lost those recovers them from the next packet. Publishers
 * that negotiated it (Chromium) send every Opus packet so; the relay passes
 * it on to subscribers that took RED, with the inner payload types made
 * theirs, and gives the others the primary encoding alone, as plain Opus.
 * Pure: no worker, no allocation. */
#ifndef HEARTH_RELAY_RED_H
#define HEARTH_RELAY_RED_H

#include <stddef.h>
#include <stdint.h>

#include "relay/rtp.h"

/* Blocks of one RED payload Hearth reads; a packet with more is refused. */
#define RELAY_RED_MAX_BLOCKS 8

struct relay_red_block {
	uint8_t payload_type;
	uint16_t timestamp_offset; /* how much earlier than the packet (0: primary) */
	size_t offset, len;	   /* of its data, within the RED payload */
};

/* The blocks of RED payload p (len bytes), the primary last. Returns how
 * many, or -EBADMSG when the headers or lengths do not fit the payload,
 * -E2BIG for more than cap blocks. */
int relay_red_parse(const uint8_t *p, size_t len, struct relay_red_block *ret_blocks, unsigned cap);

/* A subscriber's copy of RED packet pkt (header h) as relay_rtp_copy_for()
 * makes it, with RED payload type red_pt and each block's payload type
 * from_pt turned into to_pt. Returns the length, or -EBADMSG / -ENOBUFS. */
int relay_red_copy_for(const uint8_t *pkt, size_t len, const struct relay_rtp_header *h,
		       uint8_t red_pt, uint8_t from_pt, uint8_t to_pt, uint8_t *out, size_t cap);

/* The primary encoding of RED packet pkt alone, as a plain packet of
 * payload type pt. Returns the length, -ENODATA when the primary block is
 * empty (nothing to send), or -EBADMSG / -ENOBUFS. */
int relay_red_primary_for(const uint8_t *pkt, size_t len, const struct relay_rtp_header *h,
			  uint8_t pt, uint8_t *out, size_t cap);

#endif
