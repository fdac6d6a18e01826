/* The media relay as the control thread sees it: N media workers, each a
 * thread with its own epoll loop and UDP socket, reached only through message
 * queues (commands in, events out) woken by eventfd.
 *
 * This header is the only part of relay/ that the control plane (live/,
 * daemon/) may include. All
 * functions here are for the control thread, except where noted. */
#ifndef HEARTH_RELAY_RELAY_H
#define HEARTH_RELAY_RELAY_H

#include <stdbool.h>
#include <stdint.h>

struct cfg;

enum relay_msg_type {
	/* control -> worker */
	RELAY_CMD_PING = 1,	    /* arg: sequence number, echoed in RELAY_EVT_PONG */
	RELAY_CMD_STOP,		    /* leave the loop; the thread ends */
	RELAY_CMD_TRANSPORT_ADD,    /* payload: struct relay_transport_params (taken) */
	RELAY_CMD_TRANSPORT_REMOVE, /* arg: transport id */
	RELAY_CMD_ROUTES_SET,	    /* payload: struct relay_routes (taken) */
	RELAY_CMD_MUTE,		    /* arg: publisher transport id; arg2: RELAY_MUTE_* bits */
	RELAY_CMD_TRANSPORT_UPDATE, /* payload: struct relay_transport_params (taken), same id:
				       new ICE credentials and/or streams; DTLS and SRTP go on */
	RELAY_CMD_HINT,		    /* arg: subscriber transport id; arg2: RELAY_HINT(ssrc,
				       max_height): how its client shows that video stream */
	RELAY_CMD_SPEAKER,	    /* arg: session id; arg2: the publisher transport id of its
				       active speaker (0: none): its camera is served first */
	/* worker -> control */
	RELAY_EVT_PONG = 100,	    /* arg: the sequence number of the ping */
	RELAY_EVT_TRANSPORT_UP,	    /* arg: transport id; ICE and DTLS done, SRTP keyed; or
				       consent regained after RELAY_EVT_TRANSPORT_LOST (arg2: 1) */
	RELAY_EVT_TRANSPORT_CLOSED, /* arg: transport id; arg2: enum relay_close_reason */
	RELAY_EVT_TRANSPORT_LOST,   /* arg: transport id; consent expired while up: it sends
				       nothing until a valid check (an ICE restart) comes back */
	RELAY_EVT_AUDIO_LEVEL,	    /* arg: publisher transport id; arg2: how loud it was
				       (relay/audio_level.h: 0..RELAY_AUDIO_ACTIVITY_MAX) */
	RELAY_EVT_LAYERS_WANTED,    /* arg: publisher transport id; arg2: a simulcast track's
				       group SSRC << 8 | how many of its encodings, from the
				       lowest, subscribers want (relay/dynacast.h) */
	RELAY_EVT_VIDEO_PAUSED,	    /* arg: subscriber transport id; arg2: how many of the
				       videos it shows its downlink has no room for now
				       (relay/budget.h); sent when that changes */
};

/* Why a worker closed a transport (RELAY_EVT_TRANSPORT_CLOSED). */
enum relay_close_reason {
	RELAY_CLOSE_REMOVED = 0, /* the control thread asked */
	RELAY_CLOSE_CONSENT,	 /* no valid STUN check for 30 s (RFC 7675) before DTLS was done */
	RELAY_CLOSE_DTLS_FAILED, /* handshake failed or timed out */
	RELAY_CLOSE_FINGERPRINT, /* the peer's certificate does not match its SDP */
	RELAY_CLOSE_PEER_CLOSED, /* DTLS close_notify */
	RELAY_CLOSE_SRTP,	 /* DTLS done, but no SRTP keys from it (export, libsrtp) */
};

/* Why a transport failed, for hearth_transport_failures_total{reason}:
 * names in RELAY_FAILURE_NAMES (docs/operations.md). Counted once per
 * transport and failure, never per packet. */
