// The sector-manager.cfg and ext-prover.cfg key trees (spec/manager.md §2–§4): every key with its type,
// default and one-line meaning. One source of truth for the loader (load.ts), the validator, the
// commented default file (template.ts) and the docs. Key names are Damocles' (PascalCase TOML keys,
// `damocles-manager/modules/config.go`); [Common.Auth], [Common.WorkerDefaults], DB.SQLite/Postgres and
// a few Proving keys are the project's (P).
import { isIP } from "node:net";
import { formatGoDuration, parseGoDuration, type DurationMs } from "../../api/go-duration.js";
import { parseApiEndpoint, type ApiServiceKind } from "../../chain/endpoints.js";
import { parseAddress } from "../../filecoin/address.js";
import { ATTO_PER_FIL } from "../../filecoin/bigint.js";
import type { AttoFIL } from "../../filecoin/ids.js";
import { parseSectorSize } from "../../filecoin/sizes.js";

// ---------------------------------------------------------------- node kinds

/** How one TOML value becomes a typed value, and back (for the template). Throws RangeError saying what is accepted. */
export interface ValueType<T> {
  readonly name: string;
  decode(raw: unknown): T;
  encode(value: T): string;
}

export interface LeafNode<T = unknown, O extends boolean = boolean> {
  readonly node: "leaf";
  readonly type: ValueType<T>;
  /** undefined: unset unless written (only for optional leaves). */
  readonly default: T | undefined;
  readonly optional: O;
  readonly doc: string;
  /** A value shown (as documentation) in the template for an optional leaf without a default. */
  readonly example?: string;
  /** Older spellings read too; when both are written the old one wins, as in Damocles' getters. */
  readonly aliases?: readonly string[];
  /** Must be written (no default). */
  readonly required?: boolean;
}

export type Fields = Record<string, SchemaNode>;

export interface TableNode<F extends Fields = Fields> {
  readonly node: "table";
  readonly fields: F;
  readonly doc?: string;
}

/** An array of tables (`[[Common.PersistStores]]`); each entry is decoded on top of the item defaults. */
export interface ListNode<F extends Fields = Fields> {
  readonly node: "list";
  readonly item: TableNode<F>;
  readonly doc: string;
}

/** A table of named tables (`[Common.WorkerDefaults.ByWorker."<name>"]`). */
export interface MapNode<F extends Fields = Fields> {
  readonly node: "map";
  readonly value: TableNode<F>;
  readonly doc: string;
  readonly example?: readonly string[];
}

/** A Damocles key this project accepts and ignores (with a warning when `warning` is set). */
export interface IgnoredNode {
  readonly node: "ignored";
  readonly doc: string;
  readonly warning?: string;
}

export type SchemaNode = LeafNode | TableNode | ListNode | MapNode | IgnoredNode;

export type ValueOf<N> =
  N extends LeafNode<infer T, infer O>
    ? O extends true
      ? T | undefined
      : T
    : N extends TableNode<infer F>
      ? ValueOfFields<F>
      : N extends ListNode<infer F>
        ? ValueOfFields<F>[]
        : N extends MapNode<infer F>
          ? Record<string, ValueOfFields<F>>
          : never;

export type ValueOfFields<F extends Fields> = { [K in keyof F as F[K] extends IgnoredNode ? never : K]: ValueOf<F[K]> };

// ---------------------------------------------------------------- builders

const leaf = <T>(type: ValueType<T>, def: T, doc: string, extra?: { aliases?: readonly string[] }): LeafNode<T, false> => ({
  node: "leaf",
  type,
  default: def,
  optional: false,
  doc,
  ...extra,
});
const optional = <T>(type: ValueType<T>, doc: string, extra?: { default?: T; example?: string; aliases?: readonly string[] }): LeafNode<T, true> => ({
  node: "leaf",
  type,
  default: extra?.default,
  optional: true,
  doc,
  ...(extra?.example === undefined ? {} : { example: extra.example }),
  ...(extra?.aliases === undefined ? {} : { aliases: extra.aliases }),
});
const required = <T>(type: ValueType<T>, doc: string, example: string): LeafNode<T, false> => ({
  node: "leaf",
  type,
  default: undefined,
  optional: false,
  required: true,
  doc,
  example,
});
const table = <F extends Fields>(fields: F, doc?: string): TableNode<F> => ({ node: "table", fields, ...(doc === undefined ? {} : { doc }) });
const ignored = (doc: string, warning?: string): IgnoredNode => ({ node: "ignored", doc, ...(warning === undefined ? {} : { warning }) });

