/* Unit tests of service/participant_ops: each operation asks the listener
 * (a fake here, playing the client protocol) and writes its audit row only
 * when it was done, with the actor and a detail naming ids and kinds, never
 * a name; refusals (-ENOENT, -EALREADY, -EINVAL) change nothing; the chain
 * of the audit log holds. Runs on a real store in a temporary directory. */
#include <errno.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>

#include "service/participant_ops.h"
#include "store/store.h"

#define PID "p-00112233445566aa"

/* The client protocol, played: one participant, PID, of roster entry
 * `entry` in session `session`, waiting or not. */
struct fake_presence {
	int64_t session, entry;
	bool waiting;
	struct sig_participant_change last;
	int applied;
	int64_t removed_entry;
	char ended[16]; /* the reason session_ended was last told */
};

static json_t *fake_list(void *userdata, int64_t session_id)
{
	struct fake_presence *p = userdata;

	if (session_id != p->session)
		return json_array();
	return json_pack("[{s:s,s:s}]", "participant_id", PID, "state",
			 p->waiting ? "waiting" : "admitted");
}

static int fake_find(void *userdata, int64_t session_id, const char *participant_id,
		     int64_t *ret_entry_id)
{
	struct fake_presence *p = userdata;

	if (session_id != p->session || strcmp(participant_id, PID) != 0)
		return -ENOENT;
	*ret_entry_id = p->entry;
	return 0;
}

static int fake_apply(void *userdata, int64_t session_id, const char *participant_id,
		      const struct sig_participant_change *change, int64_t *ret_entry_id)
{
	struct fake_presence *p = userdata;
	int64_t entry;

	if (fake_find(userdata, session_id, participant_id, &entry) < 0)
		return -ENOENT;
	if ((change->op == SIG_PARTICIPANT_TO_WAITING && p->waiting) ||
	    (change->op == SIG_PARTICIPANT_ADMIT && !p->waiting))
		return -EALREADY;
	if (change->op == SIG_PARTICIPANT_TO_WAITING)
		p->waiting = true;
	else if (change->op == SIG_PARTICIPANT_ADMIT)
		p->waiting = false;
	p->last = *change;
	p->applied++;
	*ret_entry_id = entry;
	return 0;
}

static void fake_session_ended(void *userdata, int64_t session_id, const char *reason)
{
	(void)session_id;
	g_strlcpy(((struct fake_presence *)userdata)->ended, reason,
		  sizeof(((struct fake_presence *)userdata)->ended));
}

static void fake_entry_removed(void *userdata, int64_t session_id, int64_t entry_id)
{
	(void)session_id;
	((struct fake_presence *)userdata)->removed_entry = entry_id;
}

static const struct sig_participant_listener fake_people = {
    .list = fake_list, .find = fake_find, .apply = fake_apply};
static const struct sig_presence_listener fake_listener = {.session_ended = fake_session_ended,
							   .entry_removed = fake_entry_removed,
							   .participants = &fake_people};

struct fixture {
	char *dir;
	struct sig_store *store;
	struct sig_ops *ops;
	struct fake_presence presence;
};

static void fixture_setup(struct fixture *f, gconstpointer data)
{
	struct sig_session s = {0};

	(void)data;
	memset(f, 0, sizeof(*f));
	f->dir = g_dir_make_tmp("hearth-pops-XXXXXX", NULL);
	g_autofree char *path = g_build_filename(f->dir, "hearth.db", NULL);
	g_assert_cmpint(sig_store_open(path, &f->store), ==, 0);
	sig_session_defaults(SIG_KIND_FAMILY, &s);
	s.title = g_strdup("Family");
	s.schedule = (struct sig_schedule){
	    .kind = SIG_SCHEDULE_ONCE, .start = 1800000000, .end = 1800003600};
	s.created_at = s.updated_at = 1799990000;
	g_assert_cmpint(sig_store_session_insert(f->store, &s), ==, 0);
	struct sig_roster_entry e = {.session_id = s.id, .role = SIG_ROLE_FAMILY};
	e.display_name = g_strdup("Robin");
	g_assert_cmpint(sig_store_roster_insert(f->store, &e), ==, 0);
	f->presence.entry = e.id;
	sig_roster_entry_clear(&e);
	f->presence.session = s.id;
	sig_session_clear(&s);
	f->ops = sig_ops_new(f->store);
	sig_ops_listen(f->ops, &fake_listener, &f->presence);
}

