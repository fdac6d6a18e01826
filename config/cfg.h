/* hearthd's configuration: the keys, their defaults, loading and validation.
 *
 * The file is INI as read by GLib's GKeyFile. Every key is described once, in
 * the table in cfg.c; that table drives loading, --set overrides, validation
 * and `hearthd --help-config`, and config/hearthd.conf.example documents the
 * same keys (a unit test keeps the two in step).
 *
 * Problems are reported as "file:line: [section] key: what is wrong", one
 * string each, appended to the caller's GPtrArray (which owns them). */
#ifndef HEARTH_CONFIG_CFG_H
#define HEARTH_CONFIG_CFG_H

#include <glib.h>
#include <stdbool.h>

#include "config/addr_pair.h"
#include "core/log.h"

/* Exit status for a configuration error (sysexits.h EX_CONFIG). */
#define CFG_EXIT_CONFIG 78

#define CFG_MAX_WORKERS 64
#define CFG_NODE_ID_MAX 64 /* bytes of [cluster] node_id */

struct cfg_origin {
	const char *file; /* interned with g_intern_string(); NULL = default */
	int line;	  /* 0 when not from a file line */
};

struct cfg {
	/* [server] */
	char *listen_address;	     /* one IPv4 and/or one IPv6 address */
	struct cfg_addr_pair listen; /* derived by cfg_resolve() */
	int listen_port;
	char *public_url;	 /* "" = derived from listen address and port */
	bool public_url_derived; /* set by cfg_resolve() when it derived it */
	char *tls_certificate;
	char *tls_private_key;
	char *trusted_proxies;	    /* "" or ranges; see netaddr_list_parse() */
	char *trusted_proxy_header; /* "x-forwarded-for" or "forwarded" */
	int max_connections_per_address;
	int drain_seconds; /* SIGTERM: longest wait for clients to be told and gone */
	/* [storage] */
	char *state_directory;
	char *admin_socket; /* "" = derived: $RUNTIME_DIRECTORY or state dir */
	char *database_url; /* "": SQLite in state_directory; else postgresql://, no password */
	char *database_password_file; /* "": libpq's PGPASSWORD or PGPASSFILE */
	/* The password read from database_password_file by cfg_resolve();
	 * NULL otherwise. Wiped by cfg_clear(). */
	char *database_password_resolved;
	/* [cluster] */
	char *cluster_node_id;	   /* this node's unique name; derived when empty */
	int cluster_lease_seconds; /* an occurrence's lease lasts this long unrenewed */
	char *cluster_entry_url;   /* "": clients fall back to the page's origin */
	/* [media] */
	int media_workers;	  /* 0 = one per core, resolved by cfg_resolve() */
	char *media_bind_address; /* one IPv4 and/or one IPv6 address */
	int media_port_min;
	int media_port_max;
	int media_tcp_port;	    /* ICE-TCP, passive (RFC 6544), every worker's; 0 = off */
	char *media_public_address; /* "" or at most one of each family */
	/* Derived by cfg_resolve() from the two above: what the workers bind,
	 * the public addresses, and the address of each family the SDP offers
	 * ("" = none); dual_stack: "::" alone, one socket for both families. */
	struct cfg_addr_pair media_bind, media_public, media_advertised;
	bool media_dual_stack;
	int media_loss_repair;	       /* 1: negotiate NACK/RTX hop by hop */
	int media_audio_red;	       /* 1: negotiate RED for Opus (RFC 2198) */
	int media_subscriber_max_kbps; /* the cap of each subscriber's bandwidth estimate */
	int media_fit_downlinks;       /* 1: each subscriber's video within its estimate */
	int media_audio_duplicate;     /* 1: audio twice to lossy subscribers without RED */
	char *media_dtls_certificate;  /* "" = an ECDSA P-256 certificate made at start */
	char *media_dtls_private_key;
	/* [metrics] */
	char *metrics_listen_address; /* "": /metrics on the main listener */
	int metrics_listen_port;
	char *metrics_key_sha256; /* "": no key (loopback clients only, unless own listener) */
	/* [log] */
	int log_level;	  /* enum log_level */
	char *log_format; /* "text" or "json" (core/log_line.h) */
	/* [admin] */
	char *admin_api_keys; /* "name:sha256hex[:read],..."; see cfg_api_keys_parse() */
	/* [turn] */
	char *turn_servers;	/* "" or turn:/turns: URLs; see cfg_turn_urls_parse() */
	char *turn_secret;	/* coturn's static-auth-secret; never logged nor dumped */
	char *turn_secret_file; /* or the file holding it */
	int turn_ttl;		/* seconds a credential is valid */
	/* The secret in use, from turn_secret or turn_secret_file, set by
	 * cfg_resolve() when turn_servers is set; NULL otherwise. Wiped by
	 * cfg_clear(). */
	char *turn_secret_resolved;
	/* [webhooks] */
	char *webhooks_url;	    /* "": no webhooks; see cfg_webhook_url_parse() */
	char *webhooks_secret;	    /* the HMAC key; never logged nor dumped */
	char *webhooks_secret_file; /* or the file holding it */
	int webhooks_outbox_max;    /* rows the outbox holds at most */
	/* The secret in use, set by cfg_resolve() when webhooks_url is set;
	 * NULL otherwise. Wiped by cfg_clear(). */
	char *webhooks_secret_resolved;

