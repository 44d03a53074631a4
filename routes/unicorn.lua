-- The Unicorn API: validated unicorns, stored in the lake table "unicorns", and read back
-- through Athena.
local router = require("lakegate.router")
local model = require("lakegate.model")
local lake = require("lakegate.lake")
local athena = require("lakegate.athena")
local shared = require("lakegate.shared")
local lakegate = require("lakegate")

local Unicorn = model.define("Unicorn", {
  name = model.string{min_length = 1, max_length = 64, description = "The unicorn's name"},
  rainbow = model.boolean{description = "Whether it trails a rainbow"},
  horn_length_cm = model.number{gt = 0, le = 120, nullable = true, default = model.null,
                                description = "Horn length in centimetres"},
  color = model.enum{"white", "pink", "gold", default = "white"},
  tags = model.array{model.string{}, max_items = 10, default = {}},
}, {extra = "forbid", description = "A unicorn sighting"})

-- Rejected unicorns (and why) are kept in <lake>/_rejected/unicorns/ for analysts.
lake.table{name = "unicorns", model = Unicorn, dead_letters = true}

local UnicornQuery = model.define("UnicornQuery", {
  color = model.enum{"white", "pink", "gold", optional = true, description = "Only this color"},
  limit = model.integer{ge = 1, le = 100, default = 10, description = "At most this many"},
  days = model.integer{ge = 1, le = 31, default = 7, description = "Sightings of the last N days"},
  wait = model.boolean{default = true, description = "false: answer 202 with a query id at once"},
})

local QueryPage = model.define("QueryPage", {
  next_token = model.string{optional = true, description = "From the previous page"},
})

-- The newest sightings first. Every value is a parameter, never SQL text; `dt >= ?` lets
-- Athena read only the partitions of the last days.
local RECENT = [[
SELECT name, rainbow, horn_length_cm, color, tags, _ingested_at
FROM (SELECT *, row_number() OVER (ORDER BY _ingested_at DESC) AS rn
      FROM unicorns WHERE dt >= ?)
WHERE rn <= ? ORDER BY rn]]
local RECENT_BY_COLOR = [[
SELECT name, rainbow, horn_length_cm, color, tags, _ingested_at
FROM (SELECT *, row_number() OVER (ORDER BY _ingested_at DESC) AS rn
      FROM unicorns WHERE dt >= ? AND color = ?)
WHERE rn <= ? ORDER BY rn]]

-- Queries this server started stay readable at /queries/{id} for an hour, and no others.
local QUERY_TTL_S = 3600

local function query_key(id)
  return "athena_query:" .. id
end

router.info{title = "Unicorn API", version = "1.0.0",
            description = "Report unicorn sightings into the lake; query them back through Athena."}

router.get("/", {summary = "Hello"}, function()
  return {Hello = "World"}
end)

router.post("/unicorn", {
  body = Unicorn, status = 201, store = "unicorns",
  summary = "Report a unicorn", tags = {"unicorns"},
}, function(req, unicorn)
  return unicorn
end)

-- Many unicorns at once: NDJSON (application/x-ndjson) or a JSON array, gzip allowed.
-- Valid ones are stored, and the answer has a result per unicorn.
router.post("/unicorns/batch", {
  body = Unicorn, batch = {max_records = 500, max_bytes = 4 * 1024 * 1024}, store = "unicorns",
  summary = "Report many unicorns", tags = {"unicorns"},
}, function(req, unicorns)
  -- every unicorn here is valid; they are stored when the handler returns
end)

router.get("/unicorns", {
  query = UnicornQuery, summary = "Recent unicorns, from the lake through Athena", tags = {"unicorns"},
}, function(req)
  local q = req.query
  local since = os.date("!%Y-%m-%d", os.time() - q.days * 86400)
  local sql, params = RECENT, {since, q.limit}
  if q.color then sql, params = RECENT_BY_COLOR, {since, q.color, q.limit} end
  if not q.wait then
    local id = athena.assert(athena.start(sql, params))
    shared.set(query_key(id), true, QUERY_TTL_S)
    local href = "/queries/" .. id
    return 202, {query_id = id, state = "QUEUED", href = href}, {Location = href}
  end
  local rows, info = athena.assert(athena.query(sql, params))
  return {query_id = info.query_id, unicorns = lakegate.json.array(rows)}
end)

router.get("/queries/{id}", {
  query = QueryPage, summary = "The state and rows of a query started with wait=false",
  tags = {"unicorns"},
}, function(req)
  local id = req.params.id
  if not shared.get(query_key(id)) then lakegate.http_error(404, "Unknown query") end
  local status = athena.assert(athena.status(id))
  if status.state ~= "SUCCEEDED" then return {query_id = id, state = status.state} end
  local rows, info = athena.assert(athena.results(id, req.query.next_token))
  return {query_id = id, state = status.state, rows = lakegate.json.array(rows),
          next_token = info.next_token}
end)
