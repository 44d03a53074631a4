/* Tests for core/json_decode.c and core/json_encode.c: strict rejection with Python-style
 * messages and offsets, exact numbers, shortest round-trip doubles, encoder rules. */
#include "test.h"
#include "core/json.h"
#include "util/buf.h"
#include "util/common.h"

#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

/* {====================== Helpers ====================== */

/* Deterministic xorshift64*, so a failing random case reproduces. */
static uint64_t rng_state = 0x9E3779B97F4A7C15ull;
static uint64_t rng(void) {
  rng_state ^= rng_state >> 12;
  rng_state ^= rng_state << 25;
  rng_state ^= rng_state >> 27;
  return rng_state * 0x2545F4914F6CDD1Dull;
}

/* A fresh state with the standard libraries (eval'd snippets use setmetatable, print). */
static lua_State *new_state(void) {
  lua_State *L = luaL_newstate();
  ASSERT_MSG(L != NULL, "luaL_newstate");
  luaL_openlibs(L);
  return L;
}

/* Runs a Lua chunk that returns one value and leaves that value on the stack. */
static void eval(lua_State *L, const char *code) {
  int top = lua_gettop(L);
  if (luaL_loadstring(L, code) != LUA_OK || lua_pcall(L, 0, 1, 0) != LUA_OK)
    LG_TEST_FAIL("Lua snippet failed: %s", lua_tostring(L, -1));
  ASSERT_INT_EQ(lua_gettop(L), top + 1, "snippet returns one value");
}

static int same_bits(double a, double b) {
  return memcmp(&a, &b, sizeof a) == 0;
}

/* Decodes text (n bytes) and asserts success with exactly one value pushed. */
static void decode_ok(lua_State *L, const char *text, size_t n) {
  lg_json_error err = {0, ""};
  int top = lua_gettop(L);
  int rc = lg_json_decode(L, text, n, LG_JSON_MAX_DEPTH, &err);
  if (rc != LG_OK) LG_TEST_FAIL("decode of '%.*s' failed: %s at %zu", (int)n, text, err.msg, err.offset);
  ASSERT_INT_EQ(lua_gettop(L), top + 1, "decode pushes exactly one value");
}

/* Encodes the value on top of the stack (and pops it); asserts success and compares. */
static void encode_expect(lua_State *L, const char *expected, const char *what) {
  lg_buf out = LG_BUF_INIT;
  char err[LG_ERRLEN] = "";
  int top = lua_gettop(L);
  int rc = lg_json_encode(L, -1, &out, err, sizeof err);
  if (rc != LG_OK) LG_TEST_FAIL("%s: encode failed: %s", what, err);
  ASSERT_INT_EQ(lua_gettop(L), top, "encode leaves the stack as it was");
  ASSERT_MEM_EQ(out.data, out.len, expected, strlen(expected), what);
  lg_buf_free(&out);
  lua_pop(L, 1);
}

/* Encodes the value on top of the stack (and pops it); asserts the error message. */
static void encode_fails(lua_State *L, const char *msg, const char *what) {
  lg_buf out = LG_BUF_INIT;
  char err[LG_ERRLEN] = "";
  lg_buf_appends(&out, "prefix");
  int top = lua_gettop(L);
  ASSERT_INT_EQ(lg_json_encode(L, -1, &out, err, sizeof err), LG_ERR, what);
  ASSERT_INT_EQ(lua_gettop(L), top, "failed encode leaves the stack as it was");
  ASSERT_STR_EQ(err, msg, what);
  ASSERT_STR_EQ(out.data, "prefix", "failed encode leaves the output as it was");
  lg_buf_free(&out);
  lua_pop(L, 1);
}

/* decode -> encode must give `expected` (the canonical form of text). */
static void roundtrip(lua_State *L, const char *text, size_t n, const char *expected) {
  decode_ok(L, text, n);
  encode_expect(L, expected, text);
}

#define LIT(s) s, sizeof(s) - 1   /* a string literal and its length (may hold NUL bytes) */

/* }====================== */

/* {====================== Decoder: rejection ====================== */

typedef struct reject_case {
  const char *text;
  size_t len;
  long offset;       /* expected err.offset */
  const char *msg;   /* expected err.msg */
} reject_case;

#define EV "Expecting value"
#define ED "Extra data"
#define EC "Expecting ',' delimiter"
#define EK "Expecting property name enclosed in double quotes"
#define UTF "Invalid UTF-8"
#define LONE "Lone surrogate in \\u escape"
#define BADU "Invalid \\uXXXX escape"

/* In the spirit of JSONTestSuite's n_ files. Where Python's json module also rejects an input,
 * message and offset are the ones it reports (checked against CPython 3.11). */
