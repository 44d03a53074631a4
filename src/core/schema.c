/* The validate-while-decoding fast path (see schema.h). It reads JSON the way
 * json_decode.c does and hands anything unusual (escaped strings, non-integer numbers,
 * values it does not validate itself) to lg_json_decode_opts, so both agree on every
 * byte; a doubt of any kind ends the run with LG_ERR and the Lua validators decide.
 * This file uses only the official API of Lua, libc and lakegate's core primitives. */
#include "core/schema.h"
#include "core/datetime.h"
#include "core/formats.h"
#include "core/json.h"
#include "core/utf8.h"
#include "util/common.h"

#include <lauxlib.h>
#include <stdlib.h>
#include <string.h>

/* Stack slots one nesting level may use: the container, a key, a value, a spare. */
#define SLOTS_PER_LEVEL 8
#define ARRAY_HINT 4

int (*const lg_schema_formats[])(const char *s, size_t n) = {
  lg_format_date, lg_format_time, lg_format_datetime, lg_format_uuid, lg_format_email,
  lg_format_ipv4, lg_format_ipv6, NULL,
};

typedef struct run {
  lua_State *L;
  const lg_schema *s;
  int consts;                       /* stack index of the constants table */
  const unsigned char *p;           /* cursor */
  const unsigned char *end;
  int depth, max_depth;
  int out;                          /* stack index of the record being built (0: none) */
} run;

static int value(run *r, int node);

/* {====================== tokens ====================== */

/* JSON whitespace: space, \t, \n, \r. */
static const unsigned char ws_tab[256] = {['\t'] = 1, ['\n'] = 1, ['\r'] = 1, [' '] = 1};

/* Bytes that end a run of plain string bytes: '"', '\\', control characters, non-ASCII. */
#define X16 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1
static const unsigned char str_stop[256] = {
  X16, X16, ['"'] = 1, ['\\'] = 1, [0x80] = X16, X16, X16, X16, X16, X16, X16, X16,
};
#undef X16

static inline void skip_ws(run *r) {
  while (r->p < r->end && ws_tab[*r->p]) r->p++;
}

static inline int peek(run *r) {
  skip_ws(r);
  return r->p < r->end ? *r->p : -1;
}

/* Decodes the value at r->p with the full decoder (ordered objects) and pushes it. */
static int decode_here(run *r) {
  size_t consumed;
  lg_json_options opts = {
    .max_depth = r->max_depth - r->depth, .keep_order = 1, .consumed = &consumed,
  };
  if (opts.max_depth <= 0) return LG_ERR;
  if (lg_json_decode_opts(r->L, (const char *)r->p, (size_t)(r->end - r->p), &opts, NULL) != LG_OK)
    return LG_ERR;
  r->p += consumed;
  return LG_OK;
}

/* The string at r->p: *s and *n are its content, *cp its code points. An escaped string is
 * decoded by the full decoder and left pushed (*pushed = 1); a plain one is read in place. */
static int string_token(run *r, const char **s, size_t *n, long *cp, int *pushed) {
  const unsigned char *p = r->p + 1, *start = p, *end = r->end;
  long count = 0;
  *pushed = 0;
  for (;;) {
    const unsigned char *q = p;
    while (q < end && !str_stop[*q]) q++;
    count += q - p;
    p = q;
    if (p == end) return LG_ERR;
    if (*p == '"') break;
    if (*p >= 0x80) {
      if ((p = lg_utf8_next(p, end)) == NULL) return LG_ERR;
      count++;
      continue;
    }
    if (*p != '\\') return LG_ERR;                  /* a raw control character */
    if (decode_here(r) != LG_OK) return LG_ERR;     /* ... string */
    *s = lua_tolstring(r->L, -1, n);
    *cp = lg_utf8_len(*s, *n);
    *pushed = 1;
    return LG_OK;
  }
  *s = (const char *)start;
  *n = (size_t)(p - start);
  *cp = count;
  r->p = p + 1;
  return LG_OK;
}

static inline int is_digit(int c) { return (unsigned)(c - '0') < 10u; }

