// `damocles-devnet init` and `token` (spec/devnet.md §1.1, §1.3, §1.4). stdout carries only the
// JSON result or the token; errors are one stderr line `damocles-devnet: …` with exit code 2 for
// usage and configuration errors, 3 for a home in use, 1 for anything else.
import { randomBytes } from "node:crypto";
import { rm } from "node:fs/promises";
import { existsSync } from "node:fs";
import type { Command } from "commander";
import { PERMS, type Perm } from "../api/define.js";
import { formatGoDuration, parseGoDuration } from "../api/go-duration.js";
import { allowUpTo, createToken } from "../rpc/auth.js";
import { transaction } from "../db/sqlite.js";
import { parseFil } from "../filecoin/bigint.js";
import { formatSectorSize, parseSectorSize } from "../filecoin/sizes.js";
import {
  buildGenesis,
  DEVNET_SECTOR_SIZES,
  GENESIS_RECORD_FORMAT,
  SEED_LEN,
  writeGenesisRecord,
} from "./genesis.js";
import { DEVNET_MIGRATIONS } from "./schema.js";
import {
  buildProfile,
  ConfigError,
  DEFAULT_BLOCK_REWARD,
  DEFAULT_BLOCK_TIME,
  DEFAULT_LISTEN,
  endpointsOf,
  homePaths,
  makeHomeDirs,
  openChainDb,
  parseBlockTime,
  parseListen,
  parseProfileName,
  parseSeed,
  parseSetFlag,
  profileDefaults,
  profileInvariantErrors,
  readJwtSecret,
  resolveHome,
  writeNewConfig,
  writeSecretFile,
  type ProfileName,
} from "./home.js";

export const PROGRAM_NAME = "damocles-devnet";
/** Exit code of usage and configuration errors (spec/devnet.md §1.4). */
export const USAGE_EXIT_CODE = 2;

/**
 * Settings every devnet command shares, applied before its subcommands are added (commander copies
 * them into each): commander's own errors become one `damocles-devnet: …` line and exit 2.
 */
export function configureDevnetProgram(program: Command): Command {
  return program
    .configureOutput({ outputError: (str, write) => write(`${PROGRAM_NAME}: ${str.replace(/^error: /, "")}`) })
    .exitOverride((err) => process.exit(err.exitCode === 0 ? 0 : USAGE_EXIT_CODE));
}

/** Runs `fn`, turning its RangeError/TypeError into a ConfigError naming `flag`. */
function flag<T>(name: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    throw new ConfigError(`${name}: ${(err as Error).message}`, { cause: err });
  }
}

const collect = (value: string, previous: string[]): string[] => [...previous, value];

interface InitFlags {
  home?: string;
  listen: string;
  blockTime: string;
  miner: string[];
  profile?: string;
  network?: string;
  set: string[];
  seed?: string;
}

/** The §1.3 output of `init`. */
export interface InitOutput {
  home: string;
  rpc_url: string;
  multiaddr: string;
  token_path: string;
  network_name: string;
  block_time: string;
  miners: {
    actor_id: string;
    id: number;
    sector_size: number;
    seal_proof_type: number;
    window_post_proof_type: number;
    owner: string;
    worker: string;
  }[];
}

