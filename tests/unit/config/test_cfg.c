/* Unit tests of config/: the example file, every kind of bad input, and the
 * cross-key rules. */
#include <errno.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>

#include "config/cfg.h"
#include "config/turn_urls.h"

static char *write_temp(const char *text)
{
	g_autoptr(GError) error = NULL;
	char *path = NULL;
	int fd = g_file_open_tmp("hearth-cfg-XXXXXX.conf", &path, &error);

	g_assert_no_error(error);
	g_assert_true(g_file_set_contents(path, text, -1, &error));
	g_assert_no_error(error);
	close(fd);
	return path;
}

/* Loads text, expects failure and exactly one problem, returns it with the
 * temporary path replaced by "FILE". */
static char *load_expect_error(const char *text)
{
	g_autoptr(GPtrArray) errors = g_ptr_array_new_with_free_func(g_free);
	g_autofree char *path = write_temp(text);
	struct cfg cfg;
	int r;

	cfg_init(&cfg);
	r = cfg_load_file(&cfg, path, errors);
	if (r == 0)
		r = cfg_resolve(&cfg, errors);
	cfg_clear(&cfg);
	g_unlink(path);
	g_assert_cmpint(r, ==, -EINVAL);
	g_assert_cmpuint(errors->len, ==, 1);
	g_autofree char *msg = g_strdup(errors->pdata[0]);
	g_assert_true(g_str_has_prefix(msg, path));
	return g_strconcat("FILE", msg + strlen(path), NULL);
}

static void test_defaults_resolve(void)
{
	g_autoptr(GPtrArray) errors = g_ptr_array_new_with_free_func(g_free);
	struct cfg cfg;

	g_unsetenv("STATE_DIRECTORY");
	g_unsetenv("RUNTIME_DIRECTORY");
	cfg_init(&cfg);
	g_assert_cmpint(cfg_resolve(&cfg, errors), ==, 0);
	g_assert_cmpstr(cfg.listen_address, ==, "127.0.0.1");
	g_assert_cmpint(cfg.listen_port, ==, 8080);
	g_assert_cmpstr(cfg.public_url, ==, "http://127.0.0.1:8080");
	g_assert_cmpstr(cfg.state_directory, ==, "hearth-state");
	g_assert_cmpstr(cfg.admin_socket, ==, "hearth-state/hearthd.sock");
	g_assert_cmpint(cfg.media_workers, >=, 1);
	g_assert_cmpint(cfg.log_level, ==, LOG_LEVEL_INFO);
	cfg_clear(&cfg);
}

static void test_systemd_directories(void)
{
	g_autoptr(GPtrArray) errors = g_ptr_array_new_with_free_func(g_free);
	struct cfg cfg;

	g_setenv("STATE_DIRECTORY", "/var/lib/hearth", TRUE);
	g_setenv("RUNTIME_DIRECTORY", "/run/hearth", TRUE);
	cfg_init(&cfg);
	g_assert_cmpint(cfg_resolve(&cfg, errors), ==, 0);
	g_assert_cmpstr(cfg.state_directory, ==, "/var/lib/hearth");
	g_assert_cmpstr(cfg.admin_socket, ==, "/run/hearth/hearthd.sock");
	cfg_clear(&cfg);
	g_unsetenv("STATE_DIRECTORY");
	g_unsetenv("RUNTIME_DIRECTORY");
}

/* The example documents every key with its default: loaded as shipped (all
 * commented) it is valid; with every key uncommented it is still valid and
 * equal to the embedded defaults, and names every key of the table. */
