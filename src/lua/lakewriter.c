/* lakegate.lakewriter: the C lake writer (src/lake) as Lua userdata.
 *   writer.open{root=, spool=, seal_bytes=, seal_seconds=, spool_max_bytes=,
 *               group_commit_us=, gzip_level=, idempotency_window_s=}
 *                                  -> handle that owns its lake (closed by __gc/__close)
 *   writer.host()                  -> handle on the server's lake, or fail outside the server
 *   writer.fingerprint(s)          -> 64-bit integer fingerprint of s (Idempotency-Key)
 *   handle:declare(table, {partition_by=, durability=, seal_bytes=, seal_seconds=, dead_letters=})
 *   handle:put(table, records [, request_id [, values [, answer]]])
 *                                  -> true | fail, message, code ("full"|"invalid"|"error"), retry_after
 *   handle:reject(table, record [, request_id]) -> true | fail, message
 *   handle:idem_begin(key, fingerprint) -> "new" | "replay", answer | "busy" | "mismatch"
 *   handle:idem_abort(key)
 *   handle:flush([timeout_ms])     -> true | fail, message
 *   handle:stats()                 -> table (see lg_lake_stats)
 *   handle:root(), handle:dir(), handle:close()
 * `values` holds, per record, the list of its partition values (strings; false for null);
 * `answer` is {key=, fingerprint=, text=} (stored with the records, see lg_lake_write). */
#include "lua/modules.h"
#include "core/json.h"
#include "util/buf.h"
#include "util/common.h"

#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>

#define WRITER_MT "lakegate.lakewriter"
#define HOST_LAKE "lakegate.host_lake"   /* registry: lightuserdata lg_lake* */

typedef struct writer {
  lg_lake *lake;   /* NULL once closed (or for a half-built handle) */
  int owned;       /* 1 if closing the handle closes the lake */
  lg_buf line;     /* scratch for the encoded records */
  /* Scratch reused by every put (no allocation per request once grown): */
  lg_lake_record *recs;   /* rec_cap records and their ends in `line` */
  size_t *ends;
  size_t rec_cap;
  const char **vals;      /* val_cap partition values and their lengths */
  size_t *lens;
  size_t val_cap;
} writer;

/* Grows the two arrays *a and *b (elements of size sa and sb, *cap of each) to hold n. */
static int grow_pair(void **a, size_t sa, void **b, size_t sb, size_t *cap, size_t n) {
  if (n <= *cap) return LG_OK;
  size_t want = n < 16 ? 16 : n;
  void *na = realloc(*a, want * sa);
  if (na == NULL) return LG_ERR;
  *a = na;
  void *nb = realloc(*b, want * sb);
  if (nb == NULL) return LG_ERR;
  *b = nb;
  *cap = want;
  return LG_OK;
}

static writer *checkopen(lua_State *L) {
  writer *w = luaL_checkudata(L, 1, WRITER_MT);
  if (w->lake == NULL) luaL_error(L, "attempt to use a closed lake writer");
  return w;
}

static writer *new_writer(lua_State *L) {
  writer *w = lua_newuserdatauv(L, sizeof *w, 0);
  /* empty until the lake is attached, so __gc is always safe */
  *w = (writer){.lake = NULL, .line = LG_BUF_INIT};
  luaL_setmetatable(L, WRITER_MT);
  return w;
}

static lua_Integer opt_int_field(lua_State *L, int idx, const char *name, lua_Integer dflt) {
  lua_getfield(L, idx, name);
  lua_Integer v = luaL_opt(L, luaL_checkinteger, -1, dflt);
  lua_pop(L, 1);
  return v;
}

/* Pushes fail, message[, code, retry_after] for a failed lake call. */
static int push_failure(lua_State *L, lg_lake *lake, int rc, const char *err) {
  luaL_pushfail(L);
  lua_pushstring(L, err);
  lua_pushstring(L, rc == LG_LAKE_FULL ? "full" : rc == LG_LAKE_INVALID ? "invalid" : "error");
  lua_pushinteger(L, lg_lake_retry_after_s(lake));
  return 4;
}

/* ===================== functions ===================== */

