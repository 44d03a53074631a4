/* libFuzzer target for the JSON codec (core/json_decode.c, core/json_encode.c) and the
 * validation engine: the Lua validators (lua/lakegate/model) and the C fast path that
 * validates while decoding (core/schema.c). The input is a request body. Besides memory
 * errors (ASan/UBSan), it checks properties that must hold for any input:
 *   - the C decoder and lakegate.core.json_decode with key order (what validate_json
 *     uses) agree: both accept with equal values, or both refuse at the same offset with
 *     the same message;
 *   - an accepted document encodes to JSON that decodes back to an equal value, and
 *     encoding that again gives the same text (integers stay integers, floats floats);
 *   - for every model below (built once per process): the fast path accepts only what
 *     decoding plus the Lua validators accept, with an equal value (the same Lua types and
 *     the same JSON text); validate_json answers exactly that reference (value, errors or
 *     JSON error); a validated value and an error list encode, and the encoding of a
 *     validated value decodes back to an equal value (the lake stores what was validated);
 *   - no Lua error escapes validation (the server would answer 500). */
#include "core/json.h"
#include "lua/modules.h"
#include "util/buf.h"
#include "util/common.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>
#include <lualib.h>

#define DEPTH 64   /* nesting limit for this target: deep enough, and quick to refuse */

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The models, defined with the runtime library the way route files define them. The
 * chunk returns a list of models and the functions the checks call. */
static const char MODELS[] =
  "local model = require('lakegate.model')\n"
  "local core = require('lakegate.core')\n"
  "local NULL = model.null\n"
  "local depth = ...\n"
  /* the example app's model (routes/unicorn.lua) */
  "local Unicorn = model.define('Unicorn', {\n"
  "  name = model.string{min_length = 1, max_length = 64},\n"
  "  rainbow = model.boolean{},\n"
  "  horn_length_cm = model.number{gt = 0, le = 120, nullable = true, default = NULL},\n"
  "  color = model.enum{'white', 'pink', 'gold', default = 'white'},\n"
  "  tags = model.array{model.string{}, max_items = 10, default = {}},\n"
  "}, {extra = 'forbid'})\n"
  /* many types, in fast-path nodes and in Lua nodes (formats, unions, validators) */
  "local Owner = model.define('Owner', {name = model.string{pattern = '^[A-Z]'},\n"
  "  since = model.date{optional = true}})\n"
  "local Cat = model.define('Cat', {kind = model.literal{'cat'}, lives = model.integer{le = 9}})\n"
  "local Dog = model.define('Dog', {kind = model.literal{'dog'}, good = model.boolean{default = true}})\n"
  "local Sighting = model.define('Sighting', {\n"
  "  id = model.uuid{},\n"
  "  at = model.datetime{},\n"
  "  at_utc = model.datetime{tz = 'aware', optional = true},\n"
  "  at_local = model.time{optional = true},\n"
  "  count = model.integer{ge = 1, le = 1000, multiple_of = 1},\n"
  "  big = model.integer{optional = true},\n"
  "  ratio = model.number{ge = 0, lt = 1, optional = true},\n"
  "  level = model.enum{1, 2, 3, default = 1},\n"
  "  owner = Owner{nullable = true, default = NULL},\n"
  "  helpers = model.array{Owner, max_items = 4, default = {}},\n"
  "  scores = model.map{value = model.number{as_float = false}, optional = true},\n"
  "  note = model.string{optional = true, format = 'email'},\n"
  "  mail = model.email{optional = true},\n"
  "  site = model.url{optional = true},\n"
  "  addr = model.ip{optional = true},\n"
  "  blob = model.bytes{max_length = 16, optional = true},\n"
  "  price = model.decimal{max_digits = 6, decimal_places = 2, optional = true},\n"
  "  span = model.duration{optional = true},\n"
  "  pair = model.tuple{model.string{}, model.integer{}, optional = true},\n"
  "  uniq = model.set{model.integer{}, optional = true},\n"
  "  pet = model.union{Cat, Dog, discriminator = 'kind', optional = true},\n"
  "  either = model.union{model.integer{}, model.string{max_length = 3}, optional = true},\n"
  "  stamp = model.integer{default_factory = function() return 7 end},\n"
  "  shout = model.string{optional = true, strip_whitespace = true, after = function(v) return v:upper() end},\n"
  "  meta = model.any{optional = true},\n"
  "  none = model.none{optional = true},\n"
  "}, {extra = 'allow'})\n"
  /* strict mode: JSON's own types only */
  "local Strict = model.define('Strict', {\n"
  "  n = model.integer{}, f = model.number{allow_inf_nan = true, optional = true},\n"
  "  b = model.boolean{optional = true}, s = model.string{max_length = 8, optional = true},\n"
  "  d = model.date{optional = true}, l = model.array{model.integer{}, unique = true, optional = true},\n"
  "}, {strict = true})\n"
  "local models = {Unicorn, Sighting, Strict}\n"
  /* validate_json, the fast path alone, and the reference (decode, then validate) */
  "local function run(m, text)\n"
  "  local fast = m.fast and m.fast(text, depth) or nil\n"
  "  local v, errs, msg, offset = m:validate_json(text, {'body'}, {max_json_depth = depth})\n"
  "  local decoded, rmsg, roffset = core.json_decode(text, depth, true)\n"
  "  local rv, rerrs\n"
  "  if decoded ~= nil then rv, rerrs = m:validate(decoded, {'body'}) end\n"
  "  return fast, v, errs, msg, offset, decoded, rv, rerrs, rmsg, roffset\n"
  "end\n"
  "return models, run, core.json_decode\n";

