-- The Unicorn API written by hand for the civetweb + Lua peer of bench/http: lua-cjson
-- decodes, plain Lua validates the same model as routes/unicorn.lua (pydantic-style
-- errors), cjson encodes. Nothing is stored. Returns handle(method, path, body).
local cjson = require("cjson.safe")

local type, pairs, ipairs, next = type, pairs, ipairs, next
local utf8_len, math_type = utf8.len, math.type
local decode, encode, null = cjson.decode, cjson.encode, cjson.null

local FIELDS = {name = true, rainbow = true, horn_length_cm = true, color = true, tags = true}
local COLORS = {white = true, pink = true, gold = true}
local MAX_TAGS = 10

local function fail(errors, type_, field, msg, input)
  errors[#errors + 1] = {type = type_, loc = {"body", field}, msg = msg, input = input}
end

local function is_array(t)
  local n = #t
  for k in pairs(t) do
    if math_type(k) ~= "integer" or k < 1 or k > n then return false end
  end
  return true
end

local function check_name(v, errors)
  if v == nil then return fail(errors, "missing", "name", "Field required") end
  if type(v) ~= "string" then
    return fail(errors, "string_type", "name", "Input should be a valid string", v)
  end
  local n = utf8_len(v)
  if n == nil then return fail(errors, "string_unicode", "name", "Input should be a valid string", v) end
  if n < 1 then return fail(errors, "string_too_short", "name", "String should have at least 1 character", v) end
  if n > 64 then return fail(errors, "string_too_long", "name", "String should have at most 64 characters", v) end
  return v
end

local function check_rainbow(v, errors)
  if v == nil then return fail(errors, "missing", "rainbow", "Field required") end
  if type(v) ~= "boolean" then
    return fail(errors, "bool_parsing", "rainbow",
                "Input should be a valid boolean, unable to interpret input", v)
  end
  return v
end

local function check_horn(v, errors)
  if v == nil or v == null then return null end
  if type(v) ~= "number" then
    return fail(errors, "float_type", "horn_length_cm", "Input should be a valid number", v)
  end
  if not (v > 0) then return fail(errors, "greater_than", "horn_length_cm", "Input should be greater than 0", v) end
  if not (v <= 120) then
    return fail(errors, "less_than_equal", "horn_length_cm", "Input should be less than or equal to 120", v)
  end
  return v
end

local function check_color(v, errors)
  if v == nil then return "white" end
  if not COLORS[v] then
    return fail(errors, "enum", "color", "Input should be 'white', 'pink' or 'gold'", v)
  end
  return v
end

local function check_tags(v, errors)
  if v == nil then return {} end
  if type(v) ~= "table" or not is_array(v) then
    return fail(errors, "list_type", "tags", "Input should be a valid list", v)
  end
  if #v > MAX_TAGS then
    return fail(errors, "too_long", "tags", "List should have at most 10 items after validation", v)
  end
  for _, tag in ipairs(v) do
    if type(tag) ~= "string" then
      return fail(errors, "string_type", "tags", "Input should be a valid string", tag)
    end
  end
  return v
end

-- The validated unicorn, or nil and the error list.
local function validate(doc)
  local errors = {}
  for key in pairs(doc) do
    if not FIELDS[key] then fail(errors, "extra_forbidden", key, "Extra inputs are not permitted", doc[key]) end
  end
  local unicorn = {
    name = check_name(doc.name, errors),
    rainbow = check_rainbow(doc.rainbow, errors),
    horn_length_cm = check_horn(doc.horn_length_cm, errors),
    color = check_color(doc.color, errors),
    tags = check_tags(doc.tags, errors),
  }
  if next(errors) then return nil, errors end
  return unicorn
end

local function post_unicorn(body)
  local doc = decode(body)
  if type(doc) ~= "table" or (next(doc) ~= nil and is_array(doc)) then
    return 422, encode({detail = {{type = "model_attributes_type", loc = {"body"},
                                   msg = "Input should be a valid dictionary", input = body}}})
  end
  local unicorn, errors = validate(doc)
  if not unicorn then return 422, encode({detail = errors}) end
  local out = encode(unicorn)
  if #unicorn.tags == 0 then out = out:gsub('"tags":{}', '"tags":[]') end   -- cjson has no empty-array marker
  return 201, out
end

return function(method, path, body)
  if path == "/unicorn" then
    if method == "POST" then return post_unicorn(body) end
    return 405, '{"detail":"Method Not Allowed"}'
  end
  if path == "/" and method == "GET" then return 200, '{"Hello":"World"}' end
  return 404, '{"detail":"Not Found"}'
end
