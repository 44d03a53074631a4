/* Token buckets (see ratelimit.h). Buckets live in striped hash tables so threads rarely
 * contend; a stripe drops buckets that have refilled completely when it grows large (a
 * full bucket is the same as no bucket). Layer: libc and pthreads. */
#include "http/ratelimit.h"
#include "util/clock.h"
#include "util/common.h"

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define STRIPES 64
#define SWEEP_AT 4096   /* buckets per stripe before idle ones are dropped */

typedef struct bucket {
  struct bucket *next;
  double tokens;
  double burst;
  double rate;
  int64_t at_us;        /* when tokens was computed */
  char key[];
} bucket;

typedef struct stripe {
  pthread_mutex_t mu;
  bucket *heads[256];
  size_t count;
} stripe;

static stripe stripes[STRIPES];
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void init(void) {
  for (int i = 0; i < STRIPES; i++) pthread_mutex_init(&stripes[i].mu, NULL);
}

static uint64_t hash(const char *s) {
  uint64_t h = 1469598103934665603ULL;
  for (; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211ULL;
  return h;
}

static void refill(bucket *b, int64_t now) {
  b->tokens += b->rate * (double)(now - b->at_us) / 1e6;
  if (b->tokens > b->burst) b->tokens = b->burst;
  b->at_us = now;
}

/* Drops the buckets that are full again. */
static void sweep(stripe *st, int64_t now) {
  for (int i = 0; i < 256; i++) {
    bucket **link = &st->heads[i];
    while (*link) {
      bucket *b = *link;
      refill(b, now);
      if (b->tokens >= b->burst) {
        *link = b->next;
        free(b);
        st->count--;
      } else {
        link = &b->next;
      }
    }
  }
}

int lg_ratelimit_take(const char *key, double rate, double burst, double *retry_after) {
  pthread_once(&once, init);
  if (burst < 1) burst = 1;
  uint64_t h = hash(key);
  stripe *st = &stripes[h % STRIPES];
  int64_t now = lg_clock_monotonic_us();
  pthread_mutex_lock(&st->mu);
  bucket **head = &st->heads[(h >> 8) & 255];
  bucket *b = *head;
  while (b && strcmp(b->key, key) != 0) b = b->next;
  if (b == NULL) {
    if (st->count >= SWEEP_AT) sweep(st, now);
    size_t n = strlen(key) + 1;
    if ((b = malloc(sizeof *b + n)) == NULL) {
      pthread_mutex_unlock(&st->mu);
      return 1;   /* out of memory: do not refuse service because of the limiter */
    }
    memcpy(b->key, key, n);
    b->tokens = burst;
    b->at_us = now;
    b->next = *head;
    *head = b;
    st->count++;
  }
  b->rate = rate;
  b->burst = burst;
  refill(b, now);
  int ok = b->tokens >= 1;
  if (ok) b->tokens -= 1;
  else *retry_after = (1 - b->tokens) / rate;
  pthread_mutex_unlock(&st->mu);
  return ok;
}

int lg_ratelimit_parse(const char *text, double *rate, double *count) {
  double n;
  char unit[16] = "";
  if (sscanf(text, "%lf/%15s", &n, unit) != 2 && sscanf(text, "%lf per %15s", &n, unit) != 2)
    return LG_ERR;
  double per;
  if (strcmp(unit, "s") == 0 || strcmp(unit, "second") == 0) per = 1;
  else if (strcmp(unit, "m") == 0 || strcmp(unit, "minute") == 0) per = 60;
  else if (strcmp(unit, "h") == 0 || strcmp(unit, "hour") == 0) per = 3600;
  else return LG_ERR;
  if (!(n > 0)) return LG_ERR;
  *rate = n / per;
  *count = n;
  return LG_OK;
}
