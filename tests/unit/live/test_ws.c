/* Unit tests of the client protocol's dispatch (live/ws*.c) without
 * libwebsockets: JSON messages go to sig_ws_dispatch() on connections
 * whose transport is a fake that keeps what would be sent, on a real store
 * in a temporary directory. docs/protocol.md names the errors. */
#include <errno.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>
#include <time.h>

#include "test_backend.h"

#include "config/cfg.h"
#include "crypto/token.h"
#include "crypto/turn.h"
#include "live/room.h"
#include "live/ws.h"
#include "live/ws_internal.h"
#include "core/clock.h"
#include "service/cluster.h"
#include "service/participant_ops.h"
#include "service/ratelimit.h"
#include "service/session_ops.h"
#include "store/store.h"

/* A connection whose transport keeps the messages and the close code. */
struct fake_conn {
	struct sig_ws_conn conn; /* first */
	GPtrArray *got;		 /* json_t * */
	int closed;		 /* close code, 0 while open */
	bool joined;
	bool gone; /* the server was told its socket closed */
};

/* The socket closes (libwebsockets tells the server once). */
static void conn_gone(struct fake_conn *c)
{
	if (c->gone)
		return;
	c->gone = true;
	sig_ws_conn_closed(&c->conn);
}

static int fake_write(struct sig_ws_conn *conn, const char *text, size_t len)
{
	struct fake_conn *c = (struct fake_conn *)conn;
	json_t *msg = json_loadb(text, len, 0, NULL);

	g_assert_nonnull(msg);
	g_ptr_array_add(c->got, msg);
	return 0;
}

static void fake_close(struct sig_ws_conn *conn, enum sig_ws_close_code code)
{
	((struct fake_conn *)conn)->closed = (int)code;
}

static void fake_joined(struct sig_ws_conn *conn)
{
	((struct fake_conn *)conn)->joined = true;
}

static const struct sig_ws_io fake_io = {
    .write = fake_write, .close = fake_close, .joined = fake_joined};

struct fixture {
	char *dir;
	struct sig_store *store;
	struct sig_ratelimit *limiter;
	struct sig_rooms *rooms;
	struct sig_ops *ops;
	struct sig_ws *ws;
	int64_t session_id;
	int64_t host_entry, client_entry;
	char host_token[CRYPTO_TOKEN_CHARS + 1], client_token[CRYPTO_TOKEN_CHARS + 1];
	struct fake_conn conns[6];
	unsigned nconns;
};

static int64_t add_entry(struct fixture *f, enum sig_role role, bool auto_admit, char *ret_token)
{
	struct sig_roster_entry e = {.session_id = f->session_id, .role = role};
	int64_t now = (int64_t)time(NULL);

	e.display_name = g_strdup(role == SIG_ROLE_HOST ? "Dr Host" : "Robin");
	e.permissions = sig_role_default_permissions(role, SIG_PUBLISH_EVERYONE);
	e.auto_admit = auto_admit;
	g_assert_cmpint(sig_store_roster_insert(f->store, &e), ==, 0);
	g_assert_cmpint(crypto_token_new(ret_token), ==, 0);
	struct sig_invite inv = {.roster_entry_id = e.id,
				 .session_id = f->session_id,
				 .max_uses = 10,
				 .created_at = now - 60};
	crypto_sha256(ret_token, strlen(ret_token), inv.token_hash);
	g_assert_cmpint(sig_store_invite_insert(f->store, &inv), ==, 0);
	sig_roster_entry_clear(&e);
	return inv.roster_entry_id;
}

static void fixture_setup(struct fixture *f, gconstpointer data)
{
	struct sig_session s = {0};
	int64_t now = (int64_t)time(NULL);

	(void)data;
	memset(f, 0, sizeof(*f));
	f->dir = g_dir_make_tmp("hearth-ws-XXXXXX", NULL);
	g_autofree char *path = test_backend_where(f->dir, "hearth.db");
	g_assert_cmpint(test_backend_open(path, &f->store), ==, 0);
	sig_session_defaults(SIG_KIND_FAMILY, &s);
	s.title = g_strdup("Family");
	s.waiting_room = true;
	s.schedule =
	    (struct sig_schedule){.kind = SIG_SCHEDULE_ONCE, .start = now - 60, .end = now + 3600};
	s.created_at = s.updated_at = now - 120;
	g_assert_cmpint(sig_store_session_insert(f->store, &s), ==, 0);
	f->session_id = s.id;
	sig_session_clear(&s);
	f->host_entry = add_entry(f, SIG_ROLE_HOST, true, f->host_token);
	f->client_entry = add_entry(f, SIG_ROLE_CLIENT, false, f->client_token);

	f->limiter = sig_ratelimit_new(SIG_RATELIMIT_FAIL_BURST, SIG_RATELIMIT_FAIL_REFILL_MS,
				       SIG_RATELIMIT_FAIL_ADDRESSES);
	f->rooms = sig_rooms_new();
	f->ops = sig_ops_new(f->store);
	f->ws = sig_ws_new(f->store, f->limiter, f->rooms, f->ops, NULL);
}

