--- Athena DDL from models: `CREATE EXTERNAL TABLE` for each lake table, with columns
-- typed from the model that validates its records, partition projection on the lake's
-- Hive layout (so no `MSCK REPAIR TABLE` is ever needed), and the migration of a table
-- that exists already (`ALTER TABLE ... ADD COLUMNS` for new fields, a report of the
-- changes Athena cannot follow).
--
-- A table spec is `{name =, model =, partition_by = {field...}}` (see lakegate.lake);
-- options are `{database =, location = "s3://bucket/prefix", serde = "hive"|"openx",
-- since = "yyyy-MM-dd"}`. Statements come without a trailing semicolon (Athena runs one
-- statement per query). Every identifier is validated and written in backticks.
-- @module lakegate.ddl
local type, ipairs, pairs, tostring, error, concat, sort, format =
      type, ipairs, pairs, tostring, error, table.concat, table.sort, string.format
local utf8_len, utf8_offset = utf8.len, utf8.offset

local ddl = {}

ddl.DEFAULT_SINCE = "2020-01-01"

local SERDES = {
  hive = "org.apache.hive.hcatalog.data.JsonSerDe",
  openx = "org.openx.data.jsonserde.JsonSerDe",
}

-- The Hive JSON SerDe reads "2026-11-27T02:19:44.932767Z" only through Joda patterns
-- (its default parser takes zone-less forms only); fractions of 1 to 6 digits parse with
-- SSSSSS. Zone-less values ("2026-11-27T02:19:44") fall through to the default parser.
-- The OpenX SerDe parses all of these by default.
ddl.HIVE_TIMESTAMP_FORMATS = "yyyy-MM-dd'T'HH:mm:ss.SSSSSS'Z',yyyy-MM-dd'T'HH:mm:ss'Z'"

-- What lakegate adds to every stored record (see the storage layout).
local LAKE_COLUMNS = {
  {name = "_ingested_at", type = "timestamp", comment = "When lakegate stored the record (UTC)"},
  {name = "_request_id", type = "string", comment = "X-Request-Id of the request that carried it"},
}
local PARTITIONS = {
  {name = "dt", comment = "Ingestion date (UTC), yyyy-MM-dd"},
  {name = "hr", comment = "Ingestion hour (UTC), 00 to 23"},
}

-- The characters the lake escapes in partition values (Hive's FileUtils.charToEscape).
local ESCAPED_IN_PATHS = "[%c\"#%%'*/:=?\\^{%[%]]"
local COMMENT_MAX = 255   -- Glue's limit on column and table comments

-- ===================== text =====================

--- A Hive string literal: single-quoted with \' and \\ escapes (double-quoted when that
-- reads better); control characters become spaces.
function ddl.string(s)
  s = s:gsub("%c", " ")
  if s:find("'") and not s:find('"') then return '"' .. s:gsub("\\", "\\\\") .. '"' end
  return "'" .. s:gsub("\\", "\\\\"):gsub("'", "\\'") .. "'"
end

--- An identifier in backticks (validated by the caller).
function ddl.quote(name)
  return "`" .. name .. "`"
end

