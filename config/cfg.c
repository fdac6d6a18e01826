#include "config/cfg.h"

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "config/cfg_scan.h"
#include "config/database_url.h"
#include "config/turn_urls.h"
#include "config/webhook_url.h"
#include "core/netaddr.h"
#include "core/parse.h"

/* A configuration file larger than this is refused before it is parsed. */
#define CFG_MAX_FILE_BYTES (1024 * 1024)
/* Any single string value longer than this is refused. */
#define CFG_MAX_VALUE_BYTES 4096

enum cfg_type {
	CFG_STRING,	  /* free text */
	CFG_PATH,	  /* a file system path */
	CFG_ADDRESS,	  /* an IPv4 or IPv6 literal */
	CFG_ADDRESS_PAIR, /* one IPv4 and/or one IPv6 literal: cfg_addr_pair_parse() */
	CFG_INT,	  /* a decimal integer within [min, max] */
	CFG_LEVEL,	  /* a log level name */
	CFG_URL,	  /* http:// or https:// URL */
	CFG_API_KEYS,	  /* see cfg_api_keys_parse() */
	CFG_RANGES,	  /* comma-separated IP addresses or CIDR ranges */
	CFG_PROXY_HEADER, /* x-forwarded-for or forwarded */
	CFG_SHA256,	  /* 64 hex digits */
	CFG_TURN_URLS,	  /* see cfg_turn_urls_parse() */
	CFG_SECRET,	  /* free text never shown: not in messages, "(set)" in dumps */
	CFG_LOG_FORMAT,	  /* text or json (core/log_line.h) */
};

struct cfg_key {
	const char *section;
	const char *name;
	enum cfg_type type;
	size_t offset;
	long min, max;
	bool allow_empty;
	bool reloadable;
	const char *def;
};

#define KEY(sec, nm, ty, field, lo, hi, empty, reload, dflt)                                       \
	{                                                                                          \
		sec, nm, ty, offsetof(struct cfg, field), lo, hi, empty, reload, dflt              \
	}

/* Keep config/hearthd.conf.example in step: tests/unit/config checks it. */
static const struct cfg_key cfg_keys[] = {
    KEY("server", "listen_address", CFG_ADDRESS_PAIR, listen_address, 0, 0, false, false,
	"127.0.0.1"),
    KEY("server", "listen_port", CFG_INT, listen_port, 0, 65535, false, false, "8080"),
    KEY("server", "public_url", CFG_URL, public_url, 0, 0, true, false, ""),
    KEY("server", "tls_certificate", CFG_PATH, tls_certificate, 0, 0, true, true, ""),
    KEY("server", "tls_private_key", CFG_PATH, tls_private_key, 0, 0, true, true, ""),
    KEY("server", "trusted_proxies", CFG_RANGES, trusted_proxies, 0, 0, true, true, ""),
    KEY("server", "trusted_proxy_header", CFG_PROXY_HEADER, trusted_proxy_header, 0, 0, false, true,
	"x-forwarded-for"),
    KEY("server", "max_connections_per_address", CFG_INT, max_connections_per_address, 1, 65535,
	false, true, "32"),
    KEY("server", "drain_seconds", CFG_INT, drain_seconds, 0, 8, false, false, "2"),
    KEY("storage", "state_directory", CFG_PATH, state_directory, 0, 0, true, false, ""),
    KEY("storage", "admin_socket", CFG_PATH, admin_socket, 0, 0, true, false, ""),
    KEY("storage", "database_url", CFG_STRING, database_url, 0, 0, true, false, ""),
    KEY("storage", "database_password_file", CFG_PATH, database_password_file, 0, 0, true, false,
	""),
    KEY("cluster", "node_id", CFG_STRING, cluster_node_id, 0, 0, true, false, ""),
    KEY("cluster", "lease_seconds", CFG_INT, cluster_lease_seconds, 4, 10, false, false, "10"),
    KEY("cluster", "entry_url", CFG_URL, cluster_entry_url, 0, 0, true, false, ""),
    KEY("media", "workers", CFG_INT, media_workers, 0, CFG_MAX_WORKERS, false, false, "0"),
    KEY("media", "bind_address", CFG_ADDRESS_PAIR, media_bind_address, 0, 0, false, false,
	"127.0.0.1"),
    KEY("media", "port_min", CFG_INT, media_port_min, 0, 65535, false, false, "40000"),
    KEY("media", "port_max", CFG_INT, media_port_max, 0, 65535, false, false, "40063"),
    KEY("media", "tcp_port", CFG_INT, media_tcp_port, 0, 65535, false, false, "0"),
    KEY("media", "public_address", CFG_ADDRESS_PAIR, media_public_address, 0, 0, true, false, ""),
    KEY("media", "dtls_certificate", CFG_PATH, media_dtls_certificate, 0, 0, true, true, ""),
    KEY("media", "loss_repair", CFG_INT, media_loss_repair, 0, 1, false, false, "1"),
    KEY("media", "audio_red", CFG_INT, media_audio_red, 0, 1, false, false, "1"),
    KEY("media", "subscriber_max_kbps", CFG_INT, media_subscriber_max_kbps, 100, 100000, false,
	false, "5000"),
    KEY("media", "fit_downlinks", CFG_INT, media_fit_downlinks, 0, 1, false, false, "1"),
    KEY("media", "audio_duplicate", CFG_INT, media_audio_duplicate, 0, 1, false, false, "1"),
    KEY("media", "dtls_private_key", CFG_PATH, media_dtls_private_key, 0, 0, true, true, ""),
    KEY("metrics", "listen_address", CFG_ADDRESS, metrics_listen_address, 0, 0, true, false, ""),
    KEY("metrics", "listen_port", CFG_INT, metrics_listen_port, 0, 65535, false, false, "9464"),
    KEY("metrics", "key_sha256", CFG_SHA256, metrics_key_sha256, 0, 0, true, true, ""),
    KEY("log", "level", CFG_LEVEL, log_level, 0, 0, false, true, "info"),
    KEY("log", "format", CFG_LOG_FORMAT, log_format, 0, 0, false, true, "text"),
    KEY("admin", "api_keys", CFG_API_KEYS, admin_api_keys, 0, 0, true, true, ""),
    KEY("turn", "servers", CFG_TURN_URLS, turn_servers, 0, 0, true, false, ""),
    KEY("turn", "secret", CFG_SECRET, turn_secret, 0, 0, true, false, ""),
    KEY("turn", "secret_file", CFG_PATH, turn_secret_file, 0, 0, true, false, ""),
    KEY("turn", "ttl", CFG_INT, turn_ttl, 60, 86400, false, false, "300"),
    KEY("webhooks", "url", CFG_URL, webhooks_url, 0, 0, true, false, ""),
    KEY("webhooks", "secret", CFG_SECRET, webhooks_secret, 0, 0, true, false, ""),
    KEY("webhooks", "secret_file", CFG_PATH, webhooks_secret_file, 0, 0, true, false, ""),
    KEY("webhooks", "outbox_max", CFG_INT, webhooks_outbox_max, 100, 100000, false, false, "10000"),
};

