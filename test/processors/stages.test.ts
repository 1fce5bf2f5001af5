import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdir, readFile, readdir, readlink, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import type { StageInput } from "../../src/api/processor-tasks.js";
import { verifyDevnetPoRep } from "../../src/proofs/porep-verify.js";
import { verifyDevnetWindowPoSt, verifyDevnetWinningPoSt } from "../../src/proofs/post.js";
import { BuiltinPool } from "../../src/processors/builtin-pool.js";
import { BUILTIN_STAGES } from "../../src/processors/stages/index.js";
import { tempDir } from "../helpers/tmp.js";
import { hex, loadVector, toHex } from "../helpers/vectors.js";

const sha256 = (b: Uint8Array | string): Uint8Array => new Uint8Array(createHash("sha256").update(b).digest());
function vectorData(label: string, length: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0, off = 0; off < length; i++, off += 32) out.set(sha256(`${label}${i}`).subarray(0, Math.min(32, length - off)), off);
  return out;
}
const c = loadVector("seal-2k.json").cases[1];
const arr = (h: string): number[] => Array.from(hex(h));

test("built-in stages in worker threads: add_pieces → tree_d → pc1 → pc2 → c1 → c2 seal the 2KiB vector and the proof verifies", async (t) => {
  const dir = await tempDir(t);
  const pool = new BuiltinPool();
  t.after(() => pool.close());
  const payload = join(dir, "payload");
  await writeFile(payload, vectorData(c.data, c.unpadded));
  const staged = join(dir, "data/unsealed/s-t01234-42");
  const prepared = join(dir, "data/prepared/s-t01234-42");
  const cache = join(dir, "data/cache/s-t01234-42");
  const sealed = join(dir, "data/sealed/s-t01234-42");

  const pieces = await pool.run("add_pieces", {
    seal_proof_type: "StackedDrg2KiBV1_1",
    pieces: [{ piece_file: { local: payload }, payload_size: 2032, piece_size: 2032 }],
    staged_filepath: staged,
  });
  assert.deepEqual(pieces, [{ commitment: arr(c.comm_d_hex), size: 2032 }], "one full piece: CommP = CommD");
  assert.equal((await stat(staged)).size, 2048);

  assert.equal(await pool.run("tree_d", { registered_proof: "StackedDrg2KiBV1_1", staged_file: staged, cache_dir: prepared }), true);
  assert.equal(toHex((await readFile(join(prepared, "sc-02-data-tree-d.dat"))).subarray(-32)), c.comm_d_hex);

  const pc1out = await pool.run("pc1", {
    registered_proof: "StackedDrg2KiBV1_1",
    cache_path: cache,
    in_path: staged,
    out_path: sealed,
    prover_id: arr(c.prover_id_hex),
    sector_id: c.sector,
    ticket: arr(c.ticket_hex),
    piece_infos: pieces,
  });
  assert.deepEqual((pc1out as { replica_id: number[] }).replica_id, arr(c.replica_id));

  const pc2out = await pool.run("pc2", { pc1out, cache_dir: cache, sealed_file: sealed });
  assert.deepEqual(pc2out, { registered_proof: "StackedDrg2KiBV1_1", comm_r: arr(c.comm_r_hex), comm_d: arr(c.comm_d_hex) });

  const seed = Array.from(sha256("seed"));
  const c1out = await pool.run("c1", {
    cache_path: cache,
    replica_path: sealed,
    prover_id: arr(c.prover_id_hex),
    sector_id: c.sector,
    ticket: arr(c.ticket_hex),
    seed,
    pre_commit: pc2out,
    piece_infos: pieces,
  });
  const { proof } = await pool.run("c2", { c1out, prover_id: arr(c.prover_id_hex), sector_id: c.sector, miner_id: c.miner });
  const verdict = verifyDevnetPoRep(Uint8Array.from(proof), {
    sealProof: 5,
    minerId: c.miner,
    sectorNumber: c.sector,
    ticket: hex(c.ticket_hex),
    seed: Uint8Array.from(seed),
    commD: hex(c.comm_d_hex),
    commR: hex(c.comm_r_hex),
  });
  assert.deepEqual(verdict, { ok: true });
  await assert.rejects(
    pool.run("c2", { c1out, prover_id: arr(c.prover_id_hex), sector_id: c.sector + 1, miner_id: c.miner }),
    /does not prove sector 43/,
  );
  await assert.rejects(
    pool.run("pc2", { pc1out: { registered_proof: "StackedDrg2KiBV1_1" }, cache_dir: cache, sealed_file: sealed }),
    /pc1out.family: not a built-in .* same processor family/,
  );

  // PoSt over the same sector
  const randomness = sha256("post");
  const post: StageInput<"window_post"> = {
    miner_id: c.miner,
    proof_type: "StackedDrgWindow2KiBV1_2",
    replicas: [{ sector_id: c.sector, comm_r: arr(c.comm_r_hex), cache_dir: cache, sealed_file: sealed }],
    seed: Array.from(randomness),
  };
  const wd = await pool.run("window_post", post);
  assert.deepEqual(wd.faults, []);
  assert.equal(wd.proofs.length, 1);
  const expected = { postProof: 10, minerId: c.miner, randomness, sectors: [{ sectorNumber: c.sector, commR: hex(c.comm_r_hex) }] };
  assert.deepEqual(verifyDevnetWindowPoSt(new Uint8Array(Buffer.from(wd.proofs[0]!, "base64")), expected), { ok: true });
  const missing = await pool.run("window_post", {
    ...post,
    replicas: [...post.replicas, { sector_id: 7, comm_r: arr(c.comm_r_hex), cache_dir: join(dir, "nope"), sealed_file: sealed }],
  });
  assert.deepEqual(missing, { proofs: [], faults: [7] });
  const win = await pool.run("winning_post", { ...post, proof_type: "StackedDrgWinning2KiBV1" });
  assert.deepEqual(
    verifyDevnetWinningPoSt(new Uint8Array(Buffer.from(win.proofs[0]!, "base64")), {
      postProof: 0, minerId: c.miner, randomness, sector: { sectorNumber: c.sector, commR: hex(c.comm_r_hex) },
    }),
    { ok: true },
  );
});

