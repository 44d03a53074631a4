-- lakegate.s3 without a server: arguments, options, failures that need no answer, and
-- presigned URLs. The same module against a real S3-compatible server (moto) is tested
-- by tests/integration/test_s3.py through the lakegate binary.
require("lakegate.core")   -- registers lakegate's C modules when run by stock Lua
local s3 = require("lakegate.s3")

-- A client for an endpoint where nothing listens (port 1), with fixed credentials.
local function offline_client(extra)
  local opts = {region = "eu-west-1", endpoint = "http://127.0.0.1:1",
                access_key_id = "AKIDTEST", secret_access_key = "secret", max_attempts = 1}
  for k, v in pairs(extra or {}) do opts[k] = v end
  return assert(s3.client(opts))
end

describe("lakegate.s3", function()
  describe("clients", function()
    it("reports a configuration it cannot use", function()
      local c, err = s3.client{region = "eu-west-1", profile = "lakegate-no-such-profile"}
      assert.is_nil(c)
      assert.equal("aws: profile lakegate-no-such-profile not found", err)
    end)

    it("rejects a bad endpoint", function()
      local c, err = s3.client{region = "eu-west-1", endpoint = "ftp://x",
                               access_key_id = "a", secret_access_key = "b"}
      assert.is_nil(c)
      assert.equal('s3: endpoint "ftp://x" is not http or https', err)
    end)

    it("raises on misuse", function()
      assert.has_error(function() s3.client{addressing = "diagonal"} end,
                       "option 'addressing': unknown value 'diagonal'")
      assert.has_error(function() s3.client{access_key_id = "only-half"} end,
                       "give both access_key_id and secret_access_key, or neither")
      assert.has_error(function() s3.client("eu-west-1") end)
    end)

    it("can be closed, once or more, and not used afterwards", function()
      local c = offline_client()
      c:close()
      c:close()
      assert.has_error(function() c:get("b", "k") end, "attempt to use a closed S3 client")
      do
        local scoped <close> = offline_client()
        assert.is_string(scoped:presign("b", "k"))
      end
    end)
  end)

  describe("operations", function()
    it("return nil, message, status when S3 cannot be reached", function()
      local c = offline_client()
      local body, err, status = c:get("bkt", "lake/dt=2026-01-01/x.json")
      assert.is_nil(body)
      assert.matches("^s3: GET s3://bkt/lake/dt=2026%-01%-01/x%.json: connection refused %(", err)
      assert.equal(0, status)
      local ok, put_err = c:put("bkt", "k", "x", {content_type = "text/plain"})
      assert.is_nil(ok)
      assert.matches("^s3: PUT s3://bkt/k: connection refused", put_err)
      local list, list_err = c:list("bkt", {prefix = "lake/"})
      assert.is_nil(list)
      assert.matches("^s3: LIST s3://bkt/lake/: connection refused", list_err)
    end)

    it("check their arguments", function()
      local c = offline_client()
      assert.has_error(function() c:put("b", "k") end, "bad argument #3 to 'put' (string expected, got no value)")
      assert.has_error(function() c:put("b", "k", "x", {checksum = "crc32"}) end,
                       "option 'checksum': unknown value 'crc32'")
      assert.has_error(function() c:put("b", "k", "x", {sse = "rot13"}) end,
                       "option 'sse': unknown value 'rot13'")
      assert.has_error(function() c:get("b", "k", {max_size = -1}) end)
      assert.has_error(function() c:presign("b", "k", 0) end)
    end)

    it("presign GET URLs, path style for an IP endpoint", function()
      local url = offline_client():presign("bkt", "lake/dt=2026-01-01/a b.json", 600)
      assert.matches("^http://127%.0%.0%.1:1/bkt/lake/dt%%3D2026%-01%-01/a%%20b%.json%?", url)
      assert.matches("X%-Amz%-Expires=600&", url)
      assert.matches("&X%-Amz%-Signature=%x+$", url)
    end)
  end)
end)
