// The `sealer` plan (spec/worker.md §6.2; protocols.md §1.6, §1.8): interactive PoRep from allocation to the
// proof on chain. The table is the lifecycle in sealing order; each handler does one state's work and returns
// the event. Idempotency measures (§9) sit at the top of each handler.
import { access, copyFile, mkdir, readdir, rm, symlink, writeFile } from "node:fs/promises";
import { dirname, join, relative } from "node:path";
import { z } from "zod";
import { proverId } from "../../filecoin/ids.js";
import { SEAL_PROOF_TYPES, sealProofType } from "../../filecoin/proof-types.js";
import { unpaddedSize } from "../../filecoin/sizes.js";
import { bytesFromJson, bytesToJson, type PieceFileJson, type StageInput } from "../../api/processor-tasks.js";
import { OnChainState, SectorPieceV2, SubmitResult, type SubmitResp } from "../../api/sealer-types.js";
import { verifyDevnetPoRep } from "../../proofs/porep-verify.js";
import { TREE_D_FILE } from "../../proofs/tree-d.js";
import { Failure, asFailure, callManager } from "../failure.js";
import { IDLE, definePlan, type Handler, type PlanEvent, type StepContext } from "../plan.js";
import { need, type SectorRecord } from "../sector-record.js";
import { syncFile } from "../sealing-store.js";

/** The marker of a PC2 in progress (§9): present at PC1Done means the sealed file may be half-encoded. */
export const PC2_RUNNING_FILE = ".pc2_running";
/** Wait after an on-chain Failed before resubmitting (§6.2). */
export const RESUBMIT_DELAY_MS = 30_000;
/** Cache files kept after landing (§6.2 ProofSubmitted) and copied to the persist store (§11). */
const KEPT_CACHE_FILE = /^(sc-02-data-tree-r-last(-\d+)?\.dat|p_aux|t_aux)$/;

const SectorPieces = z.array(SectorPieceV2);

// ---------------------------------------------------------------- helpers

const id = (r: Readonly<SectorRecord>) => need(r.base, "base.allocated", r).allocated.ID;
const proofOf = (r: Readonly<SectorRecord>) => sealProofType(need(r.base, "base.allocated", r).allocated.ProofType);

/** Filesystem work around the compute steps: its errors are Critical (a broken local disk, §7). */
async function fsStep<T>(what: string, body: () => Promise<T>): Promise<T> {
  try {
    return await body();
  } catch (err) {
    throw asFailure(err, "crit", "STORE_FS", what, "check the sealing store's disk, then resume the thread");
  }
}

/** A processor run: its errors are Permanent (§7). */
async function processorStep<T>(what: string, body: () => Promise<T>): Promise<T> {
  try {
    return await body();
  } catch (err) {
    throw asFailure(err, "perm", "PROCESSOR_FAILED", what, "look at the processor's error, fix the cause, then resume the thread");
  }
}

/** Allowed proof types for allowed sizes: V1_1, synthetic and NI of each size (§2.4; V1 is never requested). */
export function allowedProofTypes(sizes: readonly number[] | undefined): number[] | null {
  if (!sizes || sizes.length === 0) return null;
  return SEAL_PROOF_TYPES.filter((t) => t.kind !== "v1" && sizes.includes(t.sectorSize)).map((t) => t.id);
}

/** Reservation size (§11 step 2): 2 × size below 32GiB, size + size/50 for 32GiB and 64GiB. */
export function reservationSize(sectorSize: number): number {
  return sectorSize >= 32 * 1024 ** 3 ? sectorSize + Math.floor(sectorSize / 50) : 2 * sectorSize;
}

/** SubmitPreCommit / SubmitProof results (§6.2, protocols.md §1.4.1). */
function checkSubmit(method: string, resp: SubmitResp): void {
  switch (resp.Res) {
    case SubmitResult.Accepted:
    case SubmitResult.DuplicateSubmit:
      return;
    case SubmitResult.Rejected:
      throw new Failure("abort", "SUBMIT_REJECTED", `${method} rejected: ${resp.Desc ?? "no reason given"}`);
    default:
      throw new Failure("perm", resp.Res === SubmitResult.FilesMissed ? "SUBMIT_FILES_MISSED" : "SUBMIT_MISMATCHED",
        `${method}: ${resp.Res === SubmitResult.FilesMissed ? "files missed" : "mismatched submission"}: ${resp.Desc ?? ""}`,
        "compare the sector on the manager (`util sealer sectors state`) with the local record; resume with a target state or abort the sector");
  }
}

