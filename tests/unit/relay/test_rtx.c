/* Unit tests of relay/rtx: the retransmission buffer (by sequence number,
 * across a wrap, replaced, aged out) and a subscriber's resend history
 * (once per RTT, capped per packet). */
#include <glib.h>
#include <errno.h>
#include <string.h>

#include "relay/rtx.h"

#define MS 1000LL

static void test_buffer(void)
{
	static struct relay_rtx_buffer b;
	uint8_t pkt[RELAY_RTX_PACKET_MAX + 1];
	int64_t t = 1000 * MS;

	memset(pkt, 0xab, sizeof(pkt));
	g_assert_null(relay_rtx_buffer_find(&b, 0, t));
	for (unsigned i = 0; i < 600; i++) {
		pkt[0] = (uint8_t)i;
		g_assert_cmpint(relay_rtx_buffer_store(&b, (uint16_t)(65400 + i), pkt, 100 + i, t),
				==, 0);
	}
	/* The last 512 are there, the older ones replaced. */
	const struct relay_rtx_slot *s = relay_rtx_buffer_find(&b, (uint16_t)(65400 + 599), t);
	g_assert_nonnull(s);
	g_assert_cmpuint(s->len, ==, 699);
	g_assert_cmpuint(s->data[0], ==, (uint8_t)599);
	g_assert_nonnull(relay_rtx_buffer_find(&b, (uint16_t)(65400 + 600 - RELAY_RTX_SLOTS), t));
	g_assert_null(relay_rtx_buffer_find(&b, (uint16_t)(65400 + 599 - RELAY_RTX_SLOTS), t));
	g_assert_null(relay_rtx_buffer_find(&b, 65400, t));
	/* Too old to be worth resending. */
	g_assert_null(
	    relay_rtx_buffer_find(&b, (uint16_t)(65400 + 599), t + RELAY_RTX_MAX_AGE_US + 1));
	g_assert_cmpint(relay_rtx_buffer_store(&b, 1, pkt, sizeof(pkt), t), ==, -EMSGSIZE);
}

static void test_history(void)
{
	struct relay_rtx_history h = {0};
	int64_t t = 1000 * MS;

	g_assert_true(relay_rtx_history_allow(&h, 7, 100, t, 0));
	/* Not again within a round trip (100 ms without one). */
	g_assert_false(relay_rtx_history_allow(&h, 7, 100, t + 50 * MS, 0));
	/* Another packet, another stream: independent. */
	g_assert_true(relay_rtx_history_allow(&h, 7, 101, t + 50 * MS, 0));
	g_assert_true(relay_rtx_history_allow(&h, 8, 100, t + 50 * MS, 0));
	g_assert_true(relay_rtx_history_allow(&h, 7, 100, t + 100 * MS, 0));
	g_assert_false(relay_rtx_history_allow(&h, 7, 100, t + 150 * MS, 0));
	g_assert_true(relay_rtx_history_allow(&h, 7, 100, t + 150 * MS, 40 * MS));
	/* At most RELAY_RTX_MAX_RESENDS in all. */
	unsigned sent = 3;
	for (int64_t now = t + 200 * MS; now < t + 2000 * MS; now += 100 * MS)
		sent += relay_rtx_history_allow(&h, 7, 100, now, 0);
	g_assert_cmpuint(sent, ==, RELAY_RTX_MAX_RESENDS);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/relay/rtx/buffer", test_buffer);
	g_test_add_func("/relay/rtx/history", test_history);
	return g_test_run();
}
