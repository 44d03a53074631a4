-- Specs for serialization (Model:dump) and JSON Schema output (Model:json_schema), which
-- must read like pydantic v2's model_dump(mode="json") and model_json_schema().
local model = require("lakegate.model")
local core = require("lakegate.core")

local NULL = model.null
local json = core.json_encode

describe("model output", function()
  local Owner = model.define("Owner", {
    name = model.string{description = "Who keeps it"},
    since = model.date{optional = true},
  })
  local Unicorn = model.define("Unicorn", {
    name = model.string{min_length = 1, max_length = 64, description = "The unicorn's name"},
    rainbow = model.boolean{description = "Whether it trails a rainbow"},
    horn_length_cm = model.number{gt = 0, le = 120, nullable = true, default = NULL, description = "Horn length in centimetres"},
    color = model.enum{"white", "pink", "gold", default = "white"},
    tags = model.array{model.string{}, max_items = 10, default = {}},
    seen_at = model.datetime{serialization_alias = "seenAt", optional = true},
    owner = Owner{optional = true},
    secret = model.string{exclude = true, optional = true},
  }, {extra = "forbid", description = "A unicorn sighting"})

  describe("dump", function()
    local v = assert(Unicorn:validate({name = "honey", rainbow = true, seen_at = "2024-05-01T12:00:00+02:00",
                                       owner = {name = "Ann"}, secret = "s"}))

    it("uses serialization aliases, keeps field order and leaves excluded fields out", function()
      assert.equal('{"name":"honey","rainbow":true,"horn_length_cm":null,"color":"white","tags":[],' ..
                   '"seenAt":"2024-05-01T10:00:00Z","owner":{"name":"Ann"}}', Unicorn:dump_json(v))
    end)

    it("uses field names with by_alias = false", function()
      assert.equal("2024-05-01T10:00:00Z", Unicorn:dump(v, {by_alias = false}).seen_at)
    end)

    it("drops null fields with exclude_none and defaults with exclude_defaults", function()
      assert.equal('{"name":"honey","rainbow":true,"color":"white","tags":[],"seenAt":"2024-05-01T10:00:00Z","owner":{"name":"Ann"}}',
                   Unicorn:dump_json(v, {exclude_none = true}))
      assert.equal('{"name":"honey","rainbow":true,"seenAt":"2024-05-01T10:00:00Z","owner":{"name":"Ann"}}',
                   Unicorn:dump_json(v, {exclude_defaults = true}))
    end)

    it("serializes union members by the model that validated them", function()
      local A = model.define("A", {kind = model.literal{"a"}, n = model.integer{serialization_alias = "N"}})
      local B = model.define("B", {kind = model.literal{"b"}, s = model.string{serialization_alias = "S"}})
      local U = model.define("U", {item = model.union{A, B}})
      local u = assert(U:validate({item = {kind = "b", s = "x"}}))
      assert.equal('{"item":{"kind":"b","S":"x"}}', U:dump_json(u))
    end)
  end)

  describe("json_schema", function()
    it("matches pydantic's model_json_schema() for the Unicorn", function()
      local s = Unicorn:json_schema()
      assert.equal(json(core.json_decode([[{
        "$defs": {"Owner": {"properties": {"name": {"description": "Who keeps it", "title": "Name", "type": "string"},
                                           "since": {"format": "date", "title": "Since", "type": "string"}},
                            "required": ["name"], "title": "Owner", "type": "object"}},
        "additionalProperties": false,
        "description": "A unicorn sighting",
        "properties": {
          "name": {"description": "The unicorn's name", "maxLength": 64, "minLength": 1, "title": "Name", "type": "string"},
          "rainbow": {"description": "Whether it trails a rainbow", "title": "Rainbow", "type": "boolean"},
          "horn_length_cm": {"anyOf": [{"exclusiveMinimum": 0, "maximum": 120, "type": "number"}, {"type": "null"}],
                             "default": null, "description": "Horn length in centimetres", "title": "Horn Length Cm"},
          "color": {"default": "white", "enum": ["white", "pink", "gold"], "title": "Color", "type": "string"},
          "tags": {"default": [], "items": {"type": "string"}, "maxItems": 10, "title": "Tags", "type": "array"},
          "seen_at": {"format": "date-time", "title": "Seen At", "type": "string"},
          "owner": {"$ref": "#/$defs/Owner"},
          "secret": {"title": "Secret", "type": "string"}
        },
        "required": ["name", "rainbow"],
        "title": "Unicorn",
        "type": "object"
      }]], nil, true)), json(s))
    end)

    it("collects definitions elsewhere with ref_template and defs (for OpenAPI components)", function()
      local defs = {}
      local s = Unicorn:json_schema{ref_template = "#/components/schemas/{model}", defs = defs}
      assert.is_nil(s["$defs"])
      assert.equal("#/components/schemas/Owner", s.properties.owner["$ref"])
      assert.equal("Owner", defs.Owner.title)
    end)

    it("lists serialization keys and always-present fields in serialization mode", function()
      local s = Unicorn:json_schema{mode = "serialization"}
      assert.truthy(s.properties.seenAt)
      assert.is_nil(s.properties.secret)
      assert.same({"name", "rainbow", "horn_length_cm", "color", "tags"}, s.required)
    end)

    it("describes every type", function()
      local All = model.define("All", {
        {"i", model.integer{ge = 1, multiple_of = 2}}, {"u", model.uuid{version = 4}},
        {"e", model.email{}}, {"w", model.url{max_length = 10}}, {"ip", model.ip{}}, {"b", model.bytes{}},
        {"d", model.decimal{}}, {"t", model.tuple{model.string{}, model.integer{}}}, {"s", model.set{model.integer{}}},
        {"m", model.map{value = model.integer{}}}, {"l", model.literal{"x"}}, {"n", model.none{}},
        {"du", model.duration{}}, {"a", model.any{}},
        {"p", model.union{model.integer{}, model.string{}}},
      })
      local p = All:json_schema().properties
      local function same(expected, got) assert.equal(expected, json(got)) end
      same('{"minimum":1,"multipleOf":2,"title":"I","type":"integer"}', p.i)
      same('{"format":"uuid4","title":"U","type":"string"}', p.u)
      same('{"format":"email","title":"E","type":"string"}', p.e)
      same('{"format":"uri","maxLength":10,"minLength":1,"title":"W","type":"string"}', p.w)
      same('{"format":"ipvanyaddress","title":"Ip","type":"string"}', p.ip)
      same('{"format":"base64","title":"B","type":"string"}', p.b)
      same('{"anyOf":[{"type":"number"},{"type":"string"}],"title":"D"}', p.d)
      same('{"maxItems":2,"minItems":2,"prefixItems":[{"type":"string"},{"type":"integer"}],"title":"T","type":"array"}', p.t)
      same('{"items":{"type":"integer"},"title":"S","type":"array","uniqueItems":true}', p.s)
      same('{"additionalProperties":{"type":"integer"},"title":"M","type":"object"}', p.m)
      same('{"const":"x","title":"L","type":"string"}', p.l)
      same('{"title":"N","type":"null"}', p.n)
      same('{"format":"duration","title":"Du","type":"string"}', p.du)
      same('{"title":"A"}', p.a)
      same('{"anyOf":[{"type":"integer"},{"type":"string"}],"title":"P"}', p.p)
    end)

    it("describes discriminated unions with a mapping", function()
      local Cat = model.define("Cat", {kind = model.literal{"cat"}})
      local Dog = model.define("Dog", {kind = model.literal{"dog"}})
      local Pet = model.define("Pet", {pet = model.union{Cat, Dog, discriminator = "kind"}})
      assert.equal('{"discriminator":{"mapping":{"cat":"#/$defs/Cat","dog":"#/$defs/Dog"},"propertyName":"kind"},' ..
                   '"oneOf":[{"$ref":"#/$defs/Cat"},{"$ref":"#/$defs/Dog"}],"title":"Pet"}', json(Pet:json_schema().properties.pet))
    end)

    it("gives adapters a schema too", function()
      assert.equal('{"items":{"type":"integer"},"type":"array"}', json(model.adapter(model.array{model.integer{}}):json_schema()))
    end)
  end)
end)
