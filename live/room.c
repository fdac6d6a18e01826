#include "live/room.h"

#include <errno.h>
#include <openssl/rand.h>
#include <string.h>

#include "crypto/token.h"
#include "live/speaker.h"

/* session id -> GPtrArray of struct sig_member * (join order) */
struct sig_rooms {
	GHashTable *sessions;
	GHashTable *speakers; /* session id -> struct sig_speaker (owned), while present */
};

static void sig_room_array_free(gpointer array)
{
	g_ptr_array_free(array, TRUE);
}

struct sig_rooms *sig_rooms_new(void)
{
	struct sig_rooms *rooms = g_new0(struct sig_rooms, 1);

	rooms->sessions =
	    g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, sig_room_array_free);
	rooms->speakers = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, g_free);
	return rooms;
}

struct sig_rooms *sig_rooms_free(struct sig_rooms *rooms)
{
	if (!rooms)
		return NULL;
	GHashTableIter it;
	gpointer key, value;
	g_hash_table_iter_init(&it, rooms->sessions);
	while (g_hash_table_iter_next(&it, &key, &value)) {
		GPtrArray *members = value;
		for (guint i = 0; i < members->len; i++)
			sig_member_free(members->pdata[i]);
	}
	g_hash_table_destroy(rooms->sessions);
	g_hash_table_destroy(rooms->speakers);
	g_free(rooms);
	return NULL;
}

struct sig_member *sig_member_free(struct sig_member *member)
{
	if (member) {
		g_free(member->display_name);
		g_free(member);
	}
	return NULL;
}

static GPtrArray *sig_rooms_members(struct sig_rooms *rooms, int64_t session_id, bool create)
{
	GPtrArray *members = g_hash_table_lookup(rooms->sessions, &session_id);

	if (!members && create) {
		int64_t *key = g_new(int64_t, 1);
		*key = session_id;
		members = g_ptr_array_new();
		g_hash_table_insert(rooms->sessions, key, members);
	}
	return members;
}

static void sig_rooms_forget_if_empty(struct sig_rooms *rooms, int64_t session_id)
{
	GPtrArray *members = sig_rooms_members(rooms, session_id, false);

	if (members && members->len == 0) {
		g_hash_table_remove(rooms->sessions, &session_id);
		g_hash_table_remove(rooms->speakers, &session_id);
	}
}

struct sig_speaker *sig_rooms_speaker(struct sig_rooms *rooms, int64_t session_id)
{
	struct sig_speaker *sp = g_hash_table_lookup(rooms->speakers, &session_id);

	if (!sp && sig_rooms_members(rooms, session_id, false)) {
		int64_t *key = g_new(int64_t, 1);
		*key = session_id;
		sp = g_new0(struct sig_speaker, 1);
		g_hash_table_insert(rooms->speakers, key, sp);
	}
	return sp;
}

const char *sig_rooms_active_speaker(struct sig_rooms *rooms, int64_t session_id)
{
	struct sig_speaker *sp = g_hash_table_lookup(rooms->speakers, &session_id);

	return sp ? sig_speaker_current(sp) : NULL;
}

static int sig_member_new_id(char ret_id[20])
{
	uint8_t raw[8];

	if (RAND_bytes(raw, sizeof(raw)) != 1)
		return -EIO;
	ret_id[0] = 'p';
	ret_id[1] = '-';
	crypto_hex(raw, sizeof(raw), ret_id + 2);
	return 0;
}

bool sig_rooms_has_seat(struct sig_rooms *rooms, const struct sig_session *session,
			int64_t entry_id)
{
	GPtrArray *members = sig_rooms_members(rooms, session->id, false);
	guint present = members ? members->len : 0;

	for (guint i = 0; members && i < members->len; i++)
		if (((struct sig_member *)members->pdata[i])->roster_entry_id == entry_id)
			return true;
	return present < (guint)session->capacity;
}

int sig_rooms_join(struct sig_rooms *rooms, const struct sig_session *session,
		   const struct sig_roster_entry *entry, struct sig_ws_conn *conn,
		   struct sig_member **ret_member)
{
	GPtrArray *members = sig_rooms_members(rooms, session->id, true);
	struct sig_member *m;

