#include "relay/audio_level.h"

#include <errno.h>

#include "relay/rtp.h"

int relay_audio_level_read(const uint8_t *pkt, size_t len, uint8_t id, uint8_t *ret_level,
			   bool *ret_voice)
{
	const uint8_t *value;
	size_t n;
	int r = relay_rtp_ext_find(pkt, len, id, &value, &n);

	if (r < 0)
		return r;
	/* RFC 6464 §3: one byte in either form (one-byte form: len field 0). */
	if (n != 1)
		return -EINVAL;
	*ret_level = value[0] & 0x7f;
	*ret_voice = (value[0] & 0x80) != 0;
	return 0;
}

void relay_audio_level_add(struct relay_audio_level_acc *acc, uint8_t level, int64_t now_us)
{
	if (!acc->packets)
		acc->since_us = now_us;
	/* A full window is reported before a uint32_t could overflow (at
	 * most 50 per packet); a stream the worker did not get to (its event
	 * budget) goes on summing, so stop before that. */
	if (acc->packets == UINT32_MAX / RELAY_AUDIO_LEVEL_FLOOR)
		return;
	acc->packets++;
	if (level < RELAY_AUDIO_LEVEL_FLOOR)
		acc->sum += RELAY_AUDIO_LEVEL_FLOOR - level;
}

void relay_audio_level_on_packet(struct relay_audio_level_acc *acc, const uint8_t *pkt, size_t len,
				 uint8_t id, int64_t now_us)
{
	uint8_t level;
	bool voice;

	/* The V flag is the sender's own voice activity guess (not every
	 * sender sets it): the level alone decides. */
	if (relay_audio_level_read(pkt, len, id, &level, &voice) == 0)
		relay_audio_level_add(acc, level, now_us);
}

bool relay_audio_level_take(struct relay_audio_level_acc *acc, int64_t now_us,
			    unsigned *ret_activity)
{
	if (!acc->packets || now_us - acc->since_us < RELAY_AUDIO_LEVEL_INTERVAL_US)
		return false;
	uint64_t frames = (uint64_t)((now_us - acc->since_us) / RELAY_AUDIO_LEVEL_FRAME_US);
	if (frames < acc->packets)
		frames = acc->packets;
	*ret_activity = (unsigned)((uint64_t)acc->sum * 100 / frames);
	relay_audio_level_reset(acc);
	return true;
}

void relay_audio_level_reset(struct relay_audio_level_acc *acc)
{
	acc->since_us = 0;
	acc->packets = 0;
	acc->sum = 0;
}
