/* The metrics registry (one of the owners DESIGN.md names): counters kept per worker thread
 * in a shard only that thread writes (under its own, uncontended lock), summed when
 * /metrics is scraped, and rendered in the Prometheus text format. Other subsystems add
 * their families through sources called at scrape time. */
#ifndef LG_METRICS_H
#define LG_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"

typedef struct lg_metrics lg_metrics;
typedef struct lg_metrics_shard lg_metrics_shard;

/* Appends whole metric families (# HELP, # TYPE and samples) to out at scrape time. */
typedef void (*lg_metrics_source)(lg_buf *out, void *ud);

/* Returns a new registry, or NULL when out of memory. Free with lg_metrics_free. */
lg_metrics *lg_metrics_new(void);

/* Frees the registry and every shard. Accepts NULL. */
void lg_metrics_free(lg_metrics *m);

/* A new shard for the calling thread. The registry owns it; NULL when out of memory. */
lg_metrics_shard *lg_metrics_shard_new(lg_metrics *m);

/* Records one answered request. `route` is the route's path template ("" when none matched). */
void lg_metrics_observe_request(lg_metrics_shard *s, const char *method, const char *route,
                                int status, int64_t duration_us, size_t bytes_in,
                                size_t bytes_out);

/* Counts n validation errors of one type on a route. */
void lg_metrics_count_validation(lg_metrics_shard *s, const char *route, const char *type,
                                 long n);

/* The memory of the shard's Lua VM, in bytes. */
void lg_metrics_set_lua_memory(lg_metrics_shard *s, size_t bytes);

/* Adds a source called at every scrape (call before the server starts). */
int lg_metrics_add_source(lg_metrics *m, lg_metrics_source fn, void *ud);

/* Renders every family into out. Returns LG_OK or LG_ERR (out of memory). */
int lg_metrics_render(lg_metrics *m, lg_buf *out);

/* Appends s as a Prometheus label value (quotes included; \, " and newline escaped). */
void lg_metrics_label(lg_buf *out, const char *s);

#endif
