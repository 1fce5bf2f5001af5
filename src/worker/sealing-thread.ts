// One sealing thread (spec/worker.md §5.1, §5.2, §8): an async loop that seals one sector after another in its
// sealing store. Each sector runs under the config computed just before it (all layers of §3, the store's
// hot `config.toml` re-read), through the step loop of its record's plan. A Temporary, Permanent or Critical
// failure pauses the thread with `last_error` until `resume`; an Abort drops the sector and the next one starts.
import type { SectorStateName } from "../api/sealer-types.js";
import { PLAN_NAMES, type PlanName, type WorkerThreadInfo } from "../api/worker-admin.js";
import { HotConfigFile, effectiveSealingConfig, type EffectiveSealingConfig } from "./config/layering.js";
import type { SealingOverrides } from "./config/schema.js";
import { systemClock, type Clock } from "./clock.js";
import { Failure, Interrupt, asFailure } from "./failure.js";
import type { AttachedStore, Plan, SealerClient, SealingProcessors, WorkerLogger } from "./plan.js";
import { sealerPlan } from "./planners/sealer.js";
import { SealingStore } from "./sealing-store.js";
import { isStateName } from "./sector-record.js";
import { dropIdleSector, runSector, type JobView } from "./step-loop.js";

export type { AttachedStore, SealerClient, SealingProcessors, WorkerLogger } from "./plan.js";

/** Optional counters (the daemon's /metrics): stage durations and failures by level. */
export interface SealingThreadMetrics {
  stageDuration?(stage: string, seconds: number): void;
  failure?(level: Failure["level"]): void;
}

export interface SealingThreadDeps {
  /** Position in the config (`worker list` index). */
  index: number;
  /** The sealing store. A missing directory is initialised (its parent must exist, §2.5). */
  location: string;
  /** The plan named by the config before the first sector (shown by `info()` until the config is read). */
  plan?: string;
  /**
   * The effective config for the next sector (§3): manager defaults, [sealing], the thread's overrides and the
   * store's `config.toml`, re-read on every call. A throw (malformed hot file) is Critical: the thread pauses.
   */
  config: () => Promise<EffectiveSealingConfig>;
  manager: SealerClient;
  processors: SealingProcessors;
  attached: readonly AttachedStore[];
  /** `ReportState`'s `Worker.Instance`: the worker's instance name. */
  instance: string;
  /** Origin of the manager (`http://host:port`) for deal piece URLs `/piecestore/<cid>`. */
  managerOrigin?: string;
  /** `[worker].local_pieces_dirs` (deal pieces are looked up there first). */
  localPiecesDirs?: readonly string[];
  clock?: Clock;
  logger?: WorkerLogger;
  metrics?: SealingThreadMetrics | null;
}

/** Planners by name; others are Critical until they exist (§2.5: unknown plan ⇒ Critical, thread paused). */
const PLANS: Readonly<Record<string, Plan>> = { sealer: sealerPlan };

const PAUSE_LOG_MS = 60_000;

/** Failures the step loop already counted in the metrics. */
const counted = new WeakSet<Failure>();

/** What decides a sector's behaviour: the plan and the sealing keys (not where they came from). */
const configKey = (c: EffectiveSealingConfig): string => JSON.stringify({ plan: c.plan, sealing: c.sealing });

/**
 * The usual `config` dependency (§3): the layers of the worker's file with the manager's cached defaults and
 * the store's hot `config.toml`, re-read (by mtime) on every call. A malformed hot file throws ConfigError.
 */
export function layeredThreadConfig(opts: {
  location: string;
  /** Layer 1, as last fetched (undefined: none). */
  managerDefaults: () => SealingOverrides | undefined;
  /** Layer 2: `[sealing]`. */
  sealing?: SealingOverrides;
  /** Layer 3: the `[[sealing_thread]]` entry. */
  thread?: { plan?: string; sealing?: SealingOverrides };
}): () => Promise<EffectiveSealingConfig> {
  const hot = new HotConfigFile(opts.location);
  return async () => {
    await hot.check();
    return effectiveSealingConfig({ managerDefaults: opts.managerDefaults(), sealing: opts.sealing, thread: opts.thread, locationToml: hot.value?.config });
  };
}
const NOOP_LOGGER: WorkerLogger = { info() {}, warn() {}, error() {} };

type ThreadState =
  | { state: "Idle" }
  | { state: "Waiting"; since: number }
  | { state: "Running"; since: number; proc: string | null }
  | { state: "Paused"; since: number };

