/* hearth-loadgen: the shared types of the load generator.
 *
 * Three threads. The signaling thread runs libwebsockets: one WebSocket per
 * participant (Hearth's /ws or Janus's WebSocket transport), the protocol
 * state machines (proto_hearth.c, proto_janus.c), and SDP (sdp.c). It makes
 * each transport (UDP socket, ICE credentials: immutable after creation),
 * fills in the remote side from the server's SDP, and hands it to the media
 * thread (lg_media_add); from then on only the media thread touches the
 * transport's mutable state (ICE, DTLS, SRTP, pacing, counters), except
 * for the atomic payload-type map a re-offer may extend. The main thread
 * drives the phases (publish, subscribe, measure) through atomics and
 * reads the counters after the media thread has stopped. */
#ifndef HEARTH_BENCH_LG_H
#define HEARTH_BENCH_LG_H

#include <netinet/in.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "crypto/dtls.h"
#include "crypto/srtp.h"

#define LG_VIDEO_PT   96
#define LG_AUDIO_PT   111
#define LG_TAIL_MAGIC 0x484c4731u /* "HLG1": the payload tail */
/* The payload tail: magic, the stream's own packet counter (u32: loss is
 * counted whatever sequence numbers a relay rewrites), the send time
 * (CLOCK_REALTIME ns). */
#define LG_TAIL_LEN	   16
#define LG_MAX_RTP	   1400 /* recorded packets are at most this */
#define LG_MAX_SSRC_IN	   64	/* streams one subscriber counts */
#define LG_HIST_FINE	   2000 /* 0..20 ms at 10 us */
#define LG_HIST_COARSE	   1000 /* 20 ms..1 s at 1 ms */
#define LG_UFRAG_LEN	   8
#define LG_PWD_LEN	   24
#define LG_REMOTE_CRED_MAX 260
#define LG_MAX_LAYERS	   3 /* simulcast encodings a publisher sends (--simulcast) */
/* Simulcast packets carry the mid and rid header extensions (RFC 8285
 * one-byte form, RFC 8852) on their first LG_RID_PACKETS, as Chromium
 * does until its packets are acknowledged: the relay learns each
 * encoding's SSRC from them. The ids are our offer's a=extmap ids. */
#define LG_EXT_MID_ID  4
#define LG_EXT_RID_ID  10
#define LG_RID_PACKETS 256

enum lg_kind { LG_AUDIO = 0, LG_VIDEO = 1, LG_KIND_NONE = 2 };

/* The recorded media (media_file.c), shared read-only by every publisher. */
struct lg_media_packet {
	uint8_t kind;
	uint16_t len;
	uint32_t offset_us;
	const uint8_t *rtp;
	/* Video: this packet's place in its frame (0: first), and how many
	 * packets the frame has (--layer-sizes cuts lower encodings' frames). */
	uint16_t frame_at, frame_packets;
};

struct lg_media {
	uint8_t *blob;
	size_t count;
	struct lg_media_packet *packets;
	uint64_t loop_ns;     /* one pass of the file */
	uint32_t ts_first[2]; /* RTP timestamp of the first packet, per kind */
	uint32_t ts_span[2];  /* timestamp advance per loop, per kind */
};

int lg_media_load(const char *path, struct lg_media *ret);
void lg_media_free(struct lg_media *m);

/* What one subscriber transport counts of one incoming SSRC. Loss over the
 * window is exact whatever a relay does to sequence numbers: the first
 * packet after the window opens and the first after it closes are
 * decrypted for the publisher's own counter (payload tail), so expected =
 * end_counter - start_counter and received = the packets counted between. */
struct lg_ssrc_stats {
	uint32_t ssrc;
	uint8_t kind;
	bool want_start, want_end, have_start, have_end;
	uint32_t start_counter, end_counter;
	uint64_t received; /* packets */
	uint64_t received_at_start, received_at_end;
	uint64_t received_at_open; /* received when the window opened (any stream,
				      with a payload tail or a browser's) */
};

struct lg_publish_stream {
	uint32_t ssrc;
	uint32_t counter; /* packets sent, carried in the payload tail */
	uint16_t seq;
	uint32_t ts_base;
};

enum lg_transport_state {
	LG_T_CHECKING = 0,
	LG_T_DTLS = 1,
	LG_T_UP = 2,
	LG_T_FAILED = 3,
};

struct lg_transport {
	/* Set by the signaling thread, immutable once handed over. */
	int fd;
	uint16_t local_port;
	char local_ip[16]; /* dotted IPv4 our socket is bound to */
	char ufrag[LG_UFRAG_LEN + 1], pwd[LG_PWD_LEN + 1];
	bool publishes;	  /* else it receives */
	bool controlling; /* ICE role */
	bool dtls_server;
	char remote_ufrag[LG_REMOTE_CRED_MAX], remote_pwd[LG_REMOTE_CRED_MAX];
	char remote_fingerprint[CRYPTO_DTLS_FINGERPRINT_MAX];
	struct sockaddr_in remote;
	int expected_streams; /* subscriber: SSRCs it waits for */
	int64_t requested_ns; /* subscriber: when the subscription was asked for */
	/* Publisher: audio, then the video encodings (out[LG_VIDEO + k]: the
	 * k-th, lowest first; one unless layers > 1). */
	struct lg_publish_stream out[1 + LG_MAX_LAYERS];
	int layers;		      /* publisher: video encodings sent */
	_Atomic uint8_t pt_kind[128]; /* subscriber: payload type -> enum lg_kind */