static int writer_open(lua_State *L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  lua_getfield(L, 1, "root");
  lua_getfield(L, 1, "spool");
  lg_lake_options opt = {
    .root = luaL_checkstring(L, -2),
    .spool = luaL_checkstring(L, -1),
    .seal_bytes = opt_int_field(L, 1, "seal_bytes", 0),
    .seal_ms = opt_int_field(L, 1, "seal_seconds", 0) * 1000,
    .spool_max_bytes = opt_int_field(L, 1, "spool_max_bytes", 0),
    .group_commit_us = opt_int_field(L, 1, "group_commit_us", 0),
    .gzip_level = (int)opt_int_field(L, 1, "gzip_level", 0),
    .idempotency_window_s = opt_int_field(L, 1, "idempotency_window_s", 0),
  };
  writer *w = new_writer(L);
  char err[LG_ERRLEN];
  w->lake = lg_lake_open(&opt, err, sizeof err);
  if (w->lake == NULL) {
    luaL_pushfail(L);
    lua_pushstring(L, err);
    return 2;
  }
  w->owned = 1;
  return 1;
}

static int writer_host(lua_State *L) {
  lua_getfield(L, LUA_REGISTRYINDEX, HOST_LAKE);
  lg_lake *lake = lua_touserdata(L, -1);
  if (lake == NULL) {
    luaL_pushfail(L);
    return 1;
  }
  new_writer(L)->lake = lake;
  return 1;
}

static int writer_fingerprint(lua_State *L) {
  size_t len;
  const char *s = luaL_checklstring(L, 1, &len);
  lua_pushinteger(L, (lua_Integer)lg_lake_fingerprint(s, len));
  return 1;
}

/* ===================== methods ===================== */

static int writer_declare(lua_State *L) {
  writer *w = checkopen(L);
  const char *table = luaL_checkstring(L, 2);
  luaL_checktype(L, 3, LUA_TTABLE);
  static const char *const modes[] = {"durable", "memory", NULL};
  lua_getfield(L, 3, "durability");
  int durability = luaL_checkoption(L, -1, "durable", modes);
  lua_pop(L, 1);
  lg_lake_table_options opt = {
    .durability = durability == 0 ? LG_LAKE_DURABLE : LG_LAKE_MEMORY,
    .seal_bytes = opt_int_field(L, 3, "seal_bytes", 0),
    .seal_ms = opt_int_field(L, 3, "seal_seconds", 0) * 1000,
  };
  lua_getfield(L, 3, "dead_letters");
  opt.dead_letters = lua_toboolean(L, -1);
  lua_pop(L, 1);
  const char *keys[8];
  if (lua_getfield(L, 3, "partition_by") == LUA_TTABLE) {   /* kept on the stack: keys point into it */
    lua_Integer n = luaL_len(L, -1);
    luaL_argcheck(L, n <= 8, 3, "at most 8 partition_by keys");
    for (lua_Integer i = 1; i <= n; i++) {
      lua_rawgeti(L, -1, i);
      luaL_argcheck(L, lua_type(L, -1) == LUA_TSTRING, 3, "partition_by holds strings");
      keys[i - 1] = lua_tostring(L, -1);
      lua_pop(L, 1);   /* the string stays alive in the partition_by table */
    }
    opt.npartition = (int)n;
    opt.partition_by = keys;
  }
  char err[LG_ERRLEN];
  if (lg_lake_declare(w->lake, table, &opt, err, sizeof err) != LG_OK) {
    luaL_pushfail(L);
    lua_pushstring(L, err);
    return 2;
  }
  lua_pushboolean(L, 1);
  return 1;
}

/* Fills recs[i].values/value_lens from values[i] (a list of strings or false). */
static void read_values(lua_State *L, int idx, lg_lake_record *recs, lua_Integer n,
                        const char **vals, size_t *lens, int per) {
  for (lua_Integer i = 0; i < n; i++) {
    if (lua_rawgeti(L, idx, i + 1) != LUA_TTABLE) luaL_error(L, "put: values[%d] must be a list", (int)i + 1);
    for (int k = 0; k < per; k++) {
      int t = lua_rawgeti(L, -1, k + 1);
      size_t at = (size_t)i * (size_t)per + (size_t)k;
      if (t == LUA_TSTRING) vals[at] = lua_tolstring(L, -1, &lens[at]);
      else if (t == LUA_TBOOLEAN && !lua_toboolean(L, -1)) vals[at] = NULL, lens[at] = 0;
      else luaL_error(L, "put: partition values must be strings or false (null)");
      lua_pop(L, 1);   /* the string stays alive in its list */
    }
    recs[i].values = vals + (size_t)i * (size_t)per;
    recs[i].value_lens = lens + (size_t)i * (size_t)per;
    lua_pop(L, 1);
  }
}