#define CFG_KEY_COUNT (sizeof(cfg_keys) / sizeof(cfg_keys[0]))

size_t cfg_key_count(void)
{
	return CFG_KEY_COUNT;
}

const char *cfg_key_section(size_t index)
{
	g_assert(index < CFG_KEY_COUNT);
	return cfg_keys[index].section;
}

const char *cfg_key_name(size_t index)
{
	g_assert(index < CFG_KEY_COUNT);
	return cfg_keys[index].name;
}

const char *cfg_key_default(size_t index)
{
	g_assert(index < CFG_KEY_COUNT);
	return cfg_keys[index].def;
}

bool cfg_key_reloadable(size_t index)
{
	g_assert(index < CFG_KEY_COUNT);
	return cfg_keys[index].reloadable;
}

static void *cfg_field(struct cfg *cfg, const struct cfg_key *key)
{
	return (char *)cfg + key->offset;
}

static const void *cfg_field_const(const struct cfg *cfg, const struct cfg_key *key)
{
	return (const char *)cfg + key->offset;
}

static int cfg_find_key(const char *section, const char *name)
{
	for (size_t i = 0; i < CFG_KEY_COUNT; i++)
		if (strcmp(cfg_keys[i].section, section) == 0 &&
		    strcmp(cfg_keys[i].name, name) == 0)
			return (int)i;
	return -1;
}

static bool cfg_known_section(const char *section)
{
	for (size_t i = 0; i < CFG_KEY_COUNT; i++)
		if (strcmp(cfg_keys[i].section, section) == 0)
			return true;
	return false;
}

/* Checks and stores one value; on failure returns -EINVAL and a problem text
 * (caller frees) without touching cfg. */
