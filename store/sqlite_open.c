/* Opening the SQLite database: the file, the connection's settings (WAL,
 * foreign keys, synchronous), the schema and its migrations, and the SQL
 * of every statement, prepared once here (see sqlite_internal.h). */
#include "store/sqlite_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "core/log.h"
#include "model/metadata.h"

/* The CHECK constraints of migration 1 spell these limits out; a change
 * needs a migration, not just a new constant. */
G_STATIC_ASSERT(SIG_TITLE_MAX == 200);
G_STATIC_ASSERT(SIG_DISPLAY_NAME_MAX == 100);
G_STATIC_ASSERT(SIG_CAPACITY_MAX == 500);
G_STATIC_ASSERT(SIG_INVITE_USES_MAX == 1000);
G_STATIC_ASSERT(SIG_PERM_ALL == 31);
G_STATIC_ASSERT(CRYPTO_SHA256_BYTES == 32);
G_STATIC_ASSERT(STORE_AUDIT_ACTOR_MAX == 128 && STORE_AUDIT_DETAIL_MAX == 4096);
G_STATIC_ASSERT(SIG_EXTERNAL_ID_MAX == 128 && SIG_METADATA_MAX == 2048);
G_STATIC_ASSERT(SIG_STORE_IDEMPOTENCY_SEALED_MAX == 16412);

/* Append only: never edit a migration that has shipped. Rebuilding a table
 * in a later migration needs foreign_keys off around it (see "ALTER TABLE"
 * in the SQLite documentation). */
