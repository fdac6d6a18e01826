#include "model/domain.h"

#include <errno.h>
#include <glib.h>
#include <string.h>

static const char *const kind_names[SIG_KIND_COUNT] = {
    "individual", "couples", "family", "group", "workshop",
};
static const char *const role_names[SIG_ROLE_COUNT] = {
    "host", "cohost", "client", "partner", "family", "peer", "viewer",
};
static const char *const policy_names[SIG_PUBLISH_COUNT] = {"everyone", "hosts"};
static const char *const audit_names[SIG_AUDIT_KIND_COUNT] = {
    "session_created",
    "session_updated",
    "session_deleted",
    "session_ended",
    "roster_added",
    "roster_updated",
    "roster_deleted",
    "invite_created",
    "invite_revoked",
    "join",
    "admit",
    "deny",
    "remove",
    "leave",
    "occurrence_started",
    "occurrence_ended",
    "invite_low",
    "to_waiting",
    "mute",
};
static const char *const permission_names[] = {
    "publish_audio", "publish_video", "share_screen", "subscribe", "moderate",
};

static int sig_name_index(const char *const *names, int count, const char *name)
{
	for (int i = 0; i < count; i++)
		if (strcmp(names[i], name) == 0)
			return i;
	return -EINVAL;
}

const char *sig_kind_name(enum sig_kind kind)
{
	g_assert((unsigned)kind < SIG_KIND_COUNT);
	return kind_names[kind];
}

int sig_kind_parse(const char *name, enum sig_kind *ret_kind)
{
	int i = sig_name_index(kind_names, SIG_KIND_COUNT, name);
	if (i < 0)
		return i;
	*ret_kind = (enum sig_kind)i;
	return 0;
}

const char *sig_role_name(enum sig_role role)
{
	g_assert((unsigned)role < SIG_ROLE_COUNT);
	return role_names[role];
}

int sig_role_parse(const char *name, enum sig_role *ret_role)
{
	int i = sig_name_index(role_names, SIG_ROLE_COUNT, name);
	if (i < 0)
		return i;
	*ret_role = (enum sig_role)i;
	return 0;
}

const char *sig_publish_policy_name(enum sig_publish_policy policy)
{
	g_assert((unsigned)policy < SIG_PUBLISH_COUNT);
	return policy_names[policy];
}

int sig_publish_policy_parse(const char *name, enum sig_publish_policy *ret_policy)
{
	int i = sig_name_index(policy_names, SIG_PUBLISH_COUNT, name);
	if (i < 0)
		return i;
	*ret_policy = (enum sig_publish_policy)i;
	return 0;
}

const char *sig_audit_kind_name(enum sig_audit_kind kind)
{
	g_assert((unsigned)kind < SIG_AUDIT_KIND_COUNT);
	return audit_names[kind];
}

int sig_audit_kind_parse(const char *name, enum sig_audit_kind *ret_kind)
{
	int i = sig_name_index(audit_names, SIG_AUDIT_KIND_COUNT, name);
	if (i < 0)
		return i;
	*ret_kind = (enum sig_audit_kind)i;
	return 0;
}

const char *sig_permission_name(unsigned bit)
{
	for (unsigned i = 0; i < G_N_ELEMENTS(permission_names); i++)
		if (bit == 1u << i)
			return permission_names[i];
	return NULL;
}

void sig_session_defaults(enum sig_kind kind, struct sig_session *session)
{
	/* Individual: client + clinician + one spare seat (an interpreter, a
	 * supervisor). Couples: two partners + the couples therapist. */
	static const int capacity[SIG_KIND_COUNT] = {3, 3, 10, 16, 150};

	g_assert((unsigned)kind < SIG_KIND_COUNT);
	session->kind = kind;
	session->capacity = capacity[kind];
	session->waiting_room = kind != SIG_KIND_WORKSHOP;
	session->names_editable = false;
	session->publish_policy =
	    kind == SIG_KIND_WORKSHOP ? SIG_PUBLISH_HOSTS : SIG_PUBLISH_EVERYONE;
}

