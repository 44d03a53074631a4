--- Batch ingest (route option `batch`): a request body holding many records, as NDJSON
-- (`application/x-ndjson`, one JSON value per line) or a JSON array, each validated on its
-- own. The answer lists a result per record, like Firehose PutRecordBatch:
--
--     {"stored": 2, "failed": 1, "results": [
--       {"index": 0, "status": 201},
--       {"index": 1, "status": 422, "detail": [...]},
--       {"index": 2, "status": 201}]}
--
-- with HTTP status 200 (or the route's `status`) when every record was stored, 207
-- (Multi-Status) when some were rejected and 422 when none was valid.
-- @module lakegate.batch
local core = require("lakegate.core")

local type, pairs, ipairs, math_type, setmetatable = type, pairs, ipairs, math.type, setmetatable
local lower, find, sub = string.lower, string.find, string.sub
local array, json_decode = core.array, core.json_decode

local batch = {}

batch.MAX_RECORDS = 500             -- Firehose PutRecordBatch's limits
batch.MAX_BYTES = 4 * 1024 * 1024

local RESULT_MT = {__order = {"index", "status", "detail"}}
local ANSWER_MT = {__order = {"stored", "failed", "results"}}
local ERROR_MT = {__order = {"type", "loc", "msg", "input", "ctx"}}

--- (lakegate.router) Checks and completes a route's `batch` option.
-- @return {max_records=, max_bytes=}, or nil and a message
function batch.options(opt)
  if opt == true then return {max_records = batch.MAX_RECORDS, max_bytes = batch.MAX_BYTES} end
  if type(opt) ~= "table" then return nil, "option 'batch' must be true or a table" end
  for k, v in pairs(opt) do
    if (k ~= "max_records" and k ~= "max_bytes") or math_type(v) ~= "integer" or v < 1 then
      return nil, "option 'batch' takes positive integers max_records and max_bytes"
    end
  end
  return {max_records = opt.max_records or batch.MAX_RECORDS, max_bytes = opt.max_bytes or batch.MAX_BYTES}
end

--- The body format a Content-Type names: "ndjson", "json" (a missing type counts as
-- JSON), or nil for anything else.
function batch.format(content_type)
  if content_type == nil or content_type == "" then return "json" end
  local mt = lower(content_type:match("^%s*([^;%s]+)") or "")
  if mt == "application/x-ndjson" or mt == "application/jsonl" or mt == "application/x-jsonlines" then
    return "ndjson"
  end
  if mt == "application/json" or mt:match("^application/[%w%.%-]+%+json$") then return "json" end
  return nil
end

local function json_invalid(loc, msg, offset)
  return setmetatable({
    type = "json_invalid", loc = array(loc), msg = "JSON decode error",
    input = setmetatable({}, {__order = {}}), ctx = {error = msg, position = offset},
  }, ERROR_MT)
end

--- Splits a body into items: {value = decoded} or {error = json_invalid error, raw = text}.
-- @return items, or nil, status, detail when the body as a whole is unusable
function batch.parse(text, format, max_records, max_depth)
  local items = {}
  if format == "ndjson" then
    local pos, n = 1, #text
    while pos <= n do
      local nl = find(text, "\n", pos, true) or n + 1
      local line = sub(text, pos, nl - 1)
      pos = nl + 1
      if find(line, "%S") then
        if #items >= max_records then
          return nil, 413, ("Batch holds more than %d records"):format(max_records)
        end
        local value, msg, offset = json_decode(line, max_depth)
        if value == nil and msg then
          items[#items + 1] = {error = json_invalid({"body", #items, offset}, msg, offset), raw = line}
        else
          items[#items + 1] = {value = value}
        end
      end
    end
  else
    local value, msg, offset = json_decode(text, max_depth)
    if value == nil and msg then return nil, 400, array({json_invalid({"body", offset}, msg, offset)}) end
    if type(value) ~= "table" or not core.is_array(value) then
      return nil, 422, array({setmetatable({type = "list_type", loc = array({"body"}),
        msg = "Input should be a valid list", input = value}, ERROR_MT)})
    end
    if #value > max_records then
      return nil, 413, ("Batch holds %d records, more than %d"):format(#value, max_records)
    end
    for i, v in ipairs(value) do items[i] = {value = v} end
  end
  if #items == 0 then
    return nil, 422, array({setmetatable({type = "too_short", loc = array({"body"}),
      msg = "List should have at least 1 item after validation, not 0", input = array({}),
      ctx = {field_type = "List", min_length = 1, actual_length = 0}}, ERROR_MT)})
  end
  return items
end

--- Validates every item with `m`. Returns the valid records and, per item, its result
-- (records[k] is the value of the k-th valid item; results[i] the i-th item's result).
function batch.validate(items, m)
  local records, results = {}, {}
  for i, item in ipairs(items) do
    local index = i - 1
    if item.error then
      results[i] = setmetatable({index = index, status = 400, detail = array({item.error})}, RESULT_MT)
    else
      local v, errs = m:validate(item.value, {"body", index})
      if v ~= nil then
        records[#records + 1] = v
        results[i] = setmetatable({index = index, status = 201}, RESULT_MT)
        item.stored = true
      else
        results[i] = setmetatable({index = index, status = 422, detail = array(errs)}, RESULT_MT)
        item.errors = errs
      end
    end
  end
  return records, results
end

--- The answer: status and body for `results` of which `stored` records were stored.
function batch.answer(ok_status, stored, results)
  local failed = #results - stored
  local status = failed == 0 and ok_status or stored == 0 and 422 or 207
  return status, setmetatable({stored = stored, failed = failed, results = array(results)}, ANSWER_MT)
end

return batch
