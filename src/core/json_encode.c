/* Lua values -> compact JSON text (see json.h). Never emits invalid JSON: NaN/Infinity and
 * invalid UTF-8 are errors, floats print as the shortest form that reads back bit-exactly.
 * Tables are read with raw access only; the one metatable field consulted is "__order".
 * This file uses only the official API of Lua and libc. */
#include "core/json.h"
#include "core/utf8.h"
#include "util/common.h"

#include <lauxlib.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Tables nested deeper than this are refused: real documents never get here, cycles do. */
#define MAX_DEPTH 1000

/* Room for the __order keys of all ordered tables open at once (a record and the models
 * nested in it). One pool per lg_json_encode call, not one array per level: the recursion
 * may go MAX_DEPTH deep. Lists that do not fit fall back to a slower Lua-level scan. */
#define ORDER_KEYS 256

typedef struct keyref {
  const char *s;    /* string owned by an __order table; stays valid (no Lua code runs) */
  size_t len;
} keyref;

typedef struct enc {
  lua_State *L;
  lg_buf *out;
  char *err;        /* caller's message buffer (may be NULL) */
  size_t errlen;
  int depth;        /* tables currently open */
  int mt;           /* stack index of the array metatable */
  keyref *keys;     /* pool of ORDER_KEYS entries; keys[0..nkeys) are in use */
  int nkeys;
} enc;

static int encode_value(enc *e, int idx);

/* {====================== Output ====================== */

/* Records msg (plus an optional detail); always returns LG_ERR so callers can `return fail(...)`. */
static int fail(enc *e, const char *msg, const char *detail) {
  if (e->err != NULL && e->errlen > 0) snprintf(e->err, e->errlen, "%s%s", msg, detail ? detail : "");
  return LG_ERR;
}

/* Makes room for n more bytes. Output is written straight into out->data (lg_buf_append
 * per comma and quote cost a fifth of the encode time); lg_json_encode restores the '\0'
 * terminator at the end, so it is only missing while we write. */
static inline int need(enc *e, size_t n) {
  lg_buf *b = e->out;
  if (b->cap - b->len > n) return LG_OK;   /* same test as lg_buf_reserve: keeps room for '\0' */
  if (lg_buf_reserve(b, n) != LG_OK) return fail(e, "out of memory", NULL);
  return LG_OK;
}

static inline int put(enc *e, const void *p, size_t n) {
  if (need(e, n) != LG_OK) return LG_ERR;
  memcpy(e->out->data + e->out->len, p, n);
  e->out->len += n;
  return LG_OK;
}

static inline int putc1(enc *e, char c) {
  if (need(e, 1) != LG_OK) return LG_ERR;
  e->out->data[e->out->len++] = c;
  return LG_OK;
}

/* Writes the decimal form of v into the end of buf[24] and returns its start.
 * Works on the unsigned magnitude, so LLONG_MIN needs no special case. */
static char *itoa_end(lua_Integer v, char *end) {
  static const char pairs[201] =
    "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
    "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
    "8081828384858687888990919293949596979899";
  uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
  char *p = end;
  while (u >= 100) {
    unsigned r = (unsigned)(u % 100);
    u /= 100;
    p -= 2;
    memcpy(p, pairs + 2 * r, 2);
  }
  if (u >= 10) { p -= 2; memcpy(p, pairs + 2 * u, 2); }
  else *--p = (char)('0' + u);
  if (v < 0) *--p = '-';
  return p;
}

static int put_integer(enc *e, lua_Integer v) {
  char buf[24], *end = buf + sizeof buf;
  char *p = itoa_end(v, end);
  return put(e, p, (size_t)(end - p));
}

/* }====================== */

/* {====================== Numbers ====================== */

/* Prints d with %.<prec>g and reports whether strtod reads it back as exactly d.
 * Both directions assume LC_NUMERIC is "C" (the default unless setlocale is called). */
static int try_precision(double d, int prec, char out[32], int *len) {
  *len = snprintf(out, 32, "%.*g", prec, d);
  return strtod(out, NULL) == d;
}

static const double pow10_exact[] = {
  1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
};

