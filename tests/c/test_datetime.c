/* Tests for core/datetime.c: pydantic's (speedate's) parsing rules, the error each bad
 * input gets, timestamps, UTC normalization and the canonical text. */
#include "test.h"
#include "core/datetime.h"

static void datetime_is(const char *in, const char *expected) {
  lg_datetime dt;
  char out[LG_DT_TEXT_MAX];
  lg_dt_error e = lg_datetime_parse(in, strlen(in), &dt);
  if (e != LG_DT_OK) LG_TEST_FAIL("'%s' should parse, got '%s'", in, lg_dt_message(e));
  ASSERT_INT_EQ(lg_datetime_to_utc(&dt), LG_DT_OK, "to UTC");
  lg_datetime_format(&dt, out);
  ASSERT_STR_EQ(out, expected, in);
}

static void datetime_fails(const char *in, const char *message) {
  lg_datetime dt;
  lg_dt_error e = lg_datetime_parse(in, strlen(in), &dt);
  if (e == LG_DT_OK) LG_TEST_FAIL("'%s' should be refused", in);
  ASSERT_STR_EQ(lg_dt_message(e), message, in);
}

static void parses_rfc3339_datetimes(void) {
  datetime_is("2024-01-02T03:04:05Z", "2024-01-02T03:04:05Z");
  datetime_is("2024-01-02t03:04:05z", "2024-01-02T03:04:05Z");
  datetime_is("2024-01-02 03:04", "2024-01-02T03:04:00");
  datetime_is("2024-01-02_03:04:05.1", "2024-01-02T03:04:05.100000");
  datetime_is("2024-01-02T03:04:05.1234567+02:00", "2024-01-02T01:04:05.123456Z");
  datetime_is("2024-01-01T01:00:00+0230", "2023-12-31T22:30:00Z");
  datetime_is("2024-02-29T23:00:00-01:00", "2024-03-01T00:00:00Z");
  datetime_is("2024-01-02T03:04:05\xe2\x88\x92""01:00", "2024-01-02T04:04:05Z");   /* U+2212 minus */
}

static void reads_unix_timestamps_as_utc(void) {
  datetime_is("1654619320", "2022-06-07T16:28:40Z");
  datetime_is("1654619320123", "2022-06-07T16:28:40.123000Z");   /* past 2e10: milliseconds */
  datetime_is("1654619320.5", "2022-06-07T16:28:40.500000Z");
  datetime_is("-1", "1969-12-31T23:59:59Z");
}

static void explains_bad_datetimes_as_speedate(void) {
  datetime_fails("2024-01-0", "input is too short");
  datetime_fails("x024-01-02T00:00", "invalid character in year");
  datetime_fails("2024/01/02T00:00", "invalid date separator, expected `-`");
  datetime_fails("2024-13-02T00:00", "month value is outside expected range of 1-12");
  datetime_fails("2023-02-29T00:00", "day value is outside expected range");
  datetime_fails("2024-01-02", "invalid datetime separator, expected `T`, `t`, `_` or space");
  datetime_fails("2024-01-02T24:00", "hour value is outside expected range of 0-23");
  datetime_fails("2024-01-02T00:60", "minute value is outside expected range of 0-59");
  datetime_fails("2024-01-02T00:00:61", "second value is outside expected range of 0-59");
  datetime_fails("2024-01-02T00:00:00.", "second fraction digits missing after `.`");
  datetime_fails("2024-01-02T00:00:00+25:00", "timezone offset must be less than 24 hours");
  datetime_fails("2024-01-02T00:00:00+01:60", "timezone minute value is outside expected range of 0-59");
  datetime_fails("2024-01-02T00:00:00Zx", "unexpected extra characters at the end of the input");
  datetime_fails("2024-01-02T00:00:00 PST", "invalid timezone sign");
  datetime_fails("0000-01-01T00:00", "year 0 is out of range");
}

