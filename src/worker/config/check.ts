// Cross-key and machine checks of a loaded worker config (spec/worker.md §1 start-up steps 4, 5, 9 and §2): what
// `config check` reports beyond the loader's type errors and unknown keys. Errors are what makes the daemon refuse
// to start or a thread fail at once; warnings are what it tolerates (a cpuset naming CPUs this machine lacks, an
// absent NUMA node, a duplicate location that is skipped).
import { existsSync, readdirSync, statSync } from "node:fs";
import { dirname, isAbsolute, relative, resolve } from "node:path";
import { PROCESSOR_SECTION_KEYS, STAGE_LIMIT_KEYS, isProcessorSectionKey } from "../../api/stages.js";
import { didYouMean, keyName, type KeyPath, type Problem } from "./load.js";
import { effectiveConcurrentLimits } from "../../processors/limits.js";
import { PLAN_NAMES, type WorkerConfig } from "./schema.js";
import { parseCpuset } from "./units.js";

export interface CheckOptions {
  /** CPUs this machine has (os.availableParallelism()); CPU numbers 0…cpuCount−1 exist. */
  cpuCount: number;
  /** NUMA node numbers this machine has (from /sys/devices/system/node); undefined: not checked. */
  numaNodes?: readonly number[];
  /**
   * Store names the manager knows (`Venus.StoreBasicInfo(name) ≠ null`) — only when a manager answered;
   * undefined: attached names are not checked.
   */
  managerStores?: ReadonlySet<string>;
  /** Stores found by `worker.scan_persist_stores`, added to `[[attached]]` (scanning is I/O; the caller does it). */
  scannedStores?: readonly { name?: string; location: string }[];
  /** Base of relative paths (default: process.cwd(), as for the daemon). */
  cwd?: string;
  /** The line of a key path in the config file (load.ts `keyLines(text)`), so problems name it. */
  lineOf?: (path: KeyPath) => number | undefined;
}

/** Every problem of the config that the loader does not see. */
export function checkWorkerConfig(config: WorkerConfig, opts: CheckOptions): Problem[] {
  const problems: Problem[] = [];
  const add = (level: Problem["level"], code: string, path: KeyPath, message: string): void => {
    const line = opts.lineOf?.(path);
    problems.push({ level, code, message, file: config.file, ...(line === undefined ? {} : { line }), key: keyName(path) });
  };
  const cwd = opts.cwd ?? process.cwd();
  const abs = (p: string): string => resolve(cwd, p);

  checkThreads(config, add, abs);
  checkAttached(config, opts, add, abs);
  checkProcessors(config, opts, add, abs);
  return problems;
}

type Add = (level: Problem["level"], code: string, path: KeyPath, message: string) => void;

/** `a` contains `b` (or is it). */
const within = (outer: string, inner: string): boolean => {
  const r = relative(outer, inner);
  return r === "" || (!r.startsWith("..") && !isAbsolute(r));
};

// Damocles keeps its sector record in a RocksDB database in meta/; this worker refuses such a store (§5.4).
const ROCKSDB_MARKERS = /^(CURRENT|IDENTITY|LOCK|MANIFEST-\d+|OPTIONS-\d+|\d+\.(sst|log))$/;