// ---------------------------------------------------------------- value types

const describe = (raw: unknown): string =>
  raw === null
    ? "null"
    : Array.isArray(raw)
      ? "an array"
      : typeof raw === "object"
        ? raw instanceof Date
          ? "a date"
          : "a table"
        : typeof raw === "string"
          ? `"${raw}"`
          : typeof raw === "bigint"
            ? raw.toString()
            : String(raw);

const q = (s: string): string => JSON.stringify(s); // a JSON string of printable text is a TOML basic string

export const boolType: ValueType<boolean> = {
  name: "bool",
  decode(raw) {
    if (typeof raw !== "boolean") throw new RangeError(`expected true or false, got ${describe(raw)}`);
    return raw;
  },
  encode: String,
};

/** An integer within [min, max] (both safe integers). */
export function intType(min: number, max: number = Number.MAX_SAFE_INTEGER, name = "integer"): ValueType<number> {
  return {
    name,
    decode(raw) {
      const n = typeof raw === "bigint" ? Number(raw) : raw;
      if (typeof n !== "number" || !Number.isInteger(n)) throw new RangeError(`expected an integer, got ${describe(raw)}`);
      if (!Number.isSafeInteger(n) || n < min || n > max)
        throw new RangeError(`${describe(raw)} is out of range: expected ${max === Number.MAX_SAFE_INTEGER ? `an integer ≥ ${min}` : `${min} … ${max}`}`);
      return n;
    },
    encode: String,
  };
}

const U32_MAX = 2 ** 32 - 1;
export const uintType = intType(0, Number.MAX_SAFE_INTEGER, "non-negative integer");
export const u32Type = intType(0, U32_MAX, "u32");

export function floatType(min: number): ValueType<number> {
  return {
    name: "number",
    decode(raw) {
      if (typeof raw !== "number" || !Number.isFinite(raw)) throw new RangeError(`expected a number, got ${describe(raw)}`);
      if (raw < min) throw new RangeError(`${raw} is out of range: expected a number ≥ ${min}`);
      return raw;
    },
    // Always with a fraction, so the TOML stays a float ("0.0", "1.2").
    encode: (v) => (Number.isInteger(v) ? v.toFixed(1) : String(v)),
  };
}

export const stringType: ValueType<string> = {
  name: "string",
  decode(raw) {
    if (typeof raw !== "string") throw new RangeError(`expected a string, got ${describe(raw)}`);
    return raw;
  },
  encode: q,
};

export function enumType<const V extends string>(values: readonly V[]): ValueType<V> {
  return {
    name: values.map((v) => `"${v}"`).join(" | "),
    decode(raw) {
      const s = stringType.decode(raw);
      if (!(values as readonly string[]).includes(s)) throw new RangeError(`unknown value "${s}": accepted: ${values.join(", ")}`);
      return s as V;
    },
    encode: q,
  };
}

export const durationType: ValueType<DurationMs> = {
  name: "duration",
  decode(raw) {
    if (typeof raw !== "string") throw new RangeError(`expected a Go duration string such as "1m0s", got ${describe(raw)}`);
    const ms = parseGoDuration(raw);
    if (ms < 0) throw new RangeError(`duration "${raw}" must not be negative`);
    return ms;
  },
  encode: (ms) => q(formatGoDuration(ms)),
};

// FIL amounts as Damocles' ParseFIL reads them: a decimal number and a unit FIL (or none), nanoFIL/nfil,
// attoFIL/afil, case-insensitive; the amount must come out a whole number of attoFIL.
const FIL_UNITS: readonly (readonly [string, bigint, string])[] = [
  ["fil", ATTO_PER_FIL, "FIL"],
  ["", ATTO_PER_FIL, "FIL"],
  ["nanofil", 10n ** 9n, "nanoFIL"],
  ["nfil", 10n ** 9n, "nanoFIL"],
  ["attofil", 1n, "attoFIL"],
  ["afil", 1n, "attoFIL"],
];

