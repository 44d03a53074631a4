--- pydantic v2's validation errors: the message template of every error type lakegate
-- emits, the key order of each type's `ctx`, and the error values that validators raise.
--
-- The templates are pydantic-core's Python-mode templates (`src/errors/types.rs`,
-- `message_template_python`), which is what FastAPI answers: it validates the decoded
-- body as Python objects. tests/lua/golden/pydantic_error_templates.json keeps the
-- upstream text; a spec checks this table against it.
-- @module lakegate.model.errors
local core = require("lakegate.core")

local type, pairs, tostring, setmetatable, getmetatable, error, sort =
      type, pairs, tostring, setmetatable, getmetatable, error, table.sort
local math_type, gsub, float_text = math.type, string.gsub, core.float_text

local errors = {}

--- type -> template. `{expected_plural}` is "s" unless the count it follows is 1.
errors.TEMPLATES = {
  missing = "Field required",
  frozen_field = "Field is frozen",
  frozen_instance = "Instance is frozen",
  extra_forbidden = "Extra inputs are not permitted",
  model_type = "Input should be a valid dictionary or instance of {class_name}",
  model_attributes_type = "Input should be a valid dictionary or object to extract fields from",
  none_required = "Input should be None",
  greater_than = "Input should be greater than {gt}",
  greater_than_equal = "Input should be greater than or equal to {ge}",
  less_than = "Input should be less than {lt}",
  less_than_equal = "Input should be less than or equal to {le}",
  multiple_of = "Input should be a multiple of {multiple_of}",
  finite_number = "Input should be a finite number",
  too_short = "{field_type} should have at least {min_length} item{expected_plural} after validation, not {actual_length}",
  too_long = "{field_type} should have at most {max_length} item{expected_plural} after validation, not {actual_length}",
  string_type = "Input should be a valid string",
  string_unicode = "Input should be a valid string, unable to parse raw data as a unicode string",
  string_too_short = "String should have at least {min_length} character{expected_plural}",
  string_too_long = "String should have at most {max_length} character{expected_plural}",
  string_pattern_mismatch = "String should match pattern '{pattern}'",
  enum = "Input should be {expected}",
  dict_type = "Input should be a valid dictionary",
  list_type = "Input should be a valid list",
  tuple_type = "Input should be a valid tuple",
  set_type = "Input should be a valid set",
  bool_type = "Input should be a valid boolean",
  bool_parsing = "Input should be a valid boolean, unable to interpret input",
  int_type = "Input should be a valid integer",
  int_parsing = "Input should be a valid integer, unable to parse string as an integer",
  int_from_float = "Input should be a valid integer, got a number with a fractional part",
  int_parsing_size = "Unable to parse input string as an integer, exceeded maximum size",
  float_type = "Input should be a valid number",
  float_parsing = "Input should be a valid number, unable to parse string as a number",
  bytes_type = "Input should be a valid bytes",
  bytes_too_short = "Data should have at least {min_length} byte{expected_plural}",
  bytes_too_long = "Data should have at most {max_length} byte{expected_plural}",
  value_error = "Value error, {error}",
  assertion_error = "Assertion failed, {error}",
  literal_error = "Input should be {expected}",
  date_type = "Input should be a valid date",
  date_parsing = "Input should be a valid date in the format YYYY-MM-DD, {error}",
  date_from_datetime_parsing = "Input should be a valid date or datetime, {error}",
  date_from_datetime_inexact = "Datetimes provided to dates should have zero time - e.g. be exact dates",
  time_type = "Input should be a valid time",
  time_parsing = "Input should be in a valid time format, {error}",
  datetime_type = "Input should be a valid datetime",
  datetime_parsing = "Input should be a valid datetime, {error}",
  datetime_from_date_parsing = "Input should be a valid datetime or date, {error}",
  timezone_naive = "Input should not have timezone info",
  timezone_aware = "Input should have timezone info",
  time_delta_type = "Input should be a valid timedelta",
  time_delta_parsing = "Input should be a valid timedelta, {error}",
  union_tag_invalid = "Input tag '{tag}' found using {discriminator} does not match any of the expected tags: {expected_tags}",
  union_tag_not_found = "Unable to extract tag using discriminator {discriminator}",
  url_type = "URL input should be a string or URL",
  url_parsing = "Input should be a valid URL, {error}",
  url_too_long = "URL should have at most {max_length} character{expected_plural}",
  url_scheme = "URL scheme should be {expected_schemes}",
  uuid_type = "UUID input should be a string, bytes or UUID object",
  uuid_parsing = "Input should be a valid UUID, {error}",
  uuid_version = "UUID version {expected_version} expected",
  decimal_type = "Decimal input should be an integer, float, string or Decimal object",
  decimal_parsing = "Input should be a valid decimal",
  decimal_max_digits = "Decimal input should have no more than {max_digits} digit{expected_plural} in total",
  decimal_max_places = "Decimal input should have no more than {decimal_places} decimal place{expected_plural}",
  decimal_whole_digits = "Decimal input should have no more than {whole_digits} digit{expected_plural} before the decimal point",
}