	/* Where each key's value came from, indexed like the key table. */
	struct cfg_origin *origins;
	/* The file this configuration was read from; NULL for defaults only. */
	char *path;
};

/* Fills cfg with the embedded defaults. Free with cfg_clear(). */
void cfg_init(struct cfg *cfg);
void cfg_clear(struct cfg *cfg);

/* Reads an INI file over the current values. Returns 0, or -EINVAL with one
 * message per problem appended to errors. */
int cfg_load_file(struct cfg *cfg, const char *path, GPtrArray *errors);

/* The same for text already in memory; name stands for the file in
 * messages. */
int cfg_load_data(struct cfg *cfg, const char *name, const char *text, size_t length,
		  GPtrArray *errors);

/* Applies "section.key=value" from the command line. */
int cfg_set_override(struct cfg *cfg, const char *assignment, GPtrArray *errors);

/* Checks rules that span keys (port ranges, TLS pairs) and fills in derived
 * values (workers = cores, public URL, admin socket). Call after loading. */
int cfg_resolve(struct cfg *cfg, GPtrArray *errors);

/* "http(s)://<listen address>:<port>" (IPv6 in brackets); caller frees. */
char *cfg_derive_public_url(const struct cfg *cfg, int port);

/* Returns a newly allocated "section.key = value" listing of every key. */
char *cfg_dump(const struct cfg *cfg);

/* The number of keys and their "section.key" names, for docs and tests. */
size_t cfg_key_count(void);
const char *cfg_key_section(size_t index);
const char *cfg_key_name(size_t index);
/* The default as the example config spells it. */
const char *cfg_key_default(size_t index);
/* Whether a running daemon applies a change of this key on SIGHUP. */
bool cfg_key_reloadable(size_t index);

#define CFG_API_KEYS_MAX     64
#define CFG_API_KEY_NAME_MAX 32

/* One admin API key as configured: only the SHA-256 of the key is known. */
struct cfg_api_key {
	char name[CFG_API_KEY_NAME_MAX + 1]; /* [a-z0-9_-], 1..32 */
	unsigned char hash[32];
	bool read_only;
};

/* Parses "name:sha256hex[:read]" entries separated by commas (spaces
 * allowed around them). Returns the number of keys (0..CFG_API_KEYS_MAX)
 * written to ret_keys, or -EINVAL with ret_problem (caller frees). */
int cfg_api_keys_parse(const char *text, struct cfg_api_key ret_keys[CFG_API_KEYS_MAX],
		       char **ret_problem);

/* Compares two resolved configurations; appends "section.key" of each key
 * whose value differs to changed (caller frees with g_ptr_array_unref). */
void cfg_diff(const struct cfg *a, const struct cfg *b, GPtrArray *changed);

#endif
