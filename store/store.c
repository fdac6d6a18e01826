/* store.h's front: sig_store_open() picks the backend by what it is given
 * (a PostgreSQL URL or a SQLite file's path), and every other call goes to
 * that backend's table (backend.h). Also what no backend does its own
 * way: the row structs' clear functions and the outbox's cap. */
#include "store/backend.h"

#include <errno.h>
#include <string.h>

int sig_store_schema_version(void)
{
	return STORE_SCHEMA_VERSION;
}

int sig_store_open_with(const char *where, const char *password, struct sig_store **ret_store)
{
	g_assert(where && ret_store);
	if (sig_store_is_url(where))
		return pg_store_open(where, password, ret_store);
	return sqlite_store_open(where, ret_store);
}

int sig_store_open(const char *where, struct sig_store **ret_store)
{
	return sig_store_open_with(where, NULL, ret_store);
}

struct sig_store *sig_store_close(struct sig_store *store)
{
	if (store)
		store->backend->close(store);
	return NULL;
}

const char *sig_store_backend_name(const struct sig_store *store)
{
	return store->backend->name;
}

void sig_store_rollback(struct sig_store *store)
{
	store->backend->rollback(store);
}

/* Each forwarded call: sig_store_<name>(...) calls the backend's <name>. */
#define STORE_OP_FORWARD(ret, name, params, args)                                                  \
	ret sig_store_##name params                                                                \
	{                                                                                          \
		return store->backend->name args;                                                  \
	}
STORE_OPS(STORE_OP_FORWARD)
#undef STORE_OP_FORWARD

int sig_store_audit_append(struct sig_store *store, struct sig_audit_event *event)
{
	return sig_store_audit_append_with(store, event, NULL);
}

void sig_store_outbox_limit(struct sig_store *store, int max_rows)
{
	store->outbox_max = max_rows > 0 ? max_rows : 0;
}

bool sig_store_outbox_on(const struct sig_store *store)
{
	return store->outbox_max > 0;
}

uint64_t sig_store_outbox_dropped(const struct sig_store *store)
{
	return store->outbox_dropped;
}

void sig_seat_clear(struct sig_seat *seat)
{
	if (seat) {
		g_free(seat->display_name);
		seat->display_name = NULL;
	}
}

void sig_node_clear(struct sig_node *node)
{
	if (!node)
		return;
	g_free(node->public_url);
	g_free(node->media);
	node->public_url = node->media = NULL;
}

void sig_lease_clear(struct sig_lease *lease)
{
	if (!lease)
		return;
	g_free(lease->public_url);
	lease->public_url = NULL;
}

void sig_outbox_row_clear(struct sig_outbox_row *row)
{
	if (!row)
		return;
	g_free(row->delivery_id);
	g_free(row->event);
	g_free(row->body);
	memset(row, 0, sizeof(*row));
}

void sig_idempotent_answer_clear(struct sig_idempotent_answer *answer)
{
	if (!answer)
		return;
	g_free(answer->sealed);
	answer->sealed = NULL;
	answer->sealed_len = 0;
}
