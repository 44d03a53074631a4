--- The lake: table declarations and `lake.put(table, record)`.
--
-- Records go to the spool first (durable once `put` returns, by default) and from there,
-- sealed into gzip NDJSON objects, to the lake:
-- `<root>/<table>/dt=YYYY-MM-DD/hr=HH[/<key>=<value>...]/<host>-<firstTs>-<seq>.json.gz`.
-- Inside the server the lake is the one lakegate was started with; tests point it at
-- directories of their own with `lake.use(lake.open{root = dir, spool = dir2})`.
-- @module lakegate.lake
local writer = require("lakegate.lakewriter")
local context = require("lakegate.context")
local model = require("lakegate.model")
local core = require("lakegate.core")

local type, error, pairs, ipairs, tostring, math_type = type, error, pairs, ipairs, tostring, math.type
local null = core.null

local lake = {}

local current = nil       -- the writer handle lake.put uses
local declared = {}       -- table name -> declaration (this Lua state's route scripts)
local declared_list = {}  -- declarations in the order they were made

--- Opens a lake writer (for tests and tools); see lake.use.
-- @tparam table opts `root` (DIR or file://DIR), `spool` (DIR), and optionally
-- `seal_bytes`, `seal_seconds`, `spool_max_bytes`, `group_commit_us`, `gzip_level`,
-- `idempotency_window_s`
-- @return a writer, or nil and a message
function lake.open(opts)
  return writer.open(opts)
end

--- Makes `w` (from lake.open) the lake that lake.put writes to in this Lua state, and
-- declares on it the tables declared so far.
function lake.use(w)
  current = w
  for _, decl in ipairs(declared_list) do
    local ok, err = w:declare(decl.name, decl)
    if not ok then error(err, 2) end
  end
end

local function current_writer()
  if current == nil then current = writer.host() end
  return current
end

-- ===================== declarations =====================

local TABLE_OPTS = {
  name = "string", model = "model", partition_by = "table", durability = "string",
  seal_bytes = "integer", seal_seconds = "integer", dead_letters = "boolean",
  description = "string",
}

local function check_spec(spec)
  if type(spec) ~= "table" then error("lake.table: expects a table of options", 3) end
  for k, v in pairs(spec) do
    local want = TABLE_OPTS[k]
    if want == nil then error(("lake.table: unknown option '%s'"):format(tostring(k)), 3) end
    local ok = (want == "model" and model.is_model(v)) or (want == "integer" and math_type(v) == "integer" and v > 0)
               or type(v) == want
    if not ok then
      error(("lake.table: option '%s' must be %s"):format(k, want == "integer" and "a positive integer" or "a " .. want), 3)
    end
  end
  local name = spec.name
  if name == nil or not name:match("^[a-z_][a-z0-9_]*$") or #name > 128 then
    error("lake.table: name must match [a-z_][a-z0-9_]* (at most 128 characters)", 3)
  end
  if spec.durability and spec.durability ~= "durable" and spec.durability ~= "memory" then
    error(("lake.table %s: durability must be \"durable\" or \"memory\""):format(name), 3)
  end
end

-- The model's field names, or nil when the table has no model.
local function field_names(m)
  if m == nil or type(m.fields) ~= "table" then return nil end
  local names = {}
  for _, f in ipairs(m.fields) do names[f.name] = true end
  return names
end

local function check_partition_by(spec)
  local keys = spec.partition_by or {}
  if #keys > 8 then error(("lake.table %s: at most 8 partition_by keys"):format(spec.name), 4) end
  local fields, seen = field_names(spec.model), {}
  for _, k in ipairs(keys) do
    if type(k) ~= "string" or not k:match("^[a-z_][a-z0-9_]*$") or k == "dt" or k == "hr" then
      error(("lake.table %s: partition key %s must match [a-z_][a-z0-9_]* and not be dt or hr")
        :format(spec.name, tostring(k)), 4)
    end
    if seen[k] then error(("lake.table %s: partition key '%s' appears twice"):format(spec.name, k), 4) end
    seen[k] = true
    if fields and not fields[k] then
      error(("lake.table %s: partition key '%s' is not a field of model %s"):format(spec.name, k, spec.model.name), 4)
    end
  end
  return keys
end

--- Declares a lake table: how its records are partitioned and stored.
-- Route scripts call it at load time; a table used without a declaration gets the
-- defaults (durable, no partition keys, the server's seal limits, no dead letters).
-- @tparam table spec
--   `name` (required, `[a-z_][a-z0-9_]*`);
--   `model` (the record model, for DDL and to check `partition_by`);
--   `partition_by` (list of top-level fields whose values become Hive partitions after
--   `dt` and `hr`; the fields stay in the JSON lines too);
--   `durability` (`"durable"`, the default: acknowledged once fdatasynced; `"memory"`:
--   acknowledged once appended in memory, so a crash loses the last few milliseconds);
--   `seal_bytes`, `seal_seconds` (when a spool segment becomes lake objects);
--   `dead_letters` (true: records this table's routes reject go to `_rejected/<name>/`)
-- @return the declaration
-- @usage lake.table{name = "unicorns", model = Unicorn, partition_by = {"color"}, dead_letters = true}
function lake.table(spec)
  check_spec(spec)
  local decl = {
    name = spec.name, model = spec.model, partition_by = check_partition_by(spec),
    durability = spec.durability or "durable", seal_bytes = spec.seal_bytes,
    seal_seconds = spec.seal_seconds, dead_letters = spec.dead_letters == true,
    description = spec.description,
  }
  local w = current_writer()
  if w then
    local ok, err = w:declare(decl.name, decl)
    if not ok then error(err, 2) end
  end
  if declared[decl.name] == nil then declared_list[#declared_list + 1] = decl
  else
    for i, d in ipairs(declared_list) do
      if d.name == decl.name then declared_list[i] = decl end
    end
  end
  declared[decl.name] = decl
  return decl
end

--- The declaration of table `name`, or nil.
function lake.declaration(name)
  return declared[name]
end

--- Every declared table, in declaration order (for DDL).
function lake.tables()
  local out = {}
  for i, d in ipairs(declared_list) do out[i] = d end
  return out
end

-- ===================== writing =====================

-- A partition value as text: strings as they are, numbers and booleans as JSON writes
-- them, null (or a missing field) as false.
local function partition_text(table_name, key, v)
  local t = type(v)
  if t == "string" then return v end
  if v == nil or v == null then return false end
  if t == "boolean" then return v and "true" or "false" end
  if math_type(v) == "integer" then return tostring(v) end
  if t == "number" then return (core.json_encode(v)) end
  error(("lake %s: partition field '%s' must be a string, number, boolean or null, got %s")
    :format(table_name, key, t), 4)
end

local function partition_values(decl, records)
  if decl == nil or #decl.partition_by == 0 then return nil end
  local values = {}
  for i, rec in ipairs(records) do
    local vals = {}
    for k, key in ipairs(decl.partition_by) do vals[k] = partition_text(decl.name, key, rec[key]) end
    values[i] = vals
  end
  return values
end

local function request_id()
  local req = context.request
  return req and req.id
end

--- Stores several records in lake table `name`, all or none, and returns once they are
-- durable (for a durable table).
-- @tparam string name table name
-- @tparam table records list of JSON objects
-- @tparam[opt] table answer an Idempotency-Key answer to store with them (lakegate.app)
-- @tparam[opt] table texts (lakegate.app) texts[i] is records[i] already encoded as JSON
-- (the answer it rendered), so it is not encoded twice
-- @return true, or nil, message, code (`"full"`: the spool is full, retry after
-- `retry_after` seconds; `"invalid"`: the input cannot be stored; `"error"`: the spool
-- failed), retry_after
function lake.put_batch(name, records, answer, texts)
  if type(name) ~= "string" then error("lake.put_batch: the table name must be a string", 2) end
  if type(records) ~= "table" or #records == 0 then error("lake.put_batch: records must be a non-empty list", 2) end
  local w = current_writer()
  if not w then return nil, "lake: no lake is configured in this Lua state", "error", 1 end
  return w:put(name, records, request_id(), partition_values(declared[name], records), answer, texts)
end

--- Stores `record` in lake table `name`; returns once it is durable.
-- The stored line gets `_ingested_at` and `_request_id` (of the request being handled).
-- @tparam string name table name ([a-z_][a-z0-9_]*)
-- @tparam table record a JSON object
-- @return true, or nil, message, code, retry_after (see put_batch)
-- @usage local ok, err = lake.put("unicorns", body)
function lake.put(name, record)
  if type(name) ~= "string" then error("lake.put: the table name must be a string", 2) end
  if type(record) ~= "table" then error("lake.put: the record must be a table", 2) end
  return lake.put_batch(name, {record})
end

--- Stores a rejected record in `_rejected/<name>` if the table keeps dead letters.
-- @return true (also when the table keeps none), or nil and a message
function lake.reject(name, info)
  local decl = declared[name]
  if decl == nil or not decl.dead_letters then return true end
  local w = current_writer()
  if not w then return nil, "lake: no lake is configured in this Lua state" end
  return w:reject(name, info, request_id())
end

-- ===================== idempotency, flush, status =====================

--- (lakegate.app) Looks up an Idempotency-Key: returns "new" (reserved for this request),
-- "replay" and the stored answer, "busy" or "mismatch".
function lake.idempotency_begin(key, body)
  local w = current_writer()
  if not w then return "new" end
  return w:idem_begin(key, writer.fingerprint(body))
end

--- (lakegate.app) Releases a reservation from idempotency_begin.
function lake.idempotency_abort(key)
  local w = current_writer()
  if w then w:idem_abort(key) end
end

--- The fingerprint lake.idempotency_begin computes for a request body.
lake.fingerprint = writer.fingerprint

--- Seals everything written so far and waits until it is in the lake.
-- @tparam[opt] integer timeout_ms default 60000
-- @return true, or nil and a message
function lake.flush(timeout_ms)
  local w = current_writer()
  if not w then return nil, "lake: no lake is configured in this Lua state" end
  return w:flush(timeout_ms)
end

--- Counters of the lake writer (spool_bytes, records, syncs, synced_frames, writes,
-- written_frames, segments_sealed, objects_uploaded, upload_failures, objects_pending, last_error).
function lake.stats()
  local w = current_writer()
  return w and w:stats()
end

--- Where the lake's objects go ("file:///..." or "s3://..."), nil when none is configured.
function lake.root()
  local w = current_writer()
  return w and w:root()
end

return lake
