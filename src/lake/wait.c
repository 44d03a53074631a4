/* Timed waits on CLOCK_MONOTONIC (see wait.h). */
#include "lake/wait.h"

#include <time.h>

void lake_cond_init(pthread_cond_t *c) {
  pthread_condattr_t ca;
  pthread_condattr_init(&ca);
  pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
  pthread_cond_init(c, &ca);
  pthread_condattr_destroy(&ca);
}

int64_t lake_monotonic_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

void lake_cond_wait_until(pthread_cond_t *c, pthread_mutex_t *mu, int64_t until_us) {
  struct timespec ts = {(time_t)(until_us / 1000000), (long)(until_us % 1000000) * 1000};
  pthread_cond_timedwait(c, mu, &ts);
}