enum relay_failure {
	RELAY_FAILURE_ICE_TIMEOUT = 0,	/* no valid check within 30 s of creation (kept) */
	RELAY_FAILURE_DTLS_TIMEOUT,	/* RELAY_CLOSE_CONSENT: checks stopped mid-handshake */
	RELAY_FAILURE_DTLS_HANDSHAKE,	/* RELAY_CLOSE_DTLS_FAILED */
	RELAY_FAILURE_DTLS_FINGERPRINT, /* RELAY_CLOSE_FINGERPRINT */
	RELAY_FAILURE_SRTP,		/* RELAY_CLOSE_SRTP */
	RELAY_FAILURE_CONSENT_LOST,	/* RELAY_EVT_TRANSPORT_LOST: consent expired while up */
	RELAY_FAILURE_SETUP,		/* the transport could not be made (memory, DTLS setup) */
	RELAY_FAILURES
};
#define RELAY_FAILURE_NAMES                                                                        \
	{                                                                                          \
		"ice_timeout", "dtls_timeout", "dtls_handshake", "dtls_fingerprint", "srtp",       \
		    "consent_lost", "setup"                                                        \
	}

#define RELAY_ICE_UFRAG_MAX   32 /* bytes, ours and theirs (RFC 8839 allows 256; we cap) */
#define RELAY_ICE_PWD_MAX     64
#define RELAY_FINGERPRINT_MAX 128
#define RELAY_LABEL_MAX	      79
/* Published RTP streams per transport: audio, camera, screen, where the
 * camera and screen may each be up to RELAY_MAX_LAYERS simulcast
 * encodings (each one stream here). */
#define RELAY_MAX_STREAMS 8
#define RELAY_MAX_LAYERS  3
#define RELAY_RID_MAX	  16 /* characters of a rid (RFC 8851) */

enum relay_stream_kind { RELAY_STREAM_AUDIO = 0, RELAY_STREAM_VIDEO = 1 };

/* The video codecs whose keyframes the relay recognises (to know when a
 * subscriber's keyframe request has been served). */
enum relay_codec { RELAY_CODEC_OTHER = 0, RELAY_CODEC_VP8, RELAY_CODEC_H264 };

/* RELAY_EVT_AUDIO_LEVEL's arg2 at most: a publisher's audio at 0 dBov
 * throughout (relay/audio_level.h says how it is measured). */
#define RELAY_AUDIO_ACTIVITY_MAX 5000
/* A subscriber's view of one video stream it receives (RELAY_CMD_HINT):
 * the tallest picture worth sending, RELAY_HEIGHT_HIDDEN when it is not
 * shown (nothing is forwarded), RELAY_HEIGHT_ANY until told. A
 * ROUTES_SET keeps the hint of every route that stays. */
#define RELAY_HEIGHT_HIDDEN 0
#define RELAY_HEIGHT_ANY    0xffffu

/* What a publisher may no longer have forwarded (a host muted it). */
#define RELAY_MUTE_AUDIO (1u << 0)
#define RELAY_MUTE_VIDEO (1u << 1)

