/* Strict RFC 8259 JSON -> Lua values, in one pass over the input (see json.h).
 * Error messages and offsets follow Python's json module, so FastAPI clients see what they know.
 * This file uses only the official API of Lua and libc. */
#include "core/json.h"
#include "core/utf8.h"
#include "util/common.h"

#include <float.h>
#include <lauxlib.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Why a cap on top of max_depth: every level costs a parse_value frame (about 160 bytes at
 * -O2), and a caller passing INT_MAX must not let 1 MB of '[' overflow a worker thread's C
 * stack. 4096 levels stay under 1 MB; no real document comes close. */
#define DEPTH_CAP 4096

/* Lua stack slots one container level may use: table, key, value, luaL_Buffer box + spare. */
#define SLOTS_PER_LEVEL 6

/* Initial sizes of non-empty containers. Each rehash on the way up (0 -> 1 -> 2 -> 4 -> 8)
 * costs more than these few slots: sizing objects for 8 keys cut the decode time of a typical
 * 5-field request body by about a fifth. Bigger containers still grow by doubling. */
#define OBJECT_HINT 8
#define ARRAY_HINT 4

typedef struct dec {
  lua_State *L;
  const unsigned char *p;      /* cursor: next unread byte */
  const unsigned char *start;  /* buf[0], for error offsets */
  const unsigned char *end;    /* one past the last byte */
  int depth;                   /* containers currently open */
  int max_depth;
  int mt;                      /* stack index of the array metatable (0 = not pushed) */
  int keep_order;              /* objects get a metatable {__order = {keys}} */
  lg_json_error *err;
} dec;

/* {====================== Character classes ====================== */

/* JSON whitespace: space, \t, \n, \r, nothing else (no \f, no \v, no U+00A0). */
static const unsigned char ws_tab[256] = {
  ['\t'] = 1, ['\n'] = 1, ['\r'] = 1, [' '] = 1,
};

/* Bytes that end a run of plain string bytes: '"', '\\', control characters (< 0x20,
 * rejected) and non-ASCII lead bytes (validated as UTF-8). 0x7F is plain (RFC 8259 allows it). */
#define X16 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1
static const unsigned char str_stop[256] = {
  X16, X16,                              /* 0x00..0x1F */
  ['"'] = 1, ['\\'] = 1,
  [0x80] = X16, X16, X16, X16, X16, X16, X16, X16,   /* 0x80..0xFF */
};
#undef X16

static inline const unsigned char *skip_ws(const unsigned char *p, const unsigned char *end) {
  while (p < end && ws_tab[*p]) p++;
  return p;
}

static inline int is_digit(unsigned c) { return c - '0' < 10u; }

/* }====================== */

/* Records the first error; always returns LG_ERR so callers can `return fail(...)`. */
static int fail(dec *d, const unsigned char *at, const char *msg) {
  d->err->offset = (size_t)(at - d->start);
  snprintf(d->err->msg, sizeof d->err->msg, "%s", msg);
  return LG_ERR;
}

static int parse_value(dec *d);

/* {====================== Strings ====================== */

static int hex4(const unsigned char *p, unsigned *out) {
  unsigned v = 0;
  for (int i = 0; i < 4; i++) {
    unsigned c = p[i], x;
    if (is_digit(c)) x = c - '0';
    else if ((c | 0x20) - 'a' < 6u) x = (c | 0x20) - 'a' + 10;
    else return LG_ERR;
    v = v << 4 | x;
  }
  *out = v;
  return LG_OK;
}

/* Decodes the \u escape at p (p[0] == '\\', p[1] == 'u'), including a following low
 * surrogate escape. Stores the code point and returns the end of the escape(s), or NULL
 * after fail(). Lone or mis-paired surrogates are refused: the result must be valid UTF-8. */
static const unsigned char *unicode_escape(dec *d, const unsigned char *p, unsigned *cp) {
  unsigned hi, lo;
  if (d->end - (p + 2) < 4 || hex4(p + 2, &hi) != LG_OK) {
    fail(d, p + 1, "Invalid \\uXXXX escape");   /* offset of the 'u', as Python reports */
    return NULL;
  }
  if (hi < 0xD800 || hi > 0xDFFF) { *cp = hi; return p + 6; }
  if (hi >= 0xDC00 || d->end - (p + 6) < 2 || p[6] != '\\' || p[7] != 'u') {
    fail(d, p, "Lone surrogate in \\u escape");
    return NULL;
  }
  if (d->end - (p + 8) < 4 || hex4(p + 8, &lo) != LG_OK) {
    fail(d, p + 7, "Invalid \\uXXXX escape");
    return NULL;
  }
  if (lo < 0xDC00 || lo > 0xDFFF) {
    fail(d, p, "Lone surrogate in \\u escape");
    return NULL;
  }
  *cp = 0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00);
  return p + 12;
}