/* The number at r->p. Plain integers of up to 18 digits and decimals that Clinger's fast
 * path converts exactly (m <= 2^53, |exponent| <= 22) are
 * read here, with the decoder's arithmetic; anything else goes through the decoder. */
static int number_token(run *r, lua_Integer *i, double *d, int *is_int) {
  const unsigned char *p = r->p, *end = r->end;
  int neg = p < end && *p == '-';
  if (neg) p++;
  const unsigned char *digits = p;
  uint64_t m = 0;
  int64_t exp10 = 0;
  if (p < end && *p == '0') {
    p++;
  } else {
    while (p < end && is_digit(*p) && p - digits < 18) m = m * 10 + (uint64_t)(*p++ - '0');
  }
  if (p == digits || (p < end && is_digit(*p))) goto slow;
  if (p == end || (*p != '.' && (*p | 0x20) != 'e')) {
    *i = neg ? -(lua_Integer)m : (lua_Integer)m;
    *is_int = 1;
    r->p = p;
    return LG_OK;
  }
  int sig = m ? (int)(p - digits) : 0;
  if (*p == '.') {
    p++;
    if (p == end || !is_digit(*p)) goto slow;
    for (; p < end && is_digit(*p); p++) {
      if (m == 0 && *p == '0') { exp10--; continue; }
      if (++sig > 18) goto slow;
      m = m * 10 + (uint64_t)(*p - '0');
      exp10--;
    }
  }
  if (p < end && (*p | 0x20) == 'e') {
    p++;
    int eneg = p < end && *p == '-';
    if (p < end && (*p == '+' || *p == '-')) p++;
    if (p == end || !is_digit(*p)) goto slow;
    int64_t e = 0;
    for (; p < end && is_digit(*p); p++) if (e < 1000) e = e * 10 + (*p - '0');
    exp10 += eneg ? -e : e;
  }
  if (!LG_JSON_CLINGER_OK || m > (UINT64_C(1) << 53) || exp10 < -22 || exp10 > 22) goto slow;
  double v = m == 0 ? 0.0 : exp10 < 0 ? (double)m / lg_json_pow10[-exp10] : (double)m * lg_json_pow10[exp10];
  *d = neg ? -v : v;
  *is_int = 0;
  r->p = p;
  return LG_OK;
slow:
  if (decode_here(r) != LG_OK) return LG_ERR;        /* ... number */
  if (lua_type(r->L, -1) != LUA_TNUMBER) return LG_ERR;
  *is_int = lua_isinteger(r->L, -1);
  if (*is_int) *i = lua_tointeger(r->L, -1);
  else *d = lua_tonumber(r->L, -1);
  lua_pop(r->L, 1);
  return LG_OK;
}

static int literal(run *r, const char *word, size_t n) {
  if ((size_t)(r->end - r->p) < n || memcmp(r->p, word, n) != 0) return LG_ERR;
  r->p += n;
  return LG_OK;
}

static int enter(run *r) {
  if (++r->depth > r->max_depth || !lua_checkstack(r->L, SLOTS_PER_LEVEL)) return LG_ERR;
  return LG_OK;
}

/* }====================== */

/* {====================== scalars ====================== */

static int string_node(run *r, const lg_snode *n) {
  const char *s;
  size_t len;
  long cp;
  int pushed;
  if (peek(r) != '"' || string_token(r, &s, &len, &cp, &pushed) != LG_OK) return LG_ERR;
  if (cp < 0 || (n->min >= 0 && cp < n->min) || (n->max >= 0 && cp > n->max)) return LG_ERR;
  if (n->re && lg_regex_search(n->re, s, len, 1) != 1) return LG_ERR;
  if (n->format >= 0 && !lg_schema_formats[n->format](s, len)) return LG_ERR;
  if (!pushed) lua_pushlstring(r->L, s, len);
  return LG_OK;
}

