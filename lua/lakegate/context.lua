--- The request being handled by this Lua state (one at a time per state).
-- The app sets `request` around each handler call; library code (lake.put) reads it,
-- so request state never lives in _G.
-- @module lakegate.context
return {
  request = nil,
}
