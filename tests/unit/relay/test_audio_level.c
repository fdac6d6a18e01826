/* Unit tests of relay/audio_level: the RFC 6464 level read from packets
 * made by hand (RFC 8285 one-byte and two-byte forms, the V flag, other
 * elements around it, malformed blocks), and a stream's window: averaged
 * over its 20 ms frames, silence below the floor, DTX read as silence, no
 * report before the window is full or when nothing was heard. */
#include <errno.h>
#include <glib.h>
#include <string.h>

#include "relay/audio_level.h"

#define MS 1000LL

/* One-byte form (0xBEDE): id 1 = a 2-byte element (0x1234), then id 3 =
 * the level 0x80 | 42 (voice, -42 dBov), padding; then the payload. */
static const uint8_t one_byte[] = {0x90, 111, 0,    1,	  0,   0,   0,	  1,	0,    0,
				   0,	 2,   0xbe, 0xde, 0,   2,   0x11, 0x12, 0x34, 0x30,
				   0xaa, 0,   0,    0,	  'o', 'p', 'u',  's'};

static void test_read_one_byte(void)
{
	uint8_t pkt[sizeof(one_byte)], level = 0;
	bool voice = false;

	memcpy(pkt, one_byte, sizeof(pkt));
	g_assert_cmpint(relay_audio_level_read(pkt, sizeof(pkt), 3, &level, &voice), ==, 0);
	g_assert_cmpuint(level, ==, 42);
	g_assert_true(voice);
	pkt[20] = 0x7f; /* no voice, -127 dBov: digital silence */
	g_assert_cmpint(relay_audio_level_read(pkt, sizeof(pkt), 3, &level, &voice), ==, 0);
	g_assert_cmpuint(level, ==, 127);
	g_assert_false(voice);
	/* Not negotiated under that id, or not there. */
	g_assert_cmpint(relay_audio_level_read(pkt, sizeof(pkt), 4, &level, &voice), ==, -ENOENT);
	/* id 1 holds two bytes: not a level. */
	g_assert_cmpint(relay_audio_level_read(pkt, sizeof(pkt), 1, &level, &voice), ==, -EINVAL);
	/* The level element claims 2 bytes: not RFC 6464's one. */
	pkt[19] = 0x31;
	g_assert_cmpint(relay_audio_level_read(pkt, sizeof(pkt), 3, &level, &voice), ==, -EINVAL);
	/* The block runs past the packet. */
	g_assert_cmpint(relay_audio_level_read(pkt, 20, 3, &level, &voice), ==, -EINVAL);
	/* No extension bit: no level, whatever follows. */
	memcpy(pkt, one_byte, sizeof(pkt));
	pkt[0] = 0x80;
	g_assert_cmpint(relay_audio_level_read(pkt, sizeof(pkt), 3, &level, &voice), ==, -ENOENT);
	g_assert_cmpint(relay_audio_level_read(pkt, 5, 3, &level, &voice), ==, -ENOENT);
	g_assert_cmpuint(level, ==, 127); /* untouched on failure */
}

static void test_read_two_bytes(void)
{
	/* Two-byte form (0x1000), one CSRC: id 20 (empty), padding, id 3 of
	 * length 1: -6 dBov, no voice flag. */
	uint8_t pkt[] = {0x91, 111,  0,	   1, 0, 0,  0, 1, 0, 0, 0, 2, 0, 0,  0,
			 9,    0x10, 0x00, 0, 2, 20, 0, 0, 3, 1, 6, 0, 0, 'x'};
	uint8_t level = 0;
	bool voice = true;

	g_assert_cmpint(relay_audio_level_read(pkt, sizeof(pkt), 3, &level, &voice), ==, 0);
	g_assert_cmpuint(level, ==, 6);
	g_assert_false(voice);
	/* A level of length 0 (two-byte form allows it): refused. */
	pkt[24] = 0;
	g_assert_cmpint(relay_audio_level_read(pkt, sizeof(pkt), 3, &level, &voice), ==, -EINVAL);
	/* A profile that is neither form (RFC 3550 §5.3.1): no elements. */
	pkt[16] = 0x12;
	g_assert_cmpint(relay_audio_level_read(pkt, sizeof(pkt), 3, &level, &voice), ==, -ENOENT);
}