static const reject_case rejects[] = {
  {LIT("\xEF\xBB\xBF{}"), 0, "Unexpected UTF-8 BOM"},
  {LIT("NaN"), 0, EV},
  {LIT("Infinity"), 0, EV},
  {LIT("-Infinity"), 0, EV},
  {LIT("[NaN]"), 1, EV},
  {LIT("0x1F"), 1, ED},
  {LIT("01"), 1, ED},
  {LIT("-01"), 2, ED},
  {LIT("[01]"), 2, EC},
  {LIT("+1"), 0, EV},
  {LIT(".5"), 0, EV},
  {LIT("1."), 1, ED},
  {LIT("[1.]"), 2, EC},
  {LIT("1e"), 1, ED},
  {LIT("1e+"), 1, ED},
  {LIT("1E-"), 1, ED},
  {LIT("-"), 0, EV},
  {LIT("[-]"), 1, EV},
  {LIT("- 1"), 0, EV},
  {LIT("[1,]"), 3, EV},
  {LIT("{\"a\":1,}"), 7, EK},
  {LIT("[1,,2]"), 3, EV},
  {LIT("[,1]"), 1, EV},
  {LIT("{,}"), 1, EK},
  {LIT("/*c*/1"), 0, EV},
  {LIT("[1]//c"), 3, ED},
  {LIT("['a']"), 1, EV},
  {LIT("{'a':1}"), 1, EK},
  {LIT("{a:1}"), 1, EK},
  {LIT("{1:2}"), 1, EK},
  {LIT("\"a\x01\""), 2, "Invalid control character at"},
  {LIT("\"a\nb\""), 2, "Invalid control character at"},
  {LIT("\"a\x00b\""), 2, "Invalid control character at"},
  {LIT("\"\x1f\""), 1, "Invalid control character at"},
  {LIT("\"\\x\""), 1, "Invalid \\escape"},
  {LIT("\"\\'\""), 1, "Invalid \\escape"},
  {LIT("\"\\u12\""), 2, BADU},
  {LIT("\"\\u12xy\""), 2, BADU},
  {LIT("\"\\u-123\""), 2, BADU},
  {LIT("\"\\u\""), 2, BADU},
  {LIT("\"\\ud800\""), 1, LONE},
  {LIT("\"\\udc00\""), 1, LONE},
  {LIT("\"ab\\uDFFF\""), 3, LONE},
  {LIT("\"\\ud800\\u0041\""), 1, LONE},
  {LIT("\"\\ud800\\ud800\""), 1, LONE},
  {LIT("\"\\udc00\\udc00\""), 1, LONE},            /* low + low must not combine */
  {LIT("\"\\ud800x\""), 1, LONE},
  {LIT("\"\\ud800\\n\""), 1, LONE},
  {LIT("\"\\ud800\\u12\""), 8, BADU},
  {LIT("\"\xC0\x80\""), 1, UTF},                 /* overlong NUL */
  {LIT("\"\xC1\xBF\""), 1, UTF},                 /* overlong 0x7F */
  {LIT("\"\xE0\x80\x80\""), 1, UTF},             /* overlong 3-byte */
  {LIT("\"\xF0\x80\x80\x80\""), 1, UTF},         /* overlong 4-byte */
  {LIT("\"x\xED\xA0\x80\""), 2, UTF},            /* UTF-8-encoded surrogate U+D800 */
  {LIT("\"\xED\xBF\xBF\""), 1, UTF},             /* U+DFFF */
  {LIT("\"\xF4\x90\x80\x80\""), 1, UTF},         /* U+110000 */
  {LIT("\"\xF5\x80\x80\x80\""), 1, UTF},
  {LIT("\"\xE2\x82\""), 1, UTF},                 /* truncated euro sign */
  {LIT("\"ab\xE2\x82"), 3, UTF},                 /* truncated by end of input */
  {LIT("\"\x80\""), 1, UTF},                     /* stray continuation byte */
  {LIT("\"\xC3\xA9\xA9\""), 3, UTF},             /* continuation after a complete char */
  {LIT("\"\xFF\""), 1, UTF},
  {LIT("\"\\n\xFE\""), 3, UTF},                  /* also on the escaped path */
  {LIT("\xFF"), 0, EV},
  {LIT("\xC2\xA0" "1"), 0, EV},                  /* NBSP is not JSON whitespace */
  {LIT("\f1"), 0, EV},                           /* nor is form feed */
  {LIT("[1] x"), 4, ED},
  {LIT("{} {}"), 3, ED},
  {LIT("1 2"), 2, ED},
  {LIT("nulll"), 4, ED},
  {LIT("[1]\x00"), 3, ED},
  {LIT("{\"a\":1}}"), 7, ED},
  {LIT(""), 0, EV},
  {LIT(" \t\n\r"), 4, EV},
  {LIT("1e400"), 0, "Number out of range"},
  {LIT("-1e400"), 0, "Number out of range"},
  {LIT("[1,1.5e999]"), 3, "Number out of range"},
  {LIT("["), 1, EV},
  {LIT("]"), 0, EV},
  {LIT("{"), 1, EK},
  {LIT("[1"), 2, EC},
  {LIT("{\"a\""), 4, "Expecting ':' delimiter"},
  {LIT("{\"a\" 1}"), 5, "Expecting ':' delimiter"},
  {LIT("{\"a\":}"), 5, EV},
  {LIT("{\"name\":"), 8, EV},
  {LIT("{\"a\":1"), 6, EC},
  {LIT("{\"a\":1 \"b\":2}"), 7, EC},
  {LIT("[1 2]"), 3, EC},
  {LIT("tru"), 0, EV},
  {LIT("nul"), 0, EV},
  {LIT("True"), 0, EV},
  {LIT("[fals]"), 1, EV},
  {LIT("\"abc"), 0, "Unterminated string starting at"},
  {LIT("\"\\"), 0, "Unterminated string starting at"},
  {LIT("[\"a"), 1, "Unterminated string starting at"},
  {LIT("{\"a\":\"b\\n"), 5, "Unterminated string starting at"},
};

static void rejects_invalid_inputs(void) {
  lua_State *L = new_state();
  char what[160];
  for (size_t i = 0; i < LG_ARRAY_LEN(rejects); i++) {
    const reject_case *c = &rejects[i];
    lg_json_error err = {0, ""};
    lua_pushinteger(L, 42);   /* something below, which must stay untouched */
    int top = lua_gettop(L);
    snprintf(what, sizeof what, "reject case %zu (%.40s)", i, c->text);
    ASSERT_INT_EQ(lg_json_decode(L, c->text, c->len, LG_JSON_MAX_DEPTH, &err), LG_ERR, what);
    ASSERT_INT_EQ(lua_gettop(L), top, "failed decode pushes nothing");
    ASSERT_INT_EQ(lua_tointeger(L, -1), 42, "failed decode leaves the stack below alone");
    ASSERT_STR_EQ(err.msg, c->msg, what);
    ASSERT_INT_EQ(err.offset, c->offset, what);
    lua_pop(L, 1);
  }
  lua_close(L);
}

