#include "relay/rtx.h"

#include <errno.h>
#include <string.h>

#define RELAY_RTX_DEFAULT_RTT_US (100 * 1000LL)

uint8_t *relay_rtx_buffer_claim(struct relay_rtx_buffer *b, uint16_t seq)
{
	struct relay_rtx_slot *s = &b->slots[seq % RELAY_RTX_SLOTS];

	s->stored_us = 0;
	return s->data;
}

void relay_rtx_buffer_keep(struct relay_rtx_buffer *b, uint16_t seq, size_t len, int64_t now)
{
	struct relay_rtx_slot *s = &b->slots[seq % RELAY_RTX_SLOTS];

	if (len > RELAY_RTX_PACKET_MAX)
		return;
	s->stored_us = now > 0 ? now : 1;
	s->seq = seq;
	s->len = (uint16_t)len;
}

int relay_rtx_buffer_store(struct relay_rtx_buffer *b, uint16_t seq, const uint8_t *pkt, size_t len,
			   int64_t now)
{
	struct relay_rtx_slot *s = &b->slots[seq % RELAY_RTX_SLOTS];

	if (len > RELAY_RTX_PACKET_MAX)
		return -EMSGSIZE;
	s->stored_us = now > 0 ? now : 1;
	s->seq = seq;
	s->len = (uint16_t)len;
	memcpy(s->data, pkt, len);
	return 0;
}

const struct relay_rtx_slot *relay_rtx_buffer_find(const struct relay_rtx_buffer *b, uint16_t seq,
						   int64_t now)
{
	const struct relay_rtx_slot *s = &b->slots[seq % RELAY_RTX_SLOTS];

	if (!s->stored_us || s->seq != seq || now - s->stored_us > RELAY_RTX_MAX_AGE_US)
		return NULL;
	return s;
}

bool relay_rtx_history_allow(struct relay_rtx_history *h, uint32_t ssrc, uint16_t seq, int64_t now,
			     int64_t rtt_us)
{
	/* Direct-mapped: a collision forgets the older entry, which can only
	 * allow one resend too many, never refuse one. */
	uint32_t key = (ssrc * 2654435761u) ^ seq;
	struct relay_rtx_sent *e = &h->e[(key ^ (key >> 16)) % RELAY_RTX_HISTORY];

	if (rtt_us <= 0)
		rtt_us = RELAY_RTX_DEFAULT_RTT_US;
	if (e->last_us && e->ssrc == ssrc && e->seq == seq &&
	    now - e->last_us < RELAY_RTX_MAX_AGE_US) {
		if (now - e->last_us < rtt_us || e->count >= RELAY_RTX_MAX_RESENDS)
			return false;
		e->count++;
		e->last_us = now;
		return true;
	}
	*e = (struct relay_rtx_sent){
	    .ssrc = ssrc, .seq = seq, .count = 1, .last_us = now > 0 ? now : 1};
	return true;
}
