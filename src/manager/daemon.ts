// `daemon run` (spec/manager.md §7): one process composing the state store, the chain client, the messager,
// the market client, the commitment manager, the sealer API and the HTTP server, with SIGUSR1 reload and a
// graceful stop. The chain may be down at start: the daemon serves anyway and keeps retrying the network
// parameters (logging each failure), as workers retry their calls; chain-backed methods fail until then.
import { SqliteLockedError } from "../db/sqlite.js";
import { openSqliteManagerStore } from "../db/sqlite-manager-store.js";
import type { ManagerStore } from "../db/manager-store.js";
import {
  createChainClient,
  createMarketClient,
  createSophonMessager,
  MpoolMessager,
  resolveApiEndpoint,
  rpcOptions,
  sleep,
  type ChainClient,
  type MarketClient,
  type Messager,
  type NetworkInfo,
} from "../chain/index.js";
import { implement, type ApiBinding } from "../rpc/server.js";
import { sealerApi } from "../api/sealer.js";
import { loadManagerConfig } from "./config/load.js";
import type { ManagerConfig, MinerConfig } from "./config/schema.js";
import { authSecretPath, managerDbPath, readAuthSecret, type ManagerHome } from "./home.js";
import { createLogger, type Logger } from "./logger.js";
import { createManagerMetrics, type ManagerMetrics } from "./metrics.js";
import { createManagerServer } from "./server.js";
import { createCommitmentManager, storeMessageLog, type CommitmentManager, type NetworkView } from "./commitment/index.js";
import { createSealerApi } from "./sealer-api.js";
import { createManagerApi, managerApi } from "./manager-api.js";
import { loadPersistStores, type PersistStore } from "./modules/persist-stores.js";
import { createSectorIndexer } from "./modules/indexer.js";
import { rpcClient } from "../rpc/client.js";
import { gatewayApi } from "../api/gateway.js";
import { createWindowPoster, type DeadlineRecord } from "./poster/window-poster.js";
import { createSectorLocator } from "./poster/sector-locator.js";
import { createWinningProver } from "./winning/winning-prover.js";

export const DEFAULT_LISTEN = ":1789";

export interface DaemonOptions {
  home: ManagerHome;
  /** `host:port`, `:port` (every interface) or `[v6]:port`. */
  listen?: string;
  /** `--poster`: the built-in WindowPoSt module (§10). */
  poster?: boolean;
  /** `--miner`: WinningPoSt answers to the gateway's proof events (§8.12). */
  miner?: boolean;
  /** `--worker-prover`: expose the WdPoSt job methods. */
  workerProver?: boolean;
  logger?: Logger;
  /** The poster's head polling interval (default 200 ms). */
  posterPollMs?: number;
  /** Pause between network-parameter attempts while the chain is unreachable (default 5 s). */
  chainRetryMs?: number;
}

export interface ManagerDaemon {
  /** Where the server listens. */
  readonly address: { host: string; port: number };
  config(): ManagerConfig;
  /** Re-reads sector-manager.cfg; the old config stays when the new one is invalid (the error is logged and thrown). */
  reload(): Promise<void>;
  /** The poster's latest per-deadline records (empty without --poster). */
  provingDeadlines(miner?: number): DeadlineRecord[];
  /** Stops the batchers, closes the server, the clients and the store. Idempotent. */
  stop(): Promise<void>;
}

/** `:1789` ⇒ every interface; `127.0.0.1:1789`; `[::1]:1789`. */
export function parseListen(text: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d{1,5})$/.exec(text.trim());
  const port = m ? Number(m[3]) : NaN;
  if (!m || port > 65535) throw new RangeError(`--listen "${text}": expected host:port, :port or [v6]:port`);
  const host = m[1] ?? m[2] ?? "";
  return { host: host === "" ? "0.0.0.0" : host, port };
}

async function loadConfig(home: ManagerHome, log: Logger): Promise<ManagerConfig> {
  const { config, warnings } = await loadManagerConfig(home.config).catch((e: unknown) => {
    if ((e as NodeJS.ErrnoException).code === "ENOENT")
      throw new Error(`${home.config}: not found; run \`damocles-manager --home ${home.home} daemon init\` first`, { cause: e });
    throw e;
  });
  for (const w of warnings) log.warn({ file: home.config }, w);
  if (config.Common.DB.Driver === "postgres") throw new Error(`${home.config}: Common.DB.Driver = "postgres" is not supported yet; use "sqlite"`);
  return config;
}