/** "5 nanoFIL", "0.1 FIL", "0.1", "1000 attoFIL" → attoFIL. */
export function parseFilAmount(text: string): AttoFIL {
  const m = /^\s*(-?)(\d+)(?:\.(\d*))?\s*([A-Za-z]*)\s*$/.exec(text);
  const unit = m ? FIL_UNITS.find(([u]) => u === m[4]!.toLowerCase()) : undefined;
  if (!m || !unit)
    throw new RangeError(`invalid FIL amount "${text}": expected a number and a unit FIL, nanoFIL or attoFIL, e.g. "5 nanoFIL" or "0.1 FIL"`);
  const frac = (m[3] ?? "").replace(/0+$/, "");
  const scale = 10n ** BigInt(frac.length);
  const num = (BigInt(m[2]!) * scale + BigInt(frac || "0")) * unit[1];
  if (num % scale !== 0n) throw new RangeError(`invalid FIL amount "${text}": not a whole number of attoFIL`);
  const atto = num / scale;
  return m[1] === "-" ? -atto : atto;
}

/** Damocles' FIL.Short: the largest unit the amount reaches, "5 nanoFIL", "1.5 FIL", "0". */
export function formatFilAmount(atto: AttoFIL): string {
  const mag = atto < 0n ? -atto : atto;
  if (mag === 0n) return "0";
  const [, per, pretty] = [FIL_UNITS[0]!, FIL_UNITS[2]!, FIL_UNITS[4]!].find(([, p]) => mag >= p) ?? FIL_UNITS[4]!;
  const whole = mag / per;
  const frac = per === 1n ? "" : (mag % per).toString().padStart(per.toString().length - 1, "0").replace(/0+$/, "");
  return `${atto < 0n ? "-" : ""}${whole}${frac ? `.${frac}` : ""} ${pretty}`;
}

/** A FIL amount; "" means unset (undefined), as Damocles reads an empty FIL. */
export const filType: ValueType<AttoFIL | undefined> = {
  name: "FIL amount",
  decode(raw) {
    if (typeof raw !== "string") throw new RangeError(`expected a FIL amount string such as "5 nanoFIL", got ${describe(raw)}`);
    if (raw.trim() === "") return undefined;
    const v = parseFilAmount(raw);
    if (v < 0n) throw new RangeError(`FIL amount "${raw}" must not be negative`);
    return v;
  },
  encode: (v) => q(v === undefined ? "" : formatFilAmount(v)),
};

export const addressType: ValueType<string> = {
  name: "address",
  decode(raw) {
    const s = stringType.decode(raw);
    parseAddress(s);
    return s;
  },
  encode: q,
};

export function listType<T>(item: ValueType<T>, name = `[${item.name}]`): ValueType<T[]> {
  return {
    name,
    decode(raw) {
      if (!Array.isArray(raw)) throw new RangeError(`expected an array of ${item.name}, got ${describe(raw)}`);
      return raw.map((r, i) => {
        try {
          return item.decode(r);
        } catch (e) {
          throw new RangeError(`item ${i}: ${(e as Error).message}`);
        }
      });
    },
    encode: (v) => `[${v.map((x) => item.encode(x)).join(", ")}]`,
  };
}

export const stringMapType: ValueType<Record<string, string>> = {
  name: "table of strings",
  decode(raw) {
    if (typeof raw !== "object" || raw === null || Array.isArray(raw) || raw instanceof Date)
      throw new RangeError(`expected a table of strings, got ${describe(raw)}`);
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(raw)) {
      if (typeof v !== "string") throw new RangeError(`${k}: expected a string, got ${describe(v)}`);
      out[k] = v;
    }
    return out;
  },
  encode: (v) => `{${Object.entries(v).map(([k, x]) => ` ${q(k)} = ${q(x)}`).join(",")}${Object.keys(v).length ? " " : ""}}`,
};

export function endpointType(kind: ApiServiceKind): ValueType<string> {
  return {
    name: "endpoint",
    decode(raw) {
      const s = stringType.decode(raw);
      parseApiEndpoint(s, kind);
      return s;
    },
    encode: q,
  };
}

