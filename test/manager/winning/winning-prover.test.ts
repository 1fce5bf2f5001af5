import assert from "node:assert/strict";
import { createHash, randomUUID } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { ComputeProofRequest, ComputeProofResponse, decodeEventPayload, encodeEventPayload, type RequestEvent, type ResponseEvent } from "../../../src/api/gateway.js";
import { commRToCid } from "../../../src/filecoin/cid.js";
import { generateVanillaPoSt, verifyDevnetWinningPoSt } from "../../../src/proofs/post.js";
import { sealSector } from "../../../src/proofs/seal.js";
import { defaultMinerConfig } from "../../../src/manager/config/schema.js";
import { createLogger } from "../../../src/manager/logger.js";
import { createWinningProver, type GatewayClient } from "../../../src/manager/winning/winning-prover.js";

const sha256 = (b: string): Uint8Array => new Uint8Array(createHash("sha256").update(b).digest());
const MINER = 1000;
const WINNING_2K = 0;
let dir = "";
let sector: { commR: Uint8Array; sealedFile: string; cacheDir: string } = { commR: new Uint8Array(), sealedFile: "", cacheDir: "" };

before(async () => {
  dir = await mkdtemp(join(os.tmpdir(), "damocles-winning-"));
  const payload = join(dir, "payload");
  await writeFile(payload, sha256("payload"));
  const o = await sealSector({ sealProofId: 5, minerId: MINER, sectorNumber: 4, ticket: sha256("t"), inputPath: payload, storeDir: join(dir, "store"), parentCacheDir: join(dir, "parents") });
  sector = { commR: o.commR, sealedFile: o.paths.sealed, cacheDir: o.paths.cacheDir };
});
after(() => rm(dir, { recursive: true, force: true }));

const RAND = sha256("winning rand");
const computeProof = (sectorNumber: number): RequestEvent => ({
  Id: randomUUID(),
  Method: "ComputeProof",
  Payload: encodeEventPayload(ComputeProofRequest, {
    SectorInfos: [{ SealProof: 5, SectorNumber: sectorNumber, SectorKey: null, SealedCID: commRToCid(sector.commR) }],
    Rand: RAND,
    Height: 77,
    NWVersion: 24,
  }),
});

function fixture(devnet = true, events: RequestEvent[][] = []) {
  const responses: ResponseEvent[] = [];
  let listens = 0;
  const gateway: GatewayClient = {
    ListenProofEvent: async () => {
      const batch = events[listens++] ?? [];
      return (async function* () {
        for (const e of batch) yield e;
      })();
    },
    ResponseProofEvent: async (r: ResponseEvent) => void responses.push(r),
  } as unknown as GatewayClient;
  const cfg = defaultMinerConfig(MINER);
  cfg.Proof.Enabled = true;
  const prover = createWinningProver({
    gateway,
    miners: () => [cfg],
    locate: async (_m, n) => (n === 4 ? { sealedFile: sector.sealedFile, cacheDir: sector.cacheDir } : null),
    network: () => ({ devnet }),
    clock: { sleep: (ms, signal) => new Promise((r, j) => (signal?.aborted ? j(signal.reason) : setTimeout(r, Math.min(ms, 5)))) },
    logger: createLogger({ level: "error" }),
    prover: (i) => generateVanillaPoSt(i),
  });
  return { prover, responses, listens: () => listens };
}

test("ComputeProof is answered with a kind-3 proof of the challenged sector", async () => {
  const f = fixture();
  const ev = computeProof(4);
  await f.prover.handle(MINER, ev);
  assert.equal(f.responses.length, 1);
  const r = f.responses[0]!;
  assert.equal(r.Id, ev.Id);
  assert.equal(r.Error, "");
  const proofs = decodeEventPayload(ComputeProofResponse, r.Payload!);
  assert.equal(proofs.length, 1);
  assert.equal(proofs[0]!.PoStProof, WINNING_2K);
  assert.deepEqual(
    verifyDevnetWinningPoSt(proofs[0]!.ProofBytes, { postProof: WINNING_2K, minerId: MINER, randomness: RAND, sector: { sectorNumber: 4, commR: sector.commR } }),
    { ok: true },
  );
  assert.deepEqual(f.prover.counts, { proved: 1, failed: 0 });
});

test("an unknown sector or a non-devnet chain is answered with Error and no payload", async () => {
  const f = fixture();
  await f.prover.handle(MINER, computeProof(99));
  assert.equal(f.responses[0]!.Payload, null);
  assert.match(f.responses[0]!.Error, /sector 99/);
  const g = fixture(false);
  await g.prover.handle(MINER, computeProof(4));
  assert.match(g.responses[0]!.Error, /external winning_post processor/);
});

test("the listener answers events and re-opens the channel when it ends", async () => {
  const f = fixture(true, [[{ Id: randomUUID(), Method: "InitConnect", Payload: new Uint8Array(0) }, computeProof(4)], []]);
  f.prover.start();
  const deadline = Date.now() + 10_000;
  while ((f.responses.length < 1 || f.listens() < 2) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  await f.prover.stop();
  assert.equal(f.responses.length, 1);
  assert.equal(f.responses[0]!.Error, "");
  assert.ok(f.listens() >= 2, `ListenProofEvent called ${f.listens()} times`);
});
