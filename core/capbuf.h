/* A byte buffer filled from outside (a WebSocket message, a request body)
 * with a hard cap: it grows on demand, doubling from CAPBUF_MIN, and never
 * past its cap, which is checked before anything grows. The struct is the
 * caller's (embedded, zeroed apart from max); the bytes are the buffer's. */
#ifndef HEARTH_CORE_CAPBUF_H
#define HEARTH_CORE_CAPBUF_H

#include <stddef.h>

#define CAPBUF_MIN 1024 /* bytes allocated by the first append */

struct capbuf {
	char *data;  /* owned; NULL until the first append */
	size_t len;  /* bytes held */
	size_t size; /* bytes allocated */
	size_t max;  /* the cap: len never exceeds it */
};

/* Appends n bytes of p. Returns 0; -EMSGSIZE when len + n would pass max
 * (nothing is appended, nothing allocated); -ENOMEM. */
int capbuf_append(struct capbuf *b, const void *p, size_t n);

/* Empties b for the next message; frees the bytes when more than keep were
 * allocated, so that one large message does not pin its size. */
void capbuf_reset(struct capbuf *b, size_t keep);

/* Frees the bytes; b may be reused (its max stays). */
void capbuf_clear(struct capbuf *b);

#endif
