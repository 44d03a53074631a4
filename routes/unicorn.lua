-- The Unicorn API: validated unicorns, stored in the lake table "unicorns".
local router = require("lakegate.router")
local model = require("lakegate.model")
local lake = require("lakegate.lake")

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
