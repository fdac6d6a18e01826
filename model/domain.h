/* The control plane's domain: sessions, roster entries, invites and audit
 * events, with the defaults each session kind and role brings.
 *
 * Plain data and pure functions; storage is store.h, HTTP is api_*.c.
 * Strings in these structs are owned by the struct (g_free'd by the
 * matching *_clear()). */
#ifndef HEARTH_MODEL_DOMAIN_H
#define HEARTH_MODEL_DOMAIN_H

#include <stdbool.h>
#include <stdint.h>

#include "crypto/token.h"
#include "model/schedule.h"

#define SIG_TITLE_MAX		200 /* bytes of a session title */
#define SIG_DISPLAY_NAME_MAX	100 /* bytes of a roster display name */
#define SIG_CAPACITY_MAX	500 /* people on one roster */
#define SIG_INVITE_USES_MAX	1000
#define SIG_INVITE_USES_DEFAULT 20

enum sig_kind {
	SIG_KIND_INDIVIDUAL = 0,
	SIG_KIND_COUPLES,
	SIG_KIND_FAMILY,
	SIG_KIND_GROUP,
	SIG_KIND_WORKSHOP,
	SIG_KIND_COUNT
};

enum sig_role {
	SIG_ROLE_HOST = 0,
	SIG_ROLE_COHOST,
	SIG_ROLE_CLIENT,
	SIG_ROLE_PARTNER,
	SIG_ROLE_FAMILY,
	SIG_ROLE_PEER,
	SIG_ROLE_VIEWER,
	SIG_ROLE_COUNT
};

/* Who may publish media in a session. */
enum sig_publish_policy {
	SIG_PUBLISH_EVERYONE = 0, /* per each roster entry's permissions */
	SIG_PUBLISH_HOSTS,	  /* hosts and cohosts only; others on request (workshop) */
	SIG_PUBLISH_COUNT
};

enum sig_permission {
	SIG_PERM_PUBLISH_AUDIO = 1u << 0,
	SIG_PERM_PUBLISH_VIDEO = 1u << 1,
	SIG_PERM_SHARE_SCREEN = 1u << 2,
	SIG_PERM_SUBSCRIBE = 1u << 3,
	SIG_PERM_MODERATE = 1u << 4,
};
#define SIG_PERM_ALL 0x1fu

struct sig_session {
	int64_t id; /* 0 until stored */
	enum sig_kind kind;
	char *title;
	int capacity; /* roster entries at most, 1..SIG_CAPACITY_MAX */
	bool waiting_room;
	bool names_editable; /* participants may choose the name others see for their visit */
	enum sig_publish_policy publish_policy;
	struct sig_schedule schedule;
	int64_t ended_at; /* 0 = not ended; else ended for good by a host or admin */
	int64_t created_at, updated_at;
	char *external_id; /* the scheduling system's id (model/metadata.h); NULL = none */
	char *metadata;	   /* canonical JSON object text (model/metadata.h); NULL = {} */
};

struct sig_roster_entry {
	int64_t id;
	int64_t session_id;
	char *display_name;
	enum sig_role role;
	unsigned permissions; /* enum sig_permission bits */
	bool auto_admit;      /* skips the waiting room */
	int64_t removed_at;   /* 0 = on the roster; else removed by a host */
	int64_t created_at, updated_at;
	char *external_id; /* as in struct sig_session */
	char *metadata;
};

struct sig_invite {
	int64_t id;
	int64_t roster_entry_id;
	int64_t session_id;
	uint8_t
	    token_hash[CRYPTO_SHA256_BYTES]; /* SHA-256 of the token; the token is never stored */
	int max_uses;			     /* 1..SIG_INVITE_USES_MAX */
	int uses;			     /* occurrences joined with it (not joins) */
	int64_t created_at;
	int64_t revoked_at;   /* 0 = not revoked */
	int64_t last_used_at; /* 0 = never */
};

/* What the store remembers of one occurrence of a session (the
 * occurrence itself is computed from the schedule, schedule.h): it is keyed
 * by its scheduled start. */
struct sig_occurrence_record {
	int64_t session_id;
	int64_t start;	       /* the occurrence's scheduled start, Unix s */
	int64_t first_join_at; /* 0 = nobody joined yet */
	int64_t ended_at;      /* 0 = not ended; else a host or admin ended it */
};