static const char *const migrations[] = {
    /* 1: sessions, rosters, invites, the audit log. */
    "CREATE TABLE sessions ("
    " id INTEGER PRIMARY KEY,"
    " kind TEXT NOT NULL"
    "  CHECK (kind IN ('individual', 'couples', 'family', 'group', 'workshop')),"
    " title TEXT NOT NULL CHECK (length(CAST(title AS BLOB)) BETWEEN 1 AND 200),"
    " capacity INTEGER NOT NULL CHECK (capacity BETWEEN 1 AND 500),"
    " waiting_room INTEGER NOT NULL CHECK (waiting_room IN (0, 1)),"
    " publish_policy TEXT NOT NULL CHECK (publish_policy IN ('everyone', 'hosts')),"
    " schedule TEXT NOT NULL"
    "  CHECK (length(CAST(schedule AS BLOB)) <= 2048 AND json_valid(schedule)),"
    " ended_at INTEGER NOT NULL CHECK (ended_at >= 0),"
    " created_at INTEGER NOT NULL,"
    " updated_at INTEGER NOT NULL"
    ") STRICT;"
    /* UNIQUE (session_id, id) indexes rosters by session and is the
     * parent key that ties an invite to an entry of its own session. */
    "CREATE TABLE roster_entries ("
    " id INTEGER PRIMARY KEY,"
    " session_id INTEGER NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,"
    " display_name TEXT NOT NULL"
    "  CHECK (length(CAST(display_name AS BLOB)) BETWEEN 1 AND 100),"
    " role TEXT NOT NULL CHECK (role IN"
    "  ('host', 'cohost', 'client', 'partner', 'family', 'peer', 'viewer')),"
    " permissions INTEGER NOT NULL CHECK (permissions BETWEEN 0 AND 31),"
    " auto_admit INTEGER NOT NULL CHECK (auto_admit IN (0, 1)),"
    " removed_at INTEGER NOT NULL CHECK (removed_at >= 0),"
    " created_at INTEGER NOT NULL,"
    " updated_at INTEGER NOT NULL,"
    " UNIQUE (session_id, id)"
    ") STRICT;"
    "CREATE TABLE invites ("
    " id INTEGER PRIMARY KEY,"
    " roster_entry_id INTEGER NOT NULL,"
    " session_id INTEGER NOT NULL,"
    " token_hash BLOB NOT NULL UNIQUE CHECK (length(token_hash) = 32),"
    " max_uses INTEGER NOT NULL CHECK (max_uses BETWEEN 1 AND 1000),"
    " uses INTEGER NOT NULL CHECK (uses >= 0),"
    " created_at INTEGER NOT NULL,"
    " revoked_at INTEGER NOT NULL CHECK (revoked_at >= 0),"
    " last_used_at INTEGER NOT NULL CHECK (last_used_at >= 0),"
    " FOREIGN KEY (session_id, roster_entry_id)"
    "  REFERENCES roster_entries (session_id, id) ON DELETE CASCADE"
    ") STRICT;"
    "CREATE INDEX invites_by_session ON invites (session_id, id);"
    "CREATE INDEX invites_by_entry ON invites (session_id, roster_entry_id, id);"
    /* No foreign keys: audit rows outlive what they name. The kind is
     * checked for shape only, so that a new kind needs no table rebuild. */
    "CREATE TABLE audit ("
    " id INTEGER PRIMARY KEY,"
    " at_ms INTEGER NOT NULL,"
    " kind TEXT NOT NULL"
    "  CHECK (length(kind) BETWEEN 1 AND 32 AND NOT kind GLOB '*[^a-z_]*'),"
    " session_id INTEGER NOT NULL CHECK (session_id >= 0),"
    " roster_entry_id INTEGER NOT NULL CHECK (roster_entry_id >= 0),"
    " invite_id INTEGER NOT NULL CHECK (invite_id >= 0),"
    " actor TEXT NOT NULL CHECK (length(CAST(actor AS BLOB)) BETWEEN 1 AND 128),"
    " detail TEXT NOT NULL"
    "  CHECK (length(CAST(detail AS BLOB)) <= 4096 AND json_valid(detail)),"
    " prev_hash BLOB NOT NULL CHECK (length(prev_hash) = 32),"
    " hash BLOB NOT NULL CHECK (length(hash) = 32)"
    ") STRICT;"
    "CREATE INDEX audit_by_session ON audit (session_id, id);"
    "CREATE TABLE audit_head ("
    " id INTEGER PRIMARY KEY CHECK (id = 1),"
    " last_id INTEGER NOT NULL CHECK (last_id >= 0),"
    " last_hash BLOB NOT NULL CHECK (length(last_hash) = 32)"
    ") STRICT;"
    "INSERT INTO audit_head (id, last_id, last_hash) VALUES (1, 0, zeroblob(32));"
    "CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit"
    " BEGIN SELECT RAISE(ABORT, 'audit rows are append-only'); END;"
    "CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit"
    " BEGIN SELECT RAISE(ABORT, 'audit rows are append-only'); END;"
    "CREATE TRIGGER audit_head_no_delete BEFORE DELETE ON audit_head"
    " BEGIN SELECT RAISE(ABORT, 'the audit head is permanent'); END;",
    /* 2: whether participants may choose the name others see (issue 6);
     * existing sessions keep their roster names. */
    "ALTER TABLE sessions ADD COLUMN names_editable INTEGER NOT NULL DEFAULT 0"
    " CHECK (names_editable IN (0, 1));",
    /* 3: the seats of open sessions, so that a restart drops no call
     * (issue 18): the resume token only as its SHA-256. A seat goes with
     * its roster entry (and so with its session). */
    "CREATE TABLE seats ("
    " id INTEGER PRIMARY KEY,"
    " participant_id TEXT NOT NULL UNIQUE CHECK (length(participant_id) = 18),"
    " session_id INTEGER NOT NULL,"
    " roster_entry_id INTEGER NOT NULL,"
    " resume_hash BLOB NOT NULL CHECK (length(resume_hash) = 32),"
    " waiting INTEGER NOT NULL CHECK (waiting IN (0, 1)),"
    " granted INTEGER NOT NULL CHECK (granted BETWEEN 0 AND 31),"
    " muted INTEGER NOT NULL CHECK (muted BETWEEN 0 AND 3),"
    " locked INTEGER NOT NULL CHECK (locked BETWEEN 0 AND 3),"
    " display_name TEXT CHECK (display_name IS NULL OR"
    "  length(CAST(display_name AS BLOB)) BETWEEN 1 AND 100),"
    " closes_at INTEGER NOT NULL CHECK (closes_at >= 0),"
    " expires_at INTEGER NOT NULL CHECK (expires_at >= 0),"
    " FOREIGN KEY (session_id, roster_entry_id)"
    "  REFERENCES roster_entries (session_id, id) ON DELETE CASCADE"
    ") STRICT;"
    "CREATE INDEX seats_by_entry ON seats (session_id, roster_entry_id);",
    /* 4: the scheduling system's own labels on sessions and roster entries
     * (model/metadata.h), and the admin API's idempotent answers, sealed
     * (admin/api_idempotency.c): lookup and request_mac are HMACs, response
     * is AES-256-GCM under a key derived from the caller's idempotency key
     * and API key, none of which is stored. */
    "ALTER TABLE sessions ADD COLUMN external_id TEXT"
    " CHECK (external_id IS NULL OR length(CAST(external_id AS BLOB)) BETWEEN 1 AND 128);"
    "ALTER TABLE sessions ADD COLUMN metadata TEXT CHECK (metadata IS NULL OR"
    " (length(CAST(metadata AS BLOB)) <= 2048 AND json_valid(metadata)"
    "  AND json_type(metadata) = 'object'));"
    "ALTER TABLE roster_entries ADD COLUMN external_id TEXT"
    " CHECK (external_id IS NULL OR length(CAST(external_id AS BLOB)) BETWEEN 1 AND 128);"
    "ALTER TABLE roster_entries ADD COLUMN metadata TEXT CHECK (metadata IS NULL OR"
    " (length(CAST(metadata AS BLOB)) <= 2048 AND json_valid(metadata)"
    "  AND json_type(metadata) = 'object'));"
    "CREATE INDEX sessions_by_external_id ON sessions (external_id, id)"
    " WHERE external_id IS NOT NULL;"
    "CREATE TABLE idempotency ("
    " lookup BLOB PRIMARY KEY CHECK (length(lookup) = 32),"
    " request_mac BLOB NOT NULL CHECK (length(request_mac) = 32),"
    " status INTEGER NOT NULL CHECK (status BETWEEN 200 AND 299),"
    " response BLOB NOT NULL CHECK (length(response) BETWEEN 28 AND 16412),"
    " created_at INTEGER NOT NULL"
    ") STRICT, WITHOUT ROWID;"
    "CREATE INDEX idempotency_by_age ON idempotency (created_at);",
    /* 5: the webhook outbox (issue 18): events to deliver, written in the
     * transaction of the audit row they come from, capped by the daemon
     * (webhooks.outbox_max), delivered rows pruned after a day; and each
     * session's place in the queue (webhook_heads: when its oldest pending
     * event is next due), so that finding the next event is one index
     * lookup however long the queue. No foreign keys: events outlive their
     * session. */
    "CREATE TABLE webhook_outbox ("
    " id INTEGER PRIMARY KEY,"
    " delivery_id TEXT NOT NULL UNIQUE CHECK (length(delivery_id) BETWEEN 1 AND 64),"
    " session_id INTEGER NOT NULL CHECK (session_id >= 0),"
    " event TEXT NOT NULL CHECK (length(event) BETWEEN 1 AND 64),"
    " body TEXT NOT NULL CHECK (length(CAST(body AS BLOB)) <= 8192 AND json_valid(body)),"
    " created_ms INTEGER NOT NULL,"
    " attempts INTEGER NOT NULL CHECK (attempts >= 0),"
    " delivered_ms INTEGER NOT NULL CHECK (delivered_ms >= 0)"
    ") STRICT;"
    "CREATE INDEX webhook_outbox_pending ON webhook_outbox (delivered_ms, session_id, id);"
    "CREATE TABLE webhook_heads ("
    " session_id INTEGER PRIMARY KEY,"
    " next_ms INTEGER NOT NULL"
    ") STRICT;"
    "CREATE INDEX webhook_heads_due ON webhook_heads (next_ms, session_id);",
    /* 6: occurrences of a session (keyed by their scheduled start): which
     * were ended by a host, when the first person joined; an invite's uses
     * are counted once per occurrence (invite_uses), and whether the
     * "nearly used up" audit row was written (issue 18). Existing invites
     * keep the uses they counted. */
    "CREATE TABLE occurrences ("
    " session_id INTEGER NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,"
    " start INTEGER NOT NULL,"
    " first_join_at INTEGER NOT NULL CHECK (first_join_at >= 0),"
    " ended_at INTEGER NOT NULL CHECK (ended_at >= 0),"
    " PRIMARY KEY (session_id, start)"
    ") STRICT, WITHOUT ROWID;"
    "CREATE TABLE invite_uses ("
    " invite_id INTEGER NOT NULL REFERENCES invites (id) ON DELETE CASCADE,"
    " occurrence_start INTEGER NOT NULL,"
    " at INTEGER NOT NULL,"
    " PRIMARY KEY (invite_id, occurrence_start)"
    ") STRICT, WITHOUT ROWID;"
    "ALTER TABLE invites ADD COLUMN low_noted_at INTEGER NOT NULL DEFAULT 0"
    " CHECK (low_noted_at >= 0);",
    /* 7: events between nodes sharing a database (service/node_event.h):
     * ids only, dated by the database's clock, pruned after a minute. One
     * node on SQLite publishes none, but the schema is the same. */
    "CREATE TABLE node_events ("
    " id INTEGER PRIMARY KEY AUTOINCREMENT,"
    " created_ms INTEGER NOT NULL,"
    " origin TEXT NOT NULL CHECK (length(origin) BETWEEN 1 AND 32),"
    " body TEXT NOT NULL CHECK (length(body) BETWEEN 1 AND 256)"
    ") STRICT;"
    "CREATE INDEX node_events_by_time ON node_events (created_ms, id);",
    /* 8: several nodes on one database (issue 19): each node's row, kept
     * fresh by its heartbeat, and the lease that homes an open occurrence
     * on one node; seats found by their resume token's hash, for a resume
     * that reaches the node that takes a session over. */
    "CREATE TABLE nodes ("
    " id TEXT PRIMARY KEY CHECK (length(id) BETWEEN 1 AND 64),"
    " public_url TEXT NOT NULL CHECK (length(public_url) BETWEEN 1 AND 512),"
    " media TEXT NOT NULL CHECK (length(media) <= 512),"
    " load INTEGER NOT NULL CHECK (load >= 0),"
    " heartbeat_ms INTEGER NOT NULL"
    ") STRICT, WITHOUT ROWID;"
    "CREATE TABLE leases ("
    " session_id INTEGER NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,"
    " occurrence_start INTEGER NOT NULL,"
    " node_id TEXT NOT NULL CHECK (length(node_id) BETWEEN 1 AND 64),"
    " expires_ms INTEGER NOT NULL,"
    " PRIMARY KEY (session_id, occurrence_start)"
    ") STRICT, WITHOUT ROWID;"
    "CREATE INDEX leases_by_node ON leases (node_id);"
    "CREATE INDEX seats_by_resume ON seats (resume_hash);",
};

