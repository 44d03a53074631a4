--- The app: loads route scripts, matches requests to routes, validates parameters and
-- bodies, calls handlers and turns their results (or errors) into responses.
--
-- `app.load(dir)` is what the server and lakegate.testing both use, so a spec runs exactly
-- the code the server runs. `app.handle(req)` returns `status, body_text, headers`.
-- @module lakegate.app
local core = require("lakegate.core")
local lakegate = require("lakegate")
local router = require("lakegate.router")
local context = require("lakegate.context")
local lake = require("lakegate.lake")
local security = require("lakegate.security")
local batch = require("lakegate.batch")
local idempotency = require("lakegate.idempotency")
local gzip = require("lakegate.gzip")

local type, pairs, ipairs, tostring, select, xpcall, load, setmetatable, error =
      type, pairs, ipairs, tostring, select, xpcall, load, setmetatable, error
local json_decode, json_encode, log = core.json_decode, core.json_encode, core.log
local is_http_error = lakegate.is_http_error
local traceback, lower, sub, gsub, concat = debug.traceback, string.lower, string.sub,
      string.gsub, table.concat

local JSON = "application/json"
local BODY_LOC = {"body"}

-- Counts only the server can keep (a no-op under busted, where there is no server).
local has_metrics, metrics = pcall(require, "lakegate.metrics")
if not has_metrics then metrics = {count_validation = function() end} end
local DETAIL_MT = {__order = {"detail"}}

-- A request header quoted in an error message: JSON answers must be UTF-8, and a client
-- may send any bytes, so bytes of a header that is not UTF-8 show as U+FFFD.
local function quoted_header(value)
  if value == nil or core.utf8_len(value) then return value end
  return (gsub(value, "[\128-\255]", "\u{FFFD}"))
end

local App = {}
App.__index = App

local app = {}

-- ===================== route table =====================