static int cfg_store(struct cfg *cfg, const struct cfg_key *key, const char *value,
		     char **ret_problem)
{
	unsigned char addr[sizeof(struct in6_addr)];
	long number;
	enum log_level level;
	int r;

	if (strlen(value) > CFG_MAX_VALUE_BYTES) {
		*ret_problem =
		    g_strdup_printf("value is longer than %d bytes", CFG_MAX_VALUE_BYTES);
		return -EINVAL;
	}
	if (!*value && key->type != CFG_INT && key->type != CFG_LEVEL && !key->allow_empty) {
		*ret_problem = g_strdup("must not be empty");
		return -EINVAL;
	}

	switch (key->type) {
	case CFG_INT:
		r = parse_long(value, key->min, key->max, &number);
		if (r == -EINVAL) {
			*ret_problem = g_strdup_printf("\"%s\" is not a whole number", value);
			return -EINVAL;
		}
		if (r < 0) {
			*ret_problem = g_strdup_printf("%s is out of range (%ld..%ld)", value,
						       key->min, key->max);
			return -EINVAL;
		}
		*(int *)cfg_field(cfg, key) = (int)number;
		return 0;
	case CFG_LEVEL:
		if (log_level_parse(value, &level) < 0) {
			*ret_problem = g_strdup_printf(
			    "\"%s\" is not a log level (error, warn, info, debug)", value);
			return -EINVAL;
		}
		*(int *)cfg_field(cfg, key) = (int)level;
		return 0;
	case CFG_ADDRESS:
		if (*value && inet_pton(AF_INET, value, addr) != 1 &&
		    inet_pton(AF_INET6, value, addr) != 1) {
			*ret_problem =
			    g_strdup_printf("\"%s\" is not an IPv4 or IPv6 address", value);
			return -EINVAL;
		}
		break;
	case CFG_ADDRESS_PAIR: {
		struct cfg_addr_pair pair;
		if (cfg_addr_pair_parse(value, &pair, ret_problem) < 0)
			return -EINVAL;
		break;
	}
	case CFG_URL:
		if (*value && !g_str_has_prefix(value, "http://") &&
		    !g_str_has_prefix(value, "https://")) {
			*ret_problem =
			    g_strdup_printf("\"%s\" is not an http:// or https:// URL", value);
			return -EINVAL;
		}
		for (const char *c = value; *c; c++) {
			if (g_ascii_isspace(*c) || (unsigned char)*c < 0x20) {
				*ret_problem = g_strdup("a URL must not contain spaces");
				return -EINVAL;
			}
		}
		break;
	case CFG_API_KEYS: {
		struct cfg_api_key keys[CFG_API_KEYS_MAX];
		if (cfg_api_keys_parse(value, keys, ret_problem) < 0)
			return -EINVAL;
		break;
	}
	case CFG_RANGES: {
		struct netaddr_list list;
		char bad[64];
		r = netaddr_list_parse(value, &list, bad, sizeof(bad));
		if (r == -E2BIG) {
			*ret_problem = g_strdup_printf("more than %d entries", NETADDR_LIST_MAX);
			return -EINVAL;
		}
		if (r < 0) {
			*ret_problem = g_strdup_printf(
			    "\"%s\" is not an IP address or a CIDR range (e.g. 10.0.0.0/8) with "
			    "the host bits clear",
			    bad);
			return -EINVAL;
		}
		break;
	}
	case CFG_PROXY_HEADER:
		if (strcmp(value, "x-forwarded-for") != 0 && strcmp(value, "forwarded") != 0) {
			*ret_problem =
			    g_strdup_printf("\"%s\" is not x-forwarded-for or forwarded", value);
			return -EINVAL;
		}
		break;
	case CFG_LOG_FORMAT: {
		enum log_format format;
		if (log_format_parse(value, &format) < 0) {
			*ret_problem = g_strdup_printf("\"%s\" is not text or json", value);
			return -EINVAL;
		}
		break;
	}
	case CFG_SHA256:
		if (*value &&
		    (strlen(value) != 64 || strspn(value, "0123456789abcdefABCDEF") != 64)) {
			*ret_problem = g_strdup("must be a SHA-256 hash: 64 hexadecimal digits");
			return -EINVAL;
		}
		break;
	case CFG_TURN_URLS: {
		char urls[CFG_TURN_URLS_MAX][CFG_TURN_URL_MAX + 1];
		char problem[CFG_TURN_PROBLEM_MAX];
		if (cfg_turn_urls_parse(value, urls, problem) < 0) {
			*ret_problem = g_strdup(problem);
			return -EINVAL;
		}
		break;
	}
	case CFG_STRING:
	case CFG_PATH:
	case CFG_SECRET:
		break;
	}

	char **slot = cfg_field(cfg, key);
	if (key->type == CFG_SECRET && *slot)
		memset(*slot, 0, strlen(*slot));
	g_free(*slot);
	*slot = g_strdup(value);
	return 0;
}

void cfg_init(struct cfg *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->origins = g_new0(struct cfg_origin, CFG_KEY_COUNT);
	for (size_t i = 0; i < CFG_KEY_COUNT; i++) {
		char *problem = NULL;
		int r = cfg_store(cfg, &cfg_keys[i], cfg_keys[i].def, &problem);
		g_assert(r == 0);
		(void)r;
	}
}

void cfg_clear(struct cfg *cfg)
{
	if (!cfg)
		return;
	for (size_t i = 0; i < CFG_KEY_COUNT; i++) {
		const struct cfg_key *key = &cfg_keys[i];
		if (key->type != CFG_INT && key->type != CFG_LEVEL) {
			char **slot = cfg_field(cfg, key);
			if (key->type == CFG_SECRET && *slot)
				memset(*slot, 0, strlen(*slot));
			g_free(*slot);
		}
	}
	if (cfg->turn_secret_resolved)
		memset(cfg->turn_secret_resolved, 0, strlen(cfg->turn_secret_resolved));
	g_free(cfg->turn_secret_resolved);
	if (cfg->webhooks_secret_resolved)
		memset(cfg->webhooks_secret_resolved, 0, strlen(cfg->webhooks_secret_resolved));
	g_free(cfg->webhooks_secret_resolved);
	if (cfg->database_password_resolved)
		memset(cfg->database_password_resolved, 0, strlen(cfg->database_password_resolved));
	g_free(cfg->database_password_resolved);
	g_free(cfg->origins);
	g_free(cfg->path);
	memset(cfg, 0, sizeof(*cfg));
}

static void cfg_problem(GPtrArray *errors, const char *file, int line, const char *section,
			const char *name, const char *problem)
{
	GString *s = g_string_new(file ? file : "command line");
	if (line > 0)
		g_string_append_printf(s, ":%d", line);
	g_string_append(s, ": ");
	if (section)
		g_string_append_printf(s, "[%s]", section);
	if (name)
		g_string_append_printf(s, " %s", name);
	g_string_append_printf(s, ": %s", problem);
	g_ptr_array_add(errors, g_string_free(s, FALSE));
}

