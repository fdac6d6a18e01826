/* The POST thread (see post.h): one request at a time, blocking on nothing
 * but poll() with a deadline, so that sig_post_free() can stop it through
 * its stop descriptor. */
#include "http/post.h"

#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "core/clock.h"
#include "core/log.h"

struct sig_post {
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	SSL_CTX *tls; /* for https: peers verified against the system's CAs */
	int done_fd;  /* eventfd: an outcome waits */
	int stop_fd;  /* eventfd: the thread is to stop */
	bool stopping;
	bool busy;     /* a request handed over and not collected */
	bool has_job;  /* the thread has not taken it yet */
	bool has_done; /* an outcome waits */
	int status;
	struct cfg_webhook_url url;
	char *request;
	size_t request_len;
};

/* One connection being used by the thread. */
struct post_conn {
	struct sig_post *post;
	int fd;
	SSL *ssl;
	int64_t deadline_us;
};

/* Waits until fd is ready for events, the deadline passes (-ETIMEDOUT) or
 * the post is stopped (-ECANCELED). */
static int post_wait(struct post_conn *c, short events)
{
	for (;;) {
		struct pollfd fds[2] = {{.fd = c->fd, .events = events},
					{.fd = c->post->stop_fd, .events = POLLIN}};
		int64_t left_ms = (c->deadline_us - clock_mono_us()) / 1000;
		int n;

		if (left_ms <= 0)
			return -ETIMEDOUT;
		n = poll(fds, 2, (int)left_ms);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (fds[1].revents)
			return -ECANCELED;
		if (fds[0].revents)
			return 0;
	}
}

static int post_connect_one(struct post_conn *c, const struct addrinfo *ai)
{
	int err = 0, r;
	socklen_t len = sizeof(err);

	c->fd =
	    socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
	if (c->fd < 0)
		return -errno;
	if (connect(c->fd, ai->ai_addr, ai->ai_addrlen) == 0)
		return 0;
	if (errno != EINPROGRESS)
		return -errno;
	r = post_wait(c, POLLOUT);
	if (r < 0)
		return r;
	if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		return -errno;
	return err ? -err : 0;
}

static int post_connect(struct post_conn *c, const struct cfg_webhook_url *url)
{
	const struct addrinfo hints = {.ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICSERV};
	struct addrinfo *list = NULL;
	char port[8];
	int r = -EHOSTUNREACH;

	snprintf(port, sizeof(port), "%d", url->port);
	if (getaddrinfo(url->host, port, &hints, &list) != 0)
		return -EHOSTUNREACH;
	for (const struct addrinfo *ai = list; ai; ai = ai->ai_next) {
		r = post_connect_one(c, ai);
		if (r == 0 || r == -ETIMEDOUT || r == -ECANCELED)
			break;
		close(c->fd);
		c->fd = -1;
	}
	freeaddrinfo(list);
	return r;
}

/* Runs one TLS call until it succeeds, fails, or time runs out. */
static int post_tls_step(struct post_conn *c, int rc)
{
	switch (SSL_get_error(c->ssl, rc)) {
	case SSL_ERROR_WANT_READ:
		return post_wait(c, POLLIN);
	case SSL_ERROR_WANT_WRITE:
		return post_wait(c, POLLOUT);
	case SSL_ERROR_ZERO_RETURN:
		return -EPIPE;
	default:
		log_debug("webhooks: TLS: %s", ERR_reason_error_string(ERR_peek_last_error()));
		ERR_clear_error();
		return -EPROTO;
	}
}

static int post_tls_start(struct post_conn *c, const struct cfg_webhook_url *url)
{
	bool literal = strchr(url->host, ':') || g_hostname_is_ip_address(url->host);
	int rc, r;

	c->ssl = SSL_new(c->post->tls);
	if (!c->ssl || SSL_set_fd(c->ssl, c->fd) != 1)
		return -ENOMEM;
	if (literal) {
		if (X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(c->ssl), url->host) != 1)
			return -EPROTO;
	} else if (SSL_set_tlsext_host_name(c->ssl, url->host) != 1 ||
		   SSL_set1_host(c->ssl, url->host) != 1) {
		return -EPROTO;
	}
	while ((rc = SSL_connect(c->ssl)) != 1)
		if ((r = post_tls_step(c, rc)) < 0)
			return r;
	return 0;
}

static int post_send(struct post_conn *c, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n;
		int r;

		if (c->ssl) {
			size_t done = 0;
			int rc = SSL_write_ex(c->ssl, buf, len, &done);
			if (rc != 1) {
				if ((r = post_tls_step(c, rc)) < 0)
					return r;
				continue;
			}
			n = (ssize_t)done;
		} else {
			n = send(c->fd, buf, len, MSG_NOSIGNAL);
			if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
				if ((r = post_wait(c, POLLOUT)) < 0)
					return r;
				continue;
			}
			if (n < 0)
				return -errno;
		}
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Reads some bytes: their count, 0 at the end, or a negative errno. */
static ssize_t post_recv(struct post_conn *c, char *buf, size_t len)
{
	for (;;) {
		ssize_t n;
		int r;

		if (c->ssl) {
			size_t got = 0;
			int rc = SSL_read_ex(c->ssl, buf, len, &got);
			if (rc == 1)
				return (ssize_t)got;
			if (SSL_get_error(c->ssl, rc) == SSL_ERROR_ZERO_RETURN)
				return 0;
			if ((r = post_tls_step(c, rc)) < 0)
				return r;
			continue;
		}
		n = recv(c->fd, buf, len, 0);
		if (n >= 0)
			return n;
		if (errno != EAGAIN && errno != EINTR)
			return -errno;
		if ((r = post_wait(c, POLLIN)) < 0)
			return r;
	}
}

