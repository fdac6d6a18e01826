#include "relay/sent.h"

#include <errno.h>
#include <string.h>

_Static_assert((RELAY_SENT_HISTORY & (RELAY_SENT_HISTORY - 1)) == 0, "a power of two");

/* RFC 8285 §4.2: a one-byte-header block of one word (0xBEDE, length
 * 1) holding the 4-byte element elem, inserted after the fixed header and
 * CSRCs of an unprotected RTP packet (the payload moved). */
static int relay_sent_insert(uint8_t *pkt, size_t *len, size_t cap, const uint8_t elem[4])
{
	if (*len < 12 || pkt[0] >> 6 != 2)
		return -EINVAL;
	size_t fixed = 12 + 4u * (pkt[0] & 0x0f);
	if (fixed > *len)
		return -EINVAL;
	if (pkt[0] & 0x10)
		return -EEXIST;
	if (*len + RELAY_SENT_EXT_BYTES > cap)
		return -ENOBUFS;
	memmove(pkt + fixed + RELAY_SENT_EXT_BYTES, pkt + fixed, *len - fixed);
	uint8_t *ext = pkt + fixed;
	ext[0] = 0xbe, ext[1] = 0xde, ext[2] = 0, ext[3] = 1;
	memcpy(ext + 4, elem, 4);
	pkt[0] |= 0x10;
	*len += RELAY_SENT_EXT_BYTES;
	return 0;
}

int relay_sent_stamp(struct relay_sent_log *log, uint8_t *pkt, size_t *len, size_t cap,
		     int64_t now_us, uint8_t probe)
{
	if (!log->ext_id || log->ext_id > 14)
		return -ENOENT;
	if (!log->next_seq)
		log->next_seq = (int64_t)1 << 16; /* 0 marks an empty slot */
	int64_t seq = log->next_seq;
	/* The element: id, length - 1, the sequence number, one byte of
	 * padding. */
	const uint8_t elem[4] = {(uint8_t)(log->ext_id << 4 | 1), (uint8_t)(seq >> 8), (uint8_t)seq,
				 0};
	int r = relay_sent_insert(pkt, len, cap, elem);
	if (r < 0)
		return r;
	log->next_seq++;

	struct relay_sent_slot *slot = &log->slots[seq & (RELAY_SENT_HISTORY - 1)];
	size_t wire = *len + RELAY_SENT_OVERHEAD;
	*slot = (struct relay_sent_slot){
	    .seq = seq,
	    .send_us = now_us,
	    .size = (uint16_t)(wire > UINT16_MAX ? UINT16_MAX : wire),
	    .probe = probe,
	};
	log->stamped++;
	return 0;
}

uint32_t relay_sent_abs_send_time(int64_t now_us)
{
	/* Whole seconds modulo 64 and the fraction, apart: no overflow of
	 * now_us << 18 however long the clock has run. */
	int64_t sec = now_us / 1000000, frac = now_us % 1000000;

	return (uint32_t)((sec & 63) << 18 | (frac << 18) / 1000000);
}

int relay_sent_stamp_abs(uint8_t id, uint8_t *pkt, size_t *len, size_t cap, int64_t now_us)
{
	if (!id || id > 14)
		return -ENOENT;
	uint32_t abs = relay_sent_abs_send_time(now_us);
	/* The element: id, length - 1 (3 bytes), the 24 bits (big-endian). */
	const uint8_t elem[4] = {(uint8_t)(id << 4 | 2), (uint8_t)(abs >> 16), (uint8_t)(abs >> 8),
				 (uint8_t)abs};
	return relay_sent_insert(pkt, len, cap, elem);
}

struct relay_sent_slot *relay_sent_find(struct relay_sent_log *log, uint16_t seq)
{
	if (!log->next_seq)
		return NULL;
	int64_t newest = log->next_seq - 1;
	/* Only backwards from the newest: feedback is about what was sent. */
	int64_t ext = newest - (uint16_t)((uint16_t)newest - seq);
	struct relay_sent_slot *slot = &log->slots[ext & (RELAY_SENT_HISTORY - 1)];

	return slot->seq == ext ? slot : NULL;
}