static int cfg_apply_group(struct cfg *cfg, GKeyFile *kf, const char *file,
			   const struct cfg_scan *scan, const char *group, GPtrArray *errors)
{
	g_auto(GStrv) names = g_key_file_get_keys(kf, group, NULL, NULL);
	int r = 0;

	for (size_t k = 0; names && names[k]; k++) {
		int line = cfg_scan_key_line(scan, group, names[k]);
		int idx = cfg_find_key(group, names[k]);
		if (idx < 0) {
			cfg_problem(errors, file, line, group, names[k], "unknown key");
			r = -EINVAL;
			continue;
		}
		g_autoptr(GError) error = NULL;
		g_autofree char *value = g_key_file_get_string(kf, group, names[k], &error);
		if (!value) {
			cfg_problem(errors, file, line, group, names[k], error->message);
			r = -EINVAL;
			continue;
		}
		g_autofree char *problem = NULL;
		if (cfg_store(cfg, &cfg_keys[idx], value, &problem) < 0) {
			cfg_problem(errors, file, line, group, names[k], problem);
			r = -EINVAL;
			continue;
		}
		cfg->origins[idx].file = g_intern_string(file);
		cfg->origins[idx].line = line;
	}
	return r;
}

int cfg_load_data(struct cfg *cfg, const char *name, const char *text, size_t length,
		  GPtrArray *errors)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *copy = NULL;
	struct cfg_scan scan;
	int r = 0;

	if (length > CFG_MAX_FILE_BYTES) {
		g_ptr_array_add(errors, g_strdup_printf("%s: file is larger than %d bytes", name,
							CFG_MAX_FILE_BYTES));
		return -EINVAL;
	}
	if (!g_utf8_validate_len(text, length, NULL)) {
		g_ptr_array_add(errors, g_strdup_printf("%s: file is not valid UTF-8", name));
		return -EINVAL;
	}
	copy = g_strndup(text, length);

	/* GKeyFile keeps no line numbers, and silently merges repeated sections
	 * and keys; one pass of our own finds both. */
	if (cfg_scan_text(&scan, name, copy, errors) < 0) {
		cfg_scan_clear(&scan);
		return -EINVAL;
	}

	g_autoptr(GKeyFile) kf = g_key_file_new();
	if (!g_key_file_load_from_data(kf, text, length, G_KEY_FILE_NONE, &error)) {
		g_ptr_array_add(errors, g_strdup_printf("%s: %s", name, error->message));
		cfg_scan_clear(&scan);
		return -EINVAL;
	}

	g_auto(GStrv) groups = g_key_file_get_groups(kf, NULL);
	for (size_t g = 0; groups && groups[g]; g++) {
		if (!cfg_known_section(groups[g])) {
			cfg_problem(errors, name, cfg_scan_section_line(&scan, groups[g]),
				    groups[g], NULL, "unknown section");
			r = -EINVAL;
			continue;
		}
		if (cfg_apply_group(cfg, kf, name, &scan, groups[g], errors) < 0)
			r = -EINVAL;
	}
	cfg_scan_clear(&scan);
	return r;
}

int cfg_load_file(struct cfg *cfg, const char *path, GPtrArray *errors)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *text = NULL;
	gsize length = 0;

	if (!g_file_get_contents(path, &text, &length, &error)) {
		g_ptr_array_add(errors,
				g_strdup_printf("%s: cannot read: %s", path, error->message));
		return -EINVAL;
	}
	if (cfg_load_data(cfg, path, text, length, errors) < 0)
		return -EINVAL;
	g_free(cfg->path);
	cfg->path = g_strdup(path);
	return 0;
}

int cfg_set_override(struct cfg *cfg, const char *assignment, GPtrArray *errors)
{
	const char *eq = strchr(assignment, '=');
	const char *dot = strchr(assignment, '.');

	if (!eq || !dot || dot > eq) {
		g_ptr_array_add(errors, g_strdup_printf("command line: --set %s: expected "
							"SECTION.KEY=VALUE",
							assignment));
		return -EINVAL;
	}
	g_autofree char *section = g_strndup(assignment, (gsize)(dot - assignment));
	g_autofree char *name = g_strndup(dot + 1, (gsize)(eq - dot - 1));
	int idx = cfg_find_key(section, name);
	if (idx < 0) {
		cfg_problem(errors, NULL, 0, section, name,
			    cfg_known_section(section) ? "unknown key" : "unknown section");
		return -EINVAL;
	}
	g_autofree char *problem = NULL;
	if (cfg_store(cfg, &cfg_keys[idx], eq + 1, &problem) < 0) {
		cfg_problem(errors, NULL, 0, section, name, problem);
		return -EINVAL;
	}
	cfg->origins[idx].file = g_intern_static_string("command line");
	cfg->origins[idx].line = 0;
	return 0;
}

static void cfg_key_problem(const struct cfg *cfg, GPtrArray *errors, const char *section,
			    const char *name, const char *problem)
{
	int idx = cfg_find_key(section, name);
	g_assert(idx >= 0);
	const struct cfg_origin *o = &cfg->origins[idx];
	cfg_problem(errors, o->file ? o->file : "defaults", o->line, section, name, problem);
}

/* The address of one family the SDP offers: the public one, else the bound
 * one unless that is the wildcard ("": none). */
static const char *cfg_offered(const char *public, const char *bound, bool wildcard)
{
	return *public ? public : wildcard ? "" : bound;
}

/* Which families the workers bind and what the SDP offers for each
 * (relay/README.md: one socket per family; "::" alone is dual-stack). */
