/* Tests for core/schema.c, the validate-while-decoding fast path, on a small hand-built
 * program: {"name": string 1..5 chars, "count": integer >= 0 (default 10)}, extra keys
 * forbidden. Accepted documents become tables; anything else is LG_ERR with the stack
 * as it was. */
#include "test.h"
#include "core/json.h"
#include "core/schema.h"
#include "util/common.h"

#include <lauxlib.h>
#include <lualib.h>

enum { K_NAME = 1, K_COUNT, K_MT, K_ORDER, K_ARRAY_MT, K_TEN, K_CONSTS = K_TEN };

static lg_snode nodes[3];
static lg_sfield fields[2];
static lg_schema program = {.nodes = nodes, .nnodes = 3, .fields = fields, .nfields = 2, .root = 0,
                            .array_mt = K_ARRAY_MT};

/* Pushes the constants table and fills the program's nodes and fields. */
static void setup(lua_State *L) {
  lua_createtable(L, K_CONSTS, 0);
  lua_pushliteral(L, "name");
  lua_rawseti(L, -2, K_NAME);
  lua_pushliteral(L, "count");
  lua_rawseti(L, -2, K_COUNT);
  lua_newtable(L);
  lua_rawseti(L, -2, K_MT);
  lua_newtable(L);
  lua_rawseti(L, -2, K_ORDER);
  lg_json_push_array_mt(L);
  lua_rawseti(L, -2, K_ARRAY_MT);
  lua_pushinteger(L, 10);
  lua_rawseti(L, -2, K_TEN);
  memset(nodes, 0, sizeof nodes);
  nodes[0] = (lg_snode){.kind = LG_SK_MODEL, .first = 0, .count = 2, .konst = K_MT, .order = K_ORDER,
                        .extra = LG_SX_FORBID, .min = -1, .max = -1, .child = -1, .format = -1};
  nodes[1] = (lg_snode){.kind = LG_SK_STRING, .min = 1, .max = 5, .child = -1, .format = -1};
  nodes[2] = (lg_snode){.kind = LG_SK_INTEGER, .bounds = LG_SB_GE, .ige = 0, .min = -1, .max = -1, .child = -1, .format = -1};
  fields[0] = (lg_sfield){.key = "name", .key_len = 4, .name = K_NAME, .node = 1, .dflt = 0,
                          .missing = LG_SM_REQUIRED, .inplace = 1};
  fields[1] = (lg_sfield){.key = "count", .key_len = 5, .name = K_COUNT, .node = 2, .dflt = K_TEN,
                          .missing = LG_SM_VALUE, .inplace = 1};
}

static lua_State *new_state(void) {
  lua_State *L = luaL_newstate();
  ASSERT_MSG(L != NULL, "luaL_newstate");
  luaL_openlibs(L);
  setup(L);   /* constants at index 1 */
  return L;
}

/* Runs the program on text; on success checks the record's fields and pops it. */
static int run(lua_State *L, const char *text, const char *name, lua_Integer count) {
  int top = lua_gettop(L);
  int rc = lg_schema_run(L, &program, 1, text, strlen(text), 32);
  if (rc != LG_OK) {
    ASSERT_INT_EQ(lua_gettop(L), top, "nothing left on the stack after LG_ERR");
    return rc;
  }
  ASSERT_INT_EQ(lua_gettop(L), top + 1, "one value pushed");
  ASSERT_INT_EQ(lua_getfield(L, -1, "name"), LUA_TSTRING, "name is a string");
  ASSERT_STR_EQ(lua_tostring(L, -1), name, text);
  ASSERT_INT_EQ(lua_getfield(L, -2, "count"), LUA_TNUMBER, "count is a number");
  ASSERT_MSG(lua_isinteger(L, -1), "count stays an integer");
  ASSERT_INT_EQ(lua_tointeger(L, -1), count, text);
  lua_settop(L, top);
  return rc;
}

static void builds_records_of_valid_documents(void) {
  lua_State *L = new_state();
  ASSERT_INT_EQ(run(L, "{\"name\":\"abc\",\"count\":3}", "abc", 3), LG_OK, "declared order");
  ASSERT_INT_EQ(run(L, " { \"count\" : 0 , \"name\" : \"x\" } ", "x", 0), LG_OK, "any order, whitespace");
  ASSERT_INT_EQ(run(L, "{\"name\":\"\\u00e9t\\u00e9\"}", "\xc3\xa9t\xc3\xa9", 10), LG_OK, "escapes, default filled");
  ASSERT_INT_EQ(run(L, "{\"na\\u006de\":\"y\"}", "y", 10), LG_OK, "an escaped key");
  ASSERT_INT_EQ(run(L, "{\"name\":\"\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e\xe3\x81\xae\xe5\x90\x8d\"}", "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e\xe3\x81\xae\xe5\x90\x8d", 10),
                LG_OK, "five code points in fifteen bytes");
  lua_close(L);
}

static void leaves_everything_else_to_the_lua_validators(void) {
  lua_State *L = new_state();
  static const char *const others[] = {
    "{\"name\":\"abcdef\"}",            /* too long */
    "{\"name\":\"\"}",                  /* too short */
    "{\"count\":1}",                    /* missing */
    "{\"name\":\"a\",\"count\":-1}",    /* bound */
    "{\"name\":\"a\",\"count\":\"1\"}", /* would need a coercion */
    "{\"name\":\"a\",\"count\":1.0}",   /* a float for an integer */
    "{\"name\":\"a\",\"x\":1}",         /* extra key (forbidden) */
    "{\"name\":\"a\",\"name\":\"b\"}",  /* duplicate key */
    "{\"name\":\"a\"",                  /* unterminated */
    "{\"name\":\"a\"} x",               /* trailing data */
    "{\"name\":\"\xff\"}",              /* invalid UTF-8 */
    "[]", "null", "",
  };
  for (size_t i = 0; i < LG_ARRAY_LEN(others); i++) {
    if (run(L, others[i], NULL, 0) != LG_ERR) LG_TEST_FAIL("the fast path accepted %s", others[i]);
  }
  lua_close(L);
}

const lg_test_case schema_tests[] = {
  {"builds_records_of_valid_documents", builds_records_of_valid_documents},
  {"leaves_everything_else_to_the_lua_validators", leaves_everything_else_to_the_lua_validators},
  {NULL, NULL},
};
