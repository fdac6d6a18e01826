/* This node among several on one database (docs/operations.md, "Several
 * nodes"): its heartbeat (its row in the nodes table, renewing the leases
 * it holds), and the lease that homes each open occurrence on one node,
 * so that media for a session never crosses nodes. A join or resume for
 * an occurrence another live node holds is sent there (its public URL); a
 * lease whose holder stopped beating expires after lease_seconds and the
 * next node asked takes it over. With SQLite, one node holds every lease.
 *
 * Control thread only. The store is borrowed. */
#ifndef HEARTH_SERVICE_CLUSTER_H
#define HEARTH_SERVICE_CLUSTER_H

#include <stdbool.h>
#include <stdint.h>

#include "store/store.h"

#define SIG_CLUSTER_HELD_MAX 4096 /* leases one node holds at most */

struct sig_cluster;

/* node_id, public_url and media (its addresses, as text) are copied. sole:
 * this node is the only one there can be (SQLite): it takes every lease,
 * whoever held it (a node id changed across a restart). */
struct sig_cluster *sig_cluster_new(struct sig_store *store, const char *node_id,
				    const char *public_url, const char *media, int lease_seconds,
				    bool sole);
struct sig_cluster *sig_cluster_free(struct sig_cluster *cluster);

const char *sig_cluster_node_id(const struct sig_cluster *cluster);
/* How often to beat: a quarter of the lease, so that three beats may fail
 * before it expires. */
int64_t sig_cluster_beat_interval_ms(const struct sig_cluster *cluster);

/* Whether session_id has anyone (connected or within a resume window) on
 * this node. */
typedef bool (*sig_cluster_present_fn)(void *userdata, int64_t session_id);

/* This node no longer holds session_id's lease: another took it over while
 * this one could not beat (a partition, a stalled database). */
typedef void (*sig_cluster_lost_fn)(void *userdata, int64_t session_id);

/* The heartbeat: leases of sessions nobody is present in any more are
 * released; after a lease's time without a beat that worked, each lease
 * held is checked, and the ones another node took are forgotten and told
 * to lost (may be NULL); then this node's row is written (load:
 * participants present) and its other leases renewed, in one transaction.
 * Also refreshes the live nodes' list (sig_cluster_peer_origins). 0 or a
 * store error. */
int sig_cluster_beat(struct sig_cluster *cluster, int64_t now_ms, int load,
		     sig_cluster_present_fn present, sig_cluster_lost_fn lost, void *userdata);

enum sig_cluster_home {
	SIG_CLUSTER_HERE = 0,	  /* this node holds the lease already */
	SIG_CLUSTER_TAKEN = 1,	  /* this node took it now: restore its seats */
	SIG_CLUSTER_ELSEWHERE = 2 /* another live node holds it: *ret_url */
};
/* Where the occurrence (session_id, start) is served: takes (or renews)
 * its lease when it is free, expired, or this node's. Returns an enum
 * sig_cluster_home, with *ret_url (caller frees) the holder's public URL
 * for SIG_CLUSTER_ELSEWHERE; or a negative errno (-ENOENT: no such
 * session; -ENOSPC: SIG_CLUSTER_HELD_MAX held). */
int sig_cluster_home(struct sig_cluster *cluster, int64_t session_id, int64_t start, int64_t now_ms,
		     char **ret_url);

/* Drain: every lease released and this node's row deleted, so that the
 * others take its sessions at once. */
void sig_cluster_leave(struct sig_cluster *cluster);

/* "scheme://host[:port]" of an http(s) URL (a node's public URL, read from
 * the database), or NULL when it has no such shape or holds characters a
 * CSP source could not (caller frees). Pure; fuzzed. */
char *sig_cluster_origin(const char *url);

/* The origins (scheme://host:port) of the other live nodes as of the last
 * beat, space-separated, "" for none; borrowed until the next beat. */
const char *sig_cluster_peer_origins(const struct sig_cluster *cluster);

#endif
