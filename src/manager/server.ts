// The manager's one HTTP server (spec/manager.md §5.2, protocols.md §1.1, §4a): the Venus API at /rpc/v0
// (HTTP POST and WebSocket), /healthcheck and /metrics (open), /piecestore/<cid> (GET read, PUT write).
//
// Auth (rule): with `Auth.Required` (default true) a request needs an HS256 token whose `Allow` covers the
// method; a request WITHOUT an Authorization header from `Auth.TrustedWorkerNetworks` may call the
// sealing-worker set and /piecestore/ only (stock damocles-worker never sends a token). A request that
// carries a token is always judged by its token, wherever it comes from.
import { createReadStream, createWriteStream } from "node:fs";
import { mkdir, rename, stat, unlink } from "node:fs/promises";
import type { IncomingMessage, ServerResponse } from "node:http";
import { BlockList, isIP } from "node:net";
import { join } from "node:path";
import { pipeline } from "node:stream/promises";
import { CID } from "multiformats/cid";
import { permAllows, type CallContext, type Perm } from "../api/define.js";
import { SEALING_WORKER_METHODS } from "../api/sealer.js";
import { AUTH_ERROR, RpcError } from "../rpc/errors.js";
import { verifyToken } from "../rpc/auth.js";
import { createRpcServer, type ApiBinding, type AuthRequest, type RpcServer } from "../rpc/server.js";
import type { CommonConfig, PieceStoreConfig } from "./config/schema.js";
import type { Logger } from "./logger.js";
import type { ManagerMetrics } from "./metrics.js";

export const RPC_PATH = "/rpc/v0";
export const PIECESTORE_PREFIX = "/piecestore/";

const ALL_PERMS: readonly Perm[] = Object.freeze(["read", "write", "sign", "admin"] as Perm[]);

export interface ManagerServerOptions {
  /** APIs served at /rpc/v0 (the Venus sealer API, later plugins). */
  apis: ApiBinding[];
  /** Read at every request, so a SIGUSR1 reload changes auth without a restart. */
  auth: () => CommonConfig["Auth"];
  /** The HMAC key of the API tokens. */
  secret: () => Uint8Array;
  /** `[[Common.PieceStores]]`, read at every request. */
  pieceStores: () => readonly PieceStoreConfig[];
  /** The market's HTTP base (`http://host:port`): /piecestore/ GETs redirect to its /resource; null without a market. */
  marketBase: () => string | null;
  metrics: ManagerMetrics;
  logger: Logger;
  /** Answered by /healthcheck (default: always healthy). */
  healthy?: () => boolean;
}

/** A CIDR list as a node BlockList; a bare address is a /32 or /128. */
export function networkList(cidrs: readonly string[]): BlockList {
  const list = new BlockList();
  for (const c of cidrs) {
    const [addr, bits] = c.split("/") as [string, string | undefined];
    const family = isIP(addr) === 6 ? "ipv6" : "ipv4";
    if (bits === undefined) list.addAddress(addr, family);
    else list.addSubnet(addr, Number(bits), family);
  }
  return list;
}

/** Whether a socket's remote address (maybe `::ffff:1.2.3.4`) is inside the list. */
export function addressInNetworks(list: BlockList, remote: string): boolean {
  const v4 = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(remote)?.[1];
  if (v4 !== undefined) return list.check(v4, "ipv4") || list.check(remote, "ipv6");
  const family = isIP(remote);
  if (family === 0) return false;
  return list.check(remote, family === 4 ? "ipv4" : "ipv6");
}

type Grant = { perms: readonly Perm[] } | { refused: "no-token" | "invalid-token" | "untrusted-network" };

/**
 * Permissions for one request. Token-less callers admitted as trusted workers get a perms array that is
 * remembered in `trusted`: the method guard recognises it (the server hands the same array to the call).
 */
async function grant(
  token: string | null,
  remote: string,
  auth: CommonConfig["Auth"],
  secret: Uint8Array,
  trusted: WeakSet<readonly Perm[]>,
): Promise<Grant> {
  if (token !== null) {
    try {
      return { perms: await verifyToken(secret, token) };
    } catch {
      return { refused: "invalid-token" };
    }
  }
  if (!auth.Required) return { perms: ALL_PERMS };
  if (auth.TrustedWorkerNetworks.length > 0 && addressInNetworks(networkList(auth.TrustedWorkerNetworks), remote)) {
    // Every level, so that the server's own permission check never answers first (with code 1): the guard
    // around every method refuses everything outside the sealing-worker set with 401, whatever its level.
    const perms: readonly Perm[] = Object.freeze([...ALL_PERMS]);
    trusted.add(perms);
    return { perms };
  }
  return { refused: auth.TrustedWorkerNetworks.length > 0 ? "untrusted-network" : "no-token" };
}

/** Every method of a binding, refusing token-less trusted callers outside the sealing-worker set with 401. */
function guardTrusted(binding: ApiBinding, trusted: WeakSet<readonly Perm[]>, onRefuse: () => void): ApiBinding {
  const impl: Record<string, (...args: never[]) => unknown> = {};
  const open = binding.api.namespace === "Venus" ? (SEALING_WORKER_METHODS as ReadonlySet<string>) : new Set<string>();
  for (const name of Object.keys(binding.api.methods)) {
    const fn = binding.impl[name] as ((...args: unknown[]) => unknown) | undefined;
    if (typeof fn !== "function") continue;
    if (open.has(name)) {
      impl[name] = fn.bind(binding.impl) as (...args: never[]) => unknown;
      continue;
    }
    impl[name] = (...args: unknown[]): unknown => {
      const ctx = args[args.length - 1] as CallContext | undefined;
      if (ctx && trusted.has(ctx.perms)) {
        onRefuse();
        throw new RpcError(AUTH_ERROR, `unauthorized: '${name}' needs a token (token-less calls may use the sealing-worker methods only)`);
      }
      return fn.apply(binding.impl, args);
    };
  }
  return { api: binding.api, impl };
}

