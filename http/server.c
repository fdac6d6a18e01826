#include "http/server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <libwebsockets.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config/cfg.h"
#include "core/log.h"
#include "http/forwarded.h"
#include "http/http_internal.h"
#include "http/listener.h"

/* Connections accepted per wake-up of a listener, so that a flood on one
 * does not starve the rest of the loop. */
#define SIG_SERVER_ACCEPT_BATCH 64

struct sig_watch {
	struct sig_server *server;
	sig_fd_callback cb;
	void *userdata;
};

struct sig_timer {
	lws_sorted_usec_list_t sul; /* first: the callback recovers the timer from it */
	struct sig_server *server;
	int64_t interval_us;
	sig_timer_callback cb;
	void *userdata;
};

/* A TCP listener of ours and the vhost its connections are handed to. */
struct sig_listen {
	struct sig_server *server;
	bool metrics; /* the metrics listener: plain HTTP, /metrics and /healthz */
	int fd;
	int port;
	char bound[NETADDR_TEXT_MAX]; /* the address getsockname() reads back */
};

struct sig_server {
	struct sig_http_site site; /* the context's user pointer */
	struct lws_context *context;
	struct lws_vhost *vhost;
	struct sig_listen main_listen;
	/* The other family's, on main_listen's port, when listen_address
	 * names one of each (fd -1 otherwise). */
	struct sig_listen main_listen2;
	char main_bound[2 * NETADDR_TEXT_MAX]; /* "a" or "a,b" */
	struct sig_listen metrics_listen;
	unsigned max_per_address;
	/* "http", the registered WebSocket protocols, "hearth-fd", and the
	 * zeroed terminator. */
	struct lws_protocols protocols[SIG_SERVER_MAX_PROTOCOLS + 3];
	struct sig_watch watches[SIG_SERVER_MAX_WATCHES];
	size_t watch_count;
	struct sig_timer timers[SIG_SERVER_MAX_TIMERS];
	size_t timer_count;
};

static int sig_fd_callback_lws(struct lws *wsi, enum lws_callback_reasons reason, void *user,
			       void *in, size_t len)
{
	struct sig_watch *watch = lws_get_opaque_user_data(wsi);

	(void)user;
	(void)in;
	(void)len;
	if (reason == LWS_CALLBACK_RAW_RX_FILE && watch)
		watch->cb(watch->userdata);
	return 0;
}

/* WebSocket clients are pinged after 20 s of silence and dropped after 60 s. */
static const lws_retry_bo_t sig_ws_idle_policy = {
    .secs_since_valid_ping = 20,
    .secs_since_valid_hangup = 60,
};

static void sig_server_init_protocols(struct sig_server *server,
				      const struct sig_server_protocol *registered, size_t count)
{
	struct lws_protocols *p = server->protocols;
	size_t n = 0;

	memset(server->protocols, 0, sizeof(server->protocols));
	p[n].name = "http";
	p[n].callback = sig_http_callback;
	p[n].per_session_data_size = sizeof(struct sig_http_conn);
	n++;
	for (size_t i = 0; i < count; i++, n++) {
		p[n].name = registered[i].name;
		p[n].callback = registered[i].callback;
		p[n].per_session_data_size = registered[i].per_connection_size;
		p[n].rx_buffer_size = registered[i].rx_buffer_size;
		p[n].user = registered[i].user;
	}
	p[n].name = "hearth-fd";
	p[n].callback = sig_fd_callback_lws;
	/* The rest stays zero: the terminator. */
}

static void sig_lws_log(int level, const char *line)
{
	size_t n = strlen(line);

	while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
		n--;
	if (level & LLL_ERR)
		log_error("lws: %.*s", (int)n, line);
	else if (level & LLL_WARN)
		log_warn("lws: %.*s", (int)n, line);
	else
		log_debug("lws: %.*s", (int)n, line);
}

/* The admin socket: the same routes, without API keys; its file mode (0660)
 * is the access control. */
