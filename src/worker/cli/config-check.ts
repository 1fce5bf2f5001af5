// `damocles-worker config check -c <file>` (spec/worker.md §1, (P)): loads the config as `daemon` would, prints the
// effective sealing settings of every thread with the layer that set each value (§3), and every problem. The
// manager is asked for its sealing defaults and its store names when it answers; otherwise the output says what
// was not checked. Exit 1 on an error, 0 with warnings only.
import { Command } from "commander";
import { readdirSync } from "node:fs";
import { connect } from "node:net";
import os from "node:os";
import { resolve } from "node:path";
import { readFile } from "node:fs/promises";
import { sealerApi } from "../../api/sealer.js";
import { PROCESSOR_SECTION_KEYS, STAGE_LIMIT_KEYS, isProcessorSectionKey, isStageLimitKey } from "../../api/stages.js";
import { effectiveConcurrentLimits } from "../../processors/limits.js";
import { rpcClient } from "../../rpc/client.js";
import { METHOD_NOT_FOUND, RpcError } from "../../rpc/errors.js";
import { checkWorkerConfig } from "../config/check.js";
import { effectiveSealingConfig, readLocationConfig, type EffectiveSealingConfig } from "../config/layering.js";
import { ConfigError, formatProblem, keyLines, parseSealingValues, parseWorkerConfig, type Problem } from "../config/load.js";
import { SEALING_KEYS, type SealingOverrides, type WorkerConfig } from "../config/schema.js";
import { scanPersistStores } from "../config/scan-persist-stores.js";
import { formatDuration } from "../config/units.js";
import { formatSectorSize } from "../../filecoin/sizes.js";

const MANAGER_TIMEOUT_MS = 5_000;

export function configCommand(): Command {
  const cmd = new Command("config").description("worker configuration tools");
  cmd.addCommand(
    new Command("check")
      .description("load the config as `daemon` would; print each thread's effective settings and every problem (exit 1 on an error)")
      .option("-c, --config <file>", "worker config file (env DAMOCLES_WORKER_CONFIG)")
      .option("--json", "print one JSON object instead of text")
      .option("--offline", "do not contact the manager (its sealing defaults and store names are not checked)")
      .action(async (opts: { config?: string; json?: boolean; offline?: boolean }) => {
        const file = opts.config ?? process.env["DAMOCLES_WORKER_CONFIG"];
        if (file === undefined) throw new Error("no config file: pass -c/--config <file> or set DAMOCLES_WORKER_CONFIG");
        const report = await checkConfigFile(file, { offline: opts.offline === true });
        process.stdout.write(opts.json ? `${JSON.stringify(report, null, 2)}\n` : formatReport(report));
        if (report.problems.some((p) => p.level === "error")) process.exitCode = 1;
      }),
  );
  return cmd;
}

export interface ThreadReport {
  index: number;
  location?: string;
  plan: string;
  /** The layer that set the plan. */
  planFrom: string;
  /** Key → { value as written in TOML, layer that set it }. */
  settings: Record<string, { value: unknown; from: string }>;
  hotConfig?: string;
}

export interface CheckReport {
  file: string;
  manager: { url?: string; status: "reachable" | "unreachable" | "not contacted"; detail?: string };
  threads: ThreadReport[];
  /** How each stage runs: in-process, as our own `processor <stage>` children, or external binaries; and its limits. */
  stages: Record<string, { runs: string; limit?: number; staggered?: string }>;
  problems: Problem[];
  /** Checks that could not run, with the reason. */
  notChecked: string[];
}

