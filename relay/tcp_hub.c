#include "relay/tcp_hub.h"

#include <errno.h>
#include <glib.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "relay/tcp_conn.h"

struct relay_tcp_inbox {
	int wake_fd;
	unsigned head, len;
	struct relay_tcp_conn *ring[RELAY_TCP_CONNS_MAX];
};

struct relay_tcp_hub {
	pthread_mutex_t lock;
	unsigned total;	      /* connections admitted and not yet released */
	GHashTable *per_addr; /* struct relay_addr_key (owned) -> count */
	unsigned workers;
	struct relay_tcp_inbox *inboxes;
};

int relay_tcp_hub_new(unsigned workers, struct relay_tcp_hub **ret_hub)
{
	struct relay_tcp_hub *hub = calloc(1, sizeof(*hub));

	if (!hub)
		return -ENOMEM;
	pthread_mutex_init(&hub->lock, NULL);
	hub->per_addr =
	    g_hash_table_new_full(relay_addr_key_hash, relay_addr_key_equal, g_free, NULL);
	hub->inboxes = calloc(workers, sizeof(*hub->inboxes));
	if (!hub->inboxes) {
		relay_tcp_hub_free(hub);
		return -ENOMEM;
	}
	for (unsigned i = 0; i < workers; i++) {
		hub->inboxes[i].wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
		hub->workers = i + 1;
		if (hub->inboxes[i].wake_fd < 0) {
			int r = -errno;
			relay_tcp_hub_free(hub);
			return r;
		}
	}
	*ret_hub = hub;
	return 0;
}

struct relay_tcp_hub *relay_tcp_hub_free(struct relay_tcp_hub *hub)
{
	if (!hub)
		return NULL;
	for (unsigned i = 0; i < hub->workers; i++) {
		struct relay_tcp_inbox *in = &hub->inboxes[i];
		for (unsigned k = 0; k < in->len; k++) {
			struct relay_tcp_conn *c = in->ring[(in->head + k) % RELAY_TCP_CONNS_MAX];
			close(c->fd);
			free(c->tx);
			free(c);
		}
		close(in->wake_fd);
	}
	free(hub->inboxes);
	g_hash_table_destroy(hub->per_addr);
	pthread_mutex_destroy(&hub->lock);
	free(hub);
	return NULL;
}

unsigned relay_tcp_hub_workers(const struct relay_tcp_hub *hub)
{
	return hub->workers;
}

int relay_tcp_hub_inbox_fd(const struct relay_tcp_hub *hub, unsigned worker)
{
	return hub->inboxes[worker].wake_fd;
}

bool relay_tcp_hub_admit(struct relay_tcp_hub *hub, const struct relay_addr_key *peer)
{
	bool ok = false;

	pthread_mutex_lock(&hub->lock);
	unsigned n = GPOINTER_TO_UINT(g_hash_table_lookup(hub->per_addr, peer));
	if (hub->total < RELAY_TCP_CONNS_MAX && n < RELAY_TCP_CONNS_PER_ADDRESS) {
		hub->total++;
		g_hash_table_insert(hub->per_addr, g_memdup2(peer, sizeof(*peer)),
				    GUINT_TO_POINTER(n + 1));
		ok = true;
	}
	pthread_mutex_unlock(&hub->lock);
	return ok;
}

void relay_tcp_hub_release(struct relay_tcp_hub *hub, const struct relay_addr_key *peer)
{
	pthread_mutex_lock(&hub->lock);
	unsigned n = GPOINTER_TO_UINT(g_hash_table_lookup(hub->per_addr, peer));
	if (n > 1)
		g_hash_table_insert(hub->per_addr, g_memdup2(peer, sizeof(*peer)),
				    GUINT_TO_POINTER(n - 1));
	else
		g_hash_table_remove(hub->per_addr, peer);
	if (hub->total > 0)
		hub->total--;
	pthread_mutex_unlock(&hub->lock);
}

int relay_tcp_hub_pass(struct relay_tcp_hub *hub, unsigned worker, struct relay_tcp_conn *c)
{
	struct relay_tcp_inbox *in = &hub->inboxes[worker];
	uint64_t one = 1;
	int r = -EAGAIN;

	pthread_mutex_lock(&hub->lock);
	if (in->len < RELAY_TCP_CONNS_MAX) {
		in->ring[(in->head + in->len) % RELAY_TCP_CONNS_MAX] = c;
		in->len++;
		r = 0;
	}
	pthread_mutex_unlock(&hub->lock);
	if (r == 0)
		(void)!write(in->wake_fd, &one, sizeof(one));
	return r;
}

struct relay_tcp_conn *relay_tcp_hub_take(struct relay_tcp_hub *hub, unsigned worker)
{
	struct relay_tcp_inbox *in = &hub->inboxes[worker];
	struct relay_tcp_conn *c = NULL;

	pthread_mutex_lock(&hub->lock);
	if (in->len > 0) {
		c = in->ring[in->head];
		in->head = (in->head + 1) % RELAY_TCP_CONNS_MAX;
		in->len--;
	}
	pthread_mutex_unlock(&hub->lock);
	return c;
}