static void test_example_matches_table(void)
{
	g_autoptr(GPtrArray) errors = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GPtrArray) changed = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GError) error = NULL;
	g_autofree char *text = NULL;
	const char *example = g_getenv("HEARTH_EXAMPLE_CONFIG");
	struct cfg defaults, shipped, uncommented;

	g_assert_nonnull(example);
	g_assert_true(g_file_get_contents(example, &text, NULL, &error));

	cfg_init(&shipped);
	g_assert_cmpint(cfg_load_file(&shipped, example, errors), ==, 0);

	g_autoptr(GRegex) re = g_regex_new("^#([a-z0-9_]+ =)", G_REGEX_MULTILINE, 0, &error);
	g_assert_no_error(error);
	g_autofree char *open_text = g_regex_replace(re, text, -1, 0, "\\1", 0, &error);
	g_assert_no_error(error);
	g_autofree char *path = write_temp(open_text);

	cfg_init(&uncommented);
	g_assert_cmpint(cfg_load_file(&uncommented, path, errors), ==, 0);
	for (size_t i = 0; i < cfg_key_count(); i++) {
		g_autofree char *line =
		    g_strdup_printf("\n%s = %s\n", cfg_key_name(i), cfg_key_default(i));
		if (!*cfg_key_default(i))
			line[strlen(line) - 2] = '\n', line[strlen(line) - 1] = '\0';
		g_assert_nonnull(strstr(open_text, line));
		g_assert_cmpint(uncommented.origins[i].line, >, 0);
	}
	cfg_init(&defaults);
	cfg_diff(&defaults, &uncommented, changed);
	g_assert_cmpuint(changed->len, ==, 0);
	g_assert_cmpuint(errors->len, ==, 0);

	cfg_clear(&defaults);
	cfg_clear(&shipped);
	cfg_clear(&uncommented);
	g_unlink(path);
}

static void test_values_override_defaults(void)
{
	g_autoptr(GPtrArray) errors = g_ptr_array_new_with_free_func(g_free);
	g_autofree char *path =
	    write_temp("[server]\nlisten_address = ::1\nlisten_port = 9443\n"
		       "[media]\nworkers = 3\nport_min = 50000\nport_max = 50002\n"
		       "[log]\nlevel = debug\nformat = json\n");
	struct cfg cfg;

	cfg_init(&cfg);
	g_assert_cmpint(cfg_load_file(&cfg, path, errors), ==, 0);
	g_assert_cmpint(cfg_set_override(&cfg, "log.level=warn", errors), ==, 0);
	g_assert_cmpint(cfg_resolve(&cfg, errors), ==, 0);
	g_assert_cmpstr(cfg.listen_address, ==, "::1");
	g_assert_cmpint(cfg.listen_port, ==, 9443);
	g_assert_cmpstr(cfg.public_url, ==, "http://[::1]:9443");
	g_assert_cmpint(cfg.media_workers, ==, 3);
	g_assert_cmpint(cfg.log_level, ==, LOG_LEVEL_WARN);
	g_assert_cmpstr(cfg.log_format, ==, "json");
	cfg_clear(&cfg);
	g_unlink(path);
}

#define HASH64 "5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8"

struct bad_case {
	const char *text;
	const char *message;
};

