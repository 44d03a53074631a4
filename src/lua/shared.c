/* lakegate.shared: a dictionary shared by every worker thread (and so by every Lua VM) of
 * the process, with TTLs and atomic increments, as OpenResty's ngx.shared.DICT. This file
 * is the owner of that store (DESIGN.md). Entries live in striped hash tables; each stripe
 * keeps its entries in insertion order, and the oldest make room when a stripe is full.
 *   shared.get(key) -> value | nil          shared.set(key, value [, ttl]) -> true
 *   shared.add(key, value [, ttl]) -> true | false, "exists"
 *   shared.incr(key, n [, init [, ttl]]) -> new value | nil, "not a number"
 *   shared.delete(key) -> existed            shared.ttl(key) -> seconds left | nil
 *   shared.count() -> live entries           shared.flush_all()
 * Values are strings, numbers (integers stay integers) and booleans; ttl is in seconds. */
#include "lua/modules.h"
#include "util/clock.h"
#include "util/common.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>

#define STRIPES 16
#define BUCKETS 1024   /* per stripe */

typedef struct entry {
  struct entry *next;              /* hash chain */
  struct entry *older, *newer;     /* insertion order in the stripe */
  int64_t expires_us;              /* 0: never */
  int type;                        /* LUA_TSTRING, LUA_TNUMBER, LUA_TBOOLEAN */
  int is_integer;
  lua_Integer i;
  lua_Number n;
  char *str;                       /* string value (owned) */
  size_t len;
  char key[];
} entry;

typedef struct stripe {
  pthread_mutex_t mu;
  entry *buckets[BUCKETS];
  entry *oldest, *newest;
  size_t count;
} stripe;

static stripe stripes[STRIPES];
static size_t capacity_per_stripe = 100000 / STRIPES;
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void init(void) {
  for (int i = 0; i < STRIPES; i++) pthread_mutex_init(&stripes[i].mu, NULL);
}

void lg_lua_shared_capacity(size_t entries) {
  capacity_per_stripe = entries / STRIPES ? entries / STRIPES : 1;
}

static uint64_t hash(const char *s, size_t n) {
  uint64_t h = 1469598103934665603ULL;
  for (size_t i = 0; i < n; i++) h = (h ^ (unsigned char)s[i]) * 1099511628211ULL;
  return h;
}

/* ===================== store (callers hold the stripe lock) ===================== */

static entry **chain(stripe *st, uint64_t h) {
  return &st->buckets[(h / STRIPES) % BUCKETS];
}

static void unlink_entry(stripe *st, entry *e, uint64_t h) {
  entry **link = chain(st, h);
  while (*link != e) link = &(*link)->next;
  *link = e->next;
  if (e->older) e->older->newer = e->newer;
  else st->oldest = e->newer;
  if (e->newer) e->newer->older = e->older;
  else st->newest = e->older;
  st->count--;
  free(e->str);
  free(e);
}

/* The live entry for key, or NULL (an expired one is removed on the way). */
static entry *find(stripe *st, const char *key, size_t klen, uint64_t h, int64_t now) {
  for (entry *e = *chain(st, h); e; e = e->next) {
    if (strlen(e->key) != klen || memcmp(e->key, key, klen) != 0) continue;
    if (e->expires_us && e->expires_us <= now) {
      unlink_entry(st, e, h);
      return NULL;
    }
    return e;
  }
  return NULL;
}

/* A new entry for key at the newest end, evicting the oldest when the stripe is full. */
static entry *insert(stripe *st, const char *key, size_t klen, uint64_t h) {
  while (st->count >= capacity_per_stripe && st->oldest) {
    entry *old = st->oldest;
    unlink_entry(st, old, hash(old->key, strlen(old->key)));
  }
  entry *e = calloc(1, sizeof *e + klen + 1);
  if (e == NULL) return NULL;
  memcpy(e->key, key, klen);
  entry **head = chain(st, h);
  e->next = *head;
  *head = e;
  e->older = st->newest;
  if (st->newest) st->newest->newer = e;
  else st->oldest = e;
  st->newest = e;
  st->count++;
  return e;
}

/* ===================== Lua ===================== */

static stripe *lock_for(const char *key, size_t klen, uint64_t *h) {
  pthread_once(&once, init);
  *h = hash(key, klen);
  stripe *st = &stripes[*h % STRIPES];
  pthread_mutex_lock(&st->mu);
  return st;
}

