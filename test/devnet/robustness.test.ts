// "Nothing a client sends can crash or corrupt the chain" (issue 3, spec/devnet.md §3 "Errors"): a running
// `damocles-devnet run` process gets a bounded, seeded stream of garbage bodies, malformed and random params for
// every method of the namespaces it serves, and random CBOR params in miner messages signed by the worker key.
// Afterwards the process is alive, answers, still produces linked tipsets, and Devnet.Status agrees with the
// Lotus views. A failure prints the seed; FUZZ_SEED=<n> replays it.
import assert from "node:assert/strict";
import { test } from "node:test";
import { CID } from "multiformats/cid";
import { type ApiDef, wireName } from "../../src/api/define.js";
import { devnetAdminApi } from "../../src/api/devnet-admin.js";
import { gatewayApi } from "../../src/api/gateway.js";
import { lotusApi } from "../../src/api/lotus.js";
import { marketApi } from "../../src/api/market.js";
import { messagerApi } from "../../src/api/messager.js";
import { BitField } from "../../src/filecoin/bitfield.js";
import { type CborValue, encodeCbor } from "../../src/filecoin/cbor.js";
import { commDToCid, commRToCid } from "../../src/filecoin/cid.js";
import {
  DeclareFaultsParams,
  MinerMethod,
  PreCommitSectorBatchParams2,
  ProveCommitSectors3Params,
  ProveCommitSectorsNIParams,
  SubmitWindowedPoStParams,
  TerminateSectorsParams,
} from "../../src/filecoin/miner-params.js";
import { rpcClient } from "../../src/rpc/client.js";
import { initDevnetHome, spawnDevnet, until, waitHealthy } from "../helpers/devnet-process.js";
import { tempDir } from "../helpers/tmp.js";

const SEED = Number(process.env.FUZZ_SEED ?? 20261130);