static int writer_put(lua_State *L) {
  writer *w = checkopen(L);
  const char *table = luaL_checkstring(L, 2);
  luaL_checktype(L, 3, LUA_TTABLE);
  const char *request_id = luaL_optstring(L, 4, NULL);
  int has_values = !lua_isnoneornil(L, 5), has_answer = !lua_isnoneornil(L, 6);
  int has_texts = !lua_isnoneornil(L, 7);
  if (has_texts) luaL_checktype(L, 7, LUA_TTABLE);
  lua_Integer n = luaL_len(L, 3);
  luaL_argcheck(L, n >= 1, 3, "at least one record");
  if (grow_pair((void **)&w->recs, sizeof *w->recs, (void **)&w->ends, sizeof *w->ends, &w->rec_cap,
                (size_t)n) != LG_OK)
    return luaL_error(L, "lake: out of memory");
  lg_lake_record *recs = w->recs;
  size_t *ends = w->ends;
  char err[LG_ERRLEN];
  lg_buf_reset(&w->line);
  for (lua_Integer i = 0; i < n; i++) {
    /* texts[i], when given, is records[i] already encoded (the caller's rendered answer) */
    if (has_texts && lua_rawgeti(L, 7, i + 1) == LUA_TSTRING) {
      size_t len;
      const char *text = lua_tolstring(L, -1, &len);
      if (lg_buf_append(&w->line, text, len) != LG_OK) return luaL_error(L, "lake: out of memory");
    } else {
      if (has_texts) lua_pop(L, 1);
      lua_rawgeti(L, 3, i + 1);
      if (!lua_istable(L, -1)) return luaL_argerror(L, 3, "records must be tables");
      if (lg_json_encode(L, lua_gettop(L), &w->line, err, sizeof err) != LG_OK) {
        lua_pop(L, 1);
        return push_failure(L, w->lake, LG_LAKE_INVALID, err);
      }
    }
    lua_pop(L, 1);
    ends[i] = w->line.len;
  }
  for (lua_Integer i = 0; i < n; i++) {   /* the buffer may have moved while growing */
    size_t start = i ? ends[i - 1] : 0;
    recs[i] = (lg_lake_record){w->line.data + start, ends[i] - start, NULL, NULL};
  }
  if (has_values) {
    luaL_checktype(L, 5, LUA_TTABLE);
    lua_rawgeti(L, 5, 1);
    int per = lua_istable(L, -1) ? (int)luaL_len(L, -1) : 0;
    lua_pop(L, 1);
    luaL_argcheck(L, per <= 8, 5, "at most 8 partition values per record");
    size_t cells = (size_t)n * (size_t)(per ? per : 1);
    if (grow_pair((void **)&w->vals, sizeof *w->vals, (void **)&w->lens, sizeof *w->lens, &w->val_cap,
                  cells) != LG_OK)
      return luaL_error(L, "lake: out of memory");
    read_values(L, 5, recs, n, w->vals, w->lens, per);
  }
  lg_lake_answer answer = {0};
  if (has_answer) {
    luaL_checktype(L, 6, LUA_TTABLE);
    lua_getfield(L, 6, "key");
    lua_getfield(L, 6, "fingerprint");
    lua_getfield(L, 6, "text");
    answer.key = luaL_checklstring(L, -3, &answer.key_len);
    answer.fingerprint = (uint64_t)luaL_checkinteger(L, -2);
    answer.answer = luaL_checklstring(L, -1, &answer.answer_len);
  }
  int rc = lg_lake_write(w->lake, table, recs, (size_t)n, request_id, has_answer ? &answer : NULL,
                         err, sizeof err);
  if (w->line.cap > 1 << 20) lg_buf_free(&w->line);
  if (rc != LG_OK) return push_failure(L, w->lake, rc, err);
  lua_pushboolean(L, 1);
  return 1;
}

static int writer_reject(lua_State *L) {
  writer *w = checkopen(L);
  const char *table = luaL_checkstring(L, 2);
  luaL_checktype(L, 3, LUA_TTABLE);
  const char *request_id = luaL_optstring(L, 4, NULL);
  char err[LG_ERRLEN];
  lg_buf_reset(&w->line);
  int rc = lg_json_encode(L, 3, &w->line, err, sizeof err);
  if (rc == LG_OK)
    rc = lg_lake_reject(w->lake, table, w->line.data, w->line.len, request_id, err, sizeof err);
  if (w->line.cap > 1 << 20) lg_buf_free(&w->line);
  if (rc != LG_OK) return push_failure(L, w->lake, rc, err);
  lua_pushboolean(L, 1);
  return 1;
}

