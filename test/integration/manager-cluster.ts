// A devnet and a damocles-manager as an operator runs them, for the daemon-level integration tests:
// `damocles-devnet init` (100 ms blocks, a short PreCommitChallengeDelay) and `run`, `damocles-manager daemon
// init`, a config pointing [Common.API].Chain at the devnet with a [[PersistStores]] dir and the miner's worker
// key as sender, `daemon run`, and a write token from `util auth create-token` (what a worker is given).
// Plus a scripted worker: the Rust damocles-worker's sealer calls (protocols.md §1.8) over HTTP JSON-RPC.
import assert from "node:assert/strict";
import { cp, mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { TestContext } from "node:test";
import type { ClientMethods } from "../../src/api/define.js";
import { lotusApi } from "../../src/api/lotus.js";
import { sealerApi, type SealerApi } from "../../src/api/sealer.js";
import { OnChainState, SubmitResult } from "../../src/api/sealer-types.js";
import { MinerMethod } from "../../src/filecoin/miner-params.js";
import { encodeDevnetPoRep } from "../../src/proofs/devnet-proof.js";
import { generateVanillaPoRep } from "../../src/proofs/porep-proof.js";
import { sealSector } from "../../src/proofs/seal.js";
import { rpcClient } from "../../src/rpc/client.js";
import { runCli } from "../helpers/cli.js";
import { freePort, initDevnetHome, until, waitHealthy } from "../helpers/devnet-process.js";
import { tempDir } from "../helpers/tmp.js";
import { spawnBin, type Proc } from "../manager/manager-fixture.js";

export const MINER = 1000;
export const MADDR = "t01000";
export const SEAL_PROOF = 5; // 2KiB V1_1
export const DELAY = 3; // PreCommitChallengeDelay on this devnet
export const STORE = "persist-1";

export interface BatchPolicy {
  threshold: number;
  maxWait: string;
  checkInterval: string;
}

export interface ManagerCluster {
  dir: string;
  worker: string;
  persistDir: string;
  lotus: ClientMethods<typeof lotusApi>;
  sealer: ClientMethods<SealerApi>;
  managerPort: number;
  manager(): Proc;
  /** Writes sector-manager.cfg with these batch policies (Pre, Prove). */
  configure(pre: BatchPolicy, prove: BatchPolicy): Promise<void>;
  /** Starts `daemon run` (again) on the same home and port and waits until it answers. */
  startManager(): Promise<Proc>;
  /** The worker's messages to the miner with `method`, on chain now: their params. */
  listed(method: number): Promise<Uint8Array[]>;
}

export interface ClusterOptions {
  /** Send through the devnet's sophon-messager subset (`[Common.API].Messager`) instead of MpoolPushMessage. */
  messager?: boolean;
}

export async function startManagerCluster(t: TestContext, pre: BatchPolicy, prove: BatchPolicy, opts: ClusterOptions = {}): Promise<ManagerCluster> {
  const procs: Proc[] = [];
  // Registered before the temporary directory so the daemons stop before their homes are removed.
  t.after(async () => {
    await Promise.all(procs.map((p) => p.kill()));
  });
  const dir = await tempDir(t, "manager-int-");
  const d = await initDevnetHome(join(dir, "devnet"), ["--block-time", "100ms", "--seed", "42".repeat(32), "--set", `pre_commit_challenge_delay=${DELAY}`]);
  const worker = d.output.miners[0]!.worker;
  const devnet = spawnBin("damocles-devnet", ["run", "--home", d.home]);
  procs.push(devnet);
  await waitHealthy(d.port, { child: devnet.child, stderr: devnet.stderr, exited: devnet.exited });
  const lotus = rpcClient(lotusApi, { url: d.rpcUrl, token: d.token, timeoutMs: 60_000 });
  t.after(() => lotus.close());

  const home = join(dir, "manager");
  const init = await runCli("damocles-manager", ["--home", home, "daemon", "init"]);
  assert.equal(init.code, 0, init.stderr);
  const persistDir = join(dir, "persist");
  await mkdir(persistDir, { recursive: true });
  const configure = async (p: BatchPolicy, q: BatchPolicy): Promise<void> => {
    const policy = (name: string, b: BatchPolicy): string[] => [
      `[Miners.Commitment.${name}]`,
      `Senders = ["${worker}"]`,
      `[Miners.Commitment.${name}.Batch]`,
      `Threshold = ${b.threshold}`,
      `MaxWait = "${b.maxWait}"`,
      `CheckInterval = "${b.checkInterval}"`,
    ];
    const text = [
      "[Common.API]",
      `Chain = "/ip4/127.0.0.1/tcp/${d.port}"`,
      `Token = "${d.token}"`,
      ...(opts.messager ? [`Messager = "/ip4/127.0.0.1/tcp/${d.port}"`] : []),
      "[[Common.PersistStores]]",
      `Name = "${STORE}"`,
      `Path = ${JSON.stringify(persistDir)}`,
      "[[Miners]]",
      `Actor = ${MINER}`,
      "[Miners.Sector]",
      "MaxNumber = 1000",
      "[Miners.Commitment]",
      "Confidence = 2",
      ...policy("Pre", p),
      ...policy("Prove", q),
    ].join("\n");
    await writeFile(join(home, "sector-manager.cfg"), `${text}\n`);
  };
  await configure(pre, prove);
  const managerPort = await freePort();
  let current: Proc | null = null;
  const startManager = async (): Promise<Proc> => {
    const m = spawnBin("damocles-manager", ["--home", home, "daemon", "run", "--listen", `127.0.0.1:${managerPort}`]);
    procs.push(m);
    current = m;
    await waitHealthy(managerPort, { child: m.child, stderr: m.stderr, exited: m.exited });
    return m;
  };
  await startManager();

  const tok = await runCli("damocles-manager", ["--home", home, "util", "--listen", `127.0.0.1:${managerPort}`, "auth", "create-token", "--perm", "write"]);
  assert.equal(tok.code, 0, tok.stderr);
  const sealer = rpcClient(sealerApi, { url: `http://127.0.0.1:${managerPort}/rpc/v0`, token: tok.stdout.trim(), timeoutMs: 60_000 });
  t.after(() => sealer.close());

  const listed = async (method: number): Promise<Uint8Array[]> => {
    const cids = await lotus.StateListMessages({ To: MADDR, From: worker }, [], 0);
    const out: Uint8Array[] = [];
    for (const c of cids) {
      const m = await lotus.ChainGetMessage(c);
      if (m.Method === method) out.push(m.Params);
    }
    return out;
  };
  return { dir, worker, persistDir, lotus, sealer, managerPort, manager: () => current!, configure, startManager, listed };
}

export interface SealedSector {
  number: number;
  ticket: { Ticket: Uint8Array; Epoch: number };
  commD: Uint8Array;
  commR: Uint8Array;
  cacheDir: string;
  sealedFile: string;
}

const sid = (n: number) => ({ Miner: MINER, Number: n });
const allocated = (n: number) => ({ ID: sid(n), ProofType: SEAL_PROOF });

/** Allocated → DealsAcquired → TicketAssigned → PC2Done: the worker's first calls and the sealing maths. */
export async function sealUpToPc2(c: ManagerCluster, state: (n: number, next: string) => Promise<void>): Promise<SealedSector> {
  const a = await c.sealer.AllocateSector({ AllowedMiners: null, AllowedProofTypes: null });
  assert.ok(a, "AllocateSector gave a sector");
  assert.equal(a.ProofType, SEAL_PROOF);
  const n = a.ID.Number;
  await state(n, "Allocated");
  const deals = await c.sealer.AcquireDeals(sid(n), { MaxDeals: null, MinUsedSpace: null });
  assert.ok(deals === null || deals.length === 0, "no market: CC only");
  await state(n, "DealsAcquired");
  const ticket = await c.sealer.AssignTicket(sid(n));
  await state(n, "TicketAssigned");
  const empty = join(c.dir, "empty");
  await writeFile(empty, new Uint8Array(0));
  const s = await sealSector({ sealProofId: SEAL_PROOF, minerId: MINER, sectorNumber: n, ticket: ticket.Ticket, inputPath: empty, storeDir: join(c.dir, "sealing"), parentCacheDir: join(c.dir, "parents") });
  await state(n, "PC2Done");
  return { number: n, ticket, commD: s.commD, commR: s.commR, cacheDir: s.paths.cacheDir, sealedFile: s.paths.sealed };
}

export async function submitPreCommit(c: ManagerCluster, s: SealedSector): Promise<void> {
  const r = await c.sealer.SubmitPreCommit(allocated(s.number), { CommR: s.commR, CommD: s.commD, Ticket: s.ticket }, false);
  assert.equal(r.Res, SubmitResult.Accepted, r.Desc ?? "");
}

/** Polls a state method until Landed; Pending/Packed keep polling, anything else fails. */
export async function pollLanded(what: string, fn: () => Promise<{ State: number; Desc: string | null }>, timeoutMs = 90_000): Promise<void> {
  await until(async () => {
    const r = await fn();
    if (r.State !== OnChainState.Landed && r.State !== OnChainState.Pending && r.State !== OnChainState.Packed) throw new Error(`${what}: state ${r.State} (${r.Desc})`);
    return r.State === OnChainState.Landed;
  }, what, timeoutMs, 100).catch((e: unknown) => {
    throw new Error(String(e)); // `until` swallows thrown errors until the timeout; the last one is in the message
  });
}

/** PCLanded → Persisted → … → Finished: persist, seed, proof, commit, finalize. */
export async function finishSector(c: ManagerCluster, s: SealedSector, state: (n: number, next: string) => Promise<void>): Promise<void> {
  const n = s.number;
  const info = await c.sealer.StoreReserveSpace(sid(n), 2048 * 2, [STORE]);
  assert.ok(info, "StoreReserveSpace names a store");
  assert.equal(info.Name, STORE);
  const name = `s-t0${MINER}-${n}`;
  await cp(s.sealedFile, join(info.Path, "sealed", name));
  await cp(s.cacheDir, join(info.Path, "cache", name), { recursive: true, dereference: true });
  await state(n, "Persisted");
  assert.equal(await c.sealer.SubmitPersistedEx(sid(n), info.Name, false), true, "SubmitPersistedEx accepts the persisted files");
  await state(n, "PersistanceSubmitted");
  const seed = await until(async () => {
    const w = await c.sealer.WaitSeed(sid(n), SEAL_PROOF);
    return w.ShouldWait ? null : w.Seed;
  }, `seed of sector ${n}`, 60_000, 100);
  await state(n, "SeedAssigned");
  const vp = await generateVanillaPoRep({ sealProof: SEAL_PROOF, minerId: MINER, sectorNumber: n, ticket: s.ticket.Ticket, seed: seed.Seed, commD: s.commD, commR: s.commR, cacheDir: s.cacheDir, sealedFile: s.sealedFile });
  await state(n, "C2Done");
  const r = await c.sealer.SubmitProof(sid(n), { Proof: encodeDevnetPoRep(vp) }, false);
  assert.equal(r.Res, SubmitResult.Accepted, r.Desc ?? "");
  await state(n, "ProofSubmitted");
}

export const PRE_METHOD = MinerMethod.PreCommitSectorBatch2;
export const PROVE_METHOD = MinerMethod.ProveCommitSectors3;
