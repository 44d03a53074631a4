/* lakegate.core's validation primitives: regex, dates and times, UUID, e-mail, IP, URL,
 * base64, decimal, and the JSON Schema string formats. The model layer (lua/lakegate/model)
 * calls these; expected failures return fail, message (see STYLE.md). */
#include "lua/modules.h"
#include "aws/digest.h"
#include "core/datetime.h"
#include "core/decimal.h"
#include "core/formats.h"
#include "core/regex.h"
#include "core/uri.h"
#include "util/common.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>

#include <lauxlib.h>

#define REGEX_MT "lakegate.regex"

static int push_fail(lua_State *L, const char *msg) {
  luaL_pushfail(L);
  lua_pushstring(L, msg);
  return 2;
}

/* {====================== regex ====================== */

struct lg_regex *lg_lua_check_regex(lua_State *L, int idx) {
  lg_regex **re = luaL_checkudata(L, idx, REGEX_MT);
  luaL_argcheck(L, *re != NULL, idx, "regex already freed");
  return *re;
}

/* regex(pattern) -> regex | fail, message. The regex is compiled (with JIT) once. */
static int core_regex(lua_State *L) {
  size_t len;
  const char *pattern = luaL_checklstring(L, 1, &len);
  lg_regex **re = lua_newuserdatauv(L, sizeof *re, 0);   /* empty first: an OOM leaks nothing */
  *re = NULL;
  luaL_setmetatable(L, REGEX_MT);
  char err[LG_ERRLEN];
  if ((*re = lg_regex_compile(pattern, len, err, sizeof err)) == NULL) return push_fail(L, err);
  return 1;
}

/* regex:test(s) -> true if s contains a match */
static int regex_test(lua_State *L) {
  lg_regex *re = lg_lua_check_regex(L, 1);
  size_t len;
  const char *s = luaL_checklstring(L, 2, &len);
  int rc = lg_regex_search(re, s, len, 0);
  if (rc == LG_ERR) return luaL_error(L, "regex '%s': matching failed (match limit?)", lg_regex_pattern(re));
  lua_pushboolean(L, rc);
  return 1;
}

static int regex_pattern(lua_State *L) {
  lua_pushstring(L, lg_regex_pattern(lg_lua_check_regex(L, 1)));
  return 1;
}

static int regex_gc(lua_State *L) {
  lg_regex **re = luaL_checkudata(L, 1, REGEX_MT);
  lg_regex_free(*re);
  *re = NULL;
  return 0;
}

/* }====================== */

/* {====================== dates and times ====================== */

/* parse_date(s) -> "YYYY-MM-DD" | fail, message (pydantic's Date parser: RFC 3339 or an
 * exact-day Unix timestamp) */
static int core_parse_date(lua_State *L) {
  size_t n;
  const char *s = luaL_checklstring(L, 1, &n);
  lg_date d;
  char out[LG_DT_TEXT_MAX];
  lg_dt_error e = lg_date_parse(s, n, &d);
  if (e != LG_DT_OK) return push_fail(L, lg_dt_message(e));
  lua_pushlstring(L, out, (size_t)lg_date_format(&d, out));
  return 1;
}

/* parse_time(s) -> text, has_offset | fail, message */
static int core_parse_time(lua_State *L) {
  size_t n;
  const char *s = luaL_checklstring(L, 1, &n);
  lg_time t;
  char out[LG_DT_TEXT_MAX];
  lg_dt_error e = lg_time_parse(s, n, &t);
  if (e != LG_DT_OK) return push_fail(L, lg_dt_message(e));
  lua_pushlstring(L, out, (size_t)lg_time_format(&t, out));
  lua_pushboolean(L, t.has_tz);
  return 2;
}

/* Pushes the canonical text of dt (shifted to UTC when aware), whether it is aware, and
 * its date when its wall-clock time is exactly midnight (else false). */