/* Builds "-"? + n digits ("1" then zeros) in a malloc'd buffer the caller frees. */
static char *long_integer(size_t n) {
  char *s = malloc(n + 1);
  if (s == NULL) return NULL;
  memset(s, '0', n);
  s[0] = '1';
  s[n] = '\0';
  return s;
}

static void rejects_number_overflow(void) {
  lua_State *L = new_state();
  lg_json_error err = {0, ""};
  char *big = long_integer(400);
  ASSERT_MSG(big != NULL, "allocation");
  int rc = lg_json_decode(L, big, 400, LG_JSON_MAX_DEPTH, &err);
  free(big);
  ASSERT_INT_EQ(rc, LG_ERR, "a 400-digit integer overflows a double");
  ASSERT_STR_EQ(err.msg, "Number out of range", "overflow message");
  ASSERT_INT_EQ(err.offset, 0, "overflow offset is the start of the literal");
  ASSERT_INT_EQ(lua_gettop(L), 0, "nothing pushed");

  char *ok = long_integer(300);   /* 1e299 fits */
  ASSERT_MSG(ok != NULL, "allocation");
  decode_ok(L, ok, 300);
  ASSERT_MSG(!lua_isinteger(L, -1), "a 300-digit integer is a float");
  ASSERT_MSG(same_bits(lua_tonumber(L, -1), strtod(ok, NULL)), "300 digits as strtod reads them");
  free(ok);
  lua_close(L);
}

/* n opening brackets (or {"a": prefixes) followed by as many closing ones. */
static char *nested(int n, int objects, size_t *len) {
  size_t open = objects ? 5 : 1, total = (size_t)n * (open + 1) + 1;
  char *s = malloc(total + 1);
  if (s == NULL) return NULL;
  char *p = s;
  for (int i = 0; i < n; i++) { memcpy(p, objects ? "{\"a\":" : "[", open); p += open; }
  *p++ = '0';
  for (int i = 0; i < n; i++) *p++ = objects ? '}' : ']';
  *p = '\0';
  *len = (size_t)(p - s);
  return s;
}

static void limits_nesting_depth(void) {
  lua_State *L = new_state();
  lg_json_error err = {0, ""};
  size_t len;
  char *s = nested(512, 0, &len);
  ASSERT_MSG(s != NULL, "allocation");
  ASSERT_INT_EQ(lg_json_decode(L, s, len, 512, &err), LG_OK, "512 deep arrays with max_depth 512");
  lua_pop(L, 1);
  free(s);

  s = nested(513, 0, &len);
  ASSERT_MSG(s != NULL, "allocation");
  ASSERT_INT_EQ(lg_json_decode(L, s, len, 512, &err), LG_ERR, "513 deep arrays with max_depth 512");
  ASSERT_STR_EQ(err.msg, "Maximum nesting depth exceeded", "depth message");
  ASSERT_INT_EQ(err.offset, 512, "offset of the 513th '['");
  free(s);

  s = nested(513, 1, &len);
  ASSERT_MSG(s != NULL, "allocation");
  ASSERT_INT_EQ(lg_json_decode(L, s, len, 512, &err), LG_ERR, "513 deep objects with max_depth 512");
  ASSERT_INT_EQ(err.offset, 512 * 5, "offset of the 513th '{'");
  free(s);

  /* A huge max_depth is capped, so 100000 '[' cannot exhaust the C stack. */
  s = nested(100000, 0, &len);
  ASSERT_MSG(s != NULL, "allocation");
  ASSERT_INT_EQ(lg_json_decode(L, s, len, 1 << 30, &err), LG_ERR, "100000 deep with max_depth 2^30");
  ASSERT_STR_EQ(err.msg, "Maximum nesting depth exceeded", "capped depth message");
  ASSERT_INT_EQ(err.offset, 4096, "the cap is 4096 levels");
  free(s);

  ASSERT_INT_EQ(lg_json_decode(L, LIT("[]"), 0, &err), LG_ERR, "max_depth 0 refuses any container");
  ASSERT_INT_EQ(lg_json_decode(L, LIT("7"), 0, &err), LG_OK, "max_depth 0 allows a scalar");
  lua_pop(L, 1);
  ASSERT_INT_EQ(lua_gettop(L), 0, "stack balanced");
  lua_close(L);
}

/* }====================== */

/* {====================== Decoder: acceptance ====================== */

typedef struct accept_case {
  const char *text;
  size_t len;
  const char *canonical;   /* what the encoder writes back */
} accept_case;

/* In the spirit of JSONTestSuite's y_ files; multi-key objects are avoided because the
 * encoder writes plain tables in lua_next order. */
