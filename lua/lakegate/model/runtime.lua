--- What compiled validators share at run time: the validation state (errors and the
-- current location), error records in pydantic's shape, pydantic's lax coercions, and
-- Python-style reprs for messages.
-- @module lakegate.model.runtime
local core = require("lakegate.core")
local errors = require("lakegate.model.errors")

local type, next, select, setmetatable, getmetatable, tostring, tonumber, pairs, ipairs =
      type, next, select, setmetatable, getmetatable, tostring, tonumber, pairs, ipairs
local math_type, tointeger, huge = math.type, math.tointeger, math.huge
local byte, char, sub, find, match, lower, format, gsub, concat, sort =
      string.byte, string.char, string.sub, string.find, string.match, string.lower, string.format,
      string.gsub, table.concat, table.sort
local utf8_len, render, float_text = core.utf8_len, errors.render, core.float_text

local rt = {}

local NULL, ARRAY_MT = core.null, core.array_mt
rt.NULL, rt.ARRAY_MT = NULL, ARRAY_MT
rt.MAX_ERRORS = 100

local ERROR_MT = {__order = {"type", "loc", "msg", "input", "ctx"}}
rt.ERROR_MT = ERROR_MT

-- {====================== state and errors ======================

--- A validation run: errors collected so far (at most max) and the location stack.
function rt.state(loc, max_errors)
  local l, n = {}, 0
  if loc then
    n = #loc
    for i = 1, n do l[i] = loc[i] end
  end
  -- data/field: what field validators see as info (set by the model being validated)
  return {errs = {}, loc = l, depth = n, max = max_errors or rt.MAX_ERRORS, data = false, field = false}
end

-- Errors must encode as JSON: invalid UTF-8 and non-finite floats are shown as text.
local function printable_input(input)
  if input == nil then return NULL end
  local t = type(input)
  if t == "string" then
    if not utf8_len(input) then return (gsub(input, "[\128-\255]", "\u{FFFD}")) end
  elseif t == "number" then
    if input ~= input or input == huge or input == -huge then return float_text(input) end
  elseif t == "function" or t == "userdata" and input ~= NULL or t == "thread" then
    return tostring(input)
  end
  return input
end

--- Records an error at the current location (plus `extra`, when given) and returns nil.
-- msg defaults to the type's template rendered with ctx.
function rt.fail(st, etype, input, ctx, extra, msg)
  local errs = st.errs
  local n = #errs
  if n >= st.max then
    st.capped = true
    return nil
  end
  local loc = setmetatable({}, ARRAY_MT)
  local l, depth = st.loc, st.depth
  for i = 1, depth do loc[i] = l[i] end
  if extra ~= nil then loc[depth + 1] = extra end
  if msg == nil then
    if ctx then errors.ctx(etype, ctx) end
    msg = render(etype, ctx)
  end
  errs[n + 1] = setmetatable({
    type = etype, loc = loc, msg = msg, input = printable_input(input), ctx = ctx,
  }, ERROR_MT)
  return nil
end

--- An error whose ctx never changes, rendered once when a validator is compiled: pass
-- e.ctx and e.msg to fail(). (Every error of that site shares the ctx table.)
function rt.const_error(etype, ctx)
  if ctx then errors.ctx(etype, ctx) end
  return {ctx = ctx, msg = render(etype, ctx)}
end

--- Records an error raised by a validator (model.value_error, model.error...).
function rt.fail_raised(st, e, input)
  return rt.fail(st, e.type, input, e.ctx, nil, e.msg)
end

-- }======================

