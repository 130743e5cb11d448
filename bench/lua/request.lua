-- One wrk script for every scenario: method, body, API key and headers come from the environment
-- (bench/run.py sets them), and done() prints one JSON line that bench/run.py parses, with
-- exact percentiles rather than wrk's rounded text report.

local method = os.getenv("BENCH_METHOD") or "GET"
local body = os.getenv("BENCH_BODY")
local api_key = os.getenv("BENCH_API_KEY")
-- More headers, one "Name: value" a line (the internal caller's, WPsigner's key and secret).
local extra_headers = os.getenv("BENCH_HEADERS") or ""

wrk.method = method
if body and body ~= "" then
  wrk.body = body
  wrk.headers["Content-Type"] = "application/json"
end
if api_key and api_key ~= "" then
  wrk.headers["Authorization"] = "Bearer " .. api_key
end
for name, value in extra_headers:gmatch("([^:\n]+):%s*([^\n]*)") do
  wrk.headers[name] = value
end

function done(summary, latency, requests)
  local errors = summary.errors
  io.write(string.format(
    'BENCH_RESULT {"requests": %d, "duration_us": %d, "p50_us": %d, "p99_us": %d, "max_us": %d, ' ..
    '"non2xx": %d, "connect_errors": %d, "read_errors": %d, "write_errors": %d, "timeouts": %d}\n',
    summary.requests, summary.duration, latency:percentile(50.0), latency:percentile(99.0), latency.max,
    errors.status, errors.connect, errors.read, errors.write, errors.timeout))
end
