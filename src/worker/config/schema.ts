// The worker's configuration keys (spec/worker.md §2), once: the key tree the loader walks (types, defaults,
// required keys), the sealing-key table the four layers of §3 share, and the typed result. Key names are the
// TOML names and are never "fixed" (STYLE.md, Naming), so the parsed config reads like the file.
import { PROCESSOR_SECTION_KEYS, STAGE_LIMIT_KEYS } from "../../api/stages.js";
import type { ProcessorsConfig } from "../../processors/processor-set.js";
import type { DurationMs, ManagerEndpoint } from "./units.js";

// ---------------------------------------------------------------- the key tree

/** The value kinds of the TOML (spec/worker.md §2: durations, byte sizes and sector sizes are strings). */
export type ValueType =
  | { kind: "string" }
  | { kind: "bool" }
  | { kind: "int"; min: number; max: number; what: string }
  | { kind: "duration" }
  | { kind: "bytes" }
  | { kind: "sector_size" }
  | { kind: "cpuset" }
  | { kind: "socket_addr" }
  | { kind: "manager_addr" }
  | { kind: "array"; of: ValueType }
  /** A table with free keys (envs, headers, ext_locks); `keys` lists the accepted ones when they are fixed. */
  | { kind: "map"; of: ValueType; keys?: readonly string[]; keysAre?: string }
  | TableType
  /** `[[name]]`: an array of tables. */
  | { kind: "tables"; item: TableType };

export interface FieldSpec {
  type: ValueType;
  /** Filled in when the key is absent (already parsed: ms, bytes). */
  default?: unknown;
  required?: boolean;
  /** Other spellings Damocles accepts (serde aliases). */
  aliases?: readonly string[];
  /** A key that is accepted and ignored, with the reason shown in its warning. */
  ignored?: string;
}

export interface TableType {
  kind: "table";
  fields: Readonly<Record<string, FieldSpec>>;
  /** What an unknown key whose value is an array of tables means here (the `[[processors.<x>]]` rule). */
  unknownTablesAreErrors?: string;
  /** Only the keys present are kept, defaults are not filled in (a layer of §3: the layering applies them). */
  sparse?: boolean;
}

const STRING = { kind: "string" } as const;
const BOOL = { kind: "bool" } as const;
const DURATION = { kind: "duration" } as const;
const u16 = (what = "a port number"): ValueType => ({ kind: "int", min: 0, max: 65_535, what });
const u32 = { kind: "int", min: 0, max: 2 ** 32 - 1, what: "a non-negative whole number" } as const;
const usize = { kind: "int", min: 0, max: Number.MAX_SAFE_INTEGER, what: "a non-negative whole number" } as const;
const u64 = { kind: "int", min: 0, max: Number.MAX_SAFE_INTEGER, what: "a non-negative whole number (actor ID)" } as const;
const table = (fields: Record<string, FieldSpec>, extra: Partial<TableType> = {}): TableType => ({ kind: "table", fields, ...extra });

/** The plans of §6; an unknown name is a Critical error of the thread (here: a config error). */
export const PLAN_NAMES = ["sealer", "snapup", "rebuild", "unseal", "wdpost", "niporep"] as const;
export type PlanName = (typeof PLAN_NAMES)[number];
export const DEFAULT_PLAN: PlanName = "sealer";

/**
 * `[sealing]` (§2.4): the keys every layer of §3 may set. Defaults are layer 0. Optional keys without a default
 * (`allowed_miners`, `allowed_sizes`, `max_deals`, `min_deal_space`) mean "any" / "unlimited" / "none".
 */
