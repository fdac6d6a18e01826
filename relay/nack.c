#include "relay/nack.h"

#include <stddef.h>

void relay_nack_clear(struct relay_nack_gen *g)
{
	g->count = 0;
}

void relay_nack_forget_before(struct relay_nack_gen *g, uint16_t seq)
{
	unsigned kept = 0;

	for (unsigned i = 0; i < g->count; i++) {
		uint16_t behind = (uint16_t)(seq - g->items[i].seq);
		if (behind == 0 || behind >= 0x8000)
			g->items[kept++] = g->items[i];
	}
	g->count = kept;
}

static void relay_nack_remove(struct relay_nack_gen *g, unsigned i)
{
	for (; i + 1 < g->count; i++)
		g->items[i] = g->items[i + 1];
	g->count--;
}

unsigned relay_nack_on_packet(struct relay_nack_gen *g, uint16_t seq, int64_t now)
{
	uint16_t ahead = (uint16_t)(seq - g->max_seq);

	if (!g->started ||
	    (ahead >= 0x8000 && (uint16_t)(g->max_seq - seq) > RELAY_NACK_RESET_BEHIND)) {
		g->started = true;
		g->max_seq = seq;
		g->count = 0;
		return RELAY_NACK_NEW;
	}
	if (ahead == 0)
		return RELAY_NACK_LATE;
	if (ahead >= 0x8000) {
		for (unsigned i = 0; i < g->count; i++) {
			if (g->items[i].seq == seq) {
				/* Asked for once: the wait is one round trip. */
				if (g->items[i].tries == 1 && now >= g->items[i].sent_us)
					g->rtt_us = relay_nack_rtt_smooth(
					    g->rtt_us, now - g->items[i].sent_us);
				relay_nack_remove(g, i);
				return RELAY_NACK_RECOVERED;
			}
		}
		return RELAY_NACK_LATE;
	}
	g->max_seq = seq;
	unsigned missing = ahead - 1u;
	if (missing == 0)
		return RELAY_NACK_NEW;
	/* A burst too large to repair in time: a keyframe costs less. */
	if (missing > RELAY_NACK_KEYFRAME_GAP || g->count + missing > RELAY_NACK_MAX_MISSING) {
		g->count = 0;
		return RELAY_NACK_NEW | RELAY_NACK_KEYFRAME;
	}
	for (unsigned k = missing; k > 0; k--)
		g->items[g->count++] = (struct relay_nack_item){
		    .seq = (uint16_t)(seq - k), .lost_us = now, .sent_us = 0, .tries = 0};
	return RELAY_NACK_NEW;
}

static int64_t relay_nack_item_due(const struct relay_nack_item *it, int64_t rtt_us)
{
	return it->tries == 0 ? it->lost_us + RELAY_NACK_DELAY_US
			      : it->sent_us + rtt_us + rtt_us / 4;
}

static int64_t relay_nack_rtt(const struct relay_nack_gen *g, int64_t rtt_us)
{
	return rtt_us > 0 ? rtt_us : g->rtt_us > 0 ? g->rtt_us : RELAY_NACK_RTT_US;
}

unsigned relay_nack_due(struct relay_nack_gen *g, int64_t now, int64_t rtt_us, uint16_t *ret_seqs,
			unsigned cap)
{
	unsigned n = 0;

	rtt_us = relay_nack_rtt(g, rtt_us);
	for (unsigned i = 0; i < g->count;) {
		struct relay_nack_item *it = &g->items[i];
		if (it->tries >= RELAY_NACK_MAX_TRIES ||
		    now - it->lost_us > RELAY_NACK_MAX_AGE_US) {
			relay_nack_remove(g, i);
			g->gave_up = true;
			continue;
		}
		if (n < cap && now >= relay_nack_item_due(it, rtt_us)) {
			ret_seqs[n++] = it->seq;
			it->tries++;
			it->sent_us = now;
		}
		i++;
	}
	return n;
}

int64_t relay_nack_next_due(const struct relay_nack_gen *g, int64_t rtt_us)
{
	int64_t next = INT64_MAX;

	rtt_us = relay_nack_rtt(g, rtt_us);
	for (unsigned i = 0; i < g->count; i++) {
		int64_t due = relay_nack_item_due(&g->items[i], rtt_us);
		if (due < next)
			next = due;
	}
	return next;
}