static int cfg_resolve_media_addresses(struct cfg *cfg, GPtrArray *errors)
{
	struct cfg_addr_pair *bind = &cfg->media_bind, *pub = &cfg->media_public;
	g_autofree char *problem = NULL;

	/* Both were checked when stored. */
	if (cfg_addr_pair_parse(cfg->media_bind_address, bind, &problem) < 0 ||
	    cfg_addr_pair_parse(cfg->media_public_address, pub, &problem) < 0) {
		cfg_key_problem(cfg, errors, "media", "bind_address", problem);
		return -EINVAL;
	}
	cfg->media_dual_stack = cfg_addr_pair_v6_any(bind) && !*bind->v4;
	if (*pub->v4 && !*bind->v4 && !cfg->media_dual_stack) {
		cfg_key_problem(cfg, errors, "media", "public_address",
				"an IPv4 address needs an IPv4 [media] bind_address (or \"::\" "
				"alone, dual-stack)");
		return -EINVAL;
	}
	if (*pub->v6 && !*bind->v6) {
		cfg_key_problem(cfg, errors, "media", "public_address",
				"an IPv6 address needs an IPv6 [media] bind_address");
		return -EINVAL;
	}
	/* Browsers need an address they can reach in our ICE candidates; a
	 * wildcard bind has none to offer. */
	if ((cfg_addr_pair_v4_any(bind) && !*pub->v4) ||
	    (cfg_addr_pair_v6_any(bind) && !cfg->media_dual_stack && !*pub->v6) ||
	    (cfg->media_dual_stack && !*pub->v4 && !*pub->v6)) {
		cfg_key_problem(cfg, errors, "media", "bind_address",
				"a wildcard address needs [media] public_address of its family "
				"(the address browsers reach)");
		return -EINVAL;
	}
	struct cfg_addr_pair *adv = &cfg->media_advertised;
	g_strlcpy(adv->v4, cfg_offered(pub->v4, bind->v4, cfg_addr_pair_v4_any(bind)),
		  sizeof(adv->v4));
	g_strlcpy(adv->v6, cfg_offered(pub->v6, bind->v6, cfg_addr_pair_v6_any(bind)),
		  sizeof(adv->v6));
	return 0;
}

static int cfg_resolve_media(struct cfg *cfg, GPtrArray *errors)
{
	if (cfg_resolve_media_addresses(cfg, errors) < 0)
		return -EINVAL;
	/* ICE-TCP and the HTTP server cannot share a TCP port. */
	if (cfg->media_tcp_port && cfg->media_tcp_port == cfg->listen_port) {
		cfg_key_problem(cfg, errors, "media", "tcp_port",
				"is server.listen_port: ICE-TCP needs a port of its own");
		return -EINVAL;
	}
	if (cfg->media_workers == 0) {
		long cores = sysconf(_SC_NPROCESSORS_ONLN);
		cfg->media_workers = (int)CLAMP(cores, 1, CFG_MAX_WORKERS);
	}
	/* Port 0 asks the kernel for a free port per worker (tests use it). */
	if (cfg->media_port_min == 0) {
		if (cfg->media_port_max != 0) {
			cfg_key_problem(cfg, errors, "media", "port_max",
					"must be 0 when port_min is 0 (any free port)");
			return -EINVAL;
		}
		return 0;
	}
	if (cfg->media_port_max < cfg->media_port_min) {
		g_autofree char *p = g_strdup_printf("%d is below port_min (%d)",
						     cfg->media_port_max, cfg->media_port_min);
		cfg_key_problem(cfg, errors, "media", "port_max", p);
		return -EINVAL;
	}
	if (cfg->media_port_max - cfg->media_port_min + 1 < cfg->media_workers) {
		g_autofree char *p =
		    g_strdup_printf("the range %d..%d holds fewer ports than the %d media workers",
				    cfg->media_port_min, cfg->media_port_max, cfg->media_workers);
		cfg_key_problem(cfg, errors, "media", "port_max", p);
		return -EINVAL;
	}
	return 0;
}

/* A certificate and its key: both or neither, both readable. */
static int cfg_resolve_pair(struct cfg *cfg, GPtrArray *errors, const char *section,
			    const char *cert_key, const char *cert, const char *key_key,
			    const char *key)
{
	bool has_cert = *cert, has_key = *key;
	int r = 0;

	if (has_cert != has_key) {
		g_autofree char *p =
		    g_strdup_printf("set %s too (both or neither)", has_cert ? key_key : cert_key);
		cfg_key_problem(cfg, errors, section, has_cert ? cert_key : key_key, p);
		return -EINVAL;
	}
	if (has_cert && access(cert, R_OK) < 0) {
		g_autofree char *p = g_strdup_printf("cannot read %s: %s", cert, g_strerror(errno));
		cfg_key_problem(cfg, errors, section, cert_key, p);
		r = -EINVAL;
	}
	if (has_key && access(key, R_OK) < 0) {
		g_autofree char *p = g_strdup_printf("cannot read %s: %s", key, g_strerror(errno));
		cfg_key_problem(cfg, errors, section, key_key, p);
		r = -EINVAL;
	}
	return r;
}

static int cfg_resolve_tls(struct cfg *cfg, GPtrArray *errors)
{
	int r = cfg_resolve_pair(cfg, errors, "server", "tls_certificate", cfg->tls_certificate,
				 "tls_private_key", cfg->tls_private_key);
	int r2 =
	    cfg_resolve_pair(cfg, errors, "media", "dtls_certificate", cfg->media_dtls_certificate,
			     "dtls_private_key", cfg->media_dtls_private_key);
	return r < 0 ? r : r2;
}

/* The secret in a file (TURN, webhooks): its first line, readable by this
 * service only. Returns it (caller wipes and frees) or NULL with problem
 * set. */
