import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import {
  ConfigError,
  keyLines,
  loadWorkerConfig,
  parseLocationConfig,
  parseSealingValues,
  parseWorkerConfig,
  type Problem,
} from "../../../src/worker/config/load.js";

const fixture = (name: string): string => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), "utf8");
const errors = (ps: Problem[]): Problem[] => ps.filter((p) => p.level === "error");
const warnings = (ps: Problem[]): Problem[] => ps.filter((p) => p.level === "warning");

/** The smallest file the daemon accepts, plus `extra`. */
const BASE = `[sector_manager]
rpc_client.addr = "/ip4/127.0.0.1/tcp/1789"

[[sealing_thread]]
location = "/data/store1"

[[attached]]
location = "/mnt/persist"
`;
const parse = (extra: string): ReturnType<typeof parseWorkerConfig> => parseWorkerConfig(`${BASE}\n${extra}`, "worker.toml");

test("Damocles' mock config loads with no errors, every value as written", () => {
  const { config, problems } = parseWorkerConfig(fixture("damocles-worker.mock.toml"), "mock.toml");
  assert.deepEqual(errors(problems), []);
  assert.ok(config);
  // [attached_selection] is the only leftover: a warning with its line, not a failure
  assert.deepEqual(warnings(problems).map((p) => [p.code, p.key, p.line]), [["IGNORED_KEY", "attached_selection", 55]]);
  assert.equal(config.metrics.enable, true);
  assert.equal(config.metrics.http_listen, "0.0.0.0:9000");
  assert.deepEqual(config.worker.rpc_server, { host: "0.0.0.0", port: 17890 });
  assert.equal(config.worker.ping_interval, 30_000);
  assert.deepEqual(config.worker.scan_persist_stores, []);
  assert.equal(config.manager.rpcUrl, "http://127.0.0.1:1789/rpc/v0");
  assert.deepEqual(config.sealing, { enable_deals: true, max_retries: 3 });
  assert.deepEqual(config.sealing_thread.map((t) => [t.index, t.location, t.plan]), [
    [0, "./mock-tmp/store1", undefined],
    [1, "./mock-tmp/store2", undefined],
    [2, "./mock-tmp/store3", undefined],
  ]);
  assert.deepEqual(config.attached, [{ location: "./mock-tmp/remote", readonly: false }]);
  const p = config.processors;
  assert.deepEqual(p.limitation, { concurrent: { add_pieces: 5, pc1: 3, pc2: 2, c2: 1 }, staggered: { pc1: 60_000 } });
  assert.equal(p.limit, undefined);
  assert.deepEqual(p.static_tree_d, {});
  assert.deepEqual(Object.keys(p).sort(), ["c2", "limitation", "pc1", "pc2", "static_tree_d", "transfer", "tree_d"]);
  assert.deepEqual(p.pc1!.map((e) => [e.numa_preferred, e.cgroup?.cpuset, e.envs]), [
    [0, "0-11", { FIL_PROOFS_USE_MULTICORE_SDR: "1" }],
    [1, "12-23", { FIL_PROOFS_USE_MULTICORE_SDR: "1" }],
  ]);
  assert.deepEqual(p.c2![0], {
    stable_wait: 5_000, inherit_envs: true, auto_restart: true,
    cgroup: { group_name: "vc-worker", cpuset: "32-47" }, envs: {}, locks: [],
  });
  assert.equal(p.pc2![0]!.cgroup?.cpuset, undefined);
});

test("the main example of Damocles' worker config doc loads with no errors", () => {
  const { config, problems } = parseWorkerConfig(fixture("damocles-docs-example.toml"), "docs.toml");
  assert.deepEqual(errors(problems), []);
  assert.ok(config);
  assert.equal(config.sealing_thread.length, 3);
  assert.deepEqual(["c2", "pc1", "pc2", "tree_d"].map((k) => (config.processors as Record<string, unknown[]>)[k]?.length), [1, 3, 2, 1]);
});