static void fixture_teardown(struct fixture *f, gconstpointer data)
{
	(void)data;
	for (unsigned i = 0; i < f->nconns; i++) {
		conn_gone(&f->conns[i]);
		g_ptr_array_free(f->conns[i].got, TRUE);
	}
	sig_ws_free(f->ws);
	sig_ops_free(f->ops);
	sig_rooms_free(f->rooms);
	sig_ratelimit_free(f->limiter);
	sig_store_close(f->store);
	g_autofree char *path = g_build_filename(f->dir, "hearth.db", NULL);
	g_autofree char *wal = g_strconcat(path, "-wal", NULL);
	g_autofree char *shm = g_strconcat(path, "-shm", NULL);
	g_unlink(path);
	g_unlink(wal);
	g_unlink(shm);
	g_rmdir(f->dir);
	g_free(f->dir);
}

static struct fake_conn *open_conn(struct fixture *f)
{
	struct fake_conn *c = &f->conns[f->nconns++];

	g_assert_cmpuint(f->nconns, <=, G_N_ELEMENTS(f->conns));
	memset(c, 0, sizeof(*c));
	c->got = g_ptr_array_new_with_free_func((GDestroyNotify)json_decref);
	sig_ws_conn_open(&c->conn, f->ws, &fake_io, "192.0.2.7");
	return c;
}

static void send_text(struct fake_conn *c, const char *text)
{
	sig_ws_dispatch(&c->conn, text, strlen(text));
}

/* The next message c got (borrowed until c closes), NULL when none. */
static json_t *next(struct fake_conn *c, guint *cursor)
{
	return *cursor < c->got->len ? c->got->pdata[(*cursor)++] : NULL;
}

static const char *type_of(const json_t *msg)
{
	return json_string_value(json_object_get(msg, "type"));
}

static const char *error_code(const json_t *msg)
{
	return json_string_value(json_object_get(json_object_get(msg, "error"), "code"));
}

/* The last message c got is an error with code (and the request's id). */
static void assert_error(struct fake_conn *c, const char *code, json_int_t id)
{
	g_assert_cmpuint(c->got->len, >, 0);
	json_t *msg = c->got->pdata[c->got->len - 1];
	g_assert_cmpstr(type_of(msg), ==, "error");
	g_assert_cmpstr(error_code(msg), ==, code);
	if (id)
		g_assert_cmpint(json_integer_value(json_object_get(msg, "id")), ==, id);
}

static json_t *last(struct fake_conn *c)
{
	g_assert_cmpuint(c->got->len, >, 0);
	return c->got->pdata[c->got->len - 1];
}

static struct fake_conn *join(struct fixture *f, const char *token, const char *state)
{
	struct fake_conn *c = open_conn(f);
	g_autofree char *text =
	    g_strdup_printf("{\"type\":\"join\",\"id\":1,\"v\":1,\"token\":\"%s\"}", token);

	send_text(c, text);
	json_t *ok = c->got->pdata[0];
	g_assert_cmpstr(type_of(ok), ==, "join.ok");
	g_assert_cmpstr(json_string_value(json_object_get(ok, "state")), ==, state);
	/* Admitted: who is here, and the active speaker (nobody spoke yet). */
	if (strcmp(state, "admitted") == 0)
		g_assert_true(json_is_null(json_object_get(ok, "speaker")));
	else
		g_assert_null(json_object_get(ok, "speaker"));
	g_assert_true(c->joined);
	return c;
}

/* TURN: the join answer's ice_servers carry a credential of the seat id
 * (never a name), renewed by the tick before it expires, also for someone
 * still waiting (who will need it once admitted). */