/** `10.0.0.0/8`, `fd00::/8`, or a single address. */
export const cidrType: ValueType<string> = {
  name: "CIDR",
  decode(raw) {
    const s = stringType.decode(raw);
    const m = /^([^/]+)(?:\/(\d{1,3}))?$/.exec(s.trim());
    const family = m ? isIP(m[1]!) : 0;
    const bits = family === 4 ? 32 : 128;
    if (!m || family === 0 || (m[2] !== undefined && Number(m[2]) > bits))
      throw new RangeError(`invalid network "${s}": expected an address or CIDR such as 10.0.0.0/8 or fd00::/8`);
    return s.trim();
  },
  encode: q,
};

// The worker's [sealing] value forms (spec/worker.md §2): humantime durations and byte sizes are strings
// handed to the worker unchanged, so they are only checked here.
const HUMANTIME_RE =
  /^\s*(?:\d+\s*(?:nsec|ns|usec|us|µs|msec|ms|seconds|second|secs|sec|s|minutes|minute|mins|min|m|hours|hour|hrs|hr|h|days|day|d|weeks|week|w|months|month|M|years|year|y)\s*)+$/;
export const humanDurationType: ValueType<string> = {
  name: "duration",
  decode(raw) {
    const s = stringType.decode(raw);
    if (!HUMANTIME_RE.test(s)) throw new RangeError(`invalid duration "${s}": expected e.g. "30s", "5min", "1h 30m"`);
    return s;
  },
  encode: q,
};
export const sectorSizeType: ValueType<string> = {
  name: "sector size",
  decode(raw) {
    const s = stringType.decode(raw);
    parseSectorSize(s);
    return s;
  },
  encode: q,
};
export const byteSizeType: ValueType<string | number> = {
  name: "byte size",
  decode(raw) {
    if (typeof raw === "number" && Number.isSafeInteger(raw) && raw >= 0) return raw;
    const s = stringType.decode(raw);
    if (!/^\s*\d+(?:\.\d+)?\s*(?:[KMGTP]i?B?|[kmgtp]i?b|B)?\s*$/.test(s)) throw new RangeError(`invalid byte size "${s}": expected e.g. "1GiB" or 1073741824`);
    return s;
  },
  encode: (v) => (typeof v === "number" ? String(v) : q(v)),
};

// ---------------------------------------------------------------- [Common]

const actorIdType = intType(0, Number.MAX_SAFE_INTEGER, "actor ID");

const API = table(
  {
    Gateway: leaf(listType(endpointType("Gateway")), [], "sophon-gateway endpoints (WinningPoSt events; fallback for Chain, Messager, Market); an entry may be \"<token>:<multiaddr>\""),
    Token: leaf(stringType, "", "common bearer token for the services below"),
    Chain: optional(endpointType("Chain"), "chain node (Lotus/Venus API v1); unset: the first Gateway entry", { example: q("/ip4/127.0.0.1/tcp/1234") }),
    Messager: optional(endpointType("Messager"), "sophon-messager; unset: the first Gateway entry, else the chain node's mpool", { example: q("/ip4/127.0.0.1/tcp/39812") }),
    Market: optional(endpointType("Market"), "droplet market; unset: the first Gateway entry, else CC sectors only", { example: q("/ip4/127.0.0.1/tcp/41235") }),
    ChainEventInterval: leaf(durationType, 60_000, "head polling period of the internal event bus"),
  },
  "outbound services: multiaddrs /ip4/<ip>/tcp/<port> (ws://…/rpc/vN) or http(s)/ws(s) URLs",
);

const storeCommon = {
  Name: leaf(stringType, "", "store name (default: Path)"),
  Path: required(stringType, "store directory", q("/mnt/store-01")),
  Meta: leaf(stringMapType, {}, "free-form key/value metadata"),
  ReadOnly: leaf(boolType, false, "never write to this store"),
  Plugin: leaf(stringType, "", "deprecated: use PluginName"),
  PluginName: leaf(stringType, "", "object-store plugin serving this store"),
};

const PieceStore = table({ ...storeCommon });

