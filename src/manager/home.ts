// The manager home (spec/manager.md §1): where it is (--home, DAMOCLES_PATH and the legacy names, the
// legacy ~/.venus-sector-manager), where the config files are (--conf-dir), the files in it, and
// `daemon init`, which writes them.
import { existsSync } from "node:fs";
import { chmod, mkdir, readFile, writeFile } from "node:fs/promises";
import os from "node:os";
import { isAbsolute, join, resolve } from "node:path";
import type { Perm } from "../api/define.js";
import { createToken, randomSecret, SECRET_BYTES } from "../rpc/auth.js";
import type { ManagerConfig } from "./config/schema.js";
import { renderDefaultConfig, renderDefaultExtProverConfig } from "./config/template.js";

/** Home env names, first set wins (Damocles' HomeFlag EnvVars). */
export const HOME_ENVS = ["DAMOCLES_PATH", "VENUS_SECTOR_MANAGER_PATH", "VSM_PATH"] as const;
/** Config-dir env names (Damocles' ConfDirFlag EnvVars). */
export const CONF_DIR_ENVS = ["DAMOCLES_CONF_DIR", "VENUS_SECTOR_MANAGER_CONF_DIR", "VSM_CONF_DIR"] as const;
/** The CLI uses this token instead of `<home>/token` when set. */
export const API_TOKEN_ENV = "DAMOCLES_API_TOKEN";

export const DEFAULT_HOME_DIR = "~/.damocles-manager";
export const LEGACY_HOME_DIR = "~/.venus-sector-manager";
export const CONFIG_FILE = "sector-manager.cfg";
export const EXT_PROVER_FILE = "ext-prover.cfg";
export const AUTH_SECRET_FILE = "auth.secret";
export const TOKEN_FILE = "token";
export const DB_FILE = "manager.db";
export const SECRET_FILE_MODE = 0o600;

/** The manager's permissions, lowest first: a token allows every level up to its own (§5.2). */
export const MANAGER_PERMS = ["read", "write", "admin"] as const satisfies readonly Perm[];
export type ManagerPerm = (typeof MANAGER_PERMS)[number];

/** The `Allow` list of a token of level `perm`: `admin` ⇒ read, write, admin. */
export function managerAllowUpTo(perm: ManagerPerm): Perm[] {
  const i = MANAGER_PERMS.indexOf(perm);
  if (i < 0) throw new RangeError(`perm "${String(perm)}" must be one of ${MANAGER_PERMS.join(", ")}`);
  return MANAGER_PERMS.slice(0, i + 1);
}

export interface ManagerHome {
  /** Absolute home directory. */
  home: string;
  /** Absolute directory of sector-manager.cfg and ext-prover.cfg (the home unless --conf-dir). */
  confDir: string;
  /** Where the home came from. */
  source: "flag" | "env" | "default" | "legacy";
  config: string;
  extProver: string;
  authSecret: string;
  token: string;
  db: string;
}

export interface ResolveHomeOptions {
  /** `--home`. */
  home?: string;
  /** `--conf-dir`. */
  confDir?: string;
  env?: NodeJS.ProcessEnv;
  /** The user's home directory for `~` (tests). */
  userHome?: string;
  /** Existence check for the legacy fallback (tests). */
  exists?: (path: string) => boolean;
}

const expandTilde = (path: string, userHome: string = os.homedir()): string =>
  path === "~" || path.startsWith("~/") ? join(userHome, path.slice(1)) : path;

/** Expands a leading `~` and makes the path absolute (relative paths are taken from the working directory). */
export function expandHome(path: string, userHome: string = os.homedir()): string {
  const expanded = expandTilde(path, userHome);
  return isAbsolute(expanded) ? expanded : resolve(expanded);
}

const firstEnv = (env: NodeJS.ProcessEnv, names: readonly string[]): string | undefined =>
  names.map((n) => env[n]).find((v) => v !== undefined && v !== "");

/**
 * `--home`, else the first of DAMOCLES_PATH, VENUS_SECTOR_MANAGER_PATH, VSM_PATH, else ~/.damocles-manager;
 * when that default does not exist but ~/.venus-sector-manager does, the legacy home. (Damocles applies
 * the legacy fallback to an explicit --home too; here an explicit home is always used as given.)
 */