/** mulberry32: a small seeded PRNG, so a failing run can be replayed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

test("random and malformed requests and miner messages neither crash nor corrupt a running devnet", { timeout: 120_000 }, async (t) => {
  const rnd = prng(SEED);
  const int = (n: number): number => Math.floor(rnd() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)]!;
  const bytes = (n: number): Uint8Array => Uint8Array.from({ length: n }, () => int(256));
  t.diagnostic(`FUZZ_SEED=${SEED}`);

  const dir = await tempDir(t, "devnet-fuzz-");
  const h = await initDevnetHome(dir, ["--block-time", "200ms", "--seed", "0f".repeat(32)]);
  const proc = spawnDevnet(t, ["run", "--home", dir]);
  await waitHealthy(h.port, proc);
  const url = `http://127.0.0.1:${h.port}`;
  const lotus = rpcClient(lotusApi, { url: `${url}/rpc/v1`, token: h.token });
  const admin = rpcClient(devnetAdminApi, { url: `${url}/rpc/v1`, token: h.token });
  t.after(() => {
    lotus.close();
    admin.close();
  });
  const worker = h.output.miners[0]!.worker;
  const head0 = await until(async () => {
    const hd = await lotus.ChainHead();
    return hd.Height >= 2 ? hd : null;
  }, "height 2");

  /** One POST; any HTTP answer is fine, a dropped connection is not. Slow calls (StateWaitMsg) are cut off. */
  const post = async (path: string, body: string, token: string | null = h.token): Promise<number> => {
    try {
      const res = await fetch(`${url}${path}`, {
        method: "POST",
        headers: { "Content-Type": "application/json", ...(token ? { Authorization: `Bearer ${token}` } : {}) },
        body,
        signal: AbortSignal.timeout(1500),
      });
      await res.arrayBuffer();
      return res.status;
    } catch (e) {
      if ((e as Error).name === "TimeoutError") return 0;
      throw new Error(`request to ${path} with ${body.slice(0, 200)} failed: ${String(e)}`, { cause: e });
    }
  };

  // ---- 1. garbage bodies ----
  const garbage = [
    "", "{", "null", "[]", "[1,2]", "42", '"x"', '{"jsonrpc":"2.0"}', '{"jsonrpc":"2.0","id":1}', '{"jsonrpc":"2.0","id":1,"method":5}',
    '{"jsonrpc":"2.0","id":1,"method":"Filecoin.ChainHead","params":{}}', '{"jsonrpc":"2.0","id":{},"method":"Filecoin.ChainHead","params":[]}',
    '{"jsonrpc":"2.0","id":1,"method":"Filecoin.ChainHead","params":[1,2,3,4,5,6,7,8,9]}', "\u0000\u0001\u0002", "[".repeat(5000) + "]".repeat(5000),
    `{"jsonrpc":"2.0","id":1,"method":"Filecoin.StateGetActor","params":["${"9".repeat(5000)}",null]}`,
  ];
  for (const body of garbage)
    for (const path of ["/rpc/v0", "/rpc/v1", "/rpc/v2", "/nowhere"]) await post(path, body);
  for (let i = 0; i < 20; i++) await post("/rpc/v1", Buffer.from(bytes(int(300))).toString("latin1"));
  assert.equal(await post("/rpc/v1", '{"jsonrpc":"2.0","id":1,"method":"Filecoin.ChainHead","params":[]}', "not-a-jwt"), 401);

  // ---- 2. random CBOR params in miner messages from the worker key ----
  const cid = (): CID => pick([commRToCid(Uint8Array.of(...bytes(31), 0)), commDToCid(Uint8Array.of(...bytes(31), 1)), head0.Cids[0]!]);
  const leaf = (): CborValue =>
    pick<() => CborValue>([
      () => int(300),
      () => -1 - int(1000),
      () => 2n ** 53n + BigInt(int(10)),
      () => (1n << 64n) - 1n,
      () => bytes(int(40)),
      () => "t01000",
      () => null,
      () => rnd() < 0.5,
      () => cid(),
    ])();
  const tree = (depth: number): CborValue => (depth <= 0 || rnd() < 0.4 ? leaf() : Array.from({ length: int(8) }, () => tree(depth - 1)));
  /** Replaces, drops or adds random parts of a well-formed value tree, so decoding gets past the first field. */
  const mutate = (v: CborValue, depth = 0): CborValue => {
    if (Array.isArray(v) && depth < 6) {
      const out = (v as CborValue[]).map((x) => (rnd() < 0.7 ? mutate(x, depth + 1) : x));
      if (rnd() < 0.1) out.pop();
      if (rnd() < 0.1) out.push(leaf());
      return out;
    }
    return rnd() < 0.3 ? leaf() : v;
  };
  const sealed = commRToCid(Uint8Array.of(...bytes(31), 0));
  const templates: Partial<Record<number, () => CborValue>> = {
    [MinerMethod.PreCommitSectorBatch2]: () =>
      PreCommitSectorBatchParams2.toValue({ Sectors: [{ SealProof: 5, SectorNumber: int(10), SealedCID: sealed, SealRandEpoch: 1, DealIDs: [], Expiration: 700_000, UnsealedCid: null }] }),
    [MinerMethod.ProveCommitSectors3]: () =>
      ProveCommitSectors3Params.toValue({
        SectorActivations: [{ SectorNumber: int(10), Pieces: [{ CID: commDToCid(Uint8Array.of(...bytes(31), 0)), Size: 2048, VerifiedAllocationKey: { Client: 102, ID: 1 }, Notify: [{ Address: Uint8Array.of(0, 5), Payload: Uint8Array.of(1) }] }] }],
        SectorProofs: [Uint8Array.of(...Buffer.from("DMDEVNET"), 1, 1, ...bytes(int(64)))],
        AggregateProof: new Uint8Array(0),
        AggregateProofType: null,
        RequireActivationSuccess: rnd() < 0.5,
        RequireNotificationSuccess: rnd() < 0.5,
      }),
    [MinerMethod.SubmitWindowedPoSt]: () =>
      SubmitWindowedPoStParams.toValue({
        Deadline: int(50),
        Partitions: [{ Index: int(3), Skipped: BitField.fromSet([int(5)]) }],
        Proofs: [{ PoStProof: 10, ProofBytes: bytes(int(100)) }],
        ChainCommitEpoch: int(5),
        ChainCommitRand: bytes(32),
      }),
    [MinerMethod.DeclareFaults]: () => DeclareFaultsParams.toValue({ Faults: [{ Deadline: int(50), Partition: int(2), Sectors: BitField.fromSet([int(5)]) }] }),
    [MinerMethod.TerminateSectors]: () => TerminateSectorsParams.toValue({ Terminations: [{ Deadline: int(50), Partition: int(2), Sectors: BitField.fromSet([int(5)]) }] }),
    [MinerMethod.ProveCommitSectorsNI]: () =>
      ProveCommitSectorsNIParams.toValue({
        Sectors: [{ SealingNumber: 20, SealerID: 1000, SealedCID: sealed, SectorNumber: 20, SealRandEpoch: 1, Expiration: 700_000 }],
        AggregateProof: bytes(int(80)),
        SealProofType: 15,
        AggregateProofType: 1,
        ProvingDeadline: int(48),
        RequireActivationSuccess: false,
      }),
  };
  const methods = [0, 5, 9, 10, 11, 16, 19, 28, 32, 34, 35, 36, 2, 99];
  const cids: CID[] = [];
  for (let i = 0; i < 60; i++) {
    const method = rnd() < 0.7 ? Number(pick(Object.keys(templates))) : pick(methods);
    const template = templates[method];
    const shape = rnd();
    // Well-formed with random values, mutated, random trees, or not CBOR at all.
    const params =
      shape < 0.1 ? bytes(int(200)) : encodeCbor(template && shape < 0.45 ? template() : template && shape < 0.8 ? mutate(template()) : tree(3));
    const sm = await lotus.MpoolPushMessage(
      { Version: 0, To: rnd() < 0.85 ? "t01000" : pick(["t05", "t099", "t0100"]), From: worker, Nonce: 0, Value: BigInt(pick([0, 0, 1, 2048])), GasLimit: 0, GasFeeCap: 0n, GasPremium: 0n, Method: method, Params: params },
      null,
    );
    cids.push(sm.CID!);
  }
  const receipts = await Promise.all(cids.map((c) => lotus.StateWaitMsg(c, 0, -1, true)));
  assert.equal(receipts.length, cids.length, "every message got a receipt");
  const codes = new Map<number, number>();
  for (const r of receipts) codes.set(r.Receipt.ExitCode, (codes.get(r.Receipt.ExitCode) ?? 0) + 1);
  t.diagnostic(`exit codes: ${JSON.stringify([...codes].sort((a, b) => a[0] - b[0]))}`);
  assert.doesNotMatch(proc.stderr(), /failed unexpectedly/, "no message hit a code path that threw outside the actor rules");

  // ---- 3. random and malformed params for every method of every namespace served ----
  const head = await lotus.ChainHead();
  const json = (depth: number): unknown =>
    depth <= 0 || rnd() < 0.5
      ? pick<() => unknown>([
          () => int(100),
          () => -int(100),
          () => 2 ** 60,
          () => 1.5,
          () => "",
          () => "t01000",
          () => "t0100",
          () => worker,
          () => "f0-1",
          () => "bafy2bzaceaaaa",
          () => Buffer.from(bytes(int(40))).toString("base64"),
          () => "9".repeat(30),
          () => null,
          () => true,
          () => ({ "/": head.Cids[0]!.toString() }),
          () => [{ "/": head.Cids[0]!.toString() }],
          () => [],
          () => ({}),
        ])()
      : rnd() < 0.5
        ? Array.from({ length: int(4) }, () => json(depth - 1))
        : Object.fromEntries(Array.from({ length: int(4) }, () => [pick(["Miner", "Number", "To", "From", "Value", "Method", "Params", "Id", "Payload", "Error", "MaxPiece"]), json(depth - 1)]));
  const served: [string, ApiDef][] = [["/rpc/v1", lotusApi], ["/rpc/v1", marketApi], ["/rpc/v1", devnetAdminApi], ["/rpc/v0", messagerApi], ["/rpc/v2", gatewayApi]];
  const calls: [string, string][] = [];
  for (let i = 0; i < 400; i++) {
    const [path, api] = pick(served);
    const name = pick(Object.keys(api.methods));
    const params = Array.from({ length: int(5) }, () => json(2));
    calls.push([path, JSON.stringify({ jsonrpc: "2.0", id: i, method: wireName(api, name), params })]);
  }
  for (let i = 0; i < calls.length; i += 25) await Promise.all(calls.slice(i, i + 25).map(([path, body]) => post(path, body)));

  // ---- 4. still alive, still producing, consistent ----
  assert.equal(proc.child.exitCode, null, `the daemon is alive: ${proc.stderr().slice(-2000)}`);
  await admin.ResumeBlocks(); // the fuzz may have paused production, delayed messages or queued failures
  await admin.DelayMessages(0, 0);
  const before = (await lotus.ChainHead()).Height;
  await until(async () => (await lotus.ChainHead()).Height >= before + 3, "three more tipsets after the fuzz");
  const sm = await lotus.MpoolPushMessage(
    { Version: 0, To: "t0102", From: worker, Nonce: 0, Value: 5n, GasLimit: 0, GasFeeCap: 0n, GasPremium: 0n, Method: 0, Params: new Uint8Array(0) },
    null,
  );
  assert.ok((await lotus.StateWaitMsg(sm.CID!, 0, -1, true)).Height > before, "a new message still executes");

  await admin.PauseBlocks();
  const top = await lotus.ChainHead();
  for (let hgt = top.Height; hgt > Math.max(0, top.Height - 30); hgt--) {
    const ts = await lotus.ChainGetTipSetByHeight(hgt, []);
    const parent = await lotus.ChainGetTipSetByHeight(hgt - 1, []);
    assert.deepEqual(ts.Blocks[0]!.Parents.map(String), parent.Cids.map(String), `tipset ${hgt} links to ${hgt - 1}`);
  }
  const status = await admin.Status();
  assert.equal(status.Height, top.Height);
  assert.equal(status.Paused, true);
  assert.equal(status.NetworkName, "damocles-devnet");
  const m = status.Miners.find((x) => x.Miner === "t01000")!;
  const power = await lotus.StateMinerPower("t01000", []);
  assert.equal(m.RawPower, power.MinerPower.RawBytePower);
  assert.equal(m.QAPower, power.MinerPower.QualityAdjPower);
  assert.equal(m.ActiveSectors, (await lotus.StateMinerActiveSectors("t01000", [])).length);
  assert.equal(m.FaultySectors, (await lotus.StateMinerFaults("t01000", [])).toArray().length);
  const allocated = (await lotus.StateMinerAllocated("t01000", [])).toArray();
  const pre = await Promise.all(allocated.map((n) => lotus.StateSectorPreCommitInfo("t01000", n, [])));
  assert.equal(m.PreCommits, pre.filter((x) => x !== null).length);
  await admin.ResumeBlocks();
  await until(async () => (await lotus.ChainHead()).Height > top.Height, "production after resume");
  proc.child.kill("SIGTERM");
  assert.equal(await proc.exited, 0, "a clean stop after all that");
});