unsigned sig_role_default_permissions(enum sig_role role, enum sig_publish_policy policy)
{
	const unsigned publish =
	    SIG_PERM_PUBLISH_AUDIO | SIG_PERM_PUBLISH_VIDEO | SIG_PERM_SHARE_SCREEN;

	switch (role) {
	case SIG_ROLE_HOST:
	case SIG_ROLE_COHOST:
		return SIG_PERM_ALL;
	case SIG_ROLE_VIEWER:
		return SIG_PERM_SUBSCRIBE;
	default:
		return policy == SIG_PUBLISH_HOSTS ? SIG_PERM_SUBSCRIBE
						   : publish | SIG_PERM_SUBSCRIBE;
	}
}

bool sig_role_default_auto_admit(enum sig_role role)
{
	return role == SIG_ROLE_HOST || role == SIG_ROLE_COHOST;
}

/* Unicode's bidirectional formatting characters (UAX #9 §2): the marks
 * ALM, LRM, RLM, the embeddings and overrides LRE..RLO, the isolates
 * LRI..PDI. In a name they reorder what is shown around it. */
static bool sig_char_bidi(gunichar c)
{
	return c == 0x061C || c == 0x200E || c == 0x200F || (c >= 0x202A && c <= 0x202E) ||
	       (c >= 0x2066 && c <= 0x2069);
}

/* Characters that show nothing: format characters (category Cf: zero-width
 * spaces and joiners, soft hyphen, word joiner, BOM, tags...) and line or
 * paragraph separators. */
static bool sig_char_invisible(gunichar c)
{
	GUnicodeType t = g_unichar_type(c);

	return t == G_UNICODE_FORMAT || t == G_UNICODE_LINE_SEPARATOR ||
	       t == G_UNICODE_PARAGRAPH_SEPARATOR;
}

/* A character that shows: not a control, space or invisible one. */
static bool sig_char_shows(gunichar c)
{
	return c && !g_unichar_iscntrl(c) && !g_unichar_isspace(c) && !sig_char_invisible(c);
}

/* The zero-width (non-)joiner is spelling inside a word (Persian and Indic
 * names, emoji sequences): allowed only between two characters that show,
 * where it cannot pad or disguise a name. */
static bool sig_joiner_in_word(gunichar c, gunichar prev, const char *next)
{
	return (c == 0x200C || c == 0x200D) && sig_char_shows(prev) &&
	       sig_char_shows(g_utf8_get_char(next));
}

/* Text a person typed: valid UTF-8, within bounds, nothing that is not
 * shown as itself: no control, bidirectional formatting or other invisible
 * characters (but a joiner inside a word). */
static int sig_check_text(const char *text, size_t max, char **ret_problem)
{
	size_t n = text ? strlen(text) : 0;

	if (n == 0) {
		*ret_problem = g_strdup("must not be empty");
		return -EINVAL;
	}
	if (n > max) {
		*ret_problem = g_strdup_printf("must be at most %zu bytes", max);
		return -EINVAL;
	}
	if (!g_utf8_validate(text, (gssize)n, NULL)) {
		*ret_problem = g_strdup("must be valid UTF-8");
		return -EINVAL;
	}
	gunichar prev = 0;
	for (const char *p = text; *p; p = g_utf8_next_char(p)) {
		gunichar c = g_utf8_get_char(p);
		if (g_unichar_iscntrl(c)) {
			*ret_problem = g_strdup("must not contain control characters");
			return -EINVAL;
		}
		if (sig_char_bidi(c)) {
			*ret_problem = g_strdup_printf("must not contain bidirectional formatting "
						       "characters (U+%04X)",
						       (unsigned)c);
			return -EINVAL;
		}
		if (sig_char_invisible(c) && !sig_joiner_in_word(c, prev, g_utf8_next_char(p))) {
			*ret_problem = g_strdup_printf("must not contain invisible characters "
						       "(U+%04X)",
						       (unsigned)c);
			return -EINVAL;
		}
		prev = c;
	}
	if (g_ascii_isspace(text[0]) || g_ascii_isspace(text[n - 1])) {
		*ret_problem = g_strdup("must not start or end with a space");
		return -EINVAL;
	}
	return 0;
}

