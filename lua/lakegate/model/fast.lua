--- Builds the C fast-path program of a model (see src/core/schema.h): the model's types
-- as a node list that lakegate.core.schema runs while decoding JSON. Types the C engine
-- does not check itself (custom validators, unions, e-mail, URLs...) become "lua" nodes:
-- the engine decodes their value and calls their compiled Lua validator. Whatever the
-- program does not accept, the Lua validators decide, so it only has to be right about
-- the values it accepts (a spec compares both paths).
-- @module lakegate.model.fast
local core = require("lakegate.core")
local rt = require("lakegate.model.runtime")
local compile = require("lakegate.model.compile")

local type, ipairs, pairs, next, tostring, setmetatable, math_type = type, ipairs, pairs, next, tostring, setmetatable, math.type

local fast = {}

local Builder = {}
Builder.__index = Builder

local function new_builder()
  return setmetatable({consts = {}, const_index = {}, nodes = {}, fields = {}, members = {}, models = {}}, Builder)
end

--- The index of constant v in the program's constants (one slot per distinct value).
function Builder:const(v)
  local k = self.const_index[v]
  if k then return k end
  k = #self.consts + 1
  self.consts[k] = v
  self.const_index[v] = k
  return k
end

function Builder:add(node)
  self.nodes[#self.nodes + 1] = node
  return #self.nodes
end

local function strictness(t, strict)
  if t.strict ~= nil then return t.strict end
  return strict
end

-- A node the Lua validators settle. `field` names the model field it belongs to, so a
-- field validator sees info.field_name and info.data (the record being built).
function Builder:lua(t, strict, field)
  if not (t.before or t.after) then field = nil end   -- only its own validators read info
  local validate = compile.type(t, strict)
  local fn = function(value, data)
    local st = rt.state(nil, 1)
    st.data, st.field = data or false, field or false
    return validate(value, st)
  end
  return self:add({kind = "lua", const = self:const(fn), data = field ~= nil or nil})
end

local EXACT = 2 ^ 53
local function exact_number(v) return math_type(v) == "float" or (v > -EXACT and v < EXACT) end

local C_FORMATS = {date = true, time = true, ["date-time"] = true, uuid = true, email = true, ipv4 = true, ipv6 = true}
local function plain_string_key(t)
  return t == nil or t.kind == "any" or (t.kind == "string" and next(t.constraints) == nil and not t.nullable
         and not t.before and not t.after)
end

local function scalar_members(values)
  for _, v in ipairs(values) do
    if type(v) ~= "string" and math_type(v) ~= "integer" then return false end
  end
  return true
end

--- The node of type t (strictness inherited from its container).
function Builder:node(t, strict, field)
  strict = strictness(t, strict)
  if t.before or t.after then return self:lua(t, strict, field) end
  local k, n = t.kind, {kind = t.kind, nullable = t.nullable or nil}
  if k == "any" or k == "boolean" or k == "none" then
    -- nothing to add
  elseif k == "string" then
    if t.strip_whitespace or t.to_lower or t.to_upper or (t.format and not C_FORMATS[t.format]) then
      return self:lua(t, strict, field)
    end
    n.min, n.max, n.format = t.min_length, t.max_length, t.format
    n.regex = t.regex and self:const(t.regex)
  elseif k == "integer" then
    for _, b in ipairs({"gt", "ge", "lt", "le", "multiple_of"}) do
      if t[b] ~= nil and math_type(t[b]) ~= "integer" then return self:lua(t, strict, field) end
      n[b] = t[b]
    end
  elseif k == "number" then
    if t.multiple_of then return self:lua(t, strict, field) end
    for _, b in ipairs({"gt", "ge", "lt", "le"}) do
      if t[b] ~= nil and not exact_number(t[b]) then return self:lua(t, strict, field) end
      n[b] = t[b]
    end
    n.as_float = t.as_float ~= false
  elseif k == "enum" or k == "literal" then
    if not scalar_members(t.values) then return self:lua(t, strict, field) end
    n.kind = "enum"
    n.first, n.count = #self.members + 1, #t.values
    for _, v in ipairs(t.values) do self.members[#self.members + 1] = {const = self:const(v)} end
  elseif k == "datetime" then
    n.tz = t.tz
  elseif k == "date" or k == "time" then
    -- nothing to add
  elseif k == "uuid" then
    n.version = t.version
  elseif k == "array" then
    if t.unique then return self:lua(t, strict, field) end
    n.min, n.max = t.min_items, t.max_items
    n.child = self:node(t.item, strict)
  elseif k == "map" then
    if not plain_string_key(t.key) then return self:lua(t, strict, field) end
    n.min, n.max = t.min_properties, t.max_properties
    n.child = t.value and self:node(t.value, strict) or self:add({kind = "any"})
  elseif k == "model" then
    local node = self:model(t.model, strict, t.nullable)
    if node == nil then return self:lua(t, strict, field) end
    return node
  else
    return self:lua(t, strict, field)
  end
  return self:add(n)
end

-- The model node of M, or nil when the C engine cannot run it (model before-validators,
-- alternative input keys, typed extras, property counts, more than 64 fields).
function Builder:model(M, strict, nullable)
  strict = M.strict or strict
  local key = tostring(strict) .. tostring(nullable)
  local cached = self.models[M] and self.models[M][key]
  if cached then return cached end
  if M.before or M.extra_type or M.min_properties or M.max_properties or #M.fields > 64 then return nil end
  for _, f in ipairs(M.fields) do if f.keys[2] then return nil end end
  local node = {kind = "model", nullable = nullable or nil, count = #M.fields, extra = M.extra,
                const = self:const(M.out_mt), order = self:const(M.order)}
  local index = self:add(node)
  self.models[M] = self.models[M] or {}
  self.models[M][key] = index
  local first = #self.fields + 1
  node.first = first
  for i = 1, #M.fields do self.fields[first + i - 1] = false end   -- the slots stay together
  for i, f in ipairs(M.fields) do
    local t = f.type
    local rec = {key = self:const(f.keys[1]), name = self:const(f.name), node = self:node(t, strict, f.name)}
    if t.default_factory then
      rec.missing, rec.default = "factory", self:const(t.default_factory)
    elseif t.default ~= nil then
      rec.missing = type(t.default) == "table" and "copy" or "value"
      rec.default = self:const(t.default)
    elseif t.optional then
      rec.missing = "optional"
    else
      rec.missing = "required"
    end
    self.fields[first + i - 1] = rec
  end
  if M.after then
    local after = M.after
    node.after = self:const(function(out)
      local st = rt.state(nil, 1)
      for i = 1, #after do
        out = compile.call_user(st, after[i], out, out)
        if out == nil then return nil end
      end
      return out
    end)
  end
  return index
end

function Builder:program(root)
  return core.schema({
    root = root, array_mt = self:const(core.array_mt), consts = self.consts,
    nodes = self.nodes, fields = self.fields, members = self.members,
  })
end

--- The fast-path program of model M, or nil when it would not be faster than decoding
-- and running the Lua validators.
function fast.compile(M)
  local b = new_builder()
  local root = b:model(M, M.strict)
  if root == nil then return nil end
  return b:program(root)
end

--- The program for a value of type t (model.adapter), or nil.
function fast.compile_type(t, strict)
  local b = new_builder()
  local root = b:node(t, strict)
  if b.nodes[root].kind == "lua" then return nil end
  return b:program(root)
end

return fast
