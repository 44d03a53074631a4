-- lakegate.ddl: Athena DDL from models. The DDL of the example app and of models that use
-- every field type is compared with golden files in tests/golden/ddl/ (regenerate them
-- with LAKEGATE_UPDATE_GOLDEN=1 after a deliberate change, and read the diff).
require("lakegate.core")   -- registers lakegate's C modules when run by stock Lua
local app = require("lakegate.app")
local ddl = require("lakegate.ddl")
local model = require("lakegate.model")

local GOLDEN = "tests/golden/ddl/"
local OPTS = {database = "lakegate", location = "s3://my-lake/lake"}

local function read(path)
  local f = assert(io.open(path, "rb"))
  local text = f:read("a")
  f:close()
  return text
end

-- Compares text with the golden file (or writes it when asked to).
local function golden(name, text)
  local path = GOLDEN .. name
  if os.getenv("LAKEGATE_UPDATE_GOLDEN") == "1" then
    local f = assert(io.open(path, "wb"))
    f:write(text)
    f:close()
  end
  assert.equal(read(path), text, "golden file " .. path)
end

local function tables(dir)
  local a = assert(app.load(dir))
  local list = ddl.tables_of(a)
  local by_name = {}
  for _, t in ipairs(list) do by_name[t.name] = t end
  return list, by_name
end

local function with(base, extra)
  local t = {}
  for k, v in pairs(base) do t[k] = v end
  for k, v in pairs(extra or {}) do t[k] = v end
  return t
end

local function spec_of(fields, extra)
  return with({name = "t", model = model.define("T", fields), partition_by = {}}, extra)
end

local function failure(f, ...)
  local ok, err = pcall(f, ...)
  assert.is_false(ok, "expected an error")
  return err
end

