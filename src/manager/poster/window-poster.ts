// The built-in WindowPoSt poster (spec/manager.md §10): per miner, one runner per (deadline, open epoch), started at
// Challenge + ChallengeConfidence. It declares recoveries for deadline index + 2 (before its FaultCutoff), proves
// every partition that still lacks an on-chain submission — unreadable sectors go to Skipped, never failing the
// partition — and submits SubmitWindowedPoSt from Open + SubmitConfidence, each message recorded before pushing
// under the idempotent uid `<miner>-<deadline>-<open>-<partition>`. Only devnet proofs exist in-process: on any other
// network the deadline records that an external prover is needed (§8.7).
import { MessageFailedError, selectSender, type ChainClient, type Messager, type OutgoingMessage, type SendSpec } from "../../chain/index.js";
import type { DeadlineInfo, Partition } from "../../api/lotus.js";
import type { ManagerStore } from "../../db/manager-store.js";
import { formatIdAddress, minerEntropy } from "../../filecoin/address.js";
import { BitField } from "../../filecoin/bitfield.js";
import { cidToCommR } from "../../filecoin/cid.js";
import { DeclareFaultsRecoveredParams, MinerMethod, SubmitWindowedPoStParams, type PoStPartition } from "../../filecoin/miner-params.js";
import { DomainSeparationTag } from "../../filecoin/randomness.js";
import { encodeDevnetWindowPoSt } from "../../proofs/devnet-proof.js";
import { checkProvable, type PoStSectorFiles } from "../../proofs/post.js";
import { effectiveGasFeeCap, type MinerConfig } from "../config/schema.js";
import type { Logger } from "../logger.js";
import { threadVanillaProver, type VanillaProver } from "./vanilla-runner.js";

/** builtin-actors PoStedPartitionsMax: partitions per SubmitWindowedPoSt. */
export const MAX_PARTITIONS_PER_POST = 3;
/** SubmitConfidence 0 means this many epochs after Open (§3). */
export const DEFAULT_SUBMIT_CONFIDENCE = 4;
/** Head polling: short enough for a devnet deadline of a few hundred ms epochs; one cheap read per miner. */
export const DEFAULT_POLL_MS = 200;
export const NO_PROVER_ERROR = "no Groth16 prover configured: external window_post processor needed";

export type PosterChain = Pick<
  ChainClient,
  | "ChainHead"
  | "StateMinerProvingDeadline"
  | "StateMinerDeadlines"
  | "StateMinerPartitions"
  | "StateMinerSectors"
  | "StateMinerInfo"
  | "StateGetRandomnessFromBeacon"
  | "StateGetRandomnessFromTickets"
  | "StateLookupID"
  | "StateGetActor"
>;

export interface SectorFiles {
  sealedFile: string;
  cacheDir: string;
}

export interface PosterDeps {
  chain: PosterChain;
  messager: Messager;
  store: Pick<ManagerStore, "recordMessage" | "getMessage" | "markFailed">;
  /** Miners to consider (with their current config). */
  miners: () => MinerConfig[];
  /** Where a sector's files are (the indexer and the persist stores); null when unknown. */
  locate: (miner: number, sectorNumber: number, upgraded: boolean) => Promise<SectorFiles | null>;
  /** The chain's network; devnet proofs only for the devnet (devnet.md §8.4). Throws while unknown. */
  network: () => { devnet: boolean };
  clock: { now(): number; sleep(ms: number, signal?: AbortSignal): Promise<void> };
  logger: Logger;
  /** Head polling interval (default DEFAULT_POLL_MS). */
  pollMs?: number;
  /** Default: generateVanillaPoSt in a worker thread. */
  prover?: VanillaProver;
}

export type DeadlineRunState = "proving" | "submitting" | "submitted" | "empty" | "failed";

export interface DeadlineRecord {
  miner: number;
  deadline: number;
  open: number;
  close: number;
  state: DeadlineRunState;
  /** Partition index → skipped sectors. */
  skipped: Record<number, number[]>;
  /** Partitions proven and sent. */
  proven: number[];
  messages: string[];
  recoveries: string[];
  error: string | null;
}

