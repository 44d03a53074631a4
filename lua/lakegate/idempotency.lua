--- Idempotency-Key (draft-ietf-httpapi-idempotency-key-header) for routes that store
-- records: the first answer to a key is stored in the same spool frame as its records,
-- and a retry with the same key and the same body gets that answer again (with
-- `Idempotent-Replayed: true`) without storing anything. A retry while the first request
-- is still running gets 409; the same key with a different body gets 422. Keys are scoped
-- by method and path, and kept for the server's `idempotency_window_s` (a restart keeps
-- them). Only successful (2xx) answers are remembered: after an error, a retry runs anew.
-- @module lakegate.idempotency
local core = require("lakegate.core")
local lake = require("lakegate.lake")

local pack, unpack = string.pack, string.unpack
local json_encode, json_decode = core.json_encode, core.json_decode

local idempotency = {}

local KEY_MAX = 255

--- The scoped key for a request, or nil and a message when the header is not a valid key
-- (1..255 visible ASCII characters).
function idempotency.scope(req, key)
  if #key == 0 or #key > KEY_MAX or key:find("[^\33-\126]") then
    return nil, ("Idempotency-Key must be 1 to %d visible ASCII characters"):format(KEY_MAX)
  end
  return req.method .. " " .. req.path .. "\n" .. key
end

--- Looks the key up: returns "new", or "replay", status, text, headers, or "busy" or
-- "mismatch".
function idempotency.begin(scoped, body)
  local state, answer = lake.idempotency_begin(scoped, body)
  if state ~= "replay" then return state end
  local status, headers_json, text = unpack(">I2s4s4", answer)
  local headers = json_decode(headers_json) or {}
  headers["Idempotent-Replayed"] = "true"
  return "replay", status, text, headers
end

--- The answer to store with the records: {key=, fingerprint=, text=}.
function idempotency.answer(scoped, body, status, text, headers)
  return {
    key = scoped, fingerprint = lake.fingerprint(body),
    text = pack(">I2s4s4", status, json_encode(headers or {}) or "{}", text),
  }
end

--- Releases the reservation of a request that stored nothing.
idempotency.abort = lake.idempotency_abort

return idempotency
