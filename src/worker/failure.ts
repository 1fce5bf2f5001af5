// A sealing failure carries its level (spec/worker.md §7) and, where the call site knows it, the operator's fix
// (STYLE.md "Errors carry their level and their fix"). Call sites pick the level; the step loop retries or drops
// the sector and the sealing thread pauses, each in one place.
import type { FailureLevel as WireFailureLevel } from "../api/sealer-types.js";
import { RpcError } from "../rpc/errors.js";

/** temp: retried; perm and crit: the thread pauses; abort: the sector is dropped (ReportAborted) and the next one starts. */
export type FailureLevel = "temp" | "perm" | "crit" | "abort";

/** `ReportStateReq.Failure.Level` spellings. */
export const WIRE_LEVEL: Readonly<Record<FailureLevel, WireFailureLevel>> = Object.freeze({
  temp: "Temporary",
  perm: "Permanent",
  crit: "Critical",
  abort: "Abort",
});

/** Damocles `APIErrCodeSectorStateNotFound`: the only manager error code that aborts a sector (protocols.md §1.3). */
export const SECTOR_STATE_NOT_FOUND = 11001;

export class Failure extends Error {
  override name = "Failure";
  constructor(
    readonly level: FailureLevel,
    /** Stable and greppable, e.g. "PERSIST_NO_STORE". */
    readonly code: string,
    message: string,
    /** What the operator does next; `worker list` shows it with the message. */
    readonly fix?: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }

  /** One line for `last_error`, logs and `ReportState`'s Desc: level, code, message, the causes, the fix. */
  describe(): string {
    const causes: string[] = [];
    let c: unknown = this.cause;
    for (let i = 0; c !== undefined && i < 5; i++) {
      const msg = c instanceof Error ? c.message : String(c);
      if (!this.message.includes(msg)) causes.push(msg);
      c = c instanceof Error ? c.cause : undefined;
    }
    return `[${this.level}] ${this.code}: ${this.message}${causes.length ? `: ${causes.join(": ")}` : ""}${this.fix ? ` (fix: ${this.fix})` : ""}`;
  }
}

/** A pause or shutdown request observed by the step loop: Permanent, never stored as `last_error` (§8). */
export class Interrupt extends Failure {
  constructor(reason: string) {
    super("perm", "INTERRUPTED", reason);
  }
}

const messageOf = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/** `err` as a Failure: a Failure passes through unchanged, anything else gets `level` and `code`. */
export function asFailure(err: unknown, level: FailureLevel, code: string, what: string, fix?: string): Failure {
  if (err instanceof Failure) return err;
  return new Failure(level, code, `${what}: ${messageOf(err)}`, fix, { cause: err });
}

/**
 * A manager call's error (protocols.md §1.3): 11001 aborts the sector, every other code, transport error,
 * timeout or undecodable result is Temporary.
 */
export function rpcFailure(method: string, err: unknown): Failure {
  if (err instanceof Failure) return err;
  if (err instanceof RpcError && err.code === SECTOR_STATE_NOT_FOUND)
    return new Failure("abort", "SECTOR_STATE_NOT_FOUND", `Venus.${method}: the manager has no state for this sector (${err.message})`, undefined, { cause: err });
  return new Failure("temp", "MANAGER_CALL", `Venus.${method} failed: ${messageOf(err)}`,
    "check that damocles-manager is running and reachable at [sector_manager.rpc_client].addr with a write token", { cause: err });
}

/** Runs one manager call, turning its error into the Failure of §1.3. */
export async function callManager<T>(method: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    throw rpcFailure(method, err);
  }
}
