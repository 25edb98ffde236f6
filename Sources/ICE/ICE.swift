// ICE: the STUN codec (RFC 8489) and an ICE-lite agent (RFC 8445 section 2.5).
// A leaf module: it imports only the standard library and COpenSSL (for HMAC-SHA1).
//
// Layout:
//   STUN/   the message codec, attributes, MESSAGE-INTEGRITY, FINGERPRINT, RFC 7983 demux test
//   Agent/  the ICE-lite state machine (controlled role, consent freshness per RFC 7675)
