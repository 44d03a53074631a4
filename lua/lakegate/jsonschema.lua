--- JSON Schema documents as models: `jsonschema.load("schemas/foo.schema.json")` in a route
-- file gives a model that validates exactly what the schema (draft 2020-12) accepts, so an
-- operator can drop an existing schema next to the routes and use it as a body model.
--
-- Validation keywords: type, enum, const, required, properties, additionalProperties,
-- items, prefixItems, minItems, maxItems, uniqueItems, minLength, maxLength, pattern,
-- minimum, maximum, exclusiveMinimum, exclusiveMaximum, multipleOf, minProperties,
-- maxProperties, anyOf, oneOf, allOf, not, local $ref/$defs, and format (date-time, date,
-- time, email, uuid, ipv4, ipv6, uri: checked, not converted). Annotations (title,
-- description, default, examples, ...) are kept; a default that is valid fills a missing
-- property, as in a pydantic model. Other validation keywords (patternProperties, if/then/
-- else, remote $ref, ...) are refused when the schema loads, never silently ignored.
-- The models are strict: JSON Schema has no coercion (an integral float such as 1.0 is an
-- integer, as the specification says).
-- @module lakegate.jsonschema
-- @usage
-- local jsonschema = require("lakegate.jsonschema")
-- local Order = jsonschema.load("schemas/order.schema.json")   -- relative to this route file
-- router.post("/orders", {body = Order, store = "orders"}, function(req, order) return order end)
local core = require("lakegate.core")
local model = require("lakegate.model")
local rt = require("lakegate.model.runtime")

local type, pairs, ipairs, next, tostring, error, setmetatable, getmetatable, pcall =
      type, pairs, ipairs, next, tostring, error, setmetatable, getmetatable, pcall
local math_type, format, gsub, concat = math.type, string.format, string.gsub, table.concat
local NULL = core.null

local jsonschema = {}

-- Keywords that only annotate (and the few structural ones handled elsewhere).
local ANNOTATIONS = {
  ["$schema"] = true, ["$comment"] = true, ["$defs"] = true, definitions = true, title = true,
  description = true, default = true, examples = true, deprecated = true, readOnly = true,
  writeOnly = true, contentMediaType = true, contentEncoding = true, contentSchema = true,
  ["$id"] = true, ["$vocabulary"] = true,
}

local HANDLED = {
  type = true, enum = true, const = true, required = true, properties = true,
  additionalProperties = true, items = true, prefixItems = true, minItems = true, maxItems = true,
  uniqueItems = true, minLength = true, maxLength = true, pattern = true, minimum = true,
  maximum = true, exclusiveMinimum = true, exclusiveMaximum = true, multipleOf = true,
  minProperties = true, maxProperties = true, anyOf = true, oneOf = true, allOf = true,
  ["not"] = true, ["$ref"] = true, format = true,
}

local FORMATS = {}
for _, f in ipairs(require("lakegate.model.types").FORMATS) do FORMATS[f] = true end

-- Keywords per JSON type: a schema with any of them needs that type's branch.
local BY_TYPE = {
  string = {"minLength", "maxLength", "pattern", "format"},
  number = {"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf"},
  array = {"items", "prefixItems", "minItems", "maxItems", "uniqueItems"},
  object = {"properties", "required", "additionalProperties", "minProperties", "maxProperties"},
}

local function is_object(v) return rt.is_dict(v) end

-- Counts (minLength, maxItems...) are integers, and 2.0 is one too.
local function count(v) return math_type(v) == "float" and math.tointeger(v) or v end

