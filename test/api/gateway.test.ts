import { test } from "node:test";
import assert from "node:assert/strict";
import { CID } from "multiformats/cid";
import { z } from "zod";
import { decodeParams, type MethodDef } from "../../src/api/define.js";
import {
  ComputeProofRequest,
  ComputeProofResponse,
  ConnectedCompleted,
  decodeEventPayload,
  encodeEventPayload,
  EVENT_METHODS,
  gatewayApi,
  RequestEvent,
  ResponseEvent,
} from "../../src/api/gateway.js";
import { loadVector } from "../helpers/vectors.js";

const m = gatewayApi.methods;
const seal = loadVector("seal-2k.json").cases.find((c: { name: string }) => c.name === "2k-v1_1-random");
const COMM_R: string = seal.comm_r;
const ID = "e26f1e5c-47f7-4561-a11d-18fab6e748af";
const utf8 = (s: string) => new TextEncoder().encode(s);
const b64 = (s: string) => Buffer.from(s, "utf8").toString("base64");

function roundTrip<S extends z.ZodType>(schema: S, json: unknown): z.output<S> {
  const value = z.decode(schema, json as never);
  assert.equal(JSON.stringify(z.encode(schema, value)), JSON.stringify(json));
  return value;
}

const COMPUTE = {
  SectorInfos: [{ SealProof: 5, SectorNumber: 7, SectorKey: null, SealedCID: { "/": COMM_R } }],
  Rand: Buffer.alloc(32, 9).toString("base64"),
  Height: 4242,
  NWVersion: 28,
};

test("ListenProofEvent: InitConnect then ComputeProof requests, payload JSON inside base64", () => {
  assert.deepEqual(decodeParams(m.ListenProofEvent, [{ MinerAddress: "t01000" }]), { ok: true, value: [{ MinerAddress: "t01000" }] });
  const init = roundTrip(RequestEvent, { Id: ID, Method: "InitConnect", Payload: b64(`{"ChannelId":"${ID}"}`) });
  assert.equal(init.Method, EVENT_METHODS.InitConnect);
  assert.deepEqual(decodeEventPayload(ConnectedCompleted, init.Payload), { ChannelId: ID });

  const ev = roundTrip(m.ListenProofEvent.result, { Id: ID, Method: "ComputeProof", Payload: b64(JSON.stringify(COMPUTE)) });
  const req = decodeEventPayload(ComputeProofRequest, ev.Payload);
  assert.equal(req.Height, 4242);
  assert.equal(req.NWVersion, 28);
  assert.equal(req.SectorInfos[0]!.SectorKey, null);
  assert.ok(req.SectorInfos[0]!.SealedCID.equals(CID.parse(COMM_R)));
  assert.deepEqual(req.Rand, new Uint8Array(32).fill(9));
  // and back: the same JSON text the gateway would have sent
  assert.equal(new TextDecoder().decode(encodeEventPayload(ComputeProofRequest, req)), JSON.stringify(COMPUTE));
});

test("ResponseProofEvent: the proofs payload, or null payload with the error", () => {
  const proofs = [{ PoStProof: 2, ProofBytes: Buffer.from("devnet proof").toString("base64") }];
  const payload = encodeEventPayload(ComputeProofResponse, z.decode(ComputeProofResponse, proofs));
  assert.equal(new TextDecoder().decode(payload), JSON.stringify(proofs));
  const ok = roundTrip(ResponseEvent, { Id: ID, Payload: Buffer.from(payload).toString("base64"), Error: "" });
  const back = decodeEventPayload(ComputeProofResponse, ok.Payload!);
  assert.equal(back[0]!.PoStProof, 2);
  assert.equal(new TextDecoder().decode(back[0]!.ProofBytes), "devnet proof");
  const failed = roundTrip(ResponseEvent, { Id: ID, Payload: null, Error: "must provide sectors for winning post" });
  assert.equal(failed.Payload, null);
  assert.ok(decodeParams(m.ResponseProofEvent, [{ Id: ID, Payload: null, Error: "x" }]).ok);
});

test("bad shapes are rejected with their path", () => {
  const r = decodeParams(m.ResponseProofEvent, [{ Id: "not-a-uuid", Payload: null, Error: "" }]);
  assert.match((r as { message: string }).message, /^params\[0\]\.Id: /);
  const r2 = decodeParams(m.ListenProofEvent, [{ Miner: "t01000" }]);
  assert.match((r2 as { message: string }).message, /^params\[0\]\.MinerAddress: /);
  assert.throws(
    () => decodeEventPayload(ComputeProofRequest, utf8(JSON.stringify({ ...COMPUTE, SectorInfos: [{ ...COMPUTE.SectorInfos[0], SealedCID: "x" }] }))),
    /^Error: payload\.SectorInfos\[0\]\.SealedCID: /,
  );
  assert.throws(() => decodeEventPayload(ComputeProofRequest, utf8("{"), "ComputeProof payload"), /ComputeProof payload is not UTF-8 JSON/);
});

/** venus-shared/api/gateway/v2 perm tags. */
const PERMS: Record<string, [string, boolean]> = {
  ListenProofEvent: ["read", true],
  ResponseProofEvent: ["read", false],
  ListenMarketEvent: ["read", true],
  ResponseMarketEvent: ["read", false],
};

test("Gateway serves exactly devnet.md §6.1's methods with venus-shared's perms", () => {
  assert.equal(gatewayApi.namespace, "Gateway");
  assert.deepEqual(Object.keys(m).sort(), Object.keys(PERMS).sort());
  for (const [name, [perm, channel]] of Object.entries(PERMS)) {
    const def = (m as Record<string, MethodDef>)[name]!;
    assert.equal(def.perm, perm, name);
    assert.equal(def.channel, channel, name);
  }
});
