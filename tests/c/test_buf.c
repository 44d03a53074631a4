/* Tests for util/buf.c */
#include "test.h"
#include "util/buf.h"
#include "util/common.h"

static void grows_and_terminates(void) {
  lg_buf b = LG_BUF_INIT;
  for (int i = 0; i < 1000; i++) ASSERT_INT_EQ(lg_buf_appends(&b, "abc"), LG_OK, "append");
  ASSERT_INT_EQ(b.len, 3000, "length after 1000 appends");
  ASSERT_INT_EQ(b.data[b.len], '\0', "terminated");
  ASSERT_MEM_EQ(b.data + 2997, 3, "abc", 3, "tail");
  lg_buf_free(&b);
  ASSERT_MSG(b.data == NULL && b.len == 0 && b.cap == 0, "free empties");
}

static void formats_long_strings(void) {
  lg_buf b = LG_BUF_INIT;
  char big[1000];
  memset(big, 'x', sizeof big - 1);
  big[sizeof big - 1] = '\0';
  ASSERT_INT_EQ(lg_buf_appendf(&b, "<%s|%d>", big, 42), LG_OK, "appendf");
  ASSERT_INT_EQ(b.len, 1 + 999 + 4 , "formatted length");
  ASSERT_MEM_EQ(b.data + 1000, 4, "|42>", 4, "tail of formatted text");
  lg_buf_reset(&b);
  ASSERT_INT_EQ(b.len, 0, "reset");
  lg_buf_free(&b);
  lg_buf_free(&b);   /* a freed buffer may be freed again */
}

const lg_test_case buf_tests[] = {
  {"grows_and_terminates", grows_and_terminates},
  {"formats_long_strings", formats_long_strings},
  {NULL, NULL},
};
