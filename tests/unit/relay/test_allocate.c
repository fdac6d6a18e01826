/* The layer allocator (relay/allocate.c): budgets against tracks of three
 * encodings of 150, 500 and 1,500 kbit/s (a camera sent as q/h/f). */
#include <glib.h>
#include <string.h>

#include "relay/allocate.h"

#define NONE RELAY_LAYER_NONE

static struct relay_alloc_track camera(bool priority, uint8_t current)
{
	return (struct relay_alloc_track){.layers = 3,
					  .bps = {150000, 500000, 1500000},
					  .cap = NONE,
					  .priority = priority,
					  .current = current};
}

static void test_budgets(void)
{
	struct relay_alloc_track t[2];

	/* Plenty: the best for both. */
	t[0] = camera(false, NONE);
	t[1] = camera(false, NONE);
	g_assert_cmpuint(relay_alloc(5000000, t, 2), ==, 3000000);
	g_assert_cmpuint(t[0].layer, ==, 2);
	g_assert_cmpuint(t[1].layer, ==, 2);

	/* 600 kbit/s: both the lowest; a step up (350 k, 437 k with the
	 * headroom) fits neither. */
	g_assert_cmpuint(relay_alloc(600000, t, 2), ==, 300000);
	g_assert_cmpuint(t[0].layer, ==, 0);
	g_assert_cmpuint(t[1].layer, ==, 0);

	/* 900 kbit/s: one goes up, in turn, not both. */
	g_assert_cmpuint(relay_alloc(900000, t, 2), ==, 650000);
	g_assert_cmpuint(t[0].layer, ==, 1);
	g_assert_cmpuint(t[1].layer, ==, 0);

	/* 200 kbit/s: one lowest encoding fits (with the 25 % to go on); the
	 * other track gets no video (its sound goes on). */
	g_assert_cmpuint(relay_alloc(200000, t, 2), ==, 150000);
	g_assert_cmpuint(t[0].layer, ==, 0);
	g_assert_cmpuint(t[1].layer, ==, NONE);
	/* 140 kbit/s: the one that has video keeps it (80 % of 150 k fits),
	 * one that has none does not get it. */
	t[0].current = 0;
	g_assert_cmpuint(relay_alloc(140000, t, 2), ==, 140000);
	g_assert_cmpuint(t[0].layer, ==, 0);
	g_assert_cmpuint(t[1].layer, ==, NONE);
	t[0].current = NONE;
	/* Nothing fits: audio only. */
	g_assert_cmpuint(relay_alloc(100000, t, 2), ==, 0);
	g_assert_cmpuint(t[0].layer, ==, NONE);
	g_assert_cmpuint(t[1].layer, ==, NONE);
}

static void test_priority_hidden_cap(void)
{
	struct relay_alloc_track t[3] = {camera(false, NONE), camera(true, NONE),
					 camera(false, NONE)};

	/* 2 Mbit/s: the speaker (second) all the way first, then the others. */
	t[2].hidden = true;
	relay_alloc(2000000, t, 3);
	g_assert_cmpuint(t[1].layer, ==, 2);
	g_assert_cmpuint(t[0].layer, ==, 0);
	g_assert_cmpuint(t[2].layer, ==, NONE); /* hidden: nothing, no cost */
	/* Tight: the speaker keeps video when another cannot. */
	relay_alloc(190000, t, 3);
	g_assert_cmpuint(t[1].layer, ==, 0);
	g_assert_cmpuint(t[0].layer, ==, NONE);

	/* A small tile: no more than its cap. */
	t[1].cap = 1;
	relay_alloc(5000000, t, 3);
	g_assert_cmpuint(t[1].layer, ==, 1);
	g_assert_cmpuint(t[0].layer, ==, 2);
}

static void test_headroom(void)
{
	/* 1.55 Mbit/s pays for h -> f (1 M) plus q, but not the headroom
	 * (1.25 M): a track that has h stays there, one that has f keeps it. */
	struct relay_alloc_track t = camera(false, 1);
	relay_alloc(1550000, &t, 1);
	g_assert_cmpuint(t.layer, ==, 1);
	t.current = 2;
	relay_alloc(1550000, &t, 1);
	g_assert_cmpuint(t.layer, ==, 2);
	/* Below what f costs: down at once. */
	relay_alloc(1400000, &t, 1);
	g_assert_cmpuint(t.layer, ==, 1);
}

static void test_not_sent(void)
{
	/* The top encoding is not being sent (the publisher paused it): the
	 * best below; nothing sent at all: the lowest, for free. */
	struct relay_alloc_track t = camera(false, NONE);
	t.bps[2] = 0;
	relay_alloc(5000000, &t, 1);
	g_assert_cmpuint(t.layer, ==, 1);
	t.bps[0] = 0;
	t.bps[1] = 0;
	g_assert_cmpuint(relay_alloc(5000000, &t, 1), ==, 0);
	g_assert_cmpuint(t.layer, ==, 0);

	/* One encoding (not simulcast): all or nothing. */
	struct relay_alloc_track one = {
	    .layers = 1, .bps = {1200000}, .cap = NONE, .current = NONE};
	relay_alloc(1000000, &one, 1);
	g_assert_cmpuint(one.layer, ==, NONE);
	relay_alloc(1500000, &one, 1); /* 1.2 M and the 25 % to come on */
	g_assert_cmpuint(one.layer, ==, 0);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/relay/allocate/budgets", test_budgets);
	g_test_add_func("/relay/allocate/priority-hidden-cap", test_priority_hidden_cap);
	g_test_add_func("/relay/allocate/headroom", test_headroom);
	g_test_add_func("/relay/allocate/not-sent", test_not_sent);
	return g_test_run();
}
