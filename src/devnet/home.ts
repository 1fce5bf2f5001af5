// The devnet home (spec/devnet.md §1.2, §1.4): where it is, its files, config.toml, the secret and
// token files, run.pid/run.json and the lock on chain.db; plus the small parsers its flags and keys share
// (block time over src/api's Go durations, listen addresses, the policy profile of §2).
import { chmod, mkdir, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import { isIP } from "node:net";
import { join, resolve } from "node:path";
import { TomlError, parse as parseToml } from "smol-toml";
import { formatGoDuration, parseGoDuration } from "../api/go-duration.js";
import { openSqlite, SqliteLockedError, type Database, type Migration } from "../db/sqlite.js";
import { formatFil, parseFil } from "../filecoin/bigint.js";
import { checkPolicyInvariants, DEVNET_POLICY, MAINNET_POLICY, type Policy } from "../filecoin/policy.js";
import { formatSectorSize, parseSectorSize } from "../filecoin/sizes.js";
import { blockDelaySecs, MAX_BLOCK_TIME_MS, MIN_BLOCK_TIME_MS, SEED_LEN } from "./genesis.js";

export const HOME_ENV = "DAMOCLES_DEVNET_PATH";
export const DEFAULT_HOME_DIR = ".damocles-devnet";
export const CONFIG_FILE = "config.toml";
export const CHAIN_DB_FILE = "chain.db";
export const JWT_SECRET_FILE = "jwt.secret";
export const TOKEN_FILE = "token";
export const PIECES_DIR = "pieces";
export const RUN_PID_FILE = "run.pid";
/** Beside run.pid: the address the running daemon actually bound (`--listen` may override config.toml, port 0 picks one). */
export const RUN_JSON_FILE = "run.json";
export const JWT_SECRET_LEN = 32;
export const SECRET_FILE_MODE = 0o600;

export const DEFAULT_LISTEN = "127.0.0.1:1234";
export const DEFAULT_BLOCK_TIME = "1s";
export const DEFAULT_BLOCK_REWARD = "10 FIL";

// ---------------------------------------------------------------- errors carrying an exit code

/** An error that ends a devnet command with a specific exit code (spec/devnet.md §1.4). */
export class DevnetExitError extends Error {
  constructor(
    message: string,
    readonly exitCode: 1 | 2 | 3,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = "DevnetExitError";
  }
}

/** Usage or configuration error (exit 2); names the flag, or the file, key and line. */
export class ConfigError extends DevnetExitError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, 2, options);
    this.name = "ConfigError";
  }
}

/** Another process holds chain.db (exit 3). */
export class HomeInUseError extends DevnetExitError {
  constructor(
    readonly home: string,
    readonly pid: number | null,
    options?: ErrorOptions,
  ) {
    super(`home ${home} is in use by another process${pid === null ? "" : ` (pid ${pid} in ${RUN_PID_FILE})`}`, 3, options);
    this.name = "HomeInUseError";
  }
}

// ---------------------------------------------------------------- home and layout

/** `--home`, else $DAMOCLES_DEVNET_PATH, else ~/.damocles-devnet; always absolute. */
export function resolveHome(flag?: string, env: NodeJS.ProcessEnv = process.env): string {
  const chosen = flag ?? (env[HOME_ENV] || undefined) ?? join(os.homedir(), DEFAULT_HOME_DIR);
  const expanded = chosen === "~" || chosen.startsWith("~/") ? join(os.homedir(), chosen.slice(1)) : chosen;
  return resolve(expanded);
}

export interface HomePaths {
  home: string;
  config: string;
  chainDb: string;
  jwtSecret: string;
  token: string;
  pieces: string;
  runPid: string;
  runJson: string;
}

export function homePaths(home: string): HomePaths {
  return {
    home,
    config: join(home, CONFIG_FILE),
    chainDb: join(home, CHAIN_DB_FILE),
    jwtSecret: join(home, JWT_SECRET_FILE),
    token: join(home, TOKEN_FILE),
    pieces: join(home, PIECES_DIR),
    runPid: join(home, RUN_PID_FILE),
    runJson: join(home, RUN_JSON_FILE),
  };
}

// ---------------------------------------------------------------- durations and addresses