#define SESSION_COLUMNS                                                                            \
	"id, kind, title, capacity, waiting_room, publish_policy, schedule, ended_at, "            \
	"created_at, updated_at, names_editable, external_id, metadata"
#define ROSTER_COLUMNS                                                                             \
	"id, session_id, display_name, role, permissions, auto_admit, removed_at, created_at, "    \
	"updated_at, external_id, metadata"
#define INVITE_COLUMNS                                                                             \
	"id, roster_entry_id, session_id, token_hash, max_uses, uses, created_at, revoked_at, "    \
	"last_used_at"
#define SEAT_COLUMNS                                                                               \
	"id, participant_id, session_id, roster_entry_id, resume_hash, waiting, granted, muted, "  \
	"locked, display_name, closes_at, expires_at"
#define OCCURRENCE_COLUMNS "session_id, start, first_join_at, ended_at"
#define AUDIT_COLUMNS                                                                              \
	"id, at_ms, kind, session_id, roster_entry_id, invite_id, actor, detail, prev_hash, hash"
#define OUTBOX_COLUMNS                                                                             \
	"id, session_id, delivery_id, event, body, created_ms, attempts, delivered_ms"

/* Parameters ?1.. are shared by each table's insert and update: the fields
 * both write come first, then what differs (insert: the keys it fixes for
 * good; update: the row id). */
