#include "relay/audio_dup.h"

#include <string.h>

bool relay_audio_dup_loss(struct relay_audio_dup *d, uint8_t fraction_lost)
{
	d->loss_avg = (uint16_t)((d->loss_avg * 7 + fraction_lost * 16) / 8);
	if (!d->on && d->loss_avg >= RELAY_DUP_ON_LOSS * 16)
		d->on = true;
	else if (d->on && d->loss_avg < RELAY_DUP_OFF_LOSS * 16) {
		d->on = false;
		for (unsigned i = 0; i < RELAY_DUP_STREAMS; i++)
			d->slots[i].len = 0; /* nothing stale goes when it comes on again */
	}
	return d->on;
}

static struct relay_audio_dup_slot *relay_audio_dup_slot(struct relay_audio_dup *d, uint32_t ssrc)
{
	struct relay_audio_dup_slot *free_slot = NULL;

	for (unsigned i = 0; i < RELAY_DUP_STREAMS; i++) {
		if (d->slots[i].ssrc == ssrc)
			return &d->slots[i];
		if (!d->slots[i].ssrc && !free_slot)
			free_slot = &d->slots[i];
	}
	if (!free_slot) {
		/* More streams than slots: take them in turn. */
		free_slot = &d->slots[d->next];
		d->next = (d->next + 1) % RELAY_DUP_STREAMS;
	}
	free_slot->ssrc = ssrc;
	free_slot->len = 0;
	return free_slot;
}

size_t relay_audio_dup_swap(struct relay_audio_dup *d, uint32_t ssrc, const uint8_t *pkt,
			    size_t len, uint8_t *out, size_t cap)
{
	struct relay_audio_dup_slot *s = relay_audio_dup_slot(d, ssrc);
	size_t n = s->len <= cap ? s->len : 0;

	if (n)
		memcpy(out, s->bytes, n);
	s->len = 0;
	if (len <= RELAY_DUP_BYTES) {
		memcpy(s->bytes, pkt, len);
		s->len = (uint16_t)len;
	}
	return n;
}