static void add_utf8(luaL_Buffer *b, unsigned cp) {
  char u[4];
  size_t n;
  if (cp < 0x80) { u[0] = (char)cp; n = 1; }
  else if (cp < 0x800) { u[0] = (char)(0xC0 | cp >> 6); u[1] = (char)(0x80 | (cp & 0x3F)); n = 2; }
  else if (cp < 0x10000) {
    u[0] = (char)(0xE0 | cp >> 12); u[1] = (char)(0x80 | (cp >> 6 & 0x3F));
    u[2] = (char)(0x80 | (cp & 0x3F)); n = 3;
  } else {
    u[0] = (char)(0xF0 | cp >> 18); u[1] = (char)(0x80 | (cp >> 12 & 0x3F));
    u[2] = (char)(0x80 | (cp >> 6 & 0x3F)); u[3] = (char)(0x80 | (cp & 0x3F)); n = 4;
  }
  luaL_addlstring(b, u, n);
}

/* Decodes the escape at p (p[0] == '\\') into b. Returns the byte after it, or NULL after fail(). */
static const unsigned char *add_escape(dec *d, luaL_Buffer *b, const unsigned char *p,
                                       const unsigned char *quote) {
  if (d->end - p < 2) {
    fail(d, quote, "Unterminated string starting at");
    return NULL;
  }
  char c;
  switch (p[1]) {
    case '"': c = '"'; break;
    case '\\': c = '\\'; break;
    case '/': c = '/'; break;
    case 'b': c = '\b'; break;
    case 'f': c = '\f'; break;
    case 'n': c = '\n'; break;
    case 'r': c = '\r'; break;
    case 't': c = '\t'; break;
    case 'u': {
      unsigned cp;
      const unsigned char *next = unicode_escape(d, p, &cp);
      if (next != NULL) add_utf8(b, cp);
      return next;
    }
    default:
      fail(d, p, "Invalid \\escape");
      return NULL;
  }
  luaL_addchar(b, c);
  return p + 2;
}

/* Slow path of parse_string, entered at the first backslash p: builds the value in a
 * luaL_Buffer (its first 1 KB lives on the C stack; beyond that Lua owns the memory, so a
 * longjmp on out-of-memory leaks nothing). run..p is the plain text seen so far. */
static int parse_escaped(dec *d, const unsigned char *quote, const unsigned char *run,
                         const unsigned char *p) {
  const unsigned char *end = d->end;
  luaL_Buffer b;
  luaL_buffinit(d->L, &b);                               /* ... placeholder */
  for (;;) {
    while (p < end && !str_stop[*p]) p++;
    if (p == end) return fail(d, quote, "Unterminated string starting at");
    if (*p >= 0x80) {
      const unsigned char *next = lg_utf8_next(p, end);
      if (next == NULL) return fail(d, p, "Invalid UTF-8");
      p = next;
      continue;
    }
    luaL_addlstring(&b, (const char *)run, (size_t)(p - run));
    if (*p == '"') break;
    if (*p != '\\') return fail(d, p, "Invalid control character at");
    if ((p = add_escape(d, &b, p, quote)) == NULL) return LG_ERR;
    run = p;
  }
  luaL_pushresult(&b);                                   /* ... string */
  d->p = p + 1;
  return LG_OK;
}

/* Pushes the string whose opening quote is at d->p. Strings without escapes (the usual
 * case) are scanned in a tight loop and pushed straight from the input. */
static int parse_string(dec *d) {
  const unsigned char *quote = d->p, *p = quote + 1, *run = p, *end = d->end;
  for (;;) {
    while (p < end && !str_stop[*p]) p++;
    if (p == end) return fail(d, quote, "Unterminated string starting at");
    if (*p == '"') break;
    if (*p >= 0x80) {
      const unsigned char *next = lg_utf8_next(p, end);
      if (next == NULL) return fail(d, p, "Invalid UTF-8");
      p = next;
      continue;
    }
    if (*p == '\\') return parse_escaped(d, quote, run, p);
    return fail(d, p, "Invalid control character at");
  }
  lua_pushlstring(d->L, (const char *)run, (size_t)(p - run));
  d->p = p + 1;
  return LG_OK;
}

