import assert from "node:assert/strict";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import { tempDir } from "../../helpers/tmp.js";
import { checkWorkerConfig, type CheckOptions } from "../../../src/worker/config/check.js";
import { parseWorkerConfig, type Problem } from "../../../src/worker/config/load.js";

const MANAGER = `[sector_manager]\nrpc_client.addr = "/ip4/127.0.0.1/tcp/1789"\n`;

function check(toml: string, opts: Partial<CheckOptions> = {}): Problem[] {
  const { config, problems } = parseWorkerConfig(toml, "w.toml");
  assert.ok(config, JSON.stringify(problems));
  return checkWorkerConfig(config, { cpuCount: 4, numaNodes: [0], cwd: "/", ...opts });
}
const codes = (ps: Problem[]): [string, string, string | undefined][] => ps.map((p) => [p.level, p.code, p.key]);

test("overlapping (/a and /a/b) and duplicate sealing locations are reported; the duplicate is skipped", async (t) => {
  const dir = await tempDir(t);
  const toml = `${MANAGER}
[[sealing_thread]]
location = "${dir}/a"
[[sealing_thread]]
location = "${dir}/a/b"
[[sealing_thread]]
location = "${dir}/a/../a"
[[sealing_thread]]
location = "${dir}/ab"
[[attached]]
location = "${dir}/p"
`;
  await mkdir(join(dir, "p"));
  await mkdir(join(dir, "a"));
  const ps = check(toml);
  assert.deepEqual(codes(ps), [
    ["warning", "OVERLAPPING_LOCATIONS", "sealing_thread[1].location"],
    ["warning", "DUPLICATE_LOCATION", "sealing_thread[2].location"],
  ]);
  assert.match(ps[0]!.message, new RegExp(`overlaps sealing_thread\\[0\\]: ${dir}/a/b lies inside ${dir}/a`));
  assert.match(ps[1]!.message, /same sealing store as sealing_thread\[0\].*the daemon skips this thread/);
});

test("a cpuset naming CPU 9999 is a warning, not an error; so is an absent NUMA node", () => {
  const ps = check(`${MANAGER}[[sealing_thread]]\nlocation = "/tmp"\n[[attached]]\nlocation = "/usr"\nname = "p"\n` +
    `[[processors.pc1]]\ncgroup.cpuset = "0-1,9999"\nnuma_preferred = 1\n[[processors.pc2]]\ncgroup.cpuset = "0-3"\n`);
  const cpu = ps.find((p) => p.code === "CPUSET_CPUS_MISSING")!;
  assert.equal(cpu.level, "warning");
  assert.equal(cpu.key, "processors.pc1[0].cgroup.cpuset");
  assert.equal(cpu.message, `cpuset "0-1,9999" names CPU 9999 but this machine has CPUs 0-3; the child runs unpinned`);
  const numa = ps.find((p) => p.code === "NUMA_NODE_MISSING")!;
  assert.equal(numa.level, "warning");
  assert.ok(!ps.some((p) => p.level === "error"), JSON.stringify(ps));
});

test("Damocles' mock config on a 4-CPU machine: only warnings (cpusets up to 47, NUMA node 1)", async () => {
  const { readFile } = await import("node:fs/promises");
  const text = await readFile(new URL("./fixtures/damocles-worker.mock.toml", import.meta.url), "utf8");
  const { config } = parseWorkerConfig(text, "mock.toml");
  const ps = checkWorkerConfig(config!, { cpuCount: 4, numaNodes: [0], cwd: "/nonexistent-base" });
  assert.deepEqual(ps.filter((p) => p.level === "error"), []);
  assert.deepEqual(
    ps.filter((p) => p.code === "CPUSET_CPUS_MISSING").map((p) => p.key),
    ["processors.pc1[0].cgroup.cpuset", "processors.pc1[1].cgroup.cpuset", "processors.pc2[1].cgroup.cpuset", "processors.c2[0].cgroup.cpuset"],
  );
});

test("ext locks: undeclared is an error with did-you-mean, unused warns, 0 tokens is an error", () => {
  const ps = check(`${MANAGER}[[sealing_thread]]\nlocation = "/tmp"\n[[attached]]\nlocation = "/usr"\n` +
    `[processors.ext_locks]\ngpu1 = 1\nspare = 2\nnone = 0\n[[processors.pc2]]\nlocks = ["gpu"]\n[[processors.c2]]\nlocks = ["gpu1"]\n`);
  assert.deepEqual(codes(ps), [
    ["error", "UNKNOWN_EXT_LOCK", "processors.pc2[0].locks"],
    ["warning", "UNUSED_EXT_LOCK", "processors.ext_locks.spare"],
    ["error", "EXT_LOCK_EMPTY", "processors.ext_locks.none"],
  ]);
  assert.match(ps[0]!.message, /lock "gpu" is not declared in \[processors\.ext_locks\]; did you mean gpu1\?/);
});

