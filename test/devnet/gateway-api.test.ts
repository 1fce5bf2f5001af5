// Gateway proof events over a real RPC server and WebSocket, and the WinningPoSt round with a real sealed
// 2KiB sector: the elected miner's listener gets ComputeProof, answers with a kind-3 proof, and the round
// names it only when the proof verifies in time. The chain side is a small stand-in holding one miner state
// (the round reads only minerIds, minerState, beaconEntry and the kv store).
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import type { AddressInfo } from "node:net";
import {
  ComputeProofRequest,
  ComputeProofResponse,
  ConnectedCompleted,
  type RequestEvent,
  decodeEventPayload,
  encodeEventPayload,
  gatewayApi,
} from "../../src/api/gateway.js";
import { newMinerState, newPartition, type MinerState } from "../../src/devnet/actors/miner-state.js";
import type { JsonValue, Round } from "../../src/devnet/chain.js";
import { winningChallengeRandomness } from "../../src/devnet/election.js";
import { ProofEventHub, type WinningChain, createGatewayApi, runWinningRound, winningStats } from "../../src/devnet/gateway-api.js";
import { BitField } from "../../src/filecoin/bitfield.js";
import { commRToCid } from "../../src/filecoin/cid.js";
import { DEVNET_POLICY } from "../../src/filecoin/policy.js";
import { beaconDigest } from "../../src/filecoin/randomness.js";
import { encodeDevnetWinningPoSt } from "../../src/proofs/devnet-proof.js";
import { generateVanillaPoSt } from "../../src/proofs/post.js";
import { sealSector } from "../../src/proofs/seal.js";
import { implement, createRpcServer, type RpcServer } from "../../src/rpc/server.js";
import { rpcClient, type RpcClient } from "../../src/rpc/client.js";
import { RpcError } from "../../src/rpc/errors.js";

const sha256 = (s: string) => new Uint8Array(createHash("sha256").update(s).digest());
const MINER = 1000;

let dir = "";
let sector: { number: number; cacheDir: string; sealedFile: string; commR: Uint8Array };
let state: MinerState;
let server: RpcServer;
let url = "";
const hub = new ProofEventHub();
const kv = new Map<string, JsonValue>();

const chain: WinningChain & { resolveId(a: string | Uint8Array): number | null } = {
  minerIds: () => [MINER],
  minerState: (id) => (id === MINER ? state : null),
  beaconEntry: (e) => ({ round: e, data: sha256(`beacon ${e}`) }),
  kvGet: (ns, k) => kv.get(`${ns}/${k}`),
  kvPut: (ns, k, v) => void (v === null ? kv.delete(`${ns}/${k}`) : kv.set(`${ns}/${k}`, v)),
  onHeadChange: () => () => {},
  onRoundStart: () => () => {},
  resolveId: (a) => (a === "t01000" ? MINER : a === "t0100" ? 100 : null),
};

before(async () => {
  dir = await mkdtemp(join(os.tmpdir(), "damocles-gateway-"));
  const payload = join(dir, "payload");
  await writeFile(payload, sha256("winning payload"));
  const o = await sealSector({
    sealProofId: 5, minerId: MINER, sectorNumber: 4, ticket: sha256("ticket"), inputPath: payload,
    storeDir: join(dir, "store"), parentCacheDir: join(dir, "parents"),
  });
  sector = { number: 4, cacheDir: o.paths.cacheDir, sealedFile: o.paths.sealed, commR: o.commR };
  state = newMinerState({ id: MINER, owner: 100, worker: 101, sealProofType: 5, epoch: 0, policy: DEVNET_POLICY });
  state.Sectors.set(4, {
    SectorNumber: 4, SealProof: 5, SealedCID: commRToCid(o.commR), DeprecatedDealIDs: [], Activation: 1, Expiration: 600_000,
    DealWeight: 0n, VerifiedDealWeight: 0n, InitialPledge: 2048n, ExpectedDayReward: null, ExpectedStoragePledge: null,
    PowerBaseEpoch: 1, ReplacedDayReward: null, SectorKeyCID: null, Flags: 1, DailyFee: 0n,
  });
  state.Deadlines[3]!.Partitions.push({ ...newPartition(), Sectors: BitField.fromSet([4]) });
  server = createRpcServer({ routes: [{ path: "/rpc/v2", apis: [implement(gatewayApi, createGatewayApi({ hub, chain: { resolveId: chain.resolveId, minerState: chain.minerState } }))] }] });
  const { port } = await server.listen("127.0.0.1", 0);
  url = `ws://127.0.0.1:${port}/rpc/v2`;
  void ({} as AddressInfo);
});
after(async () => {
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

const roundAt = (epoch: number, ms = 20_000): Round & { controller: AbortController } => {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), ms).unref();
  controller.signal.addEventListener("abort", () => clearTimeout(timer));
  return { epoch, signal: controller.signal, endsAt: Date.now() + ms, controller };
};

/** A miner-side listener: reads events and answers ComputeProof with `answer`. */
async function listen(client: RpcClient<typeof gatewayApi>, answer: (ev: RequestEvent, req: ComputeProofRequest) => Promise<void>) {
  const events = await client.ListenProofEvent({ MinerAddress: "t01000" });
  const it = events[Symbol.asyncIterator]();
  const first = await it.next();
  assert.equal(first.value.Method, "InitConnect");
  assert.match(decodeEventPayload(ConnectedCompleted, first.value.Payload).ChannelId, /^[0-9a-f-]{36}$/);
  const served: ComputeProofRequest[] = [];
  const loop = (async () => {
    for (;;) {
      const n = await it.next().catch(() => ({ done: true as const, value: undefined }));
      if (n.done) return;
      assert.equal(n.value.Method, "ComputeProof");
      const req = decodeEventPayload(ComputeProofRequest, n.value.Payload);
      served.push(req);
      // the client may close while its answer's reply is on the way (the round settles first)
      await answer(n.value, req).catch(() => {});
    }
  })();
  return { served, loop };
}

