// Worker-thread entry of the poster's prover: one generateVanillaPoSt per message, off the manager's event loop
// (ARCHITECTURE.md §6 rule 3: PoSt reads thousands of tree nodes and hashes paths).
import { parentPort } from "node:worker_threads";
import { generateVanillaPoSt } from "../../proofs/post.js";

export type VanillaRequest = Parameters<typeof generateVanillaPoSt>[0];
export type VanillaReply = { ok: true; value: Awaited<ReturnType<typeof generateVanillaPoSt>> } | { ok: false; error: string };

// Loading this module (tsx included) takes a while: the runner waits for this before its first request.
parentPort?.postMessage("ready");
parentPort?.on("message", (input: VanillaRequest) => {
  generateVanillaPoSt(input).then(
    (value) => parentPort!.postMessage({ ok: true, value } satisfies VanillaReply),
    (e: unknown) => parentPort!.postMessage({ ok: false, error: e instanceof Error ? e.message : String(e) } satisfies VanillaReply),
  );
});
