-- Specs for the example's Athena routes (GET /unicorns, GET /queries/{id}) through the
-- in-process test client, with a scripted Athena client in place of the real one.
local testing = require("lakegate.testing")
local athena = require("lakegate.athena")
local core = require("lakegate.core")

local CONFIGURED = {database = "lakegate", workgroup = "", output = "s3://results/",
                    timeout_ms = 5000, max_queries = 4}
local COLUMNS = {
  {name = "name", type = "varchar"}, {name = "rainbow", type = "boolean"},
  {name = "horn_length_cm", type = "double"}, {name = "color", type = "varchar"},
  {name = "tags", type = "array"}, {name = "_ingested_at", type = "timestamp"},
}

-- A scripted client that records the calls it gets.
local function scripted(script)
  local c = {calls = {}}
  for _, op in ipairs({"start", "status", "wait", "results", "stop"}) do
    c[op] = function(_, ...)
      c.calls[#c.calls + 1] = {op, ...}
      local a = script[op]
      if type(a) == "function" then return a(...) end
      return a
    end
  end
  return c
end

local function use(client, settings)
  athena.use{settings = function() return settings or CONFIGURED end,
             enter = function() return true end, leave = function() end,
             client = function() return client end}
end

describe("route: unicorn (Athena)", function()
  local client

  lazy_setup(function()
    client = testing.client("routes")
  end)

  lazy_teardown(function()
    athena.use()
    client:close()
  end)

  describe("GET /unicorns", function()
    it("runs a parameterized query and answers typed rows", function()
      local c = scripted{
        start = "q-1", wait = {state = "SUCCEEDED"},
        results = {columns = COLUMNS, rows = {{"honey", "true", "12.5", "pink", "[sparkly]",
                                               "2026-11-27 02:19:44.932"},
                                              {"dusk", "false", core.null, "pink", "[]", core.null}}},
      }
      use(c)
      local status, body = client:get("/unicorns?color=pink&limit=2")
      assert.equal(200, status)
      assert.equal("q-1", body.query_id)
      assert.same({name = "honey", rainbow = true, horn_length_cm = 12.5, color = "pink",
                   tags = "[sparkly]", _ingested_at = "2026-11-27T02:19:44.932"}, body.unicorns[1])
      assert.same({name = "dusk", rainbow = false, color = "pink", tags = "[]"}, body.unicorns[2])
      local start = c.calls[1]
      assert.equal("start", start[1])
      assert.matches("WHERE dt >= %? AND color = %?%)", start[2])
      assert.matches("WHERE rn <= %? ORDER BY rn$", start[2])
      assert.equal(os.date("!%Y-%m-%d", os.time() - 7 * 86400), start[3][1]:sub(2, -2))
      assert.same({"pink", "2"}, {start[3][2]:sub(2, -2), start[3][3]}, "the color quoted, the limit a number")
      assert.same({database = "lakegate", output = "s3://results/"}, start[4])
    end)

    it("has a query without a color, and answers [] for no rows", function()
      local c = scripted{start = "q-2", wait = {state = "SUCCEEDED"}, results = {columns = COLUMNS, rows = {}}}
      use(c)
      local status, body, headers = client:get("/unicorns?days=1")
      assert.equal(200, status)
      assert.not_matches("color = %?", c.calls[1][2])
      assert.equal(2, #c.calls[1][3], "since and limit")
      assert.equal("10", c.calls[1][3][2], "the default limit")
      assert.is_true(core.is_array(body.unicorns), "[] rather than {}")
      assert.equal(0, #body.unicorns)
      assert.equal("application/json", headers["content-type"])
    end)

    it("refuses what the query model does not allow", function()
      use(scripted{})
      local status, body = client:get("/unicorns?color=green&limit=1000")
      assert.equal(422, status)
      assert.same({"query", "color"}, body.detail[1].loc)
      assert.same({"query", "limit"}, body.detail[2].loc)
    end)

    it("answers 503 athena_not_configured when Athena is not configured", function()
      local c = scripted{}
      use(c, {database = "lakegate", workgroup = "", output = "", timeout_ms = 1, max_queries = 1})
      local status, body = client:get("/unicorns?color=pink")
      assert.equal(503, status)
      assert.equal("athena_not_configured", body.detail.code)
      assert.equal(0, #c.calls)
      status, body = client:get("/unicorns?wait=false")
      assert.equal(503, status)
      assert.equal("athena_not_configured", body.detail.code)
    end)

    it("answers 504 when the query runs out of time", function()
      use(scripted{start = "q-3", wait = function() return nil, "athena: query q-3: TIMEOUT: ...", "TIMEOUT", 0 end})
      local status, body = client:get("/unicorns")
      assert.equal(504, status)
      assert.equal("athena_timeout", body.detail.code)
    end)
  end)

  describe("GET /queries/{id}", function()
    it("follows a query started with wait=false", function()
      local state = "RUNNING"
      local c = scripted{
        start = "q-async", status = function() return {state = state} end,
        results = {columns = COLUMNS, rows = {{"honey", "true", "1.5", "gold", "[]", core.null}},
                   next_token = "p2"},
      }
      use(c)
      local status, body, headers = client:get("/unicorns?color=gold&wait=false")
      assert.equal(202, status)
      assert.same({query_id = "q-async", state = "QUEUED", href = "/queries/q-async"}, body)
      assert.equal("/queries/q-async", headers.location)
      status, body = client:get("/queries/q-async")
      assert.equal(200, status)
      assert.same({query_id = "q-async", state = "RUNNING"}, body)
      state = "SUCCEEDED"
      status, body = client:get("/queries/q-async")
      assert.equal(200, status)
      assert.equal("SUCCEEDED", body.state)
      assert.equal("honey", body.rows[1].name)
      assert.equal("p2", body.next_token)
      client:get("/queries/q-async?next_token=p2")
      assert.same({"results", "q-async", "p2"}, c.calls[#c.calls])
    end)

    it("knows only the queries this server started", function()
      local c = scripted{status = {state = "SUCCEEDED"}}
      use(c)
      local status, body = client:get("/queries/someone-elses-query")
      assert.equal(404, status)
      assert.equal("Unknown query", body.detail)
      assert.equal(0, #c.calls, "Athena is not asked")
    end)
  end)
end)