export interface WindowPoster {
  start(): void;
  stop(): Promise<void>;
  /** One evaluation of the head (what each poll does); resolves once the runners it started have finished. */
  tick(): Promise<void>;
  /** The latest runners' records, newest last. */
  deadlines(miner?: number): DeadlineRecord[];
}

/** The empty tipset key: the node's current head. */
const HEAD: [] = [];

const uniq = (ns: Iterable<number>): number[] => [...new Set(ns)].sort((a, b) => a - b);

function sendSpec(cfg: MinerConfig): SendSpec {
  const f = cfg.PoSt;
  const spec: SendSpec = { gasOverEstimation: f.GasOverEstimation, gasOverPremium: f.GasOverPremium };
  const cap = effectiveGasFeeCap(f);
  if (cap > 0n) spec.gasFeeCap = cap;
  return spec;
}

function sendersOf(cfg: MinerConfig): string[] {
  const list = [...cfg.PoSt.Senders];
  if (cfg.PoSt.Sender && !list.includes(cfg.PoSt.Sender)) list.push(cfg.PoSt.Sender);
  return list;
}

/** The sectors a partition's proof covers: (live − faulty) ∪ recovering (filecoin.md §14). */
export function sectorsToProve(p: Partition): BitField {
  return p.LiveSectors.subtract(p.FaultySectors).union(p.RecoveringSectors.intersect(p.LiveSectors));
}

/** The deadline after `di`, seen at the same epoch. */
export function nextDeadline(di: DeadlineInfo): DeadlineInfo {
  const w = di.WPoStChallengeWindow;
  const wraps = di.Index + 1 === di.WPoStPeriodDeadlines;
  return {
    ...di,
    Index: wraps ? 0 : di.Index + 1,
    PeriodStart: wraps ? di.PeriodStart + di.WPoStProvingPeriod : di.PeriodStart,
    Open: di.Open + w,
    Close: di.Close + w,
    Challenge: di.Challenge + w,
    FaultCutoff: di.FaultCutoff + w,
  };
}

const chunk = <T>(xs: T[], n: number): T[][] => Array.from({ length: Math.ceil(xs.length / n) }, (_, i) => xs.slice(i * n, i * n + n));