static void test_turn_credentials(struct fixture *f, gconstpointer data)
{
	g_autoptr(GPtrArray) errors = g_ptr_array_new_with_free_func(g_free);
	const char *secret = "north-wind-4f1c2a9e";
	char expect[CRYPTO_TURN_PASSWORD_CHARS + 1];
	struct cfg cfg;

	(void)data;
	/* Without TURN: an empty list, and the tick sends nothing. */
	struct fake_conn *host = join(f, f->host_token, "admitted");
	g_assert_cmpuint(json_array_size(json_object_get(host->got->pdata[0], "ice_servers")), ==,
			 0);

	cfg_init(&cfg);
	g_assert_cmpint(
	    cfg_set_override(&cfg, "turn.servers=turns:192.0.2.9:443, turn:192.0.2.9", errors), ==,
	    0);
	g_assert_cmpint(cfg_set_override(&cfg, "turn.secret=north-wind-4f1c2a9e", errors), ==, 0);
	g_assert_cmpint(cfg_set_override(&cfg, "turn.ttl=300", errors), ==, 0);
	g_assert_cmpint(cfg_resolve(&cfg, errors), ==, 0);
	sig_ws_use_turn(f->ws, &cfg);
	cfg_clear(&cfg);

	int64_t before = (int64_t)time(NULL);
	struct fake_conn *client = join(f, f->client_token, "waiting");
	json_t *servers = json_object_get(client->got->pdata[0], "ice_servers");
	g_assert_cmpuint(json_array_size(servers), ==, 1);
	json_t *server = json_array_get(servers, 0);
	json_t *urls = json_object_get(server, "urls");
	g_assert_cmpuint(json_array_size(urls), ==, 2);
	g_assert_cmpstr(json_string_value(json_array_get(urls, 0)), ==, "turns:192.0.2.9:443");
	const char *username = json_string_value(json_object_get(server, "username"));
	const char *participant = json_string_value(
	    json_object_get(json_object_get(client->got->pdata[0], "you"), "participant_id"));
	char *colon = strchr(username, ':');
	g_assert_nonnull(colon);
	g_assert_cmpstr(colon + 1, ==, participant);
	int64_t expires = g_ascii_strtoll(username, NULL, 10);
	g_assert_cmpint(expires, >=, before + 300);
	g_assert_cmpint(expires, <=, (int64_t)time(NULL) + 300);
	g_assert_null(strstr(username, "Robin"));
	g_assert_cmpint(crypto_turn_password(secret, strlen(secret), username, expect), ==, 0);
	g_assert_cmpstr(json_string_value(json_object_get(server, "credential")), ==, expect);

	/* Not due yet: nothing. In the last fifth: fresh ones, once. */
	guint n = client->got->len;
	sig_ws_tick(f->ws, expires - 100);
	g_assert_cmpuint(client->got->len, ==, n);
	sig_ws_tick(f->ws, expires - 59);
	g_assert_cmpuint(client->got->len, ==, n + 1);
	json_t *fresh = last(client);
	g_assert_cmpstr(type_of(fresh), ==, "ice.servers");
	const char *renewed = json_string_value(
	    json_object_get(json_array_get(json_object_get(fresh, "ice_servers"), 0), "username"));
	g_assert_cmpstr(strchr(renewed, ':') + 1, ==, participant);
	g_assert_cmpint(g_ascii_strtoll(renewed, NULL, 10), ==, expires - 59 + 300);
	sig_ws_tick(f->ws, expires - 59);
	g_assert_cmpuint(client->got->len, ==, n + 1);
	/* The host joined before TURN was configured: never given any, never
	 * renewed. */
	g_assert_cmpstr(type_of(last(host)), !=, "ice.servers");
}

static void test_before_join(struct fixture *f, gconstpointer data)
{
	struct fake_conn *c = open_conn(f);

	(void)data;
	send_text(c, "{\"type\":\"nope\",\"id\":1}");
	assert_error(c, "unknown_type", 1);
	send_text(c, "{\"type\":\"leave\",\"id\":2}");
	assert_error(c, "not_joined", 2);
	send_text(c, "{\"type\":\"chat\",\"id\":3,\"text\":\"hi\"}");
	assert_error(c, "not_joined", 3);
	send_text(c, "[1,2]");
	assert_error(c, "bad_message", 0);
	send_text(c, "{\"type\":\"ping\",\"id\":0}");
	assert_error(c, "bad_message", 0);
	send_text(c, "{\"type\":\"ping\",\"id\":4}");
	g_assert_cmpstr(type_of(last(c)), ==, "pong");
	g_assert_cmpint(json_integer_value(json_object_get(last(c), "id")), ==, 4);
	send_text(c, "{\"type\":\"join\",\"id\":5,\"v\":2,\"token\":\"x\"}");
	assert_error(c, "unsupported_version", 5);
	g_assert_cmpint(c->closed, ==, SIG_WS_CLOSE_POLICY);
}

static void test_unknown_token(struct fixture *f, gconstpointer data)
{
	struct fake_conn *c = open_conn(f);

	(void)data;
	send_text(c, "{\"type\":\"join\",\"id\":1,\"v\":1,\"token\":\"not-a-token\"}");
	assert_error(c, "invite_unknown", 1);
	g_assert_cmpint(c->closed, ==, SIG_WS_CLOSE_POLICY);
	g_assert_false(c->joined);
}

static void test_rate_limit(struct fixture *f, gconstpointer data)
{
	struct fake_conn *c = open_conn(f);

	(void)data;
	/* Hints have their own limit (live/media.c) and use up none of this. */
	for (int i = 0; i < 2 * SIG_WS_RATE_MAX; i++) {
		send_text(c, "{\"type\":\"subscribe.hint\",\"streams\":[]}");
		assert_error(c, "not_joined", 0);
	}
	for (int i = 0; i < SIG_WS_RATE_MAX; i++)
		send_text(c, "{\"type\":\"ping\"}");
	g_assert_cmpstr(type_of(last(c)), ==, "pong");
	send_text(c, "{\"type\":\"ping\"}");
	assert_error(c, "rate_limited", 0);
}

