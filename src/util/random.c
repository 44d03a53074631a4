/* Random identifiers (see random.h). */
#include "util/random.h"
#include "util/clock.h"

#include <stdint.h>
#include <sys/random.h>

void lg_random_id(char out[33]) {
  static __thread uint64_t s[2];   /* xorshift128+ state of this thread */
  if (s[0] == 0 && s[1] == 0) {
    if (getrandom(s, sizeof s, 0) != (ssize_t)sizeof s || (s[0] | s[1]) == 0) {
      s[0] = (uint64_t)lg_clock_realtime_us() | 1;
      s[1] = (uint64_t)(uintptr_t)&s;
    }
  }
  static const char hex[] = "0123456789abcdef";
  for (int half = 0; half < 2; half++) {
    uint64_t x = s[0], y = s[1];
    s[0] = y;
    x ^= x << 23;
    s[1] = x ^ y ^ (x >> 17) ^ (y >> 26);
    uint64_t r = s[1] + y;
    for (int i = 0; i < 16; i++) out[half * 16 + i] = hex[(r >> (i * 4)) & 15];
  }
  out[32] = '\0';
}
