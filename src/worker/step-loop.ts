// The common step loop (spec/worker.md §5.3): the only code that moves a sector. Each turn applies the event
// (table lookup, payload, prev_state, retry reset), writes the record durably, reports the change to the
// manager, then runs the handler of the new state, which returns the next event. Temporary failures are
// retried here (§7, counter reset by every successful transition, protocols.md §4e); Abort drops the sector;
// Permanent and Critical go up to the thread, which pauses.
import type { SectorStateName } from "../api/sealer-types.js";
import type { Clock } from "./clock.js";
import type { SealingConfig } from "./config/schema.js";
import { Failure, Interrupt, WIRE_LEVEL, asFailure } from "./failure.js";
import type { AttachedStore, Plan, PlanEvent, SealerClient, SealingProcessors, StepContext, StepResult, WorkerLogger } from "./plan.js";
import type { SealingStore } from "./sealing-store.js";
import { newRecord, sectorLabel, type SectorRecord } from "./sector-record.js";

/** What `worker list` shows of the job. */
export interface JobView {
  id: string | null;
  state: string;
  stage: string | null;
}

export interface RunSectorOptions {
  plan: Plan;
  store: SealingStore;
  config: SealingConfig;
  manager: SealerClient;
  processors: SealingProcessors;
  attached: readonly AttachedStore[];
  instance: string;
  managerOrigin?: string;
  localPiecesDirs?: readonly string[];
  clock: Clock;
  logger: WorkerLogger;
  /** Pause or shutdown. */
  signal: AbortSignal;
  /** Shutdown only: cancels running processor tasks. */
  taskSignal: AbortSignal;
  /** A resume's target state (§8): forced without a transition check. */
  setState?: SectorStateName;
  onJob?: (job: JobView) => void;
  onThreadState?: (state: "Idle" | "Waiting" | "Running", proc?: string) => void;
  onStageDone?: (stage: string, seconds: number) => void;
  /** Every failure the loop sees (not pause/shutdown), before it retries, drops or propagates it. */
  onFailure?: (f: Failure) => void;
}

/** `done` with `idle`: returned after too many Idle turns, the sector (if any) still in its record. */
export type SectorOutcome = { kind: "done"; idle: boolean } | { kind: "switch"; plan: string };

const isIdle = (r: unknown): r is { idle: true } => typeof r === "object" && r !== null && "idle" in r;

/** The sector's id as the manager names it, or null before allocation. */
const sectorIdOf = (r: SectorRecord) => r.base?.allocated.ID ?? null;

/**
 * Runs the store's sector (or a new one) until it is finished (`done`), belongs to another plan (`switch`), or
 * fails: a Failure of level perm/crit (thread pauses) or abort (already reported and wiped) is thrown.
 */
