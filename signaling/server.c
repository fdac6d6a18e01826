#include "signaling/server.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <libwebsockets.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config/cfg.h"
#include "core/log.h"
#include "signaling/http.h"
#include "signaling/ws.h"

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

struct sig_server {
	struct lws_context *context;
	struct lws_vhost *vhost;
	struct lws_vhost *admin_vhost; /* the unix socket */
	int port;
	struct sig_http_routes routes;
	struct sig_ws *ws; /* borrowed */
	struct lws_protocols protocols[4];
	struct sig_watch watches[SIG_SERVER_MAX_WATCHES];
	size_t watch_count;
	struct sig_timer timers[SIG_SERVER_MAX_TIMERS];
	size_t timer_count;
	void *tls_ctx; /* SSL_CTX of the TLS listener, owned by libwebsockets */
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

static void sig_server_init_protocols(struct sig_server *server)
{
	struct lws_protocols *p = server->protocols;

	memset(server->protocols, 0, sizeof(server->protocols));
	p[0].name = "http";
	p[0].callback = sig_http_callback;
	p[0].per_session_data_size = sizeof(struct sig_http_conn);
	p[1].name = SIG_WS_PROTOCOL;
	p[1].callback = sig_ws_callback;
	p[1].per_session_data_size = sig_ws_conn_size();
	p[1].rx_buffer_size = 16384;
	p[2].name = "hearth-fd";
	p[2].callback = sig_fd_callback_lws;
	/* p[3] stays zero: the terminator. */
}

void sig_server_set_ws(struct sig_server *server, struct sig_ws *ws)
{
	server->ws = ws;
}

struct sig_ws *sig_server_ws(const struct sig_server *server)
{
	return server->ws;
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
	server->admin_vhost = lws_create_vhost(server->context, &info);
	if (!server->admin_vhost) {
		log_error("admin socket: cannot listen on %s", path);
		return -EADDRINUSE;
	}
	if (chmod(path, 0660) < 0) {
		log_error("admin socket: cannot set the mode of %s: %s", path, strerror(errno));
		return -errno;
	}
	return 0;
}

bool sig_server_is_admin_vhost(const struct sig_server *server, const struct lws_vhost *vhost)
{
	return server->admin_vhost && vhost == server->admin_vhost;
}

int sig_server_new(const struct cfg *cfg, struct sig_server **ret_server)
{
	struct lws_context_creation_info info;
	struct sig_server *server;

	server = calloc(1, sizeof(*server));
	if (!server)
		return -ENOMEM;

	lws_set_log_level(LLL_ERR | LLL_WARN, sig_lws_log);
	sig_server_init_protocols(server);

	memset(&info, 0, sizeof(info));
	info.options = LWS_SERVER_OPTION_EXPLICIT_VHOSTS | LWS_SERVER_OPTION_DISABLE_OS_CA_CERTS;
	if (*cfg->tls_certificate)
		info.options |= LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
	info.user = server;
	info.count_threads = 1;
	server->context = lws_create_context(&info);
	if (!server->context) {
		log_error("http: cannot create the libwebsockets context");
		free(server);
		return -ENOMEM;
	}

	memset(&info, 0, sizeof(info));
	info.vhost_name = "hearth";
	info.retry_and_idle_policy = &sig_ws_idle_policy;
	info.port = cfg->listen_port;
	info.iface = cfg->listen_address;
	info.protocols = server->protocols;
	info.keepalive_timeout = 30;
	info.timeout_secs = 30;
	if (strchr(cfg->listen_address, ':'))
		info.options |=
		    LWS_SERVER_OPTION_IPV6_V6ONLY_MODIFY | LWS_SERVER_OPTION_IPV6_V6ONLY_VALUE;
	if (*cfg->tls_certificate) {
		/* libwebsockets serves TLS on a vhost only when the vhost's own
		 * options ask for it too, not just the context's. */
		info.options |= LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
		info.ssl_cert_filepath = cfg->tls_certificate;
		info.ssl_private_key_filepath = cfg->tls_private_key;
	}
	server->vhost = lws_create_vhost(server->context, &info);
	if (!server->vhost) {
		log_error("http: cannot listen on %s port %d", cfg->listen_address,
			  cfg->listen_port);
		sig_server_free(server);
		return -EADDRINUSE;
	}
	server->port = lws_get_vhost_listen_port(server->vhost);
	if (sig_server_listen_admin(server, cfg->admin_socket) < 0) {
		sig_server_free(server);
		return -EADDRINUSE;
	}
	*ret_server = server;
	return 0;
}

struct sig_server *sig_server_free(struct sig_server *server)
{
	if (!server)
		return NULL;
	if (server->context)
		lws_context_destroy(server->context);
	sig_http_routes_clear(&server->routes);
	free(server);
	return NULL;
}

int sig_server_port(const struct sig_server *server)
{
	return server->port;
}

int sig_server_route(struct sig_server *server, const char *path, sig_http_handler handler,
		     void *userdata)
{
	return sig_http_routes_add(&server->routes, path, handler, userdata);
}

void sig_server_set_tls_ctx(struct sig_server *server, void *ssl_ctx)
{
	server->tls_ctx = ssl_ctx;
}

void *sig_server_tls_ctx(const struct sig_server *server)
{
	return server->tls_ctx;
}

const struct sig_http_routes *sig_server_routes(const struct sig_server *server)
{
	return &server->routes;
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