// The other examples of docs/en/03.damocles-worker-config.md (and its older `weight` / `[attached_selection]`
// revision), each on top of the base file.
const DOC_EXAMPLES: Record<string, string> = {
  "one GPU shared by pc2 and c2": `[processors.ext_locks]\ngpu=1\n[[processors.pc2]]\nlocks = ["gpu"]\n[[processors.c2]]\nlocks = ["gpu"]\n`,
  "two GPUs": `[processors.ext_locks]\ngpu1 = 1\ngpu2 = 1\n[[processors.pc2]]\nlocks = ["gpu1"]\n[[processors.pc2]]\nlocks = ["gpu2"]\n[[processors.c2]]\nlocks = ["gpu1"]\n[[processors.c2]]\nlocks = ["gpu2"]\n`,
  "static tree_d": `[processors.static_tree_d]\n2KiB = "/var/tmp/2k/sc-02-data-tree-d.dat"\n32GiB = "/var/tmp/32g/sc-02-data-tree-d.dat"\n64GiB = "/var/tmp/64g/sc-02-data-tree-d.dat"\n`,
  "48C + 4GPU box": `[processors.limit]
add_pieces = 8
pc1 = 4
pc2 = 2
c2 = 1

[[processors.pc1]]
numa_preferred = 0
cgroup.cpuset = "0-7"
concurrent = 2
envs = { FIL_PROOFS_USE_MULTICORE_SDR = "1" }
auto_restart = true

[[processors.pc2]]
cgroup.cpuset = "8-11,24-27"
envs = { FIL_PROOFS_USE_GPU_COLUMN_BUILDER = "1", FIL_PROOFS_USE_GPU_TREE_BUILDER = "1", CUDA_VISIBLE_DEVICES = "0" }
auto_restart = true

[[processors.c2]]
cgroup.cpuset = "28-35"
envs = { CUDA_VISIBLE_DEVICES = "2,3" }
auto_restart = true

[[processors.tree_d]]
cgroup.cpuset = "40-45"
auto_restart = true
`,
  "odd pc1 total": `[processors.limitation.concurrent]\npc1 = 29\npc2 = 2\nc2 = 1\n[[processors.pc1]]\nnuma_preferred = 0\ncgroup.cpuset = "0-41"\nconcurrent = 14\n[[processors.pc1]]\nnuma_preferred = 1\ncgroup.cpuset = "48-92"\nconcurrent = 15\n`,
  "thread overrides": `[[sealing_thread]]\nlocation = "/mnt/nvme2/store"\nsealing.allowed_miners = [1357]\nsealing.allowed_sizes = ["32GiB"]\n`,
  "older revision: weight and attached_selection": `[attached_selection]\n# enable_space_weighted = false\n[[processors.pc1]]\nnuma_preferred = 0\ncgroup.cpuset = "4-5"\nenvs = { RUST_LOG = "info" }\nweight = 2\n`,
  "deprecated remote_store": `[remote_store]\nname = "remote-store1"\nlocation = "/mnt/remote/10.0.0.14/store"\n`,
};

test("the examples of Damocles' docs load (unknown and deprecated keys only warn)", () => {
  for (const [name, extra] of Object.entries(DOC_EXAMPLES)) {
    const { config, problems } = parse(extra);
    assert.deepEqual(errors(problems), [], name);
    assert.ok(config, name);
  }
  const gpu = parse(DOC_EXAMPLES["two GPUs"]!).config!.processors;
  assert.deepEqual(gpu.ext_locks, { gpu1: 1, gpu2: 1 });
  assert.deepEqual(gpu.c2!.map((e) => e.locks), [["gpu1"], ["gpu2"]]);
  const tree = parse(DOC_EXAMPLES["static tree_d"]!).config!.processors.static_tree_d!;
  assert.equal(tree["32GiB"], "/var/tmp/32g/sc-02-data-tree-d.dat");
  assert.equal(tree["2KiB"], "/var/tmp/2k/sc-02-data-tree-d.dat");
  assert.match(errors(parse(`[processors.static_tree_d]\n3GiB = "/x"\n`).problems)[0]!.message, /invalid sector size "3GiB"/);
  // the legacy [processors.limit] is kept for src/processors, which uses it when limitation.concurrent is absent
  assert.deepEqual(parse(DOC_EXAMPLES["48C + 4GPU box"]!).config!.processors.limit, { add_pieces: 8, pc1: 4, pc2: 2, c2: 1 });
  const t = parse(DOC_EXAMPLES["thread overrides"]!).config!.sealing_thread[1]!;
  assert.deepEqual(t.sealing, { allowed_miners: [1357], allowed_sizes: [32 * 1024 ** 3] });
  const weight = parse(DOC_EXAMPLES["older revision: weight and attached_selection"]!).problems;
  assert.deepEqual(warnings(weight).map((p) => p.key).sort(), ["attached_selection", "processors.pc1[0].weight"]);
  assert.match(warnings(parse(DOC_EXAMPLES["deprecated remote_store"]!).problems)[0]!.message, /\[\[attached\]\]/);
});

