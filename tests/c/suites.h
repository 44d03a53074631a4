/* The C test suites, one per module: SUITE(x) expects x_tests[] in test_x.c. */
SUITE(buf)
SUITE(datetime)
SUITE(formats)
SUITE(json)
SUITE(lake)
SUITE(schema)
SUITE(utf8)
