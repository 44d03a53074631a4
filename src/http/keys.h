/* The API key store (one of the owners DESIGN.md names): keys are kept only as SHA-256
 * hashes and checked in constant time. Process-wide; safe from any thread. */
#ifndef LG_KEYS_H
#define LG_KEYS_H

#include <stddef.h>

/* Adds a key named `name`. `secret` is the key itself, or "sha256:<64 hex digits>" of it.
 * Returns LG_OK, or LG_ERR with a message in err. */
int lg_keys_add(const char *name, const char *secret, char *err, size_t errlen);

/* Adds keys from "name:secret,name:secret" (the LAKEGATE_API_KEYS form). */
int lg_keys_add_list(const char *list, char *err, size_t errlen);

/* Adds keys from a file: one "name secret" (or "name sha256:<hex>") per line; blank lines
 * and lines starting with '#' are skipped. */
int lg_keys_load_file(const char *path, char *err, size_t errlen);

/* Writes the name of the key into name (size namelen) and returns 1 if key is one of the
 * stored keys, else returns 0. Every stored key is compared, whatever matches. */
int lg_keys_verify(const char *key, size_t len, char *name, size_t namelen);

size_t lg_keys_count(void);

/* Removes every key. */
void lg_keys_clear(void);

#endif
