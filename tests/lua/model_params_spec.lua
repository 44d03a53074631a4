-- Specs for parameters: the same models validate path, query and header values (strings,
-- coerced per type), repeated query keys fill list fields, and errors start their loc with
-- "path", "query" or "header" as FastAPI's do. Also a body model from a JSON Schema file.
local testing = require("lakegate.testing")

describe("route parameters", function()
  local client

  lazy_setup(function()
    client = testing.client("tests/lua/fixtures/params")
  end)

  lazy_teardown(function()
    client:close()
  end)

  local OK_HEADERS = {["X-Token"] = "abc"}

  it("coerces path, query and header strings to their types", function()
    local status, body = client:get("/things/7/2024-02-29?limit=5&active=yes&ids=3&ids=1&sort=age&sort=age&pageToken=p",
                                     {headers = {["X-Token"] = "abc", ["X-Count"] = "12",
                                                 ["X-Trace-Id"] = "67E55044-10B1-426F-9247-BB680E5FE0C8"}})
    assert.equal(200, status)
    assert.same({id = 7, day = "2024-02-29"}, body.params)
    assert.same({limit = 5, active = true, ids = {3, 1}, sort = {"age"}, page_token = "p"}, body.query)
    assert.same({x_token = "abc", x_count = 12, trace = "67e55044-10b1-426f-9247-bb680e5fe0c8"}, body.headers)
  end)

  it("fills query defaults", function()
    local status, body = client:get("/things/1/2024-01-01", {headers = OK_HEADERS})
    assert.equal(200, status)
    assert.same({limit = 10, ids = {}}, body.query)
  end)

  it("reports every bad parameter with its place in loc", function()
    local status, body = client:get("/things/0/2024-02-30?limit=x&ids=1&ids=b&after=yesterday",
                                    {headers = {["X-Count"] = "many"}})
    assert.equal(422, status)
    local locs = {}
    for i, e in ipairs(body.detail) do locs[i] = table.concat(e.loc, ".") .. "=" .. e.type end
    assert.same({
      "path.id=greater_than_equal",
      "path.day=date_from_datetime_parsing",
      "query.limit=int_parsing",
      "query.ids.1=int_parsing",
      "query.after=datetime_from_date_parsing",
      "header.x-token=missing",
      "header.x-count=int_parsing",
    }, locs)
    assert.same({type = "int_parsing", loc = {"query", "limit"},
                 msg = "Input should be a valid integer, unable to parse string as an integer", input = "x"}, body.detail[3])
  end)

  describe("a body model from a JSON Schema file", function()
    it("accepts valid orders, fills valid defaults and stays strict", function()
      local status, body = client:post("/orders", {sku = "ABC-12", quantity = 2.0})
      assert.equal(201, status)
      assert.same({sku = "ABC-12", quantity = 2, express = false}, body)
      status, body = client:post("/orders", {sku = "ABC-12", quantity = "2"})
      assert.equal(422, status)
      assert.same({type = "int_type", loc = {"body", "quantity"}, msg = "Input should be a valid integer", input = "2"},
                  body.detail[1])
    end)

    it("reports pattern, format, required and extra keys", function()
      local status, body = client:post("/orders", {sku = "abc", placed_at = "yesterday", note = "x"})
      assert.equal(422, status)
      local types = {}
      for i, e in ipairs(body.detail) do types[i] = e.type end
      assert.same({"string_pattern_mismatch", "missing", "string_format", "extra_forbidden"}, types)
    end)
  end)
end)