static int integer_node(run *r, const lg_snode *n) {
  lua_Integer i;
  double d;
  int is_int, c = peek(r);
  if (c != '-' && (c < '0' || c > '9')) return LG_ERR;
  if (number_token(r, &i, &d, &is_int) != LG_OK || !is_int) return LG_ERR;
  uint8_t b = n->bounds;
  if (b) {
    if ((b & LG_SB_MUL) && i % n->imul != 0) return LG_ERR;
    if ((b & LG_SB_LE) && !(i <= n->ile)) return LG_ERR;
    if ((b & LG_SB_LT) && !(i < n->ilt)) return LG_ERR;
    if ((b & LG_SB_GE) && !(i >= n->ige)) return LG_ERR;
    if ((b & LG_SB_GT) && !(i > n->igt)) return LG_ERR;
  }
  lua_pushinteger(r->L, i);
  return LG_OK;
}

/* Integers past 2^53 would compare inexactly as doubles: leave them to Lua. */
#define EXACT_DOUBLE_INT (INT64_C(1) << 53)

static int number_node(run *r, const lg_snode *n) {
  lua_Integer i = 0;
  double d = 0;
  int is_int, c = peek(r);
  if (c != '-' && (c < '0' || c > '9')) return LG_ERR;
  if (number_token(r, &i, &d, &is_int) != LG_OK) return LG_ERR;
  uint8_t b = n->bounds;
  if (is_int) {
    if (b && (i > EXACT_DOUBLE_INT || i < -EXACT_DOUBLE_INT)) return LG_ERR;
    d = (double)i;
  }
  if (b) {
    if ((b & LG_SB_LE) && !(d <= n->dle)) return LG_ERR;
    if ((b & LG_SB_LT) && !(d < n->dlt)) return LG_ERR;
    if ((b & LG_SB_GE) && !(d >= n->dge)) return LG_ERR;
    if ((b & LG_SB_GT) && !(d > n->dgt)) return LG_ERR;
  }
  if (is_int && !(n->flags & LG_SF_AS_FLOAT)) lua_pushinteger(r->L, i);
  else lua_pushnumber(r->L, d);
  return LG_OK;
}

static int boolean_node(run *r) {
  int c = peek(r);
  if (c == 't' && literal(r, "true", 4) == LG_OK) { lua_pushboolean(r->L, 1); return LG_OK; }
  if (c == 'f' && literal(r, "false", 5) == LG_OK) { lua_pushboolean(r->L, 0); return LG_OK; }
  return LG_ERR;
}

static int enum_node(run *r, const lg_snode *n) {
  const lg_smember *m = r->s->members + n->first;
  int c = peek(r);
  if (c == '"') {
    const char *s;
    size_t len;
    long cp;
    int pushed;
    if (string_token(r, &s, &len, &cp, &pushed) != LG_OK) return LG_ERR;
    for (int k = 0; k < n->count; k++) {
      if (m[k].s && m[k].len == len && memcmp(m[k].s, s, len) == 0) {
        if (pushed) lua_pop(r->L, 1);
        lua_rawgeti(r->L, r->consts, m[k].konst);     /* the interned member */
        return LG_OK;
      }
    }
    return LG_ERR;
  }
  if (c == '-' || (c >= '0' && c <= '9')) {
    lua_Integer i;
    double d;
    int is_int;
    if (number_token(r, &i, &d, &is_int) != LG_OK || !is_int) return LG_ERR;
    for (int k = 0; k < n->count; k++) {
      if (!m[k].s && m[k].i == i) {
        lua_rawgeti(r->L, r->consts, m[k].konst);
        return LG_OK;
      }
    }
  }
  return LG_ERR;
}

/* Datetimes, dates, times and UUIDs: parsed by the same primitives the Lua validators
 * use, and pushed in the same canonical text. */
