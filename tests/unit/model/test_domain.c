/* Unit tests of model/domain: names, the defaults kinds and roles bring,
 * validation of what people type, and the audit hash. */
#include <errno.h>
#include <glib.h>
#include <string.h>

#include "model/domain.h"

static void test_names_round_trip(void)
{
	for (int k = 0; k < SIG_KIND_COUNT; k++) {
		enum sig_kind back;
		g_assert_cmpint(sig_kind_parse(sig_kind_name(k), &back), ==, 0);
		g_assert_cmpint(back, ==, k);
	}
	for (int r = 0; r < SIG_ROLE_COUNT; r++) {
		enum sig_role back;
		g_assert_cmpint(sig_role_parse(sig_role_name(r), &back), ==, 0);
		g_assert_cmpint(back, ==, r);
	}
	for (int a = 0; a < SIG_AUDIT_KIND_COUNT; a++) {
		enum sig_audit_kind back;
		g_assert_cmpint(sig_audit_kind_parse(sig_audit_kind_name(a), &back), ==, 0);
		g_assert_cmpint(back, ==, a);
	}
	enum sig_kind k;
	g_assert_cmpint(sig_kind_parse("Family", &k), <, 0);
	g_assert_cmpint(sig_kind_parse("", &k), <, 0);
	g_assert_cmpstr(sig_permission_name(SIG_PERM_MODERATE), ==, "moderate");
	g_assert_null(sig_permission_name(SIG_PERM_MODERATE | SIG_PERM_SUBSCRIBE));
	g_assert_null(sig_permission_name(1u << 7));
}

static void test_kind_defaults(void)
{
	static const struct {
		enum sig_kind kind;
		int capacity;
		bool waiting_room;
		enum sig_publish_policy policy;
	} want[] = {
	    {SIG_KIND_INDIVIDUAL, 3, true, SIG_PUBLISH_EVERYONE},
	    {SIG_KIND_COUPLES, 3, true, SIG_PUBLISH_EVERYONE},
	    {SIG_KIND_FAMILY, 10, true, SIG_PUBLISH_EVERYONE},
	    {SIG_KIND_GROUP, 16, true, SIG_PUBLISH_EVERYONE},
	    {SIG_KIND_WORKSHOP, 150, false, SIG_PUBLISH_HOSTS},
	};
	for (size_t i = 0; i < G_N_ELEMENTS(want); i++) {
		struct sig_session s = {.names_editable = true};
		sig_session_defaults(want[i].kind, &s);
		g_assert_cmpint(s.capacity, ==, want[i].capacity);
		g_assert_false(s.names_editable); /* no kind lets people pick names */
		g_assert_cmpint(s.waiting_room, ==, want[i].waiting_room);
		g_assert_cmpint(s.publish_policy, ==, want[i].policy);
	}
}

static void test_role_permissions(void)
{
	const unsigned av = SIG_PERM_PUBLISH_AUDIO | SIG_PERM_PUBLISH_VIDEO | SIG_PERM_SHARE_SCREEN;

	g_assert_cmpuint(sig_role_default_permissions(SIG_ROLE_HOST, SIG_PUBLISH_HOSTS), ==,
			 SIG_PERM_ALL);
	g_assert_cmpuint(sig_role_default_permissions(SIG_ROLE_COHOST, SIG_PUBLISH_EVERYONE), ==,
			 SIG_PERM_ALL);
	g_assert_cmpuint(sig_role_default_permissions(SIG_ROLE_FAMILY, SIG_PUBLISH_EVERYONE), ==,
			 av | SIG_PERM_SUBSCRIBE);
	g_assert_cmpuint(sig_role_default_permissions(SIG_ROLE_PEER, SIG_PUBLISH_HOSTS), ==,
			 SIG_PERM_SUBSCRIBE);
	g_assert_cmpuint(sig_role_default_permissions(SIG_ROLE_VIEWER, SIG_PUBLISH_EVERYONE), ==,
			 SIG_PERM_SUBSCRIBE);
	for (int r = 0; r < SIG_ROLE_COUNT; r++)
		if (r != SIG_ROLE_HOST && r != SIG_ROLE_COHOST)
			g_assert_false(sig_role_default_permissions(r, SIG_PUBLISH_EVERYONE) &
				       SIG_PERM_MODERATE);
	g_assert_true(sig_role_default_auto_admit(SIG_ROLE_HOST));
	g_assert_false(sig_role_default_auto_admit(SIG_ROLE_FAMILY));
}

static void expect_entry_problem(const char *name, const char *want_field)
{
	struct sig_roster_entry e = {.display_name = (char *)name, .role = SIG_ROLE_FAMILY};
	const char *field = NULL;
	char *problem = NULL;

	g_assert_cmpint(sig_roster_entry_validate(&e, &field, &problem), <, 0);
	g_assert_cmpstr(field, ==, want_field);
	g_assert_nonnull(problem);
	g_free(problem);
}