/* The waiting room: who may send what, and what a host's decisions do. */
static void test_waiting_room(struct fixture *f, gconstpointer data)
{
	(void)data;
	struct fake_conn *host = join(f, f->host_token, "admitted");
	struct fake_conn *client = join(f, f->client_token, "waiting");
	guint hc = 1;

	json_t *added = next(host, &hc);
	g_assert_cmpstr(type_of(added), ==, "waiting.added");
	const char *pid = json_string_value(
	    json_object_get(json_object_get(added, "participant"), "participant_id"));
	g_autofree char *client_id = g_strdup(pid);

	/* Someone waiting may not speak or moderate, and relays no media
	 * here. */
	send_text(client, "{\"type\":\"chat\",\"id\":2,\"text\":\"hello\"}");
	assert_error(client, "waiting", 2);
	send_text(client, "{\"type\":\"publish\",\"id\":3,\"sdp\":\"v=0\"}");
	assert_error(client, "waiting", 3);
	send_text(client, "{\"type\":\"end\",\"id\":4}");
	assert_error(client, "forbidden", 4);
	send_text(client, "{\"type\":\"join\",\"id\":5,\"v\":1,\"token\":\"x\"}");
	assert_error(client, "already_joined", 5);

	/* The host admits the client, who then hears who is here. */
	g_autofree char *admit =
	    g_strdup_printf("{\"type\":\"admit\",\"id\":2,\"participant_id\":\"%s\"}", client_id);
	send_text(host, admit);
	g_assert_cmpstr(type_of(next(host, &hc)), ==, "admit.ok");
	g_assert_cmpstr(type_of(last(client)), ==, "admitted");
	g_assert_true(json_is_null(json_object_get(last(client), "speaker")));
	send_text(client, "{\"type\":\"end\",\"id\":6}");
	assert_error(client, "forbidden", 6);
	send_text(client, "{\"type\":\"publish\",\"id\":7,\"sdp\":\"v=0\"}");
	assert_error(client, "unknown_type", 7); /* this service relays no media */
	send_text(client, "{\"type\":\"chat\",\"id\":8}");
	assert_error(client, "bad_message", 8);

	/* A host ends the session: its own "end.ok" comes before it is told
	 * the session ended, and everyone is disconnected. */
	send_text(host, "{\"type\":\"end\",\"id\":3}");
	g_assert_cmpstr(type_of(last(host)), ==, "session.ended");
	g_assert_cmpstr(type_of(last(client)), ==, "session.ended");
	g_assert_cmpint(host->closed, ==, SIG_WS_CLOSE_NORMAL);
	g_assert_cmpint(client->closed, ==, SIG_WS_CLOSE_NORMAL);
	g_assert_cmpuint(sig_rooms_count(f->rooms, f->session_id), ==, 0);
	/* "end.ok" came, and came before "session.ended". */
	bool end_ok = false;
	for (guint i = 0; i < host->got->len; i++) {
		const char *t = type_of(host->got->pdata[i]);
		if (g_strcmp0(t, "end.ok") == 0)
			end_ok = true;
		if (g_strcmp0(t, "session.ended") == 0)
			g_assert_true(end_ok);
	}
	g_assert_true(end_ok);
}

/* A host's "end" in a weekly session ends today's occurrence only: the
 * series stays, and nobody gets back in until the next one opens. */
static void test_end_weekly_occurrence(struct fixture *f, gconstpointer data)
{
	struct sig_session s = {0};
	int64_t now = (int64_t)time(NULL);

	(void)data;
	g_assert_cmpint(sig_store_session_get(f->store, f->session_id, &s), ==, 0);
	/* Every day, starting a minute ago (UTC), for an hour. */
	s.schedule = (struct sig_schedule){.kind = SIG_SCHEDULE_WEEKLY,
					   .weekdays = 0x7f,
					   .start_minute = (int)((now % 86400) / 60 + 1439) % 1440,
					   .duration_minutes = 60,
					   .time_zone = "UTC",
					   .grace_before_minutes = 15,
					   .grace_after_minutes = 15};
	g_assert_cmpint(sig_store_session_update(f->store, &s), ==, 0);
	sig_session_clear(&s);
	struct fake_conn *host = join(f, f->host_token, "admitted");
	send_text(host, "{\"type\":\"end\",\"id\":3}");
	g_assert_cmpstr(type_of(last(host)), ==, "session.ended");
	g_assert_cmpint(host->closed, ==, SIG_WS_CLOSE_NORMAL);
	g_assert_cmpint(sig_store_session_get(f->store, f->session_id, &s), ==, 0);
	g_assert_cmpint(s.ended_at, ==, 0);
	sig_session_clear(&s);

	struct fake_conn *again = open_conn(f);
	g_autofree char *text =
	    g_strdup_printf("{\"type\":\"join\",\"id\":4,\"v\":1,\"token\":\"%s\"}", f->host_token);
	send_text(again, text);
	assert_error(again, "occurrence_ended", 4);
	g_assert_true(
	    json_is_string(json_object_get(json_object_get(last(again), "error"), "opens_at")));
	g_assert_cmpint(again->closed, ==, SIG_WS_CLOSE_POLICY);
}

