/* Exact, strict JSON (RFC 8259) straight to and from Lua values.
 *
 * Decoding builds Lua values directly: objects -> tables, arrays -> tables carrying the
 * array metatable (LG_JSON_ARRAY_MT in the registry), null -> lightuserdata NULL (the same
 * value as cjson.null), integers that fit int64 -> Lua integers, other numbers -> floats.
 * Encoding writes shortest round-trip doubles and keeps the key order a table's
 * metatable names in its "__order" list.
 * This file's layer: Lua C API and libc only. */
#ifndef LG_JSON_H
#define LG_JSON_H

#include <float.h>
#include <stddef.h>
#include <lua.h>

#include "util/buf.h"

#define LG_JSON_ARRAY_MT "lakegate.json.array"   /* registry key of the array metatable */
#define LG_JSON_MAX_DEPTH 512                    /* default nesting limit */

typedef struct lg_json_error {
  size_t offset;      /* byte offset in the input where decoding failed */
  char msg[96];       /* e.g. "Expecting ',' delimiter" */
} lg_json_error;

/* 10^0..10^22: exact doubles, as Clinger's fast path needs (for the decoders' number scans). */
extern const double lg_json_pow10[23];

/* Clinger's fast path (m * 10^e or m / 10^-e for m <= 2^53, |e| <= 22) is exact only if each
 * double operation rounds once, in double precision. */
#if defined(FLT_EVAL_METHOD) && FLT_EVAL_METHOD == 0
#define LG_JSON_CLINGER_OK 1
#else
#define LG_JSON_CLINGER_OK 0
#endif

/* Pushes the array metatable (creating it in the registry on first use). */
void lg_json_push_array_mt(lua_State *L);

/* Decodes exactly one JSON text from buf[0..len) and pushes it onto L's stack.
 * Returns LG_OK, or LG_ERR with nothing pushed and *err filled (offset + message).
 * Raises a Lua error only on out-of-memory (the usual Lua API contract). */
int lg_json_decode(lua_State *L, const char *buf, size_t len, int max_depth,
                   lg_json_error *err);

typedef struct lg_json_options {
  int max_depth;      /* nesting limit (0 refuses any container) */
  int keep_order;     /* objects get a metatable {__order = {keys in input order}} */
  size_t *consumed;   /* non-NULL: decode the value at the start of the text, store where it
                       * ends, and allow anything after it */
} lg_json_options;

/* lg_json_decode with options (see lg_json_options). */
int lg_json_decode_opts(lua_State *L, const char *buf, size_t len, const lg_json_options *opts,
                        lg_json_error *err);

/* Appends the JSON text of the value at stack index idx to out.
 * Returns LG_OK, or LG_ERR with a message in err (NaN/Infinity, invalid UTF-8, a key
 * that is neither string nor number, a cycle/too deep, a function or userdata value).
 * Raises a Lua error only on out-of-memory. */
int lg_json_encode(lua_State *L, int idx, lg_buf *out, char *err, size_t errlen);

/* Writes the shortest decimal form of d that strtod reads back as exactly d
 * (d must be finite). Integral values get a ".0" so they stay floats on decode.
 * Returns the length written to out (at most 31 bytes + '\0'). */
int lg_json_format_double(double d, char out[32]);

#endif
