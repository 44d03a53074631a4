-- Routes for test_validation.py: a typed event body with a model validator, a body model
-- loaded from a JSON Schema file, and a query model.
local router = require("lakegate.router")
local model = require("lakegate.model")
local jsonschema = require("lakegate.jsonschema")

local Event = model.define("Event", {
  id = model.uuid{},
  at = model.datetime{tz = "aware"},
  kind = model.literal{"click", "view"},
  tags = model.array{model.string{max_length = 8}, max_items = 3, default = {}},
  meta = model.map{value = model.integer{}, optional = true},
}, {extra = "forbid", after = function(e)
  if e.kind == "view" and e.meta == nil then model.value_error("a view needs meta") end
end})

local Search = model.define("Search", {
  ids = model.array{model.integer{ge = 1}, max_items = 3},
  since = model.date{optional = true},
})

local Order = jsonschema.load("schemas/order.schema.json")

router.post("/events", {body = Event, status = 201, store = "events"}, function(req, event)
  return event
end)

router.post("/orders", {body = Order, status = 201}, function(req, order)
  return order
end)

router.get("/search", {query = Search}, function(req)
  return req.query
end)
