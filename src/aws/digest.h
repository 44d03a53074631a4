/* Digests the AWS protocols need (SHA-256, HMAC-SHA-256, MD5) and their text forms,
 * all from OpenSSL's libcrypto. Thread-safe (no shared state). */
#ifndef LG_AWS_DIGEST_H
#define LG_AWS_DIGEST_H

#include <stddef.h>
#include <stdint.h>

#define LG_SHA256_LEN 32
#define LG_SHA256_HEX_LEN 65      /* 64 hex digits + '\0' */
#define LG_MD5_LEN 16
#define LG_BASE64_LEN(n) ((((n) + 2) / 3) * 4 + 1)   /* with '\0' */

/* The hex SHA-256 of the empty string: the payload hash of a request without a body. */
#define LG_SHA256_EMPTY_HEX "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

void lg_sha256(const void *data, size_t len, uint8_t out[LG_SHA256_LEN]);
void lg_sha256_hex(const void *data, size_t len, char out[LG_SHA256_HEX_LEN]);
void lg_hmac_sha256(const void *key, size_t key_len, const void *data, size_t len,
                    uint8_t out[LG_SHA256_LEN]);
void lg_md5(const void *data, size_t len, uint8_t out[LG_MD5_LEN]);

/* Lowercase hex of n bytes into out (2n + 1 bytes with the '\0'). */
void lg_hex_encode(const uint8_t *bytes, size_t n, char *out);
/* Standard base64 (with padding) of n bytes into out (LG_BASE64_LEN(n) bytes). */
void lg_base64_encode(const uint8_t *bytes, size_t n, char *out);

#endif
