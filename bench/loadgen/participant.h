/* A participant of the load: one WebSocket, a publish transport and a
 * subscribe transport, driven by one server's protocol (proto_hearth.c,
 * proto_janus.c). Signaling thread only, until the run ends. */
#ifndef HEARTH_BENCH_PARTICIPANT_H
#define HEARTH_BENCH_PARTICIPANT_H

#include <jansson.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "bench/loadgen/lg.h"
#include "bench/loadgen/ws.h"

#define LG_TOKEN_MAX 128

struct lg_run;

struct lg_participant {
	struct lg_run *run;
	int index, session;
	bool publishes, subscribes;
	/* Videos it shows (the plan's fifth field): it tells the server, as
	 * the browser client does (subscribe.hint), that the first `visible`
	 * videos of its subscription are shown and the rest hidden; -1: no
	 * hints (everything shown). */
	int visible;
	char token[LG_TOKEN_MAX];
	struct lg_ws *ws;
	struct lg_transport *pub, *sub;
	int next_id;
	bool failed;
	/* Several nodes: a wrong_node answer names the node serving the
	 * session; the next tick connects there and joins again. */
	bool moving;
	char node_host[64];
	int node_port;
	int64_t sub_requested_ns;
	/* Janus */
	uint64_t j_session, j_pub_handle, j_sub_handle, j_feed;
	int64_t j_keepalive_ns;
};

struct lg_proto {
	const char *path, *subprotocol;
	const struct lg_ws_ops *ws_ops;
	/* Asks for the subscription (after every publisher is up). */
	void (*subscribe)(struct lg_participant *p);
	/* Called about once a second. */
	void (*tick)(struct lg_participant *p, int64_t now);
};

extern const struct lg_proto lg_proto_hearth, lg_proto_janus;

struct lg_run {
	struct lg_ctx *ctx;
	const struct lg_proto *proto;
	int port;
	struct lg_participant *p;
	size_t n;
	int janus_room_base;
	const char *fingerprint; /* ours, for SDP */
	int simulcast;		 /* video encodings each publisher sends (1: none) */
	int extra_publishers;	 /* per session, outside the plan (browsers) */
	atomic_int phase;	 /* 0 idle, 1 join and publish, 2 subscribe */
	int phase_started;	 /* signaling thread's */
	atomic_int errors;
};

/* Marks p failed, counts it, and says why on stderr (the first few). */
void lg_participant_fail(struct lg_participant *p, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Streams p's subscription should carry: an audio per other publisher of
 * its session (the plan's and the extra ones), and a video for as many as
 * it shows. */
int lg_participant_expected_streams(const struct lg_participant *p);
/* Makes p's publish transport and its offer. Caller frees the SDP. */
char *lg_participant_publish_offer(struct lg_participant *p);
/* Applies a server's answer to the publish transport and hands it over. */
int lg_participant_publish_answered(struct lg_participant *p, const char *sdp);
/* Answers a server's subscribe offer: makes the subscribe transport the
 * first time (controlling as given; our a=setup is setup) and hands it
 * over. Caller frees the answer. */
char *lg_participant_subscribe_answer(struct lg_participant *p, const char *offer, bool controlling,
				      const char *setup);

#endif