static int push_datetime(lua_State *L, lg_datetime *dt) {
  char out[LG_DT_TEXT_MAX], day[LG_DT_TEXT_MAX];
  int midnight = dt->time.hour == 0 && dt->time.minute == 0 && dt->time.second == 0 && dt->time.micro == 0;
  int dn = lg_date_format(&dt->date, day);
  lg_dt_error e = lg_datetime_to_utc(dt);
  if (e != LG_DT_OK) return push_fail(L, lg_dt_message(e));
  lua_pushlstring(L, out, (size_t)lg_datetime_format(dt, out));
  lua_pushboolean(L, dt->time.has_tz);
  if (midnight) lua_pushlstring(L, day, (size_t)dn);
  else lua_pushboolean(L, 0);
  return 3;
}

/* parse_datetime(s) -> text, aware, midnight_date | fail, message */
static int core_parse_datetime(lua_State *L) {
  size_t n;
  const char *s = luaL_checklstring(L, 1, &n);
  lg_datetime dt;
  lg_dt_error e = lg_datetime_parse(s, n, &dt);
  if (e != LG_DT_OK) return push_fail(L, lg_dt_message(e));
  return push_datetime(L, &dt);
}

/* datetime_from_timestamp(number) -> text, aware, midnight_date | fail, message
 * (pydantic's reading of a number as Unix time in seconds, or milliseconds past 2e10) */
static int core_datetime_from_timestamp(lua_State *L) {
  lg_datetime dt;
  lg_dt_error e;
  if (lua_isinteger(L, 1)) {
    e = lg_datetime_from_timestamp(lua_tointeger(L, 1), 0, &dt);
  } else {
    double f = luaL_checknumber(L, 1);
    if (!isfinite(f) || fabs(f) > 9e18) return push_fail(L, "dates after 9999 are not supported as unix timestamps");
    double micro = round(fabs(f - trunc(f)) * 1e6);
    e = lg_datetime_from_timestamp((int64_t)floor(f), (uint32_t)micro, &dt);
  }
  if (e != LG_DT_OK) return push_fail(L, lg_dt_message(e));
  return push_datetime(L, &dt);
}

/* date_from_timestamp(integer) -> "YYYY-MM-DD" | fail, message (must be an exact day) */
static int core_date_from_timestamp(lua_State *L) {
  lg_date d;
  char out[LG_DT_TEXT_MAX];
  lg_dt_error e = lg_date_from_timestamp(luaL_checkinteger(L, 1), 1, &d);
  if (e != LG_DT_OK) return push_fail(L, lg_dt_message(e));
  lua_pushlstring(L, out, (size_t)lg_date_format(&d, out));
  return 1;
}

/* time_from_seconds(number) -> text | fail, message (seconds since midnight, UTC) */
static int core_time_from_seconds(lua_State *L) {
  double f = luaL_checknumber(L, 1);
  lg_time t;
  char out[LG_DT_TEXT_MAX];
  if (f < 0) return push_fail(L, "time in seconds should be positive");
  if (!isfinite(f) || f >= 86400) return push_fail(L, lg_dt_message(LG_DT_TIME_TOO_LARGE));
  lg_dt_error e = lg_time_from_seconds((int64_t)f, (uint32_t)round((f - trunc(f)) * 1e6), &t);
  if (e != LG_DT_OK) return push_fail(L, lg_dt_message(e));
  lua_pushlstring(L, out, (size_t)lg_time_format(&t, out));
  return 1;
}

/* parse_duration(s) -> ISO 8601 text, total seconds | fail, message */
static int core_parse_duration(lua_State *L) {
  size_t n;
  const char *s = luaL_checklstring(L, 1, &n);
  lg_duration d;
  char out[LG_DT_TEXT_MAX];
  lg_dt_error e = lg_duration_parse(s, n, &d);
  if (e != LG_DT_OK) return push_fail(L, lg_dt_message(e));
  lua_pushlstring(L, out, (size_t)lg_duration_format(&d, out));
  double total = ((double)d.day * 86400 + d.second + d.micro / 1e6) * (d.positive ? 1 : -1);
  lua_pushnumber(L, total);
  return 2;
}