export async function runSector(o: RunSectorOptions): Promise<SectorOutcome> {
  const { plan, store, config, manager, clock, logger } = o;
  let record = (await store.load()) ?? newRecord(plan.name);
  if (record.plan !== plan.name) return { kind: "switch", plan: record.plan };

  let stageLabel: string | null = null;
  const publish = (): void => o.onJob?.({ id: sectorLabel(record), state: record.state, stage: stageLabel });
  publish();

  const log = (obj: object): object => ({ sector: sectorLabel(record), state: record.state, location: store.location, ...obj });

  const checkInterrupt = (): void => {
    if (o.signal.aborted) throw o.signal.reason instanceof Failure ? o.signal.reason : new Interrupt("interrupted");
  };
  const sleep = async (ms: number): Promise<void> => {
    try {
      await clock.sleep(ms, o.signal);
    } catch {
      checkInterrupt();
    }
  };

  /** ReportState (§5.3 step 5); errors only logged. A `Finalized` reply drops the sector. */
  const report = async (prev: string, next: string, event: string, failure?: Failure): Promise<void> => {
    const id = sectorIdOf(record);
    if (!id) return;
    let resp;
    try {
      resp = await manager.ReportState(id, {
        Worker: { Instance: o.instance, Location: store.location },
        StateChange: { Prev: prev, Next: next, Event: event },
        Failure: failure ? { Level: WIRE_LEVEL[failure.level], Desc: failure.describe() } : null,
      });
    } catch (err) {
      logger.warn(log({ err: String(err) }), "ReportState failed (ignored)");
      return;
    }
    if (resp.Finalized)
      throw new Failure("abort", "FINALIZED_ELSEWHERE",
        `the manager reports sector ${sectorLabel(record)} as finalized or aborted${resp.AbortReason ? `: ${resp.AbortReason}` : ""}`);
  };

  const history = (prev: string | null, next: string, event: string, failure?: Failure): Promise<void> =>
    store.appendEvent({
      at: new Date(clock.now()).toISOString(),
      sector: sectorLabel(record),
      prev,
      next,
      event,
      ...(failure ? { failure: { level: failure.level, code: failure.code, desc: failure.describe() } } : {}),
    });

  /** Moves the record to `next` durably (§5.3 step 3), then reports it. */
  const transition = async (next: SectorStateName, event: string, apply?: PlanEvent["apply"]): Promise<void> => {
    const draft: SectorRecord = structuredClone(record);
    try {
      apply?.(draft);
    } catch (err) {
      throw asFailure(err, "crit", "RECORD_APPLY", `applying event ${event} to the record`);
    }
    const prev = draft.state;
    draft.prev_state = prev;
    draft.state = next;
    draft.retry = 0;
    await store.save(draft); // durable before acting
    record = draft;
    stageLabel = null;
    publish();
    await history(prev, next, event);
    logger.info(log({ prev, event }), "state changed");
    await report(prev, next, event);
  };

  /** Local cleanup after a finished or dropped sector: wipe data/, remove the record. */
  const finalize = async (): Promise<void> => {
    await store.wipeData();
    await store.deleteRecord();
  };

  /** Abort (§7): ReportAborted (best effort), wipe, propagate. */
  const abort = async (f: Failure): Promise<never> => {
    const id = sectorIdOf(record);
    await history(record.state, record.state, "Abort", f);
    if (id) {
      try {
        await manager.ReportAborted(id, f.describe());
      } catch (err) {
        logger.warn(log({ err: String(err) }), "ReportAborted failed (ignored)");
      }
    }
    await finalize();
    throw f;
  };

  const ctx: StepContext = {
    get record() {
      return record;
    },
    config,
    manager,
    processors: o.processors,
    attached: o.attached,
    clock,
    logger,
    location: store.location,
    signal: o.signal,
    taskSignal: o.taskSignal,
    managerOrigin: o.managerOrigin,
    localPiecesDirs: o.localPiecesDirs,
    paths() {
      const id = sectorIdOf(record);
      if (!id) throw new Failure("abort", "RECORD_FIELD_MISSING", `sector record in state ${record.state} has no allocated sector`);
      return store.sectorPaths(id.Miner, id.Number);
    },
    stage(label) {
      stageLabel = label;
      publish();
    },
    async acquireStageToken(stage) {
      o.onThreadState?.("Waiting");
      try {
        return await o.processors.limits.acquire(stage, o.taskSignal);
      } finally {
        o.onThreadState?.("Idle");
      }
    },
    async runStage(stage, input, ro) {
      const started = clock.now();
      stageLabel = stage;
      publish();
      o.onThreadState?.("Waiting");
      try {
        return await o.processors.run(stage, input, {
          ...ro,
          signal: ro?.signal ?? o.taskSignal,
          onRunning: (proc) => o.onThreadState?.("Running", proc),
        });
      } finally {
        o.onThreadState?.("Idle");
        o.onStageDone?.(stage, (clock.now() - started) / 1000);
      }
    },
  };

  let pending: StepResult | { setState: SectorStateName } | undefined = o.setState ? { setState: o.setState } : undefined;
  let idleRun = 0;

  for (;;) {
    try {
      // §5.3 steps 2–3. A real event is applied before the interrupt check: a pause that lands while a long
      // task runs must not throw away the task's durable result (the pause waits for the task, §8).
      if (!pending || isIdle(pending)) checkInterrupt();
      if (pending && "setState" in pending) {
        const prev = record.state;
        if (prev !== pending.setState) {
          await transition(pending.setState, `SetState(${pending.setState})`);
        }
      } else if (pending && isIdle(pending)) {
        await sleep(config.recover_interval);
      } else if (pending) {
        const e = pending as PlanEvent;
        await transition(plan.next(record.state, e.name), e.name, e.apply);
      }
      pending = undefined;
      checkInterrupt();

      // step 4: the handler of the current state
      const result = await plan.handler(record.state)(ctx);

      // step 6: the outcome
      if (result === null) {
        await manager.ReportFinalized(sectorIdOf(record)!).catch((err: unknown) => {
          throw new Failure("temp", "REPORT_FINALIZED", `Venus.ReportFinalized failed: ${String(err)}`, undefined, { cause: err });
        });
        await history(record.state, record.state, "Finalized");
        logger.info(log({}), "sector finished");
        await finalize();
        return { kind: "done", idle: false };
      }
      if (isIdle(result)) {
        idleRun += 1;
        if (idleRun > config.request_task_max_retries) return { kind: "done", idle: true };
      } else {
        idleRun = 0;
      }
      pending = result;
    } catch (err) {
      const f = asFailure(err, "crit", "STEP", `sealing step in state ${record.state}`);
      if (f instanceof Interrupt) throw f;
      o.onFailure?.(f);
      if (f.level === "abort") return abort(f);
      await history(record.state, record.state, "Failure", f);
      await report(record.state, record.state, "None", f).catch((e: unknown) => {
        if (e instanceof Failure && e.level === "abort") return abort(e);
        throw e;
      });
      if (f.level !== "temp") throw f;
      if (record.retry >= config.max_retries)
        throw new Failure("perm", "RETRIES_EXHAUSTED",
          `state ${record.state} failed ${record.retry + 1} times in a row: ${f.message}`, f.fix ?? "fix the cause, then resume the thread", { cause: f });
      record = { ...record, retry: record.retry + 1 };
      await store.save(record); // the counter is persisted
      logger.warn(log({ retry: record.retry, error: f.describe() }), "temporary failure, retrying after recover_interval");
      await sleep(config.recover_interval);
      pending = undefined; // re-run the same state's handler
    }
  }
}

/**
 * §5.3 step 6 (rule): the hot config changed while the thread idled with a sector that has not started work:
 * an Empty record is discarded, an Allocated one is reported aborted (`config-changed`) so the manager releases it.
 */
export async function dropIdleSector(store: SealingStore, manager: SealerClient, logger: WorkerLogger): Promise<void> {
  const record = await store.load();
  if (!record || (record.state !== "Empty" && record.state !== "Allocated")) return;
  const id = sectorIdOf(record);
  if (id) {
    await manager.ReportAborted(id, "config-changed").catch((err: unknown) => logger.warn({ err: String(err) }, "ReportAborted failed (ignored)"));
    logger.info({ sector: sectorLabel(record), location: store.location }, "config changed while idle: sector released");
  }
  await store.appendEvent({ at: new Date().toISOString(), sector: sectorLabel(record), prev: record.state, next: record.state, event: "Abort(config-changed)" });
  await store.wipeData();
  await store.deleteRecord();
}
