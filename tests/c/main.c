/* Test runner: `lg_tests <module>` runs one suite (ctest registers one test per module). */
#include "test.h"

#include <stdlib.h>

jmp_buf lg_test_jmp;
const char *lg_test_data_dir;

#define SUITE(m) extern const lg_test_case m##_tests[];
#include "suites.h"
#undef SUITE

static const lg_test_suite suites[] = {
#define SUITE(m) {#m, m##_tests},
#include "suites.h"
#undef SUITE
  {NULL, NULL}
};

static int run_suite(const lg_test_suite *s) {
  volatile int failed = 0, run = 0;   /* volatile: kept across longjmp */
  for (const lg_test_case *volatile c = s->cases; c->name; c++) {
    run++;
    if (setjmp(lg_test_jmp) == 0) {
      c->fn();
      printf("ok   %s.%s\n", s->module, c->name);
    } else {
      failed++;
      printf("FAIL %s.%s\n", s->module, c->name);
    }
  }
  printf("%s: %d run, %d failed\n", s->module, run, failed);
  return failed;
}

int main(int argc, char **argv) {
  lg_test_data_dir = getenv("LG_TEST_DATA");
  if (lg_test_data_dir == NULL) lg_test_data_dir = LG_TEST_DATA;
  int failed = 0, matched = 0;
  for (const lg_test_suite *s = suites; s->module; s++) {
    if (argc > 1 && strcmp(argv[1], s->module) != 0) continue;
    matched++;
    failed += run_suite(s);
  }
  if (matched == 0) {
    fprintf(stderr, "no test suite named '%s'\n", argc > 1 ? argv[1] : "");
    return 2;
  }
  return failed ? 1 : 0;
}
