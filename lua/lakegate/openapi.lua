--- The OpenAPI 3.1 document of an app, shaped as FastAPI publishes it: paths with their
-- path/query/header parameters, JSON request bodies and responses referring to the models'
-- JSON Schemas in components/schemas, the 422 HTTPValidationError schema, the routes'
-- summaries, descriptions, tags and examples, and the API-key security schemes when routes
-- require a key.
-- @module lakegate.openapi
local core = require("lakegate.core")

local pairs, ipairs, type, setmetatable, tostring = pairs, ipairs, type, setmetatable, tostring
local lower, gsub, sort = string.lower, string.gsub, table.sort

local openapi = {}

local REF = "#/components/schemas/{model}"
local JSON = "application/json"

-- An object whose keys encode in the given order (others follow, unordered).
local function ordered(t, order)
  return setmetatable(t, {__order = order})
end

local function array(t) return setmetatable(t, core.array_mt) end

local function ref(name) return {["$ref"] = (gsub(REF, "{model}", name))} end

-- FastAPI's published error schemas.
local function error_schemas(schemas)
  schemas.ValidationError = ordered({
    properties = ordered({
      loc = {items = {anyOf = array({{type = "string"}, {type = "integer"}})}, type = "array", title = "Location"},
      msg = {type = "string", title = "Message"},
      type = {type = "string", title = "Error Type"},
    }, {"loc", "msg", "type"}),
    type = "object", required = array({"loc", "msg", "type"}), title = "ValidationError",
  }, {"properties", "type", "required", "title"})
  schemas.HTTPValidationError = ordered({
    properties = {detail = {items = ref("ValidationError"), type = "array", title = "Detail"}},
    type = "object", title = "HTTPValidationError",
  }, {"properties", "type", "title"})
end

-- The schema of a route's model, its nested models collected in schemas.
local function model_schema(M, schemas, mode)
  local s = M:json_schema{ref_template = REF, defs = schemas, mode = mode}
  if schemas[M.name] == nil then schemas[M.name] = s end
  return ref(M.name)
end

local function parameters(route, schemas)
  local list = {}
  for _, part in ipairs({{"path", "path"}, {"query", "query"}, {"headers", "header"}}) do
    local M, where = route.opts[part[1]], part[2]
    if M then
      local s = M:json_schema{ref_template = REF, defs = schemas}
      local required = {}
      for _, name in ipairs(s.required or {}) do required[name] = true end
      for _, f in ipairs(M.fields) do
        local name = f.loc_key
        if where == "header" then
          local key = f.keys[1]
          name = key == f.name and lower((gsub(f.name, "_", "-"))) or lower(key)
        end
        local schema = s.properties[f.loc_key]
        list[#list + 1] = ordered({
          name = name, ["in"] = where, required = where == "path" or required[f.loc_key] == true,
          schema = schema, description = f.type.description, deprecated = f.type.deprecated,
        }, {"name", "in", "required", "deprecated", "schema", "description"})
      end
    end
  end
  return #list > 0 and array(list) or nil
end

local function operation_id(route)
  if route.opts.name then return route.opts.name end
  local path = gsub(gsub(route.path, "[{}]", ""), "[^%w]+", "_")
  return lower(route.method) .. (path == "_" and "_root" or path)
end

local function needs_key(route, app)
  local mode = route.security.auth
  if mode == nil then mode = app.policy.auth end
  return mode == true or mode == "api_key"
end

local function operation(route, app, schemas)
  local opts = route.opts
  local status = tostring(route.status)
  local success = {description = opts.response_description or "Successful Response"}
  if status ~= "204" then
    local schema = opts.response and model_schema(opts.response, schemas, "serialization") or {}
    success.content = {[JSON] = {schema = schema}}
  end
  local responses = {[status] = success}
  local params = parameters(route, schemas)
  local body
  if opts.body then
    local media = {schema = model_schema(opts.body, schemas, "validation")}
    if opts.examples then media.examples = opts.examples end
    body = ordered({content = {[JSON] = media}, required = true}, {"content", "required"})
    responses["400"] = {description = "Malformed JSON (type json_invalid, loc [\"body\", offset])",
                        content = {[JSON] = {schema = ref("HTTPValidationError")}}}
  end
  if body or params then
    responses["422"] = {description = "Validation Error", content = {[JSON] = {schema = ref("HTTPValidationError")}}}
  end
  local op = {
    tags = opts.tags and array(opts.tags) or nil, summary = opts.summary, description = opts.description,
    operationId = operation_id(route), parameters = params, requestBody = body, responses = responses,
    deprecated = opts.deprecated,
  }
  if needs_key(route, app) then
    op.security = array({{APIKeyHeader = array({})}, {HTTPBearer = array({})}})
    responses["401"] = {description = "Missing or invalid API key"}
  end
  local codes = {}
  for code in pairs(responses) do codes[#codes + 1] = code end
  sort(codes)
  setmetatable(responses, {__order = codes})
  return ordered(op, {"tags", "summary", "description", "operationId", "deprecated", "security",
                      "parameters", "requestBody", "responses"})
end

--- The OpenAPI document of `app`.
-- @tparam table app a loaded app (lakegate.app)
-- @tparam[opt] table info `title`, `version`, `description`, `root_path`
-- @return the document as a table (encode it with lakegate.json.encode)
function openapi.document(app, info)
  info = info or {}
  local schemas, paths, path_order, uses_keys = {}, {}, {}, false
  for _, route in ipairs(app.routes) do
    if route.opts.include_in_schema ~= false then
      local item = paths[route.path]
      if item == nil then
        item = {}
        paths[route.path] = item
        path_order[#path_order + 1] = route.path
      end
      item[lower(route.method)] = operation(route, app, schemas)
      uses_keys = uses_keys or needs_key(route, app)
    end
  end
  for _, item in pairs(paths) do
    setmetatable(item, {__order = {"get", "put", "post", "delete", "options", "head", "patch"}})
  end
  error_schemas(schemas)
  local names = {}
  for name in pairs(schemas) do names[#names + 1] = name end
  sort(names)
  local components = {schemas = ordered(schemas, names)}
  if uses_keys then
    components.securitySchemes = ordered({
      APIKeyHeader = {type = "apiKey", ["in"] = "header", name = "X-API-Key"},
      HTTPBearer = {type = "http", scheme = "bearer"},
    }, {"APIKeyHeader", "HTTPBearer"})
  end
  local root = info.root_path or app.root_path
  return ordered({
    openapi = "3.1.0",
    info = ordered({title = info.title or "lakegate", description = info.description,
                    version = info.version or core.version}, {"title", "description", "version"}),
    servers = root and root ~= "" and array({{url = root}}) or nil,
    paths = ordered(paths, path_order),
    components = ordered(components, {"schemas", "securitySchemes"}),
  }, {"openapi", "info", "servers", "paths", "components"})
end

return openapi