local function split_path(path)
  local segs = {}
  for seg in path:gmatch("[^/]+") do segs[#segs + 1] = seg end
  return segs
end

--- (called by lakegate.router) Adds a route; returns true or nil, message.
function App:add_route(method, path, opts, handler, where)
  local segs = split_path(path)
  local params, static = {}, true
  for i, seg in ipairs(segs) do
    local name = seg:match("^{([%a_][%w_]*)}$")
    if name then
      if params[name] then return nil, ("route %s: parameter {%s} appears twice"):format(path, name) end
      params[name] = i
      params[#params + 1] = name
      static = false
    elseif seg:find("[{}]") then
      return nil, ("route %s: a parameter must be a whole segment, like /items/{id}"):format(path)
    end
  end
  local pattern = self.patterns[path]
  if pattern == nil then
    pattern = {path = path, segs = segs, params = params, static = static, methods = {}, allow = nil}
    self.patterns[path] = pattern
    self.pattern_list[#self.pattern_list + 1] = pattern
  end
  if pattern.methods[method] then
    return nil, ("route %s %s is already declared at %s"):format(method, path, pattern.methods[method].where)
  end
  local ok, policy = pcall(security.route, opts, ("route %s %s"):format(method, path))
  if not ok then return nil, policy end
  local route = {
    method = method, path = path, opts = opts, handler = handler, where = where,
    params = params, status = opts.status or 200, security = policy,
  }
  if opts.batch then
    local limits, err = batch.options(opts.batch)
    if not limits then return nil, ("route %s %s: %s"):format(method, path, err) end
    if not opts.body then return nil, ("route %s %s: a batch route needs a body model (one record)"):format(method, path) end
    route.batch = limits
  end
  pattern.methods[method] = route
  self.routes[#self.routes + 1] = route
  return true
end

-- Builds the lookup structures once all scripts ran.
function App:finish()
  self.static, self.dynamic = {}, {}
  -- CORS headers are looked for only when some route may answer them.
  self.cors = self.policy.origins ~= nil
  for _, route in ipairs(self.routes) do
    if route.security.origins then self.cors = true end
  end
  for _, p in ipairs(self.pattern_list) do
    local names = {}
    for m in pairs(p.methods) do names[#names + 1] = m end
    if p.methods.GET then names[#names + 1] = "HEAD" end
    table.sort(names)
    p.allow = concat(names, ", ")
    if p.static then
      self.static[p.path] = p
    else
      local list = self.dynamic[#p.segs] or {}
      list[#list + 1] = p
      self.dynamic[#p.segs] = list
    end
  end
end

-- Returns pattern, captured params (or nil if no route matches the path). The path is
-- already percent-decoded, as Starlette's scope["path"] is.
function App:match(path)
  local p = self.static[path]
  if p then return p, {} end
  local segs = split_path(path)
  local candidates = self.dynamic[#segs]
  if not candidates then return nil end
  for _, cand in ipairs(candidates) do
    local params, ok = {}, true
    for i, seg in ipairs(cand.segs) do
      local s = segs[i]
      if sub(seg, 1, 1) == "{" then
        params[sub(seg, 2, -2)] = s
      elseif seg ~= s then
        ok = false
        break
      end
    end
    if ok then return cand, params end
  end
  return nil
end

-- ===================== responses =====================

local function has_header(headers, name)
  if headers == nil then return false end
  for k in pairs(headers) do
    if lower(k) == name then return true end
  end
  return false
end

-- The headers of most answers, shared instead of built per request: read-only (code that
-- adds headers copies them first, see security.merge).
local JSON_HEADERS = {["Content-Type"] = JSON}
local TEXT_HEADERS = {["Content-Type"] = "text/plain; charset=utf-8"}
local NO_HEADERS = {}

-- Encodes a handler result into status, text, headers.
local function render(status, value, headers)
  if status == 204 or status == 304 then return status, "", headers or NO_HEADERS end
  local text, defaults = value, TEXT_HEADERS
  if type(value) ~= "string" then
    local err
    text, err = json_encode(value)
    if text == nil then error("the response cannot be encoded as JSON: " .. err, 0) end
    defaults = JSON_HEADERS
  end
  if headers == nil then return status, text, defaults end
  if not has_header(headers, "content-type") then headers["Content-Type"] = defaults["Content-Type"] end
  return status, text, headers
end

-- The answer for an error status: a custom error handler's, else {"detail": detail}.
function App:error_response(req, status, detail, headers)
  local custom = self.error_handlers[status]
  if custom then
    local ok, st, body, h = xpcall(custom, traceback, req, {status = status, detail = detail, headers = headers})
    if ok and math.type(st) == "integer" then
      local ok2, s, text, hs = pcall(render, st, body, h)
      if ok2 then return s, text, hs end
      st = text
    end
    log("error", ("request %s: error handler for %d failed: %s"):format(req.id, status, tostring(st)))
    status, detail, headers = 500, "Internal Server Error", nil
  end
  return render(status, setmetatable({detail = detail}, DETAIL_MT), headers)
end

-- ===================== request parts =====================

local function is_json_content_type(ct)
  if ct == nil or ct == "" or ct == JSON then return true end   -- FastAPI treats a missing type as JSON
  local mt = ct:match("^%s*([^;%s]+)")
  if mt == nil then return false end
  mt = lower(mt)
  return mt == JSON or mt:match("^application/[%w%.%-]+%+json$") ~= nil
end

-- Field kinds that take every value of a repeated query parameter (?tag=a&tag=b).
local LIST_KINDS = {array = true, set = true, tuple = true}

-- Query input for a model: the last value of each name, or all values (in order) for
-- list fields, read under the field's input key (its alias, if any).
local function query_input(m, last, all)
  local input = {}
  for k, v in pairs(last) do input[k] = v end
  for _, f in ipairs(m.fields) do
    if LIST_KINDS[f.type.kind] then
      for _, key in ipairs(f.keys) do
        if all[key] then input[key] = core.array(all[key]) end
      end
    end
  end
  return input
end

-- Header input for a model: field foo_bar reads header foo-bar (FastAPI's
-- convert_underscores) unless it has an alias. Returns the input and, per input key, the
-- header name errors report in loc.
local function header_input(m, req)
  local input, names = {}, {}
  for _, f in ipairs(m.fields) do
    local key = f.keys[1]
    local hname = key == f.name and lower((gsub(f.name, "_", "-"))) or lower(key)
    names[f.loc_key] = hname
    input[key] = req:header(hname)
  end
  return input, names
end

local function append_all(dst, src)
  for i = 1, #src do dst[#dst + 1] = src[i] end
end

-- Validates path, query, headers and body as the route declares them. Returns the body
-- value, or nil, status, detail when the request must be refused.
function App:validate_request(route, req, params, skip_body)
  local opts, errors = route.opts, {}
  req.params = params
  if opts.path then
    local v, errs = opts.path:validate(params, {"path"})
    if v then req.params = v else append_all(errors, errs) end
  end
  if opts.query then
    -- req.query and req.query_all are parsed on first use (the server's request object and
    -- lakegate.testing's both do); only routes with a query model need them here.
    local v, errs = opts.query:validate(query_input(opts.query, req.query, req.query_all), {"query"})
    if v then req.query = v else append_all(errors, errs) end
  end
  if opts.headers then
    local input, names = header_input(opts.headers, req)
    local v, errs = opts.headers:validate(input, {"header"})
    if v then
      req.header_values = v
    else
      for _, e in ipairs(errs) do e.loc[2] = names[e.loc[2]] or e.loc[2] end
      append_all(errors, errs)
    end
  end
  local body, input
  if opts.body and not skip_body then
    local ct = req:header("content-type")
    if not is_json_content_type(ct) then
      return nil, 415, ("Unsupported Media Type: expected %s, got %s"):format(JSON, quoted_header(ct))
    end
    local text, status, detail = self:request_body(req, self.max_body_size)
    if text == nil then return nil, status, detail end
    if text == "" then
      errors[#errors + 1] = setmetatable({type = "missing", loc = core.array({"body"}), msg = "Field required",
                                          input = core.null}, {__order = {"type", "loc", "msg", "input"}})
    else
      local v, errs, msg, offset = opts.body:validate_json(text, BODY_LOC, self.json_opts)
      if msg then
        return nil, 400, core.array({setmetatable({
          type = "json_invalid", loc = core.array({"body", offset}), msg = "JSON decode error",
          input = setmetatable({}, {__order = {}}), ctx = {error = msg},
        }, {__order = {"type", "loc", "msg", "input", "ctx"}})}), text
      end
      if v then
        body = v
      else
        append_all(errors, errs)
        -- The rejected record itself, for a table that keeps dead letters (rare: decode again).
        local decl = opts.store and lake.declaration(opts.store)
        if decl and decl.dead_letters then input = json_decode(text, self.max_json_depth) end
      end
    end
  end
  if #errors > 0 then
    for _, e in ipairs(errors) do metrics.count_validation(route.path, e.type) end
    return nil, 422, core.array(errors), input
  end
  return body or false
end

--- The request body, decoded when it arrives with Content-Encoding: gzip, and at most
-- `limit` bytes once decoded. Returns the text, or nil, status, detail.
function App:request_body(req, limit)
  local text = req.body
  local encoding = req:header("content-encoding")
  if encoding == nil or encoding == "" or lower(encoding) == "identity" then
    if #text > limit then return nil, 413, "Request body too large" end
    return text
  end
  encoding = lower(encoding:match("^%s*(.-)%s*$"))
  if encoding ~= "gzip" and encoding ~= "x-gzip" then
    return nil, 415, ("Unsupported Content-Encoding %s (lakegate reads gzip)"):format(quoted_header(encoding))
  end
  local decoded, err, why = gzip.decompress(text, limit)
  if decoded == nil then
    if why == "too_large" then return nil, 413, ("Request body too large once decompressed (over %d bytes)"):format(limit) end
    return nil, 400, "Request body is not valid gzip: " .. err
  end
  return decoded
end

-- ===================== storing =====================

local function handler_error(e)
  if is_http_error(e) then return e end
  -- The frames below the handler are lakegate's own: keep the route author's part.
  return (traceback(tostring(e), 2):gsub("\n%s*%[C%]: in function 'xpcall'.*$", ""))
end

-- The answer for a failed lake write: the spool is full or failed (503), or the record
-- cannot be stored as it is (422: a partition value too long for an object key).
function App:storage_error(req, route, err, code, retry_after)
  if code == "invalid" then
    log("warn", ("request %s: %s %s: %s"):format(req.id, req.method, req.path, err))
    return self:error_response(req, 422, (err:gsub("^lake: ", "")))
  end
  log("error", ("request %s: %s %s: %s"):format(req.id, req.method, req.path, err))
  if code == "full" then
    return self:error_response(req, 503, "The spool is full, retry later",
                               {["Retry-After"] = tostring(retry_after or 1)})
  end
  return self:error_response(req, 503, "Storage unavailable, retry later", {["Retry-After"] = "1"})
end

-- Stores `records` in the route's table together with the rendered answer (and its
-- Idempotency-Key), then returns that answer. `texts` (optional) are the records' JSON
-- when the answer already encoded them.
function App:store(req, route, records, status, text, headers, texts)
  local idem = req.idempotency
  local answer = idem and idempotency.answer(idem.key, req.body, status, text, headers)
  local ok, err, code, retry_after = lake.put_batch(route.opts.store, records, answer, texts)
  if not ok then return self:storage_error(req, route, err, code, retry_after) end
  if idem then idem.committed = true end
  return status, text, headers
end

local DEAD_LETTER_MT = {__order = {"route", "status", "errors", "input", "input_text"}}

-- Keeps a rejected record in the table's dead letters (if it keeps them). `input` is the
-- decoded value, or the raw text when it was not JSON.
function App:dead_letter(req, route, status, detail, input, raw)
  local store = route.opts.store
  if not store or (status ~= 400 and status ~= 422) then return end
  local text
  if raw ~= nil then text = core.utf8_len(raw) and raw or raw:gsub("[\128-\255]", "?") end
  local ok, err = lake.reject(store, setmetatable({
    route = route.method .. " " .. route.path, status = status,
    errors = type(detail) == "table" and detail or core.array({detail}),
    input = raw == nil and input or nil, input_text = text,
  }, DEAD_LETTER_MT))
  if not ok then log("warn", ("request %s: dead letter for %s not kept: %s"):format(req.id, store, err)) end
end

-- ===================== batch routes =====================

function App:call_batch_route(route, req, params)
  local _, status, detail, input = self:validate_request(route, req, params, true)
  if status then return self:error_response(req, status, detail) end
  local format = batch.format(req:header("content-type"))
  if format == nil then
    return self:error_response(req, 415, ("Unsupported Media Type: expected %s or application/x-ndjson, got %s")
      :format(JSON, quoted_header(req:header("content-type"))))
  end
  local text, st, det = self:request_body(req, route.batch.max_bytes)
  if text == nil then return self:error_response(req, st, det) end
  local items, bst, bdetail = batch.parse(text, format, route.batch.max_records, self.max_json_depth)
  if items == nil then
    if bst ~= 413 then self:dead_letter(req, route, bst, bdetail, nil, text) end
    return self:error_response(req, bst, bdetail)
  end
  local records, results = batch.validate(items, route.opts.body)
  for i, item in ipairs(items) do
    if not item.stored then self:dead_letter(req, route, results[i].status, results[i].detail, item.value, item.raw) end
  end
  if #records > 0 then
    local ok, e = xpcall(route.handler, handler_error, req, records)
    if not ok then return self:handler_failed(req, e) end
  end
  local ast, value = batch.answer(route.status, #records, results)
  local rst, rtext, rheaders = render(ast, value)
  if #records == 0 or not route.opts.store then return rst, rtext, rheaders end
  return self:store(req, route, records, rst, rtext, rheaders)
end

-- ===================== dispatch =====================

-- ok, the number of results, and the results: tells `return nil` from `return` without
-- packing them into a table.
local function counted(ok, ...)
  return ok, select("#", ...), ...
end

-- Normalizes `body` | `status, body` | `status, body, headers`.
local function result(route, n, a, b, c)
  if n >= 2 and math.type(a) == "integer" then return a, b, c end
  return route.status, a, nil
end

-- The answer for a handler that raised e.
function App:handler_failed(req, e)
  if is_http_error(e) then return self:error_response(req, e.status, e.detail, e.headers) end
  log("error", ("request %s: %s %s: %s"):format(req.id, req.method, req.path, e))
  return self:error_response(req, 500, "Internal Server Error")
end

function App:call_route(route, req, params)
  local refused, why, refusal_headers = self.policy:check(route, req)
  if refused then return self:error_response(req, refused, why, refusal_headers) end
  if route.batch then return self:call_batch_route(route, req, params) end
  local body, status, detail, input = self:validate_request(route, req, params)
  if body == nil then
    self:dead_letter(req, route, status, detail, input, status == 400 and input or nil)
    return self:error_response(req, status, detail)
  end
  if body == false then body = nil end
  local ok, n, a, b, c = counted(xpcall(route.handler, handler_error, req, body))
  if not ok then return self:handler_failed(req, a) end
  local st, value, headers = result(route, n, a, b, c)
  if math.type(st) ~= "integer" or st < 100 or st > 599 then
    log("error", ("request %s: %s %s: handler returned an invalid status %s (%s)")
      :format(req.id, req.method, req.path, tostring(st), route.where))
    return self:error_response(req, 500, "Internal Server Error")
  end
  if route.opts.response and st < 300 then
    local v, errs = route.opts.response:validate(value, {"response"})
    if v == nil then
      log("error", ("request %s: %s %s: the response does not match model %s: %s")
        :format(req.id, req.method, req.path, route.opts.response.name, json_encode(errs) or "?"))
      return self:error_response(req, 500, "Internal Server Error")
    end
    value = v
  end
  if route.opts.store and st < 300 and body ~= nil then
    local rst, rtext, rheaders = render(st, value, headers)
    -- A handler that answers with the record itself (the usual case): its rendered JSON is
    -- the record's, so it need not be encoded again for the lake.
    local texts = rawequal(value, body) and rtext ~= "" and {rtext} or nil
    return self:store(req, route, {body}, rst, rtext, rheaders, texts)
  end
  return render(st, value, headers)
end

--- Handles one request: returns status, body text, headers table and the route's path
-- template ("" when no route matched), which the host uses in metrics.
function App:dispatch(req)
  local pattern, params = self:match(req.path)
  if pattern == nil then
    local status, text, headers = self:error_response(req, 404, "Not Found")
    return status, text, headers, ""
  end
  local method = req.method
  local route = pattern.methods[method]
  if route == nil and method == "HEAD" then route = pattern.methods.GET end
  if route == nil and method == "OPTIONS" then
    local wanted = req:header("access-control-request-method")
    local target = wanted and (pattern.methods[wanted] or pattern.methods.GET)
    local status, headers = self.policy:preflight(target, req, pattern.allow)
    if status then return status, "", headers, pattern.path end
  end
  if route == nil then
    local status, text, headers = self:error_response(req, 405, "Method Not Allowed", {Allow = pattern.allow})
    return status, text, headers, pattern.path
  end
  if route.opts.store then
    local key = req:header("idempotency-key")
    if key ~= nil then
      local scoped, err = idempotency.scope(req, key)
      if scoped == nil then return self:error_response(req, 400, err) end
      local state, st, text, headers = idempotency.begin(scoped, req.body)
      if state == "replay" then return st, text, headers end
      if state == "busy" then
        return self:error_response(req, 409, "A request with this Idempotency-Key is still being processed")
      end
      if state == "mismatch" then
        return self:error_response(req, 422, "This Idempotency-Key was used with a different request body")
      end
      req.idempotency = {key = scoped, committed = false}
    end
  end
  context.request = req
  local ok, status, text, headers = pcall(self.call_route, self, route, req, params)
  context.request = nil
  local idem = req.idempotency
  if idem and not idem.committed then idempotency.abort(idem.key) end
  if not ok then
    log("error", ("request %s: %s %s: %s"):format(req.id, req.method, req.path, tostring(status)))
    status, text, headers = self:error_response(req, 500, "Internal Server Error")
  end
  if self.cors then
    local origin = req:header("origin")
    if origin then headers = security.merge(headers, self.policy:cors(route, origin)) end
  end
  return status, text, headers, pattern.path
end

-- ===================== loading =====================

--- Creates an empty app.
-- @tparam[opt] table options `max_json_depth`, `max_body_size` (the largest body once
-- decoded, for Content-Encoding: gzip; 1 MiB by default)
function app.new(options)
  options = options or {}
  local a = setmetatable({
    routes = {}, patterns = {}, pattern_list = {}, error_handlers = {}, on_start = {},
    max_json_depth = options.max_json_depth or core.max_json_depth,
    policy = security.new(options), root_path = options.root_path or "",
    title = options.title or "lakegate",
    max_body_size = options.max_body_size or 1024 * 1024,
  }, App)
  a.json_opts = {max_json_depth = a.max_json_depth}
  -- The methods live in the instance too: every request calls several, and a miss that
  -- goes through the metatable costs more than the call.
  for k, v in pairs(App) do
    if type(v) == "function" and k:sub(1, 2) ~= "__" then a[k] = v end
  end
  a.handle = function(req) return a:dispatch(req) end
  return a
end

-- ===================== route files =====================

local function is_route_script(path)
  return path:match("^[^/]+%.lua$") and not path:match("_spec%.lua$")
end

-- Reads every file below dir into {relative path = contents} (what the server's snapshot
-- holds), skipping names that start with a dot.
local function read_tree(dir, rel, files)
  local names, err = core.list_dir(rel == "" and dir or dir .. "/" .. rel)
  if names == nil then return nil, err end
  for _, name in ipairs(names) do
    if name:sub(1, 1) ~= "." then
      local path = rel == "" and name or rel .. "/" .. name
      if core.list_dir(dir .. "/" .. path) then
        local ok, terr = read_tree(dir, path, files)
        if not ok then return nil, terr end
      else
        local f = io.open(dir .. "/" .. path, "rb")
        if f then
          files[path] = f:read("a")
          f:close()
        end
      end
    end
  end
  return files
end

-- The files `require` finds route modules in: those of the app being loaded.
local route_files, route_dir = {}, "routes"

local function search_routes(name)
  local base = name:gsub("%.", "/")
  for _, path in ipairs({base .. ".lua", base .. "/init.lua"}) do
    local src = route_files[path]
    if src then
      local chunk, err = load(src, "@" .. route_dir .. "/" .. path, "t")
      if chunk == nil then error(err, 0) end
      return chunk, path
    end
  end
  return "\n\tno file '" .. base .. ".lua' in the routes folder"
end

local function install_searcher()
  for _, s in ipairs(package.searchers) do
    if s == search_routes then return end
  end
  table.insert(package.searchers, 2, search_routes)
end

--- Reads a file of the routes folder from the generation being loaded (e.g. a JSON Schema).
-- @return the contents, or nil
function app.route_file(path)
  return route_files[path]
end

--- Loads the route scripts (`*.lua` at the top of the folder, not `*_spec.lua`), in name
-- order. `options.files` is the folder's contents ({path = text}); without it the folder
-- `dir` is read from disk. `dir` also names the files in error messages.
-- @return the app, or nil and a message that starts with file:line
function app.load(dir, options)
  options = options or {}
  local files = options.files
  if files == nil then
    local err
    files, err = read_tree(dir, "", {})
    if files == nil then return nil, "cannot read the routes directory " .. err end
  end
  local scripts = {}
  for path in pairs(files) do
    if is_route_script(path) then scripts[#scripts + 1] = path end
  end
  table.sort(scripts)
  route_files, route_dir = files, dir
  install_searcher()
  local a = app.new(options)
  router.set_loading_app(a)
  for _, path in ipairs(scripts) do
    local chunk, lerr = load(files[path], "@" .. dir .. "/" .. path, "t")
    if chunk == nil then
      router.set_loading_app(nil)
      return nil, lerr
    end
    local ok, rerr = xpcall(chunk, traceback)
    if not ok then
      router.set_loading_app(nil)
      return nil, rerr
    end
  end
  router.set_loading_app(nil)
  if options.docs ~= false then a:add_docs_routes() end
  a:finish()
  return a
end

-- ===================== documentation =====================

local DOCS_HTML = [[<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>%s - Swagger UI</title>
<link rel="stylesheet" href="%s/docs/assets/swagger-ui.css">
<link rel="icon" type="image/png" href="%s/docs/assets/favicon-32x32.png"></head>
<body><div id="swagger-ui"></div>
<script src="%s/docs/assets/swagger-ui-bundle.js"></script>
<script>
window.ui = SwaggerUIBundle({url: "%s/openapi.json", dom_id: "#swagger-ui", deepLinking: true,
  presets: [SwaggerUIBundle.presets.apis], layout: "BaseLayout"});
</script></body></html>
]]

local REDOC_HTML = [[<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>%s - ReDoc</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body><redoc spec-url="%s/openapi.json"></redoc>
<script src="%s/docs/assets/redoc.standalone.js"></script></body></html>
]]

--- The OpenAPI document as JSON text (built once per app).
function App:openapi_json()
  if self.openapi_text == nil then
    local doc = require("lakegate.openapi").document(self, {
      title = self.title, version = self.version, description = self.description,
      root_path = self.root_path,
    })
    self.openapi_text = assert(json_encode(doc))
  end
  return self.openapi_text
end

local HTML_ESCAPES = {["&"] = "&amp;", ["<"] = "&lt;", [">"] = "&gt;", ['"'] = "&quot;", ["'"] = "&#39;"}

-- /openapi.json, /docs and /redoc, unless the routes declare those paths themselves.
function App:add_docs_routes()
  local html = {["Content-Type"] = "text/html; charset=utf-8"}
  local root, title = self.root_path, (self.title:gsub("[&<>\"']", HTML_ESCAPES))
  local builtin = {
    ["/openapi.json"] = function() return 200, self:openapi_json(), {["Content-Type"] = JSON} end,
    ["/docs"] = function() return 200, DOCS_HTML:format(title, root, root, root, root), html end,
    ["/redoc"] = function() return 200, REDOC_HTML:format(title, root, root), html end,
  }
  for _, path in ipairs({"/openapi.json", "/docs", "/redoc"}) do
    if not (self.patterns[path] and self.patterns[path].methods.GET) then
      self:add_route("GET", path, {include_in_schema = false, auth = false}, builtin[path], "lakegate")
    end
  end
end

--- Runs the on_start hooks (once per generation, by the host).
-- @return true, or nil and the first error (with file:line)
function App:run_on_start()
  for _, hook in ipairs(self.on_start) do
    local ok, err = xpcall(hook.fn, traceback)
    if not ok then return nil, ("on_start hook declared at %s failed: %s"):format(hook.where, err) end
  end
  return true
end

return app
