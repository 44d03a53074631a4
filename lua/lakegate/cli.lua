--- The CLI commands written in Lua: `lakegate ddl`, `lakegate athena init`, `lakegate query`.
-- src/lua/command.c calls `cli.<command>(app, invocation)` in a state of its own, where
-- `app` holds the loaded routes (nil for query) and invocation is `{args=, options=,
-- lake=}`; each returns the exit status (0 ok, 1 failed, 2 wrong usage).
-- @module lakegate.cli
local athena = require("lakegate.athena")
local core = require("lakegate.core")
local ddl = require("lakegate.ddl")

local io, ipairs, pcall, concat, utf8_len = io, ipairs, pcall, table.concat, utf8.len
local json_encode, null = core.json_encode, core.null

local cli = {}

local function fail(command, msg, status)
  io.stderr:write("lakegate ", command, ": ", msg, "\n")
  return status or 1
end

-- ===================== query output =====================

local RIGHT = {tinyint = true, smallint = true, integer = true, int = true, bigint = true,
               double = true, float = true, real = true, decimal = true}

-- Display width of a cell (code points; bytes when not UTF-8).
local function width(s)
  return utf8_len(s) or #s
end

-- A cell as one line of the table: NULL shown as NULL, control characters escaped.
local function table_cell(v)
  if v == null then return "NULL" end
  return (v:gsub("[%c]", function(c)
    return c == "\n" and "\\n" or c == "\t" and "\\t" or ("\\x%02x"):format(c:byte())
  end))
end