const char *const store_stmt_sql[STORE_STMT_COUNT] = {
    [STORE_BEGIN] = "BEGIN IMMEDIATE",
    [STORE_BEGIN_READ] = "BEGIN DEFERRED",
    [STORE_COMMIT] = "COMMIT",
    [STORE_ROLLBACK] = "ROLLBACK",
    [STORE_SAVEPOINT] = "SAVEPOINT store_write",
    [STORE_RELEASE] = "RELEASE store_write",
    [STORE_ROLLBACK_TO] = "ROLLBACK TO store_write",

    [STORE_SESSION_INSERT] = "INSERT INTO sessions (kind, title, capacity, waiting_room, "
			     "publish_policy, schedule, ended_at, updated_at, names_editable, "
			     "created_at, external_id, metadata) "
			     "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?20, ?21)",
    [STORE_SESSION_GET] = "SELECT " SESSION_COLUMNS " FROM sessions WHERE id = ?1",
    [STORE_SESSION_UPDATE] = "UPDATE sessions SET kind = ?1, title = ?2, capacity = ?3, "
			     "waiting_room = ?4, publish_policy = ?5, schedule = ?6, "
			     "ended_at = ?7, updated_at = ?8, names_editable = ?9, "
			     "external_id = ?20, metadata = ?21 WHERE id = ?10",
    [STORE_SESSION_DELETE] = "DELETE FROM sessions WHERE id = ?1",
    [STORE_SESSION_LIST] =
	"SELECT " SESSION_COLUMNS " FROM sessions WHERE id > ?1 ORDER BY id LIMIT ?2",
    [STORE_SESSION_EXISTS] = "SELECT 1 FROM sessions WHERE id = ?1",
    [STORE_SESSION_LIST_EXTERNAL] = "SELECT " SESSION_COLUMNS " FROM sessions "
				    "WHERE external_id = ?3 AND id > ?1 ORDER BY id LIMIT ?2",

    [STORE_ROSTER_INSERT] =
	"INSERT INTO roster_entries (display_name, role, permissions, "
	"auto_admit, removed_at, updated_at, session_id, created_at, "
	"external_id, metadata) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?20, ?21)",
    [STORE_ROSTER_GET] = "SELECT " ROSTER_COLUMNS " FROM roster_entries WHERE id = ?1",
    [STORE_ROSTER_UPDATE] = "UPDATE roster_entries SET display_name = ?1, role = ?2, "
			    "permissions = ?3, auto_admit = ?4, removed_at = ?5, "
			    "updated_at = ?6, external_id = ?20, metadata = ?21 WHERE id = ?7",
    [STORE_ROSTER_DELETE] = "DELETE FROM roster_entries WHERE id = ?1",
    [STORE_ROSTER_LIST] = "SELECT " ROSTER_COLUMNS " FROM roster_entries "
			  "WHERE session_id = ?3 AND id > ?1 ORDER BY id LIMIT ?2",
    [STORE_ROSTER_COUNT] = "SELECT count(*) FROM roster_entries "
			   "WHERE session_id = ?1 AND removed_at = 0",

    [STORE_INVITE_INSERT] = "INSERT INTO invites (max_uses, uses, revoked_at, last_used_at, "
			    "roster_entry_id, session_id, token_hash, created_at) "
			    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    [STORE_INVITE_GET] = "SELECT " INVITE_COLUMNS " FROM invites WHERE id = ?1",
    [STORE_INVITE_BY_HASH] = "SELECT " INVITE_COLUMNS " FROM invites WHERE token_hash = ?1",
    /* uses (?2) is invite_use's alone: counted in the database. */
    [STORE_INVITE_UPDATE] = "UPDATE invites SET max_uses = ?1, revoked_at = ?3, "
			    "last_used_at = ?4 WHERE id = ?5 AND ?2 IS NOT NULL",
    [STORE_INVITE_LIST] = "SELECT " INVITE_COLUMNS " FROM invites "
			  "WHERE session_id = ?3 AND id > ?1 ORDER BY id LIMIT ?2",
    [STORE_INVITE_LIST_ENTRY] =
	"SELECT " INVITE_COLUMNS " FROM invites WHERE session_id = ?3 AND roster_entry_id = ?4 "
	"AND id > ?1 ORDER BY id LIMIT ?2",

    /* One write per seat event: the row is the seat's whole state. */
    [STORE_SEAT_PUT] = "INSERT INTO seats (resume_hash, waiting, granted, muted, locked, "
		       "display_name, closes_at, expires_at, participant_id, session_id, "
		       "roster_entry_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11) "
		       "ON CONFLICT (participant_id) DO UPDATE SET resume_hash = ?1, "
		       "waiting = ?2, granted = ?3, muted = ?4, locked = ?5, display_name = ?6, "
		       "closes_at = ?7, expires_at = ?8",
    [STORE_SEAT_DELETE] = "DELETE FROM seats WHERE participant_id = ?1",
    [STORE_SEAT_LIST] = "SELECT " SEAT_COLUMNS " FROM seats WHERE id > ?1 ORDER BY id LIMIT ?2",
    [STORE_SEAT_GET] = "SELECT " SEAT_COLUMNS " FROM seats WHERE participant_id = ?1",
    [STORE_SEAT_LIST_SESSION] = "SELECT " SEAT_COLUMNS " FROM seats "
				"WHERE session_id = ?3 AND id > ?1 ORDER BY id LIMIT ?2",
    [STORE_SEAT_FIND] = "SELECT " SEAT_COLUMNS " FROM seats WHERE resume_hash = ?1",
    [STORE_NODE_PUT] = "INSERT INTO nodes (id, public_url, media, load, heartbeat_ms) "
		       "VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (id) DO UPDATE SET "
		       "public_url = ?2, media = ?3, load = ?4, heartbeat_ms = ?5",
    [STORE_NODE_DELETE] = "DELETE FROM nodes WHERE id = ?1",
    [STORE_NODE_LIST] = "SELECT id, public_url, media, load, heartbeat_ms FROM nodes "
			"WHERE heartbeat_ms >= ?1 ORDER BY id LIMIT ?2",
    [STORE_LEASE_RENEW] = "UPDATE leases SET expires_ms = ?2 WHERE node_id = ?1",
    [STORE_LEASE_DROP_NODE] = "DELETE FROM leases WHERE node_id = ?1",
    /* Inserted, renewed by its holder, or taken over once expired; else
     * nothing changes (the write transaction around it makes it atomic). */
    [STORE_LEASE_TAKE] = "INSERT INTO leases (session_id, occurrence_start, node_id, "
			 "expires_ms) VALUES (?1, ?2, ?3, ?5) "
			 "ON CONFLICT (session_id, occurrence_start) DO UPDATE SET "
			 "node_id = excluded.node_id, expires_ms = excluded.expires_ms "
			 "WHERE leases.node_id = excluded.node_id OR leases.expires_ms < ?4",
    [STORE_LEASE_HOLDER] = "SELECT l.node_id, coalesce(n.public_url, ''), l.expires_ms "
			   "FROM leases l LEFT JOIN nodes n ON n.id = l.node_id "
			   "WHERE l.session_id = ?1 AND l.occurrence_start = ?2",
    [STORE_LEASE_RELEASE] = "DELETE FROM leases WHERE session_id = ?1 "
			    "AND occurrence_start = ?2 AND node_id = ?3",
    [STORE_OCCURRENCE_GET] = "SELECT " OCCURRENCE_COLUMNS " FROM occurrences "
			     "WHERE session_id = ?1 AND start = ?2",
    [STORE_OCCURRENCE_JOINED] =
	"INSERT INTO occurrences (session_id, start, first_join_at, ended_at) "
	"VALUES (?1, ?2, ?3, 0) ON CONFLICT (session_id, start) "
	"DO UPDATE SET first_join_at = excluded.first_join_at WHERE first_join_at = 0",
    [STORE_OCCURRENCE_END] = "INSERT INTO occurrences (session_id, start, first_join_at, "
			     "ended_at) VALUES (?1, ?2, 0, ?3) ON CONFLICT (session_id, start) "
			     "DO UPDATE SET ended_at = excluded.ended_at WHERE ended_at = 0",
    [STORE_OCCURRENCE_LIST] = "SELECT " OCCURRENCE_COLUMNS " FROM occurrences "
			      "WHERE session_id = ?3 AND start < ?1 ORDER BY start DESC LIMIT ?2",
    [STORE_INVITE_USE] = "INSERT OR IGNORE INTO invite_uses (invite_id, occurrence_start, at) "
			 "VALUES (?1, ?2, ?3)",
    [STORE_INVITE_COUNT_USE] = "UPDATE invites SET uses = uses + 1 "
			       "WHERE id = ?1 AND uses < max_uses",
    [STORE_INVITE_USED_IN] = "SELECT 1 FROM invite_uses "
			     "WHERE invite_id = ?1 AND occurrence_start = ?2",
    [STORE_INVITE_NOTE_LOW] = "UPDATE invites SET low_noted_at = ?2 "
			      "WHERE id = ?1 AND low_noted_at = 0",

    [STORE_AUDIT_HEAD] = "SELECT last_id, last_hash FROM audit_head WHERE id = 1",
    [STORE_AUDIT_INSERT] = "INSERT INTO audit (" AUDIT_COLUMNS ") "
			   "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
    [STORE_AUDIT_HEAD_UPDATE] = "UPDATE audit_head SET last_id = ?1, last_hash = ?2 "
				"WHERE id = 1",
    [STORE_AUDIT_LIST] = "SELECT " AUDIT_COLUMNS " FROM audit WHERE id > ?1 ORDER BY id LIMIT ?2",
    [STORE_AUDIT_LIST_SESSION] = "SELECT " AUDIT_COLUMNS " FROM audit "
				 "WHERE session_id = ?3 AND id > ?1 ORDER BY id LIMIT ?2",
    [STORE_AUDIT_ALL] = "SELECT " AUDIT_COLUMNS " FROM audit ORDER BY id",

    [STORE_IDEMPOTENCY_GET] = "SELECT request_mac, status, response, created_at "
			      "FROM idempotency WHERE lookup = ?1 AND created_at >= ?2",
    [STORE_IDEMPOTENCY_PRUNE] = "DELETE FROM idempotency WHERE created_at < ?1",
    [STORE_IDEMPOTENCY_COUNT] = "SELECT count(*) FROM idempotency",
    [STORE_IDEMPOTENCY_INSERT] = "INSERT INTO idempotency (lookup, request_mac, status, "
				 "response, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
    [STORE_OUTBOX_INSERT] = "INSERT INTO webhook_outbox (session_id, delivery_id, event, body, "
			    "created_ms, attempts, delivered_ms) VALUES (?1, ?2, ?3, ?4, ?5, 0, 0)",
    /* A session already queued keeps its place (and its backoff). */
    [STORE_OUTBOX_HEAD_ADD] = "INSERT INTO webhook_heads (session_id, next_ms) VALUES (?1, ?2) "
			      "ON CONFLICT (session_id) DO NOTHING",
    /* At most this many rows: the ids span no more (cheap, an upper bound). */
    [STORE_OUTBOX_SPAN] = "SELECT coalesce((SELECT max(id) FROM webhook_outbox) - "
			  "(SELECT min(id) FROM webhook_outbox) + 1, 0)",
    [STORE_OUTBOX_COUNT] = "SELECT count(*), (SELECT count(*) FROM webhook_outbox "
			   "WHERE delivered_ms = 0) FROM webhook_outbox",
    /* The oldest rows over the cap: delivered ones before pending ones. */
    [STORE_OUTBOX_TRIM] = "DELETE FROM webhook_outbox WHERE id IN (SELECT id FROM "
			  "webhook_outbox ORDER BY delivered_ms = 0, id LIMIT ?1) "
			  "RETURNING delivered_ms",
    /* In order per session: only a session's oldest pending row is ever
     * tried, when its head is due, so one session's failures do not hold
     * the others. */
    [STORE_OUTBOX_HEAD_DUE] = "SELECT session_id, next_ms FROM webhook_heads "
			      "WHERE next_ms <= ?1 ORDER BY next_ms, session_id LIMIT 1",
    [STORE_OUTBOX_HEAD_ROW] = "SELECT " OUTBOX_COLUMNS " FROM webhook_outbox "
			      "WHERE delivered_ms = 0 AND session_id = ?1 ORDER BY id LIMIT 1",
    [STORE_OUTBOX_HEAD_DELETE] = "DELETE FROM webhook_heads WHERE session_id = ?1",
    /* The row's session: due at ?2 (its next row at once, or a retry). */
    [STORE_OUTBOX_HEAD_SET] = "UPDATE webhook_heads SET next_ms = ?2 WHERE session_id = "
			      "(SELECT session_id FROM webhook_outbox WHERE id = ?1)",
    [STORE_OUTBOX_DELIVERED] = "UPDATE webhook_outbox SET delivered_ms = ?2, "
			       "attempts = attempts + 1 WHERE id = ?1 AND delivered_ms = 0",
    [STORE_OUTBOX_RETRY] = "UPDATE webhook_outbox SET attempts = ?2 "
			   "WHERE id = ?1 AND delivered_ms = 0",
    [STORE_OUTBOX_DELETE] = "DELETE FROM webhook_outbox WHERE id = ?1",
    [STORE_EVENT_INSERT] = "INSERT INTO node_events (created_ms, origin, body) VALUES ("
			   "CAST((julianday('now') - 2440587.5) * 86400000.0 AS INTEGER), ?1, ?2)",
    [STORE_EVENT_LIST] = "SELECT id, origin, body FROM node_events WHERE id > ?1 "
			 "AND created_ms >= CAST((julianday('now') - 2440587.5) * 86400000.0 "
			 "AS INTEGER) - ?3 AND origin <> ?4 ORDER BY id LIMIT ?2",
    [STORE_EVENT_PRUNE] = "DELETE FROM node_events WHERE created_ms < "
			  "CAST((julianday('now') - 2440587.5) * 86400000.0 AS INTEGER) - ?1",
    [STORE_OUTBOX_PRUNE] = "DELETE FROM webhook_outbox WHERE delivered_ms > 0 "
			   "AND delivered_ms < ?1",
};

