// Reads sector-manager.cfg and ext-prover.cfg against the key trees of schema.ts (spec/manager.md §1–§4).
// Every error names the file, the line and the key path (`Miners[1].Commitment.Pre.Batch.Threshold`);
// unknown keys are warnings with a did-you-mean, so a Damocles file loads unchanged. Keys match
// case-insensitively, as Damocles' TOML decoder does (its docs write `[Miners.Post]` for `PoSt`).
import { readFile } from "node:fs/promises";
import { TomlError, parse as parseToml } from "smol-toml";
import {
  CONFIG_SCHEMA,
  EXT_PROVER_SCHEMA,
  defaultOf,
  type ExtProverConfig,
  type Fields,
  type LeafNode,
  type ManagerConfig,
  type SchemaNode,
  type TableNode,
} from "./schema.js";

export type KeyPath = readonly (string | number)[];

/** A configuration error; the message names file, line and key path. */
export class ManagerConfigError extends Error {
  constructor(
    message: string,
    readonly file: string,
    readonly keyPath: string,
    readonly line: number | undefined,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = "ManagerConfigError";
  }
}

export interface LoadedConfig<T> {
  config: T;
  /** Unknown keys and ignored Damocles settings, each naming file, line and key. */
  warnings: string[];
}

/** `Miners[1].Commitment.Pre.Batch.Threshold`; names that are not bare TOML keys are quoted. */
export function formatKeyPath(path: KeyPath): string {
  return path
    .map((p, i) => (typeof p === "number" ? `[${p}]` : `${i === 0 ? "" : "."}${/^[A-Za-z0-9_-]+$/.test(p) ? p : JSON.stringify(p)}`))
    .join("");
}

// ---------------------------------------------------------------- lines of keys

/** Splits a dotted TOML key (`a."b.c".d`) into its parts. */
function splitDottedKey(text: string): string[] | undefined {
  const parts: string[] = [];
  let rest = text.trim();
  while (true) {
    let m: RegExpExecArray | null;
    if ((m = /^"((?:[^"\\]|\\.)*)"/.exec(rest))) parts.push(JSON.parse(`"${m[1]!}"`) as string);
    else if ((m = /^'([^']*)'/.exec(rest))) parts.push(m[1]!);
    else if ((m = /^[A-Za-z0-9_-]+/.exec(rest))) parts.push(m[0]);
    else return undefined;
    rest = rest.slice(m[0].length).trimStart();
    if (rest === "") return parts;
    if (rest[0] !== ".") return undefined;
    rest = rest.slice(1).trimStart();
  }
}

const lineKey = (path: KeyPath): string => path.map((p) => String(p).toLowerCase()).join("\u0000");

/**
 * The line of every table header and key in TOML text, by resolved path (array-of-tables indices
 * included), case-insensitive. A line scanner, good for the files people write: it skips the bodies
 * of multi-line strings and does not look inside inline tables.
 */
export class KeyLines {
  private readonly lines = new Map<string, number>();

  constructor(text: string) {
    const arrays = new Map<string, number>(); // resolved path of an array of tables → entries so far
    let table: (string | number)[] = [];
    let inMultiline: string | null = null;
    const resolve = (parts: string[], newEntry: boolean): (string | number)[] => {
      const out: (string | number)[] = [];
      parts.forEach((p, i) => {
        out.push(p);
        const k = lineKey(out);
        const last = i === parts.length - 1;
        if (last && newEntry) {
          const n = arrays.get(k) ?? 0;
          arrays.set(k, n + 1);
          out.push(n);
        } else if (arrays.has(k)) out.push(arrays.get(k)! - 1);
      });
      return out;
    };
    const src = text.split(/\r?\n/);
    for (let i = 0; i < src.length; i++) {
      const line = src[i]!;
      if (inMultiline !== null) {
        if (line.split(inMultiline).length % 2 === 0) inMultiline = null;
        continue;
      }
      const t = line.trim();
      let m: RegExpExecArray | null;
      if ((m = /^\[\[\s*([^\]]+?)\s*\]\]/.exec(t))) {
        const parts = splitDottedKey(m[1]!);
        if (parts) this.note((table = resolve(parts, true)), i + 1);
      } else if ((m = /^\[\s*([^\]]+?)\s*\]/.exec(t))) {
        const parts = splitDottedKey(m[1]!);
        if (parts) this.note((table = resolve(parts, false)), i + 1);
      } else if ((m = /^((?:"(?:[^"\\]|\\.)*"|'[^']*'|[A-Za-z0-9_.\s-])+?)\s*=(.*)$/.exec(t))) {
        const parts = splitDottedKey(m[1]!);
        if (parts) for (let j = 1; j <= parts.length; j++) this.note([...table, ...parts.slice(0, j)], i + 1);
        for (const delim of ['"""', "'''"]) if (m[2]!.split(delim).length % 2 === 0) inMultiline = delim;
      }
    }
  }

  private note(path: KeyPath, line: number): void {
    const k = lineKey(path);
    if (!this.lines.has(k)) this.lines.set(k, line);
  }

  /** The line of the key, else of the nearest enclosing table or key that is written. */
  lineOf(path: KeyPath): number | undefined {
    for (let n = path.length; n > 0; n--) {
      const line = this.lines.get(lineKey(path.slice(0, n)));
      if (line !== undefined) return line;
    }
    return undefined;
  }
}

