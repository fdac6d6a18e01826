#include "live/media.h"

#include <errno.h>
#include <glib.h>
#include <openssl/rand.h>
#include <stdlib.h>
#include <string.h>

#include "config/cfg.h"
#include "core/clock.h"
#include "core/log.h"
#include "crypto/dtls.h"
#include "crypto/token.h"
#include "relay/relay.h"
#include "relay/stream.h"
#include "live/hint.h"
#include "live/room.h"
#include "live/speaker_room.h"
#include "sdp/sdp.h"

/* Every other person a session can hold can receive each stream. */
G_STATIC_ASSERT(SIG_CAPACITY_MAX - 1 <= RELAY_MAX_SUBSCRIBERS);

#define SIG_MEDIA_SLOTS SIG_SDP_MAX_MLINES
/* The RFC 8285 id the relay offers subscribers for the transport-wide
 * sequence number it stamps on their packets (relay/congestion.c); the
 * one-byte form's range (1..14), apart from the others it offers. */
#define SIG_MEDIA_SUB_TWCC_EXT_ID 3
/* ...and for abs-send-time, which it stamps instead for a subscriber that
 * answers goog-remb but not transport-cc (REMB: the subscriber's browser
 * estimates its downlink and says so). Chromium's own numbers, 3 and 2. */
#define SIG_MEDIA_SUB_ABS_SEND_TIME_EXT_ID 2
G_STATIC_ASSERT(SIG_MEDIA_SUB_ABS_SEND_TIME_EXT_ID != SIG_MEDIA_SUB_TWCC_EXT_ID);
G_STATIC_ASSERT(SIG_MEDIA_SUB_ABS_SEND_TIME_EXT_ID >= 1 &&
		SIG_MEDIA_SUB_ABS_SEND_TIME_EXT_ID <= 14);

/* One m-line of a member's subscribe connection: a stream of another. */
struct sig_media_slot {
	char publisher[20]; /* participant id */
	uint64_t from;	    /* the publisher's transport */
	struct relay_stream stream;
	struct sig_sdp_codec codec;
	char mid[8];
	char track[24];
	bool gone;  /* its publisher stopped: kept as an m-line, nothing forwarded,
		     * until another stream of its kind takes it over */
	bool fresh; /* (re)filled since the last offer: its answer does not cover it */
	/* The client's hint (subscribe.hint): RELAY_HEIGHT_* or a height;
	 * unsent: not told to the worker yet (rate limit, or not routed). */
	uint16_t max_height;
	bool hint_unsent;
};

/* Media state of one member. */
struct sig_media_peer {
	unsigned worker;
	/* publishing */
	uint64_t pub_id;				/* 0 = none */
	char pub_ufrag[17], pub_pwd[33];		/* ours, for this transport */
	char pub_remote_ufrag[RELAY_ICE_UFRAG_MAX + 1]; /* the client's */
	char pub_fingerprint[RELAY_FINGERPRINT_MAX + 1];
	/* Our DTLS certificate on each connection (references): chosen when
	 * its transport is first negotiated, kept for its renegotiations, so
	 * that the a=fingerprint we send is the certificate its transport
	 * uses even when the certificate was replaced in between. */
	struct crypto_dtls_identity *pub_identity, *sub_identity;
	unsigned pub_count;
	struct relay_stream pub[RELAY_MAX_STREAMS];
	struct sig_sdp_codec pub_codec[RELAY_MAX_STREAMS];
	unsigned muted; /* RELAY_MUTE_* a host imposed */
	/* The publish transport its worker was last told is the session's
	 * active speaker (RELAY_CMD_SPEAKER); 0: not told. */
	uint64_t speaker_told;
	/* subscribing */
	bool subscribed;
	uint64_t sub_id; /* 0 until the first answer */
	char sub_ufrag[17], sub_pwd[33];
	uint64_t sub_sdp_id;
	int64_t version;    /* of the last offer sent */
	bool awaiting;	    /* that offer is not answered yet */
	bool sub_restarted; /* the last offer carries new ICE credentials */
	bool dirty;	    /* streams changed while awaiting */
	unsigned slot_count;
	unsigned offered_count; /* slots in the last offer: what its answer covers */
	unsigned unplaced_told; /* streams without a slot the client was told about */
	struct sig_media_slot slots[SIG_MEDIA_SLOTS];
	/* subscribe.hint: applied at once SIG_MEDIA_HINTS_PER_S times per
	 * second; beyond, the latest waits for the next second (tick). */
	int64_t hint_window_us;
	unsigned hint_count;
};

#define SIG_MEDIA_HINTS_PER_S 5

struct sig_media {
	struct sig_media_relay relay; /* where the workers' commands go */
	sig_media_tell_fn tell;	      /* sends a member a message */
	void *tell_data;
	struct sig_rooms *rooms;	       /* borrowed */
	struct crypto_dtls_identity *identity; /* for new transports; a reference */
	struct cfg_addr_pair advertised;       /* our candidates' addresses ("" = none) */
	bool loss_repair;		       /* media.loss_repair: NACK/RTX in the SDP */
	uint16_t tcp_port;		       /* media.tcp_port: ICE-TCP candidates; 0: none */
	struct cfg_addr_pair tcp_advertised;   /* the families ICE-TCP listens on */
	bool audio_red;			       /* media.audio_red: RED for Opus in the SDP */
	uint64_t next_transport_id;
	/* Every transport the workers hold for a member: id (an owned
	 * uint64_t) -> member (borrowed: its entries go when the transport is
	 * removed or closes, and sig_media_member_left removes them all), so
	 * that a worker's event finds whose it is. */
	GHashTable *transports;
};

static int sig_media_relay_send(void *userdata, unsigned worker, const struct relay_msg *msg)
{
	return relay_send(userdata, worker, msg);
}

static unsigned sig_media_relay_workers(void *userdata)
{
	return relay_worker_count(userdata);
}

static int sig_media_relay_port(void *userdata, unsigned worker)
{
	return relay_worker_port(userdata, worker);
}

void sig_media_relay_of(struct relay *relay, struct sig_media_relay *ret_relay)
{
	*ret_relay = (struct sig_media_relay){
	    .send = sig_media_relay_send,
	    .worker_count = sig_media_relay_workers,
	    .worker_port = sig_media_relay_port,
	    .userdata = relay,
	};
}

struct sig_media *sig_media_new(const struct sig_media_relay *relay, struct sig_rooms *rooms,
				const struct cfg *cfg, struct crypto_dtls_identity *identity,
				sig_media_tell_fn tell, void *tell_data)
{
	struct sig_media *m = g_new0(struct sig_media, 1);

	m->relay = *relay;
	m->tell = tell;
	m->tell_data = tell_data;
	m->rooms = rooms;
	m->identity = crypto_dtls_identity_ref(identity);
	m->advertised = cfg->media_advertised;
	m->next_transport_id = 1;
	m->loss_repair = cfg->media_loss_repair != 0;
	m->tcp_port = (uint16_t)cfg->media_tcp_port;
	/* ICE-TCP listens on one address (relay_tcp_start): the IPv4 bind
	 * address when there is one, else the IPv6 one ("::" alone: both). */
	if (*cfg->media_bind.v4 || cfg->media_dual_stack)
		g_strlcpy(m->tcp_advertised.v4, cfg->media_advertised.v4,
			  sizeof(m->tcp_advertised.v4));
	if (!*cfg->media_bind.v4)
		g_strlcpy(m->tcp_advertised.v6, cfg->media_advertised.v6,
			  sizeof(m->tcp_advertised.v6));
	m->audio_red = cfg->media_audio_red != 0;
	m->transports = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, NULL);
	return m;
}

struct sig_media *sig_media_free(struct sig_media *m)
{
	if (m) {
		crypto_dtls_identity_free(m->identity);
		g_hash_table_destroy(m->transports);
		g_free(m);
	}
	return NULL;
}

void sig_media_set_identity(struct sig_media *m, struct crypto_dtls_identity *identity)
{
	crypto_dtls_identity_free(m->identity);
	m->identity = crypto_dtls_identity_ref(identity);
}