static void test_entry_validation(void)
{
	struct sig_roster_entry ok = {.display_name = (char *)"Zoë O'Neil",
				      .role = SIG_ROLE_PEER,
				      .permissions = SIG_PERM_SUBSCRIBE};
	const char *field = NULL;
	char *problem = NULL;
	char long_name[SIG_DISPLAY_NAME_MAX + 2];

	g_assert_cmpint(sig_roster_entry_validate(&ok, &field, &problem), ==, 0);
	expect_entry_problem("", "display_name");
	expect_entry_problem("tab\tname", "display_name");
	expect_entry_problem(" padded", "display_name");
	expect_entry_problem("\xff\xfe", "display_name");
	memset(long_name, 'a', sizeof(long_name) - 1);
	long_name[sizeof(long_name) - 1] = '\0';
	expect_entry_problem(long_name, "display_name");
	ok.permissions = 1u << 9;
	g_assert_cmpint(sig_roster_entry_validate(&ok, &field, &problem), <, 0);
	g_assert_cmpstr(field, ==, "permissions");
	g_free(problem);
}

/* A name chosen for a visit passes the roster's own rules. */
static void test_display_name_validation(void)
{
	char long_name[SIG_DISPLAY_NAME_MAX + 2];
	const char *bad[] = {"", "new\nline", "bell\a", "trailing ", "\xc3\x28", long_name};
	char *problem = NULL;

	memset(long_name, 'a', sizeof(long_name) - 1);
	long_name[sizeof(long_name) - 1] = '\0';
	g_assert_cmpint(sig_display_name_validate("Mum (Dana)", &problem), ==, 0);
	g_assert_null(problem);
	long_name[SIG_DISPLAY_NAME_MAX] = '\0';
	g_assert_cmpint(sig_display_name_validate(long_name, &problem), ==, 0);
	long_name[SIG_DISPLAY_NAME_MAX] = 'a';
	for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
		g_assert_cmpint(sig_display_name_validate(bad[i], &problem), ==, -EINVAL);
		g_assert_nonnull(problem);
		g_clear_pointer(&problem, g_free);
	}
	g_assert_cmpint(sig_display_name_validate(NULL, &problem), ==, -EINVAL);
	g_free(problem);
}

/* Nothing that reorders or hides what is shown: bidirectional formatting
 * characters and other invisible ones are refused like control characters
 * (roster names, chosen names and titles share the rule). */
static void test_display_name_invisible(void)
{
	static const char *const bidi[] = {
	    "\u202A", "\u202B", "\u202C", "\u202D", "\u202E", /* embeddings, overrides */
	    "\u2066", "\u2067", "\u2068", "\u2069",	      /* isolates */
	    "\u200E", "\u200F", "\u061C",		      /* marks */
	};
	static const char *const invisible[] = {
	    "\u200B", "\u2060", "\u2061",     "\u2062",	    "\u2063",	  "\u2064", "\uFEFF",
	    "\u00AD", "\u180E", "\U000E0001", "\U000E0041", "\U000E007F", "\u2028", "\u2029",
	};
	static const char *const good[] = {
	    "\u0645\u0647\u200C\u0646\u0627\u0632", /* Persian: a ZWNJ inside */
	    "Mum \U0001F469\u200D\U0001F467",	    /* an emoji ZWJ sequence */
	    "\u05D3\u05E0\u05D4 Dana",		    /* Hebrew and Latin, no controls */
	    "Zo\u00EB O'Neil",
	};
	static const char *const joiner_misplaced[] = {
	    "\u200DDana", "Dana\u200C", "Da \u200Cna", "Da\u200C\u200Dna", "\u200C",
	};
	char *problem = NULL;
	const char *field = NULL;

	for (size_t i = 0; i < G_N_ELEMENTS(bidi); i++) {
		g_autofree char *name = g_strconcat("Dana", bidi[i], "Evil", NULL);
		g_assert_cmpint(sig_display_name_validate(name, &problem), ==, -EINVAL);
		g_assert_nonnull(strstr(problem, "bidirectional"));
		g_clear_pointer(&problem, g_free);
	}
	for (size_t i = 0; i < G_N_ELEMENTS(invisible); i++) {
		g_autofree char *name = g_strconcat("Da", invisible[i], "na", NULL);
		g_assert_cmpint(sig_display_name_validate(name, &problem), ==, -EINVAL);
		g_assert_nonnull(strstr(problem, "invisible"));
		g_clear_pointer(&problem, g_free);
	}
	for (size_t i = 0; i < G_N_ELEMENTS(joiner_misplaced); i++) {
		g_assert_cmpint(sig_display_name_validate(joiner_misplaced[i], &problem), ==,
				-EINVAL);
		g_clear_pointer(&problem, g_free);
	}
	for (size_t i = 0; i < G_N_ELEMENTS(good); i++) {
		g_assert_cmpint(sig_display_name_validate(good[i], &problem), ==, 0);
		g_assert_null(problem);
	}
	/* The roster's own names and session titles are held to the same rule. */
	struct sig_roster_entry e = {.display_name = (char *)"Dr.\u202E Reyes",
				     .role = SIG_ROLE_HOST};
	g_assert_cmpint(sig_roster_entry_validate(&e, &field, &problem), ==, -EINVAL);
	g_assert_cmpstr(field, ==, "display_name");
	g_clear_pointer(&problem, g_free);
}

