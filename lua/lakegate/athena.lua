--- Athena from routes: parameterized queries whose rows come back typed.
--
--     local athena = require("lakegate.athena")
--     local rows, info = athena.assert(athena.query(
--       "SELECT name, horn_length_cm FROM unicorns WHERE color = ?", {"pink"}))
--
-- `athena.query` blocks the worker thread until the query ends (at most `timeout`
-- seconds, then the query is stopped). At most `athena_max_queries` blocking queries run
-- at once in the whole server (default: a quarter of the worker threads); beyond that
-- `query` fails at once with kind "busy", so slow queries cannot take every thread from
-- ingest. `start`/`status`/`results`/`stop` use Athena without blocking on the query.
--
-- Failures return `nil, message, kind`; kind is one of "not_configured", "busy",
-- "failed", "cancelled", "timeout", "throttled", "invalid", "unavailable", "error".
-- `athena.assert` turns them into HTTP errors (503, 504, 502). Wrong arguments raise.
-- @module lakegate.athena
local native = require("lakegate.athenaclient")
local core = require("lakegate.core")
local lakegate = require("lakegate")

local type, tostring, tonumber, pcall, error, ipairs, setmetatable =
      type, tostring, tonumber, pcall, error, ipairs, setmetatable
local math_type, tointeger, huge = math.type, math.tointeger, math.huge
local null, json_encode, log = core.null, core.json_encode, core.log

local athena = {}

-- ===================== the backend =====================

-- What the module talks to: lakegate.athenaclient, or a stand-in set with athena.use.
local backend = {
  settings = native.settings, enter = native.enter, leave = native.leave, client = native.client,
}
local cached_client = nil   -- this state's client, made on first use

--- (tests) Replaces the backend: a table with `settings()`, `enter()`, `leave()` and
-- `client()` (returning an object with start/status/wait/results/stop/table methods).
-- Fields left out keep lakegate.athenaclient's. `athena.use()` restores it.
function athena.use(b)
  b = b or {}
  backend = {
    settings = b.settings or native.settings, enter = b.enter or native.enter,
    leave = b.leave or native.leave, client = b.client or native.client,
  }
  cached_client = nil
end

--- The server's Athena settings: `database`, `workgroup`, `output`, `timeout_ms`,
-- `max_queries` (flags/environment/lakegate.lua `athena_*`).
function athena.settings()
  return backend.settings()
end

--- True when this server can run queries: an output location or a workgroup is set
-- (a workgroup may carry its own output location). Else false and the reason.
function athena.configured()
  local s = backend.settings()
  if (s.output or "") == "" and (s.workgroup or "") == "" then
    return false, "Athena is not configured: set athena_output (LAKEGATE_ATHENA_OUTPUT) or "
                  .. "athena_workgroup (LAKEGATE_ATHENA_WORKGROUP)"
  end
  return true
end

--- This state's client (made once from the environment), or nil, message, "not_configured".
function athena.client()
  local ok, why = athena.configured()
  if not ok then return nil, why, "not_configured" end
  if cached_client == nil then
    local c, err = backend.client()
    if not c then return nil, err, "not_configured" end
    cached_client = c
  end
  return cached_client
end

-- ===================== parameters =====================

--- The SQL literal for a Lua value, as ExecutionParameters take them: strings quoted with
-- `'` doubled, integers as they are, floats as DOUBLE literals (`1.5E0`), booleans as
-- TRUE/FALSE, lakegate.null as NULL. Raises for other values (and NaN or infinities).
function athena.literal(v)
  local t = type(v)
  if t == "string" then return "'" .. v:gsub("'", "''") .. "'" end
  if math_type(v) == "integer" then return tostring(v) end
  if t == "number" then
    if v ~= v or v == huge or v == -huge then error("NaN and infinities have no SQL literal", 2) end
    local text = json_encode(v)
    return text:find("[eE]") and text or text .. "E0"
  end
  if t == "boolean" then return v and "TRUE" or "FALSE" end
  if v == null then return "NULL" end
  error(("a %s has no SQL literal"):format(t), 2)
