// Resource control for processor tasks (spec/worker.md §2.7, §2.8, §4.1; protocols.md §3.7, §4c):
//   1. the stage token: [processors.limitation.concurrent] (legacy [processors.limit]), then the staggered start;
//   2. a sub-processor: a free `concurrent` slot and one token of every ext lock it names, all or nothing;
//   3. waiting tasks of a stage form one FIFO queue served by whichever sub-processor frees first.
// Release runs in the reverse order (slot and locks, then the stage token), also on error.
import type { StageLimitKey } from "../api/stages.js";

/** Injected time (ARCHITECTURE.md §6 rule 6): tests advance it by hand. */
export interface Clock {
  now(): number;
  /** Resolves after `ms`, rejects with the abort reason when `signal` fires first. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise<void>((resolve, reject) => {
      if (signal?.aborted) return reject(abortError(signal));
      const onAbort = (): void => {
        clearTimeout(timer);
        reject(abortError(signal!));
      };
      const timer = setTimeout(() => {
        signal?.removeEventListener("abort", onAbort);
        resolve();
      }, ms);
      signal?.addEventListener("abort", onAbort, { once: true });
    }),
};

const abortError = (signal: AbortSignal): Error =>
  signal.reason instanceof Error ? signal.reason : new Error(`aborted: ${String(signal.reason)}`);

/** Cancels a queued waiter when `signal` fires; returns the cleanup to call once the waiter is served. */
function onAbortRemove(signal: AbortSignal | undefined, remove: () => boolean, reject: (e: Error) => void): () => void {
  if (!signal) return () => undefined;
  const onAbort = (): void => {
    if (remove()) reject(abortError(signal));
  };
  signal.addEventListener("abort", onAbort, { once: true });
  return () => signal.removeEventListener("abort", onAbort);
}

/** A FIFO counting semaphore. */
export class Semaphore {
  private used = 0;
  private readonly queue: Array<() => void> = [];
  constructor(readonly size: number) {
    if (!Number.isInteger(size) || size < 1) throw new RangeError(`a limit must be an integer ≥ 1, got ${size}`);
  }
  get inUse(): number {
    return this.used;
  }
  get waiting(): number {
    return this.queue.length;
  }
  tryAcquire(): boolean {
    if (this.used >= this.size || this.queue.length > 0) return false;
    this.used++;
    return true;
  }
  acquire(signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(abortError(signal));
    if (this.tryAcquire()) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const grant = (): void => {
        cleanup();
        resolve();
      };
      const cleanup = onAbortRemove(signal, () => {
        const i = this.queue.indexOf(grant);
        if (i < 0) return false;
        this.queue.splice(i, 1);
        return true;
      }, reject);
      this.queue.push(grant);
    });
  }
  release(): void {
    const next = this.queue.shift();
    if (next) next(); // the slot passes straight to the first waiter
    else if (this.used > 0) this.used--;
    else throw new Error("semaphore released more often than acquired");
  }
}

// ---- 1. stage limits ----

export interface StageLimitsConfig {
  /** At most N tasks of a stage at once, daemon-wide. */
  concurrent?: Partial<Record<StageLimitKey, number>>;
  /** At most one start per interval (ms; below 1 s counts as 1 s). */
  staggered?: Partial<Record<StageLimitKey, number>>;
}

export const MIN_STAGGER_MS = 1000;

/** A held stage token; `release` is idempotent. */
export type Release = () => void;

export class StageLimits {
  private readonly concurrent = new Map<string, Semaphore>();
  private readonly staggered = new Map<string, { sem: Semaphore; intervalMs: number }>();
  constructor(cfg: StageLimitsConfig, private readonly clock: Clock = systemClock) {
    for (const [stage, n] of Object.entries(cfg.concurrent ?? {})) if (n !== undefined) this.concurrent.set(stage, new Semaphore(n));
    for (const [stage, ms] of Object.entries(cfg.staggered ?? {}))
      if (ms !== undefined) this.staggered.set(stage, { sem: new Semaphore(1), intervalMs: Math.max(ms, MIN_STAGGER_MS) });
  }

  /** Tasks of `stage` waiting for a token (a sealing thread shows `Waiting` meanwhile). */
  waiting(stage: StageLimitKey): number {
    return (this.concurrent.get(stage)?.waiting ?? 0) + (this.staggered.get(stage)?.sem.waiting ?? 0);
  }

  limitOf(stage: StageLimitKey): number | null {
    return this.concurrent.get(stage)?.size ?? null;
  }

  /** Takes the concurrency token, then the staggered start; the returned release frees both. */
  async acquire(stage: StageLimitKey, signal?: AbortSignal): Promise<Release> {
    const conc = this.concurrent.get(stage);
    await conc?.acquire(signal);
    let releaseStagger: Release = () => undefined;
    const st = this.staggered.get(stage);
    if (st) {
      try {
        await st.sem.acquire(signal);
      } catch (err) {
        conc?.release();
        throw err;
      }
      // the start slot comes back after the interval, or earlier when the task finishes first
      let held = true;
      const stop = new AbortController();
      releaseStagger = () => {
        if (!held) return;
        held = false;
        stop.abort();
        st.sem.release();
      };
      this.clock.sleep(st.intervalMs, stop.signal).then(releaseStagger, () => undefined);
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      releaseStagger();
      conc?.release();
    };
  }
}

