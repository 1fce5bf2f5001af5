// sophon-gateway proof and market events (`Gateway.*` at /rpc/v2, spec/devnet.md §6.1): a miner opens a
// channel, the gateway pushes RequestEvents on it and the miner answers each with a Response*Event. Shapes from
// `venus venus-shared/types/gateway/` and `damocles damocles-manager/modules/miner/proof_event.go`; perms from
// `venus-shared/api/gateway/v2`. An event's Payload is a JSON document carried as base64 bytes: its schemas and
// the helpers to wrap and unwrap it are here too.

import { z } from "zod";
import { defineApi, formatIssues, method } from "./define.js";
import { AddressString, Base64Bytes, Epoch, Uint } from "./codecs.js";
import { ExtendedSectorInfo, goSlice, NoResult, PoStProof, UuidString } from "./lotus-types.js";

// ---- events ----

/** `gateway.RequestEvent` as sent on a Listen*Event channel. */
export const RequestEvent = z.object({ Id: UuidString, Method: z.string(), Payload: Base64Bytes });
export type RequestEvent = z.output<typeof RequestEvent>;

/** `gateway.ResponseEvent`: Payload null and Error the reason on failure; Error "" on success. */
export const ResponseEvent = z.object({ Id: UuidString, Payload: Base64Bytes.nullable(), Error: z.string() });
export type ResponseEvent = z.output<typeof ResponseEvent>;

/** ListenProofEvent's `ProofRegisterPolicy`. */
export const ProofRegisterPolicy = z.object({ MinerAddress: AddressString });
export type ProofRegisterPolicy = z.output<typeof ProofRegisterPolicy>;

/** ListenMarketEvent's `MarketRegisterPolicy`. */
export const MarketRegisterPolicy = z.object({ Miner: AddressString });
export type MarketRegisterPolicy = z.output<typeof MarketRegisterPolicy>;

/** RequestEvent.Method values. Every channel first gets InitConnect. */
export const EVENT_METHODS = { InitConnect: "InitConnect", ComputeProof: "ComputeProof" } as const;

// ---- payloads (JSON inside RequestEvent / ResponseEvent.Payload) ----

/** InitConnect payload, `gateway.ConnectedCompleted`. */
export const ConnectedCompleted = z.object({ ChannelId: UuidString });
export type ConnectedCompleted = z.output<typeof ConnectedCompleted>;

/** ComputeProof payload, `gateway.ComputeProofRequest` (the WinningPoSt challenge, devnet.md §6.2). */
export const ComputeProofRequest = z.object({
  SectorInfos: goSlice(ExtendedSectorInfo),
  /** 32 bytes of PoSt randomness. */
  Rand: Base64Bytes,
  Height: Epoch,
  NWVersion: Uint,
});
export type ComputeProofRequest = z.output<typeof ComputeProofRequest>;

/** The answer to ComputeProof: the WinningPoSt proofs (`[]builtin.PoStProof`). */
export const ComputeProofResponse = goSlice(PoStProof);
export type ComputeProofResponse = z.output<typeof ComputeProofResponse>;

/** A payload value → the bytes of its JSON, as RequestEvent / ResponseEvent carry it. */
export function encodeEventPayload<S extends z.ZodType>(schema: S, value: z.output<S>): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(z.encode(schema, value)));
}

/** The bytes of an event payload → its value; throws naming the payload and the bad field. */
export function decodeEventPayload<S extends z.ZodType>(schema: S, bytes: Uint8Array, what = "payload"): z.output<S> {
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  } catch (e) {
    throw new Error(`${what} is not UTF-8 JSON: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
  const r = z.safeDecode(schema, json as never);
  if (!r.success) throw new Error(formatIssues(what, r.error));
  return r.data;
}

// ---- methods ----

/** Shared by `Gateway` and `VENUS_MARKET` (Damocles listens for market events on either). */
export const marketEventMethods = {
  ListenMarketEvent: method([MarketRegisterPolicy], RequestEvent, "read", { channel: true }),
  ResponseMarketEvent: method([ResponseEvent], NoResult, "read"),
};

export const gatewayApi = defineApi("Gateway", {
  ListenProofEvent: method([ProofRegisterPolicy], RequestEvent, "read", { channel: true }),
  ResponseProofEvent: method([ResponseEvent], NoResult, "read"),
  ...marketEventMethods,
});

export type GatewayApi = typeof gatewayApi;
