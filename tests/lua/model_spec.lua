-- Specs for lakegate.model: every type, constraint and mode, with pydantic v2's errors.
local model = require("lakegate.model")
local core = require("lakegate.core")

local NULL = model.null
local json = core.json_encode

-- The errors of validating `input` (which must fail), at loc {"body", ...}.
local function errors_of(m, input)
  local value, errs = m:validate(input, {"body"})
  assert.is_nil(value, "expected the input to be rejected, got " .. tostring(json(value)))
  return errs
end

local function only_error(m, input)
  local errs = errors_of(m, input)
  assert.equal(1, #errs, "expected exactly one error, got " .. tostring(json(errs)))
  return errs[1]
end

-- A model with one field `x` of type t.
local function field(t, opts) return model.define("F", {x = t}, opts) end

local function valid(m, input) return (assert(m:validate(input))) end

describe("model", function()
  describe("string", function()
    local M = field(model.string{min_length = 2, max_length = 4})

    it("accepts a string within the bounds, counted in code points", function()
      assert.same({x = "né"}, valid(M, {x = "né"}))
      assert.same({x = "日本語!"}, valid(M, {x = "日本語!"}))
    end)

    it("rejects a short string with string_too_short and its ctx", function()
      local e = only_error(M, {x = "a"})
      assert.same({type = "string_too_short", loc = {"body", "x"}, msg = "String should have at least 2 characters",
                   input = "a", ctx = {min_length = 2}}, e)
    end)

    it("rejects a long string with string_too_long", function()
      local e = only_error(M, {x = "abcde"})
      assert.equal("string_too_long", e.type)
      assert.equal("String should have at most 4 characters", e.msg)
      assert.same({max_length = 4}, e.ctx)
    end)

    it("uses the singular for a bound of one", function()
      assert.equal("String should have at least 1 character", only_error(field(model.string{min_length = 1}), {x = ""}).msg)
    end)

    it("rejects non-strings with string_type in lax mode too (pydantic does not coerce numbers)", function()
      for _, bad in ipairs({12, 1.5, true, NULL, {}}) do
        local e = only_error(M, {x = bad})
        assert.equal("string_type", e.type)
        assert.equal("Input should be a valid string", e.msg)
      end
    end)

    it("rejects invalid UTF-8 with string_unicode and shows the input readably", function()
      local e = only_error(M, {x = "a\xff"})
      assert.equal("string_unicode", e.type)
      assert.equal("a\u{FFFD}", e.input)
    end)

    it("searches a PCRE2 pattern", function()
      local P = field(model.string{pattern = "^[a-z]+-\\d+$"})
      assert.same({x = "abc-12"}, valid(P, {x = "abc-12"}))
      local e = only_error(P, {x = "ABC-12"})
      assert.same({type = "string_pattern_mismatch", loc = {"body", "x"},
                   msg = "String should match pattern '^[a-z]+-\\d+$'", input = "ABC-12", ctx = {pattern = "^[a-z]+-\\d+$"}}, e)
      assert.same({x = "xx 42"}, valid(field(model.string{pattern = "\\d"}), {x = "xx 42"}), "not anchored")
    end)

    it("understands long Unicode category names in patterns", function()
      local P = field(model.string{pattern = "^\\p{Letter}+$"})
      assert.same({x = "héllo"}, valid(P, {x = "héllo"}))
      assert.equal("string_pattern_mismatch", only_error(P, {x = "h3"}).type)
    end)

    it("strips whitespace before checking lengths, and converts case after", function()
      local S = field(model.string{strip_whitespace = true, min_length = 2, to_lower = true})
      assert.same({x = "ab"}, valid(S, {x = " \t AB\u{00A0}"}))
      assert.equal("string_too_short", only_error(S, {x = "  a  "}).type)
      assert.same({x = "AB"}, valid(field(model.string{to_upper = true}), {x = "ab"}))
    end)

    it("checks JSON Schema formats without changing the value", function()
      local D = field(model.string{format = "date-time"})
      assert.same({x = "2024-01-02T03:04:05+02:00"}, valid(D, {x = "2024-01-02T03:04:05+02:00"}))
      local e = only_error(D, {x = "2024-01-02"})
      assert.same({type = "string_format", loc = {"body", "x"}, msg = "Input should be a valid date-time",
                   input = "2024-01-02", ctx = {format = "date-time"}}, e)
    end)
  end)

  describe("boolean", function()
    local M = field(model.boolean{})
    local S = field(model.boolean{strict = true})

    it("accepts booleans", function()
      assert.same({x = true}, valid(M, {x = true}))
      assert.same({x = false}, valid(M, {x = false}))
    end)

    it("coerces pydantic's boolean strings and 0/1 in lax mode", function()
      for _, s in ipairs({"true", "True", "yes", "on", "1", "y", "t", "TRUE"}) do
        assert.same({x = true}, valid(M, {x = s}), s)
      end
      for _, s in ipairs({"false", "NO", "off", "0", "n", "f"}) do
        assert.same({x = false}, valid(M, {x = s}), s)
      end
      assert.same({x = true}, valid(M, {x = 1}))
      assert.same({x = false}, valid(M, {x = 0.0}))
    end)

    it("rejects other strings and integers with bool_parsing", function()
      for _, bad in ipairs({"maybe", " true", 2, 2.0}) do
        local e = only_error(M, {x = bad})
        assert.equal("bool_parsing", e.type, tostring(bad))
        assert.equal("Input should be a valid boolean, unable to interpret input", e.msg)
      end
    end)

    it("rejects fractional numbers and other types with bool_type", function()
      for _, bad in ipairs({0.5, {}, NULL}) do
        local e = only_error(M, {x = bad})
        assert.equal("bool_type", e.type)
        assert.equal("Input should be a valid boolean", e.msg)
      end
    end)

    it("does not coerce in strict mode", function()
      assert.equal("bool_type", only_error(S, {x = "true"}).type)
      assert.equal("bool_type", only_error(S, {x = 1}).type)
    end)
  end)

  describe("integer", function()
    local M = field(model.integer{ge = 0})

    it("keeps integers exact", function()
      assert.equal(9007199254740993, valid(M, {x = 9007199254740993}).x)
      assert.equal("integer", math.type(valid(M, {x = 7}).x))
    end)

    it("takes integral floats, integer strings and booleans in lax mode", function()
      assert.equal("integer", math.type(valid(M, {x = 3.0}).x))
      assert.equal(42, valid(M, {x = " 42 "}).x)
      assert.equal(1000, valid(M, {x = "1_000"}).x)
      assert.equal(12, valid(M, {x = "12.000"}).x)
      assert.equal(7, valid(M, {x = "+007"}).x)
      assert.equal(1, valid(M, {x = true}).x)
    end)

    it("rejects fractional numbers with int_from_float", function()
      local e = only_error(M, {x = 1.5})
      assert.equal("int_from_float", e.type)
      assert.equal("Input should be a valid integer, got a number with a fractional part", e.msg)
    end)

    it("rejects integers beyond int64 with int_parsing_size, never changing them", function()
      local big = core.json_decode("99999999999999999999")
      assert.equal("float", math.type(big), "the decoder keeps an out-of-range literal as a float")
      local e = only_error(M, {x = big})
      assert.equal("int_parsing_size", e.type)
      assert.equal("Unable to parse input string as an integer, exceeded maximum size", e.msg)
      assert.equal("int_parsing_size", only_error(M, {x = "99999999999999999999"}).type)
    end)

    it("rejects unparsable strings with int_parsing", function()
      for _, bad in ipairs({"1x", "1e3", "1.5", "--1", "_1", "1__0", ""}) do
        local e = only_error(M, {x = bad})
        assert.equal("int_parsing", e.type, bad)
        assert.equal("Input should be a valid integer, unable to parse string as an integer", e.msg)
      end
    end)

    it("rejects other types with int_type, and everything but integers in strict mode", function()
      assert.equal("int_type", only_error(M, {x = {}}).type)
      local S = field(model.integer{strict = true})
      assert.equal("int_type", only_error(S, {x = "1"}).type)
      assert.equal("int_type", only_error(S, {x = 1.0}).type)
    end)

    it("accepts integral floats in strict mode with integral_floats (JSON Schema's integers)", function()
      local J = field(model.integer{strict = true, integral_floats = true})
      assert.equal(1, valid(J, {x = 1.0}).x)
      assert.equal("int_from_float", only_error(J, {x = 1.5}).type)
      assert.equal("int_type", only_error(J, {x = "1"}).type)
    end)

    it("checks multiple_of, le, lt, ge and gt in pydantic's order, with integer ctx", function()
      local B = field(model.integer{multiple_of = 5, gt = 0, le = 20})
      assert.same({type = "multiple_of", loc = {"body", "x"}, msg = "Input should be a multiple of 5", input = 7,
                   ctx = {multiple_of = 5}}, only_error(B, {x = 7}))
      assert.same({le = 20}, only_error(B, {x = 25}).ctx)
      local e = only_error(B, {x = 0})
      assert.equal("greater_than", e.type)
      assert.equal("Input should be greater than 0", e.msg)
      assert.equal('{"gt":0}', json(e.ctx))
      assert.equal("less_than", only_error(field(model.integer{lt = 3}), {x = 3}).type)
      assert.equal("greater_than_equal", only_error(M, {x = -1}).type)
    end)
  end)

  describe("number", function()
    local M = field(model.number{gt = 0, le = 120})

    it("accepts numbers within bounds and returns floats", function()
      local v = valid(M, {x = 12})
      assert.equal(12.0, v.x)
      assert.equal("float", math.type(v.x))
    end)

    it("reports bounds as floats in ctx, as pydantic's float validator does", function()
      local e = only_error(M, {x = 0})
      assert.equal("greater_than", e.type)
      assert.equal("Input should be greater than 0", e.msg)
      assert.equal('{"gt":0.0}', json(e.ctx))
      e = only_error(M, {x = 120.5})
      assert.equal("Input should be less than or equal to 120", e.msg)
      assert.equal("Input should be greater than or equal to 0.5", only_error(field(model.number{ge = 0.5}), {x = 0}).msg)
      assert.equal("Input should be less than 2", only_error(field(model.number{lt = 2}), {x = 2}).msg)
    end)

    it("parses numeric strings and booleans in lax mode, as Rust's float parser", function()
      assert.equal(1.5, valid(M, {x = " 1.5 "}).x)
      assert.equal(100.0, valid(M, {x = "1e2"}).x)
      assert.equal(0.5, valid(M, {x = ".5"}).x)
      assert.equal(1.0, valid(M, {x = true}).x)
      assert.equal(1000.0, valid(field(model.number{}), {x = "1_000"}).x)
      local e = only_error(M, {x = "abc"})
      assert.equal("float_parsing", e.type)
      assert.equal("Input should be a valid number, unable to parse string as a number", e.msg)
    end)

    it("rejects other types with float_type, and strings in strict mode", function()
      assert.equal("float_type", only_error(M, {x = {}}).type)
      assert.equal("Input should be a valid number", only_error(M, {x = {}}).msg)
      assert.equal("float_type", only_error(field(model.number{strict = true}), {x = "1"}).type)
    end)

    it("rejects NaN and infinities unless allow_inf_nan", function()
      local F = field(model.number{})
      assert.equal("finite_number", only_error(F, {x = 0 / 0}).type)
      assert.equal("finite_number", only_error(F, {x = "inf"}).type)
      assert.equal(math.huge, valid(field(model.number{allow_inf_nan = true}), {x = "infinity"}).x)
    end)

    it("checks multiple_of on the decimal values, so 0.0075 is a multiple of 0.0001", function()
      local D = field(model.number{multiple_of = 0.0001})
      assert.equal(0.0075, valid(D, {x = 0.0075}).x)
      local e = only_error(D, {x = 0.00751})
      assert.equal("multiple_of", e.type)
      assert.equal("Input should be a multiple of 0.0001", e.msg)
    end)

    it("keeps integers as integers with as_float = false", function()
      assert.equal("integer", math.type(valid(field(model.number{as_float = false}), {x = 3}).x))
    end)
  end)

  describe("none, any", function()
    it("accepts only null for none", function()
      local N = field(model.none{})
      assert.equal(NULL, valid(N, {x = NULL}).x)
      assert.same({type = "none_required", loc = {"body", "x"}, msg = "Input should be None", input = 0}, only_error(N, {x = 0}))
    end)

    it("accepts anything for any", function()
      local A = field(model.any{})
      assert.same({x = {1, {y = 2}}}, valid(A, {x = {1, {y = 2}}}))
    end)
  end)

  describe("enum and literal", function()
    it("accepts a member of an enum and lists the members in enum errors", function()
      local E = field(model.enum{"white", "pink", "gold"})
      assert.same({x = "pink"}, valid(E, {x = "pink"}))
      assert.same({type = "enum", loc = {"body", "x"}, msg = "Input should be 'white', 'pink' or 'gold'",
                   input = "black", ctx = {expected = "'white', 'pink' or 'gold'"}}, only_error(E, {x = "black"}))
      local I = field(model.enum{1, 2})
      assert.equal("Input should be 1 or 2", only_error(I, {x = 3}).msg)
      assert.equal("enum", only_error(I, {x = 1.5}).type)
    end)

    it("matches literals of any JSON type and reports literal_error", function()
      local L = field(model.literal{"cat", 1, true, NULL})
      for _, v in ipairs({"cat", 1, true, NULL}) do assert.equal(v, valid(L, {x = v}).x) end
      local e = only_error(L, {x = "dog"})
      assert.same({type = "literal_error", loc = {"body", "x"}, msg = "Input should be 'cat', 1, True or None",
                   input = "dog", ctx = {expected = "'cat', 1, True or None"}}, e)
      assert.equal("literal_error", only_error(L, {x = 0}).type, "0 is not true")
      assert.equal("Input should be 'a'", only_error(field(model.literal{"a"}), {x = "b"}).msg)
    end)

    it("compares object and array literals as JSON (1 == 1.0)", function()
      local L = field(model.literal{core.array({1, {a = 2}})})
      assert.same({x = {1, {a = 2}}}, valid(L, {x = core.array({1.0, {a = 2}})}))
      assert.equal("literal_error", only_error(L, {x = core.array({1, {a = 3}})}).type)
    end)
  end)

  describe("dates and times", function()
    local D = field(model.datetime{})

    it("parses RFC 3339 datetimes and returns aware ones in UTC", function()
      assert.equal("2024-01-02T01:04:05Z", valid(D, {x = "2024-01-02T03:04:05+02:00"}).x)
      assert.equal("2024-01-02T03:04:05.123000Z", valid(D, {x = "2024-01-02 03:04:05.123Z"}).x)
      assert.equal("2024-01-02T03:04:05", valid(D, {x = "2024-01-02T03:04:05"}).x, "naive stays naive")
    end)

    it("takes a date (midnight) and Unix timestamps in lax mode", function()
      assert.equal("2024-01-02T00:00:00", valid(D, {x = "2024-01-02"}).x)
      assert.equal("2022-06-07T16:28:40Z", valid(D, {x = 1654619320}).x)
      assert.equal("2022-06-07T16:28:40.500000Z", valid(D, {x = "1654619320.5"}).x)
    end)

    it("reports datetime_from_date_parsing with speedate's reason", function()
      assert.same({type = "datetime_from_date_parsing", loc = {"body", "x"},
                   msg = "Input should be a valid datetime or date, month value is outside expected range of 1-12",
                   input = "2017-13-05T19:47:07", ctx = {error = "month value is outside expected range of 1-12"}},
                  only_error(D, {x = "2017-13-05T19:47:07"}))
      assert.equal("Input should be a valid datetime or date, invalid character in year",
                   only_error(D, {x = "last Tuesday"}).msg)
      assert.equal("datetime_type", only_error(D, {x = true}).type)
    end)

    it("reports datetime_parsing in strict mode and checks timezone rules", function()
      local S = field(model.datetime{strict = true})
      assert.same({error = "invalid datetime separator, expected `T`, `t`, `_` or space"}, only_error(S, {x = "2024-01-02"}).ctx)
      assert.equal("datetime_parsing", only_error(S, {x = "2024-01-02"}).type)
      assert.equal("datetime_type", only_error(S, {x = 1654619320}).type)
      assert.equal("timezone_aware", only_error(field(model.datetime{tz = "aware"}), {x = "2024-01-02T03:04:05"}).type)
      assert.equal("timezone_naive", only_error(field(model.datetime{tz = "naive"}), {x = "2024-01-02T03:04:05Z"}).type)
    end)

    it("validates dates, with date_from_datetime_parsing and exact-date rules", function()
      local d = field(model.date{})
      assert.equal("2024-02-29", valid(d, {x = "2024-02-29"}).x)
      assert.equal("2024-02-29", valid(d, {x = "2024-02-29T00:00:00Z"}).x)
      assert.same({type = "date_from_datetime_parsing", loc = {"body", "x"},
                   msg = "Input should be a valid date or datetime, invalid character in year",
                   input = "XX1494012000", ctx = {error = "invalid character in year"}}, only_error(d, {x = "XX1494012000"}))
      assert.equal("Input should be a valid date or datetime, day value is outside expected range",
                   only_error(d, {x = "2023-02-29"}).msg)
      assert.equal("date_from_datetime_inexact", only_error(d, {x = "2024-02-29T10:00:00"}).type)
      assert.equal("date_parsing", only_error(field(model.date{strict = true}), {x = "2024-02-30"}).type)
    end)

    it("validates times and durations", function()
      local t = field(model.time{})
      assert.equal("10:20:30.400000+02:00", valid(t, {x = "10:20:30.4+02:00"}).x)
      assert.same({type = "time_parsing", loc = {"body", "x"},
                   msg = "Input should be in a valid time format, hour value is outside expected range of 0-23",
                   input = "25:00", ctx = {error = "hour value is outside expected range of 0-23"}}, only_error(t, {x = "25:00"}))
      local u = field(model.duration{})
      assert.equal("P1DT7200S", valid(u, {x = "P1DT2H"}).x)
      assert.equal("PT90S", valid(u, {x = 90}).x)
      assert.equal("-PT45000S", valid(u, {x = "-12:30:00"}).x)
      assert.equal("time_delta_parsing", only_error(u, {x = "P1X"}).type)
      assert.equal("Input should be a valid timedelta, quantity invalid in date part of duration",
                   only_error(u, {x = "P1X"}).msg)
    end)
  end)

  describe("identifiers, addresses, binary and decimals", function()
    it("normalizes UUIDs and checks their version", function()
      local U = field(model.uuid{version = 4})
      assert.equal("67e55044-10b1-426f-9247-bb680e5fe0c8", valid(U, {x = "{67E55044-10B1-426F-9247-BB680E5FE0C8}"}).x)
      assert.same({type = "uuid_parsing", loc = {"body", "x"},
                   msg = "Input should be a valid UUID, invalid character: expected an optional prefix of `urn:uuid:` followed by [0-9a-fA-F-], found `i` at 1",
                   input = "invalid-uuid",
                   ctx = {error = "invalid character: expected an optional prefix of `urn:uuid:` followed by [0-9a-fA-F-], found `i` at 1"}},
                  only_error(U, {x = "invalid-uuid"}))
      assert.same({type = "uuid_version", loc = {"body", "x"}, msg = "UUID version 4 expected",
                   input = "a8098c1a-f86e-11da-bd1a-00112444be1e", ctx = {expected_version = 4}},
                  only_error(U, {x = "a8098c1a-f86e-11da-bd1a-00112444be1e"}))
      assert.equal("uuid_type", only_error(U, {x = 5}).type)
    end)

    it("validates e-mail addresses as pydantic's EmailStr", function()
      local E = field(model.email{})
      assert.equal("Jane.Doe@example.com", valid(E, {x = "Jane.Doe@EXAMPLE.com"}).x)
      assert.same({type = "value_error", loc = {"body", "x"},
                   msg = "value is not a valid email address: The part after the @-sign is not valid. It should have a period.",
                   input = "me@localhost", ctx = {reason = "The part after the @-sign is not valid. It should have a period."}},
                  only_error(E, {x = "me@localhost"}))
      assert.equal("value is not a valid email address: An email address must have an @-sign.",
                   only_error(E, {x = "nobody"}).msg)
    end)

    it("validates URLs and normalizes them", function()
      local U = field(model.url{schemes = {"http", "https"}, max_length = 60, host_required = true})
      assert.equal("https://example.com/a/c?q=1%202", valid(U, {x = "HTTPS://Example.COM:443/a/b/../c?q=1 2"}).x)
      assert.same({type = "url_scheme", loc = {"body", "x"}, msg = "URL scheme should be 'http' or 'https'",
                   input = "ftp://x.org", ctx = {expected_schemes = "'http' or 'https'"}}, only_error(U, {x = "ftp://x.org"}))
      assert.equal("Input should be a valid URL, relative URL without a base", only_error(U, {x = "/x"}).msg)
      assert.equal("Input should be a valid URL, invalid port number", only_error(U, {x = "http://x.org:99999"}).msg)
      assert.equal("url_too_long", only_error(U, {x = "http://x.org/" .. ("a"):rep(60)}).type)
      assert.equal("url_type", only_error(U, {x = 1}).type)
    end)

    it("validates IP addresses", function()
      assert.equal("2001:db8::1", valid(field(model.ipv6{}), {x = "2001:0DB8:0:0:0:0:0:1"}).x)
      assert.equal("192.168.0.1", valid(field(model.ipv4{}), {x = 3232235521}).x)
      assert.same({type = "ip_v4_address", loc = {"body", "x"}, msg = "Input is not a valid IPv4 address", input = "01.2.3.4"},
                  only_error(field(model.ipv4{}), {x = "01.2.3.4"}))
      assert.equal("Input is not a valid IPv6 address", only_error(field(model.ipv6{}), {x = "1.2.3.4"}).msg)
      assert.equal("value is not a valid IPv4 or IPv6 address", only_error(field(model.ip{}), {x = "x"}).msg)
    end)

    it("validates base64 bytes and their decoded length", function()
      local B = field(model.bytes{max_length = 3})
      assert.equal("aGk=", valid(B, {x = "aGk="}).x)
      assert.same({type = "base64_decode", loc = {"body", "x"}, msg = "Base64 decoding error: 'Incorrect padding'",
                   input = "aGk", ctx = {error = "Incorrect padding"}}, only_error(B, {x = "aGk"}))
      assert.same({type = "bytes_too_long", loc = {"body", "x"}, msg = "Data should have at most 3 bytes",
                   input = "aGVsbG8=", ctx = {max_length = 3}}, only_error(B, {x = "aGVsbG8="}))
      assert.equal("bytes_type", only_error(B, {x = 1}).type)
    end)

    it("keeps decimals exact as text and checks digits and bounds", function()
      local D = field(model.decimal{max_digits = 5, decimal_places = 2, gt = 0})
      assert.equal("123.45", valid(D, {x = "123.45"}).x)
      assert.equal("0.1", valid(D, {x = 0.1}).x)
      assert.equal("1.50", valid(D, {x = " 1.50 "}).x)
      assert.same({type = "decimal_max_places", loc = {"body", "x"},
                   msg = "Decimal input should have no more than 2 decimal places", input = "1.234",
                   ctx = {decimal_places = 2}}, only_error(D, {x = "1.234"}))
      assert.equal("Decimal input should have no more than 5 digits in total", only_error(D, {x = "1234.56"}).msg)
      assert.equal("Decimal input should have no more than 3 digits before the decimal point",
                   only_error(D, {x = "1234.5"}).msg)
      assert.equal("Input should be greater than 0", only_error(D, {x = "0"}).msg)
      assert.equal("decimal_parsing", only_error(D, {x = "abc"}).type)
      assert.equal("decimal_type", only_error(D, {x = true}).type)
      assert.equal("finite_number", only_error(D, {x = "NaN"}).type)
      assert.equal("Input should be a multiple of 0.25", only_error(field(model.decimal{multiple_of = "0.25"}), {x = "1.3"}).msg)
    end)
  end)

  describe("arrays, tuples, sets and maps", function()
    local L = field(model.array{model.string{max_length = 3}, max_items = 2})

    it("accepts a list and returns a JSON array", function()
      local v = valid(L, {x = core.array({"a", "b"})})
      assert.equal('{"x":["a","b"]}', json(v))
      assert.equal('{"x":[]}', json(valid(L, {x = core.array({})})))
    end)

    it("reports too_long alone, as pydantic stops at the item past the limit", function()
      local e = only_error(L, {x = {"a", 5, "c"}})
      assert.same({type = "too_long", loc = {"body", "x"}, msg = "List should have at most 2 items after validation, not 3",
                   input = {"a", 5, "c"}, ctx = {field_type = "List", max_length = 2, actual_length = 3}}, e)
      assert.equal('{"field_type":"List","max_length":2,"actual_length":3}', json(e.ctx))
    end)

    it("reports item errors with their zero-based index, then too_short", function()
      local errs = errors_of(L, {x = {"long", 5}})
      assert.same({"body", "x", 0}, errs[1].loc)
      assert.equal("string_too_long", errs[1].type)
      assert.same({"body", "x", 1}, errs[2].loc)
      local N = field(model.array{model.integer{}, min_items = 1})
      assert.equal("List should have at least 1 item after validation, not 0", only_error(N, {x = core.array({})}).msg)
    end)

    it("rejects non-lists with list_type and checks unique items", function()
      assert.same({type = "list_type", loc = {"body", "x"}, msg = "Input should be a valid list", input = {a = 1}},
                  only_error(L, {x = {a = 1}}))
      local U = field(model.array{model.any{}, unique = true})
      local e = only_error(U, {x = {1, {a = 1}, 1.0}})
      assert.same({"body", "x", 2}, e.loc)
      assert.equal("unique_items", e.type)
    end)

    it("validates tuples position by position", function()
      local T = field(model.tuple{model.string{}, model.integer{}})
      assert.same({x = {"a", 1}}, valid(T, {x = {"a", "1"}}))
      local errs = errors_of(T, {x = {"a"}})
      assert.same({type = "missing", loc = {"body", "x", 1}, msg = "Field required", input = {"a"}}, errs[1])
      assert.same({field_type = "Tuple", max_length = 2, actual_length = 3}, only_error(T, {x = {"a", 1, 2}}).ctx)
      assert.equal("tuple_type", only_error(T, {x = "ab"}).type)
      local R = field(model.tuple{model.string{}, rest = model.integer{}})
      assert.same({x = {"a", 1, 2, 3}}, valid(R, {x = {"a", 1, 2, 3}}))
      assert.same({"body", "x", 2}, only_error(R, {x = {"a", 1, "b"}}).loc)
    end)

    it("drops duplicates of a set and checks its size after that", function()
      local S = field(model.set{model.integer{}, max_items = 2})
      assert.same({x = {1, 2}}, valid(S, {x = {1, 2, 1, "2"}}))
      assert.equal("Set should have at most 2 items after validation, not 3", only_error(S, {x = {1, 2, 3}}).msg)
      assert.equal("set_type", only_error(S, {x = 1}).type)
    end)

    it("validates map keys and values, with pydantic's [key] location", function()
      local D = field(model.map{key = model.string{pattern = "^[a-z]+$"}, value = model.integer{}, max_properties = 3})
      local v = valid(D, {x = core.json_decode('{"b":1,"a":"2"}', nil, true)})
      assert.equal('{"x":{"b":1,"a":2}}', json(v), "input order kept")
      local errs = errors_of(D, {x = {B = 1, c = "x"}})
      assert.same({"body", "x", "B", "[key]"}, errs[1].loc)
      assert.equal("string_pattern_mismatch", errs[1].type)
      assert.same({"body", "x", "c"}, errs[2].loc)
      assert.equal("int_parsing", errs[2].type)
      assert.equal("Dictionary should have at most 3 items after validation, not 4",
                   only_error(D, {x = {a = 1, b = 2, c = 3, d = 4}}).msg)
      assert.same({type = "dict_type", loc = {"body", "x"}, msg = "Input should be a valid dictionary", input = {1}},
                  only_error(D, {x = {1}}))
    end)
  end)

  describe("nested models", function()
    local Inner = model.define("Inner", {x = model.integer{}})
    local Outer = model.define("Outer", {inner = Inner{}, list = model.array{Inner, default = {}}})

    it("validates nested objects", function()
      assert.same({inner = {x = 1}, list = {{x = 2}}}, valid(Outer, {inner = {x = 1}, list = {{x = 2}}}))
    end)

    it("reports nested locations through objects and arrays", function()
      local errs = errors_of(Outer, {inner = {x = "a"}, list = {{x = 1}, {y = 2}}})
      assert.same({"body", "inner", "x"}, errs[1].loc)
      assert.same({"body", "list", 1, "x"}, errs[2].loc)
      assert.equal("missing", errs[2].type)
    end)

    it("rejects a non-object with model_attributes_type, as FastAPI answers", function()
      assert.same({type = "model_attributes_type", loc = {"body", "inner"},
                   msg = "Input should be a valid dictionary or object to extract fields from", input = 5},
                  only_error(Outer, {inner = 5}))
      assert.same({"body"}, only_error(Outer, core.array({1})).loc)
    end)

    it("accepts a bare model as a field type", function()
      local Bare = model.define("Bare", {inner = Inner, n = model.integer{}})
      assert.same({inner = {x = 1}, n = 2}, valid(Bare, {inner = {x = 1}, n = 2}))
    end)

    it("validates recursive models through model.ref", function()
      local Node
      Node = model.define("Node", {
        name = model.string{},
        children = model.array{model.ref(function() return Node end), default = {}},
      })
      assert.same({name = "a", children = {{name = "b", children = {}}}}, valid(Node, {name = "a", children = {{name = "b"}}}))
      assert.same({"body", "children", 0, "children", 0, "name"},
                  only_error(Node, {name = "a", children = {{name = "b", children = {{name = 1}}}}}).loc)
    end)
  end)

  describe("unions", function()
    it("prefers an exact match (smart mode) and reports every member's error", function()
      local U = field(model.union{model.integer{}, model.string{}})
      assert.same({x = "1"}, valid(U, {x = "1"}))
      assert.same({x = 1}, valid(U, {x = 1}))
      local errs = errors_of(U, {x = {}})
      assert.same({"body", "x", "int"}, errs[1].loc)
      assert.same({"body", "x", "str"}, errs[2].loc)
      local C = field(model.union{model.integer{gt = 0}, model.array{model.string{}}})
      assert.same({"body", "x", "constrained-int"}, errors_of(C, {x = 0})[1].loc)
      assert.same({"body", "x", "list[str]"}, errors_of(C, {x = 0})[2].loc)
    end)

    it("takes the first member that validates in left_to_right mode", function()
      local U = field(model.union{model.integer{}, model.string{}, mode = "left_to_right"})
      assert.same({x = 1}, valid(U, {x = "1"}))
    end)

    it("dispatches on a discriminator", function()
      local Cat = model.define("Cat", {kind = model.literal{"cat"}, meows = model.integer{}})
      local Dog = model.define("Dog", {kind = model.literal{"dog"}, barks = model.integer{}})
      local P = field(model.union{Cat, Dog, discriminator = "kind"})
      assert.same({x = {kind = "dog", barks = 2}}, valid(P, {x = {kind = "dog", barks = 2}}))
      local e = only_error(P, {x = {kind = "dog", barks = "x"}})
      assert.same({"body", "x", "dog", "barks"}, e.loc)
      assert.same({type = "union_tag_invalid", loc = {"body", "x"},
                   msg = "Input tag 'cow' found using 'kind' does not match any of the expected tags: 'cat', 'dog'",
                   input = {kind = "cow"}, ctx = {discriminator = "'kind'", tag = "cow", expected_tags = "'cat', 'dog'"}},
                  only_error(P, {x = {kind = "cow"}}))
      assert.same({type = "union_tag_not_found", loc = {"body", "x"},
                   msg = "Unable to extract tag using discriminator 'kind'", input = {meows = 1},
                   ctx = {discriminator = "'kind'"}}, only_error(P, {x = {meows = 1}}))
    end)

    it("shows a tag that is not a string as Python's str() does (never a table address)", function()
      local Cat = model.define("Cat", {kind = model.literal{"cat"}})
      local P = field(model.union{Cat, discriminator = "kind"})
      local function tag_of(kind) return only_error(P, {x = {kind = kind}}).ctx.tag end
      assert.equal("[1, {'y': None}]", tag_of(core.array({1, {y = NULL}})))
      assert.equal("True", tag_of(true))
      assert.equal("None", tag_of(NULL))
      assert.equal("2.5", tag_of(2.5))
      assert.equal("Input tag 'True' found using 'kind' does not match any of the expected tags: 'cat'",
                   only_error(P, {x = {kind = true}}).msg)
    end)
  end)

  describe("JSON Schema combinators", function()
    it("applies the branch of the input's JSON type", function()
      local J = field(model.json{string = model.string{min_length = 2}, number = model.number{as_float = false}})
      assert.same({x = true}, valid(J, {x = true}), "other types pass")
      assert.equal("string_too_short", only_error(J, {x = "a"}).type)
      local R = field(model.json{string = model.string{}, integer = model.integer{strict = true}, others = "reject"})
      local errs = errors_of(R, {x = true})
      assert.equal(2, #errs)
    end)

    it("checks all_of, one_of and not", function()
      local A = field(model.all_of{model.integer{ge = 0}, model.integer{le = 10}})
      assert.same({x = 5}, valid(A, {x = 5}))
      assert.equal("less_than_equal", only_error(A, {x = 11}).type)
      local O = field(model.one_of{model.integer{ge = 0}, model.integer{le = 10}})
      assert.same({x = 20}, valid(O, {x = 20}))
      assert.same({type = "one_of_multiple", loc = {"body", "x"}, msg = "Input should match exactly one schema, matched 2",
                   input = 5, ctx = {count = 2}}, only_error(O, {x = 5}))
      local N = field(model["not"]{model.string{}})
      assert.same({x = 1}, valid(N, {x = 1}))
      assert.same({type = "not_allowed", loc = {"body", "x"}, msg = "Input should not match the schema", input = "a"},
                  only_error(N, {x = "a"}))
      assert.same({type = "never", loc = {"body", "x"}, msg = "Input should not be present", input = 1},
                  only_error(field(model.never{}), {x = 1}))
    end)
  end)

  describe("fields", function()
    it("reports missing required fields with the whole input", function()
      local M = model.define("R", {a = model.string{}})
      local input = {b = 1}
      assert.same({type = "missing", loc = {"body", "a"}, msg = "Field required", input = input}, only_error(M, input))
    end)

    it("fills defaults, copying table defaults for each record", function()
      local n = 0
      local M = model.define("D", {
        c = model.enum{"a", "b", default = "a"},
        t = model.array{model.string{}, default = {}},
        f = model.integer{default_factory = function() n = n + 1 return n end},
      })
      local v1, v2 = valid(M, {}), valid(M, {})
      assert.same({c = "a", t = {}, f = 1}, v1)
      assert.equal(2, v2.f)
      assert.are_not.equal(v1.t, v2.t)
      assert.equal('{"c":"a","t":[],"f":1}', json(v1))
    end)

    it("leaves optional fields without a default out", function()
      assert.same({}, valid(model.define("O", {a = model.string{optional = true}}), {}))
    end)

    it("accepts null only for nullable fields", function()
      local M = model.define("Nu", {a = model.number{nullable = true, default = NULL}, b = model.number{}})
      assert.equal(NULL, valid(M, {b = 1}).a)
      assert.equal(NULL, valid(M, {a = NULL, b = 1}).a)
      assert.equal("float_type", only_error(M, {a = 1, b = NULL}).type)
    end)

    it("encodes in declaration order, listed fields in list order", function()
      local M = model.define("Ord", {z = model.integer{}, a = model.integer{}, m = model.integer{}})
      assert.equal('{"z":1,"a":2,"m":3}', json(valid(M, {a = 2, m = 3, z = 1})))
      local L = model.define("List", {{"b", model.integer{}}, {"a", model.integer{}}})
      assert.equal('{"b":1,"a":2}', json(valid(L, {a = 2, b = 1})))
    end)

    it("reads aliases, reports locs by alias, and populates by name when asked", function()
      local M = model.define("Al", {
        user_name = model.string{alias = "userName"},
        age = model.integer{validation_alias = "AGE"},
      })
      assert.same({user_name = "x", age = 3}, valid(M, {userName = "x", AGE = 3}))
      local errs = errors_of(M, {user_name = "x", age = 3})
      assert.same({"body", "userName"}, errs[1].loc)
      assert.same({"body", "AGE"}, errs[2].loc)
      local P = model.define("Pop", {user_name = model.string{alias = "userName"}}, {populate_by_name = true})
      assert.same({user_name = "x"}, valid(P, {user_name = "x"}))
    end)

    it("collects every error of a document, in field order", function()
      local M = model.define("Many", {a = model.string{}, b = model.integer{}, c = model.boolean{}})
      local errs = errors_of(M, {a = 1, b = "x", c = "maybe"})
      assert.same({"string_type", "int_parsing", "bool_parsing"}, {errs[1].type, errs[2].type, errs[3].type})
    end)

    it("stops collecting at the error cap (100 by default)", function()
      local M = model.define("Cap", {xs = model.array{model.integer{}}})
      local many = {}
      for i = 1, 250 do many[i] = "x" end
      assert.equal(100, #errors_of(M, {xs = many}))
      local _, errs = M:validate({xs = many}, {"body"}, {max_errors = 7})
      assert.equal(7, #errs)
      local C = model.define("Cap3", {xs = model.array{model.integer{}}}, {max_errors = 3})
      assert.equal(3, #errors_of(C, {xs = many}))
    end)
  end)

  describe("modes", function()
    it("is lax by default and strict per model or per field", function()
      local Lax = model.define("Lax", {n = model.integer{}, b = model.boolean{}})
      assert.same({n = 1, b = true}, valid(Lax, {n = "1", b = "yes"}))
      local Strict = model.define("Strict", {n = model.integer{}, b = model.boolean{strict = false}}, {strict = true})
      local e = only_error(Strict, {n = "1", b = "yes"})
      assert.same({"body", "n"}, e.loc)
      assert.equal("int_type", e.type)
    end)

    it("ignores extra keys by default", function()
      assert.same({a = 1}, valid(model.define("X", {a = model.integer{}}), {a = 1, b = 2}))
    end)

    it("rejects extra keys with extra = forbid, in input order", function()
      local M = model.define("XF", {a = model.integer{}}, {extra = "forbid"})
      local errs = errors_of(M, core.json_decode('{"a":1,"z":2,"b":3}', nil, true))
      assert.same({type = "extra_forbidden", loc = {"body", "z"}, msg = "Extra inputs are not permitted", input = 2}, errs[1])
      assert.same({"body", "b"}, errs[2].loc)
    end)

    it("keeps extra keys with extra = allow, after the fields, in input order", function()
      local M = model.define("XA", {a = model.integer{}}, {extra = "allow"})
      assert.equal('{"a":1,"z":2,"b":3}', json(valid(M, core.json_decode('{"z":2,"a":1,"b":3}', nil, true))))
      local T = model.define("XT", {a = model.integer{}}, {extra = "allow", extra_type = model.integer{}})
      assert.same({"body", "z"}, only_error(T, {a = 1, z = "x"}).loc)
    end)

    it("refuses assignments to frozen fields and models, and validates others", function()
      local M = model.define("Fz", {id = model.integer{frozen = true}, n = model.integer{}})
      local r = valid(M, {id = 1, n = 2})
      assert.equal(r, M:assign(r, "n", "5"))
      assert.equal(5, r.n)
      local _, errs = M:assign(r, "id", 9)
      assert.same({type = "frozen_field", loc = {"id"}, msg = "Field is frozen", input = 9}, errs[1])
      _, errs = M:assign(r, "n", "x")
      assert.equal("int_parsing", errs[1].type)
      local F = model.define("Fi", {n = model.integer{}}, {frozen = true})
      _, errs = F:assign(valid(F, {n = 1}), "n", 2)
      assert.same({type = "frozen_instance", loc = {"n"}, msg = "Instance is frozen", input = 2}, errs[1])
    end)
  end)

  describe("adapters", function()
    it("validate any type, as pydantic's TypeAdapter", function()
      local A = model.adapter(model.array{model.integer{}})
      assert.same({1, 2}, (A:validate({"1", 2})))
      local _, errs = A:validate({"x"}, {"query", "ids"})
      assert.same({"query", "ids", 0}, errs[1].loc)
      assert.same({1, 2}, (A:validate_json("[1,2]")))
      local v, errs2, msg, offset = A:validate_json("[1,")
      assert.is_nil(v)
      assert.is_nil(errs2)
      assert.equal("Expecting value", msg)
      assert.equal(3, offset)
    end)
  end)

  describe("declaration errors", function()
    -- (the closures keep a local so the call is not a tail call, which would hide the line)
    local function load_error(fn)
      local ok, err = pcall(fn)
      assert.is_false(ok)
      return err
    end

    it("names the caller's line for an unknown option", function()
      assert.matches("model_spec.lua:%d+: model.string: unknown option 'min_lenght'",
                     load_error(function() local t = model.string{min_lenght = 1}; return t end))
    end)

    it("explains a constraint on the wrong type", function()
      assert.matches("model_spec.lua:%d+: model.string: option 'gt' does not apply to this type %(it applies to decimal, integer, number%)",
                     load_error(function() local t = model.string{gt = 1}; return t end))
      assert.matches("option 'max_items' does not apply", load_error(function() local t = model.string{max_items = 1}; return t end))
    end)

    it("rejects an unknown type with a clear message", function()
      assert.matches("model_spec.lua:%d+: model.strnig: unknown type", load_error(function() local t = model.strnig{}; return t end))
    end)

    it("rejects a bad regex at declaration", function()
      assert.matches("model_spec.lua:%d+: model.string: bad pattern \"%(\": missing closing parenthesis at offset 1",
                     load_error(function() local t = model.string{pattern = "("}; return t end))
    end)

    it("rejects a bad default at declaration", function()
      assert.matches("model_spec.lua:%d+: model.integer: bad default 'x': Input should be a valid integer",
                     load_error(function() local t = model.integer{default = "x"}; return t end))
      assert.matches("bad default None", load_error(function() local t = model.string{default = NULL}; return t end))
      assert.matches("bad default", load_error(function() local t = model.array{model.integer{}, default = {"a"}}; return t end))
    end)

    it("rejects wrong values, contradictory bounds and misplaced options", function()
      assert.matches("option 'min_length' must be a non%-negative integer", load_error(function() local t = model.string{min_length = -1}; return t end))
      assert.matches("option 'gt' must be a finite number", load_error(function() local t = model.number{gt = "x"}; return t end))
      assert.matches("min_length 5 is greater than max_length 2", load_error(function() local t = model.string{min_length = 5, max_length = 2}; return t end))
      assert.matches("gt 5 is greater than lt 1", load_error(function() local t = model.integer{gt = 5, lt = 1}; return t end))
      assert.matches("option 'default' only applies to a model's field",
                     load_error(function() local t = model.array{model.string{default = "x"}}; return t end))
      assert.matches("give default or default_factory, not both",
                     load_error(function() local t = model.integer{default = 1, default_factory = function() return 1 end}; return t end))
    end)

    it("makes a route file with a bad model fail to load, naming its line", function()
      local app = require("lakegate.app")
      local dir = os.tmpname()
      os.remove(dir)
      assert(os.execute("mkdir -p " .. dir))
      local f = assert(io.open(dir .. "/bad.lua", "w"))
      f:write('local model = require("lakegate.model")\n\nlocal M = model.define("M", {\n',
              '  n = model.integer{min_length = 1},\n})\n')
      f:close()
      local a, err = app.load(dir)
      os.remove(dir .. "/bad.lua")
      os.remove(dir)
      assert.is_nil(a)
      assert.matches("bad.lua:4: model.integer: option 'min_length' does not apply to this type", err)
    end)

    it("rejects bad model declarations", function()
      assert.matches("field 'a' must be a model type", load_error(function() local t = model.define("Bad", {a = "string"}); return t end))
      assert.matches("extra must be", load_error(function() local t = model.define("Bad", {}, {extra = "sometimes"}); return t end))
      assert.matches("model Bad: unknown option 'strcit'", load_error(function() local t = model.define("Bad", {}, {strcit = true}); return t end))
      assert.matches("the first element must be the item type", load_error(function() local t = model.array{max_items = 1}; return t end))
      assert.matches("both read input key 'a'", load_error(function()
        return model.define("Bad", {a = model.string{}, b = model.string{alias = "a"}})
      end))
      local Plain = model.define("Plain", {n = model.integer{}})
      assert.matches("needs a literal or enum field 'kind'",
                     load_error(function() local t = model.union{Plain, discriminator = "kind"}; return t end))
    end)
  end)
end)