static const struct bad_case bad_cases[] = {
    {"[server]\nlisten_port = 80\n[video]\nfps = 30\n", "FILE:3: [video]: unknown section"},
    {"[server]\nlisten_prot = 80\n", "FILE:2: [server] listen_prot: unknown key"},
    {"[media]\nworkers = two\n", "FILE:2: [media] workers: \"two\" is not a whole number"},
    {"[media]\nworkers = 4x\n", "FILE:2: [media] workers: \"4x\" is not a whole number"},
    {"# c\n[server]\nlisten_port = 70000\n",
     "FILE:3: [server] listen_port: 70000 is out of range (0..65535)"},
    {"[media]\nworkers = -1\n", "FILE:2: [media] workers: -1 is out of range (0..64)"},
    {"[media]\nworkers = 99999999999999999999\n",
     "FILE:2: [media] workers: 99999999999999999999 is out of range (0..64)"},
    {"[log]\nlevel = verbose\n",
     "FILE:2: [log] level: \"verbose\" is not a log level (error, warn, info, debug)"},
    {"[log]\nformat = logfmt\n", "FILE:2: [log] format: \"logfmt\" is not text or json"},
    {"[log]\nformat =\n", "FILE:2: [log] format: must not be empty"},
    {"[server]\nlisten_address = localhost\n",
     "FILE:2: [server] listen_address: \"localhost\" is not an IPv4 or IPv6 address"},
    {"[server]\nlisten_address =\n", "FILE:2: [server] listen_address: must not be empty"},
    {"[server]\nlisten_address = 127.0.0.1, 127.0.0.2\n",
     "FILE:2: [server] listen_address: \"127.0.0.1\" and \"127.0.0.2\" are both IPv4 "
     "addresses (at most one of each family)"},
    {"[server]\npublic_url = ftp://x\n",
     "FILE:2: [server] public_url: \"ftp://x\" is not an http:// or https:// URL"},
    {"[server]\nthis line is wrong\n",
     "FILE:2: expected \"key = value\", \"[section]\" or a # comment"},
    {"listen_port = 1\n", "FILE:1: key before any [section]"},
    {"[server\n", "FILE:1: a section header must look like [name]"},
    {"[log]\nlevel = info\nlevel = debug\n", "FILE:3: [log] level repeats line 2"},
    {"[log]\n[log]\n", "FILE:2: [log] repeats line 1"},
    {"[media]\nport_min = 5000\nport_max = 4000\n",
     "FILE:3: [media] port_max: 4000 is below port_min (5000)"},
    {"[media]\nworkers = 4\nport_min = 5000\nport_max = 5001\n",
     "FILE:4: [media] port_max: the range 5000..5001 holds fewer ports than the 4 media "
     "workers"},
    {"[media]\nport_min = 0\nport_max = 10\n",
     "FILE:3: [media] port_max: must be 0 when port_min is 0 (any free port)"},
    {"[server]\nlisten_port = 3478\n[media]\ntcp_port = 3478\n",
     "FILE:4: [media] tcp_port: is server.listen_port: ICE-TCP needs a port of its own"},
    {"[media]\ntcp_port = 65536\n", "FILE:2: [media] tcp_port: 65536 is out of range (0..65535)"},
    {"[server]\ntls_certificate = /etc/hostname\n",
     "FILE:2: [server] tls_certificate: set tls_private_key too (both or neither)"},
    {"[turn]\nservers = stun:turn.example.org\n",
     "FILE:2: [turn] servers: \"stun:turn.example.org\" does not start with turn: or turns:"},
    {"[turn]\nservers = turn:a b.example.org\n",
     "FILE:2: [turn] servers: \"turn:a b.example.org\": the host must be a name, an IPv4 "
     "address or [IPv6]"},
    {"[turn]\nservers = turn:10.0.0.1:0\n",
     "FILE:2: [turn] servers: \"turn:10.0.0.1:0\": the port must be 1..65535"},
    {"[turn]\nservers = turns:10.0.0.1:443?transport=udp\n",
     "FILE:2: [turn] servers: \"turns:10.0.0.1:443?transport=udp\": browsers speak turns: over "
     "TCP (TLS) only"},
    {"[turn]\nservers = turn:[::1:3478\n",
     "FILE:2: [turn] servers: \"turn:[::1:3478\": the host must be a name, an IPv4 address "
     "or [IPv6]"},
    {"[turn]\nservers = turn:10.0.0.1,\n", "FILE:2: [turn] servers: empty entry in the list"},
    {"[turn]\nservers = turn:10.0.0.1\n",
     "FILE:2: [turn] servers: set exactly one of [turn] secret and [turn] secret_file"},
    {"[turn]\nservers = turn:10.0.0.1\nsecret = short\n",
     "FILE:3: [turn] secret: the secret must have at least 16 characters"},
    {"[turn]\nsecret = 0123456789abcdef\n",
     "FILE:2: [turn] secret: a TURN secret needs [turn] servers"},
    {"[turn]\nttl = 30\n", "FILE:2: [turn] ttl: 30 is out of range (60..86400)"},
    {"[webhooks]\nurl = http://127.0.0.1:9/h\n",
     "FILE:2: [webhooks] url: set exactly one of [webhooks] secret and [webhooks] secret_file"},
    {"[webhooks]\nurl = http://127.0.0.1:9/h\nsecret = short\n",
     "FILE:3: [webhooks] secret: the secret must have at least 16 characters"},
    {"[webhooks]\nsecret = 0123456789abcdef\n",
     "FILE:2: [webhooks] secret: a webhook secret needs [webhooks] url"},
    {"[webhooks]\nurl = https://me:pw@hooks.example.org/\nsecret = 0123456789abcdef\n",
     "FILE:2: [webhooks] url: user information (user:password@) is not allowed in the URL; the "
     "secret goes in [webhooks] secret"},
    {"[storage]\ndatabase_url = mysql://db/hearth\n",
     "FILE:2: [storage] database_url: not a postgresql:// or postgres:// URL (empty: SQLite)"},
    {"[storage]\ndatabase_url = postgresql://hearth:s3cret@db/hearth\n",
     "FILE:2: [storage] database_url: holds a password, which would show in process listings "
     "and logs: use [storage] database_password_file or PGPASSWORD"},
    {"[storage]\ndatabase_url = postgresql://db/hearth?password=s3cret\n",
     "FILE:2: [storage] database_url: holds a password, which would show in process listings "
     "and logs: use [storage] database_password_file or PGPASSWORD"},
    {"[storage]\ndatabase_url = postgresql://db/hearth?sslmod=require\n",
     "FILE:2: [storage] database_url: does not parse as a PostgreSQL connection URL (an "
     "unknown parameter, or a malformed host, port or percent-escape)"},
    {"[storage]\ndatabase_password_file = /etc/hostname\n",
     "FILE:2: [storage] database_password_file: a database password needs [storage] "
     "database_url"},
    {"[webhooks]\noutbox_max = 10\n",
     "FILE:2: [webhooks] outbox_max: 10 is out of range (100..100000)"},
    /* media.bind_address / public_address: one address of each family. */
    {"[media]\nbind_address = 127.0.0.1, 10.0.0.1\n",
     "FILE:2: [media] bind_address: \"127.0.0.1\" and \"10.0.0.1\" are both IPv4 addresses "
     "(at most one of each family)"},
    {"[media]\nbind_address = ::1,fd00::1\n",
     "FILE:2: [media] bind_address: \"::1\" and \"fd00::1\" are both IPv6 addresses (at "
     "most one of each family)"},
    {"[media]\nbind_address = 127.0.0.1, ::1, 10.0.0.1\n",
     "FILE:2: [media] bind_address: at most two addresses: one IPv4 and one IPv6"},
    {"[media]\nbind_address = 127.0.0.1, localhost\n",
     "FILE:2: [media] bind_address: \"localhost\" is not an IPv4 or IPv6 address"},
    {"[media]\nbind_address = 127.0.0.1,\n",
     "FILE:2: [media] bind_address: an empty entry in the address list"},
    {"[media]\nbind_address = ::ffff:127.0.0.1\n",
     "FILE:2: [media] bind_address: \"::ffff:127.0.0.1\" is an IPv4-mapped IPv6 address: "
     "write the IPv4 address"},
    {"[media]\npublic_address = 203.0.113.1, 198.51.100.1\n",
     "FILE:2: [media] public_address: \"203.0.113.1\" and \"198.51.100.1\" are both IPv4 "
     "addresses (at most one of each family)"},
    {"[media]\nbind_address = 127.0.0.1\npublic_address = 2001:db8::1\n",
     "FILE:3: [media] public_address: an IPv6 address needs an IPv6 [media] bind_address"},
    {"[media]\nbind_address = ::1\npublic_address = 203.0.113.1\n",
     "FILE:3: [media] public_address: an IPv4 address needs an IPv4 [media] bind_address "
     "(or \"::\" alone, dual-stack)"},
    {"[media]\nbind_address = 0.0.0.0, ::1\npublic_address = 2001:db8::1\n",
     "FILE:2: [media] bind_address: a wildcard address needs [media] public_address of its "
     "family (the address browsers reach)"},
    {"[media]\nbind_address = 127.0.0.1, ::\npublic_address = 203.0.113.1\n",
     "FILE:2: [media] bind_address: a wildcard address needs [media] public_address of its "
     "family (the address browsers reach)"},
    {"[media]\nbind_address = ::\n",
     "FILE:2: [media] bind_address: a wildcard address needs [media] public_address of its "
     "family (the address browsers reach)"},
};

