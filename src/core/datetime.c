/* Dates, times, datetimes and durations as pydantic v2 parses them (see datetime.h).
 * The order of the checks decides which error a bad input gets, and follows speedate's
 * parsers step by step, so clients see the message pydantic would give. */
#include "core/datetime.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Past this absolute value a timestamp counts in milliseconds (speedate's watershed). */
#define MS_WATERSHED 20000000000LL
#define UNIX_0001 (-62135596800LL)    /* 0001-01-01T00:00:00 */
#define UNIX_9999 253402300799LL      /* 9999-12-31T23:59:59 */
#define MAX_DURATION_DAYS 999999999u

static const char *const messages[LG_DT_ERROR_COUNT] = {
  [LG_DT_OK] = "ok",
  [LG_DT_TOO_SHORT] = "input is too short",
  [LG_DT_EXTRA_CHARACTERS] = "unexpected extra characters at the end of the input",
  [LG_DT_INVALID_DATETIME_SEP] = "invalid datetime separator, expected `T`, `t`, `_` or space",
  [LG_DT_INVALID_DATE_SEP] = "invalid date separator, expected `-`",
  [LG_DT_DATE_NOT_EXACT] = "Timestamp is not an exact date",
  [LG_DT_INVALID_YEAR] = "invalid character in year",
  [LG_DT_INVALID_MONTH] = "invalid character in month",
  [LG_DT_INVALID_DAY] = "invalid character in day",
  [LG_DT_INVALID_TIME_SEP] = "invalid time separator, expected `:`",
  [LG_DT_INVALID_HOUR] = "invalid character in hour",
  [LG_DT_INVALID_MINUTE] = "invalid character in minute",
  [LG_DT_INVALID_SECOND] = "invalid character in second",
  [LG_DT_INVALID_SECOND_FRACTION] = "invalid character in second fraction",
  [LG_DT_INVALID_TZ_SIGN] = "invalid timezone sign",
  [LG_DT_INVALID_TZ_HOUR] = "invalid timezone hour",
  [LG_DT_INVALID_TZ_MINUTE] = "invalid timezone minute",
  [LG_DT_OUT_OF_RANGE_TZ_MINUTE] = "timezone minute value is outside expected range of 0-59",
  [LG_DT_OUT_OF_RANGE_TZ] = "timezone offset must be less than 24 hours",
  [LG_DT_OUT_OF_RANGE_MONTH] = "month value is outside expected range of 1-12",
  [LG_DT_OUT_OF_RANGE_DAY] = "day value is outside expected range",
  [LG_DT_OUT_OF_RANGE_HOUR] = "hour value is outside expected range of 0-23",
  [LG_DT_OUT_OF_RANGE_MINUTE] = "minute value is outside expected range of 0-59",
  [LG_DT_OUT_OF_RANGE_SECOND] = "second value is outside expected range of 0-59",
  [LG_DT_SECOND_FRACTION_MISSING] = "second fraction digits missing after `.`",
  [LG_DT_DURATION_INVALID_NUMBER] = "invalid digit in duration",
  [LG_DT_DURATION_T_REPEATED] = "`t` character repeated in duration",
  [LG_DT_DURATION_INVALID_FRACTION] = "quantity fraction invalid in duration",
  [LG_DT_DURATION_INVALID_TIME_UNIT] = "quantity invalid in time part of duration",
  [LG_DT_DURATION_INVALID_DATE_UNIT] = "quantity invalid in date part of duration",
  [LG_DT_DURATION_INVALID_DAYS] = "\"day\" identifier in duration not correctly formatted",
  [LG_DT_DURATION_VALUE_TOO_LARGE] = "a numeric value in the duration is too large",
  [LG_DT_DURATION_DAYS_TOO_LARGE] = "durations may not exceed 999,999,999 days",
  [LG_DT_DATE_TOO_SMALL] = "dates before 0001 are not supported as unix timestamps",
  [LG_DT_DATE_TOO_LARGE] = "dates after 9999 are not supported as unix timestamps",
  [LG_DT_TIME_TOO_LARGE] = "numeric times may not exceed 86,399 seconds",
  [LG_DT_YEAR_ZERO] = "year 0 is out of range",
};

const char *lg_dt_message(lg_dt_error e) {
  return e >= 0 && e < LG_DT_ERROR_COUNT ? messages[e] : "invalid value";
}

