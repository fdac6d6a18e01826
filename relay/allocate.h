/* The layer allocator: for one subscriber, which encoding of each video
 * track it receives within its bandwidth estimate. Audio is outside the
 * budget (the caller takes it off first). Every shown track first gets
 * its lowest encoding being sent, the priority ones (the active speaker,
 * a screen) first: what does not fit gets nothing (the subscriber keeps
 * its sound; the page says video is paused); one that has video now keeps
 * it while 80 % of that encoding's bitrate fits, one that has none gets
 * it when 125 % does. What is left goes to better
 * encodings, priority tracks first and as far as their tiles need, then
 * the others one step at a time in turn. Going above what a track has now
 * needs 25 % headroom over the step's cost, so that an estimate hovering
 * at a boundary does not flap; going down needs nothing. Pure: no worker,
 * no clock. */
#ifndef HEARTH_RELAY_ALLOCATE_H
#define HEARTH_RELAY_ALLOCATE_H

#include <stdbool.h>
#include <stdint.h>

#include "relay/relay.h"
#include "relay/simulcast.h"

struct relay_alloc_track {
	/* What the caller says. */
	uint8_t layers;			/* its encodings (1: not simulcast) */
	uint32_t bps[RELAY_MAX_LAYERS]; /* each one's bitrate now; 0: not being sent */
	uint8_t cap;			/* the best its tile needs; RELAY_LAYER_NONE: any */
	bool hidden;			/* shown nowhere: nothing */
	bool priority;			/* the active speaker, a screen: served first */
	uint8_t current;		/* what it has now; RELAY_LAYER_NONE: nothing */
	/* The answer: what it gets; RELAY_LAYER_NONE: nothing. */
	uint8_t layer;
};

/* The lowest encoding of t being sent; 0 when none is (it costs nothing
 * until it is). */
uint8_t relay_alloc_lowest(const struct relay_alloc_track *t);

/* Chooses every track's layer within budget_bps. Returns the bitrate
 * allocated. */
uint32_t relay_alloc(uint32_t budget_bps, struct relay_alloc_track *tracks, unsigned n);

#endif
