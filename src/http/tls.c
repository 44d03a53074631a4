/* TLS setup (see tls.h). Layer: OpenSSL 3 and dlfcn. */
#include "http/tls.h"
#include "util/common.h"

#include <dlfcn.h>
#include <stdio.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

int lg_tls_load_compat(const char *dir, char *err, size_t errlen) {
  static const char *const libs[] = {"libcrypto.so", "libssl.so"};
  for (size_t i = 0; i < LG_ARRAY_LEN(libs); i++) {
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, libs[i]);
    if (dlopen(path, RTLD_NOW | RTLD_GLOBAL) == NULL) {
      snprintf(err, errlen, "tls: cannot load %s: %s", path, dlerror());
      return LG_ERR;
    }
  }
  return LG_OK;
}

static void openssl_error(const char *what, const char *file, char *err, size_t errlen) {
  char reason[256] = "unknown error";
  unsigned long code = ERR_get_error();
  if (code) ERR_error_string_n(code, reason, sizeof reason);
  ERR_clear_error();
  snprintf(err, errlen, "tls: %s %s: %s", what, file, reason);
}

void *lg_tls_server_ctx(const char *cert, const char *key, char *err, size_t errlen) {
  SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
  if (ctx == NULL) {
    openssl_error("cannot create a context for", cert, err, errlen);
    return NULL;
  }
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
  if (SSL_CTX_use_certificate_chain_file(ctx, cert) != 1) {
    openssl_error("cannot load the certificate", cert, err, errlen);
  } else if (SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1) {
    openssl_error("cannot load the key", key, err, errlen);
  } else if (SSL_CTX_check_private_key(ctx) != 1) {
    openssl_error("the key does not match the certificate", cert, err, errlen);
  } else {
    return ctx;
  }
  SSL_CTX_free(ctx);
  return NULL;
}

void lg_tls_free_ctx(void *ctx) {
  SSL_CTX_free(ctx);
}