static void fixture_teardown(struct fixture *f, gconstpointer data)
{
	(void)data;
	sig_ops_free(f->ops);
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

/* The audit rows of the session, oldest first (caller frees). */
static GArray *audit_rows(struct fixture *f)
{
	GArray *rows = g_array_new(FALSE, TRUE, sizeof(struct sig_audit_event));

	g_array_set_clear_func(rows, (GDestroyNotify)sig_audit_event_clear);
	g_assert_cmpint(sig_store_audit_list(f->store, f->presence.session, 0, 100, rows), ==, 0);
	return rows;
}

static void assert_row(struct fixture *f, const struct sig_audit_event *ev,
		       enum sig_audit_kind kind, const char *actor, const char *detail)
{
	g_assert_cmpstr(sig_audit_kind_name(ev->kind), ==, sig_audit_kind_name(kind));
	g_assert_cmpstr(ev->actor, ==, actor);
	g_assert_cmpint(ev->roster_entry_id, ==, f->presence.entry);
	json_t *got = json_loads(ev->detail, 0, NULL), *want = json_loads(detail, 0, NULL);
	g_assert_true(json_equal(got, want));
	json_decref(got);
	json_decref(want);
}

static void test_to_waiting_and_admit(struct fixture *f, gconstpointer data)
{
	int64_t sid = f->presence.session;

	(void)data;
	g_assert_cmpint(sig_ops_to_waiting(f->ops, sid, PID, "roster:3"), ==, 0);
	g_assert_cmpint(f->presence.last.op, ==, SIG_PARTICIPANT_TO_WAITING);
	g_assert_cmpstr(f->presence.last.actor, ==, "roster:3");
	g_assert_cmpint(sig_ops_to_waiting(f->ops, sid, PID, "roster:3"), ==, -EALREADY);
	g_assert_cmpint(sig_ops_admit(f->ops, sid, PID, "api-key:sched"), ==, 0);
	g_assert_cmpint(sig_ops_admit(f->ops, sid, PID, "api-key:sched"), ==, -EALREADY);
	/* Nobody of that id, or not in that session. */
	g_assert_cmpint(sig_ops_to_waiting(f->ops, sid, "p-ffffffffffffffff", "x"), ==, -ENOENT);
	g_assert_cmpint(sig_ops_to_waiting(f->ops, sid + 1, PID, "x"), ==, -ENOENT);
	g_assert_cmpint(f->presence.applied, ==, 2);

	g_autoptr(GArray) rows = audit_rows(f);
	g_assert_cmpuint(rows->len, ==, 2);
	assert_row(f, &g_array_index(rows, struct sig_audit_event, 0), SIG_AUDIT_TO_WAITING,
		   "roster:3", "{\"participant\":\"" PID "\"}");
	assert_row(f, &g_array_index(rows, struct sig_audit_event, 1), SIG_AUDIT_ADMIT,
		   "api-key:sched", "{\"participant\":\"" PID "\"}");
	int64_t checked = 0, bad = 0;
	g_autofree char *problem = NULL;
	g_assert_cmpint(sig_store_audit_verify(f->store, &checked, &bad, &problem), ==, 0);
	g_assert_cmpint(checked, ==, 2);
}

static void test_mute(struct fixture *f, gconstpointer data)
{
	int64_t sid = f->presence.session;

	(void)data;
	g_assert_cmpint(sig_ops_mute(f->ops, sid, PID, 0, false, "x"), ==, -EINVAL);
	g_assert_cmpint(sig_ops_mute(f->ops, sid, PID, 4, false, "x"), ==, -EINVAL);
	g_assert_cmpint(
	    sig_ops_mute(f->ops, sid, "p-ffffffffffffffff", SIG_OPS_MUTE_AUDIO, false, "x"), ==,
	    -ENOENT);
	g_assert_cmpint(f->presence.applied, ==, 0);
	g_assert_cmpint(sig_ops_mute(f->ops, sid, PID, SIG_OPS_MUTE_AUDIO | SIG_OPS_MUTE_VIDEO,
				     true, "api-key:sched"),
			==, 0);
	g_assert_cmpuint(f->presence.last.mute, ==, SIG_OPS_MUTE_AUDIO | SIG_OPS_MUTE_VIDEO);
	g_assert_true(f->presence.last.lock);
	g_autoptr(GArray) rows = audit_rows(f);
	g_assert_cmpuint(rows->len, ==, 1);
	assert_row(f, &g_array_index(rows, struct sig_audit_event, 0), SIG_AUDIT_MUTE,
		   "api-key:sched",
		   "{\"participant\":\"" PID "\",\"kinds\":[\"audio\",\"video\"],\"locked\":true}");
}

static void test_list_and_remove(struct fixture *f, gconstpointer data)
{
	int64_t sid = f->presence.session;

	(void)data;
	json_t *list = sig_ops_participants(f->ops, sid);
	g_assert_cmpuint(json_array_size(list), ==, 1);
	json_decref(list);
	g_assert_cmpint(
	    sig_ops_remove_participant(f->ops, sid, "p-ffffffffffffffff", "x", 1800000100), ==,
	    -ENOENT);
	g_assert_cmpint(f->presence.removed_entry, ==, 0);
	/* Removed as its roster entry: marked removed, and the client protocol
	 * told to disconnect it. */
	g_assert_cmpint(sig_ops_remove_participant(f->ops, sid, PID, "api-key:sched", 1800000100),
			==, 0);
	g_assert_cmpint(f->presence.removed_entry, ==, f->presence.entry);
	struct sig_roster_entry e = {0};
	g_assert_cmpint(sig_store_roster_get(f->store, f->presence.entry, &e), ==, 0);
	g_assert_cmpint(e.removed_at, ==, 1800000100);
	sig_roster_entry_clear(&e);
	g_autoptr(GArray) removed = audit_rows(f);
	g_assert_cmpuint(removed->len, ==, 1);
	assert_row(f, &g_array_index(removed, struct sig_audit_event, 0), SIG_AUDIT_REMOVE,
		   "api-key:sched", "{\"participant\":\"" PID "\"}");

	/* Without a listener nobody is present. */
	sig_ops_listen(f->ops, NULL, NULL);
	list = sig_ops_participants(f->ops, sid);
	g_assert_cmpuint(json_array_size(list), ==, 0);
	json_decref(list);
	g_assert_cmpint(sig_ops_to_waiting(f->ops, sid, PID, "x"), ==, -ENOENT);
	g_autoptr(GArray) rows = audit_rows(f);
	g_assert_cmpuint(rows->len, ==, 1);
}

static json_t *nobody_list(void *userdata, int64_t session_id)
{
	(void)userdata;
	(void)session_id;
	return json_array();
}

static int nobody_find(void *userdata, int64_t session_id, const char *participant_id,
		       int64_t *ret_entry_id)
{
	(void)userdata;
	(void)session_id;
	(void)participant_id;
	(void)ret_entry_id;
	return -ENOENT;
}

static int nobody_apply(void *userdata, int64_t session_id, const char *participant_id,
			const struct sig_participant_change *change, int64_t *ret_entry_id)
{
	(void)change;
	return nobody_find(userdata, session_id, participant_id, ret_entry_id);
}

static const struct sig_participant_listener nobody_people = {
    .list = nobody_list, .find = nobody_find, .apply = nobody_apply};
static const struct sig_presence_listener nobody_listener = {.session_ended = fake_session_ended,
							     .entry_removed = fake_entry_removed,
							     .participants = &nobody_people};

/* Applies on node a (f->ops) what node b published since *after. */
static int deliver(struct fixture *f, int64_t *after)
{
	g_autoptr(GArray) rows = g_array_new(FALSE, TRUE, sizeof(struct sig_store_event));
	int n = 0;

	g_assert_cmpint(sig_store_event_list(f->store, "node-a", 60000, *after, 10, rows), ==, 0);
	for (guint i = 0; i < rows->len; i++) {
		const struct sig_store_event *ev = &g_array_index(rows, struct sig_store_event, i);
		g_assert_cmpstr(ev->origin, ==, "node-b");
		g_assert_cmpint(sig_ops_apply_event(f->ops, ev->body, strlen(ev->body)), ==, 0);
		*after = ev->id;
		n++;
	}
	return n;
}

/* Two nodes: node a (f->ops) holds PID, node b (nobody here) acts on it by
 * its stored seat; what b does reaches a as an event, and b's refusals
 * are those a would give. Without sharing, b knows nobody. */
static void test_other_node(struct fixture *f, gconstpointer data)
{
	struct fake_presence none = {0};
	struct sig_ops *b = sig_ops_new(f->store);
	struct sig_seat seat = {.session_id = f->presence.session,
				.roster_entry_id = f->presence.entry,
				.expires_at = 1800003600};
	int64_t sid = f->presence.session, after = 0;
	json_t *list;

	(void)data;
	sig_ops_listen(b, &nobody_listener, &none);
	g_strlcpy(seat.participant_id, PID, sizeof(seat.participant_id));
	g_assert_cmpint(sig_store_seat_put(f->store, &seat), ==, 0);
	/* One node alone: nobody of that id. */
	g_assert_cmpint(sig_ops_mute(b, sid, PID, SIG_OPS_MUTE_AUDIO, false, "api-key:s"), ==,
			-ENOENT);
	sig_ops_share(f->ops, "node-a");
	sig_ops_share(b, "node-b");

	list = sig_ops_participants(b, sid);
	g_assert_cmpuint(json_array_size(list), ==, 1);
	g_assert_cmpstr(json_string_value(json_object_get(json_array_get(list, 0), "display_name")),
			==, "Robin");
	g_assert_true(json_is_true(json_object_get(json_array_get(list, 0), "other_node")));
	json_decref(list);
	/* Node a lists its own, once. */
	list = sig_ops_participants(f->ops, sid);
	g_assert_cmpuint(json_array_size(list), ==, 1);
	json_decref(list);

	g_assert_cmpint(sig_ops_mute(b, sid, PID, SIG_OPS_MUTE_VIDEO, true, "api-key:s"), ==, 0);
	g_assert_cmpint(f->presence.applied, ==, 0);
	g_assert_cmpint(deliver(f, &after), ==, 1);
	g_assert_cmpint(f->presence.applied, ==, 1);
	g_assert_cmpint(f->presence.last.op, ==, SIG_PARTICIPANT_MUTE);
	g_assert_cmpuint(f->presence.last.mute, ==, SIG_OPS_MUTE_VIDEO);
	g_assert_true(f->presence.last.lock);

	g_assert_cmpint(sig_ops_to_waiting(b, sid, PID, "api-key:s"), ==, 0);
	g_assert_cmpint(sig_ops_to_waiting(b, sid, PID, "api-key:s"), ==, -EALREADY);
	g_assert_cmpint(deliver(f, &after), ==, 1);
	g_assert_true(f->presence.waiting);
	g_assert_cmpint(sig_ops_admit(b, sid, PID, "api-key:s"), ==, 0);
	g_assert_cmpint(deliver(f, &after), ==, 1);
	g_assert_false(f->presence.waiting);
	/* Another session's id, and an unknown one: nobody. */
	g_assert_cmpint(sig_ops_admit(b, sid + 1, PID, "api-key:s"), ==, -ENOENT);
	g_assert_cmpint(sig_ops_mute(b, sid, "p-ffffffffffffffff", 1, false, "api-key:s"), ==,
			-ENOENT);

	g_assert_cmpint(sig_ops_remove_participant(b, sid, PID, "api-key:s", 1800000100), ==, 0);
	g_assert_cmpint(f->presence.removed_entry, ==, 0);
	g_assert_cmpint(deliver(f, &after), ==, 1);
	g_assert_cmpint(f->presence.removed_entry, ==, f->presence.entry);
	/* Applying again changes nothing; a text no node makes is refused. */
	g_assert_cmpint(sig_ops_apply_event(f->ops, "1 removed 1 1", 13), ==, 0);
	g_assert_cmpint(sig_ops_apply_event(f->ops, "1 kick 1", 8), ==, -EINVAL);

	/* Node b wrote the audit rows, with its actor. */
	g_autoptr(GArray) rows = audit_rows(f);
	/* Ending and deleting on node b end it for node a's people. */
	g_assert_cmpint(sig_ops_end_session(b, sid, "api-key:s", 1800000200, NULL), ==, 0);
	g_assert_cmpint(deliver(f, &after), ==, 1);
	g_assert_cmpstr(f->presence.ended, ==, "ended");
	g_assert_cmpint(sig_ops_delete_session(b, sid, "api-key:s"), ==, 0);
	g_assert_cmpint(deliver(f, &after), ==, 1);
	g_assert_cmpstr(f->presence.ended, ==, "deleted");
	g_assert_cmpuint(rows->len, ==, 4); /* mute, to_waiting, admit, remove */
	assert_row(f, &g_array_index(rows, struct sig_audit_event, 0), SIG_AUDIT_MUTE, "api-key:s",
		   "{\"participant\": \"" PID "\", \"kinds\": [\"video\"], \"locked\": true}");
	sig_ops_free(b);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
#define ADD(name, fn) g_test_add(name, struct fixture, NULL, fixture_setup, fn, fixture_teardown)
	ADD("/service/participant-ops/to-waiting-and-admit", test_to_waiting_and_admit);
	ADD("/service/participant-ops/mute", test_mute);
	ADD("/service/participant-ops/list-and-remove", test_list_and_remove);
	ADD("/service/participant-ops/other-node", test_other_node);
	return g_test_run();
}