static int64_t deadline(lua_State *L, int idx) {
  lua_Number ttl = luaL_optnumber(L, idx, 0);
  luaL_argcheck(L, ttl >= 0, idx, "ttl must not be negative");
  return ttl > 0 ? lg_clock_monotonic_us() + (int64_t)(ttl * 1e6) : 0;
}

static void push_value(lua_State *L, const entry *e) {
  if (e->type == LUA_TSTRING) lua_pushlstring(L, e->str, e->len);
  else if (e->type == LUA_TBOOLEAN) lua_pushboolean(L, (int)e->i);
  else if (e->is_integer) lua_pushinteger(L, e->i);
  else lua_pushnumber(L, e->n);
}

/* Copies the Lua value at idx into e (string bytes copied); returns LG_ERR when out of memory. */
static int store_value(lua_State *L, int idx, entry *e) {
  char *str = NULL;
  size_t len = 0;
  if (lua_type(L, idx) == LUA_TSTRING) {
    const char *s = lua_tolstring(L, idx, &len);
    if ((str = malloc(len ? len : 1)) == NULL) return LG_ERR;
    memcpy(str, s, len);
  }
  free(e->str);
  e->str = str;
  e->len = len;
  e->type = lua_type(L, idx);
  e->is_integer = lua_isinteger(L, idx);
  if (e->type == LUA_TBOOLEAN) e->i = lua_toboolean(L, idx);
  else if (e->is_integer) e->i = lua_tointeger(L, idx);
  else if (e->type == LUA_TNUMBER) e->n = lua_tonumber(L, idx);
  return LG_OK;
}

static void check_value(lua_State *L, int idx) {
  int t = lua_type(L, idx);
  luaL_argexpected(L, t == LUA_TSTRING || t == LUA_TNUMBER || t == LUA_TBOOLEAN, idx,
                   "string, number or boolean");
}

/* Keys are strings without NUL bytes. */
static const char *checkkey(lua_State *L, size_t *klen) {
  const char *key = luaL_checklstring(L, 1, klen);
  luaL_argcheck(L, *klen > 0 && memchr(key, '\0', *klen) == NULL, 1, "key must be a non-empty string without NUL");
  return key;
}

/* Nothing that can raise a Lua error runs while a stripe is locked: a string value is copied
 * out first and pushed after unlocking. */
static int shared_get(lua_State *L) {
  size_t klen;
  const char *key = checkkey(L, &klen);
  uint64_t h;
  stripe *st = lock_for(key, klen, &h);
  entry *e = find(st, key, klen, h, lg_clock_monotonic_us());
  if (e == NULL) {
    pthread_mutex_unlock(&st->mu);
    lua_pushnil(L);
    return 1;
  }
  entry copy = *e;
  char small[256], *heap = NULL;   /* heap: a copy too long for small, freed below */
  if (e->type == LUA_TSTRING) {
    if (e->len > sizeof small) heap = malloc(e->len);
    copy.str = e->len > sizeof small ? heap : small;
    if (copy.str) memcpy(copy.str, e->str, e->len);
  }
  pthread_mutex_unlock(&st->mu);
  if (copy.type == LUA_TSTRING && copy.str == NULL) return luaL_error(L, "lakegate.shared: out of memory");
  push_value(L, &copy);   /* an out-of-memory error here would leak heap, not the lock */
  free(heap);
  return 1;
}

static int put(lua_State *L, int only_if_absent) {
  size_t klen;
  const char *key = checkkey(L, &klen);
  check_value(L, 2);
  int64_t expires = deadline(L, 3);
  uint64_t h;
  stripe *st = lock_for(key, klen, &h);
  entry *e = find(st, key, klen, h, lg_clock_monotonic_us());
  int exists = e != NULL;
  int oom = 0;
  if (!(exists && only_if_absent)) {
    if (e == NULL) e = insert(st, key, klen, h);
    if (e == NULL || store_value(L, 2, e) != LG_OK) oom = 1;
    else e->expires_us = expires;
  }
  pthread_mutex_unlock(&st->mu);
  if (oom) return luaL_error(L, "lakegate.shared: out of memory");
  if (exists && only_if_absent) {
    lua_pushboolean(L, 0);
    lua_pushliteral(L, "exists");
    return 2;
  }
  lua_pushboolean(L, 1);
  return 1;
}

