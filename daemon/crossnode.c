#include "daemon/crossnode.h"

#include <errno.h>
#include <string.h>

#include <openssl/rand.h>

#include "core/clock.h"
#include "core/log.h"
#include "http/server.h"
#include "service/session_ops.h"
#include "store/store.h"

#define CROSSNODE_POLL_US 500000LL /* the fallback poll */
/* Events older than this are not read again: longer than any write
 * transaction lasts between its event's insert and its commit (statements
 * and lock waits are cut at 5 s), so that one committed late is still
 * found. */
#define CROSSNODE_WINDOW_MS 10000
#define CROSSNODE_KEEP_MS   60000 /* events older than this are pruned */
#define CROSSNODE_PRUNE_US  (10 * 1000000LL)
#define CROSSNODE_RETRY_MS  2000 /* a lost LISTEN connection is tried again this often */
/* Pages of SIG_STORE_LIST_MAX read at most per turn: the whole window at
 * up to 1,000 events a second (a busy cluster has a few). */
#define CROSSNODE_PAGES 50
/* Ids remembered as applied: over this many events in the window, some are
 * applied again, which changes nothing. */
#define CROSSNODE_SEEN 8192

struct sig_crossnode {
	struct sig_store *store; /* borrowed */
	struct sig_ops *ops;	 /* borrowed */
	struct sig_store_listener *listener;
	char node_id[SIG_STORE_EVENT_ORIGIN_MAX + 1];
	/* The ids applied, within the window: a set, and the order they
	 * came in, to forget the oldest (a ring). */
	GHashTable *seen;
	int64_t ring[CROSSNODE_SEEN];
	unsigned ring_next;
	int64_t pruned_us;
	int64_t newest; /* the highest id read */
	bool listening; /* the LISTEN connection is up */
	uint64_t applied, malformed, polls_found, notified;
};

static bool crossnode_seen(struct sig_crossnode *x, int64_t id)
{
	if (g_hash_table_contains(x->seen, &id))
		return true;
	int64_t *slot = &x->ring[x->ring_next];
	if (*slot)
		g_hash_table_remove(x->seen, slot);
	*slot = id;
	g_hash_table_add(x->seen, slot);
	x->ring_next = (x->ring_next + 1) % CROSSNODE_SEEN;
	return false;
}

/* Reads the other nodes' recent events after id `after` and applies those
 * not applied yet; how many it applied. */
static unsigned crossnode_fetch(struct sig_crossnode *x, int64_t after)
{
	g_autoptr(GArray) rows = g_array_new(FALSE, TRUE, sizeof(struct sig_store_event));
	unsigned applied = 0;

	for (int page = 0; page < CROSSNODE_PAGES; page++) {
		g_array_set_size(rows, 0);
		int r = sig_store_event_list(x->store, x->node_id, CROSSNODE_WINDOW_MS, after,
					     SIG_STORE_LIST_MAX, rows);
		if (r < 0) {
			log_debug("crossnode: cannot read events: %s", strerror(-r));
			break;
		}
		for (guint i = 0; i < rows->len; i++) {
			const struct sig_store_event *ev =
			    &g_array_index(rows, struct sig_store_event, i);
			after = ev->id;
			if (ev->id > x->newest)
				x->newest = ev->id;
			if (crossnode_seen(x, ev->id))
				continue;
			if (sig_ops_apply_event(x->ops, ev->body, strlen(ev->body)) < 0) {
				x->malformed++;
				log_debug("crossnode: event %lld is not one this build knows",
					  (long long)ev->id);
				continue;
			}
			applied++;
		}
		if (rows->len < SIG_STORE_LIST_MAX)
			break;
	}
	x->applied += applied;
	return applied;
}

static void crossnode_readable(void *userdata)
{
	struct sig_crossnode *x = userdata;
	bool notified = false;
	int r = sig_store_listener_read(x->listener, &notified);

	if (r == -ENOTCONN)
		x->listening = false;
	/* What is new since the last read; one that commits after a newer
	 * one (ids are taken at insert) is the poll's. */
	if (notified) {
		x->notified++;
		crossnode_fetch(x, x->newest);
	}
}