async function winningProof(req: ComputeProofRequest): Promise<Uint8Array> {
  const vp = await generateVanillaPoSt({
    postProof: 0, minerId: MINER, randomness: req.Rand,
    sectors: [{ sectorNumber: req.SectorInfos[0]!.SectorNumber, cacheDir: sector.cacheDir, sealedFile: sector.sealedFile }],
  });
  return encodeDevnetWinningPoSt(vp);
}

const ok = (proof: Uint8Array, type = 0) => ({ Payload: encodeEventPayload(ComputeProofResponse, [{ PoStProof: type, ProofBytes: proof }]), Error: "" });

test("round: the elected miner proves its challenged sector with a kind-3 proof and wins; bad answers miss", async (t) => {
  const client = rpcClient(gatewayApi, { url });
  t.after(() => client.close());
  let mode: "good" | "corrupt" | "wrong-type" | "error" | "silent" = "good";
  const { served } = await listen(client, async (ev, req) => {
    if (mode === "silent") return;
    if (mode === "error") return void (await client.ResponseProofEvent({ Id: ev.Id, Payload: null, Error: "disk on fire" }));
    const proof = await winningProof(req);
    if (mode === "corrupt") proof[200]! ^= 1;
    await client.ResponseProofEvent({ Id: ev.Id, ...ok(proof, mode === "wrong-type" ? 1 : 0) });
  });
  for (let i = 0; hub.listenerCount(MINER) === 0 && i < 100; i++) await new Promise((r) => setTimeout(r, 10));

  const won = await runWinningRound(chain, hub, roundAt(12));
  assert.deepEqual(won, { winner: { minerId: MINER }, elected: MINER });
  const req = served.at(-1)!;
  assert.deepEqual(req.SectorInfos.map((s) => [s.SealProof, s.SectorNumber, s.SectorKey, s.SealedCID.toString()]), [[5, 4, null, commRToCid(sector.commR).toString()]]);
  assert.deepEqual(req.Rand, winningChallengeRandomness(beaconDigest(sha256("beacon 12")), 12, MINER));
  assert.equal(req.Height, 12);
  assert.equal(req.NWVersion, 28);

  for (const m of ["corrupt", "wrong-type", "error"] as const) {
    mode = m;
    const r = await runWinningRound(chain, hub, roundAt(13));
    assert.equal(r.winner, null, m);
    assert.equal(r.elected, MINER);
  }
  mode = "silent";
  const late = await runWinningRound(chain, hub, roundAt(14, 300));
  assert.equal(late.winner, null);
  assert.match(late.reason!, /round ended/);
  assert.equal(winningStats(chain, MINER).missed, 4);
});

test("ResponseProofEvent: an unknown or already settled Id is code 1", async (t) => {
  const client = rpcClient(gatewayApi, { url });
  t.after(() => client.close());
  const bogus = { Id: "3b241101-e2bb-4255-8caf-4136c566a962", Payload: null, Error: "x" };
  await assert.rejects(client.ResponseProofEvent(bogus), (e: unknown) => e instanceof RpcError && e.code === 1 && /no pending/.test(e.message));
  let id = "";
  await listen(client, async (ev, req) => {
    id = ev.Id;
    await client.ResponseProofEvent({ Id: ev.Id, ...ok(await winningProof(req)) });
  });
  // the listener of the previous test closed with its client; this one is now the longest connected
  const r = await runWinningRound(chain, hub, roundAt(20));
  assert.equal(r.winner?.minerId, MINER);
  await assert.rejects(client.ResponseProofEvent({ Id: id, Payload: null, Error: "late" }), (e: unknown) => e instanceof RpcError && e.code === 1);
});

test("each request goes to the longest-connected listener; a closed channel drops out; non-miners are refused", async (t) => {
  const first = rpcClient(gatewayApi, { url });
  const second = rpcClient(gatewayApi, { url });
  t.after(() => second.close());
  const calls: string[] = [];
  const answer = (name: string, c: RpcClient<typeof gatewayApi>) => async (ev: RequestEvent, req: ComputeProofRequest) => {
    calls.push(name);
    await c.ResponseProofEvent({ Id: ev.Id, ...ok(await winningProof(req)) });
  };
  // wait until earlier tests' listeners have gone
  for (let i = 0; hub.listenerCount(MINER) > 0 && i < 200; i++) await new Promise((r) => setTimeout(r, 10));
  await listen(first, answer("first", first));
  await listen(second, answer("second", second));
  assert.equal(hub.listenerCount(MINER), 2);
  assert.equal((await runWinningRound(chain, hub, roundAt(30))).winner?.minerId, MINER);
  await first.close();
  for (let i = 0; hub.listenerCount(MINER) > 1 && i < 200; i++) await new Promise((r) => setTimeout(r, 10));
  assert.equal(hub.listenerCount(MINER), 1);
  assert.equal((await runWinningRound(chain, hub, roundAt(31))).winner?.minerId, MINER);
  assert.deepEqual(calls, ["first", "second"]);
  await assert.rejects(
    (async () => {
      const ch = await second.ListenProofEvent({ MinerAddress: "t0100" });
      for await (const _ of ch) break;
    })(),
    (e: unknown) => e instanceof RpcError && e.code === 1 && /not a miner/.test(e.message),
  );
});

test("no listener: nobody is eligible and the round has no winner", async () => {
  const lonely = new ProofEventHub();
  assert.deepEqual(await runWinningRound(chain, lonely, roundAt(40)), { winner: null, elected: null });
});
