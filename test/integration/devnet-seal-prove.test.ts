// An operator's first hour on the devnet, with real processes: `damocles-devnet init` and `run` (100 ms
// blocks, a 4-epoch challenge window), two 2KiB CC sectors sealed with the proofs library on a ticket drawn
// through the API, pre-committed and prove-committed from the worker key, then sector 1 proven by
// SubmitWindowedPoSt in two consecutive proving periods while sector 2 is left unproven and turns faulty.
import assert from "node:assert/strict";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import { devnetAdminApi } from "../../src/api/devnet-admin.js";
import { lotusApi, type Message } from "../../src/api/lotus.js";
import { minerEntropy } from "../../src/filecoin/address.js";
import { BitField } from "../../src/filecoin/bitfield.js";
import { commRToCid } from "../../src/filecoin/cid.js";
import {
  MinerMethod,
  PreCommitSectorBatchParams2,
  ProveCommitSectors3Params,
  SubmitWindowedPoStParams,
} from "../../src/filecoin/miner-params.js";
import { DomainSeparationTag } from "../../src/filecoin/randomness.js";
import { encodeDevnetPoRep, encodeDevnetWindowPoSt } from "../../src/proofs/devnet-proof.js";
import { generateVanillaPoRep } from "../../src/proofs/porep-proof.js";
import { generateVanillaPoSt } from "../../src/proofs/post.js";
import { sealSector, type SealSectorOutput } from "../../src/proofs/seal.js";
import { rpcClient } from "../../src/rpc/client.js";
import { initDevnetHome, spawnDevnet, until, waitHealthy } from "../helpers/devnet-process.js";
import { tempDir } from "../helpers/tmp.js";

const MINER = 1000;
const MADDR = "t01000";
const SEAL_PROOF = 5; // 2KiB V1_1
const WINDOW_POST_PROOF = 10;
const PRE_COMMIT_CHALLENGE_DELAY = 3;

