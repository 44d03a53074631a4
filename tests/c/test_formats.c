/* Tests for core/formats.c, core/uri.c, core/decimal.c and core/regex.c: pydantic-style
 * parsing with its messages, canonical texts, and the strict JSON Schema formats. */
#include "test.h"
#include "core/decimal.h"
#include "core/formats.h"
#include "core/regex.h"
#include "core/uri.h"
#include "util/common.h"

#include <stdlib.h>

static void uuid_error_is(const char *in, const char *message) {
  uint8_t u[16];
  char err[LG_ERRLEN];
  if (lg_uuid_parse(in, strlen(in), u, err, sizeof err) == LG_OK) LG_TEST_FAIL("'%s' should be refused", in);
  ASSERT_STR_EQ(err, message, in);
}

static void parses_uuids_as_the_uuid_crate(void) {
  uint8_t u[16];
  char err[LG_ERRLEN], out[37];
  const char *forms[] = {"67e55044-10b1-426f-9247-bb680e5fe0c8", "67E5504410B1426F9247BB680E5FE0C8",
                         "{67e55044-10b1-426f-9247-bb680e5fe0c8}", "urn:uuid:67e55044-10b1-426f-9247-bb680e5fe0c8"};
  for (size_t i = 0; i < LG_ARRAY_LEN(forms); i++) {
    ASSERT_INT_EQ(lg_uuid_parse(forms[i], strlen(forms[i]), u, err, sizeof err), LG_OK, forms[i]);
    lg_uuid_format(u, out);
    ASSERT_STR_EQ(out, "67e55044-10b1-426f-9247-bb680e5fe0c8", forms[i]);
    ASSERT_INT_EQ(lg_uuid_version(u), 4, "version nibble");
  }
  uuid_error_is("invalid-uuid", "invalid character: expected an optional prefix of `urn:uuid:` followed by "
                "[0-9a-fA-F-], found `i` at 1");
  uuid_error_is("12345", "invalid length: expected length 32 for simple format, found 5");
  uuid_error_is("F9168C5E-CEB2-4faaFB6BFF329BF39FA1E4", "invalid group count: expected 5, found 3");
  uuid_error_is("F9168C5E-CEB2-4faa-B6BF1-02BF39FA1E4", "invalid group length in group 3: expected 4, found 5");
  uuid_error_is("67e55044-10b1-426f-9247-bb680e5fe0c\xc3\xa9", "invalid character: expected an optional prefix "
                "of `urn:uuid:` followed by [0-9a-fA-F-], found `\xc3\xa9` at 36");
}

static void email_error_is(const char *in, const char *reason) {
  char norm[256], err[LG_ERRLEN];
  if (lg_email_validate(in, strlen(in), norm, err, sizeof err) == LG_OK) LG_TEST_FAIL("'%s' should be refused", in);
  ASSERT_STR_EQ(err, reason, in);
}

static void validates_emails_as_email_validator(void) {
  char norm[256], err[LG_ERRLEN];
  ASSERT_INT_EQ(lg_email_validate("Jane.Doe@Example.COM", 20, norm, err, sizeof err), LG_OK, "valid address");
  ASSERT_STR_EQ(norm, "Jane.Doe@example.com", "domain lowercased, local part kept");
  email_error_is("nobody", "An email address must have an @-sign.");
  email_error_is("a@b@c.com", "The email address is not valid. It must have exactly one @-sign.");
  email_error_is("@x.com", "There must be something before the @-sign.");
  email_error_is("a@", "There must be something after the @-sign.");
  email_error_is("a b(@x.com", "The email address contains invalid characters before the @-sign: '(', SPACE.");
  email_error_is(".a@x.com", "An email address cannot start with a period.");
  email_error_is("a.@x.com", "An email address cannot have a period immediately before the @-sign.");
  email_error_is("a..b@x.com", "An email address cannot have two periods in a row.");
  email_error_is("a@x_y.com", "The part after the @-sign contains invalid characters: '_'.");
  email_error_is("a@-x.com", "An email address cannot have a hyphen immediately after the @-sign.");
  email_error_is("a@localhost", "The part after the @-sign is not valid. It should have a period.");
  email_error_is("a@x.c0", "The part after the @-sign is not valid. It is not within a valid top-level domain.");
  email_error_is("a@mail.local", "The part after the @-sign is a special-use or reserved name that cannot be used with email.");
  email_error_is("\"a\"@x.com", "Quoting the part before the @-sign is not allowed here.");
  email_error_is("a@[1.2.3.4]", "A bracketed IP address after the @-sign is not allowed here.");
}