export const SEALING_FIELDS = {
  allowed_miners: { type: { kind: "array", of: u64 } },
  allowed_sizes: { type: { kind: "array", of: { kind: "sector_size" } } },
  enable_deals: { type: BOOL, default: false },
  disable_cc: { type: BOOL, default: false },
  max_deals: { type: usize },
  min_deal_space: { type: { kind: "bytes" } },
  max_retries: { type: u32, default: 5 },
  seal_interval: { type: DURATION, default: 30_000 },
  recover_interval: { type: DURATION, default: 60_000 },
  rpc_polling_interval: { type: DURATION, default: 180_000 },
  ignore_proof_check: { type: BOOL, default: false },
  request_task_max_retries: { type: u32, default: 3 },
  verify_after_pc2: { type: BOOL, default: false },
} as const satisfies Record<string, FieldSpec>;

export type SealingKey = keyof typeof SEALING_FIELDS;
export const SEALING_KEYS = Object.keys(SEALING_FIELDS) as SealingKey[];
/** A `[sealing]`-shaped layer: the keys it sets, nothing else. */
export const SEALING_LAYER = table(SEALING_FIELDS, { sparse: true });

/** The effective sealing settings of one thread (all layers applied). Durations in ms, sizes in bytes. */
export interface SealingConfig {
  allowed_miners?: number[];
  /** Sector sizes in bytes. */
  allowed_sizes?: number[];
  enable_deals: boolean;
  disable_cc: boolean;
  max_deals?: number;
  /** Bytes. */
  min_deal_space?: number;
  max_retries: number;
  seal_interval: DurationMs;
  recover_interval: DurationMs;
  rpc_polling_interval: DurationMs;
  ignore_proof_check: boolean;
  request_task_max_retries: number;
  verify_after_pc2: boolean;
}
/** One layer's sealing keys: only those it sets. */
export type SealingOverrides = Partial<SealingConfig>;

/** Layer 0 of §3. */
export const SEALING_DEFAULTS: Readonly<SealingConfig> = Object.freeze(
  Object.fromEntries(
    SEALING_KEYS.flatMap((k) => {
      const f: FieldSpec = SEALING_FIELDS[k];
      return f.default === undefined ? [] : [[k, f.default]];
    }),
  ) as unknown as SealingConfig,
);

/** `[[processors.<stage>]]` (§2.9; protocols.md §3.6). Defaults that depend on the stage are filled by the loader. */
export const PROCESSOR_ENTRY = table({
  bin: { type: STRING },
  args: { type: { kind: "array", of: STRING } },
  stable_wait: { type: DURATION, default: 5_000 },
  envs: { type: { kind: "map", of: STRING } },
  inherit_envs: { type: BOOL, default: true },
  numa_preferred: { type: { kind: "int", min: 0, max: 2 ** 31 - 1, what: "a NUMA node number" } },
  cgroup: {
    type: table({ cpuset: { type: { kind: "cpuset" } }, group_name: { type: STRING } }),
  },
  concurrent: { type: { kind: "int", min: 1, max: Number.MAX_SAFE_INTEGER, what: "a whole number ≥ 1" } },
  locks: { type: { kind: "array", of: STRING } },
  auto_restart: { type: BOOL, default: true },
  request_timeout: { type: DURATION },
  weight: { type: usize, ignored: "Damocles no longer reads it: the least loaded free sub-processor is chosen (spec/worker.md §4.1)" },
});

const stageMap = (of: ValueType): ValueType => ({ kind: "map", of, keys: STAGE_LIMIT_KEYS, keysAre: "stage" });

