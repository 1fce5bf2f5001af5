// Built-in stages run in worker_threads, never on the event loop (ARCHITECTURE.md §6 rule 3). One thread runs
// one task; idle threads are kept for the next task (the SDR graph and parent caches stay warm), aborting a task
// terminates its thread. Admission (stage limits) happens before the pool, so it never queues.
import { Worker } from "node:worker_threads";
import type { StageInput, StageOutput } from "../api/processor-tasks.js";
import type { StageName } from "../api/stages.js";
import type { PoolReply, PoolRequest } from "./builtin-worker.js";

const WORKER_URL = new URL(`./builtin-worker${import.meta.url.endsWith(".ts") ? ".ts" : ".js"}`, import.meta.url);

/** From src/ (tests, tsx) the thread registers tsx itself to load .ts; from dist/ it is plain JS. */
function startThread(): Worker {
  if (!WORKER_URL.pathname.endsWith(".ts")) return new Worker(WORKER_URL);
  // tsx is resolved here, not in the thread: a bare specifier there would resolve against the cwd
  const tsx = import.meta.resolve("tsx/esm/api");
  const code = `import(${JSON.stringify(tsx)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(WORKER_URL.href)}); })`;
  return new Worker(code, { eval: true });
}

export interface BuiltinPoolOptions {
  /** Idle threads kept for reuse (default 2). */
  maxIdle?: number;
}

export class BuiltinPool {
  private readonly idle: Worker[] = [];
  private readonly busy = new Set<Worker>();
  private nextId = 1;
  private closed = false;
  constructor(private readonly opts: BuiltinPoolOptions = {}) {}

  /** Runs one task of `stage` in a worker thread; rejects with the stage's error chain, or the abort reason. */
  run<S extends StageName>(stage: S, input: StageInput<S>, signal?: AbortSignal): Promise<StageOutput<S>> {
    if (this.closed) return Promise.reject(new Error("the built-in processor pool is closed"));
    signal?.throwIfAborted();
    const w = this.idle.pop() ?? startThread();
    this.busy.add(w);
    const id = this.nextId++;
    return new Promise<StageOutput<S>>((resolve, reject) => {
      const done = (reuse: boolean): void => {
        w.off("message", onMessage);
        w.off("error", onError);
        w.off("exit", onExit);
        signal?.removeEventListener("abort", onAbort);
        this.busy.delete(w);
        if (reuse && !this.closed && this.idle.length < (this.opts.maxIdle ?? 2)) this.idle.push(w);
        else void w.terminate();
      };
      const onMessage = (m: PoolReply): void => {
        if (m.id !== id) return;
        done(true);
        if ("error" in m) reject(new Error(m.error));
        else resolve(m.output as StageOutput<S>);
      };
      const onError = (e: Error): void => {
        done(false);
        reject(new Error(`built-in ${stage} thread failed: ${e.message}`, { cause: e }));
      };
      const onExit = (code: number): void => {
        done(false);
        reject(new Error(`built-in ${stage} thread exited (code ${code})`));
      };
      const onAbort = (): void => {
        done(false);
        reject(signal?.reason instanceof Error ? signal.reason : new Error(`built-in ${stage} task aborted`));
      };
      w.on("message", onMessage);
      w.once("error", onError);
      w.once("exit", onExit);
      signal?.addEventListener("abort", onAbort, { once: true });
      w.postMessage({ id, stage, input } satisfies PoolRequest);
    });
  }

  get threads(): { idle: number; busy: number } {
    return { idle: this.idle.length, busy: this.busy.size };
  }

  /** Terminates every thread; running tasks reject. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.idle.splice(0), ...this.busy].map((w) => w.terminate()));
  }
}