static int writer_idem_begin(lua_State *L) {
  writer *w = checkopen(L);
  size_t len;
  const char *key = luaL_checklstring(L, 2, &len);
  uint64_t fp = (uint64_t)luaL_checkinteger(L, 3);
  lg_buf answer = LG_BUF_INIT;
  lg_idem_state st = lg_lake_idem_begin(w->lake, key, len, fp, &answer);
  static const char *const names[] = {"new", "replay", "busy", "mismatch"};
  lua_pushstring(L, names[st]);
  if (st != LG_IDEM_REPLAY) {
    lg_buf_free(&answer);
    return 1;
  }
  lua_pushlstring(L, answer.data ? answer.data : "", answer.len);
  lg_buf_free(&answer);
  return 2;
}

static int writer_idem_abort(lua_State *L) {
  writer *w = checkopen(L);
  size_t len;
  const char *key = luaL_checklstring(L, 2, &len);
  lg_lake_idem_abort(w->lake, key, len);
  return 0;
}

static int writer_flush(lua_State *L) {
  writer *w = checkopen(L);
  lua_Integer timeout = luaL_optinteger(L, 2, 60000);
  char err[512];
  if (lg_lake_flush(w->lake, timeout, err, sizeof err) != LG_OK) {
    luaL_pushfail(L);
    lua_pushstring(L, err);
    return 2;
  }
  lua_pushboolean(L, 1);
  return 1;
}

static int writer_stats(lua_State *L) {
  writer *w = checkopen(L);
  lg_lake_stats s;
  lg_lake_stats_get(w->lake, &s);
  lua_createtable(L, 0, 11);
  const struct { const char *name; int64_t v; } fields[] = {
    {"spool_bytes", s.spool_bytes}, {"records", s.records}, {"syncs", s.syncs},
    {"synced_frames", s.synced_frames}, {"writes", s.writes},
    {"written_frames", s.written_frames}, {"segments_sealed", s.segments_sealed},
    {"objects_uploaded", s.objects_uploaded}, {"upload_failures", s.upload_failures},
    {"objects_pending", s.objects_pending},
  };
  for (size_t i = 0; i < LG_ARRAY_LEN(fields); i++) {
    lua_pushinteger(L, (lua_Integer)fields[i].v);
    lua_setfield(L, -2, fields[i].name);
  }
  lua_pushstring(L, s.last_error);
  lua_setfield(L, -2, "last_error");
  return 1;
}

static int writer_root(lua_State *L) {
  lua_pushstring(L, lg_lake_root(checkopen(L)->lake));
  return 1;
}

static int writer_dir(lua_State *L) {
  const char *dir = lg_lake_dir(checkopen(L)->lake);
  if (dir) lua_pushstring(L, dir);
  else luaL_pushfail(L);
  return 1;
}

/* __gc and __close: skips half-built and non-owning handles */
static int writer_gc(lua_State *L) {
  writer *w = luaL_checkudata(L, 1, WRITER_MT);
  if (w->owned) lg_lake_close(w->lake);
  w->lake = NULL;
  lg_buf_free(&w->line);
  free(w->recs);
  free(w->ends);
  free(w->vals);
  free(w->lens);
  *w = (writer){.lake = NULL, .line = LG_BUF_INIT};
  return 0;
}

static const luaL_Reg funcs[] = {
  {"fingerprint", writer_fingerprint},
  {"host", writer_host},
  {"open", writer_open},
  {NULL, NULL},
};

static const luaL_Reg methods[] = {
  {"close", writer_gc},
  {"declare", writer_declare},
  {"dir", writer_dir},
  {"flush", writer_flush},
  {"idem_abort", writer_idem_abort},
  {"idem_begin", writer_idem_begin},
  {"put", writer_put},
  {"reject", writer_reject},
  {"root", writer_root},
  {"stats", writer_stats},
  {NULL, NULL},
};

static const luaL_Reg metamethods[] = {
  {"__close", writer_gc},
  {"__gc", writer_gc},
  {"__index", NULL},   /* placeholder, set to the methods table below */
  {NULL, NULL},
};

void lg_lua_set_host_lake(lua_State *L, lg_lake *lake) {
  lua_pushlightuserdata(L, lake);
  lua_setfield(L, LUA_REGISTRYINDEX, HOST_LAKE);
}

int lg_open_lakewriter(lua_State *L) {
  if (luaL_newmetatable(L, WRITER_MT)) {
    luaL_setfuncs(L, metamethods, 0);
    luaL_newlibtable(L, methods);
    luaL_setfuncs(L, methods, 0);
    lua_setfield(L, -2, "__index");   /* metatable.__index = methods */
  }
  lua_pop(L, 1);
  luaL_newlib(L, funcs);
  return 1;
}