static int sig_server_listen_admin(struct sig_server *server, const char *path)
{
	struct lws_context_creation_info info;
	struct stat st;

	/* A socket left by a killed daemon would make the bind fail; anything
	 * else at that path is not ours to remove. */
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			log_error("admin socket: %s exists and is not a socket", path);
			return -EEXIST;
		}
		unlink(path);
	}
	memset(&info, 0, sizeof(info));
	info.vhost_name = "hearth-admin";
	info.iface = path;
	info.port = 0;
	info.options = LWS_SERVER_OPTION_UNIX_SOCK;
	info.protocols = server->protocols;
	info.keepalive_timeout = 30;
	info.timeout_secs = 30;
	server->site.admin_vhost = lws_create_vhost(server->context, &info);
	if (!server->site.admin_vhost) {
		log_error("admin socket: cannot listen on %s", path);
		return -EADDRINUSE;
	}
	if (chmod(path, 0660) < 0) {
		log_error("admin socket: cannot set the mode of %s: %s", path, strerror(errno));
		return -errno;
	}
	return 0;
}

static void sig_server_accept(void *userdata)
{
	struct sig_listen *l = userdata;
	struct sig_server *server = l->server;

	for (int i = 0; i < SIG_SERVER_ACCEPT_BATCH; i++) {
		struct sockaddr_storage ss;
		socklen_t len = sizeof(ss);
		int fd = accept4(l->fd, (struct sockaddr *)&ss, &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR &&
			    errno != ECONNABORTED)
				log_warn("http: accept on %s port %d: %s", l->bound, l->port,
					 strerror(errno));
			return;
		}
		struct netaddr peer = {0};
		char text[INET6_ADDRSTRLEN] = "";
		if (ss.ss_family == AF_INET6)
			inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&ss)->sin6_addr, text,
				  sizeof(text));
		else if (ss.ss_family == AF_INET)
			inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->sin_addr, text,
				  sizeof(text));
		if (netaddr_parse(text, &peer) < 0) {
			close(fd);
			continue;
		}
		/* Proxies carry many clients: they are not capped here. */
		bool over = !netaddr_list_contains(&server->site.trusted_proxies, &peer) &&
			    sig_conns_count(server->site.conns, &peer) >= server->max_per_address;
		/* One vhost for both listeners: libwebsockets moves a request to
		 * another vhost of the same port by its Host header, so a vhost
		 * could not tell which listener a connection came from. */
		lws_sock_file_fd_type desc = {.sockfd = fd};
		int type =
		    LWS_ADOPT_SOCKET | LWS_ADOPT_HTTP | (l->metrics ? 0 : LWS_ADOPT_ALLOW_SSL);
		struct lws *wsi = lws_adopt_descriptor_vhost(server->vhost, (lws_adoption_type)type,
							     desc, NULL, NULL);
		if (!wsi)
			continue; /* lws closed fd */
		sig_conns_add(server->site.conns, wsi, &peer, over, l->metrics);
	}
}

static int sig_server_listen(struct sig_server *server, struct sig_listen *l, bool metrics,
			     const char *address, int port)
{
	int r;

	l->server = server;
	l->metrics = metrics;
	l->fd = -1;
	r = sig_listener_open(address, port, &l->fd, l->bound, sizeof(l->bound), &l->port);
	if (r < 0) {
		log_error("http: cannot listen on %s port %d: %s", address, port, strerror(-r));
		return r;
	}
	return sig_server_watch_fd(server, l->fd, sig_server_accept, l);
}

/* The main listener on each address of listen (IPv4 first), the second on
 * the first's port (listen_port 0 takes a free one). */
static int sig_server_listen_main(struct sig_server *server, const struct cfg_addr_pair *listen,
				  int port)
{
	const char *first = *listen->v4 ? listen->v4 : listen->v6;
	int r = sig_server_listen(server, &server->main_listen, false, first, port);

	if (r < 0)
		return r;
	snprintf(server->main_bound, sizeof(server->main_bound), "%s", server->main_listen.bound);
	if (!*listen->v4 || !*listen->v6)
		return 0;
	r = sig_server_listen(server, &server->main_listen2, false, listen->v6,
			      server->main_listen.port);
	if (r < 0)
		return r;
	snprintf(server->main_bound, sizeof(server->main_bound), "%s,%s", server->main_listen.bound,
		 server->main_listen2.bound);
	return 0;
}

