/* Unit tests of the ICE timeout (relay/ice.c, relay_ice_check_timeout):
 * a transport without any valid check 30 s after it was made is counted
 * once as hearth_transport_failures_total{reason="ice_timeout"} and
 * logged once with its label's ids (never an address), and kept. */
#include <glib.h>
#include <glib/gstdio.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "core/log.h"
#include "relay/ice.h"

static uint64_t ice_timeouts(struct relay_worker *w)
{
	return atomic_load(&w->transport_failures[RELAY_FAILURE_ICE_TIMEOUT]);
}

static void test_counted_and_logged_once(void)
{
	struct relay_worker *w = g_new0(struct relay_worker, 1);
	struct relay_transport *t = g_new0(struct relay_transport, 1);
	g_autofree char *path = NULL;
	int fd = g_file_open_tmp("hearth-ice-XXXXXX", &path, NULL);
	int saved = dup(STDERR_FILENO);

	g_assert_cmpint(fd, >=, 0);
	w->index = 1;
	t->p.id = 7;
	g_strlcpy(t->p.label, "session=12 participant=p-00112233aabbccdd", sizeof(t->p.label));
	t->state = RELAY_TRANSPORT_NEW;
	t->consent_us = 1000000; /* made at 1 s */

	log_set_format(LOG_FORMAT_JSON);
	g_assert_cmpint(dup2(fd, STDERR_FILENO), ==, STDERR_FILENO);
	relay_ice_check_timeout(w, t, 1000000 + RELAY_CONSENT_TIMEOUT_US); /* not yet */
	g_assert_cmpuint(ice_timeouts(w), ==, 0);
	relay_ice_check_timeout(w, t, 1000001 + RELAY_CONSENT_TIMEOUT_US);
	relay_ice_check_timeout(w, t, 9000000 + RELAY_CONSENT_TIMEOUT_US);
	dup2(saved, STDERR_FILENO);
	close(saved);
	log_set_format(LOG_FORMAT_TEXT);
	g_assert_cmpuint(ice_timeouts(w), ==, 1);
	g_assert_cmpint(t->state, ==, RELAY_TRANSPORT_NEW); /* kept */

	g_autofree char *text = NULL;
	g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
	g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
	g_assert_cmpuint(g_strv_length(lines), ==, 2); /* one line, and "" after it */
	json_t *line = json_loads(lines[0], 0, NULL);
	g_assert_nonnull(line);
	g_assert_cmpstr(json_string_value(json_object_get(line, "session")), ==, "12");
	g_assert_cmpstr(json_string_value(json_object_get(line, "participant")), ==,
			"p-00112233aabbccdd");
	g_assert_cmpstr(json_string_value(json_object_get(line, "transport")), ==, "7");
	g_assert_cmpstr(json_string_value(json_object_get(line, "worker")), ==, "1");
	g_assert_nonnull(strstr(json_string_value(json_object_get(line, "msg")), "ICE timeout"));
	json_decref(line);
	close(fd);
	g_unlink(path);

	/* One that had a check, or got past it, is no ICE timeout. */
	struct relay_transport *u = g_new0(struct relay_transport, 1);
	u->state = RELAY_TRANSPORT_DTLS;
	relay_ice_check_timeout(w, u, 100 * RELAY_CONSENT_TIMEOUT_US);
	u->state = RELAY_TRANSPORT_NEW;
	u->bound = true;
	relay_ice_check_timeout(w, u, 100 * RELAY_CONSENT_TIMEOUT_US);
	g_assert_cmpuint(ice_timeouts(w), ==, 1);
	g_free(u);
	g_free(t);
	g_free(w);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/relay/ice/timeout-once", test_counted_and_logged_once);
	return g_test_run();
}
