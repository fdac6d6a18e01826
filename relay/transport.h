/* One browser's association on a media worker: ICE-lite state, DTLS, SRTP
 * contexts, and what it publishes or receives. Owned by its worker thread;
 * never touched by another thread. */
#ifndef HEARTH_RELAY_TRANSPORT_H
#define HEARTH_RELAY_TRANSPORT_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "relay/addr.h"
#include "relay/audio_level.h"
#include "relay/bwe.h"
#include "relay/nack.h"
#include "relay/relay.h"
#include "relay/rtp.h"
#include "relay/rtx.h"
#include "relay/simulcast.h"
#include "relay/sent.h"
#include "relay/remb.h"
#include "relay/twcc.h"

struct crypto_dtls;
struct crypto_dtls_identity;
struct crypto_srtp;
struct relay_pace;

/* RFC 7675 §5.1: consent expires 30 s after the last valid check (or
 * authenticated SRTP/SRTCP) from the bound address. */
#define RELAY_CONSENT_TIMEOUT_US (30 * 1000000LL)
/* Keyframe requests reach a publisher's track at most this often, all
 * of a simulcast track's encodings together: libwebrtc's sender ignores
 * one that comes within 300 ms of the last it took, whichever encoding
 * it names (and then makes a keyframe of every encoding, unless its
 * per-layer field trial is on). Asked for separately, a switch to
 * another encoding of a track whose top a subscriber had just asked for
 * went unanswered and was asked again a second later: frozen ~1.2 s. */
#define RELAY_PLI_INTERVAL_US (500 * 1000LL)

enum relay_transport_state {
	RELAY_TRANSPORT_NEW = 0, /* waiting for a valid STUN check */
	RELAY_TRANSPORT_DTLS,	 /* address known, DTLS handshaking */
	RELAY_TRANSPORT_UP,	 /* SRTP keyed: media flows */
	/* Consent expired while UP (RFC 7675 §5.1): nothing is sent and the
	 * address is forgotten, but DTLS and SRTP are kept, and so are routes,
	 * until the control plane removes it (the person left): a valid check
	 * (after an ICE restart, TRANSPORT_UPDATE) binds it UP again. */
	RELAY_TRANSPORT_LOST,
	RELAY_TRANSPORT_CLOSING, /* to be reaped at the end of the loop iteration */
};

/* Where a publisher's stream goes: one entry per subscriber. */
struct relay_out {
	struct relay_transport *to; /* borrowed; cleared when `to` goes */
	uint8_t payload_type, rtx_payload_type;
	uint8_t red_payload_type; /* audio: RED passed on as RED; 0: stripped */
	uint32_t rtx_ssrc;	  /* RFC 4588: resends go as RTX on it; 0 = none */
	uint16_t rtx_seq;	  /* the next RTX sequence number (kept across ROUTES_SET) */
	/* When the subscriber asked for a keyframe (PLI/FIR) that has not been
	 * forwarded yet (0: none): its NACKs are ignored meanwhile. */
	int64_t keyframe_asked_us;
	/* The loss the subscriber last reported for the stream (1/256): for
	 * audio, the relay's reports to the publisher say at least the worst
	 * (its Opus FEC then covers the worst downlink too). */
	uint8_t fraction_lost;
	/* A simulcast track's (outs of its layer-0 stream): which encoding
	 * this subscriber receives, and the rewriting into one stream. */
	struct relay_simulcast_out sc;
	uint8_t max_layer;	/* the best encoding it may get; RELAY_LAYER_NONE: any */
	int64_t layer_asked_us; /* when a keyframe of sc.target was last asked for */
	/* The subscriber's downlink (budget.c): no video of it at all (the
	 * allocator found no room: audio only), and since when a better
	 * encoding than max_layer has been wanted (0: none is). */
	bool budget_off;
	int64_t up_since_us;
	int64_t on_since_us; /* when it last came on again */
	uint8_t off_backoff; /* the wait to come on is RELAY_BUDGET_UP_US << this */
	/* When max_layer last went up, and the budget then: down again soon
	 * on a smaller budget (the step did not fit), the next step up waits
	 * RELAY_BUDGET_UP_US << up_backoff. */
	int64_t raised_us;
	uint32_t raised_budget_bps;
	uint8_t up_backoff;
	/* The subscriber's hint (RELAY_CMD_HINT, hint.c): RELAY_HEIGHT_HIDDEN
	 * sends nothing; shown again, it resumes at a keyframe, its sequence
	 * numbers going on from the last sent (seq_skip: how many it missed). */
	uint16_t max_height;
	bool resuming;
	bool sent; /* last_seq is set */
	uint16_t seq_skip, last_seq;
	uint16_t resume_seq; /* its first number after the last resume: NACKs before are refused */
};

/* Whether out gets no video now: its subscriber does not show it (hint.c)
 * or its downlink has no room for it (budget.c). */
static inline bool relay_out_video_off(const struct relay_out *out)
{
	return out->max_height == RELAY_HEIGHT_HIDDEN || out->budget_off;
}

/* How long a subscriber's NACKs are ignored after its keyframe request
 * when no keyframe is recognised (another codec, or the publisher is slow). */