test("add_pieces: CC (no pieces) is a sparse sector-size file and the zero commitment; pledge pieces are zero pieces", async (t) => {
  const dir = await tempDir(t);
  const staged = join(dir, "unsealed", "s-t01000-1");
  const cc = await BUILTIN_STAGES.add_pieces.run({ seal_proof_type: "StackedDrg2KiBV1_1", pieces: [], staged_filepath: staged }, new AbortController().signal);
  assert.equal((await stat(staged)).size, 2048);
  assert.equal(cc.length, 1);
  assert.equal(cc[0]!.size, 2032);
  assert.equal(toHex(Uint8Array.from(cc[0]!.commitment)), "fc7e928296e516faade986b28f92d44a4f24b935485223376a799027bc18f833");
  const two = await BUILTIN_STAGES.add_pieces.run(
    {
      seal_proof_type: "StackedDrg2KiBV1_1",
      pieces: [{ piece_file: "pledge", payload_size: 0, piece_size: 1016 }, { piece_file: "pledge", payload_size: 0, piece_size: 1016 }],
      staged_filepath: staged,
    },
    new AbortController().signal,
  );
  assert.deepEqual(two.map((p) => p.size), [1016, 1016]);
});

test("add_pieces fetches a url piece with the manager token, and the piece token only after a redirect", async (t) => {
  const http = await import("node:http");
  const seen: Array<{ url: string; auth?: string }> = [];
  const body = vectorData("piece", 1000);
  const server = http.createServer((req, res) => {
    seen.push({ url: req.url!, auth: req.headers.authorization });
    if (req.url === "/piecestore/x") return void res.writeHead(302, { location: "/elsewhere" }).end();
    res.end(body);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  t.after(() => server.close());
  const port = (server.address() as { port: number }).port;
  const env = { ...process.env };
  process.env.DAMOCLES_MANAGER_TOKEN = "mgr";
  process.env.PIECE_FETCHER_TOKEN = "piece";
  t.after(() => { process.env = env; });
  const dir = await tempDir(t);
  const local = join(dir, "local");
  await writeFile(local, body);
  const out = await BUILTIN_STAGES.add_pieces.run(
    {
      seal_proof_type: "StackedDrg2KiBV1_1",
      pieces: [{ piece_file: { url: `http://127.0.0.1:${port}/piecestore/x` }, payload_size: 900, piece_size: 1016 }],
      staged_filepath: join(dir, "a"),
    },
    new AbortController().signal,
  );
  assert.deepEqual(seen, [{ url: "/piecestore/x", auth: "Bearer mgr" }, { url: "/elsewhere", auth: "Bearer piece" }]);
  await writeFile(local, body.subarray(0, 900));
  const viaFile = await BUILTIN_STAGES.add_pieces.run(
    { seal_proof_type: "StackedDrg2KiBV1_1", pieces: [{ piece_file: { local }, payload_size: 900, piece_size: 1016 }], staged_filepath: join(dir, "b") },
    new AbortController().signal,
  );
  assert.deepEqual(out, viaFile, "payload_size bytes of the url equal the same bytes from a file");
});

test("transfer copies through a temporary name, links when allowed, refuses relative paths", async (t) => {
  const dir = await tempDir(t);
  const src = join(dir, "src");
  await mkdir(join(src, "cache"), { recursive: true });
  await writeFile(join(src, "sealed"), vectorData("s", 4096));
  await writeFile(join(src, "cache", "p_aux"), "aux");
  const run = (task: StageInput<"transfer">): Promise<true> => BUILTIN_STAGES.transfer.run(task, new AbortController().signal);
  await run({
    stores: { "persist-b": { name: "persist-b", meta: null } },
    routes: [
      { src: { store_name: null, uri: join(src, "sealed") }, dest: { store_name: "persist-b", uri: join(dir, "p/sealed/s") }, opt: null },
      { src: { store_name: null, uri: join(src, "cache") }, dest: { store_name: "persist-b", uri: join(dir, "p/cache/s") }, opt: { is_dir: true, allow_link: false } },
      { src: { store_name: null, uri: join(src, "sealed") }, dest: { store_name: null, uri: join(dir, "link") }, opt: { is_dir: false, allow_link: true } },
    ],
  });
  assert.deepEqual(await readFile(join(dir, "p/sealed/s")), await readFile(join(src, "sealed")));
  assert.equal(await readFile(join(dir, "p/cache/s/p_aux"), "utf8"), "aux");
  assert.equal(await readlink(join(dir, "link")), join(src, "sealed"));
  assert.deepEqual(await readdir(join(dir, "p/sealed")), ["s"], "no temporary file is left behind");
  await assert.rejects(
    run({ stores: {}, routes: [{ src: { store_name: null, uri: "rel" }, dest: { store_name: null, uri: "/x" }, opt: null }] }),
    /routes\[0\]\.src\.uri rel is not an absolute path/,
  );
  await assert.rejects(
    run({ stores: {}, routes: [{ src: { store_name: null, uri: join(dir, "missing") }, dest: { store_name: null, uri: join(dir, "d") }, opt: null }] }),
    /missing/,
  );
});

test("snap_encode, snap_prove and unseal are not built in and say how to configure them", async () => {
  await assert.rejects(BUILTIN_STAGES.unseal.run({} as StageInput<"unseal">, new AbortController().signal), /stage unseal is not built in: configure an external processor in \[\[processors\.unseal\]\]/);
});

test("the built-in pool: aborting a task terminates its thread; a stage error comes back with its message", async (t) => {
  const pool = new BuiltinPool();
  t.after(() => pool.close());
  const ac = new AbortController();
  const dir = await tempDir(t);
  const running = pool.run("tree_d", { registered_proof: "StackedDrg2KiBV1_1", staged_file: join(dir, "x"), cache_dir: dir }, ac.signal);
  ac.abort(new Error("thread paused"));
  await assert.rejects(running, /thread paused/);
  await assert.rejects(
    pool.run("tree_d", { registered_proof: "StackedDrg2KiBV1_1", staged_file: join(dir, "x"), cache_dir: dir }),
    /staged file .*x does not exist/,
  );
  assert.equal(pool.threads.busy, 0);
});