static char *cfg_read_secret_file(const char *path, char **ret_problem)
{
	g_autoptr(GError) error = NULL;
	char *text = NULL;
	gsize length = 0;
	struct stat st;

	if (stat(path, &st) < 0) {
		*ret_problem = g_strdup_printf("cannot read %s: %s", path, g_strerror(errno));
		return NULL;
	}
	if (st.st_mode & (S_IRWXG | S_IRWXO)) {
		*ret_problem = g_strdup_printf("%s must be readable by this service only "
					       "(chmod 600 or 400; it is %03o)",
					       path, (unsigned)(st.st_mode & 0777));
		return NULL;
	}
	if (st.st_size > CFG_MAX_VALUE_BYTES) {
		*ret_problem =
		    g_strdup_printf("%s is longer than %d bytes", path, CFG_MAX_VALUE_BYTES);
		return NULL;
	}
	if (!g_file_get_contents(path, &text, &length, &error)) {
		*ret_problem = g_strdup_printf("cannot read %s: %s", path, error->message);
		return NULL;
	}
	/* The first line; a trailing newline (echo > file) is not part of it.
	 * What follows is wiped: the caller wipes up to the NUL only. */
	size_t line = strcspn(text, "\r\n");
	memset(text + line, 0, length - line);
	return text;
}

/* [turn]: servers need exactly one of secret and secret_file, at least 16
 * characters (an HMAC key a guess cannot find). */
static int cfg_resolve_turn(struct cfg *cfg, GPtrArray *errors)
{
	g_autofree char *problem = NULL;
	char *secret;

	if (!*cfg->turn_servers) {
		if (*cfg->turn_secret || *cfg->turn_secret_file) {
			cfg_key_problem(cfg, errors, "turn",
					*cfg->turn_secret ? "secret" : "secret_file",
					"a TURN secret needs [turn] servers");
			return -EINVAL;
		}
		return 0;
	}
	if (!!*cfg->turn_secret == !!*cfg->turn_secret_file) {
		cfg_key_problem(cfg, errors, "turn", "servers",
				"set exactly one of [turn] secret and [turn] secret_file");
		return -EINVAL;
	}
	if (*cfg->turn_secret_file) {
		secret = cfg_read_secret_file(cfg->turn_secret_file, &problem);
		if (!secret) {
			cfg_key_problem(cfg, errors, "turn", "secret_file", problem);
			return -EINVAL;
		}
	} else {
		secret = g_strdup(cfg->turn_secret);
	}
	if (strlen(secret) < 16) {
		cfg_key_problem(cfg, errors, "turn",
				*cfg->turn_secret_file ? "secret_file" : "secret",
				"the secret must have at least 16 characters");
		memset(secret, 0, strlen(secret));
		g_free(secret);
		return -EINVAL;
	}
	if (cfg->turn_secret_resolved) {
		memset(cfg->turn_secret_resolved, 0, strlen(cfg->turn_secret_resolved));
		g_free(cfg->turn_secret_resolved);
	}
	cfg->turn_secret_resolved = secret;
	return 0;
}

/* [webhooks]: a URL the delivery can use, and then exactly one of secret
 * and secret_file, at least 16 characters (an HMAC key a guess cannot
 * find). */
static int cfg_resolve_webhooks(struct cfg *cfg, GPtrArray *errors)
{
	g_autofree char *problem = NULL;
	char url_problem[CFG_WEBHOOK_PROBLEM_MAX];
	struct cfg_webhook_url url;
	const char *which = *cfg->webhooks_secret_file ? "secret_file" : "secret";
	char *secret;

	if (!*cfg->webhooks_url) {
		if (*cfg->webhooks_secret || *cfg->webhooks_secret_file) {
			cfg_key_problem(cfg, errors, "webhooks", which,
					"a webhook secret needs [webhooks] url");
			return -EINVAL;
		}
		return 0;
	}
	if (cfg_webhook_url_parse(cfg->webhooks_url, &url, url_problem) < 0) {
		cfg_key_problem(cfg, errors, "webhooks", "url", url_problem);
		return -EINVAL;
	}
	if (!!*cfg->webhooks_secret == !!*cfg->webhooks_secret_file) {
		cfg_key_problem(cfg, errors, "webhooks", "url",
				"set exactly one of [webhooks] secret and [webhooks] secret_file");
		return -EINVAL;
	}
	if (*cfg->webhooks_secret_file) {
		secret = cfg_read_secret_file(cfg->webhooks_secret_file, &problem);
		if (!secret) {
			cfg_key_problem(cfg, errors, "webhooks", "secret_file", problem);
			return -EINVAL;
		}
	} else {
		secret = g_strdup(cfg->webhooks_secret);
	}
	if (strlen(secret) < 16) {
		cfg_key_problem(cfg, errors, "webhooks", which,
				"the secret must have at least 16 characters");
		memset(secret, 0, strlen(secret));
		g_free(secret);
		return -EINVAL;
	}
	if (cfg->webhooks_secret_resolved) {
		memset(cfg->webhooks_secret_resolved, 0, strlen(cfg->webhooks_secret_resolved));
		g_free(cfg->webhooks_secret_resolved);
	}
	cfg->webhooks_secret_resolved = secret;
	return 0;
}

/* [storage]: a database URL of the right form, and the password file it
 * may use, readable by this service only. */
