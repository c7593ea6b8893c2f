-- Bandwidth-shaped callbacks for wrk: every request carries one event no other request repeats.
--
-- Run with one connection per thread (wrk -t N -c N): a thread's requests and answers then alternate,
-- so the script knows exactly which events were acknowledged (2xx) and bench/common.py can check
-- each of them in the inbox.
--
-- Environment: BENCH_PATHS_FILE (one URL path per line, e.g. /webhooks/bandwidth/<token>/),
-- BENCH_RUN (a prefix for message ids, unique per run), BENCH_AUTH (an Authorization value or "").
-- Message id: <run>-<thread>-<n>; request n of thread t goes to path number (n + t) % #paths.
-- Odd n: message-received (inbound SMS); even n: message-delivered (receipt of an outbound one).

local threads = {}

function setup(thread)
   threads[#threads + 1] = thread
   thread:set("tid", #threads)
end

function init(args)
   paths = {}
   for line in io.lines(os.getenv("BENCH_PATHS_FILE")) do
      if line ~= "" then paths[#paths + 1] = line end
   end
   npaths = #paths
   run = os.getenv("BENCH_RUN")
   headers = { ["Content-Type"] = "application/json", ["User-Agent"] = "BandwidthAPI/v2 (bench)" }
   local auth = os.getenv("BENCH_AUTH") or ""
   if auth ~= "" then headers["Authorization"] = auth end
   sent, acked, waiting, failed = 0, 0, false, {}
end

local received = '[{"type":"message-received","time":"2026-11-24T10:00:00.000Z",'
   .. '"description":"Incoming message received","to":"+19195550100","message":{"id":"%s",'
   .. '"time":"2026-11-24T10:00:00.000Z","to":["+19195550100"],"from":"+1919555%04d",'
   .. '"text":"Hi, is the office open on Saturday? Ref %s","applicationId":"93de2206-9669-4e07-948d-329f4b722ee2",'
   .. '"media":[],"owner":"+19195550100","direction":"in","segmentCount":1}}]'

local delivered = '[{"type":"message-delivered","time":"2026-11-24T10:00:05.000Z","description":"ok",'
   .. '"to":"+1919555%04d","message":{"id":"%s","time":"2026-11-24T10:00:00.000Z","to":["+1919555%04d"],'
   .. '"from":"+19195550100","text":"","applicationId":"93de2206-9669-4e07-948d-329f4b722ee2",'
   .. '"owner":"+19195550100","direction":"out","segmentCount":1,"tag":"%s"}}]'

function request()
   if waiting then failed[#failed + 1] = sent end -- the last one never got an answer (reconnected)
   sent = sent + 1
   waiting = true
   local id = run .. "-" .. tid .. "-" .. sent
   local remote = sent % 10000
   local body
   if sent % 2 == 1 then
      body = string.format(received, id, remote, id)
   else
      body = string.format(delivered, remote, id, remote, "tag-" .. id)
   end
   return wrk.format("POST", paths[(sent + tid) % #paths + 1], headers, body)
end

function response(status, headers, body)
   waiting = false
   if status >= 200 and status < 300 then
      acked = acked + 1
   else
      failed[#failed + 1] = sent
   end
end

local function list(values)
   local parts = {}
   for i, value in ipairs(values) do parts[i] = tostring(value) end
   return "[" .. table.concat(parts, ",") .. "]"
end

function done(summary, latency, requests)
   local e = summary.errors
   local total_acked, per_thread, npaths = 0, {}, 0
   for i, thread in ipairs(threads) do
      local a = thread:get("acked")
      total_acked = total_acked + a
      npaths = thread:get("npaths")
      per_thread[i] = string.format('{"tid":%d,"sent":%d,"acked":%d,"waiting":%s,"failed":%s}', thread:get("tid"),
         thread:get("sent"), a, tostring(thread:get("waiting")), list(thread:get("failed")))
   end
   local seconds = summary.duration / 1e6
   io.write(string.format('BENCH-JSON {"duration_s":%.3f,"requests":%d,"acked":%d,"rps":%.2f,'
      .. '"p50_ms":%.3f,"p90_ms":%.3f,"p99_ms":%.3f,"max_ms":%.3f,"non_2xx":%d,'
      .. '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},"paths":%d,"threads":[%s]}\n',
      seconds, summary.requests, total_acked, total_acked / seconds,
      latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000,
      latency.max / 1000, summary.requests - total_acked,
      e.connect, e.read, e.write, e.status, e.timeout, npaths, table.concat(per_thread, ",")))
end
