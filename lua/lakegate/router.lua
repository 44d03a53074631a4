--- Routes: what route scripts call to declare their API, FastAPI-style.
--
--     router.post("/unicorn", {body = Unicorn, status = 201, store = "unicorns"},
--       function(req, body) return body end)
--
-- `opts` keys: `body`, `query`, `path`, `headers`, `response` (models), `status` (default
-- success status), `store` (lake table that receives the validated body), `batch` (the
-- body holds many `body` records: true, or {max_records=, max_bytes=}; see
-- lakegate.batch), `summary`, `description`, `tags`. The handler is `function(req, body)`
-- and returns `body`, `status, body` or `status, body, headers`, or raises
-- `lakegate.http_error(status, detail)`. A batch route's handler gets `(req, records)`,
-- the valid records, before they are stored; the answer lists a result per record.
-- Routes are collected into the app that lakegate is loading (see lakegate.app).
-- @module lakegate.router
local model = require("lakegate.model")

local type, pairs, tostring, error = type, pairs, tostring, error

local router = {}

local loading = nil   -- the app whose route scripts are running, set by lakegate.app

--- (internal) Sets the app that route declarations go to; nil when loading ends.
function router.set_loading_app(app)
  loading = app
end

local OPTS = {
  body = "model", query = "model", path = "model", headers = "model", response = "model",
  status = "number", store = "string", summary = "string", description = "string",
  tags = "table", name = "string", deprecated = "boolean", include_in_schema = "boolean",
  auth = "any", rate_limit = "string", cors = "any", batch = "batch",
}

local function declare(method, path, opts, handler)
  if type(opts) == "function" and handler == nil then opts, handler = {}, opts end
  if type(path) ~= "string" or path:sub(1, 1) ~= "/" then
    error(("router.%s: the path must be a string starting with '/'"):format(method:lower()), 3)
  end
  if type(opts) ~= "table" then
    error(("router.%s %s: options must be a table"):format(method:lower(), path), 3)
  end
  if type(handler) ~= "function" then
    error(("router.%s %s: the handler must be a function"):format(method:lower(), path), 3)
  end
  for k, v in pairs(opts) do
    local want = OPTS[k]
    if want == nil then
      error(("router.%s %s: unknown option '%s'"):format(method:lower(), path, tostring(k)), 3)
    end
    local ok = want == "any" or (want == "model" and model.is_model(v)) or type(v) == want
               or want == "batch" and (v == true or type(v) == "table")
    if not ok then
      error(("router.%s %s: option '%s' must be %s"):format(method:lower(), path, k,
        want == "batch" and "true or a table" or "a " .. want), 3)
    end
  end
  if opts.status and (math.type(opts.status) ~= "integer" or opts.status < 200 or opts.status > 599) then
    error(("router.%s %s: status must be an integer HTTP status"):format(method:lower(), path), 3)
  end
  if opts.store and (not opts.store:match("^[a-z_][a-z0-9_]*$") or #opts.store > 128) then
    error(("router.%s %s: store must be a table name matching [a-z_][a-z0-9_]*"):format(method:lower(), path), 3)
  end
  if loading == nil then
    error("routes can only be declared while lakegate loads the route scripts", 3)
  end
  local info = debug.getinfo(3, "Sl")
  local where = info and (info.short_src .. ":" .. info.currentline) or "?"
  local ok, err = loading:add_route(method, path, opts, handler, where)
  if not ok then error(err, 3) end
end

--- Declares a GET route. @tparam string path e.g. "/unicorns/{id}" @tparam[opt] table opts @tparam function handler
function router.get(path, opts, handler) declare("GET", path, opts, handler) end
--- Declares a POST route.
function router.post(path, opts, handler) declare("POST", path, opts, handler) end
--- Declares a PUT route.
function router.put(path, opts, handler) declare("PUT", path, opts, handler) end
--- Declares a PATCH route.
function router.patch(path, opts, handler) declare("PATCH", path, opts, handler) end
--- Declares a DELETE route.
function router.delete(path, opts, handler) declare("DELETE", path, opts, handler) end

--- Registers a custom error handler for a status code, as FastAPI's exception_handler:
-- `handler(req, err)` gets `err.status`, `err.detail`, `err.headers` and returns
-- `status, body[, headers]`.
-- @usage router.error_handler(404, function(req, err) return 404, {message = "no such page"} end)
function router.error_handler(status, handler)
  if math.type(status) ~= "integer" or status < 400 or status > 599 then
    error("router.error_handler: status must be an integer in 400..599", 2)
  end
  if type(handler) ~= "function" then error("router.error_handler: handler must be a function", 2) end
  if loading == nil then
    error("error handlers can only be declared while lakegate loads the route scripts", 2)
  end
  loading.error_handlers[status] = handler
end

--- Sets what the OpenAPI document and the /docs pages say about the API, as FastAPI's
-- `FastAPI(title=, version=, description=)` does; one call, from any route script.
-- @usage router.info{title = "Unicorn API", version = "1.2.0", description = "Sightings"}
function router.info(fields)
  if type(fields) ~= "table" then error("router.info: expects a table", 2) end
  for k, v in pairs(fields) do
    if k ~= "title" and k ~= "version" and k ~= "description" then
      error(("router.info: unknown field '%s' (title, version, description)"):format(tostring(k)), 2)
    end
    if type(v) ~= "string" then error(("router.info: %s must be a string"):format(k), 2) end
  end
  if loading == nil then error("router.info can only be called while lakegate loads the route scripts", 2) end
  if loading.info_where ~= nil then
    error("router.info: already called at " .. loading.info_where, 2)
  end
  local where = debug.getinfo(2, "Sl")
  loading.info_where = where.short_src .. ":" .. where.currentline
  loading.title = fields.title or loading.title
  loading.version, loading.description = fields.version, fields.description
end

--- Registers a function to run once when a generation of the routes starts (at server
-- start and after each reload), before it serves; an error stops that generation.
function router.on_start(fn)
  if type(fn) ~= "function" then error("router.on_start: expects a function", 2) end
  if loading == nil then error("on_start hooks can only be declared while lakegate loads the route scripts", 2) end
  local info = debug.getinfo(2, "Sl")
  loading.on_start[#loading.on_start + 1] = {fn = fn, where = info.short_src .. ":" .. info.currentline}
end

return router
