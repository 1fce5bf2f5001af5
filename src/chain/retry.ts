// Retrying calls to outside services. Only a TransportError is retried: the service did not answer (refused
// connection, dropped socket, timeout, garbage), so asking again is the only way on. An RpcError is the
// service's answer and goes straight to the caller. Callers retry only calls that are safe to repeat.

import { TransportError } from "../rpc/errors.js";

export interface RetryPolicy {
  /** Total tries, the first included (Infinity = until the signal aborts). */
  attempts: number;
  /** First delay; doubles after each failure up to maxMs. */
  minMs: number;
  maxMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 8, minMs: 200, maxMs: 5_000 };

/**
 * Resolves after `ms`, or rejects with the signal's reason as soon as it aborts. The timer keeps the process
 * alive (a caller awaiting a retry must not see the process end under it) unless `unref` is set.
 */
export function sleep(ms: number, signal?: AbortSignal, unref = false): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(abortReason(signal));
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(abortReason(signal!));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    if (unref) timer.unref();
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

export function abortReason(signal: AbortSignal): Error {
  const r: unknown = signal.reason;
  return r instanceof Error ? r : new DOMException("the operation was aborted", "AbortError");
}

/** Throws the signal's reason when it has aborted. */
export function checkAborted(signal?: AbortSignal): void {
  if (signal?.aborted) throw abortReason(signal);
}

/** Settles like `p`, or rejects with the signal's reason when it aborts first (`p` is then left to settle unheard). */
export function raceAbort<T>(p: Promise<T>, signal?: AbortSignal): Promise<T> {
  if (!signal) return p;
  if (signal.aborted) {
    p.catch(() => {});
    return Promise.reject(abortReason(signal));
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => {
      p.catch(() => {});
      reject(abortReason(signal));
    };
    signal.addEventListener("abort", onAbort, { once: true });
    p.then(
      (v) => (signal.removeEventListener("abort", onAbort), resolve(v)),
      (e: unknown) => (signal.removeEventListener("abort", onAbort), reject(e as Error)),
    );
  });
}

/** Runs `fn` until it does not throw a TransportError, sleeping with exponential backoff between tries. */
export async function retryTransport<T>(
  fn: () => Promise<T>,
  policy: RetryPolicy = DEFAULT_RETRY,
  signal?: AbortSignal,
): Promise<T> {
  let delay = policy.minMs;
  for (let attempt = 1; ; attempt++) {
    checkAborted(signal);
    try {
      return await raceAbort(fn(), signal);
    } catch (e) {
      if (!(e instanceof TransportError) || attempt >= policy.attempts) throw e;
    }
    await sleep(delay, signal);
    delay = Math.min(policy.maxMs, delay * 2);
  }
}