static void parses_and_prints_ip_addresses(void) {
  uint8_t a[16];
  char out[40];
  ASSERT_INT_EQ(lg_ipv4_parse("192.168.0.1", 11, a), LG_OK, "dotted quad");
  ASSERT_INT_EQ(lg_ipv4_parse("01.2.3.4", 8, a), LG_ERR, "leading zero");
  ASSERT_INT_EQ(lg_ipv4_parse("1.2.3", 5, a), LG_ERR, "three parts");
  ASSERT_INT_EQ(lg_ipv4_parse("256.1.1.1", 9, a), LG_ERR, "octet range");
  ASSERT_INT_EQ(lg_ipv6_parse("2001:0db8:0:0:1:0:0:1", 21, a), LG_OK, "full form");
  lg_ipv6_format(a, out);
  ASSERT_STR_EQ(out, "2001:db8::1:0:0:1", "first longest zero run compressed");
  ASSERT_INT_EQ(lg_ipv6_parse("::ffff:1.2.3.4", 14, a), LG_OK, "IPv4 tail");
  lg_ipv6_format(a, out);
  ASSERT_STR_EQ(out, "::ffff:102:304", "Python prints no dotted tail");
  ASSERT_INT_EQ(lg_ipv6_parse("::", 2, a), LG_OK, "unspecified");
  lg_ipv6_format(a, out);
  ASSERT_STR_EQ(out, "::", "all zeros");
  ASSERT_INT_EQ(lg_ipv6_parse("1::2::3", 7, a), LG_ERR, "two gaps");
  ASSERT_INT_EQ(lg_ipv6_parse("1:2:3:4:5:6:7:", 14, a), LG_ERR, "trailing colon");
  ASSERT_INT_EQ(lg_ipv6_parse("fe80::1%eth0", 12, a), LG_ERR, "zone id");
}

static void decodes_base64_strictly(void) {
  unsigned char out[16];
  char err[LG_ERRLEN];
  ASSERT_INT_EQ(lg_base64_decode("aGVsbG8=", 8, out, err, sizeof err), 5, "hello");
  ASSERT_MEM_EQ(out, 5, "hello", 5, "decoded bytes");
  ASSERT_INT_EQ(lg_base64_decode("aGVsbG8", 7, out, err, sizeof err), -1, "missing padding");
  ASSERT_STR_EQ(err, "Incorrect padding", "padding message");
  ASSERT_INT_EQ(lg_base64_decode("aGV*", 4, out, err, sizeof err), -1, "bad character");
  ASSERT_STR_EQ(err, "Only base64 data is allowed", "alphabet message");
  ASSERT_INT_EQ(lg_base64_decode("aGk=aGk=", 8, out, err, sizeof err), -1, "data after padding");
}

static void checks_json_schema_formats(void) {
  ASSERT_MSG(lg_format_datetime("1998-12-31T23:59:60Z", 20), "leap second at 23:59:60 UTC");
  ASSERT_MSG(!lg_format_datetime("1998-12-31T22:59:60Z", 20), "leap second at the wrong hour");
  ASSERT_MSG(lg_format_time("15:59:60-08:00", 14), "leap second with an offset");
  ASSERT_MSG(!lg_format_time("12:00:00", 8), "an offset is required");
  ASSERT_MSG(!lg_format_date("2021-02-29", 10), "no leap day in 2021");
  ASSERT_MSG(lg_format_uuid("2EB8AA08-AA98-11EA-B4AA-73B441D16380", 36), "upper-case UUID");
  ASSERT_MSG(!lg_format_uuid("2eb8aa08aa9811eab4aa73b441d16380", 32), "hyphens required");
  ASSERT_MSG(lg_format_email("\"joe bloggs\"@example.com", 24), "quoted local part");
  ASSERT_MSG(lg_format_email("joe@[IPv6:::1]", 14), "IPv6 literal");
  ASSERT_MSG(!lg_format_email("te..st@example.com", 18), "two dots");
  ASSERT_MSG(lg_format_uri("urn:oasis:names:specification", 29), "a URN");
  ASSERT_MSG(!lg_format_uri("//foo.bar/", 10), "relative reference");
  ASSERT_MSG(!lg_format_uri("http://example.com/%6G", 22), "bad escape");
  ASSERT_MSG(!lg_format_uri("http://[::ffff:01.2.3.4]", 24), "leading zero in an embedded IPv4");
}

static void url_is(const char *in, const char *expected) {
  size_t n = strlen(in), host;
  char *out = malloc(3 * n + 16), err[LG_ERRLEN];
  ASSERT_MSG(out != NULL, "malloc");
  long len = lg_url_normalize(in, n, out, &host, err, sizeof err);
  if (len < 0) {
    free(out);
    LG_TEST_FAIL("'%s' should parse, got '%s'", in, err);
  }
  int same = strcmp(out, expected) == 0;
  if (!same) fprintf(stderr, "  got %s\n", out);
  free(out);
  ASSERT_MSG(same, in);
}

static void url_error_is(const char *in, const char *reason) {
  size_t n = strlen(in), host;
  char *out = malloc(3 * n + 16), err[LG_ERRLEN] = "";
  ASSERT_MSG(out != NULL, "malloc");
  long len = lg_url_normalize(in, n, out, &host, err, sizeof err);
  free(out);
  ASSERT_INT_EQ(len, -1, in);
  ASSERT_STR_EQ(err, reason, in);
}