-- An aligned table: a header, a rule, the rows; numbers right-aligned.
local function table_writer(out)
  local columns, rows = nil, {}
  return {
    page = function(page)
      columns = columns or page.columns
      for _, raw in ipairs(page.rows) do
        local row = {}
        for i = 1, #columns do row[i] = table_cell(raw[i]) end
        rows[#rows + 1] = row
      end
    end,
    finish = function()
      if not columns or #columns == 0 then return end
      local widths = {}
      for i, c in ipairs(columns) do
        widths[i] = width(c.name)
        for _, row in ipairs(rows) do
          if width(row[i]) > widths[i] then widths[i] = width(row[i]) end
        end
      end
      local function line(cells, align)
        local parts = {}
        for i, cell in ipairs(cells) do
          local pad = (" "):rep(widths[i] - width(cell))
          parts[i] = (align and RIGHT[columns[i].type]) and pad .. cell or cell .. pad
        end
        out:write((concat(parts, " | "):gsub("%s+$", "")), "\n")
      end
      local names, rule = {}, {}
      for i, c in ipairs(columns) do
        names[i] = c.name
        rule[i] = ("-"):rep(widths[i])
      end
      line(names, false)
      out:write(concat(rule, "-+-"), "\n")
      for _, row in ipairs(rows) do line(row, true) end
    end,
  }
end

-- RFC 4180: fields with a comma, quote, CR or LF are quoted (quotes doubled); NULL is
-- an empty field; lines end with CRLF.
local function csv_field(v)
  if v == null then return "" end
  if v:find('[,"\r\n]') then return '"' .. v:gsub('"', '""') .. '"' end
  return v
end

local function csv_writer(out)
  local header = false
  return {
    page = function(page)
      if not header then
        local names = {}
        for i, c in ipairs(page.columns) do names[i] = csv_field(c.name) end
        out:write(concat(names, ","), "\r\n")
        header = true
      end
      for _, raw in ipairs(page.rows) do
        local fields = {}
        for i = 1, #page.columns do fields[i] = csv_field(raw[i]) end
        out:write(concat(fields, ","), "\r\n")
      end
    end,
    finish = function() end,
  }
end

-- One JSON array of objects keyed by column name, typed by column type, NULL as null;
-- one object per line.
local function json_writer(out)
  local first = true
  out:write("[")
  return {
    page = function(page)
      for _, row in ipairs(athena.typed_rows(page, null)) do
        local text, err = json_encode(row)
        if not text then error("a row cannot be written as JSON: " .. err, 0) end
        out:write(first and "\n" or ",\n", text)
        first = false
      end
    end,
    finish = function() out:write(first and "]\n" or "\n]\n") end,
  }
end

local WRITERS = {table = table_writer, csv = csv_writer, json = json_writer}

local function human_bytes(n)
  local units, i = {"B", "KB", "MB", "GB", "TB"}, 1
  while n >= 1024 and i < #units do n, i = n / 1024, i + 1 end
  return i == 1 and ("%d B"):format(n) or ("%.1f %s"):format(n, units[i])
end

--- lakegate query [--format table|csv|json] SQL: prints the rows on stdout and a
-- summary (rows, data scanned, query id) on stderr.
function cli.query(_, inv)
  local format = inv.options.format or "table"
  local make = WRITERS[format]
  if not make then return fail("query", "--format must be table, csv or json, got '" .. format .. "'", 2) end
  local sql = inv.args[1]
  if sql == "-" then sql = io.stdin:read("a") end
  if sql == nil or sql:match("^%s*$") then return fail("query", "the SQL is empty", 2) end
  local writer, nrows = make(io.stdout), 0
  local info, err = athena.query_pages(sql, nil, {timeout = athena.settings().timeout_ms / 1000},
    function(page)
      writer.page(page)
      nrows = nrows + #page.rows
      return true
    end)
  if not info then return fail("query", err) end
  writer.finish()
  io.stderr:write(("%d row%s, %s scanned, query %s\n"):format(nrows, nrows == 1 and "" or "s",
                  human_bytes(info.data_scanned_bytes or 0), info.query_id))
  return 0
end

-- ===================== ddl and athena init =====================

-- The DDL options from the command line and the settings; the lake is the location when
-- it is in S3.
local function ddl_options(inv)
  local location = inv.options.location
  if location == nil and inv.lake:match("^s3://") then location = inv.lake end
  return {database = athena.settings().database, location = location, serde = inv.options.serde,
          since = inv.options.since}
end

-- The app's tables and the DDL options, or nil and the problem.
local function plan(app, inv)
  local ok, tables = pcall(ddl.tables_of, app)
  if not ok then return nil, tables end
  if #tables == 0 then return nil, "no route stores records in the lake (router option store = ...)" end
  local opts = ddl_options(inv)
  local ok2, err = pcall(ddl.statements, tables, opts)   -- checks every table up front
  if not ok2 then return nil, err end
  return tables, opts
end

--- lakegate ddl: the CREATE statements of the database and every lake table.
function cli.ddl(app, inv)
  local tables, opts = plan(app, inv)
  if not tables then return fail("ddl", opts) end
  io.stdout:write(ddl.script(tables, opts))
  return 0
end

-- Runs one DDL statement; database is its context ("default" for CREATE DATABASE, which
-- must not depend on the database it creates).
local function run_ddl(sql, database)
  local rows, err = athena.query(sql, nil, {database = database})
  if rows == nil then return nil, err end
  return true
end

--- lakegate athena init: creates the database and the tables that do not exist, adds the
-- columns of new fields to those that do, and reports what Athena cannot follow (a
-- removed field, a changed type, other partition keys) without touching those tables.
function cli.athena_init(app, inv)
  local tables, opts = plan(app, inv)
  if not tables then return fail("athena init", opts) end
  local ok, err = athena.configured()
  if not ok then return fail("athena init", err) end
  local out, problems = io.stdout, {}
  ok, err = run_ddl(ddl.create_database(opts.database), "default")
  if not ok then return fail("athena init", err) end
  out:write("database ", opts.database, ": ready\n")
  for _, spec in ipairs(tables) do
    local qualified = opts.database .. "." .. spec.name
    local existing, msg, kind = athena.table(opts.database, spec.name)
    if existing == nil and kind ~= "not_found" then return fail("athena init", msg) end
    if existing == nil then
      ok, err = run_ddl(ddl.create_table(spec, opts), opts.database)
      if not ok then return fail("athena init", err) end
      out:write(qualified, ": created\n")
    else
      local d = ddl.diff(spec, opts, existing)
      if #d.problems > 0 then
        for _, p in ipairs(d.problems) do problems[#problems + 1] = opts.database .. "." .. p end
        out:write(qualified, ": left as it is (see below)\n")
      elseif #d.add > 0 then
        ok, err = run_ddl(ddl.add_columns(d.layout, d.add), opts.database)
        if not ok then return fail("athena init", err) end
        local names = {}
        for i, c in ipairs(d.add) do names[i] = c.name end
        out:write(qualified, ": added columns ", concat(names, ", "), "\n")
      else
        out:write(qualified, ": up to date\n")
      end
    end
  end
  if #problems == 0 then return 0 end
  io.stderr:write("lakegate athena init: these changes of the models are not backward compatible;\n",
                  "the tables keep their columns until you migrate them by hand:\n")
  for _, p in ipairs(problems) do io.stderr:write("  ", p, "\n") end
  return 1
end

return cli