static int shared_set(lua_State *L) { return put(L, 0); }
static int shared_add(lua_State *L) { return put(L, 1); }

static int shared_incr(lua_State *L) {
  size_t klen;
  const char *key = checkkey(L, &klen);
  luaL_checknumber(L, 2);
  int has_init = !lua_isnoneornil(L, 3);
  if (has_init) luaL_checknumber(L, 3);
  int64_t expires = deadline(L, 4);
  uint64_t h;
  stripe *st = lock_for(key, klen, &h);
  entry *e = find(st, key, klen, h, lg_clock_monotonic_us());
  int rc = LG_OK;
  if (e == NULL && has_init && (e = insert(st, key, klen, h)) != NULL) {
    rc = store_value(L, 3, e);
    e->expires_us = expires;
  }
  if (e && rc == LG_OK && e->type == LUA_TNUMBER) {
    if (e->is_integer && lua_isinteger(L, 2)) {
      e->i = (lua_Integer)((lua_Unsigned)e->i + (lua_Unsigned)lua_tointeger(L, 2));   /* wraps like Lua */
    } else {
      e->n = (e->is_integer ? (lua_Number)e->i : e->n) + lua_tonumber(L, 2);
      e->is_integer = 0;
    }
    push_value(L, e);
  } else if (e == NULL && has_init) {
    rc = LG_ERR;
  }
  int missing = e == NULL, wrong = e && e->type != LUA_TNUMBER;
  pthread_mutex_unlock(&st->mu);
  if (rc != LG_OK) return luaL_error(L, "lakegate.shared: out of memory");
  if (missing || wrong) {
    luaL_pushfail(L);
    lua_pushstring(L, missing ? "not found" : "not a number");
    return 2;
  }
  return 1;
}

static int shared_delete(lua_State *L) {
  size_t klen;
  const char *key = checkkey(L, &klen);
  uint64_t h;
  stripe *st = lock_for(key, klen, &h);
  entry *e = find(st, key, klen, h, lg_clock_monotonic_us());
  if (e) unlink_entry(st, e, h);
  pthread_mutex_unlock(&st->mu);
  lua_pushboolean(L, e != NULL);
  return 1;
}

static int shared_ttl(lua_State *L) {
  size_t klen;
  const char *key = checkkey(L, &klen);
  uint64_t h;
  stripe *st = lock_for(key, klen, &h);
  int64_t now = lg_clock_monotonic_us();
  entry *e = find(st, key, klen, h, now);
  int found = e != NULL;
  int64_t expires = e ? e->expires_us : 0;
  pthread_mutex_unlock(&st->mu);
  if (!found) luaL_pushfail(L);
  else lua_pushnumber(L, expires ? (lua_Number)(expires - now) / 1e6 : 0);
  return 1;
}

static int shared_count(lua_State *L) {
  pthread_once(&once, init);
  int64_t now = lg_clock_monotonic_us();
  lua_Integer n = 0;
  for (int i = 0; i < STRIPES; i++) {
    pthread_mutex_lock(&stripes[i].mu);
    for (entry *e = stripes[i].oldest; e; e = e->newer)
      if (e->expires_us == 0 || e->expires_us > now) n++;
    pthread_mutex_unlock(&stripes[i].mu);
  }
  lua_pushinteger(L, n);
  return 1;
}

static int shared_flush_all(lua_State *L) {
  pthread_once(&once, init);
  for (int i = 0; i < STRIPES; i++) {
    stripe *st = &stripes[i];
    pthread_mutex_lock(&st->mu);
    for (entry *e = st->oldest, *next; e; e = next) {
      next = e->newer;
      free(e->str);
      free(e);
    }
    memset(st->buckets, 0, sizeof st->buckets);
    st->oldest = st->newest = NULL;
    st->count = 0;
    pthread_mutex_unlock(&st->mu);
  }
  return 0;
}

static const luaL_Reg sharedlib[] = {
  {"add", shared_add},
  {"count", shared_count},
  {"delete", shared_delete},
  {"flush_all", shared_flush_all},
  {"get", shared_get},
  {"incr", shared_incr},
  {"set", shared_set},
  {"ttl", shared_ttl},
  {NULL, NULL},
};

int lg_open_shared(lua_State *L) {
  luaL_newlib(L, sharedlib);
  return 1;
}