const PersistStore = table({
  ...storeCommon,
  Strict: leaf(boolType, false, "reject non-regular files (such as symlinks)"),
  Weight: leaf(u32Type, 1, "share of new sectors (0 counts as 1)"),
  AllowMiners: leaf(listType(actorIdType), [], "only these miners (empty: all)"),
  DenyMiners: leaf(listType(actorIdType), [], "never these miners (deny wins)"),
});

const DB = table(
  {
    Driver: leaf(enumType(["sqlite", "postgres", "badger", "mongo", "plugin"]), "sqlite", "state store: sqlite (a file in the home); badger, mongo and plugin mean sqlite"),
    SQLite: table({ Path: optional(stringType, "SQLite file (default: <home>/manager.db)", { example: q("/var/lib/damocles/manager.db") }) }),
    Postgres: table({ DSN: optional(stringType, "PostgreSQL connection string (support arrives later)", { example: q("postgres://user@host:5432/damocles") }) }),
    Badger: table({ BaseDir: leaf(stringType, "", "Damocles: read as the folder of manager.db when SQLite.Path is unset") }),
    Mongo: ignored("Damocles' MongoDB store", "ignored: the manager keeps its state in SQLite"),
    Plugin: ignored("Damocles' KV plugin", "ignored: KV plugins are not supported; the manager keeps its state in SQLite"),
  },
  "where the manager keeps its state",
);

const WorkerProver = table({
  JobMaxTry: leaf(u32Type, 2, "failed attempts a job may have before it needs a manual reset"),
  HeartbeatTimeout: leaf(durationType, 15_000, "a running job without heartbeat for this long fails (and is retried)"),
  JobLifetime: leaf(durationType, 25 * 3_600_000, "jobs older than this are deleted"),
  Redundancy: leaf(intType(1, U32_MAX), 2, "max provers holding the same partition job at once"),
  ClaimTimeout: leaf(durationType, 120_000, "an unclaimed job falls back to the local/ext prover after this"),
});

const Proving = table({
  ParallelCheckLimit: leaf(uintType, 128, "sector checks in parallel before PoSt (0 = unlimited)"),
  SingleCheckTimeout: leaf(durationType, 600_000, "max time to check one sector; on timeout it is skipped"),
  PartitionCheckTimeout: leaf(durationType, 1_200_000, "max time to check a partition; unchecked sectors are skipped"),
  WorkerProver,
});

const Auth = table(
  {
    Required: leaf(boolType, true, "every /rpc/v0 call needs a bearer token"),
    SecretFile: optional(stringType, "HMAC-SHA256 key of the API tokens (default: <home>/auth.secret)", { example: q("/etc/damocles/auth.secret") }),
    TrustedWorkerNetworks: leaf(listType(cidrType), [], "token-less requests from these networks may call the sealing-worker methods only"),
  },
  "API authentication (project addition)",
);

/** The worker's [sealing] keys (spec/worker.md §2.4), all unset unless written. */
const sealingKeys = {
  allowed_miners: optional(listType(actorIdType), "actor IDs the worker may seal for", { example: "[1000]" }),
  allowed_sizes: optional(listType(sectorSizeType), "sector sizes", { example: '["32GiB"]' }),
  enable_deals: optional(boolType, "ask for deals", { example: "false" }),
  disable_cc: optional(boolType, "with deals: never seal CC", { example: "false" }),
  max_deals: optional(uintType, "max deals per sector", { example: "32" }),
  min_deal_space: optional(byteSizeType, "minimum deal bytes a sector must receive", { example: q("1GiB") }),
  max_retries: optional(u32Type, "temporary-failure retries", { example: "5" }),
  seal_interval: optional(humanDurationType, "sleep between two sectors", { example: q("30s") }),
  recover_interval: optional(humanDurationType, "sleep before a retry", { example: q("60s") }),
  rpc_polling_interval: optional(humanDurationType, "poll period for on-chain states", { example: q("180s") }),
  ignore_proof_check: optional(boolType, "skip polling the ProveCommit result (tests only)", { example: "false" }),
  request_task_max_retries: optional(u32Type, "idle polls before the sector loop returns", { example: "3" }),
  verify_after_pc2: optional(boolType, "check PC2 output with a C1", { example: "false" }),
};