/** Everything `config check` reports about one file. */
export async function checkConfigFile(file: string, opts: { offline: boolean }): Promise<CheckReport> {
  const report: CheckReport = { file, manager: { status: "not contacted" }, threads: [], stages: {}, problems: [], notChecked: [] };
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new Error(`${file}: ${code === "ENOENT" ? "config file not found" : (err as Error).message}`, { cause: err });
  }
  const { config, problems } = parseWorkerConfig(text, file);
  report.problems.push(...problems);
  if (config === undefined) {
    report.notChecked.push("threads, stores and processors: the file has errors");
    return report;
  }
  report.manager.url = config.manager.rpcUrl;

  let scanned: { name?: string; location: string }[] | undefined;
  try {
    scanned = await scanPersistStores(config.worker.scan_persist_stores);
  } catch (err) {
    report.problems.push({ level: "error", code: "SCAN_PERSIST_STORES", file, key: "worker.scan_persist_stores", message: (err as Error).message });
  }

  const manager = opts.offline ? undefined : await askManager(config, [...config.attached, ...(scanned ?? [])]);
  if (opts.offline) report.manager.detail = "--offline";
  else if (manager?.error !== undefined) [report.manager.status, report.manager.detail] = ["unreachable", manager.error];
  else report.manager.status = "reachable";
  let managerDefaults: SealingOverrides = {};
  if (manager?.defaults !== undefined) {
    const parsed = parseSealingValues(manager.defaults, `manager ${config.manager.rpcUrl} Venus.WorkerSealingDefaults`);
    report.problems.push(...parsed.problems);
    managerDefaults = parsed.config ?? {};
  }
  if (manager?.defaultsNote) report.notChecked.push(manager.defaultsNote);
  if (manager === undefined || manager.error !== undefined)
    report.notChecked.push(`manager sealing defaults (layer 1, shown as absent): ${opts.offline ? "--offline" : `manager unreachable (${manager?.error ?? "?"})`}`);
  if (manager?.stores === undefined)
    report.notChecked.push(`attached store names against the manager: ${opts.offline ? "--offline" : `manager unreachable (${manager?.error ?? "?"})`}`);

  report.problems.push(
    ...checkWorkerConfig(config, {
      cpuCount: os.availableParallelism(),
      lineOf: keyLines(text),
      numaNodes: numaNodes(),
      ...(manager?.stores === undefined ? {} : { managerStores: manager.stores }),
      ...(scanned === undefined ? {} : { scannedStores: scanned }),
    }),
  );

  for (const t of config.sealing_thread) {
    let hot: Awaited<ReturnType<typeof readLocationConfig>>;
    if (t.location !== undefined) {
      try {
        hot = await readLocationConfig(t.location);
        report.problems.push(...(hot?.warnings ?? []));
      } catch (err) {
        if (!(err instanceof ConfigError)) throw err;
        report.problems.push(...err.problems);
      }
    }
    const eff = effectiveSealingConfig({ managerDefaults, sealing: config.sealing, thread: t, ...(hot ? { locationToml: hot.config } : {}) });
    report.threads.push({ index: t.index, ...(t.location === undefined ? {} : { location: t.location }), plan: eff.plan, planFrom: LAYER_LABEL[eff.provenance.plan]!, settings: settingsOf(eff), ...(hot ? { hotConfig: hot.file } : {}) });
  }
  report.stages = stagesOf(config);
  // file order within each file; the main file first (stable sort keeps the loader's order for equal lines)
  report.problems.sort((a, b) => Number(a.file !== file) - Number(b.file !== file) || (a.line ?? Infinity) - (b.line ?? Infinity));
  return report;
}

const LAYER_LABEL: Record<string, string> = {
  default: "default",
  manager: "manager",
  sealing: "[sealing]",
  thread: "sealing_thread",
  location: "config.toml",
};

/** Values as the TOML spells them ("30s", "32GiB"), so the output can be pasted back into a file. */
function settingsOf(eff: EffectiveSealingConfig): ThreadReport["settings"] {
  const out: ThreadReport["settings"] = {};
  for (const k of SEALING_KEYS) {
    const v = eff.sealing[k];
    if (v === undefined) continue;
    let shown: unknown = v;
    if (k === "seal_interval" || k === "recover_interval" || k === "rpc_polling_interval") shown = formatDuration(v as number);
    else if (k === "allowed_sizes") shown = (v as number[]).map(formatSectorSize);
    out[k] = { value: shown, from: LAYER_LABEL[eff.provenance[k]]! };
  }
  return out;
}

function stagesOf(config: WorkerConfig): CheckReport["stages"] {
  const p = config.processors;
  const limits = effectiveConcurrentLimits(p);
  const out: CheckReport["stages"] = {};
  for (const stage of new Set<string>([...STAGE_LIMIT_KEYS, ...PROCESSOR_SECTION_KEYS])) {
    const entries = isProcessorSectionKey(stage) ? (p[stage] ?? []) : [];
    const limit = isStageLimitKey(stage) ? limits[stage] : undefined;
    const stagger = isStageLimitKey(stage) ? p.limitation?.staggered?.[stage] : undefined;
    if (stage === "sealing_daemons" && entries.length === 0) continue;
    const runs =
      entries.length === 0 ? "built-in, in-process"
      : entries[0]!.bin === undefined ? `${entries.length} own child${entries.length > 1 ? "ren" : ""} (damocles-worker processor ${stage})`
      : `${entries.length} external child${entries.length > 1 ? "ren" : ""} (${entries[0]!.bin})`;
    out[stage] = { runs, ...(limit === undefined ? {} : { limit }), ...(stagger === undefined ? {} : { staggered: formatDuration(stagger) }) };
  }
  return out;
}