/** Polls an on-chain state until Landed (→ "landed") or Failed (→ "resubmit"); others per §1.4.2. */
async function pollUntilLanded(ctx: StepContext, method: "PollPreCommitState" | "PollProofState"): Promise<"landed" | "resubmit"> {
  const sid = id(ctx.record);
  for (;;) {
    const resp = await callManager(method, () => ctx.manager[method](sid));
    switch (resp.State) {
      case OnChainState.Landed:
        return "landed";
      case OnChainState.Pending:
      case OnChainState.Packed:
        await ctx.clock.sleep(ctx.config.rpc_polling_interval, ctx.signal);
        continue;
      case OnChainState.Failed:
        ctx.logger.warn({ sector: sid, desc: resp.Desc }, `${method}: message failed on chain, resubmitting`);
        await ctx.clock.sleep(RESUBMIT_DELAY_MS, ctx.signal);
        return "resubmit";
      case OnChainState.ShouldAbort:
        throw new Failure("abort", "ON_CHAIN_SHOULD_ABORT", `${method}: the manager says abort: ${resp.Desc ?? ""}`);
      default:
        throw new Failure("perm", resp.State === OnChainState.NotFound ? "ON_CHAIN_NOT_FOUND" : "ON_CHAIN_PERM_FAILED",
          `${method}: ${resp.State === OnChainState.NotFound ? "message not found" : "permanently failed"}: ${resp.Desc ?? ""}`,
          "inspect the sector's messages on the manager; resume with a target state or abort the sector");
    }
  }
}

const ev = (name: string, apply?: PlanEvent["apply"]): PlanEvent => ({ name, apply });

const pieceDeals = (r: Readonly<SectorRecord>) => SectorPieces.parse(r.deals_v2 ?? []);

/** A piece is pledge when (IsBuiltinMarket ? DealID : AllocationID) is 0 (protocols.md §1.5). */
const isPledge = (p: z.output<typeof SectorPieceV2>): boolean => (p.DealInfo.IsBuiltinMarket ? p.DealInfo.DealID : p.DealInfo.AllocationID) === 0;

// ---------------------------------------------------------------- handlers

const allocateSector: Handler = async (ctx) => {
  let sector;
  try {
    sector = await ctx.manager.AllocateSector({
      AllowedMiners: ctx.config.allowed_miners?.length ? ctx.config.allowed_miners : null,
      AllowedProofTypes: allowedProofTypes(ctx.config.allowed_sizes),
    });
  } catch (err) {
    ctx.logger.warn({ location: ctx.location, err: String(err) }, "AllocateSector failed; idle");
    return IDLE; // §7: allocation errors are Idle
  }
  if (!sector) return IDLE;
  const { Miner, Number: num } = sector.ID;
  const s = sealProofType(sector.ProofType);
  if (ctx.config.allowed_miners?.length && !ctx.config.allowed_miners.includes(Miner))
    ctx.logger.warn({ miner: Miner }, "manager allocated a sector of a miner outside allowed_miners");
  if (ctx.config.allowed_sizes?.length && !ctx.config.allowed_sizes.includes(s.sectorSize))
    ctx.logger.warn({ size: s.sectorSize }, "manager allocated a sector size outside allowed_sizes");
  return ev("Allocate", (r) => {
    r.base = { allocated: { ID: { Miner, Number: num }, ProofType: sector.ProofType }, prove_input: { prover_id: bytesToJson(proverId(Miner)), sector_id: num } };
  });
};

const acquireDeals: Handler = async (ctx) => {
  const { config } = ctx;
  // dirs of the sector's files (Damocles does this right after allocation)
  const p = ctx.paths();
  await fsStep("creating the sector's directories", async () => {
    for (const d of [p.cacheDir, dirname(p.unsealed), dirname(p.sealed), p.preparedDir]) await mkdir(d, { recursive: true });
  });
  let deals: z.output<typeof SectorPieces> = [];
  if (config.enable_deals) {
    const sid = id(ctx.record);
    deals = (await callManager("AcquireDeals", () => ctx.manager.AcquireDeals(sid, { MaxDeals: config.max_deals ?? null, MinUsedSpace: config.min_deal_space ?? null }))) ?? [];
  }
  if (deals.length === 0 && config.disable_cc) return IDLE;
  const wire = z.encode(SectorPieces, deals) as unknown[];
  return ev("AcquireDeals", (r) => {
    r.deals_v2 = wire;
  });
};