function checkThreads(config: WorkerConfig, add: Add, abs: (p: string) => string): void {
  if (config.sealing_thread.length === 0)
    add("warning", "NO_SEALING_THREAD", ["sealing_thread"], "no [[sealing_thread]]: this worker seals nothing");
  const seen: { path: string; index: number }[] = [];
  for (const t of config.sealing_thread) {
    const at: KeyPath = ["sealing_thread", t.index];
    const plan = t.plan ?? "sealer";
    if (!(PLAN_NAMES as readonly string[]).includes(plan)) {
      const guess = didYouMean(plan, PLAN_NAMES);
      add("error", "UNKNOWN_PLAN", [...at, "plan"],
        `unknown plan "${plan}"; accepted: ${PLAN_NAMES.join(", ")}${guess === undefined ? "" : `; did you mean ${guess}?`}`);
    }
    if (t.location === undefined) {
      if (plan !== "wdpost") add("error", "MISSING_LOCATION", at, `missing location: every plan but wdpost needs a sealing store`);
      continue;
    }
    const loc = abs(t.location);
    const dup = seen.find((s) => s.path === loc);
    if (dup) {
      add("warning", "DUPLICATE_LOCATION", [...at, "location"],
        `same sealing store as sealing_thread[${dup.index}] (${loc}); the daemon skips this thread`);
      continue;
    }
    for (const s of seen) {
      if (within(s.path, loc) || within(loc, s.path)) {
        const [outer, inner] = within(s.path, loc) ? [s.path, loc] : [loc, s.path];
        add("warning", "OVERLAPPING_LOCATIONS", [...at, "location"],
          `overlaps sealing_thread[${s.index}]: ${inner} lies inside ${outer}; give each thread its own directory`);
      }
    }
    seen.push({ path: loc, index: t.index });
    checkStoreDir(loc, [...at, "location"], add);
  }
}

function checkStoreDir(loc: string, at: KeyPath, add: Add): void {
  let st;
  try {
    st = statSync(loc);
  } catch {
    if (!existsSync(dirname(loc)))
      add("warning", "LOCATION_PARENT_MISSING", at, `${loc} does not exist and neither does its parent; run \`damocles-worker store sealing-init -l ${loc}\``);
    return;
  }
  if (!st.isDirectory()) {
    add("error", "LOCATION_NOT_DIR", at, `${loc} is not a directory`);
    return;
  }
  let meta: string[] = [];
  try {
    meta = readdirSync(resolve(loc, "meta"));
  } catch {
    return;
  }
  if (meta.some((f) => ROCKSDB_MARKERS.test(f)))
    add("error", "DAMOCLES_ROCKSDB_STORE", at,
      `${loc}/meta holds a Damocles RocksDB sector record, which this worker does not read; finish that sector with a Damocles worker or point the thread at an empty store`);
}

function checkAttached(config: WorkerConfig, opts: CheckOptions, add: Add, abs: (p: string) => string): void {
  const stores = [
    ...config.attached.map((a, i) => ({ ...a, at: ["attached", i] as KeyPath })),
    ...(opts.scannedStores ?? []).map((a) => ({ ...a, at: ["worker", "scan_persist_stores"] as KeyPath })),
  ];
  if (stores.length === 0 && config.worker.scan_persist_stores.length === 0)
    add("error", "NO_PERSIST_STORE", ["attached"], "no [[attached]] store: the daemon needs at least one persist store");
  const names = new Map<string, KeyPath>();
  for (const s of stores) {
    const loc = abs(s.location);
    const name = s.name ?? loc;
    const first = names.get(name);
    if (first) add("error", "DUPLICATE_STORE_NAME", s.at, `persist store name "${name}" is also used by ${keyName(first)}; names must be unique`);
    else names.set(name, s.at);
    if (!existsSync(loc)) add("warning", "ATTACHED_MISSING", [...s.at, "location"], `${loc} does not exist (is the store mounted?)`);
    for (const t of config.sealing_thread) {
      if (t.location !== undefined && (within(loc, abs(t.location)) || within(abs(t.location), loc)))
        add("warning", "OVERLAPPING_LOCATIONS", [...s.at, "location"], `overlaps the sealing store of sealing_thread[${t.index}] (${abs(t.location)})`);
    }
    if (opts.managerStores && !opts.managerStores.has(name))
      add("error", "UNKNOWN_STORE", s.at,
        `persist store "${name}" is unknown to the manager; add it to the manager's [[Common.PersistStores]] under the same name, or set name = to the manager's name`);
  }
}