struct addr_case {
	const char *bind, *public;
	const char *bind4, *bind6; /* what the workers bind */
	bool dual_stack;
	const char *adv4, *adv6; /* what the SDP offers */
};

/* server.listen_address: one of each family, the public URL from the IPv4
 * one; the metrics listener may not share an address and port with it. */
static void test_listen_addresses(void)
{
	static const char *const cases[][2] = {
	    {"127.0.0.1", "http://127.0.0.1:8080"},
	    {"::1", "http://[::1]:8080"},
	    {"::1, 127.0.0.1", "http://127.0.0.1:8080"},
	};

	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autoptr(GPtrArray) errors = g_ptr_array_new_with_free_func(g_free);
		g_autofree char *set = g_strdup_printf("server.listen_address=%s", cases[i][0]);
		struct cfg cfg;

		cfg_init(&cfg);
		g_assert_cmpint(cfg_set_override(&cfg, set, errors), ==, 0);
		g_assert_cmpint(cfg_resolve(&cfg, errors), ==, 0);
		g_assert_cmpstr(cfg.public_url, ==, cases[i][1]);
		cfg_clear(&cfg);
	}
	g_autofree char *msg =
	    load_expect_error("[server]\nlisten_address = 127.0.0.1, ::1\nlisten_port = 9000\n"
			      "[metrics]\nlisten_address = 0:0::1\nlisten_port = 9000\n");
	g_assert_cmpstr(msg, ==,
			"FILE:6: [metrics] listen_port: the metrics listener needs an address or "
			"port of its own");
}