export function resolveManagerHome(opts: ResolveHomeOptions = {}): ManagerHome {
  const env = opts.env ?? process.env;
  const userHome = opts.userHome ?? os.homedir();
  const exists = opts.exists ?? existsSync;
  const fromEnv = firstEnv(env, HOME_ENVS);
  let source: ManagerHome["source"] = opts.home !== undefined && opts.home !== "" ? "flag" : fromEnv !== undefined ? "env" : "default";
  let home = expandHome(source === "flag" ? opts.home! : (fromEnv ?? DEFAULT_HOME_DIR), userHome);
  if (source === "default" && !exists(home)) {
    const legacy = expandHome(LEGACY_HOME_DIR, userHome);
    if (exists(legacy)) [home, source] = [legacy, "legacy"];
  }
  const confFlag = opts.confDir !== undefined && opts.confDir !== "" ? opts.confDir : firstEnv(env, CONF_DIR_ENVS);
  const confDir = confFlag === undefined ? home : expandHome(confFlag, userHome);
  return {
    home,
    confDir,
    source,
    config: join(confDir, CONFIG_FILE),
    extProver: join(confDir, EXT_PROVER_FILE),
    authSecret: join(home, AUTH_SECRET_FILE),
    token: join(home, TOKEN_FILE),
    db: join(home, DB_FILE),
  };
}

/** The HMAC secret file: `Auth.SecretFile` (relative to the home) or `<home>/auth.secret`. */
export function authSecretPath(h: Pick<ManagerHome, "home" | "authSecret">, config: ManagerConfig): string {
  const f = config.Common.Auth.SecretFile;
  return f === undefined || f === "" ? h.authSecret : resolve(h.home, expandTilde(f));
}

/**
 * The SQLite file: `DB.SQLite.Path`, else `manager.db` in Damocles' `DB.Badger.BaseDir`, else
 * `<home>/manager.db`. Relative paths are taken from the home.
 */
export function managerDbPath(h: Pick<ManagerHome, "home" | "db">, config: ManagerConfig): string {
  const { SQLite, Badger } = config.Common.DB;
  if (SQLite.Path !== undefined && SQLite.Path !== "") return resolve(h.home, expandTilde(SQLite.Path));
  if (Badger.BaseDir !== "") return resolve(h.home, expandTilde(Badger.BaseDir), DB_FILE);
  return h.db;
}

/** Reads a 32-byte HMAC secret, naming the file and the fix on failure. */
export async function readAuthSecret(path: string): Promise<Uint8Array> {
  let secret: Buffer;
  try {
    secret = await readFile(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT")
      throw new Error(`${path}: not found; run \`damocles-manager daemon init\` first (or set Common.Auth.SecretFile)`, { cause: err });
    throw err;
  }
  if (secret.length !== SECRET_BYTES) throw new Error(`${path}: expected ${SECRET_BYTES} bytes, found ${secret.length}`);
  return new Uint8Array(secret);
}

/** The CLI's token: $DAMOCLES_API_TOKEN, else `<home>/token` (trimmed). */
export async function readApiToken(h: Pick<ManagerHome, "token">, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const fromEnv = env[API_TOKEN_ENV];
  if (fromEnv !== undefined && fromEnv.trim() !== "") return fromEnv.trim();
  try {
    return (await readFile(h.token, "utf8")).trim();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT")
      throw new Error(`${h.token}: not found; run \`damocles-manager daemon init\` or set ${API_TOKEN_ENV}`, { cause: err });
    throw err;
  }
}

async function writeSecretFile(path: string, data: Uint8Array | string): Promise<void> {
  await writeFile(path, data, { flag: "wx", mode: SECRET_FILE_MODE });
  await chmod(path, SECRET_FILE_MODE); // the umask may have cleared bits; make the mode exact
}

export interface InitResult {
  /** Files written, in order. */
  written: string[];
  /** The admin token now in `<home>/token`. */
  token: string;
}

/**
 * `daemon init`: creates the home (and conf dir) and writes sector-manager.cfg and ext-prover.cfg (every key
 * commented at its default), auth.secret (32 random bytes, 0600) and an admin token (0600). Refuses, before
 * writing anything, when either config file exists. An existing auth.secret is kept, so tokens issued
 * against it stay valid; the token file is then rewritten.
 */
export async function initManagerHome(h: ManagerHome): Promise<InitResult> {
  for (const f of [h.config, h.extProver])
    if (existsSync(f)) throw new Error(`${f} already exists; \`daemon init\` does not overwrite a configuration`);
  await mkdir(h.home, { recursive: true, mode: 0o700 });
  await mkdir(h.confDir, { recursive: true });
  const written: string[] = [];
  await writeFile(h.config, renderDefaultConfig(), { flag: "wx" });
  written.push(h.config);
  await writeFile(h.extProver, renderDefaultExtProverConfig(), { flag: "wx" });
  written.push(h.extProver);
  let secret: Uint8Array;
  if (existsSync(h.authSecret)) secret = await readAuthSecret(h.authSecret);
  else {
    secret = randomSecret();
    await writeSecretFile(h.authSecret, secret);
    written.push(h.authSecret);
  }
  const token = await createToken(secret, managerAllowUpTo("admin"));
  // No trailing newline, as Lotus writes its token file.
  await writeFile(h.token, token, { mode: SECRET_FILE_MODE });
  await chmod(h.token, SECRET_FILE_MODE);
  written.push(h.token);
  return { written, token };
}
