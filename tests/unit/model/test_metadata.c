/* Unit tests of model/metadata: external ids, metadata objects (limits,
 * canonical form, the field named in each problem) and idempotency keys. */
#include <errno.h>
#include <glib.h>
#include <string.h>

#include "model/metadata.h"

static void test_external_id(void)
{
	char *problem = NULL;
	char text[SIG_EXTERNAL_ID_MAX + 2];

	g_assert_cmpint(sig_external_id_validate("appt-2026-12-01/ü", &problem), ==, 0);
	memset(text, 'x', sizeof(text) - 1);
	text[SIG_EXTERNAL_ID_MAX] = '\0';
	g_assert_cmpint(sig_external_id_validate(text, &problem), ==, 0);
	text[SIG_EXTERNAL_ID_MAX] = 'x';
	text[SIG_EXTERNAL_ID_MAX + 1] = '\0';
	const char *bad[] = {"", text, "a\tb", "a\x7f", "\xc3", "a\xc2\x85"};
	for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
		g_assert_cmpint(sig_external_id_validate(bad[i], &problem), ==, -EINVAL);
		g_assert_nonnull(problem);
		g_clear_pointer(&problem, g_free);
	}
	g_assert_cmpint(sig_external_id_validate(NULL, &problem), ==, -EINVAL);
	g_free(problem);
}

/* Checks JSON text as metadata: returns the result, with the canonical
 * text or the field at fault. */
static int check(const char *json, char **ret_text, char **ret_field)
{
	json_t *v = json_loads(json, 0, NULL);
	g_autofree char *problem = NULL;
	int r;

	g_assert_nonnull(v);
	*ret_text = (char *)"untouched";
	*ret_field = NULL;
	r = sig_metadata_from_json(v, ret_text, ret_field, &problem);
	g_assert_true((r == 0) == (problem == NULL));
	json_decref(v);
	return r;
}

static void test_metadata_canonical(void)
{
	char *text, *field;

	g_assert_cmpint(check("{ \"b\": 1, \"a\": \"x\", \"c\": true, \"d\": 2.5 }", &text, &field),
			==, 0);
	g_assert_cmpstr(text, ==, "{\"a\":\"x\",\"b\":1,\"c\":true,\"d\":2.5}");
	json_t *back = sig_metadata_to_json(text);
	g_assert_cmpint(json_integer_value(json_object_get(back, "b")), ==, 1);
	json_decref(back);
	g_free(text);
	g_assert_cmpint(check("{}", &text, &field), ==, 0);
	g_assert_null(text);
	back = sig_metadata_to_json(NULL);
	g_assert_true(json_is_object(back) && json_object_size(back) == 0);
	json_decref(back);
	back = sig_metadata_to_json("[1]");
	g_assert_true(json_is_object(back) && json_object_size(back) == 0);
	json_decref(back);
}

static void expect_field(const char *json, const char *want)
{
	char *text, *field;

	g_assert_cmpint(check(json, &text, &field), ==, -EINVAL);
	g_assert_cmpstr(text, ==, "untouched");
	g_assert_cmpstr(field, ==, want);
	g_free(field);
}

static void test_metadata_limits(void)
{
	GString *many = g_string_new("{");
	char *text, *field;

	for (int i = 0; i < SIG_METADATA_KEYS_MAX; i++)
		g_string_append_printf(many, "%s\"k%d\":%d", i ? "," : "", i, i);
	g_string_append(many, "}");
	g_assert_cmpint(check(many->str, &text, &field), ==, 0);
	g_free(text);
	g_string_truncate(many, many->len - 1);
	g_string_append(many, ",\"one-more\":1}");
	expect_field(many->str, "metadata");
	g_string_free(many, TRUE);

	expect_field("[]", "metadata");
	expect_field("{\"\":1}", "metadata");
	expect_field("{\"0123456789012345678901234567890123456789x\":1}", "metadata");
	g_assert_cmpint(check("{\"0123456789012345678901234567890123456789\":1}", &text, &field),
			==, 0);
	g_free(text);
	expect_field("{\"a\\u0001\":1}", "metadata");
	expect_field("{\"nested\":{\"a\":1}}", "metadata.nested");
	expect_field("{\"list\":[1]}", "metadata.list");
	expect_field("{\"none\":null}", "metadata.none");

	/* 2,048 bytes in canonical form, and one more. */
	GString *big = g_string_new("{\"k\":\"");
	g_string_append_len(big, "................................................................",
			    64);
	while (big->len < SIG_METADATA_MAX - 2)
		g_string_append_c(big, 'v');
	g_string_append(big, "\"}");
	g_assert_cmpuint(big->len, ==, SIG_METADATA_MAX);
	g_assert_cmpint(check(big->str, &text, &field), ==, 0);
	g_free(text);
	g_string_insert_c(big, 6, 'v');
	expect_field(big->str, "metadata");
	g_string_free(big, TRUE);
}

static void test_idempotency_key(void)
{
	char key[SIG_IDEMPOTENCY_KEY_MAX + 1];
	char *problem = NULL;

	memset(key, 'a', sizeof(key));
	g_assert_cmpint(sig_idempotency_key_validate(key, SIG_IDEMPOTENCY_KEY_MAX, &problem), ==,
			0);
	g_assert_cmpint(sig_idempotency_key_validate("a b~!", 5, &problem), ==, 0);
	const struct {
		const char *key;
		size_t len;
	} bad[] = {{"", 0},	 {key, sizeof(key)}, {"a\tb", 3}, {"caf\xc3\xa9", 5},
		   {"a\x7f", 2}, {"a\0b", 3}};
	for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
		g_assert_cmpint(sig_idempotency_key_validate(bad[i].key, bad[i].len, &problem), ==,
				-EINVAL);
		g_assert_nonnull(problem);
		g_clear_pointer(&problem, g_free);
	}
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/model/metadata/external-id", test_external_id);
	g_test_add_func("/model/metadata/canonical", test_metadata_canonical);
	g_test_add_func("/model/metadata/limits", test_metadata_limits);
	g_test_add_func("/model/metadata/idempotency-key", test_idempotency_key);
	return g_test_run();
}
