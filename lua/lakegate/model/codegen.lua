--- Compiles a model into a validator: Lua source with every check inlined, loaded once.
--
-- The generated function is `validate(input, loc, errs, nested) -> value | nil`. Each field
-- is checked inside `repeat ... until true`, so a failed check records its error and
-- `break`s to the next field; every error of the document is collected.
-- @module lakegate.model.codegen
local rt = require("lakegate.model.runtime")

local type, pairs, ipairs, tostring, load, error, select, setmetatable =
      type, pairs, ipairs, tostring, load, error, select, setmetatable
local concat, format = table.concat, string.format

local codegen = {}

local LOCAL_CONSTS = 150

-- ===================== emitter =====================

local Gen = {}
Gen.__index = Gen

local function new_gen()
  return setmetatable({lines = {}, consts = {}, const_names = {}, nconst = 0, nvar = 0, indent = 1}, Gen)
end

--- Returns the name of a local holding constant v (one per distinct value).
function Gen:const(v)
  local name = self.const_names[v]
  if name then return name end
  self.nconst = self.nconst + 1
  -- Lua allows 200 locals per function: past LOCAL_CONSTS, constants are read from K.
  name = self.nconst <= LOCAL_CONSTS and "K" .. self.nconst or "K[" .. self.nconst .. "]"
  self.consts[self.nconst] = v
  self.const_names[v] = name
  return name
end

function Gen:var(prefix)
  self.nvar = self.nvar + 1
  return prefix .. self.nvar
end