int sig_session_validate(const struct sig_session *session, const char **ret_field,
			 char **ret_problem)
{
	if ((unsigned)session->kind >= SIG_KIND_COUNT) {
		*ret_field = "kind";
		*ret_problem = g_strdup("is not a session kind");
		return -EINVAL;
	}
	if (sig_check_text(session->title, SIG_TITLE_MAX, ret_problem) < 0) {
		*ret_field = "title";
		return -EINVAL;
	}
	if (session->capacity < 1 || session->capacity > SIG_CAPACITY_MAX) {
		*ret_field = "capacity";
		*ret_problem = g_strdup_printf("must be between 1 and %d", SIG_CAPACITY_MAX);
		return -EINVAL;
	}
	if ((unsigned)session->publish_policy >= SIG_PUBLISH_COUNT) {
		*ret_field = "publish_policy";
		*ret_problem = g_strdup("must be \"everyone\" or \"hosts\"");
		return -EINVAL;
	}
	return sig_schedule_validate(&session->schedule, ret_field, ret_problem);
}

int sig_display_name_validate(const char *name, char **ret_problem)
{
	return sig_check_text(name, SIG_DISPLAY_NAME_MAX, ret_problem);
}

int sig_roster_entry_validate(const struct sig_roster_entry *entry, const char **ret_field,
			      char **ret_problem)
{
	if (sig_display_name_validate(entry->display_name, ret_problem) < 0) {
		*ret_field = "display_name";
		return -EINVAL;
	}
	if ((unsigned)entry->role >= SIG_ROLE_COUNT) {
		*ret_field = "role";
		*ret_problem = g_strdup("is not a role");
		return -EINVAL;
	}
	if (entry->permissions & ~SIG_PERM_ALL) {
		*ret_field = "permissions";
		*ret_problem = g_strdup("holds an unknown permission");
		return -EINVAL;
	}
	return 0;
}

static void sig_hash_field(GChecksum *sum, const char *name, const char *value)
{
	/* name=length:value; the length keeps "a|b" from colliding with "a", "b". */
	char head[64];
	size_t n = strlen(value);
	int len = snprintf(head, sizeof(head), "%s=%zu:", name, n);

	g_checksum_update(sum, (const guchar *)head, (gssize)len);
	g_checksum_update(sum, (const guchar *)value, (gssize)n);
}

static void sig_hash_int(GChecksum *sum, const char *name, int64_t value)
{
	char text[24];

	snprintf(text, sizeof(text), "%lld", (long long)value);
	sig_hash_field(sum, name, text);
}

void sig_audit_hash(const struct sig_audit_event *event, uint8_t ret_hash[CRYPTO_SHA256_BYTES])
{
	char prev[CRYPTO_SHA256_HEX + 1];
	gsize len = CRYPTO_SHA256_BYTES;
	GChecksum *sum = g_checksum_new(G_CHECKSUM_SHA256);

	crypto_hex(event->prev_hash, CRYPTO_SHA256_BYTES, prev);
	sig_hash_field(sum, "v", "1");
	sig_hash_field(sum, "prev", prev);
	sig_hash_int(sum, "id", event->id);
	sig_hash_int(sum, "at_ms", event->at_ms);
	sig_hash_field(sum, "kind", sig_audit_kind_name(event->kind));
	sig_hash_int(sum, "session", event->session_id);
	sig_hash_int(sum, "roster_entry", event->roster_entry_id);
	sig_hash_int(sum, "invite", event->invite_id);
	sig_hash_field(sum, "actor", event->actor ? event->actor : "");
	sig_hash_field(sum, "detail", event->detail ? event->detail : "");
	g_checksum_get_digest(sum, ret_hash, &len);
	g_checksum_free(sum);
}

void sig_session_clear(struct sig_session *session)
{
	if (!session)
		return;
	g_free(session->title);
	session->title = NULL;
	g_clear_pointer(&session->external_id, g_free);
	g_clear_pointer(&session->metadata, g_free);
}

void sig_roster_entry_clear(struct sig_roster_entry *entry)
{
	if (!entry)
		return;
	g_free(entry->display_name);
	entry->display_name = NULL;
	g_clear_pointer(&entry->external_id, g_free);
	g_clear_pointer(&entry->metadata, g_free);
}

void sig_audit_event_clear(struct sig_audit_event *event)
{
	if (!event)
		return;
	g_free(event->actor);
	g_free(event->detail);
	event->actor = event->detail = NULL;
}

int sig_invite_remaining(const struct sig_invite *invite)
{
	return invite->uses >= invite->max_uses ? 0 : invite->max_uses - invite->uses;
}

bool sig_invite_nearly_used_up(const struct sig_invite *invite)
{
	int threshold = invite->max_uses / 10;

	return sig_invite_remaining(invite) <= (threshold > 2 ? threshold : 2);
}