static void normalizes_urls(void) {
  url_is("HTTP://Example.COM:80", "http://example.com/");
  url_is("https://a.b/c/./d/../e?x y#f g", "https://a.b/c/e?x%20y#f%20g");
  url_is("http://user:pw@[::1]:8080/p", "http://user:pw@[::1]:8080/p");
  url_is("http:\\\\x.org\\a", "http://x.org/a");
  url_is("mailto:Me@Example.com", "mailto:Me@Example.com");
  url_is("http://1.2.3/", "http://1.2.0.3/");
  url_error_is("example.com", "relative URL without a base");
  url_error_is("http://", "empty host");
  url_error_is("http://a.b:99999", "invalid port number");
  url_error_is("http://a b.c/", "invalid domain character");
  url_error_is("http://[1::2::3]/", "invalid IPv6 address");
  url_error_is("http://300.1.1.1/", "invalid IPv4 address");
}

static void decimal_is(const char *in, const char *text, uint64_t digits, uint64_t decimals) {
  char buf[64], out[96];
  lg_decimal d;
  ASSERT_INT_EQ(lg_decimal_parse(in, strlen(in), buf, &d), LG_OK, in);
  lg_decimal_format(&d, out);
  ASSERT_STR_EQ(out, text, in);
  uint64_t nd, nq, d2, q2;
  lg_decimal_counts(&d, &nd, &nq, &d2, &q2);
  ASSERT_INT_EQ(nd, digits, "digits");
  ASSERT_INT_EQ(nq, decimals, "decimal places");
}

static void reads_decimals_as_python(void) {
  decimal_is("1.50", "1.50", 3, 2);
  decimal_is(" -0.001 ", "-0.001", 3, 3);
  decimal_is("1e3", "1E+3", 4, 0);
  decimal_is("1_000.5", "1000.5", 5, 1);
  decimal_is("0.0000001", "1E-7", 7, 7);
  decimal_is("123", "123", 3, 0);
  char buf[16];
  lg_decimal d, e;
  ASSERT_INT_EQ(lg_decimal_parse("1__0", 4, buf, &d), LG_ERR, "double underscore");
  ASSERT_INT_EQ(lg_decimal_parse("1e", 2, buf, &d), LG_ERR, "empty exponent");
  ASSERT_INT_EQ(lg_decimal_parse("Infinity", 8, buf, &d), LG_OK, "infinity");
  ASSERT_INT_EQ(d.kind, LG_DEC_INF, "infinite");
  char b1[16], b2[16];
  ASSERT_INT_EQ(lg_decimal_parse("1.0", 3, b1, &d), LG_OK, "1.0");
  ASSERT_INT_EQ(lg_decimal_parse("1", 1, b2, &e), LG_OK, "1");
  ASSERT_INT_EQ(lg_decimal_cmp(&d, &e), 0, "1.0 == 1");
  ASSERT_INT_EQ(lg_decimal_parse("0.0075", 6, b1, &d), LG_OK, "x");
  ASSERT_INT_EQ(lg_decimal_parse("0.0001", 6, b2, &e), LG_OK, "m");
  ASSERT_INT_EQ(lg_decimal_is_multiple(&d, &e), 1, "0.0075 is a multiple of 0.0001");
  ASSERT_INT_EQ(lg_decimal_cmp(&e, &d), -1, "0.0001 < 0.0075");
}

static void compiles_and_searches_patterns(void) {
  char err[LG_ERRLEN];
  lg_regex *re = lg_regex_compile("^\\p{Lu}\\w+-\\d{2}$", 17, err, sizeof err);
  ASSERT_MSG(re != NULL, err);
  ASSERT_INT_EQ(lg_regex_search(re, "\xc3\x89te-12", 7, 1), 1, "Unicode upper-case letter");
  ASSERT_INT_EQ(lg_regex_search(re, "ete-12", 6, 1), 0, "no match");
  ASSERT_INT_EQ(lg_regex_search(re, "\xff", 1, 0), 0, "invalid UTF-8 never matches");
  ASSERT_STR_EQ(lg_regex_pattern(re), "^\\p{Lu}\\w+-\\d{2}$", "pattern kept");
  lg_regex_free(re);
  ASSERT_MSG(lg_regex_compile("(", 1, err, sizeof err) == NULL, "a bad pattern is refused");
  ASSERT_STR_EQ(err, "missing closing parenthesis at offset 1", "compile message");
  lg_regex_free(NULL);
}

const lg_test_case formats_tests[] = {
  {"parses_uuids_as_the_uuid_crate", parses_uuids_as_the_uuid_crate},
  {"validates_emails_as_email_validator", validates_emails_as_email_validator},
  {"parses_and_prints_ip_addresses", parses_and_prints_ip_addresses},
  {"decodes_base64_strictly", decodes_base64_strictly},
  {"checks_json_schema_formats", checks_json_schema_formats},
  {"normalizes_urls", normalizes_urls},
  {"reads_decimals_as_python", reads_decimals_as_python},
  {"compiles_and_searches_patterns", compiles_and_searches_patterns},
  {NULL, NULL},
};
