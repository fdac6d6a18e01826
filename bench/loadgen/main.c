/* hearth-loadgen: opens many real WebRTC transports against Hearth or Janus
 * VideoRoom, publishes recorded VP8 + Opus at real-time pace, subscribes,
 * and reports what arrived, the latency through the relay, and its own CPU.
 *
 *   hearth-loadgen --server hearth|janus --port N --media FILE --plan FILE
 *                  [--duration S] [--warmup S] [--setup-timeout S]
 *                  [--decrypt-every N] [--room-base N] [--local-address IPV4]
 *                  [--period-us N] [--simulcast N] [--layer-sizes] [--extra-publishers N]
 *                  [--peers]
 *
 * The plan has one line per participant: "<session> <publishes 0|1>
 * <subscribes 0|1> <invite token, or - for Janus> [videos shown]" (with
 * the fifth field it sends Hearth the hints the browser client would: that
 * many videos shown, the others hidden). --simulcast N: each publisher
 * sends its video as N encodings (rids, as Chromium offers them; each the
 * recorded stream under its own SSRC). --layer-sizes: the lower encodings
 * carry as many packets as a browser's (the quarter-scale one the first
 * eighth of each frame's packets, the half-scale one the first third),
 * not the whole stream again. --extra-publishers N: each session
 * has N publishers outside the plan (browsers), whose streams subscribers
 * also wait for. --peers: one "PEER <json>" line per subscriber before the
 * result, with the streams it received in the window. SIGUSR1 ends the
 * window before --duration (a test that has seen what it needs). Every participant joins
 * and publishes; when every publisher's media flows, every participant
 * subscribes; when every subscriber receives every stream (or the setup
 * timeout passed), a warm-up, then the measurement window: "WINDOW START"
 * and "WINDOW END" lines on stdout (so that a script can read the server's
 * CPU at the same moments), and at the end one line "RESULT <json>".
 * --local-address: what our UDP sockets bind to and our candidates say
 * (127.0.0.1 by default; Janus gathers no loopback candidates, so against
 * it this is the host's own address, which the kernel still delivers
 * locally). */
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "bench/loadgen/participant.h"
#include "bench/loadgen/report.h"

#define MAX_PARTICIPANTS 4096

static struct lg_run run;
static volatile sig_atomic_t window_cut; /* SIGUSR1: end the window now */

static void on_sigusr1(int sig)
{
	(void)sig;
	window_cut = 1;
}

static void on_wake(void)
{
	int phase = atomic_load(&run.phase);
	int64_t now = lg_now_ns();
	while (run.phase_started < phase) {
		run.phase_started++;
		for (size_t i = 0; i < run.n; i++) {
			struct lg_participant *p = &run.p[i];
			if (run.phase_started == 1) {
				p->ws = lg_ws_connect("127.0.0.1", run.port, run.proto->path,
						      run.proto->subprotocol, run.proto->ws_ops, p);
				if (!p->ws)
					lg_participant_fail(p, "cannot connect");
			} else if (run.phase_started == 2 && p->subscribes && !p->failed) {
				run.proto->subscribe(p);
			}
		}
	}
	for (size_t i = 0; i < run.n; i++)
		run.proto->tick(&run.p[i], now);
}

static void *signaling_thread(void *arg)
{
	(void)arg;
	lg_ws_run();
	return NULL;
}

static int parse_long(const char *s, long min, long max, long *ret)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max)
		return -EINVAL;
	*ret = v;
	return 0;
}

static int load_plan(const char *path)
{
	FILE *f = fopen(path, "re");
	if (!f)
		return -errno;
	run.p = calloc(MAX_PARTICIPANTS, sizeof(*run.p));
	if (!run.p) {
		fclose(f);
		return -ENOMEM;
	}
	char line[512];
	int r = 0;
	while (fgets(line, sizeof(line), f)) {
		char token[LG_TOKEN_MAX];
		int session, pub, sub, visible = -1;
		if (line[0] == '#' || line[0] == '\n')
			continue;
		int fields =
		    sscanf(line, "%d %d %d %127s %d", &session, &pub, &sub, token, &visible);
		if (run.n == MAX_PARTICIPANTS || fields < 4 || session < 0 || visible < -1 ||
		    visible > LG_MAX_SSRC_IN) {
			r = -EINVAL;
			break;
		}
		struct lg_participant *p = &run.p[run.n];
		*p = (struct lg_participant){.run = &run,
					     .index = (int)run.n,
					     .session = session,
					     .publishes = pub != 0,
					     .subscribes = sub != 0,
					     .visible = visible};
		snprintf(p->token, sizeof(p->token), "%s", token);
		run.n++;
	}
	fclose(f);
	return r < 0 ? r : run.n ? 0 : -EINVAL;
}