static int temporal_node(run *r, const lg_snode *n) {
  const char *s;
  size_t len;
  long cp;
  int pushed;
  char out[LG_DT_TEXT_MAX];
  int k = 0;
  if (peek(r) != '"' || string_token(r, &s, &len, &cp, &pushed) != LG_OK) return LG_ERR;
  if (n->kind == LG_SK_DATETIME) {
    lg_datetime dt;
    if (lg_datetime_parse(s, len, &dt) != LG_DT_OK) return LG_ERR;
    if ((n->flags & LG_SF_AWARE) && !dt.time.has_tz) return LG_ERR;
    if ((n->flags & LG_SF_NAIVE) && dt.time.has_tz) return LG_ERR;
    if (lg_datetime_to_utc(&dt) != LG_DT_OK) return LG_ERR;
    k = lg_datetime_format(&dt, out);
  } else if (n->kind == LG_SK_DATE) {
    lg_date d;
    if (lg_date_parse(s, len, &d) != LG_DT_OK) return LG_ERR;
    k = lg_date_format(&d, out);
  } else if (n->kind == LG_SK_TIME) {
    lg_time t;
    if (lg_time_parse(s, len, &t) != LG_DT_OK) return LG_ERR;
    k = lg_time_format(&t, out);
  } else {
    uint8_t u[16];
    char err[LG_ERRLEN];
    if (lg_uuid_parse(s, len, u, err, sizeof err) != LG_OK) return LG_ERR;
    if (n->version && lg_uuid_version(u) != n->version) return LG_ERR;
    lg_uuid_format(u, out);
    k = 36;
  }
  if (pushed) lua_pop(r->L, 1);
  lua_pushlstring(r->L, out, (size_t)k);
  return LG_OK;
}

/* }====================== */

/* {====================== containers ====================== */

static int array_node(run *r, const lg_snode *n) {
  lua_State *L = r->L;
  if (peek(r) != '[' || enter(r) != LG_OK) return LG_ERR;
  r->p++;
  int empty = peek(r) == ']';
  lua_createtable(L, empty ? 0 : ARRAY_HINT, 0);                 /* ... array */
  lua_rawgeti(L, r->consts, r->s->array_mt);
  lua_setmetatable(L, -2);
  lua_Integer count = 0;
  if (!empty) {
    for (;;) {
      if (++count > n->max && n->max >= 0) return LG_ERR;
      if (value(r, n->child) != LG_OK) return LG_ERR;            /* ... array item */
      lua_rawseti(L, -2, count);
      int c = peek(r);
      if (c == ']') break;
      if (c != ',') return LG_ERR;
      r->p++;
    }
  }
  r->p++;
  if (n->min >= 0 && count < n->min) return LG_ERR;
  r->depth--;
  return LG_OK;
}

/* Objects with free keys (model.map): keys are strings, values of one type. */
static int map_node(run *r, const lg_snode *n) {
  lua_State *L = r->L;
  if (peek(r) != '{' || enter(r) != LG_OK) return LG_ERR;
  r->p++;
  int empty = peek(r) == '}';
  lua_createtable(L, 0, empty ? 0 : 4);                         /* ... map */
  int map = lua_gettop(L);
  lua_createtable(L, empty ? 0 : 4, 0);                         /* ... map keys */
  lua_Integer count = 0;
  if (!empty) {
    for (;;) {
      const char *s;
      size_t len;
      long cp;
      int pushed;
      if (peek(r) != '"' || string_token(r, &s, &len, &cp, &pushed) != LG_OK) return LG_ERR;
      if (!pushed) lua_pushlstring(L, s, len);                  /* ... map keys key */
      lua_pushvalue(L, -1);
      if (lua_rawget(L, map) != LUA_TNIL) return LG_ERR;        /* a duplicate key */
      lua_pop(L, 1);
      if (peek(r) != ':') return LG_ERR;
      r->p++;
      if (n->max >= 0 && count + 1 > n->max) return LG_ERR;
      lua_pushvalue(L, -1);
      lua_rawseti(L, map + 1, ++count);                          /* keys[n] = key */
      if (value(r, n->child) != LG_OK) return LG_ERR;            /* ... map keys key value */
      lua_rawset(L, map);
      int c = peek(r);
      if (c == '}') break;
      if (c != ',') return LG_ERR;
      r->p++;
    }
  }
  r->p++;
  if (n->min >= 0 && count < n->min) return LG_ERR;
  lua_createtable(L, 0, 1);                                     /* ... map keys mt */
  lua_insert(L, -2);
  lua_setfield(L, -2, "__order");
  lua_setmetatable(L, map);                                     /* ... map */
  r->depth--;
  return LG_OK;
}

