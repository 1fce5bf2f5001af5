// Loads the worker's TOML (spec/worker.md §2) against the key tree of schema.ts. Every problem is collected in one
// pass, each naming the file, line and key path: type errors and the rejections of §16 are errors, unknown keys are
// warnings with a did-you-mean (a Damocles file loads unchanged). `loadWorkerConfig` throws on errors;
// `parseWorkerConfig` returns the problems for `config check`.
import { readFile } from "node:fs/promises";
import { TomlError, parse as parseToml } from "smol-toml";
import { parseSectorSize } from "../../filecoin/sizes.js";
import { PROCESSOR_SECTION_KEYS, type ProcessorSectionKey } from "../../api/stages.js";
import type { ProcessorEntryConfig, ProcessorsConfig } from "../../processors/processor-set.js";
import {
  MIN_STAGGERED_MS,
  SEALING_LAYER,
  WORKER_SCHEMA,
  DEFAULT_CGROUP_GROUP,
  type AttachedConfig,
  type FieldSpec,
  type SealingOverrides,
  type SealingThreadConfig,
  type TableType,
  type ValueType,
  type WorkerConfig,
} from "./schema.js";
import { parseByteSize, parseCpuset, parseDuration, parseManagerAddr, parseSocketAddr } from "./units.js";

// ---------------------------------------------------------------- problems

export type KeyPath = readonly (string | number)[];

export interface Problem {
  level: "error" | "warning";
  /** Stable and greppable, e.g. "UNKNOWN_KEY", "WRONG_TYPE", "OVERLAPPING_LOCATIONS". */
  code: string;
  message: string;
  file?: string;
  line?: number;
  /** Dotted key path, e.g. `sealing_thread[1].sealing.max_retries`. */
  key?: string;
}

export const keyName = (path: KeyPath): string =>
  path.map((p, i) => (typeof p === "number" ? `[${p}]` : i === 0 ? p : `.${p}`)).join("");

/** `file:line: key a.b: message` (the parts that are known). */
export function formatProblem(p: Problem): string {
  const where = [p.file === undefined ? undefined : p.line === undefined ? p.file : `${p.file}:${p.line}`, p.key && `key ${p.key}`]
    .filter(Boolean)
    .join(": ");
  return where === "" ? p.message : `${where}: ${p.message}`;
}

export class ConfigError extends Error {
  constructor(readonly problems: Problem[], message = problems.filter((p) => p.level === "error").map(formatProblem).join("\n")) {
    super(message);
  }
}

// ---------------------------------------------------------------- did-you-mean

function editDistance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0]!;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = prev[j]!;
      prev[j] = Math.min(up + 1, prev[j - 1]! + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = up;
    }
  }
  return prev[b.length]!;
}

/** The closest known key, when it is close enough to be a typo (case, `-`/`_` and up to a third of the letters). */
export function didYouMean(key: string, known: readonly string[]): string | undefined {
  const norm = (s: string): string => s.toLowerCase().replace(/-/g, "_");
  let best: string | undefined;
  let bestD = Infinity;
  for (const k of known) {
    const d = editDistance(norm(key), norm(k));
    if (d < bestD) [best, bestD] = [k, d];
  }
  return best !== undefined && bestD <= Math.max(1, Math.floor(key.length / 3)) ? best : undefined;
}

// ---------------------------------------------------------------- key → line

/**
 * Finds the line of a key path in the TOML text: `[table]` and `[[array]]` headers (counting the array
 * elements), dotted keys (`cgroup.cpuset = …`) and quoted keys. A path that is not written as such (a value
 * inside an inline table, a default) gets the line of its nearest written ancestor; none at all ⇒ undefined.
 */