/* Fast path of lg_json_format_double for positive, non-integral a whose %.15g form is
 * fixed-point (1e-4 <= a < 1e15): finds the fewest decimals k such that m / 10^k reads back
 * as a (m < 10^15, so both are exact doubles and the division rounds once, like strtod).
 * Such a decimal with <= 15 digits lies within half an ulp of a, far less than half a step
 * of the 15-digit grid, so %.15g would print exactly m's digits: the output is identical,
 * without snprintf and strtod. Returns the length written, or 0 if no such m exists. */
static int format_short(double a, char *out) {
  for (int k = 1; k <= 15; k++) {
    double x = a * pow10_exact[k];
    if (x >= 1e15) return 0;
    uint64_t m = (uint64_t)x;
    if ((double)m != x || (double)m / pow10_exact[k] != a) continue;
    while (m % 10 == 0) { m /= 10; k--; }          /* same decimal, as %g strips zeros */
    char digits[24], *end = digits + sizeof digits;
    char *p = itoa_end((lua_Integer)m, end);
    int nd = (int)(end - p), n = 0;                /* a >= 1e-4: at most 3 zeros after "0." */
    if (nd <= k) {                                 /* 0.00ddd */
      memcpy(out, "0.000", (size_t)(2 + k - nd));
      n = 2 + k - nd;
    } else {                                       /* ddd.ddd */
      memcpy(out, p, (size_t)(nd - k));
      n = nd - k;
      out[n++] = '.';
      p += nd - k;
      nd = k;
    }
    memcpy(out + n, p, (size_t)nd);
    out[n + nd] = '\0';
    return n + nd;
  }
  return 0;
}

int lg_json_format_double(double d, char out[32]) {
  int n;
  if (d == 0) {   /* keep the sign: -0.0 must stay -0.0 */
    memcpy(out, signbit(d) ? "-0.0" : "0.0", signbit(d) ? 5 : 4);
    return signbit(d) ? 4 : 3;
  }
  double a = fabs(d);
  if (a < 1e15 && d == (double)(int64_t)d) {
    /* integral below 1e15: %.15g prints exactly its digits */
    char buf[24], *end = buf + sizeof buf;
    char *p = itoa_end((lua_Integer)d, end);
    n = (int)(end - p);
    memcpy(out, p, (size_t)n);
    out[n] = '\0';
  } else if (a >= 1e-4 && a < 1e15 && (n = format_short(a, out + (d < 0))) > 0) {
    if (d < 0) { out[0] = '-'; n++; }
    return n;                                      /* has a '.' */
  } else if (!try_precision(d, 15, out, &n) && !try_precision(d, 16, out, &n)) {
    n = snprintf(out, 32, "%.17g", d);   /* 17 digits always round-trip */
  }
  if (strpbrk(out, ".en") == NULL) {   /* "1" would come back as an integer */
    memcpy(out + n, ".0", 3);
    return n + 2;
  }
  return n;
}

static int put_number(enc *e, int idx) {
  if (lua_isinteger(e->L, idx)) return put_integer(e, lua_tointeger(e->L, idx));
  double d = lua_tonumber(e->L, idx);
  if (!isfinite(d)) return fail(e, "cannot encode NaN or Infinity", NULL);
  char buf[32];
  size_t n = (size_t)lg_json_format_double(d, buf);
  return put(e, buf, n);
}

/* }====================== */

/* {====================== Strings ====================== */

/* 0: copied as is; 1: must be escaped (control characters, '"', '\\'); 2: UTF-8 lead or
 * stray byte, validated. '/' and 0x7F pass through unescaped. */
#define C16(v) v, v, v, v, v, v, v, v, v, v, v, v, v, v, v, v
static const unsigned char str_class[256] = {
  C16(1), C16(1),
  ['"'] = 1, ['\\'] = 1,
  [0x80] = C16(2), C16(2), C16(2), C16(2), C16(2), C16(2), C16(2), C16(2),
};
#undef C16

/* Writes the escape for c, a control character, '"' or '\\': the short forms JSON has,
 * else \u00XX. */
