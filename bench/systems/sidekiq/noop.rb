# Ruby Sidekiq's side of the benchmark, loaded with `sidekiq -r ./noop.rb -c N -q default`.
#
# 1. NoopJob, the job every system runs: it does nothing.
# 2. Logging at WARN: Sidekiq's default start/done line per job cuts its drain rate 2.3x, and the
#    other systems log nothing per job either.
# 3. A server middleware that counts jobs in process (no Redis write per job): first start, last
#    end, the process CPU time between them and, in latency mode, start minus the monotonic enqueue time the producer put in args[0].
#    When BENCH_EXPECTED jobs have run it LPUSHes one JSON report to bench:done (the key names and
#    report fields are those of bench/lib/protocol.ts).
require "sidekiq"
require "json"

# Debian pairs Sidekiq 6.4.1 with redis-rb 4.8, which warns on stderr about a deprecated call
# Sidekiq makes (a positional BRPOP timeout: one two-line warning per fetched job). That is log
# output, so it is off like the job logging; the warning's message is still built per call.
Redis.silence_deprecations = true

class NoopJob
  include Sidekiq::Worker

  def perform(*_args)
  end
end

module Bench
  READY_KEY = "bench:ready"
  DONE_KEY = "bench:done"
  EXPECTED = Integer(ENV.fetch("BENCH_EXPECTED"))
  LATENCY = ENV["BENCH_MODE"] == "latency"
  LOCK = Mutex.new
  @count = 0
  @first = nil
  @last = nil
  @latencies = []

  def self.mono
    Process.clock_gettime(Process::CLOCK_MONOTONIC, :float_millisecond)
  end

  def self.cpu_ms
    Process.clock_gettime(Process::CLOCK_PROCESS_CPUTIME_ID, :float_millisecond)
  end

  def self.started(enqueued)
    now = mono
    LOCK.synchronize do
      unless @first
        @first = now
        @cpu_at_first = cpu_ms
      end
      @latencies << (now - enqueued) if LATENCY && enqueued.is_a?(Numeric)
    end
  end

  def self.ended
    now = mono
    report = nil
    LOCK.synchronize do
      @last = now
      @count += 1
      report = build_report if @count == EXPECTED
    end
    Sidekiq.redis { |c| c.lpush(DONE_KEY, JSON.generate(report)) } if report
  end

  # Nearest-rank percentile, as bench/lib/stats.ts computes it.
  def self.percentile(sorted, p)
    rank = (p / 100.0 * sorted.length).ceil
    sorted[[[rank - 1, 0].max, sorted.length - 1].min]
  end

  def self.build_report
    seconds = (@last - @first) / 1000.0
    report = {
      count: @count,
      firstStartMs: @first,
      lastEndMs: @last,
      rate: seconds > 0 ? @count / seconds : nil,
      cpuMs: cpu_ms - @cpu_at_first
    }
    if LATENCY
      sorted = @latencies.sort
      report[:latency] = {
        p50: percentile(sorted, 50),
        p99: percentile(sorted, 99),
        mean: sorted.sum / sorted.length,
        max: sorted.last
      }
    end
    report
  end

  class Middleware
    def call(_worker, job, _queue)
      # A latency warm-up job (bench/lib/protocol.ts WARMUP_ARG) runs but is not counted.
      return yield if job["args"][0] == "warmup"

      begin
        Bench.started(job["args"][0])
        yield
      ensure
        Bench.ended
      end
    end
  end
end

Sidekiq.logger.level = Logger::WARN
Sidekiq.configure_server do |config|
  config.logger.level = Logger::WARN
  config.server_middleware { |chain| chain.add Bench::Middleware }
  config.on(:startup) { Sidekiq.redis { |c| c.lpush(Bench::READY_KEY, "1") } }
end
