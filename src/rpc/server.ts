// JSON-RPC 2.0 server over HTTP POST and WebSocket with go-jsonrpc's conventions (spec/devnet.md §3,
// spec/protocols.md §1.1–§1.3): positional params, `result` always present, a JSON-RPC error body whatever the
// HTTP status, bearer-token auth, and go-jsonrpc channels (`xrpc.ch.val` / `xrpc.ch.close` / `xrpc.cancel`)
// over WebSocket. Nothing a client sends may crash the process: every path ends in a JSON-RPC error.

import { setMaxListeners } from "node:events";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Duplex } from "node:stream";
import { WebSocket, WebSocketServer, type RawData } from "ws";
import {
  PERMS,
  decodeParams,
  encodeResult,
  permAllows,
  wireName,
  type ApiDef,
  type CallContext,
  type MethodDef,
  type Perm,
  type ServerMethods,
} from "../api/define.js";
import {
  AUTH_ERROR,
  INTERNAL_ERROR,
  INVALID_PARAMS,
  INVALID_REQUEST,
  METHOD_ERROR,
  METHOD_NOT_FOUND,
  PARSE_ERROR,
  RpcError,
} from "./errors.js";
import { errorResponse, parseMessage, resultResponse, type JsonRpcId, type RpcRequest } from "./wire.js";

export const DEFAULT_MAX_BODY_BYTES = 100 * 1024 * 1024;
/** How much of a refused request's body is read to echo its id in the 401. */
const REFUSED_BODY_BYTES = 64 * 1024;
const CH_VAL = "xrpc.ch.val";
const CH_CLOSE = "xrpc.ch.close";
const CANCEL = "xrpc.cancel";

