/* Timed waits for the lake's threads: condition variables on CLOCK_MONOTONIC, so a wall
 * clock step never stretches or cuts a backoff or a seal deadline. */
#ifndef LG_LAKE_WAIT_H
#define LG_LAKE_WAIT_H

#include <pthread.h>
#include <stdint.h>

/* Initializes c to measure timeouts on CLOCK_MONOTONIC. */
void lake_cond_init(pthread_cond_t *c);

/* Monotonic microseconds (the clock of lake_cond_wait_until). */
int64_t lake_monotonic_us(void);

/* pthread_cond_timedwait until the monotonic time until_us (mu held). */
void lake_cond_wait_until(pthread_cond_t *c, pthread_mutex_t *mu, int64_t until_us);

#endif