/* RFC 8839 ice-chars from RAND_bytes. */
static int sig_media_random_ice(char *out, size_t n)
{
	static const char set[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	uint8_t raw[64];

	g_assert(n <= sizeof(raw));
	if (RAND_bytes(raw, (int)n) != 1)
		return -EIO;
	for (size_t i = 0; i < n; i++)
		out[i] = set[raw[i] & 63];
	out[n] = '\0';
	return 0;
}

static struct sig_media_peer *sig_media_peer(struct sig_member *member)
{
	if (!member->media) {
		member->media = g_new0(struct sig_media_peer, 1);
	}
	return member->media;
}

static unsigned sig_media_worker(struct sig_media *m, int64_t session_id)
{
	/* All transports of a session on one worker (DESIGN.md). */
	return (unsigned)((uint64_t)session_id % m->relay.worker_count(m->relay.userdata));
}

/* Notes that transport id, just added on a worker, is mb's. */
static void sig_media_track(struct sig_media *m, uint64_t id, struct sig_member *mb)
{
	uint64_t *key = g_new(uint64_t, 1);

	*key = id;
	g_hash_table_replace(m->transports, key, mb);
}

static int sig_media_send(struct sig_media *m, unsigned worker, uint32_t type, uint64_t arg,
			  void *payload)
{
	struct relay_msg msg = {.type = type, .arg = arg, .payload = payload};
	int r = m->relay.send(m->relay.userdata, worker, &msg);

	if (type == RELAY_CMD_TRANSPORT_REMOVE)
		g_hash_table_remove(m->transports, &arg);
	if (r < 0) {
		log_error("media: worker %u queue full; dropping a command", worker);
		if (type == RELAY_CMD_TRANSPORT_ADD || type == RELAY_CMD_TRANSPORT_UPDATE)
			relay_transport_params_free(payload);
		else
			free(payload);
	}
	return r;
}

/* The worker's host candidates, most preferred first: sdp/ gives them
 * local preferences (RFC 8445 §5.1.2.2) in this order. IPv6 first, as RFC
 * 8421 §4 suggests for dual-stack hosts: only ahead by one, so a browser
 * whose IPv6 path fails still pairs IPv4 (both are checked, ICE-lite
 * nominates neither). Returns how many (1..2; cfg_resolve() saw to one). */
static size_t sig_media_candidates(const struct sig_media *m, unsigned worker,
				   struct sig_sdp_candidate ret[SIG_SDP_MAX_CANDIDATES])
{
	uint16_t port = (uint16_t)m->relay.worker_port(m->relay.userdata, worker);
	size_t n = 0;

	if (*m->advertised.v6)
		ret[n++] = (struct sig_sdp_candidate){.address = m->advertised.v6, .port = port};
	if (*m->advertised.v4)
		ret[n++] = (struct sig_sdp_candidate){.address = m->advertised.v4, .port = port};
	/* ICE-TCP (relay/tcp.c), below UDP (sdp_build.c's priorities): any
	 * worker's port finds the transport. */
	if (m->tcp_port && *m->tcp_advertised.v6)
		ret[n++] = (struct sig_sdp_candidate){
		    .address = m->tcp_advertised.v6, .port = m->tcp_port, .tcp_passive = true};
	if (m->tcp_port && *m->tcp_advertised.v4)
		ret[n++] = (struct sig_sdp_candidate){
		    .address = m->tcp_advertised.v4, .port = m->tcp_port, .tcp_passive = true};
	return n;
}

static void sig_media_local(struct sig_media *m, unsigned worker,
			    const struct crypto_dtls_identity *identity, const char *ufrag,
			    const char *pwd, uint64_t sdp_id, uint64_t version,
			    struct sig_sdp_candidate cand[SIG_SDP_MAX_CANDIDATES],
			    struct sig_sdp_local *ret)
{
	size_t n_cand = sig_media_candidates(m, worker, cand);

	*ret = (struct sig_sdp_local){
	    .ice_ufrag = ufrag,
	    .ice_pwd = pwd,
	    .fingerprint = crypto_dtls_identity_fingerprint(identity),
	    .candidates = cand,
	    .n_candidates = n_cand,
	    .session_id = sdp_id,
	    .session_version = version,
	    .extensions = 0,
	    /* nack: the relay repairs loss hop by hop (relay/repair.c). */
	    .rtcp_fb =
		(m->loss_repair ? SIG_SDP_FB_NACK : 0) | SIG_SDP_FB_NACK_PLI | SIG_SDP_FB_CCM_FIR,
	};
}

/* The streams a publish offer may carry under the member's permissions:
 * audio needs publish_audio, the first video publish_video, a second video
 * share_screen. */
static int sig_media_check_permissions(const struct sig_member *member,
				       const struct sig_sdp_desc *offer, char **ret_problem)
{
	unsigned audio = 0, video = 0;

	for (size_t i = 0; i < offer->n_mlines; i++) {
		const struct sig_sdp_mline *ml = &offer->mlines[i];
		if (ml->rejected || ml->kind == SIG_SDP_APPLICATION ||
		    !(ml->direction & SIG_SDP_SENDONLY))
			continue;
		if (ml->kind == SIG_SDP_AUDIO)
			audio++;
		else
			video++;
	}
	if (audio && !(member->permissions & SIG_PERM_PUBLISH_AUDIO)) {
		*ret_problem = g_strdup("you may not send audio in this session");
		return -EPERM;
	}
	if (video && !(member->permissions & SIG_PERM_PUBLISH_VIDEO)) {
		*ret_problem = g_strdup("you may not send video in this session");
		return -EPERM;
	}
	if (video > 1 && !(member->permissions & SIG_PERM_SHARE_SCREEN)) {
		*ret_problem = g_strdup("you may not share your screen in this session");
		return -EPERM;
	}
	if (audio > 1 || video > 2) {
		*ret_problem = g_strdup("at most one audio and two video streams may be sent");
		return -EPERM;
	}
	return 0;
}

/* Transport parameters for a parsed remote description. */
static struct relay_transport_params *sig_media_params(uint64_t id, const struct sig_member *mb,
						       const struct sig_sdp_desc *remote,
						       const char *ufrag, const char *pwd,
						       bool publishing, char **ret_problem)
{
	struct relay_transport_params *p;

	if (strlen(remote->ice_ufrag) > RELAY_ICE_UFRAG_MAX) {
		*ret_problem = g_strdup_printf("an ICE ufrag of more than %d characters is not "
					       "supported",
					       RELAY_ICE_UFRAG_MAX);
		return NULL;
	}
	p = calloc(1, sizeof(*p));
	if (!p) {
		*ret_problem = g_strdup("out of memory");
		return NULL;
	}
	p->id = id;
	p->session_id = (uint64_t)mb->session_id;
	snprintf(p->label, sizeof(p->label), "session=%lld participant=%s",
		 (long long)mb->session_id, mb->participant_id);
	g_strlcpy(p->local_ufrag, ufrag, sizeof(p->local_ufrag));
	g_strlcpy(p->local_pwd, pwd, sizeof(p->local_pwd));
	g_strlcpy(p->remote_ufrag, remote->ice_ufrag, sizeof(p->remote_ufrag));
	g_strlcpy(p->remote_fingerprint, remote->fingerprint, sizeof(p->remote_fingerprint));
	p->dtls_server = remote->local_setup == SIG_SDP_SETUP_PASSIVE;
	p->publishing = publishing;
	return p;
}

static void sig_media_refresh_session(struct sig_media *m, int64_t session_id);
static void sig_media_hints_resend(struct sig_media *m, struct sig_media_peer *peer);

struct sig_media_notice {
	struct sig_media *media;
	const struct sig_member *except;
	json_t *msg;
};

static void sig_media_notice_one(struct sig_member *other, void *userdata)
{
	struct sig_media_notice *n = userdata;

	if (other != n->except)
		n->media->tell(n->media->tell_data, other, json_incref(n->msg));
}

/* Tells everyone else admitted to the session (never anyone waiting) that
 * member's streams appeared or went ("stream.added" / "stream.removed"):
 * those of all[] marked in
 * `which` (NULL: every one). A video's source is its place among all[]'s
 * videos: the first is the camera, a second the screen. */
static void sig_media_announce(struct sig_media *m, const struct sig_member *mb,
			       const struct relay_stream *all, unsigned count, const bool *which,
			       const char *type)
{
	unsigned videos = 0;

	for (unsigned i = 0; i < count; i++) {
		const struct relay_stream *st = &all[i];
		if (st->layer != 0) /* a simulcast track is its lowest encoding */
			continue;
		bool audio = st->kind == RELAY_STREAM_AUDIO;
		const char *source = audio ? "microphone" : videos++ ? "screen" : "camera";
		if (which && !which[i])
			continue;
		g_autofree char *id = g_strdup_printf("%s-%s", audio ? "audio" : "video", st->mid);
		struct sig_media_notice n = {
		    .media = m,
		    .except = mb,
		    .msg = json_pack("{s:s,s:s,s:{s:s,s:s,s:s}}", "type", type, "participant_id",
				     mb->participant_id, "stream", "id", id, "kind",
				     audio ? "audio" : "video", "source", source),
		};
		sig_rooms_foreach_audience(m->rooms, mb->session_id, sig_media_notice_one, &n);
		json_decref(n.msg);
	}
}

/* stream.removed / stream.added for what a renegotiation changed. */
static void sig_media_announce_changes(struct sig_media *m, const struct sig_member *mb,
				       const struct sig_media_peer *peer,
				       const struct relay_transport_params *p)
{
	bool gone[RELAY_MAX_STREAMS] = {false}, added[RELAY_MAX_STREAMS] = {false};

	for (unsigned i = 0; i < peer->pub_count; i++) {
		bool kept = false;
		for (unsigned k = 0; k < p->stream_count; k++)
			kept |= relay_stream_track_ssrc(&p->streams[k]) ==
				relay_stream_track_ssrc(&peer->pub[i]);
		gone[i] = !kept;
	}
	for (unsigned k = 0; k < p->stream_count; k++) {
		bool had = false;
		for (unsigned i = 0; i < peer->pub_count; i++)
			had |= relay_stream_track_ssrc(&p->streams[k]) ==
			       relay_stream_track_ssrc(&peer->pub[i]);
		added[k] = !had;
	}
	sig_media_announce(m, mb, peer->pub, peer->pub_count, gone, "stream.removed");
	sig_media_announce(m, mb, p->streams, p->stream_count, added, "stream.added");
}

/* Transport-wide congestion control (draft-holmer-rmcat-transport-wide-
 * cc-extensions-01), answered per m-line, audio and video alike, only
 * where the offer has both the header extension and a=rtcp-fb
 * transport-cc for the chosen codec: the sequence number is one for the
 * whole transport, so the feedback must cover every stream that carries
 * it, and a sender counts audio in its estimate only with both. */
static void sig_media_offer_twcc(struct sig_sdp_desc *offer)
{
	for (size_t i = 0; i < offer->n_mlines; i++) {
		struct sig_sdp_mline *ml = &offer->mlines[i];
		if (ml->rejected || ml->kind == SIG_SDP_APPLICATION)
			continue;
		if (!ml->ext_id[SIG_SDP_EXT_TWCC] ||
		    !(ml->codecs[0].rtcp_fb & SIG_SDP_FB_TRANSPORT_CC)) {
			ml->ext_id[SIG_SDP_EXT_TWCC] = 0;
			ml->codecs[0].rtcp_fb &= ~SIG_SDP_FB_TRANSPORT_CC;
		}
	}
}

/* REMB (draft-alvestrand-rmcat-remb-03) for a publisher that offers it
 * with abs-send-time on a video m-line and transport-cc on none: the
 * relay then estimates its uplink from abs-send-time (relay/remb.c) and
 * answers both, abs-send-time on every m-line that offered it (the
 * estimate is over everything the transport carries). A publisher that
 * does transport-cc gets that instead, and neither REMB nor
 * abs-send-time. */
static void sig_media_offer_remb(struct sig_sdp_desc *offer)
{
	bool twcc = false, remb = false;

	for (size_t i = 0; i < offer->n_mlines; i++) {
		const struct sig_sdp_mline *ml = &offer->mlines[i];
		if (ml->rejected || ml->kind == SIG_SDP_APPLICATION)
			continue;
		twcc |= ml->ext_id[SIG_SDP_EXT_TWCC] != 0;
		remb |= ml->kind == SIG_SDP_VIDEO && ml->ext_id[SIG_SDP_EXT_ABS_SEND_TIME] &&
			(ml->codecs[0].rtcp_fb & SIG_SDP_FB_GOOG_REMB);
	}
	for (size_t i = 0; i < offer->n_mlines && (twcc || !remb); i++) {
		offer->mlines[i].ext_id[SIG_SDP_EXT_ABS_SEND_TIME] = 0;
		offer->mlines[i].codecs[0].rtcp_fb &= ~SIG_SDP_FB_GOOG_REMB;
	}
}

/* The SSRC subscribers see for the simulcast track of this mid: the one
 * it had (a renegotiation, an ICE restart: their m-lines go on), else a
 * new random one. */
static uint32_t sig_media_group_ssrc(const struct sig_media_peer *peer, const char *mid)
{
	uint32_t ssrc = 0;

	for (unsigned i = 0; peer && i < peer->pub_count; i++)
		if (peer->pub[i].group_ssrc && strcmp(peer->pub[i].mid, mid) == 0)
			return peer->pub[i].group_ssrc;
	if (RAND_bytes((uint8_t *)&ssrc, sizeof(ssrc)) != 1 || ssrc == 0)
		ssrc = (uint32_t)g_random_int() | 1;
	return ssrc;
}

/* One relay stream per simulcast encoding of video m-line ml (its first
 * stream already filled in at p->streams[first]). Returns 0, or -EINVAL
 * when they do not fit in RELAY_MAX_STREAMS. */
static int sig_media_offer_layers(const struct sig_media_peer *peer, const struct sig_sdp_mline *ml,
				  struct relay_transport_params *p,
				  struct sig_sdp_codec ret_codecs[RELAY_MAX_STREAMS],
				  char **ret_problem)
{
	unsigned first = p->stream_count;

	if (first + ml->n_rids > RELAY_MAX_STREAMS) {
		*ret_problem = g_strdup_printf("m-line %s: %zu simulcast encodings are more than "
					       "Hearth takes in one connection (%d streams)",
					       ml->mid, ml->n_rids, RELAY_MAX_STREAMS);
		return -EINVAL;
	}
	struct relay_stream *st = &p->streams[first];
	st->ssrc = 0; /* learnt from the rid of its packets */
	st->rtx_ssrc = 0;
	st->group_ssrc = sig_media_group_ssrc(peer, ml->mid);
	st->layers = (uint8_t)ml->n_rids;
	st->rid_ext_id = ml->ext_id[SIG_SDP_EXT_RID];
	st->rrid_ext_id = ml->ext_id[SIG_SDP_EXT_RRID];
	st->mid_ext_id = ml->ext_id[SIG_SDP_EXT_MID];
	/* RTX of an encoding is found by its repaired rid. */
	if (!st->rrid_ext_id)
		st->rtx_payload_type = 0;
	for (unsigned k = 0; k < ml->n_rids; k++) {
		p->streams[first + k] = *st;
		p->streams[first + k].layer = (uint8_t)k;
		g_strlcpy(p->streams[first + k].rid, ml->rids[k], sizeof(st->rid));
		ret_codecs[first + k] = ret_codecs[first];
	}
	p->stream_count = first + (unsigned)ml->n_rids;
	return 0;
}

/* The streams of a publish offer into p and their codecs into
 * ret_codecs (a simulcast m-line: one stream per encoding). peer: the
 * publication renegotiated, or NULL. Returns 0, or -EINVAL with
 * ret_problem. */
static int sig_media_offer_streams(const struct sig_media_peer *peer, struct sig_sdp_desc *offer,
				   bool loss_repair, bool audio_red,
				   struct relay_transport_params *p,
				   struct sig_sdp_codec ret_codecs[RELAY_MAX_STREAMS],
				   char **ret_problem)
{
	unsigned videos = 0;

	for (size_t i = 0; i < offer->n_mlines && p->stream_count < RELAY_MAX_STREAMS; i++) {
		const struct sig_sdp_mline *ml = &offer->mlines[i];
		if (ml->rejected || ml->kind == SIG_SDP_APPLICATION ||
		    !(ml->direction & SIG_SDP_SENDONLY))
			continue;
		bool simulcast = ml->n_rids > 1;
		if (!ml->has_ssrc && !simulcast) {
			*ret_problem =
			    g_strdup_printf("m-line %s: no a=ssrc; Hearth needs the SSRC "
					    "of each stream in the offer",
					    ml->mid);
			return -EINVAL;
		}
		struct relay_stream *st = &p->streams[p->stream_count];
		struct sig_sdp_codec *c = &offer->mlines[i].codecs[0];
		/* The relay NACKs video only (audio has Opus FEC); RTX from the
		 * publisher only with its SSRC (a=ssrc-group:FID): without one
		 * the answer has none, and a retransmission comes on the media
		 * SSRC (RFC 4585 §6.2.1 allows both). */
		if (ml->kind == SIG_SDP_AUDIO || !loss_repair)
			c->rtcp_fb &= ~SIG_SDP_FB_NACK;
		if ((!ml->has_rtx_ssrc && !(simulcast && ml->ext_id[SIG_SDP_EXT_RRID])) ||
		    !(c->rtcp_fb & SIG_SDP_FB_NACK))
			c->rtx_pt = 0;
		/* RED as the publisher offered it: it goes on to subscribers
		 * that take it (their offers name the same payload type). */
		if (!audio_red)
			c->red_pt = 0;
		st->ssrc = ml->ssrc;
		st->rtx_ssrc = c->rtx_pt ? ml->rtx_ssrc : 0;
		st->repair = loss_repair && ml->kind != SIG_SDP_AUDIO;
		st->twcc_ext_id = ml->ext_id[SIG_SDP_EXT_TWCC]; /* the offerer's id */
		st->abs_send_time_ext_id = ml->ext_id[SIG_SDP_EXT_ABS_SEND_TIME]; /* REMB */
		if (ml->kind == SIG_SDP_AUDIO) /* RFC 6464: how loud, for the active speaker */
			st->audio_level_ext_id = ml->ext_id[SIG_SDP_EXT_AUDIO_LEVEL];
		st->payload_type = ml->codecs[0].pt;
		st->rtx_payload_type = ml->codecs[0].rtx_pt;
		st->red_payload_type = ml->codecs[0].red_pt;
		st->kind = ml->kind == SIG_SDP_AUDIO ? RELAY_STREAM_AUDIO : RELAY_STREAM_VIDEO;
		st->codec = c->id == SIG_SDP_CODEC_VP8	  ? RELAY_CODEC_VP8
			    : c->id == SIG_SDP_CODEC_H264 ? RELAY_CODEC_H264
							  : RELAY_CODEC_OTHER;
		st->layers = 1;
		/* As sig_media_announce() names them: a second video is the screen. */
		st->screen = ml->kind != SIG_SDP_AUDIO && videos++ > 0;
		g_strlcpy(st->mid, ml->mid, sizeof(st->mid));
		ret_codecs[p->stream_count] = ml->codecs[0];
		if (simulcast) {
			if (sig_media_offer_layers(peer, ml, p, ret_codecs, ret_problem) < 0)
				return -EINVAL;
			continue;
		}
		p->stream_count++;
	}
	return 0;
}

/* The member's publication becomes what p and offer describe, once the
 * worker has the command: the others are told what changed. */
static void sig_media_publication_set(struct sig_media *m, struct sig_member *mb,
				      struct sig_media_peer *peer, bool renegotiation,
				      const struct relay_transport_params *p,
				      const struct sig_sdp_codec *codecs, const char *ufrag,
				      const char *pwd, const struct sig_sdp_desc *offer,
				      struct crypto_dtls_identity *identity)
{
	/* A new connection replaces the earlier transport. */
	if (peer->pub_id && !renegotiation) {
		sig_media_send(m, peer->worker, RELAY_CMD_TRANSPORT_REMOVE, peer->pub_id, NULL);
		sig_media_announce(m, mb, peer->pub, peer->pub_count, NULL, "stream.removed");
	}
	if (renegotiation)
		sig_media_announce_changes(m, mb, peer, p);
	peer->pub_id = p->id;
	peer->pub_count = p->stream_count;
	memcpy(peer->pub, p->streams, sizeof(peer->pub));
	memcpy(peer->pub_codec, codecs, sizeof(peer->pub_codec));
	memcpy(peer->pub_ufrag, ufrag, sizeof(peer->pub_ufrag));
	memcpy(peer->pub_pwd, pwd, sizeof(peer->pub_pwd));
	g_strlcpy(peer->pub_remote_ufrag, offer->ice_ufrag, sizeof(peer->pub_remote_ufrag));
	g_strlcpy(peer->pub_fingerprint, offer->fingerprint, sizeof(peer->pub_fingerprint));
	if (!renegotiation) {
		crypto_dtls_identity_ref(identity);
		crypto_dtls_identity_free(peer->pub_identity);
		peer->pub_identity = identity;
	}
}

/* How many tracks peer publishes (a simulcast track's encodings: one). */
static unsigned sig_media_tracks(const struct sig_media_peer *peer)
{
	unsigned n = 0;

	for (unsigned i = 0; i < peer->pub_count; i++)
		n += peer->pub[i].layer == 0;
	return n;
}

/* A refused offer (whatever the step) leaves the member's publication as it
 * was: its transport, streams, codecs and credentials change only once the
 * worker took the command. */
char *sig_media_publish(struct sig_media *m, struct sig_member *mb, const char *sdp, size_t len,
			const char **ret_code, char **ret_problem)
{
	struct sig_media_peer *peer = sig_media_peer(mb);
	struct sig_sdp_desc *offer = g_new0(struct sig_sdp_desc, 1);
	struct sig_sdp_codec codecs[RELAY_MAX_STREAMS] = {0};
	struct relay_transport_params *p = NULL;
	char ufrag[17], pwd[33], *answer = NULL;
	struct sig_sdp_candidate cand[SIG_SDP_MAX_CANDIDATES];
	struct sig_sdp_local local;
	unsigned worker = sig_media_worker(m, mb->session_id);
	uint64_t id;

	*ret_code = "sdp_refused";
	if (sig_sdp_parse_offer(sdp, len, offer, ret_problem) < 0)
		goto out;
	if (sig_media_check_permissions(mb, offer, ret_problem) < 0) {
		*ret_code = "forbidden";
		goto out;
	}
	/* The same connection negotiating again (its DTLS association goes
	 * on) keeps its transport; an ICE restart (new ufrag) gets new
	 * credentials from us too (RFC 8839 §4.4.1.1). */
	bool renegotiation = peer->pub_id && strcmp(offer->fingerprint, peer->pub_fingerprint) == 0;
	bool ice_restart = !renegotiation || strcmp(offer->ice_ufrag, peer->pub_remote_ufrag) != 0;
	if (!ice_restart) {
		memcpy(ufrag, peer->pub_ufrag, sizeof(ufrag));
		memcpy(pwd, peer->pub_pwd, sizeof(pwd));
	} else if (sig_media_random_ice(ufrag, 16) < 0 || sig_media_random_ice(pwd, 32) < 0) {
		*ret_code = "internal";
		*ret_problem = g_strdup("no random bytes");
		goto out;
	}
	id = renegotiation ? peer->pub_id : m->next_transport_id;
	p = sig_media_params(id, mb, offer, ufrag, pwd, true, ret_problem);
	sig_media_offer_twcc(offer);
	sig_media_offer_remb(offer);
	if (!p || sig_media_offer_streams(renegotiation ? peer : NULL, offer, m->loss_repair,
					  m->audio_red, p, codecs, ret_problem) < 0)
		goto out;
	/* A new transport gets the current certificate; a renegotiated one
	 * keeps its own. */
	struct crypto_dtls_identity *identity =
	    renegotiation && peer->pub_identity ? peer->pub_identity : m->identity;
	sig_media_local(m, worker, identity, ufrag, pwd, id, 1, cand, &local);
	/* Publishers only: the relay sends them congestion feedback (relay/
	 * twcc.c); subscribers get neither (their packets carry no extension,
	 * relay_rtp_copy_for strips the publisher's). */
	/* Simulcast: the encodings' SSRCs are learnt from their rid and
	 * repaired rid, the mid telling two tracks' rids apart (the answer
	 * names the rid only for m-lines that offered simulcast). */
	local.extensions = SIG_SDP_EXT_BIT(SIG_SDP_EXT_TWCC);
	for (size_t i = 0; i < offer->n_mlines; i++)
		if (offer->mlines[i].n_rids > 1)
			local.extensions |= SIG_SDP_EXT_BIT(SIG_SDP_EXT_RID) |
					    SIG_SDP_EXT_BIT(SIG_SDP_EXT_RRID) |
					    SIG_SDP_EXT_BIT(SIG_SDP_EXT_MID);
	local.extensions |= SIG_SDP_EXT_BIT(SIG_SDP_EXT_AUDIO_LEVEL); /* the active speaker */
	local.rtcp_fb |= SIG_SDP_FB_TRANSPORT_CC;
	/* Kept in the offer only for a publisher that does REMB instead. */
	local.extensions |= SIG_SDP_EXT_BIT(SIG_SDP_EXT_ABS_SEND_TIME);
	local.rtcp_fb |= SIG_SDP_FB_GOOG_REMB;
	answer = sig_sdp_build_answer(offer, &local, ret_problem);
	if (!answer) {
		*ret_code = "internal";
		goto out;
	}
	struct relay_transport_params sent = *p; /* what the worker takes, for the announcements */
	if (!renegotiation)
		p->identity = crypto_dtls_identity_ref(identity);
	int r = sig_media_send(
	    m, worker, renegotiation ? RELAY_CMD_TRANSPORT_UPDATE : RELAY_CMD_TRANSPORT_ADD, id, p);
	p = NULL; /* the worker's, or freed */
	if (r < 0) {
		g_free(answer);
		answer = NULL;
		*ret_code = "internal";
		*ret_problem = g_strdup("the media worker is overloaded");
		crypto_wipe(&sent, sizeof(sent));
		goto out;
	}
	if (!renegotiation) {
		m->next_transport_id++;
		sig_media_track(m, id, mb);
	}
	peer->worker = worker;
	sig_media_publication_set(m, mb, peer, renegotiation, &sent, codecs, ufrag, pwd, offer,
				  identity);
	crypto_wipe(&sent, sizeof(sent));
	if (peer->muted) /* a host's mute outlives republishing */
		sig_media_set_muted(m, mb, peer->muted);
	/* A renegotiation (an ICE restart every 2 s while a client's network
	 * is down) is not news. */
	if (renegotiation)
		log_debug(
		    "session %lld: participant %s renegotiates its publication (%u streams%s)",
		    (long long)mb->session_id, mb->participant_id, sig_media_tracks(peer),
		    ice_restart ? ", ICE restart" : "");
	else
		log_info("session %lld: participant %s publishes %u streams on worker %u",
			 (long long)mb->session_id, mb->participant_id, sig_media_tracks(peer),
			 peer->worker);
	if (!renegotiation)
		sig_media_announce(m, mb, peer->pub, peer->pub_count, NULL, "stream.added");
	sig_media_refresh_session(m, mb->session_id);
out:
	relay_transport_params_free(p);
	g_free(offer);
	return answer;
}

struct sig_media_collect {
	struct sig_member *self;
	struct sig_media_peer *peer;
	bool changed;
	bool loss_repair;  /* media.loss_repair */
	unsigned unplaced; /* streams no slot was left for */
};

/* A slot for a new stream of kind: a free one, else one whose stream went
 * (its m-line and mid are kept: the offer changes what it carries, RFC 8829
 * §5.2.2), else NULL when all SIG_MEDIA_SLOTS carry live streams. */
static struct sig_media_slot *sig_media_slot_for(struct sig_media_peer *peer, uint8_t kind)
{
	for (unsigned s = 0; s < peer->slot_count; s++)
		if (peer->slots[s].gone && peer->slots[s].stream.kind == kind)
			return &peer->slots[s];
	if (peer->slot_count == SIG_MEDIA_SLOTS)
		return NULL;
	struct sig_media_slot *slot = &peer->slots[peer->slot_count];
	memset(slot, 0, sizeof(*slot));
	snprintf(slot->mid, sizeof(slot->mid), "%u", peer->slot_count);
	peer->slot_count++;
	return slot;
}

/* What a subscriber is offered for loss repair on the relay's hop, whatever
 * the publisher negotiated: video with nack, nack pli, ccm fir and RTX (RFC
 * 4588) on a payload type and SSRC of ours; audio without nack. */
static void sig_media_slot_repair(struct sig_media_slot *slot, bool loss_repair)
{
	struct sig_sdp_codec *c = &slot->codec;
	uint32_t rtx_ssrc = 0;

	if (slot->stream.kind == RELAY_STREAM_AUDIO || !loss_repair) {
		c->rtcp_fb &= ~SIG_SDP_FB_NACK;
		c->rtx_pt = 0;
		slot->stream.rtx_ssrc = 0;
		return;
	}
	c->rtcp_fb |= SIG_SDP_FB_NACK | SIG_SDP_FB_NACK_PLI | SIG_SDP_FB_CCM_FIR;
	if (!c->rtx_pt || c->rtx_pt == c->pt)
		c->rtx_pt = c->pt >= 96 && c->pt < 127 ? (uint8_t)(c->pt + 1)
			    : c->pt == 127	       ? 126
						       : 97;
	if (RAND_bytes((uint8_t *)&rtx_ssrc, sizeof(rtx_ssrc)) != 1 || rtx_ssrc == 0 ||
	    rtx_ssrc == slot->stream.ssrc)
		rtx_ssrc = (slot->stream.ssrc ^ 0x52545831u) | 1; /* "RTX1": never 0 or ssrc */
	slot->stream.rtx_ssrc = rtx_ssrc;
}

/* Gives a slot to each stream of another member that this subscriber does
 * not receive yet (reusing slots whose stream went); counts those that
 * find none. */
static void sig_media_collect_one(struct sig_member *other, void *userdata)
{
	struct sig_media_collect *c = userdata;
	struct sig_media_peer *op = other->media, *peer = c->peer;

	if (other == c->self || !op || !op->pub_id)
		return;
	for (unsigned i = 0; i < op->pub_count; i++) {
		bool have = false;
		if (op->pub[i].layer != 0) /* a simulcast track: one slot */
			continue;
		uint32_t ssrc = relay_stream_track_ssrc(&op->pub[i]);
		for (unsigned s = 0; s < peer->slot_count; s++)
			if (!peer->slots[s].gone && peer->slots[s].from == op->pub_id &&
			    peer->slots[s].stream.ssrc == ssrc)
				have = true;
		if (have)
			continue;
		struct sig_media_slot *slot = sig_media_slot_for(peer, op->pub[i].kind);
		if (!slot) {
			c->unplaced++;
			continue;
		}
		g_strlcpy(slot->publisher, other->participant_id, sizeof(slot->publisher));
		slot->from = op->pub_id;
		slot->stream = op->pub[i];
		slot->stream.ssrc = ssrc; /* what the subscriber sees */
		slot->codec = op->pub_codec[i];
		sig_media_slot_repair(slot, c->loss_repair);
		slot->gone = false;
		slot->fresh = true;
		slot->max_height = RELAY_HEIGHT_ANY; /* a new stream is shown until told */
		slot->hint_unsent = false;
		snprintf(slot->track, sizeof(slot->track), "%s-%s",
			 op->pub[i].kind == RELAY_STREAM_AUDIO ? "audio" : "video", op->pub[i].mid);
		c->changed = true;
	}
}

struct sig_media_alive {
	uint64_t from;
	uint32_t ssrc;
	bool found;
};

static void sig_media_alive_one(struct sig_member *other, void *userdata)
{
	struct sig_media_alive *a = userdata;

	if (!other->media || other->media->pub_id != a->from)
		return;
	for (unsigned i = 0; i < other->media->pub_count; i++)
		if (relay_stream_track_ssrc(&other->media->pub[i]) == a->ssrc)
			a->found = true;
}

static void sig_media_send_offer(struct sig_media *m, struct sig_member *mb)
{
	struct sig_media_peer *peer = mb->media;
	struct sig_sdp_stream streams[SIG_MEDIA_SLOTS];
	struct sig_sdp_candidate cand[SIG_SDP_MAX_CANDIDATES];
	struct sig_sdp_local local;
	g_autofree char *problem = NULL;

	for (unsigned i = 0; i < peer->slot_count; i++) {
		struct sig_media_slot *s = &peer->slots[i];
		streams[i] = (struct sig_sdp_stream){
		    .kind = s->stream.kind == RELAY_STREAM_AUDIO ? SIG_SDP_AUDIO : SIG_SDP_VIDEO,
		    .mid = s->mid,
		    .stream_id = s->publisher,
		    .track_id = s->track,
		    .cname = s->publisher,
		    .ssrc = s->stream.ssrc,
		    .rtx_ssrc = s->stream.rtx_ssrc,
		    .codec = s->codec,
		};
		if (!s->stream.rtx_ssrc)
			streams[i].codec.rtx_pt = 0;
		streams[i].inactive = s->gone;
		/* Send-side bandwidth estimation of the subscriber: every
		 * stream carries the relay's transport-wide sequence number,
		 * and the subscriber's transport-cc feedback reports it; a
		 * subscriber that answers only abs-send-time and goog-remb
		 * gets that stamped and tells its estimate in REMB. */
		streams[i].ext_id[SIG_SDP_EXT_TWCC] = SIG_MEDIA_SUB_TWCC_EXT_ID;
		streams[i].ext_id[SIG_SDP_EXT_ABS_SEND_TIME] = SIG_MEDIA_SUB_ABS_SEND_TIME_EXT_ID;
		streams[i].codec.rtcp_fb |= SIG_SDP_FB_TRANSPORT_CC | SIG_SDP_FB_GOOG_REMB;
	}
	sig_media_local(m, peer->worker, peer->sub_identity, peer->sub_ufrag, peer->sub_pwd,
			peer->sub_sdp_id, (uint64_t)peer->version + 1, cand, &local);
	local.extensions |=
	    SIG_SDP_EXT_BIT(SIG_SDP_EXT_TWCC) | SIG_SDP_EXT_BIT(SIG_SDP_EXT_ABS_SEND_TIME);
	local.rtcp_fb |= SIG_SDP_FB_TRANSPORT_CC | SIG_SDP_FB_GOOG_REMB;
	g_autofree char *sdp =
	    sig_sdp_build_subscribe_offer(&local, streams, peer->slot_count, &problem);
	if (!sdp) {
		log_error("session %lld: cannot build a subscribe offer for %s: %s",
			  (long long)mb->session_id, mb->participant_id, problem ? problem : "?");
		return;
	}
	peer->version++;
	peer->awaiting = true;
	peer->dirty = false;
	peer->offered_count = peer->slot_count;
	for (unsigned i = 0; i < peer->slot_count; i++)
		peer->slots[i].fresh = false;
	m->tell(m->tell_data, mb,
		json_pack("{s:s,s:I,s:s}", "type", "subscribe.offer", "version",
			  (json_int_t)peer->version, "sdp", sdp));
}

/* A subscriber has more streams to receive than its SIG_MEDIA_SLOTS
 * m-lines: it is told (once each time the shortfall grows) and the log
 * says so with ids. */
static void sig_media_tell_unplaced(struct sig_media *m, struct sig_member *mb,
				    struct sig_media_peer *peer, unsigned unplaced)
{
	if (unplaced <= peer->unplaced_told) {
		peer->unplaced_told = unplaced;
		return;
	}
	peer->unplaced_told = unplaced;
	log_warn("session %lld: participant %s: %u streams not offered: %d per subscriber at most",
		 (long long)mb->session_id, mb->participant_id, unplaced, SIG_MEDIA_SLOTS);
	g_autofree char *message = g_strdup_printf(
	    "%u streams of this session are not offered to you: a connection receives at "
	    "most %d",
	    unplaced, SIG_MEDIA_SLOTS);
	m->tell(m->tell_data, mb,
		json_pack("{s:s,s:{s:s,s:s,s:i,s:i}}", "type", "error", "error", "code",
			  "too_many_streams", "message", message, "unplaced", (int)unplaced,
			  "max_streams", SIG_MEDIA_SLOTS));
}

/* Brings one subscriber's slots up to date and offers when they changed:
 * slots whose stream went are marked first, so that a new stream can take
 * one over. */
static void sig_media_refresh_member(struct sig_member *mb, void *userdata)
{
	struct sig_media *m = userdata;
	struct sig_media_peer *peer = mb->media;

	if (!peer || !peer->subscribed)
		return;
	struct sig_media_collect c = {.self = mb, .peer = peer, .loss_repair = m->loss_repair};
	for (unsigned i = 0; i < peer->slot_count; i++) {
		struct sig_media_alive a = {.from = peer->slots[i].from,
					    .ssrc = peer->slots[i].stream.ssrc};
		sig_rooms_foreach(m->rooms, mb->session_id, sig_media_alive_one, &a);
		if (!a.found && !peer->slots[i].gone) {
			peer->slots[i].gone = true;
			c.changed = true;
		}
	}
	sig_rooms_foreach(m->rooms, mb->session_id, sig_media_collect_one, &c);
	sig_media_tell_unplaced(m, mb, peer, c.unplaced);
	if (!c.changed && !peer->dirty)
		return;
	if (peer->awaiting) {
		peer->dirty = true;
		return;
	}
	if (peer->slot_count > 0)
		sig_media_send_offer(m, mb);
}

static void sig_media_refresh_session(struct sig_media *m, int64_t session_id)
{
	/* Only those admitted subscribe; someone waiting is offered nothing. */
	sig_rooms_foreach_audience(m->rooms, session_id, sig_media_refresh_member, m);
}

int sig_media_subscribe(struct sig_media *m, struct sig_member *mb)
{
	struct sig_media_peer *peer;

	if (!(mb->permissions & SIG_PERM_SUBSCRIBE))
		return -EPERM;
	peer = sig_media_peer(mb);
	if (peer->subscribed)
		return 0;
	if (sig_media_random_ice(peer->sub_ufrag, 16) < 0 ||
	    sig_media_random_ice(peer->sub_pwd, 32) < 0 ||
	    RAND_bytes((uint8_t *)&peer->sub_sdp_id, sizeof(peer->sub_sdp_id)) != 1)
		return -EIO;
	peer->sub_sdp_id &= INT64_MAX;
	crypto_dtls_identity_free(peer->sub_identity);
	peer->sub_identity = crypto_dtls_identity_ref(m->identity); /* what every offer names */
	peer->subscribed = true;
	peer->worker = sig_media_worker(m, mb->session_id);
	sig_media_refresh_member(mb, m);
	return 0;
}

/* How the relay learns the subscriber's downlink, from what its answer
 * accepted: transport-cc (the relay's own estimate), else abs-send-time
 * with goog-remb (the subscriber's REMB), else nothing. The extensions
 * are transport-wide: accepted on any m-line (browsers accept them on all
 * of a BUNDLE group or none). */
static void sig_media_routes_estimation(struct relay_routes *routes,
					const struct sig_sdp_desc *answer, size_t n)
{
	bool twcc = false, abs = false, remb = false;

	for (size_t i = 0; i < n && i < answer->n_mlines; i++) {
		const struct sig_sdp_mline *ml = &answer->mlines[i];
		if (ml->rejected)
			continue;
		twcc |= ml->ext_id[SIG_SDP_EXT_TWCC] == SIG_MEDIA_SUB_TWCC_EXT_ID;
		abs |= ml->ext_id[SIG_SDP_EXT_ABS_SEND_TIME] == SIG_MEDIA_SUB_ABS_SEND_TIME_EXT_ID;
		for (size_t c = 0; c < ml->n_codecs; c++)
			remb |= (ml->codecs[c].rtcp_fb & SIG_SDP_FB_GOOG_REMB) != 0;
	}
	routes->twcc_ext_id = twcc ? SIG_MEDIA_SUB_TWCC_EXT_ID : 0;
	routes->abs_send_time_ext_id =
	    !twcc && abs && remb ? SIG_MEDIA_SUB_ABS_SEND_TIME_EXT_ID : 0;
}

/* Routes for the slots the client accepted. */
static struct relay_routes *sig_media_routes(const struct sig_media_peer *peer,
					     const struct sig_sdp_desc *answer)
{
	struct relay_routes *routes = calloc(1, sizeof(*routes));

	if (!routes)
		return NULL;
	sig_media_routes_estimation(routes, answer, peer->offered_count);
	routes->to = peer->sub_id;
	for (unsigned i = 0; i < peer->offered_count && i < answer->n_mlines; i++) {
		const struct sig_media_slot *s = &peer->slots[i];
		const struct sig_sdp_mline *ml = &answer->mlines[i];
		if (s->gone || s->fresh || ml->rejected || !ml->n_codecs ||
		    routes->count == RELAY_MAX_ROUTES)
			continue;
		routes->routes[routes->count++] = (struct relay_route){
		    .from = s->from,
		    .ssrc = s->stream.ssrc,
		    .rtx_ssrc = ml->codecs[0].rtx_pt ? s->stream.rtx_ssrc : 0,
		    .out_payload_type = ml->codecs[0].pt,
		    .out_rtx_payload_type = ml->codecs[0].rtx_pt,
		    .out_red_payload_type = s->stream.red_payload_type ? ml->codecs[0].red_pt : 0,
		};
	}
	return routes;
}

int sig_media_subscribe_answer(struct sig_media *m, struct sig_member *mb, int64_t version,
			       const char *sdp, size_t len, const char **ret_code,
			       char **ret_problem)
{
	struct sig_media_peer *peer = mb->media;
	g_autofree struct sig_sdp_desc *answer = g_new0(struct sig_sdp_desc, 1);
	int r;

	*ret_code = "sdp_refused";
	if (!peer || !peer->awaiting || version != peer->version) {
		*ret_code = "bad_message";
		*ret_problem =
		    g_strdup("no subscribe offer of that version is waiting for an answer");
		return -EINVAL;
	}
	/* Streams that appeared since the offer are slots already, but the
	 * answer covers only what was offered; they go in the next offer. */
	r = sig_sdp_parse_answer(sdp, len, peer->offered_count, answer, ret_problem);
	if (r < 0)
		return r;
	if (!peer->sub_id) {
		uint64_t id = m->next_transport_id++;
		struct relay_transport_params *p = sig_media_params(
		    id, mb, answer, peer->sub_ufrag, peer->sub_pwd, false, ret_problem);
		if (!p)
			return -EINVAL;
		p->identity = crypto_dtls_identity_ref(peer->sub_identity);
		if (sig_media_send(m, peer->worker, RELAY_CMD_TRANSPORT_ADD, id, p) < 0) {
			*ret_code = "internal";
			*ret_problem = g_strdup("the media worker is overloaded");
			return -EAGAIN;
		}
		peer->sub_id = id;
		sig_media_track(m, id, mb);
	} else if (peer->sub_restarted) {
		/* An ICE restart: new credentials on both sides, same DTLS. */
		struct relay_transport_params *p = sig_media_params(
		    peer->sub_id, mb, answer, peer->sub_ufrag, peer->sub_pwd, false, ret_problem);
		if (!p)
			return -EINVAL;
		if (sig_media_send(m, peer->worker, RELAY_CMD_TRANSPORT_UPDATE, peer->sub_id, p) <
		    0) {
			*ret_code = "internal";
			*ret_problem = g_strdup("the media worker is overloaded");
			return -EAGAIN;
		}
	}
	peer->sub_restarted = false;
	struct relay_routes *routes = sig_media_routes(peer, answer);
	if (!routes ||
	    sig_media_send(m, peer->worker, RELAY_CMD_ROUTES_SET, peer->sub_id, routes) < 0) {
		*ret_code = "internal";
		*ret_problem = g_strdup("the media worker is overloaded");
		return -EAGAIN;
	}
	peer->awaiting = false;
	sig_media_hints_resend(m, peer); /* the worker's new routes start shown */
	if (peer->dirty)
		sig_media_refresh_member(mb, m);
	return 0;
}

int sig_media_subscribe_restart(struct sig_media *m, struct sig_member *mb)
{
	struct sig_media_peer *peer = mb->media;

	if (!peer || !peer->subscribed)
		return -EINVAL;
	if (sig_media_random_ice(peer->sub_ufrag, 16) < 0 ||
	    sig_media_random_ice(peer->sub_pwd, 32) < 0)
		return -EIO;
	peer->sub_restarted = peer->sub_id != 0;
	peer->dirty = true; /* an offer goes out now, or after the one awaited */
	sig_media_refresh_member(mb, m);
	return 0;
}

void sig_media_set_muted(struct sig_media *m, struct sig_member *mb, unsigned mute)
{
	struct sig_media_peer *peer = sig_media_peer(mb);
	struct relay_msg msg = {.type = RELAY_CMD_MUTE, .arg2 = mute};

	peer->muted = mute;
	if (!peer->pub_id)
		return;
	msg.arg = peer->pub_id;
	if (m->relay.send(m->relay.userdata, peer->worker, &msg) < 0)
		log_error("media: worker %u queue full; a mute was not applied", peer->worker);
}

void sig_media_unpublish(struct sig_media *m, struct sig_member *mb)
{
	struct sig_media_peer *peer = mb->media;

	if (!peer || !peer->pub_id)
		return;
	sig_media_send(m, peer->worker, RELAY_CMD_TRANSPORT_REMOVE, peer->pub_id, NULL);
	sig_media_announce(m, mb, peer->pub, peer->pub_count, NULL, "stream.removed");
	peer->pub_id = 0;
	peer->pub_count = 0;
	sig_media_refresh_session(m, mb->session_id);
}

void sig_media_member_left(struct sig_media *m, struct sig_member *mb)
{
	struct sig_media_peer *peer = mb->media;

	if (!peer)
		return;
	if (peer->pub_id)
		sig_media_send(m, peer->worker, RELAY_CMD_TRANSPORT_REMOVE, peer->pub_id, NULL);
	if (peer->sub_id)
		sig_media_send(m, peer->worker, RELAY_CMD_TRANSPORT_REMOVE, peer->sub_id, NULL);
	bool published = peer->pub_id != 0;
	if (published)
		sig_media_announce(m, mb, peer->pub, peer->pub_count, NULL, "stream.removed");
	crypto_dtls_identity_free(peer->pub_identity);
	crypto_dtls_identity_free(peer->sub_identity);
	g_free(peer);
	mb->media = NULL;
	if (published)
		sig_media_refresh_session(m, mb->session_id);
}

/* A worker closed one of mb's transports by itself (DTLS failed, the
 * peer closed it, consent expired before DTLS was done): it is forgotten,
 * so that the client's next offer or answer makes a new one rather than
 * renegotiating one that is gone; the others stop being offered its
 * streams. */
static void sig_media_closed(struct sig_media *m, struct sig_member *mb, uint64_t id)
{
	struct sig_media_peer *peer = mb->media;

	if (!peer)
		return;
	if (peer->pub_id == id) {
		sig_media_announce(m, mb, peer->pub, peer->pub_count, NULL, "stream.removed");
		peer->pub_id = 0;
		peer->pub_count = 0;
		sig_media_refresh_session(m, mb->session_id);
	} else if (peer->sub_id == id) {
		peer->sub_id = 0; /* the next answer adds a transport */
		peer->sub_restarted = false;
	}
}

/* Dynacast (relay/dynacast.h): publisher mb's simulcast track with this
 * group SSRC is wanted in its `wanted` lowest encodings; its client is
 * told which rids to send ({"type":"publish.layers"}). */
static void sig_media_tell_layers(struct sig_media *m, struct sig_member *mb, uint32_t group,
				  unsigned wanted)
{
	const struct sig_media_peer *peer = mb->media;
	const char *mid = NULL;
	json_t *rids = json_array();

	for (unsigned i = 0; i < peer->pub_count; i++) {
		const struct relay_stream *st = &peer->pub[i];
		if (!group || st->group_ssrc != group)
			continue;
		mid = st->mid;
		if (st->layer < wanted)
			json_array_append_new(rids, json_string(st->rid));
	}
	if (!mid) {
		json_decref(rids);
		return;
	}
	log_debug("session %lld: participant %s: %u encodings of mid %s wanted",
		  (long long)mb->session_id, mb->participant_id, wanted, mid);
	m->tell(m->tell_data, mb,
		json_pack("{s:s,s:s,s:o}", "type", "publish.layers", "mid", mid, "rids", rids));
}

static void sig_media_speaker_sync(struct sig_media *m, int64_t session_id);

void sig_media_on_event(struct sig_media *m, const struct relay_msg *msg)
{
	static const char *const reasons[] = {"removed",
					      "DTLS did not finish: no check for 30 s (RFC 7675)",
					      "DTLS failed",
					      "certificate does not match the SDP fingerprint",
					      "closed by the peer",
					      "no SRTP keys from DTLS"};
	struct sig_member *mb = g_hash_table_lookup(m->transports, &msg->arg);
	long long session = mb ? (long long)mb->session_id : 0;
	const char *who = mb ? mb->participant_id : "-";
	char ids[128]; /* log fields (core/log.h): whose transport, ids only */

	if (mb)
		snprintf(ids, sizeof(ids), "session=%lld participant=%s transport=%llu worker=%u",
			 session, who, (unsigned long long)msg->arg, msg->worker);
	else
		snprintf(ids, sizeof(ids), "transport=%llu worker=%u", (unsigned long long)msg->arg,
			 msg->worker);
	switch (msg->type) {
	case RELAY_EVT_TRANSPORT_UP:
		log_info_with(ids, "media transport %s (ICE and DTLS done, SRTP keyed)",
			      msg->arg2 ? "has consent again" : "up");
		break;
	case RELAY_EVT_TRANSPORT_LOST:
		/* Kept: the client's ICE restart, once its network is back,
		 * finds it (relay/README.md). */
		log_info_with(ids, "media transport lost consent (no check for 30 s); kept for "
				   "an ICE restart");
		break;
	case RELAY_EVT_TRANSPORT_CLOSED:
		log_info_with(ids, "media transport closed: %s",
			      msg->arg2 < G_N_ELEMENTS(reasons) ? reasons[msg->arg2] : "?");
		if (mb) {
			g_hash_table_remove(m->transports, &msg->arg);
			sig_media_closed(m, mb, msg->arg);
		}
		break;
	case RELAY_EVT_LAYERS_WANTED:
		if (mb && mb->media && mb->media->pub_id == msg->arg)
			sig_media_tell_layers(m, mb, (uint32_t)(msg->arg2 >> 8),
					      (unsigned)(msg->arg2 & 0xff));
		break;
	case RELAY_EVT_VIDEO_PAUSED:
		/* The subscriber's downlink carries its sound but not (all)
		 * its video: the page says so, and when it is over. */
		if (mb && mb->media && mb->media->sub_id == msg->arg) {
			log_info("session %lld: participant %s: %u videos paused for its downlink",
				 session, who, (unsigned)msg->arg2);
			m->tell(m->tell_data, mb,
				json_pack("{s:s,s:i}", "type", "video.paused", "streams",
					  (int)msg->arg2));
		}
		break;
	case RELAY_EVT_AUDIO_LEVEL: /* live/speaker_room.h */
		if (mb && mb->media && mb->media->pub_id == msg->arg) {
			sig_speaker_room_heard(m->rooms, mb, (unsigned)msg->arg2, clock_mono_us(),
					       m->tell, m->tell_data);
			sig_media_speaker_sync(m, mb->session_id);
		}
		break;
	default:
		break;
	}
}

/* The active speaker to the relay (RELAY_CMD_SPEAKER): its camera is
 * every subscriber's priority track (relay/budget.c). */

struct sig_media_speaker_find {
	const char *id;
	struct sig_media_peer *speaker; /* the one with that id, publishing */
	bool clear;			/* forget who was told */
};

static void sig_media_speaker_find_one(struct sig_member *mb, void *userdata)
{
	struct sig_media_speaker_find *f = userdata;

	if (!mb->media)
		return;
	if (f->clear)
		mb->media->speaker_told = 0;
	else if (mb->media->pub_id && strcmp(mb->participant_id, f->id) == 0)
		f->speaker = mb->media;
}

/* After the session's speaker may have changed: its worker is told when
 * the speaker (or the speaker's publication) is not the one it knows. A
 * speaker that falls silent stays the relay's until another speaks (the
 * page keeps showing the last speaker too). */
static void sig_media_speaker_sync(struct sig_media *m, int64_t session_id)
{
	struct sig_media_speaker_find f = {.id = sig_rooms_active_speaker(m->rooms, session_id)};

	if (!f.id)
		return;
	sig_rooms_foreach(m->rooms, session_id, sig_media_speaker_find_one, &f);
	if (!f.speaker || f.speaker->speaker_told == f.speaker->pub_id)
		return;
	struct relay_msg msg = {
	    .type = RELAY_CMD_SPEAKER, .arg = (uint64_t)session_id, .arg2 = f.speaker->pub_id};
	if (m->relay.send(m->relay.userdata, f.speaker->worker, &msg) < 0) {
		log_error("media: worker %u queue full; the speaker waits", f.speaker->worker);
		return;
	}
	f.clear = true;
	sig_rooms_foreach(m->rooms, session_id, sig_media_speaker_find_one, &f);
	f.speaker->speaker_told = f.speaker->pub_id;
}

/* Visibility hints (subscribe.hint, docs/protocol.md). */

G_STATIC_ASSERT(SIG_HINT_MAX_STREAMS >= SIG_MEDIA_SLOTS);

/* Tells the worker the hints of peer's routed video slots: those not sent
 * yet, or (all) every one that is not the default. */
static void sig_media_hints_send(struct sig_media *m, struct sig_media_peer *peer, bool all)
{
	for (unsigned i = 0; i < peer->offered_count && peer->sub_id; i++) {
		struct sig_media_slot *s = &peer->slots[i];
		if (s->gone || s->fresh || s->stream.kind != RELAY_STREAM_VIDEO ||
		    !(s->hint_unsent || (all && s->max_height != RELAY_HEIGHT_ANY)))
			continue;
		struct relay_msg msg = {.type = RELAY_CMD_HINT,
					.arg = peer->sub_id,
					.arg2 = RELAY_HINT(s->stream.ssrc, s->max_height)};
		if (m->relay.send(m->relay.userdata, peer->worker, &msg) < 0) {
			log_error("media: worker %u queue full; a hint waits", peer->worker);
			return;
		}
		s->hint_unsent = false;
	}
}

static void sig_media_hints_resend(struct sig_media *m, struct sig_media_peer *peer)
{
	sig_media_hints_send(m, peer, true);
}

int sig_media_subscribe_hint(struct sig_media *m, struct sig_member *mb, const json_t *msg,
			     const char **ret_code, char **ret_problem)
{
	struct sig_media_peer *peer = mb->media;
	struct sig_hint hint;
	unsigned slot_of[SIG_HINT_MAX_STREAMS];

	*ret_code = "bad_message";
	if (!peer || !peer->subscribed) {
		*ret_problem = g_strdup("subscribe first");
		return -EINVAL;
	}
	if (sig_hint_parse(msg, peer->slot_count, &hint, ret_problem) < 0)
		return -EINVAL;
	/* All or nothing: every mid must be one of this connection's m-lines. */
	for (unsigned k = 0; k < hint.count; k++) {
		slot_of[k] = SIG_MEDIA_SLOTS;
		for (unsigned i = 0; i < peer->slot_count; i++)
			if (strcmp(peer->slots[i].mid, hint.entries[k].mid) == 0)
				slot_of[k] = i;
		if (slot_of[k] == SIG_MEDIA_SLOTS) {
			*ret_code = "unknown_stream";
			*ret_problem = g_strdup_printf(
			    "streams[%u]: no m-line of your subscribe connection has mid \"%s\"", k,
			    hint.entries[k].mid);
			return -ENOENT;
		}
	}
	for (unsigned k = 0; k < hint.count; k++) {
		const struct sig_hint_entry *e = &hint.entries[k];
		struct sig_media_slot *s = &peer->slots[slot_of[k]];
		uint16_t height = !e->visible ? RELAY_HEIGHT_HIDDEN
				  : e->height ? e->height
					      : RELAY_HEIGHT_ANY;
		if (s->max_height != height)
			s->hint_unsent = true;
		s->max_height = height;
	}
	int64_t now = clock_mono_us();
	if (now - peer->hint_window_us >= 1000000) {
		peer->hint_window_us = now;
		peer->hint_count = 0;
	}
	/* Over the rate: the latest state waits for sig_media_hint_flush. */
	if (++peer->hint_count <= SIG_MEDIA_HINTS_PER_S)
		sig_media_hints_send(m, peer, false);
	return 0;
}

void sig_media_hint_flush(struct sig_media *m, struct sig_member *mb)
{
	struct sig_media_peer *peer = mb->media;
	int64_t now = clock_mono_us();

	if (!peer || !peer->subscribed || now - peer->hint_window_us < 1000000)
		return;
	peer->hint_window_us = now;
	peer->hint_count = 1;
	sig_media_hints_send(m, peer, false);
}
