// Typed JSON-RPC client derived from an API table (STYLE.md "Wire contracts defined once"): params are encoded
// and results decoded with the table's codecs. http(s) URLs use one POST per call; ws(s) URLs share one
// WebSocket, reconnected lazily with backoff, and carry go-jsonrpc channels.

import { WebSocket, type RawData } from "ws";
import { decodeResult, encodeParams, wireName, type ApiDef, type ClientMethods } from "../api/define.js";
import { AUTH_ERROR, METHOD_NOT_FOUND, RpcError, TransportError } from "./errors.js";
import { parseMessage, type RpcResponse } from "./wire.js";

export interface RpcClientOptions {
  /** Full endpoint URL including the path, e.g. `http://127.0.0.1:1234/rpc/v1` or `ws://…/rpc/v0`. */
  url: string;
  token?: string;
  headers?: Record<string, string>;
  /** Per call, from the call until the response (including waiting for a WebSocket to connect). */
  timeoutMs?: number;
  /** Backoff between WebSocket connection attempts after a failure: doubles from minMs up to maxMs. */
  reconnect?: { minMs: number; maxMs: number };
}

export type RpcClient<A extends ApiDef> = ClientMethods<A> & { close(): Promise<void> };

const DEFAULT_RECONNECT = { minMs: 100, maxMs: 10_000 };
const CH_VAL = "xrpc.ch.val";
const CH_CLOSE = "xrpc.ch.close";
const CANCEL = "xrpc.cancel";

interface Transport {
  call(method: string, params: unknown[]): Promise<unknown>;
  channel(method: string, params: unknown[], decode: (json: unknown) => unknown): Promise<AsyncIterable<unknown>>;
  close(): Promise<void>;
}

export function rpcClient<A extends ApiDef>(api: A, opts: RpcClientOptions): RpcClient<A> {
  const transport = openTransport(opts);
  const out: Record<string, unknown> = {};
  for (const [name, def] of Object.entries(api.methods)) {
    const wire = wireName(api, name);
    out[name] = async (...args: unknown[]): Promise<unknown> => {
      const params = encodeParams(def, args);
      if (!params.ok) throw new TypeError(`${wire}: ${params.message}`);
      if (def.channel) {
        return transport.channel(wire, params.value, (json) => {
          const v = decodeResult(def, json);
          if (!v.ok) throw new TransportError("bad-response", `${wire}: channel value: ${v.message}`);
          return v.value;
        });
      }
      const json = await transport.call(wire, params.value);
      const v = decodeResult(def, json);
      if (!v.ok) throw new TransportError("bad-response", `${wire}: ${v.message}`);
      return v.value;
    };
  }
  out["close"] = () => transport.close();
  return out as RpcClient<A>;
}

/** One raw call (params and result as JSON) over HTTP or a one-off WebSocket; throws RpcError for an error reply. */
export async function rpcCall(
  url: string,
  method: string,
  params: unknown[],
  opts: Omit<RpcClientOptions, "url" | "reconnect"> = {},
): Promise<unknown> {
  const t = openTransport({ ...opts, url });
  try {
    return await t.call(method, params);
  } finally {
    await t.close();
  }
}

function openTransport(opts: RpcClientOptions): Transport {
  let u: URL;
  try {
    u = new URL(opts.url);
  } catch {
    throw new RangeError(`rpc url "${opts.url}" must be an http(s):// or ws(s):// URL`);
  }
  const headers: Record<string, string> = { ...opts.headers };
  if (opts.token !== undefined) headers["Authorization"] = `Bearer ${opts.token}`;
  if (u.protocol === "http:" || u.protocol === "https:") return httpTransport(opts.url, headers, opts.timeoutMs);
  if (u.protocol === "ws:" || u.protocol === "wss:") return new WsTransport(opts.url, headers, opts.timeoutMs, opts.reconnect ?? DEFAULT_RECONNECT);
  throw new RangeError(`rpc url "${opts.url}" must be an http(s):// or ws(s):// URL`);
}

function settle(r: RpcResponse, method: string): unknown {
  if (r.error) throw new RpcError(r.error.code, r.error.message, r.error.data);
  if (!("result" in r)) throw new TransportError("bad-response", `${method}: response has neither result nor error`);
  return r.result;
}

