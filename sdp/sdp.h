/* SDP for the two negotiations of a client, parsed and built with GStreamer's
 * SDP library (GstSDPMessage); no SDP text is formatted by hand.
 *
 * Publish: the client offers what it sends (audio, video, a second video for
 * a screen share); sig_sdp_parse_offer() reads and validates it, choosing one
 * codec per m-line, and sig_sdp_build_answer() answers recvonly.
 * Subscribe: sig_sdp_build_subscribe_offer() offers one sendonly m-line per
 * forwarded stream; sig_sdp_parse_answer() reads the client's answer.
 *
 * What Hearth serves, and so what it refuses with a sentence rather than
 * answering a call that would half work: one ICE-lite transport per
 * PeerConnection (BUNDLE required, rtcp-mux required, UDP/TLS/RTP/SAVPF),
 * ICE credentials per RFC 8839, a sha-256 DTLS fingerprint (RFC 8122), Opus
 * for audio and VP8, H.264 (constrained baseline, packetization-mode=1) or
 * VP9 (profile 0) for video, in that order of preference.
 * Data channels (m=application) are answered with port 0 (rejected, RFC 3264
 * §6), unless one is the first m-line of the BUNDLE group (the transport's
 * tag), which is refused. An inactive media m-line is answered inactive (port
 * 0 if no codec is common). A recvonly m-line in a publish offer is refused.
 * Simulcast (RFC 8853) with RIDs (RFC 8851): a publish offer's video m-line
 * with a=simulcast:send and a=rid:<id> send lines for up to SIG_SDP_MAX_RIDS
 * encodings, and the rid header extension, is answered a=rid:<id> recv and
 * a=simulcast:recv for them (the first alternative of each; more than three
 * encodings: the first three); Hearth's order is the simulcast list's,
 * lowest resolution first. Without the rid extension, or anywhere else,
 * the rid lines are ignored and the client sends one encoding.
 *
 * Errors: the functions return 0 (or a string) on success; on failure a
 * negative errno code and, if ret_problem is not NULL, a sentence for the
 * client (caller g_free()s it), and leave their other outputs untouched:
 *   -EMSGSIZE  the text is larger than SIG_SDP_MAX_TEXT
 *   -E2BIG     a count cap was hit (m-lines, attributes, formats, SSRCs)
 *   -EBADMSG   not valid SDP, or a value breaks its RFC (lengths, syntax)
 *   -ENOTSUP   valid, but not something Hearth can serve
 *   -EINVAL    (builders) our own local values are invalid
 * Nothing here logs, and nothing needs gst_init(). */
#ifndef HEARTH_SDP_SDP_H
#define HEARTH_SDP_SDP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SIG_SDP_MAX_TEXT	(64 * 1024) /* bytes of one SDP document */
#define SIG_SDP_MAX_LINE	4096	    /* bytes of one line */
#define SIG_SDP_MAX_MLINES	48  /* a group of 16 receives 15 x (microphone, camera, screen) */
#define SIG_SDP_MAX_ATTRIBUTES	512 /* per m-line, and at session level */
#define SIG_SDP_MAX_FORMATS	64  /* payload types per m-line */
#define SIG_SDP_MAX_SSRCS	16  /* distinct a=ssrc ids per m-line */
#define SIG_SDP_MAX_CODECS	4   /* codecs kept from one answered m-line */
#define SIG_SDP_MAX_CANDIDATES	8   /* our host candidates */
#define SIG_SDP_MID_MAX		32  /* characters of a=mid */
#define SIG_SDP_MSID_ID_MAX	64  /* characters of each msid part (RFC 8830) */
#define SIG_SDP_MSID_MAX	(2 * SIG_SDP_MSID_ID_MAX + 1) /* "<stream> <track>" */
#define SIG_SDP_UFRAG_MIN	4			      /* RFC 8839 §5.4 */
#define SIG_SDP_UFRAG_MAX	256
#define SIG_SDP_PWD_MIN		22
#define SIG_SDP_PWD_MAX		256
#define SIG_SDP_FINGERPRINT_MAX 103 /* "sha-256 " + 32 hex pairs joined by ':' */
#define SIG_SDP_FMTP_MAX	255
#define SIG_SDP_CNAME_MAX	255 /* RFC 3550 §6.5 */
#define SIG_SDP_MAX_RIDS	3   /* simulcast encodings of one m-line (RFC 8853) */
#define SIG_SDP_RID_MAX		16  /* characters of a rid-id (RFC 8851 allows 255; we cap) */