test("stage limits larger than the processors can serve, and a limit of 0", () => {
  const ps = check(`${MANAGER}[[sealing_thread]]\nlocation = "/tmp"\n[[attached]]\nlocation = "/usr"\n` +
    `[processors.limitation.concurrent]\npc1 = 30\npc2 = 4\nc2 = 0\ntree_d = 9\n` +
    `[[processors.pc1]]\nconcurrent = 14\n[[processors.pc1]]\nconcurrent = 15\n[[processors.pc2]]\n`);
  assert.deepEqual(codes(ps), [
    ["warning", "STAGE_LIMIT_ABOVE_CAPACITY", "processors.limitation.concurrent.pc1"],
    ["error", "STAGE_LIMIT_ZERO", "processors.limitation.concurrent.c2"],
  ]);
  assert.match(ps[0]!.message, /limit 30 is more than the 29 tasks the 2 \[\[processors\.pc1\]\] entries can run at once/);
  // the legacy table is checked when it is the one in effect
  const legacy = check(`${MANAGER}[[sealing_thread]]\nlocation = "/tmp"\n[[attached]]\nlocation = "/usr"\n[processors.limit]\npc1 = 3\n[[processors.pc1]]\nconcurrent = 2\n`);
  assert.deepEqual(codes(legacy), [["warning", "STAGE_LIMIT_ABOVE_CAPACITY", "processors.limit.pc1"]]);
});

test("attached stores: at least one, unique names, names the manager knows (only when asked)", () => {
  assert.deepEqual(codes(check(`${MANAGER}[[sealing_thread]]\nlocation = "/tmp"\n`)), [["error", "NO_PERSIST_STORE", "attached"]]);
  const two = `${MANAGER}[[sealing_thread]]\nlocation = "/tmp"\n[[attached]]\nname = "p1"\nlocation = "/usr"\n[[attached]]\nname = "p1"\nlocation = "/var"\n[[attached]]\nlocation = "/etc"\n`;
  assert.deepEqual(codes(check(two).filter((p) => p.level === "error")), [["error", "DUPLICATE_STORE_NAME", "attached[1]"]]);
  const known = check(two, { managerStores: new Set(["p1"]) }).filter((p) => p.code === "UNKNOWN_STORE");
  assert.deepEqual(known.map((p) => [p.key, p.message.slice(0, 44)]), [["attached[2]", 'persist store "/etc" is unknown to the manag']]);
  // stores found by scan_persist_stores count too
  assert.deepEqual(check(`${MANAGER}[worker]\nscan_persist_stores = ["/nowhere/*"]\n[[sealing_thread]]\nlocation = "/tmp"\n`, { scannedStores: [] }), []);
});

test("threads: unknown plan, missing location, a Damocles RocksDB store; wdpost needs no location", async (t) => {
  const dir = await tempDir(t);
  await mkdir(join(dir, "old", "meta"), { recursive: true });
  await writeFile(join(dir, "old", "meta", "CURRENT"), "MANIFEST-000005\n");
  const ps = check(`${MANAGER}[[attached]]\nlocation = "/usr"\n[[sealing_thread]]\nplan = "snapupp"\nlocation = "${dir}/s1"\n` +
    `[[sealing_thread]]\nplan = "sealer"\n[[sealing_thread]]\nplan = "wdpost"\n[[sealing_thread]]\nlocation = "${dir}/old"\n` +
    `[[sealing_thread]]\nlocation = "${dir}/missing/deeper"\n`);
  assert.deepEqual(codes(ps), [
    ["error", "UNKNOWN_PLAN", "sealing_thread[0].plan"],
    ["error", "MISSING_LOCATION", "sealing_thread[1]"],
    ["error", "DAMOCLES_ROCKSDB_STORE", "sealing_thread[3].location"],
    ["warning", "LOCATION_PARENT_MISSING", "sealing_thread[4].location"],
  ]);
  assert.match(ps[0]!.message, /did you mean snapup\?/);
  assert.match(ps[2]!.message, /Damocles RocksDB sector record/);
});

test("static tree_d paths must exist; an external bin path must exist", async (t) => {
  const dir = await tempDir(t);
  await writeFile(join(dir, "tree-d.dat"), "");
  const ps = check(`${MANAGER}[[sealing_thread]]\nlocation = "/tmp"\n[[attached]]\nlocation = "/usr"\n` +
    `[processors.static_tree_d]\n2KiB = "${dir}/tree-d.dat"\n32GiB = "${dir}/none.dat"\n` +
    `[[processors.c1]]\nbin = "${dir}/c1"\n[[processors.c2]]\nbin = "c2-on-path"\n`);
  assert.deepEqual(codes(ps), [
    ["error", "BIN_NOT_FOUND", "processors.c1[0].bin"],
    ["error", "STATIC_TREE_D_MISSING", "processors.static_tree_d.32GiB"],
  ]);
  assert.match(ps[1]!.message, /generator tree-d -s 32GiB/);
});
