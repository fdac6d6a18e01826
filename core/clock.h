/* The clocks every layer reads. Monotonic time is for intervals, timeouts
 * and rates (it never jumps back when the wall clock is set); wall-clock
 * time is for what is stored or shown (created_at, audit rows, expiry). */
#ifndef HEARTH_CORE_CLOCK_H
#define HEARTH_CORE_CLOCK_H

#include <stdint.h>

/* CLOCK_MONOTONIC, in microseconds and in milliseconds. */
int64_t clock_mono_us(void);
int64_t clock_mono_ms(void);

/* CLOCK_REALTIME: Unix time in seconds and in milliseconds. */
int64_t clock_wall_s(void);
int64_t clock_wall_ms(void);

#endif
