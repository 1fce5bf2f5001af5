// `damocles-worker daemon -c <file>` (spec/worker.md §1 "Daemon start-up"): loads and checks the config, finds
// the manager and proves every attached store name is known to it, starts the processors (refusing a mixed
// built-in/external pair), one sealing thread per [[sealing_thread]], the admin RPC, the ping loop and /metrics,
// and stops them all on SIGINT/SIGQUIT/SIGTERM: threads at their next step boundary, then the children.
// Any start-up failure is printed with everything wrong and exits 1 before a single sector is touched.
import { readFile, realpath } from "node:fs/promises";
import { connect } from "node:net";
import os from "node:os";
import { resolve } from "node:path";
import { sealerApi } from "../api/sealer.js";
import { isProcessorSectionKey, type StageLimitKey } from "../api/stages.js";
import type { WorkerThreadInfo } from "../api/worker-admin.js";
import { startProcessorSet, type ProcessorLogger, type ProcessorSet } from "../processors/index.js";
import { rpcClient } from "../rpc/client.js";
import { METHOD_NOT_FOUND, RpcError } from "../rpc/errors.js";
import type { RpcServer } from "../rpc/server.js";
import { createAdminServer, workerVersion } from "./admin-api.js";
import { checkWorkerConfig } from "./config/check.js";
import { HotConfigFile, effectiveSealingConfig, type EffectiveSealingConfig } from "./config/layering.js";
import { formatProblem, keyLines, parseSealingValues, parseWorkerConfig, type Problem } from "./config/load.js";
import type { SealingOverrides, SealingThreadConfig, WorkerConfig } from "./config/schema.js";
import { scanPersistStores } from "./config/scan-persist-stores.js";
import { parseSocketAddr } from "./config/units.js";
import { createWorkerMetrics, instrumentClient, instrumentProcessors, serveMetrics, type MetricsServer, type WorkerMetrics } from "./metrics.js";
import { startPinger, type Pinger } from "./pinger.js";
import { SealingThread, type AttachedStore, type WorkerLogger } from "./sealing-thread.js";

/** Manager calls: StoreBasicInfo and the like answer at once; a silent manager is a temporary failure. */
const MANAGER_TIMEOUT_MS = 60_000;
const CONNECT_TIMEOUT_MS = 10_000;
/** A second signal while stopping gives up waiting for the threads. */
const FORCE_EXIT_CODE = 130;

// ---------------------------------------------------------------- logging