static int put_escape(enc *e, unsigned char c) {
  static const char hex[] = "0123456789abcdef";
  char esc[6] = {'\\', 0, 0, 0, 0, 0};
  switch (c) {
    case '"': esc[1] = '"'; break;
    case '\\': esc[1] = '\\'; break;
    case '\b': esc[1] = 'b'; break;
    case '\f': esc[1] = 'f'; break;
    case '\n': esc[1] = 'n'; break;
    case '\r': esc[1] = 'r'; break;
    case '\t': esc[1] = 't'; break;
    default:   /* other control characters: \u00XX, lower-case hex as Python writes it */
      memcpy(esc + 1, "u00", 3);
      esc[4] = hex[c >> 4];
      esc[5] = hex[c & 15];
      return put(e, esc, 6);
  }
  return put(e, esc, 2);
}

/* Writes s[0..n) as a JSON string. Runs of plain bytes go out with one memcpy each. */
static int put_string(enc *e, const char *s, size_t n) {
  const unsigned char *p = (const unsigned char *)s, *end = p + n, *run = p;
  if (n > (size_t)-1 / 2 || need(e, n + 2) != LG_OK) return fail(e, "out of memory", NULL);
  e->out->data[e->out->len++] = '"';
  for (;;) {
    while (p < end && !str_class[*p]) p++;
    if (p == end) break;
    if (str_class[*p] == 2) {
      if ((p = lg_utf8_next(p, end)) == NULL) return fail(e, "invalid UTF-8 in string", NULL);
      continue;
    }
    if (put(e, run, (size_t)(p - run)) != LG_OK || put_escape(e, *p) != LG_OK) return LG_ERR;
    run = ++p;
  }
  if (put(e, run, (size_t)(p - run)) != LG_OK) return LG_ERR;
  return putc1(e, '"');
}

/* }====================== */

/* {====================== Tables ====================== */

/* Writes the key at idx as a JSON string: strings as they are, numbers in decimal
 * (integers as digits, like cjson; other floats in their shortest form). */
static int put_key(enc *e, int idx) {
  lua_State *L = e->L;
  size_t n;
  const char *s;
  switch (lua_type(L, idx)) {
    case LUA_TSTRING:
      s = lua_tolstring(L, idx, &n);
      return put_string(e, s, n);
    case LUA_TNUMBER: {
      /* never lua_tolstring a number key: converting it in place would break lua_next */
      char buf[32];
      if (lua_isinteger(L, idx)) {
        char *end = buf + 24, *p = itoa_end(lua_tointeger(L, idx), end);
        return put_string(e, p, (size_t)(end - p));
      }
      double d = lua_tonumber(L, idx);
      if (!isfinite(d)) return fail(e, "cannot encode NaN or Infinity", NULL);
      int len = lg_json_format_double(d, buf);
      if (len > 2 && memcmp(buf + len - 2, ".0", 2) == 0) len -= 2;   /* integral: digits only */
      return put_string(e, buf, (size_t)len);
    }
    default:
      return fail(e, "table key must be a string or number", NULL);
  }
}

/* Writes `,"key":value` (no comma before the first member) for the pair on top of the
 * stack (... key value). Leaves the stack as it found it. */
static int put_member(enc *e, int *first) {
  int top = lua_gettop(e->L);
  if (!*first && putc1(e, ',') != LG_OK) return LG_ERR;
  *first = 0;
  if (put_key(e, top - 1) != LG_OK || putc1(e, ':') != LG_OK) return LG_ERR;
  return encode_value(e, top);
}

/* Writes t[1..n] of the table at idx as an array; holes become null. */
static int put_array(enc *e, int idx, lua_Integer n) {
  if (putc1(e, '[') != LG_OK) return LG_ERR;
  for (lua_Integer i = 1; i <= n; i++) {
    if (i > 1 && putc1(e, ',') != LG_OK) return LG_ERR;
    lua_rawgeti(e->L, idx, i);                        /* ... t[i] */
    int rc = encode_value(e, lua_gettop(e->L));
    lua_pop(e->L, 1);
    if (rc != LG_OK) return LG_ERR;
  }
  return putc1(e, ']');
}

