/* What the control plane and the media workers both work out from the
 * types of relay.h: a track's SSRC, and a hint packed into a command's
 * arg2. Header only (relay.c, the workers' start and stop, is not needed
 * for them). */
#ifndef HEARTH_RELAY_STREAM_H
#define HEARTH_RELAY_STREAM_H

#include <stdint.h>

#include "relay/relay.h"

/* RELAY_CMD_HINT's arg2: the video stream's SSRC and the tallest picture
 * worth sending (RELAY_HEIGHT_*). */
#define RELAY_HINT(ssrc, height) ((uint64_t)(uint32_t)(ssrc) << 32 | (uint16_t)(height))
#define RELAY_HINT_SSRC(arg2)	 ((uint32_t)((arg2) >> 32))
#define RELAY_HINT_HEIGHT(arg2)	 ((uint16_t)((arg2)&0xffffu))

/* The SSRC subscribers and the control plane know a track by. */
static inline uint32_t relay_stream_track_ssrc(const struct relay_stream *s)
{
	return s->group_ssrc ? s->group_ssrc : s->ssrc;
}

#endif
