-- lakegate.athena: parameters as SQL literals, typed rows, the blocking query with its
-- slot in the server-wide cap, failures and their HTTP answers, over a scripted backend;
-- and lakegate.athenaclient (the C client) where no server is needed. The same module
-- against servers that speak Athena's protocol is tested by tests/integration/test_athena*.py.
require("lakegate.core")   -- registers lakegate's C modules when run by stock Lua
local athena = require("lakegate.athena")
local native = require("lakegate.athenaclient")
local lakegate = require("lakegate")
local core = require("lakegate.core")

local SETTINGS = {database = "lake", workgroup = "", output = "s3://results/q/",
                  timeout_ms = 30000, max_queries = 2}

-- A scripted Athena client: records calls, answers from `script`.
local function fake_client(script)
  local c = {calls = {}}
  local function record(name, ...)
    c.calls[#c.calls + 1] = {name, ...}
    local f = script[name]
    if type(f) == "function" then return f(...) end
    return f
  end
  function c:start(...) return record("start", ...) end
  function c:status(...) return record("status", ...) end
  function c:wait(...) return record("wait", ...) end
  function c:results(...) return record("results", ...) end
  function c:stop(...) return record("stop", ...) end
  return c
end

local COLUMNS = {
  {name = "name", type = "varchar"}, {name = "rainbow", type = "boolean"},
  {name = "n", type = "bigint"}, {name = "cm", type = "double"},
  {name = "price", type = "decimal", precision = 10, scale = 2},
  {name = "at", type = "timestamp"}, {name = "day", type = "date"},
  {name = "tags", type = "array"},
}

local function page(rows, token)
  return {columns = COLUMNS, rows = rows, next_token = token, update_count = 0}
end

-- Installs a backend around `client`; returns the gate counters.
local function use(client, settings, gate_open)
  local gate = {entered = 0, left = 0}
  athena.use{
    settings = function() return settings or SETTINGS end,
    enter = function()
      if gate_open == false then return false end
      gate.entered = gate.entered + 1
      return true
    end,
    leave = function() gate.left = gate.left + 1 end,
    client = function() return client end,
  }
  return gate
end

local function http_error_of(f, ...)
  local ok, e = pcall(f, ...)
  assert.is_false(ok)
  assert.is_true(lakegate.is_http_error(e), tostring(e))
  return e
end

describe("lakegate.athena", function()
  lazy_teardown(function() athena.use() end)

  describe("parameters", function()
    it("turns Lua values into SQL literals", function()
      assert.equal("'pink'", athena.literal("pink"))
      assert.equal("'O''Brien; DROP TABLE x --'", athena.literal("O'Brien; DROP TABLE x --"))
      assert.equal("''", athena.literal(""))
      assert.equal("42", athena.literal(42))
      assert.equal("-9223372036854775808", athena.literal(math.mininteger))
      assert.equal("1.5E0", athena.literal(1.5))
      assert.equal("0.1E0", athena.literal(0.1), "the shortest form that reads back")
      assert.equal("1e+300", athena.literal(1e300))
      assert.equal("TRUE", athena.literal(true))
      assert.equal("FALSE", athena.literal(false))
      assert.equal("NULL", athena.literal(lakegate.null))
    end)

    it("refuses values without a literal", function()
      assert.has_error(function() athena.literal({}) end, "a table has no SQL literal")
      assert.has_error(function() athena.literal(0 / 0) end, "NaN and infinities have no SQL literal")
    end)

    it("sends each parameter as a literal, in order", function()
      local c = fake_client{start = "q-1"}
      use(c)
      assert.equal("q-1", athena.start("SELECT * FROM t WHERE a = ? AND b = ? AND c = ?",
                                       {"it's", 7, true}))
      local call = c.calls[1]
      assert.equal("start", call[1])
      assert.same({"'it''s'", "7", "TRUE"}, call[3])
      assert.same({database = "lake", output = "s3://results/q/"}, call[4])
    end)

    it("raises for a nil in the middle and for other misuse", function()
      use(fake_client{start = "q"})
      assert.has_error(function() athena.start("SELECT ?", {n = 2, "a"}) end,
                       "athena: parameter 2 is nil (use lakegate.null for NULL)")
      assert.has_error(function() athena.start("SELECT ?", {{}}) end,
                       "athena: parameter 1: a table has no SQL literal")
      assert.has_error(function() athena.query("") end, "athena: sql must be a non-empty string")
      assert.has_error(function() athena.query("SELECT 1", "x") end, "athena: params must be an array")
      assert.has_error(function() athena.status(1) end, "athena.status: id must be a string")
    end)
  end)

  describe("blocking queries", function()
    it("waits, reads every page and types the rows", function()
      local c = fake_client{
        start = "q-7",
        wait = {state = "SUCCEEDED", data_scanned_bytes = 2048, engine_time_ms = 12},
        results = function(id, token)
          if token == nil then
            return page({{"honey", "true", "7", "12.5", "1.50", "2026-11-27 02:19:44.932",
                          "2026-11-27", "[a, b]"}}, "t2")
          end
          return page({{"sparkle", "false", core.null, "NaN", core.null, core.null, core.null,
                        core.null}})
        end,
      }
      local gate = use(c)
      local rows, info = athena.query("SELECT * FROM unicorns WHERE color = ?", {"pink"}, {timeout = 2})
      assert.is_table(rows, info)
      assert.equal(2, #rows)
      assert.same({name = "honey", rainbow = true, n = 7, cm = 12.5, price = "1.50",
                   at = "2026-11-27T02:19:44.932", day = "2026-11-27", tags = "[a, b]"}, rows[1])
      assert.equal("integer", math.type(rows[1].n))
      assert.is_true(rows[2].cm ~= rows[2].cm, "NaN")
      rows[2].cm = nil
      assert.same({name = "sparkle", rainbow = false}, rows[2], "NULL is nil")
      assert.equal("q-7", info.query_id)
      assert.equal(2048, info.data_scanned_bytes)
      assert.is_nil(info.next_token)
      assert.same(COLUMNS, info.columns)
      assert.same({"wait", "q-7", {timeout_ms = 2000}}, c.calls[2], "timeout in seconds")
      assert.same({"results", "q-7", "t2"}, c.calls[4], "the second page asks with the token")
      assert.same({entered = 1, left = 1}, gate, "one slot, given back")
      assert.equal('{"name":"honey","rainbow":true,"n":7,"cm":12.5,"price":"1.50",'
                   .. '"at":"2026-11-27T02:19:44.932","day":"2026-11-27","tags":"[a, b]"}',
                   core.json_encode(rows[1]), "JSON keeps the column order")
    end)

    it("uses the server's timeout, and a value for NULL when asked", function()
      local c = fake_client{start = "q", wait = {state = "SUCCEEDED"},
                            results = page({{core.null, "true", "1", "1", "1", core.null, core.null, core.null}})}
      use(c)
      local rows = athena.query("SELECT 1", nil, {null = lakegate.null})
      assert.equal(lakegate.null, rows[1].name)
      assert.same({"wait", "q", {timeout_ms = 30000}}, c.calls[2])
    end)

    it("stops reading at max_rows and says where to go on", function()
      local c = fake_client{start = "q", wait = {state = "SUCCEEDED"},
                            results = page({{"a", "true", "1", "1", "1", core.null, core.null, core.null},
                                            {"b", "true", "2", "1", "1", core.null, core.null, core.null}}, "more")}
      use(c)
      local rows, info = athena.query("SELECT 1", nil, {max_rows = 2})
      assert.equal(2, #rows)
      assert.equal("more", info.next_token)
      assert.equal(3, #c.calls, "start, wait, one page")
    end)

    it("answers busy at once when every slot is taken", function()
      local c = fake_client{start = "never"}
      use(c, nil, false)
      local rows, err, kind = athena.query("SELECT 1")
      assert.is_nil(rows)
      assert.equal("busy", kind)
      assert.equal("athena: 2 queries are running, the most this server allows at once "
                   .. "(athena_max_queries)", err)
      assert.equal(0, #c.calls, "nothing was sent")
      local e = http_error_of(athena.assert, rows, err, kind)
      assert.equal(503, e.status)
      assert.same({code = "athena_busy", msg = "Too many queries are running, retry later"}, e.detail)
      assert.same({["Retry-After"] = "1"}, e.headers)
    end)

    it("gives its slot back when the client raises", function()
      local c = fake_client{start = function() error("boom") end}
      local gate = use(c)
      assert.has_error(function() athena.query("SELECT 1") end, "boom")
      assert.same({entered = 1, left = 1}, gate)
    end)
  end)

  describe("failures", function()
    it("reports a FAILED query's reason as kind failed", function()
      local c = fake_client{start = "q-9",
                            wait = function() return nil, "athena: query q-9: FAILED: SYNTAX_ERROR: x", "FAILED", 0 end}
      local gate = use(c)
      local rows, err, kind = athena.query("SELECT x")
      assert.is_nil(rows)
      assert.equal("athena: query q-9: FAILED: SYNTAX_ERROR: x", err)
      assert.equal("failed", kind)
      assert.same({entered = 1, left = 1}, gate)
      local e = http_error_of(athena.assert, rows, err, kind)
      assert.equal(502, e.status)
      assert.equal("athena_query_failed", e.detail.code)
    end)

    it("maps codes and statuses to kinds", function()
      local cases = {
        {"TIMEOUT", 0, "timeout", 504}, {"CANCELLED", 0, "cancelled", 502},
        {"TooManyRequestsException", 400, "throttled", 503},
        {"InvalidRequestException", 400, "invalid", 502}, {nil, 0, "unavailable", 503},
        {"InternalServerException", 500, "unavailable", 503}, {"AccessDeniedException", 400, "error", 502},
      }
      for _, case in ipairs(cases) do
        use(fake_client{start = function() return nil, "m", case[1], case[2] end})
        local id, err, kind = athena.start("SELECT 1")
        assert.is_nil(id)
        assert.equal("m", err)
        assert.equal(case[3], kind, tostring(case[1]))
        assert.equal(case[4], http_error_of(athena.assert, id, err, kind).status)
      end
    end)

    it("answers 503 athena_not_configured without an output or a workgroup", function()
      local c = fake_client{start = "q"}
      use(c, {database = "lake", workgroup = "", output = "", timeout_ms = 1, max_queries = 1})
      assert.is_false((athena.configured()))
      local rows, err, kind = athena.query("SELECT 1")
      assert.is_nil(rows)
      assert.equal("not_configured", kind)
      assert.matches("athena_output %(LAKEGATE_ATHENA_OUTPUT%)", err)
      local e = http_error_of(athena.assert, rows, err, kind)
      assert.equal(503, e.status)
      assert.same({code = "athena_not_configured", msg = "Athena is not configured on this server"}, e.detail)
      assert.is_nil(e.headers, "no Retry-After: waiting will not help")
      assert.equal(0, #c.calls)
      use(c, {database = "", workgroup = "analysts", output = "", timeout_ms = 1, max_queries = 1})
      assert.is_true((athena.configured()), "a workgroup may carry the output location")
    end)

    it("passes results through athena.assert", function()
      local a, b, c = athena.assert({1}, {query_id = "q"}, nil)
      assert.same({1}, a)
      assert.same({query_id = "q"}, b)
      assert.is_nil(c)
    end)
  end)

  describe("asynchronous use", function()
    it("starts, reads the status and one page of results", function()
      local c = fake_client{
        start = "q-a", status = {state = "RUNNING"}, stop = true,
        results = page({{"a", "true", "1", "1", "1", core.null, core.null, core.null}}, "n2"),
      }
      use(c)
      assert.equal("q-a", athena.start("SELECT 1"))
      assert.equal("RUNNING", athena.status("q-a").state)
      local rows, info = athena.results("q-a", nil, {max_results = 5})
      assert.equal("a", rows[1].name)
      assert.equal("n2", info.next_token)
      assert.same({"results", "q-a", nil, 5}, c.calls[3])
      c.calls = {}
      assert.is_true(athena.stop("q-a"))
      assert.same({{"stop", "q-a"}}, c.calls)
    end)
  end)
end)

describe("lakegate.athenaclient", function()
  local function offline(extra)
    local opts = {region = "eu-west-1", endpoint = "http://127.0.0.1:1", access_key_id = "AKID",
                  secret_access_key = "secret", max_attempts = 1}
    for k, v in pairs(extra or {}) do opts[k] = v end
    return assert(native.client(opts))
  end

  it("reports an unreachable endpoint with no code and status 0", function()
    local c = offline()
    local id, err, code, status = c:start("SELECT 1", {"'a'"}, {database = "lake"})
    assert.is_nil(id)
    assert.matches("^athena: StartQueryExecution: connection refused", err)
    assert.is_nil(code)
    assert.equal(0, status)
    athena.use{client = function() return c end, settings = function() return SETTINGS end}
    local _, _, kind = athena.query("SELECT 1")
    assert.equal("unavailable", kind)
    athena.use()
  end)

  it("rejects bad endpoints and half credentials", function()
    local c, err = native.client{region = "eu-west-1", endpoint = "ftp://x", access_key_id = "a",
                                 secret_access_key = "b"}
    assert.is_nil(c)
    assert.equal('athena: endpoint "ftp://x" is not http or https', err)
    assert.has_error(function() native.client{access_key_id = "only-half"} end,
                     "give both access_key_id and secret_access_key, or neither")
  end)

  it("checks its arguments", function()
    local c = offline()
    assert.has_error(function() c:start("SELECT ?", {1}) end, "parameter 1 must be a string")
    assert.has_error(function() c:results("q", nil, 1001) end)
    c:close()
    assert.has_error(function() c:status("q") end, "attempt to use a closed Athena client")
  end)

  it("counts blocking queries with enter and leave", function()
    assert.is_true(native.enter(), "no cap outside the server")
    native.leave()
    assert.has_error(function() native.leave() end, "athenaclient.leave without enter")
    local s = native.settings()
    assert.equal(0, s.max_queries)
    assert.equal("", s.output)
  end)
end)
