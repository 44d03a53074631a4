/* Tests for core/utf8.c */
#include "test.h"
#include "core/utf8.h"

static void counts_code_points(void) {
  ASSERT_INT_EQ(lg_utf8_len("", 0), 0, "empty");
  ASSERT_INT_EQ(lg_utf8_len("hello world, long ascii run", 27), 27, "ASCII fast path");
  ASSERT_INT_EQ(lg_utf8_len("n\xc3\xa9", 3), 2, "2-byte sequence");
  ASSERT_INT_EQ(lg_utf8_len("\xe6\x97\xa5\xe6\x9c\xac", 6), 2, "3-byte sequences");
  ASSERT_INT_EQ(lg_utf8_len("\xf0\x9f\x98\x80!", 5), 2, "4-byte sequence");
}

static void rejects_ill_formed_sequences(void) {
  static const char *const bad[] = {
    "\xc0\x80", "\xc1\xbf",         /* overlong 2-byte */
    "\xe0\x80\x80",                 /* overlong 3-byte */
    "\xed\xa0\x80",                 /* surrogate D800 */
    "\xf0\x80\x80\x80",             /* overlong 4-byte */
    "\xf4\x90\x80\x80",             /* above U+10FFFF */
    "\xf5\x80\x80\x80", "\xff",     /* never valid */
    "\x80", "a\xbf",                /* stray continuation */
    "\xe2\x82",                     /* truncated */
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    if (lg_utf8_len(bad[i], strlen(bad[i])) != -1)
      LG_TEST_FAIL("sequence #%zu should be rejected", i);
  }
  ASSERT_INT_EQ(lg_utf8_len("\xed\x9f\xbf", 3), 1, "U+D7FF, just below the surrogates, is valid");
  ASSERT_INT_EQ(lg_utf8_len("\xf4\x8f\xbf\xbf", 4), 1, "U+10FFFF is valid");
}

const lg_test_case utf8_tests[] = {
  {"counts_code_points", counts_code_points},
  {"rejects_ill_formed_sequences", rejects_ill_formed_sequences},
  {NULL, NULL},
};
