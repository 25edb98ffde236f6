#ifndef BRIDGED_MICRO_CLIBSRTP_SHIM_H
#define BRIDGED_MICRO_CLIBSRTP_SHIM_H
/* Debian's libsrtp2: the reference the SRTP benchmarks compare against (never linked by bridged). */
#include <srtp2/srtp.h>
static inline void clibsrtp_policy_set_aes_cm_128_hmac_sha1_80(srtp_crypto_policy_t *p) { srtp_crypto_policy_set_rtp_default(p); }
static inline void clibsrtp_policy_set_aes_gcm_128_16_auth(srtp_crypto_policy_t *p) { srtp_crypto_policy_set_aes_gcm_128_16_auth(p); }
#endif
