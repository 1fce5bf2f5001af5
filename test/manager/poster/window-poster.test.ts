import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdtemp, rename, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import type { Messager, OutgoingMessage } from "../../../src/chain/index.js";
import type { NewMessage } from "../../../src/db/manager-store.js";
import { BitField } from "../../../src/filecoin/bitfield.js";
import { commRToCid } from "../../../src/filecoin/cid.js";
import { newDeadlineInfo } from "../../../src/filecoin/deadlines.js";
import { DeclareFaultsRecoveredParams, MinerMethod, SubmitWindowedPoStParams } from "../../../src/filecoin/miner-params.js";
import { DEVNET_POLICY } from "../../../src/filecoin/policy.js";
import { generateVanillaPoSt, verifyDevnetWindowPoSt } from "../../../src/proofs/post.js";
import { sealSector } from "../../../src/proofs/seal.js";
import { defaultMinerConfig, type MinerConfig } from "../../../src/manager/config/schema.js";
import { createLogger } from "../../../src/manager/logger.js";
import { createWindowPoster, NO_PROVER_ERROR, sectorsToProve, type PosterChain } from "../../../src/manager/poster/window-poster.js";
import { threadVanillaProver } from "../../../src/manager/poster/vanilla-runner.js";

const sha256 = (b: string): Uint8Array => new Uint8Array(createHash("sha256").update(b).digest());
const MINER = 1000;
const WINDOW_2K = 10;
const BEACON = sha256("beacon draw");
const TICKET = sha256("ticket draw");

interface Sector {
  n: number;
  commR: Uint8Array;
  sealedFile: string;
  cacheDir: string;
}
let dir = "";
const sectors = new Map<number, Sector>();

before(async () => {
  dir = await mkdtemp(join(os.tmpdir(), "damocles-poster-"));
  for (const n of [3, 9]) {
    const payload = join(dir, `payload-${n}`);
    await writeFile(payload, sha256(`payload ${n}`));
    const o = await sealSector({ sealProofId: 5, minerId: MINER, sectorNumber: n, ticket: sha256(`t${n}`), inputPath: payload, storeDir: join(dir, "store"), parentCacheDir: join(dir, "parents") });
    sectors.set(n, { n, commR: o.commR, sealedFile: o.paths.sealed, cacheDir: o.paths.cacheDir });
  }
});
after(() => rm(dir, { recursive: true, force: true }));

const bf = (ns: number[]): BitField => BitField.fromSet(ns);
const part = (live: number[], faulty: number[] = [], recovering: number[] = []) => ({
  AllSectors: bf(live),
  LiveSectors: bf(live),
  ActiveSectors: bf(live.filter((n) => !faulty.includes(n))),
  FaultySectors: bf(faulty),
  RecoveringSectors: bf(recovering),
});

