--- Compiles model types into validator closures: the reference implementation of every
-- check, used for decoded values (parameters, handler data, JSON that the C fast path
-- passed on) and as the oracle the fast path is tested against.
--
-- A validator is `fn(value, st) -> output | nil`. On failure it records pydantic errors
-- in `st` (see runtime.state) and returns nil; `st.loc[1..st.depth]` is the location of
-- the value being checked. Each type compiles once per strictness and is cached on it.
-- @module lakegate.model.compile
local core = require("lakegate.core")
local rt = require("lakegate.model.runtime")
local errors = require("lakegate.model.errors")

local type, pairs, ipairs, next, pcall, error, setmetatable, getmetatable, tostring, select =
      type, pairs, ipairs, next, pcall, error, setmetatable, getmetatable, tostring, select
local math_type, huge, fmod = math.type, math.huge, math.fmod
local lower, upper, concat, insert = string.lower, string.upper, table.concat, table.insert
local NULL, ARRAY_MT = rt.NULL, rt.ARRAY_MT
local fail, list_len, is_dict, copy, const_error = rt.fail, rt.list_len, rt.is_dict, rt.copy, rt.const_error
local utf8_len, float_text = core.utf8_len, core.float_text

local compile = {}
local C = {}            -- kind -> function(t, strict) -> validator
local compile_type      -- forward

-- {====================== helpers ======================

-- A state that shares st's location but collects its own errors: unions try members
-- silently, then report what every member said.
local function substate(st)
  return {errs = {}, loc = st.loc, depth = st.depth, max = st.max}
end

-- Moves sub's errors into st, inserting `label` after the current location (pydantic
-- names the union member in loc).
local function adopt(st, sub, label)
  for _, e in ipairs(sub.errs) do
    if #st.errs >= st.max then st.capped = true return end
    if label ~= nil then insert(e.loc, st.depth + 1, label) end
    st.errs[#st.errs + 1] = e
  end
end

-- Calls a user validator; a raised model error becomes a validation error at the current
-- location (reported with `input`), any other error propagates.
local function call_user(st, fn, value, input, info)
  local ok, r = pcall(fn, value, info)
  if ok then
    if r == nil then return value end
    return r
  end
  if errors.is_raised(r) then return rt.fail_raised(st, r, input) end
  error(r, 0)
end

local function info_of(st)
  return {data = st.data, field_name = st.field}
end

local function number_ctx(key, bound, as_float)
  if as_float and math_type(bound) == "integer" then bound = bound + 0.0 end
  return {[key] = bound}
end

-- pydantic's constraint order: multiple_of, le, lt, ge, gt (first failure only).
local function bounds_checker(t, as_float)
  local m, le, lt, ge, gt = t.multiple_of, t.le, t.lt, t.ge, t.gt
  if m == nil and le == nil and lt == nil and ge == nil and gt == nil then return nil end
  local mtext = m and (math_type(m) == "float" and float_text(m) or tostring(m))
  local E = {}
  for _, b in ipairs({{"multiple_of", "multiple_of"}, {"le", "less_than_equal"}, {"lt", "less_than"},
                      {"ge", "greater_than_equal"}, {"gt", "greater_than"}}) do
    if t[b[1]] ~= nil then E[b[1]] = const_error(b[2], number_ctx(b[1], t[b[1]], as_float)) end
  end
  return function(v, st, input)
    local e
    if m ~= nil then
      local ok
      if math_type(v) == "integer" and math_type(m) == "integer" then
        ok = v % m == 0
      else
        -- decimal arithmetic on the shortest texts: 0.0075 is a multiple of 0.0001
        local vt = math_type(v) == "float" and float_text(v) or tostring(v)
        ok = core.decimal_is_multiple(vt, mtext)
        if ok == nil then ok = fmod(v, m) == 0 end
      end
      if not ok then e = "multiple_of" end
    end
    if e == nil then
      if le ~= nil and not (v <= le) then e = "le"
      elseif lt ~= nil and not (v < lt) then e = "lt"
      elseif ge ~= nil and not (v >= ge) then e = "ge"
      elseif gt ~= nil and not (v > gt) then e = "gt" end
    end
    if e == nil then return true end
    local err = E[e]
    local etype = e == "multiple_of" and "multiple_of" or
                  ({le = "less_than_equal", lt = "less_than", ge = "greater_than_equal", gt = "greater_than"})[e]
    return fail(st, etype, input, err.ctx, nil, err.msg)
  end
end

-- }======================