enum sig_sdp_kind {
	SIG_SDP_AUDIO = 0,
	SIG_SDP_VIDEO = 1,
	SIG_SDP_APPLICATION = 2,
};

/* From the point of view of the side that wrote the description. The values
 * are bits (send 1, receive 2): direction & SIG_SDP_SENDONLY means "sends". */
enum sig_sdp_direction {
	SIG_SDP_INACTIVE = 0,
	SIG_SDP_SENDONLY = 1,
	SIG_SDP_RECVONLY = 2,
	SIG_SDP_SENDRECV = 3,
};

/* RFC 4145 §4 a=setup (holdconn is refused). */
enum sig_sdp_setup {
	SIG_SDP_SETUP_ACTPASS = 0,
	SIG_SDP_SETUP_ACTIVE = 1,  /* DTLS client */
	SIG_SDP_SETUP_PASSIVE = 2, /* DTLS server */
};

enum sig_sdp_codec_id { /* in Hearth's order of preference */
			SIG_SDP_CODEC_NONE = 0,
			SIG_SDP_CODEC_OPUS,
			SIG_SDP_CODEC_VP8,
			SIG_SDP_CODEC_H264,
			SIG_SDP_CODEC_VP9,
};

/* RTP header extensions Hearth knows. */
enum sig_sdp_ext {
	SIG_SDP_EXT_MID = 0,	   /* urn:ietf:params:rtp-hdrext:sdes:mid */
	SIG_SDP_EXT_AUDIO_LEVEL,   /* urn:ietf:params:rtp-hdrext:ssrc-audio-level */
	SIG_SDP_EXT_ABS_SEND_TIME, /* …/experiments/rtp-hdrext/abs-send-time */
	SIG_SDP_EXT_TWCC,	   /* …/draft-holmer-rmcat-transport-wide-cc-extensions-01 */
	SIG_SDP_EXT_RID,	   /* urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id (RFC 8852) */
	SIG_SDP_EXT_RRID,	   /* …:sdes:repaired-rtp-stream-id (RFC 8852) */
	SIG_SDP_EXT_COUNT,
};
#define SIG_SDP_EXT_BIT(ext) (1u << (ext))
/* Extensions the relay could answer when offered: the mid (to find the
 * stream when SSRCs are not signalled) and audio levels (active speaker).
 * The transport-wide sequence number is answered to publishers only
 * (live/media.c), with rtcp-fb transport-cc: the relay sends them its
 * feedback (relay/twcc.c); abs-send-time, with rtcp-fb goog-remb, to
 * publishers that offer no transport-cc (relay/remb.c). Subscribe offers
 * carry both pairs (the relay stamps one, relay/congestion.c). */
#define SIG_SDP_EXTS_HANDLED                                                                       \
	(SIG_SDP_EXT_BIT(SIG_SDP_EXT_MID) | SIG_SDP_EXT_BIT(SIG_SDP_EXT_AUDIO_LEVEL))

/* a=rtcp-fb types (RFC 4585, RFC 5104, draft-holmer, draft-alvestrand). */
#define SIG_SDP_FB_NACK		(1u << 0) /* nack */
#define SIG_SDP_FB_NACK_PLI	(1u << 1) /* nack pli */
#define SIG_SDP_FB_CCM_FIR	(1u << 2) /* ccm fir */
#define SIG_SDP_FB_TRANSPORT_CC (1u << 3) /* transport-cc */
#define SIG_SDP_FB_GOOG_REMB	(1u << 4) /* goog-remb */
/* What the relay handles for every stream: loss recovery and key frame
 * requests (transport-cc and goog-remb: as the extensions, see above). */
#define SIG_SDP_FB_HANDLED (SIG_SDP_FB_NACK | SIG_SDP_FB_NACK_PLI | SIG_SDP_FB_CCM_FIR)

struct sig_sdp_codec {
	enum sig_sdp_codec_id id;
	uint8_t pt;			 /* payload type, 0..127 */
	uint8_t rtx_pt;			 /* RTX payload type with apt=pt (RFC 4588), 0 = none */
	uint8_t red_pt;			 /* Opus: RED of it (RFC 2198), 0 = none; in a
					  * built m-line it comes before the codec */
	uint8_t channels;		 /* audio: 2 for Opus (RFC 7587); video: 0 */
	uint32_t clock_rate;		 /* 48000 for Opus, 90000 for video */
	unsigned rtcp_fb;		 /* SIG_SDP_FB_* */
	char fmtp[SIG_SDP_FMTP_MAX + 1]; /* a=fmtp parameters, "" when none */
};