static const accept_case accepts[] = {
  {LIT("{}"), "{}"},
  {LIT("[]"), "[]"},
  {LIT(" [ ] "), "[]"},
  {LIT("[[[]]]"), "[[[]]]"},
  {LIT("[{}]"), "[{}]"},
  {LIT("{\"a\":{\"b\":[1,{\"c\":[]}]}}"), "{\"a\":{\"b\":[1,{\"c\":[]}]}}"},
  {LIT("\"\\\"\\\\\\/\\b\\f\\n\\r\\t\""), "\"\\\"\\\\/\\b\\f\\n\\r\\t\""},
  {LIT("\"\\u00e9\""), "\"\xC3\xA9\""},
  {LIT("\"\\u00E9x\""), "\"\xC3\xA9x\""},
  {LIT("\"\\u20ac\""), "\"\xE2\x82\xAC\""},
  {LIT("\"\\ud83d\\ude00\""), "\"\xF0\x9F\x98\x80\""},
  {LIT("\"\\uD834\\uDD1E\""), "\"\xF0\x9D\x84\x9E\""},
  {LIT("\"\\uDBFF\\uDFFF\""), "\"\xF4\x8F\xBF\xBF\""},
  {LIT("\"\xF0\x9F\x98\x80 \xE2\x82\xAC \xC3\xA9\""), "\"\xF0\x9F\x98\x80 \xE2\x82\xAC \xC3\xA9\""},
  {LIT("\"\xEF\xBF\xBF\xF4\x8F\xBF\xBF\xED\x9F\xBF\xEE\x80\x80\""), "\"\xEF\xBF\xBF\xF4\x8F\xBF\xBF\xED\x9F\xBF\xEE\x80\x80\""},
  {LIT("\"\\u2028\""), "\"\xE2\x80\xA8\""},
  {LIT("\"\\u0000\""), "\"\\u0000\""},
  {LIT("\"\\u001F\""), "\"\\u001f\""},
  {LIT("\"a\\\"b\""), "\"a\\\"b\""},
  {LIT("\"\x7F\""), "\"\x7F\""},
  {LIT("[\"\",\"\"]"), "[\"\",\"\"]"},
  {LIT("0"), "0"},
  {LIT("-0"), "0"},
  {LIT("-0.0"), "-0.0"},
  {LIT("1E2"), "100.0"},
  {LIT("1E+2"), "100.0"},
  {LIT("1e-2"), "0.01"},
  {LIT("-1.5e+3"), "-1500.0"},
  {LIT("0.5e1"), "5.0"},
  {LIT("0e99999"), "0.0"},
  {LIT("1e-400"), "0.0"},
  {LIT("[1e308]"), "[1e+308]"},
  {LIT("123456789012345678"), "123456789012345678"},
  {LIT("[0,-1,2]"), "[0,-1,2]"},
  {LIT("12.5"), "12.5"},
  {LIT("{\"a\":1,\"a\":2}"), "{\"a\":2}"},
  {LIT(" \t\n\r[ \t\n\r1 \t\n\r, \t\n\r{ \t\n\r\"k\" \t\n\r: \t\n\rtrue \t\n\r} \t\n\r] \t\n\r"),
   "[1,{\"k\":true}]"},
  {LIT("true"), "true"},
  {LIT("false"), "false"},
  {LIT("null"), "null"},
  {LIT("[null,null]"), "[null,null]"},
  {LIT("\"s\""), "\"s\""},
  {LIT("{\"\":\"\"}"), "{\"\":\"\"}"},
  {LIT("{\"1\":1}"), "{\"1\":1}"},
};

static void accepts_valid_inputs(void) {
  lua_State *L = new_state();
  for (size_t i = 0; i < LG_ARRAY_LEN(accepts); i++)
    roundtrip(L, accepts[i].text, accepts[i].len, accepts[i].canonical);
  ASSERT_INT_EQ(lua_gettop(L), 0, "stack balanced");
  lua_close(L);
}

static void decodes_values_to_lua(void) {
  lua_State *L = new_state();
  decode_ok(L, LIT("{\"s\":\"x\\u00e9\",\"t\":true,\"f\":false,\"n\":null,\"a\":[1,2],\"o\":{}}"));
  ASSERT_INT_EQ(lua_getmetatable(L, -1), 0, "objects carry no metatable");
  ASSERT_INT_EQ(lua_getfield(L, -1, "s"), LUA_TSTRING, "string value");
  ASSERT_STR_EQ(lua_tostring(L, -1), "x\xC3\xA9", "escaped string");
  lua_pop(L, 1);
  ASSERT_INT_EQ(lua_getfield(L, -1, "t"), LUA_TBOOLEAN, "true is a boolean");
  ASSERT_INT_EQ(lua_toboolean(L, -1), 1, "true");
  lua_pop(L, 1);
  ASSERT_INT_EQ(lua_getfield(L, -1, "f"), LUA_TBOOLEAN, "false is a boolean");
  ASSERT_INT_EQ(lua_toboolean(L, -1), 0, "false");
  lua_pop(L, 1);
  ASSERT_INT_EQ(lua_getfield(L, -1, "n"), LUA_TLIGHTUSERDATA, "null is a light userdata");
  ASSERT_MSG(lua_touserdata(L, -1) == NULL, "null is the NULL light userdata (cjson.null)");
  lua_pop(L, 1);
  ASSERT_INT_EQ(lua_getfield(L, -1, "a"), LUA_TTABLE, "array is a table");
  ASSERT_INT_EQ(lua_rawlen(L, -1), 2, "array length");
  ASSERT_INT_EQ(lua_getmetatable(L, -1), 1, "array has a metatable");
  lg_json_push_array_mt(L);
  ASSERT_MSG(lua_rawequal(L, -1, -2), "it is the shared array metatable");
  ASSERT_INT_EQ(lua_getfield(L, -1, "__name"), LUA_TSTRING, "metatable has __name");
  ASSERT_STR_EQ(lua_tostring(L, -1), "json.array", "__name");
  lua_pop(L, 3);
  ASSERT_INT_EQ(lua_getfield(L, LUA_REGISTRYINDEX, LG_JSON_ARRAY_MT), LUA_TTABLE, "registered");
  ASSERT_MSG(lua_getmetatable(L, -2) && lua_rawequal(L, -1, -2), "registry holds the same metatable");
  lua_pop(L, 3);
  ASSERT_INT_EQ(lua_getfield(L, -1, "o"), LUA_TTABLE, "empty object is a table");
  ASSERT_INT_EQ(lua_getmetatable(L, -1), 0, "empty object has no metatable");
  lua_pop(L, 2);
  ASSERT_INT_EQ(lua_gettop(L), 0, "stack balanced");
  lua_close(L);
}