/** §1 step 8: `<dir>/<cid>` or `<dir>/<cid>.car` in `local_pieces_dirs` first, then the manager's piece store. */
async function pieceSource(ctx: StepContext, cid: string): Promise<PieceFileJson> {
  for (const dir of ctx.localPiecesDirs ?? [])
    for (const name of [cid, `${cid}.car`]) {
      const path = join(dir, name);
      if (await access(path).then(() => true, () => false)) return { local: path };
    }
  if (ctx.managerOrigin) return { url: `${ctx.managerOrigin}/piecestore/${cid}` };
  throw new Failure("perm", "PIECE_SOURCE", `piece ${cid} is in no local_pieces_dirs and the manager's piece store is unknown`,
    "put the piece file into one of [worker].local_pieces_dirs, then resume the thread");
}

const addPieces: Handler = async (ctx) => {
  const p = ctx.paths();
  const s = proofOf(ctx.record);
  await fsStep("removing an old staged file", () => rm(p.unsealed, { force: true }));
  const pieces: StageInput<"add_pieces">["pieces"] = [];
  for (const d of pieceDeals(ctx.record)) {
    const file: PieceFileJson = isPledge(d) ? "pledge" : await pieceSource(ctx, d.Piece.PieceCID.toString());
    pieces.push({ piece_file: file, payload_size: isPledge(d) ? 0 : d.DealInfo.PayloadSize, piece_size: unpaddedSize(d.Piece.Size) });
  }
  const out = await processorStep("add_pieces", () =>
    ctx.runStage("add_pieces", { seal_proof_type: s.rustName, pieces, staged_filepath: p.unsealed }),
  );
  return ev("AddPiece", (r) => {
    r.phases.pieces = out;
  });
};

const buildTreeD: Handler = async (ctx) => {
  const p = ctx.paths();
  const s = proofOf(ctx.record);
  await fsStep("removing an old tree_d", async () => {
    await rm(p.treeDPrepared, { force: true });
    await mkdir(p.preparedDir, { recursive: true });
  });
  const hasDeals = pieceDeals(ctx.record).some((d) => !isPledge(d));
  const staticFile = ctx.processors.staticTreeD.get(s.sectorSize);
  if (!hasDeals && staticFile) {
    ctx.stage("tree_d (static)");
    await fsStep("linking the static tree_d", () => symlink(staticFile, p.treeDPrepared));
  } else {
    await processorStep("tree_d", () =>
      ctx.runStage("tree_d", { registered_proof: s.rustName, staged_file: p.unsealed, cache_dir: p.preparedDir }),
    );
  }
  return ev("BuildTreeD");
};

const assignTicketPlaceholder: Handler = async () => ev("AssignTicket");

const runPc1: Handler = async (ctx) => {
  const r = ctx.record;
  const p = ctx.paths();
  const s = proofOf(r);
  const sid = id(r);
  ctx.stage("AssignTicket");
  const ticket = await callManager("AssignTicket", () => ctx.manager.AssignTicket(sid));
  await fsStep("preparing the cache dir for pc1", async () => {
    await rm(p.cacheDir, { recursive: true, force: true });
    await mkdir(p.cacheDir, { recursive: true });
    await rm(p.sealed, { force: true });
    await symlink(p.treeDPrepared, join(p.cacheDir, TREE_D_FILE));
  });
  const out = await processorStep("pc1", () =>
    ctx.runStage("pc1", {
      registered_proof: s.rustName,
      cache_path: p.cacheDir,
      in_path: p.unsealed,
      out_path: p.sealed,
      prover_id: need(r.base, "base", r).prove_input.prover_id,
      sector_id: sid.Number,
      ticket: bytesToJson(ticket.Ticket),
      piece_infos: need(r.phases.pieces, "phases.pieces", r),
    }),
  );
  return ev("PC1", (rec) => {
    rec.phases.ticket = { value: bytesToJson(ticket.Ticket), epoch: ticket.Epoch };
    rec.phases.pc1out = out as NonNullable<unknown>;
  });
};

