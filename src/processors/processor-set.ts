// Per-stage dispatch for the worker daemon (spec/worker.md §2.7–§2.9, §4): external children for stages with
// `[[processors.<stage>]]` entries, the built-in worker-thread pool for the others, behind one `run` that follows
// the admission order of §4.1 (stage token, then a sub-processor with its ext locks, run, release in reverse).
// Start-up refuses a mixed built-in/external pc1+pc2 or c1+c2 pair (protocols.md §4b) and reports placement
// settings this machine cannot apply as warnings.
import { realpath } from "node:fs/promises";
import { parseSectorSize } from "../filecoin/sizes.js";
import { TASK_SCHEMAS, type StageInput, type StageOutput } from "../api/processor-tasks.js";
import {
  DEFAULT_REQUEST_TIMEOUT_MS,
  PROCESSOR_SECTION_KEYS,
  isProcessorSectionKey,
  isStageLimitKey,
  readyStageOf,
  type ProcessorSectionKey,
  type StageLimitKey,
  type StageName,
} from "../api/stages.js";
import { BuiltinPool } from "./builtin-pool.js";
import { ExternalProcessor, ProcessorError, stderrLogger, type ProcessorLogger } from "./external.js";
import { SlotPool, StageLimits, effectiveConcurrentLimits, systemClock, type Clock } from "./limits.js";
import { planPlacement, probePlacement, type PlacementEnvironment } from "./placement.js";
import { hasBuiltin } from "./stages/index.js";

/** One `[[processors.<stage>]]` entry as the config loader produces it (durations already in ms). */
export interface ProcessorEntryConfig {
  bin?: string;
  args?: string[];
  /** Ready-line timeout, ms (default 5 s). */
  stable_wait?: number;
  envs?: Record<string, string>;
  inherit_envs?: boolean;
  numa_preferred?: number;
  cgroup?: { group_name?: string; cpuset?: string };
  /** Max tasks in flight on this child (default unlimited). */
  concurrent?: number;
  locks?: string[];
  auto_restart?: boolean;
  /** Per-request deadline, ms; 0 disables it (default per stage, protocols.md §4d). */
  request_timeout?: number;
}

/** The `[processors]` table: limits, locks, static tree_d, and the entries of each processor section. */
export type ProcessorsConfig = {
  limitation?: {
    concurrent?: Partial<Record<StageLimitKey, number>>;
    /** ms between starts. */
    staggered?: Partial<Record<StageLimitKey, number>>;
  };
  /** Legacy; used only when limitation.concurrent is absent. */
  limit?: Partial<Record<StageLimitKey, number>>;
  ext_locks?: Record<string, number>;
  /** "<sector size>" = "<path of a pre-built all-zero tree_d>". */
  static_tree_d?: Record<string, string>;
} & { [K in ProcessorSectionKey]?: ProcessorEntryConfig[] };

const TABLE_KEYS = new Set(["limitation", "limit", "ext_locks", "static_tree_d"]);
const DEFAULT_STABLE_WAIT_MS = 5000;

/** A stage is external when its entries set `bin`; entries without `bin` run our own `processor <stage>` child. */
export type StageKind = "builtin" | "external";

/** Built-in or external, refusing a section whose entries disagree (worker.md §2.9). */
export function stageKind(config: ProcessorsConfig, section: ProcessorSectionKey): StageKind {
  const entries = config[section] ?? [];
  const withBin = entries.filter((e) => e.bin !== undefined).length;
  if (withBin > 0 && withBin < entries.length)
    throw new Error(
      `[[processors.${section}]]: ${withBin} of ${entries.length} entries set bin: the entries of one stage must all ` +
        "set bin (an external family) or all leave it out (the built-in family)",
    );
  return withBin > 0 ? "external" : "builtin";
}

const PAIRS: ReadonlyArray<readonly [ProcessorSectionKey, ProcessorSectionKey]> = [["pc1", "pc2"], ["c1", "c2"]];

/** Throws when a pc1/pc2 or c1/c2 pair mixes built-in and external (protocols.md §4b); the message says why. */
export function checkProcessorFamilies(config: ProcessorsConfig): void {
  for (const key of Object.keys(config))
    if (!TABLE_KEYS.has(key) && !isProcessorSectionKey(key))
      throw new Error(`unknown processor section [[processors.${key}]]; known: ${PROCESSOR_SECTION_KEYS.join(", ")}`);
  for (const section of PROCESSOR_SECTION_KEYS) stageKind(config, section);
  for (const [first, second] of PAIRS) {
    const [a, b] = [stageKind(config, first), stageKind(config, second)];
    if (a === b) continue;
    const [ext, own] = a === "external" ? [first, second] : [second, first];
    const why =
      ext === second
        ? `the built-in ${first} output cannot feed an external ${second}; configure a ${first} processor of the ${second}'s family`
        : `an external ${first} output cannot feed the built-in ${second}; configure a ${second} processor of the ${first}'s family`;
    throw new Error(`[[processors.${ext}]] sets bin but [[processors.${own}]] does not: ${why}`);
  }
}