// ---------------------------------------------------------------- did-you-mean

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return row[b.length]!;
}

/** The known key closest to `key`, when close enough to be a typo. */
export function didYouMean(key: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  for (const k of known) {
    const d = editDistance(key.toLowerCase(), k.toLowerCase());
    if (d < bestD) [best, bestD] = [k, d];
  }
  return best !== undefined && bestD <= Math.max(2, Math.floor(key.length / 3)) ? best : undefined;
}

// ---------------------------------------------------------------- decoding

const isTable = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v) && !(v instanceof Date);

class Decoder {
  private readonly notes: { line: number; text: string }[] = [];
  private readonly keyLines: KeyLines;

  constructor(
    readonly file: string,
    text: string,
  ) {
    this.keyLines = new KeyLines(text);
  }

  where(path: KeyPath): string {
    const line = this.keyLines.lineOf(path);
    return `${this.file}${line === undefined ? "" : `:${line}`}: key ${formatKeyPath(path)}`;
  }

  fail(path: KeyPath, why: string, cause?: unknown): never {
    throw new ManagerConfigError(`${this.where(path)}: ${why}`, this.file, formatKeyPath(path), this.keyLines.lineOf(path), cause === undefined ? undefined : { cause });
  }

  warn(path: KeyPath, why: string): void {
    this.notes.push({ line: this.keyLines.lineOf(path) ?? 0, text: `${this.where(path)}: ${why}` });
  }

  /** Warnings in file order. */
  get warnings(): string[] {
    return [...this.notes].sort((a, b) => a.line - b.line).map((n) => n.text);
  }

  node(node: SchemaNode, raw: unknown, path: KeyPath): unknown {
    switch (node.node) {
      case "leaf":
        return this.leaf(node, raw, path);
      case "table":
        return this.table(node, raw, path);
      case "list":
        if (!Array.isArray(raw) || !raw.every(isTable)) return this.fail(path, `expected an array of tables ([[${formatKeyPath(path)}]])`);
        return raw.map((entry, i) => this.table(node.item, entry, [...path, i]));
      case "map":
        if (!isTable(raw)) return this.fail(path, "expected a table of named tables");
        return Object.fromEntries(Object.entries(raw).map(([name, v]) => [name, this.table(node.value, v, [...path, name])]));
      case "ignored":
        if (node.warning !== undefined) this.warn(path, node.warning);
        return undefined;
    }
  }

  leaf(node: LeafNode, raw: unknown, path: KeyPath): unknown {
    try {
      return node.type.decode(raw);
    } catch (e) {
      if (e instanceof ManagerConfigError) throw e;
      return this.fail(path, (e as Error).message, e);
    }
  }

  /** Decodes a table on top of its defaults: every written key checked, every missing key at its default. */
  table(node: TableNode, raw: unknown, path: KeyPath): Record<string, unknown> {
    if (!isTable(raw)) return this.fail(path, `expected a table, got ${Array.isArray(raw) ? "an array" : typeof raw}`);
    const names = new Map<string, string>(); // lower-case spelling (names and aliases) → field name
    for (const [name, child] of Object.entries(node.fields as Fields)) {
      names.set(name.toLowerCase(), name);
      if (child.node === "leaf") for (const a of child.aliases ?? []) names.set(a.toLowerCase(), name);
    }
    const written = new Map<string, [string, unknown][]>(); // field → [spelling as written, value]
    for (const [key, value] of Object.entries(raw)) {
      const field = (node.fields as Fields)[key] !== undefined ? key : names.get(key.toLowerCase());
      if (field === undefined) {
        const hint = didYouMean(key, [...names.values()]);
        this.warn([...path, key], `unknown key, ignored${hint === undefined ? "" : ` (did you mean ${hint}?)`}`);
        continue;
      }
      written.set(field, [...(written.get(field) ?? []), [key, value]]);
    }
    const out: Record<string, unknown> = {};
    for (const [name, child] of Object.entries(node.fields as Fields)) {
      const entries = written.get(name) ?? [];
      if (child.node === "leaf") {
        const aliases = (child.aliases ?? []).map((a) => a.toLowerCase());
        const direct = entries.filter(([k]) => !aliases.includes(k.toLowerCase()));
        const old = entries.filter(([k]) => aliases.includes(k.toLowerCase()));
        if (direct.length > 1) this.fail([...path, direct[1]![0]], `written twice (as ${direct.map(([k]) => k).join(" and ")})`);
        // The old spelling wins when both are written, as Damocles' Get…Confidence() does.
        const chosen = old[0] ?? direct[0];
        if (chosen === undefined) {
          if (child.required) this.fail([...path, name], `missing: required (e.g. ${name} = ${child.example ?? "…"})`);
          out[name] = defaultOf(child);
        } else out[name] = this.leaf(child, chosen[1], [...path, chosen[0]]);
        continue;
      }
      if (entries.length > 1) this.fail([...path, entries[1]![0]], `written twice (as ${entries.map(([k]) => k).join(" and ")})`);
      const entry = entries[0];
      if (child.node === "ignored") {
        if (entry !== undefined) this.node(child, entry[1], [...path, entry[0]]);
        continue;
      }
      out[name] = entry === undefined ? defaultOf(child) : this.node(child, entry[1], [...path, entry[0]]);
    }
    return out;
  }
}