const runPc2: Handler = async (ctx) => {
  const r = ctx.record;
  const p = ctx.paths();
  const s = proofOf(r);
  const marker = join(p.cacheDir, PC2_RUNNING_FILE);
  await fsStep("preparing the cache dir for pc2", async () => {
    const leftover = await readdir(p.cacheDir).catch(() => [] as string[]);
    if (leftover.includes(PC2_RUNNING_FILE)) {
      // an interrupted PC2 may have encoded the sealed file in place: start again from the staged data
      ctx.logger.warn({ sector: id(r) }, "pc2 was interrupted; re-copying the sealed file from the staged file");
      await copyFile(p.unsealed, p.sealed);
    }
    for (const f of leftover)
      if (f === "p_aux" || f === "t_aux" || f.includes("tree-c") || f.includes("tree-r-last")) await rm(join(p.cacheDir, f), { force: true });
    await writeFile(marker, "");
    await syncFile(marker);
  });
  const out = await processorStep("pc2", () =>
    ctx.runStage("pc2", { pc1out: need(r.phases.pc1out, "phases.pc1out", r), cache_dir: p.cacheDir, sealed_file: p.sealed }),
  );
  if (ctx.config.verify_after_pc2) await verifyAfterPc2(ctx, out);
  // the marker goes once PC2Done is durable (removePc2Marker), so a crash before that still re-copies
  const apply = (rec: SectorRecord): void => {
    rec.phases.pc2out = out;
  };
  return s.kind === "synthetic" ? ev("PC2NeedSyntheticProof", apply) : ev("PC2", apply);
};

/** verify_after_pc2 (§2.4): a C1 with an all-zero seed, checked in full when it is a built-in proof. */
async function verifyAfterPc2(ctx: StepContext, pc2out: { registered_proof: string; comm_r: number[]; comm_d: number[] }): Promise<void> {
  const r = ctx.record;
  const p = ctx.paths();
  const seed = new Array<number>(32).fill(0);
  const ticket = need(r.phases.ticket, "phases.ticket", r);
  const c1 = await processorStep("verify_after_pc2 c1", () =>
    ctx.runStage("c1", {
      cache_path: p.cacheDir,
      replica_path: p.sealed,
      prover_id: need(r.base, "base", r).prove_input.prover_id,
      sector_id: id(r).Number,
      ticket: ticket.value,
      seed,
      pre_commit: pc2out,
      piece_infos: need(r.phases.pieces, "phases.pieces", r),
    }),
  );
  const vp = (c1 as { vanilla_proofs?: unknown }).vanilla_proofs;
  if (typeof vp !== "string") return; // another family's C1: its success is the check
  const verdict = verifyDevnetPoRep(new Uint8Array(Buffer.from(vp, "base64")), {
    sealProof: proofOf(r).id,
    minerId: id(r).Miner,
    sectorNumber: id(r).Number,
    ticket: bytesFromJson(ticket.value),
    seed: Uint8Array.from(seed),
    commD: bytesFromJson(pc2out.comm_d),
    commR: bytesFromJson(pc2out.comm_r),
  });
  if (!verdict.ok)
    throw new Failure("perm", "VERIFY_AFTER_PC2", `sector ${id(r).Number}: the proof of the fresh replica does not verify: ${verdict.reason}`,
      "the sealed data is bad: resume with state TreeDBuilt to redo PC1 with a fresh ticket");
}

async function removePc2Marker(ctx: StepContext): Promise<void> {
  await fsStep("removing the pc2 marker", () => rm(join(ctx.paths().cacheDir, PC2_RUNNING_FILE), { force: true }));
}

/** This project keeps the layers until C1 and reads synthetic openings from them (proofs/porep-proof.ts): nothing to do. */
const syntheticPoRep: Handler = async (ctx) => {
  await removePc2Marker(ctx);
  return ev("SyntheticPoRep");
};

const submitPreCommit: Handler = async (ctx) => {
  await removePc2Marker(ctx);
  const r = ctx.record;
  const pc2 = need(r.phases.pc2out, "phases.pc2out", r);
  const ticket = need(r.phases.ticket, "phases.ticket", r);
  const allocated = need(r.base, "base", r).allocated;
  const resp = await callManager("SubmitPreCommit", () =>
    ctx.manager.SubmitPreCommit(
      allocated,
      { CommR: bytesFromJson(pc2.comm_r), CommD: bytesFromJson(pc2.comm_d), Ticket: { Ticket: bytesFromJson(ticket.value), Epoch: ticket.epoch } },
      r.phases.pc2_re_submit,
    ),
  );
  checkSubmit("SubmitPreCommit", resp);
  return ev("SubmitPC", (rec) => {
    rec.phases.pc2_re_submit = false;
  });
};

