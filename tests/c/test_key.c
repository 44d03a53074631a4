/* Tests for lake/key.c: Hive partition values, hour partitions, object names. */
#include "test.h"
#include "lake/key.h"
#include "util/common.h"

static const char *escaped(lg_buf *b, const char *value, size_t len) {
  lg_buf_reset(b);
  if (lg_key_escape_value(b, value, len) != LG_OK) return NULL;
  return b->data;
}

static void escapes_what_hive_escapes(void) {
  lg_buf b = LG_BUF_INIT;
  ASSERT_STR_EQ(escaped(&b, "pink", 4), "pink", "plain text stays");
  ASSERT_STR_EQ(escaped(&b, "a/b", 3), "a%2Fb", "a slash would add a directory level");
  ASSERT_STR_EQ(escaped(&b, "k=v", 3), "k%3Dv", "= would confuse key=value");
  ASSERT_STR_EQ(escaped(&b, "50%", 3), "50%25", "% itself is escaped, so unescaping is exact");
  ASSERT_STR_EQ(escaped(&b, "#'*:?\\^{[]\"", 11), "%23%27%2A%3A%3F%5C%5E%7B%5B%5D%22", "Hive's set");
  ASSERT_STR_EQ(escaped(&b, "a\nb\x7f", 4), "a%0Ab%7F", "controls and DEL");
  ASSERT_STR_EQ(escaped(&b, "x\0y", 3), "x%00y", "NUL");
  ASSERT_STR_EQ(escaped(&b, "a b-c_d.e", 9), "a b-c_d.e", "space, dash, underscore and dot stay, as in Hive");
  ASSERT_STR_EQ(escaped(&b, "..", 2), "..", "dots stay: the key= prefix keeps the segment safe");
  lg_buf_free(&b);
}

static void keeps_utf8_and_escapes_stray_bytes(void) {
  lg_buf b = LG_BUF_INIT;
  ASSERT_STR_EQ(escaped(&b, "caf\xc3\xa9", 5), "caf\xc3\xa9", "valid UTF-8 stays (S3 keys are UTF-8)");
  ASSERT_STR_EQ(escaped(&b, "\xf0\x9f\xa6\x84", 4), "\xf0\x9f\xa6\x84", "a 4-byte sequence stays");
  ASSERT_STR_EQ(escaped(&b, "a\xff" "b", 3), "a%FFb", "a stray byte is escaped");
  ASSERT_STR_EQ(escaped(&b, "\xc3", 1), "%C3", "a truncated sequence is escaped");
  ASSERT_STR_EQ(escaped(&b, "a\xc2\x85" "b\xc2\x80\xc2\x9f\xc2\xa0", 10), "a%85b%80%9F\xc2\xa0",
                "C1 controls are escaped as their code point (Hive reads %85 as U+0085); U+00A0 stays");
  lg_buf_free(&b);
}

static void null_and_empty_are_the_hive_default(void) {
  lg_buf b = LG_BUF_INIT;
  ASSERT_STR_EQ(escaped(&b, NULL, 0), LG_HIVE_DEFAULT_PARTITION, "null");
  ASSERT_STR_EQ(escaped(&b, "", 0), LG_HIVE_DEFAULT_PARTITION, "empty string");
  lg_buf_free(&b);
}

static void refuses_values_too_long_for_a_path_segment(void) {
  char value[LG_PARTITION_VALUE_MAX + 1];
  memset(value, 'a', sizeof value);
  ASSERT_INT_EQ(lg_key_value_fits(value, LG_PARTITION_VALUE_MAX), 1, "the maximum fits");
  ASSERT_INT_EQ(lg_key_value_fits(value, LG_PARTITION_VALUE_MAX + 1), 0, "one more does not");
  memset(value, '/', sizeof value);
  ASSERT_INT_EQ(lg_key_value_fits(value, LG_PARTITION_VALUE_MAX / 3), 1, "escaped length counts: fits");
  ASSERT_INT_EQ(lg_key_value_fits(value, LG_PARTITION_VALUE_MAX / 3 + 1), 0, "escaped length counts: too long");
  lg_buf b = LG_BUF_INIT;
  ASSERT_MSG(escaped(&b, value, LG_PARTITION_VALUE_MAX) == NULL, "escape refuses it too");
  ASSERT_INT_EQ(b.len, 0, "and leaves the buffer as it was");
  lg_buf_free(&b);
}

