--- Models: pydantic-style declarations that compile once into validators.
--
-- A model is declared as data (field types with their constraints, defaults and docs).
-- Declaring it checks every option (a bad model fails at the route file's line) and
-- compiles it twice: into Lua closures (lakegate.model.compile), which validate decoded
-- values and produce pydantic v2's errors, and into a C program (lakegate.model.fast) that
-- validates JSON bodies while decoding them. Validation returns the validated value or
-- the list of errors (`type`, `loc`, `msg`, `input`, `ctx`).
--
-- @module lakegate.model
-- @usage
-- local Unicorn = model.define("Unicorn", {
--   name = model.string{min_length = 1, max_length = 64},
--   rainbow = model.boolean{},
-- }, {extra = "forbid"})
-- local value, errors = Unicorn:validate(input, {"body"})
-- local value, errors, json_error, offset = Unicorn:validate_json(text, {"body"})
local core = require("lakegate.core")
local rt = require("lakegate.model.runtime")
local errors = require("lakegate.model.errors")
local types = require("lakegate.model.types")
local compile = require("lakegate.model.compile")

local type, pairs, ipairs, tostring, setmetatable, getmetatable, error, rawget =
      type, pairs, ipairs, tostring, setmetatable, getmetatable, error, rawget
local math_type, sort, format = math.type, table.sort, string.format
local json_decode = core.json_decode

local model = {}
local unicode_property_names

--- The JSON null, for `default = model.null` and comparisons in handlers.
model.null = core.null

local Model = {__name = "lakegate.model"}
Model.__index = Model

local is_type = types.is_type
local function is_model(v) return getmetatable(v) == Model end
model.is_model = is_model
model.is_type = is_type

-- {====================== field types ======================

-- The level of the route file that called a constructor: constructor (1) -> route file (2).
local L = 2

-- A type given as an argument: a type, or a model (meaning a field of that model type).
local function as_type(v, what, level)
  if is_model(v) then v = v() end
  if not is_type(v) then error(format("%s must be a model type (model.string{...}, ...) or a model, got %s",
                                      what, type(v)), level + 1) end
  return v
end

-- Last steps of every constructor: the default must be valid for the type. Constructors
-- call it and then return, never `return finish(...)`: a tail call would drop their frame
-- and the error would not name the route file's line.
local function finish(t, level)
  if t.default ~= nil and t.kind ~= "ref" then
    types.check_default(t, compile.type(t, t.strict), level + 1)
  end
  return t
end

local function scalar(kind, extra_check)
  return function(spec)
    local t, s = types.new(kind, spec, L)
    if s[1] ~= nil then error(format("model.%s: takes no positional values", kind), L) end
    if extra_check then extra_check(t, L + 1) end
    finish(t, L)
    return t
  end
end

-- Unicode general categories by their long names (\p{Letter}, as ECMAScript, Python's
-- regex and Rust's regex write them) -> the short names PCRE2 knows.
local CATEGORIES = {
  Letter = "L", Cased_Letter = "L&", Uppercase_Letter = "Lu", Lowercase_Letter = "Ll",
  Titlecase_Letter = "Lt", Modifier_Letter = "Lm", Other_Letter = "Lo", Mark = "M",
  Nonspacing_Mark = "Mn", Spacing_Mark = "Mc", Enclosing_Mark = "Me", Number = "N",
  Decimal_Number = "Nd", digit = "Nd", Letter_Number = "Nl", Other_Number = "No", Punctuation = "P",
  punct = "P", Connector_Punctuation = "Pc", Dash_Punctuation = "Pd", Open_Punctuation = "Ps",
  Close_Punctuation = "Pe", Initial_Punctuation = "Pi", Final_Punctuation = "Pf",
  Other_Punctuation = "Po", Symbol = "S", Math_Symbol = "Sm", Currency_Symbol = "Sc",
  Modifier_Symbol = "Sk", Other_Symbol = "So", Separator = "Z", Space_Separator = "Zs",
  Line_Separator = "Zl", Paragraph_Separator = "Zp", Other = "C", Control = "Cc", cntrl = "Cc",
  Format = "Cf", Surrogate = "Cs", Private_Use = "Co", Unassigned = "Cn",
}

unicode_property_names = function(pattern)
  return (pattern:gsub("\\([pP]){([%w_]+)}", function(p, name)
    local short = CATEGORIES[name] or CATEGORIES[name:gsub("^General_Category=", ""):gsub("^gc=", "")]
    if short then return "\\" .. p .. "{" .. short .. "}" end
    local script = name:match("^Script=(.+)$") or name:match("^sc=(.+)$")
    if script then return "\\" .. p .. "{" .. script .. "}" end
    return nil
  end))
end

--- A string. Options: `min_length`, `max_length` (code points; invalid UTF-8 is an error),
-- `pattern` (PCRE2, searched, compiled once), `strip_whitespace`, `to_lower`, `to_upper`
-- (ASCII), `format` (a JSON Schema format checked without changing the value).
model.string = scalar("string", function(t, level)
  types.check_range(t, "min_length", "max_length", level)
  if t.to_lower and t.to_upper then error("model.string: give to_lower or to_upper, not both", level) end
  if t.pattern then
    local re, err = core.regex(unicode_property_names(t.pattern))
    if not re then error(format("model.string: bad pattern %q: %s", t.pattern, err), level) end
    t.regex = re
  end
end)

local function check_bounds(t, level)
  for _, pair in ipairs({{"gt", "lt"}, {"ge", "le"}, {"gt", "le"}, {"ge", "lt"}}) do
    local lo, hi = t[pair[1]], t[pair[2]]
    if type(lo) == "number" and type(hi) == "number" and lo > hi then
      error(format("model.%s: %s %s is greater than %s %s", t.kind, pair[1], tostring(lo), pair[2], tostring(hi)), level)
    end
  end
end

--- An integer (Lua 5.4 integer, exact). Options: `gt`, `ge`, `lt`, `le`, `multiple_of`,
-- `integral_floats` (accept 1.0 even in strict mode, as JSON Schema does).
model.integer = scalar("integer", check_bounds)

--- A number (returned as a float). Options: `gt`, `ge`, `lt`, `le`, `multiple_of`,
-- `allow_inf_nan` (default false: JSON cannot carry them), `as_float` (default true).
model.number = scalar("number", check_bounds)

--- A boolean (lax mode also takes "true"/"yes"/"on"/"1"/1 and their opposites).
model.boolean = scalar("boolean")

--- Only null (pydantic's None).
model.none = scalar("none")

--- Any JSON value, unchecked.
model.any = scalar("any")

--- A date and time (RFC 3339; lax mode also takes a date or a Unix timestamp). Aware
-- values are returned in UTC ("...Z"). Option `tz = "aware" | "naive"` requires one.
model.datetime = scalar("datetime")
--- A date, "YYYY-MM-DD".
model.date = scalar("date")
--- A time of day, "HH:MM:SS[.ffffff][offset]".
model.time = scalar("time")
--- A duration (ISO 8601 or "[-]HH:MM:SS"; lax mode also takes seconds), returned in ISO 8601.
model.duration = scalar("duration")
--- A UUID in any usual form, returned lowercase and hyphenated. Option `version`.
model.uuid = scalar("uuid")
--- An e-mail address (pydantic's EmailStr), returned with its domain lowercased.
model.email = scalar("email")
--- A URL (pydantic's AnyUrl), returned normalized. Options `schemes`, `max_length`, `host_required`.
model.url = scalar("url")
model.uri = model.url
--- Base64-encoded bytes (standard alphabet, padded). Options `min_length`, `max_length` (decoded bytes).
model.bytes = scalar("bytes", function(t, level) types.check_range(t, "min_length", "max_length", level) end)

--- A decimal, kept exact as text ("1.50"). Options `max_digits`, `decimal_places`, `gt`,
-- `ge`, `lt`, `le`, `multiple_of` (numbers or decimal strings), `allow_inf_nan`.
model.decimal = scalar("decimal", function(t)
  for _, k in ipairs({"gt", "ge", "lt", "le", "multiple_of"}) do
    local b = t[k]
    if b ~= nil then
      t[k .. "_text"] = type(b) == "string" and (core.decimal(b)) or
                        (math_type(b) == "float" and core.float_text(b) or tostring(b))
    end
  end
end)

local function ip(version)
  return function(spec)
    local t, s = types.new("ip", spec, L)
    if s[1] ~= nil then error("model.ip: takes no positional values", L) end
    t.version = version
    finish(t, L)
    return t
  end
end
--- An IPv4 address (Python's ipaddress rules), returned canonical.
model.ipv4 = ip(4)
--- An IPv6 address, returned compressed.
model.ipv6 = ip(6)
--- An IPv4 or IPv6 address.
model.ip = ip(nil)

--- One of the listed strings or integers: `model.enum{"white", "pink", default = "white"}`
-- (pydantic's Enum: error type `enum`). Option `name` (its JSON Schema definition).
function model.enum(spec)
  local t, s = types.new("enum", spec, L)
  local values, seen = {}, {}
  for i = 1, #s do
    local v = s[i]
    if type(v) ~= "string" and math_type(v) ~= "integer" then
      error("model.enum: values must be strings or integers", L)
    end
    if seen[v] then error(format("model.enum: duplicate value %s", tostring(v)), L) end
    seen[v] = true
    values[i] = v
  end
  if #values == 0 then error("model.enum: needs at least one value", L) end
  t.values = values
  finish(t, L)
  return t
end

--- One of the listed constants, of any JSON type (pydantic's Literal: error type
-- `literal_error`): `model.literal{"cat"}`, `model.literal{1, 2, model.null}`.
function model.literal(spec)
  local t, s = types.new("literal", spec, L)
  local values = {}
  for i = 1, #s do values[i] = s[i] end
  if #values == 0 then error("model.literal: needs at least one value", L) end
  t.values = values
  finish(t, L)
  return t
end

local function container(kind, field_type)
  return function(spec)
    local t, s = types.new(kind, spec, L)
    if s[1] == nil then error(format("model.%s: the first element must be the item type", kind), L) end
    if s[2] ~= nil then error(format("model.%s: takes exactly one item type", kind), L) end
    t.item = as_type(s[1], "model." .. kind .. ": the item type", L)
    types.check_inner(t.item, "an item of a " .. field_type, L)
    types.check_range(t, "min_items", "max_items", L)
    finish(t, L)
    return t
  end
end

--- A list of items of one type: `model.array{model.string{}, max_items = 10, unique = true}`.
model.array = container("array", "list")
--- A set: a list whose duplicates are dropped (output keeps the first of equal items).
model.set = container("set", "set")

--- A fixed sequence: `model.tuple{model.string{}, model.integer{}}`. Options `rest` (the
-- type of further items; without it extra items are an error), `partial` (missing
-- positions are allowed), `min_items`, `max_items`, `unique`.
function model.tuple(spec)
  local t, s = types.new("tuple", spec, L)
  local items = {}
  for i = 1, #s do
    items[i] = as_type(s[i], "model.tuple: item " .. i, L)
    types.check_inner(items[i], "a tuple item", L)
  end
  t.items = items
  if t.rest then
    t.rest = as_type(t.rest, "model.tuple: rest", L)
    types.check_inner(t.rest, "a tuple item", L)
  end
  types.check_range(t, "min_items", "max_items", L)
  finish(t, L)
  return t
end

local KEY_KINDS = {string = true, enum = true, literal = true, uuid = true, date = true, datetime = true,
                   email = true, any = true, decimal = true, integer = true}

--- An object with free keys: `model.map{key = model.string{pattern = "^x"}, value = model.integer{}}`
-- (pydantic's dict[K, V]). Options `key`, `value` (default: any), `min_properties`, `max_properties`.
function model.map(spec)
  local t, s = types.new("map", spec, L)
  if s[1] ~= nil then error("model.map: give key = ... and value = ..., not positional types", L) end
  if t.key then
    t.key = as_type(t.key, "model.map: key", L)
    if not KEY_KINDS[t.key.kind] then error(format("model.map: keys are strings; a %s key type cannot check them", t.key.kind), L) end
    types.check_inner(t.key, "a map key", L)
  end
  if t.value then
    t.value = as_type(t.value, "model.map: value", L)
    types.check_inner(t.value, "a map value", L)
  end
  types.check_range(t, "min_properties", "max_properties", L)
  finish(t, L)
  return t
end
model.dict = model.map

local function members_of(kind, s, min)
  local members = {}
  for i = 1, #s do
    members[i] = as_type(s[i], format("model.%s: member %d", kind, i), L + 1)
    types.check_inner(members[i], "a member of a " .. kind, L + 1)
  end
  if #members < min then error(format("model.%s: needs at least %d member%s", kind, min, min == 1 and "" or "s"), L + 1) end
  return members
end

--- One of several types: `model.union{Cat, Dog, discriminator = "kind"}`. Without a
-- discriminator, pydantic's smart mode (an exact match first, then lax, left to right);
-- `mode = "left_to_right"` takes the first member that validates.
function model.union(spec)
  local t, s = types.new("union", spec, L)
  t.members = members_of("union", s, 1)
  if t.discriminator then
    for i, m in ipairs(t.members) do
      if m.kind ~= "model" then error(format("model.union: member %d must be a model to be discriminated by '%s'", i, t.discriminator), L) end
      local f = m.model:field(t.discriminator)
      if not f or (f.type.kind ~= "literal" and f.type.kind ~= "enum") then
        error(format("model.union: model %s needs a literal or enum field '%s' to be discriminated",
                     m.model.name, t.discriminator), L)
      end
      t.discriminator_key = f.keys[1]
    end
  end
  finish(t, L)
  return t
end

--- JSON Schema's type-dependent keywords: `model.json{string = T1, number = T2, others = "reject"}`
-- applies the branch for the input's JSON type (null, boolean, object, array, number,
-- integer, string); other types pass (`others = "any"`, the default) or fail ("reject").
function model.json(spec)
  local t = types.new("json", spec, L)
  t.branches = {}
  for _, jt in ipairs({"null", "boolean", "object", "array", "number", "integer", "string"}) do
    if t[jt] then t.branches[jt] = as_type(t[jt], "model.json: " .. jt, L) end
  end
  finish(t, L)
  return t
end

local function combinator(kind)
  return function(spec)
    local t, s = types.new(kind, spec, L)
    t.members = members_of(kind, s, 1)
    finish(t, L)
    return t
  end
end

--- All of the types must accept the value (JSON Schema allOf); the first one's output is returned.
model.all_of = combinator("all_of")
--- Exactly one of the types must accept the value (JSON Schema oneOf).
model.one_of = combinator("one_of")

--- The value must not be accepted by the type (JSON Schema not).
model["not"] = function(spec)
  local t, s = types.new("not", spec, L)
  t.member = members_of("not", s, 1)[1]
  finish(t, L)
  return t
end
model.not_ = model["not"]

--- Accepts nothing (JSON Schema's `false` schema).
model.never = scalar("never")

--- A type given by a function, resolved when first used: recursive types
-- (`children = model.array{model.ref(function() return Node end)}`).
function model.ref(spec)
  local fn = spec
  if type(spec) == "table" and not is_type(spec) then fn = spec[1] end
  if type(fn) ~= "function" then error("model.ref: expected a function returning a type or a model", L) end
  local t = types.new("ref", type(spec) == "table" and spec or {}, L)
  t.resolve = function()
    local target = fn()
    if is_model(target) then return target() end
    if not is_type(target) then error("model.ref: the function must return a model type or a model", 0) end
    return target
  end
  return t
end

-- }======================

-- {====================== models ======================

local EXTRA = {ignore = true, forbid = true, allow = true}
local MODEL_OPTIONS = {
  extra = true, strict = true, description = true, title = true, frozen = true, populate_by_name = true,
  before = true, after = true, min_properties = true, max_properties = true, max_errors = true,
  extra_type = true, json_schema_extra = true,
}

-- The fields of a declaration: {name = type, ...} (ordered by declaration) or a list of
-- {name, type} pairs (ordered as listed).
local function field_list(name, fields, level)
  local list = {}
  if fields[1] ~= nil then
    for i, pair in ipairs(fields) do
      if type(pair) ~= "table" or type(pair[1]) ~= "string" then
        error(format("model %s: field %d must be a {name, type} pair", name, i), level + 1)
      end
      list[i] = {name = pair[1], type = pair[2], pos = i}
    end
    for k in pairs(fields) do
      if math_type(k) ~= "integer" then error(format("model %s: mix of listed and named fields", name), level + 1) end
    end
    return list
  end
  for fname, ftype in pairs(fields) do
    if type(fname) ~= "string" then error(format("model %s: field names must be strings", name), level + 1) end
    list[#list + 1] = {name = fname, type = ftype}
  end
  return list
end

--- Declares a model.
-- @tparam string name the model's name (used in errors, JSON Schema and DDL)
-- @tparam table fields field name -> type (in declaration order), or a list of {name, type}
-- @tparam[opt] table opts `extra` ("ignore" default, "forbid", "allow"), `extra_type` (the
--   type of extra values when allowed), `strict`, `frozen`, `populate_by_name`, `before`
--   and `after` (model validators), `title`, `description`, `max_errors` (default 100)
-- @return the model
function model.define(name, fields, opts)
  opts = opts or {}
  if type(name) ~= "string" or not name:match("^[%a_][%w_]*$") then
    error("model.define: the name must be an identifier", 2)
  end
  if type(fields) ~= "table" then error(format("model %s: fields must be a table", name), 2) end
  if type(opts) ~= "table" then error(format("model %s: options must be a table", name), 2) end
  for k in pairs(opts) do
    if not MODEL_OPTIONS[k] then error(format("model %s: unknown option '%s'", name, tostring(k)), 2) end
  end
  local extra = opts.extra or "ignore"
  if not EXTRA[extra] then error(format("model %s: extra must be \"ignore\", \"forbid\" or \"allow\"", name), 2) end
  if opts.extra_type and extra ~= "allow" then error(format("model %s: extra_type needs extra = \"allow\"", name), 2) end
  for _, k in ipairs({"before", "after"}) do
    local v = opts[k]
    if v ~= nil and type(v) ~= "function" and type(v) ~= "table" then
      error(format("model %s: %s must be a function or a list of functions", name, k), 2)
    end
  end
  local list = field_list(name, fields, 2)
  for _, f in ipairs(list) do
    if is_model(f.type) then
      f.type = f.type()   -- a bare model: no options, ordered after the declared types
      f.type.seq = math.huge
    elseif not is_type(f.type) then
      error(format("model %s: field '%s' must be a model type (model.string{...}, ...) or a model, got %s",
                   name, f.name, type(f.type)), 2)
    end
  end
  if list[1] and not list[1].pos then
    sort(list, function(a, b)
      if a.type.seq ~= b.type.seq then return a.type.seq < b.type.seq end
      return a.name < b.name
    end)
  end
  local m = setmetatable({
    name = name, fields = {}, by_name = {}, extra = extra, strict = opts.strict == true,
    description = opts.description, title = opts.title, frozen = opts.frozen,
    populate_by_name = opts.populate_by_name, min_properties = opts.min_properties,
    max_properties = opts.max_properties, max_errors = opts.max_errors,
    extra_type = opts.extra_type and as_type(opts.extra_type, "model " .. name .. ": extra_type", 2),
    before = type(opts.before) == "function" and {opts.before} or opts.before,
    after = type(opts.after) == "function" and {opts.after} or opts.after,
    json_schema_extra = opts.json_schema_extra, order = {},
  }, Model)
  local taken = {}
  for i, f in ipairs(list) do
    local t = f.type
    local key = t.validation_alias or t.alias or f.name
    local rec = {name = f.name, type = t, keys = {key}, loc_key = key,
                 out_key = t.serialization_alias or t.alias or f.name}
    if m.populate_by_name and key ~= f.name then rec.keys[2] = f.name end
    for _, k in ipairs(rec.keys) do
      if taken[k] then error(format("model %s: fields '%s' and '%s' both read input key '%s'", name, taken[k], f.name, k), 2) end
      taken[k] = f.name
    end
    m.fields[i] = rec
    m.by_name[f.name] = rec
    m.order[i] = f.name
  end
  m.out_mt = {__order = m.order}
  m:validator(m.strict)
  m.fast = require("lakegate.model.fast").compile(m)
  return m
end

--- A field type holding this model, with field options: `owner = Person{optional = true}`.
-- Declaring nested fields this way also keeps them in declaration order.
function Model:__call(spec)
  local t, s = types.new("model", spec, L)
  if s[1] ~= nil then error(format("%s{...}: takes field options only", self.name), L) end
  t.model = self
  finish(t, L)
  return t
end

function Model:__tostring()
  return "model " .. self.name
end

--- The field record of `name` (its type, input keys, serialization key), or nil.
function Model:field(name)
  return self.by_name[name]
end

--- The compiled validator of a model-typed value (cached per strictness).
function Model:validator(strict)
  strict = strict and true or false
  local cache = rawget(self, "validators")
  if not cache then
    cache = {}
    self.validators = cache
  end
  local v = cache[strict]
  if v == nil then
    local final
    cache[strict] = function(x, st) return final(x, st) end   -- for recursive models
    final = compile.model(self, strict)
    cache[strict] = final
    v = final
  end
  return v
end

local function run(validator, input, loc, max_errors)
  local st = rt.state(loc, max_errors)
  local out = validator(input, st)
  if out == nil then return nil, setmetatable(st.errs, rt.ARRAY_MT) end
  return out
end

--- Validates `input` (a decoded JSON value or a Lua table).
-- @tparam[opt] table loc the location prefix of errors, e.g. `{"body"}`
-- @tparam[opt] table opts `max_errors` (default: the model's, else 100)
-- @return the validated value, or nil and the list of errors
function Model:validate(input, loc, opts)
  return run(self:validator(self.strict), input, loc, opts and opts.max_errors or self.max_errors)
end

--- Validates a JSON text. The C fast path decodes and validates in one pass; anything it
-- does not settle (an invalid document, a coercion, a Lua validator) is decoded and
-- validated by the Lua validators, so the answer is always theirs.
-- @return value | nil, errors | nil, nil, json_error_message, byte_offset
local MAX_JSON_DEPTH = core.max_json_depth

function Model:validate_json(text, loc, opts)
  local depth = opts and opts.max_json_depth or MAX_JSON_DEPTH
  local fast = self.fast
  if fast then
    local v = fast(text, depth)
    if v ~= nil then return v end
  end
  local value, msg, offset = json_decode(text, depth, true)
  if value == nil then return nil, nil, msg, offset end
  return self:validate(value, loc, opts)
end

--- Validates assigning `value` to field `name` of a validated record (pydantic's
-- validate_assignment): frozen fields and frozen models refuse, the value is checked.
-- @return the record (updated) | nil, errors
function Model:assign(record, name, value, loc)
  local st = rt.state(loc)
  local f = self.by_name[name]
  if self.frozen then
    rt.fail(st, "frozen_instance", value, nil, name)
  elseif f == nil then
    if self.extra == "allow" then
      record[name] = value
      return record
    end
    rt.fail(st, "no_such_attribute", value, {attribute = name}, nil,
            format("Object has no attribute '%s'", name))
  elseif f.type.frozen then
    rt.fail(st, "frozen_field", value, nil, f.loc_key)
  else
    st.depth = st.depth + 1
    st.loc[st.depth] = f.loc_key
    st.data, st.field = record, name
    local out = compile.type(f.type, self.strict)(value, st)
    if out ~= nil then
      record[name] = out
      return record
    end
  end
  return nil, setmetatable(st.errs, rt.ARRAY_MT)
end

-- }======================

-- {====================== adapters ======================

local Adapter = {__name = "lakegate.model.adapter"}
Adapter.__index = Adapter

--- Validation for any type, as pydantic's TypeAdapter: `model.adapter(model.array{Item})`.
function model.adapter(t, opts)
  t = as_type(t, "model.adapter: the type", L)
  local a = setmetatable({type = t, strict = opts and opts.strict, max_errors = opts and opts.max_errors}, Adapter)
  a.fast = require("lakegate.model.fast").compile_type(t, a.strict)
  return a
end

function Adapter:validate(input, loc, opts)
  return run(compile.type(self.type, self.strict), input, loc, opts and opts.max_errors or self.max_errors)
end

Adapter.validate_json = Model.validate_json

-- }======================

-- {====================== errors raised by validators ======================

--- Raises a `value_error` ("Value error, <msg>") from a validator.
model.value_error = errors.value_error
--- Raises an `assertion_error` ("Assertion failed, <msg>") from a validator.
model.assertion_error = errors.assertion_error
--- Raises an error of a custom type; `template` may use `{key}` from ctx:
-- `model.error("rainbow_color", "A rainbow unicorn cannot be {color}", {color = "white"})`.
model.error = errors.custom

-- }======================

-- {====================== serialization and schema ======================

--- The JSON-ready form of a validated value: serialization aliases (unless
-- `by_alias = false`), `exclude_none`, `exclude_defaults`; nested models likewise.
function Model:dump(value, opts)
  return require("lakegate.model.serialize").model(self, value, opts or {})
end

--- dump() encoded as JSON text.
function Model:dump_json(value, opts)
  return core.json_encode(self:dump(value, opts))
end

Adapter.dump = function(self, value, opts)
  return require("lakegate.model.serialize").value(self.type, value, opts or {})
end

--- The model's JSON Schema (draft 2020-12), as pydantic's model_json_schema() gives it:
-- nested models in `$defs`. Options: `mode` ("validation" or "serialization"),
-- `ref_template` (default "#/$defs/{model}"), `defs` (a table that collects the nested
-- definitions instead of `$defs`, for OpenAPI's components/schemas).
function Model:json_schema(opts)
  return require("lakegate.model.json_schema").model(self, opts or {})
end

Adapter.json_schema = function(self, opts)
  return require("lakegate.model.json_schema").type(self.type, opts or {})
end

-- }======================

-- An unknown constructor is a clear error at the route file's line, not "attempt to call a nil value".
setmetatable(model, {__index = function(_, k)
  error(format("model.%s: unknown type (see the model reference in the README)", tostring(k)), 2)
end})

return model