/* Strings longer than luaL_Buffer's on-stack part (1 KB) move to a Lua-owned box. */
static void decodes_long_strings(void) {
  lua_State *L = new_state();
  lg_buf json = LG_BUF_INIT, want = LG_BUF_INIT;
  lg_buf_appendc(&json, '"');
  for (int i = 0; i < 3000; i++) {
    lg_buf_appends(&json, i % 7 ? "ab\xC3\xA9" : "\\n\\u00e9\\ud83d\\ude00");
    lg_buf_appends(&want, i % 7 ? "ab\xC3\xA9" : "\n\xC3\xA9\xF0\x9F\x98\x80");
  }
  lg_buf_appendc(&json, '"');
  decode_ok(L, json.data, json.len);
  size_t n;
  const char *s = lua_tolstring(L, -1, &n);
  ASSERT_MSG(n == want.len && memcmp(s, want.data, n) == 0, "long escaped string decodes exactly");
  lua_pop(L, 1);

  /* an error after the buffer moved to its Lua-owned box: nothing pushed, nothing leaked */
  lg_json_error err = {0, ""};
  json.data[json.len - 1] = '\\';
  lg_buf_appends(&json, "q\"");
  ASSERT_INT_EQ(lg_json_decode(L, json.data, json.len, 8, &err), LG_ERR, "bad escape after 3000 chunks");
  ASSERT_STR_EQ(err.msg, "Invalid \\escape", "message after a long buffer");
  ASSERT_INT_EQ(err.offset, json.len - 3, "offset of the last backslash");
  ASSERT_INT_EQ(lua_gettop(L), 0, "failed decode of a long string pushes nothing");

  lg_buf_reset(&json);   /* and a long plain one, pushed straight from the input */
  lg_buf_appendc(&json, '"');
  for (int i = 0; i < 5000; i++) lg_buf_appends(&json, "xyz\xE2\x82\xAC");
  lg_buf_appendc(&json, '"');
  decode_ok(L, json.data, json.len);
  ASSERT_INT_EQ(lua_rawlen(L, -1), json.len - 2, "long plain string length");
  lua_pop(L, 1);
  lg_buf_free(&json);
  lg_buf_free(&want);
  lua_close(L);
}

static void decodes_large_containers(void) {
  lua_State *L = new_state();
  lg_buf json = LG_BUF_INIT, obj = LG_BUF_INIT;
  lg_buf_appendc(&json, '[');
  lg_buf_appendc(&obj, '{');
  for (int i = 0; i < 10000; i++) {
    lg_buf_appendf(&json, "%s%d", i ? "," : "", i);
    lg_buf_appendf(&obj, "%s\"k%d\":%d", i ? "," : "", i, i);
  }
  lg_buf_appendc(&json, ']');
  lg_buf_appendc(&obj, '}');
  decode_ok(L, json.data, json.len);
  ASSERT_INT_EQ(lua_rawlen(L, -1), 10000, "array length");
  ASSERT_INT_EQ(lua_rawgeti(L, -1, 9999), LUA_TNUMBER, "element 9999");
  ASSERT_INT_EQ(lua_tointeger(L, -1), 9998, "element 9999 value");
  lua_pop(L, 1);
  encode_expect(L, json.data, "10000-element array round trip");
  decode_ok(L, obj.data, obj.len);
  ASSERT_INT_EQ(lua_getfield(L, -1, "k7777"), LUA_TNUMBER, "key k7777");
  ASSERT_INT_EQ(lua_tointeger(L, -1), 7777, "value of k7777");
  lua_pop(L, 2);
  lg_buf_free(&json);
  lg_buf_free(&obj);
  lua_close(L);
}

/* }====================== */

/* {====================== Numbers ====================== */

/* Decodes text and checks it is the integer v. */
static void expect_integer(lua_State *L, const char *text, lua_Integer v) {
  decode_ok(L, text, strlen(text));
  ASSERT_MSG(lua_isinteger(L, -1), text);
  ASSERT_INT_EQ(lua_tointeger(L, -1), v, text);
  lua_pop(L, 1);
}

/* Decodes text and checks it is a float with the bits of strtod(text). */
static void expect_float(lua_State *L, const char *text) {
  decode_ok(L, text, strlen(text));
  ASSERT_MSG(lua_type(L, -1) == LUA_TNUMBER && !lua_isinteger(L, -1), text);
  if (!same_bits(lua_tonumber(L, -1), strtod(text, NULL)))
    LG_TEST_FAIL("'%s' decoded as %.17g, strtod says %.17g", text, lua_tonumber(L, -1), strtod(text, NULL));
  lua_pop(L, 1);
}

static void decodes_exact_numbers(void) {
  lua_State *L = new_state();
  expect_integer(L, "9007199254740993", 9007199254740993LL);   /* 2^53 + 1: not a double */
  expect_integer(L, "9223372036854775807", INT64_MAX);
  expect_integer(L, "-9223372036854775808", INT64_MIN);
  expect_integer(L, "-0", 0);
  expect_integer(L, "1", 1);
  expect_integer(L, "1000000000000000000", 1000000000000000000LL);
  expect_float(L, "9223372036854775808");
  expect_float(L, "-9223372036854775809");
  expect_float(L, "18446744073709551616");
  expect_float(L, "99999999999999999999");
  expect_float(L, "1.0");
  expect_float(L, "0.1234567890123456789");
  expect_float(L, "2.2250738585072011e-308");    /* the old PHP/Java hang value */
  expect_float(L, "4.9406564584124654e-324");
  expect_float(L, "1.7976931348623157e308");
  expect_float(L, "9007199254740993.0");          /* 2^53 + 1: needs strtod's rounding */
  expect_float(L, "123456789012345678901234567890e-10");
  expect_float(L, "0.00000000000000000000000000000000000000000000000000000000000000000000000000001");
  expect_float(L, "1e22");
  expect_float(L, "1e23");
  expect_float(L, "-1e-22");
  expect_float(L, "8.98846567431158e307");

  decode_ok(L, LIT("0.1234567890123456789"));
  encode_expect(L, "0.12345678901234568", "0.1234567890123456789 encodes back shortest");
  lua_close(L);
}