export function keyLines(text: string): (path: KeyPath) => number | undefined {
  const lines = new Map<string, number>();
  const arrays = new Map<string, number>(); // array-of-tables path → index of its last element
  const record = (path: KeyPath, line: number): void => {
    for (let n = 1; n <= path.length; n++) {
      const k = keyName(path.slice(0, n));
      if (!lines.has(k)) lines.set(k, line);
    }
  };
  const splitKey = (s: string): string[] =>
    [...s.matchAll(/\s*("(?:[^"\\]|\\.)*"|'[^']*'|[A-Za-z0-9_-]+)\s*(?:\.|$)/g)].map((m) => m[1]!.replace(/^["']|["']$/g, ""));
  // Inserts the current element index after every array-of-tables prefix of a header path.
  const resolve = (parts: string[], newArray: boolean): KeyPath => {
    const out: (string | number)[] = [];
    parts.forEach((p, i) => {
      out.push(p);
      const k = keyName(out);
      if (newArray && i === parts.length - 1) {
        const n = (arrays.get(k) ?? -1) + 1;
        arrays.set(k, n);
        out.push(n);
      } else if (arrays.has(k)) out.push(arrays.get(k)!);
    });
    return out;
  };
  let section: KeyPath = [];
  let inMultiline = false;
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    const quotes = (line.match(/"""|'''/g) ?? []).length;
    if (inMultiline) {
      if (quotes % 2 === 1) inMultiline = false;
      return;
    }
    if (line === "" || line.startsWith("#")) return;
    let m: RegExpExecArray | null;
    if ((m = /^\[\[\s*([^\]]+?)\s*\]\]/.exec(line))) {
      section = resolve(splitKey(m[1]!), true);
      record(section, i + 1);
    } else if ((m = /^\[\s*([^\]]+?)\s*\]/.exec(line))) {
      section = resolve(splitKey(m[1]!), false);
      record(section, i + 1);
    } else if ((m = /^((?:"(?:[^"\\]|\\.)*"|'[^']*'|[A-Za-z0-9_.\s-])+?)\s*=/.exec(line))) {
      record([...section, ...splitKey(m[1]!)], i + 1);
      if (quotes % 2 === 1) inMultiline = true;
    }
  });
  return (path) => {
    for (let n = path.length; n > 0; n--) {
      const line = lines.get(keyName(path.slice(0, n)));
      if (line !== undefined) return line;
    }
    return undefined;
  };
}

// ---------------------------------------------------------------- walking the key tree

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v) && !(v instanceof Date);

const describe = (v: unknown): string => {
  if (Array.isArray(v)) return "an array";
  if (v instanceof Date) return "a date";
  if (isObj(v)) return "a table";
  if (typeof v === "string") return `the string ${JSON.stringify(v)}`;
  if (typeof v === "number") return Number.isInteger(v) ? `the integer ${v}` : `the float ${v}`;
  return `${typeof v} ${String(v)}`;
};

const expected = (t: ValueType): string => {
  switch (t.kind) {
    case "string": return "a string";
    case "bool": return "true or false";
    case "int": return `${t.what} (${t.min}…${t.max})`;
    case "duration": return 'a duration string such as "30s", "5min" or "1h"';
    case "bytes": return 'a byte size such as "8GiB" or a number of bytes';
    case "sector_size": return 'a sector size such as "2KiB" or "32GiB"';
    case "cpuset": return 'a cpuset string such as "0-11" or "8-11,24-27"';
    case "socket_addr": return 'an "ip:port" string such as "0.0.0.0:9000"';
    case "manager_addr": return 'a multiaddr such as "/ip4/10.0.0.2/tcp/1789" or a URL such as "http://10.0.0.2:1789"';
    case "array": return `an array of ${expected(t.of).replace(/^an? /, "")}s`;
    case "map": return "a table";
    case "table": return "a table";
    case "tables": return "an array of tables ([[…]])";
  }
};

interface Walker {
  problem(level: Problem["level"], code: string, path: KeyPath, message: string): void;
}

const INVALID = Symbol("invalid");

/** Checks and converts one value; returns INVALID (after reporting) when it does not fit. */
function walkValue(w: Walker, t: ValueType, v: unknown, path: KeyPath): unknown {
  const wrong = (why?: string): typeof INVALID => {
    w.problem("error", "WRONG_TYPE", path, why ?? `expected ${expected(t)}, got ${describe(v)}`);
    return INVALID;
  };
  const parsed = (fn: () => unknown): unknown => {
    try {
      return fn();
    } catch (err) {
      return wrong((err as Error).message);
    }
  };
  switch (t.kind) {
    case "string": return typeof v === "string" ? v : wrong();
    case "bool": return typeof v === "boolean" ? v : wrong();
    case "int":
      if (typeof v !== "number" || !Number.isInteger(v)) return wrong();
      return v < t.min || v > t.max ? wrong(`expected ${expected(t)}, got ${v}`) : v;
    case "duration": return typeof v === "string" ? parsed(() => parseDuration(v)) : wrong();
    case "bytes": return typeof v === "string" || typeof v === "number" ? parsed(() => parseByteSize(v)) : wrong();
    case "sector_size": return typeof v === "string" || typeof v === "number" ? parsed(() => parseSectorSize(String(v))) : wrong();
    case "cpuset": return typeof v === "string" ? parsed(() => (parseCpuset(v), v)) : wrong();
    case "socket_addr": return typeof v === "string" ? parsed(() => (parseSocketAddr(v), v)) : wrong();
    case "manager_addr": return typeof v === "string" ? parsed(() => (parseManagerAddr(v), v)) : wrong();
    case "array": {
      if (!Array.isArray(v)) return wrong();
      const out = v.map((x, i) => walkValue(w, t.of, x, [...path, i]));
      return out.includes(INVALID) ? INVALID : out;
    }
    case "map": {
      if (!isObj(v)) return wrong();
      const out: Obj = {};
      for (const [k, x] of Object.entries(v)) {
        if (t.keys && !t.keys.includes(k)) {
          unknownKey(w, [...path, k], t.keys, `unknown ${t.keysAre ?? "key"}`);
          continue;
        }
        const r = walkValue(w, t.of, x, [...path, k]);
        if (r !== INVALID) out[k] = r;
      }
      return out;
    }
    case "table": return isObj(v) ? walkTable(w, t, v, path) : wrong();
    case "tables":
      // Damocles' docs show `[attached]` for what must be `[[attached]]`; read a single table as one entry.
      if (isObj(v)) {
        w.problem("warning", "TABLE_NOT_ARRAY", path, `written as [${keyName(path)}]; read as one [[${keyName(path)}]] entry`);
        return [walkTable(w, t.item, v, [...path, 0])];
      }
      if (!Array.isArray(v) || !v.every(isObj)) return wrong();
      return v.map((x, i) => walkTable(w, t.item, x, [...path, i]));
  }
}

function unknownKey(w: Walker, path: KeyPath, known: readonly string[], what = "unknown key"): void {
  const key = String(path.at(-1));
  const guess = didYouMean(key, known);
  w.problem("warning", "UNKNOWN_KEY", path, `${what}, ignored${guess === undefined ? "" : `; did you mean ${guess}?`}`);
}

const hasDefaults = (t: TableType): boolean =>
  !t.sparse && Object.values(t.fields).some((f) => f.default !== undefined || (f.type.kind === "table" && hasDefaults(f.type)));

function walkTable(w: Walker, t: TableType, v: Obj, path: KeyPath): Obj {
  const out: Obj = {};
  const seen = new Set<string>();
  for (const [name, f] of Object.entries(t.fields) as [string, FieldSpec][]) {
    const spellings = [name, ...(f.aliases ?? [])].filter((k) => k in v);
    spellings.forEach((k) => seen.add(k));
    if (spellings.length > 1)
      w.problem("warning", "DUPLICATE_KEY", [...path, spellings[1]!], `same key as ${spellings[0]}; the value of ${spellings[0]} is used`);
    const key = spellings[0];
    if (key === undefined) {
      if (f.required) w.problem("error", "MISSING_KEY", [...path, name], `missing; expected ${expected(f.type)}`);
      else if (t.sparse) continue;
      else if (f.default !== undefined) out[name] = structuredClone(f.default);
      // an absent table still gets its defaults (`[metrics]` missing ⇒ enable = false, http_listen = …)
      else if (f.type.kind === "table" && hasDefaults(f.type)) out[name] = walkTable(w, f.type, {}, [...path, name]);
      continue;
    }
    if (f.ignored !== undefined) {
      w.problem("warning", "IGNORED_KEY", [...path, key], `ignored: ${f.ignored}`);
      continue;
    }
    const r = walkValue(w, f.type, v[key], [...path, key]);
    if (r !== INVALID) out[name] = r;
  }
  const known = Object.entries(t.fields).flatMap(([k, f]) => [k, ...(f.aliases ?? [])]);
  for (const [k, x] of Object.entries(v)) {
    if (seen.has(k)) continue;
    if (t.unknownTablesAreErrors !== undefined && Array.isArray(x) && x.length > 0 && x.every(isObj)) {
      const guess = didYouMean(k, known);
      w.problem("error", "UNKNOWN_PROCESSOR_STAGE", [...path, k],
        `${t.unknownTablesAreErrors}${guess === undefined ? "" : `; did you mean ${guess}?`}`);
    } else unknownKey(w, [...path, k], known);
  }
  return out;
}

// ---------------------------------------------------------------- the typed config

/** What a parse yields: the config when there is no error, and every problem found. */
export interface ParseResult<T> {
  config?: T;
  problems: Problem[];
}

function newWalker(file: string, text: string, problems: Problem[]): Walker {
  const lineOf = keyLines(text);
  return {
    problem(level, code, path, message) {
      problems.push({ level, code, message, file, line: lineOf(path), key: keyName(path) });
    },
  };
}

function parseDoc(text: string, file: string, problems: Problem[]): Obj | undefined {
  try {
    return parseToml(text) as Obj;
  } catch (err) {
    if (!(err instanceof TomlError)) throw err;
    problems.push({ level: "error", code: "TOML_SYNTAX", message: err.message.split("\n")[0]!.replace(/^Invalid TOML document: /, "invalid TOML: "), file, line: err.line });
    return undefined;
  }
}

const hasErrors = (problems: Problem[]): boolean => problems.some((p) => p.level === "error");

/** File order (a stable sort: problems without a line keep their place at the end). */
const byLine = (problems: Problem[]): Problem[] =>
  problems.sort((a, b) => (a.line ?? Infinity) - (b.line ?? Infinity));

/** Parses the worker's main config file; `file` is the path named in problems. */
export function parseWorkerConfig(text: string, file: string): ParseResult<WorkerConfig> {
  const problems: Problem[] = [];
  const doc = parseDoc(text, file, problems);
  if (doc === undefined) return { problems };
  const w = newWalker(file, text, problems);
  const raw = walkTable(w, WORKER_SCHEMA, doc, []) as Obj;
  const processors = buildProcessors(w, (raw["processors"] ?? {}) as Obj);
  const { local_pieces_dir, local_pieces_dirs, ...worker } = raw["worker"] as Obj;
  if (local_pieces_dir !== undefined && local_pieces_dirs !== undefined)
    w.problem("warning", "LEGACY_KEY_IGNORED", ["worker", "local_pieces_dir"], "ignored because local_pieces_dirs is present");
  byLine(problems);
  if (hasErrors(problems)) return { problems };

  const sm = raw["sector_manager"] as Obj;
  const rpc = sm["rpc_client"] as Obj;
  const config: WorkerConfig = {
    file,
    worker: {
      ...(worker as Omit<WorkerConfig["worker"], "local_pieces_dirs">),
      local_pieces_dirs: (local_pieces_dirs ?? (local_pieces_dir === undefined ? [] : [local_pieces_dir])) as string[],
    },
    metrics: raw["metrics"] as WorkerConfig["metrics"],
    sector_manager: {
      rpc_client: { addr: rpc["addr"] as string, headers: (rpc["headers"] ?? {}) as Record<string, string>, ...(rpc["token"] === undefined ? {} : { token: rpc["token"] as string }) },
      ...(sm["piece_token"] === undefined ? {} : { piece_token: sm["piece_token"] as string }),
    },
    manager: parseManagerAddr(rpc["addr"] as string),
    sealing: (raw["sealing"] ?? {}) as SealingOverrides,
    sealing_thread: (raw["sealing_thread"] as Obj[]).map(
      (t, index): SealingThreadConfig => ({ index, ...(t as Omit<SealingThreadConfig, "index" | "sealing">), sealing: (t["sealing"] ?? {}) as SealingOverrides }),
    ),
    attached: (raw["attached"] ?? []) as AttachedConfig[],
    processors,
  };
  return { config, problems };
}

const FAMILY_PAIRS: readonly (readonly [ProcessorSectionKey, ProcessorSectionKey])[] = [["pc1", "pc2"], ["c1", "c2"]];

/**
 * `[processors]` in the shape src/processors takes (the TOML's own, durations in ms, entry defaults filled in);
 * checks static tree_d keys and refuses mixed families (§2.9) and sealing_daemons entries without bin/args.
 */
function buildProcessors(w: Walker, p: Obj): ProcessorsConfig {
  const out: ProcessorsConfig = {};
  const limitation = p["limitation"] as ProcessorsConfig["limitation"] | undefined;
  if (limitation !== undefined) out.limitation = limitation;
  if (p["limit"] !== undefined) {
    out.limit = p["limit"] as ProcessorsConfig["limit"];
    if (limitation?.concurrent !== undefined)
      w.problem("warning", "LEGACY_LIMIT_IGNORED", ["processors", "limit"], "ignored because [processors.limitation.concurrent] is present");
  }
  for (const [k, ms] of Object.entries(limitation?.staggered ?? {}))
    if (ms !== undefined && ms < MIN_STAGGERED_MS)
      w.problem("warning", "STAGGERED_TOO_SHORT", ["processors", "limitation", "staggered", k], "interval below the 1s minimum; 1s is used");
  if (p["ext_locks"] !== undefined) out.ext_locks = p["ext_locks"] as Record<string, number>;
  if (p["static_tree_d"] !== undefined) {
    out.static_tree_d = p["static_tree_d"] as Record<string, string>;
    for (const k of Object.keys(out.static_tree_d)) {
      try {
        parseSectorSize(k);
      } catch (err) {
        w.problem("error", "WRONG_TYPE", ["processors", "static_tree_d", k], (err as Error).message);
      }
    }
  }
  for (const k of PROCESSOR_SECTION_KEYS) {
    const entries = p[k] as Obj[] | undefined;
    if (entries === undefined) continue;
    out[k] = entries.map((e) => ({
      ...e,
      cgroup: { group_name: DEFAULT_CGROUP_GROUP, ...((e["cgroup"] ?? {}) as Obj) },
      envs: (e["envs"] ?? {}) as Record<string, string>,
      locks: (e["locks"] ?? []) as string[],
    })) as ProcessorEntryConfig[];
    const withBin = entries.filter((e) => e["bin"] !== undefined).length;
    if (k === "sealing_daemons") {
      entries.forEach((e, i) => {
        if (e["bin"] === undefined || e["args"] === undefined)
          w.problem("error", "SEALING_DAEMON_NEEDS_BIN", ["processors", k, i], "a sealing_daemons entry needs explicit bin and args");
      });
    } else if (withBin !== 0 && withBin !== entries.length)
      w.problem("error", "MIXED_PROCESSOR_FAMILY", ["processors", k],
        `some [[processors.${k}]] entries set bin and others do not: the entries of one stage must all be external or all built-in (spec/worker.md §2.9)`);
  }
  const external = (k: ProcessorSectionKey): boolean => (out[k] ?? []).some((e) => e.bin !== undefined);
  for (const [first, second] of FAMILY_PAIRS) {
    if (external(first) === external(second)) continue;
    const [ext, own] = external(first) ? [first, second] : [second, first];
    const why =
      ext === second
        ? `the built-in ${first} output cannot feed an external ${second}; configure a ${first} processor of the ${second}'s family`
        : `an external ${first} output cannot feed the built-in ${second}; configure a ${second} processor of the ${first}'s family`;
    w.problem("error", "MIXED_PROCESSOR_FAMILY", ["processors", ext],
      `[[processors.${ext}]] sets bin but [[processors.${own}]] does not: ${why} (spec/protocols.md §4b)`);
  }
  return out;
}

/** Reads the config file (or uses `text` when given) and throws a ConfigError listing every error. */
export async function loadWorkerConfig(file: string, text?: string): Promise<{ config: WorkerConfig; warnings: Problem[] }> {
  let body = text;
  if (body === undefined) {
    try {
      body = await readFile(file, "utf8");
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      throw new ConfigError([{ level: "error", code: "CONFIG_UNREADABLE", file, message: code === "ENOENT" ? "config file not found" : `cannot read the config file: ${(err as Error).message}` }]);
    }
  }
  const { config, problems } = parseWorkerConfig(body, file);
  if (config === undefined) throw new ConfigError(problems);
  return { config, warnings: problems.filter((p) => p.level === "warning") };
}

// ---------------------------------------------------------------- the other layers of §3

/** `<location>/config.toml`: `plan` and `sealing.*` of the thread (layer 4); `location` cannot be changed here. */
export interface LocationConfig {
  plan?: string;
  sealing: SealingOverrides;
}

const LOCATION_SCHEMA: TableType = {
  kind: "table",
  fields: {
    plan: { type: { kind: "string" } },
    sealing: { type: SEALING_LAYER },
    location: { type: { kind: "string" }, ignored: "the hot config file cannot move the sealing store" },
  },
};

/** Parses a hot config file (Damocles: the `[[sealing_thread]]` keys without `location`). */
export function parseLocationConfig(text: string, file: string): ParseResult<LocationConfig> {
  const problems: Problem[] = [];
  const doc = parseDoc(text, file, problems);
  if (doc === undefined) return { problems };
  const raw = walkTable(newWalker(file, text, problems), LOCATION_SCHEMA, doc, []);
  byLine(problems);
  if (hasErrors(problems)) return { problems };
  return { config: { ...(raw["plan"] === undefined ? {} : { plan: raw["plan"] as string }), sealing: (raw["sealing"] ?? {}) as SealingOverrides }, problems };
}

/**
 * Checks the manager's sealing defaults (layer 1, `Venus.WorkerSealingDefaults`: the `[sealing]` keys with
 * durations and sizes as strings). `source` names the layer in problems.
 */
export function parseSealingValues(value: unknown, source: string): ParseResult<SealingOverrides> {
  const problems: Problem[] = [];
  if (value === null || value === undefined) return { config: {}, problems };
  const w: Walker = {
    problem(level, code, path, message) {
      problems.push({ level, code, message, file: source, key: keyName(path) });
    },
  };
  if (!isObj(value)) {
    w.problem("error", "WRONG_TYPE", [], `expected an object of [sealing] keys, got ${describe(value)}`);
    return { problems };
  }
  const raw = walkTable(w, SEALING_LAYER, value, []);
  return hasErrors(problems) ? { problems } : { config: raw as SealingOverrides, problems };
}