/**
 * Everything about `[processors]` that can be judged without spawning (worker start-up and `config check`):
 * throws on an error (mixed families, unknown section, a sealing_daemons entry without bin, an undeclared lock,
 * a bad static_tree_d), returns the warnings (placement this machine cannot apply, limits no processor can serve).
 */
export async function checkProcessorsConfig(config: ProcessorsConfig, env: PlacementEnvironment): Promise<string[]> {
  checkProcessorFamilies(config);
  await resolveStaticTreeD(config.static_tree_d);
  const slots = new SlotPool(config.ext_locks ?? {});
  const warnings: string[] = [];
  const limits = effectiveConcurrentLimits(config);
  for (const section of PROCESSOR_SECTION_KEYS) {
    const entries = config[section] ?? [];
    for (const [index, e] of entries.entries()) {
      if (section === "sealing_daemons" && e.bin === undefined)
        throw new Error(`[[processors.sealing_daemons]] entry ${index} needs an explicit bin and args`);
      const plan = await planPlacement(
        { section, index, cpuset: e.cgroup?.cpuset, groupName: e.cgroup?.group_name, numaPreferred: e.numa_preferred, own: e.bin === undefined },
        env,
        { dryRun: true },
      );
      warnings.push(...plan.warnings);
    }
    if (section === "sealing_daemons" || entries.length === 0) continue;
    slots.addStage(section, entries.map((e, index) => ({ index, concurrent: e.concurrent ?? null, locks: e.locks ?? [] })));
    const limit = isStageLimitKey(section) ? limits[section] : undefined;
    const capacity = entries.every((e) => e.concurrent !== undefined) ? entries.reduce((n, e) => n + e.concurrent!, 0) : Infinity;
    if (limit !== undefined && limit > capacity)
      warnings.push(
        `[processors.limitation.concurrent] ${section} = ${limit} is more than its ${entries.length} [[processors.${section}]] ` +
          `entries can run at once (${capacity}); the extra tasks wait for a processor`,
      );
  }
  return warnings;
}

/** `[processors.static_tree_d]`: keys must be sector sizes, paths must exist (canonicalised). */
export async function resolveStaticTreeD(table: Record<string, string> = {}): Promise<Map<number, string>> {
  const out = new Map<number, string>();
  for (const [size, path] of Object.entries(table)) {
    let bytes: number;
    try {
      bytes = parseSectorSize(size);
    } catch (e) {
      throw new Error(`[processors.static_tree_d] "${size}": ${(e as Error).message}`, { cause: e });
    }
    const real = await realpath(path).catch((e: NodeJS.ErrnoException) => {
      throw new Error(`[processors.static_tree_d] "${size}" = "${path}": ${e.code === "ENOENT" ? "no such file" : e.message}; generate it with \`damocles-worker generator tree-d -s ${size} -p <dir>\``);
    });
    out.set(bytes, real);
  }
  return out;
}

/** How to run this program as `damocles-worker` (own children are `<self> processor <stage>`). */
export interface SelfCommand {
  bin: string;
  args: string[];
}

export const defaultSelfCommand = (): SelfCommand => ({ bin: process.execPath, args: [...process.execArgv, process.argv[1]!] });

export interface ProcessorSetOptions {
  config: ProcessorsConfig;
  selfCommand?: SelfCommand;
  /** Extra variables per section, under the entry's own envs (PIECE_FETCHER_TOKEN, DAMOCLES_MANAGER_TOKEN for add_pieces). */
  stageEnvs?: Partial<Record<ProcessorSectionKey, Record<string, string>>>;
  /** The environment children inherit (default process.env). */
  baseEnv?: NodeJS.ProcessEnv;
  placement?: PlacementEnvironment;
  clock?: Clock;
  logger?: ProcessorLogger;
  /** Pause before restarting a dead child (default 3 s). */
  restartDelayMs?: number;
}

export interface RunOptions {
  signal?: AbortSignal;
  /** The caller already holds this stage's token (a transfer inside an unseal upload, protocols.md §4f). */
  holdsStageToken?: boolean;
  /** Told when the task has its stage token and a processor: `ext(pid: N)` or `builtin <stage>`. */
  onRunning?: (proc: string) => void;
}

export interface ProcessorSet {
  /** Start-up warnings (placement settings this machine cannot apply). */
  readonly warnings: readonly string[];
  readonly limits: StageLimits;
  readonly slots: SlotPool;
  readonly staticTreeD: ReadonlyMap<number, string>;
  /** Where a stage runs: the built-in worker threads, or children (external or our own `processor <stage>`). */
  runsIn(stage: StageName): "threads" | "children";
  /** The running children of a section (empty for a built-in stage). */
  processors(section: ProcessorSectionKey): readonly ExternalProcessor[];
  run<S extends StageName>(stage: S, input: StageInput<S>, opts?: RunOptions): Promise<StageOutput<S>>;
  close(): Promise<void>;
}

function firstIssue(r: { success: false; error: { issues: Array<{ path: PropertyKey[]; message: string }> } }, root: string): string {
  const i = r.error.issues[0]!;
  return `${[root, ...i.path.map(String)].join(".")}: ${i.message}`;
}

