/**
 * Ruby Sidekiq (Debian `ruby-sidekiq`) as a benchmark peer: the worker is its own CLI,
 * `sidekiq -r ./noop.rb -c N -q default`, logging at WARN; the producer is its own client in a
 * Ruby script. Both files live in bench/systems/sidekiq/.
 */
import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import type { Redis } from "ioredis";
import { BENCH_DIR } from "../lib/build";
import type { Availability, BenchContext, ChildSpec, SystemAdapter } from "./types";

const run = promisify(execFile);
const DIR = join(BENCH_DIR, "systems", "sidekiq");

export class SidekiqSystem implements SystemAdapter {
  readonly name = "sidekiq" as const;
  label = "Ruby Sidekiq";

  async prepare(_ctx: BenchContext): Promise<Availability> {
    try {
      const { stdout } = await run("ruby", [
        "-e",
        'require "sidekiq"; puts "#{Sidekiq::VERSION} #{RUBY_VERSION}"',
      ]);
      await run("sidekiq", ["--help"]).catch((err) => {
        // `sidekiq --help` exits non-zero on some versions; only a missing binary matters.
        if ((err as NodeJS.ErrnoException).code === "ENOENT") throw err;
      });
      const [version, ruby] = stdout.trim().split(" ");
      this.label = `Ruby Sidekiq ${version} (Ruby ${ruby}, sidekiq CLI, log level WARN)`;
      return { rest: "Sidekiq has no REST transport" };
    } catch (err) {
      const reason = `Ruby Sidekiq is not available: ${(err as Error).message.split("\n")[0]}`;
      return { worker: reason, producer: reason, rest: reason };
    }
  }

  worker(_ctx: BenchContext, concurrency: number): ChildSpec {
    return {
      command: "sidekiq",
      args: ["-r", "./noop.rb", "-c", String(concurrency), "-q", "default"],
      cwd: DIR,
    };
  }

  producer(): ChildSpec {
    return { command: "ruby", args: ["producer.rb"], cwd: DIR };
  }

  async pending(redis: Redis): Promise<number> {
    return redis.llen("queue:default");
  }

  async dispose(): Promise<void> {}
}
