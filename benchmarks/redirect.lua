-- wrk script for benchmarks/bench_redirect.py: one connection per thread (so responses come
-- back in the order requests went out), a fixed cycle of 10 requests per thread:
--   7 people (a new User-Agent each)   -> counted
--   1 repeat of the previous person    -> not counted (same client within a minute)
--   1 bot (Googlebot)                  -> not counted
--   1 HEAD from a new person           -> not counted
-- Each thread tallies the kinds of the requests whose response it received (and checks the
-- 302), plus the kind of a request still in flight when wrk stopped.
local threads = {}
local counter = 1

function setup(thread)
  thread:set("tid", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

local CYCLE = {"new", "new", "new", "new", "new", "new", "repeat", "bot", "head", "new"}

function init(args)
  path = args[1]
  n = 0
  last_ua = ""
  queue = {}
  qhead, qtail = 1, 0
  done_counted, done_filtered, bad, inflight_counted = 0, 0, 0, 0
end

local function pending_new()
  local pending = 0
  for i = qhead, qtail do if queue[i] == "new" then pending = pending + 1 end end
  return pending
end

function request()
  n = n + 1
  local kind = CYCLE[(n - 1) % 10 + 1]
  local method, ua = "GET", nil
  if kind == "repeat" then
    ua = last_ua
  elseif kind == "bot" then
    ua = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"
  else
    ua = "Mozilla/5.0 (bench; t=" .. tid .. "; n=" .. n .. ") Firefox/133.0"
    if kind == "head" then method = "HEAD" else last_ua = ua end
  end
  qtail = qtail + 1
  queue[qtail] = kind
  inflight_counted = pending_new()
  return wrk.format(method, path, {["User-Agent"] = ua})
end

function response(status, headers, body)
  local kind = queue[qhead]
  queue[qhead] = nil
  qhead = qhead + 1
  if status ~= 302 then bad = bad + 1 end
  if kind == "new" then done_counted = done_counted + 1 else done_filtered = done_filtered + 1 end
  inflight_counted = pending_new()
end

function done(summary, latency, requests)
  local counted, filtered, bad_total, inflight = 0, 0, 0, 0
  for _, t in ipairs(threads) do
    counted = counted + t:get("done_counted")
    filtered = filtered + t:get("done_filtered")
    bad_total = bad_total + t:get("bad")
    inflight = inflight + t:get("inflight_counted")
  end
  io.write(string.format(
    "RESULT {\"completed\": %d, \"expected_counted\": %d, \"expected_filtered\": %d, " ..
    "\"non_302\": %d, \"inflight_counted\": %d, \"p50_ms\": %.3f, \"p99_ms\": %.3f}\n",
    summary.requests, counted, filtered, bad_total, inflight,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