const WorkerDefaults = table(
  {
    ...sealingKeys,
    ByWorker: {
      node: "map",
      value: table({ ...sealingKeys }),
      doc: "per-worker tables, overlaid on the keys above for that worker name",
      example: ['[Common.WorkerDefaults.ByWorker."worker-01"]', 'seal_interval = "1min"'],
    } as MapNode<typeof sealingKeys>,
  },
  "sealing defaults served to workers (Venus.WorkerSealingDefaults); a worker's own files win",
);

export const COMMON_SCHEMA = table({
  API,
  Plugins: table({ Dir: leaf(stringType, "", "plugin directory (empty: no plugins)") }),
  PieceStores: {
    node: "list",
    item: PieceStore,
    doc: "local piece data, served at /piecestore/",
  } as ListNode<typeof PieceStore.fields>,
  PersistStores: {
    node: "list",
    item: PersistStore,
    doc: "sealed-sector stores, matched to worker [[attached]] stores by name",
  } as ListNode<typeof PersistStore.fields>,
  ScanPersistStores: leaf(listType(stringType), [], "globs of directories holding a sectorstore.json"),
  MongoKVStore: ignored("deprecated Damocles key", "ignored: the manager keeps its state in SQLite"),
  DB,
  Proving,
  Auth,
  WorkerDefaults,
});

// ---------------------------------------------------------------- [[Miners]]

const NANO_FIL = 10n ** 9n;

const fee = () => ({
  GasOverEstimation: leaf(floatType(0), 1.2, "gas estimate multiplier"),
  GasOverPremium: leaf(floatType(0), 0, "gas premium multiplier (0: no effect)"),
  GasFeeCap: optional(filType, "fee cap per message", { default: 5n * NANO_FIL }),
  MaxFeeCap: optional(filType, "deprecated: used only when GasFeeCap is empty", { default: undefined }),
});

const senders = () => ({
  Sender: optional(addressType, "deprecated: merged into Senders", { example: q("f1abjxfbp274xpdqcpuaykwkfb43omjotacm2p3za") }),
  Senders: leaf(listType(addressType), [], "sender addresses; the valid one with the highest balance is used"),
});

const batch = (threshold: number) =>
  table({
    Threshold: leaf(uintType, threshold, "queue length that sends a batch at once (0 and 1: every sector alone)"),
    MaxWait: leaf(durationType, 3_600_000, "max time a sector waits in the queue"),
    CheckInterval: leaf(durationType, 60_000, "batcher tick"),
    ...fee(),
    BaseFeeThreshold: optional(filType, "send at once while the base fee is below this", { example: q("0.1 nanoFIL") }),
  });

const commitmentPolicy = (threshold: number) =>
  table({
    ...senders(),
    SendFund: leaf(boolType, true, "pay deposits/collateral from the sender"),
    ...fee(),
    Batch: batch(threshold),
  });

const Sector = table({
  InitNumber: leaf(uintType, 0, "deprecated: acts as MinNumber when MinNumber is unset"),
  MinNumber: optional(uintType, "never allocate a number ≤ this", { example: "10" }),
  MaxNumber: optional(uintType, "never allocate a number above this", { example: "1000000" }),
  Enabled: leaf(boolType, true, "allocate new sectors for this miner"),
  EnableDeals: leaf(boolType, false, "fill sectors with deals"),
  LifetimeDays: leaf(uintType, 540, "CC sector lifetime in days"),
  Verbose: leaf(boolType, false, "allocator logging"),
});

const SnapUp = table({
  Enabled: leaf(boolType, false, "allow SnapDeal allocation"),
  ...senders(),
  SendFund: leaf(boolType, true, "pay from the sender, not the miner balance"),
  ...fee(),
  CleanupCCData: leaf(boolType, true, "delete the old CC replica after the update lands"),
  MessageConfidence: leaf(intType(0), 15, "confirmations before the update counts as landed", { aliases: ["MessageConfidential"] }),
  ReleaseConfidence: leaf(intType(0), 30, "confirmations before old data is released", { aliases: ["ReleaseCondidential"] }), // sic
  Retry: table({
    MaxAttempts: optional(uintType, "commit retries (unset: no limit)", { example: "10" }),
    PollInterval: leaf(durationType, 180_000, "status polling interval"),
    APIFailureWait: leaf(durationType, 180_000, "back-off after an API failure"),
    LocalFailureWait: leaf(durationType, 180_000, "back-off after a local failure"),
  }),
});