end

-- The literals of params (an array; params.n counts trailing nils as errors too).
local function literals(params)
  if params == nil then return {} end
  if type(params) ~= "table" then error("athena: params must be an array", 3) end
  local out = {}
  for i = 1, params.n or #params do
    local v = params[i]
    if v == nil then error(("athena: parameter %d is nil (use lakegate.null for NULL)"):format(i), 3) end
    local ok, lit = pcall(athena.literal, v)
    if not ok then error(("athena: parameter %d: %s"):format(i, lit), 3) end
    out[i] = lit
  end
  return out
end

-- ===================== typed rows =====================

local INTEGER = {tinyint = true, smallint = true, integer = true, int = true, bigint = true}
local FLOAT = {double = true, float = true, real = true}
local SPECIAL_FLOAT = {NaN = 0 / 0, Infinity = huge, ["-Infinity"] = -huge}

-- "2026-11-27 02:19:44.932" -> "2026-11-27T02:19:44.932"; with time zone, " UTC" -> "Z"
local function iso_timestamp(s, with_zone)
  s = s:gsub(" ", "T", 1)
  if with_zone then s = s:gsub(" UTC$", "Z") end
  return s
end

-- The converter for a column of Athena type `t`.
local function converter(t)
  t = (t or ""):lower()
  if t == "boolean" then return function(s) return s == "true" end end
  if INTEGER[t] then return function(s) return tointeger(tonumber(s)) or s end end
  if FLOAT[t] then return function(s) return SPECIAL_FLOAT[s] or tonumber(s) or s end end
  if t == "timestamp" then return iso_timestamp end
  if t == "timestamp with time zone" then return function(s) return iso_timestamp(s, true) end end
  return nil   -- varchar, decimal (exact text), date, time, json, array, map, row...: as sent
end