/* An operation from elsewhere (the admin API) disconnects at once. */
static void test_removed_by_operation(struct fixture *f, gconstpointer data)
{
	(void)data;
	struct fake_conn *host = join(f, f->host_token, "admitted");
	struct fake_conn *client = join(f, f->client_token, "waiting");

	g_assert_cmpint(sig_ops_remove_entry(f->ops, f->session_id, f->client_entry, "admin-socket",
					     (int64_t)time(NULL), NULL),
			==, 0);
	json_t *bye = last(client);
	g_assert_cmpstr(type_of(bye), ==, "bye");
	g_assert_cmpstr(json_string_value(json_object_get(bye, "reason")), ==, "removed");
	g_assert_cmpint(client->closed, ==, SIG_WS_CLOSE_NORMAL);
	g_assert_cmpstr(type_of(last(host)), ==, "waiting.removed");
	g_assert_cmpint(host->closed, ==, 0);
	/* The link no longer works. */
	struct fake_conn *again = open_conn(f);
	g_autofree char *text = g_strdup_printf(
	    "{\"type\":\"join\",\"id\":1,\"v\":1,\"token\":\"%s\"}", f->client_token);
	send_text(again, text);
	assert_error(again, "invite_revoked", 1);
}

/* The resume token the join or resume answer msg carried (a copy). */
static char *token_of(const json_t *msg)
{
	return g_strdup(json_string_value(json_object_get(msg, "resume_token")));
}

static int invite_uses(struct fixture *f, int64_t entry)
{
	g_autoptr(GArray) rows = g_array_new(FALSE, TRUE, sizeof(struct sig_invite));

	g_assert_cmpint(sig_store_invite_list(f->store, f->session_id, entry, 0, 10, rows), ==, 0);
	g_assert_cmpuint(rows->len, ==, 1);
	return g_array_index(rows, struct sig_invite, 0).uses;
}

/* A restart drops no call: SIGTERM drains (everyone told, sockets closed
 * with 1012, joins refused), the seats stay stored, and the next process
 * (a new service on the same store) takes resumes without the waiting room
 * or an invite use, with the host's mute kept and the media to be
 * negotiated anew. A seat that expired meanwhile does not come back. */
static void test_restart_keeps_seats(struct fixture *f, gconstpointer data)
{
	(void)data;
	struct fake_conn *host = join(f, f->host_token, "admitted");
	struct fake_conn *client = join(f, f->client_token, "waiting");
	g_autofree char *client_resume = token_of(client->got->pdata[0]);
	g_autofree char *host_resume = token_of(host->got->pdata[0]);
	const char *pid = json_string_value(
	    json_object_get(json_object_get(client->got->pdata[0], "you"), "participant_id"));
	g_autofree char *client_id = g_strdup(pid);
	g_autofree char *admit =
	    g_strdup_printf("{\"type\":\"admit\",\"id\":2,\"participant_id\":\"%s\"}", client_id);
	g_autofree char *mute = g_strdup_printf(
	    "{\"type\":\"mute\",\"id\":3,\"participant_id\":\"%s\",\"kind\":\"video\","
	    "\"lock\":true}",
	    client_id);
	send_text(host, admit);
	send_text(host, mute);
	g_assert_cmpstr(type_of(last(host)), ==, "participant.muted");
	g_assert_cmpint(invite_uses(f, f->client_entry), ==, 1);

	/* SIGTERM: told, closed, no more joins. */
	sig_ws_drain(f->ws, 1000);
	g_assert_cmpstr(type_of(last(host)), ==, "server.restarting");
	g_assert_cmpint(json_integer_value(json_object_get(last(client), "retry_after_ms")), ==,
			1000);
	g_assert_cmpint(host->closed, ==, SIG_WS_CLOSE_RESTART);
	g_assert_cmpint(client->closed, ==, SIG_WS_CLOSE_RESTART);
	g_assert_cmpuint(sig_ws_connected(f->ws), ==, 2);
	conn_gone(host);
	conn_gone(client);
	g_assert_cmpuint(sig_ws_connected(f->ws), ==, 0);
	struct fake_conn *late = open_conn(f);
	g_autofree char *text = g_strdup_printf(
	    "{\"type\":\"join\",\"id\":1,\"v\":1,\"token\":\"%s\"}", f->client_token);
	send_text(late, text);
	assert_error(late, "server_restarting", 1);
	g_assert_cmpint(late->closed, ==, SIG_WS_CLOSE_RESTART);

	/* The process ends (its sockets gone with it); the next one starts
	 * on the same store. */
	conn_gone(late);
	f->ws = sig_ws_free(f->ws);
	f->rooms = sig_rooms_free(f->rooms);
	f->rooms = sig_rooms_new();
	f->ws = sig_ws_new(f->store, f->limiter, f->rooms, f->ops, NULL);
	g_assert_cmpint(sig_ws_restore_seats(f->ws, (int64_t)time(NULL)), ==, 2);
	g_assert_cmpuint(sig_rooms_count(f->rooms, f->session_id), ==, 2);

	struct fake_conn *back = open_conn(f);
	g_autofree char *resume = g_strdup_printf(
	    "{\"type\":\"resume\",\"id\":1,\"resume_token\":\"%s\"}", client_resume);
	send_text(back, resume);
	json_t *ok = last(back);
	g_assert_cmpstr(type_of(ok), ==, "resume.ok");
	g_assert_cmpstr(json_string_value(json_object_get(ok, "state")), ==, "admitted");
	g_assert_true(json_is_true(json_object_get(ok, "renegotiate")));
	g_assert_cmpstr(
	    json_string_value(json_object_get(json_object_get(ok, "you"), "participant_id")), ==,
	    client_id);
	g_assert_cmpint(invite_uses(f, f->client_entry), ==, 1);

	struct fake_conn *host2 = open_conn(f);
	g_autofree char *resume_host =
	    g_strdup_printf("{\"type\":\"resume\",\"id\":1,\"resume_token\":\"%s\"}", host_resume);
	send_text(host2, resume_host);
	ok = host2->got->pdata[0];
	g_assert_cmpstr(type_of(ok), ==, "resume.ok");
	json_t *others = json_object_get(ok, "participants");
	g_assert_cmpuint(json_array_size(others), ==, 1);
	json_t *muted = json_object_get(json_array_get(others, 0), "muted");
	g_assert_cmpstr(json_string_value(json_array_get(muted, 0)), ==, "video");

	/* Once more: the host's seat expired while the daemon was down. */
	g_autofree char *host_resume2 = token_of(ok);
	conn_gone(back);
	conn_gone(host2);
	f->ws = sig_ws_free(f->ws);
	f->rooms = sig_rooms_free(f->rooms);
	g_autoptr(GArray) seats = g_array_new(FALSE, TRUE, sizeof(struct sig_seat));
	g_array_set_clear_func(seats, (GDestroyNotify)sig_seat_clear);
	g_assert_cmpint(sig_store_seat_list(f->store, 0, 10, seats), ==, 0);
	g_assert_cmpuint(seats->len, ==, 2);
	for (guint i = 0; i < seats->len; i++) {
		struct sig_seat *seat = &g_array_index(seats, struct sig_seat, i);
		if (seat->roster_entry_id != f->host_entry)
			continue;
		seat->expires_at = (int64_t)time(NULL) - 1;
		g_assert_cmpint(sig_store_seat_put(f->store, seat), ==, 0);
	}
	f->rooms = sig_rooms_new();
	f->ws = sig_ws_new(f->store, f->limiter, f->rooms, f->ops, NULL);
	g_assert_cmpint(sig_ws_restore_seats(f->ws, (int64_t)time(NULL)), ==, 1);
	g_array_set_size(seats, 0);
	g_assert_cmpint(sig_store_seat_list(f->store, 0, 10, seats), ==, 0);
	g_assert_cmpuint(seats->len, ==, 1);
	struct fake_conn *gone = open_conn(f);
	g_autofree char *resume_gone =
	    g_strdup_printf("{\"type\":\"resume\",\"id\":1,\"resume_token\":\"%s\"}", host_resume2);
	send_text(gone, resume_gone);
	assert_error(gone, "resume_expired", 1);
}