static void parses_dates_and_times(void) {
  lg_date d;
  lg_time t;
  char out[LG_DT_TEXT_MAX];
  ASSERT_INT_EQ(lg_date_parse("2024-02-29", 10, &d), LG_DT_OK, "leap day");
  lg_date_format(&d, out);
  ASSERT_STR_EQ(out, "2024-02-29", "date text");
  ASSERT_INT_EQ(lg_date_parse("1654560000", 10, &d), LG_DT_OK, "an exact-day timestamp");
  lg_date_format(&d, out);
  ASSERT_STR_EQ(out, "2022-06-07", "timestamp date");
  ASSERT_INT_EQ(lg_date_parse("1654560001", 10, &d), LG_DT_DATE_NOT_EXACT, "not midnight");
  ASSERT_INT_EQ(lg_date_parse("2024-02-29T00:00", 16, &d), LG_DT_EXTRA_CHARACTERS, "a datetime is not a date");
  ASSERT_INT_EQ(lg_time_parse("10:20:30.4+02:00", 16, &t), LG_DT_OK, "time with offset");
  lg_time_format(&t, out);
  ASSERT_STR_EQ(out, "10:20:30.400000+02:00", "time text");
  ASSERT_INT_EQ(lg_time_parse("10:2", 4, &t), LG_DT_TOO_SHORT, "short time");
  ASSERT_INT_EQ(lg_time_parse("10-20", 5, &t), LG_DT_INVALID_TIME_SEP, "time separator");
}

static void duration_is(const char *in, const char *expected) {
  lg_duration d;
  char out[LG_DT_TEXT_MAX];
  lg_dt_error e = lg_duration_parse(in, strlen(in), &d);
  if (e != LG_DT_OK) LG_TEST_FAIL("'%s' should parse, got '%s'", in, lg_dt_message(e));
  lg_duration_format(&d, out);
  ASSERT_STR_EQ(out, expected, in);
}

static void parses_durations(void) {
  duration_is("P1DT2H", "P1DT7200S");
  duration_is("P1Y", "P1Y");
  duration_is("-PT1.5S", "-PT1.5S");
  duration_is("P1W", "P7D");
  duration_is("PT0.5H", "PT1800S");
  duration_is("12:30:00", "PT45000S");
  duration_is("2 days, 01:00:00", "P2DT3600S");
  duration_is("3d", "P3D");
  duration_is("PT0S", "PT0S");
  lg_duration d;
  ASSERT_INT_EQ(lg_duration_parse("P", 1, &d), LG_DT_TOO_SHORT, "empty ISO duration");
  ASSERT_INT_EQ(lg_duration_parse("P1X", 3, &d), LG_DT_DURATION_INVALID_DATE_UNIT, "date unit");
  ASSERT_INT_EQ(lg_duration_parse("PT1D", 4, &d), LG_DT_DURATION_INVALID_TIME_UNIT, "time unit");
  ASSERT_INT_EQ(lg_duration_parse("PT1HT2M", 7, &d), LG_DT_DURATION_T_REPEATED, "T twice");
  ASSERT_INT_EQ(lg_duration_parse("P1.5Y2D", 7, &d), LG_DT_DURATION_INVALID_FRACTION, "fraction not last");
  ASSERT_INT_EQ(lg_duration_parse("P9999999999D", 12, &d), LG_DT_DURATION_VALUE_TOO_LARGE, "too large");
  ASSERT_INT_EQ(lg_duration_from_seconds(-90.25, &d), LG_DT_OK, "from seconds");
  char out[LG_DT_TEXT_MAX];
  lg_duration_format(&d, out);
  ASSERT_STR_EQ(out, "-PT90.25S", "negative seconds");
}

const lg_test_case datetime_tests[] = {
  {"parses_rfc3339_datetimes", parses_rfc3339_datetimes},
  {"reads_unix_timestamps_as_utc", reads_unix_timestamps_as_utc},
  {"explains_bad_datetimes_as_speedate", explains_bad_datetimes_as_speedate},
  {"parses_dates_and_times", parses_dates_and_times},
  {"parses_durations", parses_durations},
  {NULL, NULL},
};