/* ---- open, configure, migrate ---- */

G_STATIC_ASSERT(G_N_ELEMENTS(migrations) == STORE_SCHEMA_VERSION);

const struct store_backend store_sqlite_backend = {
    .name = "sqlite",
    STORE_OPS(STORE_OP_INIT_SQLITE).rollback = sqlite_store_rollback,
    .close = sqlite_store_close,
};

/* Creates the file private to the daemon before SQLite opens it; SQLite
 * gives its -wal and -shm files the same mode. */
static int store_create_file(const char *path)
{
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOCTTY, 0600);

	if (fd < 0)
		return -errno;
	close(fd);
	return 0;
}

/* Runs a one-off statement that returns one row, for PRAGMAs. */
static int store_query_row(struct sig_store *store, const char *sql, sqlite3_stmt **ret_stmt)
{
	sqlite3_stmt *stmt = NULL;
	int rc = sqlite3_prepare_v2(store->db, sql, -1, &stmt, NULL);
	int r;

	if (rc != SQLITE_OK)
		return store_fail(store, rc, sql);
	r = store_step(store, stmt, sql);
	if (r <= 0) {
		sqlite3_finalize(stmt);
		return r < 0 ? r : -EIO;
	}
	*ret_stmt = stmt;
	return 0;
}