/* One published RTP stream as the publisher's SDP describes it. */
struct relay_stream {
	uint32_t ssrc;	   /* 0 when the SDP named none: learnt from the first packet of its mid */
	uint32_t rtx_ssrc; /* 0 = none */
	uint8_t payload_type;
	uint8_t rtx_payload_type;
	uint8_t red_payload_type; /* audio: RED of it (RFC 2198) may come too; 0 = none */
	uint8_t kind;		  /* enum relay_stream_kind */
	uint8_t codec;		  /* enum relay_codec */
	/* The relay repairs loss on it (media.loss_repair, video): a
	 * retransmission buffer for subscribers' NACKs, NACKs upstream. */
	uint8_t repair;
	/* RFC 8285 id of the transport-wide sequence number in its packets
	 * (the publisher's, draft-holmer-rmcat-transport-wide-cc-extensions-01):
	 * the relay sends transport-cc feedback for them; 0: not negotiated. */
	uint8_t twcc_ext_id;
	/* RFC 8285 id of abs-send-time in its packets, when the publisher
	 * does REMB rather than transport-cc (remb.c): the relay estimates
	 * its uplink and sends it REMB; 0: not negotiated. */
	uint8_t abs_send_time_ext_id;
	/* Audio: RFC 8285 id of the client-to-mixer audio level (RFC 6464) in
	 * its packets: the relay reports how loud the publisher is
	 * (RELAY_EVT_AUDIO_LEVEL); 0: not negotiated. */
	uint8_t audio_level_ext_id;
	char mid[16];
	/* Simulcast (RFC 8853): one encoding of a track sent as `layers`
	 * encodings, `layer` 0 the lowest. Its ssrc and rtx_ssrc are 0 until
	 * learnt from the first packets carrying its rid (RFC 8852: the
	 * rtp-stream-id, repaired-rtp-stream-id and mid extensions, ids of
	 * the publisher's). group_ssrc is the SSRC subscribers see for the
	 * whole track (the relay's choice): their routes name it, and the
	 * layer-0 stream carries them. Not simulcast: layers 1, group_ssrc 0. */
	uint32_t group_ssrc;
	uint8_t layer, layers;
	uint8_t rid_ext_id, rrid_ext_id, mid_ext_id;
	/* Video: a shared screen, not a camera (served first, as the active
	 * speaker's camera is: relay/budget.c). */
	uint8_t screen;
	char rid[RELAY_RID_MAX + 1];
};

struct crypto_dtls_identity;

/* What a worker needs to run one browser's ICE-lite/DTLS/SRTP association.
 * Owned by whoever holds it; the worker frees it (and wipes the secrets)
 * with relay_transport_params_free(). */
struct relay_transport_params {
	uint64_t id;
	/* Our DTLS certificate for a new transport (a reference the params
	 * hold; the one whose fingerprint the SDP sent); NULL: the relay's
	 * own. Ignored by RELAY_CMD_TRANSPORT_UPDATE (DTLS goes on). */
	struct crypto_dtls_identity *identity;
	uint64_t session_id;
	/* Whose it is, for the relay's log lines: log fields of ids only
	 * (core/log.h, "session=12 participant=p-..."), set by the control
	 * plane at RELAY_CMD_TRANSPORT_ADD; the relay knows no sessions. */
	char label[RELAY_LABEL_MAX + 1];
	char local_ufrag[RELAY_ICE_UFRAG_MAX + 1];
	char local_pwd[RELAY_ICE_PWD_MAX + 1];
	char remote_ufrag[RELAY_ICE_UFRAG_MAX + 1];
	char remote_fingerprint[RELAY_FINGERPRINT_MAX + 1]; /* "sha-256 AB:CD:..." */
	bool dtls_server;				    /* we answer a=setup:passive */
	bool publishing; /* a publish transport (receives media) */
	unsigned stream_count;
	struct relay_stream streams[RELAY_MAX_STREAMS]; /* what it may publish */
};

/* Subscribers one stream can go to: everyone else in the largest session. */
#define RELAY_MAX_SUBSCRIBERS 500
#define RELAY_MAX_ROUTES      64

/* One forwarded stream: packets of publisher `from` with SSRC `ssrc` (and
 * its RTX) go to subscriber `to`, with the payload types its answer chose. */
struct relay_route {
	uint64_t from;
	uint32_t ssrc;
	uint32_t rtx_ssrc;
	uint8_t out_payload_type;
	uint8_t out_rtx_payload_type;
	/* Audio: RED goes on as RED with this payload type; 0: the subscriber
	 * gets the primary encoding alone (relay/red.h). */
	uint8_t out_red_payload_type;
};

/* The complete set of streams subscriber transport `to` receives; replaces
 * the previous set. */
