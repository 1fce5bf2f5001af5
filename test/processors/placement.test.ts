import assert from "node:assert/strict";
import { test } from "node:test";
import { ExternalProcessor } from "../../src/processors/external.js";
import { cpusAllowed, formatCpuList, parseCpuList, planPlacement, probePlacement, type PlacementEnvironment } from "../../src/processors/placement.js";
import { tempDir } from "../helpers/tmp.js";
import { writeFakeProcessor } from "./fake-processor.js";

const small: PlacementEnvironment = {
  onlineCpus: new Set([0, 1]), numaNodes: new Set([0]), cgroupV2Root: null, taskset: "/usr/bin/taskset", numactl: null, parentPid: 4242,
};

test("cpu lists parse and format", () => {
  assert.deepEqual(parseCpuList("0-3,8,10-11"), [0, 1, 2, 3, 8, 10, 11]);
  assert.equal(formatCpuList([11, 0, 1, 2, 8, 10]), "0-2,8,10-11");
  assert.throws(() => parseCpuList("0-"), /not a CPU list/);
});

test("own children are pinned with taskset and get the VC_CG_* variables; Damocles-built children only the variables", async () => {
  const own = await planPlacement({ section: "pc1", index: 2, cpuset: "1", numaPreferred: 0, own: true }, small);
  assert.deepEqual(own.env, { VC_CG_NAME: "vc-worker/sub-pc1-4242-2", VC_CG_CPUSET: "1", VENUS_WORKER_NUMA_PREFERRED: "0" });
  assert.deepEqual(own.prefix, ["/usr/bin/taskset", "-c", "1"]);
  assert.deepEqual(own.warnings, ["[[processors.pc1]] entry 2: numa_preferred = 0 needs numactl, which is not installed; the child runs without a preference"]);
  const theirs = await planPlacement({ section: "pc2", index: 0, cpuset: "0-1", groupName: "mine", own: false }, small);
  assert.deepEqual(theirs, { env: { VC_CG_NAME: "mine/sub-pc2-4242-0", VC_CG_CPUSET: "0-1" }, prefix: [], cgroup: null, warnings: [] });
});

test("settings this machine cannot apply are start-up warnings naming the entry, never errors", async () => {
  const mock = await planPlacement({ section: "pc1", index: 0, cpuset: "0-47", numaPreferred: 1, own: false }, small);
  assert.deepEqual(mock.env, {});
  assert.deepEqual(mock.warnings, [
    '[[processors.pc1]] entry 0: cgroup.cpuset "0-47" names CPUs 2-47 this machine lacks (online: 0-1); the child runs unpinned',
    "[[processors.pc1]] entry 0: numa_preferred = 1 is not a NUMA node of this machine (nodes: 0); the child runs without a preference",
  ]);
  const noWay = await planPlacement({ section: "c2", index: 1, cpuset: "0", own: true }, { ...small, taskset: null });
  assert.deepEqual(noWay.prefix, []);
  assert.match(noWay.warnings[0]!, /^\[\[processors.c2\]\] entry 1: cannot apply cgroup.cpuset "0": no writable cgroup v2 hierarchy with cpuset and no taskset/);
});

test("a child launched with cpuset \"0\" shows Cpus_allowed_list: 0", async (t) => {
  const env = await probePlacement();
  if (!env.cgroupV2Root && !env.taskset) return t.skip("neither a writable cgroup v2 hierarchy nor taskset on this machine");
  const plan = await planPlacement({ section: "pc1", index: 0, cpuset: "0", own: true }, env);
  assert.deepEqual(plan.warnings, []);
  const script = await writeFakeProcessor(await tempDir(t));
  const [bin, ...args] = [...plan.prefix, process.execPath, script, "pc1"];
  const p = new ExternalProcessor({
    section: "pc1", index: 0, readyStage: "pc1", command: { bin: bin!, args, env: { ...process.env, ...plan.env } },
    stableWaitMs: 5000, requestTimeoutMs: 0, autoRestart: false, cgroup: plan.cgroup,
    logger: { info: () => undefined, warn: () => undefined },
  });
  t.after(() => p.stop());
  await p.start();
  assert.equal(await cpusAllowed(p.pid!), "0");
  assert.equal(((await p.call({})) as { pid: number }).pid, p.pid, "taskset execs the program under the same pid");
});
