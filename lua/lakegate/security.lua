--- Who may call a route, how often, and from which web origins: API keys (or a custom
-- auth function), rate limits, and CORS. The app asks this module before it validates a
-- request. App-wide defaults come from the settings (`auth`, `rate_limit`,
-- `cors_origins`); a route overrides them with its `auth`, `rate_limit` and `cors` options.
-- @module lakegate.security
local auth = require("lakegate.auth")
local ratelimit = require("lakegate.ratelimit")

local type, pairs, ipairs, tostring, setmetatable, error, ceil =
      type, pairs, ipairs, tostring, setmetatable, error, math.ceil
local lower, match, gmatch = string.lower, string.match, string.gmatch

local security = {}

local Policy = {}
Policy.__index = Policy

local CHALLENGE = {["WWW-Authenticate"] = 'Bearer realm="lakegate"'}

-- "a, b" -> {a = true, b = true}; "*" -> true; "" or nil -> nil
local function origins(spec)
  if spec == nil or spec == false or spec == "" then return nil end
  if spec == "*" or spec == true then return true end
  local set = {}
  if type(spec) == "table" then
    for _, o in ipairs(spec) do set[o] = true end
  else
    for o in gmatch(spec, "[^,%s]+") do set[o] = true end
  end
  return set
end

-- "100/m" -> {rate = tokens per second, burst = 100}
local function parse_rate(spec, where, burst)
  if spec == nil or spec == "" then return nil end
  local rate, count = ratelimit.parse(spec)
  if rate == nil then error(("%s: rate_limit must look like 100/s, 6000/m or 10/h, got '%s'"):format(where, tostring(spec)), 0) end
  return {rate = rate, burst = burst or count}
end

--- The app-wide policy from the settings.
-- @tparam table options `auth` ("none" | "api_key"), `rate_limit`, `rate_limit_burst`, `cors_origins`
function security.new(options)
  options = options or {}
  local policy = setmetatable({
    auth = options.auth == "api_key" and "api_key" or nil,
    limit = parse_rate(options.rate_limit, "settings",
                       (options.rate_limit_burst or 0) > 0 and options.rate_limit_burst or nil),
    origins = origins(options.cors_origins),
  }, Policy)
  for k, v in pairs(Policy) do   -- methods in the instance: called on every request
    if type(v) == "function" and k:sub(1, 2) ~= "__" then policy[k] = v end
  end
  return policy
end

--- Checks a route's options when it is declared; returns the compiled per-route policy.
function security.route(opts, where)
  local r = {auth = opts.auth, limit = parse_rate(opts.rate_limit, where)}
  local a = opts.auth
  if not (a == nil or a == false or a == true or a == "api_key" or type(a) == "function") then
    error(("%s: auth must be true, false, \"api_key\" or a function"):format(where), 0)
  end
  if opts.cors ~= nil then r.origins = origins(opts.cors) or false end
  return r
end

-- The API key a request presents: X-API-Key, or Authorization: Bearer <key>.
local function presented_key(req)
  local key = req:header("x-api-key")
  if key then return key end
  local authorization = req:header("authorization")
  return authorization and match(authorization, "^[Bb]earer%s+(%S+)%s*$")
end

-- Returns nil when allowed, else status, detail, headers.
local function authenticate(req, mode)
  if type(mode) == "function" then
    local ok, reason = mode(req)
    if ok then return nil end
    return 401, reason or "Not authenticated", CHALLENGE
  end
  local key = presented_key(req)
  if key == nil then return 401, "Not authenticated", CHALLENGE end
  local name = auth.verify(key)
  if name == nil then return 401, "Invalid API key", CHALLENGE end
  req.auth = {method = "api_key", name = name}
  return nil
end

--- Decides whether req may call route: nil, or the refusal as status, detail, headers.
function Policy:check(route, req)
  local mode = route.security.auth
  if mode == nil then mode = self.auth end
  if mode == true then mode = "api_key" end
  if mode then
    local status, detail, headers = authenticate(req, mode)
    if status then return status, detail, headers end
  end
  local limit, scope = route.security.limit, route.path .. " "
  if limit == nil then limit, scope = self.limit, "" end
  if limit then
    local who = req.auth and ("key " .. req.auth.name) or ("client " .. tostring(req.client))
    local ok, retry_after = ratelimit.take(scope .. who, limit.rate, limit.burst)
    if not ok then
      return 429, "Too Many Requests", {["Retry-After"] = tostring(ceil(retry_after))}
    end
  end
  return nil
end

-- The allowed origins for a route (its own, else the app's), or nil.
function Policy:origins_for(route)
  if route and route.security.origins ~= nil then return route.security.origins or nil end
  return self.origins
end

--- CORS headers for an actual request from `origin`, or nil when it is not allowed.
function Policy:cors(route, origin)
  local allowed = origin and self:origins_for(route)
  if not allowed or (allowed ~= true and not allowed[origin]) then return nil end
  return {
    ["Access-Control-Allow-Origin"] = allowed == true and "*" or origin,
    ["Access-Control-Expose-Headers"] = "X-Request-Id, Retry-After",
    Vary = "Origin",
  }
end

--- Answers a CORS preflight (OPTIONS with Access-Control-Request-Method) for a path whose
-- methods are `allow`: status, headers, or nil when CORS does not allow the origin.
function Policy:preflight(route, req, allow)
  local headers = self:cors(route, req:header("origin"))
  if headers == nil then return nil end
  headers["Access-Control-Allow-Methods"] = allow
  headers["Access-Control-Allow-Headers"] = req:header("access-control-request-headers")
    or "Content-Type, Authorization, X-API-Key, X-Request-Id, Idempotency-Key"
  headers["Access-Control-Max-Age"] = "600"
  return 204, headers
end

--- A response's headers with the CORS headers added (a new table: the given one may be
-- shared by many answers).
function security.merge(headers, extra)
  if extra == nil then return headers end
  local merged = {}
  for k, v in pairs(headers or {}) do merged[k] = v end
  for k, v in pairs(extra) do
    local present = false
    for h in pairs(merged) do if lower(h) == lower(k) then present = true end end
    if not present then merged[k] = v end
  end
  return merged
end

return security
