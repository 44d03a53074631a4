--- Serialization of validated values (pydantic's model_dump(mode="json")): output keys
-- are serialization aliases unless `by_alias = false`, `exclude_none` drops null fields,
-- `exclude_defaults` drops fields equal to their default, and fields declared with
-- `exclude = true` are left out. Validated values are already JSON-ready (datetimes are
-- canonical text), so this only reshapes objects.
-- @module lakegate.model.serialize
local rt = require("lakegate.model.runtime")

local type, ipairs, setmetatable, getmetatable = type, ipairs, setmetatable, getmetatable
local NULL, ARRAY_MT = rt.NULL, rt.ARRAY_MT

local serialize = {}

local value

--- A validated record of model M as a JSON-ready table.
function serialize.model(M, v, opts)
  if not rt.is_dict(v) then return v end
  local out, order, known = {}, {}, {}
  local by_alias = opts.by_alias ~= false
  for _, f in ipairs(M.fields) do
    known[f.name] = true
    local x = v[f.name]
    local t = f.type
    if x ~= nil and not t.exclude and not (opts.exclude_none and x == NULL)
       and not (opts.exclude_defaults and t.default ~= nil and rt.deep_equal(x, t.default)) then
      local key = by_alias and f.out_key or f.name
      out[key] = value(t, x, opts)
      order[#order + 1] = key
    end
  end
  if M.extra == "allow" then
    for _, k in ipairs(rt.keys(v)) do
      if not known[k] and not (opts.exclude_none and v[k] == NULL) then
        out[k] = M.extra_type and value(M.extra_type, v[k], opts) or v[k]
        order[#order + 1] = k
      end
    end
  end
  return setmetatable(out, {__order = order})
end

local function list(item, v, opts)
  local out = setmetatable({}, ARRAY_MT)
  for i = 1, #v do out[i] = value(item, v[i], opts) end
  return out
end

-- The model a union member's value was validated by (its records carry that model's
-- metatable), or nil.
local function union_member(t, v)
  local mt = getmetatable(v)
  for _, m in ipairs(t.members) do
    if m.kind == "model" and (mt == m.model.out_mt or (t.discriminator and
        v[t.discriminator] ~= nil and rt.deep_equal(v[t.discriminator], m.model:field(t.discriminator).type.values[1]))) then
      return m
    end
  end
  return nil
end

--- A validated value of type t as a JSON-ready value.
function value(t, v, opts)
  if v == nil or v == NULL then return v end
  local k = t.kind
  if k == "model" then return serialize.model(t.model, v, opts) end
  if (k == "array" or k == "set") and type(v) == "table" then return list(t.item, v, opts) end
  if k == "tuple" and type(v) == "table" then
    local out = setmetatable({}, ARRAY_MT)
    for i = 1, #v do
      local it = t.items[i] or t.rest
      out[i] = it and value(it, v[i], opts) or v[i]
    end
    return out
  end
  if k == "map" and type(v) == "table" and t.value then
    local out, order = {}, {}
    for i, key in ipairs(rt.keys(v)) do
      out[key] = value(t.value, v[key], opts)
      order[i] = key
    end
    return setmetatable(out, {__order = order})
  end
  if k == "union" and type(v) == "table" then
    local m = union_member(t, v)
    if m then return value(m, v, opts) end
  end
  if k == "ref" then return value(t.resolve(), v, opts) end
  return v
end
serialize.value = value

return serialize
