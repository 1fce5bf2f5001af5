// `damocles-devnet run` (spec/devnet.md §1.1, §1.4): locks the home's chain.db for the process's life,
// checks config.toml against the genesis record, opens the chain, serves every endpoint and produces
// one tipset per block time until SIGINT/SIGTERM. Exit codes: 0 after a signal (the last tipset is
// committed: production is synchronous, so a signal lands between commits), 1 runtime, 2 config, 3 home in use.
import { readFile } from "node:fs/promises";
import type { Command } from "commander";
import { verifyToken } from "../rpc/auth.js";
import type { RpcServer } from "../rpc/server.js";
import { lotusTipSet } from "./lotus-api.js";
import { openChain, chainSetupOf, type DevnetChain, type LogFn } from "./chain.js";
import { createDevnetServer, type DevnetServices } from "./server.js";
import { DEVNET_MIGRATIONS } from "./schema.js";
import { readGenesisRecord, type GenesisRecord } from "./genesis.js";
import {
  ConfigError,
  DevnetExitError,
  PROFILE_NAMES,
  findKeyLine,
  formatListen,
  homePaths,
  httpOrigin,
  openChainDb,
  parseBlockTime,
  parseListen,
  readConfig,
  readJwtSecret,
  removeRunPid,
  resolveHome,
  writeRunInfo,
  writeRunPid,
  type DevnetConfig,
  type ListenAddress,
} from "./home.js";
import { createDevnetAdminApi, publishQueuedDeals } from "./admin-api.js";
import { ProofEventHub, createGatewayApi, startWinningPoSt } from "./gateway-api.js";
import { marketActorHandler, marketHooksFactory, marketViews } from "./market-actor.js";
import { createMarketApi } from "./market-api.js";
import { MARKET_ACTOR_ID } from "./market-state.js";
import { createMessagerApi } from "./messager-api.js";
import { PieceStore, resourceHandler } from "./pieces.js";

export interface RunFlags {
  home?: string;
  listen?: string;
  blockTime?: string;
  /** Optional check (issue 3's `--network`): must name the profile fixed at init. */
  network?: string;
}

/** JSON lines on stderr: `{"ts", "level", "msg", …fields}`. */
export function jsonLogger(write: (line: string) => void = (l) => process.stderr.write(l)): LogFn {
  return (level, msg, fields = {}) => write(`${JSON.stringify({ ts: new Date().toISOString(), level, msg, ...fields })}\n`);
}

/**
 * The genesis-fixed keys of config.toml must match the genesis record (§1.2); the first difference is
 * a ConfigError naming file, key and line.
 */