/* One m-line, as parsed. */
struct sig_sdp_mline {
	enum sig_sdp_kind kind;
	enum sig_sdp_direction direction;
	/* Port 0: refused by its author, or (in a parsed offer) refused by us
	 * and answered with port 0. The fields below are then not filled. */
	bool rejected;
	char mid[SIG_SDP_MID_MAX + 1];
	/* Offer: codecs[0] is the codec chosen for the answer (n_codecs 1).
	 * Answer: the codecs Hearth knows that the client accepted, in its
	 * order of preference. */
	size_t n_codecs;
	struct sig_sdp_codec codecs[SIG_SDP_MAX_CODECS];
	/* a=ssrc / a=ssrc-group:FID (some clients signal none: then the mid
	 * header extension tells the streams apart). */
	bool has_ssrc, has_rtx_ssrc;
	uint32_t ssrc, rtx_ssrc;
	char msid[SIG_SDP_MSID_MAX + 1];   /* "<stream id> <track id>", "" if none */
	uint8_t ext_id[SIG_SDP_EXT_COUNT]; /* a=extmap id, 1..255; 0 = not offered */
	unsigned n_candidates;		   /* a=candidate lines (ignored: we are ICE-lite) */
	/* Publish offer, video: the simulcast encodings' rids in the
	 * a=simulcast:send order (lowest first); 0 = one encoding. Their
	 * SSRCs are not signalled: the rid extension names them. */
	size_t n_rids;
	char rids[SIG_SDP_MAX_RIDS][SIG_SDP_RID_MAX + 1];
};

/* A parsed offer or answer: about 21 KiB, no pointers, so it can be copied
 * and kept with the participant. */
struct sig_sdp_desc {
	/* The peer's transport (of the BUNDLE group's first m-line). */
	char ice_ufrag[SIG_SDP_UFRAG_MAX + 1];
	char ice_pwd[SIG_SDP_PWD_MAX + 1];
	char fingerprint[SIG_SDP_FINGERPRINT_MAX + 1]; /* "sha-256 AB:CD:…", upper case */
	enum sig_sdp_setup setup;		       /* as the peer wrote it */
	enum sig_sdp_setup local_setup; /* our DTLS role: PASSIVE (server) or ACTIVE (client) */
	bool ice_lite;			/* always false: an ICE-lite peer is refused (we are one) */
	bool ice_trickle, extmap_allow_mixed, end_of_candidates;
	unsigned n_candidates; /* a=candidate lines in all m-lines and the session */
	/* a=group:BUNDLE: indices into mlines[], in the group's order; the
	 * first is the transport's tag. */
	size_t n_bundle;
	uint8_t bundle[SIG_SDP_MAX_MLINES];
	size_t n_mlines;
	struct sig_sdp_mline mlines[SIG_SDP_MAX_MLINES];
};

struct sig_sdp_candidate {
	const char *address; /* numeric IPv4 or IPv6 address, borrowed */
	uint16_t port;	     /* UDP port of the worker, 1..65535 */
	/* ICE-TCP: a passive TCP candidate (RFC 6544) on port, after the UDP
	 * ones (a lower priority: UDP wins where it works). */
	bool tcp_passive;
};

/* Our side of a negotiation. Strings are borrowed for the call. */
struct sig_sdp_local {
	const char *ice_ufrag;	 /* RFC 8839: 4..256 ice-chars */
	const char *ice_pwd;	 /* 22..256 ice-chars */
	const char *fingerprint; /* our certificate: "sha-256 AB:CD:…" */
	/* Host candidates, in order of preference (the first one goes to c=
	 * and m=): the worker's addresses, and a public address for 1:1 NAT. */
	const struct sig_sdp_candidate *candidates;
	size_t n_candidates;	  /* 1..SIG_SDP_MAX_CANDIDATES */
	uint64_t session_id;	  /* o= sess-id: random, below 2^63 (RFC 3264 §5) */
	uint64_t session_version; /* o= sess-version: one more for each new description */
	unsigned extensions;	  /* SIG_SDP_EXT_BIT()s we answer: SIG_SDP_EXTS_HANDLED */
	unsigned rtcp_fb;	  /* SIG_SDP_FB_* we answer: SIG_SDP_FB_HANDLED */
};