export async function runInit(flags: InitFlags, now: () => Date = () => new Date()): Promise<InitOutput> {
  const home = resolveHome(flags.home);
  const listen = flag("--listen", () => parseListen(flags.listen));
  const blockTimeMs = flag("--block-time", () => parseBlockTime(flags.blockTime));
  const sizes = (flags.miner.length ? flags.miner : ["2KiB"]).map((m) =>
    flag("--miner", () => {
      const size = parseSectorSize(m);
      if (!DEVNET_SECTOR_SIZES.includes(size))
        throw new RangeError(`sector size ${m} is not served by the devnet; accepted: ${DEVNET_SECTOR_SIZES.map(formatSectorSize).join(", ")}`);
      return size;
    }),
  );
  if (flags.profile !== undefined && flags.network !== undefined && flags.profile !== flags.network)
    throw new ConfigError(`--profile ${flags.profile} and --network ${flags.network} disagree; give one`);
  const profileName: ProfileName = flag(flags.profile !== undefined ? "--profile" : "--network", () =>
    parseProfileName(flags.profile ?? flags.network ?? "devnet"),
  );
  const profileValues = profileDefaults(profileName);
  for (const s of flags.set) {
    const [key, value] = flag("--set", () => parseSetFlag(s));
    profileValues[key] = value;
  }
  const profile = buildProfile(profileValues, blockTimeMs);
  const broken = profileInvariantErrors(profileName, profile);
  if (broken.length) throw new ConfigError(`profile ${profileName} breaks spec/devnet.md §2.2 ${broken.join("; ")}`);
  const seed = flags.seed === undefined ? new Uint8Array(randomBytes(SEED_LEN)) : flag("--seed", () => parseSeed(flags.seed!));
  const genesis = buildGenesis({ seed, miners: sizes.map((sectorSize) => ({ sectorSize })), profile, blockTimeMs });

  const paths = homePaths(home);
  if (existsSync(paths.config)) throw new ConfigError(`home ${home} is already initialized: ${paths.config} exists`);
  await makeHomeDirs(home);
  try {
    // config.toml first, exclusively: it claims the home, so a concurrent init fails here.
    await writeNewConfig(home, {
      listen,
      blockTimeMs,
      blockReward: parseFil(DEFAULT_BLOCK_REWARD),
      seed,
      profileName,
      profileValues,
      miners: genesis.miners.map((m) => ({ actor: m.actor, sectorSize: m.sectorSize, owner: m.owner, worker: m.worker })),
    });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "EEXIST")
      throw new ConfigError(`home ${home} is already initialized: ${paths.config} exists`, { cause: err });
    throw err;
  }
  try {
    const secret = new Uint8Array(randomBytes(32));
    await writeSecretFile(paths.jwtSecret, secret);
    // No trailing newline, as Lotus writes its token file.
    await writeSecretFile(paths.token, await createToken(secret, allowUpTo("admin")));
    // The full schema, so every later opener (run, deal add's queue) finds the chain's tables in place.
    const db = await openChainDb(home, { exclusive: true, migrations: DEVNET_MIGRATIONS });
    try {
      transaction(db, () =>
        writeGenesisRecord(db, {
          format: GENESIS_RECORD_FORMAT,
          timestamp: Math.floor(now().getTime() / 1000),
          seed: Buffer.from(seed).toString("hex"),
          profileName,
          profileValues,
          profile,
          genesis,
        }),
      );
    } finally {
      db.close();
    }
  } catch (err) {
    // Leave no half-made home behind: a retry of init must find it empty.
    for (const p of [paths.chainDb, `${paths.chainDb}-wal`, `${paths.chainDb}-shm`, paths.token, paths.jwtSecret, paths.config])
      await rm(p, { force: true });
    throw err;
  }

  const { rpcUrl, multiaddr } = endpointsOf(listen);
  return {
    home,
    rpc_url: rpcUrl,
    multiaddr,
    token_path: paths.token,
    network_name: genesis.networkName,
    block_time: formatGoDuration(blockTimeMs),
    miners: genesis.miners.map((m) => ({
      actor_id: m.actor,
      id: m.id,
      sector_size: m.sectorSize,
      seal_proof_type: m.sealProofType,
      window_post_proof_type: m.windowPoStProofType,
      owner: m.owner,
      worker: m.worker,
    })),
  };
}

interface TokenFlags {
  home?: string;
  perm: string;
  expire?: string;
}

/** A token over the home's jwt.secret; needs no daemon. */
export async function runToken(flags: TokenFlags): Promise<string> {
  const home = resolveHome(flags.home);
  const perm = flag("--perm", () => {
    if (!(PERMS as readonly string[]).includes(flags.perm))
      throw new RangeError(`unknown permission "${flags.perm}": accepted: ${PERMS.join(", ")}`);
    return flags.perm as Perm;
  });
  const expiresInSeconds =
    flags.expire === undefined
      ? undefined
      : flag("--expire", () => {
          const ms = parseGoDuration(flags.expire!);
          if (ms <= 0) throw new RangeError(`duration "${flags.expire}" must be positive`);
          return Math.ceil(ms / 1000);
        });
  const secret = await readJwtSecret(home);
  return createToken(secret, allowUpTo(perm), expiresInSeconds === undefined ? undefined : { expiresInSeconds });
}

const HOME_HELP = "devnet home (default $DAMOCLES_DEVNET_PATH, else ~/.damocles-devnet)";

export function addInitCommand(program: Command): Command {
  program
    .command("init")
    .description("create a devnet home and its genesis; prints one JSON object")
    .option("--home <dir>", HOME_HELP)
    .option("--listen <host:port>", "RPC listen address", DEFAULT_LISTEN)
    .option("--block-time <duration>", "time between tipsets, 100ms … 60s", DEFAULT_BLOCK_TIME)
    .option("--miner <size>", "a miner of this sector size (2KiB, 8MiB, 512MiB); repeatable (default one 2KiB)", collect, [])
    .option("--profile <name>", "policy profile: devnet or mainnet (default devnet)")
    .option("--network <name>", "alias of --profile")
    .option("--set <key=value>", "override a profile value (spec/devnet.md §2.1); repeatable", collect, [])
    .option("--seed <hex>", "64 hex digits fixing keys, beacon and tickets (default random)")
    .action(async (flags: InitFlags) => {
      process.stdout.write(`${JSON.stringify(await runInit(flags))}\n`);
    });
  return program;
}

export function addTokenCommand(program: Command): Command {
  program
    .command("token")
    .description("print an API token signed with the home's jwt.secret (works without a running daemon)")
    .option("--home <dir>", HOME_HELP)
    .option("--perm <perm>", `highest permission: ${PERMS.join(", ")}`, "read")
    .option("--expire <duration>", "lifetime of the token, e.g. 24h (default none)")
    .action(async (flags: TokenFlags) => {
      process.stdout.write(`${await runToken(flags)}\n`);
    });
  return program;
}