test("rejection: an unknown [[processors.<x>]] stage is an error naming the accepted stages", () => {
  for (const stage of ["synth_proof", "winning_post", "pc3"]) {
    const { config, problems } = parse(`[[processors.${stage}]]\nbin = "/usr/bin/true"\n`);
    assert.equal(config, undefined, stage);
    const [e] = errors(problems);
    assert.equal(e!.code, "UNKNOWN_PROCESSOR_STAGE");
    assert.equal(e!.key, `processors.${stage}`);
    assert.equal(e!.line, 10);
    assert.match(e!.message, /not a processor stage.*add_pieces, tree_d, pc1, pc2, c1, c2/);
  }
  assert.match(errors(parse(`[[processors.pc3]]\n`).problems)[0]!.message, /did you mean pc1\?/);
  // a plain unknown table under [processors] is only a warning
  assert.deepEqual(errors(parse(`[processors.synth_proof]\nx = 1\n`).problems), []);
});

test("rejection: a built-in/external mix within pc1+pc2 or c1+c2, with the reason (docs' outsourced c2 example)", () => {
  const c2 = parse(`[[processors.c2]]\nbin = "/usr/local/bin/damocles-worker-c2-optimized"\ncgroup.cpuset = "40-47"\n`);
  assert.equal(c2.config, undefined);
  const [e] = errors(c2.problems);
  assert.equal(e!.code, "MIXED_PROCESSOR_FAMILY");
  assert.match(e!.message, /^\[\[processors\.c2\]\] sets bin but \[\[processors\.c1\]\] does not: the built-in c1 output cannot feed an external c2/);
  const pc = parse(`[[processors.pc1]]\nbin = "/opt/pc1"\n[[processors.pc2]]\ncgroup.cpuset = "0-1"\n`);
  assert.match(errors(pc.problems)[0]!.message, /\[\[processors\.pc1\]\] sets bin but \[\[processors\.pc2\]\] does not/);
  const disagree = parse(`[[processors.pc2]]\nbin = "/opt/pc2"\n[[processors.pc2]]\n[[processors.pc1]]\nbin = "/opt/pc1"\n`);
  assert.match(errors(disagree.problems)[0]!.message, /some \[\[processors\.pc2\]\] entries set bin and others do not/);
  // two external stages of a pair are trusted to match; a lone builtin-style entry (no bin) is built-in
  assert.deepEqual(errors(parse(`[[processors.c1]]\nbin = "/opt/c1"\n[[processors.c2]]\nbin = "/opt/c2"\n`).problems), []);
  assert.deepEqual(errors(parse(`[[processors.c2]]\ncgroup.cpuset = "0-3"\n`).problems), []);
});

test("unknown keys warn with a did-you-mean and the line", () => {
  const { config, problems } = parse(`[sealing]\nmax_retry = 3\n\n[processors.limitation.concurrent]\npc3 = 1\n\n[[sealing_threads]]\nlocation = "/x"\n`);
  assert.ok(config, "unknown keys do not fail the load");
  assert.deepEqual(
    warnings(problems).map((p) => [p.key, p.line, p.message]),
    [
      ["sealing.max_retry", 11, "unknown key, ignored; did you mean max_retries?"],
      ["processors.limitation.concurrent.pc3", 14, "unknown stage, ignored; did you mean pc1?"],
      ["sealing_threads", 16, "unknown key, ignored; did you mean sealing_thread?"],
    ],
  );
});

test("wrong types are errors naming file, line, key and what is accepted; all are reported at once", () => {
  const { config, problems } = parse(
    `[worker]\nrpc_server.port = 70000\n[sealing]\nmax_retries = "3"\nseal_interval = 30\nallowed_sizes = ["3GiB"]\n[[processors.pc1]]\ncgroup.cpuset = "0-"\n`,
  );
  assert.equal(config, undefined);
  const got = errors(problems).map((p) => [p.key, p.line]);
  assert.deepEqual(got, [
    ["worker.rpc_server.port", 11],
    ["sealing.max_retries", 13],
    ["sealing.seal_interval", 14],
    ["sealing.allowed_sizes[0]", 15],
    ["processors.pc1[0].cgroup.cpuset", 17],
  ]);
  const msg = errors(problems).find((p) => p.key === "sealing.seal_interval")!.message;
  assert.equal(msg, 'expected a duration string such as "30s", "5min" or "1h", got the integer 30');
  assert.match(errors(problems).find((p) => p.key === "sealing.allowed_sizes[0]")!.message, /invalid sector size "3GiB"/);
});