-- {====================== references ======================

local function fail(ctx, msg, ...)
  error(format("jsonschema%s: " .. msg, ctx.where and " " .. ctx.where or "", ...), 0)
end

-- Follows a local JSON pointer ("#/$defs/a~1b") from the document root.
local function resolve(ctx, ref)
  if type(ref) ~= "string" or ref:sub(1, 1) ~= "#" then
    fail(ctx, "$ref %s: only references within the document (#...) are supported", tostring(ref))
  end
  local node = ctx.root
  local pointer = gsub(ref:sub(2), "%%(%x%x)", function(h) return string.char(tonumber(h, 16)) end)
  if pointer == "" then return node end
  if pointer:sub(1, 1) ~= "/" then fail(ctx, "$ref %s: anchors are not supported, use a JSON pointer", ref) end
  for token in (pointer:sub(2) .. "/"):gmatch("([^/]*)/") do
    token = gsub(gsub(token, "~1", "/"), "~0", "~")
    if type(node) ~= "table" then fail(ctx, "$ref %s: no such location", ref) end
    local nxt = node[token]
    if nxt == nil and rt.list_len(node) and token:match("^%d+$") then nxt = node[tonumber(token) + 1] end
    if nxt == nil then fail(ctx, "$ref %s: no such location", ref) end
    node = nxt
  end
  return node
end

-- }======================

local to_type   -- forward

-- A model name from a title or a hint: an identifier, unique in this document.
local function model_name(ctx, schema, hint)
  local base = type(schema.title) == "string" and schema.title or hint or "Model"
  base = gsub(gsub(base, "[^%w_]", "_"), "^(%d)", "_%1")
  if base == "" then base = "Model" end
  local name, n = base, 1
  while ctx.names[name] do
    n = n + 1
    name = base .. "_" .. n
  end
  ctx.names[name] = true
  return name
end

-- A property's field options: a missing optional property is left out, or takes the
-- schema's default when that is valid (JSON Schema defaults are annotations; like a
-- pydantic model, lakegate fills a missing property with a valid one).
local function field_options(t, schema, required)
  if required then return end
  if is_object(schema) and schema.default ~= nil then
    local ok, v = pcall(function() return model.adapter(t):validate(schema.default) end)
    if ok and v ~= nil then
      t.default = v
      return
    end
  end
  t.optional = true
end