function checkProcessors(config: WorkerConfig, opts: CheckOptions, add: Add, abs: (p: string) => string): void {
  const p = config.processors;
  const extLocks = p.ext_locks ?? {};
  const used = new Set<string>();
  for (const stage of PROCESSOR_SECTION_KEYS) {
    for (const [index, e] of (p[stage] ?? []).entries()) {
      const at: KeyPath = ["processors", stage, index];
      if (e.cgroup?.cpuset !== undefined) {
        const missing = parseCpuset(e.cgroup.cpuset).filter((c) => c >= opts.cpuCount);
        if (missing.length > 0)
          add("warning", "CPUSET_CPUS_MISSING", [...at, "cgroup", "cpuset"],
            `cpuset "${e.cgroup.cpuset}" names CPU${missing.length > 1 ? "s" : ""} ${fmtCpus(missing)} but this machine has CPUs 0-${opts.cpuCount - 1}; the child runs unpinned`);
      }
      if (e.numa_preferred !== undefined && opts.numaNodes && !opts.numaNodes.includes(e.numa_preferred))
        add("warning", "NUMA_NODE_MISSING", [...at, "numa_preferred"],
          `NUMA node ${e.numa_preferred} does not exist on this machine (nodes: ${opts.numaNodes.join(", ") || "none"}); the child runs without a preference`);
      for (const lock of e.locks ?? []) {
        used.add(lock);
        if (!(lock in extLocks)) {
          const guess = didYouMean(lock, Object.keys(extLocks));
          add("error", "UNKNOWN_EXT_LOCK", [...at, "locks"],
            `lock "${lock}" is not declared in [processors.ext_locks]${guess === undefined ? "" : `; did you mean ${guess}?`}`);
        }
      }
      if (e.bin !== undefined && e.bin.includes("/") && !existsSync(abs(e.bin)))
        add("error", "BIN_NOT_FOUND", [...at, "bin"], `${abs(e.bin)} does not exist; the daemon cannot start this processor`);
    }
  }
  for (const [lock, n] of Object.entries(extLocks)) {
    if (n === 0) add("error", "EXT_LOCK_EMPTY", ["processors", "ext_locks", lock], `lock "${lock}" has 0 tokens: a processor that needs it never runs`);
    else if (!used.has(lock)) add("warning", "UNUSED_EXT_LOCK", ["processors", "ext_locks", lock], `lock "${lock}" is not in any [[processors.<stage>]] locks, so it has no effect`);
  }
  const concurrent = effectiveConcurrentLimits(p);
  const limitTable = p.limitation?.concurrent !== undefined ? ["limitation", "concurrent"] : ["limit"];
  for (const stage of STAGE_LIMIT_KEYS) {
    const limit = concurrent[stage];
    if (limit === undefined) continue;
    const at: KeyPath = ["processors", ...limitTable, stage];
    if (limit === 0) {
      add("error", "STAGE_LIMIT_ZERO", at, `limit 0: no ${stage} task could ever run; remove the line for no limit, or set at least 1`);
      continue;
    }
    const entries = isProcessorSectionKey(stage) ? (p[stage] ?? []) : [];
    if (entries.length === 0 || entries.some((e) => e.concurrent === undefined)) continue;
    const capacity = entries.reduce((s, e) => s + e.concurrent!, 0);
    if (limit > capacity)
      add("warning", "STAGE_LIMIT_ABOVE_CAPACITY", at,
        `limit ${limit} is more than the ${capacity} task${capacity > 1 ? "s" : ""} the ${entries.length} [[processors.${stage}]] entr${entries.length > 1 ? "ies" : "y"} can run at once (sum of concurrent); the extra tasks wait for a processor`);
  }
  for (const [size, path] of Object.entries(p.static_tree_d ?? {})) {
    if (!existsSync(abs(path)))
      add("error", "STATIC_TREE_D_MISSING", ["processors", "static_tree_d", size],
        `${abs(path)} does not exist; create it with \`damocles-worker generator tree-d -s ${size} -p <dir>\``);
  }
}

/** [0,1,2,5] → "0-2,5". */
function fmtCpus(cpus: number[]): string {
  const out: string[] = [];
  for (let i = 0; i < cpus.length; ) {
    let j = i;
    while (j + 1 < cpus.length && cpus[j + 1] === cpus[j]! + 1) j++;
    out.push(i === j ? `${cpus[i]}` : `${cpus[i]}-${cpus[j]}`);
    i = j + 1;
  }
  return out.join(",");
}
