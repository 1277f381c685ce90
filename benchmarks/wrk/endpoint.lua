-- One benchmark endpoint for wrk, driven by arguments after "--" (benchmarks/run.py passes them):
--   wrk ... -s benchmarks/wrk/endpoint.lua URL -- METHOD CONTENT_TYPE TOKEN BODY PREFIX [HEADER...]
-- "-" stands for "none" in CONTENT_TYPE, TOKEN and BODY; each HEADER is one more "Name: value" line. Each "{n}" in BODY becomes PREFIX, the thread number
-- and a counter, so every request of a run sends a new value (creates need unique usernames: a repeated one
-- would be a cheap 409, not a create). done() prints one line, "WRK_JSON {...}", with the figures and every
-- status code seen, so run.py counts unexpected answers instead of trusting wrk's own error count.

local threads = {}
local thread_count = 0

function setup(thread)
  thread_count = thread_count + 1
  thread:set("thread_number", thread_count)
  table.insert(threads, thread)
end

local method, body_template, prefix, headers, fixed
local counter = 0
statuses = {}

local function none(value)
  if value == nil or value == "-" then return nil end
  return value
end

function init(args)
  method = args[1] or "GET"
  local content_type, token = none(args[2]), none(args[3])
  body_template = none(args[4])
  prefix = (args[5] or "r") .. tostring(thread_number or 1) .. "x"
  headers = {}
  if content_type then headers["Content-Type"] = content_type end
  if token then headers["Authorization"] = "Bearer " .. token end
  for index = 6, #args do
    local name, value = args[index]:match("^([^:]+):%s*(.*)$")
    if name then headers[name] = value end
  end
  if body_template == nil or not body_template:find("{n}", 1, true) then
    fixed = wrk.format(method, nil, headers, body_template)
  end
end

function request()
  if fixed then return fixed end
  counter = counter + 1
  local body = body_template:gsub("{n}", prefix .. counter)
  return wrk.format(method, nil, headers, body)
end

function response(status, response_headers, body)
  local key = tostring(status)
  statuses[key] = (statuses[key] or 0) + 1
end

function done(summary, latency, requests)
  local merged = {}
  for _, thread in ipairs(threads) do
    local seen = thread:get("statuses")
    for code, count in pairs(seen) do merged[code] = (merged[code] or 0) + count end
  end
  local parts = {}
  for code, count in pairs(merged) do table.insert(parts, string.format('"%s": %d', code, count)) end
  local errors = summary.errors
  io.write(string.format(
    'WRK_JSON {"requests": %d, "duration_us": %d, "p50_us": %d, "p99_us": %d, "max_us": %d, '
      .. '"socket_errors": %d, "statuses": {%s}}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99), latency.max,
    errors.connect + errors.read + errors.write + errors.timeout, table.concat(parts, ", ")))
end