export class SealingThread {
  readonly index: number;
  readonly location: string;
  private readonly clock: Clock;
  private readonly logger: WorkerLogger;
  private planName: string;
  private threadState: ThreadState = { state: "Idle" };
  private job: JobView = { id: null, state: "", stage: null };
  private lastError: string | null = null;
  /** Pause pending or shutdown: aborts every wait of the current sector. */
  private interrupt = new AbortController();
  private pausePending = false;
  private readonly shutdown = new AbortController();
  /** Set while paused and waiting: resolves the wait with the resume's target state. */
  private resumeWaiter: ((target: SectorStateName | undefined) => void) | null = null;
  private loop: Promise<void> | null = null;
  /** The config of the previous sector run, and whether that run ended idle (§5.3 step 6). */
  private lastConfigKey: string | undefined;
  private idledOut = false;

  constructor(private readonly deps: SealingThreadDeps) {
    this.index = deps.index;
    this.location = deps.location;
    this.clock = deps.clock ?? systemClock;
    this.logger = deps.logger ?? NOOP_LOGGER;
    this.planName = deps.plan ?? "sealer";
  }

  /** Starts the loop; returns at once. */
  start(): void {
    if (this.loop) return;
    this.loop = this.run().catch((err: unknown) => {
      this.logger.error({ thread: this.index, err: String(err) }, "sealing thread loop ended unexpectedly");
    });
  }

  /** Shutdown (§8): interrupts waits and running tasks; resolves once the loop has ended. Records stay on disk. */
  async stop(): Promise<void> {
    this.shutdown.abort(new Interrupt("shutdown"));
    this.interrupt.abort(new Interrupt("shutdown"));
    this.resumeWaiter?.(undefined);
    await this.loop;
  }

  /** Requests a pause (§8); false when one is already pending or the thread is already paused. */
  pause(): boolean {
    if (this.pausePending || this.threadState.state === "Paused" || this.shutdown.signal.aborted) return false;
    this.pausePending = true;
    this.interrupt.abort(new Interrupt("paused by request"));
    return true;
  }

  /**
   * Resumes a paused thread (§8): true only while paused. Without a state the current state's handler runs
   * again; with one the record is forced to it. An unknown name is logged and ignored.
   */
  resume(targetState?: string | null): boolean {
    if (this.threadState.state !== "Paused" || !this.resumeWaiter) return false;
    let target: SectorStateName | undefined;
    if (targetState) {
      if (isStateName(targetState)) target = targetState;
      else this.logger.warn({ thread: this.index, state: targetState }, "resume: unknown state name, resuming at the current state");
    }
    const wake = this.resumeWaiter;
    this.resumeWaiter = null;
    this.lastError = null;
    this.threadState = { state: "Idle" };
    wake(target);
    return true;
  }

  /** The `worker list` row of this thread. */
  info(): WorkerThreadInfo {
    const elapsed = (since: number) => Math.max(0, Math.floor((this.clock.now() - since) / 1000));
    const s = this.threadState;
    const thread_state: WorkerThreadInfo["thread_state"] =
      s.state === "Idle" ? { state: "Idle" }
      : s.state === "Running" ? { state: "Running", elapsed: elapsed(s.since), proc: s.proc }
      : { state: s.state, elapsed: elapsed(s.since) };
    return {
      location: this.location,
      plan: ((PLAN_NAMES as readonly string[]).includes(this.planName) ? this.planName : "sealer") as PlanName,
      job_id: this.job.id,
      index: this.index,
      thread_state,
      job_state: this.job.state,
      job_stage: this.job.stage,
      last_error: this.lastError,
    };
  }

  /** True while paused and waiting for `resume`. */
  get paused(): boolean {
    return this.threadState.state === "Paused";
  }

  // ---------------------------------------------------------------- the outer loop (§5.2)

  private async run(): Promise<void> {
    let setState: SectorStateName | undefined;
    while (!this.shutdown.signal.aborted) {
      try {
        await this.sealOne(setState);
        setState = undefined;
      } catch (err) {
        setState = undefined;
        if (this.shutdown.signal.aborted) break;
        const f = asFailure(err, "crit", "THREAD_LOOP", `sealing thread ${this.index}`);
        if (!counted.has(f) && !(f instanceof Interrupt)) this.deps.metrics?.failure?.(f.level);
        if (f.level === "abort") {
          this.logger.warn({ thread: this.index, sector: this.job.id, error: f.describe() }, "sector aborted; starting a new one");
        } else {
          const interrupted = f instanceof Interrupt;
          if (!interrupted) {
            this.lastError = f.describe();
            this.logger.error({ thread: this.index, sector: this.job.id, error: this.lastError }, "sealing thread paused");
          }
          const target = await this.waitForResume();
          if (this.shutdown.signal.aborted) break;
          setState = target;
          continue; // a resumed sector goes on without the seal_interval pause
        }
      }
      // after every sector (§5.2 step 3)
      this.job = { id: null, state: "", stage: null };
      this.threadState = { state: "Idle" };
      try {
        const cfg = await this.deps.config();
        await this.clock.sleep(cfg.sealing.seal_interval, this.interrupt.signal);
      } catch {
        // a pause during the sleep lands in the next sealOne's first interrupt check; a config error in its config read
      }
    }
    this.threadState = { state: "Idle" };
  }

