--- Type declarations: what each field type accepts as options, and the checks that make a
-- bad model fail when its route file loads (unknown option, constraint on the wrong type,
-- contradictory bounds, bad regex, bad default), with the route file's line.
-- @module lakegate.model.types
local core = require("lakegate.core")
local rt = require("lakegate.model.runtime")

local type, pairs, ipairs, next, tostring, setmetatable, getmetatable, error, select, pcall =
      type, pairs, ipairs, next, tostring, setmetatable, getmetatable, error, select, pcall
local math_type, format, concat, sort = math.type, string.format, table.concat, table.sort

local types = {}

local Type = {__name = "lakegate.model.type"}
Type.__index = Type
types.Type = Type

function types.is_type(v) return getmetatable(v) == Type end

-- Every type remembers when it was made, so fields keep their declaration order even though
-- a Lua table constructor does not (Django's fields use the same creation counter).
local created = 0

-- {====================== option checks ======================

local function nonneg_int(v) return math_type(v) == "integer" and v >= 0, "a non-negative integer" end
local function pos_int(v) return math_type(v) == "integer" and v > 0, "a positive integer" end
local function finite_number(v) return type(v) == "number" and v == v and v ~= math.huge and v ~= -math.huge, "a finite number" end
local function positive_number(v) return type(v) == "number" and v > 0 and v ~= math.huge, "a positive number" end
local function bool(v) return type(v) == "boolean", "true or false" end
local function str(v) return type(v) == "string", "a string" end
local function func(v) return type(v) == "function", "a function" end
local function one_of(...)
  local set, names = {}, {}
  for i = 1, select("#", ...) do
    local x = select(i, ...)
    set[x] = true
    names[i] = format("%q", x)
  end
  local what = "one of " .. concat(names, ", ")
  return function(v) return set[v] == true, what end
end
local function string_list(v)
  if type(v) ~= "table" or #v == 0 then return false, "a non-empty list of strings" end
  for _, x in ipairs(v) do if type(x) ~= "string" then return false, "a non-empty list of strings" end end
  return true
end
local function functions(v)
  if type(v) == "function" then return true end
  if type(v) ~= "table" or #v == 0 then return false, "a function or a list of functions" end
  for _, f in ipairs(v) do if type(f) ~= "function" then return false, "a function or a list of functions" end end
  return true
end
local function decimal_bound(v)
  if type(v) == "string" then return core.decimal(v) ~= nil, "a number or a decimal string" end
  return finite_number(v)
end
local function a_type(v) return types.is_type(v) or (getmetatable(v) and getmetatable(v).__name == "lakegate.model"), "a model type" end

local NUMBER_BOUNDS = {gt = finite_number, ge = finite_number, lt = finite_number, le = finite_number,
                       multiple_of = positive_number}
local function with(base, extra)
  local t = {}
  for k, v in pairs(base) do t[k] = v end
  for k, v in pairs(extra) do t[k] = v end
  return t
end

-- JSON Schema "format" values that a string can be checked against without changing it.
types.FORMATS = {"date", "time", "date-time", "uuid", "email", "ipv4", "ipv6", "uri"}

--- Options per kind (positional arguments are handled by each constructor).
local OPTIONS = {
  string = {min_length = nonneg_int, max_length = nonneg_int, pattern = str, strip_whitespace = bool,
            to_lower = bool, to_upper = bool, format = one_of(table.unpack(types.FORMATS))},
  integer = with(NUMBER_BOUNDS, {integral_floats = bool}),
  number = with(NUMBER_BOUNDS, {allow_inf_nan = bool, as_float = bool}),
  boolean = {}, none = {}, any = {},
  enum = {name = str}, literal = {},
  datetime = {tz = one_of("aware", "naive")},
  date = {}, time = {}, duration = {},
  uuid = {version = function(v) return math_type(v) == "integer" and v >= 1 and v <= 8, "an integer 1..8" end},
  email = {},
  url = {schemes = string_list, max_length = pos_int, host_required = bool},
  ip = {},
  bytes = {min_length = nonneg_int, max_length = nonneg_int},
  decimal = {max_digits = pos_int, decimal_places = nonneg_int, gt = decimal_bound, ge = decimal_bound,
             lt = decimal_bound, le = decimal_bound, multiple_of = decimal_bound, allow_inf_nan = bool},
  array = {min_items = nonneg_int, max_items = nonneg_int, unique = bool},
  set = {min_items = nonneg_int, max_items = nonneg_int},
  tuple = {rest = a_type, partial = bool, min_items = nonneg_int, max_items = nonneg_int, unique = bool},
  map = {key = a_type, value = a_type, min_properties = nonneg_int, max_properties = nonneg_int},
  union = {discriminator = str, mode = one_of("smart", "left_to_right")},
  json = {null = a_type, boolean = a_type, object = a_type, array = a_type, number = a_type,
          integer = a_type, string = a_type, others = one_of("any", "reject")},
  all_of = {}, one_of = {}, ["not"] = {}, never = {}, ref = {name = str},
  model = {},
}

--- Options every type takes. The field ones only mean something on a model's field.
local COMMON = {
  nullable = bool, strict = bool, description = str, title = str, examples = function(v) return type(v) == "table", "a list" end,
  deprecated = bool, before = functions, after = functions, json_schema_extra = function(v) return type(v) == "table", "a table" end,
}
local FIELD_ONLY = {
  default = function() return true end, default_factory = func, optional = bool, alias = str,
  validation_alias = str, serialization_alias = str, frozen = bool, exclude = bool,
}
types.FIELD_ONLY = FIELD_ONLY

-- The kinds an option applies to, for "does not apply" messages.
local function kinds_with(option)
  local list = {}
  for kind, opts in pairs(OPTIONS) do if opts[option] then list[#list + 1] = kind end end
  sort(list)
  return list
end

-- }======================

local function fail(level, fmt, ...)
  error(format(fmt, ...), level + 1)
end

--- Creates a type of `kind` from the option table `spec`; errors are reported `level`
-- frames up (the route file's line). Returns the type and the spec (for positionals).
function types.new(kind, spec, level)
  level = level + 1
  local what = "model." .. (kind == "none" and "none" or kind)
  if spec == nil then spec = {} end
  if type(spec) ~= "table" or types.is_type(spec) or (getmetatable(spec) and getmetatable(spec).__name == "lakegate.model") then
    fail(level, "%s: expected a table of options, got %s", what, type(spec))
  end
  created = created + 1
  local t = setmetatable({kind = kind, seq = created, constraints = {}}, Type)
  local allowed = OPTIONS[kind]
  for k, v in pairs(spec) do
    if math_type(k) == "integer" then
      -- positional values: checked by the constructor
    elseif COMMON[k] or FIELD_ONLY[k] or allowed[k] then
      local check = COMMON[k] or FIELD_ONLY[k] or allowed[k]
      local ok, expected = check(v)
      if not ok then fail(level, "%s: option '%s' must be %s, got %s", what, k, expected, tostring(v)) end
      t[k] = v
      if allowed[k] then t.constraints[k] = true end
    else
      local others = kinds_with(k)
      if #others > 0 then
        fail(level, "%s: option '%s' does not apply to this type (it applies to %s)", what, tostring(k),
             concat(others, ", "))
      end
      fail(level, "%s: unknown option '%s'", what, tostring(k))
    end
  end
  for _, key in ipairs({"before", "after"}) do
    if type(t[key]) == "function" then t[key] = {t[key]} end
  end
  if t.default ~= nil and t.default_factory ~= nil then fail(level, "%s: give default or default_factory, not both", what) end
  if t.optional and (t.default ~= nil or t.default_factory ~= nil) then
    fail(level, "%s: a field with a default is already optional; drop 'optional'", what)
  end
  if t.alias and (t.validation_alias or t.serialization_alias) then
    fail(level, "%s: give alias, or validation_alias/serialization_alias, not both", what)
  end
  return t, spec
end

--- Raises when min > max for a pair of options.
function types.check_range(t, lo, hi, level)
  if t[lo] ~= nil and t[hi] ~= nil and t[lo] > t[hi] then
    fail(level + 1, "model.%s: %s %s is greater than %s %s", t.kind, lo, tostring(t[lo]), hi, tostring(t[hi]))
  end
end

--- Raises when a type used inside another (an item, a member) carries field-only options.
function types.check_inner(t, where, level)
  for k in pairs(FIELD_ONLY) do
    if t[k] ~= nil then
      fail(level + 1, "%s: option '%s' only applies to a model's field, not to %s", "model." .. t.kind, k, where)
    end
  end
end

--- Raises unless the type's default is valid for it (the validated value replaces it, so
-- an array default becomes a JSON array).
function types.check_default(t, validate, level)
  if t.default == nil then return end
  local st = rt.state({})
  local ok, out = pcall(validate, t.default, st)
  if not ok then fail(level + 1, "model.%s: default %s cannot be checked: %s", t.kind, tostring(t.default), tostring(out)) end
  if out == nil then
    local e = st.errs[1]
    fail(level + 1, "model.%s: bad default %s: %s", t.kind, rt.repr(t.default), e and e.msg or "invalid")
  end
  t.default = out
end

return types