#define RELAY_KEYFRAME_WAIT_US (1000 * 1000LL)

#define RELAY_MAX_OUTS RELAY_MAX_SUBSCRIBERS

/* Frames of a lower encoding after which a silent one above it is
 * stopped (relay/layers.h). */
#define RELAY_LAYER_OVERTAKEN 3

struct relay_pub_stream {
	struct relay_stream desc;
	struct relay_rx_stats rx; /* for the relay's receiver reports */
	unsigned out_count;
	struct relay_out outs[RELAY_MAX_OUTS];
	int64_t last_pli_us;	      /* the track's: on its layer-0 stream */
	bool pli_pending;	      /* asked for within the interval: sent when it ends */
	struct relay_rtx_buffer *rtx; /* owned; video only, NULL when none (worker's cap) */
	struct relay_nack_gen nack;   /* video: what to ask the publisher for again */
	int64_t last_rtp_us;	      /* its last packet (simulcast: is the encoding sent?) */
	/* Simulcast: frames (marker bits) in the current and the last
	 * RELAY_LAYER_WINDOW_US: an encoding sent at a few frames a second is
	 * not worth more than a smaller one at full rate. */
	uint16_t frames_now, frames_last;
	/* ...and when its last RELAY_LAYER_OVERTAKEN frames ended (a ring:
	 * an encoding above it that sent nothing meanwhile is stopped,
	 * relay/layers.h). */
	int64_t frame_end_us[RELAY_LAYER_OVERTAKEN];
	uint8_t frame_end_head;
	uint32_t bytes_now, bytes_last, bytes_before; /* payload bytes, the same windows */
	uint16_t width, height;			      /* of its last VP8 keyframe; 0: none seen */
	/* Dynacast (a simulcast track's layer-0 stream): how many encodings
	 * the publisher was last told are wanted (0: none told: all), and
	 * since when fewer have been (dynacast.c). */
	uint8_t layers_told;
	int64_t fewer_since_us;
	/* Audio: how loud since the last RELAY_EVT_AUDIO_LEVEL. */
	struct relay_audio_level_acc level;
};

/* Unknown SSRCs a publisher's packets may come from while simulcast
 * encodings are still to be learnt (each costs libsrtp a stream until
 * it is found to be none of them). */
#define RELAY_SSRC_PROBES_MAX 16
/* A subscriber's send-side bandwidth estimation (relay/congestion.c):
 * what was sent to it, the estimator its feedback feeds, the probes. */
struct relay_sub_bwe {
	struct relay_sent_log sent; /* ext_id 0: not negotiated */
	struct relay_bwe est;
	bool started;	   /* est initialised (at the first ROUTES_SET with the id) */
	int64_t reference; /* the last feedback's reference time, unwrapped (64 ms) */
	bool have_reference;
	/* Probing: when the estimate last moved by more than 10 %, the
	 * cluster being sent, and when the next may start. */
	uint32_t stable_bps;
	int64_t stable_us, next_probe_us;
	uint8_t probe_id;   /* the last cluster's id (1..255) */
	bool probing;	    /* a cluster is being sent */
	uint32_t probe_bps; /* its rate */
	int64_t probe_start_us;
	uint64_t probe_bytes; /* sent of it so far */
	/* While video is paused the cluster is a trial (bwe.h): its packets
	 * sent, when the last went, when one last passed (budget.c brings
	 * video on at once then), and the failures in a row (the wait before
	 * the next grows with them, bounded). */
	bool trial;
	unsigned probe_packets;
	int64_t trial_end_us, trial_passed_us;
	uint8_t trial_failures;
	/* A trial for a step up (budget.c's bwe_step_bps) rather than for
	 * paused video: its failures in a row, and when the next may start
	 * (RELAY_STEP_TRIAL_WAIT_US << failures, bounded). */
	bool trial_step;
	uint32_t trial_total_bps; /* the last trial's rate, media included */
	uint8_t step_failures;
	int64_t next_step_us;
	/* REMB instead of transport-cc (congestion.c): the abs-send-time id
	 * stamped on every packet to it (1..14; 0: not REMB), the media
	 * bytes stamped (RTP, not padding), their rate over the last
	 * RELAY_REMB_MEDIA_US. */
	uint8_t abs_ext_id;
	uint64_t remb_media_bytes, remb_mark_bytes;
	int64_t remb_mark_us;
	uint32_t remb_media_bps;
	int64_t remb_first_us; /* its first REMB (0: none yet) */
	/* The last REMB taken, and when one last fell below it by more than
	 * RELAY_REMB_FELL_PERCENT (0: never): its receiver saw congestion. */
	uint32_t remb_last_bps;
	int64_t remb_fell_us;
};

