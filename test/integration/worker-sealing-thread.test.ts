// The sealing thread against the project's real damocles-manager and devnet (both as processes, started by
// test/integration/manager-cluster.ts): two 2KiB CC sectors sealed with the built-in processors from
// AllocateSector to Finished, persisted into the manager's store, active on chain.
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { startProcessorSet } from "../../src/processors/processor-set.js";
import type { PlacementEnvironment } from "../../src/processors/placement.js";
import { SEALING_DEFAULTS } from "../../src/worker/config/schema.js";
import type { EffectiveSealingConfig } from "../../src/worker/config/layering.js";
import { SealingThread } from "../../src/worker/sealing-thread.js";
import { MADDR, MINER, STORE, startManagerCluster } from "./manager-cluster.js";
import { access } from "node:fs/promises";

const machine: PlacementEnvironment = {
  onlineCpus: new Set([0, 1]), numaNodes: new Set([0]), cgroupV2Root: null, taskset: null, numactl: null, parentPid: 1,
};

test("real manager + devnet: one sealing thread seals two CC sectors to Finished; they are active on chain", { timeout: 240_000 }, async (t) => {
  const fast = { threshold: 1, maxWait: "1s", checkInterval: "200ms" };
  const c = await startManagerCluster(t, fast, fast);
  const processors = await startProcessorSet({ config: {}, placement: machine, logger: { info() {}, warn() {} } });
  const location = join(c.dir, "store1");
  const thread = new SealingThread({
    index: 0,
    location,
    config: async (): Promise<EffectiveSealingConfig> => ({
      plan: "sealer",
      sealing: { ...SEALING_DEFAULTS, allowed_miners: [MINER], seal_interval: 100, recover_interval: 500, rpc_polling_interval: 300 },
      provenance: {} as EffectiveSealingConfig["provenance"],
    }),
    manager: c.sealer,
    processors,
    attached: [{ name: STORE, location: c.persistDir, readonly: false }],
    instance: "worker-it",
    logger: { info() {}, warn() {}, error: (o, m) => console.error(m, o) },
  });
  t.after(async () => {
    await thread.stop();
    await processors.close();
  });
  thread.start();
  const deadline = Date.now() + 200_000;
  for (;;) {
    const done = await Promise.all([1, 2].map((n) => c.sealer.FindSectorInAllStates({ Miner: MINER, Number: n })));
    if (done.every((s) => s?.Finalized)) break;
    assert.equal(thread.info().last_error, null, `thread paused: ${thread.info().last_error}`);
    if (Date.now() > deadline) throw new Error(`timed out; thread: ${JSON.stringify(thread.info())}`);
    await new Promise((r) => setTimeout(r, 500));
  }
  for (const n of [1, 2]) {
    const info = await c.lotus.StateSectorGetInfo(MADDR, n, []);
    assert.ok(info, `sector ${n} is on chain`);
    assert.equal(info.SealProof, 5);
    const state = (await c.sealer.FindSectorInAllStates({ Miner: MINER, Number: n }))!;
    assert.equal(info.SealedCID.toString(), state.Pre!.CommR.toString());
    assert.equal(state.LatestState?.StateChange.Next, "Finished");
    await access(join(c.persistDir, "sealed", `s-t0${MINER}-${n}`));
  }
  // Stop the thread before the cluster's temporary directories go (after-hooks run in registration order).
  await thread.stop();
});