static int store_pragma_int(struct sig_store *store, const char *sql, int *ret_value)
{
	sqlite3_stmt *stmt;
	int r = store_query_row(store, sql, &stmt);

	if (r < 0)
		return r;
	*ret_value = sqlite3_column_int(stmt, 0);
	sqlite3_finalize(stmt);
	return 0;
}

static int store_exec(struct sig_store *store, const char *sql, const char *what)
{
	int rc = sqlite3_exec(store->db, sql, NULL, NULL, NULL);

	return rc == SQLITE_OK ? 0 : store_fail(store, rc, what);
}

/* Sets each PRAGMA and reads it back: SQLite ignores some silently. */
static int store_configure(struct sig_store *store)
{
	sqlite3_stmt *stmt;
	int fk = 0, sync = 0;
	bool wal;
	int r = store_query_row(store, "PRAGMA journal_mode = WAL", &stmt);

	if (r < 0)
		return r;
	wal = g_strcmp0((const char *)sqlite3_column_text(stmt, 0), "wal") == 0;
	sqlite3_finalize(stmt);
	if (!wal) {
		log_debug("store: the database refused WAL mode");
		return -EIO;
	}
	r = store_exec(store, "PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON", "pragma");
	if (r < 0)
		return r;
	r = store_pragma_int(store, "PRAGMA synchronous", &sync);
	if (r == 0)
		r = store_pragma_int(store, "PRAGMA foreign_keys", &fk);
	if (r < 0)
		return r;
	if (sync != 2 || fk != 1) {
		log_debug("store: synchronous=%d foreign_keys=%d after setting them", sync, fk);
		return -EIO;
	}
	return 0;
}