/** A block time: a Go duration of whole milliseconds in 100ms … 60s. */
export function parseBlockTime(text: string): number {
  const ms = parseGoDuration(text);
  if (!Number.isInteger(ms)) throw new RangeError(`block time "${text}" must be a whole number of milliseconds`);
  if (ms < MIN_BLOCK_TIME_MS || ms > MAX_BLOCK_TIME_MS)
    throw new RangeError(`block time "${text}" is outside ${formatGoDuration(MIN_BLOCK_TIME_MS)} … ${formatGoDuration(MAX_BLOCK_TIME_MS)}`);
  return ms;
}

export interface ListenAddress {
  /** Without brackets for IPv6. */
  host: string;
  port: number;
}

/** `host:port` (IPv6 as `[::1]:1234`); port 0 asks the OS for a free port. */
export function parseListen(text: string): ListenAddress {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^\s:[\]]+)):(\d{1,5})$/.exec(text.trim());
  const port = m ? Number(m[3]) : NaN;
  if (!m || port > 65535) throw new RangeError(`invalid listen address "${text}": expected host:port, e.g. 127.0.0.1:1234 or [::1]:1234`);
  const host = m[1] ?? m[2]!;
  if (m[1] !== undefined && isIP(host) !== 6) throw new RangeError(`invalid listen address "${text}": ${host} is not an IPv6 address`);
  return { host, port };
}

export function formatListen({ host, port }: ListenAddress): string {
  return isIP(host) === 6 ? `[${host}]:${port}` : `${host}:${port}`;
}

/** `http://host:port` of a listen address (IPv6 in brackets). */
export function httpOrigin(listen: ListenAddress): string {
  return `http://${formatListen(listen)}`;
}

/** The endpoint a client uses: `http://host:port/rpc/v1` and the multiaddr a manager's [Common.API] takes. */
export function endpointsOf({ host, port }: ListenAddress): { rpcUrl: string; multiaddr: string } {
  const family = isIP(host);
  const urlHost = family === 6 ? `[${host}]` : host;
  const proto = family === 4 ? "ip4" : family === 6 ? "ip6" : "dns";
  return { rpcUrl: `http://${urlHost}:${port}/rpc/v1`, multiaddr: `/${proto}/${host}/tcp/${port}` };
}

// ---------------------------------------------------------------- profile (spec/devnet.md §2)

export const PROFILE_NAMES = ["devnet", "mainnet"] as const;
export type ProfileName = (typeof PROFILE_NAMES)[number];

/** The `--set` / `[profile]` keys of §2.1 and the Policy field each sets. */
export const PROFILE_KEYS = {
  pre_commit_challenge_delay: "PreCommitChallengeDelay",
  wpost_challenge_window: "WPoStChallengeWindow",
  wpost_challenge_lookback: "WPoStChallengeLookback",
  fault_declaration_cutoff: "FaultDeclarationCutoff",
  wpost_dispute_window: "WPoStDisputeWindow",
} as const satisfies Record<string, keyof Policy>;
export type ProfileKey = keyof typeof PROFILE_KEYS;
export type ProfileValues = Record<ProfileKey, number>;
const PROFILE_KEY_LIST = Object.keys(PROFILE_KEYS) as ProfileKey[];

/** FaultMaxAge is 42 proving periods in both profiles (builtin-actors policy). */
const FAULT_MAX_AGE_PERIODS = 42;

export function parseProfileName(text: string): ProfileName {
  if (!(PROFILE_NAMES as readonly string[]).includes(text))
    throw new RangeError(`unknown profile "${text}": accepted: ${PROFILE_NAMES.join(", ")}`);
  return text as ProfileName;
}

/** The §2.1 values of a named profile before any `--set`. */
export function profileDefaults(name: ProfileName): ProfileValues {
  const src = name === "mainnet" ? MAINNET_POLICY : DEVNET_POLICY;
  return Object.fromEntries(PROFILE_KEY_LIST.map((k) => [k, src[PROFILE_KEYS[k]]])) as ProfileValues;
}

/**
 * The Policy of a profile: the devnet network (name, 2048-byte minimum power, devnet proof types)
 * with the §2.1 values; the proving period and FaultMaxAge follow from the challenge window.
 */
export function buildProfile(values: ProfileValues, blockTimeMs: number): Policy {
  const period = DEVNET_POLICY.WPoStPeriodDeadlines * values.wpost_challenge_window;
  const policy: Policy = {
    ...DEVNET_POLICY,
    BlockDelaySecs: blockDelaySecs(blockTimeMs),
    WPoStProvingPeriod: period,
    FaultMaxAge: FAULT_MAX_AGE_PERIODS * period,
  };
  const fields = policy as unknown as Record<string, number>;
  for (const k of PROFILE_KEY_LIST) fields[PROFILE_KEYS[k]] = values[k];
  return policy;
}

