/* The C test suites, one per module: SUITE(x) expects x_tests[] in test_x.c. */
SUITE(buf)
SUITE(json)
SUITE(lake)
SUITE(utf8)
SUITE(sigv4)
SUITE(credentials)
SUITE(s3)
SUITE(s3_moto)