function parseText(text: string, file: string): Record<string, unknown> {
  try {
    return parseToml(text, { integersAsBigInt: "asNeeded", unsafeKeyBehaviour: "throw" }) as Record<string, unknown>;
  } catch (err) {
    if (err instanceof TomlError) {
      throw new ManagerConfigError(`${file}:${err.line}:${err.column}: ${err.message.split("\n")[0]}`, file, "", err.line, { cause: err });
    }
    throw err;
  }
}

// ---------------------------------------------------------------- checks across keys

/** Damocles semantics applied after decoding: names default to paths, Sender merged, DB driver mapped. */
function finish(config: ManagerConfig, d: Decoder): void {
  const common = config.Common;
  const names = new Map<string, number>();
  common.PersistStores.forEach((s, i) => {
    if (s.Path.trim() === "") d.fail(["Common", "PersistStores", i, "Path"], "must not be empty");
    if (s.Name === "") s.Name = s.Path;
    if (s.Weight === 0) s.Weight = 1;
    const first = names.get(s.Name);
    if (first !== undefined) d.fail(["Common", "PersistStores", i, "Name"], `duplicate persist store name "${s.Name}" (also Common.PersistStores[${first}])`);
    names.set(s.Name, i);
  });
  common.PieceStores.forEach((s, i) => {
    if (s.Path.trim() === "") d.fail(["Common", "PieceStores", i, "Path"], "must not be empty");
    if (s.Name === "") s.Name = s.Path;
  });
  const driver = common.DB.Driver;
  if (driver === "postgres")
    d.fail(["Common", "DB", "Driver"], 'PostgreSQL support has not landed yet: use "sqlite" (the default)');
  if (driver !== "sqlite") {
    d.warn(["Common", "DB", "Driver"], `"${driver}" is a Damocles KV store; the manager keeps its state in SQLite (read as "sqlite")`);
    common.DB.Driver = "sqlite";
  }

  const actors = new Map<number, number>();
  config.Miners.forEach((m, i) => {
    const first = actors.get(m.Actor);
    if (first !== undefined) d.fail(["Miners", i, "Actor"], `miner ${m.Actor} is configured twice (also Miners[${first}])`);
    actors.set(m.Actor, i);
    const { MinNumber, MaxNumber, InitNumber } = m.Sector;
    const min = MinNumber ?? InitNumber;
    if (MaxNumber !== undefined && MaxNumber < min)
      d.fail(["Miners", i, "Sector", "MaxNumber"], `${MaxNumber} is below the minimum sector number ${min}`);
    for (const s of [m.SnapUp, m.Commitment.Pre, m.Commitment.Prove, m.Commitment.Terminate, m.PoSt])
      if (s.Sender !== undefined && !s.Senders.includes(s.Sender)) s.Senders.push(s.Sender);
  });
}

/** Parses sector-manager.cfg text; `file` is the path named in errors and warnings. */
export function parseManagerConfig(text: string, file: string): LoadedConfig<ManagerConfig> {
  const d = new Decoder(file, text);
  const config = d.table(CONFIG_SCHEMA, parseText(text, file), []) as unknown as ManagerConfig;
  finish(config, d);
  return { config, warnings: d.warnings };
}

/** Reads and checks sector-manager.cfg. */
export async function loadManagerConfig(path: string): Promise<LoadedConfig<ManagerConfig>> {
  return parseManagerConfig(await readConfigText(path), path);
}

/** Parses ext-prover.cfg text (§4). */
export function parseExtProverConfig(text: string, file: string): LoadedConfig<ExtProverConfig> {
  const d = new Decoder(file, text);
  const config = d.table(EXT_PROVER_SCHEMA, parseText(text, file), []) as unknown as ExtProverConfig;
  // Damocles' extproc reads 0 as the default for these three.
  for (const p of [...config.WdPost, ...config.WinPost]) {
    p.Concurrent ||= 1;
    p.Weight ||= 1;
    p.ReadyTimeoutSecs ||= 5;
  }
  return { config, warnings: d.warnings };
}

export async function loadExtProverConfig(path: string): Promise<LoadedConfig<ExtProverConfig>> {
  return parseExtProverConfig(await readConfigText(path), path);
}

async function readConfigText(path: string): Promise<string> {
  try {
    return await readFile(path, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT")
      throw new ManagerConfigError(`${path}: not found; run \`damocles-manager daemon init\` first (or pass --home / --conf-dir)`, path, "", undefined, { cause: err });
    throw err;
  }
}