const pollPreCommit: Handler = async (ctx) => {
  ctx.stage("WaitPreCommit");
  return (await pollUntilLanded(ctx, "PollPreCommitState")) === "landed"
    ? ev("CheckPC")
    : ev("ReSubmitPC", (r) => {
        r.phases.pc2_re_submit = true;
      });
};

const persist: Handler = async (ctx) => {
  const r = ctx.record;
  const p = ctx.paths();
  const sid = id(r);
  const candidates = ctx.attached.filter((a) => !a.readonly).map((a) => a.name);
  if (candidates.length === 0)
    throw new Failure("perm", "PERSIST_NO_STORE", `no writable [[attached]] store for sector s-t0${sid.Miner}-${sid.Number}`,
      "attach a store that is not read-only, then resume the thread");
  const size = reservationSize(proofOf(r).sectorSize);
  ctx.stage("ReserveSpace");
  let store;
  for (;;) {
    store = await callManager("StoreReserveSpace", () => ctx.manager.StoreReserveSpace(sid, size, candidates));
    if (store) break;
    await ctx.clock.sleep(ctx.config.rpc_polling_interval, ctx.signal);
  }
  const name = store.Name;
  const target = ctx.attached.find((a) => a.name === name);
  if (!target)
    throw new Failure("perm", "PERSIST_UNKNOWN_STORE", `the manager reserved persist store "${name}", which this worker has not attached (attached: ${ctx.attached.map((a) => a.name).join(", ")})`,
      "attach the store under the same name as the manager's PersistStores entry, then resume");
  const cacheFiles = await fsStep("listing the cache dir", async () => (await readdir(p.cacheDir)).filter((f) => KEPT_CACHE_FILE.test(f)).sort());
  const files = [p.sealed, ...cacheFiles.map((f) => join(p.cacheDir, f))];
  const data = join(ctx.location, "data");
  const routes = files.map((src) => ({
    src: { store_name: null, uri: src },
    dest: { store_name: name, uri: join(target.location, relative(data, src)) },
    opt: null,
  }));
  // the transfer token is taken after the reservation (protocols.md §4f)
  ctx.stage("WaitTransferToken");
  const release = await ctx.acquireStageToken("transfer");
  try {
    await processorStep("transfer", () =>
      ctx.runStage("transfer", { stores: { [name]: { name, meta: store.Meta } }, routes }, { holdsStageToken: true }),
    );
  } finally {
    release();
  }
  return ev("Persist", (rec) => {
    rec.phases.persist_instance = name;
  });
};

const submitPersisted: Handler = async (ctx) => {
  const r = ctx.record;
  const name = need(r.phases.persist_instance, "phases.persist_instance", r);
  const ok = await callManager("SubmitPersistedEx", () => ctx.manager.SubmitPersistedEx(id(r), name, false));
  if (!ok)
    throw new Failure("perm", "PERSIST_NOT_PROVABLE", `the manager cannot find sector ${id(r).Number}'s files in persist store "${name}"`,
      "check that the manager mounts the store with the same name and the files are there; resume with state PCLanded to copy again");
  return ev("SubmitPersistance"); // sic (protocols.md §4h)
};

const waitSeed: Handler = async (ctx) => {
  const r = ctx.record;
  const allocated = need(r.base, "base", r).allocated;
  ctx.stage("WaitSeed");
  for (;;) {
    const resp = await callManager("WaitSeed", () => ctx.manager.WaitSeed(allocated.ID, allocated.ProofType));
    if (resp.Seed) {
      const seed = resp.Seed;
      return ev("AssignSeed", (rec) => {
        rec.phases.seed = { value: bytesToJson(seed.Seed), epoch: seed.Epoch };
      });
    }
    if (!resp.ShouldWait || resp.Delay === 0)
      throw new Failure("temp", "SEED_NOT_READY", `WaitSeed returned no seed and no wait for sector ${allocated.ID.Number}`);
    await ctx.clock.sleep(resp.Delay * 1000, ctx.signal);
  }
};

const runC1: Handler = async (ctx) => {
  const r = ctx.record;
  const p = ctx.paths();
  const out = await processorStep("c1", () =>
    ctx.runStage("c1", {
      cache_path: p.cacheDir,
      replica_path: p.sealed,
      prover_id: need(r.base, "base", r).prove_input.prover_id,
      sector_id: id(r).Number,
      ticket: need(r.phases.ticket, "phases.ticket", r).value,
      seed: need(r.phases.seed, "phases.seed", r).value,
      pre_commit: need(r.phases.pc2out, "phases.pc2out", r),
      piece_infos: need(r.phases.pieces, "phases.pieces", r),
    }),
  );
  return ev("C1", (rec) => {
    rec.phases.c1out = out as NonNullable<unknown>;
  });
};

