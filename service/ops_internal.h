/* The state of the shared operations (session_ops.c, participant_ops.c).
 * Private to service/. */
#ifndef HEARTH_SERVICE_OPS_INTERNAL_H
#define HEARTH_SERVICE_OPS_INTERNAL_H

#include "service/session_ops.h"

struct sig_ops {
	struct sig_store *store; /* borrowed */
	const struct sig_presence_listener *listener;
	void *listener_data;
};

#endif