export interface RpcLogger {
  warn(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

/** One API served on a route; build it with `implement` so the implementation is checked against the table. */
export interface ApiBinding {
  api: ApiDef;
  impl: { readonly [method: string]: (...args: never[]) => unknown };
}

export function implement<A extends ApiDef>(api: A, impl: ServerMethods<A>): ApiBinding {
  return { api, impl: impl as ApiBinding["impl"] };
}

export interface AuthRequest {
  /** The bearer token, or null when the request carried none. */
  token: string | null;
  remoteAddress: string;
  path: string;
}

export interface RpcServerOptions {
  routes: { path: string; apis: ApiBinding[] }[];
  /** Permissions of a request, or null to refuse it with 401. Without it every request holds every permission. */
  authenticate?: (req: AuthRequest) => Promise<Perm[] | null>;
  /** Overrides a method's level (default: its MethodDef perm). */
  permissionFor?: (namespace: string, method: string) => Perm;
  /** Extra plain-HTTP routes (`/healthcheck`, `/resource`); a path ending in "/" matches as a prefix. */
  httpHandlers?: { path: string; handler: (req: IncomingMessage, res: ServerResponse) => void | Promise<void> }[];
  maxBodyBytes?: number;
  logger?: RpcLogger;
}

export interface RpcServer {
  readonly http: Server;
  listen(host: string, port: number): Promise<{ host: string; port: number }>;
  /** Stops listening, closes WebSocket connections, ends channels and aborts pending calls. */
  close(): Promise<void>;
}

interface Entry {
  wire: string;
  namespace: string;
  name: string;
  def: MethodDef;
  fn: (...args: unknown[]) => unknown;
}

type Route = Map<string, Entry>;

/** Where a call came from and how its answer leaves. */
interface Caller {
  transport: "http" | "ws";
  perms: readonly Perm[];
  remoteAddress: string;
}

type Reply = { status: number; body: object } | { channel: AsyncIterable<unknown>; entry: Entry };

const NOOP_LOGGER: RpcLogger = { warn() {}, info() {}, error() {} };

const statusFor = (code: number): number => (code === AUTH_ERROR ? 401 : code < 0 ? 500 : 200);

const errorMessage = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/** Method names are echoed in errors; a hostile one must not make the reply huge. */
const shortName = (s: string): string => (s.length > 200 ? `${s.slice(0, 200)}…` : s);

function bearerToken(req: IncomingMessage, allowQuery: boolean): string | null {
  const h = req.headers.authorization;
  if (typeof h === "string") {
    const m = /^Bearer\s+(.+)$/i.exec(h.trim());
    if (m) return m[1]!.trim();
  }
  if (allowQuery) {
    const q = new URL(req.url ?? "/", "http://localhost").searchParams.get("token");
    if (q) return q;
  }
  return null;
}

function pathOf(req: IncomingMessage): string | null {
  try {
    return new URL(req.url ?? "/", "http://localhost").pathname;
  } catch {
    return null;
  }
}

function buildRoutes(routes: RpcServerOptions["routes"]): Map<string, Route> {
  const out = new Map<string, Route>();
  for (const r of routes) {
    const table: Route = out.get(r.path) ?? new Map();
    out.set(r.path, table);
    for (const { api, impl } of r.apis) {
      for (const [name, def] of Object.entries(api.methods)) {
        const fn = impl[name];
        if (typeof fn !== "function") throw new TypeError(`${wireName(api, name)} on ${r.path} has no implementation`);
        const wire = wireName(api, name);
        if (table.has(wire)) throw new TypeError(`${wire} is served twice on ${r.path}`);
        table.set(wire, { wire, namespace: api.namespace, name, def, fn: fn.bind(impl) as Entry["fn"] });
      }
    }
  }
  return out;
}

export function createRpcServer(opts: RpcServerOptions): RpcServer {
  const routes = buildRoutes(opts.routes);
  const maxBody = opts.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const log = opts.logger ?? NOOP_LOGGER;
  const authenticate = opts.authenticate ?? (async () => [...PERMS]);
  const httpHandlers = opts.httpHandlers ?? [];
  /** Aborted on close(): every call's signal follows it. */
  const life = new AbortController();
  setMaxListeners(0, life.signal); // one listener per in-flight call or connection, by design
  const sockets = new Set<WebSocket>();
  const wss = new WebSocketServer({ noServer: true, maxPayload: maxBody });
  const http = createServer();

  async function auth(req: IncomingMessage, path: string, allowQuery: boolean): Promise<Perm[] | null> {
    return authenticate({ token: bearerToken(req, allowQuery), remoteAddress: req.socket.remoteAddress ?? "", path });
  }

  // ---- the call itself, shared by both transports ----

  async function call(route: Route, rq: RpcRequest, caller: Caller, signal: AbortSignal): Promise<Reply> {
    const id = rq.id;
    const fail = (code: number, message: string, data?: unknown): Reply => ({ status: statusFor(code), body: errorResponse(id, code, message, data) });
    const entry = route.get(rq.method);
    if (!entry) return fail(METHOD_NOT_FOUND, `method '${shortName(rq.method)}' not found`);
    if (entry.def.channel && caller.transport === "http") {
      return fail(METHOD_NOT_FOUND, `method '${rq.method}' returns a channel and needs a WebSocket connection`);
    }
    const need = opts.permissionFor?.(entry.namespace, entry.name) ?? entry.def.perm;
    if (!permAllows(caller.perms, need)) return fail(METHOD_ERROR, `missing permission to invoke '${entry.name}' (need '${need}')`);
    if (!Array.isArray(rq.params)) return fail(INVALID_PARAMS, "params must be a positional array");
    const args = decodeParams(entry.def, rq.params);
    if (!args.ok) return fail(INVALID_PARAMS, args.message);
    const ctx: CallContext = { perms: caller.perms, signal, remoteAddress: caller.remoteAddress, transport: caller.transport };
    let value: unknown;
    try {
      // A handler of a null-result method may return undefined (Go's nil Meta).
      value = (await entry.fn(...args.value, ctx)) ?? null;
    } catch (e) {
      if (e instanceof RpcError) return fail(e.code, e.message, e.data);
      return fail(METHOD_ERROR, errorMessage(e));
    }
    if (entry.def.channel) {
      if (value === null || typeof value !== "object" || typeof (value as AsyncIterable<unknown>)[Symbol.asyncIterator] !== "function") {
        log.error({ method: rq.method }, "channel method did not return an AsyncIterable");
        return fail(INTERNAL_ERROR, `${rq.method}: internal error: no channel`);
      }
      return { channel: value as AsyncIterable<unknown>, entry };
    }
    const enc = encodeResult(entry.def, value);
    if (!enc.ok) {
      log.error({ method: rq.method, issue: enc.message }, "method result does not match its schema");
      return fail(INTERNAL_ERROR, `${rq.method}: result could not be encoded`);
    }
    return { status: 200, body: resultResponse(id, enc.value) };
  }

  /** JSON text for a reply; a value JSON cannot carry becomes -32603 rather than a thrown error. */
  function serialize(id: JsonRpcId, body: object): { text: string; status?: number } {
    try {
      return { text: JSON.stringify(body) };
    } catch (e) {
      log.error({ err: errorMessage(e) }, "reply could not be serialized");
      return { text: JSON.stringify(errorResponse(id, INTERNAL_ERROR, "result could not be serialized")), status: 500 };
    }
  }

  // ---- HTTP ----

  function sendHttp(res: ServerResponse, status: number, body: object, id: JsonRpcId = null, close = false): void {
    if (res.headersSent || res.destroyed) return;
    const s = serialize(id, body);
    const headers: Record<string, string> = { "Content-Type": "application/json" };
    if (close) headers["Connection"] = "close";
    res.writeHead(s.status ?? status, headers);
    res.end(s.text);
  }

  async function onHttp(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = pathOf(req);
    if (path === null) return sendHttp(res, 400, errorResponse(null, INVALID_REQUEST, "bad request URL"));
    const extra = httpHandlers.find((h) => h.path === path || (h.path.endsWith("/") && path.startsWith(h.path)));
    if (extra) return extra.handler(req, res);
    const route = routes.get(path);
    if (!route) return sendHttp(res, 404, errorResponse(null, INVALID_REQUEST, `no JSON-RPC endpoint at ${shortName(path)}`));
    if (req.method !== "POST") {
      res.setHeader("Allow", "POST");
      return sendHttp(res, 405, errorResponse(null, INVALID_REQUEST, "JSON-RPC over HTTP needs POST"));
    }
    const perms = await auth(req, path, false);
    if (perms === null) {
      const body = await readBody(req, REFUSED_BODY_BYTES);
      const id = body.ok ? idOf(body.data) : null;
      return sendHttp(res, 401, errorResponse(id, AUTH_ERROR, "unauthorized: missing or invalid token"), id, !body.ok);
    }
    const body = await readBody(req, maxBody);
    if (!body.ok) {
      if (body.reason === "too-large") log.warn({ path, limit: maxBody }, "request body too large");
      return sendHttp(res, 500, errorResponse(null, PARSE_ERROR, `parse error: request body larger than ${maxBody} bytes`), null, true);
    }
    const parsed = parseMessage(body.data);
    if (!parsed.ok) return sendHttp(res, statusFor(parsed.code), errorResponse(parsed.id, parsed.code, parsed.message), parsed.id);
    if (parsed.kind !== "request") {
      return sendHttp(res, 500, errorResponse(null, INVALID_REQUEST, "expected a request (a method call)"));
    }
    const rq = parsed.request;
    const ac = new AbortController();
    const onLife = (): void => ac.abort(life.signal.reason);
    life.signal.addEventListener("abort", onLife);
    res.on("close", () => {
      if (!res.writableFinished) ac.abort(new Error("client went away"));
    });
    try {
      const reply = await call(route, rq, { transport: "http", perms, remoteAddress: req.socket.remoteAddress ?? "" }, ac.signal);
      // Channels never reach here over HTTP (call answers -32601 first).
      if ("status" in reply) sendHttp(res, reply.status, reply.body, rq.id);
    } finally {
      life.signal.removeEventListener("abort", onLife);
    }
  }

  http.on("request", (req, res) => {
    onHttp(req, res).catch((e: unknown) => {
      log.error({ err: errorMessage(e), url: req.url }, "HTTP request handler failed");
      sendHttp(res, 500, errorResponse(null, INTERNAL_ERROR, "internal error"));
    });
  });

  // ---- WebSocket ----

  http.on("upgrade", (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on("error", () => {});
    onUpgrade(req, socket, head).catch((e: unknown) => {
      log.error({ err: errorMessage(e), url: req.url }, "WebSocket upgrade failed");
      refuseUpgrade(socket, 500, errorResponse(null, INTERNAL_ERROR, "internal error"));
    });
  });

  function refuseUpgrade(socket: Duplex, status: number, body: object): void {
    if (socket.destroyed) return;
    const text = JSON.stringify(body);
    const reason = status === 401 ? "Unauthorized" : status === 404 ? "Not Found" : "Error";
    socket.end(
      `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(text)}\r\nConnection: close\r\n\r\n${text}`,
    );
  }

  async function onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const path = pathOf(req);
    const route = path === null ? undefined : routes.get(path);
    if (!route || path === null || life.signal.aborted) {
      return refuseUpgrade(socket, 404, errorResponse(null, INVALID_REQUEST, "no JSON-RPC endpoint here"));
    }
    const perms = await auth(req, path, true);
    if (perms === null) return refuseUpgrade(socket, 401, errorResponse(null, AUTH_ERROR, "unauthorized: missing or invalid token"));
    if (socket.destroyed || life.signal.aborted) return;
    wss.handleUpgrade(req, socket, head, (ws) => {
      serveSocket(ws, route, { transport: "ws", perms, remoteAddress: req.socket.remoteAddress ?? "" });
    });
  }

  function serveSocket(ws: WebSocket, route: Route, caller: Caller): void {
    sockets.add(ws);
    const conn = new AbortController();
    setMaxListeners(0, conn.signal);
    const onLife = (): void => conn.abort(life.signal.reason);
    life.signal.addEventListener("abort", onLife);
    /** In-flight calls and open channels by request id, for xrpc.cancel. */
    const inflight = new Map<string, AbortController>();
    let nextChannel = 1;

    const send = (obj: object, id: JsonRpcId = null): Promise<void> =>
      new Promise((resolve) => {
        if (ws.readyState !== WebSocket.OPEN) return resolve();
        const s = serialize(id, obj);
        ws.send(s.text, () => resolve());
      });

    ws.on("error", (e) => log.warn({ err: errorMessage(e) }, "WebSocket error"));
    ws.on("close", () => {
      sockets.delete(ws);
      life.signal.removeEventListener("abort", onLife);
      conn.abort(new Error("connection closed"));
    });
    ws.on("message", (data: RawData) => {
      onMessage(data).catch((e: unknown) => log.error({ err: errorMessage(e) }, "WebSocket message handler failed"));
    });

    async function onMessage(data: RawData): Promise<void> {
      const parsed = parseMessage(toBuffer(data));
      if (!parsed.ok) return send(errorResponse(parsed.id, parsed.code, parsed.message));
      if (parsed.kind === "response") return; // we never call the client
      const rq = parsed.request;
      if (rq.method === CANCEL) {
        const target = Array.isArray(rq.params) ? rq.params[0] : undefined;
        if (typeof target === "number" || typeof target === "string") inflight.get(idKey(target))?.abort(new Error("cancelled"));
        return;
      }
      if (rq.method.startsWith("xrpc.") && !rq.hasId) return; // client-side channel notifications: none are served
      if (conn.signal.aborted) return;
      const key = rq.hasId ? idKey(rq.id) : null;
      const ac = new AbortController();
      const onConn = (): void => ac.abort(conn.signal.reason);
      conn.signal.addEventListener("abort", onConn);
      if (key !== null) inflight.set(key, ac);
      try {
        const reply = await call(route, rq, caller, ac.signal);
        if ("status" in reply) {
          if (rq.hasId) await send(reply.body, rq.id);
          return;
        }
        const chId = nextChannel++;
        if (rq.hasId) await send(resultResponse(rq.id, chId));
        await pump(chId, reply.channel, reply.entry, ac.signal);
      } finally {
        conn.signal.removeEventListener("abort", onConn);
        if (key !== null && inflight.get(key) === ac) inflight.delete(key);
      }
    }

    /** Sends each value as xrpc.ch.val until the iterable ends, the call is cancelled or the socket closes. */
    async function pump(chId: number, iterable: AsyncIterable<unknown>, entry: Entry, signal: AbortSignal): Promise<void> {
      const it = iterable[Symbol.asyncIterator]();
      const stopped = new Promise<"stop">((resolve) => {
        if (signal.aborted) resolve("stop");
        else signal.addEventListener("abort", () => resolve("stop"), { once: true });
      });
      const method = entry.wire;
      let finished = false;
      try {
        while (!signal.aborted) {
          const next = await Promise.race([it.next(), stopped]);
          if (next === "stop") break;
          if (next.done) {
            finished = true;
            break;
          }
          const enc = encodeResult(entry.def, next.value);
          if (!enc.ok) {
            log.error({ method, issue: enc.message }, "channel value does not match its schema; closing the channel");
            break;
          }
          await send({ jsonrpc: "2.0", method: CH_VAL, params: [chId, enc.value] });
        }
      } catch (e) {
        log.warn({ method, err: errorMessage(e) }, "channel source failed; closing the channel");
        finished = true;
      } finally {
        if (!finished) {
          // Not awaited: an async generator parked in `await` only returns once that await settles.
          Promise.resolve()
            .then(() => it.return?.())
            .catch(() => {});
        }
        await send({ jsonrpc: "2.0", method: CH_CLOSE, params: [chId] });
      }
    }
  }

  return {
    http,
    listen(host, port) {
      return new Promise((resolve, reject) => {
        const onError = (e: Error): void => reject(e);
        http.once("error", onError);
        http.listen(port, host, () => {
          http.off("error", onError);
          const a = http.address() as AddressInfo;
          resolve({ host: a.address, port: a.port });
        });
      });
    },
    async close() {
      life.abort(new Error("server closing"));
      const closed = new Promise<void>((resolve) => {
        if (!http.listening) return resolve();
        http.close(() => resolve());
      });
      for (const ws of sockets) ws.terminate();
      http.closeAllConnections();
      await closed;
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}

function toBuffer(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}

function idKey(id: JsonRpcId): string {
  return `${typeof id}:${String(id)}`;
}

/** The id of a request body, if it parses; for echoing in a refusal. */
function idOf(body: Buffer): JsonRpcId {
  const p = parseMessage(body);
  return p.ok ? (p.kind === "request" ? p.request.id : null) : p.id;
}

type BodyResult = { ok: true; data: Buffer } | { ok: false; reason: "too-large" | "aborted" };

function readBody(req: IncomingMessage, limit: number): Promise<BodyResult> {
  return new Promise((resolve) => {
    const declared = Number(req.headers["content-length"]);
    if (Number.isFinite(declared) && declared > limit) {
      req.resume();
      return resolve({ ok: false, reason: "too-large" });
    }
    const chunks: Buffer[] = [];
    let total = 0;
    let done = false;
    const finish = (r: BodyResult): void => {
      if (done) return;
      done = true;
      req.off("data", onData);
      resolve(r);
    };
    const onData = (chunk: Buffer): void => {
      total += chunk.length;
      if (total > limit) {
        chunks.length = 0;
        finish({ ok: false, reason: "too-large" });
        // Keep reading into nothing so the client, still sending, gets to read the refusal.
        req.resume();
        return;
      }
      chunks.push(chunk);
    };
    req.on("data", onData);
    req.on("end", () => finish({ ok: true, data: Buffer.concat(chunks, total) }));
    req.on("error", () => finish({ ok: false, reason: "aborted" }));
    req.on("close", () => finish({ ok: false, reason: "aborted" }));
  });
}
