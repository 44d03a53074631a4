--- Models: pydantic-style declarations that compile once into validator functions.
--
-- A model is declared as data (field types with their constraints, defaults and docs) and
-- compiled at declaration time into Lua source with every check inlined, loaded with
-- `load`. Validation returns the validated value or a list of pydantic v2 errors
-- (`type`, `loc`, `msg`, `input`, `ctx`).
--
-- @module lakegate.model
-- @usage
-- local Unicorn = model.define("Unicorn", {
--   name = model.string{min_length = 1, max_length = 64},
--   rainbow = model.boolean{},
-- }, {extra = "forbid"})
-- local value, errors = Unicorn:validate(input, {"body"})
local core = require("lakegate.core")
local rt = require("lakegate.model.runtime")
local gen = require("lakegate.model.codegen")

local type, pairs, ipairs, tostring, setmetatable, getmetatable, error =
      type, pairs, ipairs, tostring, setmetatable, getmetatable, error
local math_type, sort = math.type, table.sort

local model = {}

--- The JSON null, for `default = model.null` and comparisons in handlers.
model.null = core.null

-- ===================== field types =====================

local Type = {__name = "lakegate.model.type"}
Type.__index = Type

local Model = {__name = "lakegate.model"}
Model.__index = Model

local function is_type(v) return getmetatable(v) == Type end
local function is_model(v) return getmetatable(v) == Model end

