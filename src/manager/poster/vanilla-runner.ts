// Runs generateVanillaPoSt in worker threads, off the manager's event loop; up to two idle threads stay warm.
import { Worker } from "node:worker_threads";
import type { VanillaPoSt } from "../../proofs/post.js";
import type { VanillaReply, VanillaRequest } from "./vanilla-thread.js";

const THREAD_URL = new URL(`./vanilla-thread${import.meta.url.endsWith(".ts") ? ".ts" : ".js"}`, import.meta.url);

/** From src/ (tests, tsx) the thread registers tsx itself to load .ts; from dist/ it is plain JS. */
function spawnThread(): Worker {
  if (!THREAD_URL.pathname.endsWith(".ts")) return new Worker(THREAD_URL);
  const tsx = import.meta.resolve("tsx/esm/api");
  const code = `import(${JSON.stringify(tsx)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(THREAD_URL.href)}); })`;
  return new Worker(code, { eval: true });
}

/** A thread once its module has loaded (its first message is "ready"). */
function startThread(): Promise<Worker> {
  const w = spawnThread();
  return new Promise((resolve, reject) => {
    const onExit = (code: number): void => reject(new Error(`vanilla PoSt thread exited with code ${code} while starting`));
    // Only these: removeAllListeners() without a name also drops the listener that starts the thread's port.
    w.once("message", () => {
      w.off("error", reject).off("exit", onExit);
      resolve(w);
    });
    w.once("error", reject);
    w.once("exit", onExit);
  });
}

export type VanillaProver = (input: VanillaRequest, signal?: AbortSignal) => Promise<VanillaPoSt>;

/** Idle threads kept warm: a WinningPoSt answer is due within one block time, thread start-up alone can take longer. */
const MAX_IDLE = 2;
const idle: Worker[] = [];

async function takeThread(): Promise<Worker> {
  const w = idle.pop() ?? (await startThread());
  w.ref();
  return w;
}

function release(w: Worker): void {
  w.removeAllListeners("message").removeAllListeners("error").removeAllListeners("exit");
  if (idle.length >= MAX_IDLE) return void w.terminate();
  // An idle thread must not keep the process alive.
  w.unref();
  w.once("exit", () => idle.splice(idle.indexOf(w) >>> 0, 1));
  idle.push(w);
}

/** Starts a thread now so the first proof does not pay for it; resolves once it is ready. */
export async function prewarmVanillaThread(): Promise<void> {
  if (idle.length === 0) release(await startThread());
}

/** generateVanillaPoSt in a worker thread (kept for the next call); aborting terminates the thread. */
export const threadVanillaProver: VanillaProver = async (input, signal) => {
  const w = await takeThread();
  return new Promise<VanillaPoSt>((resolve, reject) => {
    if (signal?.aborted) {
      release(w);
      return reject(signal.reason as Error);
    }
    const onAbort = (): void => {
      w.removeAllListeners("message").removeAllListeners("error").removeAllListeners("exit");
      void w.terminate();
      reject(signal!.reason as Error);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
    w.once("message", (r: VanillaReply) => {
      signal?.removeEventListener("abort", onAbort);
      release(w);
      if (r.ok) resolve(r.value);
      else reject(new Error(`vanilla PoSt: ${r.error}`));
    });
    w.once("error", (e) => {
      signal?.removeEventListener("abort", onAbort);
      w.removeAllListeners("message").removeAllListeners("error").removeAllListeners("exit");
      void w.terminate();
      reject(e);
    });
    w.once("exit", (code) => reject(new Error(`vanilla PoSt thread exited with code ${code}`)));
    w.postMessage(input);
  });
};