const Commitment = table({
  Confidence: leaf(intType(0), 10, "confirmations before Pre/Prove count as landed"),
  Pre: commitmentPolicy(2),
  Prove: commitmentPolicy(4),
  Terminate: commitmentPolicy(2),
});

const PoSt = table({
  ...senders(),
  Enabled: leaf(boolType, true, "WindowPoSt for this miner (needs --poster)"),
  StrictCheck: leaf(boolType, true, "pre-check reads file contents, not just existence"),
  Parallel: leaf(boolType, false, "prove the partition batches of a deadline in parallel"),
  ...fee(),
  Confidence: leaf(uintType, 10, "confirmations awaited for poster messages"),
  SubmitConfidence: leaf(uintType, 0, "submit from deadline.Open + N (0 means 4)"),
  ChallengeConfidence: leaf(uintType, 0, "start from deadline.Challenge + N (0: at the challenge epoch)"),
  MaxRecoverSectorLimit: leaf(uintType, 0, "sectors per recovery check (0: no limit)"),
  MaxPartitionsPerPoStMessage: leaf(uintType, 0, "partitions per SubmitWindowedPoSt (0: network max, 3)"),
  MaxPartitionsPerRecoveryMessage: leaf(uintType, 0, "partitions per DeclareFaultsRecovered (0: no limit)"),
});

const Sealing = table({
  SealingEpochDuration: leaf(intType(0), 0, "acquired deals must start after head + N (0: off)"),
  UseSyntheticPoRep: leaf(boolType, false, "use the synthetic-PoRep seal proof type"),
  RequireActivationSuccess: leaf(boolType, false, "ProveCommitSectors3: abort the batch on a failed activation"),
  RequireActivationSuccessUpdate: leaf(boolType, false, "ProveReplicaUpdates3: abort the batch on a failed activation"),
  RequireNotificationSuccess: leaf(boolType, false, "ProveCommitSectors3: abort on a failed notification"),
  RequireNotificationSuccessUpdate: leaf(boolType, false, "ProveReplicaUpdates3: abort on a failed notification"),
  SealingSectorDeadlineDelayNi: leaf(uintType, 6, "NI-PoRep: offset added to the chosen proving deadline"),
});

export const MINER_SCHEMA = table({
  Actor: required(actorIdType, "miner actor ID (required)", "1000"),
  Sector,
  SnapUp,
  Commitment,
  PoSt,
  Proof: table({ Enabled: leaf(boolType, false, "answer WinningPoSt events (needs --miner)") }),
  Sealing,
  Deal: ignored("deprecated Damocles section"),
});

export const CONFIG_SCHEMA = table({
  Common: COMMON_SCHEMA,
  Miners: { node: "list", item: MINER_SCHEMA, doc: "one block per storage provider" } as ListNode<typeof MINER_SCHEMA.fields>,
});

export type CommonConfig = ValueOf<typeof COMMON_SCHEMA>;
export type MinerConfig = ValueOf<typeof MINER_SCHEMA>;
export type ManagerConfig = ValueOf<typeof CONFIG_SCHEMA>;
export type FeeConfig = ValueOfFields<ReturnType<typeof fee>>;
export type CommitmentPolicyConfig = MinerConfig["Commitment"]["Pre"];
export type PersistStoreConfig = CommonConfig["PersistStores"][number];
export type PieceStoreConfig = CommonConfig["PieceStores"][number];
export type WorkerSealingDefaults = ValueOfFields<typeof sealingKeys>;

// ---------------------------------------------------------------- ext-prover.cfg (§4)

const ExtProcessor = table({
  Bin: optional(stringType, "program (default: damocles-worker processor window_post|winning_post)", { example: q("/usr/local/bin/damocles-worker") }),
  Args: leaf(listType(stringType), [], "arguments"),
  Envs: leaf(stringMapType, {}, "extra environment, e.g. CUDA_VISIBLE_DEVICES"),
  Concurrent: leaf(u32Type, 1, "tasks one child runs at once (0 counts as 1)"),
  Weight: leaf(u32Type, 1, "share of tasks among entries (0 counts as 1)"),
  ReadyTimeoutSecs: leaf(u32Type, 5, "seconds to wait for the child's ready line (0 counts as 5)"),
});