static bool present_yes(void *userdata, int64_t session_id)
{
	(void)userdata;
	(void)session_id;
	return true;
}

/* Two nodes on one store (docs/protocol.md, "Several nodes"): a join that
 * reaches the node not serving the session is sent to the one that does
 * (wrong_node, its URL; no invite use there); when that node dies, its
 * lease expires and the other takes the session over with its seats: the
 * host's resume works there, without a second admission. */
static void test_two_nodes(struct fixture *f, gconstpointer data)
{
	struct sig_cluster *ca =
	    sig_cluster_new(f->store, "node-a", "http://a.example", "", 1, false);
	struct sig_cluster *cb =
	    sig_cluster_new(f->store, "node-b", "http://b.example", "", 1, false);
	struct sig_rooms *rooms_b = sig_rooms_new();
	struct sig_ops *ops_b = sig_ops_new(f->store);
	struct sig_ws *ws_a = f->ws;
	struct sig_ws *ws_b = sig_ws_new(f->store, f->limiter, rooms_b, ops_b, NULL);

	(void)data;
	sig_ws_use_cluster(ws_a, ca);
	sig_ws_use_cluster(ws_b, cb);
	g_assert_cmpint(sig_cluster_beat(ca, clock_wall_ms(), 0, present_yes, NULL, NULL), ==, 0);
	g_assert_cmpint(sig_cluster_beat(cb, clock_wall_ms(), 0, present_yes, NULL, NULL), ==, 0);
	struct fake_conn *host = join(f, f->host_token, "admitted");
	g_autofree char *host_resume = token_of(host->got->pdata[0]);

	f->ws = ws_b;
	struct fake_conn *client = open_conn(f);
	g_autofree char *text = g_strdup_printf(
	    "{\"type\":\"join\",\"id\":1,\"v\":1,\"token\":\"%s\"}", f->client_token);
	send_text(client, text);
	assert_error(client, "wrong_node", 1);
	g_assert_cmpstr(
	    json_string_value(json_object_get(json_object_get(last(client), "error"), "url")), ==,
	    "http://a.example");
	g_assert_cmpint(client->closed, ==, SIG_WS_CLOSE_NORMAL);
	g_assert_cmpint(invite_uses(f, f->client_entry), ==, 0);

	/* Node a dies (no more beats); its lease ends a second later. */
	conn_gone(host);
	g_usleep(1100 * 1000);
	struct fake_conn *back = open_conn(f);
	g_autofree char *resume =
	    g_strdup_printf("{\"type\":\"resume\",\"id\":1,\"resume_token\":\"%s\"}", host_resume);
	send_text(back, resume);
	json_t *ok = last(back);
	g_assert_cmpstr(type_of(ok), ==, "resume.ok");
	g_assert_cmpstr(json_string_value(json_object_get(ok, "state")), ==, "admitted");
	g_assert_true(json_is_true(json_object_get(ok, "renegotiate")));
	g_assert_cmpuint(sig_rooms_count(rooms_b, f->session_id), ==, 1);
	/* Node a learns (at its next beat that works) that b took it over: its
	 * memory of the host goes, with no departure: the seat stays, b's. */
	g_assert_cmpuint(sig_rooms_count(f->rooms, f->session_id), ==, 1);
	sig_ws_session_moved(ws_a, f->session_id);
	g_assert_cmpuint(sig_rooms_count(f->rooms, f->session_id), ==, 0);
	g_autoptr(GArray) seats = g_array_new(FALSE, TRUE, sizeof(struct sig_seat));
	g_array_set_clear_func(seats, (GDestroyNotify)sig_seat_clear);
	g_assert_cmpint(sig_store_seat_list_session(f->store, f->session_id, 0, 10, seats), ==, 0);
	g_assert_cmpuint(seats->len, ==, 1);

	conn_gone(client);
	conn_gone(back);
	f->ws = ws_a;
	sig_ws_free(ws_b);
	sig_ops_free(ops_b);
	sig_rooms_free(rooms_b);
	sig_cluster_free(ca);
	sig_cluster_free(cb);
}