static void crossnode_tick(void *userdata)
{
	struct sig_crossnode *x = userdata;
	int64_t now_us = clock_mono_us();

	x->listening =
	    sig_store_listener_check(x->listener, now_us / 1000, CROSSNODE_RETRY_MS) == 0;
	/* What the LISTEN connection missed (lost, or a notification that
	 * came before the row was visible): found here. */
	x->polls_found += crossnode_fetch(x, 0);
	if (now_us - x->pruned_us >= CROSSNODE_PRUNE_US) {
		x->pruned_us = now_us;
		if (sig_store_event_prune(x->store, CROSSNODE_KEEP_MS, NULL) < 0)
			log_debug("crossnode: cannot prune events");
	}
}

int sig_crossnode_new(struct sig_store *store, struct sig_ops *ops, struct sig_server *server,
		      struct sig_crossnode **ret)
{
	struct sig_crossnode *x;
	uint8_t id[8];
	int r;

	*ret = NULL;
	x = g_new0(struct sig_crossnode, 1);
	x->store = store;
	x->ops = ops;
	r = sig_store_listen(store, &x->listener);
	if (r == -EOPNOTSUPP) {
		g_free(x);
		return 0; /* one node */
	}
	if (r < 0)
		goto fail;
	if (RAND_bytes(id, sizeof(id)) != 1) {
		r = -EIO;
		goto fail;
	}
	memcpy(x->node_id, "n-", 2);
	for (size_t i = 0; i < sizeof(id); i++)
		snprintf(x->node_id + 2 + 2 * i, 3, "%02x", id[i]);
	x->seen = g_hash_table_new(g_int64_hash, g_int64_equal);
	x->pruned_us = clock_mono_us();
	r = sig_server_watch_fd(server, sig_store_listener_fd(x->listener), crossnode_readable, x);
	if (r == 0)
		r = sig_server_every(server, CROSSNODE_POLL_US, crossnode_tick, x);
	if (r < 0)
		goto fail;
	x->listening = sig_store_listener_check(x->listener, 0, CROSSNODE_RETRY_MS) == 0;
	/* From here on, the operations publish what they do. */
	sig_ops_share(ops, x->node_id);
	log_info("several nodes: this node is %s; effects travel by LISTEN/NOTIFY and a poll "
		 "every %lld ms",
		 x->node_id, CROSSNODE_POLL_US / 1000);
	*ret = x;
	return 0;
fail:
	log_error("several nodes: cannot start hearing other nodes: %s", strerror(-r));
	sig_crossnode_free(x);
	return r;
}

struct sig_crossnode *sig_crossnode_free(struct sig_crossnode *x)
{
	if (!x)
		return NULL;
	sig_ops_share(x->ops, NULL);
	x->listener = sig_store_listener_free(x->listener);
	if (x->seen)
		g_hash_table_destroy(x->seen);
	g_free(x);
	return NULL;
}

void sig_crossnode_metrics(const struct sig_crossnode *x, GString *out)
{
	if (!x)
		return;
	g_string_append_printf(
	    out,
	    "# HELP hearth_node_events_applied_total other nodes' events applied here\n"
	    "# TYPE hearth_node_events_applied_total counter\n"
	    "hearth_node_events_applied_total %llu\n"
	    "# HELP hearth_node_events_polled_total of those, found by the poll rather than a "
	    "notification\n"
	    "# TYPE hearth_node_events_polled_total counter\n"
	    "hearth_node_events_polled_total %llu\n"
	    "# HELP hearth_node_events_malformed_total events this build could not read\n"
	    "# TYPE hearth_node_events_malformed_total counter\n"
	    "hearth_node_events_malformed_total %llu\n"
	    "# HELP hearth_node_listen_up whether the LISTEN connection to PostgreSQL is up\n"
	    "# TYPE hearth_node_listen_up gauge\n"
	    "hearth_node_listen_up %d\n",
	    (unsigned long long)x->applied, (unsigned long long)x->polls_found,
	    (unsigned long long)x->malformed, x->listening ? 1 : 0);
}