const runC2: Handler = async (ctx) => {
  const r = ctx.record;
  const base = need(r.base, "base", r);
  const out = await processorStep("c2", () =>
    ctx.runStage("c2", {
      c1out: need(r.phases.c1out, "phases.c1out", r),
      prover_id: base.prove_input.prover_id,
      sector_id: base.allocated.ID.Number,
      miner_id: base.allocated.ID.Miner,
    }),
  );
  return ev("C2", (rec) => {
    rec.phases.c2out = out;
  });
};

const submitProof: Handler = async (ctx) => {
  const r = ctx.record;
  const proof = Uint8Array.from(need(r.phases.c2out, "phases.c2out", r).proof);
  const resp = await callManager("SubmitProof", () => ctx.manager.SubmitProof(id(r), { Proof: proof }, r.phases.c2_re_submit));
  checkSubmit("SubmitProof", resp);
  return ev("SubmitProof", (rec) => {
    rec.phases.c2_re_submit = false;
  });
};

const pollProof: Handler = async (ctx) => {
  if (!ctx.config.ignore_proof_check) {
    ctx.stage("WaitProof");
    if ((await pollUntilLanded(ctx, "PollProofState")) === "resubmit")
      return ev("ReSubmitProof", (r) => {
        r.phases.c2_re_submit = true;
      });
  }
  // clear the cache, keeping what proving reads (tree-r-last, p_aux, t_aux)
  const p = ctx.paths();
  try {
    for (const f of await readdir(p.cacheDir).catch(() => [] as string[]))
      if (!KEPT_CACHE_FILE.test(f)) await rm(join(p.cacheDir, f), { recursive: true, force: true });
  } catch (err) {
    throw asFailure(err, "temp", "CLEAR_CACHE", "clearing the cache dir");
  }
  return ev("Finish");
};

const finished: Handler = async () => null;

const aborted: Handler = async (ctx) => {
  throw new Failure("abort", "TaskAborted", `sector ${ctx.record.base ? id(ctx.record).Number : "?"} forced to state Aborted`);
};

// ---------------------------------------------------------------- the plan

export const sealerPlan = definePlan(
  "sealer",
  {
    Empty:                { Allocate: "Allocated" },
    Allocated:            { AcquireDeals: "DealsAcquired" },
    DealsAcquired:        { AddPiece: "PieceAdded" },
    PieceAdded:           { BuildTreeD: "TreeDBuilt" },
    TreeDBuilt:           { AssignTicket: "TicketAssigned" },
    TicketAssigned:       { PC1: "PC1Done" },
    PC1Done:              { PC2: "PC2Done", PC2NeedSyntheticProof: "SyntheticPoRepNeeded" },
    SyntheticPoRepNeeded: { SyntheticPoRep: "PC2Done" },
    PC2Done:              { SubmitPC: "PCSubmitted" },
    PCSubmitted:          { CheckPC: "PCLanded", ReSubmitPC: "PC2Done" },
    PCLanded:             { Persist: "Persisted" },
    Persisted:            { SubmitPersistance: "PersistanceSubmitted" }, // sic
    PersistanceSubmitted: { AssignSeed: "SeedAssigned" },
    SeedAssigned:         { C1: "C1Done" },
    C1Done:               { C2: "C2Done" },
    C2Done:               { SubmitProof: "ProofSubmitted" },
    ProofSubmitted:       { Finish: "Finished", ReSubmitProof: "C2Done" },
    Finished:             {},
    Aborted:              {},
  },
  {
    Empty: allocateSector,
    Allocated: acquireDeals,
    DealsAcquired: addPieces,
    PieceAdded: buildTreeD,
    TreeDBuilt: assignTicketPlaceholder,
    TicketAssigned: runPc1,
    PC1Done: runPc2,
    SyntheticPoRepNeeded: syntheticPoRep,
    PC2Done: submitPreCommit,
    PCSubmitted: pollPreCommit,
    PCLanded: persist,
    Persisted: submitPersisted,
    PersistanceSubmitted: waitSeed,
    SeedAssigned: runC1,
    C1Done: runC2,
    C2Done: submitProof,
    ProofSubmitted: pollProof,
    Finished: finished,
    Aborted: aborted,
  },
);
