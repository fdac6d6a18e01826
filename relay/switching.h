/* Simulcast switching at the worker's tick: the encodings' frame-rate and
 * bitrate windows turn, and every subscriber of a publisher's simulcast
 * tracks gets its target encoding (relay_layers_best(), at most its
 * max_layer; nothing when hidden or without room); a switch asks for a
 * keyframe of the target, again after RELAY_KEYFRAME_WAIT_US, and the out
 * goes on with what it has until that keyframe comes (relay/simulcast.h).
 * Above layers.c, which knows the encodings and asks nobody anything. */
#ifndef HEARTH_RELAY_SWITCHING_H
#define HEARTH_RELAY_SWITCHING_H

#include <stdint.h>

#include "relay/stage.h"

void relay_switching_tick(struct relay_worker *w, struct relay_transport *t, int64_t now);

#endif
