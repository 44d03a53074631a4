--- lakegate: the names every route script uses.
-- @module lakegate
local core = require("lakegate.core")

local setmetatable, getmetatable, type = setmetatable, getmetatable, type

local lakegate = {
  VERSION = core.version,
  --- The JSON null value (the same value as cjson.null).
  null = core.null,
}

--- Exact JSON: `decode(text)` -> value | nil, message, offset; `encode(value)` -> text | nil, message;
-- `array(t)` marks t as a JSON array (so an empty t encodes as `[]`).
lakegate.json = {
  decode = core.json_decode,
  encode = core.json_encode,
  array = core.array,
  is_array = core.is_array,
  null = core.null,
}

local HTTPError = {__name = "lakegate.HTTPError"}
HTTPError.__index = HTTPError
function HTTPError:__tostring()
  local d = self.detail
  return ("HTTP %d: %s"):format(self.status, type(d) == "string" and d or "(detail)")
end

--- Stops the handler and answers with `status` and `{"detail": detail}`, as FastAPI's
-- HTTPException does.
-- @tparam integer status HTTP status (400..599)
-- @param detail a string or any JSON value
-- @tparam[opt] table headers extra response headers
-- @usage lakegate.http_error(404, "Unicorn not found")
function lakegate.http_error(status, detail, headers)
  if math.type(status) ~= "integer" or status < 100 or status > 599 then
    error("http_error: status must be an integer HTTP status", 2)
  end
  error(setmetatable({status = status, detail = detail, headers = headers}, HTTPError), 0)
end

--- True if `e` was raised by http_error.
function lakegate.is_http_error(e)
  return getmetatable(e) == HTTPError
end

return lakegate