function httpTransport(url: string, headers: Record<string, string>, timeoutMs: number | undefined): Transport {
  let nextId = 1;
  return {
    async call(method, params) {
      const body = JSON.stringify({ jsonrpc: "2.0", id: nextId++, method, params });
      const signal = timeoutMs === undefined ? undefined : AbortSignal.timeout(timeoutMs);
      let status: number;
      let text: string;
      try {
        const res = await fetch(url, { method: "POST", headers: { "Content-Type": "application/json", ...headers }, body, signal });
        status = res.status;
        text = await res.text();
      } catch (e) {
        if (signal?.aborted) throw new TransportError("timeout", `${method}: no response within ${timeoutMs} ms`, { cause: e });
        throw new TransportError("network", `${method}: ${url}: ${(e as Error).message}`, { cause: e });
      }
      // The body is a JSON-RPC object whatever the HTTP status (spec/protocols.md §1.1).
      const p = parseMessage(text);
      if (!p.ok || p.kind !== "response") {
        throw new TransportError("bad-response", `${method}: HTTP ${status} without a JSON-RPC response: ${text.slice(0, 200)}`);
      }
      return settle(p.response, method);
    },
    async channel(method) {
      throw new RpcError(METHOD_NOT_FOUND, `${method} returns a channel and needs a ws:// URL`);
    },
    async close() {},
  };
}

interface Pending {
  method: string;
  resolve(v: unknown): void;
  reject(e: Error): void;
  /** Set for a channel call: the channel is registered as soon as its id arrives. */
  decode?: (json: unknown) => unknown;
}

class WsTransport implements Transport {
  private ws: WebSocket | null = null;
  private opening: Promise<WebSocket> | null = null;
  private closed = false;
  private failures = 0;
  private notBefore = 0;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly channels = new Map<number, Channel>();

  constructor(
    private readonly url: string,
    private readonly headers: Record<string, string>,
    private readonly timeoutMs: number | undefined,
    private readonly backoff: { minMs: number; maxMs: number },
  ) {}

  call(method: string, params: unknown[]): Promise<unknown> {
    return this.request(method, params);
  }

  async channel(method: string, params: unknown[], decode: (json: unknown) => unknown): Promise<AsyncIterable<unknown>> {
    return (await this.request(method, params, decode)) as AsyncIterable<unknown>;
  }

  async close(): Promise<void> {
    this.closed = true;
    const ws = this.ws;
    this.drop(new TransportError("closed", "client closed"));
    if (ws && ws.readyState !== WebSocket.CLOSED) {
      await new Promise<void>((resolve) => {
        ws.once("close", () => resolve());
        ws.close();
        setTimeout(() => {
          ws.terminate();
          resolve();
        }, 1000).unref();
      });
    }
  }

