// Sealing threads end to end against a scripted manager double (test/worker/fake-manager.ts: a real JSON-RPC
// server over sealerApi playing damocles-manager's answers) with the built-in processors sealing real 2KiB
// CC sectors. Kill -9 is simulated by stopping a thread at a chosen durable state (and leaving behind what a
// killed step leaves) and starting a new thread over the same store.
import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { access, mkdir, readFile, readdir, readlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { sealerApi } from "../../src/api/sealer.js";
import { proverId } from "../../src/filecoin/ids.js";
import type { ProcessorLogger } from "../../src/processors/external.js";
import type { PlacementEnvironment } from "../../src/processors/placement.js";
import { startProcessorSet, type ProcessorSet } from "../../src/processors/processor-set.js";
import { verifyDevnetPoRep } from "../../src/proofs/porep-verify.js";
import { rpcClient } from "../../src/rpc/client.js";
import { RpcError } from "../../src/rpc/errors.js";
import { scaledClock } from "../../src/worker/clock.js";
import { SEALING_DEFAULTS, type SealingConfig } from "../../src/worker/config/schema.js";
import type { EffectiveSealingConfig } from "../../src/worker/config/layering.js";
import type { SealingProcessors, SealerClient } from "../../src/worker/plan.js";
import { PC2_RUNNING_FILE } from "../../src/worker/planners/sealer.js";
import { SealingStore } from "../../src/worker/sealing-store.js";
import { SealingThread, layeredThreadConfig } from "../../src/worker/sealing-thread.js";
import { tempDir } from "../helpers/tmp.js";
import { happyPath, seedFor, startFakeManager, type FakeManager } from "./fake-manager.js";

const quiet: ProcessorLogger = { info: () => undefined, warn: () => undefined };
const machine: PlacementEnvironment = {
  onlineCpus: new Set([0, 1]), numaNodes: new Set([0]), cgroupV2Root: null, taskset: null, numactl: null, parentPid: 1,
};
const silent = { info() {}, warn() {}, error() {} };

const SEALER_STATES = [
  "Allocated", "DealsAcquired", "PieceAdded", "TreeDBuilt", "TicketAssigned", "PC1Done", "PC2Done", "PCSubmitted",
  "PCLanded", "Persisted", "PersistanceSubmitted", "SeedAssigned", "C1Done", "C2Done", "ProofSubmitted", "Finished",
];

let shared: ProcessorSet | undefined;
async function processorSet(t: TestContext): Promise<ProcessorSet> {
  // one set (its worker threads stay warm) for the whole file
  shared ??= await startProcessorSet({ config: {}, placement: machine, logger: quiet });
  t.after(() => undefined);
  return shared;
}
test.after(async () => {
  await shared?.close();
});

interface Rig {
  dir: string;
  location: string;
  persist: string;
  fm: FakeManager;
  sealing: SealingConfig;
  processors: SealingProcessors;
  newThread(over?: { manager?: SealerClient; processors?: SealingProcessors }): SealingThread;
}

async function rig(t: TestContext, opts: { impl?: Parameters<typeof startFakeManager>[0]; sealing?: Partial<SealingConfig>; processors?: (p: ProcessorSet) => SealingProcessors } = {}): Promise<Rig> {
  const threads: SealingThread[] = [];
  // registered before tempDir's removal so that threads stop first
  t.after(async () => {
    for (const th of threads) await th.stop();
  });
  const dir = await tempDir(t);
  const location = join(dir, "store1");
  const persist = join(dir, "persist1");
  await mkdir(persist);
  const fm = await startFakeManager(opts.impl ?? happyPath());
  t.after(() => fm.close());
  const set = await processorSet(t);
  const processors = opts.processors ? opts.processors(set) : set;
  const sealing: SealingConfig = { ...SEALING_DEFAULTS, seal_interval: 20, recover_interval: 20, rpc_polling_interval: 20, ...opts.sealing };
  const out: Rig = {
    dir, location, persist, fm, sealing, processors,
    newThread(over = {}) {
      const th = new SealingThread({
        index: 0,
        location,
        config: async (): Promise<EffectiveSealingConfig> => ({ plan: "sealer", sealing: out.sealing, provenance: {} as EffectiveSealingConfig["provenance"] }),
        manager: over.manager ?? fm.client,
        processors: over.processors ?? processors,
        attached: [{ name: "store1", location: persist, readonly: false }],
        instance: "worker-a",
        clock: scaledClock(0.001),
        logger: silent,
      });
      threads.push(th);
      return th;
    },
  };
  return out;
}

async function until(what: string, cond: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const recordOf = (location: string): { state: string; prev_state: string | null; retry: number; [k: string]: unknown } | null => {
  try {
    return JSON.parse(readFileSync(join(location, "meta", "info.json"), "utf8"));
  } catch {
    return null;
  }
};
const exists = (p: string) => access(p).then(() => true, () => false);

/** The proof submitted for a sector verifies against the ticket, seed and commitments the manager saw. */
function assertProofVerifies(fm: FakeManager, number: number): void {
  const pre = fm.callsOf("SubmitPreCommit").filter((a) => (a[0] as { ID: { Number: number } }).ID.Number === number).at(-1)!;
  const info = pre[1] as { CommR: Uint8Array; CommD: Uint8Array; Ticket: { Ticket: Uint8Array } };
  const proof = fm.callsOf("SubmitProof").filter((a) => (a[0] as { Number: number }).Number === number).at(-1)!;
  const bytes = (proof[1] as { Proof: Uint8Array }).Proof;
  const verdict = verifyDevnetPoRep(bytes, { sealProof: 5, minerId: 1000, sectorNumber: number, ticket: info.Ticket.Ticket, seed: seedFor(number), commD: info.CommD, commR: info.CommR });
  assert.deepEqual(verdict, { ok: true });
}

test("a 2KiB CC sector goes through every sealer state: durable before each report, files persisted, store wiped", async (t) => {
  const r = await rig(t);
  const seen: { prev: string; next: string; event: string; durable: string | undefined }[] = [];
  const records = new Map<string, Record<string, any>>(); // eslint-disable-line @typescript-eslint/no-explicit-any
  const base = r.fm.impl.ReportState!;
  r.fm.impl.ReportState = (id, req, ctx) => {
    const rec = recordOf(r.location);
    if (rec) records.set(rec.state, rec);
    seen.push({ prev: req.StateChange.Prev, next: req.StateChange.Next, event: req.StateChange.Event, durable: rec?.state });
    return base(id, req, ctx);
  };
  r.fm.impl.SubmitPersistedEx = async (id, name) => {
    assert.equal(name, "store1");
    // the files are in the attached store under the layout's relative names, the local ones still there
    for (const f of [`sealed/s-t01000-${id.Number}`, `cache/s-t01000-${id.Number}/p_aux`, `cache/s-t01000-${id.Number}/t_aux`, `cache/s-t01000-${id.Number}/sc-02-data-tree-r-last.dat`])
      assert.ok(await exists(join(r.persist, f)), f);
    assert.ok(await exists(join(r.location, "data", "sealed", `s-t01000-${id.Number}`)));
    return true;
  };
  const th = r.newThread();
  th.start();
  await until("sector 1 finalized", () => r.fm.callsOf("ReportFinalized").length === 1);
  await until("the store wiped", async () => recordOf(r.location) === null && (await readdir(join(r.location, "data"))).length === 0);

  assert.deepEqual(seen.map((s) => s.next), SEALER_STATES);
  assert.deepEqual(seen.map((s) => s.durable), SEALER_STATES, "the record holds the new state before ReportState is sent");
  assert.deepEqual(seen.map((s) => s.prev), ["Empty", ...SEALER_STATES.slice(0, -1)]);
  assert.deepEqual(seen.map((s) => s.event), ["Allocate", "AcquireDeals", "AddPiece", "BuildTreeD", "AssignTicket", "PC1", "PC2", "SubmitPC", "CheckPC", "Persist", "SubmitPersistance", "AssignSeed", "C1", "C2", "SubmitProof", "Finish"]);
  assert.deepEqual(r.fm.callsOf("AllocateSector")[0], [{ AllowedMiners: null, AllowedProofTypes: null }]);
  assert.deepEqual(r.fm.callsOf("StoreReserveSpace")[0], [{ Miner: 1000, Number: 1 }, 4096, ["store1"]]);
  assert.equal(r.fm.callsOf("SubmitPreCommit")[0]![2], false, "reset=false on a first submit");
  assertProofVerifies(r.fm, 1);
  // the durable record's contents along the way
  for (const rec of records.values()) assert.equal(rec.retry, 0);
  assert.deepEqual(records.get("Allocated")!.base, {
    allocated: { ID: { Miner: 1000, Number: 1 }, ProofType: 5 },
    prove_input: { prover_id: Array.from(proverId(1000)), sector_id: 1 },
  });
  assert.deepEqual(records.get("DealsAcquired")!.deals_v2, []);
  assert.equal(records.get("PieceAdded")!.phases.pieces.length, 1, "CC: the one zero piece");
  const pre = r.fm.callsOf("SubmitPreCommit")[0]![1] as { CommR: Uint8Array; Ticket: { Ticket: Uint8Array; Epoch: number } };
  assert.deepEqual(records.get("PC1Done")!.phases.ticket, { value: Array.from(pre.Ticket.Ticket), epoch: 100 });
  assert.deepEqual(records.get("PC2Done")!.phases.pc2out.comm_r, Array.from(pre.CommR));
  assert.equal(records.get("Persisted")!.phases.persist_instance, "store1");
  assert.deepEqual(records.get("SeedAssigned")!.phases.seed, { value: Array.from(seedFor(1)), epoch: 200 });
  assert.deepEqual(records.get("C2Done")!.phases.c2out.proof, Array.from((r.fm.callsOf("SubmitProof")[0]![1] as { Proof: Uint8Array }).Proof));
  assert.equal(records.get("ProofSubmitted")!.plan, "sealer");
  const events = await (await SealingStore.open(r.location)).readEvents();
  assert.deepEqual(events.filter((e) => e.sector === "s-t01000-1" && e.event !== "Finalized").map((e) => e.next), SEALER_STATES);
  assert.ok(events.some((e) => e.event === "Finalized"), "the history is kept after the sector");
  assert.equal(th.info().job_id, null);
  assert.equal(th.info().last_error, null);
});

/** Stops the thread (as a kill would) as soon as the record durably reaches `state`, before its handler runs. */
function killAt(r: Rig, th: SealingThread, state: string): Promise<void> {
  const base = r.fm.impl.ReportState!;
  let stopped: Promise<void> | undefined;
  return new Promise((resolve) => {
    r.fm.impl.ReportState = (id, req, ctx) => {
      if (req.StateChange.Next === state && !stopped) {
        stopped = th.stop();
        void stopped.then(resolve);
      }
      return base(id, req, ctx);
    };
  });
}

test("kill -9 at several states: a new thread over the same store resumes the durable state and seals the sector once", async (t) => {
  const r = await rig(t);
  const happyReport = r.fm.impl.ReportState!;
  for (const state of ["Allocated", "TicketAssigned", "PCSubmitted", "PCLanded", "Persisted", "SeedAssigned", "ProofSubmitted"]) {
    const th = r.newThread();
    const killed = killAt(r, th, state);
    th.start();
    await killed;
    assert.equal(recordOf(r.location)?.state, state, `record at ${state} after the kill`);
    r.fm.impl.ReportState = happyReport;
  }
  const last = r.newThread();
  last.start();
  await until("sector 1 finalized", () => r.fm.callsOf("ReportFinalized").length === 1);
  assert.deepEqual(r.fm.callsOf("AllocateSector").length >= 1, true);
  assert.deepEqual(r.fm.callsOf("ReportFinalized"), [[{ Miner: 1000, Number: 1 }]], "one sector, sealed once");
  assert.equal(r.fm.callsOf("ReportAborted").length, 0);
  assertProofVerifies(r.fm, 1);
  await until("idle again", () => recordOf(r.location) === null);
});

test("pc2 marker: PC1Done with a leftover .pc2_running re-copies the sealed file from the staged file before pc2 reruns", async (t) => {
  let sealedAtPc2: Buffer | undefined;
  let stagedAtPc2: Buffer | undefined;
  const r = await rig(t, {
    processors: (set) => ({
      limits: set.limits,
      staticTreeD: set.staticTreeD,
      run: (async (stage: string, input: { sealed_file?: string; pc1out?: { in_path: string } }, ro: unknown) => {
        if (stage === "pc2") {
          sealedAtPc2 = await readFile(input.sealed_file!);
          stagedAtPc2 = await readFile(input.pc1out!.in_path);
        }
        return (set.run as (...a: unknown[]) => unknown)(stage, input, ro);
      }) as ProcessorSet["run"],
    }),
  });
  const th = r.newThread();
  const killed = killAt(r, th, "PC1Done");
  th.start();
  await killed;
  // what a kill in the middle of an in-place PC2 leaves: the marker and a half-encoded sealed file
  const cache = join(r.location, "data", "cache", "s-t01000-1");
  const sealed = join(r.location, "data", "sealed", "s-t01000-1");
  await writeFile(join(cache, PC2_RUNNING_FILE), "");
  await writeFile(sealed, Buffer.alloc(2048, 0xab));
  const again = r.newThread();
  again.start();
  await until("sector 1 finalized", () => r.fm.callsOf("ReportFinalized").length === 1);
  assert.ok(sealedAtPc2 && stagedAtPc2);
  assert.deepEqual(sealedAtPc2, stagedAtPc2, "the sealed file was re-copied from the staged file before pc2");
  assertProofVerifies(r.fm, 1);
});

test("PC2Done with a leftover marker: the marker is removed and pc2 is not redone (its output is durable)", async (t) => {
  const pc2Runs: number[] = [];
  const r = await rig(t, {
    processors: (set) => ({
      limits: set.limits,
      staticTreeD: set.staticTreeD,
      run: ((stage: string, input: unknown, ro: unknown) => {
        if (stage === "pc2") pc2Runs.push(1);
        return (set.run as (...a: unknown[]) => unknown)(stage, input, ro);
      }) as ProcessorSet["run"],
    }),
  });
  const th = r.newThread();
  const killed = killAt(r, th, "PC2Done");
  th.start();
  await killed;
  const marker = join(r.location, "data", "cache", "s-t01000-1", PC2_RUNNING_FILE);
  assert.ok(await exists(marker), "the marker stays until PC2Done is durable");
  const again = r.newThread();
  const killed2 = killAt(r, again, "PCSubmitted");
  again.start();
  await killed2;
  assert.equal(await exists(marker), false);
  assert.equal(pc2Runs.length, 1);
});

test("manager unreachable: temporary retries with the counter persisted, then a Permanent pause with last_error; resume goes on", async (t) => {
  const r = await rig(t, { sealing: { max_retries: 2 } });
  const dead = rpcClient(sealerApi, { url: "http://127.0.0.1:9/rpc/v0", timeoutMs: 2_000 });
  let down = true;
  const manager: SealerClient = { ...r.fm.client, AssignTicket: (id) => (down ? dead.AssignTicket(id) : r.fm.client.AssignTicket(id)) };
  const th = r.newThread({ manager });
  th.start();
  await until("paused", () => th.info().thread_state.state === "Paused");
  const info = th.info();
  assert.match(info.last_error ?? "", /RETRIES_EXHAUSTED.*Venus\.AssignTicket failed/);
  assert.equal(info.job_state, "TicketAssigned");
  assert.equal(info.job_id, "s-t01000-1");
  assert.equal(recordOf(r.location)?.retry, 2, "two retries persisted before escalation");
  const failures = r.fm.callsOf("ReportState").map((a) => (a[1] as { Failure: { Level: string } | null }).Failure?.Level).filter(Boolean);
  assert.deepEqual(failures, ["Temporary", "Temporary", "Temporary"]);
  assert.equal(th.resume("NoSuchState"), true, "an unknown state name resumes at the current state");
  await until("paused again", () => th.info().thread_state.state === "Paused" && th.info().last_error !== null);
  down = false;
  assert.equal(th.resume(), true);
  assert.equal(th.info().last_error, null, "resume clears last_error");
  assert.equal(th.resume(), false, "not paused any more");
  await until("sector 1 finalized", () => r.fm.callsOf("ReportFinalized").length === 1);
  await dead.close();
});

test("code 11001 aborts: ReportAborted, data and record wiped, the next sector seals; no pause", async (t) => {
  const impl = happyPath({ sectors: 2 });
  const accept = impl.SubmitPreCommit!;
  const r = await rig(t, { impl });
  r.fm.impl.SubmitPreCommit = (sector, info, reset, ctx) => {
    if (sector.ID.Number === 1) throw new RpcError(11001, "error code 11001: sector state not found");
    return accept(sector, info, reset, ctx);
  };
  const th = r.newThread();
  th.start();
  await until("sector 2 finalized", () => r.fm.callsOf("ReportFinalized").length === 1);
  assert.deepEqual(r.fm.callsOf("ReportFinalized"), [[{ Miner: 1000, Number: 2 }]]);
  const aborted = r.fm.callsOf("ReportAborted");
  assert.equal(aborted.length, 1);
  assert.deepEqual(aborted[0]![0], { Miner: 1000, Number: 1 });
  assert.match(aborted[0]![1] as string, /SECTOR_STATE_NOT_FOUND/);
  assert.equal(th.info().last_error, null);
  assert.equal(await exists(join(r.location, "data", "sealed", "s-t01000-1")), false, "sector 1's data is gone");
});

test("a processor failure is Permanent: the thread pauses at the state, resume reruns the step", async (t) => {
  let fail = true;
  const r = await rig(t, {
    processors: (set) => ({
      limits: set.limits,
      staticTreeD: set.staticTreeD,
      run: ((stage: string, input: unknown, ro: unknown) => {
        if (stage === "pc1" && fail) return Promise.reject(new Error("pc1 exploded"));
        return (set.run as (...a: unknown[]) => unknown)(stage, input, ro);
      }) as ProcessorSet["run"],
    }),
  });
  const th = r.newThread();
  th.start();
  await until("paused", () => th.info().thread_state.state === "Paused");
  assert.match(th.info().last_error ?? "", /\[perm\] PROCESSOR_FAILED: pc1: pc1 exploded/);
  assert.equal(recordOf(r.location)?.state, "TicketAssigned");
  assert.equal(recordOf(r.location)?.retry, 0, "a permanent failure is not retried");
  fail = false;
  assert.equal(th.resume(), true);
  await until("sector 1 finalized", () => r.fm.callsOf("ReportFinalized").length === 1);
  assertProofVerifies(r.fm, 1);
});

test("pause during the seed wait, resume with a target state: TreeDBuilt redoes PC1 with a fresh ticket", async (t) => {
  const impl = happyPath();
  const seed = impl.WaitSeed!;
  const r = await rig(t, { impl });
  let seedReady = false;
  r.fm.impl.WaitSeed = (id, pt, ctx) => (seedReady ? seed(id, pt, ctx) : { ShouldWait: true, Delay: 60, Seed: null });
  const th = r.newThread();
  th.start();
  await until("waiting for the seed", () => th.info().job_state === "PersistanceSubmitted" && r.fm.callsOf("WaitSeed").length > 0);
  assert.equal(th.pause(), true);
  assert.equal(th.pause(), false, "one pause request at a time");
  await until("paused", () => th.info().thread_state.state === "Paused");
  assert.equal(th.info().last_error, null, "a pause is not an error");
  seedReady = true;
  assert.equal(th.resume("TreeDBuilt"), true);
  await until("sector 1 finalized", () => r.fm.callsOf("ReportFinalized").length === 1);
  assert.equal(r.fm.callsOf("AssignTicket").length, 2, "a fresh ticket");
  assert.equal(r.fm.callsOf("SubmitPreCommit").length, 2);
  const setState = r.fm.callsOf("ReportState").map((a) => (a[1] as { StateChange: { Prev: string; Next: string; Event: string } }).StateChange)
    .find((c) => c.Event.startsWith("SetState"));
  assert.deepEqual(setState, { Prev: "PersistanceSubmitted", Next: "TreeDBuilt", Event: "SetState(TreeDBuilt)" });
  assertProofVerifies(r.fm, 1);
});

test("idle: allowed_miners and allowed_sizes go into AllocateSector; nothing allocatable keeps the thread Idle without a record", async (t) => {
  const r = await rig(t, { impl: happyPath({ sectors: 0 }), sealing: { allowed_miners: [1000], allowed_sizes: [2048], request_task_max_retries: 1 } });
  const th = r.newThread();
  th.start();
  await until("a few polls", () => r.fm.callsOf("AllocateSector").length >= 4);
  assert.deepEqual(r.fm.callsOf("AllocateSector")[0], [{ AllowedMiners: [1000], AllowedProofTypes: [5, 10, 15] }]);
  assert.equal(recordOf(r.location), null);
  assert.equal(th.info().job_id, null);
  assert.equal(th.info().thread_state.state, "Idle");
});

test("disable_cc without deals idles at Allocated; a hot-config change while idle reports the sector aborted (config-changed)", async (t) => {
  const r = await rig(t, { sealing: { disable_cc: true, enable_deals: true, request_task_max_retries: 1 } });
  const th = r.newThread();
  th.start();
  await until("idle at Allocated", () => r.fm.callsOf("AcquireDeals").length >= 1 && recordOf(r.location)?.state === "Allocated");
  assert.deepEqual(r.fm.callsOf("AcquireDeals")[0], [{ Miner: 1000, Number: 1 }, { MaxDeals: null, MinUsedSpace: null }]);
  r.sealing = { ...r.sealing, max_deals: 3 };
  await until("aborted", () => r.fm.callsOf("ReportAborted").length === 1);
  assert.deepEqual(r.fm.callsOf("ReportAborted")[0], [{ Miner: 1000, Number: 1 }, "config-changed"]);
  await until("record gone", () => recordOf(r.location) === null);
});

/** Wraps the processor set, counting the stages it runs. */
const counting = (stages: string[]) => (set: ProcessorSet): SealingProcessors => ({
  limits: set.limits,
  staticTreeD: set.staticTreeD,
  run: ((stage: string, input: unknown, ro: unknown) => {
    stages.push(stage);
    return (set.run as (...a: unknown[]) => unknown)(stage, input, ro);
  }) as ProcessorSet["run"],
});

test("on-chain Failed: wait, resubmit with reset=true (PreCommit and proof); ignore_proof_check off polls the proof", async (t) => {
  const impl = happyPath();
  const r = await rig(t, { impl });
  let pcPolls = 0;
  let proofPolls = 0;
  r.fm.impl.PollPreCommitState = () => ({ State: ++pcPolls === 1 ? 5 : pcPolls === 2 ? 1 : 3, Desc: null });
  r.fm.impl.PollProofState = () => ({ State: ++proofPolls === 1 ? 5 : 3, Desc: null });
  const th = r.newThread();
  th.start();
  await until("sector 1 finalized", () => r.fm.callsOf("ReportFinalized").length === 1);
  assert.deepEqual(r.fm.callsOf("SubmitPreCommit").map((a) => a[2]), [false, true]);
  assert.deepEqual(r.fm.callsOf("SubmitProof").map((a) => a[2]), [false, true]);
  const events = r.fm.callsOf("ReportState").map((a) => (a[1] as { StateChange: { Event: string } }).StateChange.Event);
  assert.ok(events.includes("ReSubmitPC") && events.includes("ReSubmitProof"));
  assert.equal(pcPolls, 3, "Failed; after the resubmit Pending, then Landed");
  assertProofVerifies(r.fm, 1);
});

test("Mismatched submit pauses (Permanent); Rejected aborts the sector", async (t) => {
  const impl = happyPath({ sectors: 2 });
  const r = await rig(t, { impl });
  r.fm.impl.SubmitPreCommit = () => ({ Res: 3, Desc: "CommR differs" });
  const th = r.newThread();
  th.start();
  await until("paused", () => th.info().thread_state.state === "Paused");
  assert.match(th.info().last_error ?? "", /\[perm\] SUBMIT_MISMATCHED: SubmitPreCommit: mismatched submission: CommR differs/);
  assert.equal(recordOf(r.location)?.state, "PC2Done");
  r.fm.impl.SubmitPreCommit = () => ({ Res: 4, Desc: "deal expired" });
  th.resume();
  await until("sector 1 aborted", () => r.fm.callsOf("ReportAborted").length === 1);
  assert.match(r.fm.callsOf("ReportAborted")[0]![1] as string, /SUBMIT_REJECTED: SubmitPreCommit rejected: deal expired/);
  await until("sector 2 allocated", () => r.fm.callsOf("AllocateSector").length >= 2);
});

test("ignore_proof_check skips PollProofState; verify_after_pc2 runs a checking C1 right after PC2", async (t) => {
  const stages: string[] = [];
  const r = await rig(t, { sealing: { ignore_proof_check: true, verify_after_pc2: true }, processors: counting(stages) });
  const th = r.newThread();
  th.start();
  await until("sector 1 finalized", () => r.fm.callsOf("ReportFinalized").length === 1);
  assert.equal(r.fm.callsOf("PollProofState").length, 0);
  assert.deepEqual(stages, ["add_pieces", "tree_d", "pc1", "pc2", "c1", "transfer", "c1", "c2"]);
});

test("static tree_d: a CC sector links prepared/<s>/sc-02-data-tree-d.dat to the static file and runs no tree_d", async (t) => {
  const dir = await tempDir(t);
  const zero = join(dir, "zero");
  await writeFile(zero, Buffer.alloc(2048));
  const { buildTreeD, TREE_D_FILE } = await import("../../src/proofs/tree-d.js");
  await buildTreeD(zero, dir, 2048);
  const staticFile = join(dir, TREE_D_FILE);
  const stages: string[] = [];
  let prepared: string | undefined;
  const r = await rig(t, {
    processors: (set) => {
      const inner = counting(stages)(set);
      return { ...inner, staticTreeD: new Map([[2048, staticFile]]) };
    },
  });
  const base = r.fm.impl.ReportState!;
  r.fm.impl.ReportState = async (id, req, ctx) => {
    if (req.StateChange.Next === "TreeDBuilt") prepared = await readlink(join(r.location, "data", "prepared", "s-t01000-1", TREE_D_FILE));
    return base(id, req, ctx);
  };
  const th = r.newThread();
  th.start();
  await until("sector 1 finalized", () => r.fm.callsOf("ReportFinalized").length === 1);
  assert.equal(prepared, staticFile);
  assert.ok(!stages.includes("tree_d"));
  assertProofVerifies(r.fm, 1);
});

test("hot config: a malformed config.toml or an unavailable plan is Critical (paused); fixing it and resuming seals", async (t) => {
  const r = await rig(t);
  const config = layeredThreadConfig({ location: r.location, managerDefaults: () => ({ recover_interval: 20, seal_interval: 20, rpc_polling_interval: 20 }) });
  await mkdir(r.location);
  await writeFile(join(r.location, ".holder"), "");
  await writeFile(join(r.location, "config.toml"), `sealing.max_retries = "two"\n`);
  const th = new SealingThread({
    index: 3, location: r.location, config, manager: r.fm.client, processors: r.processors,
    attached: [{ name: "store1", location: r.persist, readonly: false }], instance: "worker-a", clock: scaledClock(0.001), logger: silent,
  });
  th.start();
  await until("paused", () => th.info().thread_state.state === "Paused");
  assert.match(th.info().last_error ?? "", /\[crit\] CONFIG_RELOAD: .*config\.toml:1: key sealing\.max_retries/);
  await writeFile(join(r.location, "config.toml"), `plan = "snapup"\n`);
  th.resume();
  await until("paused again", () => th.info().thread_state.state === "Paused" && th.info().last_error !== null);
  assert.match(th.info().last_error ?? "", /\[crit\] UNKNOWN_PLAN: plan "snapup"/);
  await writeFile(join(r.location, "config.toml"), `plan = "sealer"\nsealing.allowed_miners = [1000]\n`);
  th.resume();
  await until("sector 1 finalized", () => r.fm.callsOf("ReportFinalized").length === 1);
  assert.deepEqual(r.fm.callsOf("AllocateSector")[0], [{ AllowedMiners: [1000], AllowedProofTypes: null }]);
  assert.equal(th.info().index, 3);
  await th.stop();
});

test("a pause while pc1 runs lets the task finish and keeps its result; resume with Aborted drops the sector", async (t) => {
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  let pc1Runs = 0;
  const r = await rig(t, {
    processors: (set) => ({
      limits: set.limits,
      staticTreeD: set.staticTreeD,
      run: (async (stage: string, input: unknown, ro: unknown) => {
        if (stage === "pc1") {
          pc1Runs++;
          await gate;
        }
        return (set.run as (...a: unknown[]) => unknown)(stage, input, ro);
      }) as ProcessorSet["run"],
    }),
  });
  const th = r.newThread();
  th.start();
  await until("pc1 running", () => pc1Runs === 1);
  assert.equal(th.info().job_stage, "pc1");
  assert.equal(th.pause(), true);
  await new Promise((res) => setTimeout(res, 50));
  assert.notEqual(th.info().thread_state.state, "Paused", "the pause waits for the running task");
  release();
  await until("paused", () => th.info().thread_state.state === "Paused");
  assert.equal(recordOf(r.location)?.state, "PC1Done", "the task's result was kept");
  assert.equal(th.resume("Aborted"), true);
  await until("aborted", () => r.fm.callsOf("ReportAborted").length === 1);
  assert.match(r.fm.callsOf("ReportAborted")[0]![1] as string, /TaskAborted/);
  assert.equal(pc1Runs, 1);
  await until("record gone", () => recordOf(r.location) === null);
});

test("deals: AcquireDeals gets max_deals and min_deal_space; a deal piece comes from local_pieces_dirs; tree_d is computed", async (t) => {
  const { commPFromBytes } = await import("../../src/proofs/commp.js");
  const { commDToCid } = await import("../../src/filecoin/cid.js");
  const { zeroCommitment } = await import("../../src/proofs/zero-commitments.js");
  const payload = new Uint8Array(randomBytes(600));
  const { commP, pieceSize } = commPFromBytes(payload);
  assert.equal(pieceSize, 1024);
  const cid = commDToCid(commP);
  const stages: string[] = [];
  const addPiecesTasks: unknown[] = [];
  const impl = happyPath();
  const r = await rig(t, {
    impl,
    sealing: { enable_deals: true, max_deals: 2, min_deal_space: 512 },
    processors: (set) => {
      const inner = counting(stages)(set);
      return { ...inner, staticTreeD: new Map([[2048, "/nonexistent/static-tree-d"]]), run: ((stage: string, input: unknown, ro: unknown) => {
        if (stage === "add_pieces") addPiecesTasks.push(input);
        return (inner.run as (...a: unknown[]) => unknown)(stage, input, ro);
      }) as ProcessorSet["run"] };
    },
  });
  const pieces = join(r.dir, "pieces");
  await mkdir(pieces);
  await writeFile(join(pieces, cid.toString()), payload);
  const deal = (dealId: number, pieceCid: typeof cid, payloadSize: number, offset: number) => ({
    Piece: { Size: 1024, PieceCID: pieceCid },
    DealInfo: {
      DealID: dealId, PublishCid: dealId ? cid : null, AllocationID: 0, PieceCID: pieceCid, PieceSize: 1024, Client: "t01001", Provider: "t01000",
      Offset: offset, Length: 1024, PayloadSize: payloadSize, StartEpoch: 10, EndEpoch: 100_000, IsBuiltinMarket: true, IsCompatible: true,
    },
  });
  r.fm.impl.AcquireDeals = () => [deal(7, cid, 600, 0), deal(0, commDToCid(zeroCommitment(1024)), 0, 1024)];
  const th = new SealingThread({
    index: 0, location: r.location,
    config: async () => ({ plan: "sealer", sealing: r.sealing, provenance: {} as EffectiveSealingConfig["provenance"] }),
    manager: r.fm.client, processors: r.processors, attached: [{ name: "store1", location: r.persist, readonly: false }],
    instance: "worker-a", localPiecesDirs: [join(r.dir, "empty"), pieces], clock: scaledClock(0.001), logger: silent,
  });
  th.start();
  await until("sector 1 finalized", () => r.fm.callsOf("ReportFinalized").length === 1);
  await th.stop();
  assert.deepEqual(r.fm.callsOf("AcquireDeals")[0], [{ Miner: 1000, Number: 1 }, { MaxDeals: 2, MinUsedSpace: 512 }]);
  assert.deepEqual((addPiecesTasks[0] as { pieces: unknown[] }).pieces, [
    { piece_file: { local: join(pieces, cid.toString()) }, payload_size: 600, piece_size: 1016 },
    { piece_file: "pledge", payload_size: 0, piece_size: 1016 },
  ]);
  assert.ok(stages.includes("tree_d"), "a sector with deals never uses the static tree_d");
  assertProofVerifies(r.fm, 1);
});