test("required keys and TOML syntax errors", () => {
  const missing = parseWorkerConfig(`[[sealing_thread]]\nlocation = "/a"\n`, "w.toml");
  assert.deepEqual(errors(missing.problems).map((p) => [p.code, p.key]), [["MISSING_KEY", "sector_manager"]]);
  const addr = parseWorkerConfig(`[sector_manager]\nrpc_client.addr = "/tcp/1789"\n[[sealing_thread]]\nlocation = "/a"\n`, "w.toml");
  assert.deepEqual(errors(addr.problems).map((p) => [p.key, p.line]), [["sector_manager.rpc_client.addr", 2]]);
  const syntax = parseWorkerConfig(`[sealing]\nmax_retries = \n`, "w.toml");
  assert.deepEqual(syntax.problems.map((p) => [p.code, p.file, p.line]), [["TOML_SYNTAX", "w.toml", 2]]);
});

test("loadWorkerConfig throws one ConfigError listing each error as file:line: key", async () => {
  await assert.rejects(loadWorkerConfig("w.toml", `${BASE}\n[sealing]\nmax_retries = -1\nenable_deals = "yes"\n`), (err: unknown) => {
    assert.ok(err instanceof ConfigError);
    assert.equal(
      err.message,
      "w.toml:11: key sealing.max_retries: expected a non-negative whole number (0…4294967295), got -1\n" +
        "w.toml:12: key sealing.enable_deals: expected true or false, got the string \"yes\"",
    );
    return true;
  });
  await assert.rejects(loadWorkerConfig("/nonexistent/worker.toml"), /\/nonexistent\/worker.toml: config file not found/);
  const { config, warnings: w } = await loadWorkerConfig("w.toml", `${BASE}\nbogus = 1\n`);
  assert.equal(config.file, "w.toml");
  assert.equal(w.length, 1);
});

test("legacy spellings: local_pieces_dir, ScanPersistStores, a single [attached] table", () => {
  const legacy = parse(`[worker]\nlocal_pieces_dir = "/pieces"\nScanPersistStores = ["/mnt/*"]\n`).config!;
  assert.deepEqual(legacy.worker.local_pieces_dirs, ["/pieces"]);
  assert.deepEqual(legacy.worker.scan_persist_stores, ["/mnt/*"]);
  const both = parse(`[worker]\nlocal_pieces_dir = "/old"\nlocal_pieces_dirs = ["/a", "/b"]\n`);
  assert.deepEqual(both.config!.worker.local_pieces_dirs, ["/a", "/b"]);
  assert.equal(warnings(both.problems)[0]!.code, "LEGACY_KEY_IGNORED");
  const single = parseWorkerConfig(`[sector_manager]\nrpc_client.addr = "http://10.0.0.2:1789"\n[[sealing_thread]]\nlocation = "/a"\n[attached]\nname = "p1"\nlocation = "/mnt/p1"\nreadonly = true\n`, "w.toml");
  assert.deepEqual(single.config!.attached, [{ name: "p1", location: "/mnt/p1", readonly: true }]);
  assert.equal(warnings(single.problems)[0]!.code, "TABLE_NOT_ARRAY");
  const both2 = parse(`[processors.limit]\npc1 = 9\n[processors.limitation.concurrent]\npc1 = 2\n`);
  assert.deepEqual(both2.config!.processors.limitation?.concurrent, { pc1: 2 });
  assert.equal(warnings(both2.problems)[0]!.code, "LEGACY_LIMIT_IGNORED");
});

test("sector_manager headers and token; processors defaults and staggered minimum", () => {
  const c = parse(
    `[sector_manager.rpc_client]\nheaders = { User-Agent = "jsonrpc-core-client" }\ntoken = "eyJ..."\n` +
      `[processors.limitation.staggered]\npc1 = "500ms"\npc2 = "4min"\n[[processors.sealing_daemons]]\nbin = "/opt/d"\nargs = ["run"]\n`,
  );
  // the base already has [sector_manager]; a second table header for the same key is a TOML error
  assert.equal(c.problems[0]?.code, "TOML_SYNTAX");
  const ok = parseWorkerConfig(
    `[sector_manager]\nrpc_client.addr = "/ip4/10.0.0.2/tcp/1789"\nrpc_client.headers = { User-Agent = "jsonrpc-core-client" }\nrpc_client.token = "eyJ..."\npiece_token = "pt"\n` +
      `[[sealing_thread]]\nlocation = "/a"\n[processors.limitation.staggered]\npc1 = "500ms"\npc2 = "4min"\n[[processors.sealing_daemons]]\nbin = "/opt/d"\nargs = ["run"]\n`,
    "w.toml",
  );
  assert.deepEqual(ok.config!.sector_manager, { rpc_client: { addr: "/ip4/10.0.0.2/tcp/1789", headers: { "User-Agent": "jsonrpc-core-client" }, token: "eyJ..." }, piece_token: "pt" });
  assert.deepEqual(ok.config!.processors.limitation?.staggered, { pc1: 500, pc2: 240_000 });
  assert.equal(warnings(ok.problems)[0]!.code, "STAGGERED_TOO_SHORT");
  assert.deepEqual(ok.config!.processors.sealing_daemons![0]!.args, ["run"]);
  const daemon = parse(`[[processors.sealing_daemons]]\nbin = "/opt/d"\n`);
  assert.equal(errors(daemon.problems)[0]!.code, "SEALING_DAEMON_NEEDS_BIN");
});