function openStore(home: ManagerHome, config: ManagerConfig): { store: ManagerStore; path: string } {
  const path = managerDbPath(home, config);
  try {
    return { store: openSqliteManagerStore(path), path };
  } catch (e) {
    if (e instanceof SqliteLockedError)
      throw new Error(`another damocles-manager is already running with home ${home.home} (its database ${path} is locked)`, { cause: e });
    throw e;
  }
}

/** `ws://host:port/rpc/v1` ⇒ `http://host:port`: where the market serves /resource. */
function httpBase(url: string): string {
  const u = new URL(url);
  u.protocol = u.protocol === "wss:" || u.protocol === "https:" ? "https:" : "http:";
  return u.origin;
}

/** A message the manager recorded leaves "pending" once its messager reports the signed CID. */
export async function markStorePushed(store: ManagerStore, uid: string, cid: string): Promise<void> {
  const m = await store.getMessage(uid);
  if (m?.state === "pending") await store.markPushed(uid, cid);
}

export async function runManagerDaemon(opts: DaemonOptions): Promise<ManagerDaemon> {
  const { home } = opts;
  const log = opts.logger ?? createLogger({ module: "daemon" });
  let config = await loadConfig(home, log);
  const { store, path: dbPath } = openStore(home, config);
  const closers: (() => Promise<void>)[] = [() => store.close()];
  const closeAll = async (): Promise<void> => {
    for (const c of closers.reverse()) await c().catch((e: unknown) => log.error({ err: e }, "error while stopping"));
  };

  try {
    log.info({ home: home.home, db: dbPath }, "state store opened");
    const secret = await readAuthSecret(authSecretPath(home, config));
    const metrics: ManagerMetrics = createManagerMetrics({ store });

    const chainEp = resolveApiEndpoint(config.Common.API, "Chain");
    if (chainEp === null) throw new Error(`${home.config}: Common.API.Chain (or Common.API.Gateway) must name the chain node`);
    const chain: ChainClient = createChainClient({ url: chainEp.url, token: chainEp.token, namespaceHeader: chainEp.namespaceHeader });
    closers.push(() => chain.close());

    const msgEp = resolveApiEndpoint(config.Common.API, "Messager");
    let messager: Messager;
    if (msgEp !== null) {
      const m = createSophonMessager(
        { url: msgEp.url, token: msgEp.token, namespaceHeader: msgEp.namespaceHeader },
        { onPushed: (uid, cid) => markStorePushed(store, uid, cid.toString()) },
      );
      closers.push(() => m.close());
      messager = m;
      log.info({ url: msgEp.url }, "messages go through sophon-messager");
    } else {
      messager = new MpoolMessager({ chain, log: storeMessageLog(store) });
      log.info({ url: chainEp.url }, "messages go through the chain node's MpoolPushMessage (recorded before each push)");
    }

    const marketEp = resolveApiEndpoint(config.Common.API, "Market");
    const market: MarketClient | null = createMarketClient(marketEp ?? null);
    if (market) closers.push(() => market.close());
    log.info({ url: marketEp?.url ?? null }, market ? "market configured" : "no market: CC sectors only");

    // Network parameters: read once, retried until the chain answers (spec §7).
    let network: NetworkInfo | null = null;
    const life = new AbortController();
    closers.push(async () => life.abort(new Error("daemon stopping")));
    const networkReady = (async () => {
      for (let attempt = 1; !life.signal.aborted; attempt++) {
        try {
          // One plain call first: networkInfo() retries internally for many seconds, and an operator
          // watching the log should see an unreachable chain at once.
          await chain.StateNetworkName();
          network = await chain.networkInfo();
          metrics.setInfo();
          log.info({ network: network.name, blockDelaySecs: network.blockDelaySecs, preCommitChallengeDelay: network.preCommitChallengeDelay }, "chain network parameters read");
          return;
        } catch (e) {
          log.warn({ url: chainEp.url, attempt, err: e }, "chain unreachable; retrying");
          await sleep(opts.chainRetryMs ?? 5000, life.signal).catch(() => {});
        }
      }
    })();
    const networkView = (): NetworkView => {
      if (network === null) throw new Error(`chain network parameters not read yet: is the chain node at ${chainEp.url} reachable?`);
      return { name: network.name, devnet: network.devnet, preCommitChallengeDelay: network.preCommitChallengeDelay, blockDelaySecs: network.blockDelaySecs };
    };
    // Configured plus scanned (ScanPersistStores) stores; re-read on reload.
    let persistStores: PersistStore[] = await loadPersistStores(config.Common);
    log.info({ stores: persistStores.map((s) => s.name) }, "persist stores loaded");
    const minerConfig = (actor: number): MinerConfig | null => config.Miners.find((m) => m.Actor === actor) ?? null;
    const clock = { now: () => Date.now(), sleep: (ms: number, signal?: AbortSignal) => sleep(ms, signal) };

    const commitment: CommitmentManager = createCommitmentManager({
      store,
      chain,
      messager,
      minerConfig,
      clock,
      logger: log.child({ module: "commitment" }),
      network: networkView,
    });
    // The batchers need the network parameters; they start once those are read.
    void networkReady.then(() => {
      if (!life.signal.aborted) commitment.start();
    });
    closers.push(() => commitment.stop());

    const sealer: ApiBinding = implement(
      sealerApi,
      createSealerApi({
        store,
        chain,
        market,
        commitment,
        config: () => config,
        persistStores: () => persistStores,
        clock,
        logger: log.child({ module: "sealer" }),
        // new_sector is counted by the metrics proxy around every method (metrics.ts), not here.
      }),
    );

    const server = createManagerServer({
      apis: [sealer, implement(managerApi, createManagerApi(store))],
      auth: () => config.Common.Auth,
      secret: () => secret,
      pieceStores: () => config.Common.PieceStores,
      marketBase: () => (marketEp ? httpBase(marketEp.url) : null),
      metrics,
      logger: log.child({ module: "rpc" }),
    });
    const { host, port } = parseListen(opts.listen ?? DEFAULT_LISTEN);
    const address = await server.listen(host, port);
    closers.push(() => server.close());
    const locate = createSectorLocator(createSectorIndexer(store), () => persistStores);
    const networkDevnet = (): { devnet: boolean } => ({ devnet: networkView().devnet });
    let poster: ReturnType<typeof createWindowPoster> | null = null;
    if (opts.poster) {
      const p = createWindowPoster({
        chain,
        messager,
        store,
        miners: () => config.Miners,
        locate,
        network: networkDevnet,
        clock,
        logger: log.child({ module: "poster" }),
        pollMs: opts.posterPollMs,
      });
      poster = p;
      void networkReady.then(() => {
        if (!life.signal.aborted) p.start();
      });
      closers.push(() => p.stop());
      log.info({ miners: config.Miners.filter((m) => m.PoSt.Enabled).map((m) => m.Actor) }, "WindowPoSt poster enabled");
    }
    if (opts.miner) {
      const gwEp = resolveApiEndpoint(config.Common.API, "Gateway");
      if (gwEp === null) {
        log.error({}, "--miner: no Common.API.Gateway configured; WinningPoSt events cannot be received");
      } else {
        const gateway = rpcClient(gatewayApi, rpcOptions({ url: gwEp.url, token: gwEp.token, namespaceHeader: gwEp.namespaceHeader }));
        const w = createWinningProver({
          gateway,
          miners: () => config.Miners,
          locate,
          network: networkDevnet,
          clock,
          logger: log.child({ module: "winning" }),
          closeGateway: () => gateway.close(),
        });
        void networkReady.then(() => {
          if (!life.signal.aborted) w.start();
        });
        closers.push(() => w.stop());
        log.info({ url: gwEp.url, miners: config.Miners.filter((m) => m.Proof.Enabled).map((m) => m.Actor) }, "WinningPoSt enabled");
      }
    }
    if (opts.workerProver) log.warn({}, "--worker-prover: the WdPoSt job methods are not part of this build yet (they answer -32601)");
    log.info({ listen: `${address.host}:${address.port}`, home: home.home }, "damocles-manager listening");

    let stopping: Promise<void> | null = null;
    return {
      address,
      config: () => config,
      provingDeadlines: (miner) => poster?.deadlines(miner) ?? [],
      async reload() {
        try {
          const next = await loadConfig(home, log);
          const stores = await loadPersistStores(next.Common);
          config = next;
          persistStores = stores;
          log.info({ file: home.config, miners: config.Miners.map((m) => m.Actor) }, "configuration reloaded");
        } catch (e) {
          log.error({ file: home.config, err: e }, "configuration reload failed; keeping the previous one");
          throw e;
        }
      },
      stop() {
        stopping ??= (async () => {
          log.info({}, "stopping");
          await closeAll();
          log.info({}, "stopped");
        })();
        return stopping;
      },
    };
  } catch (e) {
    await closeAll();
    throw e;
  }
}