	/* Media thread only. */
	enum lg_transport_state state;
	int fail_code;
	struct crypto_dtls *dtls;
	int64_t dtls_deadline_ns;
	struct crypto_srtp *srtp_out, *srtp_in;
	uint8_t check_txid[12];
	int64_t next_check_ns;
	int checks_sent;
	int64_t up_ns, first_media_ns;
	size_t cursor;	       /* publisher: next packet of the file */
	int64_t loop_start_ns; /* publisher: when offset 0 of this loop is due */
	uint32_t loops;
	uint64_t sent, sent_window, sent_late; /* late: over 5 ms behind schedule */
	int64_t late_max_ns;
	uint64_t rtcp_in, stun_in, dtls_in, undecryptable;
	uint32_t socket_drops; /* SO_RXQ_OVFL: datagrams the kernel dropped on our socket */
	size_t n_ssrc;
	int media_ssrcs; /* of them audio or video (not RTX, not probes) */
	struct lg_ssrc_stats ssrc[LG_MAX_SSRC_IN];
	bool counted_complete;
	struct lg_transport *next_new; /* handover list */
};

/* Makes a transport: a UDP socket on lg_local_address (127.0.0.1 unless
 * set), random ICE credentials. Returns 0 or a negative errno. */
int lg_transport_new(bool publishes, struct lg_transport **ret);
/* Sets the address transports bind to (dotted IPv4). Returns 0 or -EINVAL. */
int lg_set_local_address(const char *ipv4);
struct lg_transport *lg_transport_free(struct lg_transport *t);

struct lg_stats {
	uint64_t hist_fine[LG_HIST_FINE], hist_coarse[LG_HIST_COARSE], hist_over;
	uint64_t latency_samples;
};

struct lg_ctx {
	const struct lg_media *media;
	struct crypto_dtls_identity *identity;
	int decrypt_every; /* unprotect one received packet in N (1: all) */
	bool layer_sizes;  /* --layer-sizes: lower encodings smaller, as a browser's */
	int period_us;	   /* the media loop runs once per period */

	/* Counters the main thread watches. */
	atomic_int pubs_up, subs_complete, transports_failed;
	atomic_int srtp_gcm, srtp_cm; /* transports per negotiated SRTP profile */
	/* 1: the media thread starts a window, 2: ends it, 3: stops. */
	atomic_int window_cmd;
	atomic_int window_ack;
	atomic_int_fast64_t window_start_ns, window_end_ns;

	/* The media thread's. */
	int epfd, wake_fd;
	struct lg_transport **all;
	size_t n_all, cap_all;
	struct lg_stats stats;
	bool window_active;  /* latency samples are taken */
	bool window_closing; /* waiting for each stream's end marker */
	int64_t closing_deadline_ns;

	/* Handover from the signaling thread, under media_loop.c's lock. */
	struct lg_transport *new_head;
};

int64_t lg_now_ns(void);      /* CLOCK_MONOTONIC */
int64_t lg_realtime_ns(void); /* CLOCK_REALTIME */
void lg_random(void *buf, size_t len);
void lg_random_text(char *out, size_t len); /* len ICE chars + NUL */

int lg_media_thread_init(struct lg_ctx *ctx);
void *lg_media_thread(void *ctx);
/* Hands t over to the media thread (from the signaling thread). */
void lg_media_add(struct lg_ctx *ctx, struct lg_transport *t);

/* Media-thread handlers (transport.c). */
void lg_transport_on_datagram(struct lg_ctx *ctx, struct lg_transport *t, uint8_t *buf, size_t len,
			      int64_t rx_realtime_ns, int64_t now);
/* Media thread: connects the socket, makes the DTLS association. */
int lg_transport_start(struct lg_ctx *ctx, struct lg_transport *t, int64_t now);
void lg_transport_tick(struct lg_ctx *ctx, struct lg_transport *t, int64_t now);
/* Publisher: sends what is due at now. */
void lg_transport_pace(struct lg_ctx *ctx, struct lg_transport *t, int64_t now);
/* The rid of simulcast encoding k of n (lowest first). */
const char *lg_layer_rid(int k, int n);
void lg_stats_window_begin(struct lg_ctx *ctx);
void lg_stats_window_end(struct lg_ctx *ctx);
/* Whether every stream that has a start marker has its end marker. */
bool lg_stats_window_closed(const struct lg_ctx *ctx);

#endif