test("hot config file: plan and sealing.*, location cannot move", () => {
  const { config, problems } = parseLocationConfig(`plan = "rebuild"\nlocation = "/elsewhere"\nsealing.max_retries = 7\nsealing.recover_interval = "15s"\n`, "/s/config.toml");
  assert.deepEqual(config, { plan: "rebuild", sealing: { max_retries: 7, recover_interval: 15_000 } });
  assert.deepEqual(problems.map((p) => [p.code, p.key, p.line]), [["IGNORED_KEY", "location", 2]]);
  const bad = parseLocationConfig(`[sealing]\nenable_deals = 1\n`, "/s/config.toml");
  assert.equal(bad.config, undefined);
  assert.deepEqual(errors(bad.problems).map((p) => [p.file, p.line, p.key]), [["/s/config.toml", 2, "sealing.enable_deals"]]);
});

test("manager sealing defaults (WorkerSealingDefaults) parse like [sealing]", () => {
  const r = parseSealingValues({ max_retries: 9, seal_interval: "10s", allowed_sizes: ["2KiB"], min_deal_space: "1KiB" }, "manager");
  assert.deepEqual(r.config, { max_retries: 9, seal_interval: 10_000, allowed_sizes: [2048], min_deal_space: 1024 });
  assert.deepEqual(parseSealingValues(null, "manager").config, {});
  const bad = parseSealingValues({ seal_interval: 10 }, "manager");
  assert.equal(bad.config, undefined);
  assert.deepEqual(errors(bad.problems).map((p) => [p.file, p.key]), [["manager", "seal_interval"]]);
});

test("keyLines finds headers, array elements, dotted and quoted keys", () => {
  const lineOf = keyLines(`[worker]\nrpc_server.port = 1\n[[processors.pc1]]\n[[processors.pc1]]\ncgroup.cpuset = "1"\n[processors.static_tree_d]\n"2KiB" = "/x"\n[[sealing_thread]]\n[sealing_thread.sealing]\nmax_retries = 1\n`);
  assert.equal(lineOf(["worker", "rpc_server", "port"]), 2);
  assert.equal(lineOf(["processors", "pc1", 1, "cgroup", "cpuset"]), 5);
  assert.equal(lineOf(["processors", "pc1", 0]), 3);
  assert.equal(lineOf(["processors", "static_tree_d", "2KiB"]), 7);
  assert.equal(lineOf(["sealing_thread", 0, "sealing", "max_retries"]), 10);
  assert.equal(lineOf(["metrics"]), undefined);
});

test("Damocles' minimal working example: every absent table gets its defaults", () => {
  const { config, problems } = parseWorkerConfig(`[sector_manager]\nrpc_client.addr = "/ip4/10.0.0.2/tcp/1789"\n\n[[sealing_thread]]\nlocation = "/mnt/nvme1/store"\n`, "min.toml");
  assert.deepEqual(problems, []);
  assert.deepEqual(config!.worker, { rpc_server: { host: "0.0.0.0", port: 17890 }, ping_interval: 30_000, scan_persist_stores: [], local_pieces_dirs: [] });
  assert.deepEqual(config!.metrics, { enable: false, http_listen: "0.0.0.0:9000" });
  assert.deepEqual(config!.sector_manager, { rpc_client: { addr: "/ip4/10.0.0.2/tcp/1789", headers: {} } });
  assert.deepEqual(config!.sealing, {});
  assert.deepEqual(config!.sealing_thread, [{ index: 0, location: "/mnt/nvme1/store", sealing: {} }]);
  assert.deepEqual(config!.attached, []);
  assert.deepEqual(config!.processors, {});
});
