-- wrk script: POST /unicorn with a fresh Unicorn per request (durable ingest end to end).
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"

local n = 0

function request()
  n = n + 1
  return wrk.format(nil, "/unicorn", nil,
    ('{"name":"wrk-%d","rainbow":true,"horn_length_cm":42.5,"color":"pink","tags":["shy","fast"]}'):format(n))
end