/* Good address configurations: what is bound and what is advertised. */
static void test_media_addresses(void)
{
	static const struct addr_case cases[] = {
	    /* One address, as before. */
	    {"127.0.0.1", "", "127.0.0.1", "", false, "127.0.0.1", ""},
	    {"::1", "", "", "::1", false, "", "::1"},
	    {"0.0.0.0", "203.0.113.1", "0.0.0.0", "", false, "203.0.113.1", ""},
	    /* "::" alone: dual-stack, whichever public families are known. */
	    {"::", "203.0.113.1", "", "::", true, "203.0.113.1", ""},
	    {"::", "2001:db8::1 , 203.0.113.1", "", "::", true, "203.0.113.1", "2001:db8::1"},
	    /* One of each, any order, spaces, canonical forms. */
	    {" ::1 ,127.0.0.1", "", "127.0.0.1", "::1", false, "127.0.0.1", "::1"},
	    {"10.0.0.5, 2001:DB8:0:0::5", "203.0.113.1", "10.0.0.5", "2001:db8::5", false,
	     "203.0.113.1", "2001:db8::5"},
	    {"0.0.0.0, ::", "203.0.113.1, 2001:db8::1", "0.0.0.0", "::", false, "203.0.113.1",
	     "2001:db8::1"},
	};

	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		const struct addr_case *c = &cases[i];
		g_autoptr(GPtrArray) errors = g_ptr_array_new_with_free_func(g_free);
		g_autofree char *bind = g_strdup_printf("media.bind_address=%s", c->bind);
		g_autofree char *pub = g_strdup_printf("media.public_address=%s", c->public);
		struct cfg cfg;

		cfg_init(&cfg);
		g_assert_cmpint(cfg_set_override(&cfg, bind, errors), ==, 0);
		g_assert_cmpint(cfg_set_override(&cfg, pub, errors), ==, 0);
		g_assert_cmpint(cfg_resolve(&cfg, errors), ==, 0);
		g_assert_cmpstr(cfg.media_bind.v4, ==, c->bind4);
		g_assert_cmpstr(cfg.media_bind.v6, ==, c->bind6);
		g_assert_cmpint(cfg.media_dual_stack, ==, c->dual_stack);
		g_assert_cmpstr(cfg.media_advertised.v4, ==, c->adv4);
		g_assert_cmpstr(cfg.media_advertised.v6, ==, c->adv6);
		cfg_clear(&cfg);
	}
}

static void test_bad_input(gconstpointer data)
{
	const struct bad_case *c = data;
	g_autofree char *msg = load_expect_error(c->text);

	g_assert_cmpstr(msg, ==, c->message);
}

static void test_unreadable_file(void)
{
	g_autoptr(GPtrArray) errors = g_ptr_array_new_with_free_func(g_free);
	struct cfg cfg;

	cfg_init(&cfg);
	g_assert_cmpint(cfg_load_file(&cfg, "/nonexistent/hearthd.conf", errors), ==, -EINVAL);
	g_assert_cmpuint(errors->len, ==, 1);
	g_assert_true(
	    g_str_has_prefix(errors->pdata[0], "/nonexistent/hearthd.conf: cannot read:"));
	cfg_clear(&cfg);
}

