#include "relay/pace.h"

#include <string.h>

void relay_pace_init(struct relay_pace *p)
{
	p->estimate_bps = 0;
	p->rate_bps = 0;
	p->asked_ssrc = 0;
	p->asked_us = 0;
	p->queued_total = 0;
	p->dropped_total = 0;
	p->budget = 0;
	p->budget_us = 0;
	p->head = 0;
	p->count = 0;
	p->queued_bytes = 0;
}

/* Bytes the rate carries in us microseconds. */
static int64_t relay_pace_bytes(uint32_t rate_bps, int64_t us)
{
	return (int64_t)rate_bps * us / 8000000;
}

/* The rate now: the pacing rate, or what drains the queue within
 * RELAY_PACE_DRAIN_US when that is more. */
static uint32_t relay_pace_rate_now(const struct relay_pace *p)
{
	uint64_t drain = p->queued_bytes * 8000000 / RELAY_PACE_DRAIN_US;

	if (!p->rate_bps || drain <= p->rate_bps)
		return p->rate_bps;
	return drain > UINT32_MAX ? UINT32_MAX : (uint32_t)drain;
}

/* The budget grown by the time since it was last filled, up to a short
 * burst's worth. */
static void relay_pace_fill(struct relay_pace *p, int64_t now_us)
{
	if (p->budget_us && now_us > p->budget_us) {
		uint32_t rate = relay_pace_rate_now(p);
		int64_t cap = relay_pace_bytes(rate, RELAY_PACE_BURST_US);
		/* At most a second at once (an idle subscriber). */
		int64_t dt = now_us - p->budget_us > 1000000 ? 1000000 : now_us - p->budget_us;
		p->budget += relay_pace_bytes(rate, dt);
		if (p->budget > cap)
			p->budget = cap;
	}
	if (now_us > p->budget_us)
		p->budget_us = now_us;
}

void relay_pace_set_estimate(struct relay_pace *p, uint32_t estimate_bps, int64_t now_us)
{
	uint64_t rate = (uint64_t)estimate_bps * RELAY_PACE_FACTOR_TENTHS / 10;

	if (p->rate_bps)
		relay_pace_fill(p, now_us); /* what the old rate earned */
	p->estimate_bps = estimate_bps;
	p->rate_bps = rate > UINT32_MAX ? UINT32_MAX : (uint32_t)rate;
	if (!p->budget_us)
		p->budget_us = now_us;
}

bool relay_pace_may_send(struct relay_pace *p, int64_t now_us)
{
	if (!p->rate_bps)
		return p->count == 0;
	relay_pace_fill(p, now_us);
	return p->count == 0 && p->budget >= 0;
}

void relay_pace_spent(struct relay_pace *p, size_t len)
{
	int64_t floor = -relay_pace_bytes(p->rate_bps, RELAY_PACE_MAX_DEBT_US);

	p->budget -= (int64_t)len;
	if (p->budget < floor)
		p->budget = floor;
}

static uint32_t relay_pace_ssrc(const struct relay_pace_packet *pkt)
{
	if (pkt->len < 12)
		return UINT32_MAX;
	uint32_t ssrc = (uint32_t)pkt->data[8] << 24 | (uint32_t)pkt->data[9] << 16 |
			(uint32_t)pkt->data[10] << 8 | pkt->data[11];
	return ssrc ? ssrc : UINT32_MAX; /* dropped all the same */
}

uint8_t *relay_pace_push(struct relay_pace *p, size_t len, int64_t now_us,
			 uint32_t *ret_dropped_ssrc)
{
	*ret_dropped_ssrc = 0;
	if (len > RELAY_PACE_PACKET_MAX)
		return NULL;
	if (p->count == RELAY_PACE_SLOTS) {
		*ret_dropped_ssrc = relay_pace_ssrc(&p->q[p->head]);
		relay_pace_pop(p);
		p->dropped_total++;
	}
	struct relay_pace_packet *pkt = &p->q[(p->head + p->count) % RELAY_PACE_SLOTS];
	pkt->queued_us = now_us;
	pkt->len = (uint16_t)len;
	p->count++;
	p->queued_bytes += len;
	p->queued_total++;
	return pkt->data;
}

struct relay_pace_packet *relay_pace_next(struct relay_pace *p, int64_t now_us,
					  uint32_t *ret_dropped_ssrc)
{
	*ret_dropped_ssrc = 0;
	if (!p->count)
		return NULL;
	struct relay_pace_packet *pkt = &p->q[p->head];
	if (now_us - pkt->queued_us > RELAY_PACE_MAX_DELAY_US) {
		*ret_dropped_ssrc = relay_pace_ssrc(pkt);
		relay_pace_pop(p);
		p->dropped_total++;
		return NULL;
	}
	if (p->rate_bps) {
		relay_pace_fill(p, now_us);
		if (p->budget < 0)
			return NULL;
	}
	return pkt;
}

void relay_pace_pop(struct relay_pace *p)
{
	if (!p->count)
		return;
	p->queued_bytes -= p->q[p->head].len;
	p->head = (p->head + 1) % RELAY_PACE_SLOTS;
	p->count--;
}

unsigned relay_pace_flush(struct relay_pace *p)
{
	unsigned n = p->count;

	p->dropped_total += n;
	p->queued_bytes = 0;
	p->head = 0;
	p->count = 0;
	return n;
}

int64_t relay_pace_wake_us(const struct relay_pace *p, int64_t now_us)
{
	if (!p->count)
		return INT64_MAX;
	int64_t wait = RELAY_PACE_STEP_MIN_US;
	uint32_t rate = relay_pace_rate_now(p);
	if (rate && p->budget < 0)
		wait = -p->budget * 8000000 / rate;
	if (wait < RELAY_PACE_STEP_MIN_US)
		wait = RELAY_PACE_STEP_MIN_US;
	if (wait > RELAY_PACE_STEP_MAX_US)
		wait = RELAY_PACE_STEP_MAX_US;
	return now_us + wait;
}
