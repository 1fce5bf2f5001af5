import assert from "node:assert/strict";
import { test } from "node:test";
import { SlotPool, StageLimits, effectiveConcurrentLimits, type Clock } from "../../src/processors/limits.js";

/** A clock tests advance by hand. */
function manualClock(): Clock & { advance(ms: number): Promise<void> } {
  let now = 0;
  const timers: Array<{ at: number; fire: () => void }> = [];
  return {
    now: () => now,
    sleep: (ms, signal) =>
      new Promise<void>((resolve, reject) => {
        const t = { at: now + ms, fire: resolve };
        timers.push(t);
        signal?.addEventListener("abort", () => {
          timers.splice(timers.indexOf(t), 1);
          reject(new Error("aborted"));
        });
      }),
    async advance(ms) {
      now += ms;
      for (const t of timers.filter((x) => x.at <= now)) {
        timers.splice(timers.indexOf(t), 1);
        t.fire();
      }
      await flush();
    },
  };
}
const flush = (): Promise<void> => new Promise((r) => setImmediate(r));

/** Tracks which acquisitions have resolved. */
function track<T>(p: Promise<T>): { done: boolean; value?: T; promise: Promise<T> } {
  const s: { done: boolean; value?: T; promise: Promise<T> } = { done: false, promise: p };
  p.then((v) => Object.assign(s, { done: true, value: v }), () => undefined);
  return s;
}

test("stage limit: at most N at once, waiters served in FIFO order as tokens return", async () => {
  const limits = new StageLimits({ concurrent: { pc1: 2 } });
  const a = await limits.acquire("pc1");
  const b = await limits.acquire("pc1");
  const c = track(limits.acquire("pc1"));
  const d = track(limits.acquire("pc1"));
  await flush();
  assert.deepEqual([c.done, d.done], [false, false]);
  assert.equal(limits.waiting("pc1"), 2);
  b();
  b(); // idempotent
  await flush();
  assert.deepEqual([c.done, d.done], [true, false], "first waiter first");
  a();
  await flush();
  assert.equal(d.done, true);
  const free = await limits.acquire("pc2"); // no limit: never waits
  free();
});

test("staggered: one start per interval; a task that finishes early frees the start at once", async () => {
  const clock = manualClock();
  const limits = new StageLimits({ staggered: { pc1: 5000 } }, clock);
  await limits.acquire("pc1");
  const second = track(limits.acquire("pc1"));
  await clock.advance(4999);
  assert.equal(second.done, false);
  await clock.advance(1);
  assert.equal(second.done, true, "the interval passed");
  const third = track(limits.acquire("pc1"));
  await clock.advance(100);
  assert.equal(third.done, false);
  (second.value as () => void)(); // the second task finished after 100 ms
  await flush();
  assert.equal(third.done, true, "finishing early frees the start slot");
});

test("staggered intervals below 1 s count as 1 s; concurrency is taken before the staggered start", async () => {
  const clock = manualClock();
  const limits = new StageLimits({ concurrent: { c2: 1 }, staggered: { c2: 10 } }, clock);
  const first = await limits.acquire("c2");
  const second = track(limits.acquire("c2"));
  await clock.advance(999);
  assert.equal(second.done, false);
  first();
  await flush();
  assert.equal(second.done, true);
  const ac = new AbortController();
  const third = limits.acquire("c2", ac.signal);
  ac.abort(new Error("paused"));
  await assert.rejects(third, /paused/);
  assert.equal(limits.waiting("c2"), 0);
});

test("legacy [processors.limit] counts only without limitation.concurrent", () => {
  assert.deepEqual(effectiveConcurrentLimits({ limit: { pc1: 3 } }), { pc1: 3 });
  assert.deepEqual(effectiveConcurrentLimits({ limit: { pc1: 3 }, limitation: { concurrent: { pc2: 1 } } }), { pc2: 1 });
});

test("sub-processor choice: most spare capacity first; the FIFO head goes to whichever frees first (not #0)", async () => {
  const pool = new SlotPool();
  pool.addStage("pc1", [
    { index: 0, concurrent: 1, locks: [] },
    { index: 1, concurrent: 2, locks: [] },
  ]);
  const l1 = await pool.acquire("pc1");
  assert.equal(l1.index, 1, "entry 1 has 2 free slots");
  const l2 = await pool.acquire("pc1");
  const l3 = await pool.acquire("pc1");
  assert.deepEqual([l2.index, l3.index].sort(), [0, 1]);
  const w1 = track(pool.acquire("pc1"));
  const w2 = track(pool.acquire("pc1"));
  await flush();
  assert.equal(pool.waiting("pc1"), 2);
  l1.release(); // entry 1 frees first
  await flush();
  assert.equal(w1.done, true);
  assert.equal(w1.value!.index, 1, "the head is served by the entry that freed, not parked on #0");
  assert.equal(w2.done, false);
});

test("ext locks are shared between stages and taken all-or-nothing", async () => {
  const pool = new SlotPool({ gpu: 1, disk: 1 });
  pool.addStage("pc2", [{ index: 0, concurrent: null, locks: ["gpu"] }]);
  pool.addStage("c2", [{ index: 0, concurrent: null, locks: ["gpu", "disk"] }]);
  pool.addStage("transfer", [{ index: 0, concurrent: null, locks: ["disk"] }]);
  const pc2 = await pool.acquire("pc2");
  const c2 = track(pool.acquire("c2"));
  await flush();
  assert.equal(c2.done, false);
  assert.equal(pool.lockAvailable("disk"), 1, "c2 holds no partial set while it waits");
  const tr = await pool.acquire("transfer");
  pc2.release();
  await flush();
  assert.equal(c2.done, false, "still needs disk");
  tr.release();
  await flush();
  assert.equal(c2.done, true);
  assert.equal(pool.lockAvailable("gpu"), 0);
  assert.throws(() => pool.addStage("c1", [{ index: 0, concurrent: null, locks: ["gpu0"] }]), /names lock "gpu0", which \[processors.ext_locks\] does not declare \(declared: gpu, disk\)/);
});
