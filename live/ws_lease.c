/* The cluster a node belongs to (service/cluster.h), as the client
 * protocol asks it: which node's lease homes a session's current
 * occurrence. ws_home.c answers joins and resumes with it; seats.c asks it
 * before restoring seats. */
#include <glib.h>

#include "core/clock.h"
#include "live/ws_internal.h"
#include "service/cluster.h"
#include "service/occurrence.h"

void sig_ws_use_cluster(struct sig_ws *ws, struct sig_cluster *cluster)
{
	ws->cluster = cluster;
}

int sig_ws_lease(struct sig_ws *ws, const struct sig_session *session, int64_t now, char **ret_url)
{
	struct sig_occurrence_view view;
	int r;

	if (!ws->cluster)
		return SIG_CLUSTER_HERE;
	/* The occurrence a join now would be in names the lease. */
	r = sig_occurrence_view(ws->store, session, now, &view);
	if (r < 0)
		return r;
	return sig_cluster_home(ws->cluster, session->id, view.occurrence.start, clock_wall_ms(),
				ret_url);
}