-- Every type remembers when it was made, so fields keep their declaration order even though
-- a Lua table constructor does not (Django's fields use the same creation counter).
local created = 0

-- Options every type takes.
local COMMON = {
  default = true, default_factory = true, optional = true, nullable = true, strict = true,
  description = true, title = true, examples = true, deprecated = true,
}

-- Options per kind, with the check each value must pass.
local function nonneg_int(v) return math_type(v) == "integer" and v >= 0 end
local function is_number(v) return type(v) == "number" and v == v end
local function is_bool(v) return type(v) == "boolean" end

local OPTIONS = {
  string = {min_length = nonneg_int, max_length = nonneg_int},
  integer = {gt = is_number, ge = is_number, lt = is_number, le = is_number},
  number = {gt = is_number, ge = is_number, lt = is_number, le = is_number, allow_inf_nan = is_bool},
  boolean = {},
  enum = {},
  array = {min_items = nonneg_int, max_items = nonneg_int},
  any = {},
  model = {},
}

local function new_type(kind, spec)
  if spec == nil then spec = {} end
  if type(spec) ~= "table" or is_type(spec) or is_model(spec) then
    error(("model.%s: expected a table of options, got %s"):format(kind, type(spec)), 3)
  end
  created = created + 1
  local t = setmetatable({kind = kind, seq = created}, Type)
  local allowed = OPTIONS[kind]
  for k, v in pairs(spec) do
    if math_type(k) == "integer" then
      -- positional values: enum members or the array item type, checked by the caller
    elseif COMMON[k] then
      t[k] = v
    elseif allowed[k] then
      if not allowed[k](v) then
        error(("model.%s: invalid value %s for option '%s'"):format(kind, tostring(v), k), 3)
      end
      t[k] = v
    else
      error(("model.%s: unknown option '%s'"):format(kind, tostring(k)), 3)
    end
  end
  if t.default_factory ~= nil and type(t.default_factory) ~= "function" then
    error(("model.%s: default_factory must be a function"):format(kind), 3)
  end
  if t.default ~= nil and t.default_factory ~= nil then
    error(("model.%s: give default or default_factory, not both"):format(kind), 3)
  end
  return t, spec
end

local function check_range(t, lo, hi, what)
  if t[lo] and t[hi] and t[lo] > t[hi] then
    error(("model.%s: %s %s is greater than %s %s"):format(t.kind, lo, t[lo], hi, t[hi]), 3)
  end
end

--- A string. Options: `min_length`, `max_length` (in code points; invalid UTF-8 is an error).
function model.string(spec)
  local t = new_type("string", spec)
  check_range(t, "min_length", "max_length")
  return t
end

--- An integer (Lua 5.4 integer, exact). Options: `gt`, `ge`, `lt`, `le`.
function model.integer(spec)
  return new_type("integer", spec)
end

--- A number (float). Options: `gt`, `ge`, `lt`, `le`, `allow_inf_nan`.
function model.number(spec)
  return new_type("number", spec)
end

--- A boolean (lax mode also takes "true"/"yes"/"1"/1 and their opposites).
function model.boolean(spec)
  return new_type("boolean", spec)
end

--- Any JSON value, unchecked.
function model.any(spec)
  return new_type("any", spec)
end

--- One of the listed values: `model.enum{"white", "pink", "gold", default = "white"}`.
function model.enum(spec)
  local t, s = new_type("enum", spec)
  local values, seen = {}, {}
  for i = 1, #s do
    local v = s[i]
    if type(v) ~= "string" and math_type(v) ~= "integer" then
      error("model.enum: values must be strings or integers", 2)
    end
    if seen[v] then error(("model.enum: duplicate value %s"):format(tostring(v)), 2) end
    seen[v] = true
    values[i] = v
  end
  if #values == 0 then error("model.enum: needs at least one value", 2) end
  t.values = values
  return t
end

--- A list of items of one type: `model.array{model.string{}, max_items = 10}`.
function model.array(spec)
  local t, s = new_type("array", spec)
  local item = s[1]
  if is_model(item) then item = item() end
  if not is_type(item) then
    error("model.array: the first element must be the item type (a model type or a model)", 2)
  end
  if s[2] ~= nil then error("model.array: takes exactly one item type", 2) end
  t.item = item
  check_range(t, "min_items", "max_items")
  if type(t.default) == "table" then t.default = core.array(rt.copy(t.default)) end
  return t
end

-- ===================== models =====================

local EXTRA = {ignore = true, forbid = true, allow = true}
local MODEL_OPTIONS = {extra = true, strict = true, description = true, title = true}

--- Declares a model.
-- @tparam string name the model's name (used in errors, JSON Schema and DDL)
-- @tparam table fields field name -> type (from this module) or another model
-- @tparam[opt] table opts `extra` ("ignore" default, "forbid", "allow"), `strict`, `description`
-- @return the compiled model
function model.define(name, fields, opts)
  opts = opts or {}
  if type(name) ~= "string" or not name:match("^[%a_][%w_]*$") then
    error("model.define: the name must be an identifier", 2)
  end
  if type(fields) ~= "table" then
    error(("model %s: fields must be a table"):format(name), 2)
  end
  for k in pairs(opts) do
    if not MODEL_OPTIONS[k] then error(("model %s: unknown option '%s'"):format(name, tostring(k)), 2) end
  end
  local extra = opts.extra or "ignore"
  if not EXTRA[extra] then
    error(("model %s: extra must be \"ignore\", \"forbid\" or \"allow\""):format(name), 2)
  end
  local list = {}
  for fname, ftype in pairs(fields) do
    if type(fname) ~= "string" then
      error(("model %s: field names must be strings"):format(name), 2)
    end
    if is_model(ftype) then
      ftype = ftype()   -- a bare model: no options, ordered after the declared types
      ftype.seq = math.huge
    elseif not is_type(ftype) then
      error(("model %s: field '%s' must be a model type (model.string{...}, ...) or a model, got %s")
        :format(name, fname, type(ftype)), 2)
    end
    list[#list + 1] = {name = fname, type = ftype}
  end
  sort(list, function(a, b)
    if a.type.seq ~= b.type.seq then return a.type.seq < b.type.seq end
    return a.name < b.name
  end)
  local m = setmetatable({
    name = name, fields = list, extra = extra, strict = opts.strict == true,
    description = opts.description, title = opts.title,
  }, Model)
  m.order = {}
  for i, f in ipairs(list) do m.order[i] = f.name end
  m.out_mt = {__order = m.order}
  local ok, validator_or_err = pcall(gen.compile, m)
  if not ok then error(("model %s: %s"):format(name, validator_or_err), 2) end
  m.validator = validator_or_err
  return m
end

--- A field type holding this model, with field options: `owner = Person{optional = true}`.
-- Declaring nested fields this way also keeps them in declaration order.
function Model:__call(spec)
  local t = new_type("model", spec)
  t.model = self
  return t
end

--- Validates `input` (a decoded JSON value).
-- @tparam[opt] table loc the location prefix of errors, e.g. `{"body"}`
-- @return the validated value, or nil and the list of errors
function Model:validate(input, loc)
  local errs = {}
  local out = self.validator(input, loc or {}, errs, false)
  if out == nil then return nil, rt.finish_errors(errs) end
  return out
end

--- The source code of the compiled validator (for debugging models).
function Model:source()
  return gen.source(self)
end

model.is_model = is_model
model.is_type = is_type

return model