static int cfg_resolve_database(struct cfg *cfg, GPtrArray *errors)
{
	g_autofree char *problem = NULL;
	char url_problem[CFG_DATABASE_URL_PROBLEM_MAX];
	char *password;

	if (cfg_database_url_check(cfg->database_url, url_problem) < 0) {
		cfg_key_problem(cfg, errors, "storage", "database_url", url_problem);
		return -EINVAL;
	}
	if (!*cfg->database_password_file)
		return 0;
	if (!*cfg->database_url) {
		cfg_key_problem(cfg, errors, "storage", "database_password_file",
				"a database password needs [storage] database_url");
		return -EINVAL;
	}
	password = cfg_read_secret_file(cfg->database_password_file, &problem);
	if (!password) {
		cfg_key_problem(cfg, errors, "storage", "database_password_file", problem);
		return -EINVAL;
	}
	if (cfg->database_password_resolved) {
		memset(cfg->database_password_resolved, 0, strlen(cfg->database_password_resolved));
		g_free(cfg->database_password_resolved);
	}
	cfg->database_password_resolved = password;
	return 0;
}

char *cfg_derive_public_url(const struct cfg *cfg, int port)
{
	struct cfg_addr_pair listen = {{0}, {0}};
	g_autofree char *problem = NULL;

	/* Checked when stored; of two, the IPv4 one (reachable from more
	 * places). */
	(void)cfg_addr_pair_parse(cfg->listen_address, &listen, &problem);
	bool v6 = !*listen.v4;
	return g_strdup_printf("%s://%s%s%s:%d", *cfg->tls_certificate ? "https" : "http",
			       v6 ? "[" : "", v6 ? listen.v6 : listen.v4, v6 ? "]" : "", port);
}

static void cfg_replace(char **slot, char *value)
{
	g_free(*slot);
	*slot = value;
}

/* [cluster] node_id: 1..64 of A-Z a-z 0-9 . _ -; empty: the host name
 * (what of it fits) and the listen port, so that two nodes on one machine
 * differ. */
