import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdir, readFile, readdir, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import { runCli, type CliRun } from "../../helpers/cli.js";
import { tempDir } from "../../helpers/tmp.js";
import { loadVector } from "../../helpers/vectors.js";

const worker = (args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliRun> => runCli("damocles-worker", args, { env });

const vector = loadVector("seal-2k.json") as {
  cases: Array<{ name: string; proof: number; miner: number; sector: number; ticket: string; data: string; unpadded: number; replica_id: string; comm_d: string; comm_r: string }>;
};
const c = vector.cases.find((x) => x.data !== "zero")!;
const sha256 = (s: string): Buffer => createHash("sha256").update(s).digest();
const payload = (): Buffer => {
  const blocks: Buffer[] = [];
  for (let i = 0; blocks.length * 32 < c.unpadded; i++) blocks.push(sha256(`${c.data}${i}`));
  return Buffer.concat(blocks).subarray(0, c.unpadded);
};
const ticketHex = sha256(c.ticket).toString("hex");

const sealArgs = (input: string, dir: string, proofType = String(c.proof)): string[] => [
  "proofs", "seal", "--proof-type", proofType, "--miner", String(c.miner), "--sector", String(c.sector),
  "--ticket", ticketHex, "--input", input, "--dir", dir,
];

test("proofs seal: a 2KiB seal prints the vector's comm_d, comm_r and replica_id and leaves the store layout", async (t) => {
  const tmp = await tempDir(t);
  const input = join(tmp, "payload");
  await writeFile(input, payload());
  const dir = join(tmp, "store");
  const r = await worker([...sealArgs(input, dir, "StackedDrg2KiBV1_1"), "--parent-cache", join(tmp, "parents")]);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout), { comm_d: c.comm_d, comm_r: c.comm_r, replica_id: c.replica_id });
  const name = `s-t0${c.miner}-${c.sector}`;
  assert.deepEqual((await readdir(join(dir, "data"))).sort(), ["cache", "prepared", "sealed", "unsealed"]);
  assert.equal((await stat(join(dir, "data", "sealed", name))).size, 2048);
  assert.deepEqual(
    (await readdir(join(dir, "data", "cache", name))).sort(),
    ["p_aux", "sc-02-data-layer-1.dat", "sc-02-data-layer-2.dat", "sc-02-data-tree-c.dat", "sc-02-data-tree-d.dat", "sc-02-data-tree-r-last.dat", "t_aux"],
  );
});

test("proofs seal --seed: c1 + c2 make a devnet proof that verifies, written with --proof-out", async (t) => {
  const tmp = await tempDir(t);
  const input = join(tmp, "payload");
  await writeFile(input, payload().subarray(0, 1000)); // shorter than the capacity: zero-filled
  const out = join(tmp, "proof.bin");
  const r = await worker([...sealArgs(input, join(tmp, "store")), "--seed", "ab".repeat(32), "--proof-out", out], {
    FIL_PROOFS_PARENT_CACHE: join(tmp, "parents"),
  });
  assert.equal(r.code, 0, r.stderr);
  const res = JSON.parse(r.stdout) as { proof_bytes: number; verified: boolean; comm_r: string };
  assert.equal(res.verified, true);
  const proof = await readFile(out);
  assert.equal(proof.length, res.proof_bytes);
  assert.equal(proof.subarray(0, 8).toString(), "DMDEVNET");
  assert.notEqual(res.comm_r, c.comm_r, "other data, other comm_r");
});

test("proofs seal rejects long input, a non-empty dir, bad proof types, 32GiB and bad hex", async (t) => {
  const tmp = await tempDir(t);
  const input = join(tmp, "payload");
  await writeFile(input, Buffer.alloc(2033));
  const dir = join(tmp, "store");
  let r = await worker(sealArgs(input, dir));
  assert.equal(r.code, 1);
  assert.match(r.stderr, /2033 bytes.*2032/);

  await writeFile(input, Buffer.alloc(10));
  await mkdir(dir);
  await writeFile(join(dir, "leftover"), "x");
  r = await worker(sealArgs(input, dir));
  assert.equal(r.code, 1);
  assert.match(r.stderr, /not empty/);

  r = await worker(sealArgs(input, join(tmp, "d2"), "StackedDrg3KiBV1"));
  assert.equal(r.code, 1);
  assert.match(r.stderr, /unknown seal proof type "StackedDrg3KiBV1"/);

  r = await worker(sealArgs(input, join(tmp, "d3"), "StackedDrg32GiBV1_1"));
  assert.equal(r.code, 1);
  assert.match(r.stderr, /external processor/);

  r = await worker([...sealArgs(input, join(tmp, "d4")).slice(0, -6), "--ticket", "zz", "--input", input, "--dir", join(tmp, "d4")]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /--ticket must be 64 hex digits/);
});
