-- busted --helper for Lua line coverage (Debian 12 has no luacov for Lua 5.4): counts the
-- lines executed in the runtime library and the routes, in every coroutine, and appends
-- them to $LAKEGATE_LUA_COVERAGE when the suite ends.
local out_path = os.getenv("LAKEGATE_LUA_COVERAGE")
if not out_path then return end

local hits = {}          -- source path -> {line -> count}
local getinfo, sethook = debug.getinfo, debug.sethook

local function hook(_, line)
  local src = getinfo(2, "S").source
  if src:sub(1, 1) ~= "@" then return end
  local file = hits[src]
  if file == nil then
    file = {}
    hits[src] = file
  end
  file[line] = (file[line] or 0) + 1
end

sethook(hook, "l")

-- Hooks are per coroutine: install it in every new one too.
local create, wrap = coroutine.create, coroutine.wrap
coroutine.create = function(fn)
  local co = create(fn)
  sethook(co, hook, "l")
  return co
end
coroutine.wrap = function(fn)
  local co = create(fn)
  sethook(co, hook, "l")
  return function(...)
    local res = table.pack(coroutine.resume(co, ...))
    if not res[1] then error(res[2], 0) end
    return table.unpack(res, 2, res.n)
  end
end

local function save()
  sethook()
  local f = assert(io.open(out_path, "a"))
  for src, lines in pairs(hits) do
    for line, count in pairs(lines) do f:write(src:sub(2), "\t", line, "\t", count, "\n") end
  end
  f:close()
  hits = {}
end

-- busted exits without closing the Lua state, so save when the suite ends.
require("busted").subscribe({"suite", "end"}, function()
  save()
  return nil, true
end)