describe("lakegate.ddl", function()
  local everything

  lazy_setup(function()
    local _, by_name = tables("tests/lua/fixtures/ddl_routes")
    everything = by_name
  end)

  describe("golden files", function()
    it("matches for the example app", function()
      local list = tables("routes")
      assert.equal(1, #list)
      assert.equal("unicorns", list[1].name)
      golden("unicorn.sql", ddl.script(list, OPTS))
    end)

    it("maps every field type (Hive JSON SerDe), with partition keys", function()
      local spec = with(everything.everything, {partition_by = {"mood", "level"}})
      golden("every_type.sql", ddl.create_table(spec, with(OPTS, {since = "2026-01-01"})) .. ";\n")
    end)

    it("maps keys and JSON values with the OpenX SerDe", function()
      golden("every_type_openx.sql", ddl.create_table(everything.loose, with(OPTS, {serde = "openx"})) .. ";\n")
    end)
  end)

  describe("types", function()
    local function column_type(t, serde)
      local l = ddl.layout(spec_of({x = t}), with(OPTS, {serde = serde}))
      return l.columns[1].type
    end

    it("maps scalars", function()
      assert.equal("bigint", column_type(model.integer{}))
      assert.equal("double", column_type(model.number{}))
      assert.equal("boolean", column_type(model.boolean{}))
      assert.equal("timestamp", column_type(model.datetime{}))
      assert.equal("date", column_type(model.date{}))
      assert.equal("string", column_type(model.time{}))
      assert.equal("string", column_type(model.uuid{}))
    end)

    it("maps decimals with their precision, else as exact text", function()
      assert.equal("decimal(10,2)", column_type(model.decimal{max_digits = 10, decimal_places = 2}))
      assert.equal("decimal(38,4)", column_type(model.decimal{decimal_places = 4}))
      assert.equal("decimal(5,0)", column_type(model.decimal{max_digits = 5}))
      assert.equal("decimal(3,3)", column_type(model.decimal{max_digits = 2, decimal_places = 3}))
      assert.equal("string", column_type(model.decimal{}))
      assert.equal("string", column_type(model.decimal{max_digits = 39}))
    end)

    it("maps enums and literals by their values", function()
      assert.equal("string", column_type(model.enum{"a", "b"}))
      assert.equal("bigint", column_type(model.enum{1, 2}))
      assert.equal("string", column_type(model.enum{1, "b"}))
      assert.equal("boolean", column_type(model.literal{true, model.null}))
    end)

    it("maps containers", function()
      assert.equal("array<bigint>", column_type(model.array{model.integer{}}))
      assert.equal("array<bigint>", column_type(model.tuple{model.integer{}, rest = model.integer{}}))
      assert.equal("map<string,array<date>>", column_type(model.map{value = model.array{model.date{}}}))
      local P = model.define("P", {Name = model.string{}, age = model.integer{}})
      assert.equal("struct<`name`:string,`age`:bigint>", column_type(P{}))
      assert.equal("bigint", column_type(model.union{model.integer{}, model.none{}}))
      assert.equal("string", column_type(model.union{model.integer{}, model.string{}}))
    end)

    it("reads values that can be any JSON as text with OpenX only", function()
      assert.equal("string", column_type(model.any{}, "openx"))
      assert.equal("map<string,string>", column_type(model.map{}, "openx"))
      local err = failure(ddl.layout, spec_of({x = model.any{}}), OPTS)
      assert.equal("table t, field x: model.any can hold JSON objects or arrays, which the Hive JSON "
                   .. "SerDe cannot read into a column; use --serde openx (it reads them as JSON text)", err)
    end)

    it("lists every problem of a table under the Hive SerDe", function()
      local err = failure(ddl.create_table, everything.loose, OPTS)
      local lines = {}
      for line in err:gmatch("[^\n]+") do lines[#lines + 1] = line end
      assert.same({
        "table loose, field Weird.Key: key 'Weird.Key' is not an Athena column name (letters, digits "
          .. "and _); rename the field, or use --serde openx, which maps it",
        "table loose, field either: a union of structured types can hold JSON objects or arrays, which "
          .. "the Hive JSON SerDe cannot read into a column; use --serde openx (it reads them as JSON text)",
        "table loose, field mixed: a tuple of different types can hold JSON objects or arrays, which the "
          .. "Hive JSON SerDe cannot read into a column; use --serde openx (it reads them as JSON text)",
        "table loose, field payload: model.any can hold JSON objects or arrays, which the Hive JSON SerDe "
          .. "cannot read into a column; use --serde openx (it reads them as JSON text)",
        "table loose, field tree.children[]: a recursive model (Node) can hold JSON objects or arrays, "
          .. "which the Hive JSON SerDe cannot read into a column; use --serde openx (it reads them as JSON text)",
        "table loose, field user-name: key 'user-name' is not an Athena column name (letters, digits and "
          .. "_); rename the field, or use --serde openx, which maps it",
      }, lines)
    end)
  end)

  describe("names", function()
    it("quotes identifiers and validates them", function()
      assert.equal("CREATE DATABASE IF NOT EXISTS `lake_1`", ddl.create_database("lake_1"))
      assert.equal("the database name must be lowercase letters, digits and _ (at most 255), got Lake-DB",
                   failure(ddl.create_database, "Lake-DB"))
      assert.equal("the table name must be lowercase letters, digits and _ (at most 255), got bad-name",
                   failure(ddl.create_table, spec_of({x = model.string{}}, {name = "bad-name"}), OPTS))
    end)

    it("refuses fields that clash with the lake's columns, or with each other", function()
      assert.equal("table t, field dt: becomes column dt, which partition column dt already is",
                   failure(ddl.layout, spec_of({dt = model.string{}}), OPTS))
      assert.equal("table t, field _request_id: becomes column _request_id, which _request_id already is",
                   failure(ddl.layout, spec_of({_request_id = model.string{}}), OPTS))
      local err = failure(ddl.layout, spec_of({userId = model.string{}, userid = model.string{}}), OPTS)
      assert.matches("becomes column userid, which user[iI]d already is", err)
      err = failure(ddl.layout, spec_of({["a-b"] = model.string{}, ["a.b"] = model.string{}}), with(OPTS, {serde = "openx"}))
      assert.matches("keys 'a%-b' and 'a%.b' both become column a_b", err)
    end)

    it("checks the location, the SerDe and the first day", function()
      local spec = spec_of({x = model.string{}})
      assert.matches("need an s3:// location", failure(ddl.layout, spec, with(OPTS, {location = false})))
      assert.equal("location file:///tmp/lake is not s3://bucket[/prefix]",
                   failure(ddl.layout, spec, with(OPTS, {location = "file:///tmp/lake"})))
      assert.equal("location s3://Bad_Bucket/x is not s3://bucket[/prefix]",
                   failure(ddl.layout, spec, with(OPTS, {location = "s3://Bad_Bucket/x"})))
      assert.equal("location s3://bkt/x'y has characters a table location cannot have",
                   failure(ddl.layout, spec, with(OPTS, {location = "s3://bkt/x'y"})))
      assert.equal("serde must be hive or openx, got regex", failure(ddl.layout, spec, with(OPTS, {serde = "regex"})))
      assert.equal("since must be a date yyyy-MM-dd, got yesterday", failure(ddl.layout, spec, with(OPTS, {since = "yesterday"})))
      assert.equal("s3://bkt/lake/t/", ddl.layout(spec, with(OPTS, {location = "s3://bkt/lake//"})).location)
    end)

    it("writes string literals Hive reads back exactly", function()
      assert.equal("'plain'", ddl.string("plain"))
      assert.equal([["it's"]], ddl.string("it's"))
      assert.equal([['both \' and "']], ddl.string([[both ' and "]]))
      assert.equal([['back\\slash two lines']], ddl.string("back\\slash\ntwo lines"))
    end)

    it("cuts comments at Glue's 255 characters", function()
      local l = ddl.layout(spec_of({x = model.string{description = ("é"):rep(300)}}), OPTS)
      assert.equal(255, utf8.len(l.columns[1].comment))
    end)
  end)

  describe("partitions", function()
    it("projects enum keys by value and other keys as injected", function()
      local spec = spec_of({color = model.enum{"pink", "gold"}, shop = model.string{}, n = model.integer{}},
                           {partition_by = {"color", "shop"}})
      local sql = ddl.create_table(spec, OPTS)
      assert.matches("'projection.color.type'='enum',\n  'projection.color.values'='pink,gold'", sql, 1, true)
      assert.matches("'projection.shop.type'='injected'", sql, 1, true)
      assert.matches("dt=${dt}/hr=${hr}/color=${color}/shop=${shop}'", sql, 1, true)
      local l = ddl.layout(spec, OPTS)
      assert.same({"n", "_ingested_at", "_request_id"}, {l.columns[1].name, l.columns[2].name, l.columns[3].name})
      assert.same({"dt", "hr", "color", "shop"}, {l.partitions[1].name, l.partitions[2].name, l.partitions[3].name,
                                                  l.partitions[4].name})
    end)

    it("projects the lake's default partition for values that may be null or empty", function()
      local spec = spec_of({k = model.enum{"a", "", nullable = true}, b = model.boolean{optional = true}},
                           {partition_by = {"k", "b"}})
      local l = ddl.layout(spec, OPTS)
      assert.equal("a,__HIVE_DEFAULT_PARTITION__", l.partitions[3].projection.values)
      assert.equal("false,true,__HIVE_DEFAULT_PARTITION__", l.partitions[4].projection.values)
    end)

    it("projects values that are not path-safe as injected", function()
      local spec = spec_of({k = model.enum{"a/b", "c"}}, {partition_by = {"k"}})
      assert.equal("injected", ddl.layout(spec, OPTS).partitions[3].projection.type)
    end)
  end)

  describe("migrations", function()
    local spec

    lazy_setup(function()
      spec = spec_of({name = model.string{}, tags = model.array{model.string{}}, n = model.integer{}})
    end)

    local function existing(columns, extra)
      return with({columns = columns, partition_keys = {{name = "dt", type = "string"}, {name = "hr", type = "string"}},
                   location = "s3://my-lake/lake/t"}, extra)
    end

    it("is up to date when the table matches", function()
      local d = ddl.diff(spec, OPTS, existing({
        {name = "name", type = "string"}, {name = "tags", type = "array<string>"}, {name = "n", type = "bigint"},
        {name = "_ingested_at", type = "timestamp"}, {name = "_request_id", type = "string"}}))
      assert.same({}, d.add)
      assert.same({}, d.problems)
    end)

    it("adds the columns of new fields", function()
      local d = ddl.diff(spec, OPTS, existing({{name = "name", type = "string"}, {name = "_ingested_at", type = "timestamp"},
                                               {name = "_request_id", type = "string"}}))
      assert.same({}, d.problems)
      assert.equal("ALTER TABLE `lakegate`.`t` ADD COLUMNS (\n  `tags` array<string>,\n  `n` bigint\n)",
                   ddl.add_columns(d.layout, d.add))
    end)

    it("reports what Athena cannot follow", function()
      local d = ddl.diff(spec, OPTS, existing({
        {name = "name", type = "string"}, {name = "tags", type = "array<bigint>"}, {name = "n", type = "bigint"},
        {name = "gone", type = "string"}, {name = "_ingested_at", type = "timestamp"}, {name = "_request_id", type = "string"}},
        {partition_keys = {{name = "dt", type = "string"}}, location = "s3://elsewhere/t/"}))
      assert.same({
        "t.tags: type changes from array<bigint> to array<string>",
        "t.gone: the column is no longer in model T (the table keeps it)",
        "t: partition keys change from (dt) to (dt, hr); re-create the table",
        "t: the table reads s3://elsewhere/t/, the lake is s3://my-lake/lake/t/",
      }, d.problems)
    end)
  end)

  describe("the tables of an app", function()
    it("takes each stored table's model once", function()
      local list = tables("tests/lua/fixtures/ddl_routes")
      assert.same({"everything", "loose"}, {list[1].name, list[2].name})
    end)

    it("refuses two models for one table", function()
      local A = model.define("A", {x = model.string{}})
      local B = model.define("B", {x = model.integer{}})
      local fake = {routes = {{method = "POST", path = "/a", opts = {store = "t", body = A}},
                              {method = "POST", path = "/b", opts = {store = "t", body = B}}}}
      assert.equal("table t: POST /b stores model B, another route stores model A", failure(ddl.tables_of, fake))
    end)

    it("takes partition keys and models from lake.table declarations", function()
      local lake = require("lakegate.lake")
      local A = model.define("A", {x = model.string{}, k = model.enum{"p", "q"}})
      local saved = lake.tables
      lake.tables = function() return {{name = "t", model = A, partition_by = {"k"}}, {name = "bare"}} end
      local ok, err = pcall(ddl.tables_of, {routes = {}})
      lake.tables = function() return {{name = "t", model = A, partition_by = {"k"}}} end
      local ok2, list = pcall(ddl.tables_of, {routes = {}})
      lake.tables = saved
      assert.is_false(ok)
      assert.equal("table bare: no model (declare it with lake.table{model = ...})", err)
      assert.is_true(ok2, list)
      assert.same({"k"}, list[1].partition_by)
    end)
  end)
end)