  private async sealOne(setState: SectorStateName | undefined): Promise<void> {
    if (this.interrupt.signal.aborted) throw this.interrupt.signal.reason instanceof Failure ? this.interrupt.signal.reason : new Interrupt("interrupted");
    let effective: EffectiveSealingConfig;
    try {
      effective = await this.deps.config();
    } catch (err) {
      throw asFailure(err, "crit", "CONFIG_RELOAD", `hot config of ${this.location}`, `fix ${this.location}/config.toml, then resume the thread`);
    }
    const store = await SealingStore.open(this.location);
    const key = configKey(effective);
    if (this.idledOut && this.lastConfigKey !== undefined && key !== this.lastConfigKey) await dropIdleSector(store, this.deps.manager, this.logger);
    this.lastConfigKey = key;
    this.idledOut = false;
    let planName = effective.plan;
    for (let hops = 0; hops < 3; hops++) {
      const plan = PLANS[planName];
      if (!plan)
        throw new Failure("crit", "UNKNOWN_PLAN", `plan "${planName}" of sealing thread ${this.index} is not available in this worker (available: ${Object.keys(PLANS).join(", ")})`,
          `set plan to one of ${Object.keys(PLANS).join(", ")} in [[sealing_thread]] or ${this.location}/config.toml, then resume`);
      this.planName = planName;
      const outcome = await runSector({
        plan,
        store,
        config: effective.sealing,
        manager: this.deps.manager,
        processors: this.deps.processors,
        attached: this.deps.attached,
        instance: this.deps.instance,
        managerOrigin: this.deps.managerOrigin,
        localPiecesDirs: this.deps.localPiecesDirs,
        clock: this.clock,
        logger: this.logger,
        signal: this.interrupt.signal,
        taskSignal: this.shutdown.signal,
        setState,
        onJob: (job) => {
          this.job = job;
        },
        onThreadState: (s, proc) => {
          const now = this.clock.now();
          this.threadState = s === "Idle" ? { state: "Idle" } : s === "Waiting" ? { state: "Waiting", since: now } : { state: "Running", since: now, proc: proc ?? null };
        },
        onStageDone: (stage, seconds) => this.deps.metrics?.stageDuration?.(stage, seconds),
        onFailure: (f) => {
          counted.add(f);
          this.deps.metrics?.failure?.(f.level);
        },
      });
      if (outcome.kind === "done") {
        this.idledOut = outcome.idle;
        return;
      }
      planName = outcome.plan;
      setState = undefined;
    }
    throw new Failure("crit", "PLAN_SWITCH_LOOP", `the record in ${this.location} keeps switching plans`);
  }

  /** Paused (§5.2 step 2): block until resumed or shut down, logging every 60 s. */
  private async waitForResume(): Promise<SectorStateName | undefined> {
    this.threadState = { state: "Paused", since: this.clock.now() };
    this.pausePending = false;
    const resumed = new Promise<SectorStateName | undefined>((resolve) => {
      this.resumeWaiter = resolve;
    });
    let done = false;
    const target = resumed.then((t) => {
      done = true;
      return t;
    });
    const tickStop = new AbortController();
    const tickSignal = AbortSignal.any([this.shutdown.signal, tickStop.signal]);
    while (!done && !this.shutdown.signal.aborted) {
      const tick = this.clock.sleep(PAUSE_LOG_MS, tickSignal).then(() => "tick" as const, () => "stop" as const);
      const r = await Promise.race([target.then(() => "resumed" as const), tick]);
      if (r === "tick") this.logger.info({ thread: this.index, sector: this.job.id, last_error: this.lastError }, "sealing thread paused, waiting for resume");
      if (r !== "tick") break;
    }
    tickStop.abort();
    this.resumeWaiter = null;
    const t = done ? await target : undefined;
    // a fresh interrupt for the resumed run; the last error is cleared by the resume (§8)
    this.interrupt = new AbortController();
    if (this.shutdown.signal.aborted) this.interrupt.abort(new Interrupt("shutdown"));
    this.lastError = null;
    this.threadState = { state: "Idle" };
    return t;
  }
}
