// The sophon-messager subset (`Message.*` at /rpc/v0, spec/devnet.md §5.5): the four calls of Damocles'
// commitment manager (`damocles damocles-manager/pkg/messager/api.go`). The record and SendSpec follow
// `venus venus-shared/types/messager/message.go` and `spec.go`; perms `venus-shared/api/messager/api.go`.

import { z } from "zod";
import { defineApi, method } from "./define.js";
import { BigIntString, Epoch, NullableCidJson, SafeInt, TipSetKeyJson, Uint } from "./codecs.js";
import { Message, MessageReceipt, Signature } from "./lotus-types.js";

/** `messager.MessageState`. */
export const MessageState = { UnKnown: 0, UnFillMsg: 1, FillMsg: 2, OnChainMsg: 3, FailedMsg: 4, NonceConflictMsg: 5 } as const;
export type MessageState = (typeof MessageState)[keyof typeof MessageState];
const MessageStateJson = z.literal(Object.values(MessageState), { error: "expected a message state 0…5" });

/**
 * `messager.SendSpec` (camelCase JSON, sic). Go fills missing fields with zeros, so all are optional here;
 * the devnet accepts and ignores it.
 */
export const SendSpec = z.object({
  expireEpoch: Epoch.optional(),
  gasOverEstimation: z.number().optional(),
  maxFee: BigIntString.optional(),
  gasOverPremium: z.number().optional(),
});
export type SendSpec = z.output<typeof SendSpec>;

/** Go time.Time: RFC 3339 with up to nanoseconds, kept as text (a Date would lose the nanoseconds). */
const GoTime = z.iso.datetime({ offset: true, error: "expected an RFC 3339 time" });

/** `messager.Message`: the id, the two CIDs, the message's own fields flattened in, then chain and bookkeeping. */
export const MessagerMessage = z.object({
  ID: z.string(),
  UnsignedCid: NullableCidJson,
  SignedCid: NullableCidJson,
  // the Go type embeds types.Message: the same fields and codecs, in the same order (no CID of its own)
  ...Message.omit({ CID: true }).shape,
  Signature: Signature.nullable(),
  /** Height of the tipset holding the receipt (0 until on chain). */
  Height: SafeInt,
  /** Head − Height once on chain. */
  Confidence: SafeInt,
  Receipt: MessageReceipt.nullable(),
  TipSetKey: TipSetKeyJson,
  Meta: SendSpec.nullable(),
  WalletName: z.string(),
  State: MessageStateJson,
  ErrorMsg: z.string(),
  CreatedAt: GoTime,
  UpdatedAt: GoTime,
});
export type MessagerMessage = z.output<typeof MessagerMessage>;

export const messagerApi = defineApi("Message", {
  /** [id, message, spec] → id; a known id returns it and pushes nothing. The spec may be left out. */
  PushMessageWithId: method([z.string(), Message, SendSpec.nullable()], z.string(), "write", { optionalTail: 1 }),
  HasMessageByUid: method([z.string()], z.boolean(), "read"),
  GetMessageByUid: method([z.string()], MessagerMessage, "read"),
  /** [id, confidence]: returns once on chain with Confidence ≥ confidence. */
  WaitMessage: method([z.string(), Uint], MessagerMessage, "read"),
});

export type MessagerApi = typeof messagerApi;
