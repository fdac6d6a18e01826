/* libFuzzer target: events between nodes (service/node_event.c), the text
 * a node reads back from the node_events table. Whatever decodes must
 * encode to exactly the input (one text per event: a node never applies
 * something it would not have written), and whatever fails leaves the
 * event untouched. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "service/node_event.h"
#include "store/store.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sig_node_event ev, before;
	char out[SIG_STORE_EVENT_BODY_MAX + 1];
	int r, n;

	memset(&ev, 0xa5, sizeof(ev));
	before = ev;
	r = sig_node_event_decode((const char *)data, size, &ev);
	if (r < 0) {
		if (memcmp(&ev, &before, sizeof(ev)) != 0)
			abort();
		return 0;
	}
	n = sig_node_event_encode(&ev, out, sizeof(out));
	if (n < 0 || (size_t)n != size || memcmp(out, data, size) != 0)
		abort();
	return 0;
}
