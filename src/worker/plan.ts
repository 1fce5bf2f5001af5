// A plan is a state machine written as a table (STYLE.md "State machines as tables"): for each state, the events
// it accepts and where each leads, plus one handler per state that does the work and returns the next event.
// Handlers never write the record: an event carries its payload as `apply`, and the step loop (step-loop.ts)
// applies it, persists the record and reports the change before the next handler runs.
import type { SectorStateName } from "../api/sealer-types.js";
import type { StageLimitKey } from "../api/stages.js";
import type { SealerApi } from "../api/sealer.js";
import type { ClientMethods } from "../api/define.js";
import type { ProcessorSet } from "../processors/index.js";
import type { SectorPaths } from "../proofs/sealing-layout.js";
import type { SealingConfig } from "./config/schema.js";
import type { Clock } from "./clock.js";
import { Failure } from "./failure.js";
import type { SectorRecord } from "./sector-record.js";

/** The manager calls a sealing thread makes (a typed `rpcClient(sealerApi, …)` or a test double). */
export type SealerClient = Pick<
  ClientMethods<SealerApi>,
  | "AllocateSector" | "AcquireDeals" | "AssignTicket" | "SubmitPreCommit" | "PollPreCommitState" | "SubmitPersistedEx"
  | "WaitSeed" | "SubmitProof" | "PollProofState" | "ReportState" | "ReportFinalized" | "ReportAborted" | "StoreReserveSpace"
>;

/** What the planners use of the processor set. */
export type SealingProcessors = Pick<ProcessorSet, "run" | "limits" | "staticTreeD">;

/** An `[[attached]]` persist store with its coordination name resolved (spec/worker.md §11.1). */
export interface AttachedStore {
  name: string;
  location: string;
  readonly: boolean;
}

/** pino-style: fields first, then the message. */
export interface WorkerLogger {
  debug?(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

/** An event a handler returns: its name (a key of the plan's table) and the payload it writes into the record. */
export interface PlanEvent {
  readonly name: string;
  readonly apply?: (r: SectorRecord) => void;
}

/** Nothing to do now (no sector to allocate, no deals yet): sleep `recover_interval` and run the state again. */
export const IDLE = { idle: true } as const;
export type Idle = typeof IDLE;

/** A handler's result: the next event, Idle, or null when the sector is finished (state Finished). */
export type StepResult = PlanEvent | Idle | null;

/** Everything a handler may use. The record is read-only for handlers. */
export interface StepContext {
  readonly record: Readonly<SectorRecord>;
  readonly config: SealingConfig;
  readonly manager: SealerClient;
  readonly processors: SealingProcessors;
  readonly attached: readonly AttachedStore[];
  readonly clock: Clock;
  readonly logger: WorkerLogger;
  /** The sealing store's root. */
  readonly location: string;
  /** `<location>/data`'s file names for the record's sector (throws Abort before allocation). */
  paths(): SectorPaths;
  /** Fires on pause or shutdown: every wait uses it. Running processor tasks get `taskSignal` instead. */
  readonly signal: AbortSignal;
  /** Fires on shutdown only (a pause lets a running task finish, §8). */
  readonly taskSignal: AbortSignal;
  /** Origin of the manager's `/piecestore/` (deal pieces), when known. */
  readonly managerOrigin?: string;
  /** `[worker].local_pieces_dirs`: tried before the manager's piece store. */
  readonly localPiecesDirs?: readonly string[];
  /** Thread-state bookkeeping for `worker list`: the stage label, and a processor run with Waiting/Running. */
  stage(label: string): void;
  runStage: SealingProcessors["run"];
  /** Takes a stage token the step holds across calls (the persist transfer, protocols.md §4f); the thread shows Waiting meanwhile. */
  acquireStageToken(stage: StageLimitKey): Promise<() => void>;
}

export type Handler = (ctx: StepContext) => Promise<StepResult>;

export type PlanTable = { readonly [S in SectorStateName]?: { readonly [event: string]: SectorStateName } };

export interface Plan {
  readonly name: string;
  readonly table: PlanTable;
  readonly handlers: { readonly [S in SectorStateName]?: Handler };
  /** The state `event` leads to from `state`; an event the table does not list there is Critical. */
  next(state: SectorStateName, event: string): SectorStateName;
  /** The handler of `state`; a state the plan does not handle aborts the sector (§7). */
  handler(state: SectorStateName): Handler;
}

/**
 * Checks the handlers against the table: every state of the table (as a source or a target) has a handler and
 * every handler belongs to a state of the table. Throws TypeError at start-up, not mid-sector.
 */
export function definePlan(name: string, table: PlanTable, handlers: { [S in SectorStateName]?: Handler }): Plan {
  const states = new Set<string>(Object.keys(table));
  for (const events of Object.values(table)) for (const to of Object.values(events ?? {})) states.add(to);
  for (const s of states) if (!handlers[s as SectorStateName]) throw new TypeError(`plan ${name}: state ${s} is in the table but has no handler`);
  for (const s of Object.keys(handlers)) if (!states.has(s)) throw new TypeError(`plan ${name}: handler for ${s}, which the table does not name`);
  return {
    name,
    table,
    handlers,
    next(state, event) {
      const to = table[state]?.[event];
      if (to === undefined) {
        const accepted = Object.keys(table[state] ?? {});
        throw new Failure("crit", "ILLEGAL_TRANSITION",
          `plan ${name}: event ${event} is not accepted in state ${state} (accepted: ${accepted.join(", ") || "none"})`,
          "this is a bug in the worker or a hand-edited record; resume with a target state (`worker resume -i <index> <state>`)");
      }
      if (to === state) throw new Failure("crit", "ILLEGAL_TRANSITION", `plan ${name}: event ${event} would keep state ${state}`);
      return to;
    },
    handler(state) {
      const h = handlers[state];
      if (h) return h;
      return async () => {
        throw new Failure("abort", "STATE_NOT_HANDLED", `plan ${name} does not handle state ${state}`);
      };
    },
  };
}
