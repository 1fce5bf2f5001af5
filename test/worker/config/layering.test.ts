import assert from "node:assert/strict";
import { rm, utimes, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import { tempDir } from "../../helpers/tmp.js";
import { ConfigError } from "../../../src/worker/config/load.js";
import { HotConfigFile, effectiveSealingConfig, readLocationConfig } from "../../../src/worker/config/layering.js";
import { SEALING_DEFAULTS } from "../../../src/worker/config/schema.js";

test("built-in defaults are spec/worker.md §2.4", () => {
  assert.deepEqual(SEALING_DEFAULTS, {
    enable_deals: false, disable_cc: false, max_retries: 5, seal_interval: 30_000, recover_interval: 60_000,
    rpc_polling_interval: 180_000, ignore_proof_check: false, request_task_max_retries: 3, verify_after_pc2: false,
  });
});

test("layers apply in order manager < [sealing] < thread < config.toml, with the provenance of each value", () => {
  const eff = effectiveSealingConfig({
    managerDefaults: { max_retries: 9, seal_interval: 10_000, recover_interval: 20_000, enable_deals: true, allowed_sizes: [2048] },
    sealing: { seal_interval: 11_000, recover_interval: 21_000, max_deals: 4 },
    thread: { plan: "snapup", sealing: { recover_interval: 22_000, allowed_miners: [1000] } },
    locationToml: { plan: "rebuild", sealing: { allowed_miners: [1001] } },
  });
  assert.equal(eff.plan, "rebuild");
  assert.deepEqual(eff.sealing, {
    ...SEALING_DEFAULTS, max_retries: 9, seal_interval: 11_000, recover_interval: 22_000, enable_deals: true,
    allowed_sizes: [2048], max_deals: 4, allowed_miners: [1001],
  });
  assert.deepEqual(eff.provenance, {
    plan: "location", allowed_miners: "location", allowed_sizes: "manager", enable_deals: "manager", disable_cc: "default",
    max_deals: "sealing", min_deal_space: "default", max_retries: "manager", seal_interval: "sealing",
    recover_interval: "thread", rpc_polling_interval: "default", ignore_proof_check: "default",
    request_task_max_retries: "default", verify_after_pc2: "default",
  });
});

test("plan: sealer by default, from the thread, then the hot file; never from the manager", () => {
  const none = effectiveSealingConfig({ managerDefaults: { plan: "wdpost" } as never });
  assert.equal(none.plan, "sealer");
  assert.equal(none.provenance.plan, "default");
  assert.equal(effectiveSealingConfig({ thread: { plan: "wdpost" } }).plan, "wdpost");
  assert.deepEqual(effectiveSealingConfig({}).sealing, SEALING_DEFAULTS);
  // a value the manager sets and no worker file touches stays the manager's
  assert.equal(effectiveSealingConfig({ managerDefaults: { verify_after_pc2: true }, sealing: {} }).sealing.verify_after_pc2, true);
});

test("readLocationConfig: absent ⇒ undefined, malformed ⇒ ConfigError naming file, line and key", async (t) => {
  const dir = await tempDir(t);
  assert.equal(await readLocationConfig(dir), undefined);
  await writeFile(join(dir, "config.toml"), `plan = "snapup"\nsealing.max_retries = 2\n`);
  const hot = await readLocationConfig(dir);
  assert.deepEqual(hot?.config, { plan: "snapup", sealing: { max_retries: 2 } });
  assert.equal(hot?.file, join(dir, "config.toml"));
  await writeFile(join(dir, "config.toml"), `plan = "snapup"\nsealing.max_retries = "two"\n`);
  await assert.rejects(readLocationConfig(dir), (err: unknown) => {
    assert.ok(err instanceof ConfigError);
    assert.match(err.message, new RegExp(`^${join(dir, "config.toml")}:2: key sealing.max_retries: expected`));
    return true;
  });
});

test("HotConfigFile re-reads on mtime change, reverts when deleted, throws while malformed", async (t) => {
  const dir = await tempDir(t);
  const file = join(dir, "config.toml");
  const hot = new HotConfigFile(dir);
  assert.equal(await hot.check(), false, "no file, nothing changed");
  await writeFile(file, `sealing.max_retries = 2\n`);
  assert.equal(await hot.check(), true);
  assert.deepEqual(hot.value?.config.sealing, { max_retries: 2 });
  assert.equal(await hot.check(), false, "same mtime: not re-read");
  await writeFile(file, `sealing.max_retries = 3\n`);
  await utimes(file, new Date(), new Date(Date.now() + 5_000));
  assert.equal(await hot.check(), true);
  assert.deepEqual(hot.value?.config.sealing, { max_retries: 3 });
  await writeFile(file, `sealing.max_retries = [\n`);
  await utimes(file, new Date(), new Date(Date.now() + 10_000));
  await assert.rejects(hot.check(), ConfigError);
  await rm(file);
  assert.equal(await hot.check(), true, "deleted: back to layers 0–3");
  assert.equal(hot.value, undefined);
});