/**
 * The §2.2 invariants a profile breaks, as "rule N: …" lines.
 *
 * Known spec defect: rule 4 (FaultDeclarationCutoff ≤ WPoStChallengeWindow) fails for the mainnet
 * numbers themselves (70 > 60), yet §2.1 defines the mainnet profile with them. Until the spec is
 * fixed, rule 4 is not enforced for `--profile mainnet` (only for that profile; every other rule is).
 */
export function profileInvariantErrors(name: ProfileName, policy: Policy): string[] {
  const errors = checkPolicyInvariants(policy);
  return name === "mainnet" ? errors.filter((e) => !e.startsWith("rule 4:")) : errors;
}

/** One `--set key=value`: a §2.1 key and a non-negative integer. */
export function parseSetFlag(text: string): [ProfileKey, number] {
  const m = /^([a-z_]+)=(\S+)$/.exec(text.trim());
  if (!m) throw new RangeError(`invalid --set "${text}": expected key=value, e.g. wpost_challenge_window=20`);
  const key = m[1]!;
  if (!(key in PROFILE_KEYS)) throw new RangeError(`unknown --set key "${key}": accepted: ${PROFILE_KEY_LIST.join(", ")}`);
  if (!/^\d+$/.test(m[2]!) || !Number.isSafeInteger(Number(m[2])))
    throw new RangeError(`invalid --set ${key}="${m[2]}": expected a non-negative integer number of epochs`);
  return [key as ProfileKey, Number(m[2])];
}

// ---------------------------------------------------------------- config.toml

export interface ConfigMiner {
  actor: string;
  sectorSize: number;
  owner: string;
  worker: string;
}

export interface DevnetConfig {
  listen: ListenAddress;
  blockTimeMs: number;
  blockReward: bigint;
  seed: Uint8Array;
  profileName: ProfileName;
  profileValues: ProfileValues;
  miners: ConfigMiner[];
}

export interface ParsedConfig {
  config: DevnetConfig;
  /** Unknown keys, each naming file, key and line. */
  warnings: string[];
}

const q = (s: string): string => JSON.stringify(s); // a JSON string of printable ASCII is a TOML basic string

export function formatConfig(c: DevnetConfig): string {
  const lines = [
    "# damocles-devnet home settings (spec/devnet.md §1.2).",
    "# listen, block_time and block_reward may change between runs; seed, [profile] and [[miners]] are",
    "# fixed at genesis: `run` refuses a change to them.",
    `listen = ${q(formatListen(c.listen))}`,
    `block_time = ${q(formatGoDuration(c.blockTimeMs))}`,
    `block_reward = ${q(formatFil(c.blockReward))}`,
    `seed = ${q(Buffer.from(c.seed).toString("hex"))}`,
    "",
    "[profile]",
    `name = ${q(c.profileName)}`,
    ...PROFILE_KEY_LIST.map((k) => `${k} = ${c.profileValues[k]}`),
  ];
  for (const m of c.miners)
    lines.push("", "[[miners]]", `actor = ${q(m.actor)}`, `sector_size = ${q(formatSectorSize(m.sectorSize))}`, `owner = ${q(m.owner)}`, `worker = ${q(m.worker)}`);
  return `${lines.join("\n")}\n`;
}

type KeyPath = readonly (string | number)[];

/**
 * The 1-based line of a key in TOML text: the `key =` line inside its table, else the header of the
 * table the path names (or of its parent table), else undefined.
 */
