/* RFC 3339 / ISO 8601 dates, times, datetimes and durations, parsed the way pydantic v2
 * parses them (its speedate library: same accepted forms, same error for each failure),
 * and printed in one canonical form.
 *
 * Accepted: date `YYYY-MM-DD` or a Unix timestamp that is an exact day; time
 * `HH:MM[:SS[.ffffff]]` plus `Z`/`±HH[:]MM` (more than 6 fraction digits are truncated);
 * datetime `<date>(T|t|_| )<time>` or a Unix timestamp in seconds or milliseconds (an
 * absolute value above 2e10 means milliseconds); duration `[±]PnYnMnWnDTnHnMnS`, `HH:MM:SS`
 * or `D days, HH:MM:SS`.
 * This file's layer: libc only. */
#ifndef LG_DATETIME_H
#define LG_DATETIME_H

#include <stddef.h>
#include <stdint.h>

/* Why parsing failed; lg_dt_message gives pydantic's wording ("input is too short"). */
typedef enum lg_dt_error {
  LG_DT_OK = 0,
  LG_DT_TOO_SHORT,
  LG_DT_EXTRA_CHARACTERS,
  LG_DT_INVALID_DATETIME_SEP,
  LG_DT_INVALID_DATE_SEP,
  LG_DT_DATE_NOT_EXACT,
  LG_DT_INVALID_YEAR,
  LG_DT_INVALID_MONTH,
  LG_DT_INVALID_DAY,
  LG_DT_INVALID_TIME_SEP,
  LG_DT_INVALID_HOUR,
  LG_DT_INVALID_MINUTE,
  LG_DT_INVALID_SECOND,
  LG_DT_INVALID_SECOND_FRACTION,
  LG_DT_INVALID_TZ_SIGN,
  LG_DT_INVALID_TZ_HOUR,
  LG_DT_INVALID_TZ_MINUTE,
  LG_DT_OUT_OF_RANGE_TZ_MINUTE,
  LG_DT_OUT_OF_RANGE_TZ,
  LG_DT_OUT_OF_RANGE_MONTH,
  LG_DT_OUT_OF_RANGE_DAY,
  LG_DT_OUT_OF_RANGE_HOUR,
  LG_DT_OUT_OF_RANGE_MINUTE,
  LG_DT_OUT_OF_RANGE_SECOND,
  LG_DT_SECOND_FRACTION_MISSING,
  LG_DT_DURATION_INVALID_NUMBER,
  LG_DT_DURATION_T_REPEATED,
  LG_DT_DURATION_INVALID_FRACTION,
  LG_DT_DURATION_INVALID_TIME_UNIT,
  LG_DT_DURATION_INVALID_DATE_UNIT,
  LG_DT_DURATION_INVALID_DAYS,
  LG_DT_DURATION_VALUE_TOO_LARGE,
  LG_DT_DURATION_DAYS_TOO_LARGE,
  LG_DT_DATE_TOO_SMALL,
  LG_DT_DATE_TOO_LARGE,
  LG_DT_TIME_TOO_LARGE,
  LG_DT_YEAR_ZERO,
  LG_DT_ERROR_COUNT
} lg_dt_error;

typedef struct lg_date {
  int year, month, day;          /* 1..9999, 1..12, 1..days in month */
} lg_date;

typedef struct lg_time {
  int hour, minute, second;      /* 0..23, 0..59, 0..59 */
  int micro;                     /* 0..999999 */
  int has_tz;                    /* an offset was given */
  int tz;                        /* offset east of UTC in seconds (|tz| < 24h) */
} lg_time;

typedef struct lg_datetime {
  lg_date date;
  lg_time time;
} lg_datetime;

typedef struct lg_duration {
  int positive;
  uint32_t day;                  /* 0..999999999 */
  uint32_t second;               /* 0..86399 */
  uint32_t micro;                /* 0..999999 */
} lg_duration;

/* pydantic's text for an error code ("month value is outside expected range of 1-12"). */
const char *lg_dt_message(lg_dt_error e);

lg_dt_error lg_date_parse(const char *s, size_t n, lg_date *out);
lg_dt_error lg_time_parse(const char *s, size_t n, lg_time *out);
lg_dt_error lg_datetime_parse(const char *s, size_t n, lg_datetime *out);
lg_dt_error lg_duration_parse(const char *s, size_t n, lg_duration *out);

/* A datetime from a Unix timestamp in seconds (or milliseconds past the 2e10 watershed)
 * plus microseconds; naive (no offset), as pydantic makes it. */
lg_dt_error lg_datetime_from_timestamp(int64_t ts, uint32_t micro, lg_datetime *out);
/* A date from a timestamp; with exact, anything but midnight is LG_DT_DATE_NOT_EXACT. */
lg_dt_error lg_date_from_timestamp(int64_t ts, int exact, lg_date *out);
/* A time from seconds since midnight (< 86400) and microseconds. */
lg_dt_error lg_time_from_seconds(int64_t seconds, uint32_t micro, lg_time *out);
/* A duration from a signed number of seconds and microseconds. */
lg_dt_error lg_duration_from_seconds(double seconds, lg_duration *out);

/* Shifts an aware datetime to UTC (offset 0). Returns LG_DT_DATE_TOO_SMALL/LARGE if the
 * result leaves years 1..9999. A naive datetime is left as it is. */
lg_dt_error lg_datetime_to_utc(lg_datetime *dt);

/* Seconds since 1970-01-01T00:00:00 of the wall-clock time (offset ignored). */
int64_t lg_datetime_epoch(const lg_datetime *dt);

/* Canonical text, NUL-terminated; each returns its length. Fractions print as 6 digits
 * when not zero; an offset prints as Z or ±HH:MM (seconds dropped). */
#define LG_DT_TEXT_MAX 48
int lg_date_format(const lg_date *d, char out[LG_DT_TEXT_MAX]);
int lg_time_format(const lg_time *t, char out[LG_DT_TEXT_MAX]);
int lg_datetime_format(const lg_datetime *dt, char out[LG_DT_TEXT_MAX]);
/* ISO 8601 duration as pydantic prints it: -P1Y2DT3.5S (a year is 365 days). */
int lg_duration_format(const lg_duration *d, char out[LG_DT_TEXT_MAX]);

#endif