/* Reads until the status is known. */
static int post_read_status(struct post_conn *c)
{
	char buf[SIG_POST_RESPONSE_MAX];
	size_t have = 0;

	for (;;) {
		ssize_t n = post_recv(c, buf + have, sizeof(buf) - have);
		int status;

		if (n < 0)
			return (int)n;
		have += (size_t)n;
		status = sig_post_parse_status(buf, have);
		if (status != -EAGAIN)
			return status;
		if (n == 0 || have == sizeof(buf))
			return -EBADMSG; /* ended, or a head too long, before a status */
	}
}

static int post_run(struct sig_post *post, const struct cfg_webhook_url *url, const char *request,
		    size_t len)
{
	struct post_conn c = {
	    .post = post, .fd = -1, .deadline_us = clock_mono_us() + SIG_POST_TIMEOUT_MS * 1000LL};
	int r = post_connect(&c, url);

	if (r == 0 && url->tls)
		r = post_tls_start(&c, url);
	if (r == 0)
		r = post_send(&c, request, len);
	if (r == 0)
		r = post_read_status(&c);
	if (c.ssl) {
		(void)SSL_shutdown(c.ssl); /* best effort; the socket closes anyway */
		SSL_free(c.ssl);
	}
	if (c.fd >= 0)
		close(c.fd);
	ERR_clear_error();
	return r;
}

static void *post_thread(void *arg)
{
	struct sig_post *post = arg;

	pthread_mutex_lock(&post->lock);
	for (;;) {
		struct cfg_webhook_url url;
		char *request;
		size_t len;
		uint64_t one = 1;
		int status;

		while (!post->stopping && !post->has_job)
			pthread_cond_wait(&post->wake, &post->lock);
		if (post->stopping)
			break;
		url = post->url;
		request = post->request;
		len = post->request_len;
		post->request = NULL;
		post->has_job = false;
		pthread_mutex_unlock(&post->lock);

		status = post_run(post, &url, request, len);
		g_free(request);

		pthread_mutex_lock(&post->lock);
		post->status = status;
		post->has_done = true;
		if (write(post->done_fd, &one, sizeof(one)) < 0)
			log_debug("webhooks: cannot wake the control loop: %s", g_strerror(errno));
	}
	pthread_mutex_unlock(&post->lock);
	return NULL;
}

int sig_post_new(struct sig_post **ret_post)
{
	struct sig_post *post = g_new0(struct sig_post, 1);
	int r = -ENOMEM;

	post->done_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	post->stop_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (post->done_fd < 0 || post->stop_fd < 0) {
		r = -errno;
		goto fail_fds;
	}
	post->tls = SSL_CTX_new(TLS_client_method());
	if (!post->tls)
		goto fail_fds;
	SSL_CTX_set_min_proto_version(post->tls, TLS1_2_VERSION);
	SSL_CTX_set_verify(post->tls, SSL_VERIFY_PEER, NULL);
	if (SSL_CTX_set_default_verify_paths(post->tls) != 1) {
		r = -EIO;
		goto fail_tls;
	}
	pthread_mutex_init(&post->lock, NULL);
	pthread_cond_init(&post->wake, NULL);
	r = -pthread_create(&post->thread, NULL, post_thread, post);
	if (r < 0)
		goto fail_thread;
	*ret_post = post;
	return 0;

fail_thread:
	pthread_cond_destroy(&post->wake);
	pthread_mutex_destroy(&post->lock);
fail_tls:
	SSL_CTX_free(post->tls);
fail_fds:
	if (post->done_fd >= 0)
		close(post->done_fd);
	if (post->stop_fd >= 0)
		close(post->stop_fd);
	g_free(post);
	return r;
}

struct sig_post *sig_post_free(struct sig_post *post)
{
	uint64_t one = 1;

	if (!post)
		return NULL;
	pthread_mutex_lock(&post->lock);
	post->stopping = true;
	pthread_cond_signal(&post->wake);
	pthread_mutex_unlock(&post->lock);
	if (write(post->stop_fd, &one, sizeof(one)) < 0)
		log_debug("webhooks: cannot stop the POST thread: %s", g_strerror(errno));
	pthread_join(post->thread, NULL);
	pthread_cond_destroy(&post->wake);
	pthread_mutex_destroy(&post->lock);
	SSL_CTX_free(post->tls);
	g_free(post->request);
	close(post->done_fd);
	close(post->stop_fd);
	g_free(post);
	return NULL;
}

int sig_post_fd(const struct sig_post *post)
{
	return post->done_fd;
}

bool sig_post_busy(const struct sig_post *post)
{
	return post->busy; /* written by the control thread only */
}

int sig_post_start(struct sig_post *post, const struct cfg_webhook_url *url, char *request,
		   size_t len)
{
	if (post->busy) {
		g_free(request);
		return -EBUSY;
	}
	pthread_mutex_lock(&post->lock);
	post->url = *url;
	post->request = request;
	post->request_len = len;
	post->has_job = true;
	post->busy = true;
	pthread_cond_signal(&post->wake);
	pthread_mutex_unlock(&post->lock);
	return 0;
}

int sig_post_result(struct sig_post *post, int *ret_status)
{
	uint64_t count;
	int found = 0;

	if (read(post->done_fd, &count, sizeof(count)) < 0 && errno != EAGAIN)
		log_debug("webhooks: reading the wake-up: %s", g_strerror(errno));
	pthread_mutex_lock(&post->lock);
	if (post->has_done) {
		*ret_status = post->status;
		post->has_done = false;
		post->busy = false;
		found = 1;
	}
	pthread_mutex_unlock(&post->lock);
	return found;
}