-- {====================== JSON values in Lua ======================

--- n if v is a list (a JSON array, or a Lua sequence without a metatable), else nil.
function rt.list_len(v)
  if type(v) ~= "table" then return nil end
  local mt = getmetatable(v)
  if mt == ARRAY_MT then return #v end
  if mt ~= nil then return nil end
  local n = #v
  local count = 0
  for _ in next, v do
    count = count + 1
    if count > n then return nil end
  end
  return n
end

--- True if v is an object: a table that is not a list (an empty plain table is both).
function rt.is_dict(v)
  if type(v) ~= "table" then return false end
  local mt = getmetatable(v)
  if mt == ARRAY_MT then return false end
  if mt ~= nil or v[1] == nil then return true end
  return rt.list_len(v) == nil
end

--- The keys of object v in input order: its __order list when the decoder kept one
-- (core.json_decode(text, depth, true)), else sorted (strings first, then numbers).
function rt.keys(v)
  local mt = getmetatable(v)
  local order = mt and mt.__order
  if order then
    local keys, n = {}, 0
    for _, k in ipairs(order) do
      if v[k] ~= nil then n = n + 1; keys[n] = k end
    end
    if n == 0 or next(v) == nil then return keys end
    -- keys added after decoding (a Lua caller's) come last, sorted
    local known, extra = {}, {}
    for i = 1, n do known[keys[i]] = true end
    for k in next, v do if not known[k] then extra[#extra + 1] = k end end
    sort(extra, rt.key_less)
    for _, k in ipairs(extra) do n = n + 1; keys[n] = k end
    return keys
  end
  local keys = {}
  for k in next, v do keys[#keys + 1] = k end
  sort(keys, rt.key_less)
  return keys
end

function rt.key_less(a, b)
  local ta, tb = type(a), type(b)
  if ta ~= tb then return ta == "string" end
  if ta == "string" or ta == "number" then return a < b end
  return tostring(a) < tostring(b)
end

--- "null", "boolean", "integer", "number", "string", "array", "object", or nil (not JSON).
function rt.json_type(v)
  local t = type(v)
  if t == "string" then return "string" end
  if t == "number" then
    return math_type(v) == "integer" and "integer" or "number"
  end
  if t == "boolean" then return "boolean" end
  if v == NULL then return "null" end
  if t == "table" then return rt.is_dict(v) and "object" or "array" end
  return nil
end

--- JSON equality (1 == 1.0; arrays by items; objects by members), as JSON Schema's
-- const, enum and uniqueItems compare.
local function deep_equal(a, b)
  if a == b then return true end
  local ta, tb = type(a), type(b)
  if ta ~= "table" or tb ~= "table" then return false end
  local da, db = rt.is_dict(a), rt.is_dict(b)
  if da ~= db then return false end
  if not da then
    local n = rt.list_len(a)
    if n ~= rt.list_len(b) then return false end
    for i = 1, n do if not deep_equal(a[i], b[i]) then return false end end
    return true
  end
  for k, v in next, a do
    if not deep_equal(v, b[k]) then return false end
  end
  for k in next, b do
    if a[k] == nil then return false end
  end
  return true
end
rt.deep_equal = deep_equal

--- Deep copy for table defaults, so no two records share a mutable default.
local function copy(v)
  if type(v) ~= "table" then return v end
  local t = {}
  for k, x in next, v do t[k] = copy(x) end
  return setmetatable(t, getmetatable(v))
end
rt.copy = copy

-- }======================

-- {====================== pydantic's lax coercions ======================

-- Rust's str::trim: Unicode White_Space at both ends.
local SPACE_SEQ = {
  "\u{85}", "\u{A0}", "\u{1680}", "\u{2000}", "\u{2001}", "\u{2002}", "\u{2003}", "\u{2004}",
  "\u{2005}", "\u{2006}", "\u{2007}", "\u{2008}", "\u{2009}", "\u{200A}", "\u{2028}", "\u{2029}",
  "\u{202F}", "\u{205F}", "\u{3000}",
}
local ASCII_SPACE = {[9] = true, [10] = true, [11] = true, [12] = true, [13] = true, [32] = true}

local function space_len_at(s, i)
  local b = byte(s, i)
  if b == nil then return 0 end
  if ASCII_SPACE[b] then return 1 end
  if b < 0xC2 then return 0 end
  for _, seq in ipairs(SPACE_SEQ) do
    if sub(s, i, i + #seq - 1) == seq then return #seq end
  end
  return 0
end

local function space_len_before(s, j)
  local b = byte(s, j)
  if b == nil then return 0 end
  if ASCII_SPACE[b] then return 1 end
  if b < 0x80 then return 0 end
  for _, seq in ipairs(SPACE_SEQ) do
    if j - #seq + 1 >= 1 and sub(s, j - #seq + 1, j) == seq then return #seq end
  end
  return 0
end

--- Rust's str::trim (Unicode whitespace).
function rt.trim(s)
  local i, j = 1, #s
  while i <= j do
    local n = space_len_at(s, i)
    if n == 0 then break end
    i = i + n
  end
  while j >= i do
    local n = space_len_before(s, j)
    if n == 0 then break end
    j = j - n
  end
  return sub(s, i, j)
end

-- A JSON integer literal (jiter's NumberInt): -?(0|[1-9][0-9]*). Returns the integer,
-- "big" beyond int64, or nil.
local function json_int(s)
  if not find(s, "^%-?0$") and not find(s, "^%-?[1-9]%d*$") then return nil end
  local i = tointeger(tonumber(s))
  local digits = #s - (byte(s) == 45 and 1 or 0)
  if i == nil or digits > 19 or (math_type(tonumber(s)) ~= "integer") then return "big" end
  return i
end

-- pydantic's strip_underscores: "1_000" -> "1000"; nil if there are none or they are misplaced.
local function strip_underscores(s)
  if not find(s, "_", 1, true) or find(s, "^_") or find(s, "_$") or find(s, "__", 1, true) then return nil end
  return (gsub(s, "_", ""))
end

-- pydantic's strip_leading_zeros.
local function strip_leading_zeros(s)
  local c = sub(s, 1, 1)
  if c ~= "0" then
    if find(c, "^[1-9]$") or c == "-" then return s end
    return nil
  end
  for i = 2, #s do
    local ch = sub(s, i, i)
    if ch ~= "0" and ch ~= "_" then
      if find(ch, "^[1-9]$") or ch == "-" then return sub(s, i) end
      if ch == "." then return sub(s, i - 1) end
      return nil
    end
  end
  return sub(s, -1)
end

-- pydantic's clean_int_str.
local function clean_int_str(original)
  local s = rt.trim(original)
  if sub(s, 1, 1) == "+" then
    if sub(s, 2, 2) == "-" then return nil end
    s = sub(s, 2)
  end
  local negative = false
  if sub(s, 1, 1) == "-" then
    local c = sub(s, 2, 2)
    if c == "-" or c == "+" then return nil end
    negative, s = true, sub(s, 2)
  end
  s = strip_leading_zeros(s)
  if s == nil then return nil end
  local dot = find(s, ".", 1, true)
  if dot then
    local frac = sub(s, dot + 1)
    if frac ~= "" and not find(frac, "[^0]") then s = sub(s, 1, dot - 1) end
  end
  local stripped = strip_underscores(s)
  if stripped then return negative and "-" .. stripped or stripped end
  if #original == #s then return nil end
  return negative and "-" .. s or s
end

--- Lax integer from a string: the integer, or nil and the error type.
function rt.str_as_int(s)
  local i = json_int(s)
  if i == "big" then return nil, "int_parsing_size" end
  if i then return i end
  local cleaned = clean_int_str(s)
  if cleaned == nil then return nil, "int_parsing" end
  i = json_int(cleaned)
  if i == "big" then return nil, "int_parsing_size" end
  if i == nil then return nil, "int_parsing" end
  return i
end

local TWO63 = 2.0 ^ 63

--- pydantic's float_as_int: the integer, or nil and the error type.
function rt.float_as_int(f)
  if f ~= f or f == huge or f == -huge then return nil, "finite_number" end
  if f % 1 ~= 0 then return nil, "int_from_float" end
  if f <= -TWO63 or f >= TWO63 then return nil, "int_parsing_size" end
  return tointeger(f)
end

-- Rust's f64::from_str: [+-] (inf | infinity | nan | digits [. digits] [e [+-] digits]).
local function rust_float(s)
  local l = lower(s)
  local sign, rest = match(l, "^([+-]?)(.*)$")
  if rest == "inf" or rest == "infinity" then return sign == "-" and -huge or huge end
  if rest == "nan" then return 0.0 / 0.0 end
  if not (find(rest, "^%d+%.?%d*$") or find(rest, "^%.%d+$") or find(rest, "^%d+%.?%d*e[+-]?%d+$")
          or find(rest, "^%.%d+e[+-]?%d+$")) then
    return nil
  end
  return tonumber(s) + 0.0
end

--- pydantic's str_as_float: the float, or nil.
function rt.str_as_float(s)
  local f = rust_float(rt.trim(s))
  if f then return f end
  local stripped = strip_underscores(s)
  return stripped and rust_float(stripped) or nil
end

-- pydantic's str_as_bool.
local BOOL_STRINGS = {
  ["0"] = false, off = false, f = false, ["false"] = false, n = false, no = false,
  ["1"] = true, on = true, t = true, ["true"] = true, y = true, yes = true,
}

--- Lax boolean: the boolean, or nil and the error type.
function rt.lax_bool(v)
  local tv = type(v)
  if tv == "string" then
    local b = BOOL_STRINGS[lower(v)]
    if b == nil then return nil, "bool_parsing" end
    return b
  elseif math_type(v) == "integer" then
    if v == 0 then return false elseif v == 1 then return true end
    return nil, "bool_parsing"
  elseif math_type(v) == "float" then
    local i = rt.float_as_int(v)
    if i == nil then return nil, "bool_type" end
    if i == 0 then return false elseif i == 1 then return true end
    return nil, "bool_parsing"
  end
  return nil, "bool_type"
end

-- }======================

-- {====================== Python reprs for messages ======================

local function repr_string(s)
  local q = "'"
  if find(s, "'", 1, true) and not find(s, '"', 1, true) then q = '"' end
  local out = gsub(s, "[%c\\'\"]", function(c)
    if c == "\\" then return "\\\\" end
    if c == q then return "\\" .. c end
    if c == "'" or c == '"' then return c end
    if c == "\n" then return "\\n" end
    if c == "\r" then return "\\r" end
    if c == "\t" then return "\\t" end
    return format("\\x%02x", byte(c))
  end)
  return q .. out .. q
end

--- Python's repr of a JSON value: 'text', 42, 1.5, True, None, [1, 2], {'a': 1}.
local function repr(v)
  local t = type(v)
  if t == "string" then return repr_string(v) end
  if math_type(v) == "float" then return float_text(v) end
  if t == "number" then return tostring(v) end
  if v == true then return "True" end
  if v == false then return "False" end
  if v == NULL then return "None" end
  if t == "table" then
    local parts = {}
    if rt.is_dict(v) then
      for _, k in ipairs(rt.keys(v)) do parts[#parts + 1] = repr(k) .. ": " .. repr(v[k]) end
      return "{" .. concat(parts, ", ") .. "}"
    end
    for i = 1, #v do parts[i] = repr(v[i]) end
    return "[" .. concat(parts, ", ") .. "]"
  end
  return tostring(v)
end
rt.repr = repr

--- pydantic's list of expected values: "'a', 'b' or 'c'".
function rt.expected_list(values, sep_last)
  local n = #values
  if n == 1 then return repr(values[1]) end
  local parts = {}
  for i = 1, n - 1 do parts[i] = repr(values[i]) end
  return concat(parts, ", ") .. (sep_last or " or ") .. repr(values[n])
end

-- }======================

return rt
