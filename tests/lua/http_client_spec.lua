-- lakegate.http's client: one curl handle per Lua state, kept in the registry and cleaned
-- up by its finalizer when the state closes (at a reload and at shutdown).
local http = require("lakegate.http")

describe("lakegate.http client", function()
  it("is finalized without error, so closing a state frees its curl handle", function()
    -- Nothing listens on port 1: the call fails, but it has created this state's client.
    local res, err = http.get("http://127.0.0.1:1/", {timeout = 2, connect_timeout = 1})
    assert.is_nil(res)
    assert.matches("^http: GET http://127%.0%.0%.1:1/: ", err)
    local registry = debug.getregistry()
    local client = registry["lakegate.http.default"]
    assert.equal("userdata", type(client))
    local mt = getmetatable(client)
    assert.equal(registry["lakegate.http.client"], mt, "the metatable stays registered under its name")
    assert.is_true(pcall(mt.__gc, client), "the finalizer's type check passes (it used to raise: no cleanup)")
    -- The finalizer left an empty client behind: the next call makes a new handle.
    res, err = http.get("http://127.0.0.1:1/", {timeout = 2, connect_timeout = 1})
    assert.is_nil(res)
    assert.matches("^http: GET ", err)
  end)
end)
