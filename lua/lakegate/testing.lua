--- An in-process test client for route specs, as FastAPI's TestClient: it loads the
-- routes with the same loader the server uses and calls them without a socket. The lake
-- and its spool go to fresh temporary directories; `client:lake_records(table)` flushes
-- the spool and reads the table's gzip NDJSON objects back.
-- @module lakegate.testing
-- @usage
-- local client = require("lakegate.testing").client("routes")
-- local status, body, headers = client:post("/unicorn", {name = "honey", rainbow = true})
-- assert.equal(201, status)
-- local records = client:lake_records("unicorns")
local core = require("lakegate.core")
local app = require("lakegate.app")
local lake = require("lakegate.lake")
local gzip = require("lakegate.gzip")

local type, pairs, ipairs, setmetatable, error, tostring = type, pairs, ipairs, setmetatable, error, tostring
local lower = string.lower

local testing = {}

local Client = {}
Client.__index = Client

-- Requests made by the client look like the server's request objects: the query is parsed
-- on first use.
local Request = {}
function Request:header(name)
  return self.headers[lower(name)]
end
Request.__index = function(req, key)
  if key == "query" or key == "query_all" then
    req.query, req.query_all = core.parse_query(req.query_string)
    return rawget(req, key)
  end
  return Request[key]
end

local function temp_dir(suffix)
  local path = os.tmpname()   -- creates an empty file: take its unique name for a directory
  os.remove(path)
  return path .. suffix
end

--- Loads the routes of `dir` and returns a client.
-- @tparam string dir the routes directory
-- @tparam[opt] table opts `lake_dir`, `spool_dir` (default: new temporary directories),
-- `lake` (more lake.open options, e.g. `spool_max_bytes`), `api_keys` ({name = secret}), and
-- the app settings the server would pass: `auth`, `rate_limit`, `rate_limit_burst`,
-- `cors_origins`, `root_path`, `max_json_depth`, `max_body_size`
function testing.client(dir, opts)
  opts = opts or {}
  if opts.api_keys then require("lakegate.auth").add_keys(opts.api_keys) end
  local lake_dir = opts.lake_dir or temp_dir(".lake")
  local spool_dir = opts.spool_dir or temp_dir(".spool")
  local lake_opts = {root = lake_dir, spool = spool_dir}
  for k, v in pairs(opts.lake or {}) do lake_opts[k] = v end
  local w, err = lake.open(lake_opts)
  if not w then error(err, 2) end
  lake.use(w)
  local a, lerr = app.load(dir, opts)
  if not a then error(lerr, 2) end
  return setmetatable({app = a, lake_dir = lake_dir, spool_dir = spool_dir, writer = w,
                       owns_dirs = opts.lake_dir == nil and opts.spool_dir == nil}, Client)
end

local function encode_query(query)
  if type(query) == "string" then return query end
  local parts = {}
  for k, v in pairs(query) do
    local function esc(s) return (tostring(s):gsub("[^%w%-%._~]", function(c) return ("%%%02X"):format(c:byte()) end)) end
    if type(v) == "table" then
      for _, x in ipairs(v) do parts[#parts + 1] = esc(k) .. "=" .. esc(x) end
    else
      parts[#parts + 1] = esc(k) .. "=" .. esc(v)
    end
  end
  table.sort(parts)
  return table.concat(parts, "&")
end

--- Sends a request.
-- @tparam string method
-- @tparam string path may include "?query"
-- @tparam[opt] table opts `json` (a value sent as JSON), `body` (raw text), `headers`, `query`,
-- `client` (the client address the app sees; default "testclient")
-- @return status, body (decoded JSON when the answer is JSON, else text), headers (lowercase names)
function Client:request(method, path, opts)
  opts = opts or {}
  local headers = {}
  for k, v in pairs(opts.headers or {}) do headers[lower(k)] = v end
  local body = opts.body or ""
  if opts.json ~= nil then
    local text, err = core.json_encode(opts.json)
    if text == nil then error("request body cannot be encoded: " .. err, 2) end
    body = text
    headers["content-type"] = headers["content-type"] or "application/json"
  end
  local p, qs = path:match("^([^?]*)%??(.*)$")
  p = core.url_decode(p) or p   -- the server sees the decoded path too
  if opts.query then qs = encode_query(opts.query) end
  local req = setmetatable({
    method = method, path = p, query_string = qs, headers = headers, body = body,
    id = headers["x-request-id"] or core.random_id(), client = opts.client or "testclient",
    scheme = "http",
  }, Request)
  local status, text, rheaders = self.app.handle(req)
  local out = {}
  for k, v in pairs(rheaders or {}) do out[lower(k)] = v end
  local value = text
  if (out["content-type"] or ""):match("^application/[%w%.%-+]*json") and text ~= "" then
    value = core.json_decode(text)
  end
  return status, value, out
end

--- GET path. @return status, body, headers
function Client:get(path, opts) return self:request("GET", path, opts) end
--- DELETE path.
function Client:delete(path, opts) return self:request("DELETE", path, opts) end

local function with_body(self, method, path, body, opts)
  opts = opts or {}
  if type(body) == "string" then opts.body = body elseif body ~= nil then opts.json = body end
  return self:request(method, path, opts)
end

--- POST `body` (a table is sent as JSON, a string as is). @return status, body, headers
function Client:post(path, body, opts) return with_body(self, "POST", path, body, opts) end
--- PUT `body`.
function Client:put(path, body, opts) return with_body(self, "PUT", path, body, opts) end
--- PATCH `body`.
function Client:patch(path, body, opts) return with_body(self, "PATCH", path, body, opts) end

local function walk(dir, files)
  local names = core.list_dir(dir)
  if names == nil then
    files[#files + 1] = dir
    return files
  end
  for _, name in ipairs(names) do walk(dir .. "/" .. name, files) end
  return files
end

--- Seals and uploads everything stored so far, so the lake directory shows it.
function Client:flush()
  local ok, err = self.writer:flush(30000)
  if not ok then error(err, 2) end
end

--- Every object of a lake table (after a flush), as paths relative to the lake root,
-- sorted. `table_name` may be "_rejected/<table>" for dead letters.
function Client:lake_files(table_name)
  self:flush()
  local root = self.lake_dir .. "/" .. table_name
  if core.list_dir(root) == nil then return {} end
  local files = {}
  for _, f in ipairs(walk(root, {})) do
    if f:match("%.json%.gz$") then files[#files + 1] = f:sub(#self.lake_dir + 2) end
  end
  table.sort(files)
  return files
end

--- Every record stored in a lake table (after a flush), decoded, in object order.
function Client:lake_records(table_name)
  local records = {}
  for _, rel in ipairs(self:lake_files(table_name)) do
    local f = assert(io.open(self.lake_dir .. "/" .. rel, "rb"))
    local text = assert(gzip.decompress(f:read("a")))
    f:close()
    for line in text:gmatch("[^\n]+") do records[#records + 1] = assert(core.json_decode(line)) end
  end
  return records
end

-- Removes dir and everything under it.
local function remove_tree(dir)
  local names = core.list_dir(dir)
  if names == nil then
    os.remove(dir)
    return
  end
  for _, name in ipairs(names) do remove_tree(dir .. "/" .. name) end
  os.remove(dir)
end

--- Closes the client's lake writer (sealing what is spooled) and removes the temporary
-- directories the client made.
function Client:close()
  self.writer:close()
  if self.owns_dirs then
    remove_tree(self.lake_dir)
    remove_tree(self.spool_dir)
  end
end

return testing
