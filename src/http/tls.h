/* TLS for the HTTP listener: the server's SSL_CTX (certificate chain, key, TLS 1.2 at
 * least) and the compatibility libraries civetweb 1.15 needs to use OpenSSL 3. */
#ifndef LG_TLS_H
#define LG_TLS_H

#include <stddef.h>

/* Loads the compatibility libssl.so and libcrypto.so from dir (RTLD_GLOBAL), so that
 * civetweb's own dlopen("libssl.so") finds them already loaded. Call before mg_start.
 * Returns LG_OK, or LG_ERR with a message in err. */
int lg_tls_load_compat(const char *dir, char *err, size_t errlen);

/* Creates the server context from PEM files (cert may hold a chain). Returns an SSL_CTX*
 * (as void*, to keep OpenSSL out of this header), or NULL with a message in err. Free it
 * with lg_tls_free_ctx once civetweb has stopped. */
void *lg_tls_server_ctx(const char *cert, const char *key, char *err, size_t errlen);

/* Accepts NULL. */
void lg_tls_free_ctx(void *ctx);

#endif
