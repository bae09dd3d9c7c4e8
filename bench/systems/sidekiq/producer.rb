# Ruby Sidekiq's producer for the benchmark (`ruby producer.rb`), driven by the same environment
# as the Node producers (bench/lib/producer.ts): "bulk" is Sidekiq::Client.push_bulk per batch,
# "one" is Sidekiq::Client.push per job, "latency" pushes at BENCH_RATE per second, each job
# carrying its monotonic enqueue time, after BENCH_WARMUP warm-up jobs and the harness's go (as in
# bench/lib/producer.ts). Prints one `BENCH_RESULT {json}` line.
require "sidekiq"
require "json"

# Debian pairs Sidekiq 6.4.1 with redis-rb 4.8, which warns on stderr about a deprecated call
# Sidekiq makes (a positional BRPOP timeout: one two-line warning per fetched job). That is log
# output, so it is off like the job logging; the warning's message is still built per call.
Redis.silence_deprecations = true

mode = ENV.fetch("BENCH_MODE")
jobs = Integer(ENV.fetch("BENCH_JOBS"))
batch = Integer(ENV.fetch("BENCH_BATCH", "1000"))
rate = Float(ENV.fetch("BENCH_RATE", "500"))
warmup = Integer(ENV.fetch("BENCH_WARMUP", "0"))

def mono
  Process.clock_gettime(Process::CLOCK_MONOTONIC, :float_millisecond)
end

Sidekiq.redis { |c| c.ping } # connect before the clock starts
if mode == "latency" && warmup > 0
  warmup.times { Sidekiq::Client.push("class" => "NoopJob", "queue" => "default", "args" => ["warmup"]) }
  # The harness's go is SIGUSR2 (a self-pipe: the trap handler only writes a byte).
  reader, writer = IO.pipe
  trap("USR2") { writer.write_nonblock("g") }
  $stdout.puts "BENCH_WARMED"
  $stdout.flush
  abort "no go from the harness after the warm-up" unless reader.wait_readable(300)
end
t0 = mono
case mode
when "bulk"
  (0...jobs).each_slice(batch) do |indexes|
    Sidekiq::Client.push_bulk("class" => "NoopJob", "queue" => "default", "args" => indexes.map { |i| [i] })
  end
when "one"
  jobs.times { |i| Sidekiq::Client.push("class" => "NoopJob", "queue" => "default", "args" => [i]) }
when "latency"
  gap = 1000.0 / rate
  jobs.times do |i|
    wait = t0 + i * gap - mono
    sleep(wait / 1000.0) if wait > 0
    Sidekiq::Client.push("class" => "NoopJob", "queue" => "default", "args" => [mono])
  end
else
  abort "unknown BENCH_MODE #{mode}"
end
seconds = (mono - t0) / 1000.0
puts "BENCH_RESULT #{JSON.generate(jobs: jobs, seconds: seconds, rate: jobs / seconds)}"
