-- Specs for the example Unicorn API, through the in-process test client.
local testing = require("lakegate.testing")
local lakegate = require("lakegate")

describe("route: unicorn", function()
  local client

  lazy_setup(function()
    client = testing.client("routes")
  end)

  lazy_teardown(function()
    client:close()
  end)

  it("says hello", function()
    local status, body = client:get("/")
    assert.equal(200, status)
    assert.same({Hello = "World"}, body)
  end)

  describe("POST /unicorn", function()
    it("stores a valid unicorn with its defaults and answers 201", function()
      local status, body = client:post("/unicorn", {name = "honey", rainbow = true})
      assert.equal(201, status)
      assert.same({name = "honey", rainbow = true, horn_length_cm = lakegate.null, color = "white", tags = {}}, body)
      local stored = client:lake_records("unicorns")
      assert.equal(1, #stored)
      assert.equal("honey", stored[1].name)
      assert.equal(lakegate.null, stored[1].horn_length_cm)
      assert.same({}, stored[1].tags)
      local files = client:lake_files("unicorns")
      assert.matches("^unicorns/dt=%d%d%d%d%-%d%d%-%d%d/hr=%d%d/[^/]+%.json%.gz$", files[1])
    end)

    it("keeps every digit of a float", function()
      local status, body = client:post("/unicorn",
        '{"name":"x","rainbow":true,"horn_length_cm":0.1234567890123456789}')
      assert.equal(201, status)
      assert.equal(0.12345678901234568, body.horn_length_cm)
    end)

    describe("errors", function()
      it("reports a short name and an unreadable boolean together", function()
        local status, body = client:post("/unicorn", {name = "", rainbow = "maybe"})
        assert.equal(422, status)
        assert.equal(2, #body.detail)
        assert.same({type = "string_too_short", loc = {"body", "name"},
                     msg = "String should have at least 1 character", input = "", ctx = {min_length = 1}},
                    body.detail[1])
        assert.same({type = "bool_parsing", loc = {"body", "rainbow"},
                     msg = "Input should be a valid boolean, unable to interpret input", input = "maybe"},
                    body.detail[2])
      end)

      it("rejects a horn that is too long", function()
        local status, body = client:post("/unicorn", {name = "x", rainbow = false, horn_length_cm = 121})
        assert.equal(422, status)
        assert.equal("less_than_equal", body.detail[1].type)
      end)

      it("rejects an unknown color", function()
        local status, body = client:post("/unicorn", {name = "x", rainbow = false, color = "black"})
        assert.equal(422, status)
        assert.equal("Input should be 'white', 'pink' or 'gold'", body.detail[1].msg)
      end)

      it("rejects more than 10 tags", function()
        local tags = {}
        for i = 1, 11 do tags[i] = "t" .. i end
        local status, body = client:post("/unicorn", {name = "x", rainbow = false, tags = tags})
        assert.equal(422, status)
        assert.equal("too_long", body.detail[1].type)
      end)

      it("rejects unknown fields", function()
        local status, body = client:post("/unicorn", {name = "x", rainbow = false, wings = 2})
        assert.equal(422, status)
        assert.same({"body", "wings"}, body.detail[1].loc)
      end)

      it("answers 400 for malformed JSON and 405 for GET", function()
        assert.equal(400, (client:post("/unicorn", '{"name":')))
        assert.equal(405, (client:get("/unicorn")))
      end)
    end)
  end)

  describe("POST /unicorns/batch", function()
    it("stores every valid unicorn of an NDJSON batch and reports each", function()
      local body = '{"name":"b-one","rainbow":true}\n{"name":"","rainbow":true}\n{"name":"b-two","rainbow":false}\n'
      local status, answer = client:post("/unicorns/batch", body, {headers = {["content-type"] = "application/x-ndjson"}})
      assert.equal(207, status)
      assert.equal(2, answer.stored)
      assert.equal(1, answer.failed)
      assert.equal("string_too_short", answer.results[2].detail[1].type)
      local names = {}
      for _, u in ipairs(client:lake_records("unicorns")) do names[u.name] = (names[u.name] or 0) + 1 end
      assert.equal(1, names["b-one"])
      assert.equal(1, names["b-two"])
    end)

    it("takes a JSON array and answers 200 when all are valid", function()
      local status, answer = client:post("/unicorns/batch", {{name = "arr", rainbow = true}})
      assert.equal(200, status)
      assert.same({stored = 1, failed = 0, results = {{index = 0, status = 201}}}, answer)
    end)

    it("keeps the rejected unicorns as dead letters", function()
      client:post("/unicorn", {name = "", rainbow = true}, {headers = {["x-request-id"] = "dead-1"}})
      local kept
      for _, r in ipairs(client:lake_records("_rejected/unicorns")) do
        if r._request_id == "dead-1" then kept = r end
      end
      assert.equal("POST /unicorn", kept.route)
      assert.same({name = "", rainbow = true}, kept.input)
    end)
  end)
end)