/* duration_from_seconds(number) -> ISO 8601 text, total seconds | fail, message */
static int core_duration_from_seconds(lua_State *L) {
  double f = luaL_checknumber(L, 1);
  lg_duration d;
  char out[LG_DT_TEXT_MAX];
  lg_dt_error e = lg_duration_from_seconds(f, &d);
  if (e != LG_DT_OK) return push_fail(L, lg_dt_message(e));
  lua_pushlstring(L, out, (size_t)lg_duration_format(&d, out));
  lua_pushnumber(L, f);
  return 2;
}

/* }====================== */

/* {====================== identifiers and addresses ====================== */

/* uuid(s) -> canonical text, version | fail, message (the uuid crate's) */
static int core_uuid(lua_State *L) {
  size_t n;
  const char *s = luaL_checklstring(L, 1, &n);
  uint8_t u[16];
  char err[LG_ERRLEN], out[37];
  if (lg_uuid_parse(s, n, u, err, sizeof err) != LG_OK) return push_fail(L, err);
  lg_uuid_format(u, out);
  lua_pushlstring(L, out, 36);
  lua_pushinteger(L, lg_uuid_version(u));
  return 2;
}

/* email(s) -> normalized address | fail, reason (email_validator's) */
static int core_email(lua_State *L) {
  size_t n;
  const char *s = luaL_checklstring(L, 1, &n);
  char err[LG_ERRLEN];
  char *norm = lua_newuserdatauv(L, n + 1, 0);   /* GC-owned scratch */
  if (lg_email_validate(s, n, norm, err, sizeof err) != LG_OK) return push_fail(L, err);
  lua_pushlstring(L, norm, n);
  return 1;
}

/* ip(s, version) -> canonical text, version | fail. version 4, 6 or nil (either). */
static int core_ip(lua_State *L) {
  size_t n;
  const char *s = luaL_checklstring(L, 1, &n);
  lua_Integer want = luaL_optinteger(L, 2, 0);
  uint8_t a[16];
  char out[40];
  if (want != 6 && lg_ipv4_parse(s, n, a) == LG_OK) {
    lua_pushlstring(L, out, (size_t)lg_ipv4_format(a, out));
    lua_pushinteger(L, 4);
    return 2;
  }
  if (want != 4 && lg_ipv6_parse(s, n, a) == LG_OK) {
    lua_pushlstring(L, out, (size_t)lg_ipv6_format(a, out));
    lua_pushinteger(L, 6);
    return 2;
  }
  luaL_pushfail(L);
  return 1;
}

/* url(s) -> normalized URL, host length | fail, reason (the url crate's) */
static int core_url(lua_State *L) {
  size_t n, host;
  const char *s = luaL_checklstring(L, 1, &n);
  char err[LG_ERRLEN];
  char *out = lua_newuserdatauv(L, 3 * n + 16, 0);
  long len = lg_url_normalize(s, n, out, &host, err, sizeof err);
  if (len < 0) return push_fail(L, err);
  lua_pushlstring(L, out, (size_t)len);
  lua_pushinteger(L, (lua_Integer)host);
  return 2;
}

/* }====================== */

/* {====================== base64 and decimal ====================== */

/* base64_decode(s) -> bytes | fail, message (strict RFC 4648, binascii's messages) */
static int core_base64_decode(lua_State *L) {
  size_t n;
  const char *s = luaL_checklstring(L, 1, &n);
  char err[LG_ERRLEN];
  unsigned char *out = lua_newuserdatauv(L, n / 4 * 3 + 3, 0);
  long len = lg_base64_decode(s, n, out, err, sizeof err);
  if (len < 0) return push_fail(L, err);
  lua_pushlstring(L, (const char *)out, (size_t)len);
  return 1;
}

/* base64_encode(bytes) -> text */
static int core_base64_encode(lua_State *L) {
  size_t n;
  const char *s = luaL_checklstring(L, 1, &n);
  size_t len = (n + 2) / 3 * 4;
  char *out = lua_newuserdatauv(L, len + 1, 0);
  lg_base64_encode((const uint8_t *)s, n, out);   /* aws/digest.c's encoder */
  lua_pushlstring(L, out, len);
  return 1;
}

