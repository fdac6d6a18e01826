/* The client protocol's sending: closing a connection, queueing a message
 * (with the waiting room's last guard), replies and errors. Below ws.c and
 * the other ws_*.c files, which all send through it. */
#include <errno.h>
#include <glib.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "live/room.h"
#include "live/ws_internal.h"

/* Disconnects within a second: after the queue drains, or by force. */
void sig_ws_close(struct sig_ws_conn *conn, enum sig_ws_close_code code)
{
	if (conn->closing)
		return;
	conn->closing = true;
	conn->io->close(conn, code);
}

/* What may reach someone in the waiting room: the answers to its own
 * requests and what happens to itself. Nothing about the others, whatever
 * path it comes by (docs/protocol.md, "The waiting room"). */
static bool sig_ws_waiting_may_hear(const json_t *msg)
{
	static const char *const own[] = {"error",	    "pong",	   "admitted",
					  "denied",	    "bye",	   "session.ended",
					  "session.ending", "ice.servers", "waiting"};
	const char *type = json_string_value(json_object_get(msg, "type"));

	if (!type)
		return false;
	if (g_str_has_suffix(type, ".ok"))
		return true;
	for (size_t i = 0; i < G_N_ELEMENTS(own); i++)
		if (strcmp(type, own[i]) == 0)
			return true;
	return false;
}

/* Queues msg (takes it) for the client. A client that does not read what
 * it is sent is disconnected rather than buffered without bound. */
void sig_ws_send(struct sig_ws_conn *conn, json_t *msg)
{
	char *text = NULL;

	if (conn->member && conn->member->waiting && !sig_ws_waiting_may_hear(msg)) {
		/* A path that forgot the waiting room: dropped, and said so. */
		const char *type = json_string_value(json_object_get(msg, "type"));
		log_error("ws: session %lld: not sending \"%s\" to %s, who is waiting",
			  (long long)conn->member->session_id, type ? type : "?",
			  conn->member->participant_id);
		json_decref(msg);
		return;
	}
	text = json_dumps(msg, JSON_COMPACT);
	json_decref(msg);
	if (!text || conn->closing)
		goto out;
	if (conn->io->write(conn, text, strlen(text)) == -ENOBUFS) {
		log_warn("ws: participant %s reads too slowly; disconnecting",
			 conn->member ? conn->member->participant_id : "-");
		sig_ws_close(conn, SIG_WS_CLOSE_POLICY);
	}
out:
	free(text);
}

void sig_ws_send_member(struct sig_member *member, json_t *msg)
{
	if (member->conn)
		sig_ws_send(member->conn, msg);
	else
		json_decref(msg);
}

void sig_ws_tell(void *userdata, struct sig_member *member, json_t *msg)
{
	(void)userdata;
	sig_ws_send_member(member, msg);
}

void sig_ws_reply(struct sig_ws_conn *conn, const json_t *id, const char *type, json_t *msg)
{
	g_autofree char *ok = g_strconcat(type, ".ok", NULL);

	if (!msg)
		msg = json_object();
	json_object_set_new(msg, "type", json_string(ok));
	if (id)
		json_object_set(msg, "id", (json_t *)id);
	sig_ws_send(conn, msg);
}

void sig_ws_error(struct sig_ws_conn *conn, const json_t *id, const char *code, const char *message,
		  json_t *extra)
{
	json_t *error = json_pack("{s:s,s:s}", "code", code, "message", message);
	json_t *msg;

	conn->last_error = code;
	if (extra)
		json_object_update(error, extra);
	json_decref(extra);
	msg = json_pack("{s:s,s:o}", "type", "error", "error", error);
	if (id)
		json_object_set(msg, "id", (json_t *)id);
	sig_ws_send(conn, msg);
}