/** Checks the config, spawns every configured child and waits for all ready lines (worker.md §1 step 9). */
export async function startProcessorSet(opts: ProcessorSetOptions): Promise<ProcessorSet> {
  const { config } = opts;
  const env = opts.placement ?? (await probePlacement());
  const warnings = await checkProcessorsConfig(config, env);
  const staticTreeD = await resolveStaticTreeD(config.static_tree_d);
  const clock = opts.clock ?? systemClock;
  const logger = opts.logger ?? stderrLogger;
  const limits = new StageLimits({ concurrent: effectiveConcurrentLimits(config), staggered: config.limitation?.staggered }, clock);
  const slots = new SlotPool(config.ext_locks ?? {});
  const self = opts.selfCommand ?? defaultSelfCommand();
  const children = new Map<ProcessorSectionKey, ExternalProcessor[]>();

  for (const section of PROCESSOR_SECTION_KEYS) {
    const entries = config[section] ?? [];
    if (entries.length === 0) continue;
    const list: ExternalProcessor[] = [];
    for (const [index, e] of entries.entries()) {
      const own = e.bin === undefined;
      const plan = await planPlacement(
        { section, index, cpuset: e.cgroup?.cpuset, groupName: e.cgroup?.group_name, numaPreferred: e.numa_preferred, own },
        env,
      );
      const args = e.args ?? ["processor", section];
      const [bin, ...rest] = [...plan.prefix, ...(own ? [self.bin, ...self.args] : [e.bin!]), ...args];
      const childEnv: NodeJS.ProcessEnv = {
        ...(e.inherit_envs === false ? {} : (opts.baseEnv ?? process.env)),
        ...plan.env,
        ...opts.stageEnvs?.[section],
        ...e.envs,
      };
      const ready = readyStageOf(section);
      list.push(
        new ExternalProcessor({
          section,
          index,
          readyStage: ready,
          command: { bin: bin!, args: rest, env: childEnv },
          stableWaitMs: e.stable_wait ?? DEFAULT_STABLE_WAIT_MS,
          requestTimeoutMs: e.request_timeout ?? (ready === "EMPTY" ? 0 : DEFAULT_REQUEST_TIMEOUT_MS[ready]),
          autoRestart: e.auto_restart ?? true,
          restartDelayMs: opts.restartDelayMs,
          cgroup: plan.cgroup,
          clock,
          logger,
        }),
      );
    }
    if (section !== "sealing_daemons")
      slots.addStage(section, entries.map((e, index) => ({ index, concurrent: e.concurrent ?? null, locks: e.locks ?? [] })));
    children.set(section, list);
  }
  for (const w of warnings) logger.warn(w);

  const all = [...children.values()].flat();
  const started = await Promise.allSettled(all.map((p) => p.start()));
  const failed = started.find((r): r is PromiseRejectedResult => r.status === "rejected");
  if (failed) {
    await Promise.all(all.map((p) => p.stop()));
    throw failed.reason;
  }

  const pool = new BuiltinPool();

  return {
    warnings,
    limits,
    slots,
    staticTreeD,
    runsIn: (stage) => (children.has(stage as ProcessorSectionKey) ? "children" : "threads"),
    processors: (section) => children.get(section) ?? [],
    async run<S extends StageName>(stage: S, input: StageInput<S>, ro: RunOptions = {}): Promise<StageOutput<S>> {
      const schema = TASK_SCHEMAS[stage];
      const checked = schema.input.safeParse(input);
      if (!checked.success) throw new RangeError(`${stage} task: ${firstIssue(checked, "task")}`);
      // §4.1 step 1: the stage token (winning_post has no stage limit)
      const releaseStage = !ro.holdsStageToken && isStageLimitKey(stage) ? await limits.acquire(stage, ro.signal) : () => undefined;
      try {
        const procs = children.get(stage as ProcessorSectionKey);
        if (!procs) {
          if (!hasBuiltin(stage)) throw new ProcessorError("NOT_RUNNING", `stage ${stage} is not built in: configure an external processor in [[processors.${stage}]] with its bin`);
          ro.onRunning?.(`builtin ${stage}`);
          return await pool.run(stage, input, ro.signal);
        }
        // steps 2–3: a free sub-processor with all its ext-lock tokens, or the stage's FIFO queue
        const lease = await slots.acquire(stage, ro.signal);
        try {
          const proc = procs[lease.index]!;
          ro.onRunning?.(`ext(pid: ${proc.pid ?? "?"})`);
          const output = await proc.call(input, { signal: ro.signal });
          const valid = schema.output.safeParse(output);
          if (!valid.success) throw new ProcessorError("BAD_OUTPUT", `${proc.name} returned a malformed ${stage} output: ${firstIssue(valid, "output")}`);
          return output as StageOutput<S>; // verbatim: opaque outputs are never re-encoded
        } finally {
          lease.release();
        }
      } finally {
        releaseStage();
      }
    },
    async close() {
      await Promise.all([...all.map((p) => p.stop()), pool.close()]);
    },
  };
}