/* }====================== */

/* {====================== Numbers ====================== */

const double lg_json_pow10[23] = {
  1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
  1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
};

/* A scanned number literal: value = (neg ? -1 : 1) * m * 10^exp10, when m is exact. */
typedef struct numlit {
  uint64_t m;        /* first 19 significant digits */
  int64_t exp10;     /* decimal exponent applied to m (exponent part minus fraction digits) */
  int neg;
  int is_int;        /* no fraction, no exponent */
  int inexact;       /* more than 19 significant digits: m is truncated */
} numlit;

/* Correctly rounded conversion by glibc strtod. The input is not NUL-terminated, so copy
 * the literal: to the C stack when short, else to a Lua string (no malloc to leak on a
 * longjmp). Assumes LC_NUMERIC is "C", as in any process that never calls setlocale. */
static double slow_strtod(dec *d, const unsigned char *s, size_t n) {
  char tmp[64];
  if (n < sizeof tmp) {
    memcpy(tmp, s, n);
    tmp[n] = '\0';
    return strtod(tmp, NULL);
  }
  lua_pushlstring(d->L, (const char *)s, n);             /* ... literal */
  double v = strtod(lua_tostring(d->L, -1), NULL);
  lua_pop(d->L, 1);
  return v;
}

/* Scans digits of the fraction (the dot already consumed) into *n. */
static const unsigned char *scan_fraction(const unsigned char *p, const unsigned char *end,
                                          numlit *n, int *sig) {
  for (; p < end && is_digit(*p); p++) {
    unsigned dg = *p - '0';
    if (n->m == 0 && dg == 0) { n->exp10--; continue; }   /* leading zero: scale only */
    if (*sig < 19) { n->m = n->m * 10 + dg; n->exp10--; (*sig)++; }
    else n->inexact = 1;
  }
  return p;
}

/* Scans an exponent part at p ('e' or 'E'). A malformed one ("1e", "1e+") is not
 * consumed, so the caller reports the 'e' as extra data, as Python does. */
static const unsigned char *scan_exponent(const unsigned char *p, const unsigned char *end,
                                          numlit *n) {
  const unsigned char *q = p + 1;
  int neg = 0;
  int64_t e = 0;
  if (q < end && (*q == '+' || *q == '-')) neg = *q++ == '-';
  if (q == end || !is_digit(*q)) return p;
  for (; q < end && is_digit(*q); q++)
    if (e < 1000000) e = e * 10 + (*q - '0');   /* beyond this, only the sign matters */
  n->exp10 += neg ? -e : e;
  n->is_int = 0;
  return q;
}

/* Scans the literal at d->p into *n and returns its end, or NULL after fail().
 * Grammar: -? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)? */
static const unsigned char *scan_number(dec *d, numlit *n) {
  const unsigned char *p = d->p, *end = d->end;
  int sig = 0;
  memset(n, 0, sizeof *n);
  n->is_int = 1;
  if (*p == '-') { n->neg = 1; p++; }
  if (p == end || !is_digit(*p)) { fail(d, d->p, "Expecting value"); return NULL; }
  if (*p == '0') p++;                     /* "01" ends after the 0; the 1 is then extra data */
  else
    for (; p < end && is_digit(*p); p++) {
      if (sig < 19) { n->m = n->m * 10 + (*p - '0'); sig++; }
      else { n->inexact = 1; n->exp10++; }
    }
  if (end - p >= 2 && *p == '.' && is_digit(p[1])) {
    n->is_int = 0;
    p = scan_fraction(p + 1, end, n, &sig);
  }
  if (p < end && (*p | 0x20) == 'e') p = scan_exponent(p, end, n);
  return p;
}

/* Pushes the number at d->p: an integer if the literal is one and fits int64, else a
 * correctly rounded float; a literal that overflows a double is refused. */
static int parse_number(dec *d) {
  numlit n;
  const unsigned char *start = d->p, *p = scan_number(d, &n);
  if (p == NULL) return LG_ERR;
  d->p = p;
  if (n.is_int && !n.inexact && n.m <= (uint64_t)INT64_MAX + n.neg) {
    /* -m in unsigned arithmetic, so -9223372036854775808 needs no signed overflow */
    lua_pushinteger(d->L, (lua_Integer)(n.neg ? 0 - n.m : n.m));
    return LG_OK;
  }
  double v;
  if (!n.inexact && n.m == 0) v = 0.0;
  else if (LG_JSON_CLINGER_OK && !n.inexact && n.m <= (1ull << 53) && n.exp10 >= -22 && n.exp10 <= 22)
    v = n.exp10 < 0 ? (double)n.m / lg_json_pow10[-n.exp10] : (double)n.m * lg_json_pow10[n.exp10];
  else {
    v = fabs(slow_strtod(d, start, (size_t)(p - start)));
    if (isinf(v)) return fail(d, start, "Number out of range");
  }
  lua_pushnumber(d->L, n.neg ? -v : v);
  return LG_OK;
}