static int cfg_resolve_node_id(struct cfg *cfg, GPtrArray *errors)
{
	static const char allowed[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
				      "0123456789._-";
	size_t len = strlen(cfg->cluster_node_id);

	if (len == 0) {
		GString *id = g_string_new(NULL);
		for (const char *c = g_get_host_name(); *c && id->len < CFG_NODE_ID_MAX - 6; c++)
			g_string_append_c(id, strchr(allowed, *c) ? *c : '-');
		g_string_append_printf(id, "-%d", cfg->listen_port);
		cfg_replace(&cfg->cluster_node_id, g_string_free(id, FALSE));
		return 0;
	}
	if (len > CFG_NODE_ID_MAX || strspn(cfg->cluster_node_id, allowed) != len) {
		cfg_key_problem(cfg, errors, "cluster", "node_id",
				"must be 1..64 of A-Z a-z 0-9 . _ -");
		return -EINVAL;
	}
	return 0;
}

/* The HTTP listener's addresses: one IPv4 and/or one IPv6. */
static int cfg_resolve_listen(struct cfg *cfg, GPtrArray *errors)
{
	g_autofree char *problem = NULL;

	if (cfg_addr_pair_parse(cfg->listen_address, &cfg->listen, &problem) < 0) {
		cfg_key_problem(cfg, errors, "server", "listen_address", problem);
		return -EINVAL;
	}
	return 0;
}

/* Whether address (one literal) is one of the HTTP listener's. */
static bool cfg_listen_includes(const struct cfg *cfg, const char *address)
{
	struct cfg_addr_pair one;
	g_autofree char *problem = NULL;

	if (cfg_addr_pair_parse(address, &one, &problem) < 0)
		return false;
	return (*one.v4 && strcmp(one.v4, cfg->listen.v4) == 0) ||
	       (*one.v6 && strcmp(one.v6, cfg->listen.v6) == 0);
}

int cfg_resolve(struct cfg *cfg, GPtrArray *errors)
{
	int r = 0;

	if (cfg_resolve_media(cfg, errors) < 0)
		r = -EINVAL;
	if (cfg_resolve_tls(cfg, errors) < 0)
		r = -EINVAL;
	if (cfg_resolve_turn(cfg, errors) < 0)
		r = -EINVAL;
	if (cfg_resolve_webhooks(cfg, errors) < 0)
		r = -EINVAL;
	if (cfg_resolve_database(cfg, errors) < 0)
		r = -EINVAL;
	if (cfg_resolve_listen(cfg, errors) < 0)
		r = -EINVAL;
	if (cfg_resolve_node_id(cfg, errors) < 0)
		r = -EINVAL;
	/* Invite links append "/join/…" to it, as to public_url. */
	for (size_t n = strlen(cfg->cluster_entry_url);
	     n > 0 && cfg->cluster_entry_url[n - 1] == '/';)
		cfg->cluster_entry_url[--n] = '\0';
	if (*cfg->metrics_listen_address && cfg->metrics_listen_port != 0 &&
	    cfg->metrics_listen_port == cfg->listen_port &&
	    cfg_listen_includes(cfg, cfg->metrics_listen_address)) {
		cfg_key_problem(cfg, errors, "metrics", "listen_port",
				"the metrics listener needs an address or port of its own");
		r = -EINVAL;
	}

	/* systemd's StateDirectory= and RuntimeDirectory= export these. */
	if (!*cfg->state_directory) {
		const char *env = getenv("STATE_DIRECTORY");
		cfg_replace(&cfg->state_directory, g_strdup(env && *env ? env : "hearth-state"));
	}
	if (!*cfg->admin_socket) {
		const char *env = getenv("RUNTIME_DIRECTORY");
		cfg_replace(&cfg->admin_socket,
			    g_build_filename(env && *env ? env : cfg->state_directory,
					     "hearthd.sock", NULL));
	}
	if (strlen(cfg->admin_socket) >= sizeof(((struct sockaddr_un *)0)->sun_path)) {
		cfg_key_problem(cfg, errors, "storage", "admin_socket",
				"path is too long for a unix socket (107 bytes at most)");
		r = -EINVAL;
	}
	if (!*cfg->public_url) {
		cfg->public_url_derived = true;
		cfg_replace(&cfg->public_url, cfg_derive_public_url(cfg, cfg->listen_port));
	} else if (g_str_has_suffix(cfg->public_url, "/")) {
		/* Invite links append "/join/…"; keep exactly one slash. */
		size_t n = strlen(cfg->public_url);
		while (n > 0 && cfg->public_url[n - 1] == '/')
			cfg->public_url[--n] = '\0';
	}
	return r;
}

static int cfg_api_key_parse_one(const char *entry, struct cfg_api_key *ret_key, char **ret_problem)
{
	g_auto(GStrv) parts = g_strsplit(entry, ":", -1);
	guint n = g_strv_length(parts);
	struct cfg_api_key key = {0};

	if (n < 2 || n > 3 || (n == 3 && strcmp(parts[2], "read") != 0)) {
		*ret_problem =
		    g_strdup_printf("\"%s\" is not name:sha256hex or name:sha256hex:read", entry);
		return -EINVAL;
	}
	size_t len = strlen(parts[0]);
	if (len == 0 || len > CFG_API_KEY_NAME_MAX ||
	    strspn(parts[0], "abcdefghijklmnopqrstuvwxyz0123456789_-") != len) {
		*ret_problem = g_strdup_printf("key name \"%s\" must be 1..%d of a-z 0-9 _ -",
					       parts[0], CFG_API_KEY_NAME_MAX);
		return -EINVAL;
	}
	memcpy(key.name, parts[0], len + 1);
	if (strlen(parts[1]) != 64) {
		*ret_problem =
		    g_strdup_printf("key %s: the hash must be 64 hex digits (SHA-256)", key.name);
		return -EINVAL;
	}
	if (parse_hex(parts[1], key.hash, 32) < 0) {
		*ret_problem =
		    g_strdup_printf("key %s: the hash must be 64 hex digits (SHA-256)", key.name);
		return -EINVAL;
	}
	key.read_only = n == 3;
	*ret_key = key;
	return 0;
}

int cfg_api_keys_parse(const char *text, struct cfg_api_key ret_keys[CFG_API_KEYS_MAX],
		       char **ret_problem)
{
	g_auto(GStrv) entries = g_strsplit(text, ",", -1);
	int count = 0;

	for (size_t i = 0; entries[i]; i++) {
		char *entry = g_strstrip(entries[i]);
		if (!*entry) {
			if (entries[i + 1] || i > 0) {
				*ret_problem = g_strdup("empty entry in the list");
				return -EINVAL;
			}
			continue;
		}
		if (count == CFG_API_KEYS_MAX) {
			*ret_problem = g_strdup_printf("more than %d keys", CFG_API_KEYS_MAX);
			return -EINVAL;
		}
		if (cfg_api_key_parse_one(entry, &ret_keys[count], ret_problem) < 0)
			return -EINVAL;
		for (int k = 0; k < count; k++) {
			if (strcmp(ret_keys[k].name, ret_keys[count].name) == 0) {
				*ret_problem =
				    g_strdup_printf("key name %s appears twice", ret_keys[k].name);
				return -EINVAL;
			}
		}
		count++;
	}
	return count;
}

static char *cfg_format_value(const struct cfg *cfg, const struct cfg_key *key)
{
	switch (key->type) {
	case CFG_INT:
		return g_strdup_printf("%d", *(const int *)cfg_field_const(cfg, key));
	case CFG_LEVEL:
		return g_strdup(log_level_name(*(const int *)cfg_field_const(cfg, key)));
	case CFG_SECRET:
		return g_strdup(**(char *const *)cfg_field_const(cfg, key) ? "(set)" : "");
	default:
		return g_strdup(*(char *const *)cfg_field_const(cfg, key));
	}
}

char *cfg_dump(const struct cfg *cfg)
{
	GString *s = g_string_new(NULL);
	for (size_t i = 0; i < CFG_KEY_COUNT; i++) {
		g_autofree char *v = cfg_format_value(cfg, &cfg_keys[i]);
		g_string_append_printf(s, "%s.%s = %s\n", cfg_keys[i].section, cfg_keys[i].name, v);
	}
	return g_string_free(s, FALSE);
}

void cfg_diff(const struct cfg *a, const struct cfg *b, GPtrArray *changed)
{
	for (size_t i = 0; i < CFG_KEY_COUNT; i++) {
		g_autofree char *va = cfg_format_value(a, &cfg_keys[i]);
		g_autofree char *vb = cfg_format_value(b, &cfg_keys[i]);
		if (strcmp(va, vb) != 0)
			g_ptr_array_add(changed, g_strdup_printf("%s.%s", cfg_keys[i].section,
								 cfg_keys[i].name));
	}
}
