/* Audio sent twice to a subscriber that takes no RED (Firefox ESR: it
 * neither sends nor takes RFC 2198 redundancy, nor NACKs audio) while its
 * downlink loses packets: each audio packet of a stream goes again, byte
 * for byte as it was protected, with the stream's next packet (20 ms
 * later), so that a packet lost on the way arrives late instead of never
 * (the receiver's jitter buffer takes it; SRTP's replay check drops the
 * copy of one that arrived). The cost is the subscriber's audio bitrate
 * again, and only while it loses: on from a smoothed loss of 1 % of what
 * its transport-cc feedback reports (video included, which is not sent
 * twice, so the copies do not hide the loss they cover), off below 0.4 %.
 *
 * The pure part (what to send again, when it is on) is here, unit
 * tested; forward.c calls relay_audio_dup_after() for each audio copy it
 * sent to a subscriber without RED. Fixed memory per subscriber (the
 * previous packet of RELAY_DUP_STREAMS streams), allocated when its
 * answer negotiates transport-cc, at most RELAY_DUPS_PER_WORKER. */
#ifndef HEARTH_RELAY_AUDIO_DUP_H
#define HEARTH_RELAY_AUDIO_DUP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RELAY_DUP_STREAMS     16  /* audio streams a subscriber's copies cover */
#define RELAY_DUP_BYTES	      512 /* the largest protected packet kept (Opus at 20 ms) */
#define RELAY_DUP_ON_LOSS     3	  /* smoothed loss (1/256) from which copies go */
#define RELAY_DUP_OFF_LOSS    1	  /* ...and under which they stop */
#define RELAY_DUPS_PER_WORKER 512

struct relay_audio_dup_slot {
	uint32_t ssrc; /* 0: free */
	uint16_t len;  /* 0: nothing kept */
	uint8_t bytes[RELAY_DUP_BYTES];
};

struct relay_audio_dup {
	bool on;
	int64_t checked_us; /* the caller's: when the loss was last looked at */
	uint16_t loss_avg;  /* smoothed loss, 1/256 x 16 */
	unsigned next;	    /* the slot to take next when all are in use */
	struct relay_audio_dup_slot slots[RELAY_DUP_STREAMS];
};

/* A new loss figure (1/256, of the subscriber's latest transport-cc
 * feedback): smoothed by 1/8; returns whether copies go now. */
bool relay_audio_dup_loss(struct relay_audio_dup *d, uint8_t fraction_lost);

/* pkt (len bytes, protected) just went to the subscriber on ssrc: copies
 * the one before it of that stream into out (cap bytes) to send again,
 * keeps pkt for the next, and returns the copy's length (0: none). A
 * packet larger than RELAY_DUP_BYTES is not kept. */
size_t relay_audio_dup_swap(struct relay_audio_dup *d, uint32_t ssrc, const uint8_t *pkt,
			    size_t len, uint8_t *out, size_t cap);

#endif