/* /metrics: joins by outcome (the answer's state, or the code that refused
 * it) and WebSocket connections open. */
static void test_join_counts(struct fixture *f, gconstpointer data)
{
	struct sig_ws_stats st;

	(void)data;
	struct fake_conn *host = join(f, f->host_token, "admitted");
	join(f, f->client_token, "waiting");
	struct fake_conn *bad = open_conn(f);
	send_text(bad, "{\"type\":\"join\",\"id\":1,\"v\":1,\"token\":\"not-a-token\"}");
	assert_error(bad, "invite_unknown", 1);
	send_text(host, "{\"type\":\"join\",\"id\":9,\"v\":1,\"token\":\"x\"}");
	assert_error(host, "already_joined", 9);
	struct fake_conn *old = open_conn(f);
	send_text(old, "{\"type\":\"join\",\"id\":2,\"v\":7,\"token\":\"x\"}");
	assert_error(old, "unsupported_version", 2);

	sig_ws_stats(f->ws, &st);
	g_assert_cmpuint(st.connections_open, ==, 4);
	g_assert_cmpuint(st.joins[sig_join_outcome_of("ok")], ==, 1);
	g_assert_cmpuint(st.joins[sig_join_outcome_of("waiting")], ==, 1);
	g_assert_cmpuint(st.joins[sig_join_outcome_of("invite_unknown")], ==, 1);
	g_assert_cmpuint(st.joins[sig_join_outcome_of("already_joined")], ==, 1);
	g_assert_cmpuint(st.joins[sig_join_outcome_of("unsupported_version")], ==, 1);
	g_assert_cmpuint(st.joins[sig_join_outcome_of("session_full")], ==, 0);
	/* A code the list does not know is "other", never a new label. */
	g_assert_cmpstr(sig_join_outcome_name(sig_join_outcome_of("draining")), ==, "other");
	g_assert_cmpstr(sig_join_outcome_name(sig_join_outcome_of(NULL)), ==, "other");
	g_assert_cmpstr(sig_join_outcome_name(sig_join_outcome_of("invite_used_up")), ==,
			"invite_used_up");

	/* The last opened goes (teardown closes the others). */
	f->nconns--;
	g_assert_true(&f->conns[f->nconns] == old);
	conn_gone(old);
	g_ptr_array_free(old->got, TRUE);
	sig_ws_stats(f->ws, &st);
	g_assert_cmpuint(st.connections_open, ==, 3);
}

/* Whether c got a message of type (since its cursor *at), moving past it. */
static bool got_type(struct fake_conn *c, guint *at, const char *type)
{
	for (json_t *msg; (msg = next(c, at));)
		if (g_strcmp0(type_of(msg), type) == 0)
			return true;
	return false;
}

/* Back to the waiting room, by a host and by the operation the admin API
 * calls: the person hears "waiting" and nothing more of the session, the
 * others a departure, the hosts see it waiting; admitted again it gets who
 * is present; the list the admin API shows follows. */