-- {====================== scalars ======================

function C.any(t)
  return function(v) return v end
end

function C.none(t)
  return function(v, st)
    if v == NULL then return NULL end
    return fail(st, "none_required", v)
  end
end

function C.string(t)
  local min, max, re, fmt = t.min_length, t.max_length, t.regex, t.format
  local strip, to_lower, to_upper, pattern = t.strip_whitespace, t.to_lower, t.to_upper, t.pattern
  local check_format = core.format
  local short = min and const_error("string_too_short", {min_length = min})
  local long = max and const_error("string_too_long", {max_length = max})
  local mismatch = re and const_error("string_pattern_mismatch", {pattern = pattern})
  local bad_format = fmt and const_error("string_format", {format = fmt})
  return function(v, st)
    if type(v) ~= "string" then return fail(st, "string_type", v) end
    local s = v
    local n = utf8_len(s)
    if not n then return fail(st, "string_unicode", v) end
    if strip then
      s = rt.trim(s)
      n = utf8_len(s)
    end
    if min and n < min then return fail(st, "string_too_short", v, short.ctx, nil, short.msg) end
    if max and n > max then return fail(st, "string_too_long", v, long.ctx, nil, long.msg) end
    if re and not re:test(s) then return fail(st, "string_pattern_mismatch", v, mismatch.ctx, nil, mismatch.msg) end
    if fmt and not check_format(fmt, s) then return fail(st, "string_format", v, bad_format.ctx, nil, bad_format.msg) end
    if to_lower then s = lower(s) elseif to_upper then s = upper(s) end
    return s
  end
end

function C.boolean(t, strict)
  local lax_bool = rt.lax_bool
  return function(v, st)
    if v == true or v == false then return v end
    if strict then return fail(st, "bool_type", v) end
    local b, e = lax_bool(v)
    if b == nil then return fail(st, e, v) end
    return b
  end
end

function C.integer(t, strict)
  local check = bounds_checker(t, false)
  local integral_floats = t.integral_floats
  local float_as_int, str_as_int = rt.float_as_int, rt.str_as_int
  return function(v, st)
    local i = v
    if math_type(v) ~= "integer" then
      local e
      i = nil
      if strict then
        if integral_floats and math_type(v) == "float" then
          i, e = float_as_int(v)
        else
          i, e = nil, "int_type"
        end
      elseif math_type(v) == "float" then
        i, e = float_as_int(v)
      elseif type(v) == "string" then
        i, e = str_as_int(v)
      elseif type(v) == "boolean" then
        i = v and 1 or 0
      else
        e = "int_type"
      end
      if i == nil then return fail(st, e, v) end
    end
    if check and not check(i, st, v) then return nil end
    return i
  end
end

function C.number(t, strict)
  local check = bounds_checker(t, t.as_float ~= false)
  local allow_inf_nan, as_float = t.allow_inf_nan, t.as_float ~= false
  local str_as_float = rt.str_as_float
  return function(v, st)
    local f = v
    if math_type(v) == nil then
      if strict then return fail(st, "float_type", v) end
      if type(v) == "string" then
        f = str_as_float(v)
        if f == nil then return fail(st, "float_parsing", v) end
      elseif type(v) == "boolean" then
        f = v and 1.0 or 0.0
      else
        return fail(st, "float_type", v)
      end
    end
    if not allow_inf_nan and (f ~= f or f == huge or f == -huge) then return fail(st, "finite_number", v) end
    if check and f == f and not check(f, st, v) then return nil end
    if as_float then return f + 0.0 end
    return f
  end
end

function C.enum(t)
  local set = {}
  for _, x in ipairs(t.values) do set[x] = x end
  local E = const_error("enum", {expected = rt.expected_list(t.values)})
  return function(v, st)
    local m = set[v]
    if m ~= nil and math_type(m) == math_type(v) then return m end
    return fail(st, "enum", v, E.ctx, nil, E.msg)
  end
end

function C.literal(t)
  local set, tables = {}, {}
  for _, x in ipairs(t.values) do
    if type(x) == "table" then tables[#tables + 1] = x else set[x] = x end
  end
  local E = const_error("literal_error", {expected = rt.expected_list(t.values)})
  local deep_equal = rt.deep_equal
  return function(v, st)
    if type(v) == "table" then
      for _, x in ipairs(tables) do if deep_equal(v, x) then return copy(x) end end
    else
      local m = set[v]
      if m ~= nil then return m end
    end
    return fail(st, "literal_error", v, E.ctx, nil, E.msg)
  end
end

-- }======================

-- {====================== formats ======================

function C.datetime(t, strict)
  local tz = t.tz
  local parse, parse_date, from_ts = core.parse_datetime, core.parse_date, core.datetime_from_timestamp
  return function(v, st)
    local text, aware, err
    if type(v) == "string" then
      text, aware = parse(v)
      if text == nil then
        err = aware
        if strict then return fail(st, "datetime_parsing", v, {error = err}) end
        local day, derr = parse_date(v)   -- lax: a date means midnight, naive
        if day == nil then return fail(st, "datetime_from_date_parsing", v, {error = derr}) end
        text, aware = day .. "T00:00:00", false
      end
    elseif math_type(v) and not strict then
      text, aware = from_ts(v)
      if text == nil then return fail(st, "datetime_parsing", v, {error = aware}) end
    else
      return fail(st, "datetime_type", v)
    end
    if tz == "aware" and not aware then return fail(st, "timezone_aware", v) end
    if tz == "naive" and aware then return fail(st, "timezone_naive", v) end
    return text
  end
end

function C.date(t, strict)
  local parse, parse_datetime, from_ts = core.parse_date, core.parse_datetime, core.date_from_timestamp
  return function(v, st)
    if type(v) == "string" then
      local d, err = parse(v)
      if d then return d end
      if strict then return fail(st, "date_parsing", v, {error = err}) end
      local text, aware, midnight = parse_datetime(v)
      if text == nil then return fail(st, "date_from_datetime_parsing", v, {error = aware}) end
      if not midnight then return fail(st, "date_from_datetime_inexact", v) end
      return midnight
    elseif math_type(v) == "integer" and not strict then
      local d, err = from_ts(v)
      if d then return d end
      if err == "Timestamp is not an exact date" then return fail(st, "date_from_datetime_inexact", v) end
      return fail(st, "date_parsing", v, {error = err})
    end
    return fail(st, "date_type", v)
  end
end

function C.time(t, strict)
  local parse, from_seconds = core.parse_time, core.time_from_seconds
  return function(v, st)
    if type(v) == "string" then
      local text, err = parse(v)
      if text then return text end
      return fail(st, "time_parsing", v, {error = err})
    elseif math_type(v) and not strict then
      local text, err = from_seconds(v)
      if text then return text end
      return fail(st, "time_parsing", v, {error = err})
    end
    return fail(st, "time_type", v)
  end
end

function C.duration(t, strict)
  local parse, from_seconds = core.parse_duration, core.duration_from_seconds
  return function(v, st)
    local text, err
    if type(v) == "string" then
      text, err = parse(v)
    elseif math_type(v) and not strict then
      if v ~= v then return fail(st, "time_delta_parsing", v, {error = "NaN values not permitted"}) end
      text, err = from_seconds(v)
    else
      return fail(st, "time_delta_type", v)
    end
    if text == nil then return fail(st, "time_delta_parsing", v, {error = err}) end
    return text
  end
end

function C.uuid(t)
  local version, parse = t.version, core.uuid
  return function(v, st)
    if type(v) ~= "string" then return fail(st, "uuid_type", v) end
    local text, ver = parse(v)
    if text == nil then return fail(st, "uuid_parsing", v, {error = ver}) end
    if version and ver ~= version then return fail(st, "uuid_version", v, {expected_version = version}) end
    return text
  end
end

function C.email(t)
  local parse = core.email
  return function(v, st)
    if type(v) ~= "string" then return fail(st, "string_type", v) end
    if #v > 2048 then
      local reason = "Length must not exceed 2048 characters"
      return fail(st, "value_error", v, {reason = reason}, nil, "value is not a valid email address: " .. reason)
    end
    local norm, reason = parse(v)
    if norm == nil then
      return fail(st, "value_error", v, {reason = reason}, nil, "value is not a valid email address: " .. reason)
    end
    return norm
  end
end

function C.url(t)
  local schemes, max_length, host_required = t.schemes, t.max_length, t.host_required
  local scheme_set, expected
  if schemes then
    scheme_set = {}
    for _, s in ipairs(schemes) do scheme_set[s] = true end
    expected = rt.expected_list(schemes)
  end
  local parse = core.url
  return function(v, st)
    if type(v) ~= "string" then return fail(st, "url_type", v) end
    if max_length and utf8_len(v) and utf8_len(v) > max_length then
      return fail(st, "url_too_long", v, {max_length = max_length})
    end
    local url, host = parse(v)
    if url == nil then return fail(st, "url_parsing", v, {error = host}) end
    if scheme_set and not scheme_set[url:match("^([^:]+):")] then
      return fail(st, "url_scheme", v, {expected_schemes = expected})
    end
    if host_required and host == 0 then return fail(st, "url_parsing", v, {error = "empty host"}) end
    return url
  end
end

local IP_ERROR = {[4] = "ip_v4_address", [6] = "ip_v6_address"}

function C.ip(t, strict)
  local version, parse = t.version, core.ip
  local etype = IP_ERROR[version] or "ip_any_address"
  return function(v, st)
    if type(v) == "string" then
      local text = parse(v, version)
      if text then return text end
    elseif math_type(v) == "integer" and not strict and v >= 0 then
      -- Python's ip_address(int): IPv4 below 2^32, else IPv6 (only what fits a Lua integer)
      if version ~= 6 and v < 0x100000000 then
        return ("%d.%d.%d.%d"):format(v >> 24 & 255, v >> 16 & 255, v >> 8 & 255, v & 255)
      end
      if version ~= 4 then
        return core.ip(("::%x:%x:%x:%x"):format(v >> 48 & 0xffff, v >> 32 & 0xffff, v >> 16 & 0xffff, v & 0xffff), 6)
      end
    end
    return fail(st, etype, v)
  end
end

function C.bytes(t)
  local min, max = t.min_length, t.max_length
  local decode, encode = core.base64_decode, core.base64_encode
  return function(v, st)
    if type(v) ~= "string" then return fail(st, "bytes_type", v) end
    local data, err = decode(v)
    if data == nil then return fail(st, "base64_decode", v, {error = err}) end
    if min and #data < min then return fail(st, "bytes_too_short", v, {min_length = min}) end
    if max and #data > max then return fail(st, "bytes_too_long", v, {max_length = max}) end
    return encode(data)
  end
end

function C.decimal(t, strict)
  local max_digits, places, allow_inf_nan = t.max_digits, t.decimal_places, t.allow_inf_nan
  local parse, cmp, is_multiple = core.decimal, core.decimal_cmp, core.decimal_is_multiple
  local bounds = {}
  for _, b in ipairs({{"multiple_of", "multiple_of"}, {"le", "less_than_equal"}, {"lt", "less_than"},
                      {"ge", "greater_than_equal"}, {"gt", "greater_than"}}) do
    if t[b[1]] ~= nil then bounds[#bounds + 1] = {b[1], b[2], t[b[1] .. "_text"]} end
  end
  local OK = {le = {[-1] = true, [0] = true}, lt = {[-1] = true}, ge = {[1] = true, [0] = true}, gt = {[1] = true}}
  return function(v, st)
    local text
    if type(v) == "string" then
      text = v
    elseif math_type(v) == "integer" then
      text = tostring(v)
    elseif math_type(v) == "float" then
      text = float_text(v)
    else
      return fail(st, "decimal_type", v)
    end
    local out, kind, digits, decimals, ndigits, ndecimals = parse(text)
    if out == nil then return fail(st, "decimal_parsing", v) end
    if kind ~= "finite" then
      if not allow_inf_nan then return fail(st, "finite_number", v) end
      return out
    end
    if max_digits and digits > max_digits and ndigits > max_digits then
      return fail(st, "decimal_max_digits", v, {max_digits = max_digits})
    end
    if places then
      if decimals > places and ndecimals > places then
        return fail(st, "decimal_max_places", v, {decimal_places = places})
      end
      if max_digits then
        local whole, max_whole, nwhole = digits - decimals, max_digits - places, ndigits - ndecimals
        if whole > max_whole and nwhole > max_whole then
          return fail(st, "decimal_whole_digits", v, {whole_digits = max_whole})
        end
      end
    end
    for _, b in ipairs(bounds) do
      local key, etype, bound = b[1], b[2], b[3]
      local ok
      if key == "multiple_of" then ok = is_multiple(out, bound) else ok = OK[key][cmp(out, bound) or 2] end
      if not ok then return fail(st, etype, v, {[key] = bound}) end
    end
    return out
  end
end

-- }======================

-- {====================== containers ======================

function C.array(t, strict)
  local item = compile_type(t.item, strict)
  local min, max, unique = t.min_items, t.max_items, t.unique
  return function(v, st)
    local n = list_len(v)
    if n == nil then return fail(st, "list_type", v) end
    if max and n > max then
      return fail(st, "too_long", v, {field_type = "List", max_length = max, actual_length = n})
    end
    local out, ok = setmetatable({}, ARRAY_MT), true
    local depth = st.depth + 1
    for i = 1, n do
      st.depth = depth
      st.loc[depth] = i - 1
      local r = item(v[i], st)
      st.depth = depth - 1
      if r == nil then ok = false else out[i] = r end
    end
    if not ok then return nil end
    if min and n < min then
      return fail(st, "too_short", v, {field_type = "List", min_length = min, actual_length = n})
    end
    if unique then
      local dup = compile.first_duplicate(out)
      if dup then return fail(st, "unique_items", v[dup], nil, dup - 1) end
    end
    return out
  end
end

--- The index of the first item equal (as JSON) to an earlier one, or nil.
function compile.first_duplicate(list)
  local seen, tables = {}, {}
  for i = 1, #list do
    local x = list[i]
    if type(x) == "table" then
      for _, y in ipairs(tables) do if rt.deep_equal(x, y) then return i end end
      tables[#tables + 1] = x
    else
      if seen[x] then return i end
      seen[x] = true
    end
  end
  return nil
end

function C.set(t, strict)
  local item = compile_type(t.item, strict)
  local min, max = t.min_items, t.max_items
  return function(v, st)
    local n = list_len(v)
    if n == nil then return fail(st, "set_type", v) end
    local out, ok = setmetatable({}, ARRAY_MT), true
    local depth = st.depth + 1
    for i = 1, n do
      st.depth = depth
      st.loc[depth] = i - 1
      local r = item(v[i], st)
      st.depth = depth - 1
      if r == nil then ok = false else out[#out + 1] = r end
    end
    if not ok then return nil end
    local uniq = setmetatable({}, ARRAY_MT)   -- keep the first of equal items
    for i = 1, #out do
      local before = #uniq
      uniq[before + 1] = out[i]
      if compile.first_duplicate(uniq) then uniq[before + 1] = nil end
    end
    if max and #uniq > max then
      return fail(st, "too_long", v, {field_type = "Set", max_length = max, actual_length = #uniq})
    end
    if min and #uniq < min then
      return fail(st, "too_short", v, {field_type = "Set", min_length = min, actual_length = #uniq})
    end
    return uniq
  end
end

function C.tuple(t, strict)
  local items = {}
  for i, it in ipairs(t.items) do items[i] = compile_type(it, strict) end
  local rest = t.rest and compile_type(t.rest, strict)
  local np, partial, min, max, unique = #items, t.partial, t.min_items, t.max_items, t.unique
  return function(v, st)
    local n = list_len(v)
    if n == nil then return fail(st, "tuple_type", v) end
    local out, ok = setmetatable({}, ARRAY_MT), true
    local depth = st.depth + 1
    for i = 1, (n > np and n or np) do
      local validator = items[i] or rest
      if validator == nil then break end   -- extra items without `rest`: too_long below
      st.depth = depth
      st.loc[depth] = i - 1
      if i > n then
        if not partial then ok = fail(st, "missing", v) end
      else
        local r = validator(v[i], st)
        if r == nil then ok = false else out[i] = r end
      end
      st.depth = depth - 1
    end
    if not rest and n > np then
      return fail(st, "too_long", v, {field_type = "Tuple", max_length = np, actual_length = n})
    end
    if not ok then return nil end
    if max and n > max then return fail(st, "too_long", v, {field_type = "Tuple", max_length = max, actual_length = n}) end
    if min and n < min then return fail(st, "too_short", v, {field_type = "Tuple", min_length = min, actual_length = n}) end
    if unique then
      local dup = compile.first_duplicate(out)
      if dup then return fail(st, "unique_items", v[dup], nil, dup - 1) end
    end
    return out
  end
end

function C.map(t, strict)
  local key = t.key and compile_type(t.key, strict)
  local value = t.value and compile_type(t.value, strict)
  local min, max = t.min_properties, t.max_properties
  return function(v, st)
    if not is_dict(v) then return fail(st, "dict_type", v) end
    local out, order, ok = {}, {}, true
    local depth = st.depth
    for _, k in ipairs(rt.keys(v)) do
      local kk, vv = k, v[k]
      if key then
        st.depth = depth + 2
        st.loc[depth + 1], st.loc[depth + 2] = k, "[key]"
        kk = key(k, st)
        st.depth = depth
      end
      if value then
        st.depth = depth + 1
        st.loc[depth + 1] = k
        vv = value(vv, st)
        st.depth = depth
      end
      if kk == nil or vv == nil then
        ok = false
      else
        if out[kk] == nil then order[#order + 1] = kk end
        out[kk] = vv
      end
    end
    if not ok then return nil end
    local n = #order
    if max and n > max then return fail(st, "too_long", v, {field_type = "Dictionary", max_length = max, actual_length = n}) end
    if min and n < min then return fail(st, "too_short", v, {field_type = "Dictionary", min_length = min, actual_length = n}) end
    return setmetatable(out, {__order = order})
  end
end

function C.model(t, strict)
  return t.model:validator(strict)
end

-- }======================

-- {====================== unions and schema combinators ======================

--- pydantic's name for a type in union error locations ("str", "constrained-int",
-- "list[int]", a model's name).
local function label(t)
  local k = t.kind
  local constrained = {
    string = "str", integer = "int", number = "float", boolean = "bool", null = "none",
  }
  local base = constrained[k]
  if base then
    for opt in pairs(t.constraints or {}) do
      if opt ~= "strict" then return "constrained-" .. base end
    end
    return base
  end
  if k == "array" then return "list[" .. label(t.item) .. "]" end
  if k == "set" then return "set[" .. label(t.item) .. "]" end
  if k == "map" then return "dict[" .. (t.key and label(t.key) or "str") .. "," .. (t.value and label(t.value) or "any") .. "]" end
  if k == "tuple" then
    local parts = {}
    for i, it in ipairs(t.items) do parts[i] = label(it) end
    if t.rest then parts[#parts + 1] = (t.rest == "any" and "any" or label(t.rest)) .. ", ..." end
    return "tuple[" .. concat(parts, ", ") .. "]"
  end
  if k == "model" then return t.model.name end
  if k == "literal" then
    local parts = {}
    for i, x in ipairs(t.values) do parts[i] = rt.repr(x) end
    return "literal[" .. concat(parts, ",") .. "]"
  end
  if k == "enum" then return t.name or "enum" end
  if k == "duration" then return "timedelta" end
  if k == "ip" then return ({[4] = "ipv4", [6] = "ipv6"})[t.version] or "ip" end
  if k == "union" then
    local parts = {}
    for i, m in ipairs(t.members) do parts[i] = label(m) end
    return "union[" .. concat(parts, ",") .. "]"
  end
  if k == "ref" then return t.name or "ref" end
  return k
end
compile.label = label

local function member_labels(members)
  local labels, seen = {}, {}
  for i, m in ipairs(members) do
    local l = label(m)
    if m.nullable then l = "nullable[" .. l .. "]" end
    if seen[l] then l = l .. "#" .. i end   -- keep locs distinct for equal-looking members
    seen[l] = true
    labels[i] = l
  end
  return labels
end

local function discriminated(t, strict)
  local disc = t.discriminator
  local by_tag, tags = {}, {}
  for _, m in ipairs(t.members) do
    local field = m.model:field(disc)
    local values = field.type.values
    for _, tag in ipairs(values) do
      by_tag[tag] = compile_type(m, strict)
      tags[#tags + 1] = tag
    end
  end
  local disc_repr = rt.repr(disc)
  local expected_tags = {}
  for i, tag in ipairs(tags) do expected_tags[i] = rt.repr(tag) end
  expected_tags = concat(expected_tags, ", ")
  local key = t.discriminator_key or disc
  return function(v, st)
    if not is_dict(v) then return fail(st, "model_attributes_type", v) end
    local tag = v[key]
    if tag == nil then return fail(st, "union_tag_not_found", v, {discriminator = disc_repr}) end
    local validator = (type(tag) == "string" or math_type(tag)) and by_tag[tag]
    if not validator then   -- pydantic shows the tag as Python's str() does: a string as is
      return fail(st, "union_tag_invalid", v, {discriminator = disc_repr, expected_tags = expected_tags,
                                               tag = type(tag) == "string" and tag or rt.repr(tag)})
    end
    local depth = st.depth + 1
    st.depth = depth
    st.loc[depth] = tostring(tag)
    local r = validator(v, st)
    st.depth = depth - 1
    return r
  end
end

function C.union(t, strict)
  if t.discriminator then return discriminated(t, strict) end
  local members, strict_members = {}, {}
  for i, m in ipairs(t.members) do
    members[i] = compile_type(m, strict)
    strict_members[i] = compile_type(m, true)
  end
  local labels = member_labels(t.members)
  local smart = t.mode ~= "left_to_right"
  return function(v, st)
    if smart then
      for i = 1, #strict_members do   -- an exact match wins, as in pydantic's smart mode
        local r = strict_members[i](v, substate(st))
        if r ~= nil then return r end
      end
    end
    local subs = {}
    for i = 1, #members do
      local sub = substate(st)
      local r = members[i](v, sub)
      if r ~= nil then return r end
      subs[i] = sub
    end
    for i, sub in ipairs(subs) do adopt(st, sub, labels[i]) end
    return nil
  end
end

-- JSON Schema's type-dependent keywords: the branch for the input's JSON type applies.
function C.json(t, strict)
  local branches, order = {}, {}
  for _, jt in ipairs({"null", "boolean", "object", "array", "number", "integer", "string"}) do
    if t.branches[jt] then
      branches[jt] = compile_type(t.branches[jt], strict)
      order[#order + 1] = jt
    end
  end
  local reject = t.others == "reject"
  local json_type = rt.json_type
  return function(v, st)
    local jt = json_type(v)
    local b = branches[jt]
    if b == nil and jt == "integer" then b = branches.number end
    if b == nil and jt == "number" and v % 1 == 0 then b = branches.integer end
    if b then return b(v, st) end
    if not reject then return v end
    if #order == 1 then return branches[order[1]](v, st) end
    for _, o in ipairs(order) do
      local sub = substate(st)
      branches[o](v, sub)
      adopt(st, sub, label(t.branches[o]))
    end
    return nil
  end
end

function C.all_of(t, strict)
  local parts = {}
  for i, m in ipairs(t.members) do parts[i] = compile_type(m, strict) end
  return function(v, st)
    local first, ok = nil, true
    for i = 1, #parts do
      local r = parts[i](v, st)
      if r == nil then ok = false elseif i == 1 then first = r end
    end
    if not ok then return nil end
    return first
  end
end

function C.one_of(t, strict)
  local parts = {}
  for i, m in ipairs(t.members) do parts[i] = compile_type(m, strict) end
  local labels = member_labels(t.members)
  return function(v, st)
    local found, count, subs = nil, 0, {}
    for i = 1, #parts do
      local sub = substate(st)
      local r = parts[i](v, sub)
      if r ~= nil then
        count = count + 1
        found = found or r
      end
      subs[i] = sub
    end
    if count == 1 then return found end
    if count > 1 then return fail(st, "one_of_multiple", v, {count = count}) end
    for i, sub in ipairs(subs) do adopt(st, sub, labels[i]) end
    return nil
  end
end

C["not"] = function(t, strict)
  local inner = compile_type(t.member, strict)
  return function(v, st)
    if inner(v, substate(st)) ~= nil then return fail(st, "not_allowed", v) end
    return v
  end
end

function C.never(t)
  return function(v, st) return fail(st, "never", v) end
end

function C.ref(t, strict)
  local target
  return function(v, st)
    if target == nil then target = compile_type(t.resolve(), strict) end
    return target(v, st)
  end
end

-- }======================

-- {====================== models ======================

--- Compiles model M's field validation: the validator of a model-typed value.
function compile.model(M, strict)
  local fields, known = {}, {}
  for i, f in ipairs(M.fields) do
    local t = f.type
    fields[i] = {
      name = f.name, key = f.keys[1], alt = f.keys[2], loc_key = f.loc_key,
      validate = compile_type(t, strict), default = t.default, factory = t.default_factory,
      optional = t.optional, info = t.before ~= nil or t.after ~= nil,
    }
    for _, k in ipairs(f.keys) do known[k] = true end
  end
  local nf = #fields
  -- info (st.data, st.field) matters only to field validators: skip its upkeep otherwise
  local wants_info = false
  for _, f in ipairs(M.fields) do wants_info = wants_info or f.type.before ~= nil or f.type.after ~= nil end
  local extra, extra_value = M.extra, M.extra_type and compile_type(M.extra_type, strict)
  local out_mt, order = M.out_mt, M.order
  local before, after = M.before, M.after
  local minp, maxp = M.min_properties, M.max_properties
  local check_keys = extra ~= "ignore" or minp ~= nil or maxp ~= nil
  return function(input, st)
    local raw = input
    if before then
      for i = 1, #before do
        input = call_user(st, before[i], input, raw)
        if input == nil then return nil end
      end
    end
    if not is_dict(input) then return fail(st, "model_attributes_type", input) end
    local out, ok = setmetatable({}, out_mt), true
    local depth = st.depth + 1
    local saved_data, saved_field = st.data, st.field
    local loc = st.loc
    for i = 1, nf do
      local f = fields[i]
      local v = input[f.key]
      if v == nil and f.alt then v = input[f.alt] end
      if v == nil then
        local d = f.default
        if f.factory then
          out[f.name] = f.factory()
        elseif d ~= nil then
          out[f.name] = type(d) == "table" and copy(d) or d
        elseif not f.optional then
          ok = fail(st, "missing", input, nil, f.loc_key)
        end
      else
        st.depth = depth
        loc[depth] = f.loc_key
        -- only a field's own validators see the record (not those of its items)
        if wants_info then
          if f.info then st.data, st.field = out, f.name else st.data, st.field = false, false end
        end
        local r = f.validate(v, st)
        st.depth = depth - 1
        if r == nil then ok = false else out[f.name] = r end
      end
    end
    if wants_info then st.data, st.field = saved_data, saved_field end
    if check_keys then
      local extras, count, unknown = nil, 0, false
      for k in next, input do
        count = count + 1
        if not known[k] then unknown = true end
      end
      -- unknown keys are rare: only then are the keys put in input order
      for _, k in ipairs(unknown and rt.keys(input) or {}) do
        if not known[k] then
          if extra == "forbid" then
            ok = fail(st, "extra_forbidden", input[k], nil, k)
          elseif extra == "allow" then
            local x = input[k]
            if extra_value then
              st.depth = depth
              st.loc[depth] = k
              x = extra_value(x, st)
              st.depth = depth - 1
              if x == nil then ok = false end
            end
            if x ~= nil then
              out[k] = x
              extras = extras or {}
              extras[#extras + 1] = k
            end
          end
        end
      end
      if extras then
        local o = {}
        for i = 1, #order do o[i] = order[i] end
        for _, k in ipairs(extras) do o[#o + 1] = k end
        setmetatable(out, {__order = o})
      end
      if ok and maxp and count > maxp then
        return fail(st, "too_long", input, {field_type = "Object", max_length = maxp, actual_length = count})
      end
      if ok and minp and count < minp then
        return fail(st, "too_short", input, {field_type = "Object", min_length = minp, actual_length = count})
      end
    end
    if not ok then return nil end
    if after then
      for i = 1, #after do
        out = call_user(st, after[i], out, raw)
        if out == nil then return nil end
      end
    end
    return out
  end
end

-- }======================

--- Compiles type t (its nullability and Lua validators included). `strict` is the
-- strictness inherited from the model or container; t.strict overrides it.
function compile_type(t, strict)
  if t.strict ~= nil then strict = t.strict end
  strict = strict and true or false
  local cache = t.compiled
  if cache == nil then
    cache = {}
    t.compiled = cache
  end
  if cache[strict] then return cache[strict] end
  -- a placeholder first, so a recursive type compiles to a call through it
  local final
  cache[strict] = function(v, st) return final(v, st) end
  local base = C[t.kind](t, strict)
  local nullable, before, after = t.nullable, t.before, t.after
  local fn = base
  if nullable or before or after then
    fn = function(v, st)
      local input = v
      if before then
        for i = 1, #before do
          v = call_user(st, before[i], v, input, info_of(st))
          if v == nil then return nil end
        end
      end
      local out
      if nullable and v == NULL then out = NULL else out = base(v, st) end
      if out == nil then return nil end
      if after then
        for i = 1, #after do
          out = call_user(st, after[i], out, input, info_of(st))
          if out == nil then return nil end
        end
      end
      return out
    end
  end
  final = fn
  cache[strict] = fn
  return fn
end

compile.type = compile_type
compile.call_user = call_user
compile.substate = substate

return compile