struct relay_transport {
	struct relay_transport_params p; /* ICE credentials, fingerprint, streams */
	struct relay_addr_key addr_key;	 /* valid when bound */
	bool bound;
	bool up_reported;
	unsigned muted; /* RELAY_MUTE_* : kinds not forwarded */
	bool speaking;	/* a publisher: its session's active speaker (RELAY_CMD_SPEAKER) */
	enum relay_transport_state state;
	enum relay_close_reason close_reason;
	struct sockaddr_storage remote;
	socklen_t remote_len;
	int64_t consent_us;   /* monotonic time of the last valid check (creation before any) */
	int64_t moved_log_us; /* when a network change was last logged (ice.c); 0: never */
	bool ice_timed_out;   /* no check within 30 s of creation: counted and logged (ice.c) */
	struct crypto_dtls *dtls;
	struct crypto_srtp *srtp_in, *srtp_out;
	struct relay_pub_stream pub[RELAY_MAX_STREAMS]; /* when publishing */
	/* RTCP sender SSRCs a subscriber has used: libsrtp keeps state per
	 * SSRC, so a peer may not make it create streams without bound. */
	uint32_t rtcp_ssrcs[4];
	unsigned rtcp_ssrc_count;
	unsigned ssrc_probes;	  /* unknown SSRCs tried for simulcast learning */
	int64_t layers_window_us; /* when the frame-rate windows last turned */
	int64_t budget_us;	  /* a subscriber's last allocation (budget.c) */
	int64_t budget_log_us;	  /* its last debug line */
	/* The lowest estimates of this and the last budget window (budget.c). */
	uint32_t est_low_now, est_low_last;
	int64_t est_window_us;
	unsigned videos_paused;		      /* for want of bandwidth, as last told (budget.c) */
	struct relay_rtx_history rtx_history; /* a subscriber's: what it was resent */
	/* A subscriber's round trip to the relay (smoothed; 0: not measured
	 * yet), from its receiver reports about the publishers' sender
	 * reports the relay forwarded (RFC 3550 §6.4.1 LSR/DLSR). */
	int64_t rtt_us;
	/* A publisher's: when its packets with a transport-wide sequence
	 * number arrived, for its transport-cc feedback. */
	struct relay_twcc twcc;
	/* A publisher's that does REMB instead: its uplink estimated here. */
	struct relay_remb remb;
	/* A subscriber's bandwidth estimate, bit/s (0: none yet): what a
	 * layer allocator may read. bwe_target_bps: what its streams would
	 * want (the allocator's to set); below it, a stable estimate is
	 * probed upwards; 0: the cap. */
	uint32_t bwe_bps, bwe_target_bps;
	/* What would bring every shown video back at its lowest encoding
	 * (budget.c; 0: nothing to bring back): a trial's aim. */
	uint32_t bwe_resume_bps;
	/* A better encoding the allocator wants that the path has not
	 * carried lately (budget.c; 0: none): what the subscriber receives
	 * now plus the smallest such step, over the budget's share: a
	 * trial's aim. */
	uint32_t bwe_step_bps;
	/* The most media the path carried a second (no overuse since) in
	 * this and the last window of RELAY_BUDGET_CARRIED_US; the media
	 * bytes acknowledged, when the second began, the overuses counted. */
	uint32_t carried_now, carried_last;
	int64_t carried_window_us, carried_mark_us, carried_trial_us;
	uint64_t carried_mark_bytes;
	unsigned carried_overuses;
	/* The media acknowledged over the last whole second (0: not
	 * measured yet), and since when a shown video's switch-off for want
	 * of room has been held back while the path carried what it was sent
	 * (budget.c; 0: none is). */
	uint32_t acked_second_bps;
	int64_t off_held_us;
	struct relay_sub_bwe bwe;
	/* A subscriber's audio sent twice while it loses (audio_dup.c);
	 * NULL: none (no transport-cc, or the worker's cap). */
	struct relay_audio_dup *audio_dup;
	/* A subscriber's pacer (relay/pacing.c; owned, NULL: unpaced). */
	struct relay_pace *pace;
	/* counters (read by the worker only; summed into worker stats) */
	uint64_t rtp_in, rtp_out, rtcp_in, dropped;
};

/* Creates a transport from params (taken: freed, secrets wiped, on every
 * path). Returns NULL on allocation or DTLS setup failure. */
struct relay_transport *relay_transport_new(struct relay_transport_params *params,
					    struct crypto_dtls_identity *identity, int64_t now_us);

/* Keys SRTP from the finished DTLS handshake. Returns 0 or a negative errno. */
int relay_transport_key_srtp(struct relay_transport *t);

/* Whether an inbound packet with this (plaintext) SSRC may be unprotected:
 * a publisher's declared streams, or one of a few RTCP senders of a
 * subscriber (learnt). */
bool relay_transport_accepts_ssrc(struct relay_transport *t, uint32_t ssrc, bool rtcp);

/* Stops every publisher stream of sessions's transports from forwarding to
 * `to` (it is going, or its routes are being replaced). */
void relay_transport_drop_outs(struct relay_transport *publisher, const struct relay_transport *to);
/* Whether packet pkt (header h) of publisher stream ps starts a keyframe
 * of its codec (VP8, H.264; false for any other). */
bool relay_transport_is_keyframe(const struct relay_pub_stream *ps, const uint8_t *pkt,
				 const struct relay_rtp_header *h);

/* Wipes keys and frees. Accepts NULL; returns NULL. */
struct relay_transport *relay_transport_free(struct relay_transport *t);

#endif