static lua_State *L;   /* built once: the runtime library and the models */
static int models_ref, run_ref, decode_ref;

static void fail(const char *what, const uint8_t *data, size_t size) {
  fprintf(stderr, "property violated: %s\ninput (%zu bytes): %.*s\n", what, size,
          (int)(size > 2000 ? 2000 : size), (const char *)data);
  abort();
}

static int traceback(lua_State *S) {
  luaL_traceback(S, S, lua_tostring(S, 1), 1);
  return 1;
}

/* lua_pcall with a traceback; a Lua error is a bug here (the server answers 500). */
static void pcall_or_abort(int nargs, int nres, const char *what) {
  int base = lua_gettop(L) - nargs;
  lua_pushcfunction(L, traceback);
  lua_insert(L, base);
  if (lua_pcall(L, nargs, nres, base) != LUA_OK) {
    fprintf(stderr, "Lua error in %s: %s\n", what, lua_tostring(L, -1));
    abort();
  }
  lua_remove(L, base);
}

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  L = luaL_newstate();
  if (L == NULL) abort();
  luaL_openlibs(L);
  lg_lua_preload_modules(L);
  lua_getglobal(L, "package");
  lua_pushstring(L, LG_FUZZ_LUA_DIR "/?.lua;" LG_FUZZ_LUA_DIR "/?/init.lua");
  lua_setfield(L, -2, "path");   /* package.path = the runtime library only */
  lua_pop(L, 1);
  if (luaL_loadbuffer(L, MODELS, sizeof MODELS - 1, "=models") != LUA_OK) {
    fprintf(stderr, "models: %s\n", lua_tostring(L, -1));
    abort();
  }
  lua_pushinteger(L, DEPTH);
  pcall_or_abort(1, 3, "the models");
  decode_ref = luaL_ref(L, LUA_REGISTRYINDEX);
  run_ref = luaL_ref(L, LUA_REGISTRYINDEX);
  models_ref = luaL_ref(L, LUA_REGISTRYINDEX);
  return 0;
}

/* ===================== comparing values ===================== */

static int same_lua(int a, int b, int depth);

/* Every key of table a is in b with an equal value (raw access, no metamethods). */
static int subset(int a, int b, int depth) {
  lua_pushnil(L);
  while (lua_next(L, a)) {                  /* ... key va */
    lua_pushvalue(L, -2);
    lua_rawget(L, b);                       /* ... key va vb */
    int top = lua_gettop(L);
    if (!same_lua(top - 1, top, depth + 1)) {
      lua_pop(L, 3);
      return 0;
    }
    lua_pop(L, 2);                          /* ... key */
  }
  return 1;
}

/* The same Lua value: type, integer or float subtype, contents, and metatables with the
 * same contents (an output model's metatable, the array metatable, an __order list). */
static int same_lua(int a, int b, int depth) {
  a = lua_absindex(L, a);
  b = lua_absindex(L, b);
  if (depth > 2 * DEPTH + 8) return 0;
  if (lua_type(L, a) != lua_type(L, b)) return 0;
  if (lua_type(L, a) == LUA_TNUMBER && lua_isinteger(L, a) != lua_isinteger(L, b)) return 0;
  if (lua_type(L, a) != LUA_TTABLE) return lua_rawequal(L, a, b);
  if (lua_rawequal(L, a, b)) return 1;
  if (!subset(a, b, depth) || !subset(b, a, depth)) return 0;
  int ma = lua_getmetatable(L, a), mb = lua_getmetatable(L, b);
  int same = ma == mb && (!ma || same_lua(-2, -1, depth + 1));
  lua_pop(L, ma + mb);
  return same;
}