	if (members->len >= (guint)session->capacity) {
		sig_rooms_forget_if_empty(rooms, session->id);
		return -ENOSPC;
	}
	m = g_new0(struct sig_member, 1);
	if (sig_member_new_id(m->participant_id) < 0) {
		g_free(m);
		sig_rooms_forget_if_empty(rooms, session->id);
		return -EIO;
	}
	m->session_id = session->id;
	m->roster_entry_id = entry->id;
	m->display_name = g_strdup(entry->display_name);
	m->role = entry->role;
	m->permissions = entry->permissions;
	m->conn = conn;
	g_ptr_array_add(members, m);
	*ret_member = m;
	return 0;
}

int sig_rooms_restore(struct sig_rooms *rooms, const struct sig_session *session,
		      const struct sig_roster_entry *entry, const char *participant_id,
		      struct sig_member **ret_member)
{
	struct sig_member *m = NULL;
	int r = sig_rooms_join(rooms, session, entry, NULL, &m);

	if (r < 0)
		return r;
	g_strlcpy(m->participant_id, participant_id, sizeof(m->participant_id));
	*ret_member = m;
	return 0;
}

void sig_rooms_detach(struct sig_rooms *rooms, struct sig_member *member)
{
	GPtrArray *members = sig_rooms_members(rooms, member->session_id, false);

	if (members && g_ptr_array_remove(members, member))
		sig_rooms_forget_if_empty(rooms, member->session_id);
}

struct sig_member *sig_rooms_find(struct sig_rooms *rooms, int64_t session_id,
				  const char *participant_id)
{
	GPtrArray *members = participant_id ? sig_rooms_members(rooms, session_id, false) : NULL;

	for (guint i = 0; members && i < members->len; i++) {
		struct sig_member *m = members->pdata[i];
		if (strcmp(m->participant_id, participant_id) == 0)
			return m;
	}
	return NULL;
}

void sig_rooms_foreach(struct sig_rooms *rooms, int64_t session_id, sig_member_fn fn,
		       void *userdata)
{
	GPtrArray *members = sig_rooms_members(rooms, session_id, false);

	for (guint i = 0; members && i < members->len; i++)
		fn(members->pdata[i], userdata);
}

void sig_rooms_foreach_audience(struct sig_rooms *rooms, int64_t session_id, sig_member_fn fn,
				void *userdata)
{
	GPtrArray *members = sig_rooms_members(rooms, session_id, false);

	for (guint i = 0; members && i < members->len; i++) {
		struct sig_member *m = members->pdata[i];
		if (!m->waiting)
			fn(m, userdata);
	}
}

GPtrArray *sig_rooms_take(struct sig_rooms *rooms, int64_t session_id, int64_t entry_id)
{
	GPtrArray *members = sig_rooms_members(rooms, session_id, false);
	GPtrArray *taken = g_ptr_array_new();

	for (guint i = 0; members && i < members->len;) {
		struct sig_member *m = members->pdata[i];
		if (entry_id == 0 || m->roster_entry_id == entry_id) {
			g_ptr_array_add(taken, m);
			g_ptr_array_remove_index(members, i);
		} else {
			i++;
		}
	}
	sig_rooms_forget_if_empty(rooms, session_id);
	return taken;
}

unsigned sig_rooms_count(struct sig_rooms *rooms, int64_t session_id)
{
	GPtrArray *members = sig_rooms_members(rooms, session_id, false);

	return members ? members->len : 0;
}

GArray *sig_rooms_sessions(struct sig_rooms *rooms)
{
	GArray *ids = g_array_new(FALSE, FALSE, sizeof(int64_t));
	GHashTableIter it;
	gpointer key, value;

	g_hash_table_iter_init(&it, rooms->sessions);
	while (g_hash_table_iter_next(&it, &key, &value))
		g_array_append_val(ids, *(int64_t *)key);
	return ids;
}

json_t *sig_member_json(const struct sig_member *m)
{
	json_t *muted = json_array();

	if (m->muted & 1u)
		json_array_append_new(muted, json_string("audio"));
	if (m->muted & 2u)
		json_array_append_new(muted, json_string("video"));
	return json_pack("{s:s,s:I,s:s,s:s,s:b,s:b,s:o}", "participant_id", m->participant_id,
			 "roster_entry_id", (json_int_t)m->roster_entry_id, "display_name",
			 m->display_name, "role", sig_role_name(m->role), "audio", m->audio_on,
			 "video", m->video_on, "muted", muted);
}