/** The whole file (§2). */
export const WORKER_SCHEMA: TableType = table({
  worker: {
    type: table({
      name: { type: STRING },
      rpc_server: { type: table({ host: { type: STRING, default: "0.0.0.0" }, port: { type: u16(), default: 17_890 } }) },
      ping_interval: { type: DURATION, default: 30_000 },
      local_pieces_dirs: { type: { kind: "array", of: STRING } },
      local_pieces_dir: { type: STRING },
      scan_persist_stores: { type: { kind: "array", of: STRING }, default: [], aliases: ["ScanPersistStores"] },
    }),
  },
  metrics: {
    type: table({ enable: { type: BOOL, default: false }, http_listen: { type: { kind: "socket_addr" }, default: "0.0.0.0:9000" } }),
  },
  sector_manager: {
    required: true,
    type: table({
      rpc_client: {
        required: true,
        type: table({
          addr: { type: { kind: "manager_addr" }, required: true },
          headers: { type: { kind: "map", of: STRING } },
          token: { type: STRING },
        }),
      },
      piece_token: { type: STRING },
    }),
  },
  sealing: { type: SEALING_LAYER },
  sealing_thread: {
    required: true,
    type: {
      kind: "tables",
      item: table({ location: { type: STRING }, plan: { type: STRING }, sealing: { type: SEALING_LAYER } }),
    },
  },
  attached: {
    type: {
      kind: "tables",
      item: table({ name: { type: STRING }, location: { type: STRING, required: true }, readonly: { type: BOOL, default: false } }),
    },
  },
  remote_store: {
    type: table({ name: { type: STRING }, location: { type: STRING } }),
    ignored: "deprecated since Damocles v0.4; declare the store as [[attached]]",
  },
  attached_selection: {
    type: table({ enable_space_weighted: { type: BOOL } }),
    ignored: "deprecated: persist-store selection is the manager's job",
  },
  processors: {
    type: table(
      {
        limit: { type: stageMap(usize) },
        limitation: {
          type: table({ concurrent: { type: stageMap(usize) }, staggered: { type: stageMap(DURATION) } }),
        },
        ext_locks: { type: { kind: "map", of: usize } },
        static_tree_d: { type: { kind: "map", of: STRING, keysAre: "sector size" } },
        ...Object.fromEntries(PROCESSOR_SECTION_KEYS.map((k) => [k, { type: { kind: "tables", item: PROCESSOR_ENTRY } }])),
      },
      {
        unknownTablesAreErrors:
          `not a processor stage; [[processors.<stage>]] accepts ${PROCESSOR_SECTION_KEYS.join(", ")} ` +
          "(Damocles silently ignores such a section; this worker refuses it, spec/worker.md §2)",
      },
    ),
  },
});

// ---------------------------------------------------------------- the typed result

export interface WorkerSection {
  name?: string;
  rpc_server: { host: string; port: number };
  ping_interval: DurationMs;
  /** `local_pieces_dirs`, or the legacy `local_pieces_dir` when that is absent. */
  local_pieces_dirs: string[];
  scan_persist_stores: string[];
}

export interface SealingThreadConfig {
  /** Position in the file: the thread index of `worker list`. */
  index: number;
  /** Absent only for `plan = "wdpost"`. */
  location?: string;
  plan?: string;
  /** Layer 3 of §3: the keys this thread sets. */
  sealing: SealingOverrides;
}

export interface AttachedConfig {
  /** Defaults to the canonical location path (resolved when the store is opened). */
  name?: string;
  location: string;
  readonly: boolean;
}

export interface WorkerConfig {
  /** Where it was read from (named in errors). */
  file: string;
  worker: WorkerSection;
  metrics: { enable: boolean; http_listen: string };
  sector_manager: {
    rpc_client: { addr: string; headers: Record<string, string>; token?: string };
    piece_token?: string;
  };
  /** The endpoint `rpc_client.addr` names (protocols.md §1.1). */
  manager: ManagerEndpoint;
  /** Layer 2 of §3: the keys `[sealing]` sets. */
  sealing: SealingOverrides;
  sealing_thread: SealingThreadConfig[];
  attached: AttachedConfig[];
  /** The `[processors]` table in the shape src/processors takes (durations in ms, entry defaults filled in). */
  processors: ProcessorsConfig;
}

/** The parent cgroup of processor children (`cgroup.group_name`). */
export const DEFAULT_CGROUP_GROUP = "vc-worker";

/** The minimum interval of a staggered stage limit (§2.7). */
export const MIN_STAGGERED_MS = 1_000;