local function object_branch(ctx, schema, hint)
  local fields, required = {}, {}
  if schema.required ~= nil then
    if not rt.list_len(schema.required) then fail(ctx, "required must be an array") end
    for _, name in ipairs(schema.required) do required[name] = true end
  end
  local props = schema.properties
  local names = {}
  if props ~= nil then
    if not is_object(props) then fail(ctx, "properties must be an object") end
    names = rt.keys(props)
  end
  local declared = {}
  for _, name in ipairs(names) do
    declared[name] = true
    local t = to_type(ctx, props[name], name)
    field_options(t, props[name], required[name])
    fields[#fields + 1] = {name, t}
  end
  for _, name in ipairs(rt.keys(required)) do   -- required but not described: any value
    if not declared[name] then fields[#fields + 1] = {name, model.any{}} end
  end
  local opts = {strict = true, extra = "allow", min_properties = count(schema.minProperties),
                max_properties = count(schema.maxProperties), description = schema.description, title = schema.title}
  local ap = schema.additionalProperties
  if ap == false then
    opts.extra = "forbid"
  elseif ap ~= nil and ap ~= true then
    opts.extra_type = to_type(ctx, ap, nil)
  end
  local m = model.define(model_name(ctx, schema, hint), fields, opts)
  return m{}
end

local function array_branch(ctx, schema)
  local items, prefix = schema.items, schema.prefixItems
  local common = {min_items = count(schema.minItems), max_items = count(schema.maxItems), unique = schema.uniqueItems == true or nil,
                  strict = true}
  if prefix ~= nil then
    if not rt.list_len(prefix) then fail(ctx, "prefixItems must be an array") end
    local spec = {partial = true}
    for k, v in pairs(common) do spec[k] = v end
    for i, s in ipairs(prefix) do spec[i] = to_type(ctx, s) end
    if items == nil or items == true then spec.rest = model.any{}
    elseif items ~= false then spec.rest = to_type(ctx, items) end
    return model.tuple(spec)
  end
  local spec = {items ~= nil and to_type(ctx, items) or model.any{}}
  for k, v in pairs(common) do spec[k] = v end
  return model.array(spec)
end

local function number_spec(schema, integer)
  return {strict = true, integral_floats = integer or nil, as_float = not integer and false or nil,
          ge = schema.minimum, le = schema.maximum, gt = schema.exclusiveMinimum, lt = schema.exclusiveMaximum,
          multiple_of = schema.multipleOf}
end

local BRANCH = {
  null = function() return model.none{} end,
  boolean = function() return model.boolean{strict = true} end,
  string = function(ctx, s)
    return model.string{strict = true, min_length = count(s.minLength), max_length = count(s.maxLength), pattern = s.pattern,
                        format = FORMATS[s.format] and s.format or nil}
  end,
  integer = function(ctx, s) return model.integer(number_spec(s, true)) end,
  number = function(ctx, s) return model.number(number_spec(s, false)) end,
  array = function(ctx, s) return array_branch(ctx, s) end,
  object = function(ctx, s, hint) return object_branch(ctx, s, hint) end,
}

local TYPE_ORDER = {"null", "boolean", "object", "array", "number", "integer", "string"}

-- The part of the schema that depends on the input's JSON type.
local function typed_part(ctx, schema, hint)
  local want
  if schema.type ~= nil then
    local list = type(schema.type) == "string" and {schema.type} or schema.type
    if not rt.list_len(list) then fail(ctx, "type must be a string or an array of strings") end
    want = {}
    for _, t in ipairs(list) do
      if not BRANCH[t] then fail(ctx, "unknown type '%s'", tostring(t)) end
      want[t] = true
    end
    if want.number then want.integer = nil end   -- number already accepts integers
  else
    want = {}
    for jt, keys in pairs(BY_TYPE) do
      for _, k in ipairs(keys) do if schema[k] ~= nil then want[jt] = true end end
    end
    if not next(want) then return nil end
  end
  local branches, count, only = {}, 0, nil
  for _, jt in ipairs(TYPE_ORDER) do
    if want[jt] then
      branches[jt] = BRANCH[jt](ctx, schema, hint)
      count = count + 1
      only = jt
    end
  end
  if schema.type ~= nil then
    if count == 1 then return branches[only] end
    if count == 2 and branches.null then   -- ["string", "null"]: a nullable string
      for jt, b in pairs(branches) do
        if jt ~= "null" then
          b.nullable = true
          return b
        end
      end
    end
    branches.others = "reject"
  end
  return model.json(branches)
end

local function list_of(ctx, schema, key)
  local list = schema[key]
  if not rt.list_len(list) or #list == 0 then fail(ctx, "%s must be a non-empty array", key) end
  local out = {}
  for i, s in ipairs(list) do out[i] = to_type(ctx, s) end
  return out
end

--- The model type of a schema (see the module description). `hint` names a model built
-- for an object; `field` says whether a property is required.
function to_type(ctx, schema, hint)
  local t
  if schema == true then
    t = model.any{}
  elseif schema == false then
    t = model.never{}
  elseif not is_object(schema) then
    fail(ctx, "a schema must be an object or a boolean, got %s", rt.repr(schema))
  else
    for k in pairs(schema) do
      if not HANDLED[k] and not ANNOTATIONS[k] and type(k) == "string" and not k:match("^x%-") then
        fail(ctx, "keyword '%s' is not supported", k)
      end
    end
    local parts = {}
    if schema["$ref"] ~= nil then
      local ref = schema["$ref"]
      local target = resolve(ctx, ref)
      local name = ref:match("([^/]+)$")
      parts[#parts + 1] = model.ref{function()   -- resolved once per document, when first used
        local resolved = ctx.resolved[ref]
        if not resolved then
          resolved = to_type(ctx, target, name)
          ctx.resolved[ref] = resolved
        end
        return resolved
      end, name = name}
    end
    parts[#parts + 1] = typed_part(ctx, schema, hint)
    if schema.enum ~= nil then
      if not rt.list_len(schema.enum) then fail(ctx, "enum must be an array") end
      local values = {}
      for i, v in ipairs(schema.enum) do values[i] = v end
      if #values == 0 then parts[#parts + 1] = model.never{} else parts[#parts + 1] = model.literal(values) end
    end
    if schema.const ~= nil then parts[#parts + 1] = model.literal{schema.const} end
    if schema.allOf ~= nil then
      for _, m in ipairs(list_of(ctx, schema, "allOf")) do parts[#parts + 1] = m end
    end
    if schema.anyOf ~= nil then
      local members = list_of(ctx, schema, "anyOf")
      members.mode = "left_to_right"
      parts[#parts + 1] = model.union(members)
    end
    if schema.oneOf ~= nil then parts[#parts + 1] = model.one_of(list_of(ctx, schema, "oneOf")) end
    if schema["not"] ~= nil then parts[#parts + 1] = model["not"]{to_type(ctx, schema["not"])} end
    if #parts == 0 then
      t = model.any{}
    elseif #parts == 1 then
      t = parts[1]
    else
      t = model.all_of(parts)
    end
    if type(schema.description) == "string" and t.description == nil then t.description = schema.description end
    if type(schema.title) == "string" and t.title == nil and t.kind ~= "model" then t.title = schema.title end
  end
  return t
end

local function new_ctx(root, where)
  return {root = root, resolved = {}, names = {}, where = where}
end

--- The model type of a JSON Schema document (a decoded table; decode with
-- core.json_decode(text, nil, true) to keep the order of properties).
function jsonschema.to_type(schema, opts)
  return to_type(new_ctx(schema, opts and opts.where), schema, opts and opts.name)
end

--- A model from a JSON Schema document describing objects.
-- @tparam table schema the decoded document
-- @tparam[opt] table opts `name` (default: the schema's title, else "Model")
function jsonschema.to_model(schema, opts)
  local ctx = new_ctx(schema, opts and opts.where)
  if not is_object(schema) or (schema.type ~= "object" and schema.properties == nil) then
    fail(ctx, "the document must describe an object (\"type\": \"object\") to be a model")
  end
  for _, k in ipairs({"allOf", "anyOf", "oneOf", "not", "$ref", "enum", "const"}) do
    if schema[k] ~= nil then
      fail(ctx, "the document's root uses '%s': a model's root must be a plain object schema "
                .. "(use jsonschema.to_type with model.adapter for other documents)", k)
    end
  end
  local t = to_type(ctx, schema, opts and opts.name)
  local m = t.model
  m.json_schema_source = schema
  return m
end

--- Loads a JSON Schema file as a model. A relative path is resolved from the directory of
-- the file that calls load (the route file), so `jsonschema.load("schemas/foo.schema.json")`
-- in routes/orders.lua reads routes/schemas/foo.schema.json.
function jsonschema.load(path, opts)
  if type(path) ~= "string" then error("jsonschema.load: the path must be a string", 2) end
  if path:sub(1, 1) ~= "/" then
    local info = debug.getinfo(2, "S")
    local src = info and info.source or ""
    local dir = src:sub(1, 1) == "@" and src:sub(2):match("^(.*)/[^/]*$") or nil
    if dir then path = dir .. "/" .. path end
  end
  local f, err = io.open(path, "rb")
  if not f then error("jsonschema.load: " .. err, 2) end
  local text = f:read("a")
  f:close()
  local schema, msg, offset = core.json_decode(text, nil, true)
  if schema == nil then error(format("jsonschema.load: %s: invalid JSON: %s at byte %d", path, msg, offset), 2) end
  opts = opts or {}
  local name = opts.name or (path:match("([^/]+)%.schema%.json$") or path:match("([^/]+)%.json$") or "Model")
  local ok, m = pcall(jsonschema.to_model, schema, {name = name:gsub("^%l", string.upper), where = path})
  if not ok then error(m, 2) end
  return m
end

return jsonschema