static double cpu_seconds(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
	       ru.ru_stime.tv_usec / 1e6;
}

/* Waits until *counter reaches target or timeout_s passes. */
static void wait_count(atomic_int *counter, int target, double timeout_s, const char *what)
{
	int64_t deadline = lg_now_ns() + (int64_t)(timeout_s * 1e9);
	int64_t next_wake = 0;
	while (atomic_load(counter) < target && lg_now_ns() < deadline) {
		if (lg_now_ns() >= next_wake) {
			lg_ws_wake(); /* keep-alives */
			next_wake = lg_now_ns() + 1000000000LL;
		}
		usleep(20000);
	}
	fprintf(stderr, "hearth-loadgen: %s: %d of %d\n", what, atomic_load(counter), target);
}

static void sleep_s(double s, bool cut)
{
	int64_t end = lg_now_ns() + (int64_t)(s * 1e9);
	while (lg_now_ns() < end && !(cut && window_cut)) {
		lg_ws_wake();
		int64_t left = end - lg_now_ns();
		usleep(left > 100000000LL ? 100000 : (useconds_t)(left > 0 ? left / 1000 : 0));
	}
}

static void window_cmd(struct lg_ctx *ctx, int cmd)
{
	atomic_store(&ctx->window_cmd, cmd);
	while (atomic_load(&ctx->window_ack) != cmd)
		usleep(200);
}