/* A vhost whose connections come from our own listeners. */
static struct lws_vhost *sig_server_vhost(struct sig_server *server, const char *name,
					  const struct cfg *cfg, bool tls)
{
	struct lws_context_creation_info info;

	memset(&info, 0, sizeof(info));
	info.vhost_name = name;
	info.retry_and_idle_policy = &sig_ws_idle_policy;
	info.port = CONTEXT_PORT_NO_LISTEN_SERVER;
	info.protocols = server->protocols;
	info.keepalive_timeout = 30;
	info.timeout_secs = 30;
	if (tls) {
		/* libwebsockets serves TLS on a vhost only when the vhost's own
		 * options ask for it too, not just the context's. */
		info.options |= LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
		info.ssl_cert_filepath = cfg->tls_certificate;
		info.ssl_private_key_filepath = cfg->tls_private_key;
	}
	return lws_create_vhost(server->context, &info);
}

/* Request URIs (and query strings) longer than our limit are cut there by
 * the parser instead of overflowing its header buffer (which closes the
 * connection without an answer), so that the request gets its 414. */
static struct lws_token_limits sig_server_token_limits;

static void sig_server_init_token_limits(void)
{
	for (size_t i = 0; i < LWS_ARRAY_SIZE(sig_server_token_limits.token_limit); i++)
		sig_server_token_limits.token_limit[i] = 4096;
	sig_server_token_limits.token_limit[WSI_TOKEN_GET_URI] = SIG_HTTP_MAX_PATH + 1;
	sig_server_token_limits.token_limit[WSI_TOKEN_POST_URI] = SIG_HTTP_MAX_PATH + 1;
	sig_server_token_limits.token_limit[WSI_TOKEN_OPTIONS_URI] = SIG_HTTP_MAX_PATH + 1;
	sig_server_token_limits.token_limit[WSI_TOKEN_PUT_URI] = SIG_HTTP_MAX_PATH + 1;
	sig_server_token_limits.token_limit[WSI_TOKEN_PATCH_URI] = SIG_HTTP_MAX_PATH + 1;
	sig_server_token_limits.token_limit[WSI_TOKEN_DELETE_URI] = SIG_HTTP_MAX_PATH + 1;
	sig_server_token_limits.token_limit[WSI_TOKEN_HEAD_URI] = SIG_HTTP_MAX_PATH + 1;
	sig_server_token_limits.token_limit[WSI_TOKEN_HTTP_URI_ARGS] = SIG_HTTP_MAX_QUERY_ARG + 1;
}

void sig_server_configure(struct sig_server *server, const struct cfg *cfg)
{
	struct netaddr_list proxies = {0};

	/* cfg_load*() validated the list. */
	if (netaddr_list_parse(cfg->trusted_proxies, &proxies, NULL, 0) == 0)
		server->site.trusted_proxies = proxies;
	server->site.proxy_header = strcmp(cfg->trusted_proxy_header, "forwarded") == 0
					? SIG_FORWARDED_RFC7239
					: SIG_FORWARDED_XFF;
	server->max_per_address = (unsigned)cfg->max_connections_per_address;
}

int sig_server_new(const struct cfg *cfg, const struct sig_server_protocol *protocols, size_t count,
		   struct sig_server **ret_server)
{
	struct lws_context_creation_info info;
	struct sig_server *server;
	bool tls = *cfg->tls_certificate != '\0';
	int r;

	if (count > SIG_SERVER_MAX_PROTOCOLS)
		return -E2BIG;
	server = calloc(1, sizeof(*server));
	if (!server)
		return -ENOMEM;
	server->main_listen.fd = server->main_listen2.fd = server->metrics_listen.fd = -1;
	server->site.conns = sig_conns_new();
	sig_server_configure(server, cfg);

	lws_set_log_level(LLL_ERR | LLL_WARN, sig_lws_log);
	sig_server_init_protocols(server, protocols, count);
	sig_server_init_token_limits();

	memset(&info, 0, sizeof(info));
	info.options = LWS_SERVER_OPTION_EXPLICIT_VHOSTS | LWS_SERVER_OPTION_DISABLE_OS_CA_CERTS;
	if (tls)
		info.options |= LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
	info.user = &server->site;
	info.count_threads = 1;
	info.token_limits = &sig_server_token_limits;
	server->context = lws_create_context(&info);
	if (!server->context) {
		log_error("http: cannot create the libwebsockets context");
		sig_server_free(server);
		return -ENOMEM;
	}

