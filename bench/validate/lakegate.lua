-- bench/validate peer: lakegate. Validates each payload (JSON text -> validated table or
-- the list of pydantic-style errors) with the Unicorn model of routes/unicorn.lua, as the
-- server does, for `seconds` per payload, and prints one JSON line per payload.
--   lua5.4 bench/validate/lakegate.lua <payloads.json> <seconds> [schema-out.json]
local core = require("lakegate.core")
local app = require("lakegate.app")

local payload_file, seconds, schema_out = arg[1], tonumber(arg[2]) or 2, arg[3]

local function route_model(a, method, path)
  for _, r in ipairs(a.routes) do
    if r.method == method and r.path == path then return r.opts.body end
  end
  error("no route " .. method .. " " .. path)
end

local a = assert(app.load("routes"))
local Unicorn = route_model(a, "POST", "/unicorn")

if schema_out then   -- the peers validate against lakegate's own JSON Schema of the model
  local f = assert(io.open(schema_out, "w"))
  f:write(core.json_encode(Unicorn:json_schema()))
  f:close()
end

local f = assert(io.open(payload_file))
local payloads = core.json_decode(f:read("a"), nil, true)
f:close()

local LOC = {"body"}
for _, name in ipairs(getmetatable(payloads).__order) do
  local text = core.json_encode(payloads[name])
  local value, errs = Unicorn:validate_json(text, LOC)
  local outcome = value and "valid" or ("%d errors"):format(#errs)
  -- batches between clock reads keep the timer out of the measurement
  local n, batch, clock = 0, 2000, os.clock
  local t0 = clock()
  local deadline = t0 + seconds
  repeat
    for _ = 1, batch do Unicorn:validate_json(text, LOC) end
    n = n + batch
  until clock() >= deadline
  local rate = n / (clock() - t0)
  print(core.json_encode(setmetatable({peer = "lakegate", payload = name, outcome = outcome, records_per_s = math.floor(rate)},
                                      {__order = {"peer", "payload", "outcome", "records_per_s"}})))
end