struct relay_routes {
	uint64_t to;
	/* The RFC 8285 id (1..14) the subscriber accepted for the transport-
	 * wide sequence number: the relay stamps every packet to it and reads
	 * its transport-cc feedback (relay/congestion.c); 0: not negotiated. */
	uint8_t twcc_ext_id;
	/* Without it: the id (1..14) it accepted for abs-send-time, with
	 * goog-remb: the relay stamps that on every packet to it, and its
	 * REMB is the estimate (relay/congestion.c); 0: not negotiated. */
	uint8_t abs_send_time_ext_id;
	unsigned count;
	struct relay_route routes[RELAY_MAX_ROUTES];
};

/* One queue slot. payload, when set, is owned by whoever holds the message:
 * the receiver frees it (or hands it on). */
struct relay_msg {
	uint32_t type;	 /* enum relay_msg_type */
	uint32_t worker; /* index of the worker that sent or receives it */
	uint64_t arg;
	uint64_t arg2;
	void *payload;
};

/* The estimate buckets of relay_worker_stats (bit/s; 0: +Inf). */
#define RELAY_BWE_BUCKETS 9
#define RELAY_BWE_BUCKET_BOUNDS                                                                    \
	{                                                                                          \
		150000, 300000, 450000, 600000, 1000000, 1500000, 2500000, 4000000, 0              \
	}

/* Why the relay closed an ICE-TCP connection (relay/tcp.c), for
 * hearth_tcp_refused_total{reason}: names in RELAY_TCP_REFUSAL_NAMES. */
enum relay_tcp_refusal {
	RELAY_TCP_REFUSED_CAP = 0,	 /* the relay's, an address's or a transport's cap */
	RELAY_TCP_REFUSED_NOT_STUN,	 /* the first frame was no STUN Binding request */
	RELAY_TCP_REFUSED_UNKNOWN_UFRAG, /* it named no transport of any worker */
	RELAY_TCP_REFUSED_OVERSIZED,	 /* a frame longer than the relay takes */
	RELAY_TCP_REFUSED_TIMEOUT,	 /* no first frame within 5 s, or silent for 30 s */
	RELAY_TCP_REFUSED_SLOW_READER,	 /* its send queue overflowed */
	RELAY_TCP_REFUSALS
};
#define RELAY_TCP_REFUSAL_NAMES                                                                    \
	{                                                                                          \
		"cap", "not_stun", "unknown_ufrag", "oversized", "timeout", "slow_reader"          \
	}

/* Counters a worker keeps for itself; the control thread may read them at
 * any time (relaxed loads), never write them. */
