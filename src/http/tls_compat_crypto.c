/* Built as libcrypto.so (SONAME "libcrypto.so") for civetweb 1.15, which dlopens that
 * unversioned name; a runtime system without libssl-dev has no such file. It defines
 * nothing: every symbol resolves through its dependency on the real libcrypto.so.3. */
#include <openssl/crypto.h>

/* A translation unit must declare something. */
typedef int lg_tls_compat_crypto;