static void test_back_to_waiting(struct fixture *f, gconstpointer data)
{
	char dana_token[CRYPTO_TOKEN_CHARS + 1];
	int64_t sid = f->session_id;

	(void)data;
	add_entry(f, SIG_ROLE_FAMILY, true, dana_token);
	struct fake_conn *host = join(f, f->host_token, "admitted");
	struct fake_conn *dana = join(f, dana_token, "admitted");
	struct fake_conn *client = join(f, f->client_token, "waiting");
	g_autofree char *client_id = g_strdup(json_string_value(
	    json_object_get(json_object_get(client->got->pdata[0], "you"), "participant_id")));
	g_autofree char *host_id = g_strdup(json_string_value(
	    json_object_get(json_object_get(host->got->pdata[0], "you"), "participant_id")));
	g_assert_cmpint(sig_ops_admit(f->ops, sid, client_id, "admin-socket"), ==, 0);
	g_assert_cmpstr(type_of(last(client)), ==, "admitted");

	guint hc = host->got->len, dc = dana->got->len, cc = client->got->len;
	g_autofree char *req = g_strdup_printf(
	    "{\"type\":\"to_waiting\",\"id\":5,\"participant_id\":\"%s\"}", client_id);
	send_text(host, req);
	g_assert_cmpstr(type_of(next(host, &hc)), ==, "to_waiting.ok");
	g_assert_true(got_type(host, &hc, "participant.left"));
	json_t *added = next(host, &hc);
	g_assert_cmpstr(type_of(added), ==, "waiting.added");
	g_assert_cmpstr(json_string_value(json_object_get(json_object_get(added, "participant"),
							  "participant_id")),
			==, client_id);
	g_assert_true(got_type(dana, &dc, "participant.left"));
	g_assert_null(next(dana, &dc)); /* only hosts hear who waits */
	json_t *waiting = next(client, &cc);
	g_assert_cmpstr(type_of(waiting), ==, "waiting");
	g_assert_cmpstr(json_string_value(json_object_get(waiting, "reason")), ==, "host");
	g_assert_null(next(client, &cc));

	/* Waiting again: no chat, no media, nothing of the others. */
	send_text(client, "{\"type\":\"chat\",\"id\":2,\"text\":\"hi\"}");
	assert_error(client, "waiting", 2);
	cc = client->got->len;
	send_text(dana, "{\"type\":\"chat\",\"id\":2,\"text\":\"hello\"}");
	g_assert_null(next(client, &cc));

	/* Refusals: twice, oneself, someone who may not moderate. */
	send_text(host, req);
	assert_error(host, "already_waiting", 5);
	g_autofree char *self = g_strdup_printf(
	    "{\"type\":\"to_waiting\",\"id\":6,\"participant_id\":\"%s\"}", host_id);
	send_text(host, self);
	assert_error(host, "bad_message", 6);
	send_text(dana, self);
	assert_error(dana, "forbidden", 6);
	g_assert_cmpint(sig_ops_to_waiting(f->ops, sid, client_id, "admin-socket"), ==, -EALREADY);
	g_assert_cmpint(sig_ops_to_waiting(f->ops, sid + 1, host_id, "admin-socket"), ==, -ENOENT);

	/* The admin API's view. */
	json_t *list = sig_ops_participants(f->ops, sid), *p;
	size_t i;
	g_assert_cmpuint(json_array_size(list), ==, 3);
	json_array_foreach(list, i, p)
	{
		bool is_client =
		    strcmp(json_string_value(json_object_get(p, "participant_id")), client_id) == 0;
		g_assert_cmpstr(json_string_value(json_object_get(p, "state")), ==,
				is_client ? "waiting" : "admitted");
		g_assert_true(json_is_true(json_object_get(p, "connected")));
		g_assert_true(json_is_string(json_object_get(p, "joined_at")));
	}
	json_decref(list);

	/* Admitted again by the host: who is present, and the others told. */
	dc = dana->got->len;
	g_autofree char *admit =
	    g_strdup_printf("{\"type\":\"admit\",\"id\":7,\"participant_id\":\"%s\"}", client_id);
	send_text(host, admit);
	g_assert_cmpstr(type_of(last(client)), ==, "admitted");
	g_assert_cmpuint(json_array_size(json_object_get(last(client), "participants")), ==, 2);
	g_assert_true(got_type(dana, &dc, "participant.joined"));

	/* Muted by the API's operation: everyone admitted hears it, locked. */
	g_assert_cmpint(sig_ops_mute(f->ops, sid, client_id, SIG_OPS_MUTE_VIDEO, true, "x"), ==, 0);
	g_assert_cmpstr(type_of(last(dana)), ==, "participant.muted");
	g_assert_true(json_is_true(json_object_get(last(client), "locked")));
	send_text(client, "{\"type\":\"unmute\",\"id\":9,\"kind\":\"video\"}");
	assert_error(client, "locked", 9);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
#define ADD(name, fn) g_test_add(name, struct fixture, NULL, fixture_setup, fn, fixture_teardown)
	ADD("/live/ws/turn-credentials", test_turn_credentials);
	ADD("/live/ws/before-join", test_before_join);
	ADD("/live/ws/unknown-token", test_unknown_token);
	ADD("/live/ws/rate-limit", test_rate_limit);
	ADD("/live/ws/waiting-room", test_waiting_room);
	ADD("/live/ws/removed-by-operation", test_removed_by_operation);
	ADD("/live/ws/restart-keeps-seats", test_restart_keeps_seats);
	ADD("/live/ws/end-weekly-occurrence", test_end_weekly_occurrence);
	ADD("/live/ws/join-counts", test_join_counts);
	ADD("/live/ws/back-to-waiting", test_back_to_waiting);
	ADD("/live/ws/two-nodes", test_two_nodes);
	return g_test_run();
}
