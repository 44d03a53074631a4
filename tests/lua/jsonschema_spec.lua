-- Specs for lakegate.jsonschema beyond the official suite: models built from schema
-- documents, their errors, and what a schema that lakegate cannot honour gets.
local core = require("lakegate.core")
local model = require("lakegate.model")
local jsonschema = require("lakegate.jsonschema")

local function schema(text) return assert(core.json_decode(text, nil, true)) end

describe("jsonschema", function()
  describe("to_model", function()
    local Person = jsonschema.to_model(schema([[{
      "title": "Person",
      "type": "object",
      "properties": {
        "name": {"type": "string", "minLength": 1},
        "age": {"type": ["integer", "null"], "minimum": 0},
        "email": {"type": "string", "format": "email"},
        "tags": {"type": "array", "items": {"type": "string"}, "uniqueItems": true},
        "address": {"$ref": "#/$defs/address"},
        "kind": {"enum": ["a", "b", 3]}
      },
      "required": ["name"],
      "$defs": {"address": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}
    }]]))

    it("builds a model with the document's properties in order", function()
      assert.is_true(model.is_model(Person))
      assert.equal("Person", Person.name)
      local names = {}
      for i, f in ipairs(Person.fields) do names[i] = f.name end
      assert.same({"name", "age", "email", "tags", "address", "kind"}, names)
      local v = assert(Person:validate({name = "Ann", age = 3.0, address = {city = "X", zip = 1}, kind = 3}))
      assert.equal('{"name":"Ann","age":3,"address":{"city":"X","zip":1},"kind":3}', core.json_encode(v))
    end)

    it("is strict and reports pydantic-style errors with locations", function()
      local _, errs = Person:validate({name = "", age = "3", tags = {"a", "a"}, address = {}, email = "x", kind = "c"}, {"body"})
      local got = {}
      for i, e in ipairs(errs) do got[i] = table.concat(e.loc, ".") .. ":" .. e.type end
      assert.same({"body.name:string_too_short", "body.age:int_type", "body.email:string_format",
                   "body.tags.1:unique_items", "body.address.city:missing", "body.kind:literal_error"}, got)
    end)

    it("publishes the document it came from as its JSON Schema, definitions renamed", function()
      local s = Person:json_schema()
      assert.equal("Person", s.title)
      assert.is_nil(s["$schema"])
      assert.equal("#/$defs/Person_address", s.properties.address["$ref"])
      assert.same({"city"}, s["$defs"].Person_address.required)
      local defs = {}
      s = Person:json_schema{ref_template = "#/components/schemas/{model}", defs = defs}
      assert.equal("#/components/schemas/Person_address", s.properties.address["$ref"])
      assert.truthy(defs.Person_address)
    end)

    it("validates through the fast path too", function()
      local v = Person:validate_json('{"name":"Bo","tags":["x","y"],"address":{"city":"Y"}}', {"body"})
      assert.same({"x", "y"}, v.tags)
      local _, errs = Person:validate_json('{"name":"Bo","tags":["x","x"]}', {"body"})
      assert.equal("unique_items", errs[1].type)
    end)
  end)

  describe("documents lakegate refuses when they load", function()
    local function refusal(text, opts)
      local ok, err = pcall(jsonschema.to_model, schema(text), opts)
      assert.is_false(ok)
      return err
    end

    it("names keywords it does not support instead of ignoring them", function()
      assert.matches("keyword 'patternProperties' is not supported",
                     refusal('{"type":"object","patternProperties":{"^x":{"type":"string"}}}'))
      assert.matches("keyword 'if' is not supported", refusal('{"type":"object","if":{}}'))
    end)

    it("refuses references outside the document and roots that are not objects", function()
      assert.matches("only references within the document",
                     refusal('{"type":"object","properties":{"a":{"$ref":"http://x/y.json"}}}'))
      assert.matches("must describe an object", refusal('{"type":"array"}'))
      assert.matches("root uses 'anyOf'", refusal('{"type":"object","anyOf":[{},{}]}'))
      assert.matches("no such location", refusal('{"type":"object","properties":{"a":{"$ref":"#/$defs/none"}}}'))
    end)
  end)

  describe("load", function()
    it("reads a file relative to the calling file and names the model after it", function()
      local M = jsonschema.load("fixtures/params/schemas/order.schema.json")
      assert.equal("Order", M.name)
      assert.truthy(M:validate({sku = "ABC-1", quantity = 1}))
    end)

    it("explains a missing file and invalid JSON", function()
      assert.has_error(function() jsonschema.load("fixtures/params/schemas/none.schema.json") end)
      local path = os.tmpname()
      local f = assert(io.open(path, "w"))
      f:write('{"type": "object",')
      f:close()
      local ok, err = pcall(jsonschema.load, path)
      os.remove(path)
      assert.is_false(ok)
      assert.matches("invalid JSON: Expecting property name enclosed in double quotes at byte 18", err)
    end)
  end)
end)
