/* lakegate.metrics, the Lua side of the metrics registry (host only). */
#ifndef LG_LUA_METRICS_H
#define LG_LUA_METRICS_H

#include <lua.h>

#include "http/metrics.h"

int lg_open_metrics(lua_State *L);

/* Routes this state's counts to shard (which must outlive the state). */
void lg_lua_set_metrics_shard(lua_State *L, lg_metrics_shard *shard);

#endif
