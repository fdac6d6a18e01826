/* The clocks every layer reads (see clock.h). */
#include "core/clock.h"

#include <time.h>

static struct timespec clock_read(clockid_t id)
{
	struct timespec ts;

	/* Fails only for an invalid clock id, and these two always exist. */
	(void)clock_gettime(id, &ts);
	return ts;
}

int64_t clock_mono_us(void)
{
	struct timespec ts = clock_read(CLOCK_MONOTONIC);

	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int64_t clock_mono_ms(void)
{
	struct timespec ts = clock_read(CLOCK_MONOTONIC);

	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t clock_wall_s(void)
{
	return (int64_t)clock_read(CLOCK_REALTIME).tv_sec;
}

int64_t clock_wall_ms(void)
{
	struct timespec ts = clock_read(CLOCK_REALTIME);

	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}