  private request(method: string, params: unknown[], decode?: (json: unknown) => unknown): Promise<unknown> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const done = (): void => {
        clearTimeout(timer);
        this.pending.delete(id);
      };
      const p: Pending = {
        method,
        decode,
        resolve: (v) => (done(), resolve(v)),
        reject: (e) => (done(), reject(e)),
      };
      if (this.timeoutMs !== undefined) {
        timer = setTimeout(() => {
          if (!this.pending.has(id)) return;
          p.reject(new TransportError("timeout", `${method}: no response within ${this.timeoutMs} ms`));
          this.sendQuiet({ jsonrpc: "2.0", method: CANCEL, params: [id] });
        }, this.timeoutMs);
      }
      this.pending.set(id, p);
      this.socket().then(
        (ws) => {
          if (!this.pending.has(id)) return;
          ws.send(JSON.stringify({ jsonrpc: "2.0", id, method, params }), (err) => {
            if (err) p.reject(new TransportError("network", `${method}: ${err.message}`, { cause: err }));
          });
        },
        (e: Error) => p.reject(e),
      );
    });
  }

  private sendQuiet(obj: object): void {
    if (this.ws?.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(obj), () => {});
  }

  /** The open socket, connecting first (after the backoff delay when the last attempt failed). */
  private socket(): Promise<WebSocket> {
    if (this.closed) return Promise.reject(new TransportError("closed", "client closed"));
    if (this.ws?.readyState === WebSocket.OPEN) return Promise.resolve(this.ws);
    this.opening ??= this.connect().finally(() => (this.opening = null));
    return this.opening;
  }

  private async connect(): Promise<WebSocket> {
    const wait = this.notBefore - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait).unref());
    if (this.closed) throw new TransportError("closed", "client closed");
    const ws = new WebSocket(this.url, { headers: this.headers, handshakeTimeout: this.timeoutMs });
    try {
      await new Promise<void>((resolve, reject) => {
        ws.once("open", () => resolve());
        ws.once("error", reject);
      });
    } catch (e) {
      this.failures++;
      this.notBefore = Date.now() + Math.min(this.backoff.maxMs, this.backoff.minMs * 2 ** (this.failures - 1));
      ws.on("error", () => {});
      ws.terminate();
      const msg = (e as Error).message;
      if (/Unexpected server response: 401/.test(msg)) throw new RpcError(AUTH_ERROR, `${this.url}: unauthorized`);
      throw new TransportError("network", `${this.url}: ${msg}`, { cause: e });
    }
    if (this.closed) {
      ws.terminate();
      throw new TransportError("closed", "client closed");
    }
    this.failures = 0;
    this.notBefore = 0;
    this.ws = ws;
    ws.on("error", () => {}); // the close event that follows does the cleanup
    ws.on("message", (data: RawData) => this.onMessage(data));
    ws.on("close", () => {
      if (this.ws === ws) {
        this.ws = null;
        this.drop(new TransportError("closed", `${this.url}: connection lost`));
      }
    });
    return ws;
  }

  /** Fails every pending call and ends every channel (the caller may retry on a new connection). */
  private drop(err: TransportError): void {
    for (const p of [...this.pending.values()]) p.reject(err);
    for (const ch of [...this.channels.values()]) ch.end();
    this.channels.clear();
  }

  private onMessage(data: RawData): void {
    const buf = Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
    const m = parseMessage(buf);
    if (!m.ok) return;
    if (m.kind === "response") {
      const id = m.response.id;
      const p = typeof id === "number" ? this.pending.get(id) : undefined;
      if (!p) return;
      try {
        const result = settle(m.response, p.method);
        if (p.decode) {
          if (typeof result !== "number") throw new TransportError("bad-response", `${p.method}: expected a channel id, got ${JSON.stringify(result)}`);
          p.resolve(this.openChannel(result, id as number, p.decode));
        } else p.resolve(result);
      } catch (e) {
        p.reject(e as Error);
      }
      return;
    }
    const { method, params } = m.request;
    if (!Array.isArray(params) || typeof params[0] !== "number") return;
    const ch = this.channels.get(params[0]);
    if (!ch) return;
    if (method === CH_VAL) ch.push(params[1]);
    else if (method === CH_CLOSE) {
      this.channels.delete(params[0]);
      ch.end();
    }
  }

  private openChannel(chId: number, requestId: number, decode: (json: unknown) => unknown): AsyncIterable<unknown> {
    const ch = new Channel(decode, () => {
      if (this.channels.get(chId) === ch) {
        this.channels.delete(chId);
        this.sendQuiet({ jsonrpc: "2.0", method: CANCEL, params: [requestId] });
      }
    });
    this.channels.set(chId, ch);
    return ch;
  }
}

/** A pushed sequence read as an AsyncIterable; returning early tells the server to stop. */
class Channel implements AsyncIterable<unknown> {
  private readonly queue: unknown[] = [];
  private waiter: { resolve(r: IteratorResult<unknown>): void; reject(e: unknown): void } | null = null;
  private ended = false;
  private failed: unknown = undefined;

  constructor(
    private readonly decode: (json: unknown) => unknown,
    private readonly onReturn: () => void,
  ) {}

  push(json: unknown): void {
    if (this.ended) return;
    let v: unknown;
    try {
      v = this.decode(json);
    } catch (e) {
      this.failed = e;
      this.end();
      this.onReturn();
      return;
    }
    if (this.waiter) {
      const w = this.waiter;
      this.waiter = null;
      w.resolve({ value: v, done: false });
    } else this.queue.push(v);
  }

  end(): void {
    this.ended = true;
    const w = this.waiter;
    this.waiter = null;
    if (!w) return;
    if (this.failed === undefined) return w.resolve({ value: undefined, done: true });
    const f = this.failed;
    this.failed = undefined;
    w.reject(f);
  }

  [Symbol.asyncIterator](): AsyncIterator<unknown> {
    return {
      next: () => {
        if (this.queue.length > 0) return Promise.resolve({ value: this.queue.shift(), done: false });
        if (this.ended) {
          if (this.failed !== undefined) {
            const f = this.failed;
            this.failed = undefined;
            return Promise.reject(f);
          }
          return Promise.resolve({ value: undefined, done: true });
        }
        return new Promise((resolve, reject) => (this.waiter = { resolve, reject }));
      },
      return: () => {
        this.queue.length = 0;
        if (!this.ended) {
          this.end();
          this.onReturn();
        }
        return Promise.resolve({ value: undefined, done: true });
      },
    };
  }
}