export function createWindowPoster(deps: PosterDeps): WindowPoster {
  const log = deps.logger;
  const prover = deps.prover ?? threadVanillaProver;
  const life = new AbortController();
  const runners = new Map<string, Promise<void>>();
  const records = new Map<string, DeadlineRecord>();
  const recoveryDone = new Set<string>();
  let loop: Promise<void> | null = null;

  const keep = (r: DeadlineRecord): void => {
    records.set(`${r.miner}-${r.open}`, r);
    // Keep the last 96 records (two proving periods of one miner).
    while (records.size > 96) records.delete(records.keys().next().value!);
  };

  async function locateAll(miner: number, maddr: string, sectors: BitField): Promise<{ files: Array<PoStSectorFiles & { commR: Uint8Array }>; missing: number[] }> {
    if (sectors.isEmpty()) return { files: [], missing: [] };
    const infos = await deps.chain.StateMinerSectors(maddr, sectors, HEAD);
    const files: Array<PoStSectorFiles & { commR: Uint8Array }> = [];
    const missing: number[] = [];
    for (const s of infos) {
      const loc = await deps.locate(miner, s.SectorNumber, s.SectorKeyCID !== null).catch(() => null);
      if (loc) files.push({ sectorNumber: s.SectorNumber, sealedFile: loc.sealedFile, cacheDir: loc.cacheDir, commR: cidToCommR(s.SealedCID) });
      else missing.push(s.SectorNumber);
    }
    return { files, missing };
  }

  /** Sectors whose files pass the pre-check (StrictCheck reads the challenged leaves; otherwise p_aux and sizes are still read). */
  async function provable(postProof: number, randomness: Uint8Array, files: Array<PoStSectorFiles & { commR: Uint8Array }>): Promise<{ good: typeof files; bad: number[] }> {
    if (files.length === 0) return { good: [], bad: [] };
    const results = await checkProvable({ postProof, randomness, sectors: files });
    const ok = new Set(results.filter((r) => r.ok).map((r) => Number(r.sectorNumber)));
    for (const r of results) if (!r.ok) log.warn({ sector: Number(r.sectorNumber), reason: r.reason }, "sector fails the PoSt pre-check");
    return { good: files.filter((f) => ok.has(Number(f.sectorNumber))), bad: files.filter((f) => !ok.has(Number(f.sectorNumber))).map((f) => Number(f.sectorNumber)) };
  }

  async function pushRecorded(miner: number, msg: OutgoingMessage, spec: Record<string, unknown>): Promise<void> {
    if (!(await deps.store.getMessage(msg.uid))) await deps.store.recordMessage({ ...msg, miner, spec: spec as never });
    try {
      await deps.messager.push(msg, life.signal);
    } catch (e) {
      if (e instanceof MessageFailedError) {
        const m = await deps.store.getMessage(msg.uid);
        if (m && m.state !== "failed") await deps.store.markFailed(msg.uid, e.message);
      }
      throw e;
    }
  }

  /** Rule 5: DeclareFaultsRecovered for deadline index + 2, for faulty, not yet recovering sectors readable again. */
  async function declareRecoveries(cfg: MinerConfig, di: DeadlineInfo, postProof: number, rec: DeadlineRecord): Promise<void> {
    const miner = cfg.Actor;
    const maddr = formatIdAddress(miner, "t");
    const index = (di.Index + 2) % di.WPoStPeriodDeadlines;
    const open = di.Open + 2 * di.WPoStChallengeWindow;
    const cutoff = open - di.FaultDeclarationCutoff;
    const key = `${miner}-${index}-${open}`;
    if (recoveryDone.has(key) || di.CurrentEpoch >= cutoff) return;
    recoveryDone.add(key);
    const partitions = await deps.chain.StateMinerPartitions(maddr, index, HEAD);
    const decls: Array<{ Deadline: number; Partition: number; Sectors: BitField }> = [];
    let budget = cfg.PoSt.MaxRecoverSectorLimit === 0 ? Infinity : cfg.PoSt.MaxRecoverSectorLimit;
    for (const [pi, p] of partitions.entries()) {
      const candidates = p.FaultySectors.subtract(p.RecoveringSectors);
      if (candidates.isEmpty() || budget <= 0) continue;
      const { files } = await locateAll(miner, maddr, candidates.take(Math.min(candidates.size, budget)));
      // Any fixed draw works for the check: it only samples leaves to read.
      const { good } = await provable(postProof, new Uint8Array(32), files);
      if (good.length === 0) continue;
      budget -= good.length;
      decls.push({ Deadline: index, Partition: pi, Sectors: BitField.fromSet(good.map((g) => Number(g.sectorNumber))) });
    }
    if (decls.length === 0) return;
    const per = cfg.PoSt.MaxPartitionsPerRecoveryMessage === 0 ? decls.length : cfg.PoSt.MaxPartitionsPerRecoveryMessage;
    const sender = await selectSender(deps.chain, miner, sendersOf(cfg), { signal: life.signal });
    for (const part of chunk(decls, per)) {
      const uid = `${miner}-recover-${index}-${open}-${part[0]!.Partition}`;
      const fees = sendSpec(cfg);
      const msg: OutgoingMessage = { uid, from: sender.address, to: maddr, method: MinerMethod.DeclareFaultsRecovered, params: DeclareFaultsRecoveredParams.encode({ Recoveries: part }), value: 0n, ...fees };
      log.info({ miner, deadline: index, partitions: part.map((d) => d.Partition), sectors: part.flatMap((d) => d.Sectors.toArray()), uid }, "declaring recoveries");
      await pushRecorded(miner, msg, { kind: "recover", ...fees });
      rec.recoveries.push(uid);
    }
  }

  async function waitForEpoch(epoch: number): Promise<number> {
    for (;;) {
      const h = await deps.chain.ChainHead();
      if (h.Height >= epoch) return h.Height;
      await deps.clock.sleep(deps.pollMs ?? DEFAULT_POLL_MS, life.signal);
    }
  }

  async function runDeadline(cfg: MinerConfig, di: DeadlineInfo): Promise<void> {
    const miner = cfg.Actor;
    const maddr = formatIdAddress(miner, "t");
    const rec: DeadlineRecord = { miner, deadline: di.Index, open: di.Open, close: di.Close, state: "proving", skipped: {}, proven: [], messages: [], recoveries: [], error: null };
    keep(rec);
    const info = await deps.chain.StateMinerInfo(maddr, HEAD);
    const postProof = info.WindowPoStProofType;
    // Alongside the proving, never before it: a deadline's window can be short (devnet: about a second).
    const recoveries = declareRecoveries(cfg, di, postProof, rec).catch((e: unknown) => log.warn({ miner, deadline: di.Index, err: e }, "recovery declaration failed"));
    try {
      await proveAndSubmit(cfg, di, postProof, rec);
    } finally {
      await recoveries;
    }
  }

  async function proveAndSubmit(cfg: MinerConfig, di: DeadlineInfo, postProof: number, rec: DeadlineRecord): Promise<void> {
    const miner = cfg.Actor;
    const maddr = formatIdAddress(miner, "t");

    const [partitions, deadlines] = await Promise.all([deps.chain.StateMinerPartitions(maddr, di.Index, HEAD), deps.chain.StateMinerDeadlines(maddr, HEAD)]);
    // Before Open the deadline's PostSubmissions still describe the previous period's window.
    const submitted = di.CurrentEpoch >= di.Open ? (deadlines[di.Index]?.PostSubmissions ?? BitField.EMPTY) : BitField.EMPTY;
    log.debug({ miner, deadline: di.Index, open: di.Open, head: di.CurrentEpoch, partitions: partitions.length, submitted: submitted.toArray() }, "WindowPoSt deadline started");
    const todo = partitions.map((p, i) => ({ index: i, sectors: sectorsToProve(p) })).filter((p) => !p.sectors.isEmpty() && !submitted.has(p.index));
    if (todo.length === 0) {
      rec.state = partitions.some((p) => !p.LiveSectors.isEmpty()) ? "submitted" : "empty";
      return;
    }
    if (!deps.network().devnet) {
      rec.state = "failed";
      rec.error = NO_PROVER_ERROR;
      log.error({ miner, deadline: di.Index, open: di.Open }, NO_PROVER_ERROR);
      return;
    }
    const rand = await deps.chain.StateGetRandomnessFromBeacon(DomainSeparationTag.WindowedPoStChallengeSeed, di.Challenge, minerEntropy(miner), HEAD);

    const proven: Array<{ partition: PoStPartition; proof: Uint8Array }> = [];
    const proveOne = async (p: (typeof todo)[number]): Promise<void> => {
      const { files, missing } = await locateAll(miner, maddr, p.sectors);
      const { good, bad } = await provable(postProof, rand, files);
      const skipped = uniq([...missing, ...bad]);
      if (skipped.length > 0) rec.skipped[p.index] = skipped;
      if (good.length === 0) {
        log.warn({ miner, deadline: di.Index, partition: p.index, skipped }, "no provable sector in the partition: not submitted");
        return;
      }
      const vp = await prover({ postProof, minerId: miner, randomness: rand, sectors: good.map(({ sectorNumber, sealedFile, cacheDir }) => ({ sectorNumber, sealedFile, cacheDir })) }, life.signal);
      proven.push({ partition: { Index: p.index, Skipped: BitField.fromSet(skipped) }, proof: encodeDevnetWindowPoSt(vp) });
    };
    if (cfg.PoSt.Parallel) await Promise.all(todo.map(proveOne));
    else for (const p of todo) await proveOne(p);
    if (proven.length === 0) {
      rec.state = "failed";
      rec.error = "no partition had a provable sector";
      return;
    }
    proven.sort((a, b) => a.partition.Index - b.partition.Index);

    rec.state = "submitting";
    const conf = cfg.PoSt.SubmitConfidence === 0 ? DEFAULT_SUBMIT_CONFIDENCE : cfg.PoSt.SubmitConfidence;
    const height = await waitForEpoch(Math.min(di.Open + conf, di.Close - 1));
    if (height >= di.Close) throw new Error(`deadline ${di.Index} closed at ${di.Close} before the proofs were ready`);
    const commitRand = await deps.chain.StateGetRandomnessFromTickets(DomainSeparationTag.PoStChainCommit, di.Challenge, new Uint8Array(0), HEAD);
    const per = Math.min(MAX_PARTITIONS_PER_POST, cfg.PoSt.MaxPartitionsPerPoStMessage || MAX_PARTITIONS_PER_POST);
    const sender = await selectSender(deps.chain, miner, sendersOf(cfg), { signal: life.signal });
    for (const group of chunk(proven, per)) {
      const params = SubmitWindowedPoStParams.encode({
        Deadline: di.Index,
        Partitions: group.map((g) => g.partition),
        Proofs: [{ PoStProof: postProof, ProofBytes: Buffer.concat(group.map((g) => g.proof)) }],
        ChainCommitEpoch: di.Challenge,
        ChainCommitRand: commitRand,
      });
      const uid = `${miner}-${di.Index}-${di.Open}-${group[0]!.partition.Index}`;
      const fees = sendSpec(cfg);
      const msg: OutgoingMessage = { uid, from: sender.address, to: maddr, method: MinerMethod.SubmitWindowedPoSt, params, value: 0n, ...fees };
      log.info({ miner, deadline: di.Index, open: di.Open, partitions: group.map((g) => g.partition.Index), uid }, "submitting WindowPoSt");
      await pushRecorded(miner, msg, { kind: "wdpost", ...fees });
      rec.messages.push(uid);
      rec.proven.push(...group.map((g) => g.partition.Index));
    }
    rec.state = "submitted";
  }

  /** Starts the runners due at the current head; returns them. */
  async function check(): Promise<Promise<void>[]> {
    const started: Promise<void>[] = [];
    for (const cfg of deps.miners()) {
      if (!cfg.PoSt.Enabled) continue;
      const miner = cfg.Actor;
      const current = await deps.chain.StateMinerProvingDeadline(formatIdAddress(miner, "t"), HEAD);
      // Rule 3: the current deadline and the next one once the head is in its challenge window.
      for (const di of [current, nextDeadline(current)]) {
        const startAt = di.Challenge + cfg.PoSt.ChallengeConfidence;
        if (di.CurrentEpoch < startAt || di.CurrentEpoch >= di.Close) continue;
        const key = `${miner}-${di.Open}`;
        if (runners.has(key)) continue;
        const run = runDeadline(cfg, di).catch((e: unknown) => {
          const r = records.get(key);
          if (r) {
            r.state = "failed";
            r.error = e instanceof Error ? e.message : String(e);
          }
          if (!life.signal.aborted) log.error({ miner, deadline: di.Index, open: di.Open, err: e }, "WindowPoSt failed");
        });
        runners.set(key, run);
        started.push(run);
      }
      // Forget runners of past periods (their records stay).
      for (const k of runners.keys()) if (Number(k.split("-")[1]) < current.Open - current.WPoStProvingPeriod) runners.delete(k);
    }
    return started;
  }

  return {
    start() {
      loop ??= (async () => {
        while (!life.signal.aborted) {
          // Runners proceed on their own; a tick only starts them.
          await check().catch((e: unknown) => {
            if (!life.signal.aborted) log.warn({ err: e }, "WindowPoSt head check failed");
          });
          await deps.clock.sleep(deps.pollMs ?? DEFAULT_POLL_MS, life.signal).catch(() => {});
        }
      })();
    },
    async stop() {
      life.abort(new Error("poster stopping"));
      await loop;
      await Promise.allSettled(runners.values());
    },
    async tick() {
      await Promise.all(await check());
    },
    deadlines: (miner) => [...records.values()].filter((r) => miner === undefined || r.miner === miner),
  };
}
