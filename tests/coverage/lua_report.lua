-- Lua line coverage report: executable lines come from `luac -l -l` (every line that holds
-- an instruction), executed lines from the hits file lua_hook.lua wrote.
--   lua5.4 lua_report.lua HITS ROOT FILE...   (FILE relative to ROOT)
local hits_path, root = arg[1], arg[2]

local function executable_lines(path)
  local p = assert(io.popen("luac5.4 -p -l -l " .. ("%q"):format(path)))
  local lines = {}
  for l in p:lines() do
    local line, op = l:match("^%s+%d+%s+%[(%d+)%]%s+(%u+)")
    if line and op ~= "VARARGPREP" then lines[tonumber(line)] = true end
  end
  p:close()
  return lines
end

local executed = {}
local f = io.open(hits_path, "r")
if f then
  for l in f:lines() do
    local src, line = l:match("^(.-)\t(%d+)\t%d+$")
    if src then
      executed[src] = executed[src] or {}
      executed[src][tonumber(line)] = true
    end
  end
  f:close()
end

-- Hits may name a file by another path (relative, or through the build tree's lua link):
-- match by the path below root.
local function hits_for(rel)
  local merged = {}
  for src, lines in pairs(executed) do
    if src == root .. "/" .. rel or src:sub(-#rel - 1) == "/" .. rel or src == rel then
      for line in pairs(lines) do merged[line] = true end
    end
  end
  return merged
end

local total_exec, total_hit = 0, 0
print(("%-44s %8s %8s %7s"):format("Lua file", "lines", "covered", "percent"))
for i = 3, #arg do
  local rel = arg[i]
  local exec = executable_lines(root .. "/" .. rel)
  local hit = hits_for(rel)
  local n, h = 0, 0
  for line in pairs(exec) do
    n = n + 1
    if hit[line] then h = h + 1 end
  end
  total_exec, total_hit = total_exec + n, total_hit + h
  print(("%-44s %8d %8d %6.1f%%"):format(rel, n, h, n > 0 and 100 * h / n or 100))
end
print(("%-44s %8d %8d %6.1f%%"):format("TOTAL", total_exec, total_hit,
                                      total_exec > 0 and 100 * total_hit / total_exec or 100))
