/* Unit tests of relay/audio_dup: when copies go (the smoothed loss, with
 * hysteresis), and which packet goes again (the stream's one before, byte
 * for byte; per stream; none too large to keep). */
#include <glib.h>
#include <string.h>

#include "relay/audio_dup.h"

static void test_loss_hysteresis(void)
{
	static struct relay_audio_dup d;
	int steps = 0;

	memset(&d, 0, sizeof(d));
	/* 0.4 % (1/256) for long: never on. */
	for (int i = 0; i < 100; i++)
		g_assert_false(relay_audio_dup_loss(&d, 1));
	/* 2 % (5/256): on within a few looks (smoothed by 1/8). */
	while (!relay_audio_dup_loss(&d, 5) && steps < 100)
		steps++;
	g_assert_cmpint(steps, >, 2);
	g_assert_cmpint(steps, <, 20);
	/* 0.8 % keeps it on (above the off mark), nothing turns it off... */
	for (int i = 0; i < 100; i++)
		g_assert_true(relay_audio_dup_loss(&d, 2));
	/* ...until the loss is gone. */
	steps = 0;
	while (relay_audio_dup_loss(&d, 0) && steps < 100)
		steps++;
	g_assert_cmpint(steps, <, 30);
}

static void test_swap(void)
{
	static struct relay_audio_dup d;
	uint8_t a[100], b[120], c[RELAY_DUP_BYTES + 1], out[600];

	memset(&d, 0, sizeof(d));
	memset(a, 0xaa, sizeof(a));
	memset(b, 0xbb, sizeof(b));
	memset(c, 0xcc, sizeof(c));
	/* The first of a stream: nothing before it. */
	g_assert_cmpuint(relay_audio_dup_swap(&d, 7, a, sizeof(a), out, sizeof(out)), ==, 0);
	/* Another stream does not see it. */
	g_assert_cmpuint(relay_audio_dup_swap(&d, 8, b, sizeof(b), out, sizeof(out)), ==, 0);
	/* The next of stream 7 brings a back, byte for byte. */
	g_assert_cmpuint(relay_audio_dup_swap(&d, 7, b, sizeof(b), out, sizeof(out)), ==,
			 sizeof(a));
	g_assert_cmpmem(out, sizeof(a), a, sizeof(a));
	g_assert_cmpuint(relay_audio_dup_swap(&d, 8, a, sizeof(a), out, sizeof(out)), ==,
			 sizeof(b));
	g_assert_cmpmem(out, sizeof(b), b, sizeof(b));
	/* Too large to keep: the next finds nothing. */
	g_assert_cmpuint(relay_audio_dup_swap(&d, 7, c, sizeof(c), out, sizeof(out)), ==,
			 sizeof(b));
	g_assert_cmpuint(relay_audio_dup_swap(&d, 7, a, sizeof(a), out, sizeof(out)), ==, 0);
	/* A caller's buffer too small for the kept one: nothing, no overrun. */
	g_assert_cmpuint(relay_audio_dup_swap(&d, 7, a, sizeof(a), out, 10), ==, 0);
}

/* More streams than slots: each new one takes a slot in turn; nothing
 * sent belongs to another stream. */
static void test_many_streams(void)
{
	static struct relay_audio_dup d;
	uint8_t pkt[8], out[64];

	memset(&d, 0, sizeof(d));
	for (int round = 0; round < 3; round++)
		for (uint32_t ssrc = 1; ssrc <= RELAY_DUP_STREAMS + 4; ssrc++) {
			memcpy(pkt, &ssrc, sizeof(ssrc));
			size_t n =
			    relay_audio_dup_swap(&d, ssrc, pkt, sizeof(pkt), out, sizeof(out));
			if (n) {
				uint32_t was;
				memcpy(&was, out, sizeof(was));
				g_assert_cmpuint(was, ==, ssrc);
			}
		}
}

/* Turned off, what was kept is forgotten: turned on again later, no
 * stale packet goes. */
static void test_off_forgets(void)
{
	static struct relay_audio_dup d;
	uint8_t pkt[10] = {1}, out[64];

	memset(&d, 0, sizeof(d));
	while (!relay_audio_dup_loss(&d, 10))
		;
	relay_audio_dup_swap(&d, 5, pkt, sizeof(pkt), out, sizeof(out));
	while (relay_audio_dup_loss(&d, 0))
		;
	while (!relay_audio_dup_loss(&d, 10))
		;
	g_assert_cmpuint(relay_audio_dup_swap(&d, 5, pkt, sizeof(pkt), out, sizeof(out)), ==, 0);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/relay/audio-dup/loss-hysteresis", test_loss_hysteresis);
	g_test_add_func("/relay/audio-dup/swap", test_swap);
	g_test_add_func("/relay/audio-dup/many-streams", test_many_streams);
	g_test_add_func("/relay/audio-dup/off-forgets", test_off_forgets);
	return g_test_run();
}