export function findKeyLine(text: string, path: KeyPath): number | undefined {
  const eq = (a: KeyPath, b: KeyPath): boolean => a.length === b.length && a.every((p, i) => p === b[i]);
  const parent = path.slice(0, -1);
  const counts = new Map<string, number>();
  let section: KeyPath = [];
  let selfHeader: number | undefined;
  let parentHeader: number | undefined;
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    let h: RegExpExecArray | null;
    if ((h = /^\[\[\s*([A-Za-z0-9_-]+)\s*\]\]/.exec(line))) {
      const n = counts.get(h[1]!) ?? 0;
      counts.set(h[1]!, n + 1);
      section = [h[1]!, n];
    } else if ((h = /^\[\s*([A-Za-z0-9_.-]+)\s*\]/.exec(line))) {
      section = h[1]!.split(".");
    } else {
      if ((h = /^["']?([A-Za-z0-9_-]+)["']?\s*=/.exec(line)) && eq(section, parent) && h[1] === path.at(-1)) return i + 1;
      continue;
    }
    if (eq(section, path)) selfHeader ??= i + 1;
    if (eq(section, parent)) parentHeader ??= i + 1;
  }
  return selfHeader ?? parentHeader;
}

const keyName = (path: KeyPath): string =>
  path.map((p, i) => (typeof p === "number" ? `[${p}]` : i === 0 ? p : `.${p}`)).join("");

function where(file: string, text: string, path: KeyPath): string {
  const line = findKeyLine(text, path);
  return `${file}${line === undefined ? "" : `:${line}`}: key ${keyName(path)}`;
}

const TOP_KEYS = ["listen", "block_time", "block_reward", "seed", "profile", "miners"];
const PROFILE_TABLE_KEYS = ["name", ...PROFILE_KEY_LIST];
const MINER_KEYS = ["actor", "sector_size", "owner", "worker"];

const isTable = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** Parses config.toml text; `file` is the path named in errors and warnings. */
export function parseConfig(text: string, file: string): ParsedConfig {
  let doc: Record<string, unknown>;
  try {
    doc = parseToml(text) as Record<string, unknown>;
  } catch (err) {
    if (err instanceof TomlError)
      throw new ConfigError(`${file}:${err.line}:${err.column}: ${err.message.split("\n")[0]}`, { cause: err });
    throw err;
  }
  const warnings: string[] = [];
  const warnUnknown = (table: Record<string, unknown>, known: string[], prefix: KeyPath): void => {
    for (const k of Object.keys(table))
      if (!known.includes(k)) warnings.push(`${where(file, text, [...prefix, k])}: unknown key, ignored`);
  };
  const fail = (path: KeyPath, why: string, cause?: unknown): never => {
    throw new ConfigError(`${where(file, text, path)}: ${why}`, cause === undefined ? undefined : { cause });
  };
  const str = (table: Record<string, unknown>, path: KeyPath, fallback?: string): string => {
    const v = table[path.at(-1) as string];
    if (v === undefined) {
      if (fallback !== undefined) return fallback;
      return fail(path, "missing");
    }
    if (typeof v !== "string") return fail(path, `expected a string, got ${typeof v}`);
    return v;
  };
  const parsed = <T>(path: KeyPath, fn: () => T): T => {
    try {
      return fn();
    } catch (err) {
      if (err instanceof ConfigError) throw err;
      return fail(path, (err as Error).message, err);
    }
  };

  warnUnknown(doc, TOP_KEYS, []);
  const listen = parsed(["listen"], () => parseListen(str(doc, ["listen"], DEFAULT_LISTEN)));
  const blockTimeMs = parsed(["block_time"], () => parseBlockTime(str(doc, ["block_time"], DEFAULT_BLOCK_TIME)));
  const blockReward = parsed(["block_reward"], () => {
    const v = parseFil(str(doc, ["block_reward"], DEFAULT_BLOCK_REWARD));
    if (v < 0n) throw new RangeError("block reward must not be negative");
    return v;
  });
  const seed = parsed(["seed"], () => parseSeed(str(doc, ["seed"])));

  const profile = doc["profile"];
  if (!isTable(profile)) fail(["profile"], profile === undefined ? "missing table [profile]" : "expected a table [profile]");
  const ptable = profile as Record<string, unknown>;
  warnUnknown(ptable, PROFILE_TABLE_KEYS, ["profile"]);
  const profileName = parsed(["profile", "name"], () => parseProfileName(str(ptable, ["profile", "name"])));
  const defaults = profileDefaults(profileName);
  const profileValues = Object.fromEntries(
    PROFILE_KEY_LIST.map((k) => {
      const v = ptable[k];
      if (v === undefined) return [k, defaults[k]];
      if (typeof v !== "number" || !Number.isSafeInteger(v) || v < 0)
        return fail(["profile", k], `expected a non-negative integer number of epochs, got ${JSON.stringify(v)}`);
      return [k, v];
    }),
  ) as ProfileValues;

  const minersRaw = doc["miners"];
  if (!Array.isArray(minersRaw) || minersRaw.length === 0)
    fail(["miners"], minersRaw === undefined ? "missing: at least one [[miners]] table" : "expected [[miners]] tables");
  const miners = (minersRaw as unknown[]).map((m, i): ConfigMiner => {
    if (!isTable(m)) return fail(["miners", i], "expected a table");
    warnUnknown(m, MINER_KEYS, ["miners", i]);
    const size = m["sector_size"];
    return {
      actor: str(m, ["miners", i, "actor"]),
      sectorSize: parsed(["miners", i, "sector_size"], () =>
        parseSectorSize(typeof size === "number" ? String(size) : str(m, ["miners", i, "sector_size"])),
      ),
      owner: str(m, ["miners", i, "owner"]),
      worker: str(m, ["miners", i, "worker"]),
    };
  });
  return { config: { listen, blockTimeMs, blockReward, seed, profileName, profileValues, miners }, warnings };
}

export function parseSeed(text: string): Uint8Array {
  if (!new RegExp(`^[0-9a-fA-F]{${SEED_LEN * 2}}$`).test(text))
    throw new RangeError(`invalid seed "${text}": expected ${SEED_LEN * 2} hex digits`);
  return Uint8Array.from(Buffer.from(text, "hex"));
}

export async function readConfig(home: string): Promise<ParsedConfig> {
  const file = homePaths(home).config;
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT")
      throw new ConfigError(`${file}: not found; run \`damocles-devnet init --home ${home}\` first`, { cause: err });
    throw err;
  }
  return parseConfig(text, file);
}

/** Writes config.toml; refuses to replace an existing one. */
export async function writeNewConfig(home: string, config: DevnetConfig): Promise<void> {
  await writeFile(homePaths(home).config, formatConfig(config), { flag: "wx" });
}

// ---------------------------------------------------------------- secret, token, run.pid

/** Writes a file readable by its owner only (0600), failing if it exists. */
export async function writeSecretFile(path: string, data: Uint8Array | string): Promise<void> {
  await writeFile(path, data, { flag: "wx", mode: SECRET_FILE_MODE });
  await chmod(path, SECRET_FILE_MODE); // the umask may have cleared bits; make the mode exact
}

export async function readJwtSecret(home: string): Promise<Uint8Array> {
  const file = homePaths(home).jwtSecret;
  let secret: Buffer;
  try {
    secret = await readFile(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT")
      throw new ConfigError(`${file}: not found; run \`damocles-devnet init --home ${home}\` first`, { cause: err });
    throw err;
  }
  if (secret.length !== JWT_SECRET_LEN) throw new ConfigError(`${file}: expected ${JWT_SECRET_LEN} bytes, found ${secret.length}`);
  return new Uint8Array(secret);
}

export async function writeRunPid(home: string, pid: number = process.pid): Promise<void> {
  await writeFile(homePaths(home).runPid, `${pid}\n`);
}

/** The pid in run.pid, or null when absent or unreadable (it is informational only). */
export async function readRunPid(home: string): Promise<number | null> {
  try {
    const n = Number((await readFile(homePaths(home).runPid, "utf8")).trim());
    return Number.isSafeInteger(n) && n > 0 ? n : null;
  } catch {
    return null;
  }
}

export async function removeRunPid(home: string): Promise<void> {
  await rm(homePaths(home).runPid, { force: true });
  await rm(homePaths(home).runJson, { force: true });
}

/** run.json: what the running daemon serves, for `deal add` and tools (informational, like run.pid). */
export interface RunInfo {
  pid: number;
  /** The bound address, `host:port`. */
  listen: string;
}

export async function writeRunInfo(home: string, listen: ListenAddress, pid: number = process.pid): Promise<void> {
  const info: RunInfo = { pid, listen: formatListen(listen) };
  await writeFile(homePaths(home).runJson, `${JSON.stringify(info)}\n`);
}

/** The bound address in run.json, or null when absent or unreadable. */
export async function readRunListen(home: string): Promise<ListenAddress | null> {
  try {
    const info = JSON.parse(await readFile(homePaths(home).runJson, "utf8")) as Partial<RunInfo>;
    return typeof info.listen === "string" ? parseListen(info.listen) : null;
  } catch {
    return null;
  }
}

export async function makeHomeDirs(home: string): Promise<void> {
  await mkdir(home, { recursive: true, mode: 0o700 });
  await mkdir(homePaths(home).pieces, { recursive: true });
}

/**
 * Opens the home's chain.db. With `exclusive` the home is locked for the connection's life; when
 * another process holds it, fails with HomeInUseError naming the home and run.pid's pid.
 */
export async function openChainDb(home: string, opts: { exclusive?: boolean; migrations: readonly Migration[] }): Promise<Database> {
  try {
    return openSqlite(homePaths(home).chainDb, opts);
  } catch (err) {
    if (err instanceof SqliteLockedError) throw new HomeInUseError(home, await readRunPid(home), { cause: err });
    throw err;
  }
}
