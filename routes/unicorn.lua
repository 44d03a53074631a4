-- The Unicorn API: validated unicorns, stored in the lake table "unicorns".
local router = require("lakegate.router")
local model = require("lakegate.model")

local Unicorn = model.define("Unicorn", {
  name = model.string{min_length = 1, max_length = 64, description = "The unicorn's name"},
  rainbow = model.boolean{description = "Whether it trails a rainbow"},
  horn_length_cm = model.number{gt = 0, le = 120, nullable = true, default = model.null,
                                description = "Horn length in centimetres"},
  color = model.enum{"white", "pink", "gold", default = "white"},
  tags = model.array{model.string{}, max_items = 10, default = {}},
}, {extra = "forbid", description = "A unicorn sighting"})

router.get("/", {summary = "Hello"}, function()
  return {Hello = "World"}
end)

router.post("/unicorn", {
  body = Unicorn, status = 201, store = "unicorns",
  summary = "Report a unicorn", tags = {"unicorns"},
}, function(req, unicorn)
  return unicorn
end)