/* }====================== */

/* {====================== Containers ====================== */

/* Enters one nesting level; fails past max_depth or when the Lua stack cannot grow. */
static int enter(dec *d) {
  if (++d->depth > d->max_depth || !lua_checkstack(d->L, SLOTS_PER_LEVEL))
    return fail(d, d->p, "Maximum nesting depth exceeded");
  return LG_OK;
}

/* Pushes the array at d->p ('['): a table with the array metatable. */
static int parse_array(dec *d) {
  lua_State *L = d->L;
  if (enter(d) != LG_OK) return LG_ERR;
  const unsigned char *p = skip_ws(d->p + 1, d->end);
  lua_createtable(L, p < d->end && *p == ']' ? 0 : ARRAY_HINT, 0);   /* ... array */
  lua_pushvalue(L, d->mt);
  lua_setmetatable(L, -2);
  if (p < d->end && *p == ']') goto done;
  for (lua_Integer i = 1;; i++) {
    d->p = p;
    if (parse_value(d) != LG_OK) return LG_ERR;       /* ... array value */
    lua_rawseti(L, -2, i);                            /* array[i] = value */
    p = skip_ws(d->p, d->end);
    if (p < d->end && *p == ']') break;
    if (p == d->end || *p != ',') return fail(d, p, "Expecting ',' delimiter");
    p = skip_ws(p + 1, d->end);
  }
done:
  d->p = p + 1;
  d->depth--;
  return LG_OK;
}

/* Parses `"key" : value` at p, leaving key and value pushed. */
static int parse_member(dec *d, const unsigned char *p) {
  if (p == d->end || *p != '"')
    return fail(d, p, "Expecting property name enclosed in double quotes");
  d->p = p;
  if (parse_string(d) != LG_OK) return LG_ERR;        /* ... key */
  p = skip_ws(d->p, d->end);
  if (p == d->end || *p != ':') return fail(d, p, "Expecting ':' delimiter");
  d->p = skip_ws(p + 1, d->end);
  return parse_value(d);                              /* ... key value */
}

/* Pushes the object at d->p ('{') as a plain table; a repeated key keeps its last value.
 * With keep_order, the table gets a metatable whose __order lists the keys in the order
 * they first appear (json_encode writes them in that order). */
static int parse_object(dec *d) {
  lua_State *L = d->L;
  if (enter(d) != LG_OK) return LG_ERR;
  const unsigned char *p = skip_ws(d->p + 1, d->end);
  int empty = p < d->end && *p == '}';
  lua_createtable(L, 0, empty ? 0 : OBJECT_HINT);     /* ... object */
  int obj = lua_gettop(L), keys = 0;
  lua_Integer nkeys = 0;
  if (d->keep_order) {
    lua_createtable(L, empty ? 0 : OBJECT_HINT, 0);   /* ... object keys */
    keys = lua_gettop(L);
  }
  if (empty) goto done;
  for (;;) {
    if (parse_member(d, p) != LG_OK) return LG_ERR;   /* ... object [keys] key value */
    if (keys) {
      lua_pushvalue(L, -2);
      if (lua_rawget(L, obj) == LUA_TNIL) {           /* a new key: note its place */
        lua_pushvalue(L, -3);
        lua_rawseti(L, keys, ++nkeys);                /* keys[n] = key */
      }
      lua_pop(L, 1);
    }
    lua_rawset(L, obj);                               /* object[key] = value */
    p = skip_ws(d->p, d->end);
    if (p < d->end && *p == '}') break;
    if (p == d->end || *p != ',') return fail(d, p, "Expecting ',' delimiter");
    p = skip_ws(p + 1, d->end);
  }
done:
  if (keys) {
    lua_createtable(L, 0, 1);                         /* ... object keys mt */
    lua_insert(L, -2);                                /* ... object mt keys */
    lua_setfield(L, -2, "__order");                   /* mt.__order = keys */
    lua_setmetatable(L, obj);                         /* ... object */
  }
  d->p = p + 1;
  d->depth--;
  return LG_OK;
}

