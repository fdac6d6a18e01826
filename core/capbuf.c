#include "core/capbuf.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int capbuf_append(struct capbuf *b, const void *p, size_t n)
{
	size_t want, size;
	char *data;

	if (n > b->max - b->len) /* the cap first: len <= max always holds */
		return -EMSGSIZE;
	want = b->len + n;
	if (want > b->size) {
		size = b->size ? b->size : CAPBUF_MIN;
		while (size < want && size < b->max / 2)
			size *= 2;
		if (size < want || size > b->max)
			size = b->max;
		data = realloc(b->data, size);
		if (!data)
			return -ENOMEM;
		b->data = data;
		b->size = size;
	}
	if (n)
		memcpy(b->data + b->len, p, n);
	b->len = want;
	return 0;
}

void capbuf_reset(struct capbuf *b, size_t keep)
{
	b->len = 0;
	if (b->size > keep)
		capbuf_clear(b);
}

void capbuf_clear(struct capbuf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->size = 0;
}
