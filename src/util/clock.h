/* Wall-clock and monotonic time, and RFC 3339 formatting. */
#ifndef LG_CLOCK_H
#define LG_CLOCK_H

#include <stdint.h>

/* "2026-11-27T02:09:07.123456Z" plus '\0' */
#define LG_RFC3339_LEN 28

/* Microseconds since the Unix epoch. */
int64_t lg_clock_realtime_us(void);
/* Monotonic milliseconds and microseconds, for timeouts and durations. */
int64_t lg_clock_monotonic_ms(void);
int64_t lg_clock_monotonic_us(void);
/* Writes `us` (epoch microseconds) as RFC 3339 UTC with microseconds into out. */
void lg_clock_rfc3339(int64_t us, char out[LG_RFC3339_LEN]);

#endif