function bearer(req: IncomingMessage): string | null {
  const m = /^Bearer\s+(.+)$/i.exec((req.headers.authorization ?? "").trim());
  return m ? m[1]!.trim() : null;
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  if (res.headersSent || res.destroyed) return;
  res.writeHead(status, { "Content-Type": "application/json" });
  res.end(JSON.stringify(body));
}

export function createManagerServer(opts: ManagerServerOptions): RpcServer {
  const trusted = new WeakSet<readonly Perm[]>();
  const log = opts.logger;
  const apis = opts.apis.map((b) => guardTrusted(opts.metrics.instrument(b), trusted, () => opts.metrics.authRejected("untrusted-method")));

  async function authenticate(req: AuthRequest): Promise<Perm[] | null> {
    const g = await grant(req.token, req.remoteAddress, opts.auth(), opts.secret(), trusted);
    if ("refused" in g) {
      opts.metrics.authRejected(g.refused);
      log.debug({ remote: req.remoteAddress, reason: g.refused }, "API call refused");
      return null;
    }
    return g.perms as Perm[];
  }

  async function pieceStore(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://localhost");
    const cidText = decodeURIComponent(url.pathname.slice(PIECESTORE_PREFIX.length));
    const write = req.method === "PUT";
    if (req.method !== "GET" && req.method !== "HEAD" && !write) {
      res.setHeader("Allow", "GET, HEAD, PUT");
      return sendJson(res, 405, { error: "piecestore supports GET, HEAD and PUT" });
    }
    const g = await grant(bearer(req), req.socket.remoteAddress ?? "", opts.auth(), opts.secret(), trusted);
    const need: Perm = write ? "write" : "read";
    if ("refused" in g || !permAllows(g.perms, need)) {
      opts.metrics.authRejected("refused" in g ? g.refused : "invalid-token");
      return sendJson(res, 401, { error: `unauthorized: /piecestore/ ${req.method} needs a token with '${need}'` });
    }
    let cid: CID;
    try {
      cid = CID.parse(cidText);
    } catch {
      return sendJson(res, 400, { error: `"${cidText.slice(0, 200)}" is not a piece CID` });
    }
    const name = cid.toString();
    const stores = opts.pieceStores();
    if (write) {
      const target = stores.find((s) => !s.ReadOnly);
      if (!target) return sendJson(res, 409, { error: "no writable [[Common.PieceStores]] entry" });
      await mkdir(target.Path, { recursive: true });
      const tmp = join(target.Path, `.${name}.${process.pid}.${Date.now()}.tmp`);
      try {
        await pipeline(req, createWriteStream(tmp, { flags: "wx" }));
        await rename(tmp, join(target.Path, name));
      } catch (e) {
        await unlink(tmp).catch(() => {});
        throw e;
      }
      return sendJson(res, 200, { stored: name, store: target.Name || target.Path });
    }
    for (const s of stores) {
      const path = join(s.Path, name);
      const st = await stat(path).catch(() => null);
      if (!st?.isFile()) continue;
      res.writeHead(200, { "Content-Type": "application/octet-stream", "Content-Length": String(st.size) });
      if (req.method === "HEAD") return void res.end();
      await pipeline(createReadStream(path), res);
      return;
    }
    const market = opts.marketBase();
    if (market !== null) {
      res.writeHead(302, { Location: `${market}/resource?resource-id=${encodeURIComponent(name)}` });
      return void res.end();
    }
    return sendJson(res, 404, { error: `piece ${name} is in no piece store` });
  }

  const server = createRpcServer({
    routes: [{ path: RPC_PATH, apis }],
    authenticate,
    logger: log,
    httpHandlers: [
      {
        path: "/healthcheck",
        handler: (_req, res) => {
          const ok = opts.healthy?.() ?? true;
          res.writeHead(ok ? 200 : 503, { "Content-Type": "text/plain" });
          res.end(ok ? "ok\n" : "unhealthy\n");
        },
      },
      {
        path: "/metrics",
        handler: async (_req, res) => {
          try {
            const m = await opts.metrics.render();
            res.writeHead(200, { "Content-Type": m.contentType });
            res.end(m.body);
          } catch (e) {
            log.error({ err: e }, "metrics collection failed");
            res.writeHead(500, { "Content-Type": "text/plain" });
            res.end("metrics collection failed\n");
          }
        },
      },
      {
        path: PIECESTORE_PREFIX,
        handler: (req, res) =>
          pieceStore(req, res).catch((e: unknown) => {
            log.error({ err: e, url: req.url }, "piecestore request failed");
            if (!res.headersSent) sendJson(res, 500, { error: "piecestore request failed" });
            else res.destroy();
          }),
      },
    ],
  });
  const listen = server.listen.bind(server);
  const close = server.close.bind(server);
  return {
    http: server.http,
    async listen(host, port) {
      const a = await listen(host, port);
      opts.metrics.setApiState(true);
      return a;
    },
    async close() {
      opts.metrics.setApiState(false);
      await close();
    },
  };
}