function Gen:emit(fmt, ...)
  local line = select("#", ...) > 0 and format(fmt, ...) or fmt
  self.lines[#self.lines + 1] = ("  "):rep(self.indent) .. line
end

function Gen:open(fmt, ...) self:emit(fmt, ...); self.indent = self.indent + 1 end
function Gen:close(line) self.indent = self.indent - 1; self:emit(line or "end") end

-- ===================== error helpers =====================

local function plural(n, word)
  return n == 1 and word or word .. "s"
end

-- Emits an error record and a break out of the current repeat block.
-- `parts` is the Lua expression list of the path below loc (e.g. `K3, i1 - 1`).
local function fail(g, parts, etype, msg_expr, input, ctx_expr)
  g:emit("err(errs, loc, %s, %s, %s, %s, %s)", g:const(etype), msg_expr, input,
         ctx_expr or "nil", parts)
  g:emit("break")
end

local function fail_const(g, parts, etype, msg, input, ctx)
  fail(g, parts, etype, g:const(msg), input, ctx and g:const(ctx) or nil)
end

-- ===================== checks per kind =====================
-- Each check works on the local named `v`: it either leaves a valid (maybe coerced) value
-- in v or records an error and breaks.

local check = {}

function check.any(g, t, v, parts, strict, o)
end

function check.string(g, t, v, parts, strict, o)
  g:open("if type(%s) ~= \"string\" then", v)
  fail_const(g, parts, "string_type", "Input should be a valid string", o)
  g:close()
  local n = g:var("n")
  g:emit("local %s = utf8_len(%s)", n, v)
  g:open("if not %s then", n)
  fail_const(g, parts, "string_unicode",
             "Input should be a valid string, unable to parse raw data as a unicode string", o)
  g:close()
  for _, b in ipairs({{"min_length", "<", "string_too_short", "at least"},
                      {"max_length", ">", "string_too_long", "at most"}}) do
    local key, op, etype, words = b[1], b[2], b[3], b[4]
    local bound = t[key]
    if bound then
      g:open("if %s %s %d then", n, op, bound)
      fail_const(g, parts, etype, format("String should have %s %d %s", words, bound, plural(bound, "character")),
                 o, {[key] = bound})
      g:close()
    end
  end
end

function check.boolean(g, t, v, parts, strict, o)
  g:open("if %s ~= true and %s ~= false then", v, v)
  if strict then
    fail_const(g, parts, "bool_type", "Input should be a valid boolean", o)
  else
    local b, e = g:var("b"), g:var("e")
    g:emit("local %s, %s = lax_bool(%s)", b, e, v)
    g:open("if %s == nil then", b)
    g:open("if %s == \"bool_parsing\" then", e)
    fail_const(g, parts, "bool_parsing", "Input should be a valid boolean, unable to interpret input", o)
    g:close()
    fail_const(g, parts, "bool_type", "Input should be a valid boolean", o)
    g:close()
    g:emit("%s = %s", v, b)
  end
  g:close()
end

local BOUNDS = {
  {"gt", "<=", "greater_than", "Input should be greater than %s"},
  {"ge", "<", "greater_than_equal", "Input should be greater than or equal to %s"},
  {"lt", ">=", "less_than", "Input should be less than %s"},
  {"le", ">", "less_than_equal", "Input should be less than or equal to %s"},
}

local function check_bounds(g, t, v, parts, o)
  for _, b in ipairs(BOUNDS) do
    local key, op, etype, msg = b[1], b[2], b[3], b[4]
    if t[key] ~= nil then
      g:open("if %s %s %s then", v, op, g:const(t[key]))
      fail_const(g, parts, etype, format(msg, tostring(t[key])), o, {[key] = t[key]})
      g:close()
    end
  end
end

function check.number(g, t, v, parts, strict, o)
  g:open("if math_type(%s) == nil then", v)
  if strict then
    fail_const(g, parts, "float_type", "Input should be a valid number", o)
  else
    g:open("if type(%s) == \"string\" then", v)
    local f = g:var("f")
    g:emit("local %s = parse_float(%s)", f, v)
    g:open("if %s == nil then", f)
    fail_const(g, parts, "float_parsing", "Input should be a valid number, unable to parse string as a number", o)
    g:close()
    g:emit("%s = %s", v, f)
    g:close("elseif type(" .. v .. ") == \"boolean\" then")
    g.indent = g.indent + 1
    g:emit("%s = %s and 1.0 or 0.0", v, v)
    g:close("else")
    g.indent = g.indent + 1
    fail_const(g, parts, "float_type", "Input should be a valid number", o)
    g:close()
  end
  g:close()
  if not t.allow_inf_nan then
    g:open("if %s ~= %s or %s == HUGE or %s == -HUGE then", v, v, v, v)
    fail_const(g, parts, "finite_number", "Input should be a finite number", o)
    g:close()
  end
  check_bounds(g, t, v, parts, o)
  g:emit("%s = %s + 0.0", v, v)
end

function check.integer(g, t, v, parts, strict, o)
  g:open("if math_type(%s) ~= \"integer\" then", v)
  if strict then
    fail_const(g, parts, "int_type", "Input should be a valid integer", o)
  else
    local i, e = g:var("i"), g:var("e")
    g:emit("local %s, %s = lax_int(%s)", i, e, v)
    g:open("if %s == nil then", i)
    g:emit("err(errs, loc, %s, INT_MSG[%s], %s, nil, %s)", e, e, o, parts)
    g:emit("break")
    g:close()
    g:emit("%s = %s", v, i)
  end
  g:close()
  check_bounds(g, t, v, parts, o)
end

function check.enum(g, t, v, parts, strict, o)
  local set = {}
  for _, x in ipairs(t.values) do set[x] = true end
  local expected = rt.expected_list(t.values)
  g:open("if not %s[%s] then", g:const(set), v)
  fail_const(g, parts, "enum", "Input should be " .. expected, o, {expected = expected})
  g:close()
end

function check.model(g, t, v, parts, strict, o)
  local r = g:var("r")
  g:emit("local %s = %s(%s, extend(loc, %s), errs, true)", r, g:const(t.model.validator), v, parts)
  g:emit("if %s == nil then break end", r)
  g:emit("%s = %s", v, r)
end

local gen_value

-- A list length bound: too_short / too_long with pydantic's message and context.
local function check_length(g, n, bound, op, etype, words, ctx_key, parts, o)
  if bound == nil then return end
  g:open("if %s %s %d then", n, op, bound)
  local msg = format("List should have %s %d %s after validation, not ", words, bound, plural(bound, "item"))
  fail(g, parts, etype, format("%q .. %s", msg, n), o,
       format("{field_type = \"List\", %s = %d, actual_length = %s}", ctx_key, bound, n))
  g:close()
end

function check.array(g, t, v, parts, strict, o)
  local n = g:var("n")
  g:emit("local %s = list_len(%s)", n, v)
  g:open("if %s == nil then", n)
  fail_const(g, parts, "list_type", "Input should be a valid list", o)
  g:close()
  check_length(g, n, t.min_items, "<", "too_short", "at least", "min_length", parts, o)
  check_length(g, n, t.max_items, ">", "too_long", "at most", "max_length", parts, o)
  local arr, ok, i, item = g:var("arr"), g:var("ok"), g:var("i"), g:var("v")
  g:emit("local %s, %s = setmetatable({}, ARRAY_MT), true", arr, ok)
  g:open("for %s = 1, %s do", i, n)
  g:emit("local %s = %s[%s]", item, v, i)
  g:open("repeat")
  gen_value(g, t.item, item, parts .. ", " .. i .. " - 1", strict)
  g:emit("%s[%s] = %s", arr, i, item)
  g:emit("goto next_%s", i)
  g:close("until true")
  g:emit("%s = false", ok)
  g:emit("::next_%s::", i)
  g:close()
  g:emit("if not %s then break end", ok)
  g:emit("%s = %s", v, arr)
end

-- Emits the checks for a value of type t held in local v, inside a repeat block.
function gen_value(g, t, v, parts, strict)
  if t.nullable then
    g:open("if %s ~= NULL then", v)
  end
  -- Errors report the input as received, before any coercion.
  local o = g:var("o")
  g:emit("local %s = %s", o, v)
  check[t.kind](g, t, v, parts, strict or t.strict == true, o)
  if t.nullable then g:close() end
end

-- ===================== models =====================

local function default_expr(g, t)
  if t.default_factory then return g:const(t.default_factory) .. "()" end
  if type(t.default) == "table" then return "copy(" .. g:const(t.default) .. ")" end
  return g:const(t.default)
end

local function gen_field(g, m, f)
  local t, key = f.type, g:const(f.name)
  g:emit("v = input[%s]", key)
  g:open("if v == nil then")
  if t.default ~= nil or t.default_factory ~= nil then
    g:emit("out[%s] = %s", key, default_expr(g, t))
  elseif not t.optional then
    g:emit("err(errs, loc, \"missing\", \"Field required\", input, nil, %s)", key)
  end
  g:close("else")
  g.indent = g.indent + 1
  g:open("repeat")
  gen_value(g, t, "v", key, m.strict)
  g:emit("out[%s] = v", key)
  g:close("until true")
  g:close()
end

local function gen_extra(g, m)
  if m.extra == "ignore" then return end
  local known = {}
  for _, f in ipairs(m.fields) do known[f.name] = true end
  g:open("for k, x in next, input do")
  g:open("if not %s[k] then", g:const(known))
  if m.extra == "forbid" then
    g:emit("err(errs, loc, \"extra_forbidden\", \"Extra inputs are not permitted\", x, nil, k)")
  else
    g:emit("out[k] = x")
  end
  g:close()
  g:close()
end

local PRELUDE = [[
local K, rt = ...
local type, next, setmetatable, getmetatable = type, next, setmetatable, getmetatable
local math_type, HUGE = math.type, math.huge
local err, extend, copy, utf8_len = rt.err, rt.extend, rt.copy, rt.utf8_len
local lax_bool, lax_int, parse_float, list_len = rt.lax_bool, rt.lax_int, rt.parse_float, rt.list_len
local NULL, ARRAY_MT = rt.NULL, rt.ARRAY_MT
local INT_MSG = {
  int_type = "Input should be a valid integer",
  int_parsing = "Input should be a valid integer, unable to parse string as an integer",
  int_from_float = "Input should be a valid integer, got a number with a fractional part",
  int_parsing_size = "Unable to parse input string as an integer, exceeding maximum size",
  finite_number = "Input should be a finite number",
}
]]

-- The only globals generated code reads (in its prelude).
local GENERATED_ENV = {
  type = type, next = next, setmetatable = setmetatable, getmetatable = getmetatable, math = math,
}

local function generate(m)
  local g = new_gen()
  local OUT_MT = g:const(m.out_mt)
  local class_ctx = g:const({class_name = m.name})
  local nested_msg = g:const("Input should be a valid dictionary or instance of " .. m.name)
  g:emit("return function(input, loc, errs, nested)")
  g:open("if type(input) ~= \"table\" or getmetatable(input) ~= nil then")
  g:open("if nested then")
  g:emit("err(errs, loc, \"model_type\", %s, input, %s)", nested_msg, class_ctx)
  g:close("else")
  g.indent = g.indent + 1
  g:emit("err(errs, loc, \"model_attributes_type\", \"Input should be a valid dictionary or object to extract fields from\", input)")
  g:close()
  g:emit("return nil")
  g:close()
  g:emit("local nerr = #errs")
  g:emit("local out = setmetatable({}, %s)", OUT_MT)
  g:emit("local v")
  for _, f in ipairs(m.fields) do gen_field(g, m, f) end
  gen_extra(g, m)
  g:emit("if #errs > nerr then return nil end")
  g:emit("return out")
  g.indent = 0
  g:emit("end")
  local header = {PRELUDE}
  for i = 1, math.min(g.nconst, LOCAL_CONSTS) do header[#header + 1] = format("local K%d = K[%d]", i, i) end
  return concat(header, "\n") .. "\n" .. concat(g.lines, "\n") .. "\n", g.consts
end

--- Compiles model m into its validator function.
function codegen.compile(m)
  local src, consts = generate(m)
  local chunk, err = load(src, "=model " .. m.name, "t", GENERATED_ENV)
  if chunk == nil then error("internal error compiling the validator: " .. err, 0) end
  return chunk(consts, rt)
end

--- The generated source of m's validator.
function codegen.source(m)
  return (generate(m))
end

return codegen