/* How json_encode writes the table at idx: 1 for an array, 0 for an object. */
static int json_array(int idx) {
  idx = lua_absindex(L, idx);
  if (lua_getmetatable(L, idx)) {
    lg_json_push_array_mt(L);
    int is_array = lua_rawequal(L, -1, -2);
    lua_pop(L, 2);
    return is_array;   /* any other metatable (an __order list, a model's) is an object */
  }
  lua_Integer n = 0;   /* a plain table with keys 1..n, n > 0, is an array */
  lua_pushnil(L);
  while (lua_next(L, idx)) {
    lua_pop(L, 1);
    if (!lua_isinteger(L, -1) || lua_tointeger(L, -1) < 1) {
      lua_pop(L, 1);
      return 0;
    }
    n++;
  }
  return n > 0 && (lua_Integer)lua_rawlen(L, idx) == n;
}

/* The same JSON value: what json_encode writes for a (any Lua value) equals the decoded
 * value b, member for member, with integers and floats told apart. */
static int same_json(int a, int b, int depth) {
  a = lua_absindex(L, a);
  b = lua_absindex(L, b);
  if (depth > 2 * DEPTH + 8) return 0;
  if (lua_type(L, a) != LUA_TTABLE || lua_type(L, b) != LUA_TTABLE) {
    if (lua_isnil(L, a)) return lua_touserdata(L, b) == NULL && lua_islightuserdata(L, b);
    return same_lua(a, b, depth);
  }
  int arr = json_array(a);
  if (arr != json_array(b)) return 0;
  if (arr) {
    lua_Integer n = (lua_Integer)lua_rawlen(L, a);
    if (n != (lua_Integer)lua_rawlen(L, b)) return 0;
    for (lua_Integer i = 1; i <= n; i++) {
      lua_rawgeti(L, a, i);
      lua_rawgeti(L, b, i);
      int same = same_json(-2, -1, depth + 1);
      lua_pop(L, 2);
      if (!same) return 0;
    }
    return 1;
  }
  size_t na = 0, nb = 0;
  lua_pushnil(L);
  while (lua_next(L, a)) {                  /* ... key va */
    na++;
    lua_pushvalue(L, -2);
    lua_rawget(L, b);                       /* ... key va vb */
    int same = !lua_isnil(L, -1) && same_json(-2, -1, depth + 1);
    lua_pop(L, 2);
    if (!same) {
      lua_pop(L, 1);
      return 0;
    }
  }
  lua_pushnil(L);
  while (lua_next(L, b)) {
    nb++;
    lua_pop(L, 1);
  }
  return na == nb;
}

/* ===================== the checks ===================== */

/* Encodes the value at idx into out (reset first); aborts if it cannot be encoded. */
static void encode_or_abort(int idx, lg_buf *out, const char *what, const uint8_t *data,
                            size_t size) {
  char err[128];
  lg_buf_reset(out);
  if (lg_json_encode(L, idx, out, err, sizeof err) != LG_OK) {
    fprintf(stderr, "cannot encode %s: %s\n", what, err);
    fail("accepted values and errors encode", data, size);
  }
}

/* The value at idx encodes to a text that decodes back to an equal value, and that value
 * encodes to the same text. */
static void check_round_trip(int idx, const char *what, const uint8_t *data, size_t size) {
  idx = lua_absindex(L, idx);
  lg_buf once = LG_BUF_INIT, twice = LG_BUF_INIT;
  encode_or_abort(idx, &once, what, data, size);
  lg_json_options opts = {.max_depth = 1000, .keep_order = 1};
  lg_json_error jerr;
  if (lg_json_decode_opts(L, once.data, once.len, &opts, &jerr) != LG_OK) {
    fprintf(stderr, "%s encodes to %s, which does not decode: %s at %zu\n", what, once.data,
            jerr.msg, jerr.offset);
    fail("encodings decode", data, size);
  }
  if (!same_json(idx, -1, 0)) {
    fprintf(stderr, "%s encodes to %s\n", what, once.data);
    fail("decode(encode(v)) equals v", data, size);
  }
  encode_or_abort(-1, &twice, what, data, size);
  if (once.len != twice.len || memcmp(once.data, twice.data, once.len) != 0) {
    fprintf(stderr, "%s: %s, then %s\n", what, once.data, twice.data);
    fail("encode(decode(encode(v))) equals encode(v)", data, size);
  }
  lua_pop(L, 1);
  lg_buf_free(&once);
  lg_buf_free(&twice);
}