/* One forwarded stream in a subscribe offer. Strings are borrowed. */
struct sig_sdp_stream {
	enum sig_sdp_kind kind; /* SIG_SDP_AUDIO or SIG_SDP_VIDEO */
	const char *mid;	/* unique in the offer, 1..32 printable characters */
	const char *stream_id;	/* msid parts: 1..64 printable characters each */
	const char *track_id;
	const char *cname; /* RTCP CNAME, 1..255 printable characters */
	uint32_t ssrc;
	uint32_t rtx_ssrc; /* used when codec.rtx_pt is set */
	struct sig_sdp_codec codec;
	uint8_t ext_id[SIG_SDP_EXT_COUNT]; /* ids to offer, 0 = not offered */
	/* The stream went (its sender left or stopped): the m-line stays, as
	 * a=inactive without msid or SSRCs, since m-lines are never removed
	 * (RFC 3264 §8.2). */
	bool inactive;
};

/* Parses a publish offer of len bytes (no NUL needed; a NUL inside is an
 * error) and chooses a codec per m-line. Fills *ret only on success. */
int sig_sdp_parse_offer(const char *text, size_t len, struct sig_sdp_desc *ret, char **ret_problem);

/* The answer to a parsed offer: recvonly m-lines in the offer's order, our
 * ICE-lite credentials, fingerprint, candidates and DTLS role. Returns the
 * SDP text (caller g_free()s it) or NULL with -EINVAL's problem. */
char *sig_sdp_build_answer(const struct sig_sdp_desc *offer, const struct sig_sdp_local *local,
			   char **ret_problem);

/* A subscribe offer: one sendonly m-line per stream (1..SIG_SDP_MAX_MLINES),
 * setup:actpass. Returns the SDP text (caller g_free()s it) or NULL. */
char *sig_sdp_build_subscribe_offer(const struct sig_sdp_local *local,
				    const struct sig_sdp_stream *streams, size_t n,
				    char **ret_problem);

/* Parses the client's answer to a subscribe offer of expected_mlines
 * m-lines: each answered recvonly, inactive or rejected, with the codecs and
 * extensions it accepted. Fills *ret only on success. */
int sig_sdp_parse_answer(const char *text, size_t len, size_t expected_mlines,
			 struct sig_sdp_desc *ret, char **ret_problem);

/* "opus", "VP8", "H264", "VP9"; NULL for SIG_SDP_CODEC_NONE. */
const char *sig_sdp_codec_name(enum sig_sdp_codec_id id);
/* The extension's URI. */
const char *sig_sdp_ext_uri(enum sig_sdp_ext ext);
/* "sendrecv", "sendonly", "recvonly", "inactive". */
const char *sig_sdp_direction_name(enum sig_sdp_direction direction);

/* The codec an m-line's a=rtpmap value (after the payload type, e.g.
 * "VP8/90000") and a=fmtp parameters (NULL if none) denote, if Hearth
 * forwards it (profiles are checked: see the top), else SIG_SDP_CODEC_NONE;
 * -EBADMSG if the rtpmap is malformed. The enum's order is our preference. */
int sig_sdp_codec_match(enum sig_sdp_kind kind, const char *rtpmap, const char *fmtp);
/* Do rtpmap/fmtp describe RTX (RFC 4588) with apt=pt? */
bool sig_sdp_is_rtx_for(const char *rtpmap, const char *fmtp, unsigned pt);

/* Do rtpmap/fmtp describe RED for Opus (RFC 2198 §5, "red/48000/2")
 * whose every block is payload type pt: "pt/pt" as Chromium writes it,
 * 1 to 8 blocks? */
bool sig_sdp_is_red_for(const char *rtpmap, const char *fmtp, unsigned pt);

/* RFC 8839 §5.4: length and ice-char set (ALPHA / DIGIT / "+" / "/"). */
bool sig_sdp_ice_ufrag_valid(const char *ufrag);
bool sig_sdp_ice_pwd_valid(const char *pwd);

/* Normalizes "<algorithm> <hex:hex:…>" (any case, sha-256 only) into
 * "sha-256 AB:CD:…". Returns 0, -EBADMSG (malformed) or -ENOTSUP (another
 * algorithm); ret is filled only on success. */
int sig_sdp_fingerprint_normalize(const char *value, char ret[SIG_SDP_FINGERPRINT_MAX + 1]);

#endif
