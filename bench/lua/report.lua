-- Prints wrk's results as one line of JSON, prefixed by BENCH_RESULT, for bench/load.py.
--
-- Latency values are in microseconds. "exhausted" counts the threads that ran
-- out of lines in lines.lua's once mode; it is 0 for scripts without lines.

-- Every thread of the run, in the order wrk set them up; lines.lua reads it too.
bench_threads = {}

function setup(thread)
   thread:set("thread_index", #bench_threads)
   table.insert(bench_threads, thread)
end

function done(summary, latency, requests)
   local exhausted = 0
   for _, thread in ipairs(bench_threads) do
      if thread:get("lines_exhausted") then
         exhausted = exhausted + 1
      end
   end

   local errors = summary.errors
   io.write(string.format(
      'BENCH_RESULT {"requests": %d, "duration_us": %d, "bytes": %d, ' ..
      '"errors": {"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}, ' ..
      '"latency_us": {"min": %d, "mean": %.1f, "max": %d, ' ..
      '"p50": %d, "p75": %d, "p90": %d, "p95": %d, "p99": %d, "p999": %d}, ' ..
      '"threads": %d, "exhausted_threads": %d}\n',
      summary.requests, summary.duration, summary.bytes,
      errors.connect, errors.read, errors.write, errors.status, errors.timeout,
      latency.min, latency.mean, latency.max,
      latency:percentile(50), latency:percentile(75), latency:percentile(90),
      latency:percentile(95), latency:percentile(99), latency:percentile(99.9),
      #bench_threads, exhausted))
end