/* A deep copy of the value on top (a table default), replacing it. */
static void copy_top(lua_State *L) {
  if (lua_type(L, -1) != LUA_TTABLE) return;
  luaL_checkstack(L, 6, "default too deep");
  int src = lua_gettop(L);
  lua_newtable(L);                                              /* ... src dst */
  lua_pushnil(L);
  while (lua_next(L, src)) {                                    /* ... src dst k v */
    copy_top(L);
    lua_pushvalue(L, -2);
    lua_insert(L, -2);                                          /* ... src dst k k v */
    lua_rawset(L, src + 1);
  }
  if (lua_getmetatable(L, src)) lua_setmetatable(L, src + 1);
  lua_remove(L, src);                                           /* ... dst */
}

/* The field whose input key is s[0..len), searched from *hint (inputs usually follow the
 * declaration order, so the first comparison usually hits). Returns its index or -1. */
static int find_field(const lg_schema *sc, const lg_snode *n, const char *s, size_t len, int *hint) {
  const lg_sfield *f = sc->fields + n->first;
  for (int k = 0; k < n->count; k++) {
    int j = *hint + k;
    if (j >= n->count) j -= n->count;
    if (f[j].key_len == len && memcmp(f[j].key, s, len) == 0) {
      *hint = j + 1 < n->count ? j + 1 : 0;
      return j;
    }
  }
  return -1;
}

/* Gives field f of a record (at stack index out) what the input left out: its default, its
 * factory's value, or nothing (optional). LG_ERR for a required field. */
static int fill_missing(run *r, const lg_sfield *f, int out) {
  lua_State *L = r->L;
  switch (f->missing) {
    case LG_SM_REQUIRED:
      return LG_ERR;
    case LG_SM_OPTIONAL:
      return LG_OK;
    case LG_SM_FACTORY:
      lua_rawgeti(L, r->consts, f->name);
      lua_rawgeti(L, r->consts, f->dflt);
      if (lua_pcall(L, 0, 1, 0) != LUA_OK || lua_isnil(L, -1)) return LG_ERR;
      break;
    default:
      lua_rawgeti(L, r->consts, f->name);
      lua_rawgeti(L, r->consts, f->dflt);
      if (f->missing == LG_SM_COPY) copy_top(L);
      break;
  }
  lua_rawset(L, out);
  return LG_OK;
}

/* A field validator sees the fields declared before it (info.data), as the Lua validators
 * build the record field by field. Before running field j's, give the earlier fields the
 * input left out their defaults now (*filled); refuse when a later field or an extra key
 * (extras) came first. */
static int prepare_data(run *r, const lg_snode *n, int j, uint64_t seen, uint64_t *filled, int out,
                        int extras) {
  if (extras || (j < 63 && (seen >> (j + 1)) != 0)) return LG_ERR;
  for (int k = 0; k < j; k++) {
    uint64_t bit = UINT64_C(1) << k;
    if ((seen | *filled) & bit) continue;
    if (fill_missing(r, r->s->fields + n->first + k, out) != LG_OK) return LG_ERR;
    *filled |= bit;
  }
  return LG_OK;
}

/* Records a key the model does not declare (extra = "allow"): the value as decoded, and
 * the key at the end of the record's own __order list. */
