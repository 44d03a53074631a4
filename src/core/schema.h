/* The validation engine's fast path: a model compiled into a small program of nodes that
 * validates a JSON text while decoding it, building the output Lua table directly (field
 * names pre-interned, tables presized, no intermediate input table).
 *
 * The program only settles the common case: values of exactly the declared JSON type that
 * pass every constraint. Anything else -- invalid JSON, a value that needs a lax coercion,
 * a constraint that fails, a duplicate key -- makes lg_schema_run return LG_ERR with
 * nothing pushed, and the caller validates the document with the Lua validators, which
 * produce the errors. So this path never decides that a document is invalid; it is a pure
 * optimization whose outputs equal the Lua validators' (a spec compares the two).
 * Nodes of kind LG_SK_LUA decode their value and call a Lua function for it (custom
 * validators, unions and the rarer types).
 * This file's layer: the Lua C API, the JSON decoder and the format primitives. */
#ifndef LG_SCHEMA_H
#define LG_SCHEMA_H

#include <stddef.h>
#include <stdint.h>
#include <lua.h>

#include "core/regex.h"

typedef enum lg_schema_kind {
  LG_SK_ANY, LG_SK_STRING, LG_SK_INTEGER, LG_SK_NUMBER, LG_SK_BOOLEAN, LG_SK_NONE,
  LG_SK_ENUM, LG_SK_DATETIME, LG_SK_DATE, LG_SK_TIME, LG_SK_UUID,
  LG_SK_ARRAY, LG_SK_MAP, LG_SK_MODEL, LG_SK_LUA,
  LG_SK_COUNT
} lg_schema_kind;

/* Bounds present on a number node (bits of lg_snode.bounds). */
enum { LG_SB_GT = 1, LG_SB_GE = 2, LG_SB_LT = 4, LG_SB_LE = 8, LG_SB_MUL = 16 };

/* Node flags (lg_snode.flags). */
enum {
  LG_SF_AS_FLOAT = 1,       /* number: integers become floats */
  LG_SF_AWARE = 2,          /* datetime: an offset is required */
  LG_SF_NAIVE = 4,          /* datetime: an offset is refused */
  LG_SF_LUA_DATA = 8,       /* lua: pass the record being built (a field's validators read it) */
};

/* Models: what to do with keys that name no field (lg_snode.extra). */
enum { LG_SX_IGNORE, LG_SX_FORBID, LG_SX_ALLOW };

/* What a missing field gets (lg_sfield.missing). */
enum { LG_SM_REQUIRED, LG_SM_OPTIONAL, LG_SM_VALUE, LG_SM_COPY, LG_SM_FACTORY };

typedef struct lg_snode {
  uint8_t kind;             /* lg_schema_kind */
  uint8_t nullable;         /* null is accepted (and kept) */
  uint8_t flags;            /* LG_SF_* */
  uint8_t bounds;           /* LG_SB_* (integer and number nodes) */
  uint8_t extra;            /* model: LG_SX_* */
  int8_t format;            /* string: index into lg_schema_formats, or -1 */
  int32_t min, max;         /* string code points / array items / map properties (-1: none) */
  int32_t child;            /* array item / map value node (-1: any value) */
  int32_t first, count;     /* model: its fields; enum: its members (indexes into the program) */
  int32_t konst;            /* model: output metatable; lua: the validator (constant indexes) */
  int32_t order;            /* model: the list of declared field names (constant index) */
  int32_t version;          /* uuid: required version (0: any) */
  int32_t after;            /* model: constant index of its after-validators' caller (0: none) */
  int64_t igt, ige, ilt, ile, imul;   /* integer bounds */
  double dgt, dge, dlt, dle;          /* number bounds */
  lg_regex *re;             /* string pattern, owned by a regex userdata among the constants */
} lg_snode;

typedef struct lg_sfield {
  const char *key;          /* input key, owned by a Lua string among the constants */
  size_t key_len;
  int32_t name;             /* constant index of the output key (the field's name) */
  int32_t node;
  int32_t dflt;             /* constant index of the default or the factory (-1: none) */
  uint8_t missing;          /* LG_SM_* */
  uint8_t inplace;          /* the key has no '"', '\\' or control byte: compare raw JSON bytes */
} lg_sfield;

typedef struct lg_smember {
  const char *s;            /* string member (owned by a constant), or NULL */
  size_t len;
  lua_Integer i;            /* integer member when s is NULL */
  int32_t konst;            /* constant index of the member's value, pushed as the output */
} lg_smember;

/* A compiled program. Its constants live in a Lua table the caller keeps alive. */
typedef struct lg_schema {
  lg_snode *nodes;
  int32_t nnodes;
  lg_sfield *fields;
  int32_t nfields;
  lg_smember *members;
  int32_t nmembers;
  int32_t root;             /* node the text must hold */
  int32_t array_mt;         /* constant index of the JSON array metatable */
} lg_schema;

/* JSON Schema format checks a string node may run (lg_snode.format indexes this). */
extern int (*const lg_schema_formats[])(const char *s, size_t n);

/* Validates buf[0..len) while decoding it. The program's constants are the table at stack
 * index consts. Returns LG_OK with the validated value pushed, or LG_ERR with nothing
 * pushed when the document must go to the Lua validators (see above). Raises only Lua
 * memory errors. */
int lg_schema_run(lua_State *L, const lg_schema *s, int consts, const char *buf, size_t len,
                  int max_depth);

/* Frees the program's arrays (not the struct itself); accepts a zeroed program. */
void lg_schema_free(lg_schema *s);

#endif
