/* What the workers' ICE-TCP sides share: the caps on connections (in all,
 * and per client address) and each worker's inbox of connections passed
 * to it. A connection is accepted by whichever worker the kernel chose
 * (SO_REUSEPORT); its first frame names a transport by ufrag, and only the
 * worker that owns the transport knows it: a worker that does not passes
 * the connection on to the next through its inbox (at most once around).
 * A mutex guards the hub: it is taken per connection (accept, pass,
 * close), never per packet. */
#ifndef HEARTH_RELAY_TCP_HUB_H
#define HEARTH_RELAY_TCP_HUB_H

#include <stdbool.h>

#include "relay/addr.h"

struct relay_tcp_conn;
struct relay_tcp_hub;

/* A hub for `workers` workers, each with an inbox (an eventfd that wakes
 * it: relay_tcp_hub_inbox_fd). Returns 0 or a negative errno. */
int relay_tcp_hub_new(unsigned workers, struct relay_tcp_hub **ret_hub);

/* Closes and frees the connections still in inboxes (the workers have
 * stopped). Accepts NULL; returns NULL. */
struct relay_tcp_hub *relay_tcp_hub_free(struct relay_tcp_hub *hub);

unsigned relay_tcp_hub_workers(const struct relay_tcp_hub *hub);
int relay_tcp_hub_inbox_fd(const struct relay_tcp_hub *hub, unsigned worker);

/* Counts one more connection from peer; false (nothing counted) when the
 * relay or that address has its cap already. */
bool relay_tcp_hub_admit(struct relay_tcp_hub *hub, const struct relay_addr_key *peer);

/* Counts one connection from peer less (it closed). */
void relay_tcp_hub_release(struct relay_tcp_hub *hub, const struct relay_addr_key *peer);

/* Puts c (owned; out of every table of its worker) in worker's inbox and
 * wakes it. Returns 0, or -EAGAIN when the inbox is full (c stays the
 * caller's). */
int relay_tcp_hub_pass(struct relay_tcp_hub *hub, unsigned worker, struct relay_tcp_conn *c);

/* The next connection in worker's inbox (now the caller's), or NULL. */
struct relay_tcp_conn *relay_tcp_hub_take(struct relay_tcp_hub *hub, unsigned worker);

#endif