static void test_audit_hash(void)
{
	struct sig_audit_event a = {.id = 1,
				    .at_ms = 1700000000123,
				    .kind = SIG_AUDIT_JOIN,
				    .session_id = 4,
				    .roster_entry_id = 9,
				    .actor = (char *)"roster:9",
				    .detail = (char *)"{}"};
	struct sig_audit_event b = a;
	uint8_t ha[CRYPTO_SHA256_BYTES], hb[CRYPTO_SHA256_BYTES];

	sig_audit_hash(&a, ha);
	sig_audit_hash(&b, hb);
	g_assert_cmpmem(ha, sizeof(ha), hb, sizeof(hb));
	/* Every field counts, including the link to the row before. */
	b.roster_entry_id = 10;
	sig_audit_hash(&b, hb);
	g_assert_false(memcmp(ha, hb, sizeof(ha)) == 0);
	b = a;
	b.prev_hash[31] = 1;
	sig_audit_hash(&b, hb);
	g_assert_false(memcmp(ha, hb, sizeof(ha)) == 0);
	/* Field boundaries cannot be shifted: "roster:9" + "{}" differs from
	 * "roster:9{" + "}". */
	b = a;
	b.actor = (char *)"roster:9{";
	b.detail = (char *)"}";
	sig_audit_hash(&b, hb);
	g_assert_false(memcmp(ha, hb, sizeof(ha)) == 0);
}

/* Remaining uses and the "nearly used up" warning: max(2, 10 %) left. */
static void test_invite_low(void)
{
	struct sig_invite inv = {.max_uses = 20, .uses = 0};

	g_assert_cmpint(sig_invite_remaining(&inv), ==, 20);
	g_assert_false(sig_invite_nearly_used_up(&inv));
	inv.uses = 17; /* 3 left of 20: threshold max(2, 2) = 2 */
	g_assert_false(sig_invite_nearly_used_up(&inv));
	inv.uses = 18;
	g_assert_cmpint(sig_invite_remaining(&inv), ==, 2);
	g_assert_true(sig_invite_nearly_used_up(&inv));
	inv.uses = 25; /* more than allowed (max_uses lowered): none left */
	g_assert_cmpint(sig_invite_remaining(&inv), ==, 0);
	g_assert_true(sig_invite_nearly_used_up(&inv));
	inv = (struct sig_invite){.max_uses = 1000, .uses = 899}; /* 101 left of 1000 */
	g_assert_false(sig_invite_nearly_used_up(&inv));
	inv.uses = 900; /* 100 left: 10 % */
	g_assert_true(sig_invite_nearly_used_up(&inv));
	inv = (struct sig_invite){.max_uses = 2, .uses = 0}; /* small links start low */
	g_assert_true(sig_invite_nearly_used_up(&inv));
	/* The new audit kinds have names of their own. */
	g_assert_cmpstr(sig_audit_kind_name(SIG_AUDIT_OCCURRENCE_STARTED), ==,
			"occurrence_started");
	g_assert_cmpstr(sig_audit_kind_name(SIG_AUDIT_OCCURRENCE_ENDED), ==, "occurrence_ended");
	g_assert_cmpstr(sig_audit_kind_name(SIG_AUDIT_INVITE_LOW), ==, "invite_low");
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/domain/names", test_names_round_trip);
	g_test_add_func("/domain/kind-defaults", test_kind_defaults);
	g_test_add_func("/domain/role-permissions", test_role_permissions);
	g_test_add_func("/domain/entry-validation", test_entry_validation);
	g_test_add_func("/domain/display-name-validation", test_display_name_validation);
	g_test_add_func("/domain/display-name-invisible", test_display_name_invisible);
	g_test_add_func("/domain/audit-hash", test_audit_hash);
	g_test_add_func("/domain/invite-low", test_invite_low);
	return g_test_run();
}
