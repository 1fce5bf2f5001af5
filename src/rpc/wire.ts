// JSON-RPC 2.0 message framing shared by server and client: parsing untrusted text into requests or
// responses, and building replies. go-jsonrpc field order: `jsonrpc`, `result`/`error`, `id`.

import { INVALID_REQUEST, PARSE_ERROR } from "./errors.js";

export type JsonRpcId = string | number | null;

export interface RpcRequest {
  id: JsonRpcId;
  /** False for a notification (no `id` member): it gets no reply over WebSocket. */
  hasId: boolean;
  method: string;
  /** An array for a well-formed call; anything else is answered with -32602 by the server. */
  params: unknown;
}

export interface RpcResponse {
  id: JsonRpcId;
  result?: unknown;
  error?: { code: number; message: string; data?: unknown };
}

export type Parsed =
  | { ok: true; kind: "request"; request: RpcRequest }
  | { ok: true; kind: "response"; response: RpcResponse }
  | { ok: false; id: JsonRpcId; code: number; message: string };

const utf8 = new TextDecoder("utf-8", { fatal: true });

const isId = (v: unknown): v is JsonRpcId => typeof v === "string" || typeof v === "number" || v === null;

/** Classifies one message; never throws, whatever the bytes. */
export function parseMessage(data: Uint8Array | string): Parsed {
  let text: string;
  let msg: unknown;
  try {
    text = typeof data === "string" ? data : utf8.decode(data);
    msg = JSON.parse(text);
  } catch (e) {
    return { ok: false, id: null, code: PARSE_ERROR, message: `parse error: ${e instanceof Error ? e.message.slice(0, 200) : "bad JSON"}` };
  }
  if (Array.isArray(msg)) return { ok: false, id: null, code: INVALID_REQUEST, message: "batch requests are not supported" };
  if (typeof msg !== "object" || msg === null) return { ok: false, id: null, code: INVALID_REQUEST, message: "a request must be a JSON object" };
  const m = msg as Record<string, unknown>;
  const hasId = Object.hasOwn(m, "id") && m["id"] !== undefined;
  const id = hasId ? m["id"] : null;
  if (!isId(id)) return { ok: false, id: null, code: INVALID_REQUEST, message: "id must be a number, a string or null" };
  const method = m["method"];
  if (method === undefined && (Object.hasOwn(m, "result") || Object.hasOwn(m, "error"))) {
    const err = m["error"];
    if (err !== undefined && err !== null) {
      const e = err as Record<string, unknown>;
      const code = typeof e["code"] === "number" ? e["code"] : 0;
      const message = typeof e["message"] === "string" ? e["message"] : JSON.stringify(err);
      return { ok: true, kind: "response", response: { id, error: { code, message, data: e["data"] } } };
    }
    return { ok: true, kind: "response", response: { id, result: m["result"] } };
  }
  if (typeof method !== "string") return { ok: false, id, code: INVALID_REQUEST, message: "method must be a string" };
  const params = m["params"] === undefined || m["params"] === null ? [] : m["params"];
  return { ok: true, kind: "request", request: { id, hasId, method, params } };
}

export function resultResponse(id: JsonRpcId, result: unknown): object {
  return { jsonrpc: "2.0", result: result === undefined ? null : result, id };
}

export function errorResponse(id: JsonRpcId, code: number, message: string, data?: unknown): object {
  return { jsonrpc: "2.0", id, error: data === undefined ? { code, message } : { code, message, data } };
}
