/* The rate limiter (one of the owners DESIGN.md names): token buckets shared by every
 * worker thread, keyed by whatever the caller limits (an API key, a client address, a
 * route and a client). Process-wide; safe from any thread. */
#ifndef LG_RATELIMIT_H
#define LG_RATELIMIT_H

/* Takes one token from key's bucket (rate tokens per second, at most burst stored; a new
 * bucket starts full). Returns 1 if the request may go on; else 0 and the seconds until a
 * token is available in *retry_after. */
int lg_ratelimit_take(const char *key, double rate, double burst, double *retry_after);

/* Parses "N/s", "N/m" or "N/h" (also "N per second|minute|hour") into tokens per second
 * and N itself (the natural burst: N requests may come at once). Returns LG_OK or LG_ERR. */
int lg_ratelimit_parse(const char *text, double *rate, double *count);

#endif