static void formats_doubles(void) {
  static const struct { double d; const char *s; } cases[] = {
    {0.1, "0.1"}, {1.0, "1.0"}, {-1.0, "-1.0"}, {0.0, "0.0"}, {-0.0, "-0.0"},
    {1e21, "1e+21"}, {1e100, "1e+100"}, {1e15, "1e+15"}, {123456789012345.0, "123456789012345.0"},
    {0.1 + 0.2, "0.30000000000000004"}, {9007199254740992.0, "9007199254740992.0"},
    {0.1234567890123456789, "0.12345678901234568"}, {12.5, "12.5"}, {1e-7, "1e-07"},
    {1.7976931348623157e308, "1.7976931348623157e+308"},
  };
  char buf[32];
  for (size_t i = 0; i < LG_ARRAY_LEN(cases); i++) {
    int n = lg_json_format_double(cases[i].d, buf);
    ASSERT_STR_EQ(buf, cases[i].s, "format_double");
    ASSERT_INT_EQ(n, strlen(cases[i].s), "format_double length");
  }
  lg_json_format_double(5e-324, buf);   /* shortest that round-trips; only the round trip matters */
  ASSERT_MSG(strtod(buf, NULL) == 5e-324, "smallest denormal reads back");
}

/* The spec's algorithm, written the slow way: lg_json_format_double must print the same. */
static void reference_format(double d, char out[40]) {
  int prec = 15;
  do snprintf(out, 40, "%.*g", prec, d);
  while (strtod(out, NULL) != d && ++prec < 17);
  if (prec == 17) snprintf(out, 40, "%.17g", d);
  if (strpbrk(out, ".en") == NULL) strcat(out, ".0");
  if (d == 0) strcpy(out, signbit(d) ? "-0.0" : "0.0");
}

static void expect_reference_format(double d) {
  char got[32], want[40];
  lg_json_format_double(d, got);
  reference_format(d, want);
  if (strcmp(got, want) != 0) LG_TEST_FAIL("%a formats as %s, the %%.15g/16g/17g rule says %s", d, got, want);
}

/* Short decimals take a fast path (no snprintf): it must agree with the rule exactly,
 * including at its edges (1e-4, 1e15, 15 digits). */
static void format_fast_path_matches_rule(void) {
  static const double edges[] = {
    1e-4, 1.5e-4, 9.999e-5, 0.001, 0.0123, 0.1, 0.5, 0.3, 0.7, 0.30000000000000004, 12.5,
    99999999999999.9, 999999999999999.9, 99999999999999.99, 1e15 - 0.5, 123456789.123456,
    0.123456789012345, 0.1234567890123456, 1.25e-3, 4.35, 2.675, 1.005, 1e14 + 0.25,
  };
  for (size_t i = 0; i < LG_ARRAY_LEN(edges); i++) {
    expect_reference_format(edges[i]);
    expect_reference_format(-edges[i]);
  }
  char text[48];
  for (int i = 0; i < 200000; i++) {   /* decimals of 1..17 digits, scaled around 1e-6..1e16 */
    unsigned long long m = rng() % 100000000000000000ull >> (rng() % 57);
    snprintf(text, sizeof text, "%llue%d", m, (int)(rng() % 23) - 17);
    expect_reference_format(strtod(text, NULL));
  }
}

/* Random bit patterns: the text must read back bit-identically through strtod and through
 * the decoder (as a float, never an integer). */
static void doubles_round_trip(void) {
  lua_State *L = new_state();
  lg_json_error err;
  char buf[32];
  int tested = 0;
  for (int i = 0; i < 100000; i++) {
    uint64_t bits = rng();
    double d;
    memcpy(&d, &bits, sizeof d);
    if (!isfinite(d)) continue;
    int n = lg_json_format_double(d, buf);
    ASSERT_MSG(n > 0 && n < 32 && (size_t)n == strlen(buf), "length fits");
    if (!same_bits(strtod(buf, NULL), d)) LG_TEST_FAIL("%s does not read back as %a", buf, d);
    expect_reference_format(d);
    if (lg_json_decode(L, buf, (size_t)n, 1, &err) != LG_OK) LG_TEST_FAIL("cannot decode %s: %s", buf, err.msg);
    if (lua_isinteger(L, -1) || !same_bits(lua_tonumber(L, -1), d))
      LG_TEST_FAIL("decoding %s does not give %a", buf, d);
    lua_pop(L, 1);
    tested++;
  }
  ASSERT_MSG(tested > 99000, "nearly all bit patterns are finite");
  lua_close(L);
}

/* Short literals, mostly inside Clinger's fast path (mantissa < 2^53, |exp10| <= 22), some
 * just outside it: the decoder must agree with strtod bit for bit. */
static void fast_path_agrees_with_strtod(void) {
  lua_State *L = new_state();
  char text[64];
  for (int i = 0; i < 5000; i++) {
    int ndig = 1 + (int)(rng() % 17), dot = (int)(rng() % (unsigned)(ndig + 1)), n = 0;
    int exp = (int)(rng() % 61) - 30, has_exp = dot == ndig || rng() % 2;
    if (i & 1) text[n++] = '-';
    if (dot == 0) text[n++] = '0';                    /* ".5" is not JSON: write "0.5" */
    for (int k = 0; k < ndig; k++) {
      if (k == dot) text[n++] = '.';
      text[n++] = (char)('0' + (k == 0 && dot > 0 ? 1 + rng() % 9 : rng() % 10));
    }
    if (has_exp) n += snprintf(text + n, sizeof text - (size_t)n, "%c%d", i & 2 ? 'E' : 'e', exp);
    text[n] = '\0';
    expect_float(L, text);
  }
  lua_close(L);
}

/* }====================== */

/* {====================== Encoder ====================== */