static int extra_member(run *r, const lg_snode *n, int out, int *order, const char *s, size_t len,
                        int pushed) {
  lua_State *L = r->L;
  if (!pushed) lua_pushlstring(L, s, len);                      /* ... key */
  lua_pushvalue(L, -1);
  if (lua_rawget(L, out) != LUA_TNIL) return LG_ERR;            /* a duplicate key */
  lua_pop(L, 1);
  if (*order == 0) {                                            /* copy the declared names */
    lua_rawgeti(L, r->consts, n->order);                        /* ... key declared */
    lua_Integer m = (lua_Integer)lua_rawlen(L, -1);
    lua_createtable(L, (int)m + 4, 0);                          /* ... key declared order */
    for (lua_Integer i = 1; i <= m; i++) {
      lua_rawgeti(L, -2, i);
      lua_rawseti(L, -2, i);
    }
    lua_remove(L, -2);                                          /* ... key order */
    lua_insert(L, out + 1);                                     /* order sits above out */
    *order = out + 1;
  }
  lua_pushvalue(L, -1);
  lua_rawseti(L, *order, (lua_Integer)lua_rawlen(L, *order) + 1);
  if (peek(r) != ':') return LG_ERR;
  r->p++;
  skip_ws(r);
  if (decode_here(r) != LG_OK) return LG_ERR;                   /* ... key value */
  lua_rawset(L, out);
  return LG_OK;
}

static int model_node(run *r, const lg_snode *n) {
  lua_State *L = r->L;
  const lg_schema *sc = r->s;
  if (peek(r) != '{' || enter(r) != LG_OK) return LG_ERR;
  r->p++;
  lua_createtable(L, 0, n->count);                              /* ... out */
  lua_rawgeti(L, r->consts, n->konst);
  lua_setmetatable(L, -2);
  int out = lua_gettop(L), order = 0, hint = 0, saved_out = r->out;
  uint64_t seen = 0, filled = 0;   /* fields set from the input / given their defaults early */
  if (peek(r) != '}') {
    for (;;) {
      const char *s;
      size_t len;
      long cp;
      int pushed = 0, j = -1;
      if (peek(r) != '"') return LG_ERR;
      if (hint < n->count) {   /* usually the next declared field: compare in place */
        const lg_sfield *f = sc->fields + n->first + hint;
        if (f->inplace && (size_t)(r->end - r->p) > f->key_len + 1 && r->p[f->key_len + 1] == '"' &&
            memcmp(r->p + 1, f->key, f->key_len) == 0) {
          r->p += f->key_len + 2;
          j = hint++;
        }
      }
      if (j < 0) {
        if (string_token(r, &s, &len, &cp, &pushed) != LG_OK) return LG_ERR;
        j = find_field(sc, n, s, len, &hint);
      }
      if (j >= 0) {
        const lg_sfield *f = sc->fields + n->first + j;
        if (pushed) lua_pop(L, 1);
        if ((seen | filled) & (UINT64_C(1) << j)) return LG_ERR;   /* a duplicate key, or out of order */
        if ((sc->nodes[f->node].flags & LG_SF_LUA_DATA) && prepare_data(r, n, j, seen, &filled, out, order) != LG_OK)
          return LG_ERR;
        seen |= UINT64_C(1) << j;
        if (peek(r) != ':') return LG_ERR;
        r->p++;
        lua_rawgeti(L, r->consts, f->name);                     /* ... out key */
        r->out = out;
        if (value(r, f->node) != LG_OK) return LG_ERR;          /* ... out key value */
        lua_rawset(L, out);
      } else if (n->extra == LG_SX_ALLOW) {
        if (extra_member(r, n, out, &order, s, len, pushed) != LG_OK) return LG_ERR;
      } else if (n->extra == LG_SX_IGNORE) {
        if (pushed) lua_pop(L, 1);
        if (peek(r) != ':') return LG_ERR;
        r->p++;
        skip_ws(r);
        if (decode_here(r) != LG_OK) return LG_ERR;             /* validated, then dropped */
        lua_pop(L, 1);
      } else {
        return LG_ERR;                                          /* extra = forbid */
      }
      int c = peek(r);
      if (c == '}') break;
      if (c != ',') return LG_ERR;
      r->p++;
    }
  }
  r->p++;
  r->out = saved_out;
  for (int k = 0; k < n->count; k++) {
    if ((seen | filled) & (UINT64_C(1) << k)) continue;
    if (fill_missing(r, sc->fields + n->first + k, out) != LG_OK) return LG_ERR;
  }
  if (order) {
    lua_createtable(L, 0, 1);                                   /* ... out order mt */
    lua_insert(L, -2);
    lua_setfield(L, -2, "__order");
    lua_setmetatable(L, out);                                   /* ... out */
  }
  if (n->after) {                                               /* model validators (Lua) */
    lua_rawgeti(L, r->consts, n->after);
    lua_insert(L, out);                                         /* ... fn out */
    if (lua_pcall(L, 1, 1, 0) != LUA_OK || lua_isnil(L, -1)) return LG_ERR;
  }
  r->depth--;
  return LG_OK;
}

