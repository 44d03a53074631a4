--- JSON Schema (draft 2020-12) of models and types, shaped as pydantic v2's
-- model_json_schema(): field titles from names ("horn_length_cm" -> "Horn Length Cm"),
-- `required`, defaults, nullable fields as `anyOf [..., {"type": "null"}]`, nested
-- models in `$defs` referenced with `$ref`, keys sorted (properties keep field order).
-- @module lakegate.model.json_schema
local core = require("lakegate.core")
local rt = require("lakegate.model.runtime")
local serialize = require("lakegate.model.serialize")

local type, pairs, ipairs, next, setmetatable, getmetatable, tostring =
      type, pairs, ipairs, next, setmetatable, getmetatable, tostring
local math_type, sort, gsub, upper, lower, sub = math.type, table.sort, string.gsub, string.upper,
      string.lower, string.sub
local NULL, ARRAY_MT = rt.NULL, rt.ARRAY_MT

local json_schema = {}

-- {====================== helpers ======================

-- A schema object: its keys encode sorted, as pydantic sorts them.
local SORTED = {}
local function obj(t)
  local keys = {}
  for k in pairs(t) do keys[#keys + 1] = k end
  sort(keys)
  return setmetatable(t, {__order = keys})
end

local function array(t) return setmetatable(t, ARRAY_MT) end

--- Python's str.title() on the field name with underscores as spaces.
function json_schema.title(name)
  local out, prev_cased = {}, false
  name = gsub(name, "_", " ")
  for i = 1, #name do
    local c = sub(name, i, i)
    local cased = c:match("%a") ~= nil
    if cased then c = prev_cased and lower(c) or upper(c) end
    out[i] = c
    prev_cased = cased
  end
  return table.concat(out)
end

-- The JSON type name of a literal value.
local function json_type_of(v)
  local jt = rt.json_type(v)
  if jt == "integer" then return "integer" end
  return jt
end

-- }======================

local schema_of   -- forward: schema_of(t, ctx) -> schema table (without field metadata)

-- ctx: {defs = name -> schema, names = model -> def name, ref_template, mode, seen}
local function ref_to(ctx, name)
  return {["$ref"] = (gsub(ctx.ref_template, "{model}", name))}
end

local function model_def_name(ctx, M)
  local name = ctx.names[M]
  if name then return name end
  name = M.name
  local n = 1
  while ctx.taken[name] do
    n = n + 1
    name = M.name .. "__" .. n
  end
  ctx.taken[name] = true
  ctx.names[M] = name
  return name
end

local function number_bounds(s, t, as_float)
  local function b(v)
    if v ~= nil and as_float and math_type(v) == "integer" then return v end
    return v
  end
  s.exclusiveMinimum = b(t.gt)
  s.minimum = b(t.ge)
  s.exclusiveMaximum = b(t.lt)
  s.maximum = b(t.le)
  s.multipleOf = t.multiple_of
end

local FORMAT = {
  datetime = "date-time", date = "date", time = "time", duration = "duration", email = "email",
}

local S = {}

function S.any() return {} end
function S.none() return {type = "null"} end
function S.boolean() return {type = "boolean"} end
function S.never() return {["not"] = obj({})} end

function S.string(t)
  return {type = "string", minLength = t.min_length, maxLength = t.max_length, pattern = t.pattern, format = t.format}
end

function S.integer(t)
  local s = {type = "integer"}
  number_bounds(s, t)
  return s
end

function S.number(t)
  local s = {type = "number"}
  number_bounds(s, t, true)
  return s
end

function S.datetime(t) return {type = "string", format = FORMAT[t.kind]} end
S.date, S.time, S.duration, S.email = S.datetime, S.datetime, S.datetime, S.datetime

function S.uuid(t) return {type = "string", format = t.version and ("uuid" .. t.version) or "uuid"} end

function S.url(t) return {type = "string", format = "uri", minLength = 1, maxLength = t.max_length} end

function S.ip(t)
  return {type = "string", format = ({[4] = "ipv4", [6] = "ipv6"})[t.version] or "ipvanyaddress"}
end

function S.bytes(t) return {type = "string", format = "base64", minLength = nil, maxLength = nil} end

function S.decimal(t, ctx)
  if ctx.mode == "serialization" then return {type = "string"} end
  local s = {anyOf = array({obj({type = "number"}), obj({type = "string"})})}
  return s
end

function S.enum(t, ctx)
  local values = array({})
  for i, v in ipairs(t.values) do values[i] = v end
  local s = {enum = values}
  local jt = json_type_of(t.values[1])
  for _, v in ipairs(t.values) do if json_type_of(v) ~= jt then jt = nil break end end
  s.type = jt
  if t.name then
    s.title = t.name
    ctx.defs[t.name] = obj(s)
    return ref_to(ctx, t.name)
  end
  return s
end

function S.literal(t)
  local jt = json_type_of(t.values[1])
  for _, v in ipairs(t.values) do if json_type_of(v) ~= jt then jt = nil break end end
  if #t.values == 1 then return {const = t.values[1], type = jt} end
  local values = array({})
  for i, v in ipairs(t.values) do values[i] = v end
  return {enum = values, type = jt}
end

function S.array(t, ctx)
  return {type = "array", items = schema_of(t.item, ctx), minItems = t.min_items, maxItems = t.max_items,
          uniqueItems = t.unique or nil}
end

function S.set(t, ctx)
  local s = S.array(t, ctx)
  s.uniqueItems = true
  return s
end

function S.tuple(t, ctx)
  local prefix = array({})
  for i, it in ipairs(t.items) do prefix[i] = schema_of(it, ctx) end
  local s = {type = "array", prefixItems = #prefix > 0 and prefix or nil}
  if t.rest then
    s.items = schema_of(t.rest, ctx)
  else
    s.maxItems = #prefix
  end
  if not t.partial then s.minItems = #prefix end
  s.minItems = t.min_items or s.minItems
  s.maxItems = t.max_items or s.maxItems
  s.uniqueItems = t.unique or nil
  return s
end

function S.map(t, ctx)
  local s = {type = "object", minProperties = t.min_properties, maxProperties = t.max_properties}
  s.additionalProperties = t.value and schema_of(t.value, ctx) or true
  if t.key and t.key.kind ~= "any" and next(t.key.constraints) then s.propertyNames = schema_of(t.key, ctx) end
  return s
end

-- The schema of a model loaded from a JSON Schema document: the document itself, its
-- $defs moved to ctx.defs (as "<Model>_<name>") and its local references rewritten to the
-- caller's ref_template, so it can sit among other definitions (OpenAPI components).
local function from_source(M, ctx)
  local src = M.json_schema_source
  local names = {}
  local defs = rt.is_dict(src["$defs"]) and src["$defs"] or nil
  if defs then
    for _, k in ipairs(rt.keys(defs)) do names[k] = model_def_name(ctx, {name = M.name .. "_" .. k}) end
  end
  local function rewrite(v, root)
    if type(v) ~= "table" then return v end
    if not rt.is_dict(v) then
      local out = array({})
      for i = 1, #v do out[i] = rewrite(v[i]) end
      return out
    end
    local out, order = {}, {}
    for _, k in ipairs(rt.keys(v)) do
      local x = v[k]
      if not (root and (k == "$defs" or k == "$schema")) then
        if k == "$ref" and type(x) == "string" then
          local def = x:match("^#/%$defs/([^/]+)$")
          if def and names[def] then x = ref_to(ctx, names[def])["$ref"]
          elseif x == "#" then x = ref_to(ctx, ctx.names[M])["$ref"] end
        else
          x = rewrite(x)
        end
        out[k] = x
        order[#order + 1] = k
      end
    end
    return setmetatable(out, {__order = order})
  end
  if defs then
    for k, name in pairs(names) do ctx.defs[name] = rewrite(defs[k]) end
  end
  return rewrite(src, true)
end

function S.model(t, ctx)
  local M = t.model
  local name = model_def_name(ctx, M)
  if not ctx.defs[name] and not ctx.building[M] then
    ctx.building[M] = true
    ctx.defs[name] = M.json_schema_source and from_source(M, ctx) or json_schema.model_body(M, ctx)
    ctx.building[M] = nil
  end
  return ref_to(ctx, name)
end

function S.union(t, ctx)
  local members = array({})
  for i, m in ipairs(t.members) do members[i] = schema_of(m, ctx) end
  if t.discriminator then
    local mapping = {}
    for i, m in ipairs(t.members) do
      for _, tag in ipairs(m.model:field(t.discriminator).type.values) do mapping[tostring(tag)] = members[i]["$ref"] end
    end
    return {oneOf = members, discriminator = obj({propertyName = t.discriminator, mapping = obj(mapping)})}
  end
  return {anyOf = members}
end

function S.all_of(t, ctx)
  local members = array({})
  for i, m in ipairs(t.members) do members[i] = schema_of(m, ctx) end
  return {allOf = members}
end

function S.one_of(t, ctx)
  local members = array({})
  for i, m in ipairs(t.members) do members[i] = schema_of(m, ctx) end
  return {oneOf = members}
end

S["not"] = function(t, ctx) return {["not"] = schema_of(t.member, ctx)} end

function S.json(t, ctx)
  local members = array({})
  for _, jt in ipairs({"null", "boolean", "object", "array", "number", "integer", "string"}) do
    if t.branches[jt] then members[#members + 1] = schema_of(t.branches[jt], ctx) end
  end
  if t.others ~= "reject" then return #members > 0 and {anyOf = members} or {} end
  return {anyOf = members}
end

function S.ref(t, ctx)
  local target = t.resolve()
  if target.kind == "model" then return S.model(target, ctx) end
  local name = t.name or "Ref"
  if not ctx.defs[name] and not ctx.building[t] then
    ctx.building[t] = true
    ctx.defs[name] = schema_of(target, ctx)
    ctx.building[t] = nil
  end
  return ref_to(ctx, name)
end

--- The schema of type t, nullability included, without field metadata.
function schema_of(t, ctx)
  if t.json_schema_source then return t.json_schema_source end
  local s = obj(S[t.kind](t, ctx))
  if t.nullable and t.kind ~= "any" and t.kind ~= "none" then
    s = obj({anyOf = array({s, obj({type = "null"})})})
  end
  return s
end

-- A model field's schema: the type's schema plus title, description, default, examples.
local function field_schema(f, ctx)
  local t = f.type
  local s = {}
  for k, v in pairs(schema_of(t, ctx)) do s[k] = v end
  -- pydantic puts no title beside a $ref (the referenced schema has its own)
  s.title = t.title or (s["$ref"] == nil and json_schema.title(f.name) or nil)
  s.description = t.description
  s.examples = t.examples and array(t.examples) or nil
  s.deprecated = t.deprecated or nil
  if t.default ~= nil then s.default = serialize.value(t, t.default, {}) end
  if t.json_schema_extra then for k, v in pairs(t.json_schema_extra) do s[k] = v end end
  return obj(s)
end

--- The object schema of model M (nested definitions go to ctx.defs).
function json_schema.model_body(M, ctx)
  local properties, names, required = {}, {}, array({})
  local serialization = ctx.mode == "serialization"
  for _, f in ipairs(M.fields) do
    if not (serialization and f.type.exclude) then
      local key = serialization and f.out_key or f.loc_key
      properties[key] = field_schema(f, ctx)
      names[#names + 1] = key
      local t = f.type
      local has_default = t.default ~= nil or t.default_factory ~= nil
      if not t.optional and (serialization or not has_default) then required[#required + 1] = key end
    end
  end
  local s = {
    type = "object", title = M.title or M.name, description = M.description,
    properties = setmetatable(properties, {__order = names}),
    required = #required > 0 and required or nil,
    minProperties = M.min_properties, maxProperties = M.max_properties,
  }
  if M.extra == "forbid" then s.additionalProperties = false
  elseif M.extra == "allow" then s.additionalProperties = M.extra_type and schema_of(M.extra_type, ctx) or true end
  if M.json_schema_extra then for k, v in pairs(M.json_schema_extra) do s[k] = v end end
  return obj(s)
end

local function new_ctx(opts)
  return {
    defs = opts.defs or {}, names = {}, taken = {}, building = {},
    ref_template = opts.ref_template or "#/$defs/{model}", mode = opts.mode or "validation",
  }
end

-- Puts the collected definitions under "$defs" unless the caller collects them.
local function with_defs(s, ctx, opts)
  if opts.defs == nil and next(ctx.defs) then
    local copy = {}
    for k, v in pairs(s) do copy[k] = v end
    copy["$defs"] = obj(ctx.defs)
    return obj(copy)
  end
  return s
end

--- The JSON Schema of model M. opts: mode, ref_template, defs (see Model:json_schema).
function json_schema.model(M, opts)
  local ctx = new_ctx(opts)
  ctx.names[M] = M.name
  ctx.taken[M.name] = true
  ctx.building[M] = true
  local s = M.json_schema_source and from_source(M, ctx) or json_schema.model_body(M, ctx)
  return with_defs(s, ctx, opts)
end

--- The JSON Schema of any type (model.adapter(t):json_schema()).
function json_schema.type(t, opts)
  local ctx = new_ctx(opts)
  local s = schema_of(t, ctx)
  return with_defs(s, ctx, opts)
end

return json_schema