/* Applies migration to_version (1-based) inside the open transaction. */
static int store_apply_migration(struct sig_store *store, int to_version)
{
	char bump[48];
	int r = store_exec(store, migrations[to_version - 1], "migration");

	if (r < 0)
		return r;
	/* PRAGMAs take no parameters; the number is ours, not input. */
	snprintf(bump, sizeof(bump), "PRAGMA user_version = %d", to_version);
	return store_exec(store, bump, "migration");
}

/* One transaction per step; the version is read inside it, so two
 * processes opening a new file do not both migrate it. */
static int store_migrate(struct sig_store *store)
{
	const int latest = STORE_SCHEMA_VERSION;

	for (;;) {
		int version = 0;
		int r = store_exec(store, "BEGIN IMMEDIATE", "migration");

		if (r < 0)
			return r;
		r = store_pragma_int(store, "PRAGMA user_version", &version);
		if (r == 0 && (version < 0 || version > latest)) {
			log_debug("store: schema version %d, this build knows %d", version, latest);
			r = -EPROTO;
		}
		if (r == 0 && version < latest)
			r = store_apply_migration(store, version + 1);
		if (r == 0)
			r = store_exec(store, "COMMIT", "migration");
		if (r < 0) {
			if (!sqlite3_get_autocommit(store->db))
				(void)store_exec(store, "ROLLBACK", "migration");
			return r;
		}
		if (version >= latest)
			return 0;
		log_debug("store: migrated to schema version %d", version + 1);
	}
}