static void test_all_problems_reported(void)
{
	g_autoptr(GPtrArray) errors = g_ptr_array_new_with_free_func(g_free);
	g_autofree char *path =
	    write_temp("[server]\nlisten_port = x\nbogus = 1\n[log]\nlevel = y\n");
	struct cfg cfg;

	cfg_init(&cfg);
	g_assert_cmpint(cfg_load_file(&cfg, path, errors), ==, -EINVAL);
	g_assert_cmpuint(errors->len, ==, 3);
	cfg_clear(&cfg);
	g_unlink(path);
}

static void test_api_keys(void)
{
	struct cfg_api_key keys[CFG_API_KEYS_MAX];
	char *problem = NULL;

	g_assert_cmpint(cfg_api_keys_parse("", keys, &problem), ==, 0);
	g_assert_cmpint(
	    cfg_api_keys_parse(" sched:" HASH64 " , audit-1:" HASH64 ":read ", keys, &problem), ==,
	    2);
	g_assert_cmpstr(keys[0].name, ==, "sched");
	g_assert_false(keys[0].read_only);
	g_assert_cmpstr(keys[1].name, ==, "audit-1");
	g_assert_true(keys[1].read_only);
	g_assert_cmpuint(keys[1].hash[0], ==, 0x5e);
	g_assert_cmpuint(keys[1].hash[31], ==, 0xd8);
	g_assert_null(problem);
}

static void test_override_errors(void)
{
	g_autoptr(GPtrArray) errors = g_ptr_array_new_with_free_func(g_free);
	struct cfg cfg;

	cfg_init(&cfg);
	g_assert_cmpint(cfg_set_override(&cfg, "listen_port", errors), ==, -EINVAL);
	g_assert_cmpint(cfg_set_override(&cfg, "server.nope=1", errors), ==, -EINVAL);
	g_assert_cmpint(cfg_set_override(&cfg, "nope.x=1", errors), ==, -EINVAL);
	g_assert_cmpint(cfg_set_override(&cfg, "media.workers=100", errors), ==, -EINVAL);
	g_assert_cmpuint(errors->len, ==, 4);
	g_assert_cmpstr(errors->pdata[0], ==,
			"command line: --set listen_port: expected SECTION.KEY=VALUE");
	g_assert_cmpstr(errors->pdata[1], ==, "command line: [server] nope: unknown key");
	g_assert_cmpstr(errors->pdata[2], ==, "command line: [nope] x: unknown section");
	g_assert_cmpstr(errors->pdata[3], ==,
			"command line: [media] workers: 100 is out of range (0..64)");
	cfg_clear(&cfg);
}

static void test_turn_urls(void)
{
	char urls[CFG_TURN_URLS_MAX][CFG_TURN_URL_MAX + 1];
	char problem[CFG_TURN_PROBLEM_MAX];

	g_assert_cmpint(cfg_turn_urls_parse("", urls, problem), ==, 0);
	g_assert_cmpint(cfg_turn_urls_parse(" turn:turn.example.org:3478?transport=udp ,"
					    "turns:turn.example.org, turn:[2001:db8::1]:80,"
					    "turn:192.0.2.1?transport=tcp",
					    urls, problem),
			==, 4);
	g_assert_cmpstr(urls[0], ==, "turn:turn.example.org:3478?transport=udp");
	g_assert_cmpstr(urls[1], ==, "turns:turn.example.org");
	g_assert_cmpstr(urls[2], ==, "turn:[2001:db8::1]:80");
	g_assert_cmpstr(urls[3], ==, "turn:192.0.2.1?transport=tcp");
	g_assert_cmpint(cfg_turn_urls_parse("turn:x?transport=sctp", urls, problem), ==, -EINVAL);
	g_assert_cmpint(cfg_turn_urls_parse("turn:", urls, problem), ==, -EINVAL);
	g_assert_cmpint(cfg_turn_urls_parse("turn:x:", urls, problem), ==, -EINVAL);
	g_assert_cmpint(cfg_turn_urls_parse("turn:x:99999", urls, problem), ==, -EINVAL);
	g_assert_cmpint(cfg_turn_urls_parse("turn:[zz]", urls, problem), ==, -EINVAL);
	g_assert_cmpint(cfg_turn_urls_parse("turn:x,,turn:y", urls, problem), ==, -EINVAL);
	g_autoptr(GString) many = g_string_new("turn:a");
	for (int i = 1; i <= CFG_TURN_URLS_MAX; i++)
		g_string_append(many, ",turn:a");
	g_assert_cmpint(cfg_turn_urls_parse(many->str, urls, problem), ==, -EINVAL);
	g_assert_cmpstr(problem, ==, "more than 8 URLs");
}

