// Runs inside a worker thread of the built-in pool: one task at a time, by stage name, off the event loop of
// the daemon (or of a `processor <stage>` child). Messages: {id, stage, input} in, {id, output | error} out.
import { parentPort } from "node:worker_threads";
import type { StageName } from "../api/stages.js";
import { errorChain } from "./error-chain.js";
import { BUILTIN_STAGES } from "./stages/index.js";

export interface PoolRequest {
  id: number;
  stage: StageName;
  input: unknown;
}
export type PoolReply = { id: number; output: unknown } | { id: number; error: string };

const port = parentPort;
if (port) {
  const never = new AbortController().signal; // aborting a task terminates its thread
  port.on("message", (req: PoolRequest) => {
    const stage = BUILTIN_STAGES[req.stage] as { run(i: unknown, s: AbortSignal): Promise<unknown> };
    stage
      .run(req.input, never)
      .then((output) => port.postMessage({ id: req.id, output } satisfies PoolReply))
      .catch((err: unknown) => port.postMessage({ id: req.id, error: errorChain(err) } satisfies PoolReply));
  });
}
