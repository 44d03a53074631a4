-- Specs for lakegate.openapi: the document FastAPI users expect, from the routes and models.
local app = require("lakegate.app")
local openapi = require("lakegate.openapi")
local core = require("lakegate.core")

local function doc_of(dir, options)
  local a = assert(app.load(dir, options))
  -- Round-trip through JSON, as clients see it.
  return core.json_decode(a:openapi_json()), a
end

describe("openapi", function()
  local doc

  lazy_setup(function()
    doc = doc_of("tests/lua/fixtures/app", {root_path = "/prod"})
  end)

  it("is OpenAPI 3.1 with the gateway prefix as server", function()
    assert.equal("3.1.0", doc.openapi)
    assert.equal("lakegate", doc.info.title)
    assert.same({{url = "/prod"}}, doc.servers)
  end)

  it("documents path parameters from the path model", function()
    local get = doc.paths["/items/{id}"].get
    assert.same({{name = "id", ["in"] = "path", required = true,
                  schema = {type = "integer", minimum = 1, title = "Id"}}}, get.parameters)
    assert.truthy(get.responses["422"])
  end)

  it("documents query parameters with their defaults as optional", function()
    local params = doc.paths["/items"].get.parameters
    assert.equal("limit", params[1].name)
    assert.equal("query", params[1]["in"])
    assert.is_false(params[1].required)
    assert.equal(10, params[1].schema.default)
    assert.equal("tag", params[2].name)
    assert.equal("array", params[2].schema.type)
  end)

  it("documents header parameters by their header names", function()
    local p = doc.paths["/secure"].get.parameters[1]
    assert.same({"x-token", "header", true}, {p.name, p["in"], p.required})
  end)

  it("refers request bodies to component schemas, with 400 and 422 answers", function()
    local post = doc.paths["/items"].post
    assert.same({["$ref"] = "#/components/schemas/Item"}, post.requestBody.content["application/json"].schema)
    assert.is_true(post.requestBody.required)
    assert.truthy(post.responses["201"])
    assert.same({["$ref"] = "#/components/schemas/HTTPValidationError"},
                post.responses["422"].content["application/json"].schema)
    assert.truthy(post.responses["400"])
    local item = doc.components.schemas.Item
    assert.same({"name", "price"}, item.required)
    assert.is_false(item.additionalProperties)
  end)

  it("publishes FastAPI's validation error schemas", function()
    local ve = doc.components.schemas.ValidationError
    assert.same({"loc", "msg", "type"}, ve.required)
    assert.equal("#/components/schemas/ValidationError",
                 doc.components.schemas.HTTPValidationError.properties.detail.items["$ref"])
  end)

  it("uses the response model for the answer's schema", function()
    assert.same({["$ref"] = "#/components/schemas/Public"},
                doc.paths["/public"].get.responses["200"].content["application/json"].schema)
  end)

  it("leaves its own documentation routes out", function()
    assert.is_nil(doc.paths["/docs"])
    assert.is_nil(doc.paths["/openapi.json"])
  end)

  it("declares the API-key schemes for routes that need a key", function()
    local secured = doc_of("tests/lua/fixtures/secure", {auth = "api_key"})
    assert.same({{APIKeyHeader = {}}, {HTTPBearer = {}}}, secured.paths["/default"].get.security)
    assert.is_nil(secured.paths["/open"].get.security)
    assert.equal("X-API-Key", secured.components.securitySchemes.APIKeyHeader.name)
  end)

  it("can be turned off with the docs setting", function()
    local a = assert(app.load("tests/lua/fixtures/app", {docs = false}))
    assert.is_nil(a.patterns["/docs"])
    assert.is_table(openapi.document(a))
  end)

  describe("router.info", function()
    local function load(src) return app.load("x", {files = {["api.lua"] = src}}) end

    it("sets the document's title, version and description, and the pages' title", function()
      local a = assert(load([[
local router = require("lakegate.router")
router.info{title = "Unicorns & <friends>", version = "2.1.0", description = "Sightings"}
router.get("/", function() return {} end)
]]))
      local d = core.json_decode(a:openapi_json())
      assert.same({title = "Unicorns & <friends>", version = "2.1.0", description = "Sightings"}, d.info)
      local status, page = a.patterns["/docs"].methods.GET.handler({})
      assert.equal(200, status)
      assert.matches("<title>Unicorns &amp; &lt;friends&gt; %- Swagger UI</title>", page)
    end)

    it("rejects a second call with where the first was", function()
      local a, err = load([[
local router = require("lakegate.router")
router.info{title = "A"}
router.info{title = "B"}
]])
      assert.is_nil(a)
      assert.matches("api.lua:3: router.info: already called at x/api.lua:2", err, 1, true)
    end)

    it("rejects unknown fields and non-strings at load", function()
      local _, err = load('require("lakegate.router").info{titel = "A"}')
      assert.matches("api.lua:1: router.info: unknown field 'titel'", err, 1, true)
      local _, err2 = load('require("lakegate.router").info{version = 2}')
      assert.matches("router.info: version must be a string", err2, 1, true)
    end)
  end)
end)