/* The C decoder against lakegate.core.json_decode with key order. */
static void check_decoders(const uint8_t *data, size_t size) {
  int top = lua_gettop(L);
  lg_json_error err;
  int ok = lg_json_decode(L, (const char *)data, size, DEPTH, &err) == LG_OK;
  lua_rawgeti(L, LUA_REGISTRYINDEX, decode_ref);
  lua_pushlstring(L, (const char *)data, size);
  lua_pushinteger(L, DEPTH);
  lua_pushboolean(L, 1);
  pcall_or_abort(3, 3, "json_decode");      /* ... [value] ordered msg offset */
  int ordered = top + ok + 1;
  if (ok != !lua_isnil(L, ordered)) fail("both decoders accept or both refuse", data, size);
  if (ok) {
    if (!same_json(top + 1, ordered, 0)) fail("both decoders give equal values", data, size);
    check_round_trip(top + 1, "the decoded document", data, size);
  } else if (strcmp(err.msg, lua_tostring(L, ordered + 1)) != 0 ||
             (lua_Integer)err.offset != lua_tointeger(L, ordered + 2)) {
    fprintf(stderr, "C: %s at %zu; Lua: %s at %lld\n", err.msg, err.offset,
            lua_tostring(L, ordered + 1), (long long)lua_tointeger(L, ordered + 2));
    fail("both decoders report the same error", data, size);
  }
  lua_settop(L, top);
}

/* One model: fast path, validate_json and the reference agree. */
static void check_model(int model, const uint8_t *data, size_t size, lg_buf *a, lg_buf *b) {
  int top = lua_gettop(L);
  lua_rawgeti(L, LUA_REGISTRYINDEX, run_ref);
  lua_pushvalue(L, model);
  lua_pushlstring(L, (const char *)data, size);
  pcall_or_abort(2, 10, "validation");
  /* fast v errs msg offset decoded rv rerrs rmsg roffset */
  int fast = top + 1, v = top + 2, errs = top + 3, msg = top + 4, offset = top + 5;
  int decoded = top + 6, rv = top + 7, rerrs = top + 8, rmsg = top + 9, roffset = top + 10;
  if (!lua_isnil(L, fast)) {
    if (lua_isnil(L, rv)) fail("the fast path accepts only what the validators accept", data, size);
    encode_or_abort(fast, a, "the fast path's value", data, size);
    encode_or_abort(rv, b, "the validators' value", data, size);
    if (!same_lua(fast, rv, 0) || a->len != b->len || memcmp(a->data, b->data, a->len) != 0) {
      fprintf(stderr, "fast path: %s\nvalidators: %s\n", a->data, b->data);
      fail("the fast path's value equals the validators'", data, size);
    }
  }
  if (lua_isnil(L, decoded)) {              /* not JSON: validate_json reports the decoder's error */
    if (!lua_isnil(L, v) || !lua_isnil(L, errs) || !lua_rawequal(L, msg, rmsg) ||
        !lua_rawequal(L, offset, roffset))
      fail("validate_json reports the decoder's JSON error", data, size);
  } else if (!lua_isnil(L, rv)) {
    if (lua_isnil(L, v) || !same_lua(v, rv, 0)) fail("validate_json returns the validators' value", data, size);
    check_round_trip(rv, "the validated value", data, size);
  } else {
    if (!lua_isnil(L, v) || !lua_isnil(L, msg) || lua_isnil(L, errs) || !same_lua(errs, rerrs, 0))
      fail("validate_json returns the validators' errors", data, size);
    if (lua_rawlen(L, rerrs) == 0) fail("a refusal has at least one error", data, size);
    encode_or_abort(rerrs, a, "the errors", data, size);
  }
  lua_settop(L, top);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  check_decoders(data, size);
  lg_buf a = LG_BUF_INIT, b = LG_BUF_INIT;
  lua_rawgeti(L, LUA_REGISTRYINDEX, models_ref);
  int models = lua_gettop(L);
  for (lua_Integer i = 1; i <= (lua_Integer)lua_rawlen(L, models); i++) {
    lua_rawgeti(L, models, i);
    check_model(lua_gettop(L), data, size, &a, &b);
    lua_pop(L, 1);
  }
  lua_settop(L, 0);
  lg_buf_free(&a);
  lg_buf_free(&b);
  return 0;
}
