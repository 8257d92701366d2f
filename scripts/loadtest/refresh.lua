-- wrk script: chains refresh-token rotations against a token endpoint that
-- `go run ./scripts/loadtest -mode serve` set up (Gatehouse or the floor).
--
--   GH_TOKENS=/tmp/.../gatehouse.tokens GH_AUTH='Basic ...' GH_THREADS=2 \
--     wrk -t2 -c8 -d10s -s scripts/loadtest/refresh.lua http://127.0.0.1:PORT/p/proj_.../oauth/token
--
-- Each thread rotates its own share of the tokens (line n goes to thread
-- n mod GH_THREADS), so no token is ever presented twice at once: a token
-- leaves the thread's queue when its request is built and its successor
-- joins the queue when the answer arrives. A failed answer drops the token.
-- GH_THREADS must equal wrk's -t, and each thread needs at least as many
-- tokens as it has connections.

local counter = 0
local threads = {}

function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

function init(args)
  local threads = tonumber(os.getenv("GH_THREADS") or "2")
  auth = os.getenv("GH_AUTH")
  queue, head, tail = {}, 1, 0
  local n = 0
  for line in io.lines(os.getenv("GH_TOKENS")) do
    if n % threads == id then
      tail = tail + 1
      queue[tail] = line
    end
    n = n + 1
  end
  failures = 0
end

function request()
  if head > tail then
    -- Every token is in flight or lost: ask for something harmless.
    return wrk.format("GET", "/healthz")
  end
  local tok = queue[head]
  queue[head] = nil
  head = head + 1
  return wrk.format("POST", nil, {
    ["Content-Type"] = "application/x-www-form-urlencoded",
    ["Authorization"] = auth,
  }, "grant_type=refresh_token&refresh_token=" .. tok)
end

function response(status, headers, body)
  local next = status == 200 and body:match('"refresh_token":"([^"]+)"')
  if next then
    tail = tail + 1
    queue[tail] = next
  else
    failures = failures + 1
  end
end

function done(summary, latency, requests)
  local failed = 0
  for _, t in ipairs(threads) do
    failed = failed + t:get("failures")
  end
  io.write(string.format("refreshes without a successor token: %d\n", failed))
end