/* Parses string argument idx as a decimal into *d. The digits live in a GC-owned scratch
 * block left on the stack. Returns LG_OK or LG_ERR. */
static int check_decimal(lua_State *L, int idx, lg_decimal *d) {
  size_t n;
  luaL_checktype(L, idx, LUA_TSTRING);
  const char *s = lua_tolstring(L, idx, &n);
  char *digits = lua_newuserdatauv(L, n + 1, 0);   /* ... scratch */
  return lg_decimal_parse(s, n, digits, d);
}

/* decimal(s) -> canonical text, kind, digits, decimals, normalized digits, normalized
 * decimals | fail. kind is "finite", "inf" or "nan". */
static int core_decimal(lua_State *L) {
  lg_decimal d;
  if (check_decimal(L, 1, &d) != LG_OK) {
    luaL_pushfail(L);
    return 1;
  }
  static const char *const kinds[] = {"finite", "inf", "nan"};
  char *out = lua_newuserdatauv(L, d.ndigits + 32 + (size_t)(d.exponent < 0 ? -d.exponent : 0), 0);
  lua_pushlstring(L, out, lg_decimal_format(&d, out));
  lua_pushstring(L, kinds[d.kind]);
  uint64_t digits, decimals, ndigits, ndecimals;
  lg_decimal_counts(&d, &digits, &decimals, &ndigits, &ndecimals);
  lua_pushinteger(L, (lua_Integer)digits);
  lua_pushinteger(L, (lua_Integer)decimals);
  lua_pushinteger(L, (lua_Integer)ndigits);
  lua_pushinteger(L, (lua_Integer)ndecimals);
  return 6;
}

/* decimal_cmp(a, b) -> -1 | 0 | 1, or fail when either is NaN or not a decimal */
static int core_decimal_cmp(lua_State *L) {
  lg_decimal a, b;
  if (check_decimal(L, 1, &a) != LG_OK || check_decimal(L, 2, &b) != LG_OK) {
    luaL_pushfail(L);
    return 1;
  }
  int c = lg_decimal_cmp(&a, &b);
  if (c == 2) luaL_pushfail(L);
  else lua_pushinteger(L, c);
  return 1;
}

/* decimal_is_multiple(x, m) -> boolean | fail when it cannot be decided */
static int core_decimal_is_multiple(lua_State *L) {
  lg_decimal x, m;
  if (check_decimal(L, 1, &x) != LG_OK || check_decimal(L, 2, &m) != LG_OK) {
    luaL_pushfail(L);
    return 1;
  }
  int r = lg_decimal_is_multiple(&x, &m);
  if (r == LG_ERR) luaL_pushfail(L);
  else lua_pushboolean(L, r);
  return 1;
}

/* }====================== */

/* {====================== numbers as text ====================== */

/* The fewest significant digits (1..17) that read back as d, in "%.*e" form. */
static int shortest_e(double d, char out[40]) {
  int n = 0;
  for (int prec = 0; prec < 17; prec++) {
    n = snprintf(out, 40, "%.*e", prec, d);
    if (strtod(out, NULL) == d) return n;
  }
  return snprintf(out, 40, "%.16e", d);
}

/* float_text(x, style) -> text of a float the way Python's repr ("python": 1e-07, 1.0)
 * or Rust's Display ("rust": 0.0000001, 1) prints it. pydantic's messages use Rust's. */
