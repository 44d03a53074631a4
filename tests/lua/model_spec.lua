-- Specs for lakegate.model: types, constraints, defaults, modes and pydantic v2 errors.
local model = require("lakegate.model")
local core = require("lakegate.core")

local NULL = model.null

local function errors_of(m, input)
  local value, errs = m:validate(input, {"body"})
  assert.is_nil(value, "expected the input to be rejected")
  return errs
end

local function only_error(m, input)
  local errs = errors_of(m, input)
  assert.equal(1, #errs, "expected exactly one error, got " .. tostring(core.json_encode(errs)))
  return errs[1]
end

describe("model", function()
  describe("string", function()
    local M = model.define("S", {s = model.string{min_length = 2, max_length = 4}})

    it("accepts a string within the bounds, counted in code points", function()
      assert.same({s = "né"}, (M:validate({s = "né"})))
      assert.same({s = "日本語!"}, (M:validate({s = "日本語!"})))
    end)

    it("rejects a short string with string_too_short", function()
      local e = only_error(M, {s = "a"})
      assert.equal("string_too_short", e.type)
      assert.same({"body", "s"}, e.loc)
      assert.equal("String should have at least 2 characters", e.msg)
      assert.equal("a", e.input)
      assert.same({min_length = 2}, e.ctx)
    end)

    it("rejects a long string with string_too_long", function()
      local e = only_error(M, {s = "abcde"})
      assert.equal("string_too_long", e.type)
      assert.equal("String should have at most 4 characters", e.msg)
      assert.same({max_length = 4}, e.ctx)
    end)

    it("uses the singular for a bound of one", function()
      local One = model.define("One", {s = model.string{min_length = 1}})
      assert.equal("String should have at least 1 character", only_error(One, {s = ""}).msg)
    end)

    it("rejects non-strings with string_type, without coercion", function()
      for _, bad in ipairs({12, true, NULL, {}}) do
        local e = only_error(M, {s = bad})
        assert.equal("string_type", e.type)
        assert.equal("Input should be a valid string", e.msg)
      end
    end)

    it("rejects invalid UTF-8 with string_unicode", function()
      assert.equal("string_unicode", only_error(M, {s = "a\xff"}).type)
    end)
  end)

  describe("boolean", function()
    local M = model.define("B", {b = model.boolean{}})
    local S = model.define("BS", {b = model.boolean{strict = true}})

    it("accepts booleans", function()
      assert.same({b = true}, (M:validate({b = true})))
      assert.same({b = false}, (M:validate({b = false})))
    end)

    it("coerces pydantic's boolean strings and 0/1 in lax mode", function()
      for _, s in ipairs({"true", "True", "yes", "on", "1", "y", "t"}) do
        assert.same({b = true}, (M:validate({b = s})), s)
      end
      for _, s in ipairs({"false", "NO", "off", "0", "n", "f"}) do
        assert.same({b = false}, (M:validate({b = s})), s)
      end
      assert.same({b = true}, (M:validate({b = 1})))
      assert.same({b = false}, (M:validate({b = 0})))
    end)

    it("rejects other strings and numbers with bool_parsing", function()
      for _, bad in ipairs({"maybe", 2, 0.5}) do
        local e = only_error(M, {b = bad})
        assert.equal("bool_parsing", e.type)
        assert.equal("Input should be a valid boolean, unable to interpret input", e.msg)
      end
    end)

    it("rejects other types with bool_type", function()
      local e = only_error(M, {b = {}})
      assert.equal("bool_type", e.type)
      assert.equal("Input should be a valid boolean", e.msg)
    end)

    it("does not coerce in strict mode", function()
      assert.equal("bool_type", only_error(S, {b = "true"}).type)
    end)
  end)

  describe("number", function()
    local M = model.define("N", {x = model.number{gt = 0, le = 120}})

    it("accepts numbers within bounds and returns floats", function()
      local v = M:validate({x = 12})
      assert.equal(12.0, v.x)
      assert.equal("float", math.type(v.x))
      assert.equal(120.0, M:validate({x = 120}).x)
    end)

    it("checks gt and le with pydantic's messages", function()
      local e = only_error(M, {x = 0})
      assert.equal("greater_than", e.type)
      assert.equal("Input should be greater than 0", e.msg)
      assert.same({gt = 0}, e.ctx)
      e = only_error(M, {x = 120.5})
      assert.equal("less_than_equal", e.type)
      assert.equal("Input should be less than or equal to 120", e.msg)
      assert.same({le = 120}, e.ctx)
    end)

    it("checks ge and lt", function()
      local R = model.define("R", {x = model.number{ge = 1, lt = 2}})
      assert.equal("greater_than_equal", only_error(R, {x = 0.5}).type)
      assert.equal("Input should be greater than or equal to 1", only_error(R, {x = 0.5}).msg)
      assert.equal("less_than", only_error(R, {x = 2}).type)
      assert.equal("Input should be less than 2", only_error(R, {x = 2}).msg)
    end)

    it("parses numeric strings in lax mode", function()
      assert.equal(1.5, M:validate({x = " 1.5 "}).x)
      assert.equal(100.0, M:validate({x = "1e2"}).x)
      local e = only_error(M, {x = "abc"})
      assert.equal("float_parsing", e.type)
      assert.equal("Input should be a valid number, unable to parse string as a number", e.msg)
    end)

    it("rejects non-numbers with float_type", function()
      local e = only_error(M, {x = {}})
      assert.equal("float_type", e.type)
      assert.equal("Input should be a valid number", e.msg)
    end)

    it("rejects NaN and infinities unless allow_inf_nan", function()
      local F = model.define("F", {x = model.number{}})
      assert.equal("finite_number", only_error(F, {x = 0 / 0}).type)
      assert.equal("finite_number", only_error(F, {x = math.huge}).type)
      local A = model.define("A", {x = model.number{allow_inf_nan = true}})
      assert.equal(math.huge, A:validate({x = math.huge}).x)
    end)
  end)

  describe("integer", function()
    local M = model.define("I", {n = model.integer{ge = 0}})

    it("keeps integers exact", function()
      assert.equal(9007199254740993, M:validate({n = 9007199254740993}).n)
      assert.equal("integer", math.type(M:validate({n = 7}).n))
    end)

    it("takes integral floats and integer strings in lax mode", function()
      assert.equal(3, M:validate({n = 3.0}).n)
      assert.equal("integer", math.type(M:validate({n = 3.0}).n))
      assert.equal(42, M:validate({n = " 42 "}).n)
    end)

    it("rejects fractional numbers with int_from_float", function()
      local e = only_error(M, {n = 1.5})
      assert.equal("int_from_float", e.type)
      assert.equal("Input should be a valid integer, got a number with a fractional part", e.msg)
    end)

    it("rejects integers beyond int64 with int_parsing_size", function()
      local big = core.json_decode("99999999999999999999")
      assert.equal("float", math.type(big), "the decoder keeps an out-of-range literal as a float")
      local e = only_error(M, {n = big})
      assert.equal("int_parsing_size", e.type)
      assert.equal("int_parsing_size", only_error(M, {n = "99999999999999999999"}).type)
    end)

    it("rejects unparsable strings with int_parsing", function()
      local e = only_error(M, {n = "1x"})
      assert.equal("int_parsing", e.type)
      assert.equal("Input should be a valid integer, unable to parse string as an integer", e.msg)
    end)

    it("checks bounds", function()
      assert.equal("greater_than_equal", only_error(M, {n = -1}).type)
    end)
  end)

  describe("enum", function()
    local M = model.define("E", {c = model.enum{"white", "pink", "gold"}})

    it("accepts a member", function()
      assert.same({c = "pink"}, (M:validate({c = "pink"})))
    end)

    it("lists the members in its error", function()
      local e = only_error(M, {c = "black"})
      assert.equal("enum", e.type)
      assert.equal("Input should be 'white', 'pink' or 'gold'", e.msg)
      assert.same({expected = "'white', 'pink' or 'gold'"}, e.ctx)
    end)
  end)

  describe("array", function()
    local M = model.define("L", {tags = model.array{model.string{max_length = 3}, max_items = 2}})

    it("accepts a list and returns a JSON array", function()
      local v = M:validate({tags = core.array({"a", "b"})})
      assert.same({"a", "b"}, v.tags)
      assert.equal("[\"a\",\"b\"]", core.json_encode(v.tags))
      assert.equal("[]", core.json_encode(M:validate({tags = core.array({})}).tags))
    end)

    it("rejects too many items with too_long and its context", function()
      local e = only_error(M, {tags = {"a", "b", "c"}})
      assert.equal("too_long", e.type)
      assert.equal("List should have at most 2 items after validation, not 3", e.msg)
      assert.same({field_type = "List", max_length = 2, actual_length = 3}, e.ctx)
    end)

    it("checks min_items", function()
      local N = model.define("N", {xs = model.array{model.integer{}, min_items = 1}})
      local e = only_error(N, {xs = core.array({})})
      assert.equal("too_short", e.type)
      assert.equal("List should have at least 1 item after validation, not 0", e.msg)
    end)

    it("reports item errors with their zero-based index", function()
      local errs = errors_of(M, {tags = {"long", 5}})
      assert.equal(2, #errs)
      assert.same({"body", "tags", 0}, errs[1].loc)
      assert.equal("string_too_long", errs[1].type)
      assert.same({"body", "tags", 1}, errs[2].loc)
      assert.equal("string_type", errs[2].type)
    end)

    it("rejects non-lists with list_type", function()
      local e = only_error(M, {tags = {a = 1}})
      assert.equal("list_type", e.type)
      assert.equal("Input should be a valid list", e.msg)
    end)
  end)

  describe("nested models", function()
    local Inner = model.define("Inner", {x = model.integer{}})
    local Outer = model.define("Outer", {inner = Inner{}, list = model.array{Inner, default = {}}})

    it("validates nested objects", function()
      local v = Outer:validate({inner = {x = 1}, list = {{x = 2}}})
      assert.same({inner = {x = 1}, list = {{x = 2}}}, v)
    end)

    it("reports nested locations", function()
      local errs = errors_of(Outer, {inner = {x = "a"}, list = {{x = 1}, {y = 2}}})
      assert.same({"body", "inner", "x"}, errs[1].loc)
      assert.same({"body", "list", 1, "x"}, errs[2].loc)
      assert.equal("missing", errs[2].type)
    end)

    it("accepts a bare model as a field type", function()
      local Bare = model.define("Bare", {inner = Inner, n = model.integer{}})
      assert.same({inner = {x = 1}, n = 2}, (Bare:validate({inner = {x = 1}, n = 2})))
    end)

    it("rejects a non-object with model_type naming the model", function()
      local e = only_error(Outer, {inner = 5})
      assert.equal("model_type", e.type)
      assert.equal("Input should be a valid dictionary or instance of Inner", e.msg)
      assert.same({class_name = "Inner"}, e.ctx)
    end)
  end)

  describe("fields", function()
    it("reports missing required fields with the whole input", function()
      local M = model.define("R", {a = model.string{}})
      local input = {}
      local e = only_error(M, input)
      assert.equal("missing", e.type)
      assert.equal("Field required", e.msg)
      assert.same({"body", "a"}, e.loc)
      assert.equal(input, e.input)
    end)

    it("fills defaults, copying table defaults for each record", function()
      local M = model.define("D", {
        c = model.enum{"a", "b", default = "a"},
        t = model.array{model.string{}, default = {}},
        f = model.integer{default_factory = function() return 7 end},
      })
      local v1, v2 = M:validate({}), M:validate({})
      assert.same({c = "a", t = {}, f = 7}, v1)
      assert.are_not.equal(v1.t, v2.t)
      assert.equal('{"c":"a","t":[],"f":7}', core.json_encode(v1))
    end)

    it("leaves optional fields without a default out", function()
      local M = model.define("O", {a = model.string{optional = true}})
      assert.same({}, (M:validate({})))
    end)

    it("accepts null only for nullable fields", function()
      local M = model.define("Nu", {a = model.number{nullable = true, default = NULL}, b = model.number{}})
      local v = M:validate({b = 1})
      assert.equal(NULL, v.a)
      assert.equal(NULL, M:validate({a = NULL, b = 1}).a)
      assert.equal("float_type", only_error(M, {a = 1, b = NULL}).type)
    end)

    it("encodes in declaration order", function()
      local M = model.define("Ord", {z = model.integer{}, a = model.integer{}, m = model.integer{}})
      assert.equal('{"z":1,"a":2,"m":3}', core.json_encode(M:validate({a = 2, m = 3, z = 1})))
    end)

    it("collects every error of a document, in field order", function()
      local M = model.define("Many", {a = model.string{}, b = model.integer{}, c = model.boolean{}})
      local errs = errors_of(M, {a = 1, b = "x", c = "maybe"})
      assert.same({"string_type", "int_parsing", "bool_parsing"}, {errs[1].type, errs[2].type, errs[3].type})
    end)
  end)

  describe("extra", function()
    it("ignores unknown keys by default", function()
      local M = model.define("X", {a = model.integer{}})
      assert.same({a = 1}, (M:validate({a = 1, b = 2})))
    end)

    it("rejects unknown keys with extra = forbid", function()
      local M = model.define("XF", {a = model.integer{}}, {extra = "forbid"})
      local e = only_error(M, {a = 1, b = 2})
      assert.equal("extra_forbidden", e.type)
      assert.equal("Extra inputs are not permitted", e.msg)
      assert.same({"body", "b"}, e.loc)
      assert.equal(2, e.input)
    end)

    it("keeps unknown keys with extra = allow", function()
      local M = model.define("XA", {a = model.integer{}}, {extra = "allow"})
      assert.same({a = 1, b = 2}, (M:validate({a = 1, b = 2})))
    end)
  end)

  describe("top level", function()
    it("rejects a non-object body with model_attributes_type", function()
      local M = model.define("T", {a = model.integer{}})
      local e = only_error(M, core.array({1}))
      assert.equal("model_attributes_type", e.type)
      assert.same({"body"}, e.loc)
      assert.equal("Input should be a valid dictionary or object to extract fields from", e.msg)
    end)

    it("encodes errors with pydantic's key order", function()
      local M = model.define("K", {a = model.string{min_length = 2}})
      local _, errs = M:validate({a = "x"}, {"body"})
      assert.equal('[{"type":"string_too_short","loc":["body","a"],"msg":"String should have at least 2 characters","input":"x","ctx":{"min_length":2}}]',
                   core.json_encode(errs))
    end)
  end)

  describe("declaration errors", function()
    it("rejects an unknown option at the caller's line", function()
      local ok, err = pcall(function()
        local t = model.string{min_lenght = 1}
        return t
      end)
      assert.is_false(ok)
      assert.matches("model_spec.lua:%d+: model.string: unknown option 'min_lenght'", err)
    end)

    it("rejects a constraint with a wrong value", function()
      assert.has_error(function() model.string{min_length = -1} end)
      assert.has_error(function() model.number{gt = "x"} end)
    end)

    it("rejects contradictory bounds", function()
      assert.has_error(function() model.string{min_length = 5, max_length = 2} end)
    end)

    it("rejects a field that is not a type", function()
      local ok, err = pcall(model.define, "Bad", {a = "string"})
      assert.is_false(ok)
      assert.matches("field 'a' must be a model type", err)
    end)

    it("rejects an unknown extra mode", function()
      assert.has_error(function() model.define("Bad", {}, {extra = "sometimes"}) end)
    end)

    it("rejects an array without an item type", function()
      assert.has_error(function() model.array{max_items = 1} end)
    end)
  end)
end)
