// A failed actor method: the exit code the receipt carries (go-state-types exitcode/) and why. The chain
// rolls the message back (the miner works on a clone, so nothing needs undoing) and records the code.
import { ExitCode } from "../../filecoin/miner-params.js";

/** Exit codes the miner rules use, including the one miner-params.ts does not list. */
export const MinerExitCode = {
  ...ExitCode,
  /** USR_UNHANDLED_MESSAGE: a method the devnet's miner does not implement (devnet.md §9). */
  ErrUnhandledMessage: 22,
} as const;

export class ActorError extends Error {
  constructor(
    readonly exitCode: number,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = "ActorError";
  }
}

/** Throws ActorError(code, message) unless `ok`. */
export function ensure(ok: boolean, code: number, message: string | (() => string)): asserts ok {
  if (!ok) throw new ActorError(code, typeof message === "string" ? message : message());
}

export const illegalArgument = (message: string): ActorError => new ActorError(ExitCode.ErrIllegalArgument, message);
export const notFound = (message: string): ActorError => new ActorError(ExitCode.ErrNotFound, message);
export const forbidden = (message: string): ActorError => new ActorError(ExitCode.ErrForbidden, message);
export const insufficientFunds = (message: string): ActorError => new ActorError(ExitCode.ErrInsufficientFunds, message);
export const illegalState = (message: string): ActorError => new ActorError(ExitCode.ErrIllegalState, message);
