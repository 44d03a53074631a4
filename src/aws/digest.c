/* Digests (see digest.h): thin wrappers over OpenSSL's one-shot EVP and HMAC calls. */
#include "aws/digest.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

void lg_sha256(const void *data, size_t len, uint8_t out[LG_SHA256_LEN]) {
  EVP_Digest(data, len, out, NULL, EVP_sha256(), NULL);
}

void lg_sha256_hex(const void *data, size_t len, char out[LG_SHA256_HEX_LEN]) {
  uint8_t md[LG_SHA256_LEN];
  lg_sha256(data, len, md);
  lg_hex_encode(md, sizeof md, out);
}

void lg_hmac_sha256(const void *key, size_t key_len, const void *data, size_t len,
                    uint8_t out[LG_SHA256_LEN]) {
  unsigned int out_len = LG_SHA256_LEN;
  HMAC(EVP_sha256(), key, (int)key_len, data, len, out, &out_len);
}

void lg_md5(const void *data, size_t len, uint8_t out[LG_MD5_LEN]) {
  EVP_Digest(data, len, out, NULL, EVP_md5(), NULL);
}

void lg_hex_encode(const uint8_t *bytes, size_t n, char *out) {
  static const char digits[] = "0123456789abcdef";
  for (size_t i = 0; i < n; i++) {
    out[2 * i] = digits[bytes[i] >> 4];
    out[2 * i + 1] = digits[bytes[i] & 15];
  }
  out[2 * n] = '\0';
}

void lg_base64_encode(const uint8_t *bytes, size_t n, char *out) {
  EVP_EncodeBlock((unsigned char *)out, bytes, (int)n);   /* writes the '\0' too */
}
