#ifndef BRIDGED_COPENSSL_SHIM_H
#define BRIDGED_COPENSSL_SHIM_H
#define OPENSSL_API_COMPAT 30000
#define OPENSSL_NO_DEPRECATED 1
#include <openssl/ssl.h>
#include <openssl/err.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <openssl/rand.h>
#include <openssl/hmac.h>
#include <openssl/core_names.h>
#include <openssl/params.h>
#include <openssl/srtp.h>
#include <string.h>

/* Function-like macros are not imported by Swift: typed wrappers. */
static inline long cssl_BIO_pending(BIO *b) { return BIO_pending(b); }
static inline long cssl_BIO_set_mem_eof_return(BIO *b, int v) { return BIO_set_mem_eof_return(b, v); }
static inline long cssl_SSL_set_mtu(SSL *s, long mtu) { return SSL_set_mtu(s, mtu); }
static inline long cssl_DTLS_set_link_mtu(SSL *s, long mtu) { return DTLS_set_link_mtu(s, mtu); }
static inline long cssl_DTLSv1_get_timeout(SSL *s, struct timeval *tv) { return DTLSv1_get_timeout(s, tv); }
static inline long cssl_DTLSv1_handle_timeout(SSL *s) { return DTLSv1_handle_timeout(s); }
static inline long cssl_SSL_CTX_set_mode(SSL_CTX *c, long m) { return SSL_CTX_set_mode(c, m); }
static inline long cssl_SSL_CTX_set1_groups_list(SSL_CTX *c, const char *l) { return SSL_CTX_set1_groups_list(c, l); }
static inline int  cssl_SSL_CTX_set_min_proto_version(SSL_CTX *c, int v) { return (int)SSL_CTX_set_min_proto_version(c, v); }
static inline int  cssl_SSL_CTX_set_max_proto_version(SSL_CTX *c, int v) { return (int)SSL_CTX_set_max_proto_version(c, v); }
static inline long cssl_SSL_set_options(SSL *s, uint64_t o) { return (long)SSL_set_options(s, o); }
static const uint64_t CSSL_OP_NO_QUERY_MTU = SSL_OP_NO_QUERY_MTU;
static const uint64_t CSSL_OP_NO_TICKET = SSL_OP_NO_TICKET;
static inline EVP_PKEY *cssl_EVP_EC_gen_p256(void) { return EVP_EC_gen("P-256"); }
static inline int cssl_EVP_CIPHER_CTX_set_gcm_ivlen(EVP_CIPHER_CTX *c, int len) { return EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_IVLEN, len, NULL); }
static inline int cssl_EVP_CIPHER_CTX_get_gcm_tag(EVP_CIPHER_CTX *c, int len, void *tag) { return EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, len, tag); }
static inline int cssl_EVP_CIPHER_CTX_set_gcm_tag(EVP_CIPHER_CTX *c, int len, void *tag) { return EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_TAG, len, tag); }
#endif

/* SRTP HMAC-SHA1 without per-packet allocation (added by the SRTP worktree). In OpenSSL 3.0 every
   EVP_DigestInit and EVP_MAC_init allocates a provider context; the low-level SHA-1 functions work on
   caller-owned state. They are deprecated (hidden by OPENSSL_NO_DEPRECATED) but still exported by
   libcrypto.so.3; the asm labels bind these prototypes to them without redeclaring the originals. */
#ifndef BRIDGED_COPENSSL_SHA1_STATE_H
#define BRIDGED_COPENSSL_SHA1_STATE_H
typedef struct { unsigned int h0, h1, h2, h3, h4, Nl, Nh, data[16], num; } cssl_sha1_state;
int cssl_SHA1_Init(cssl_sha1_state *c) __asm__("SHA1_Init");
int cssl_SHA1_Update(cssl_sha1_state *c, const void *data, size_t len) __asm__("SHA1_Update");
int cssl_SHA1_Final(unsigned char *md, cssl_sha1_state *c) __asm__("SHA1_Final");
#endif