function fixture(opts: { devnet?: boolean; cfg?: (c: MinerConfig) => void } = {}) {
  let height = 0;
  const partitions = new Map<number, ReturnType<typeof part>[]>();
  const pushed: OutgoingMessage[] = [];
  const recorded: NewMessage[] = [];
  const draws: Array<{ kind: string; tag: number; epoch: number; entropy: Uint8Array }> = [];
  const di = () => newDeadlineInfo(0, Math.floor((height % 480) / 10), height, DEVNET_POLICY);
  const chain = {
    ChainHead: async () => ({ Height: height, Cids: [], Blocks: [] }),
    StateMinerProvingDeadline: async () => di(),
    StateMinerDeadlines: async () => Array.from({ length: 48 }, () => ({ PostSubmissions: BitField.EMPTY, DisputableProofCount: 0, DailyFee: 0n })),
    StateMinerPartitions: async (_m: string, index: number) => partitions.get(index) ?? [],
    StateMinerSectors: async (_m: string, set: BitField | null) =>
      set!.toArray().map((n) => ({ SectorNumber: n, SealProof: 5, SealedCID: commRToCid(sectors.get(n)!.commR), SectorKeyCID: null })),
    StateMinerInfo: async () => ({ Owner: "t0100", Worker: "t0100", ControlAddresses: [], WindowPoStProofType: WINDOW_2K }),
    StateLookupID: async (a: string) => a,
    StateGetActor: async () => ({ Balance: 10n ** 18n }),
    StateGetRandomnessFromBeacon: async (tag: number, epoch: number, entropy: Uint8Array) => (draws.push({ kind: "beacon", tag, epoch, entropy }), BEACON),
    StateGetRandomnessFromTickets: async (tag: number, epoch: number, entropy: Uint8Array) => (draws.push({ kind: "ticket", tag, epoch, entropy }), TICKET),
  } as unknown as PosterChain;
  const messager = { push: async (m: OutgoingMessage) => (pushed.push(m), m.uid) } as unknown as Messager;
  const store = {
    recordMessage: async (m: NewMessage) => (recorded.push(m), m),
    getMessage: async (uid: string) => recorded.find((m) => m.uid === uid) ?? null,
    markFailed: async () => {},
  };
  const cfg = defaultMinerConfig(MINER);
  cfg.PoSt.Senders = ["t0100"];
  opts.cfg?.(cfg);
  const poster = createWindowPoster({
    chain,
    messager,
    store: store as never,
    miners: () => [cfg],
    locate: async (_m, n) => {
      const s = sectors.get(n);
      return s ? { sealedFile: s.sealedFile, cacheDir: s.cacheDir } : null;
    },
    network: () => ({ devnet: opts.devnet ?? true }),
    // The submit wait advances the fake chain instead of sleeping.
    clock: { now: () => 0, sleep: async () => void height++ },
    logger: createLogger({ level: "error" }),
    prover: (input) => generateVanillaPoSt(input),
  });
  return { poster, partitions, pushed, recorded, draws, setHeight: (h: number) => (height = h), height: () => height };
}

const expectedFor = (ns: number[]) => ({ postProof: WINDOW_2K, minerId: MINER, randomness: BEACON, sectors: ns.map((n) => ({ sectorNumber: n, commR: sectors.get(n)!.commR })) });

test("sectorsToProve: (live − faulty) ∪ recovering", () => {
  assert.deepEqual(sectorsToProve(part([1, 2, 3, 4], [2, 3], [3])).toArray(), [1, 3, 4]);
});

test("a deadline is proven at its challenge, submitted from Open + 4 with tag-4 and tag-9 draws and recorded before the push", async () => {
  const f = fixture();
  f.partitions.set(5, [part([3, 9])]);
  f.setHeight(45); // before deadline 5's challenge (50 − 4 = 46)
  await f.poster.tick();
  assert.equal(f.pushed.length, 0);
  f.setHeight(46);
  await f.poster.tick();
  assert.equal(f.pushed.length, 1);
  const m = f.pushed[0]!;
  assert.equal(m.uid, `${MINER}-5-50-0`);
  assert.equal(m.method, MinerMethod.SubmitWindowedPoSt);
  assert.equal(m.to, "t01000");
  assert.ok(f.height() >= 54, `submitted at ${f.height()}, before Open + 4`);
  assert.equal(f.recorded[0]!.uid, m.uid);
  const p = SubmitWindowedPoStParams.decode(m.params);
  assert.equal(p.Deadline, 5);
  assert.deepEqual(p.Partitions.map((x) => [x.Index, x.Skipped.toArray()]), [[0, []]]);
  assert.equal(p.ChainCommitEpoch, 46);
  assert.deepEqual(p.ChainCommitRand, TICKET);
  assert.equal(p.Proofs.length, 1);
  assert.equal(p.Proofs[0]!.PoStProof, WINDOW_2K);
  assert.deepEqual(verifyDevnetWindowPoSt(p.Proofs[0]!.ProofBytes, expectedFor([3, 9])), { ok: true });
  const beacon = f.draws.find((d) => d.kind === "beacon")!;
  assert.equal(beacon.tag, 4);
  assert.equal(beacon.epoch, 46);
  assert.deepEqual(f.draws.find((d) => d.kind === "ticket")!.tag, 9);
  // One runner per (miner, open): another tick in the same deadline sends nothing more.
  await f.poster.tick();
  assert.equal(f.pushed.length, 1);
  assert.equal(f.poster.deadlines(MINER).find((r) => r.deadline === 5)!.state, "submitted");
});

