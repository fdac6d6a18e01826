/* Who is speaking, as publishers tell it: the client-to-mixer audio level
 * (RFC 6464) in each audio packet's header extension, read on the packet
 * path and summed per stream over a short window, so that the worker's
 * 100 ms tick can tell the control thread, a few times a second and only
 * for streams that were heard, how loud each publisher was (live/
 * decides who the active speaker is).
 *
 * Pure: fixed memory in the stream, no allocation, no clock of its own
 * (the caller passes the time, microseconds of a monotonic clock), no
 * logging. */
#ifndef HEARTH_RELAY_AUDIO_LEVEL_H
#define HEARTH_RELAY_AUDIO_LEVEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "relay/relay.h"

/* A stream's window: reported once it is this old (and had packets). */
#define RELAY_AUDIO_LEVEL_INTERVAL_US (250 * 1000LL)
/* Levels at or below this (-dBov) count as silence: background noise
 * after the browser's noise suppression, comfort noise. Speech is around
 * -20 to -40 dBov. */
#define RELAY_AUDIO_LEVEL_FLOOR 50
/* The frame a window is averaged over (Opus as browsers send it): a
 * window with fewer packets than its length in frames (DTX: none, or
 * one in 400 ms, during silence) reads that much quieter. */
#define RELAY_AUDIO_LEVEL_FRAME_US (20 * 1000LL)
/* The largest activity figure: every frame at 0 dBov. */
#define RELAY_AUDIO_LEVEL_ACTIVITY_MAX (RELAY_AUDIO_LEVEL_FLOOR * 100)
_Static_assert(RELAY_AUDIO_LEVEL_ACTIVITY_MAX == RELAY_AUDIO_ACTIVITY_MAX, "relay.h says so");

/* One audio stream's window. Zeroed: empty. */
struct relay_audio_level_acc {
	int64_t since_us; /* the first packet of the window; 0: none yet */
	uint32_t packets;
	uint32_t sum; /* dB above the floor, summed over the packets */
};

/* RFC 6464 §3: the level in an unprotected RTP packet, from the header
 * extension element with this id (RFC 8285, one-byte or two-byte form;
 * one byte of data: the V flag, then the level, 0..127 -dBov). Returns 0,
 * -ENOENT (no such element, or no extension block) or -EINVAL (malformed,
 * or an element that is not one byte long). */
int relay_audio_level_read(const uint8_t *pkt, size_t len, uint8_t id, uint8_t *ret_level,
			   bool *ret_voice);

/* Adds one packet's level (0..127 -dBov) to the window. */
void relay_audio_level_add(struct relay_audio_level_acc *acc, uint8_t level, int64_t now_us);

/* The packet path's one call: the packet's level, if it carries one, into
 * the window. */
void relay_audio_level_on_packet(struct relay_audio_level_acc *acc, const uint8_t *pkt, size_t len,
				 uint8_t id, int64_t now_us);

/* When the window had packets and is RELAY_AUDIO_LEVEL_INTERVAL_US old:
 * its activity (hundredths of a dB above the floor, averaged over the
 * window's 20 ms frames, 0..RELAY_AUDIO_LEVEL_ACTIVITY_MAX) into
 * *ret_activity, the window emptied, and true. Else false, nothing
 * changed. */
bool relay_audio_level_take(struct relay_audio_level_acc *acc, int64_t now_us,
			    unsigned *ret_activity);

/* Empties the window (a host muted the stream: nothing of it is reported). */
void relay_audio_level_reset(struct relay_audio_level_acc *acc);

#endif