/* Writes every pair of the table at idx in lua_next order, except string keys for which
 * skip(e, key) says they were written already. Returns LG_OK or LG_ERR. */
typedef int (*skip_fn)(enc *e, int key, void *ctx);

static int put_pairs(enc *e, int idx, int *first, skip_fn skip, void *ctx) {
  lua_State *L = e->L;
  lua_pushnil(L);                                     /* ... nil */
  while (lua_next(L, idx)) {                          /* ... key value */
    if (skip == NULL || !skip(e, lua_gettop(L) - 1, ctx)) {
      if (put_member(e, first) != LG_OK) return LG_ERR;
    }
    lua_pop(L, 1);                                    /* ... key */
  }
  return LG_OK;
}

/* Classifies a plain table: returns n >= 1 if its keys are exactly 1..n, else 0.
 * Stops at the first key that rules out a sequence, which for objects is usually the first. */
static lua_Integer sequence_length(lua_State *L, int idx) {
  lua_Integer count = 0, max = 0;
  lua_pushnil(L);
  while (lua_next(L, idx)) {                          /* ... key value */
    lua_pop(L, 1);
    if (!lua_isinteger(L, -1) || lua_tointeger(L, -1) < 1) { lua_pop(L, 1); return 0; }
    lua_Integer k = lua_tointeger(L, -1);
    if (k > max) max = k;
    count++;
  }
  return count == max ? max : 0;
}

static int put_plain(enc *e, int idx) {
  int first = 1;
  lua_pushnil(e->L);
  if (!lua_next(e->L, idx)) return put(e, "{}", 2);   /* empty: nothing says it is an array */
  lua_pop(e->L, 2);
  lua_Integer n = sequence_length(e->L, idx);
  if (n > 0) return put_array(e, idx, n);
  if (putc1(e, '{') != LG_OK || put_pairs(e, idx, &first, NULL, NULL) != LG_OK) return LG_ERR;
  return putc1(e, '}');
}

/* The keys an __order list names, for the membership test in put_ordered's second pass. */
typedef struct order_set {
  int order;        /* stack index of the __order table */
  keyref *keys;     /* its m strings, or NULL when the pool had no room */
  int m;
} order_set;

/* skip_fn for put_ordered: is the key at stack index key one the __order list named? */
static int in_order(enc *e, int key, void *ctx) {
  order_set *os = ctx;
  lua_State *L = e->L;
  if (lua_type(L, key) != LUA_TSTRING) return 0;
  size_t n;
  const char *s = lua_tolstring(L, key, &n);
  if (os->keys != NULL) {
    for (int i = 0; i < os->m; i++)   /* short strings are interned: usually the pointer decides */
      if (os->keys[i].s == s || (os->keys[i].len == n && memcmp(os->keys[i].s, s, n) == 0))
        return 1;
    return 0;
  }
  for (lua_Integer i = 1; i <= os->m; i++) {
    lua_rawgeti(L, os->order, i);
    int eq = lua_rawequal(L, -1, key);
    lua_pop(L, 1);
    if (eq) return 1;
  }
  return 0;
}

/* First pass of put_ordered: writes the members the __order list names, in its order,
 * skipping nil values, and notes the key strings in os. Counts the members in *written. */
static int put_named(enc *e, int idx, order_set *os, int *first, lua_Integer *written) {
  lua_State *L = e->L;
  for (int i = 1; i <= os->m; i++) {
    if (lua_rawgeti(L, os->order, i) != LUA_TSTRING)  /* ... key */
      return fail(e, "__order entries must be strings", NULL);
    if (os->keys != NULL) os->keys[i - 1].s = lua_tolstring(L, -1, &os->keys[i - 1].len);
    lua_pushvalue(L, -1);
    if (lua_rawget(L, idx) == LUA_TNIL) { lua_pop(L, 2); continue; }   /* ... key value */
    if (put_member(e, first) != LG_OK) return LG_ERR;
    lua_pop(L, 2);
    (*written)++;
  }
  return LG_OK;
}

/* Writes the table at idx as an object: first the keys of the __order list at stack index
 * order (skipping nil values), then any other keys in lua_next order. */
