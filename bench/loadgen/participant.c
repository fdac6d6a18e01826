/* What both protocols share: making transports from SDP. See participant.h. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/loadgen/participant.h"
#include "bench/loadgen/sdp.h"

#define ERRORS_SHOWN 10

void lg_participant_fail(struct lg_participant *p, const char *fmt, ...)
{
	if (p->failed)
		return;
	p->failed = true;
	if (atomic_fetch_add(&p->run->errors, 1) >= ERRORS_SHOWN)
		return;
	char text[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	fprintf(stderr, "hearth-loadgen: participant %d (session %d): %s\n", p->index, p->session,
		text);
}

int lg_participant_expected_streams(const struct lg_participant *p)
{
	int n = p->run->extra_publishers;
	for (size_t i = 0; i < p->run->n; i++) {
		const struct lg_participant *o = &p->run->p[i];
		if (o != p && o->session == p->session && o->publishes)
			n++;
	}
	return n + (p->visible >= 0 && p->visible < n ? p->visible : n);
}

char *lg_participant_publish_offer(struct lg_participant *p)
{
	if (!p->pub) {
		int r = lg_transport_new(true, &p->pub);
		if (r < 0) {
			lg_participant_fail(p, "cannot make a transport: %s", strerror(-r));
			return NULL;
		}
		p->pub->layers = p->run->simulcast;
	}
	return lg_sdp_publish_offer(p->pub, p->run->fingerprint, p->index);
}

static struct lg_sdp_remote *parse(struct lg_participant *p, const char *sdp)
{
	if (getenv("HEARTH_LOADGEN_DEBUG"))
		fprintf(stderr, "participant %d: server SDP:\n%s\n", p->index, sdp);
	struct lg_sdp_remote *r = malloc(sizeof(*r));
	const char *problem = NULL;
	if (!r) {
		lg_participant_fail(p, "out of memory");
		return NULL;
	}
	if (lg_sdp_parse(sdp, r, &problem) < 0) {
		lg_participant_fail(p, "server SDP: %s", problem);
		free(r);
		return NULL;
	}
	return r;
}

int lg_participant_publish_answered(struct lg_participant *p, const char *sdp)
{
	struct lg_sdp_remote *r = parse(p, sdp);
	if (!r)
		return -1;
	struct lg_transport *t = p->pub;
	if (!t || lg_sdp_apply_remote(t, r) < 0) {
		free(r);
		lg_participant_fail(p, "publish answer unusable");
		return -1;
	}
	t->controlling = true;
	t->dtls_server = strcmp(r->setup, "active") == 0;
	free(r);
	lg_media_add(p->run->ctx, t);
	return 0;
}

char *lg_participant_subscribe_answer(struct lg_participant *p, const char *offer, bool controlling,
				      const char *setup)
{
	struct lg_sdp_remote *r = parse(p, offer);
	if (!r)
		return NULL;
	bool handover = false;
	if (!p->sub) {
		int e = lg_transport_new(false, &p->sub);
		if (e < 0) {
			free(r);
			lg_participant_fail(p, "cannot make a transport: %s", strerror(-e));
			return NULL;
		}
		if (lg_sdp_apply_remote(p->sub, r) < 0) {
			free(r);
			lg_participant_fail(p, "subscribe offer unusable");
			return NULL;
		}
		p->sub->controlling = controlling;
		p->sub->dtls_server = strcmp(setup, "passive") == 0;
		p->sub->expected_streams = lg_participant_expected_streams(p);
		p->sub->requested_ns = p->sub_requested_ns;
		handover = true;
	} else {
		/* A re-offer: same transport, maybe new payload types. */
		for (size_t i = 0; i < r->n_mlines; i++)
			if (r->m[i].pt >= 0)
				atomic_store_explicit(&p->sub->pt_kind[r->m[i].pt],
						      (uint8_t)r->m[i].kind, memory_order_relaxed);
	}
	char *answer = lg_sdp_answer(p->sub, p->run->fingerprint, r, setup);
	free(r);
	if (!answer) {
		lg_participant_fail(p, "cannot build an answer");
		return NULL;
	}
	if (handover)
		lg_media_add(p->run->ctx, p->sub);
	return answer;
}