export function checkConfigAgainstGenesis(config: DevnetConfig, text: string, file: string, rec: GenesisRecord): void {
  const refuse = (path: (string | number)[], got: unknown, want: unknown): never => {
    const line = findKeyLine(text, path);
    const key = path.map((p) => (typeof p === "number" ? `[${p}]` : p)).join(".").replace(/\.\[/g, "[");
    throw new ConfigError(
      `${file}${line === undefined ? "" : `:${line}`}: ${key} is ${JSON.stringify(got)} but the genesis fixed ${JSON.stringify(want)}; it cannot change after init`,
    );
  };
  const seed = Buffer.from(config.seed).toString("hex");
  if (seed !== rec.seed.toLowerCase()) refuse(["seed"], seed, rec.seed);
  if (config.profileName !== rec.profileName) refuse(["profile", "name"], config.profileName, rec.profileName);
  for (const [k, v] of Object.entries(config.profileValues))
    if (rec.profileValues[k] !== v) refuse(["profile", k], v, rec.profileValues[k]);
  const miners = rec.genesis.miners;
  if (config.miners.length !== miners.length) refuse(["miners"], `${config.miners.length} miners`, `${miners.length} miners`);
  config.miners.forEach((m, i) => {
    const g = miners[i]!;
    if (m.actor !== g.actor) refuse(["miners", i, "actor"], m.actor, g.actor);
    if (m.sectorSize !== g.sectorSize) refuse(["miners", i, "sector_size"], m.sectorSize, g.sectorSize);
    if (m.owner !== g.owner) refuse(["miners", i, "owner"], m.owner, g.owner);
    if (m.worker !== g.worker) refuse(["miners", i, "worker"], m.worker, g.worker);
  });
  if (!(PROFILE_NAMES as readonly string[]).includes(rec.profileName)) throw new ConfigError(`genesis record: unknown profile ${rec.profileName}`);
}

/**
 * Registration point of the services beside the Lotus API (helper B2's market, messager, gateway,
 * admin and piece store): builds them over the chain and wires the market actor and the election.
 */
export function devnetServices(
  chain: DevnetChain,
  opts: { home: string; secret: Uint8Array; origin: string; log: LogFn },
): { services: DevnetServices; stop: () => void } {
  chain.registerActor(MARKET_ACTOR_ID, marketActorHandler);
  chain.setMarketHooks(marketHooksFactory);
  const pieces = new PieceStore(homePaths(opts.home).pieces);
  const hub = new ProofEventHub();
  const stopWinning = startWinningPoSt(chain, hub, (level, msg, fields) => opts.log(level, msg, fields));
  // Deals `deal add` queued while no daemon ran are published in the first epoch (§1.4).
  let queued = true;
  const offQueue = chain.onRoundStart(() => {
    if (!queued) return;
    queued = false;
    publishQueuedDeals(chain, (level, msg, fields) => opts.log(level, msg, fields));
  });
  const checkToken = async (token: string | null) => {
    if (token === null) return null;
    try {
      return await verifyToken(opts.secret, token);
    } catch {
      return null;
    }
  };
  return {
    services: {
      marketViews,
      market: createMarketApi(chain, { pieces }),
      messager: createMessagerApi(chain),
      gateway: createGatewayApi({ hub, chain }),
      admin: createDevnetAdminApi(chain, {
        hub,
        pieces,
        get origin() {
          return opts.origin; // read per call: the daemon learns its bound address after building the services
        },
        toTipSet: lotusTipSet,
      }),
      resource: resourceHandler(pieces, checkToken),
    },
    stop: () => {
      stopWinning();
      offQueue();
    },
  };
}

export interface RunningDevnet {
  chain: DevnetChain;
  server: RpcServer;
  listen: { host: string; port: number };
  /** Stops production and the listener, closes chain.db and removes run.pid and run.json. */
  stop(): Promise<void>;
}

/** Starts the daemon (everything but signal handling): used by `run` and by tests in-process. */
export async function startDevnet(flags: RunFlags, log: LogFn = jsonLogger()): Promise<RunningDevnet> {
  const home = resolveHome(flags.home);
  const paths = homePaths(home);
  const { config, warnings } = await readConfig(home);
  for (const w of warnings) log("warn", w);
  let listen: ListenAddress = config.listen;
  if (flags.listen !== undefined) {
    try {
      listen = parseListen(flags.listen);
    } catch (e) {
      throw new ConfigError(`--listen: ${(e as Error).message}`, { cause: e });
    }
  }
  let blockTimeMs = config.blockTimeMs;
  if (flags.blockTime !== undefined) {
    try {
      blockTimeMs = parseBlockTime(flags.blockTime);
    } catch (e) {
      throw new ConfigError(`--block-time: ${(e as Error).message}`, { cause: e });
    }
  }
  const db = await openChainDb(home, { exclusive: true, migrations: DEVNET_MIGRATIONS });
  let chain: DevnetChain | null = null;
  let server: RpcServer | null = null;
  let stopServices = (): void => {};
  try {
    const rec = readGenesisRecord(db);
    if (!rec) throw new DevnetExitError(`${paths.chainDb} has no genesis record; run \`damocles-devnet init --home ${home}\``, 1);
    checkConfigAgainstGenesis(config, await readFile(paths.config, "utf8"), paths.config, rec);
    if (flags.network !== undefined && flags.network !== rec.profileName)
      throw new ConfigError(`--network ${flags.network}: this home's genesis fixed the profile "${rec.profileName}"; it cannot change after init`);
    const secret = await readJwtSecret(home);
    let fatal: ((err: unknown) => void) | null = null;
    chain = openChain({
      db,
      setup: chainSetupOf(rec),
      blockTimeMs,
      blockReward: config.blockReward,
      log,
      onFatal: (err) => fatal?.(err),
    });
    // PublishedDeal.URL must name the bound address (`--listen 127.0.0.1:0` picks the port): read lazily.
    let origin = httpOrigin(listen);
    const built = devnetServices(chain, {
      home,
      secret,
      get origin() {
        return origin;
      },
      log,
    });
    stopServices = built.stop;
    server = createDevnetServer({
      chain,
      secret,
      services: built.services,
      logger: {
        info: (o, m) => log("info", m, o as Record<string, unknown>),
        warn: (o, m) => log("warn", m, o as Record<string, unknown>),
        error: (o, m) => log("error", m, o as Record<string, unknown>),
      },
    });
    let bound: { host: string; port: number };
    try {
      bound = await server.listen(listen.host, listen.port);
    } catch (e) {
      throw new DevnetExitError(`cannot listen on ${formatListen(listen)}: ${(e as Error).message}`, 1, { cause: e });
    }
    origin = httpOrigin(bound);
    await writeRunPid(home);
    await writeRunInfo(home, bound);
    const c = chain;
    const s = server;
    let stopped = false;
    const running: RunningDevnet = {
      chain: c,
      server: s,
      listen: bound,
      async stop() {
        if (stopped) return;
        stopped = true;
        await c.stop();
        stopServices();
        await s.close();
        c.close();
        await removeRunPid(home);
        log("info", "stopped", { height: c.height });
      },
    };
    fatal = (err) => {
      log("error", "tipset production failed; stopping", { error: String(err) });
      void running.stop().finally(() => process.exit(1));
    };
    c.start();
    log("info", "running", { home, listen: formatListen(bound), block_time_ms: blockTimeMs, height: c.height, network: c.networkName });
    return running;
  } catch (err) {
    stopServices();
    await server?.close().catch(() => {});
    if (chain) chain.close();
    else db.close();
    throw err;
  }
}

/** `run`: the daemon until SIGINT/SIGTERM (exit 0 once stopped). */
export async function runDaemon(flags: RunFlags): Promise<void> {
  const log = jsonLogger();
  const devnet = await startDevnet(flags, log);
  await new Promise<void>((resolve) => {
    const onSignal = (sig: NodeJS.Signals): void => {
      log("info", "signal received; stopping", { signal: sig });
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
      resolve();
    };
    process.on("SIGINT", onSignal);
    process.on("SIGTERM", onSignal);
  });
  await devnet.stop();
}

export function addRunCommand(program: Command): Command {
  program
    .command("run")
    .description("run the devnet daemon: one tipset per block time until SIGINT/SIGTERM")
    .option("--home <dir>", "devnet home (default $DAMOCLES_DEVNET_PATH, else ~/.damocles-devnet)")
    .option("--listen <host:port>", "RPC listen address (overrides config.toml for this run)")
    .option("--block-time <duration>", "time between tipsets, 100ms … 60s (overrides config.toml for this run)")
    .option("--network <profile>", "checked against the profile fixed at init (devnet or mainnet)")
    .action(async (flags: RunFlags) => {
      await runDaemon(flags);
      process.exit(0);
    });
  return program;
}
