/* Time helpers (see clock.h). */
#include "util/clock.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

int64_t lg_clock_realtime_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int64_t lg_clock_monotonic_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t lg_clock_monotonic_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void digits(char *p, unsigned v, int n) {
  while (n-- > 0) {
    p[n] = (char)('0' + v % 10);
    v /= 10;
  }
}

/* Every request and every stored record needs a timestamp: the calendar part is computed
 * once a second per thread, the microseconds written by hand (snprintf took thousands of
 * instructions per call). */
void lg_clock_rfc3339(int64_t us, char out[LG_RFC3339_LEN]) {
  static __thread int64_t cached_secs = -1;
  static __thread char cached[20];   /* "YYYY-MM-DDTHH:MM:SS" */
  int64_t secs = us / 1000000;
  if (secs != cached_secs) {
    time_t t = (time_t)secs;
    struct tm tm;
    gmtime_r(&t, &tm);
    digits(cached, (unsigned)(tm.tm_year + 1900), 4);
    cached[4] = '-';
    digits(cached + 5, (unsigned)(tm.tm_mon + 1), 2);
    cached[7] = '-';
    digits(cached + 8, (unsigned)tm.tm_mday, 2);
    cached[10] = 'T';
    digits(cached + 11, (unsigned)tm.tm_hour, 2);
    cached[13] = ':';
    digits(cached + 14, (unsigned)tm.tm_min, 2);
    cached[16] = ':';
    digits(cached + 17, (unsigned)tm.tm_sec, 2);
    cached_secs = secs;
  }
  memcpy(out, cached, 19);
  out[19] = '.';
  digits(out + 20, (unsigned)(us % 1000000), 6);
  out[26] = 'Z';
  out[27] = '\0';
}