test("devnet: seal two 2KiB sectors, pre-commit, prove-commit, WindowPoSt in two consecutive periods, a skipped sector turns faulty", { timeout: 150_000 }, async (t) => {
  const dir = await tempDir(t, "devnet-seal-prove-");
  const home = join(dir, "devnet");
  const profile = ["wpost_challenge_window=4", "wpost_challenge_lookback=1", "fault_declaration_cutoff=2", `pre_commit_challenge_delay=${PRE_COMMIT_CHALLENGE_DELAY}`];
  const init = await initDevnetHome(home, ["--block-time", "100ms", "--seed", "42".repeat(32), ...profile.flatMap((s) => ["--set", s])]);
  const worker = init.output.miners[0]!.worker;
  const devnet = spawnDevnet(t, ["run", "--home", home]);
  await waitHealthy(init.port, devnet);
  const api = rpcClient(lotusApi, { url: init.rpcUrl, token: init.token, timeoutMs: 60_000 });
  const admin = rpcClient(devnetAdminApi, { url: init.rpcUrl, token: init.token });
  t.after(async () => {
    await api.close();
    await admin.close();
  });
  const entropy = minerEntropy(MINER);
  const send = async (method: number, params: Uint8Array, value: bigint): Promise<void> => {
    const msg: Message = { Version: 0, To: MADDR, From: worker, Nonce: 0, Value: value, GasLimit: 0, GasFeeCap: 0n, GasPremium: 0n, Method: method, Params: params };
    const sm = await api.MpoolPushMessage(msg, null);
    const lookup = await api.StateWaitMsg(sm.CID!, 0, -1, true);
    assert.equal(lookup.Receipt.ExitCode, 0, `method ${method} at height ${lookup.Height}`);
  };

  // ---- ticket and seal (committed capacity: an empty payload is zero-filled) ----
  const head0 = await api.ChainHead();
  const sealRandEpoch = Math.max(0, head0.Height - 900);
  const ticket = await api.StateGetRandomnessFromTickets(DomainSeparationTag.SealRandomness, sealRandEpoch, entropy, []);
  const empty = join(dir, "empty");
  await writeFile(empty, new Uint8Array(0));
  const sealed = new Map<number, SealSectorOutput>();
  for (const n of [1, 2])
    sealed.set(n, await sealSector({ sealProofId: SEAL_PROOF, minerId: MINER, sectorNumber: n, ticket, inputPath: empty, storeDir: join(dir, "store"), parentCacheDir: join(dir, "parents") }));

  // ---- pre-commit both (method 28) with the deposit the API quotes ----
  const head1 = await api.ChainHead();
  const policy = await api.StateGetNetworkParams();
  assert.equal(policy.PreCommitChallengeDelay, PRE_COMMIT_CHALLENGE_DELAY);
  const expiration = head1.Height + 86_400 + PRE_COMMIT_CHALLENGE_DELAY + 518_400 + 10_000;
  const infos = [1, 2].map((n) => ({
    SealProof: SEAL_PROOF,
    SectorNumber: n,
    SealedCID: commRToCid(sealed.get(n)!.commR),
    SealRandEpoch: sealRandEpoch,
    DealIDs: [],
    Expiration: expiration,
    UnsealedCid: null,
  }));
  let deposit = 0n;
  for (const info of infos) deposit += await api.StateMinerPreCommitDepositForPower(MADDR, info, []);
  await send(MinerMethod.PreCommitSectorBatch2, PreCommitSectorBatchParams2.encode({ Sectors: infos }), deposit);
  const pc = await api.StateSectorPreCommitInfo(MADDR, 1, []);
  assert.ok(pc, "sector 1 is pre-committed");
  assert.equal(await api.StateMinerSectorAllocated(MADDR, 2, []), true);

  // ---- seed, C1 + C2 (devnet proof), prove-commit (method 34) ----
  const seedEpoch = pc.PreCommitEpoch + PRE_COMMIT_CHALLENGE_DELAY;
  await until(async () => (await api.ChainHead()).Height >= seedEpoch, `head ≥ seed epoch ${seedEpoch}`);
  const seed = await api.StateGetRandomnessFromBeacon(DomainSeparationTag.InteractiveSealChallengeSeed, seedEpoch, entropy, []);
  const proofs: Uint8Array[] = [];
  for (const n of [1, 2]) {
    const s = sealed.get(n)!;
    const vp = await generateVanillaPoRep({ sealProof: SEAL_PROOF, minerId: MINER, sectorNumber: n, ticket, seed, commD: s.commD, commR: s.commR, cacheDir: s.paths.cacheDir, sealedFile: s.paths.sealed });
    proofs.push(encodeDevnetPoRep(vp));
  }
  const pledge = 2n * (await api.StateMinerInitialPledgeForSector(expiration - seedEpoch, 2048, 0, []));
  await send(
    MinerMethod.ProveCommitSectors3,
    ProveCommitSectors3Params.encode({
      SectorActivations: [1, 2].map((n) => ({ SectorNumber: n, Pieces: [] })),
      SectorProofs: proofs,
      AggregateProof: new Uint8Array(0),
      AggregateProofType: null,
      RequireActivationSuccess: true,
      RequireNotificationSuccess: false,
    }),
    pledge,
  );
  assert.ok(await api.StateSectorGetInfo(MADDR, 1, []), "sector 1 is on chain");
  assert.ok(await api.StateSectorGetInfo(MADDR, 2, []), "sector 2 is on chain");
  const loc1 = await api.StateSectorPartition(MADDR, 1, []);
  const loc2 = await api.StateSectorPartition(MADDR, 2, []);

  // ---- WindowPoSt for sector 1 in two consecutive periods; sector 2 is never proven ----
  const s1 = sealed.get(1)!;
  const proveAt = async (open: number): Promise<void> => {
    const dl0 = await api.StateMinerProvingDeadline(MADDR, []);
    const close = open + dl0.WPoStChallengeWindow;
    const challenge = open - dl0.WPoStChallengeLookback;
    await until(async () => (await api.ChainHead()).Height >= open - 1, `head ≥ ${open - 1}`, 60_000, 20);
    // Hold production while the proof is made, so the message lands inside the 4-epoch window.
    await admin.PauseBlocks();
    try {
      const head = (await api.ChainHead()).Height;
      assert.ok(head < close - 1, `deadline at ${open} still open at head ${head}`);
      const parts = await api.StateMinerPartitions(MADDR, loc1.Deadline, []);
      const part = parts[loc1.Partition]!;
      const skipped = part.AllSectors.subtract(part.FaultySectors).subtract(BitField.fromSet([1]));
      const randomness = await api.StateGetRandomnessFromBeacon(DomainSeparationTag.WindowedPoStChallengeSeed, challenge, entropy, []);
      const vp = await generateVanillaPoSt({ postProof: WINDOW_POST_PROOF, minerId: MINER, randomness, sectors: [{ sectorNumber: 1, cacheDir: s1.paths.cacheDir, sealedFile: s1.paths.sealed }] });
      const chainCommitRand = await api.StateGetRandomnessFromTickets(DomainSeparationTag.PoStChainCommit, challenge, new Uint8Array(0), []);
      const params = SubmitWindowedPoStParams.encode({
        Deadline: loc1.Deadline,
        Partitions: [{ Index: loc1.Partition, Skipped: skipped }],
        Proofs: [{ PoStProof: WINDOW_POST_PROOF, ProofBytes: encodeDevnetWindowPoSt(vp) }],
        ChainCommitEpoch: challenge,
        ChainCommitRand: chainCommitRand,
      });
      const msg: Message = { Version: 0, To: MADDR, From: worker, Nonce: 0, Value: 0n, GasLimit: 0, GasFeeCap: 0n, GasPremium: 0n, Method: MinerMethod.SubmitWindowedPoSt, Params: params };
      const sm = await api.MpoolPushMessage(msg, null);
      await admin.ResumeBlocks();
      const lookup = await api.StateWaitMsg(sm.CID!, 0, -1, true);
      assert.equal(lookup.Receipt.ExitCode, 0, `WindowPoSt for the deadline opening at ${open}`);
      assert.ok(lookup.Height - 1 < close, "included while the deadline was open");
    } finally {
      await admin.ResumeBlocks();
    }
  };
  const dl = await api.StateMinerProvingDeadline(MADDR, []);
  let open = dl.PeriodStart + loc1.Deadline * dl.WPoStChallengeWindow;
  while (open + dl.WPoStChallengeWindow - 1 <= dl.CurrentEpoch + 1) open += dl.WPoStProvingPeriod; // next occurrence with room to submit
  await proveAt(open);
  const afterFirst = (await api.StateMinerPartitions(MADDR, loc1.Deadline, []))[loc1.Partition]!;
  assert.ok(afterFirst.ActiveSectors.has(1), "sector 1 is active after its first WindowPoSt");
  await proveAt(open + dl.WPoStProvingPeriod);
  const close2 = open + dl.WPoStProvingPeriod + dl.WPoStChallengeWindow;
  await until(async () => (await api.ChainHead()).Height > close2, `head past ${close2}`);
  const p1 = (await api.StateMinerPartitions(MADDR, loc1.Deadline, []))[loc1.Partition]!;
  assert.ok(p1.ActiveSectors.has(1), "sector 1 still active after the second period");
  assert.ok(!p1.FaultySectors.has(1), "sector 1 never faulty");

  // Sector 2: skipped in its partition's PoSt, or in a deadline nobody proved; either way faulty by now.
  const d2 = await api.StateMinerProvingDeadline(MADDR, []);
  let close2nd = d2.PeriodStart + loc2.Deadline * d2.WPoStChallengeWindow + d2.WPoStChallengeWindow;
  if (close2nd > d2.CurrentEpoch) close2nd -= d2.WPoStProvingPeriod;
  const p2 = (await api.StateMinerPartitions(MADDR, loc2.Deadline, []))[loc2.Partition]!;
  assert.ok(p2.FaultySectors.has(2), `sector 2 is faulty (deadline ${loc2.Deadline} closed at ${close2nd})`);
  assert.ok((await api.StateMinerFaults(MADDR, [])).has(2));
  assert.equal((await api.StateMinerPower(MADDR, [])).MinerPower.RawBytePower, 2048n, "only sector 1 has power");

  devnet.child.kill("SIGTERM");
  assert.equal(await devnet.exited, 0);
});
