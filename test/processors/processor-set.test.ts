import assert from "node:assert/strict";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import type { ProcessorLogger } from "../../src/processors/external.js";
import { checkProcessorFamilies, startProcessorSet, type ProcessorsConfig } from "../../src/processors/processor-set.js";
import type { PlacementEnvironment } from "../../src/processors/placement.js";
import { tempDir } from "../helpers/tmp.js";
import { writeFakeProcessor } from "./fake-processor.js";

const quiet: ProcessorLogger = { info: () => undefined, warn: () => undefined };
const machine: PlacementEnvironment = {
  onlineCpus: new Set([0, 1]), numaNodes: new Set([0]), cgroupV2Root: null, taskset: null, numactl: null, parentPid: 1,
};
const b32 = Array(32).fill(0);

test("a mixed built-in/external pc1+pc2 or c1+c2 pair is refused with the reason", () => {
  assert.throws(
    () => checkProcessorFamilies({ c2: [{ bin: "/opt/c2" }] }),
    { message: "[[processors.c2]] sets bin but [[processors.c1]] does not: the built-in c1 output cannot feed an external c2; configure a c1 processor of the c2's family" },
  );
  assert.throws(
    () => checkProcessorFamilies({ pc1: [{ bin: "/opt/pc1" }], pc2: [{}] }),
    /\[\[processors.pc1\]\] sets bin but \[\[processors.pc2\]\] does not: an external pc1 output cannot feed the built-in pc2/,
  );
  assert.throws(() => checkProcessorFamilies({ pc1: [{ bin: "/a" }, {}] }), /\[\[processors.pc1\]\]: 1 of 2 entries set bin/);
  assert.throws(() => checkProcessorFamilies({ synth_proof: [{}] } as ProcessorsConfig), /unknown processor section \[\[processors.synth_proof\]\]/);
  // our own children (no bin) are the built-in family; two external stages are trusted to match
  checkProcessorFamilies({ pc1: [{}], pc2: [{ concurrent: 1 }] });
  checkProcessorFamilies({ c1: [{ bin: "/a" }], c2: [{ bin: "/b" }] });
});

test("pc2 and c2 sharing one gpu lock never overlap; waiting tasks all finish", async (t) => {
  const dir = await tempDir(t);
  const script = await writeFakeProcessor(dir);
  const entry = (stage: string, locks: string[] = []) => ({ bin: process.execPath, args: [script, stage], locks });
  const set = await startProcessorSet({
    config: {
      ext_locks: { gpu: 1 },
      pc1: [entry("pc1")],
      pc2: [entry("pc2", ["gpu"])],
      c1: [entry("c1")],
      c2: [entry("c2", ["gpu"]), entry("c2", ["gpu"])],
    },
    placement: machine,
    logger: quiet,
  });
  t.after(() => set.close());
  assert.equal(set.runsIn("pc2"), "children");
  assert.equal(set.runsIn("tree_d"), "threads");
  const pc2 = (i: number) =>
    set.run("pc2", { pc1out: { x: i }, cache_dir: "/c", sealed_file: "/s", delay: 60, reply: { registered_proof: "StackedDrg2KiBV1_1", comm_r: b32, comm_d: b32 } } as never);
  const c2 = (i: number) =>
    set.run("c2", { c1out: { x: i }, prover_id: b32, sector_id: i, miner_id: 1000, delay: 60, reply: { proof: [1, 2] } } as never);
  const outs = (await Promise.all([pc2(1), c2(1), pc2(2), c2(2), c2(3), pc2(3)])) as unknown as Array<{ start: number; end: number; pid: number }>;
  const spans = outs.map((o) => [o.start, o.end] as const).sort((a, b) => a[0] - b[0]);
  for (let i = 1; i < spans.length; i++) assert.ok(spans[i]![0] >= spans[i - 1]![1], `task ${i} started before task ${i - 1} ended: ${JSON.stringify(spans)}`);
  assert.equal(set.slots.lockAvailable("gpu"), 1);
});

test("`concurrent` bounds the tasks on one child, under the stage limit; outputs and inputs are checked", async (t) => {
  const dir = await tempDir(t);
  const script = await writeFakeProcessor(dir);
  const set = await startProcessorSet({
    config: {
      limitation: { concurrent: { pc1: 3 } },
      pc1: [{ bin: process.execPath, args: [script, "pc1"], concurrent: 2 }],
      pc2: [{ bin: process.execPath, args: [script, "pc2"] }],
      tree_d: [{ bin: process.execPath, args: [script, "tree_d"] }],
      sealing_daemons: [{ bin: process.execPath, args: [script, "EMPTY"] }],
    },
    placement: machine,
    logger: quiet,
  });
  t.after(() => set.close());
  assert.equal(set.processors("sealing_daemons")[0]!.state, "ready", "EMPTY processor ready");
  const pc1 = { registered_proof: "StackedDrg2KiBV1_1", cache_path: "/c", in_path: "/i", out_path: "/o", prover_id: b32, sector_id: 1, ticket: b32, piece_infos: [] };
  const seen: string[] = [];
  const outs = (await Promise.all(
    Array.from({ length: 5 }, () => set.run("pc1", { ...pc1, delay: 80 } as never, { onRunning: (p) => seen.push(p) })),
  )) as unknown as Array<{ maxInflight: number }>;
  assert.equal(Math.max(...outs.map((o) => o.maxInflight)), 2, "never more than `concurrent` on the child");
  assert.equal(seen.length, 5);
  assert.match(seen[0]!, /^ext\(pid: \d+\)$/);
  const treeD = { registered_proof: "StackedDrg2KiBV1_1", staged_file: "/s", cache_dir: "/c" };
  // the fake echoes an object, not `true`: a malformed output is a processor failure
  await assert.rejects(set.run("tree_d", treeD), /returned a malformed tree_d output: output: /);
  await assert.rejects(set.run("tree_d", { ...treeD, registered_proof: 5 } as never), /tree_d task: task.registered_proof: expected a Rust RegisteredSealProof name/);
});