static void encodes_strings(void) {
  lua_State *L = new_state();
  lg_buf in = LG_BUF_INIT, want = LG_BUF_INIT;
  static const char *esc[32] = {
    "\\u0000", "\\u0001", "\\u0002", "\\u0003", "\\u0004", "\\u0005", "\\u0006", "\\u0007",
    "\\b", "\\t", "\\n", "\\u000b", "\\f", "\\r", "\\u000e", "\\u000f",
    "\\u0010", "\\u0011", "\\u0012", "\\u0013", "\\u0014", "\\u0015", "\\u0016", "\\u0017",
    "\\u0018", "\\u0019", "\\u001a", "\\u001b", "\\u001c", "\\u001d", "\\u001e", "\\u001f",
  };
  lg_buf_appendc(&want, '"');
  for (int c = 0; c < 32; c++) {
    lg_buf_appendc(&in, (char)c);
    lg_buf_appendc(&in, 'x');
    lg_buf_appends(&want, esc[c]);
    lg_buf_appendc(&want, 'x');
  }
  lg_buf_appends(&in, "\"\\/\x7F\xC3\xA9\xF0\x9F\x98\x80\xEF\xBF\xBF");
  lg_buf_appends(&want, "\\\"\\\\/\x7F\xC3\xA9\xF0\x9F\x98\x80\xEF\xBF\xBF\"");
  lua_pushlstring(L, in.data, in.len);
  encode_expect(L, want.data, "control characters, quote, backslash, solidus, UTF-8");
  lua_pushliteral(L, "");
  encode_expect(L, "\"\"", "empty string");

  lua_pushliteral(L, "ok\xC0\x80");
  encode_fails(L, "invalid UTF-8 in string", "overlong NUL");
  lua_pushliteral(L, "\xED\xA0\x80");
  encode_fails(L, "invalid UTF-8 in string", "encoded surrogate");
  lua_pushliteral(L, "abc\xE2\x82");
  encode_fails(L, "invalid UTF-8 in string", "truncated sequence");
  lua_pushliteral(L, "\xF4\x90\x80\x80");
  encode_fails(L, "invalid UTF-8 in string", "above U+10FFFF");
  lua_newtable(L);
  lua_pushliteral(L, "\xFF");
  lua_setfield(L, -2, "k");
  encode_fails(L, "invalid UTF-8 in string", "invalid UTF-8 in a nested value");
  lua_newtable(L);
  lua_pushliteral(L, "v");
  lua_setfield(L, -2, "\x80");
  encode_fails(L, "invalid UTF-8 in string", "invalid UTF-8 in a key");
  lg_buf_free(&in);
  lg_buf_free(&want);
  lua_close(L);
}

static void encodes_numbers(void) {
  lua_State *L = new_state();
  static const struct { lua_Integer v; const char *s; } ints[] = {
    {0, "0"}, {-1, "-1"}, {9, "9"}, {10, "10"}, {99, "99"}, {100, "100"}, {-12345, "-12345"},
    {INT64_MAX, "9223372036854775807"}, {INT64_MIN, "-9223372036854775808"},
  };
  for (size_t i = 0; i < LG_ARRAY_LEN(ints); i++) {
    lua_pushinteger(L, ints[i].v);
    encode_expect(L, ints[i].s, "integer");
  }
  lua_pushnumber(L, 1.0);
  encode_expect(L, "1.0", "a float stays a float");
  lua_pushnumber(L, -0.0);
  encode_expect(L, "-0.0", "negative zero");
  lua_pushnumber(L, NAN);
  encode_fails(L, "cannot encode NaN or Infinity", "NaN");
  lua_pushnumber(L, HUGE_VAL);
  encode_fails(L, "cannot encode NaN or Infinity", "Infinity");
  lua_createtable(L, 1, 0);
  lua_pushnumber(L, -HUGE_VAL);
  lua_rawseti(L, -2, 1);
  encode_fails(L, "cannot encode NaN or Infinity", "-Infinity inside an array");
  lua_close(L);
}

static void encodes_tables(void) {
  lua_State *L = new_state();
  lua_newtable(L);
  lg_json_push_array_mt(L);
  lua_setmetatable(L, -2);
  encode_expect(L, "[]", "array metatable on an empty table");
  lua_newtable(L);
  encode_expect(L, "{}", "empty plain table");
  eval(L, "return {1, 'two', true, {}}");
  encode_expect(L, "[1,\"two\",true,{}]", "sequence");
  eval(L, "return {[2] = 'x'}");
  encode_expect(L, "{\"2\":\"x\"}", "integer key not starting at 1");
  eval(L, "return {[-7] = 1}");
  encode_expect(L, "{\"-7\":1}", "negative integer key");
  eval(L, "return {[1.5] = 1}");
  encode_expect(L, "{\"1.5\":1}", "float key");
  eval(L, "return {[2^63] = 1}");
  encode_expect(L, "{\"9.223372036854776e+18\":1}", "integral float key beyond int64");
  eval(L, "return {nil, nil, 3}");   /* a constructor sizes the array part to 3 */
  encode_expect(L, "{\"3\":3}", "keys {3} are not 1..n");
  lua_pushnil(L);
  encode_expect(L, "null", "nil");
  lua_pushlightuserdata(L, NULL);
  encode_expect(L, "null", "NULL light userdata");

  /* a table with the array metatable: t[1..rawlen], holes as null, other keys ignored */
  eval(L, "return {1, nil, 3, x = 1}");
  lg_json_push_array_mt(L);
  lua_setmetatable(L, -2);
  encode_expect(L, "[1,null,3]", "array metatable with a hole");
  lua_close(L);
}