/* {====================== Calendar ====================== */

static int is_leap(int y) { return y % 4 == 0 && (y % 100 != 0 || y % 400 == 0); }

static int days_in_month(int y, int m) {
  static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && is_leap(y) ? 29 : days[m - 1];
}

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil). */
static int64_t days_from_civil(int64_t y, int m, int d) {
  y -= m <= 2;
  int64_t era = (y >= 0 ? y : y - 399) / 400;
  int64_t yoe = y - era * 400;
  int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

static void civil_from_days(int64_t z, lg_date *out) {
  z += 719468;
  int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  int64_t doe = z - era * 146097;
  int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  int64_t mp = (5 * doy + 2) / 153;
  int d = (int)(doy - (153 * mp + 2) / 5 + 1);
  int m = (int)(mp < 10 ? mp + 3 : mp - 9);
  out->year = (int)(yoe + era * 400 + (m <= 2));
  out->month = m;
  out->day = d;
}

static int64_t floor_div(int64_t a, int64_t b) { return a / b - (a % b != 0 && (a < 0) != (b < 0)); }
static int64_t floor_mod(int64_t a, int64_t b) { return a - floor_div(a, b) * b; }

/* }====================== */

/* {====================== Parsing helpers ====================== */

typedef struct cursor {
  const unsigned char *s;
  size_t n;
} cursor;

/* The digit at i, or -1 if i is past the end or not a digit. */
static int digit_at(const cursor *c, size_t i) {
  if (i >= c->n) return -1;
  unsigned v = c->s[i] - '0';
  return v < 10 ? (int)v : -1;
}

static int byte_at(const cursor *c, size_t i) { return i < c->n ? c->s[i] : -1; }

/* speedate's int_parse_bytes: [+-]digits fitting i64. Returns 1 and the value, or 0. */
static int parse_int(const cursor *c, int64_t *out) {
  size_t i = 0;
  int neg = 0;
  if (c->n == 0) return 0;
  if (c->s[0] == '-' || c->s[0] == '+') { neg = c->s[0] == '-'; i = 1; }
  if (i >= c->n) return 0;
  uint64_t v = 0;
  for (; i < c->n; i++) {
    int d = digit_at(c, i);
    if (d < 0 || v > (UINT64_MAX - 9) / 10) return 0;
    v = v * 10 + (uint64_t)d;
    if (v > (uint64_t)INT64_MAX) return 0;
  }
  *out = neg ? -(int64_t)v : (int64_t)v;
  return 1;
}

/* speedate's float_parse_bytes for text with a '.': [+-]digits.digits (exponent allowed).
 * Returns 1 and the value, or 0. */
static int parse_float(const cursor *c, double *out) {
  char buf[64];
  if (c->n == 0 || c->n >= sizeof buf || memchr(c->s, '.', c->n) == NULL) return 0;
  size_t i = 0, digits = 0;
  if (c->s[i] == '+' || c->s[i] == '-') i++;
  for (; i < c->n && digit_at(c, i) >= 0; i++) digits++;
  if (i < c->n && c->s[i] == '.') i++;
  for (; i < c->n && digit_at(c, i) >= 0; i++) digits++;
  if (digits == 0) return 0;
  if (i < c->n && (c->s[i] | 0x20) == 'e') {
    i++;
    if (i < c->n && (c->s[i] == '+' || c->s[i] == '-')) i++;
    if (digit_at(c, i) < 0) return 0;
    while (digit_at(c, i) >= 0) i++;
  }
  if (i != c->n) return 0;
  memcpy(buf, c->s, c->n);
  buf[c->n] = '\0';
  *out = strtod(buf, NULL);
  return isfinite(*out);
}

/* YYYY-MM-DD at the start of c; what follows is not looked at. */
static lg_dt_error date_partial(const cursor *c, lg_date *out) {
  if (c->n < 10) return LG_DT_TOO_SHORT;
  int y = 0;
  for (int i = 0; i < 4; i++) {
    int d = digit_at(c, (size_t)i);
    if (d < 0) return LG_DT_INVALID_YEAR;
    y = y * 10 + d;
  }
  if (c->s[4] != '-') return LG_DT_INVALID_DATE_SEP;
  int m1 = digit_at(c, 5), m2 = digit_at(c, 6);
  if (m1 < 0 || m2 < 0) return LG_DT_INVALID_MONTH;
  if (c->s[7] != '-') return LG_DT_INVALID_DATE_SEP;
  int d1 = digit_at(c, 8), d2 = digit_at(c, 9);
  if (d1 < 0 || d2 < 0) return LG_DT_INVALID_DAY;
  int m = m1 * 10 + m2, d = d1 * 10 + d2;
  if (m < 1 || m > 12) return LG_DT_OUT_OF_RANGE_MONTH;
  if (d < 1 || d > days_in_month(y, m)) return LG_DT_OUT_OF_RANGE_DAY;
  if (y == 0) return LG_DT_YEAR_ZERO;
  out->year = y;
  out->month = m;
  out->day = d;
  return LG_DT_OK;
}

/* HH:MM[:SS[.ffffff]] at offset; *end is where it stops. Extra fraction digits are
 * truncated (pydantic's default microseconds_precision="truncate"). */
static lg_dt_error pure_time(const cursor *c, size_t off, lg_time *t, size_t *end) {
  if (c->n < off || c->n - off < 5) return LG_DT_TOO_SHORT;
  int h1 = digit_at(c, off), h2 = digit_at(c, off + 1);
  if (h1 < 0 || h2 < 0) return LG_DT_INVALID_HOUR;
  if (c->s[off + 2] != ':') return LG_DT_INVALID_TIME_SEP;
  int n1 = digit_at(c, off + 3), n2 = digit_at(c, off + 4);
  if (n1 < 0 || n2 < 0) return LG_DT_INVALID_MINUTE;
  t->hour = h1 * 10 + h2;
  t->minute = n1 * 10 + n2;
  t->second = t->micro = 0;
  if (t->hour > 23) return LG_DT_OUT_OF_RANGE_HOUR;
  if (t->minute > 59) return LG_DT_OUT_OF_RANGE_MINUTE;
  size_t len = 5;
  if (byte_at(c, off + 5) == ':') {
    int s1 = digit_at(c, off + 6), s2 = digit_at(c, off + 7);
    if (s1 < 0 || s2 < 0) return LG_DT_INVALID_SECOND;
    t->second = s1 * 10 + s2;
    if (t->second > 59) return LG_DT_OUT_OF_RANGE_SECOND;
    len = 8;
    int sep = byte_at(c, off + 8);
    if (sep == '.' || sep == ',') {
      len = 9;
      size_t i = 0;
      int micro = 0;
      for (int d; (d = digit_at(c, off + len + i)) >= 0; i++)
        if (i < 6) micro = micro * 10 + d;
      if (i == 0) return LG_DT_SECOND_FRACTION_MISSING;
      for (size_t k = i; k < 6; k++) micro *= 10;
      t->micro = micro;
      len += i;
    }
  }
  *end = off + len;
  return LG_DT_OK;
}

/* The optional offset at *pos: Z, or +HH:MM, +HHMM, -..., U+2212 MINUS SIGN. */
static lg_dt_error tz_offset(const cursor *c, size_t *pos, lg_time *t) {
  size_t p = *pos;
  t->has_tz = 0;
  t->tz = 0;
  if (p >= c->n) return LG_DT_OK;
  int ch = c->s[p++], sign;
  if (ch == 'Z' || ch == 'z') {
    t->has_tz = 1;
    *pos = p;
    return LG_DT_OK;
  }
  if (ch == '+') sign = 1;
  else if (ch == '-') sign = -1;
  else if (ch == 0xE2) {   /* U+2212 is E2 88 92 in UTF-8 */
    if (byte_at(c, p) != 0x88 || byte_at(c, p + 1) != 0x92) return LG_DT_INVALID_TZ_SIGN;
    p += 2;
    sign = -1;
  } else {
    return LG_DT_INVALID_TZ_SIGN;
  }
  int h1 = digit_at(c, p), h2 = digit_at(c, p + 1), m1;
  if (h1 < 0 || h2 < 0) return LG_DT_INVALID_TZ_HOUR;
  int next = byte_at(c, p + 2);
  if (next == ':') {
    p += 3;
    m1 = digit_at(c, p);
  } else if (next >= '0' && next <= '9') {
    p += 2;
    m1 = next - '0';
  } else {
    return LG_DT_INVALID_TZ_MINUTE;
  }
  int m2 = digit_at(c, p + 1);
  if (m1 < 0 || m2 < 0) return LG_DT_INVALID_TZ_MINUTE;
  int minute_seconds = m1 * 600 + m2 * 60;
  if (minute_seconds >= 3600) return LG_DT_OUT_OF_RANGE_TZ_MINUTE;
  int offset = sign * (h1 * 36000 + h2 * 3600 + minute_seconds);
  if (offset >= 86400 || offset <= -86400) return LG_DT_OUT_OF_RANGE_TZ;
  t->has_tz = 1;
  t->tz = offset;
  *pos = p + 2;
  return LG_DT_OK;
}

/* A time with its offset starting at off, which must run to the end of c. */
static lg_dt_error time_at(const cursor *c, size_t off, lg_time *t) {
  size_t pos;
  lg_dt_error e = pure_time(c, off, t, &pos);
  if (e != LG_DT_OK) return e;
  if ((e = tz_offset(c, &pos, t)) != LG_DT_OK) return e;
  return pos < c->n ? LG_DT_EXTRA_CHARACTERS : LG_DT_OK;
}

/* }====================== */

/* {====================== Timestamps ====================== */

/* Splits a timestamp in seconds or milliseconds into seconds and microseconds. */
static lg_dt_error watershed(int64_t ts, int64_t *seconds, int64_t *micro) {
  if (ts == INT64_MIN) return LG_DT_DATE_TOO_SMALL;
  int64_t a = ts < 0 ? -ts : ts;
  *seconds = ts;
  *micro = 0;
  if (a > MS_WATERSHED) {
    *seconds = ts / 1000;
    *micro = ts % 1000 * 1000;
    if (*micro < 0) { (*seconds)--; *micro += 1000000; }
  }
  return LG_DT_OK;
}

static lg_dt_error date_of_seconds(int64_t seconds, lg_date *out) {
  if (seconds < UNIX_0001) return LG_DT_DATE_TOO_SMALL;
  if (seconds > UNIX_9999) return LG_DT_DATE_TOO_LARGE;
  civil_from_days(floor_div(seconds, 86400), out);
  return LG_DT_OK;
}

lg_dt_error lg_date_from_timestamp(int64_t ts, int exact, lg_date *out) {
  int64_t seconds, micro;
  lg_dt_error e = watershed(ts, &seconds, &micro);
  if (e == LG_DT_OK) e = date_of_seconds(seconds, out);
  if (e == LG_DT_OK && exact && floor_mod(seconds, 86400) != 0) e = LG_DT_DATE_NOT_EXACT;
  return e;
}

lg_dt_error lg_time_from_seconds(int64_t seconds, uint32_t micro, lg_time *out) {
  seconds += micro / 1000000;
  micro %= 1000000;
  if (seconds < 0 || seconds >= 86400) return LG_DT_TIME_TOO_LARGE;
  out->hour = (int)(seconds / 3600);
  out->minute = (int)(seconds % 3600 / 60);
  out->second = (int)(seconds % 60);
  out->micro = (int)micro;
  out->has_tz = 1;      /* pydantic reads numeric times as UTC */
  out->tz = 0;
  return LG_DT_OK;
}

lg_dt_error lg_datetime_from_timestamp(int64_t ts, uint32_t micro, lg_datetime *out) {
  int64_t seconds, extra;
  lg_dt_error e = watershed(ts, &seconds, &extra);
  if (e != LG_DT_OK) return e;
  int64_t total = (int64_t)micro + extra;
  seconds += total / 1000000;
  total %= 1000000;
  if ((e = date_of_seconds(seconds, &out->date)) != LG_DT_OK) return e;
  return lg_time_from_seconds(floor_mod(seconds, 86400), (uint32_t)total, &out->time);
}

/* }====================== */

lg_dt_error lg_date_parse(const char *s, size_t n, lg_date *out) {
  cursor c = {(const unsigned char *)s, n};
  int64_t ts;
  lg_dt_error e = date_partial(&c, out);
  if (e == LG_DT_OK && n > 10) e = LG_DT_EXTRA_CHARACTERS;
  if (e != LG_DT_OK && parse_int(&c, &ts)) e = lg_date_from_timestamp(ts, 1, out);
  return e;
}

lg_dt_error lg_time_parse(const char *s, size_t n, lg_time *out) {
  cursor c = {(const unsigned char *)s, n};
  return time_at(&c, 0, out);
}

lg_dt_error lg_datetime_parse(const char *s, size_t n, lg_datetime *out) {
  cursor c = {(const unsigned char *)s, n};
  lg_dt_error e = date_partial(&c, &out->date);
  if (e == LG_DT_OK) {
    int sep = byte_at(&c, 10);
    if (sep != 'T' && sep != 't' && sep != ' ' && sep != '_') e = LG_DT_INVALID_DATETIME_SEP;
    else e = time_at(&c, 11, &out->time);
  }
  if (e == LG_DT_OK) return e;
  /* Not RFC 3339: maybe a Unix timestamp ("1654619320" or "1654619320.5"). */
  int64_t ts;
  double f;
  if (parse_int(&c, &ts)) return lg_datetime_from_timestamp(ts, 0, out);
  if (parse_float(&c, &f)) {
    if (fabs(f) > (double)MS_WATERSHED) f /= 1000;
    double fl = floor(f), frac = f - trunc(f);
    if (fl < -9.2e18 || fl > 9.2e18) return LG_DT_DATE_TOO_LARGE;
    double micro = round(frac * 1e6);
    return lg_datetime_from_timestamp((int64_t)fl, micro > 0 ? (uint32_t)micro : 0, out);
  }
  return e;
}

/* {====================== Durations ====================== */

static int add_u32(uint32_t *a, uint64_t b) {
  uint64_t v = (uint64_t)*a + b;
  if (v > UINT32_MAX) return 0;
  *a = (uint32_t)v;
  return 1;
}

/* Digits at *pos (the first must be a digit) as a u32. */
static lg_dt_error dur_number(const cursor *c, size_t *pos, uint32_t *out) {
  if (digit_at(c, *pos) < 0) return *pos >= c->n ? LG_DT_TOO_SHORT : LG_DT_DURATION_INVALID_NUMBER;
  uint64_t v = 0;
  for (int d; (d = digit_at(c, *pos)) >= 0; (*pos)++) {
    v = v * 10 + (uint64_t)d;
    if (v > UINT32_MAX) return LG_DT_DURATION_VALUE_TOO_LARGE;
  }
  *out = (uint32_t)v;
  return LG_DT_OK;
}

static lg_dt_error iso_duration(const cursor *c, size_t pos, lg_duration *d) {
  int got_t = 0, last_fraction = 0;
  for (; pos < c->n; pos++) {
    if (c->s[pos] == 'T') {
      if (got_t) return LG_DT_DURATION_T_REPEATED;
      got_t = 1;
      continue;
    }
    if (digit_at(c, pos) < 0) return LG_DT_DURATION_INVALID_NUMBER;
    uint32_t value;
    lg_dt_error e = dur_number(c, &pos, &value);
    if (e != LG_DT_OK) return e;
    int has_fraction = 0;
    double fraction = 0, denominator = 1;
    if (byte_at(c, pos) == '.' || byte_at(c, pos) == ',') {
      has_fraction = 1;
      for (pos++; digit_at(c, pos) >= 0; pos++) {
        fraction = fraction * 10 + digit_at(c, pos);
        denominator *= 10;
      }
      fraction /= denominator;
    }
    if (last_fraction) return LG_DT_DURATION_INVALID_FRACTION;
    last_fraction = has_fraction;
    int unit = byte_at(c, pos);
    uint32_t mult;
    if (got_t) {
      if (unit == 'H') mult = 3600;
      else if (unit == 'M') mult = 60;
      else if (unit == 'S') mult = 1;
      else return LG_DT_DURATION_INVALID_TIME_UNIT;
      if (!add_u32(&d->second, (uint64_t)mult * value) || (uint64_t)mult * value > UINT32_MAX)
        return LG_DT_DURATION_VALUE_TOO_LARGE;
      if (has_fraction) {
        double extra = fraction * mult, whole = trunc(extra);
        if (!add_u32(&d->second, (uint64_t)whole) ||
            !add_u32(&d->micro, (uint64_t)round((extra - whole) * 1e6)))
          return LG_DT_DURATION_VALUE_TOO_LARGE;
      }
    } else {
      if (unit == 'Y') mult = 365;
      else if (unit == 'M') mult = 30;
      else if (unit == 'W') mult = 7;
      else if (unit == 'D') mult = 1;
      else return LG_DT_DURATION_INVALID_DATE_UNIT;
      if ((uint64_t)mult * value > UINT32_MAX || !add_u32(&d->day, (uint64_t)mult * value))
        return LG_DT_DURATION_VALUE_TOO_LARGE;
      if (has_fraction) {
        double days = fraction * mult, whole_days = trunc(days);
        double secs = (days - whole_days) * 86400.0, whole_secs = trunc(secs);
        if (!add_u32(&d->day, (uint64_t)whole_days) || !add_u32(&d->second, (uint64_t)whole_secs) ||
            !add_u32(&d->micro, (uint64_t)round((secs - whole_secs) * 1e6)))
          return LG_DT_DURATION_VALUE_TOO_LARGE;
      }
    }
  }
  return pos < 3 ? LG_DT_TOO_SHORT : LG_DT_OK;
}

/* "D days, HH:MM:SS", "Dd HH:MM", "D day" ... */
static lg_dt_error days_time(const cursor *c, size_t pos, lg_duration *d) {
  lg_dt_error e = dur_number(c, &pos, &d->day);
  if (e != LG_DT_OK) return e;
  int ch = byte_at(c, pos);
  if (ch == ' ') pos++;
  else if (ch != 'd' && ch != 'D') return LG_DT_DURATION_INVALID_DAYS;
  ch = byte_at(c, pos);
  if (ch != 'd' && ch != 'D') return LG_DT_DURATION_INVALID_DAYS;
  pos++;
  ch = byte_at(c, pos);
  if (ch == 'a' || ch == 'A') {
    int y = byte_at(c, pos + 1);
    if (y != 'y' && y != 'Y') return LG_DT_DURATION_INVALID_DAYS;
    int s = byte_at(c, pos + 2);
    if (s < 0) return LG_DT_OK;
    pos += s == 's' || s == 'S' ? 3 : 2;
  } else if (ch < 0) {
    return LG_DT_OK;
  }
  if (byte_at(c, pos) < 0) return LG_DT_OK;
  if (byte_at(c, pos) == ',') pos++;
  if (byte_at(c, pos) < 0) return LG_DT_OK;
  if (byte_at(c, pos) == ' ') pos++;
  if (byte_at(c, pos) < 0) return LG_DT_OK;
  lg_time t;
  if ((e = time_at(c, pos, &t)) != LG_DT_OK) return e;
  d->second = (uint32_t)(t.hour * 3600 + t.minute * 60 + t.second);
  d->micro = (uint32_t)t.micro;
  return LG_DT_OK;
}

static lg_dt_error normalize(lg_duration *d) {
  if (d->micro >= 1000000) {
    if (!add_u32(&d->second, d->micro / 1000000)) return LG_DT_DURATION_VALUE_TOO_LARGE;
    d->micro %= 1000000;
  }
  if (d->second >= 86400) {
    if (!add_u32(&d->day, d->second / 86400)) return LG_DT_DURATION_VALUE_TOO_LARGE;
    d->second %= 86400;
  }
  return d->day > MAX_DURATION_DAYS ? LG_DT_DURATION_DAYS_TOO_LARGE : LG_DT_OK;
}

lg_dt_error lg_duration_parse(const char *s, size_t n, lg_duration *out) {
  cursor c = {(const unsigned char *)s, n};
  size_t off = 0;
  lg_dt_error e;
  memset(out, 0, sizeof *out);
  if (n == 0) return LG_DT_TOO_SHORT;
  int positive = c.s[0] != '-';
  if (c.s[0] == '+' || c.s[0] == '-') off = 1;
  if (byte_at(&c, off) == 'P') {
    e = iso_duration(&c, off + 1, out);
  } else if (byte_at(&c, off + 2) == ':') {
    lg_time t;
    size_t end;
    e = pure_time(&c, off, &t, &end);
    if (e == LG_DT_OK && end < n) e = LG_DT_EXTRA_CHARACTERS;
    if (e == LG_DT_OK) {
      out->second = (uint32_t)(t.hour * 3600 + t.minute * 60 + t.second);
      out->micro = (uint32_t)t.micro;
    }
  } else {
    e = days_time(&c, off, out);
  }
  if (e != LG_DT_OK) return e;
  out->positive = positive;
  return normalize(out);
}

lg_dt_error lg_duration_from_seconds(double seconds, lg_duration *out) {
  memset(out, 0, sizeof *out);
  out->positive = seconds >= 0;
  double a = fabs(seconds);
  if (!isfinite(a) || a / 86400 > MAX_DURATION_DAYS + 1.0) return LG_DT_DURATION_DAYS_TOO_LARGE;
  out->micro = (uint32_t)round((a - trunc(a)) * 1e6);
  out->day = (uint32_t)(a / 86400);
  out->second = (uint32_t)((uint64_t)a % 86400);
  return normalize(out);
}

/* }====================== */

int64_t lg_datetime_epoch(const lg_datetime *dt) {
  return days_from_civil(dt->date.year, dt->date.month, dt->date.day) * 86400 +
         dt->time.hour * 3600 + dt->time.minute * 60 + dt->time.second;
}

lg_dt_error lg_datetime_to_utc(lg_datetime *dt) {
  if (!dt->time.has_tz || dt->time.tz == 0) return LG_DT_OK;
  int64_t t = lg_datetime_epoch(dt) - dt->time.tz;
  if (t < UNIX_0001) return LG_DT_DATE_TOO_SMALL;
  if (t > UNIX_9999) return LG_DT_DATE_TOO_LARGE;
  civil_from_days(floor_div(t, 86400), &dt->date);
  int64_t s = floor_mod(t, 86400);
  dt->time.hour = (int)(s / 3600);
  dt->time.minute = (int)(s % 3600 / 60);
  dt->time.second = (int)(s % 60);
  dt->time.tz = 0;
  return LG_DT_OK;
}

int lg_date_format(const lg_date *d, char out[LG_DT_TEXT_MAX]) {
  return snprintf(out, LG_DT_TEXT_MAX, "%04d-%02d-%02d", d->year, d->month, d->day);
}

int lg_time_format(const lg_time *t, char out[LG_DT_TEXT_MAX]) {
  int n = snprintf(out, LG_DT_TEXT_MAX, "%02d:%02d:%02d", t->hour, t->minute, t->second);
  if (t->micro) n += snprintf(out + n, (size_t)(LG_DT_TEXT_MAX - n), ".%06d", t->micro);
  if (t->has_tz) {
    if (t->tz == 0) {
      n += snprintf(out + n, (size_t)(LG_DT_TEXT_MAX - n), "Z");
    } else {
      int a = t->tz < 0 ? -t->tz : t->tz;
      n += snprintf(out + n, (size_t)(LG_DT_TEXT_MAX - n), "%c%02d:%02d", t->tz < 0 ? '-' : '+',
                    a / 3600, a % 3600 / 60);
    }
  }
  return n;
}

int lg_datetime_format(const lg_datetime *dt, char out[LG_DT_TEXT_MAX]) {
  int n = lg_date_format(&dt->date, out);
  out[n++] = 'T';
  return n + lg_time_format(&dt->time, out + n);
}

int lg_duration_format(const lg_duration *d, char out[LG_DT_TEXT_MAX]) {
  int n = snprintf(out, LG_DT_TEXT_MAX, "%sP", d->positive ? "" : "-");
  if (d->day / 365) n += snprintf(out + n, (size_t)(LG_DT_TEXT_MAX - n), "%uY", d->day / 365);
  if (d->day % 365) n += snprintf(out + n, (size_t)(LG_DT_TEXT_MAX - n), "%uD", d->day % 365);
  if (d->second || d->micro) {
    n += snprintf(out + n, (size_t)(LG_DT_TEXT_MAX - n), "T%u", d->second);
    if (d->micro) {
      char frac[8];
      int k = snprintf(frac, sizeof frac, "%06u", d->micro);
      while (k > 0 && frac[k - 1] == '0') frac[--k] = '\0';
      n += snprintf(out + n, (size_t)(LG_DT_TEXT_MAX - n), ".%s", frac);
    }
    n += snprintf(out + n, (size_t)(LG_DT_TEXT_MAX - n), "S");
  }
  if (!d->day && !d->second && !d->micro) n += snprintf(out + n, (size_t)(LG_DT_TEXT_MAX - n), "T0S");
  return n;
}
