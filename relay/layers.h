/* Simulcast on the worker: a publisher's track sent as several encodings
 * (relay_stream.layers > 1), each one relay_pub_stream. Their SSRCs are
 * learnt from the rid extensions of their first packets; subscribers'
 * routes name the track's group SSRC and hang on its layer-0 stream, each
 * with a relay_simulcast_out (relay/simulcast.h) saying which encoding it
 * receives. Which encoding that is: the best one the publisher is sending
 * (relay_layers_active), at most the out's max_layer,
 * chosen at each tick by relay/switching.c. No allocation, no log per
 * packet. */
#ifndef HEARTH_RELAY_LAYERS_H
#define HEARTH_RELAY_LAYERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "relay/stage.h"

struct relay_out;

/* An encoding is not being sent (the publisher dropped it: its uplink,
 * or nobody needs it) when it has had no packet for this long, or when an
 * encoding below it of the same track has ended RELAY_LAYER_OVERTAKEN
 * frames since its last packet: at 20 frames/s a stopped encoding is
 * known 150 ms after its last packet, not 0.5 s (a subscriber's picture
 * stood still 557-586 ms at such a switch, over issue 16's 500 ms; with
 * four frames, 200 ms, 375-486 ms from a Chromium publisher), and a
 * publisher that stalls whole (a busy CPU) stops every encoding together,
 * which switches nobody. Fewer frames would take an encoding whose
 * frames lag the one below it in the publisher's pacer (a large
 * keyframe) for stopped. */
#define RELAY_LAYER_ACTIVE_US (500 * 1000LL)
/* Frame rates are counted over windows of this length (the tick rotates
 * them). An encoding above the lowest is worth receiving only at half the
 * frame rate of the one below it, or RELAY_LAYER_GOOD_FPS: a publisher
 * whose bandwidth does not carry its top encoding (Firefox ramping up)
 * sends it at a few frames a second. */
#define RELAY_LAYER_WINDOW_US (500 * 1000LL)
#define RELAY_LAYER_GOOD_FPS  15

/* Whether a packet from an SSRC t does not know may be unprotected to
 * learn a simulcast encoding from it: t still waits for one, and has not
 * tried RELAY_SSRC_PROBES_MAX others already (counted here). */
bool relay_layers_probe(struct relay_transport *t, uint32_t ssrc);

/* An unprotected packet from an unknown SSRC: when its rid (or repaired
 * rid) and mid name an encoding of t not learnt yet, that encoding's SSRC
 * (or RTX SSRC) becomes the packet's. Returns 0, or -ENOENT when it names
 * none (the caller drops it). */
int relay_layers_learn(struct relay_transport *t, const uint8_t *pkt, size_t len);

/* Whether the publisher (transport t) is sending ps now (see
 * RELAY_LAYER_ACTIVE_US). */
bool relay_layers_active(struct relay_transport *t, const struct relay_pub_stream *ps, int64_t now);

/* The stream of t carrying ps's subscribers: ps itself unless it is a
 * simulcast encoding above the lowest; NULL if that is gone. */
struct relay_pub_stream *relay_layers_head(struct relay_transport *t,
					   const struct relay_pub_stream *ps);

/* The encoding `layer` of head's track; head when it is not simulcast or
 * layer is RELAY_LAYER_NONE. NULL when t has no such stream. */
struct relay_pub_stream *relay_layers_stream(struct relay_transport *t,
					     const struct relay_pub_stream *head, uint8_t layer);

/* The encoding of head's track whose keyframe subscriber out waits for:
 * the one it is to receive (its target), else the one it receives. */
struct relay_pub_stream *relay_layers_keyframe_stream(struct relay_transport *t,
						      const struct relay_pub_stream *head,
						      const struct relay_out *out);

/* The best encoding of head's track the publisher sends now, at most
 * max_layer; the highest when none is known to be sent (yet). */
uint8_t relay_layers_best(struct relay_transport *t, const struct relay_pub_stream *head,
			  uint8_t max_layer, int64_t now);

/* A packet of ps arrived (its payload; marker: the last of a frame):
 * counted for its frame rate and bitrate; a VP8 keyframe's size noted.
 * Returns the frame end it forgot (relay_layers_stops_above; 0: its ring
 * was not full yet), -1 when this packet ended no frame. */
int64_t relay_layers_on_packet(struct relay_pub_stream *ps, const uint8_t *payload, size_t len,
			       bool marker, int64_t now);

/* Whether the frame end of ps that made it forget `dropped_us` stopped an
 * encoding above it (relay_layers_active): its subscribers are switched
 * then, not at the next tick (up to 100 ms later). */
bool relay_layers_stops_above(struct relay_transport *t, const struct relay_pub_stream *ps,
			      int64_t dropped_us);

/* ps's bitrate over the last two whole windows (payload bits a second). */
uint32_t relay_layers_bitrate(const struct relay_pub_stream *ps);

#endif