static void hour_partitions_follow_utc(void) {
  lg_buf b = LG_BUF_INIT;
  int64_t last_us_of_2025 = 1767225599999999LL;   /* 2025-12-31T23:59:59.999999Z */
  lg_key_append_hour(&b, last_us_of_2025);
  ASSERT_STR_EQ(b.data, "dt=2025-12-31/hr=23", "the last microsecond of 2025");
  lg_buf_reset(&b);
  lg_key_append_hour(&b, last_us_of_2025 + 1);
  ASSERT_STR_EQ(b.data, "dt=2026-01-01/hr=00", "the first of 2026 is the next day's hour 0");
  lg_buf_reset(&b);
  lg_key_append_hour(&b, 1709164800000000LL);   /* 2024-02-29T00:00:00Z */
  ASSERT_STR_EQ(b.data, "dt=2024-02-29/hr=00", "a leap day");
  lg_buf_free(&b);
}

static void object_names_carry_first_time_and_seq(void) {
  lg_buf b = LG_BUF_INIT;
  lg_key_append_object_name(&b, "web-1", 5, 1767225599123456LL, 1767225590000042ULL);
  ASSERT_STR_EQ(b.data, "web-1-20251231T235959123Z-1767225590000042.json.gz", "object name");
  ASSERT_MSG(lg_key_seq_of(b.data) == 1767225590000042ULL, "the seq reads back");
  ASSERT_MSG(lg_key_seq_of("unicorns/dt=2025-12-31/hr=23/web-1-20251231T235959123Z-7.json.gz") == 7,
             "from a whole key too");
  ASSERT_MSG(lg_key_seq_of("notes.txt") == 0, "not ours");
  ASSERT_MSG(lg_key_seq_of("x.json.gz") == 0, "no seq");
  lg_buf_free(&b);
}

static void names_are_checked(void) {
  ASSERT_INT_EQ(lg_key_valid_name("unicorns_2"), 1, "valid name");
  ASSERT_INT_EQ(lg_key_valid_name("_private"), 1, "leading underscore");
  ASSERT_INT_EQ(lg_key_valid_name("Unicorns"), 0, "upper case");
  ASSERT_INT_EQ(lg_key_valid_name(""), 0, "empty");
  ASSERT_INT_EQ(lg_key_valid_name("9a"), 0, "leading digit");
  ASSERT_INT_EQ(lg_key_valid_name("../etc"), 0, "a path");
  char host[64];
  lg_key_host(host, sizeof host);
  ASSERT_MSG(host[0] != '\0', "a host name");
  for (const char *p = host; *p; p++) ASSERT_MSG(*p != '/' && *p != ' ', "the host name is key-safe");
}

const lg_test_case key_tests[] = {
  {"escapes_what_hive_escapes", escapes_what_hive_escapes},
  {"keeps_utf8_and_escapes_stray_bytes", keeps_utf8_and_escapes_stray_bytes},
  {"null_and_empty_are_the_hive_default", null_and_empty_are_the_hive_default},
  {"refuses_values_too_long_for_a_path_segment", refuses_values_too_long_for_a_path_segment},
  {"hour_partitions_follow_utc", hour_partitions_follow_utc},
  {"object_names_carry_first_time_and_seq", object_names_carry_first_time_and_seq},
  {"names_are_checked", names_are_checked},
  {NULL, NULL},
};
