-- lakegate.cli: the output of `lakegate query` in its three formats, and what `lakegate
-- ddl` and `lakegate athena init` do, over a scripted Athena client. The binary runs the
-- same commands against servers in tests/integration/test_athena*.py.
require("lakegate.core")   -- registers lakegate's C modules when run by stock Lua
local app = require("lakegate.app")
local athena = require("lakegate.athena")
local cli = require("lakegate.cli")
local core = require("lakegate.core")

local SETTINGS = {database = "lakegate", workgroup = "", output = "s3://results/", timeout_ms = 5000,
                  max_queries = 2}
local NULL = core.null

-- Runs f with io.stdout and io.stderr captured; returns its result, stdout, stderr.
local function captured(f, ...)
  local out, err = {}, {}
  local function sink(buf) return {write = function(self, ...)
    for _, s in ipairs({...}) do buf[#buf + 1] = s end
    return self
  end} end
  local real_out, real_err = io.stdout, io.stderr
  io.stdout, io.stderr = sink(out), sink(err)
  local ok, status = pcall(f, ...)
  io.stdout, io.stderr = real_out, real_err
  assert(ok, status)
  return status, table.concat(out), table.concat(err)
end

-- A scripted client: `pages` answer results(); `tables` answer table(); starts are kept.
local function scripted(script)
  local c = {started = {}}
  function c:start(sql, params, opts)
    self.started[#self.started + 1] = {sql = sql, opts = opts}
    if script.fail_start then return nil, script.fail_start, "InvalidRequestException", 400 end
    return "q-" .. #self.started
  end
  function c:wait() return {state = "SUCCEEDED", data_scanned_bytes = 2048} end
  function c:results(_, token)
    local pages = script.pages or {{columns = {}, rows = {}}}
    return pages[token and tonumber(token) or 1]
  end
  function c:table(_, name)
    local t = (script.tables or {})[name]
    if t then return t end
    return nil, "athena: GetTableMetadata: 400 MetadataException (Entity Not Found)", "EntityNotFound", 400
  end
  athena.use{settings = function() return SETTINGS end, enter = function() return true end,
             leave = function() end, client = function() return c end}
  return c
end

local PAGES = {
  {columns = {{name = "name", type = "varchar"}, {name = "n", type = "bigint"}},
   rows = {{"honey", "7"}, {"a, \"b\"", NULL}}, next_token = "2"},
  {columns = {{name = "name", type = "varchar"}, {name = "n", type = "bigint"}},
   rows = {{"ünï\ncorn", "12345"}}},
}

local function query(format, sql)
  return captured(cli.query, nil, {args = {sql or "SELECT name, n FROM t"}, options = {format = format}, lake = ""})
end

describe("lakegate.cli", function()
  lazy_teardown(function() athena.use() end)

  describe("query", function()
    it("prints an aligned table, numbers to the right, NULL as NULL", function()
      scripted{pages = PAGES}
      local status, out, err = query(nil)
      assert.equal(0, status)
      assert.equal("name      | n\n"
                   .. "----------+------\n"
                   .. "honey     |     7\n"
                   .. 'a, "b"    |  NULL\n'
                   .. "ünï\\ncorn | 12345\n", out, "widths in characters, the newline escaped")
      assert.equal("3 rows, 2.0 KB scanned, query q-1\n", err)
    end)

    it("prints CSV as RFC 4180 says", function()
      scripted{pages = PAGES}
      local status, out = query("csv")
      assert.equal(0, status)
      assert.equal('name,n\r\nhoney,7\r\n"a, ""b""",\r\n"ünï\ncorn",12345\r\n', out)
    end)

    it("prints one JSON array, typed, with null", function()
      scripted{pages = PAGES}
      local status, out = query("json")
      assert.equal(0, status)
      assert.equal('[\n{"name":"honey","n":7},\n{"name":"a, \\"b\\"","n":null},\n{"name":"ünï\\ncorn","n":12345}\n]\n', out)
      scripted{pages = {{columns = {{name = "x", type = "integer"}}, rows = {}}}}
      status, out = query("json")
      assert.equal("[]\n", out)
    end)

    it("refuses a bad format or no SQL, and reports a failed query", function()
      scripted{}
      local status, _, err = query("xml")
      assert.equal(2, status)
      assert.equal("lakegate query: --format must be table, csv or json, got 'xml'\n", err)
      status, _, err = query(nil, "  ")
      assert.equal(2, status)
      assert.equal("lakegate query: the SQL is empty\n", err)
      scripted{fail_start = "athena: StartQueryExecution: 400 InvalidRequestException (bad)"}
      status, _, err = query(nil)
      assert.equal(1, status)
      assert.equal("lakegate query: athena: StartQueryExecution: 400 InvalidRequestException (bad)\n", err)
    end)
  end)

  describe("ddl and athena init", function()
    local routes

    lazy_setup(function()
      routes = assert(app.load("routes"))
    end)

    local function inv(options, lake)
      return {args = {}, options = options or {}, lake = lake or "s3://my-lake/lake"}
    end

    it("prints the DDL of the app's tables", function()
      scripted{}
      local status, out = captured(cli.ddl, routes, inv())
      assert.equal(0, status)
      local f = assert(io.open("tests/golden/ddl/unicorn.sql", "rb"))
      assert.equal(f:read("a"), out)
      f:close()
      status, out = captured(cli.ddl, routes, inv({location = "s3://other/x", serde = "openx", since = "2026-11-01"}))
      assert.equal(0, status)
      assert.matches("LOCATION 's3://other/x/unicorns/'", out, 1, true)
      assert.matches("'projection.dt.range'='2026-11-01,NOW'", out, 1, true)
    end)

    it("needs an S3 location", function()
      scripted{}
      local status, _, err = captured(cli.ddl, routes, inv(nil, "/var/lake"))
      assert.equal(1, status)
      assert.matches("^lakegate ddl: the tables need an s3:// location", err)
    end)

    it("creates what is missing", function()
      local c = scripted{}
      local status, out = captured(cli.athena_init, routes, inv())
      assert.equal(0, status)
      assert.equal("database lakegate: ready\nlakegate.unicorns: created\n", out)
      assert.equal("CREATE DATABASE IF NOT EXISTS `lakegate`", c.started[1].sql)
      assert.equal("default", c.started[1].opts.database)
      assert.matches("^CREATE EXTERNAL TABLE IF NOT EXISTS `lakegate`.`unicorns`", c.started[2].sql)
    end)

    it("adds new fields and reports the rest", function()
      local base = {{name = "name", type = "string"}, {name = "rainbow", type = "boolean"},
                    {name = "color", type = "string"}, {name = "_ingested_at", type = "timestamp"},
                    {name = "_request_id", type = "string"}}
      local parts = {{name = "dt", type = "string"}, {name = "hr", type = "string"}}
      local c = scripted{tables = {unicorns = {columns = base, partition_keys = parts}}}
      local status, out = captured(cli.athena_init, routes, inv())
      assert.equal(0, status)
      assert.equal("database lakegate: ready\nlakegate.unicorns: added columns horn_length_cm, tags\n", out)
      assert.matches("^ALTER TABLE `lakegate`.`unicorns` ADD COLUMNS", c.started[2].sql)

      local changed = {}
      for i, col in ipairs(base) do changed[i] = col.name == "rainbow" and {name = "rainbow", type = "string"} or col end
      c = scripted{tables = {unicorns = {columns = changed, partition_keys = parts}}}
      local err
      status, out, err = captured(cli.athena_init, routes, inv())
      assert.equal(1, status)
      assert.equal("database lakegate: ready\nlakegate.unicorns: left as it is (see below)\n", out)
      assert.matches("  lakegate.unicorns.rainbow: type changes from string to boolean\n", err, 1, true)
      assert.equal(1, #c.started, "nothing but CREATE DATABASE")
    end)

    it("needs Athena", function()
      athena.use{settings = function() return {database = "lakegate", workgroup = "", output = "",
                                               timeout_ms = 1, max_queries = 1} end}
      local status, _, err = captured(cli.athena_init, routes, inv())
      assert.equal(1, status)
      assert.matches("^lakegate athena init: Athena is not configured", err)
    end)
  end)
end)