local function comment_of(text)
  if type(text) ~= "string" or text == "" then return nil end
  text = text:gsub("%s+", " ")
  if (utf8_len(text) or #text) > COMMENT_MAX then
    text = text:sub(1, (utf8_offset(text, COMMENT_MAX + 1) or COMMENT_MAX + 1) - 1)
  end
  return text
end

--- The column name Athena can use for a JSON key: the key itself, lowercased (both SerDes
-- match keys case-insensitively), if it is letters, digits and underscores; else nil.
function ddl.column_name(key)
  local lower = key:lower()
  if lower:match("^[a-z_][a-z0-9_]*$") and #lower <= 255 then return lower end
  return nil
end

-- A column name for a key that is not one: invalid characters become "_".
local function sanitized(key)
  local s = key:lower():gsub("[^a-z0-9_]+", "_")
  if s:match("^[0-9]") then s = "_" .. s end
  return s:sub(1, 255)
end

-- ===================== types =====================

-- The kinds whose JSON values are never objects or arrays.
local SCALAR = {
  string = true, integer = true, number = true, boolean = true, none = true, enum = true,
  literal = true, datetime = true, date = true, time = true, duration = true, uuid = true,
  email = true, url = true, ip = true, bytes = true, decimal = true,
}
local STRING_KINDS = {
  string = true, time = true, duration = true, uuid = true, email = true, url = true, ip = true,
  bytes = true, none = true,
}

-- The context of one table's mapping: the SerDe, the problems found, OpenX key mappings.
local function new_context(table_name, serde)
  return {table = table_name, serde = serde, errors = {}, mappings = {}, mapping_list = {},
          models = {}}
end

local function problem(ctx, path, fmt, ...)
  ctx.errors[#ctx.errors + 1] = ("table %s, field %s: " .. fmt):format(ctx.table, path, ...)
end

-- The common DDL type of values: all the same type, else nil.
local function same_type(list)
  local t = list[1]
  for i = 2, #list do if list[i] ~= t then return nil end end
  return t
end

local function literal_type(values)
  local kinds = {}
  for _, v in ipairs(values) do
    local lt = math.type(v) == "integer" and "bigint" or type(v) == "number" and "double"
               or type(v) == "boolean" and "boolean" or type(v) == "string" and "string" or nil
    if lt then kinds[#kinds + 1] = lt end   -- null is every type's value
  end
  return same_type(kinds) or "string"
end

local function decimal_type(t)
  local p, s = t.max_digits, t.decimal_places
  if p == nil and s == nil then return "string" end   -- exact text of any size
  s = s or 0
  p = p or 38
  if p < s then p = s end
  if p > 38 then return "string" end
  return ("decimal(%d,%d)"):format(p, s)
end

local hive_type   -- forward

-- A value Athena can read only as JSON text: OpenX renders any JSON value into a string
-- column; the Hive JSON SerDe fails the query on an object or array there.
local function json_text(ctx, path, what)
  if ctx.serde == "openx" then return "string" end
  problem(ctx, path, "%s can hold JSON objects or arrays, which the Hive JSON SerDe cannot read "
                     .. "into a column; use --serde openx (it reads them as JSON text)", what)
  return nil
end

-- The members of a union, without the null type.
local function union_type(t, ctx, path)
  local types, scalar = {}, true
  for _, m in ipairs(t.members) do
    local mt = m.kind == "ref" and m.resolve() or m
    if mt.kind ~= "none" then
      if not SCALAR[mt.kind] then scalar = false end
      types[#types + 1] = mt
    end
  end
  if #types == 0 then return "string" end
  if not scalar then
    if #types == 1 then return hive_type(types[1], ctx, path) end
    return json_text(ctx, path, "a union of structured types")
  end
  local mapped = {}
  for i, mt in ipairs(types) do mapped[i] = hive_type(mt, ctx, path) end
  return same_type(mapped) or "string"
end

-- A key used in a struct or as a column, in the SerDe's terms: its column name (and, for
-- OpenX, the mapping of that name back to the key).
function ddl.member_name(ctx, key, path)
  local name = ddl.column_name(key)
  if name then return name end
  if ctx.serde ~= "openx" then
    problem(ctx, path, "key '%s' is not an Athena column name (letters, digits and _); rename the "
                       .. "field, or use --serde openx, which maps it", key)
    return nil
  end
  name = sanitized(key)
  local known = ctx.mappings[name]
  if known and known ~= key then
    problem(ctx, path, "keys '%s' and '%s' both become column %s", known, key, name)
    return nil
  end
  if not known then
    ctx.mappings[name] = key
    ctx.mapping_list[#ctx.mapping_list + 1] = name
  end
  return name
end

local function struct_type(m, ctx, path)
  if ctx.models[m] then return json_text(ctx, path, "a recursive model (" .. m.name .. ")") end
  ctx.models[m] = true
  local members, seen = {}, {}
  for _, f in ipairs(m.fields) do
    local fpath = path .. "." .. f.name
    local name = ddl.member_name(ctx, f.name, fpath)
    local ft = hive_type(f.type, ctx, fpath)
    if name and seen[name] then
      problem(ctx, fpath, "fields '%s' and '%s' both become struct member %s", seen[name], f.name, name)
    elseif name and ft then
      seen[name] = f.name
      members[#members + 1] = ddl.quote(name) .. ":" .. ft
    end
  end
  ctx.models[m] = nil
  if #members == 0 then return json_text(ctx, path, "a model without fields") end
  return "struct<" .. concat(members, ",") .. ">"
end

local function tuple_type(t, ctx, path)
  local items = {}
  for i, it in ipairs(t.items) do items[i] = hive_type(it, ctx, path .. "[" .. i .. "]") end
  if t.rest then items[#items + 1] = hive_type(t.rest, ctx, path .. "[]") end
  local one = same_type(items)
  if one then return "array<" .. one .. ">" end
  return json_text(ctx, path, "a tuple of different types")
end

--- The Athena (Hive DDL) type of a model type, or nil with a problem noted in ctx.
function hive_type(t, ctx, path)
  local kind = t.kind
  if STRING_KINDS[kind] then return "string" end
  if kind == "integer" then return "bigint" end
  if kind == "number" then return "double" end
  if kind == "boolean" then return "boolean" end
  if kind == "datetime" then return "timestamp" end
  if kind == "date" then return "date" end
  if kind == "decimal" then return decimal_type(t) end
  if kind == "enum" or kind == "literal" then return literal_type(t.values) end
  if kind == "array" or kind == "set" then
    local item = hive_type(t.item, ctx, path .. "[]")
    return item and "array<" .. item .. ">"
  end
  if kind == "tuple" then return tuple_type(t, ctx, path) end
  if kind == "map" then
    local value = t.value and hive_type(t.value, ctx, path .. "{}")
    if t.value == nil then value = json_text(ctx, path .. "{}", "a map of any values") end
    return value and "map<string," .. value .. ">"
  end
  if kind == "model" then return struct_type(t.model, ctx, path) end
  if kind == "ref" then return hive_type(t.resolve(), ctx, path) end
  if kind == "union" then return union_type(t, ctx, path) end
  return json_text(ctx, path, ("model.%s"):format(kind == "not" and "not_" or kind))
end
ddl.type_of = hive_type

-- ===================== tables =====================

local function check_identifier(what, name)
  if type(name) ~= "string" or not name:match("^[a-z_][a-z0-9_]*$") or #name > 255 then
    error(("%s must be lowercase letters, digits and _ (at most 255), got %s"):format(what, tostring(name)), 0)
  end
end

-- "s3://bucket/prefix/" -> "s3://bucket/prefix" (checked).
local function check_location(location)
  if type(location) ~= "string" then
    error("the tables need an s3:// location: give an s3:// lake (--lake s3://bucket/prefix) or --location", 0)
  end
  local bucket, rest = location:match("^s3://([^/]+)(.*)$")
  if not bucket or not bucket:match("^[a-z0-9][a-z0-9.%-]*[a-z0-9]$") or #bucket < 3 or #bucket > 63 then
    error(("location %s is not s3://bucket[/prefix]"):format(location), 0)
  end
  if rest:find("[%c'\"\\%${}]") then error(("location %s has characters a table location cannot have"):format(location), 0) end
  return "s3://" .. bucket .. rest:gsub("/+$", "")
end

local function check_options(opts)
  local o = {database = opts.database, serde = opts.serde or "hive", since = opts.since or ddl.DEFAULT_SINCE}
  check_identifier("the database name", o.database)
  if not SERDES[o.serde] then error(("serde must be hive or openx, got %s"):format(tostring(o.serde)), 0) end
  if not o.since:match("^%d%d%d%d%-%d%d%-%d%d$") then
    error(("since must be a date yyyy-MM-dd, got %s"):format(o.since), 0)
  end
  o.location = check_location(opts.location)
  return o
end

-- The lake's directory for a null or empty partition value (Hive's).
local DEFAULT_PARTITION = "__HIVE_DEFAULT_PARTITION__"

-- How Athena finds a partition key's values: an enum of the values the model allows (when
-- they are path-safe; a field that may be null or absent has the lake's default
-- partition too), else `injected` (queries must give the value).
local function projection_of(field)
  local t = field.type.kind == "ref" and field.type.resolve() or field.type
  local values, seen = {}, {}
  local function add(s)
    if not seen[s] then values[#values + 1], seen[s] = s, true end
  end
  if t.kind == "enum" or t.kind == "literal" then
    for _, v in ipairs(t.values) do
      local s = type(v) == "userdata" and DEFAULT_PARTITION or tostring(v)   -- model.null
      if s == "" then s = DEFAULT_PARTITION end
      if type(v) == "table" or s:find(ESCAPED_IN_PATHS) or s:find(",") then return {type = "injected"} end
      add(s)
    end
  elseif t.kind == "boolean" then
    add("false")
    add("true")
  else
    return {type = "injected"}
  end
  if field.type.nullable or field.type.optional then add(DEFAULT_PARTITION) end
  return {type = "enum", values = concat(values, ",")}
end

--- The columns of a table: `{{name=, type=, comment=, key=}...}`, the partition columns,
-- the SerDe properties; or raises with every problem found (one per line).
function ddl.layout(spec, opts)
  local o = check_options(opts)
  check_identifier("the table name", spec.name)
  local ctx = new_context(spec.name, o.serde)
  local m = spec.model
  local partition_keys, partitioned = {}, {}
  for _, k in ipairs(spec.partition_by or {}) do partitioned[k] = true end
  local columns, seen = {}, {}
  local function add(col, path)
    if seen[col.name] then
      problem(ctx, path, "becomes column %s, which %s already is", col.name, seen[col.name])
      return
    end
    seen[col.name] = path
    columns[#columns + 1] = col
  end
  for _, p in ipairs(PARTITIONS) do seen[p.name] = "partition column " .. p.name end
  for _, f in ipairs(m.fields) do
    if partitioned[f.name] then
      partition_keys[#partition_keys + 1] = f
    else
      local name = ddl.member_name(ctx, f.name, f.name)
      local t = hive_type(f.type, ctx, f.name)
      if name and t then add({name = name, type = t, comment = comment_of(f.type.description), key = f.name}, f.name) end
    end
  end
  for _, c in ipairs(LAKE_COLUMNS) do add(c, c.name) end
  local partitions = {}
  for _, p in ipairs(PARTITIONS) do partitions[#partitions + 1] = {name = p.name, type = "string", comment = p.comment} end
  for _, f in ipairs(partition_keys) do
    local name = ddl.column_name(f.name)
    if name ~= f.name then
      problem(ctx, f.name, "a partition key must be a lowercase column name")
    else
      partitions[#partitions + 1] = {name = name, type = "string", comment = comment_of(f.type.description),
                                     projection = projection_of(f)}
    end
  end
  for k in pairs(partitioned) do
    if not m.by_name[k] then problem(ctx, k, "partition_by names a field model %s does not have", m.name) end
  end
  if #ctx.errors > 0 then
    sort(ctx.errors)
    error(concat(ctx.errors, "\n"), 0)
  end
  local serde_properties = {}
  if o.serde == "hive" then
    serde_properties[1] = {"timestamp.formats", ddl.HIVE_TIMESTAMP_FORMATS}
  else
    sort(ctx.mapping_list)
    for _, name in ipairs(ctx.mapping_list) do
      serde_properties[#serde_properties + 1] = {"mapping." .. name, ctx.mappings[name]}
    end
  end
  return {
    database = o.database, name = spec.name, columns = columns, partitions = partitions,
    serde = SERDES[o.serde], serde_properties = serde_properties,
    location = o.location .. "/" .. spec.name .. "/", since = o.since,
    comment = comment_of(m.description),
  }
end

local function column_line(c)
  return "  " .. ddl.quote(c.name) .. " " .. c.type .. (c.comment and " COMMENT " .. ddl.string(c.comment) or "")
end

local function properties(list)
  local lines = {}
  for i, p in ipairs(list) do lines[i] = "  " .. ddl.string(p[1]) .. "=" .. ddl.string(p[2]) end
  return "(\n" .. concat(lines, ",\n") .. "\n)"
end

-- Partition projection: dt by day from `since` to now, hr 00..23, then the table's keys;
-- the template is the lake's Hive layout.
local function projection(l)
  local props = {
    {"projection.enabled", "true"},
    {"projection.dt.type", "date"},
    {"projection.dt.format", "yyyy-MM-dd"},
    {"projection.dt.range", l.since .. ",NOW"},
    {"projection.dt.interval", "1"},
    {"projection.dt.interval.unit", "DAYS"},
    {"projection.hr.type", "integer"},
    {"projection.hr.range", "0,23"},
    {"projection.hr.digits", "2"},
  }
  local template = l.location .. "dt=${dt}/hr=${hr}"
  for i = 3, #l.partitions do
    local p = l.partitions[i]
    props[#props + 1] = {"projection." .. p.name .. ".type", p.projection.type}
    if p.projection.values then props[#props + 1] = {"projection." .. p.name .. ".values", p.projection.values} end
    template = template .. "/" .. p.name .. "=${" .. p.name .. "}"
  end
  props[#props + 1] = {"storage.location.template", template}
  return props
end

--- `CREATE DATABASE IF NOT EXISTS`.
function ddl.create_database(database)
  check_identifier("the database name", database)
  return "CREATE DATABASE IF NOT EXISTS " .. ddl.quote(database)
end

--- `CREATE EXTERNAL TABLE IF NOT EXISTS` for a table spec (raises on problems).
function ddl.create_table(spec, opts)
  local l = ddl.layout(spec, opts)
  local cols, parts = {}, {}
  for i, c in ipairs(l.columns) do cols[i] = column_line(c) end
  for i, p in ipairs(l.partitions) do parts[i] = column_line(p) end
  local out = {
    ("CREATE EXTERNAL TABLE IF NOT EXISTS %s.%s ("):format(ddl.quote(l.database), ddl.quote(l.name)),
    concat(cols, ",\n"),
    ")",
  }
  if l.comment then out[#out + 1] = "COMMENT " .. ddl.string(l.comment) end
  out[#out + 1] = "PARTITIONED BY (\n" .. concat(parts, ",\n") .. "\n)"
  out[#out + 1] = "ROW FORMAT SERDE " .. ddl.string(l.serde)
  if #l.serde_properties > 0 then out[#out + 1] = "WITH SERDEPROPERTIES " .. properties(l.serde_properties) end
  out[#out + 1] = "LOCATION " .. ddl.string(l.location)
  out[#out + 1] = "TBLPROPERTIES " .. properties(projection(l))
  return concat(out, "\n")
end

--- The database and every table, in order.
function ddl.statements(tables, opts)
  local out = {ddl.create_database(opts.database)}
  for _, spec in ipairs(tables) do out[#out + 1] = ddl.create_table(spec, opts) end
  return out
end

--- What `lakegate ddl` prints: a header and the statements, each ended by ";".
function ddl.script(tables, opts)
  local parts = {("-- Athena tables of the lake at %s (lakegate ddl)\n\n"):format(check_location(opts.location))}
  for _, sql in ipairs(ddl.statements(tables, opts)) do parts[#parts + 1] = sql .. ";\n\n" end
  return concat(parts)
end

-- ===================== migrations =====================

-- Types as Glue stores them: no backticks or spaces, lowercase.
local function normal(t)
  return (t or ""):lower():gsub("[`%s]", "")
end

--- What it takes to bring an existing table (`{columns=, partition_keys=}` as
-- GetTableMetadata gives them) to the model: `{add = {column...}, problems = {text...}}`.
-- New fields are added; a removed field, a changed type or other partition keys cannot
-- be followed by Athena's ALTER TABLE on a JSON table and are reported.
function ddl.diff(spec, opts, existing)
  local l = ddl.layout(spec, opts)
  local have, problems, add = {}, {}, {}
  for _, c in ipairs(existing.columns or {}) do have[c.name:lower()] = c.type end
  local want = {}
  for _, c in ipairs(l.columns) do
    want[c.name] = true
    local t = have[c.name]
    if t == nil then
      if c.key ~= c.name and c.key:lower() ~= c.name then
        problems[#problems + 1] = ("%s.%s: the new column needs SerDe mapping %s=%s; re-create the table")
                                  :format(l.name, c.name, "mapping." .. c.name, c.key)
      else
        add[#add + 1] = c
      end
    elseif normal(t) ~= normal(c.type) then
      problems[#problems + 1] = ("%s.%s: type changes from %s to %s"):format(l.name, c.name, t, normal(c.type))
    end
  end
  for _, c in ipairs(existing.columns or {}) do
    if not want[c.name:lower()] then
      problems[#problems + 1] = ("%s.%s: the column is no longer in model %s (the table keeps it)")
                                :format(l.name, c.name, spec.model.name)
    end
  end
  local have_parts, want_parts = {}, {}
  for _, p in ipairs(existing.partition_keys or {}) do have_parts[#have_parts + 1] = p.name:lower() end
  for _, p in ipairs(l.partitions) do want_parts[#want_parts + 1] = p.name end
  if concat(have_parts, ",") ~= concat(want_parts, ",") then
    problems[#problems + 1] = ("%s: partition keys change from (%s) to (%s); re-create the table")
                              :format(l.name, concat(have_parts, ", "), concat(want_parts, ", "))
  end
  if existing.location and existing.location:gsub("/*$", "/") ~= l.location then
    problems[#problems + 1] = ("%s: the table reads %s, the lake is %s"):format(l.name, existing.location, l.location)
  end
  return {add = add, problems = problems, layout = l}
end

--- `ALTER TABLE ... ADD COLUMNS` for columns from ddl.diff.
function ddl.add_columns(layout, columns)
  local lines = {}
  for i, c in ipairs(columns) do lines[i] = column_line(c) end
  return format("ALTER TABLE %s.%s ADD COLUMNS (\n%s\n)", ddl.quote(layout.database), ddl.quote(layout.name),
                concat(lines, ",\n"))
end

-- ===================== the tables of an app =====================

--- The lake tables of a loaded app: each table that a route stores into (its body model)
-- or that lakegate.lake declares (with its model and partition keys), in name order.
-- Raises when two routes store different models into one table.
function ddl.tables_of(app)
  local by_name, problems = {}, {}
  for _, route in ipairs(app.routes) do
    local store, body = route.opts.store, route.opts.body
    if store and body then
      local t = by_name[store]
      if t and t.model ~= body then
        problems[#problems + 1] = ("table %s: %s %s stores model %s, another route stores model %s")
                                  :format(store, route.method, route.path, body.name, t.model.name)
      elseif not t then
        by_name[store] = {name = store, model = body, partition_by = {}}
      end
    end
  end
  local lake = package.loaded["lakegate.lake"]
  for _, decl in ipairs(lake and lake.tables and lake.tables() or {}) do
    local t = by_name[decl.name] or {name = decl.name, partition_by = {}}
    t.model = decl.model or t.model
    t.partition_by = decl.partition_by or t.partition_by
    by_name[decl.name] = t
  end
  local list = {}
  for _, t in pairs(by_name) do
    if t.model then list[#list + 1] = t
    else problems[#problems + 1] = ("table %s: no model (declare it with lake.table{model = ...})"):format(t.name) end
  end
  if #problems > 0 then
    sort(problems)
    error(concat(problems, "\n"), 0)
  end
  sort(list, function(a, b) return a.name < b.name end)
  return list
end

return ddl
