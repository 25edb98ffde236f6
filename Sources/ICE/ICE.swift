// ICE: the STUN codec (RFC 8489) and an ICE-lite agent (RFC 8445 section 2.5).
// A leaf module: it imports no other project module.