--- Error types pydantic raises from Python code rather than pydantic-core (pydantic's
-- networks.py and types.py), and the few lakegate adds for JSON Schema keywords that
-- pydantic has no counterpart for. They are listed in the README.
errors.EXTRA_TEMPLATES = {
  ip_v4_address = "Input is not a valid IPv4 address",
  ip_v6_address = "Input is not a valid IPv6 address",
  ip_any_address = "value is not a valid IPv4 or IPv6 address",
  base64_decode = "Base64 decoding error: '{error}'",
  -- lakegate's own, for JSON Schema documents
  string_format = "Input should be a valid {format}",
  unique_items = "List should have unique items",
  one_of_multiple = "Input should match exactly one schema, matched {count}",
  not_allowed = "Input should not match the schema",
  properties_too_few = "Object should have at least {min_properties} propert{expected_plural} after validation, not {actual_length}",
  properties_too_many = "Object should have at most {max_properties} propert{expected_plural} after validation, not {actual_length}",
  never = "Input should not be present",
}

-- The count that `{expected_plural}` follows, per type.
local PLURAL_OF = {
  too_short = "min_length", too_long = "max_length", string_too_short = "min_length",
  string_too_long = "max_length", bytes_too_short = "min_length", bytes_too_long = "max_length",
  url_too_long = "max_length", decimal_max_digits = "max_digits",
  decimal_max_places = "decimal_places", decimal_whole_digits = "whole_digits",
  properties_too_few = "min_properties", properties_too_many = "max_properties",
}
local PLURAL_WORD = {properties_too_few = {"y", "ies"}, properties_too_many = {"y", "ies"}}

--- Key order of each type's ctx (pydantic builds ctx in its struct field order).
errors.CTX_ORDER = {
  too_short = {"field_type", "min_length", "actual_length"},
  too_long = {"field_type", "max_length", "actual_length"},
  union_tag_invalid = {"discriminator", "tag", "expected_tags"},
  properties_too_few = {"min_properties", "actual_length"},
  properties_too_many = {"max_properties", "actual_length"},
}

local CTX_MT = {}
for etype, order in pairs(errors.CTX_ORDER) do CTX_MT[etype] = {__order = order} end

--- The text of a value in a message, as Rust's Display prints pydantic's Number:
-- integers in decimal, floats without exponent (1.0 -> "1").
local function display(v)
  if math_type(v) == "float" then return float_text(v, "rust") end
  return tostring(v)
end
errors.display = display

--- The template of an error type (nil for unknown types).
function errors.template(etype)
  return errors.TEMPLATES[etype] or errors.EXTRA_TEMPLATES[etype]
end

-- A template split once into literal text and `{key}` slots: {"String should have at least ", "min_length", ...}
local compiled = {}
local function parts_of(template)
  local parts = compiled[template]
  if parts then return parts end
  parts = {}
  local pos = 1
  for a, key, b in template:gmatch("(){([%w_]+)}()") do
    parts[#parts + 1] = template:sub(pos, a - 1)
    parts[#parts + 1] = key
    pos = b
  end
  parts[#parts + 1] = template:sub(pos)
  compiled[template] = parts
  return parts
end

local plain = {}   -- etype -> message, for types whose template has no slots

--- Renders the message of etype with ctx, as pydantic-core's render_message does.
function errors.render(etype, ctx, template)
  if ctx == nil and template == nil then
    local msg = plain[etype]
    if msg then return msg end
  end
  local parts = parts_of(template or errors.template(etype))
  local n = #parts
  if n == 1 then
    if template == nil then plain[etype] = parts[1] end
    return parts[1]
  end
  local out = {}
  for i = 1, n do
    local p = parts[i]
    if i % 2 == 1 then
      out[i] = p
    elseif p == "expected_plural" then
      local word = PLURAL_WORD[etype] or {"", "s"}
      out[i] = ctx and ctx[PLURAL_OF[etype]] == 1 and word[1] or word[2]
    else
      local v = ctx and ctx[p]
      out[i] = v == nil and "{" .. p .. "}" or display(v)
    end
  end
  return table.concat(out)
end

--- Gives ctx pydantic's key order for etype (in place) and returns it.
function errors.ctx(etype, ctx)
  local mt = CTX_MT[etype]
  if mt then setmetatable(ctx, mt) end
  return ctx
end

-- {====================== errors raised by validators ======================

local Raised = {__name = "lakegate.model.ValidationError"}
Raised.__index = Raised
function Raised:__tostring() return ("%s: %s"):format(self.type, self.msg) end

--- True if e was raised by value_error, assertion_error or error.
function errors.is_raised(e)
  return getmetatable(e) == Raised
end

local function raise(etype, msg, ctx)
  error(setmetatable({type = etype, msg = msg, ctx = ctx}, Raised), 0)
end

--- Raised by validators: value_error with pydantic's "Value error, <msg>".
function errors.value_error(msg)
  msg = tostring(msg)
  raise("value_error", "Value error, " .. msg, {error = msg})
end

--- Raised by validators: assertion_error ("Assertion failed, <msg>").
function errors.assertion_error(msg)
  msg = tostring(msg)
  raise("assertion_error", "Assertion failed, " .. msg, {error = msg})
end

--- A custom error type with a message template filled from ctx, as PydanticCustomError.
function errors.custom(etype, template, ctx)
  if type(etype) ~= "string" or not etype:match("^[%a_][%w_]*$") then
    error("model.error: the error type must be an identifier", 2)
  end
  if type(template) ~= "string" then error("model.error: the message template must be a string", 2) end
  if ctx ~= nil and type(ctx) ~= "table" then error("model.error: ctx must be a table", 2) end
  local keys = {}
  for k in pairs(ctx or {}) do keys[#keys + 1] = k end
  sort(keys)
  local c = ctx and setmetatable(ctx, {__order = keys}) or nil
  raise(etype, errors.render(etype, c or {}, template), c)
end

-- }======================

return errors