static int put_ordered(enc *e, int idx, int order) {
  lua_State *L = e->L;
  size_t m = lua_rawlen(L, order);
  int base = e->nkeys, first = 1, rc;
  lua_Integer written = 0, total = 0;
  if (m > INT_MAX) return fail(e, "__order list too long", NULL);
  order_set os = {.order = order, .m = (int)m};
  if (m <= (size_t)(ORDER_KEYS - base)) {   /* take a slice of the pool */
    os.keys = e->keys + base;
    e->nkeys += (int)m;
  }
  rc = putc1(e, '{');
  if (rc == LG_OK) rc = put_named(e, idx, &os, &first, &written);
  if (rc == LG_OK) {
    /* Usually the order names every key: count them and skip the membership pass. */
    lua_pushnil(L);
    while (lua_next(L, idx)) { lua_pop(L, 1); total++; }
    if (total > written) rc = put_pairs(e, idx, &first, in_order, &os);
  }
  if (rc == LG_OK) rc = putc1(e, '}');
  e->nkeys = base;                          /* give the slice back */
  return rc;
}

/* Writes the table at idx, choosing array/ordered object/plain by its metatable. */
static int put_table(enc *e, int idx) {
  lua_State *L = e->L;
  int rc;
  if (++e->depth > MAX_DEPTH || !lua_checkstack(L, 8))
    return fail(e, "nesting too deep (cycle?)", NULL);
  if (!lua_getmetatable(L, idx)) {
    rc = put_plain(e, idx);
  } else if (lua_rawequal(L, -1, e->mt)) {            /* ... mt */
    rc = put_array(e, idx, (lua_Integer)lua_rawlen(L, idx));
    lua_pop(L, 1);
  } else {
    lua_pushliteral(L, "__order");
    if (lua_rawget(L, -2) == LUA_TTABLE)              /* ... mt order */
      rc = put_ordered(e, idx, lua_gettop(L));
    else
      rc = put_plain(e, idx);
    lua_pop(L, 2);
  }
  e->depth--;
  return rc;
}

/* }====================== */

/* Appends the value at absolute stack index idx. Leaves the stack balanced on LG_OK;
 * on LG_ERR the caller (lg_json_encode) restores it. */
static int encode_value(enc *e, int idx) {
  lua_State *L = e->L;
  switch (lua_type(L, idx)) {
    case LUA_TNIL:
      return put(e, "null", 4);
    case LUA_TBOOLEAN:
      return lua_toboolean(L, idx) ? put(e, "true", 4) : put(e, "false", 5);
    case LUA_TNUMBER:
      return put_number(e, idx);
    case LUA_TSTRING: {
      size_t n;
      const char *s = lua_tolstring(L, idx, &n);
      return put_string(e, s, n);
    }
    case LUA_TTABLE:
      return put_table(e, idx);
    case LUA_TLIGHTUSERDATA:
      if (lua_touserdata(L, idx) == NULL) return put(e, "null", 4);   /* json null */
      return fail(e, "cannot encode a ", luaL_typename(L, idx));
    default:
      return fail(e, "cannot encode a ", luaL_typename(L, idx));
  }
}

int lg_json_encode(lua_State *L, int idx, lg_buf *out, char *err, size_t errlen) {
  int top = lua_gettop(L);
  size_t len0 = out->len;
  keyref keys[ORDER_KEYS];
  enc e = {.L = L, .out = out, .err = err, .errlen = errlen, .keys = keys};
  idx = lua_absindex(L, idx);
  if (lua_type(L, idx) == LUA_TTABLE) {
    if (!lua_checkstack(L, 8)) return fail(&e, "nesting too deep (cycle?)", NULL);
    lg_json_push_array_mt(L);                         /* ... mt */
    e.mt = lua_gettop(L);
  }
  int rc = encode_value(&e, idx);
  lua_settop(L, top);
  if (rc != LG_OK) out->len = len0;                   /* never leave half a document behind */
  if (out->data != NULL) out->data[out->len] = '\0';  /* need() always left room for it */
  return rc;
}
