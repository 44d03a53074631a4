/* Built as libssl.so (SONAME "libssl.so") for civetweb 1.15, which dlopens "libssl.so" and
 * looks up SSL_get_peer_certificate, a function OpenSSL 3 only has as a macro (civetweb
 * issue 1334): without it the first HTTPS request calls a NULL pointer. lakegate loads this
 * library before civetweb starts; every other symbol resolves through its dependency on the
 * real libssl.so.3. */
#include <openssl/ssl.h>

#undef SSL_get_peer_certificate
X509 *SSL_get_peer_certificate(const SSL *s);

X509 *SSL_get_peer_certificate(const SSL *s) {
  return SSL_get1_peer_certificate(s);
}
