-- pydantic v2's wording, kept in golden files: every error type lakegate emits has
-- pydantic-core's template (tests/lua/golden/pydantic_error_templates.json), every message
-- is that template rendered with the error's ctx, and known pydantic/FastAPI answers
-- (tests/lua/golden/pydantic_errors.json) come out byte for byte.
local core = require("lakegate.core")
local model = require("lakegate.model")
local errors = require("lakegate.model.errors")

local function golden(name)
  local path = "tests/lua/golden/" .. name
  local f = assert(io.open(path, "rb"), "missing " .. path)
  local v = assert(core.json_decode(f:read("a"), nil, true))
  f:close()
  return v
end

local TEMPLATES = golden("pydantic_error_templates.json")
local CASES = golden("pydantic_errors.json")

local MODELS = {
  FloatGt = model.define("FloatGt", {quantity = model.number{gt = 0}}),
  QueryRadius = model.define("QueryRadius", {radius_km = model.number{gt = 0}}),
  QueryIpv4 = model.define("QueryIpv4", {ipv4 = model.ipv4{}}),
  PathItem = model.define("PathItem", {item_id = model.integer{}}),
  Constraints = model.define("Constraints", {
    x = model.string{pattern = "^\\d+$"}, y = model.number{gt = 0}, z = model.array{model.integer{}, min_items = 1},
  }),
  Dates = model.define("Dates", {v = model.datetime{}, date_ = model.date{}}),
  Ident = model.define("Ident", {id = model.uuid{}}),
}

-- Every error message must be its type's golden template rendered with its ctx.
local function check_wording(e)
  local template = TEMPLATES.templates[e.type] or TEMPLATES.python_side[e.type]
  if e.type == "value_error" and e.ctx and e.ctx.reason then   -- pydantic's EmailStr
    template = TEMPLATES.python_side["value_error (EmailStr)"]
  end
  assert.is_not_nil(template or errors.EXTRA_TEMPLATES[e.type], "no template for error type " .. e.type)
  if template then assert.equal(errors.render(e.type, e.ctx, template), e.msg, "wording of " .. e.type) end
end

describe("pydantic v2 wording", function()
  it("uses pydantic-core's template for every error type it shares", function()
    for etype, template in pairs(errors.TEMPLATES) do
      assert.equal(TEMPLATES.templates[etype], template, "template of " .. etype)
    end
    for etype, template in pairs(TEMPLATES.python_side) do
      if errors.EXTRA_TEMPLATES[etype] then assert.equal(template, errors.EXTRA_TEMPLATES[etype], etype) end
    end
  end)

  it("gives pydantic's and FastAPI's answers for the golden cases", function()
    for i, case in ipairs(CASES.cases) do
      local m = assert(MODELS[case.model], case.model)
      local value, errs = m:validate(case.input, case.loc)
      assert.is_nil(value, "case " .. i)
      assert.equal(core.json_encode(case.errors), core.json_encode(errs), "case " .. i .. " (" .. case.model .. ")")
      local _, jerrs = m:validate_json(core.json_encode(case.input), case.loc)
      assert.equal(core.json_encode(case.errors), core.json_encode(jerrs), "case " .. i .. " through validate_json")
    end
  end)

  it("renders every message from its template, across many invalid inputs", function()
    local All = model.define("All", {
      {"s", model.string{min_length = 2, max_length = 3, pattern = "^a"}}, {"i", model.integer{gt = 1, lt = 9, multiple_of = 2}},
      {"n", model.number{ge = 1, le = 2}}, {"b", model.boolean{}}, {"e", model.enum{"x", "y"}}, {"l", model.literal{1, "a"}},
      {"d", model.datetime{tz = "aware"}}, {"dd", model.date{}}, {"t", model.time{}}, {"du", model.duration{}},
      {"u", model.uuid{version = 4}}, {"em", model.email{}}, {"url", model.url{schemes = {"https"}, max_length = 20}},
      {"ip4", model.ipv4{}}, {"ip6", model.ipv6{}}, {"by", model.bytes{min_length = 2, max_length = 3}},
      {"dec", model.decimal{max_digits = 3, decimal_places = 1, le = 10}}, {"a", model.array{model.integer{}, min_items = 1, max_items = 2}},
      {"tu", model.tuple{model.integer{}}}, {"se", model.set{model.integer{}, max_items = 1}},
      {"m", model.map{value = model.integer{}, min_properties = 1}}, {"none", model.none{}},
    }, {extra = "forbid"})
    local bad = {
      {s = 1}, {s = "a"}, {s = "abcd"}, {s = "bb"}, {s = "a\xff"}, {i = "x"}, {i = 1.5}, {i = 0}, {i = 9}, {i = 3},
      {i = "1e99999"}, {i = 1e300}, {n = "x"}, {n = {}}, {n = 0}, {n = 3}, {n = "nan"}, {b = "x"}, {b = 0.5}, {e = "z"},
      {l = 2}, {d = "x"}, {d = "2020-01-01T00:00:00"}, {d = true}, {dd = "x"}, {dd = "2020-01-01T01:00:00"}, {dd = 1},
      {t = "x"}, {t = {}}, {du = "x"}, {du = {}}, {u = "x"}, {u = 1}, {u = "a8098c1a-f86e-11da-bd1a-00112444be1e"},
      {em = "x"}, {url = "x"}, {url = "http://a.b"}, {url = "https://" .. ("a"):rep(20)}, {url = 1}, {ip4 = "x"},
      {ip6 = "x"}, {by = "a"}, {by = "YQ=="}, {by = "YWJjZA=="}, {by = 1}, {dec = "x"}, {dec = true}, {dec = "1234"},
      {dec = "1.25"}, {dec = "11"}, {dec = "99.1"}, {a = "x"}, {a = {}}, {a = {1, 2, 3}}, {tu = "x"}, {tu = {1, 2}},
      {se = "x"}, {se = {1, 2}}, {m = {1}}, {m = core.json_decode("{}")}, {none = 1}, {zz = 1},
    }
    local seen = 0
    for _, input in ipairs(bad) do
      local _, errs = All:validate(input)
      for _, e in ipairs(errs) do
        if e.type ~= "missing" then seen = seen + 1 end
        check_wording(e)
      end
    end
    assert.is_true(seen >= #bad, "every input produced its error")
  end)
end)
