// The ping loop (spec/worker.md §13, protocols.md §2.4): every `ping_interval`, the first one interval after start,
// `Venus.WorkerPing({Name, Dest, Version, Summary})`; the same tick refreshes the manager's sealing defaults (§3).
// Failures are logged only: a manager that is down must not stop the worker.
import type { WorkerInfo } from "../api/sealer-types.js";
import type { WorkerThreadInfo } from "../api/worker-admin.js";

export type PingSummary = WorkerInfo["Summary"];

/** The thread counts of a ping: Empty = no job id, Errors = a last_error set. */
export function pingSummary(threads: readonly WorkerThreadInfo[]): PingSummary {
  const count = (f: (t: WorkerThreadInfo) => boolean): number => threads.filter(f).length;
  return {
    Threads: threads.length,
    Empty: count((t) => t.job_id === null),
    Paused: count((t) => t.thread_state.state === "Paused"),
    Running: count((t) => t.thread_state.state === "Running"),
    Waiting: count((t) => t.thread_state.state === "Waiting"),
    Errors: count((t) => t.last_error !== null),
  };
}

export interface PingerLogger {
  debug(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

export interface PingerOptions {
  intervalMs: number;
  /** Venus.WorkerPing. */
  ping(info: WorkerInfo): Promise<unknown>;
  name: string;
  dest: string;
  version: string;
  threads(): readonly WorkerThreadInfo[];
  /** Also run every tick, after the ping (the manager-defaults refresh); its errors are logged too. */
  onTick?: () => Promise<void>;
  logger?: PingerLogger;
}

export interface Pinger {
  /** Sends one ping now (also what each tick does); never throws. */
  tick(): Promise<void>;
  stop(): Promise<void>;
}

export function startPinger(o: PingerOptions): Pinger {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();
  let stopped = false;

  const tick = async (): Promise<void> => {
    const info: WorkerInfo = { Name: o.name, Dest: o.dest, Version: o.version, Summary: pingSummary(o.threads()) };
    try {
      await o.ping(info);
      o.logger?.debug({ summary: info.Summary }, "ping sent");
    } catch (err) {
      o.logger?.warn({ err: (err as Error).message }, "ping to the manager failed");
    }
    try {
      await o.onTick?.();
    } catch (err) {
      o.logger?.warn({ err: (err as Error).message }, "periodic refresh failed");
    }
  };

  // One tick at a time: a slow manager delays the next ping instead of stacking calls.
  const schedule = (): void => {
    if (stopped) return;
    timer = setTimeout(() => {
      running = tick().finally(schedule);
    }, o.intervalMs);
  };
  schedule();

  return {
    tick,
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
