-- Specs for validators written in Lua: field validators before and after the type's
-- checks, model validators, and the errors they raise (value_error, assertion_error,
-- custom types) in detail[] with the right loc.
local model = require("lakegate.model")
local core = require("lakegate.core")

local function errors_of(m, input)
  local value, errs = m:validate(input, {"body"})
  assert.is_nil(value, "expected the input to be rejected")
  return errs
end

describe("model validators", function()
  describe("field validators", function()
    it("run before the type's checks on the raw input, and after on the validated value", function()
      local M = model.define("V", {
        code = model.string{
          min_length = 3,
          before = function(v) return type(v) == "number" and tostring(v) or v end,
          after = function(v) return v:upper() end,
        },
      })
      assert.same({code = "ABC"}, (M:validate({code = "abc"})))
      assert.same({code = "123"}, (M:validate({code = 123})))
      assert.equal("string_too_short", errors_of(M, {code = 12})[1].type)
    end)

    it("keep the value when they return nothing, and run in order", function()
      local seen = {}
      local M = model.define("Order", {n = model.integer{after = {
        function(v) seen[#seen + 1] = "first" end,
        function(v) seen[#seen + 1] = "second" return v * 2 end,
      }}})
      assert.same({n = 4}, (M:validate({n = 2})))
      assert.same({"first", "second"}, seen)
    end)

    it("see the fields validated before them and their own name", function()
      local M = model.define("Pw", {
        password = model.string{},
        repeat_password = model.string{after = function(v, info)
          if v ~= info.data.password then model.value_error("passwords do not match") end
          assert.equal("repeat_password", info.field_name)
        end},
      })
      assert.truthy(M:validate({password = "a", repeat_password = "a"}))
      local e = errors_of(M, {password = "a", repeat_password = "b"})[1]
      assert.same({type = "value_error", loc = {"body", "repeat_password"}, msg = "Value error, passwords do not match",
                   input = "b", ctx = {error = "passwords do not match"}}, e)
    end)

    it("raise assertion errors and custom error types with their ctx", function()
      local M = model.define("C", {
        a = model.integer{after = function(v) if v < 0 then model.assertion_error("must not be negative") end end},
        b = model.integer{after = function(v)
          if v % 2 == 1 then model.error("odd_number", "{value} is odd, expected an even number", {value = v}) end
        end},
      })
      local errs = errors_of(M, {a = -1, b = 3})
      assert.same({type = "assertion_error", loc = {"body", "a"}, msg = "Assertion failed, must not be negative",
                   input = -1, ctx = {error = "must not be negative"}}, errs[1])
      assert.same({type = "odd_number", loc = {"body", "b"}, msg = "3 is odd, expected an even number",
                   input = 3, ctx = {value = 3}}, errs[2])
    end)

    it("let other Lua errors propagate (a bug is not a validation error)", function()
      local M = model.define("Bug", {a = model.integer{after = function(v) return v.nope.nope end}})
      assert.has_error(function() M:validate({a = 1}) end)
    end)

    it("also run on items and through the JSON fast path", function()
      local M = model.define("Items", {tags = model.array{model.string{after = function(v) return v:lower() end}}})
      assert.same({tags = {"a", "b"}}, (M:validate_json('{"tags":["A","b"]}')))
      local I = model.define("Checked", {n = model.integer{after = function(v) if v > 10 then model.value_error("too big") end end}})
      local _, errs = I:validate_json('{"n":11}', {"body"})
      assert.same({"body", "n"}, errs[1].loc)
      assert.equal("Value error, too big", errs[1].msg)
    end)
  end)

  describe("model validators", function()
    local Unicorn = model.define("Unicorn", {
      name = model.string{},
      rainbow = model.boolean{},
      color = model.enum{"white", "pink", "gold", default = "white"},
    }, {after = function(u)
      if u.rainbow and u.color == "white" then
        model.error("rainbow_color", "A rainbow unicorn cannot be {color}", {color = u.color})
      end
      return u
    end})

    it("check several fields after the fields are valid", function()
      assert.truthy(Unicorn:validate({name = "a", rainbow = true, color = "pink"}))
      local e = errors_of(Unicorn, {name = "a", rainbow = true})[1]
      assert.same({type = "rainbow_color", loc = {"body"}, msg = "A rainbow unicorn cannot be white",
                   input = {name = "a", rainbow = true}, ctx = {color = "white"}}, e)
    end)

    it("do not run when a field is invalid", function()
      local errs = errors_of(Unicorn, {name = 1, rainbow = true})
      assert.equal(1, #errs)
      assert.equal("string_type", errs[1].type)
    end)

    it("give the same answers through validate_json", function()
      local v = Unicorn:validate_json('{"name":"a","rainbow":true,"color":"gold"}')
      assert.equal("gold", v.color)
      local _, errs = Unicorn:validate_json('{"name":"a","rainbow":true}', {"body"})
      assert.equal("rainbow_color", errs[1].type)
    end)

    it("can rewrite the input before the fields are checked", function()
      local M = model.define("Before", {a = model.integer{}}, {before = function(input)
        if type(input) == "string" then return {a = input} end
        return input
      end})
      assert.same({a = 5}, (M:validate("5")))
      assert.same({a = 6}, (M:validate_json('"6"')))
    end)

    it("report errors of nested models at the nested location", function()
      local Pair = model.define("Pair", {lo = model.integer{}, hi = model.integer{}}, {after = function(p)
        if p.lo > p.hi then model.value_error("lo must not exceed hi") end
      end})
      local Outer = model.define("Outer", {range = Pair{}})
      local e = errors_of(Outer, {range = {lo = 2, hi = 1}})[1]
      assert.same({"body", "range"}, e.loc)
      assert.equal("Value error, lo must not exceed hi", e.msg)
      assert.equal('{"type":"value_error","loc":["body","range"],"msg":"Value error, lo must not exceed hi","input":{"lo":2,"hi":1},"ctx":{"error":"lo must not exceed hi"}}',
                   core.json_encode(select(2, Outer:validate_json('{"range":{"lo":2,"hi":1}}', {"body"}))[1]))
    end)
  end)
end)