export const LOG_LEVELS = ["debug", "info", "warn", "error"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface DaemonLogger extends WorkerLogger {
  debug(obj: object, msg: string): void;
}

/** One JSON object per line on stderr (§1: logs go to stderr); level from DAMOCLES_WORKER_LOG (default debug). */
export function createDaemonLogger(write: (line: string) => void = (l) => void process.stderr.write(l), level = process.env["DAMOCLES_WORKER_LOG"]): DaemonLogger {
  const lv = (LOG_LEVELS as readonly string[]).includes(level?.toLowerCase() ?? "") ? (level!.toLowerCase() as LogLevel) : "debug";
  const min = LOG_LEVELS.indexOf(lv);
  const emit = (l: LogLevel) => (obj: object, msg: string) => {
    if (LOG_LEVELS.indexOf(l) < min) return;
    const line = JSON.stringify({ ts: new Date().toISOString(), level: l, module: "worker", msg, ...obj }, (_k, v: unknown) =>
      typeof v === "bigint" ? v.toString() : v instanceof Error ? v.message : v,
    );
    write(`${line}\n`);
  };
  return { debug: emit("debug"), info: emit("info"), warn: emit("warn"), error: emit("error") };
}

// ---------------------------------------------------------------- start-up

export interface WorkerDaemon {
  readonly name: string;
  /** `<ip>:<admin port>` announced in pings. */
  readonly dest: string;
  readonly adminPort: number;
  readonly metricsPort: number | null;
  threads(): WorkerThreadInfo[];
  /** Resolves when a module dies on its own (a server error after start): the daemon must then stop (§1 step 10). */
  readonly failed: Promise<Error>;
  /** Graceful stop; resolves once everything is closed. */
  stop(): Promise<void>;
}

/** Start-up refused: every line says what is wrong and, where it can, how to fix it. */
export class StartupError extends Error {
  constructor(readonly lines: string[]) {
    super(lines.join("\n"));
  }
}

export interface StartOptions {
  logger?: DaemonLogger;
  /** Base of relative paths in the config (default process.cwd()). */
  cwd?: string;
}

/** Starts the daemon (§1 steps 1–10); throws StartupError listing every problem. */
export async function startWorkerDaemon(configPath: string, opts: StartOptions = {}): Promise<WorkerDaemon> {
  const log = opts.logger ?? createDaemonLogger();
  const cwd = opts.cwd ?? process.cwd();

  // 1. load and check the TOML
  let text: string;
  try {
    text = await readFile(configPath, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new StartupError([`${configPath}: ${code === "ENOENT" ? "config file not found" : (err as Error).message}`]);
  }
  const parsed = parseWorkerConfig(text, configPath);
  const problems: Problem[] = [...parsed.problems];
  if (parsed.config === undefined) throw configErrors(configPath, problems);
  const config = parsed.config;
  log.info({ file: configPath, threads: config.sealing_thread.length, manager: config.manager.rpcUrl }, "config loaded");

  let scanned: AttachedStoreConfig[] = [];
  try {
    scanned = await scanPersistStores(config.worker.scan_persist_stores, cwd);
  } catch (err) {
    problems.push({ level: "error", code: "SCAN_PERSIST_STORES", file: configPath, key: "worker.scan_persist_stores", message: (err as Error).message });
  }

  // Tokens reach the add_pieces code through the environment (§1 step 1), built-in or child.
  const rc = config.sector_manager.rpc_client;
  if (config.sector_manager.piece_token !== undefined) process.env["PIECE_FETCHER_TOKEN"] = config.sector_manager.piece_token;
  if (rc.token !== undefined) process.env["DAMOCLES_MANAGER_TOKEN"] = rc.token;

  // 2. the manager client (headers and token are sent, protocols.md §4a)
  const rawManager = rpcClient(sealerApi, { url: config.manager.rpcUrl, headers: rc.headers, ...(rc.token === undefined ? {} : { token: rc.token }), timeoutMs: MANAGER_TIMEOUT_MS });
  const cleanups: Array<() => Promise<unknown>> = [() => rawManager.close()];
  const abort = async (e: unknown): Promise<never> => {
    for (const c of cleanups.reverse()) await c().catch(() => undefined);
    throw e;
  };

  // 6 (needed by 3): the local IP towards the manager names this worker
  let ip: string;
  try {
    ip = await localIpTowards(config.manager.rpcUrl);
  } catch (err) {
    return abort(new StartupError([`cannot reach the manager at ${config.manager.rpcUrl} (sector_manager.rpc_client.addr = "${rc.addr}"): ${(err as Error).message}`]));
  }
  const name = config.worker.name ?? ip;

  // 3. the manager's sealing defaults (layer 1); a stock manager has none
  const defaults = new ManagerDefaults(rawManager, name, config.manager.rpcUrl, log);
  await defaults.refresh();

  // 4. attached stores: every name must be known to the manager
  const storeConfigs = [...config.attached, ...scanned];
  const managerStores = new Set<string>();
  try {
    for (const s of storeConfigs) {
      const storeName = s.name ?? resolve(cwd, s.location);
      if ((await rawManager.StoreBasicInfo(storeName)) !== null) managerStores.add(storeName);
    }
  } catch (err) {
    return abort(new StartupError([`cannot ask the manager at ${config.manager.rpcUrl} about the attached stores (Venus.StoreBasicInfo): ${describeRpcError(err)}`]));
  }
  problems.push(...checkWorkerConfig(config, { cpuCount: os.availableParallelism(), lineOf: keyLines(text), managerStores, scannedStores: scanned, cwd }));
  if (problems.some((p) => p.level === "error")) return abort(configErrors(configPath, problems));
  for (const p of problems) log.warn({ code: p.code, ...(p.key ? { key: p.key } : {}) }, formatProblem(p));
  const attached: AttachedStore[] = storeConfigs.map((s) => ({ name: s.name ?? resolve(cwd, s.location), location: resolve(cwd, s.location), readonly: s.readonly }));

  // 7. metrics (created first so the processor set and the threads can report into them)
  let metrics: WorkerMetrics | null = null;
  let processors: ProcessorSet | undefined;
  const threads = new Map<number, SealingThread>();
  const threadInfos = (): WorkerThreadInfo[] => [...threads.values()].map((t) => t.info());
  if (config.metrics.enable)
    metrics = createWorkerMetrics({
      workerName: name,
      workerIp: ip,
      threads: threadInfos,
      queueLength: (stage: StageLimitKey) => (processors ? processors.limits.waiting(stage) + processors.slots.waiting(stage) : 0),
    });
  const manager = instrumentClient(rawManager, metrics);

  // 9. processors: refuses mixed families, spawns children and waits for their ready lines
  try {
    processors = await startProcessorSet({
      config: config.processors,
      stageEnvs: { add_pieces: tokenEnvs(config) },
      logger: processorLogger(log, metrics),
    });
  } catch (err) {
    return abort(new StartupError([`processors: ${(err as Error).message}`]));
  }
  const set = processors;
  cleanups.push(() => set.close());

  // 5. one sealing thread per [[sealing_thread]]; a second thread on the same store is skipped
  const seen = new Map<string, number>();
  for (const t of config.sealing_thread) {
    if (t.location === undefined) {
      log.error({ thread: t.index, plan: t.plan }, `sealing_thread[${t.index}] has no location; plan ${t.plan ?? "wdpost"} threads are not available in this worker yet, skipped`);
      continue;
    }
    const location = resolve(cwd, t.location);
    const canonical = await realpath(location).catch(() => location);
    const first = seen.get(canonical);
    if (first !== undefined) {
      log.debug({ thread: t.index, location: canonical }, `sealing_thread[${t.index}] uses the store of sealing_thread[${first}]; skipped`);
      continue;
    }
    seen.set(canonical, t.index);
    const hot = new HotConfigFile(location);
    const thread: SealingThread = new SealingThread({
      index: t.index,
      location,
      ...(t.plan === undefined ? {} : { plan: t.plan }),
      config: () => threadConfig(config, t, hot, defaults),
      manager,
      processors: instrumentProcessors(set, metrics, () => thread.info().plan),
      attached,
      instance: name,
      managerOrigin: config.manager.origin,
      logger: log,
      metrics: metrics && {
        failure: (level) => metrics.failure(level, thread.info().job_state || "-"),
      },
    });
    threads.set(t.index, thread);
  }

  // 10. the admin RPC, the metrics exporter, the threads and the ping loop
  const version = workerVersion();
  const admin: RpcServer = createAdminServer({ threads, version, logger: log });
  let adminPort: number;
  try {
    adminPort = (await admin.listen(config.worker.rpc_server.host, config.worker.rpc_server.port)).port;
  } catch (err) {
    return abort(new StartupError([`admin RPC: cannot listen on ${config.worker.rpc_server.host}:${config.worker.rpc_server.port} ([worker.rpc_server]): ${(err as Error).message}`]));
  }
  cleanups.push(() => admin.close());
  let metricsServer: MetricsServer | null = null;
  if (metrics) {
    const { host, port } = parseSocketAddr(config.metrics.http_listen);
    try {
      metricsServer = await serveMetrics(metrics, host, port);
    } catch (err) {
      return abort(new StartupError([`metrics: cannot listen on ${config.metrics.http_listen} ([metrics] http_listen): ${(err as Error).message}`]));
    }
    const ms = metricsServer;
    cleanups.push(() => ms.close());
  }
  // §1 step 10: a module that exits takes the daemon down
  const failed = new Promise<Error>((resolveFailed) => {
    admin.http.on("error", (err) => resolveFailed(new Error(`admin RPC server failed: ${err.message}`)));
    metricsServer?.server.on("error", (err) => resolveFailed(new Error(`metrics server failed: ${err.message}`)));
  });
  const dest = `${ip.includes(":") ? `[${ip}]` : ip}:${adminPort}`;
  for (const t of threads.values()) t.start();
  const pinger: Pinger = startPinger({
    intervalMs: config.worker.ping_interval,
    ping: (info) => manager.WorkerPing(info),
    name,
    dest,
    version,
    threads: threadInfos,
    onTick: () => defaults.refresh(),
    logger: log,
  });
  log.info({ name, dest, version, threads: threads.size, stores: attached.map((a) => a.name), metrics: config.metrics.enable ? config.metrics.http_listen : null }, "worker started");

  let stopping: Promise<void> | null = null;
  return {
    name,
    dest,
    adminPort,
    metricsPort: metricsServer?.port ?? null,
    threads: threadInfos,
    failed,
    stop() {
      stopping ??= (async () => {
        log.info({}, "stopping: threads finish their current step");
        await pinger.stop();
        await Promise.all([...threads.values()].map((t) => t.stop()));
        log.info({}, "threads stopped; stopping processors and servers");
        for (const c of cleanups.reverse()) await c().catch((err: unknown) => log.warn({ err: (err as Error).message }, "stop step failed"));
        log.info({}, "worker stopped");
      })();
      return stopping;
    },
  };
}

/**
 * The daemon as a process: starts, then waits for SIGINT/SIGQUIT/SIGTERM and stops gracefully. Returns the exit
 * code: 0 after a signal, 1 when start-up is refused (everything wrong is printed to stderr first).
 */
export async function runWorkerDaemon(configPath: string, opts: StartOptions = {}): Promise<number> {
  const log = opts.logger ?? createDaemonLogger();
  let daemon: WorkerDaemon;
  try {
    daemon = await startWorkerDaemon(configPath, { ...opts, logger: log });
  } catch (err) {
    if (!(err instanceof StartupError)) throw err;
    process.stderr.write(`damocles-worker: refusing to start:\n${err.lines.map((l) => `  ${l}`).join("\n")}\n`);
    return 1;
  }
  const signals = ["SIGINT", "SIGQUIT", "SIGTERM"] as const;
  const received = new Promise<string>((resolveSignal) => {
    for (const s of signals) process.on(s, () => resolveSignal(s));
  });
  const outcome = await Promise.race([received, daemon.failed]);
  if (outcome instanceof Error) log.error({ err: outcome.message }, "a daemon module failed; stopping");
  else log.info({ signal: outcome }, "signal received");
  for (const s of signals) {
    process.removeAllListeners(s);
    process.on(s, () => {
      log.warn({ signal: s }, "second signal: exiting without waiting for the threads");
      process.exit(FORCE_EXIT_CODE);
    });
  }
  await daemon.stop();
  return outcome instanceof Error ? 1 : 0;
}

// ---------------------------------------------------------------- helpers

type AttachedStoreConfig = WorkerConfig["attached"][number];

function configErrors(file: string, problems: readonly Problem[]): StartupError {
  const errors = problems.filter((p) => p.level === "error");
  return new StartupError([`config ${file}: ${errors.length} error${errors.length === 1 ? "" : "s"}`, ...errors.map(formatProblem)]);
}

function describeRpcError(err: unknown): string {
  if (err instanceof RpcError && err.code === 401) return `${err.message} (set [sector_manager] rpc_client.token to a token from \`damocles-manager util auth create-token --perm write\`)`;
  return (err as Error).message;
}

/** PIECE_FETCHER_TOKEN and DAMOCLES_MANAGER_TOKEN for add_pieces children (§1 step 1). */
function tokenEnvs(config: WorkerConfig): Record<string, string> {
  const out: Record<string, string> = {};
  if (config.sector_manager.piece_token !== undefined) out["PIECE_FETCHER_TOKEN"] = config.sector_manager.piece_token;
  if (config.sector_manager.rpc_client.token !== undefined) out["DAMOCLES_MANAGER_TOKEN"] = config.sector_manager.rpc_client.token;
  return out;
}

/** Processor messages into the daemon log; a child restart also counts in processor_restarts_total. */
function processorLogger(log: DaemonLogger, metrics: WorkerMetrics | null): ProcessorLogger {
  return {
    info: (msg) => log.info({ module: "processor" }, msg),
    warn: (msg) => {
      log.warn({ module: "processor" }, msg);
      const m = /^(\S+) processor .*restarting in /.exec(msg);
      if (m && metrics && isProcessorSectionKey(m[1]!)) metrics.processorRestart(m[1]!);
    },
  };
}

/** The effective config of a thread's next sector (§3): re-reads the store's hot config.toml when it changed. */
async function threadConfig(config: WorkerConfig, t: SealingThreadConfig, hot: HotConfigFile, defaults: ManagerDefaults): Promise<EffectiveSealingConfig> {
  await hot.check();
  return effectiveSealingConfig({
    managerDefaults: defaults.value,
    sealing: config.sealing,
    thread: { ...(t.plan === undefined ? {} : { plan: t.plan }), sealing: t.sealing },
    ...(hot.value ? { locationToml: hot.value.config } : {}),
  });
}

/** Layer 1 of §3: fetched at start and on every ping; a failed fetch keeps the last good copy. */
class ManagerDefaults {
  value: SealingOverrides = {};
  private unsupported = false;

  constructor(
    private readonly manager: { WorkerSealingDefaults(name: string): Promise<unknown> },
    private readonly name: string,
    private readonly url: string,
    private readonly log: DaemonLogger,
  ) {}

  async refresh(): Promise<void> {
    if (this.unsupported) return;
    try {
      const raw = await this.manager.WorkerSealingDefaults(this.name);
      const parsed = parseSealingValues(raw, `manager ${this.url} Venus.WorkerSealingDefaults`);
      for (const p of parsed.problems) this.log.warn({ code: p.code }, formatProblem(p));
      if (parsed.config !== undefined) this.value = parsed.config;
    } catch (err) {
      if (err instanceof RpcError && err.code === METHOD_NOT_FOUND) {
        this.unsupported = true;
        this.log.info({}, "the manager has no Venus.WorkerSealingDefaults (a stock Damocles manager): no manager defaults");
        return;
      }
      this.log.warn({ err: (err as Error).message }, "cannot fetch the manager's sealing defaults; keeping the last good copy");
    }
  }
}

/** The worker's IP on the route to the manager (§1 step 6): the local end of a TCP connection to it. */
function localIpTowards(url: string): Promise<string> {
  const u = new URL(url);
  const port = Number(u.port || (u.protocol === "https:" ? 443 : 80));
  return new Promise((resolveIp, reject) => {
    const sock = connect({ host: u.hostname.replace(/^\[|\]$/g, ""), port, timeout: CONNECT_TIMEOUT_MS });
    sock.once("connect", () => {
      resolveIp((sock.localAddress ?? "127.0.0.1").replace(/^::ffff:/, ""));
      sock.destroy();
    });
    sock.once("timeout", () => {
      sock.destroy();
      reject(new Error(`connect ${u.host}: timed out`));
    });
    sock.once("error", (err) => reject(new Error(`connect ${u.host}: ${err.message}`)));
  });
}