test("static_tree_d keys must be sector sizes and paths must exist", async (t) => {
  const dir = await tempDir(t);
  const file = join(dir, "sc-02-data-tree-d.dat");
  await writeFile(file, "");
  const set = await startProcessorSet({ config: { static_tree_d: { "2KiB": file } }, placement: machine, logger: quiet });
  t.after(() => set.close());
  assert.equal(set.staticTreeD.get(2048), file);
  await assert.rejects(startProcessorSet({ config: { static_tree_d: { "2KiB": join(dir, "nope") } }, placement: machine, logger: quiet }), /no such file; generate it with `damocles-worker generator tree-d -s 2KiB/);
});

test("config check: placement this machine cannot apply and limits no processor can serve are warnings", async () => {
  const { checkProcessorsConfig } = await import("../../src/processors/processor-set.js");
  const warnings = await checkProcessorsConfig(
    {
      limitation: { concurrent: { pc1: 4 } },
      pc1: [{ concurrent: 1, cgroup: { cpuset: "0-47" } }, { concurrent: 2, numa_preferred: 1 }],
      pc2: [{}],
    },
    machine,
  );
  assert.deepEqual(warnings, [
    '[[processors.pc1]] entry 0: cgroup.cpuset "0-47" names CPUs 2-47 this machine lacks (online: 0-1); the child runs unpinned',
    "[[processors.pc1]] entry 1: numa_preferred = 1 is not a NUMA node of this machine (nodes: 0); the child runs without a preference",
    "[processors.limitation.concurrent] pc1 = 4 is more than its 2 [[processors.pc1]] entries can run at once (3); the extra tasks wait for a processor",
  ]);
  await assert.rejects(checkProcessorsConfig({ sealing_daemons: [{}] }, machine), /sealing_daemons\]\] entry 0 needs an explicit bin/);
  await assert.rejects(checkProcessorsConfig({ pc2: [{ locks: ["gpu"] }] }, machine), /names lock "gpu", which \[processors.ext_locks\] does not declare/);
});

test("built-in stages take their stage token first; a transfer inside a step that holds the token takes no second one", async (t) => {
  const set = await startProcessorSet({ config: { limitation: { concurrent: { transfer: 1 } } }, placement: machine, logger: quiet });
  t.after(() => set.close());
  assert.equal(set.runsIn("transfer"), "threads");
  const empty = { stores: {}, routes: [] };
  const held = await set.limits.acquire("transfer"); // e.g. the unseal upload step
  const seen: string[] = [];
  assert.equal(await set.run("transfer", empty, { holdsStageToken: true, onRunning: (p) => seen.push(p) }), true);
  assert.deepEqual(seen, ["builtin transfer"]);
  let done = false;
  const waiting = set.run("transfer", empty).then((v) => {
    done = true;
    return v;
  });
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(done, false, "a second transfer waits for the only token");
  assert.equal(set.limits.waiting("transfer"), 1);
  held();
  assert.equal(await waiting, true);
  await assert.rejects(set.run("unseal", {} as never), /task\.registered_proof/);
});

test("child environment: cleared or inherited, then VC_CG_* / NUMA variables, then the stage's and the entry's envs", async (t) => {
  const dir = await tempDir(t);
  const script = await writeFakeProcessor(dir);
  process.env.DAMOCLES_TEST_INHERITED = "yes";
  t.after(() => delete process.env.DAMOCLES_TEST_INHERITED);
  const set = await startProcessorSet({
    config: {
      pc1: [
        { bin: process.execPath, args: [script, "pc1"], inherit_envs: false, envs: { A: "entry", VC_CG_CPUSET: "1" }, cgroup: { cpuset: "0-1" } },
        { bin: process.execPath, args: [script, "pc1"], numa_preferred: 0 },
      ],
      pc2: [{ bin: process.execPath, args: [script, "pc2"] }],
    },
    stageEnvs: { pc1: { A: "stage", B: "stage" } },
    placement: { ...machine, parentPid: 77 },
    logger: quiet,
  });
  t.after(() => set.close());
  const names = ["A", "B", "VC_CG_NAME", "VC_CG_CPUSET", "VENUS_WORKER_NUMA_PREFERRED", "DAMOCLES_TEST_INHERITED"];
  const [first, second] = set.processors("pc1").map((p) => p.call({ env: names }) as Promise<{ env: Record<string, string | null> }>);
  assert.deepEqual((await first!).env, {
    A: "entry", B: "stage", VC_CG_NAME: "vc-worker/sub-pc1-77-0", VC_CG_CPUSET: "1", VENUS_WORKER_NUMA_PREFERRED: null, DAMOCLES_TEST_INHERITED: null,
  });
  assert.deepEqual((await second!).env, {
    A: "stage", B: "stage", VC_CG_NAME: null, VC_CG_CPUSET: null, VENUS_WORKER_NUMA_PREFERRED: "0", DAMOCLES_TEST_INHERITED: "yes",
  });
});
