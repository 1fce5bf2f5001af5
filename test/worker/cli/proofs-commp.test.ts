// `damocles-worker proofs commp` and `proofs commd` as an operator runs them: a real process, JSON on
// stdout, one clear error line and exit code 1 on bad input.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import { commDToCid } from "../../../src/filecoin/cid.js";
import { commPFromBytes } from "../../../src/proofs/commp.js";
import { runCli, type CliRun } from "../../helpers/cli.js";
import { tempDir } from "../../helpers/tmp.js";
import { hex, loadVector } from "../../helpers/vectors.js";

const worker = (...args: string[]): Promise<CliRun> => runCli("damocles-worker", args);

const ok = (r: CliRun): unknown => {
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stderr, "");
  const lines = r.stdout.trim().split("\n");
  assert.equal(lines.length, 1, "exactly one JSON object");
  return JSON.parse(lines[0]!);
};

const fails = (r: CliRun, message: RegExp): void => {
  assert.equal(r.code, 1, `exit code 1; stdout ${r.stdout}`);
  assert.equal(r.stdout, "");
  assert.match(r.stderr, /^error: /);
  assert.match(r.stderr, message);
};

const vec = loadVector("commp.json");

test("proofs commp prints piece_cid, piece_size and payload_size; bad files exit 1", async (t) => {
  const dir = await tempDir(t);
  const text = join(dir, "text-127");
  await writeFile(text, hex(vec.pieces[0].unpadded_hex));
  const zero = join(dir, "zero-2032");
  await writeFile(zero, new Uint8Array(2032));
  const big = join(dir, "big"); // several read buffers and chunks, a zero tail in a 4 MiB piece
  const bigData = randomBytes(3 * 1024 * 1024 + 12345);
  await writeFile(big, bigData);
  const empty = join(dir, "empty");
  await writeFile(empty, "");

  const [r1, r2, r3, r4, r5, r6] = await Promise.all([
    worker("proofs", "commp", text),
    worker("proofs", "commp", zero),
    worker("proofs", "commp", big),
    worker("proofs", "commp", empty),
    worker("proofs", "commp", join(dir, "missing")),
    worker("proofs", "commp"),
  ]);
  assert.deepEqual(ok(r1), { piece_cid: vec.pieces[0].piece_cid, piece_size: 128, payload_size: 127 });
  assert.deepEqual(ok(r2), { piece_cid: vec.pieces[3].piece_cid, piece_size: 2048, payload_size: 2032 });
  assert.deepEqual(ok(r3), {
    piece_cid: commDToCid(commPFromBytes(bigData).commP).toString(),
    piece_size: 4 * 1024 * 1024,
    payload_size: bigData.length,
  });
  fails(r4, /empty file: nothing to commit: .*empty/);
  fails(r5, /no such file: .*missing/);
  assert.equal(r6.code, 1);
  assert.match(r6.stderr, /missing required argument 'file'/);
});

test("proofs commd: the vector cases, a v2 piece CID, and refusals naming the --piece", async () => {
  const cfp = vec.commd_from_pieces;
  const arg = (name: string): string => {
    const p = cfp.pieces.find((x: { name: string }) => x.name === name);
    return `${p.piece_cid}:${p.padded_size}`;
  };
  const [abc, a, none, v2, noFit, notPow2, badCid, noSize, badSector] = await Promise.all([
    worker("proofs", "commd", "--sector-size", "2KiB", "--piece", arg("A"), "--piece", arg("B"), "--piece", arg("C")),
    worker("proofs", "commd", "--sector-size", "2048", "--piece", arg("A")),
    worker("proofs", "commd", "--sector-size", "2KiB"),
    worker("proofs", "commd", "--sector-size", "2KiB", "--piece", vec.piece_cid_v2.piece_cid_v2),
    worker("proofs", "commd", "--sector-size", "2KiB", "--piece", arg("A"), "--piece", `${cfp.pieces[1].piece_cid}:2KiB`),
    worker("proofs", "commd", "--sector-size", "2KiB", "--piece", `${cfp.pieces[1].piece_cid}:384`),
    worker("proofs", "commd", "--sector-size", "2KiB", "--piece", "bafybeigdyrzt:128"),
    worker("proofs", "commd", "--sector-size", "2KiB", "--piece", cfp.pieces[1].piece_cid),
    worker("proofs", "commd", "--sector-size", "3KiB"),
  ]);
  assert.deepEqual(ok(abc), { comm_d: cfp.cases[0].comm_d });
  assert.deepEqual(ok(a), { comm_d: cfp.cases[1].comm_d });
  assert.deepEqual(ok(none), { comm_d: cfp.cases[2].comm_d });
  assert.deepEqual(ok(v2), { comm_d: cfp.cases[1].comm_d }, "the v2 CID is piece A with its size");
  fails(noFit, /--piece baga\S+:2KiB \(padded size 2048\) does not fit: it would occupy 2048 … 4096/);
  fails(notPow2, /--piece baga\S+:384 padded size 384 is not a power of two/);
  fails(badCid, /--piece bafybeigdyrzt:128: piece CID "bafybeigdyrzt" is not a CID/);
  fails(noSize, /give the padded size as <cid>:<padded size>/);
  fails(badSector, /invalid sector size "3KiB"/);
});