--- Typing of a page from lakegate.athenaclient: `columns` and raw `rows` -> rows keyed
-- by column name (in column order when encoded to JSON), NULL as `null_value` (nil).
-- @local
function athena.typed_rows(page, null_value, out)
  out = out or {}
  local cols, names, conv = page.columns, {}, {}
  for i, c in ipairs(cols) do
    names[i] = c.name
    conv[i] = converter(c.type)
  end
  local mt = {__order = names}
  for _, raw in ipairs(page.rows) do
    local row = setmetatable({}, mt)
    for i = 1, #cols do
      local v = raw[i]
      if v == null then v = null_value
      elseif conv[i] then v = conv[i](v) end
      row[names[i]] = v
    end
    out[#out + 1] = row
  end
  return out
end

-- ===================== failures =====================

local THROTTLED = {
  TooManyRequestsException = true, ThrottlingException = true, Throttling = true,
  RequestLimitExceeded = true,
}

-- The kind of a failure from lakegate.athenaclient (code, HTTP status).
local function kind_of(code, status)
  if code == "FAILED" then return "failed" end
  if code == "CANCELLED" then return "cancelled" end
  if code == "TIMEOUT" then return "timeout" end
  if THROTTLED[code] then return "throttled" end
  if code == "InvalidRequestException" then return "invalid" end
  if (status or 0) == 0 or status >= 500 then return "unavailable" end
  return "error"
end

local function failed(msg, code, status)
  return nil, msg, kind_of(code, status)
end

-- ===================== queries =====================

local function check_sql(sql)
  if type(sql) ~= "string" or sql == "" then error("athena: sql must be a non-empty string", 3) end
end

local function check_opts(opts)
  if opts ~= nil and type(opts) ~= "table" then error("athena: opts must be a table", 3) end
  return opts or {}
end

local function start_options(opts, s)
  return {
    database = opts.database or (s.database ~= "" and s.database or nil),
    workgroup = opts.workgroup or (s.workgroup ~= "" and s.workgroup or nil),
    output = opts.output or (s.output ~= "" and s.output or nil),
    catalog = opts.catalog, token = opts.token,
  }
end

-- Calls a method of this state's client: its value, or nil, message, kind, code.
local function call(method, ...)
  local c, err, kind = athena.client()
  if not c then return nil, err, kind end
  local value, msg, code, status = c[method](c, ...)
  if value == nil then return nil, msg, kind_of(code, status), code end
  return value
end

local function check_id(what, id)
  if type(id) ~= "string" then error(("athena.%s: id must be a string"):format(what), 3) end
end

--- Starts a query and returns its id at once (see athena.query for the arguments).
-- @return query id, or nil, message, kind
function athena.start(sql, params, opts)
  check_sql(sql)
  local lits = literals(params)
  opts = check_opts(opts)
  local id, msg, kind = call("start", sql, lits, start_options(opts, backend.settings()))
  return id, msg, kind
end

--- What Athena says about a query: `{state=, reason=, statement_type=,
-- data_scanned_bytes=, engine_time_ms=, total_time_ms=, ...}`; state is QUEUED,
-- RUNNING, SUCCEEDED, FAILED or CANCELLED.
-- @return status, or nil, message, kind
function athena.status(id)
  check_id("status", id)
  local st, msg, kind = call("status", id)
  return st, msg, kind
end

--- One page of a SUCCEEDED query's rows.
-- @tparam string id
-- @tparam[opt] string next_token from the previous page's info
-- @tparam[opt] table opts `max_results` (1..1000), `null` (the value of NULL cells)
-- @return rows, info (`columns`, `next_token`), or nil, message, kind
function athena.results(id, next_token, opts)
  check_id("results", id)
  opts = check_opts(opts)
  local page, msg, kind = call("results", id, next_token, opts.max_results)
  if not page then return nil, msg, kind end
  return athena.typed_rows(page, opts.null), {query_id = id, columns = page.columns,
                                              next_token = page.next_token}
end

--- Asks Athena to stop a query. @return true, or nil, message, kind
function athena.stop(id)
  check_id("stop", id)
  local ok, msg, kind = call("stop", id)
  return ok, msg, kind
end

--- A table as the catalog knows it: `{columns = {{name=, type=}...}, partition_keys =,
-- location =}`. A table that does not exist gives nil, message, "not_found".
function athena.table(database, name, catalog)
  if type(database) ~= "string" or type(name) ~= "string" then
    error("athena.table: database and table names must be strings", 2)
  end
  local t, msg, kind, code = call("table", database, name, catalog)
  if code == "EntityNotFound" then kind = "not_found" end
  return t, msg, kind
end

-- start + wait + pages (until on_page returns false), while holding a query slot.
local function run(c, sql, lits, opts, s, on_page)
  local id, msg, code, status = c:start(sql, lits, start_options(opts, s))
  if not id then return failed(msg, code, status) end
  local timeout_ms = opts.timeout and tointeger(opts.timeout * 1000 // 1) or s.timeout_ms
  local st
  st, msg, code, status = c:wait(id, {timeout_ms = timeout_ms})
  if not st then return failed(msg, code, status) end
  local info = {
    query_id = id, data_scanned_bytes = st.data_scanned_bytes, engine_time_ms = st.engine_time_ms,
    statement_type = st.statement_type,
  }
  local token
  repeat
    local page
    page, msg, code, status = c:results(id, token)
    if not page then return failed(msg, code, status) end
    info.columns = info.columns or page.columns
    token = page.next_token
    info.next_token = token
  until not on_page(page, info) or token == nil
  return info
end

-- The blocking part of every query: arguments, the client, a slot, then run().
local function blocking(sql, params, opts, on_page)
  check_sql(sql)
  local lits = literals(params)
  opts = check_opts(opts)
  local c, err, kind = athena.client()
  if not c then return nil, err, kind end
  local s = backend.settings()
  if not backend.enter() then
    return nil, ("athena: %d queries are running, the most this server allows at once"
                 .. " (athena_max_queries)"):format(s.max_queries), "busy"
  end
  local ok, info, msg, k = pcall(run, c, sql, lits, opts, s, on_page)
  backend.leave()
  if not ok then error(info, 0) end
  return info, msg, k
end

--- Runs a query and returns its rows, blocking this worker until it ends.
-- @tparam string sql with `?` for each parameter (Athena takes them in WHERE clauses)
-- @tparam[opt] table params values for the `?`s, in order (see athena.literal)
-- @tparam[opt] table opts `database`, `workgroup`, `output`, `catalog` (default: the
--   server's settings), `timeout` (seconds; default athena_timeout_ms), `max_rows`
--   (default 10000: more pages are left, with info.next_token to read them), `null`
-- @return rows (each keyed by column name, typed by column type), info (`query_id`,
--   `columns`, `next_token`, `data_scanned_bytes`, `engine_time_ms`); or nil, message, kind
-- @usage local rows, err = athena.query("SELECT * FROM unicorns WHERE color = ?", {"pink"})
function athena.query(sql, params, opts)
  local rows = {}
  local max_rows = type(opts) == "table" and opts.max_rows or 10000
  local null_value = type(opts) == "table" and opts.null or nil
  local info, err, kind = blocking(sql, params, opts, function(page)
    athena.typed_rows(page, null_value, rows)
    return #rows < max_rows
  end)
  if not info then return nil, err, kind end
  return rows, info
end

--- Like athena.query, but hands each page to `on_page(page, info)` as it arrives, with
-- the cells as Athena sent them (strings, lakegate.null for NULL) and `page.columns`;
-- on_page returns true to read the next page. For tools that print rows as they come.
-- @return info, or nil, message, kind
function athena.query_pages(sql, params, opts, on_page)
  if type(on_page) ~= "function" then error("athena.query_pages: on_page must be a function", 2) end
  return blocking(sql, params, opts, on_page)
end

-- ===================== HTTP answers =====================

local ANSWERS = {
  not_configured = {503, "athena_not_configured", "Athena is not configured on this server"},
  busy = {503, "athena_busy", "Too many queries are running, retry later"},
  throttled = {503, "athena_throttled", "Athena is throttling queries, retry later"},
  unavailable = {503, "athena_unavailable", "Athena cannot be reached, retry later"},
  timeout = {504, "athena_timeout", "The query did not finish in time"},
  failed = {502, "athena_query_failed", "The query failed"},
  cancelled = {502, "athena_query_cancelled", "The query was cancelled"},
  invalid = {502, "athena_invalid_request", "Athena refused the query"},
  error = {502, "athena_error", "Athena answered with an error"},
}

--- Passes a result through, or answers the request with the HTTP error for its kind:
-- 503 (`athena_not_configured`, `athena_busy`, `athena_throttled`, `athena_unavailable`,
-- with Retry-After but for not_configured), 504 (`athena_timeout`) or 502 (the query
-- failed). The client gets `{"detail": {"code": ..., "msg": ...}}`; Athena's message is
-- logged, not sent (it may name tables and columns).
-- @usage local rows, info = athena.assert(athena.query(SQL, {color}))
function athena.assert(value, ...)
  if value ~= nil then return value, ... end
  local msg, kind = ...
  local a = ANSWERS[kind] or ANSWERS.error
  local req = require("lakegate.context").request
  log(kind == "not_configured" and "warn" or "error",
      ("request %s: %s"):format(req and req.id or "-", tostring(msg)))
  local headers = (a[1] == 503 and kind ~= "not_configured") and {["Retry-After"] = "1"} or nil
  lakegate.http_error(a[1], setmetatable({code = a[2], msg = a[3]}, {__order = {"code", "msg"}}),
                      headers)
end

return athena