/* The secret: from a file only this service may read (its first line), and
 * never shown by --check-config. */
static void test_turn_secret(void)
{
	g_autoptr(GPtrArray) errors = g_ptr_array_new_with_free_func(g_free);
	g_autofree char *secret_path = write_temp("north-wind-4f1c2a9e\nsecond line\n");
	g_autofree char *text = g_strdup_printf(
	    "[turn]\nservers = turns:turn.example.org:443\nsecret_file = %s\n", secret_path);
	g_autofree char *path = write_temp(text);
	struct cfg cfg;

	g_assert_cmpint(g_chmod(secret_path, 0644), ==, 0);
	cfg_init(&cfg);
	g_assert_cmpint(cfg_load_file(&cfg, path, errors), ==, 0);
	g_assert_cmpint(cfg_resolve(&cfg, errors), ==, -EINVAL);
	g_assert_cmpuint(errors->len, ==, 1);
	g_assert_nonnull(strstr(errors->pdata[0], "must be readable by this service only"));
	g_assert_null(cfg.turn_secret_resolved);
	cfg_clear(&cfg);

	g_assert_cmpint(g_chmod(secret_path, 0600), ==, 0);
	g_ptr_array_set_size(errors, 0);
	cfg_init(&cfg);
	g_assert_cmpint(cfg_load_file(&cfg, path, errors), ==, 0);
	g_assert_cmpint(cfg_resolve(&cfg, errors), ==, 0);
	g_assert_cmpstr(cfg.turn_secret_resolved, ==, "north-wind-4f1c2a9e");
	cfg_clear(&cfg);

	cfg_init(&cfg);
	g_assert_cmpint(cfg_set_override(&cfg, "turn.servers=turn:10.0.0.1", errors), ==, 0);
	g_assert_cmpint(cfg_set_override(&cfg, "turn.secret=north-wind-4f1c2a9e", errors), ==, 0);
	g_assert_cmpint(cfg_resolve(&cfg, errors), ==, 0);
	g_autofree char *dump = cfg_dump(&cfg);
	g_assert_null(strstr(dump, "north-wind"));
	g_assert_nonnull(strstr(dump, "turn.secret = (set)\n"));
	g_assert_cmpstr(cfg.turn_secret_resolved, ==, "north-wind-4f1c2a9e");
	cfg_clear(&cfg);
	g_unlink(path);
	g_unlink(secret_path);
}

/* [webhooks] secret: the same rules as TURN's, its own field, never in
 * the dump. */
