--- The lake: `lake.put(table, record)` stores a record durably in a lake table.
-- Inside the server the lake is the one lakegate was started with; tests point it at a
-- directory of their own with `lake.use(lake.open{root = dir})`.
-- @module lakegate.lake
local writer = require("lakegate.lakewriter")
local context = require("lakegate.context")

local type, error = type, error

local lake = {}

local current = nil   -- the writer handle lake.put uses

--- Opens a lake writer on a directory (for tests and tools); see lake.use.
-- @tparam table opts `root` (DIR or file://DIR), `spool`
function lake.open(opts)
  return writer.open(opts)
end

--- Makes `w` (from lake.open) the lake that lake.put writes to in this Lua state.
function lake.use(w)
  current = w
end

local function current_writer()
  if current == nil then current = writer.host() end
  return current
end

--- Stores `record` in lake table `name`; returns once it is durable.
-- The stored line gets `_ingested_at` and `_request_id` (of the request being handled).
-- @tparam string name table name ([a-z_][a-z0-9_]*)
-- @tparam table record a JSON object
-- @return true, or nil and a message
-- @usage local ok, err = lake.put("unicorns", body)
function lake.put(name, record)
  if type(name) ~= "string" then error("lake.put: the table name must be a string", 2) end
  if type(record) ~= "table" then error("lake.put: the record must be a table", 2) end
  local w = current_writer()
  if not w then return nil, "lake.put: no lake is configured in this Lua state" end
  local req = context.request
  return w:put(name, record, req and req.id)
end

--- The root directory of the lake in use (nil when none is configured).
function lake.root()
  local w = current_writer()
  return w and w:root()
end

return lake
