// The devnet's one listener (spec/devnet.md §3): Lotus `Filecoin`, droplet `VENUS_MARKET` and admin
// `Devnet` on /rpc/v1, sophon-messager `Message` on /rpc/v0, sophon-gateway `Gateway` on /rpc/v2,
// plus /healthcheck (no token) and /resource (the piece store). Every call needs a devnet token.
import type { IncomingMessage, ServerResponse } from "node:http";
import type { ServerMethods } from "../api/define.js";
import { devnetAdminApi } from "../api/devnet-admin.js";
import { gatewayApi } from "../api/gateway.js";
import { lotusApi } from "../api/lotus.js";
import { marketApi } from "../api/market.js";
import { messagerApi } from "../api/messager.js";
import { tokenAuthenticator } from "../rpc/auth.js";
import { createRpcServer, implement, type ApiBinding, type RpcLogger, type RpcServer } from "../rpc/server.js";
import type { DevnetChain, MarketViews } from "./chain.js";
import { lotusMethods } from "./lotus-api.js";

type HttpHandler = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;

/** The services beside the Lotus API, each checked against its table by its type. */
export interface DevnetServices {
  /** StateMarket* views for the Lotus API. */
  marketViews?: MarketViews;
  /** `VENUS_MARKET` on /rpc/v1. */
  market?: ServerMethods<typeof marketApi>;
  /** `Devnet` (admin) on /rpc/v1. */
  admin?: ServerMethods<typeof devnetAdminApi>;
  /** `Message` on /rpc/v0. */
  messager?: ServerMethods<typeof messagerApi>;
  /** `Gateway` on /rpc/v2. */
  gateway?: ServerMethods<typeof gatewayApi>;
  /** `/resource` (the piece store). */
  resource?: HttpHandler;
}

export interface DevnetServerOptions {
  chain: DevnetChain;
  /** jwt.secret: every call needs a token signed with it. */
  secret: Uint8Array;
  services?: DevnetServices;
  logger?: RpcLogger;
}

/**
 * Composes the routes. Registration points: each optional service of B2's (market, admin, messager,
 * gateway, resource) is served when given; an absent one leaves its namespace answering -32601.
 */
export function createDevnetServer(opts: DevnetServerOptions): RpcServer {
  const s = opts.services ?? {};
  const lotus = implement(lotusApi, lotusMethods({ chain: opts.chain, ...(s.marketViews ? { market: s.marketViews } : {}) }));
  const v1: ApiBinding[] = [lotus];
  if (s.market) v1.push(implement(marketApi, s.market));
  if (s.admin) v1.push(implement(devnetAdminApi, s.admin));
  const v0: ApiBinding[] = s.messager ? [implement(messagerApi, s.messager)] : [];
  const v2: ApiBinding[] = s.gateway ? [implement(gatewayApi, s.gateway)] : [];
  const health: HttpHandler = (_req, res) => {
    res.writeHead(200, { "Content-Type": "text/plain; charset=utf-8" });
    res.end(`ok ${opts.chain.height}\n`);
  };
  return createRpcServer({
    routes: [
      { path: "/rpc/v1", apis: v1 },
      { path: "/rpc/v0", apis: v0 },
      { path: "/rpc/v2", apis: v2 },
    ],
    authenticate: tokenAuthenticator(opts.secret),
    httpHandlers: [{ path: "/healthcheck", handler: health }, ...(s.resource ? [{ path: "/resource", handler: s.resource }] : [])],
    ...(opts.logger ? { logger: opts.logger } : {}),
  });
}
