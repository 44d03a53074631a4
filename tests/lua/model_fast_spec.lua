-- The JSON fast path (C, validate-while-decoding) against the reference (decode, then the
-- Lua validators), on many documents: valid ones, mutated ones, malformed ones. Whatever
-- the fast path accepts, the reference must accept with the same value; and validate_json
-- must answer byte for byte what the reference answers (value, errors or JSON error).
local model = require("lakegate.model")
local core = require("lakegate.core")

local json, decode = core.json_encode, core.json_decode
local NULL = model.null

-- Deterministic pseudo-random numbers, so a failure reproduces.
local seed = 12345
local function rand(n)
  seed = (seed * 1103515245 + 12345) % 2147483648
  return seed % n + 1
end
local function pick(list) return list[rand(#list)] end

local function reference(m, text)
  local value, msg, offset = decode(text, nil, true)
  if value == nil then return {json_error = msg, offset = offset} end
  local v, errs = m:validate(value, {"body"})
  return v and {value = v} or {errors = errs}
end

local function via_validate_json(m, text)
  local v, errs, msg, offset = m:validate_json(text, {"body"})
  if msg then return {json_error = msg, offset = offset} end
  return v and {value = v} or {errors = errs}
end

-- Checks one document; returns true when the fast path settled it.
local function check(m, text)
  local ref = reference(m, text)
  local got = via_validate_json(m, text)
  assert.equal(json(ref), json(got), "validate_json differs from the reference for " .. text)
  local fast = m.fast and m.fast(text)
  if fast ~= nil then
    assert.is_not_nil(ref.value, "the fast path accepted what the reference rejects: " .. text)
    assert.equal(json(ref.value), json(fast), "the fast path's value differs for " .. text)
    return true
  end
  return false
end

local SCALARS = {
  'null', 'true', 'false', '0', '-1', '7', '42', '120', '121', '1.5', '-0.0', '1e2', '12.50', '9007199254740993',
  '99999999999999999999', '""', '"a"', '"honey"', '"pink"', '"white"', '"yes"', '"12"', '" 7 "', '"1.5"',
  '"2024-01-02T03:04:05+02:00"', '"2024-01-02"', '"10:20:30"', '"67e55044-10b1-426f-9247-bb680e5fe0c8"',
  '"a\\"b"', '"\\u00e9t\\u00e9"', '"\\ud83d\\ude00"', '"日本"', '[]', '{}', '["a"]', '[1,2]', '{"x":1}',
  -- around the constraints of the models below
  '"' .. ("x"):rep(64) .. '"', '"' .. ("é"):rep(65) .. '"', '120.0', '0.0', '1e-300', '1000', '1001', '2', '4', '"Ann"',
  '"ann"', '"2024-13-01"', '"2024-01-02T25:00:00"', '"a@b.co"', '"a@b"', '["x","y","z","w","v","u","t","s","r","q","p"]',
  '[{"name":"Cy"}]', '[{"name":"cy"}]', '{"a":1,"b":"x"}', '{"name":"Di","since":"2021-02-29"}',
}

-- Replaces the value of one member of a flat JSON object text with a random value,
-- or drops it, or adds an unknown key.
local function mutate(base)
  local obj = assert(decode(base, nil, true))
  local keys = getmetatable(obj).__order
  local parts = {}
  local target = rand(#keys + 2)
  for i, k in ipairs(keys) do
    local v = json(obj[k])
    if i == target then v = pick(SCALARS) end
    if not (i == target and rand(5) == 1) then parts[#parts + 1] = json(k) .. ":" .. v end
  end
  if target > #keys then parts[#parts + 1] = json(pick({"wings", "extra", "x"})) .. ":" .. pick(SCALARS) end
  if rand(7) == 1 then parts[#parts + 1] = parts[1] end   -- a duplicate key
  return "{" .. table.concat(parts, pick({",", " , ", ",\n"})) .. "}"
end

local MALFORMED = {'', '{', '{"name":', '{"name":"x",}', '[1,]', '{"a" 1}', 'nul', '{"name":"x"} x', '"\xff"',
                   '{"name":"\x01"}', '\xEF\xBB\xBF{}', '{"n":01}', '{"n":1.}', '{"n":-}', '{"n":1e}', '[[[[[[[[[[1]]]]]]]]]]'}

describe("model fast path", function()
  local Unicorn = model.define("Unicorn", {
    name = model.string{min_length = 1, max_length = 64},
    rainbow = model.boolean{},
    horn_length_cm = model.number{gt = 0, le = 120, nullable = true, default = NULL},
    color = model.enum{"white", "pink", "gold", default = "white"},
    tags = model.array{model.string{}, max_items = 10, default = {}},
  }, {extra = "forbid"})

  local Owner = model.define("Owner", {name = model.string{pattern = "^[A-Z]"}, since = model.date{optional = true}})
  local Sighting = model.define("Sighting", {
    id = model.uuid{},
    at = model.datetime{},
    at_local = model.time{optional = true},
    count = model.integer{ge = 1, le = 1000, multiple_of = 1},
    level = model.enum{1, 2, 3, default = 1},
    owner = Owner{nullable = true, default = NULL},
    helpers = model.array{Owner, default = {}},
    scores = model.map{value = model.number{as_float = false}, optional = true},
    note = model.string{optional = true, format = "email"},
    stamp = model.integer{default_factory = function() return 7 end},
    shout = model.string{optional = true, after = function(v) return v:upper() end},
    meta = model.any{optional = true},
  }, {extra = "allow"})

  local Ignoring = model.define("Ignoring", {a = model.integer{}, b = model.string{default = "x"}})

  -- A field validator that reads an earlier field (info.data) and accepts when it is absent:
  -- the fast path must not run it with a record that differs from the Lua validators'.
  local Pw = model.define("Pw", {
    password = model.string{default = "d"},
    repeat_password = model.string{after = function(v, info)
      if info.data.password ~= nil and v ~= info.data.password then model.value_error("passwords do not match") end
    end},
  })

  local docs = {
    [Unicorn] = {
      '{"name":"honey","rainbow":true,"horn_length_cm":42.5,"color":"pink","tags":["sparkly","fast"]}',
      '{"name":"x","rainbow":false}',
      '{"rainbow":true,"name":"né","tags":[]}',
      '{"name":"a","rainbow":true,"horn_length_cm":null}',
    },
    [Sighting] = {
      '{"id":"67e55044-10b1-426f-9247-bb680e5fe0c8","at":"2024-01-02T03:04:05+02:00","count":3,"owner":{"name":"Ann","since":"2020-01-01"},"helpers":[{"name":"Bo"}],"scores":{"b":1,"a":2.5},"note":"a@b.co","shout":"hey","meta":{"z":[1,{"y":null}]},"extra1":[1,2]}',
      '{"id":"{67E55044-10B1-426F-9247-BB680E5FE0C8}","at":"2024-01-02","count":"3","level":2}',
      '{"id":"67e5504410b1426f9247bb680e5fe0c8","at":1654619320,"count":1000,"at_local":"10:20","owner":null}',
    },
    [Ignoring] = {'{"a":1,"zz":{"deep":[1,2,{"x":"y"}]},"b":"q"}', '{"a":"1"}', '{"b":"only"}'},
    [Pw] = {'{"password":"a","repeat_password":"a"}', '{"repeat_password":"b","password":"a"}',
            '{"repeat_password":"b"}', '{"repeat_password":"d"}'},
  }

  it("agrees with the reference on valid and mutated documents", function()
    local settled, total = 0, 0
    for m, bases in pairs(docs) do
      for _, base in ipairs(bases) do
        total = total + 1
        if check(m, base) then settled = settled + 1 end
        for _ = 1, 150 do
          total = total + 1
          if check(m, mutate(base)) then settled = settled + 1 end
        end
      end
    end
    assert.is_true(settled > total / 10, ("the fast path settled only %d of %d documents"):format(settled, total))
  end)

  it("settles plain valid documents itself", function()
    for m, bases in pairs(docs) do
      assert.is_not_nil(m.fast(bases[1]), "fast path for " .. bases[1])
    end
  end)

  it("agrees on malformed JSON (the decoder reports it)", function()
    for _, text in ipairs(MALFORMED) do check(Unicorn, text) end
    local v, errs, msg, offset = Unicorn:validate_json('{"name":"x",}', {"body"})
    assert.is_nil(v)
    assert.is_nil(errs)
    assert.equal("Expecting property name enclosed in double quotes", msg)
    assert.equal(12, offset)
  end)

  it("honours the nesting limit like the decoder", function()
    local Any = model.define("Deep", {a = model.any{}})
    local text = '{"a":' .. ("["):rep(20) .. ("]"):rep(20) .. "}"
    local _, _, msg = Any:validate_json(text, nil, {max_json_depth = 5})
    assert.equal("Maximum nesting depth exceeded", msg)
    assert.truthy(Any:validate_json(text, nil, {max_json_depth = 30}))
  end)

  it("keeps the value types exact (integers stay integers, floats floats)", function()
    local v = Unicorn.fast('{"name":"n","rainbow":true,"horn_length_cm":12}')
    assert.equal("float", math.type(v.horn_length_cm))
    local s = Sighting.fast('{"id":"67e55044-10b1-426f-9247-bb680e5fe0c8","at":"2024-01-02T00:00:00Z","count":9007199254740993,"scores":{"a":1}}')
    assert.is_nil(s, "a count above the bound goes to the Lua validators")
    s = Sighting.fast('{"id":"67e55044-10b1-426f-9247-bb680e5fe0c8","at":"2024-01-02T00:00:00Z","count":5,"scores":{"a":1,"b":1.5}}')
    assert.equal("integer", math.type(s.scores.a))
    assert.equal("float", math.type(s.scores.b))
  end)
end)