/** `limitation.concurrent` wins; the legacy `[processors.limit]` counts only when it is absent (worker.md §2.7). */
export function effectiveConcurrentLimits(cfg: {
  limitation?: { concurrent?: Partial<Record<StageLimitKey, number>> };
  limit?: Partial<Record<StageLimitKey, number>>;
}): Partial<Record<StageLimitKey, number>> {
  return cfg.limitation?.concurrent ?? cfg.limit ?? {};
}

// ---- 2 and 3. sub-processor slots and ext locks ----

/** Capacity assumed for an entry without `concurrent` when ranking spare capacity (protocols.md §3.6). */
export const UNLIMITED_CAPACITY = 64;

export interface SubSlot {
  /** The entry's index within its `[[processors.<stage>]]` list. */
  index: number;
  /** Max tasks in flight on this child; null = unlimited. */
  concurrent: number | null;
  /** Ext locks a task on this child needs one token of each. */
  locks: readonly string[];
}

/** One sub-processor held for a task. */
export interface Lease {
  index: number;
  release: Release;
}

interface Waiter {
  seq: number;
  stage: string;
  grant: (lease: Lease) => void;
}

export class SlotPool {
  private readonly lockFree = new Map<string, number>();
  private readonly stages = new Map<string, Array<SubSlot & { load: number }>>();
  private readonly queues = new Map<string, Waiter[]>();
  private seq = 0;

  constructor(extLocks: Readonly<Record<string, number>> = {}) {
    for (const [name, n] of Object.entries(extLocks)) {
      if (!Number.isInteger(n) || n < 1) throw new RangeError(`[processors.ext_locks] ${name} = ${n}: a lock needs an integer size ≥ 1`);
      this.lockFree.set(name, n);
    }
  }

  /** Declares the sub-processors of a stage; every lock they name must be declared in ext_locks. */
  addStage(stage: string, subs: readonly SubSlot[]): void {
    for (const s of subs)
      for (const l of s.locks)
        if (!this.lockFree.has(l))
          throw new RangeError(
            `[[processors.${stage}]] entry ${s.index} names lock "${l}", which [processors.ext_locks] does not declare` +
              (this.lockFree.size ? ` (declared: ${[...this.lockFree.keys()].join(", ")})` : ""),
          );
    this.stages.set(stage, subs.map((s) => ({ ...s, load: 0 })));
    this.queues.set(stage, []);
  }

  /** Tasks of `stage` waiting for a sub-processor. */
  waiting(stage: string): number {
    return this.queues.get(stage)?.length ?? 0;
  }

  load(stage: string, index: number): number {
    return this.subs(stage).find((s) => s.index === index)?.load ?? 0;
  }

  lockAvailable(name: string): number {
    return this.lockFree.get(name) ?? 0;
  }

  private subs(stage: string): Array<SubSlot & { load: number }> {
    const subs = this.stages.get(stage);
    if (!subs) throw new RangeError(`no sub-processors registered for stage ${stage}`);
    return subs;
  }

  /** The free sub-processor with the most spare capacity, or null. */
  private pick(stage: string): (SubSlot & { load: number }) | null {
    let best: (SubSlot & { load: number }) | null = null;
    let bestSpare = -Infinity;
    for (const s of this.subs(stage)) {
      if (s.concurrent !== null && s.load >= s.concurrent) continue;
      if (!s.locks.every((l) => (this.lockFree.get(l) ?? 0) > 0)) continue;
      const spare = (s.concurrent ?? UNLIMITED_CAPACITY) - s.load;
      if (spare > bestSpare) [best, bestSpare] = [s, spare];
    }
    return best;
  }

  /** Takes the slot and every lock token of `s` at once. */
  private take(s: SubSlot & { load: number }): Lease {
    s.load++;
    for (const l of s.locks) this.lockFree.set(l, this.lockFree.get(l)! - 1);
    let released = false;
    return {
      index: s.index,
      release: () => {
        if (released) return;
        released = true;
        s.load--;
        for (const l of s.locks) this.lockFree.set(l, this.lockFree.get(l)! + 1);
        this.pump();
      },
    };
  }

  /** Serves queued waiters, oldest first across stages (locks are shared), each stage strictly FIFO. */
  private pump(): void {
    const heads = [...this.queues.entries()].filter(([, q]) => q.length > 0).map(([stage]) => stage);
    let progress = true;
    while (progress) {
      progress = false;
      const order = heads
        .map((stage) => this.queues.get(stage)![0])
        .filter((w): w is Waiter => w !== undefined)
        .sort((a, b) => a.seq - b.seq);
      for (const w of order) {
        const s = this.pick(w.stage);
        if (!s) continue;
        this.queues.get(w.stage)!.shift();
        w.grant(this.take(s));
        progress = true;
      }
    }
  }

  /** Step 2–3 of the admission order: a free sub-processor now, or a place in the stage's FIFO queue. */
  acquire(stage: string, signal?: AbortSignal): Promise<Lease> {
    if (signal?.aborted) return Promise.reject(abortError(signal));
    const queue = this.queues.get(stage);
    if (!queue) return Promise.reject(new RangeError(`no sub-processors registered for stage ${stage}`));
    if (queue.length === 0) {
      const s = this.pick(stage);
      if (s) return Promise.resolve(this.take(s));
    }
    return new Promise<Lease>((resolve, reject) => {
      const w: Waiter = {
        seq: this.seq++,
        stage,
        grant: (lease) => {
          cleanup();
          resolve(lease);
        },
      };
      const cleanup = onAbortRemove(signal, () => {
        const i = queue.indexOf(w);
        if (i < 0) return false;
        queue.splice(i, 1);
        this.pump(); // a waiter behind it may now be the head
        return true;
      }, reject);
      queue.push(w);
    });
  }
}
