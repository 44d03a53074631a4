-- Specs for lakegate.security through the app: API keys, custom auth, rate limits, CORS.
local testing = require("lakegate.testing")

local FIXTURE = "tests/lua/fixtures/secure"
local KEY = "k-0123456789abcdef"

describe("security", function()
  describe("with auth = api_key by default", function()
    local client

    lazy_setup(function()
      client = testing.client(FIXTURE, {auth = "api_key", api_keys = {ops = KEY},
                                        cors_origins = "https://app.example"})
    end)

    lazy_teardown(function() client:close() end)

    it("refuses a request without a key with 401 and a challenge", function()
      local status, body, headers = client:get("/default")
      assert.equal(401, status)
      assert.same({detail = "Not authenticated"}, body)
      assert.equal('Bearer realm="lakegate"', headers["www-authenticate"])
    end)

    it("refuses a wrong key", function()
      local status, body = client:get("/default", {headers = {["X-API-Key"] = "k-wrong-wrong-wrong"}})
      assert.equal(401, status)
      assert.same({detail = "Invalid API key"}, body)
    end)

    it("accepts the key in X-API-Key or as a bearer token, and names it", function()
      local status, body = client:get("/default", {headers = {["X-API-Key"] = KEY}})
      assert.equal(200, status)
      assert.same({who = "ops"}, body)
      status, body = client:get("/keyed", {headers = {Authorization = "Bearer " .. KEY}})
      assert.equal(200, status)
      assert.same({who = "ops"}, body)
    end)

    it("lets a route opt out", function()
      local status, body = client:get("/open")
      assert.equal(200, status)
      assert.same({who = "anyone"}, body)
    end)

    it("runs a custom auth function", function()
      local status, body = client:get("/custom")
      assert.equal(401, status)
      assert.same({detail = "say please"}, body)
      assert.equal(200, (client:get("/custom", {headers = {["X-Magic"] = "please"}})))
    end)

    it("limits a route's rate per client with 429 and Retry-After", function()
      local function get(who) return client:request("GET", "/limited", {client = who}) end
      assert.equal(200, (get("10.0.0.1")))
      assert.equal(200, (get("10.0.0.1")))
      local status, body, headers = get("10.0.0.1")
      assert.equal(429, status)
      assert.same({detail = "Too Many Requests"}, body)
      assert.truthy(tonumber(headers["retry-after"]) >= 1)
      assert.equal(200, (get("10.0.0.2")), "another client has its own bucket")
    end)

    it("answers a CORS preflight for an allowed origin", function()
      local status, body, headers = client:request("OPTIONS", "/cors", {headers = {
        Origin = "https://allowed.example", ["Access-Control-Request-Method"] = "POST",
        ["Access-Control-Request-Headers"] = "content-type"}})
      assert.equal(204, status)
      assert.equal("", body)
      assert.equal("https://allowed.example", headers["access-control-allow-origin"])
      assert.equal("POST", headers["access-control-allow-methods"])
      assert.equal("content-type", headers["access-control-allow-headers"])
    end)

    it("refuses a preflight from another origin", function()
      local status = client:request("OPTIONS", "/cors", {headers = {
        Origin = "https://evil.example", ["Access-Control-Request-Method"] = "POST"}})
      assert.equal(405, status)
    end)

    it("adds CORS headers to answers, errors included, for the app's origins", function()
      local status, _, headers = client:get("/default", {headers = {Origin = "https://app.example"}})
      assert.equal(401, status)
      assert.equal("https://app.example", headers["access-control-allow-origin"])
      assert.equal("Origin", headers["vary"])
      local _, _, h2 = client:get("/nocors", {headers = {Origin = "https://app.example"}})
      assert.is_nil(h2["access-control-allow-origin"])
      local _, _, h3 = client:get("/open", {headers = {Origin = "https://other.example"}})
      assert.is_nil(h3["access-control-allow-origin"])
    end)
  end)

  describe("declaration errors", function()
    it("rejects a bad rate limit at load with the route", function()
      local app = require("lakegate.app")
      local a, err = app.load("x", {files = {["bad.lua"] = [[
local router = require("lakegate.router")
router.get("/x", {rate_limit = "lots"}, function() end)
]]}})
      assert.is_nil(a)
      assert.matches("bad.lua:2: route GET /x: rate_limit must look like 100/s", err)
    end)
  end)
end)