static void test_window_average(void)
{
	struct relay_audio_level_acc acc = {0};
	int64_t t = 1000 * MS;
	unsigned activity = 12345;

	/* Nothing heard: nothing to report, ever. */
	g_assert_false(relay_audio_level_take(&acc, t, &activity));
	/* 13 packets of 20 ms at -20 dBov (30 dB above the floor). */
	for (int i = 0; i < 13; i++)
		relay_audio_level_add(&acc, 20, t + i * 20 * MS);
	/* The window is not full yet. */
	g_assert_false(relay_audio_level_take(&acc, t + 240 * MS, &activity));
	g_assert_cmpuint(activity, ==, 12345);
	/* 260 ms: 13 frames, each 30 dB above the floor. */
	g_assert_true(relay_audio_level_take(&acc, t + 260 * MS, &activity));
	g_assert_cmpuint(activity, ==, 3000);
	/* Taken: empty again. */
	g_assert_false(relay_audio_level_take(&acc, t + 600 * MS, &activity));
	/* Half the frames at -10 dBov, half below the floor. */
	t += 1000 * MS;
	for (int i = 0; i < 14; i++)
		relay_audio_level_add(&acc, i % 2 ? 10 : 70, t + i * 20 * MS);
	g_assert_true(relay_audio_level_take(&acc, t + 280 * MS, &activity));
	g_assert_cmpuint(activity, ==, 7 * 40 * 100 / 14);
	/* Digital silence and the loudest possible. */
	t += 1000 * MS;
	for (int i = 0; i < 13; i++)
		relay_audio_level_add(&acc, 127, t + i * 20 * MS);
	g_assert_true(relay_audio_level_take(&acc, t + 260 * MS, &activity));
	g_assert_cmpuint(activity, ==, 0);
	for (int i = 0; i < 13; i++)
		relay_audio_level_add(&acc, 0, t + i * 20 * MS);
	g_assert_true(relay_audio_level_take(&acc, t + 260 * MS, &activity));
	g_assert_cmpuint(activity, ==, RELAY_AUDIO_LEVEL_ACTIVITY_MAX);
}

static void test_window_dtx(void)
{
	struct relay_audio_level_acc acc = {0};
	int64_t t = 5000 * MS;
	unsigned activity = 0;

	/* One loud packet, then DTX (nothing) for 400 ms: the window counts 20
	 * frames, one of them loud. */
	relay_audio_level_add(&acc, 0, t);
	g_assert_true(relay_audio_level_take(&acc, t + 400 * MS, &activity));
	g_assert_cmpuint(activity, ==, 50 * 100 / 20);
	/* 10 ms packets: more packets than frames, averaged per packet. */
	for (int i = 0; i < 30; i++)
		relay_audio_level_add(&acc, 30, t + i * 10 * MS);
	g_assert_true(relay_audio_level_take(&acc, t + 300 * MS, &activity));
	g_assert_cmpuint(activity, ==, 2000);
	/* Reset (a host's mute) forgets what was summed. */
	relay_audio_level_add(&acc, 0, t);
	relay_audio_level_reset(&acc);
	g_assert_false(relay_audio_level_take(&acc, t + 900 * MS, &activity));
}

static void test_on_packet(void)
{
	struct relay_audio_level_acc acc = {0};
	unsigned activity = 0;

	/* -42 dBov: 8 dB above the floor; one packet in a window of 260 ms
	 * (13 frames). */
	relay_audio_level_on_packet(&acc, one_byte, sizeof(one_byte), 3, 100 * MS);
	/* Without the element (another id): not counted. */
	relay_audio_level_on_packet(&acc, one_byte, sizeof(one_byte), 5, 120 * MS);
	g_assert_cmpuint(acc.packets, ==, 1);
	g_assert_true(relay_audio_level_take(&acc, 360 * MS, &activity));
	g_assert_cmpuint(activity, ==, 8 * 100 / 13);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/audio-level/read-one-byte", test_read_one_byte);
	g_test_add_func("/audio-level/read-two-bytes", test_read_two_bytes);
	g_test_add_func("/audio-level/window-average", test_window_average);
	g_test_add_func("/audio-level/window-dtx", test_window_dtx);
	g_test_add_func("/audio-level/on-packet", test_on_packet);
	return g_test_run();
}
