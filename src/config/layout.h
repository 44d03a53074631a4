/* Where the binary's companions are: the runtime library (lua/), the TLS compatibility
 * libraries and the /docs assets, found relative to the executable (never the working
 * folder): beside it in the build tree, or in the share/lib folders of an install. */
#ifndef LG_LAYOUT_H
#define LG_LAYOUT_H

#include <stddef.h>

typedef enum {
  LG_LAYOUT_LUA,          /* lua/ (LAKEGATE_LUA_PATH overrides) */
  LG_LAYOUT_TLS_COMPAT,   /* libssl.so and libcrypto.so shims */
  LG_LAYOUT_ASSETS,       /* swagger-ui and redoc files for /docs and /redoc */
} lg_layout_item;

/* Writes the folder of item into out. Returns LG_OK, or LG_ERR if it is not there. */
int lg_layout_find(lg_layout_item item, char *out, size_t outlen);

/* Where an install keeps item, relative to the binary's folder (for messages). */
const char *lg_layout_installed(lg_layout_item item);

#endif
