/* Dynacast: a publisher is told which encodings of its simulcast tracks
 * some subscriber would take, so that its client stops encoding the others
 * (docs/protocol.md, "publish.layers"). An encoding is wanted when a
 * subscriber shows the track in a tile at least as tall as the encoding
 * below it (its hint; no hint: all of them); the lowest is always wanted,
 * so that whoever comes next sees a picture at once. More is told at once,
 * less once it has held for RELAY_DYNACAST_LOWER_US. The subscribers'
 * downlinks do not count: an encoding no downlink takes now is not being
 * measured, and could then never be taken again. */
#ifndef HEARTH_RELAY_DYNACAST_H
#define HEARTH_RELAY_DYNACAST_H

#include <stdint.h>

#include "relay/stage.h"

#define RELAY_DYNACAST_LOWER_US (3 * 1000000LL)

/* How many of head's encodings, from the lowest, its subscribers want. */
uint8_t relay_dynacast_wanted(const struct relay_transport *t, const struct relay_pub_stream *head);

/* At the tick: publisher t's simulcast tracks whose wanted encodings
 * changed go to the control plane (RELAY_EVT_LAYERS_WANTED). */
void relay_dynacast_tick(struct relay_worker *w, struct relay_transport *t, int64_t now);

#endif