static int store_prepare(struct sig_store *store)
{
	for (int i = 0; i < STORE_STMT_COUNT; i++) {
		const char *tail = NULL;
		int rc = sqlite3_prepare_v3(store->db, store_stmt_sql[i], -1,
					    SQLITE_PREPARE_PERSISTENT, &store->stmt[i], &tail);

		if (rc != SQLITE_OK)
			return store_fail(store, rc, store_stmt_sql[i]);
		g_assert(tail && *tail == '\0');
	}
	return 0;
}

int sqlite_store_open(const char *path, struct sig_store **ret_store)
{
	const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
	struct sig_store *store;
	int rc, r;

	g_assert(path && ret_store);
	r = store_create_file(path);
	if (r < 0)
		return r;
	store = g_new0(struct sig_store, 1);
	store->backend = &store_sqlite_backend;
	store->stmt = g_new0(sqlite3_stmt *, STORE_STMT_COUNT);
	rc = sqlite3_open_v2(path, &store->db, flags, NULL);
	if (rc != SQLITE_OK) {
		log_debug("store: open: %s", store->db ? sqlite3_errmsg(store->db) : "no memory");
		r = -EIO;
		goto fail;
	}
	sqlite3_extended_result_codes(store->db, 1);
	rc = sqlite3_busy_timeout(store->db, STORE_BUSY_TIMEOUT_MS);
	if (rc != SQLITE_OK) {
		r = store_fail(store, rc, "busy_timeout");
		goto fail;
	}
	r = store_configure(store);
	if (r < 0)
		goto fail;
	r = store_migrate(store);
	if (r < 0)
		goto fail;
	r = store_prepare(store);
	if (r < 0)
		goto fail;
	*ret_store = store;
	return 0;

fail:
	sqlite_store_close(store);
	return r;
}

void sqlite_store_close(struct sig_store *store)
{
	int rc;

	if (store->db && !sqlite3_get_autocommit(store->db) && store->stmt[STORE_ROLLBACK])
		(void)store_run(store, STORE_ROLLBACK);
	for (int i = 0; i < STORE_STMT_COUNT; i++)
		sqlite3_finalize(store->stmt[i]);
	rc = sqlite3_close(store->db);
	if (rc != SQLITE_OK)
		log_debug("store: close: %s", sqlite3_errstr(rc));
	g_free(store->stmt);
	g_free(store);
}