export const EXT_PROVER_SCHEMA = table({
  WdPost: { node: "list", item: ExtProcessor, doc: "WindowPoSt provers" } as ListNode<typeof ExtProcessor.fields>,
  WinPost: { node: "list", item: ExtProcessor, doc: "WinningPoSt provers" } as ListNode<typeof ExtProcessor.fields>,
});
export type ExtProverConfig = ValueOf<typeof EXT_PROVER_SCHEMA>;
export type ExtProcessorConfig = ExtProverConfig["WdPost"][number];

// ---------------------------------------------------------------- defaults

/** The default value of a node: tables filled, lists empty, optional leaves unset. Fresh objects every call. */
export function defaultOf<N extends SchemaNode>(node: N): ValueOf<N> {
  switch (node.node) {
    case "leaf":
      return structuredClone(node.default) as ValueOf<N>;
    case "table": {
      const out: Record<string, unknown> = {};
      for (const [k, child] of Object.entries(node.fields)) if (child.node !== "ignored") out[k] = defaultOf(child);
      return out as ValueOf<N>;
    }
    case "list":
      return [] as ValueOf<N>;
    case "map":
      return {} as ValueOf<N>;
    default:
      return undefined as ValueOf<N>;
  }
}

export const defaultManagerConfig = (): ManagerConfig => defaultOf(CONFIG_SCHEMA);
export const defaultCommonConfig = (): CommonConfig => defaultOf(COMMON_SCHEMA);
/** A [[Miners]] block with nothing but `Actor` written. */
export const defaultMinerConfig = (actor: number): MinerConfig => ({ ...defaultOf(MINER_SCHEMA), Actor: actor });
export const defaultExtProcessorConfig = (): ExtProcessorConfig => defaultOf(ExtProcessor);

// ---------------------------------------------------------------- derived values

/** The fee cap a message uses: GasFeeCap, or the deprecated MaxFeeCap when GasFeeCap is empty or zero. */
export function effectiveGasFeeCap(fee: FeeConfig): AttoFIL {
  if ((fee.GasFeeCap === undefined || fee.GasFeeCap === 0n) && fee.MaxFeeCap !== undefined && fee.MaxFeeCap !== 0n) return fee.MaxFeeCap;
  return fee.GasFeeCap ?? 0n;
}

/** `Venus.WorkerSealingDefaults(name)`: the base table overlaid with the worker's own, only keys that are set; null when none. */
export function workerSealingDefaults(common: CommonConfig, name: string): Partial<WorkerSealingDefaults> | null {
  const { ByWorker, ...base } = common.WorkerDefaults;
  const out: Record<string, unknown> = {};
  for (const layer of [base, ByWorker[name] ?? {}])
    for (const [k, v] of Object.entries(layer)) if (v !== undefined) out[k] = structuredClone(v);
  return Object.keys(out).length === 0 ? null : (out as Partial<WorkerSealingDefaults>);
}

// ---------------------------------------------------------------- docs

export interface KeyDoc {
  /** `Common.API.Chain`, `Miners.Commitment.Pre.Batch.Threshold`, `Common.PersistStores[].Weight`. */
  key: string;
  type: string;
  /** The default as TOML text; undefined when unset by default (or required). */
  default: string | undefined;
  required: boolean;
  doc: string;
}

/** Every key of a file with its type, default and meaning, in file order: the table operator docs print. */
export function configKeyTable(root: TableNode = CONFIG_SCHEMA): KeyDoc[] {
  const out: KeyDoc[] = [];
  const walk = (node: SchemaNode, key: string): void => {
    switch (node.node) {
      case "leaf":
        out.push({
          key,
          type: node.type.name,
          default: node.default === undefined ? undefined : node.type.encode(node.default),
          required: node.required === true,
          doc: node.doc,
        });
        return;
      case "table":
        for (const [k, child] of Object.entries(node.fields)) walk(child, key === "" ? k : `${key}.${k}`);
        return;
      case "list":
        return walk(node.item, `${key}[]`);
      case "map":
        return walk(node.value, `${key}."<name>"`);
      default:
        return;
    }
  };
  walk(root, "");
  return out;
}