interface ManagerAnswers {
  error?: string;
  defaults?: unknown;
  defaultsNote?: string;
  stores?: Set<string>;
}

/** Asks the manager for this worker's sealing defaults and which store names it knows. */
async function askManager(config: WorkerConfig, stores: { name?: string; location: string }[]): Promise<ManagerAnswers> {
  const venus = rpcClient(sealerApi, {
    url: config.manager.rpcUrl,
    headers: config.sector_manager.rpc_client.headers,
    ...(config.sector_manager.rpc_client.token === undefined ? {} : { token: config.sector_manager.rpc_client.token }),
    timeoutMs: MANAGER_TIMEOUT_MS,
  });
  const out: ManagerAnswers = {};
  try {
    const name = config.worker.name ?? (await localIpTowards(config.manager.rpcUrl));
    try {
      out.defaults = await venus.WorkerSealingDefaults(name);
    } catch (err) {
      if (!(err instanceof RpcError) || err.code !== METHOD_NOT_FOUND) throw err;
      out.defaultsNote = "manager sealing defaults: the manager has no Venus.WorkerSealingDefaults (a stock Damocles manager); layer 1 is empty";
    }
    const known = new Set<string>();
    for (const s of stores) {
      const storeName = s.name ?? resolve(s.location);
      if ((await venus.StoreBasicInfo(storeName)) !== null) known.add(storeName);
    }
    out.stores = known;
  } catch (err) {
    out.error = (err as Error).message;
    delete out.defaults;
  } finally {
    await venus.close();
  }
  return out;
}

/** The worker's instance name when `worker.name` is unset: its IP on the route to the manager (§1 step 6). */
function localIpTowards(url: string): Promise<string> {
  const u = new URL(url);
  const port = Number(u.port || (u.protocol === "https:" ? 443 : 80));
  return new Promise((resolve, reject) => {
    const sock = connect({ host: u.hostname.replace(/^\[|\]$/g, ""), port, timeout: MANAGER_TIMEOUT_MS });
    sock.once("connect", () => {
      resolve(sock.localAddress ?? "127.0.0.1");
      sock.destroy();
    });
    sock.once("timeout", () => {
      sock.destroy();
      reject(new Error(`connect ${u.host}: timed out`));
    });
    sock.once("error", (err) => reject(new Error(`connect ${u.host}: ${err.message}`)));
  });
}

/** NUMA nodes from sysfs; a machine without that directory has node 0 only. */
function numaNodes(): number[] {
  try {
    return readdirSync("/sys/devices/system/node").flatMap((d) => (/^node(\d+)$/.exec(d) ? [Number(d.slice(4))] : [])).sort((a, b) => a - b);
  } catch {
    return [0];
  }
}

export function formatReport(r: CheckReport): string {
  const lines: string[] = [`config ${r.file}`];
  if (r.manager.url !== undefined)
    lines.push(`manager ${r.manager.url}: ${r.manager.status}${r.manager.detail === undefined ? "" : ` (${r.manager.detail})`}`);
  for (const t of r.threads) {
    lines.push("", `sealing_thread[${t.index}] location ${t.location ?? "(none)"}  plan ${t.plan} (${t.planFrom})${t.hotConfig ? `  hot config ${t.hotConfig}` : ""}`);
    const width = Math.max(...Object.keys(t.settings).map((k) => k.length));
    for (const [k, { value, from }] of Object.entries(t.settings)) lines.push(`  ${k.padEnd(width)} = ${JSON.stringify(value)}  (${from})`);
  }
  if (Object.keys(r.stages).length > 0) {
    lines.push("", "stages:");
    const width = Math.max(...Object.keys(r.stages).map((k) => k.length));
    for (const [k, v] of Object.entries(r.stages))
      lines.push(`  ${k.padEnd(width)}  ${v.runs}${v.limit === undefined ? "" : `, at most ${v.limit} at once`}${v.staggered === undefined ? "" : `, one start per ${v.staggered}`}`);
  }
  const errors = r.problems.filter((p) => p.level === "error");
  const warnings = r.problems.filter((p) => p.level === "warning");
  if (r.problems.length > 0) {
    lines.push("", "problems:");
    for (const p of [...errors, ...warnings]) lines.push(`  ${p.level === "error" ? "error  " : "warning"} ${formatProblem(p)}`);
  }
  for (const n of r.notChecked) lines.push(`not checked: ${n}`);
  lines.push("", `${errors.length} error${errors.length === 1 ? "" : "s"}, ${warnings.length} warning${warnings.length === 1 ? "" : "s"}`);
  return `${lines.join("\n")}\n`;
}
