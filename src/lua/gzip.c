/* lakegate.gzip: gzip bodies (Content-Encoding: gzip) and lake objects, with zlib.
 *   gzip.decompress(data [, max_bytes]) -> text | fail, message, "too_large" | "invalid"
 *     reads every member of a multi-member stream (RFC 1952 2.2); stops with "too_large"
 *     as soon as the output would exceed max_bytes (a zip bomb never fills memory)
 *   gzip.compress(text [, level]) -> gzip data (level 1..9, default 6) */
#include "lua/modules.h"
#include "util/buf.h"
#include "util/common.h"

#include <string.h>

#include <lauxlib.h>
#include <zlib.h>

#define CHUNK 65536

/* Inflates src into out (at most max bytes). Returns Z_STREAM_END, Z_BUF_ERROR (over max
 * bytes), or another zlib error. */
static int inflate_all(const unsigned char *src, size_t len, size_t max, lg_buf *out) {
  z_stream z;
  memset(&z, 0, sizeof z);
  if (inflateInit2(&z, 15 + 16) != Z_OK) return Z_MEM_ERROR;
  z.next_in = (unsigned char *)src;
  z.avail_in = (uInt)len;
  int zr = Z_OK;
  for (;;) {
    if (lg_buf_reserve(out, CHUNK) != LG_OK) {
      zr = Z_MEM_ERROR;
      break;
    }
    z.next_out = (unsigned char *)out->data + out->len;
    z.avail_out = CHUNK;
    zr = inflate(&z, Z_NO_FLUSH);
    out->len += CHUNK - z.avail_out;
    if (out->len > max) {
      zr = Z_BUF_ERROR;
      break;
    }
    if (zr == Z_STREAM_END) {
      if (z.avail_in == 0) break;
      if (inflateReset(&z) != Z_OK) break;   /* next member */
      continue;
    }
    if (zr != Z_OK) {
      if (zr == Z_BUF_ERROR) zr = Z_DATA_ERROR;   /* input ended inside a member */
      break;
    }
  }
  inflateEnd(&z);
  return zr;
}

static int gzip_decompress(lua_State *L) {
  size_t len;
  const char *data = luaL_checklstring(L, 1, &len);
  lua_Integer max = luaL_optinteger(L, 2, (lua_Integer)1 << 40);
  luaL_argcheck(L, max >= 0, 2, "max_bytes must not be negative");
  luaL_argcheck(L, len <= 0xFFFFFFFFu, 1, "input too large");
  lg_buf out = LG_BUF_INIT;
  int zr = inflate_all((const unsigned char *)data, len, (size_t)max, &out);
  if (zr == Z_STREAM_END) {
    lua_pushlstring(L, out.data ? out.data : "", out.len);
    lg_buf_free(&out);
    return 1;
  }
  lg_buf_free(&out);
  luaL_pushfail(L);
  if (zr == Z_BUF_ERROR) {
    lua_pushfstring(L, "gzip: decompressed data exceeds %I bytes", max);
    lua_pushliteral(L, "too_large");
  } else {
    lua_pushfstring(L, "gzip: %s", zr == Z_MEM_ERROR ? "out of memory" : "invalid or truncated data");
    lua_pushliteral(L, "invalid");
  }
  return 3;
}

static int gzip_compress(lua_State *L) {
  size_t len;
  const char *text = luaL_checklstring(L, 1, &len);
  int level = (int)luaL_optinteger(L, 2, 6);
  luaL_argcheck(L, level >= 1 && level <= 9, 2, "level must be 1..9");
  luaL_argcheck(L, len <= 0xFFFFFFFFu, 1, "input too large");
  z_stream z;
  memset(&z, 0, sizeof z);
  if (deflateInit2(&z, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
    return luaL_error(L, "gzip: out of memory");
  size_t cap = deflateBound(&z, (uLong)len);
  unsigned char *out = lua_newuserdatauv(L, cap, 0);   /* GC-owned scratch */
  z.next_in = (unsigned char *)text;
  z.avail_in = (uInt)len;
  z.next_out = out;
  z.avail_out = (uInt)cap;
  int zr = deflate(&z, Z_FINISH);
  size_t n = cap - z.avail_out;
  deflateEnd(&z);
  if (zr != Z_STREAM_END) return luaL_error(L, "gzip: deflate failed");
  lua_pushlstring(L, (const char *)out, n);
  return 1;
}

static const luaL_Reg gziplib[] = {
  {"compress", gzip_compress},
  {"decompress", gzip_decompress},
  {NULL, NULL},
};

int lg_open_gzip(lua_State *L) {
  luaL_newlib(L, gziplib);
  return 1;
}
