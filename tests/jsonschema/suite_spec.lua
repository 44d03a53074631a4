-- The official JSON Schema Test Suite (draft 2020-12) through jsonschema.to_type and
-- validation: every case of every keyword file lakegate supports must pass, except the
-- cases listed in EXCLUDED with the reason. The data lives outside the project
-- (../shared/testdata/jsonschema, or $LG_TESTDATA_DIR/jsonschema); CI fails without it.
local core = require("lakegate.core")
local model = require("lakegate.model")
local jsonschema = require("lakegate.jsonschema")

local DIR = (os.getenv("LG_TESTDATA_DIR") or "../shared/testdata") .. "/jsonschema"

local FILES = {
  "type", "enum", "const", "required", "properties", "additionalProperties", "items", "prefixItems",
  "minItems", "maxItems", "uniqueItems", "minLength", "maxLength", "pattern", "minimum", "maximum",
  "exclusiveMinimum", "exclusiveMaximum", "multipleOf", "minProperties", "maxProperties", "default",
  "anyOf", "oneOf", "allOf", "not", "ref",
  "optional/format/date-time", "optional/format/date", "optional/format/time", "optional/format/email",
  "optional/format/uuid", "optional/format/ipv4", "optional/format/ipv6", "optional/format/uri",
}

-- file -> case description -> reason. Each excluded case needs a keyword or a kind of
-- reference outside what lakegate supports (see lakegate.jsonschema); loading such a
-- schema fails with a clear error instead of validating it wrongly.
local NEEDS = {
  patternProperties = "needs patternProperties",
  propertyNames = "needs propertyNames",
  dependentSchemas = "needs dependentSchemas",
  unevaluatedProperties = "needs unevaluatedProperties",
  remote = "needs $id base-URI resolution, $anchor or remote documents",
  ifthen = "needs if/then/else",
  metaschema = "needs the 2020-12 meta-schema (a remote document)",
}
local EXCLUDED = {
  additionalProperties = {
    ["additionalProperties being false does not allow other properties"] = NEEDS.patternProperties,
    ["additionalProperties with propertyNames"] = NEEDS.propertyNames,
    ["dependentSchemas with additionalProperties"] = NEEDS.dependentSchemas,
    ["non-ASCII pattern with additionalProperties"] = NEEDS.patternProperties,
  },
  properties = {
    ["properties, patternProperties, additionalProperties interaction"] = NEEDS.patternProperties,
  },
  ["not"] = {
    ["collect annotations inside a 'not', even if collection is disabled"] = NEEDS.unevaluatedProperties,
  },
  ref = {
    ["ref creates new scope when adjacent to keywords"] = NEEDS.unevaluatedProperties,
    ["remote ref, containing refs itself"] = NEEDS.metaschema,
  },
}

-- ref.json: only same-document JSON-pointer references are supported; every other case
-- of the file uses $id/$anchor/URN/remote references (or if/then/else).
local REF_SUPPORTED = {
  ["root pointer ref"] = true, ["relative pointer ref to object"] = true,
  ["relative pointer ref to array"] = true, ["escaped pointer ref"] = true, ["nested refs"] = true,
  ["ref applies alongside sibling keywords"] = true, ["property named $ref that is not a reference"] = true,
  ["property named $ref, containing an actual $ref"] = true, ["$ref to boolean schema true"] = true,
  ["$ref to boolean schema false"] = true, ["refs with quote"] = true,
  ["naive replacement of $ref with its destination is not correct"] = true,
  ["empty tokens in $ref json-pointer"] = true,
}

local function read(path)
  local f = io.open(path, "rb")
  if not f then return nil end
  local text = f:read("a")
  f:close()
  return text
end

local function exclusion(file, case)
  local key = file:match("([^/]+)$")
  local reasons = EXCLUDED[key]
  if reasons and reasons[case.description] then return reasons[case.description] end
  if key == "ref" and not REF_SUPPORTED[case.description] then
    local text = core.json_encode(case.schema) or ""
    if text:find('"if"', 1, true) then return NEEDS.ifthen end
    return NEEDS.remote
  end
  return nil
end

describe("JSON Schema Test Suite (draft 2020-12)", function()
  local totals = {}

  lazy_teardown(function()
    local lines = {"JSON Schema Test Suite: passed / run (excluded)"}
    for _, file in ipairs(FILES) do
      local t = totals[file]
      if t then lines[#lines + 1] = ("  %-30s %4d / %-4d (%d excluded)"):format(file, t.passed, t.run, t.excluded) end
    end
    io.stderr:write(table.concat(lines, "\n") .. "\n")
  end)

  for _, file in ipairs(FILES) do
    local text = read(DIR .. "/" .. file .. ".json")
    describe(file, function()
      if text == nil then
        if os.getenv("CI") == "true" then
          it("has its test data", function()
            error("missing " .. DIR .. "/" .. file .. ".json (the conformance data must be present in CI)")
          end)
        else
          pending("no test data at " .. DIR .. " (set LG_TESTDATA_DIR)")
        end
        return
      end
      local cases = assert(core.json_decode(text, nil, true))
      local t = {passed = 0, run = 0, excluded = 0}
      totals[file] = t
      for _, case in ipairs(cases) do
        local reason = exclusion(file, case)
        if reason then
          t.excluded = t.excluded + #case.tests
          pending(case.description .. " (excluded: " .. reason .. ")")
        else
          describe(case.description, function()
            local adapter, build_error
            local ok, err = pcall(function() adapter = model.adapter(jsonschema.to_type(case.schema)) end)
            if not ok then build_error = err end
            for _, test in ipairs(case.tests) do
              it(test.description, function()
                t.run = t.run + 1
                assert.is_nil(build_error, "the schema does not load")
                local value, errs = adapter:validate(test.data)
                local valid = value ~= nil
                assert.equal(test.valid, valid, ("data %s: %s"):format(core.json_encode(test.data),
                             valid and "accepted" or core.json_encode(errs)))
                t.passed = t.passed + 1
              end)
            end
          end)
        end
      end
    end)
  end
end)