/* What the audit log records. Stored by name (the strings below). */
enum sig_audit_kind {
	SIG_AUDIT_SESSION_CREATED = 0,
	SIG_AUDIT_SESSION_UPDATED,
	SIG_AUDIT_SESSION_DELETED,
	SIG_AUDIT_SESSION_ENDED,
	SIG_AUDIT_ROSTER_ADDED,
	SIG_AUDIT_ROSTER_UPDATED,
	SIG_AUDIT_ROSTER_DELETED,
	SIG_AUDIT_INVITE_CREATED,
	SIG_AUDIT_INVITE_REVOKED,
	SIG_AUDIT_JOIN,
	SIG_AUDIT_ADMIT,
	SIG_AUDIT_DENY,
	SIG_AUDIT_REMOVE,
	SIG_AUDIT_LEAVE,
	SIG_AUDIT_OCCURRENCE_STARTED, /* the first join of an occurrence */
	SIG_AUDIT_OCCURRENCE_ENDED,   /* a host or admin ended the current occurrence */
	SIG_AUDIT_INVITE_LOW,	      /* an invite became nearly used up (once per invite) */
	SIG_AUDIT_TO_WAITING, /* a host sent an admitted participant back to the waiting room */
	SIG_AUDIT_MUTE,	      /* a host muted a participant (the kinds, locked or not) */
	SIG_AUDIT_KIND_COUNT
};

/* One audit row. Rows name ids, never display names or tokens. */
struct sig_audit_event {
	int64_t id;    /* assigned by the store, increasing */
	int64_t at_ms; /* Unix milliseconds */
	enum sig_audit_kind kind;
	int64_t session_id;	 /* 0 = none */
	int64_t roster_entry_id; /* 0 = none */
	int64_t invite_id;	 /* 0 = none */
	char *actor;		 /* "api-key:<name>", "admin-socket", "roster:<id>", "system" */
	char *detail; /* a JSON object as text, "{}" when nothing more; no personal data */
	uint8_t prev_hash[CRYPTO_SHA256_BYTES]; /* hash of the row before (zeros for the first) */
	uint8_t hash[CRYPTO_SHA256_BYTES];	/* sig_audit_hash() of this row */
};

/* Names as they appear in JSON and in the database, and their parsers
 * (return 0 or -EINVAL). */
const char *sig_kind_name(enum sig_kind kind);
int sig_kind_parse(const char *name, enum sig_kind *ret_kind);
const char *sig_role_name(enum sig_role role);
int sig_role_parse(const char *name, enum sig_role *ret_role);
const char *sig_publish_policy_name(enum sig_publish_policy policy);
int sig_publish_policy_parse(const char *name, enum sig_publish_policy *ret_policy);
const char *sig_audit_kind_name(enum sig_audit_kind kind);
int sig_audit_kind_parse(const char *name, enum sig_audit_kind *ret_kind);
/* Permission names: publish_audio, publish_video, share_screen, subscribe,
 * moderate. Returns NULL for anything but a single known bit. */
const char *sig_permission_name(unsigned bit);

/* The kind's defaults: individual 3 (client + clinician + one spare), couples
 * 3, family 10, group 16, workshop 150; a waiting room for all but
 * workshops; workshops let only hosts publish; no kind lets participants
 * choose their own name. */
void sig_session_defaults(enum sig_kind kind, struct sig_session *session);

/* A role's permissions under a publish policy: hosts and cohosts get all;
 * client, partner, family and peer publish audio, video and screen and
 * subscribe; viewers subscribe. Under SIG_PUBLISH_HOSTS only hosts and
 * cohosts publish. */
unsigned sig_role_default_permissions(enum sig_role role, enum sig_publish_policy policy);
/* Hosts and cohosts are admitted automatically by default; others wait. */
bool sig_role_default_auto_admit(enum sig_role role);

/* Checks title, capacity, schedule (via schedule.h). Returns 0 or -EINVAL
 * with ret_field and ret_problem (caller frees) as in schedule.h. */
int sig_session_validate(const struct sig_session *session, const char **ret_field,
			 char **ret_problem);
/* Checks a display name, on the roster or chosen for a visit: 1..
 * SIG_DISPLAY_NAME_MAX bytes of UTF-8, no control characters, no space at
 * either end. Returns 0 or -EINVAL with ret_problem (caller frees). */
int sig_display_name_validate(const char *name, char **ret_problem);
/* Checks display name (as sig_display_name_validate()) and permissions. */
int sig_roster_entry_validate(const struct sig_roster_entry *entry, const char **ret_field,
			      char **ret_problem);

/* Uses an invite has left (never below 0), and whether that is "nearly
 * used up": at most max(2, 10 % of max_uses) left, when the clinic should
 * issue a new link. */
int sig_invite_remaining(const struct sig_invite *invite);
bool sig_invite_nearly_used_up(const struct sig_invite *invite);

/* The hash that chains audit rows: SHA-256 over the previous row's hash and
 * a canonical encoding of every other field of this row. */
void sig_audit_hash(const struct sig_audit_event *event, uint8_t ret_hash[CRYPTO_SHA256_BYTES]);

void sig_session_clear(struct sig_session *session);
void sig_roster_entry_clear(struct sig_roster_entry *entry);
void sig_audit_event_clear(struct sig_audit_event *event);

#endif
