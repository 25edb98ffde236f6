// RTP: wire formats of the media plane (RTP, RTCP, SDP, SRTP/SRTCP).
// A leaf module: it imports no other project module, only the C crypto library.
