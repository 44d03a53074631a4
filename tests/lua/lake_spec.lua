-- Specs for lakegate.lake and the app's storage features (batch routes, Idempotency-Key,
-- dead letters, gzip bodies), through the in-process test client and its real lake.
local testing = require("lakegate.testing")
local lake = require("lakegate.lake")
local model = require("lakegate.model")
local gzip = require("lakegate.gzip")
local core = require("lakegate.core")

local FIXTURES = "tests/lua/fixtures"

local function ndjson(values)
  local lines = {}
  for i, v in ipairs(values) do lines[i] = core.json_encode(v) end
  return table.concat(lines, "\n") .. "\n"
end

local NDJSON = {["content-type"] = "application/x-ndjson"}

describe("lake", function()
  local client

  lazy_setup(function()
    client = testing.client(FIXTURES .. "/lake")
  end)

  lazy_teardown(function()
    client:close()
  end)

  describe("lake.table", function()
    it("records declarations for DDL", function()
      local decl = lake.declaration("events")
      assert.same({"kind", "level"}, decl.partition_by)
      assert.equal("durable", decl.durability)
      assert.is_true(decl.dead_letters)
      assert.equal("memory", lake.declaration("metrics").durability)
    end)

    describe("errors", function()
      it("refuses unknown options and bad names", function()
        assert.has_error(function() lake.table{name = "x", colour = 1} end, "lake.table: unknown option 'colour'")
        assert.has_error(function() lake.table{name = "Bad"} end,
          "lake.table: name must match [a-z_][a-z0-9_]* (at most 128 characters)")
        assert.has_error(function() lake.table{name = "x", durability = "eventually"} end,
          'lake.table x: durability must be "durable" or "memory"')
        assert.has_error(function() lake.table{name = "x", seal_bytes = 0} end,
          "lake.table: option 'seal_bytes' must be a positive integer")
      end)

      it("refuses partition keys that are not fields, or are reserved", function()
        local M = model.define("M", {a = model.string{}})
        assert.has_error(function() lake.table{name = "x", model = M, partition_by = {"b"}} end,
          "lake.table x: partition key 'b' is not a field of model M")
        assert.has_error(function() lake.table{name = "x", partition_by = {"dt"}} end,
          "lake.table x: partition key dt must match [a-z_][a-z0-9_]* and not be dt or hr")
      end)

      it("refuses a route that stores into an invalid table name", function()
        local router = require("lakegate.router")
        assert.has_error(function() router.post("/x", {store = "../t"}, function() end) end,
          "router.post /x: store must be a table name matching [a-z_][a-z0-9_]*")
      end)

      it("refuses bad batch options", function()
        local router, app = require("lakegate.router"), require("lakegate.app")
        local M = model.define("M", {a = model.string{}})
        router.set_loading_app(app.new())
        local ok1, err1 = pcall(router.post, "/x", {body = M, batch = {max_records = 0}}, function() end)
        local ok2, err2 = pcall(router.post, "/y", {batch = true}, function() end)
        router.set_loading_app(nil)
        assert.is_false(ok1)
        assert.matches("route POST /x: option 'batch' takes positive integers max_records and max_bytes", err1, 1, true)
        assert.is_false(ok2)
        assert.matches("route POST /y: a batch route needs a body model (one record)", err2, 1, true)
      end)

      it("refuses to change a table's partition keys", function()
        assert.error_matches(function() lake.table{name = "events", partition_by = {"ok"}} end,
          "partition_by cannot change")
      end)
    end)
  end)

  describe("partition_by", function()
    it("puts records in one directory per value, after dt and hr", function()
      assert.equal(201, (client:post("/events", {kind = "deploy", level = 2})))
      assert.equal(201, (client:post("/events", {kind = "a/b", level = 2})))
      local files = client:lake_files("events")
      assert.equal(2, #files)
      local dirs = {}
      for _, f in ipairs(files) do dirs[#dirs + 1] = f:match("^events/dt=[%d-]+/hr=%d%d/(.*)/[^/]+$") end
      table.sort(dirs)
      assert.same({"kind=a%2Fb/level=2", "kind=deploy/level=2"}, dirs)
      local kinds = {}
      for _, r in ipairs(client:lake_records("events")) do kinds[#kinds + 1] = r.kind end
      table.sort(kinds)
      assert.same({"a/b", "deploy"}, kinds, "the partition fields stay in the records")
    end)
  end)

  describe("storage errors", function()
    it("answers 422 for a partition value too long for an object key", function()
      local status, body = client:post("/events", {kind = ("k"):rep(250)})
      assert.equal(422, status)
      assert.matches("partition value of 'kind' is longer than 200 bytes", body.detail)
    end)
  end)

  describe("lake.put from a handler", function()
    it("stores into a memory table with the request's id", function()
      local status, body, headers = client:post("/metrics/cpu", nil, {headers = {["x-request-id"] = "req-m1"}})
      assert.equal(202, status)
      assert.same({queued = "cpu"}, body)
      local records = client:lake_records("metrics")
      assert.equal(1, #records)
      assert.equal("cpu", records[1].name)
      assert.equal("req-m1", records[1]._request_id)
      assert.matches("^%d%d%d%d%-%d%d%-%d%dT%d%d:%d%d:%d%d%.%d+Z$", records[1]._ingested_at)
    end)

    it("refuses misuse", function()
      assert.has_error(function() lake.put(1, {}) end, "lake.put: the table name must be a string")
      assert.has_error(function() lake.put("t", "x") end, "lake.put: the record must be a table")
      local ok, err, code = lake.put("Bad Name", {})
      assert.is_nil(ok)
      assert.equal("invalid", code)
      assert.matches("invalid table name", err)
    end)
  end)

  describe("batch routes", function()
    it("stores the valid records, after the handler adjusted them", function()
      local status, body = client:post("/events/batch", ndjson({{kind = "b1"}, {kind = ""}, {kind = "b2"}}),
                                        {headers = NDJSON})
      assert.equal(207, status)
      assert.equal(2, body.stored)
      assert.same({0, 1, 2}, {body.results[1].index, body.results[2].index, body.results[3].index})
      assert.same({201, 422, 201}, {body.results[1].status, body.results[2].status, body.results[3].status})
      assert.same({"body", 1, "kind"}, body.results[2].detail[1].loc)
      local levels = {}
      for _, r in ipairs(client:lake_records("events")) do
        if r.kind == "b1" or r.kind == "b2" then levels[#levels + 1] = r.level end
      end
      assert.same({100, 100}, levels)
    end)

    it("applies the route's limits", function()
      local four = ndjson({{kind = "a"}, {kind = "b"}, {kind = "c"}, {kind = "d"}})
      assert.equal(413, (client:post("/events/batch", four, {headers = NDJSON})))
      local big = ndjson({{kind = ("x"):rep(150)}, {kind = ("y"):rep(150)}, {kind = ("z"):rep(150)}})
      assert.equal(413, (client:post("/events/batch", big, {headers = NDJSON})), "over max_bytes")
      local packed = gzip.compress(big)
      assert.is_true(#packed < 400)
      assert.equal(413, (client:post("/events/batch", packed,
        {headers = {["content-type"] = "application/x-ndjson", ["content-encoding"] = "gzip"}})),
        "max_bytes counts the decompressed body")
    end)

    it("stores nothing when the handler refuses the batch", function()
      local before = #client:lake_records("events")
      local status, body = client:post("/events/batch", ndjson({{kind = "ok1"}, {kind = "refuse"}}), {headers = NDJSON})
      assert.equal(409, status)
      assert.same({detail = "refused by the handler"}, body)
      assert.equal(before, #client:lake_records("events"))
    end)
  end)

  describe("Idempotency-Key", function()
    it("replays the first answer and stores once", function()
      local opts = {headers = {["idempotency-key"] = "k-1"}}
      local status, body, headers = client:post("/events", {kind = "idem"}, opts)
      assert.equal(201, status)
      assert.is_nil(headers["idempotent-replayed"])
      local status2, body2, headers2 = client:post("/events", {kind = "idem"}, opts)
      assert.equal(201, status2)
      assert.same(body, body2)
      assert.equal("true", headers2["idempotent-replayed"])
      assert.equal(422, (client:post("/events", {kind = "other"}, opts)))
      local n = 0
      for _, r in ipairs(client:lake_records("events")) do if r.kind == "idem" then n = n + 1 end end
      assert.equal(1, n)
    end)

    it("is scoped by path and forgets failed requests", function()
      local opts = {headers = {["idempotency-key"] = "k-2"}}
      assert.equal(422, (client:post("/events", {kind = ""}, opts)), "an invalid first try")
      assert.equal(201, (client:post("/events", {kind = "fixed"}, opts)), "is not remembered")
      assert.equal(200, (client:post("/events/batch", ndjson({{kind = "k2"}}), {headers = {
        ["content-type"] = "application/x-ndjson", ["idempotency-key"] = "k-2"}})), "another path, another scope")
    end)
  end)

  describe("dead letters", function()
    it("keeps rejected records with their errors", function()
      client:post("/events", {kind = "", level = -1}, {headers = {["x-request-id"] = "bad-1"}})
      local found
      for _, r in ipairs(client:lake_records("_rejected/events")) do
        if r._request_id == "bad-1" then found = r end
      end
      assert.is_not_nil(found)
      assert.equal("POST /events", found.route)
      assert.equal(422, found.status)
      assert.same({kind = "", level = -1}, found.input)
      assert.equal(2, #found.errors)
    end)
  end)
end)
