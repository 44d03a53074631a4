/* Minimal unit-test harness: each assertion prints both sides and its location, and a
 * failing test stops at its first failed assertion (longjmp back to the runner). */
#ifndef LG_TEST_H
#define LG_TEST_H

#include <inttypes.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>

typedef struct lg_test_case {
  const char *name;
  void (*fn)(void);
} lg_test_case;

typedef struct lg_test_suite {
  const char *module;          /* ctest runs each suite as c.<module> */
  const lg_test_case *cases;   /* terminated by {NULL, NULL} */
} lg_test_suite;

extern jmp_buf lg_test_jmp;
extern const char *lg_test_data_dir;   /* ../shared/testdata or LG_TEST_DATA */

#define LG_TEST_FAIL(...)                                             \
  do {                                                                \
    fprintf(stderr, "  %s:%d: ", __FILE__, __LINE__);                 \
    fprintf(stderr, __VA_ARGS__);                                     \
    fputc('\n', stderr);                                              \
    longjmp(lg_test_jmp, 1);                                          \
  } while (0)

#define ASSERT_MSG(cond, msg)                                         \
  do { if (!(cond)) LG_TEST_FAIL("%s (failed: %s)", msg, #cond); } while (0)

#define ASSERT_INT_EQ(a, b, msg)                                      \
  do {                                                                \
    intmax_t a_ = (intmax_t)(a), b_ = (intmax_t)(b);                  \
    if (a_ != b_)                                                     \
      LG_TEST_FAIL("%s: %s == %jd, expected %s == %jd", msg, #a, a_, #b, b_); \
  } while (0)

#define ASSERT_STR_EQ(a, b, msg)                                      \
  do {                                                                \
    const char *a_ = (a), *b_ = (b);                                  \
    if (a_ == NULL || b_ == NULL || strcmp(a_, b_) != 0)              \
      LG_TEST_FAIL("%s:\n    got:      \"%s\"\n    expected: \"%s\"", msg, \
                   a_ ? a_ : "(null)", b_ ? b_ : "(null)");           \
  } while (0)

#define ASSERT_MEM_EQ(a, alen, b, blen, msg)                          \
  do {                                                                \
    size_t al_ = (alen), bl_ = (blen);                                \
    if (al_ != bl_ || memcmp((a), (b), al_) != 0)                     \
      LG_TEST_FAIL("%s:\n    got:      \"%.*s\" (%zu bytes)\n    expected: \"%.*s\" (%zu bytes)", \
                   msg, (int)al_, (const char *)(a), al_, (int)bl_, (const char *)(b), bl_); \
  } while (0)

#endif
