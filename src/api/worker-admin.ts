// The worker's admin API (`VenusWorker.*`, JSON-RPC over HTTP POST at `http://<Dest>/`, spec/protocols.md §2,
// worker.md §13), defined once: our worker serves it, our manager's `util worker` calls it, and both also talk
// to a Rust damocles-worker (`damocles-worker/src/rpc/worker/mod.rs`) and the Go manager (`pkg/workercli`).
// Keys are snake_case here, unlike the manager API.
//
// The server takes no token (§2.1: bind it to a management network). The perms below are the levels these
// calls would need behind one: reading is `read`, pausing and resuming `write`, changing the environment that
// later processor children inherit `admin`.

import { z } from "zod";
import { defineApi, method } from "./define.js";
import { Uint } from "./codecs.js";
import { goSlice, NoResult } from "./lotus-types.js";

/** Default `[worker.rpc_server]` port. */
export const DEFAULT_WORKER_ADMIN_PORT = 17890;

/** Planner names (Damocles `PLANNER_NAME_*`); `niporep` exists in Damocles but is disabled there. */
export const PLAN_NAMES = ["sealer", "snapup", "rebuild", "unseal", "wdpost", "niporep"] as const;
export type PlanName = (typeof PLAN_NAMES)[number];

/** Seconds in the state. */
const Elapsed = Uint;

/** A sealing thread's state, internally tagged by `state` (Rust serde `tag = "state"`). */
export const SealingThreadState = z.discriminatedUnion(
  "state",
  [
    z.object({ state: z.literal("Idle") }),
    z.object({ state: z.literal("Paused"), elapsed: Elapsed }),
    /** proc: "ext(pid: N)" for an external processor, "builtin PC1" and the like in-process, or null. */
    z.object({ state: z.literal("Running"), elapsed: Elapsed, proc: z.string().nullable() }),
    z.object({ state: z.literal("Waiting"), elapsed: Elapsed }),
  ],
  { error: 'expected a thread state {"state": "Idle" | "Paused" | "Running" | "Waiting", …}' },
);
export type SealingThreadState = z.output<typeof SealingThreadState>;

/** One sealing thread in WorkerList. */
export const WorkerThreadInfo = z.object({
  /** The thread's sealing store, "-" for threads without one (wdpost). */
  location: z.string(),
  plan: z.enum(PLAN_NAMES, { error: `expected a plan: ${PLAN_NAMES.join(", ")}` }),
  /** "s-t01000-42", or null without a job. */
  job_id: z.string().nullable(),
  index: Uint,
  thread_state: SealingThreadState,
  /** Current state name (appendix A, or a wdpost state), "" if none. */
  job_state: z.string(),
  /** Stage label ("PC1", "WaitSeed", "-") or null. */
  job_stage: z.string().nullable(),
  last_error: z.string().nullable(),
});
export type WorkerThreadInfo = z.output<typeof WorkerThreadInfo>;

/** An environment variable name: non-empty, no "=" and no NUL (else -32602, §2.2). */
export const EnvName = z
  .string()
  .min(1, { error: "expected a non-empty variable name" })
  .refine((s) => !s.includes("=") && !s.includes("\0"), { error: 'a variable name must not contain "=" or NUL' });
/** An environment variable value: no NUL. */
export const EnvValue = z.string().refine((s) => !s.includes("\0"), { error: "a variable value must not contain NUL" });

export const workerAdminApi = defineApi("VenusWorker", {
  WorkerList: method([], goSlice(WorkerThreadInfo), "read"),
  /** [index] → false when a pause is already pending. */
  WorkerPause: method([Uint], z.boolean(), "write"),
  /**
   * [index, state to set or null] → true only if the thread was paused. The state is free text: an unknown
   * name is logged and the thread resumes where it was. Rust accepts the trailing null left out.
   */
  WorkerResume: method([Uint, z.string().nullable()], z.boolean(), "write", { optionalTail: 1 }),
  /** [name, value]: children spawned later inherit it. */
  WorkerSetEnv: method([EnvName, EnvValue], NoResult, "admin"),
  /** [name]. */
  WorkerRemoveEnv: method([EnvName], NoResult, "admin"),
  /** "v<version>-<git commit>", e.g. "v0.13.1-4235a89". */
  WorkerVersion: method([], z.string(), "read"),
});

export type WorkerAdminApi = typeof workerAdminApi;
