// The sophon-messager subset `Message.*` at /rpc/v0 (spec/devnet.md §5.5): what Damocles' commitment
// manager calls. An id maps to one signed message for good: the mapping is written to chain.db's
// plain key-value store in the same call that pushes, so a repeated PushMessageWithId (after a crash
// or a restart of either side) returns the id and sends nothing.
import { CID } from "multiformats/cid";
import type { ServerMethods } from "../api/define.js";
import { type MessagerMessage, MessageState, type SendSpec, messagerApi } from "../api/messager.js";
import { type Message, messageCid, signedMessageCid } from "../filecoin/message.js";
import { METHOD_ERROR, RpcError } from "../rpc/errors.js";
import type { DevnetChain, JsonValue } from "./chain.js";

const NS = "messager";

/** The chain surface the messager uses (DevnetChain satisfies it). */
export type MessagerChain = Pick<DevnetChain, "height" | "pushMessage" | "getMessage" | "searchMessage" | "waitMessage" | "kvGet" | "kvPut" | "onHeadChange">;

/** What is persisted per id. */
interface Stored {
  /** Signed CID, null when the mpool refused the message. */
  signedCid: string | null;
  /** The message as asked for, for the record of a refused one (Lotus JSON field values as text). */
  message: { To: string; From: string; Nonce: number; Value: string; GasLimit: number; GasFeeCap: string; GasPremium: string; Method: number; Params: string };
  meta: JsonValue;
  errorMsg: string;
  createdAt: string;
  updatedAt: string;
}

const toStored = (m: Message): Stored["message"] => ({
  To: m.To,
  From: m.From,
  Nonce: m.Nonce,
  Value: m.Value.toString(),
  GasLimit: m.GasLimit,
  GasFeeCap: m.GasFeeCap.toString(),
  GasPremium: m.GasPremium.toString(),
  Method: m.Method,
  Params: Buffer.from(m.Params).toString("base64"),
});

const fromStored = (m: Stored["message"]): Message => ({
  Version: 0,
  To: m.To,
  From: m.From,
  Nonce: m.Nonce,
  Value: BigInt(m.Value),
  GasLimit: m.GasLimit,
  GasFeeCap: BigInt(m.GasFeeCap),
  GasPremium: BigInt(m.GasPremium),
  Method: m.Method,
  Params: new Uint8Array(Buffer.from(m.Params, "base64")),
});

function load(chain: MessagerChain, id: string): Stored | null {
  const v = chain.kvGet(NS, id);
  return v === undefined || v === null ? null : (v as unknown as Stored);
}

/** The messager record of an id as it stands now (venus-shared types/messager Message). */
export function messagerRecord(chain: MessagerChain, id: string, stored: Stored): MessagerMessage {
  const base = {
    ID: id,
    WalletName: "",
    Meta: (stored.meta ?? null) as SendSpec | null,
    CreatedAt: stored.createdAt,
    UpdatedAt: stored.updatedAt,
  };
  const known = stored.signedCid === null ? null : chain.getMessage(CID.parse(stored.signedCid));
  if (!known) {
    const m = fromStored(stored.message);
    return {
      ...base,
      ...m,
      UnsignedCid: messageCid(m),
      SignedCid: null,
      Signature: null,
      Height: 0,
      Confidence: 0,
      Receipt: null,
      TipSetKey: [],
      State: MessageState.FailedMsg,
      ErrorMsg: stored.errorMsg || "the message is no longer known to the chain (its nonce was used by another message)",
    };
  }
  const sm = known.signed;
  const lookup = chain.searchMessage(known.cid);
  return {
    ...base,
    ...sm.Message,
    UnsignedCid: messageCid(sm.Message),
    SignedCid: signedMessageCid(sm),
    Signature: { Type: sm.Signature.Type, Data: sm.Signature.Data },
    Height: lookup?.height ?? 0,
    Confidence: lookup ? chain.height - lookup.height : 0,
    Receipt: lookup ? { ExitCode: lookup.receipt.exitCode, Return: lookup.receipt.return, GasUsed: Number(lookup.receipt.gasUsed), EventsRoot: null } : null,
    TipSetKey: lookup ? lookup.tipset.cids : [],
    State: lookup ? MessageState.OnChainMsg : MessageState.FillMsg,
    ErrorMsg: "",
  };
}

export function createMessagerApi(chain: MessagerChain): ServerMethods<typeof messagerApi> {
  const get = (id: string): Stored => {
    const s = load(chain, id);
    if (!s) throw new RpcError(METHOD_ERROR, `no message with id ${id}`);
    return s;
  };
  return {
    PushMessageWithId(id, msg, spec) {
      if (load(chain, id)) return id;
      const { CID: _ignored, ...fields } = msg;
      const now = new Date().toISOString();
      const stored: Stored = { signedCid: null, message: toStored(fields), meta: (spec ?? null) as JsonValue, errorMsg: "", createdAt: now, updatedAt: now };
      try {
        const sm = chain.pushMessage(fields);
        stored.signedCid = signedMessageCid(sm).toString();
        stored.message = toStored(sm.Message);
      } catch (e) {
        stored.errorMsg = (e as Error).message; // FailedMsg: refused by the mpool
      }
      chain.kvPut(NS, id, stored as unknown as JsonValue);
      return id;
    },
    HasMessageByUid(id) {
      return load(chain, id) !== null;
    },
    GetMessageByUid(id) {
      return messagerRecord(chain, id, get(id));
    },
    async WaitMessage(id, confidence, ctx) {
      const stored = get(id);
      if (stored.signedCid === null) return messagerRecord(chain, id, stored);
      const cid = CID.parse(stored.signedCid);
      if (!chain.getMessage(cid)) return messagerRecord(chain, id, stored);
      await chain.waitMessage(cid, confidence, ctx.signal);
      return messagerRecord(chain, id, stored);
    },
  };
}
