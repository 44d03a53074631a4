--- Helpers the compiled validators call: error construction and lax coercions.
-- Messages and types follow pydantic v2 (pydantic-core src/errors/types.rs).
-- @module lakegate.model.runtime
local core = require("lakegate.core")

local type, select, setmetatable, getmetatable, next, tonumber, tostring =
      type, select, setmetatable, getmetatable, next, tonumber, tostring
local math_type, tointeger, lower, match = math.type, math.tointeger, string.lower, string.match

local rt = {}

rt.NULL = core.null
rt.ARRAY_MT = core.array_mt
rt.utf8_len = core.utf8_len
rt.MAX_ERRORS = 100

-- Errors encode with pydantic's key order.
local ERROR_MT = {__order = {"type", "loc", "msg", "input", "ctx"}}

--- Appends an error whose loc is `loc` followed by the extra path parts `...`.
function rt.err(errs, loc, etype, msg, input, ctx, ...)
  local n = #errs
  if n >= rt.MAX_ERRORS then return end
  local nloc = #loc
  local l = setmetatable({}, rt.ARRAY_MT)
  for i = 1, nloc do l[i] = loc[i] end
  for i = 1, select("#", ...) do l[nloc + i] = (select(i, ...)) end
  if input == nil then
    input = rt.NULL
  elseif type(input) == "string" and not rt.utf8_len(input) then
    input = input:gsub("[\128-\255]", "\u{FFFD}")   -- errors must stay valid JSON
  elseif math_type(input) == "float" and (input ~= input or input == math.huge or input == -math.huge) then
    input = tostring(input)
  end
  errs[n + 1] = setmetatable({type = etype, loc = l, msg = msg, input = input, ctx = ctx}, ERROR_MT)
end

--- A new loc: `loc` followed by `...` (for nested models).
function rt.extend(loc, ...)
  local n = #loc
  local l = {}
  for i = 1, n do l[i] = loc[i] end
  for i = 1, select("#", ...) do l[n + i] = (select(i, ...)) end
  return l
end

function rt.finish_errors(errs)
  return setmetatable(errs, rt.ARRAY_MT)
end

--- Deep copy for table defaults, so no two records share a mutable default.
local function copy(v)
  if type(v) ~= "table" then return v end
  local t = {}
  for k, x in next, v do t[k] = copy(x) end
  return setmetatable(t, getmetatable(v))
end
rt.copy = copy

--- n if v is a list (a JSON array or a Lua sequence), else nil.
function rt.list_len(v)
  if type(v) ~= "table" then return nil end
  local mt = getmetatable(v)
  if mt == rt.ARRAY_MT then return #v end
  if mt ~= nil then return nil end
  local n = #v
  local count = 0
  for _ in next, v do
    count = count + 1
    if count > n then return nil end
  end
  return n
end

-- pydantic's accepted boolean strings (case-insensitive).
local BOOL_STRINGS = {
  ["0"] = false, off = false, f = false, ["false"] = false, n = false, no = false,
  ["1"] = true, on = true, t = true, ["true"] = true, y = true, yes = true,
}

--- Lax boolean: returns the boolean, or nil and the error type.
function rt.lax_bool(v)
  local tv = type(v)
  if tv == "string" then
    local b = BOOL_STRINGS[lower(v)]
    if b == nil then return nil, "bool_parsing" end
    return b
  elseif tv == "number" then
    if v == 1 then return true elseif v == 0 then return false end
    return nil, "bool_parsing"
  end
  return nil, "bool_type"
end

--- Lax float from a string: returns the number, or nil.
function rt.parse_float(s)
  s = match(s, "^%s*(.-)%s*$")
  if match(s, "^[+-]?%d+%.?%d*[eE][+-]?%d+$") or match(s, "^[+-]?%d+%.?%d*$")
     or match(s, "^[+-]?%.%d+$") or match(s, "^[+-]?%.%d+[eE][+-]?%d+$") then
    return tonumber(s) + 0.0
  end
  local l = lower(s)
  if l == "inf" or l == "+inf" or l == "infinity" or l == "+infinity" then return math.huge end
  if l == "-inf" or l == "-infinity" then return -math.huge end
  if l == "nan" then return 0.0 / 0.0 end
  return nil
end

local TWO63 = 2.0 ^ 63

--- Lax integer: returns the integer, or nil and the error type.
function rt.lax_int(v)
  local mt = math_type(v)
  if mt == "float" then
    if v ~= v or v == math.huge or v == -math.huge then return nil, "finite_number" end
    if v % 1 ~= 0 then return nil, "int_from_float" end
    if v >= TWO63 or v < -TWO63 then return nil, "int_parsing_size" end
    return tointeger(v)
  elseif type(v) == "string" then
    local s = match(v, "^%s*([+-]?%d+)%s*$")
    if s == nil then
      local f = match(v, "^%s*([+-]?%d+)%.0*%s*$")   -- "12.0" is an integer, as in pydantic
      if f == nil then return nil, "int_parsing" end
      s = f
    end
    local i = tointeger(tonumber(s))
    if i == nil or #match(s, "%d+") > 19 then return nil, "int_parsing_size" end
    return i
  elseif type(v) == "boolean" then
    return v and 1 or 0
  end
  return nil, "int_type"
end

--- pydantic's rendering of an expected value in messages: 'text' or 42.
local function repr(v)
  if type(v) == "string" then return "'" .. v .. "'" end
  return tostring(v)
end
rt.repr = repr

--- "'a', 'b' or 'c'"
function rt.expected_list(values)
  local n = #values
  if n == 1 then return repr(values[1]) end
  local parts = {}
  for i = 1, n - 1 do parts[i] = repr(values[i]) end
  return table.concat(parts, ", ") .. " or " .. repr(values[n])
end

return rt