/* }====================== */

/* Matches the literal word w (true/false/null) at d->p. */
static int literal(dec *d, const char *w, size_t n) {
  if ((size_t)(d->end - d->p) < n || memcmp(d->p, w, n) != 0)
    return fail(d, d->p, "Expecting value");
  d->p += n;
  return LG_OK;
}

/* Pushes the value at d->p (whitespace already skipped). */
static int parse_value(dec *d) {
  if (d->p == d->end) return fail(d, d->p, "Expecting value");
  switch (*d->p) {
    case '"': return parse_string(d);
    case '{': return parse_object(d);
    case '[': return parse_array(d);
    case 't':
      if (literal(d, "true", 4) != LG_OK) return LG_ERR;
      lua_pushboolean(d->L, 1);
      return LG_OK;
    case 'f':
      if (literal(d, "false", 5) != LG_OK) return LG_ERR;
      lua_pushboolean(d->L, 0);
      return LG_OK;
    case 'n':
      if (literal(d, "null", 4) != LG_OK) return LG_ERR;
      lua_pushlightuserdata(d->L, NULL);              /* == cjson.null */
      return LG_OK;
    case '-': case '0': case '1': case '2': case '3': case '4':
    case '5': case '6': case '7': case '8': case '9':
      return parse_number(d);
    default:
      return fail(d, d->p, "Expecting value");
  }
}

void lg_json_push_array_mt(lua_State *L) {
  if (lua_getfield(L, LUA_REGISTRYINDEX, LG_JSON_ARRAY_MT) == LUA_TTABLE) return;
  lua_pop(L, 1);
  lua_createtable(L, 0, 1);                           /* ... mt */
  lua_pushliteral(L, "json.array");
  lua_setfield(L, -2, "__name");                      /* mt.__name = "json.array" */
  lua_pushvalue(L, -1);
  lua_setfield(L, LUA_REGISTRYINDEX, LG_JSON_ARRAY_MT);   /* registry[LG_JSON_ARRAY_MT] = mt */
}

/* Parses the whole text: one value, then only whitespace (or, with consumed, anything:
 * the end of the value is stored there). Leaves the value on top. */
static int parse_text(dec *d, size_t *consumed) {
  static const unsigned char bom[3] = {0xEF, 0xBB, 0xBF};
  if (consumed == NULL && d->end - d->p >= 3 && memcmp(d->p, bom, 3) == 0)
    return fail(d, d->p, "Unexpected UTF-8 BOM");
  d->p = skip_ws(d->p, d->end);
  if (d->p < d->end && (*d->p == '[' || *d->p == '{')) {
    /* one registry lookup per text instead of one per array */
    lg_json_push_array_mt(d->L);                      /* ... mt */
    d->mt = lua_gettop(d->L);
  }
  if (parse_value(d) != LG_OK) return LG_ERR;         /* ... [mt] value */
  if (consumed != NULL) {
    *consumed = (size_t)(d->p - d->start);
  } else {
    const unsigned char *p = skip_ws(d->p, d->end);
    if (p != d->end) return fail(d, p, "Extra data");
  }
  if (d->mt) lua_remove(d->L, d->mt);                 /* ... value */
  return LG_OK;
}

int lg_json_decode_opts(lua_State *L, const char *buf, size_t len, const lg_json_options *opts,
                        lg_json_error *err) {
  lg_json_error spare = {0};
  int top = lua_gettop(L);
  if (buf == NULL) buf = "";                          /* NULL + 0 is undefined behaviour */
  int max_depth = opts->max_depth;
  dec d = {
    .L = L,
    .p = (const unsigned char *)buf,
    .start = (const unsigned char *)buf,
    .end = (const unsigned char *)buf + len,
    .max_depth = max_depth < DEPTH_CAP ? max_depth : DEPTH_CAP,
    .keep_order = opts->keep_order,
    .err = err ? err : &spare,
  };
  if (!lua_checkstack(L, SLOTS_PER_LEVEL)) {
    fail(&d, d.p, "Maximum nesting depth exceeded");
    return LG_ERR;
  }
  if (parse_text(&d, opts->consumed) != LG_OK) {
    lua_settop(L, top);                               /* drop partial values */
    return LG_ERR;
  }
  return LG_OK;
}

int lg_json_decode(lua_State *L, const char *buf, size_t len, int max_depth,
                   lg_json_error *err) {
  lg_json_options opts = {.max_depth = max_depth};
  return lg_json_decode_opts(L, buf, len, &opts, err);
}