static void encodes_order_metatable(void) {
  lua_State *L = new_state();
  eval(L, "return setmetatable({c = 3, a = 1, b = 2, z = 26}, {__order = {'b', 'a', 'missing', 'c'}})");
  encode_expect(L, "{\"b\":2,\"a\":1,\"c\":3,\"z\":26}", "__order first, then the rest");
  eval(L, "return setmetatable({a = 1, b = 2}, {__order = {'b', 'a'}})");
  encode_expect(L, "{\"b\":2,\"a\":1}", "__order naming every key");
  eval(L, "return setmetatable({}, {__order = {'a'}})");
  encode_expect(L, "{}", "__order on an empty table");
  eval(L, "return setmetatable({[1] = 'x'}, {__order = {}})");
  encode_expect(L, "{\"1\":\"x\"}", "__order makes an object even of a sequence");
  eval(L, "return setmetatable({a = 1}, {__order = 'nope'})");
  encode_expect(L, "{\"a\":1}", "__order that is not a table is ignored");
  eval(L, "return setmetatable({a = 1}, {__order = {1}})");
  encode_fails(L, "__order entries must be strings", "__order with a number");
  /* more entries than the C-side key pool holds: the Lua-level membership scan */
  eval(L,
    "local o, t = {}, {extra = true}\n"
    "for i = 1, 300 do o[i] = 'k' .. i; if i % 30 == 0 then t['k' .. i] = i end end\n"
    "return setmetatable(t, {__order = o})");
  encode_expect(L, "{\"k30\":30,\"k60\":60,\"k90\":90,\"k120\":120,\"k150\":150,\"k180\":180,"
                   "\"k210\":210,\"k240\":240,\"k270\":270,\"k300\":300,\"extra\":true}", "long __order list");
  /* nested ordered tables each take a slice of the pool; extras at both levels */
  eval(L,
    "local inner = setmetatable({y = 2, x = 1, extra_in = 0}, {__order = {'x', 'y'}})\n"
    "return setmetatable({z = 26, inner = inner, a = 1, extra_out = 0}, {__order = {'a', 'inner', 'z'}})");
  encode_expect(L, "{\"a\":1,\"inner\":{\"x\":1,\"y\":2,\"extra_in\":0},\"z\":26,\"extra_out\":0}",
                "nested __order tables");
  /* __index on the metatable must not be consulted */
  eval(L, "return setmetatable({a = 1}, {__order = {'a', 'b'}, __index = function() return 9 end})");
  encode_expect(L, "{\"a\":1}", "raw access only");
  lua_close(L);
}

static void encode_rejects_unencodable(void) {
  lua_State *L = new_state();
  eval(L, "return {[true] = 1}");
  encode_fails(L, "table key must be a string or number", "boolean key");
  eval(L, "return {[{}] = 1}");
  encode_fails(L, "table key must be a string or number", "table key");
  eval(L, "local t = {}; t.self = t; return t");
  encode_fails(L, "nesting too deep (cycle?)", "self-referencing table");
  eval(L, "local t = {}; t[1] = t; return t");
  encode_fails(L, "nesting too deep (cycle?)", "self-referencing sequence");
  eval(L, "local t = setmetatable({}, {__order = {'self'}}); t.self = t; return t");
  encode_fails(L, "nesting too deep (cycle?)", "self-referencing ordered table");
  eval(L, "local a = setmetatable({}, {__order = {'b'}}); a.b = {a}; return a");
  encode_fails(L, "nesting too deep (cycle?)", "cycle through an array");
  eval(L, "return {f = print}");
  encode_fails(L, "cannot encode a function", "function value");
  lua_newuserdata(L, 8);
  encode_fails(L, "cannot encode a userdata", "full userdata");
  lua_pushlightuserdata(L, L);
  encode_fails(L, "cannot encode a userdata", "non-NULL light userdata");
  lua_newthread(L);
  encode_fails(L, "cannot encode a thread", "thread");
  ASSERT_INT_EQ(lua_gettop(L), 0, "stack balanced");
  lua_close(L);
}

/* Canonical text (compact, raw UTF-8, shortest numbers, single-key objects) survives
 * decode -> encode byte for byte; multi-key objects keep their order through __order. */
static void round_trips_documents(void) {
  lua_State *L = new_state();
  static const char doc[] =
    "{\"a\":[1,-2,3.5,\"x\xC3\xA9\\n\\\"q\\\"\\\\\",true,false,null,{\"b\":[[],{},[{}]]},"
    "9223372036854775807,-9223372036854775808,1e+300,0.1,-0.0,1.0,\"\\u0001\"]}";
  roundtrip(L, LIT(doc), doc);

  decode_ok(L, LIT("{\"id\":7,\"name\":\"honey\",\"tags\":[\"a\",\"b\"],\"horn\":12.5,\"x\":null}"));
  eval(L, "return {__order = {'id', 'name', 'tags', 'horn', 'x'}}");
  lua_setmetatable(L, -2);
  encode_expect(L, "{\"id\":7,\"name\":\"honey\",\"tags\":[\"a\",\"b\"],\"horn\":12.5,\"x\":null}",
                "__order round trip");

  lg_buf out = LG_BUF_INIT;   /* encode appends, and accepts a negative index */
  char err[LG_ERRLEN];
  lg_buf_appends(&out, "line:");
  lua_pushinteger(L, 5);
  lua_pushnil(L);
  ASSERT_INT_EQ(lg_json_encode(L, -2, &out, err, sizeof err), LG_OK, "encode at -2");
  ASSERT_STR_EQ(out.data, "line:5", "appended");
  ASSERT_INT_EQ(lua_gettop(L), 2, "stack balanced");
  lg_buf_free(&out);
  lua_close(L);
}

/* }====================== */

const lg_test_case json_tests[] = {
  {"rejects_invalid_inputs", rejects_invalid_inputs},
  {"rejects_number_overflow", rejects_number_overflow},
  {"limits_nesting_depth", limits_nesting_depth},
  {"accepts_valid_inputs", accepts_valid_inputs},
  {"decodes_values_to_lua", decodes_values_to_lua},
  {"decodes_long_strings", decodes_long_strings},
  {"decodes_large_containers", decodes_large_containers},
  {"decodes_exact_numbers", decodes_exact_numbers},
  {"formats_doubles", formats_doubles},
  {"format_fast_path_matches_rule", format_fast_path_matches_rule},
  {"doubles_round_trip", doubles_round_trip},
  {"fast_path_agrees_with_strtod", fast_path_agrees_with_strtod},
  {"encodes_strings", encodes_strings},
  {"encodes_numbers", encodes_numbers},
  {"encodes_tables", encodes_tables},
  {"encodes_order_metatable", encodes_order_metatable},
  {"encode_rejects_unencodable", encode_rejects_unencodable},
  {"round_trips_documents", round_trips_documents},
  {NULL, NULL},
};