static void test_webhooks_secret(void)
{
	g_autoptr(GPtrArray) errors = g_ptr_array_new_with_free_func(g_free);
	g_autofree char *secret_path = write_temp("whsec-file-0123456789\n");
	g_autofree char *override = g_strdup_printf("webhooks.secret_file=%s", secret_path);
	struct cfg cfg;

	g_assert_cmpint(g_chmod(secret_path, 0600), ==, 0);
	cfg_init(&cfg);
	g_assert_null(cfg.webhooks_secret_resolved); /* off by default */
	g_assert_cmpint(cfg_resolve(&cfg, errors), ==, 0);
	g_assert_null(cfg.webhooks_secret_resolved);
	g_assert_cmpint(cfg_set_override(&cfg, "webhooks.url=https://hooks.example.org/h", errors),
			==, 0);
	g_assert_cmpint(cfg_set_override(&cfg, override, errors), ==, 0);
	g_assert_cmpint(cfg_resolve(&cfg, errors), ==, 0);
	g_assert_cmpstr(cfg.webhooks_secret_resolved, ==, "whsec-file-0123456789");
	cfg_clear(&cfg);

	cfg_init(&cfg);
	g_assert_cmpint(cfg_set_override(&cfg, "webhooks.url=http://127.0.0.1:9/", errors), ==, 0);
	g_assert_cmpint(cfg_set_override(&cfg, "webhooks.secret=whsec-inline-98765", errors), ==,
			0);
	g_assert_cmpint(cfg_resolve(&cfg, errors), ==, 0);
	g_autofree char *dump = cfg_dump(&cfg);
	g_assert_null(strstr(dump, "whsec-inline"));
	g_assert_nonnull(strstr(dump, "webhooks.secret = (set)\n"));
	g_assert_cmpstr(cfg.webhooks_secret_resolved, ==, "whsec-inline-98765");
	cfg_clear(&cfg);
	g_unlink(secret_path);
}

/* [storage]: a PostgreSQL URL without a password, the password from a
 * file only this service reads; the dump shows the URL, never the
 * password. */
static void test_database_password(void)
{
	g_autoptr(GPtrArray) errors = g_ptr_array_new_with_free_func(g_free);
	g_autofree char *pw_path = write_temp("pg-pass-7a1c9e\n");
	g_autofree char *override = g_strdup_printf("storage.database_password_file=%s", pw_path);
	struct cfg cfg;

	g_assert_cmpint(g_chmod(pw_path, 0640), ==, 0);
	cfg_init(&cfg);
	g_assert_cmpint(
	    cfg_set_override(&cfg, "storage.database_url=postgresql://hearth@db.example/h", errors),
	    ==, 0);
	g_assert_cmpint(cfg_set_override(&cfg, override, errors), ==, 0);
	g_assert_cmpint(cfg_resolve(&cfg, errors), ==, -EINVAL);
	g_assert_nonnull(strstr(errors->pdata[0], "must be readable by this service only"));
	g_assert_null(cfg.database_password_resolved);
	cfg_clear(&cfg);

	g_assert_cmpint(g_chmod(pw_path, 0600), ==, 0);
	g_ptr_array_set_size(errors, 0);
	cfg_init(&cfg);
	g_assert_cmpint(
	    cfg_set_override(&cfg, "storage.database_url=postgresql://hearth@db.example/h", errors),
	    ==, 0);
	g_assert_cmpint(cfg_set_override(&cfg, override, errors), ==, 0);
	g_assert_cmpint(cfg_resolve(&cfg, errors), ==, 0);
	g_assert_cmpstr(cfg.database_password_resolved, ==, "pg-pass-7a1c9e");
	g_autofree char *dump = cfg_dump(&cfg);
	g_assert_null(strstr(dump, "pg-pass"));
	g_assert_nonnull(strstr(dump, "postgresql://hearth@db.example/h"));
	cfg_clear(&cfg);
	g_unlink(pw_path);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/config/defaults", test_defaults_resolve);
	g_test_add_func("/config/webhooks-secret", test_webhooks_secret);
	g_test_add_func("/config/database-password", test_database_password);
	g_test_add_func("/config/systemd-directories", test_systemd_directories);
	g_test_add_func("/config/example", test_example_matches_table);
	g_test_add_func("/config/values", test_values_override_defaults);
	g_test_add_func("/config/unreadable", test_unreadable_file);
	g_test_add_func("/config/all-problems", test_all_problems_reported);
	g_test_add_func("/config/override-errors", test_override_errors);
	g_test_add_func("/config/api-keys", test_api_keys);
	g_test_add_func("/config/turn-urls", test_turn_urls);
	g_test_add_func("/config/turn-secret", test_turn_secret);
	g_test_add_func("/config/media-addresses", test_media_addresses);
	g_test_add_func("/config/listen-addresses", test_listen_addresses);
	for (size_t i = 0; i < G_N_ELEMENTS(bad_cases); i++) {
		g_autofree char *name = g_strdup_printf("/config/bad/%zu", i);
		g_test_add_data_func(name, &bad_cases[i], test_bad_input);
	}
	return g_test_run();
}
