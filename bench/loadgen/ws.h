/* WebSocket client connections of the load generator (libwebsockets), one
 * per participant, carrying JSON (jansson). Signaling thread only, except
 * lg_ws_wake(), which any thread may call. */
#ifndef HEARTH_BENCH_WS_H
#define HEARTH_BENCH_WS_H

#include <jansson.h>
#include <stdbool.h>

#define LG_WS_MAX_MESSAGE (1024 * 1024)

struct lg_ws;

struct lg_ws_ops {
	void (*on_open)(void *user);
	/* msg is borrowed for the call. */
	void (*on_message)(void *user, json_t *msg);
	void (*on_close)(void *user, const char *why);
};

/* Creates the client context. on_wake runs on the signaling thread after
 * lg_ws_wake(). Returns 0 or -EIO. */
int lg_ws_global_init(void (*on_wake)(void));
/* Runs the signaling loop until lg_ws_stop(). */
void lg_ws_run(void);
void lg_ws_stop(void);
void lg_ws_wake(void);
void lg_ws_global_done(void);

/* Connects to ws://host:port/path with subprotocol (host: an address,
 * borrowed until the connection is up). Returns NULL on failure. */
struct lg_ws *lg_ws_connect(const char *host, int port, const char *path, const char *subprotocol,
			    const struct lg_ws_ops *ops, void *user);
/* Serializes and queues msg (borrowed). Returns 0 or a negative errno. */
int lg_ws_send(struct lg_ws *ws, json_t *msg);
/* Closes and frees (accepts NULL; returns NULL). No callback follows. */
struct lg_ws *lg_ws_free(struct lg_ws *ws);

#endif
