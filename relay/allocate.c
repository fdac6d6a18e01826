#include "relay/allocate.h"

uint8_t relay_alloc_lowest(const struct relay_alloc_track *t)
{
	for (uint8_t k = 0; k < t->layers; k++)
		if (t->bps[k])
			return k;
	return 0;
}

/* The next encoding above t's layer that is being sent and within its
 * cap; RELAY_LAYER_NONE when there is none. */
static uint8_t relay_alloc_next(const struct relay_alloc_track *t)
{
	uint8_t top = t->layers - 1;

	if (t->cap < top)
		top = t->cap;
	for (unsigned k = t->layer + 1u; k <= top; k++)
		if (t->bps[k])
			return (uint8_t)k;
	return RELAY_LAYER_NONE;
}

/* Moves t one encoding up when what is left pays for it. */
static bool relay_alloc_step(struct relay_alloc_track *t, uint32_t *left)
{
	if (t->layer == RELAY_LAYER_NONE)
		return false;
	uint8_t next = relay_alloc_next(t);
	if (next == RELAY_LAYER_NONE)
		return false;
	uint32_t cost = t->bps[next] > t->bps[t->layer] ? t->bps[next] - t->bps[t->layer] : 0;
	/* Above what it has: a quarter more than the step costs. */
	uint64_t need =
	    t->current == RELAY_LAYER_NONE || next > t->current ? (uint64_t)cost + cost / 4 : cost;
	if (need > *left)
		return false;
	*left -= cost;
	t->layer = next;
	return true;
}

uint32_t relay_alloc(uint32_t budget_bps, struct relay_alloc_track *tracks, unsigned n)
{
	uint32_t left = budget_bps;

	/* Everyone shown: the lowest encoding, the priority ones first. */
	for (int pass = 0; pass < 2; pass++) {
		for (unsigned i = 0; i < n; i++) {
			struct relay_alloc_track *t = &tracks[i];
			if (t->priority != (pass == 0))
				continue;
			t->layer = RELAY_LAYER_NONE;
			if (t->hidden || !t->layers)
				continue;
			uint8_t low = relay_alloc_lowest(t);
			/* One that has video keeps it unless clearly over:
			 * an encoding's bitrate swings (keyframes) around a
			 * budget that just fits it. */
			uint32_t need = t->current == RELAY_LAYER_NONE
					    ? (uint32_t)((uint64_t)t->bps[low] * 5 / 4)
					    : (uint32_t)((uint64_t)t->bps[low] * 4 / 5);
			if (need > left)
				continue;
			left -= t->bps[low] < left ? t->bps[low] : left;
			t->layer = low;
		}
	}
	/* Better encodings: priority tracks as far as they go, then the
	 * others a step each in turn. */
	for (unsigned i = 0; i < n; i++)
		while (tracks[i].priority && relay_alloc_step(&tracks[i], &left))
			;
	for (bool more = true; more;) {
		more = false;
		for (unsigned i = 0; i < n; i++)
			if (!tracks[i].priority)
				more |= relay_alloc_step(&tracks[i], &left);
	}
	return budget_bps - left;
}
