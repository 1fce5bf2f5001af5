// Message execution (spec/devnet.md §4 "Execution", §7 FailMessages): gas is a fixed charge per
// method plus one unit per params byte, paid at the base fee and burnt to f099; the nonce is used
// and gas charged even when the message fails; Value moves before the method runs; a failing method
// (ActorError) leaves no state change. Miner methods go to the miner actor, others to a registered
// handler (the market), method 0 is a plain transfer between any actors.
import { CID } from "multiformats/cid";
import { ExitCode } from "../filecoin/miner-params.js";
import type { SignedMessage } from "../filecoin/message.js";
import { ActorError, MinerExitCode } from "./actors/actor-error.js";
import type { ActorHandler, Receipt } from "./chain.js";
import { BURNT_FUNDS_ID, Overlay } from "./state.js";
import type { Database } from "../db/sqlite.js";
import { AddressProtocol, parseAddress } from "../filecoin/address.js";

/** ParentBaseFee of every block (attoFIL per gas unit). */
export const BASE_FEE = 100n;
/** Lotus's minimum GasPremium estimate (attoFIL per gas unit). */
export const GAS_PREMIUM = 100n;
/** GasEstimateMessageGas adds 25 % to what the message uses. */
export const GAS_OVERESTIMATION_PERCENT = 125;
/** Lotus's block gas limit: no message may ask for more. */
export const BLOCK_GAS_LIMIT = 10_000_000_000;
/** SysErrInvalidReceiver: the recipient does not exist and cannot be created. */
export const SYS_ERR_INVALID_RECEIVER = 2;

/** Fixed gas charge of a method; the params add one unit per byte. */
export function methodGas(method: number): number {
  if (method === 0) return 500_000;
  return 5_000_000;
}

export function gasUsedBy(method: number, paramsLength: number): number {
  return methodGas(method) + paramsLength;
}

/** GasLimit that GasEstimateMessageGas proposes: the use plus 25 %. */
export function estimateGasLimit(method: number, paramsLength: number): number {
  return Math.ceil((gasUsedBy(method, paramsLength) * GAS_OVERESTIMATION_PERCENT) / 100);
}

/** What a message invokes once Value has moved: returns the CBOR return value. */
export type Dispatch = (tx: Overlay, call: { caller: number; to: number; value: bigint; method: number; params: Uint8Array; cid: CID }) => Uint8Array | null;

export interface FailRule {
  exitCode: number;
  count: number;
}

export interface ExecutionDeps {
  db: Database;
  dispatch: Dispatch;
  /** FailMessages rules by method; decremented as they fire. */
  failRules: Map<number, FailRule>;
  log?: (level: "info" | "warn" | "error", msg: string, fields?: Record<string, unknown>) => void;
}

const gasPrice = (feeCap: bigint): bigint => (feeCap < BASE_FEE ? feeCap : BASE_FEE);

/** Resolves the recipient, creating an account for an unknown key address (as Lotus's init actor does). */
function resolveRecipient(tx: Overlay, to: string): number | null {
  const id = tx.resolveId(to);
  if (id !== null) return id;
  const a = parseAddress(to);
  if (a.protocol !== AddressProtocol.Secp256k1) return null;
  const newId = tx.allocateId();
  tx.setActor({ id: newId, kind: "account", balance: 0n, nonce: 0, keyAddress: to.replace(/^f/, "t") });
  return newId;
}

/**
 * Executes one included message at `tx.epoch` on the tipset overlay `tx`. The sender exists and the
 * nonce matches (the mpool and the selection guarantee it).
 */
export function applyMessage(tx: Overlay, sm: SignedMessage, cid: CID, deps: ExecutionDeps): Receipt {
  const m = sm.Message;
  const fromId = tx.resolveId(m.From);
  const from = fromId === null ? null : tx.actor(fromId);
  if (fromId === null || !from) return { exitCode: 1, return: new Uint8Array(0), gasUsed: 0n }; // SysErrSenderInvalid
  const needed = gasUsedBy(m.Method, m.Params.length);
  const outOfGas = m.GasLimit < needed;
  const gasUsed = BigInt(outOfGas ? Math.max(0, m.GasLimit) : needed);
  let fee = gasUsed * gasPrice(m.GasFeeCap);
  const balance = tx.balanceOf(fromId);
  let exitCode: number = ExitCode.Ok;
  if (balance < fee) {
    fee = balance;
    exitCode = ExitCode.SysErrInsufficientFunds;
  }
  tx.setActor({ ...tx.actor(fromId)!, nonce: from.nonce + 1 });
  if (fee > 0n) tx.transfer(fromId, BURNT_FUNDS_ID, fee);
  const receipt = (code: number, ret: Uint8Array = new Uint8Array(0)): Receipt => ({ exitCode: code, return: ret, gasUsed });
  if (exitCode !== ExitCode.Ok) return receipt(exitCode);
  if (outOfGas) return receipt(ExitCode.SysErrOutOfGas);

  const rule = deps.failRules.get(m.Method);
  if (rule && rule.count > 0) {
    rule.count -= 1;
    if (rule.count === 0) deps.failRules.delete(m.Method);
    return receipt(rule.exitCode);
  }

  const child = new Overlay(tx, tx.epoch);
  try {
    // A savepoint: SQL written by an extension handler rolls back with the message.
    const ret = deps.db.transaction(() => {
      const to = resolveRecipient(child, m.To);
      if (to === null) throw new ActorError(SYS_ERR_INVALID_RECEIVER, `recipient ${m.To} does not exist`);
      child.transfer(fromId, to, m.Value);
      if (m.Method === 0) return null;
      return deps.dispatch(child, { caller: fromId, to, value: m.Value, method: m.Method, params: m.Params, cid });
    })();
    child.mergeInto(tx);
    return receipt(ExitCode.Ok, ret ?? new Uint8Array(0));
  } catch (err) {
    if (err instanceof ActorError) return receipt(err.exitCode);
    deps.log?.("error", "message execution failed unexpectedly", { cid: cid.toString(), method: m.Method, error: String(err) });
    return receipt(ExitCode.ErrIllegalState);
  }
}

/** Dispatch rule for actors that are neither miners nor registered: accounts and builtins handle no method. */
export function unhandled(method: number, to: number): never {
  throw new ActorError(MinerExitCode.ErrUnhandledMessage, `actor t0${to} has no method ${method}`);
}

export type { ActorHandler };