/* A value the Lua validators settle: decoded, then passed to the node's function, which
 * returns the validated value or nil. */
static int lua_node(run *r, const lg_snode *n) {
  lua_State *L = r->L;
  skip_ws(r);
  lua_rawgeti(L, r->consts, n->konst);                          /* ... fn */
  if (decode_here(r) != LG_OK) return LG_ERR;                   /* ... fn value */
  int nargs = 1;
  if ((n->flags & LG_SF_LUA_DATA) && r->out) {
    lua_pushvalue(L, r->out);
    nargs = 2;
  }
  if (lua_pcall(L, nargs, 1, 0) != LUA_OK) return LG_ERR;      /* ... result | error */
  if (lua_isnil(L, -1)) return LG_ERR;
  return LG_OK;
}

/* }====================== */

static int value(run *r, int node) {
  const lg_snode *n = r->s->nodes + node;
  if (n->kind != LG_SK_LUA && n->kind != LG_SK_ANY && peek(r) == 'n') {
    if ((!n->nullable && n->kind != LG_SK_NONE) || literal(r, "null", 4) != LG_OK) return LG_ERR;
    lua_pushlightuserdata(r->L, NULL);
    return LG_OK;
  }
  switch (n->kind) {
    case LG_SK_ANY: skip_ws(r); return decode_here(r);
    case LG_SK_STRING: return string_node(r, n);
    case LG_SK_INTEGER: return integer_node(r, n);
    case LG_SK_NUMBER: return number_node(r, n);
    case LG_SK_BOOLEAN: return boolean_node(r);
    case LG_SK_NONE: return LG_ERR;                             /* null was handled above */
    case LG_SK_ENUM: return enum_node(r, n);
    case LG_SK_DATETIME: case LG_SK_DATE: case LG_SK_TIME: case LG_SK_UUID: return temporal_node(r, n);
    case LG_SK_ARRAY: return array_node(r, n);
    case LG_SK_MAP: return map_node(r, n);
    case LG_SK_MODEL: return model_node(r, n);
    case LG_SK_LUA: return lua_node(r, n);
    default: return LG_ERR;
  }
}

int lg_schema_run(lua_State *L, const lg_schema *s, int consts, const char *buf, size_t len,
                  int max_depth) {
  int top = lua_gettop(L);
  if (buf == NULL) {
    buf = "";
    len = 0;
  }
  /* cppcheck mixes the NULL branch (len 0) with the BOM test below (len >= 3). */
  run r = {
    .L = L, .s = s, .consts = lua_absindex(L, consts),
    // cppcheck-suppress pointerOutOfBoundsCond
    .p = (const unsigned char *)buf, .end = (const unsigned char *)buf + len,
    .max_depth = max_depth,
  };
  if (!lua_checkstack(L, SLOTS_PER_LEVEL)) return LG_ERR;
  if (len >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0) return LG_ERR;   /* a BOM: let the decoder say so */
  if (value(&r, s->root) != LG_OK || peek(&r) != -1) {
    lua_settop(L, top);
    return LG_ERR;
  }
  lua_settop(L, top + 1);   /* the value only (a model leaves nothing else, but be exact) */
  return LG_OK;
}

void lg_schema_free(lg_schema *s) {
  if (s == NULL) return;
  free(s->nodes);
  free(s->fields);
  free(s->members);
  s->nodes = NULL;
  s->fields = NULL;
  s->members = NULL;
}
