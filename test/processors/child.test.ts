import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { readFile, readdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import type { StageInput } from "../../src/api/processor-tasks.js";
import { BuiltinPool } from "../../src/processors/builtin-pool.js";
import type { ProcessorLogger } from "../../src/processors/external.js";
import { startProcessorSet } from "../../src/processors/processor-set.js";
import { tempDir } from "../helpers/tmp.js";
import { REPO_ROOT, hex, loadVector } from "../helpers/vectors.js";

const TSX = import.meta.resolve("tsx");
const WORKER = join(REPO_ROOT, "src", "bin", "damocles-worker.ts");
const self = { bin: process.execPath, args: ["--import", TSX, WORKER] };
const quiet: ProcessorLogger = { info: () => undefined, warn: () => undefined };
const c = loadVector("seal-2k.json").cases[1];
const arr = (h: string): number[] => Array.from(hex(h));

async function snapshot(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const f of (await readdir(dir, { recursive: true, withFileTypes: true })).filter((e) => e.isFile()))
    out[join(f.parentPath, f.name).slice(dir.length)] = createHash("sha256").update(await readFile(join(f.parentPath, f.name))).digest("hex");
  return out;
}

test("our own `damocles-worker processor pc1` as an external processor gives byte-identical results to the built-in", async (t) => {
  const dir = await tempDir(t);
  const staged = join(dir, "unsealed");
  const cache = join(dir, "cache");
  const sealed = join(dir, "sealed");
  const sha = (s: string): Uint8Array => createHash("sha256").update(s).digest();
  const data = new Uint8Array(2032);
  for (let i = 0, off = 0; off < 2032; i++, off += 32) data.set(sha(`${c.data}${i}`).subarray(0, Math.min(32, 2032 - off)), off);
  await writeFile(join(dir, "payload"), data);

  const pool = new BuiltinPool();
  t.after(() => pool.close());
  const pieces = await pool.run("add_pieces", {
    seal_proof_type: "StackedDrg2KiBV1_1",
    pieces: [{ piece_file: { local: join(dir, "payload") }, payload_size: 2032, piece_size: 2032 }],
    staged_filepath: staged,
  });
  const task: StageInput<"pc1"> = {
    registered_proof: "StackedDrg2KiBV1_1", cache_path: cache, in_path: staged, out_path: sealed,
    prover_id: arr(c.prover_id_hex), sector_id: c.sector, ticket: arr(c.ticket_hex), piece_infos: pieces,
  };
  const builtinOut = await pool.run("pc1", task);
  const builtinPc2 = await pool.run("pc2", { pc1out: builtinOut, cache_dir: cache, sealed_file: sealed });
  const builtinFiles = await snapshot(cache);
  const builtinSealed = await readFile(sealed);
  await rm(cache, { recursive: true });
  await rm(sealed);

  const set = await startProcessorSet({
    config: { pc1: [{ stable_wait: 60_000 }], pc2: [{ stable_wait: 60_000 }] },
    selfCommand: self,
    placement: { onlineCpus: new Set([0]), numaNodes: new Set([0]), cgroupV2Root: null, taskset: null, numactl: null, parentPid: process.pid },
    logger: quiet,
  });
  t.after(() => set.close());
  assert.equal(set.runsIn("pc1"), "children");
  const childOut = await set.run("pc1", task);
  assert.deepEqual(childOut, builtinOut);
  const childPc2 = await set.run("pc2", { pc1out: childOut, cache_dir: cache, sealed_file: sealed });
  assert.deepEqual(childPc2, builtinPc2);
  assert.deepEqual(childPc2.comm_r, arr(c.comm_r_hex));
  assert.deepEqual(await snapshot(cache), builtinFiles);
  assert.deepEqual(await readFile(sealed), builtinSealed);
});

test("the child prints exactly the ready line, answers bad requests by id, logs the rest, exits 1 on stdin EOF", async () => {
  const child = spawn(process.execPath, ["--import", TSX, WORKER, "processor", "transfer"], { stdio: ["pipe", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  child.stdin.write('{"id":7,"task":{"stores":{},"routes":[{"src":{"store_name":null,"uri":"rel"},"dest":{"store_name":null,"uri":"/x"},"opt":null}]}}\n');
  child.stdin.write('{"id":8,"task":{"routes":5}}\n');
  child.stdin.write("not json\n");
  child.stdin.write('{"task":{}}\n');
  child.stdin.write('{"id":9,"task":{"stores":{},"routes":[]}}\n');
  await new Promise<void>((r) => {
    const check = (): void => void (stdout.split("\n").length >= 5 ? r() : setTimeout(check, 50));
    check();
  });
  child.stdin.end();
  const code = await new Promise<number | null>((r) => child.once("exit", r));
  const lines = stdout.split("\n");
  assert.equal(lines[0], "transfer processor ready");
  const replies = lines.slice(1).filter(Boolean).map((l) => JSON.parse(l) as { id: number; err_msg: string | null; output: unknown });
  const byId = new Map(replies.map((r) => [r.id, r]));
  assert.deepEqual(Object.keys(replies[0]!), ["id", "err_msg", "output"]);
  assert.match(byId.get(7)!.err_msg!, /routes\[0\]\.src\.uri rel is not an absolute path/);
  assert.match(byId.get(8)!.err_msg!, /^invalid request: task\.(stores|routes): /);
  assert.deepEqual(byId.get(9), { id: 9, err_msg: null, output: true });
  assert.equal(replies.length, 3);
  assert.match(stderr, /not JSON/);
  assert.match(stderr, /without a readable id/);
  assert.equal(code, 1);
});