static void usage(void)
{
	fprintf(stderr, "usage: hearth-loadgen --server hearth|janus --port N --media FILE "
			"--plan FILE [--duration S] [--warmup S] [--setup-timeout S] "
			"[--decrypt-every N] [--room-base N] [--local-address IPV4] "
			"[--period-us N] [--simulcast N] [--layer-sizes] [--extra-publishers N] "
			"[--peers]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"server", required_argument, NULL, 's'},
	    {"port", required_argument, NULL, 'p'},
	    {"media", required_argument, NULL, 'm'},
	    {"plan", required_argument, NULL, 'l'},
	    {"duration", required_argument, NULL, 'd'},
	    {"warmup", required_argument, NULL, 'w'},
	    {"setup-timeout", required_argument, NULL, 't'},
	    {"decrypt-every", required_argument, NULL, 'e'},
	    {"room-base", required_argument, NULL, 'r'},
	    {"local-address", required_argument, NULL, 'a'},
	    {"period-us", required_argument, NULL, 'u'},
	    {"simulcast", required_argument, NULL, 'S'},
	    {"layer-sizes", no_argument, NULL, 'L'},
	    {"extra-publishers", required_argument, NULL, 'x'},
	    {"peers", no_argument, NULL, 'P'},
	    {NULL, 0, NULL, 0},
	};
	const char *media_path = NULL, *plan_path = NULL;
	long port = 0, duration = 10, warmup = 2, setup_timeout = 60, decrypt_every = 1,
	     room_base = 1000, period_us = 1000, simulcast = 1, extra_publishers = 0;
	bool peers = false;
	struct lg_ctx ctx = {0};
	int c;
	run.proto = NULL;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		long *target = NULL, max = 100000;
		switch (c) {
		case 's':
			run.proto = strcmp(optarg, "hearth") == 0  ? &lg_proto_hearth
				    : strcmp(optarg, "janus") == 0 ? &lg_proto_janus
								   : NULL;
			if (!run.proto)
				usage();
			continue;
		case 'm':
			media_path = optarg;
			continue;
		case 'a':
			if (lg_set_local_address(optarg) < 0)
				usage();
			continue;
		case 'l':
			plan_path = optarg;
			continue;
		case 'p':
			target = &port, max = 65535;
			break;
		case 'd':
			target = &duration;
			break;
		case 'w':
			target = &warmup;
			break;
		case 't':
			target = &setup_timeout;
			break;
		case 'e':
			target = &decrypt_every, max = 1000;
			break;
		case 'r':
			target = &room_base, max = 1000000000;
			break;
		case 'u':
			target = &period_us, max = 20000;
			break;
		case 'S':
			target = &simulcast, max = LG_MAX_LAYERS;
			break;
		case 'x':
			target = &extra_publishers, max = LG_MAX_SSRC_IN / 2;
			break;
		case 'P':
			peers = true;
			continue;
		case 'L':
			ctx.layer_sizes = true;
			continue;
		default:
			usage();
		}
		if (parse_long(optarg, c == 'w' || c == 'x' ? 0 : 1, max, target) < 0)
			usage();
	}
	if (!run.proto || !port || !media_path || !plan_path)
		usage();

	struct lg_media media;
	int r = lg_media_load(media_path, &media);
	if (r < 0) {
		fprintf(stderr, "hearth-loadgen: %s: cannot load: %s\n", media_path, strerror(-r));
		return 1;
	}
	r = load_plan(plan_path);
	if (r < 0) {
		fprintf(stderr, "hearth-loadgen: %s: bad plan: %s\n", plan_path, strerror(-r));
		return 1;
	}
	if (crypto_srtp_global_init() < 0 || crypto_dtls_identity_generate(&ctx.identity) < 0 ||
	    lg_media_thread_init(&ctx) < 0 || lg_ws_global_init(on_wake) < 0) {
		fprintf(stderr, "hearth-loadgen: cannot start\n");
		return 1;
	}
	ctx.media = &media;
	ctx.decrypt_every = (int)decrypt_every;
	ctx.period_us = (int)period_us;
	run.ctx = &ctx;
	run.port = (int)port;
	run.janus_room_base = (int)room_base;
	run.simulcast = (int)simulcast;
	run.extra_publishers = (int)extra_publishers;
	if (simulcast > 1 && run.proto != &lg_proto_hearth) {
		fprintf(stderr, "hearth-loadgen: --simulcast is for Hearth only\n");
		return 2;
	}
	run.fingerprint = crypto_dtls_identity_fingerprint(ctx.identity);

	int publishers = 0, subscribers = 0;
	for (size_t i = 0; i < run.n; i++) {
		publishers += run.p[i].publishes;
		subscribers +=
		    run.p[i].subscribes && lg_participant_expected_streams(&run.p[i]) > 0;
	}
	signal(SIGUSR1, on_sigusr1);
	pthread_t media_tid, signal_tid;
	if (pthread_create(&media_tid, NULL, lg_media_thread, &ctx) != 0 ||
	    pthread_create(&signal_tid, NULL, signaling_thread, NULL) != 0) {
		fprintf(stderr, "hearth-loadgen: cannot start threads\n");
		return 1;
	}
	double cpu_start = cpu_seconds();
	int64_t t0 = lg_now_ns();
	atomic_store(&run.phase, 1);
	lg_ws_wake();
	wait_count(&ctx.pubs_up, publishers, (double)setup_timeout, "publishers up");
	int64_t t_published = lg_now_ns();
	atomic_store(&run.phase, 2);
	lg_ws_wake();
	wait_count(&ctx.subs_complete, subscribers, (double)setup_timeout,
		   "subscribers receiving every stream");
	int64_t t_subscribed = lg_now_ns();
	sleep_s((double)warmup, false);

	struct report_input in = {.ctx = &ctx, .run = &run};
	window_cmd(&ctx, 1);
	in.cpu_window_start = cpu_seconds();
	printf("WINDOW START\n");
	fflush(stdout);
	sleep_s((double)duration, true);
	window_cmd(&ctx, 2);
	in.cpu_window_end = cpu_seconds();
	printf("WINDOW END\n");
	fflush(stdout);
	window_cmd(&ctx, 3);
	pthread_join(media_tid, NULL);
	lg_ws_stop();
	pthread_join(signal_tid, NULL);

	in.cpu_setup = in.cpu_window_start - cpu_start;
	in.publish_s = (double)(t_published - t0) / 1e9;
	in.subscribe_s = (double)(t_subscribed - t_published) / 1e9;
	in.publishers = publishers;
	in.subscribers = subscribers;
	if (peers)
		lg_report_peers(&in);
	lg_report_print(&in);

	for (size_t i = 0; i < run.n; i++) {
		run.p[i].ws = lg_ws_free(run.p[i].ws);
		run.p[i].pub = lg_transport_free(run.p[i].pub);
		run.p[i].sub = lg_transport_free(run.p[i].sub);
	}
	lg_ws_global_done();
	free(ctx.all);
	free(run.p);
	crypto_dtls_identity_free(ctx.identity);
	lg_media_free(&media);
	return 0;
}
