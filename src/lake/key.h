/* Object keys in Hive layout, the names Athena reads:
 *
 *   <table>/dt=YYYY-MM-DD/hr=HH[/<key>=<value>...]/<host>-<firstTs>-<seq>.json.gz
 *
 * dt and hr come from the record's ingestion time (UTC); the partition_by keys follow in
 * their declared order. Values are escaped the way Hive's FileUtils.escapePathName does
 * (so Hive and Athena unescape them back), plus NUL, DEL, the C1 controls (U+0080..U+009F,
 * as "%80".."%9F", which Hive reads back as those characters) and bytes that are not UTF-8;
 * a null or empty value is Hive's __HIVE_DEFAULT_PARTITION__. Pure functions. */
#ifndef LG_LAKE_KEY_H
#define LG_LAKE_KEY_H

#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"

#define LG_HIVE_DEFAULT_PARTITION "__HIVE_DEFAULT_PARTITION__"
#define LG_PARTITION_VALUE_MAX 200   /* escaped bytes; keeps a path segment under NAME_MAX */

/* Appends the escaped form of value[0..len) (NULL: null) to b. Returns LG_OK, or LG_ERR
 * when out of memory or when the escaped value is longer than LG_PARTITION_VALUE_MAX. */
int lg_key_escape_value(lg_buf *b, const char *value, size_t len);

/* Returns 1 if the escaped form of value[0..len) fits LG_PARTITION_VALUE_MAX. */
int lg_key_value_fits(const char *value, size_t len);

/* Appends "dt=YYYY-MM-DD/hr=HH" for epoch microseconds `us`. */
int lg_key_append_hour(lg_buf *b, int64_t us);

/* Appends "<host>-<YYYYMMDDTHHMMSSmmmZ of first_us>-<seq>.json.gz". */
int lg_key_append_object_name(lg_buf *b, const char *host, size_t host_len, int64_t first_us,
                              uint64_t seq);

/* Reads the segment seq back out of an object name made by lg_key_append_object_name
 * (the digits before ".json.gz"). Returns 0 if the name is not one of ours. */
uint64_t lg_key_seq_of(const char *key);

/* Returns 1 if name is a valid table or partition key name: [a-z_][a-z0-9_]*, at most
 * 128 bytes. */
int lg_key_valid_name(const char *name);

/* Writes the host name, with bytes other than [A-Za-z0-9.-] replaced by '_', to out. */
void lg_key_host(char *out, size_t outlen);

#endif