struct relay_worker_stats {
	uint64_t stun_refused;
	uint64_t rtp_forwarded;
	uint64_t srtp_failures;
	uint64_t datagrams_received;
	uint64_t datagrams_dropped_unknown; /* from no known transport */
	uint64_t events_dropped;	    /* event queue full */
	uint64_t send_dropped;		    /* datagrams the socket did not take (buffer full) */
	/* Loss repair, hop by hop (RFC 4585 generic NACK, RFC 4588 RTX): */
	uint64_t nacks_received;      /* packets subscribers asked for again */
	uint64_t rtx_sent;	      /* RTX packets sent to subscribers */
	uint64_t rtx_missed;	      /* asked for but not in the buffer (lost upstream, or old) */
	uint64_t nacks_ignored;	      /* asked for while the subscriber awaits a keyframe */
	uint64_t nacks_sent;	      /* packets the relay asked publishers for again */
	uint64_t packets_recovered;   /* of those, arrived (RTX or plain retransmission) */
	uint64_t loss_keyframes;      /* keyframe requests instead of NACKs (a burst) */
	uint64_t rtx_buffers_refused; /* video streams without a buffer: the worker's cap */
	/* Congestion feedback (transport-wide-cc) to publishers: */
	uint64_t twcc_feedback_sent; /* RTPFB FMT=15 packets sent */
	uint64_t remb_sent;	     /* PSFB REMB packets sent (publishers without it) */
	/* Simulcast: */
	uint64_t ssrcs_learnt;	 /* encodings' SSRCs (and RTX SSRCs) learnt from their rid */
	uint64_t layer_switches; /* a subscriber switched to another encoding of a track */
	/* Send-side bandwidth estimation of subscribers (relay/congestion.c): */
	uint64_t twcc_feedback_received; /* subscribers' RTPFB FMT=15 packets read */
	uint64_t remb_received;		 /* REMB subscribers' PSFB REMB packets read */
	uint64_t probes_sent;		 /* padding-only RTX probe packets sent */
	/* Subscribers with an estimate, by estimate: bucket i counts those at
	 * or below RELAY_BWE_BUCKET_BOUNDS[i] (the last: all), once a second. */
	uint64_t bwe_subscribers[RELAY_BWE_BUCKETS];
	uint64_t hidden_skipped; /* video packets not sent: the subscriber hides it */
	uint64_t budget_skipped; /* video packets not sent: no room on its downlink */
	/* Pacing subscribers' video (relay/pacing.c): */
	uint64_t paced_packets;	   /* packets that waited in a subscriber's queue */
	uint64_t pacer_dropped;	   /* dropped from one: waited too long, queue full */
	uint64_t pacer_delay_us;   /* how long the paced packets waited, in all */
	uint64_t pacers_refused;   /* subscribers left unpaced: the worker's cap */
	uint64_t audio_duplicates; /* audio packets sent again to lossy subscribers without RED */
	/* ICE-TCP (relay/tcp.c): connections accepted by this worker, closed
	 * by the relay on its side (by reason), and held by it now. */
	uint64_t tcp_accepted;
	uint64_t tcp_refused[RELAY_TCP_REFUSALS];
	uint64_t tcp_connections;
	/* Transports' failures by enum relay_failure; valid checks that moved
	 * a transport to a new address (a network change or an ICE restart);
	 * payload bytes of the datagrams and ICE-TCP frames received and sent
	 * (no IP/UDP/TCP headers). */
	uint64_t transport_failures[RELAY_FAILURES];
	uint64_t network_changes;
	uint64_t bytes_received, bytes_sent;
};

/* Wipes p, drops its identity reference, frees it (transport.c). Any
 * thread. Accepts NULL. */
void relay_transport_params_free(struct relay_transport_params *p);

struct relay;

/* Binds one UDP socket per worker and starts the worker threads, which
 * share identity (our DTLS certificate for transports whose parameters
 * name none; borrowed, must outlive the relay). Returns 0 or a negative
 * errno (a bind failure names the port in the log). */
int relay_new(const struct cfg *cfg, struct crypto_dtls_identity *identity,
	      struct relay **ret_relay);

/* Sends STOP to every worker, joins the threads, closes every descriptor.
 * Accepts NULL; returns NULL. */
struct relay *relay_free(struct relay *relay);

/* The eventfd that becomes readable when any worker has queued events. */
int relay_event_fd(const struct relay *relay);

unsigned relay_worker_count(const struct relay *relay);

/* The UDP port worker i listens on. */
int relay_worker_port(const struct relay *relay, unsigned worker);

void relay_worker_stats(const struct relay *relay, unsigned worker,
			struct relay_worker_stats *ret_stats);

/* Queues a command for one worker. Returns 0 or -EAGAIN when its queue is
 * full (the caller keeps the payload). */
int relay_send(struct relay *relay, unsigned worker, const struct relay_msg *msg);

/* Takes the next queued event from any worker; false when there is none.
 * Call after the event fd became readable, until it returns false. */
bool relay_next_event(struct relay *relay, struct relay_msg *ret_msg);

/* Reads the event fd so that it stops being readable. */
void relay_event_fd_drain(struct relay *relay);

#endif