test("an unreadable sealed file goes to Skipped; the rest of the partition is proven", async () => {
  const f = fixture();
  f.partitions.set(7, [part([3, 9])]);
  const s9 = sectors.get(9)!;
  await rename(s9.sealedFile, `${s9.sealedFile}.away`);
  try {
    f.setHeight(66);
    await f.poster.tick();
  } finally {
    await rename(`${s9.sealedFile}.away`, s9.sealedFile);
  }
  assert.equal(f.pushed.length, 1);
  const p = SubmitWindowedPoStParams.decode(f.pushed[0]!.params);
  assert.deepEqual(p.Partitions[0]!.Skipped.toArray(), [9]);
  assert.deepEqual(verifyDevnetWindowPoSt(p.Proofs[0]!.ProofBytes, expectedFor([3])), { ok: true });
  assert.deepEqual(f.poster.deadlines(MINER).find((r) => r.deadline === 7)!.skipped, { 0: [9] });
});

test("recoveries for deadline + 2 are declared before its fault cutoff for faulty sectors readable again", async () => {
  const f = fixture();
  f.partitions.set(10, [part([3])]);
  f.partitions.set(12, [part([3, 9], [9])]);
  f.setHeight(96);
  await f.poster.tick();
  const rec = f.pushed.find((m) => m.method === MinerMethod.DeclareFaultsRecovered)!;
  assert.ok(rec, "no DeclareFaultsRecovered");
  assert.equal(rec.uid, `${MINER}-recover-12-120-0`);
  const d = DeclareFaultsRecoveredParams.decode(rec.params);
  assert.deepEqual(d.Recoveries.map((r) => [r.Deadline, r.Partition, r.Sectors.toArray()]), [[12, 0, [9]]]);
  assert.ok(f.recorded.some((m) => m.uid === rec.uid));
});

test("several partitions: at most MaxPartitionsPerPoStMessage per message, uid of the first partition", async () => {
  const f = fixture({ cfg: (c) => (c.PoSt.MaxPartitionsPerPoStMessage = 1) });
  f.partitions.set(2, [part([3]), part([9])]);
  f.setHeight(16);
  await f.poster.tick();
  assert.deepEqual(f.pushed.map((m) => m.uid), [`${MINER}-2-20-0`, `${MINER}-2-20-1`]);
  const p1 = SubmitWindowedPoStParams.decode(f.pushed[1]!.params);
  assert.deepEqual(verifyDevnetWindowPoSt(p1.Proofs[0]!.ProofBytes, expectedFor([9])), { ok: true });
});

test("outside the devnet the deadline records that an external prover is needed and nothing is sent", async () => {
  const f = fixture({ devnet: false });
  f.partitions.set(5, [part([3])]);
  f.setHeight(46);
  await f.poster.tick();
  assert.equal(f.pushed.length, 0);
  const r = f.poster.deadlines(MINER).find((x) => x.deadline === 5)!;
  assert.equal(r.state, "failed");
  assert.equal(r.error, NO_PROVER_ERROR);
});

test("an empty deadline is a success with nothing to submit", async () => {
  const f = fixture();
  f.setHeight(46);
  await f.poster.tick();
  assert.equal(f.pushed.length, 0);
  assert.equal(f.poster.deadlines(MINER)[0]!.state, "empty");
});

test("threadVanillaProver computes the same proof off the event loop", async () => {
  const s = sectors.get(3)!;
  const input = { postProof: WINDOW_2K, minerId: MINER, randomness: BEACON, sectors: [{ sectorNumber: 3, sealedFile: s.sealedFile, cacheDir: s.cacheDir }] };
  const [a, b] = await Promise.all([threadVanillaProver(input), generateVanillaPoSt(input)]);
  assert.deepEqual(a, b);
  // The thread is kept and serves the next call; errors come back as rejections.
  assert.deepEqual(await threadVanillaProver(input), b);
  await assert.rejects(threadVanillaProver({ ...input, sectors: [{ sectorNumber: 3, sealedFile: join(dir, "none"), cacheDir: join(dir, "none") }] }), /vanilla PoSt: .*p_aux/);
});
