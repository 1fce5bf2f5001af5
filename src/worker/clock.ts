// The sealing threads' time (ARCHITECTURE.md §6 rule 6): every wait of a thread (seal_interval, recover_interval,
// polls, the seed wait) goes through an injected clock whose sleep an AbortSignal interrupts, so pause and
// shutdown land inside any wait and tests can run the waits fast.
import { systemClock, type Clock } from "../processors/index.js";

export type { Clock };
export { systemClock };

/**
 * A clock whose sleeps are `factor` times shorter than asked (tests: a 30 s resubmit wait becomes 30 ms at
 * factor 0.001). `now()` is real time.
 */
export function scaledClock(factor: number, base: Clock = systemClock): Clock {
  if (!(factor > 0)) throw new RangeError(`clock scale ${factor} must be a positive number`);
  return { now: () => base.now(), sleep: (ms, signal) => base.sleep(ms * factor, signal) };
}