	server->vhost = sig_server_vhost(server, "hearth", cfg, tls);
	if (!server->vhost) {
		log_error("http: cannot set up the listener%s", tls ? " (TLS certificate?)" : "");
		sig_server_free(server);
		return -EINVAL;
	}
	r = sig_server_listen_main(server, &cfg->listen, cfg->listen_port);
	if (r < 0)
		goto fail;
	if (*cfg->metrics_listen_address) {
		r = sig_server_listen(server, &server->metrics_listen, true,
				      cfg->metrics_listen_address, cfg->metrics_listen_port);
		if (r < 0)
			goto fail;
	}
	r = sig_server_listen_admin(server, cfg->admin_socket);
	if (r < 0)
		goto fail;
	*ret_server = server;
	return 0;
fail:
	sig_server_free(server);
	return r;
}

struct sig_server *sig_server_free(struct sig_server *server)
{
	if (!server)
		return NULL;
	if (server->context)
		lws_context_destroy(server->context);
	/* lws closed its duplicates of the listening sockets. */
	if (server->main_listen.fd >= 0)
		close(server->main_listen.fd);
	if (server->main_listen2.fd >= 0)
		close(server->main_listen2.fd);
	if (server->metrics_listen.fd >= 0)
		close(server->metrics_listen.fd);
	sig_http_routes_clear(&server->site.routes);
	server->site.conns = sig_conns_free(server->site.conns);
	free(server);
	return NULL;
}

int sig_server_port(const struct sig_server *server)
{
	return server->main_listen.port;
}

const char *sig_server_bound(const struct sig_server *server)
{
	return server->main_bound;
}

const char *sig_server_metrics_bound(const struct sig_server *server)
{
	return server->metrics_listen.fd >= 0 ? server->metrics_listen.bound : NULL;
}

int sig_server_metrics_port(const struct sig_server *server)
{
	return server->metrics_listen.port;
}

void sig_server_stats(const struct sig_server *server, struct sig_server_stats *ret_stats)
{
	struct sig_conns_stats st;

	sig_conns_stats(server->site.conns, &st);
	*ret_stats = (struct sig_server_stats){
	    .connections_open = st.open,
	    .connections_accepted = st.accepted,
	    .connections_refused = st.refused,
	};
}

int sig_server_route(struct sig_server *server, const char *path, sig_http_handler handler,
		     void *userdata)
{
	return sig_http_routes_add(&server->site.routes, path, handler, userdata);
}

void *sig_server_tls_ctx(const struct sig_server *server)
{
	return server->site.tls_ctx;
}

int sig_server_watch_fd(struct sig_server *server, int fd, sig_fd_callback cb, void *userdata)
{
	lws_adopt_desc_t desc;
	struct sig_watch *watch;
	int dup_fd;

	if (server->watch_count == SIG_SERVER_MAX_WATCHES)
		return -ENOSPC;
	/* lws closes what it adopts; give it a descriptor of its own. */
	dup_fd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
	if (dup_fd < 0)
		return -errno;
	watch = &server->watches[server->watch_count];
	*watch = (struct sig_watch){.server = server, .cb = cb, .userdata = userdata};

	memset(&desc, 0, sizeof(desc));
	desc.vh = server->vhost;
	desc.type = LWS_ADOPT_RAW_FILE_DESC;
	desc.fd.filefd = dup_fd;
	desc.vh_prot_name = "hearth-fd";
	desc.opaque = watch;
	if (!lws_adopt_descriptor_vhost_via_info(&desc))
		return -EIO; /* lws closed dup_fd */
	server->watch_count++;
	return 0;
}

static void sig_timer_fire(lws_sorted_usec_list_t *sul)
{
	struct sig_timer *timer = (struct sig_timer *)sul;

	lws_sul_schedule(timer->server->context, 0, &timer->sul, sig_timer_fire,
			 timer->interval_us);
	timer->cb(timer->userdata);
}

int sig_server_every(struct sig_server *server, int64_t interval_us, sig_timer_callback cb,
		     void *userdata)
{
	struct sig_timer *timer;

	if (server->timer_count == SIG_SERVER_MAX_TIMERS)
		return -ENOSPC;
	timer = &server->timers[server->timer_count++];
	memset(timer, 0, sizeof(*timer));
	timer->server = server;
	timer->interval_us = interval_us;
	timer->cb = cb;
	timer->userdata = userdata;
	lws_sul_schedule(server->context, 0, &timer->sul, sig_timer_fire, interval_us);
	return 0;
}

void sig_server_service(struct sig_server *server)
{
	lws_service(server->context, 0);
}