static int core_float_text(lua_State *L) {
  double d = luaL_checknumber(L, 1);
  int python = strcmp(luaL_optstring(L, 2, "python"), "python") == 0;
  if (isnan(d)) { lua_pushstring(L, python ? "nan" : "NaN"); return 1; }
  if (isinf(d)) { lua_pushstring(L, d < 0 ? "-inf" : "inf"); return 1; }
  char e[40], digits[24] = {0};
  shortest_e(d, e);
  /* e is [-]D[.DDD]e[+-]XX: collect the digits and the decimal exponent */
  const char *p = e;
  int neg = *p == '-', nd = 0;
  if (neg) p++;
  for (; *p && *p != 'e'; p++) if (*p != '.') digits[nd++] = *p;
  int exp = atoi(p + 1);                 /* value = 0.D1D2... * 10^(exp + 1) */
  while (nd > 1 && digits[nd - 1] == '0') nd--;
  luaL_Buffer b;
  luaL_buffinit(L, &b);
  if (neg) luaL_addchar(&b, '-');
  if (python && (exp < -4 || exp >= 16)) {
    luaL_addchar(&b, digits[0]);
    if (nd > 1) { luaL_addchar(&b, '.'); luaL_addlstring(&b, digits + 1, (size_t)nd - 1); }
    char x[16];
    snprintf(x, sizeof x, "e%c%02d", exp < 0 ? '-' : '+', exp < 0 ? -exp : exp);
    luaL_addstring(&b, x);
  } else if (exp < 0) {
    luaL_addstring(&b, "0.");
    for (int i = 0; i < -exp - 1; i++) luaL_addchar(&b, '0');
    luaL_addlstring(&b, digits, (size_t)nd);
  } else {
    for (int i = 0; i <= exp; i++) luaL_addchar(&b, i < nd ? digits[i] : '0');
    if (nd > exp + 1) { luaL_addchar(&b, '.'); luaL_addlstring(&b, digits + exp + 1, (size_t)(nd - exp - 1)); }
    else if (python) luaL_addstring(&b, ".0");
  }
  luaL_pushresult(&b);
  return 1;
}

/* }====================== */

/* format(name, s) -> true if s is valid for the JSON Schema format `name` */
static int core_format(lua_State *L) {
  static const char *const names[] = {"date", "time", "date-time", "uuid", "email", "ipv4", "ipv6", "uri", NULL};
  static int (*const checks[])(const char *, size_t) = {
    lg_format_date, lg_format_time, lg_format_datetime, lg_format_uuid, lg_format_email,
    lg_format_ipv4, lg_format_ipv6, lg_format_uri,
  };
  int which = luaL_checkoption(L, 1, NULL, names);
  size_t n;
  const char *s = luaL_checklstring(L, 2, &n);
  lua_pushboolean(L, checks[which](s, n));
  return 1;
}

static const luaL_Reg validatelib[] = {
  {"base64_decode", core_base64_decode},
  {"base64_encode", core_base64_encode},
  {"date_from_timestamp", core_date_from_timestamp},
  {"datetime_from_timestamp", core_datetime_from_timestamp},
  {"decimal", core_decimal},
  {"decimal_cmp", core_decimal_cmp},
  {"decimal_is_multiple", core_decimal_is_multiple},
  {"duration_from_seconds", core_duration_from_seconds},
  {"email", core_email},
  {"float_text", core_float_text},
  {"format", core_format},
  {"ip", core_ip},
  {"parse_date", core_parse_date},
  {"parse_datetime", core_parse_datetime},
  {"parse_duration", core_parse_duration},
  {"parse_time", core_parse_time},
  {"regex", core_regex},
  {"time_from_seconds", core_time_from_seconds},
  {"url", core_url},
  {"uuid", core_uuid},
  {NULL, NULL},
};

static const luaL_Reg regex_methods[] = {
  {"pattern", regex_pattern},
  {"test", regex_test},
  {NULL, NULL},
};

void lg_core_open_validation(lua_State *L) {
  if (luaL_newmetatable(L, REGEX_MT)) {                 /* ... core mt */
    luaL_newlib(L, regex_methods);
    lua_setfield(L, -2, "__index");
    lua_pushcfunction(L, regex_gc);
    lua_setfield(L, -2, "__gc");
    lua_pushcfunction(L, regex_gc);
    lua_setfield(L, -2, "__close");
  }
  lua_pop(L, 1);                                       /* ... core */
  luaL_setfuncs(L, validatelib, 0);
}
