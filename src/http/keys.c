/* API key store (see keys.h). Layer: OpenSSL (SHA-256, CRYPTO_memcmp) and pthreads. */
#include "http/keys.h"
#include "util/common.h"

#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

typedef struct key {
  char name[64];
  unsigned char hash[32];   /* SHA-256 of the secret */
} key;

static pthread_rwlock_t lock = PTHREAD_RWLOCK_INITIALIZER;
static key *keys;            /* guarded by lock */
static size_t nkeys, cap;

static void sha256(const void *data, size_t len, unsigned char out[32]) {
  unsigned int n = 32;
  EVP_Digest(data, len, out, &n, EVP_sha256(), NULL);
}

static int hexval(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  c = (char)tolower((unsigned char)c);
  return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

static int parse_hex(const char *hex, unsigned char out[32]) {
  if (strlen(hex) != 64) return LG_ERR;
  for (size_t i = 0; i < 32; i++) {
    int hi = hexval(hex[2 * i]), lo = hexval(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return LG_ERR;
    out[i] = (unsigned char)(hi * 16 + lo);
  }
  return LG_OK;
}

int lg_keys_add(const char *name, const char *secret, char *err, size_t errlen) {
  key k;
  if (*name == '\0' || strlen(name) >= sizeof k.name) {
    snprintf(err, errlen, "auth: a key name must have 1 to %zu characters", sizeof k.name - 1);
    return LG_ERR;
  }
  snprintf(k.name, sizeof k.name, "%s", name);
  if (strncmp(secret, "sha256:", 7) == 0) {
    if (parse_hex(secret + 7, k.hash) != LG_OK) {
      snprintf(err, errlen, "auth: key %s: sha256: must be followed by 64 hex digits", name);
      return LG_ERR;
    }
  } else if (strlen(secret) < 16) {
    snprintf(err, errlen, "auth: key %s is shorter than 16 characters", name);
    return LG_ERR;
  } else {
    sha256(secret, strlen(secret), k.hash);
  }
  pthread_rwlock_wrlock(&lock);
  if (nkeys == cap) {
    size_t ncap = cap ? cap * 2 : 8;
    key *grown = realloc(keys, ncap * sizeof *grown);
    if (grown == NULL) {
      pthread_rwlock_unlock(&lock);
      snprintf(err, errlen, "auth: out of memory");
      return LG_ERR;
    }
    keys = grown;
    cap = ncap;
  }
  keys[nkeys++] = k;
  pthread_rwlock_unlock(&lock);
  return LG_OK;
}

int lg_keys_add_list(const char *list, char *err, size_t errlen) {
  char item[512];
  for (const char *p = list; *p;) {
    const char *comma = strchr(p, ',');
    size_t n = comma ? (size_t)(comma - p) : strlen(p);
    if (n >= sizeof item) {
      snprintf(err, errlen, "auth: an API key entry is too long");
      return LG_ERR;
    }
    memcpy(item, p, n);
    item[n] = '\0';
    p += n + (comma != NULL);
    if (n == 0) continue;
    char *colon = strchr(item, ':');
    if (colon == NULL) {
      snprintf(err, errlen, "auth: API keys are listed as name:secret");
      return LG_ERR;
    }
    *colon = '\0';
    if (lg_keys_add(item, colon + 1, err, errlen) != LG_OK) return LG_ERR;
  }
  return LG_OK;
}

int lg_keys_load_file(const char *path, char *err, size_t errlen) {
  FILE *f = fopen(path, "r");
  if (f == NULL) {
    snprintf(err, errlen, "auth: cannot read %s: %s", path, strerror(errno));
    return LG_ERR;
  }
  char line[1024];
  int lineno = 0, rc = LG_OK;
  while (rc == LG_OK && fgets(line, sizeof line, f)) {
    lineno++;
    char name[128], secret[512];
    if (line[0] == '#' || strspn(line, " \t\r\n") == strlen(line)) continue;
    if (sscanf(line, "%127s %511s", name, secret) != 2) {
      snprintf(err, errlen, "auth: %s:%d: expected \"name secret\"", path, lineno);
      rc = LG_ERR;
    } else if (lg_keys_add(name, secret, err, errlen) != LG_OK) {
      char inner[256];
      snprintf(inner, sizeof inner, "%s", err);
      snprintf(err, errlen, "%s:%d: %s", path, lineno, inner);
      rc = LG_ERR;
    }
  }
  fclose(f);
  return rc;
}

int lg_keys_verify(const char *secret, size_t len, char *name, size_t namelen) {
  unsigned char hash[32];
  sha256(secret, len, hash);
  int found = 0;
  pthread_rwlock_rdlock(&lock);
  for (size_t i = 0; i < nkeys; i++) {
    /* No early exit: the time taken does not depend on which key matched. */
    int match = CRYPTO_memcmp(hash, keys[i].hash, sizeof hash) == 0;
    if (match && !found) snprintf(name, namelen, "%s", keys[i].name);
    found |= match;
  }
  pthread_rwlock_unlock(&lock);
  return found;
}

size_t lg_keys_count(void) {
  pthread_rwlock_rdlock(&lock);
  size_t n = nkeys;
  pthread_rwlock_unlock(&lock);
  return n;
}

void lg_keys_clear(void) {
  pthread_rwlock_wrlock(&lock);
  free(keys);
  keys = NULL;
  nkeys = cap = 0;
  pthread_rwlock_unlock(&lock);
}
