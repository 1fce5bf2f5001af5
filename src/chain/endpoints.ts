// [Common.API] endpoints (spec/filecoin.md §19, manager.md §2.1): Venus-style multiaddrs, optionally
// written `<token>:<multiaddr>`, or http(s)/ws(s) URLs, turned into the URL a JSON-RPC client dials.
// The rules follow venus-shared's ParseApiInfo/DialArgs so a Damocles config dials the same places.
import { isIP } from "node:net";

export type ApiServiceKind = "Chain" | "Market" | "Messager" | "Gateway";

/** The RPC version each service is dialled at when the endpoint does not say (`/rpc/vN`). */
export const API_VERSION: Readonly<Record<ApiServiceKind, number>> = { Chain: 1, Market: 1, Messager: 0, Gateway: 2 };

/** `X-VENUS-API-NAMESPACE` values Venus clients send; servers may ignore them. */
export const API_NAMESPACE_HEADER = "X-VENUS-API-NAMESPACE";
export const API_NAMESPACE: Readonly<Record<ApiServiceKind, string>> = {
  Chain: "v1.FullNode",
  Market: "v1.IMarket",
  Messager: "messager.IMessager",
  Gateway: "gateway.IGateway",
};

export interface ApiEndpoint {
  /** What the client dials, e.g. `ws://127.0.0.1:1234/rpc/v1`. */
  url: string;
  /** The entry's own token, else the default token; undefined when neither is set. */
  token?: string;
  /** The `X-VENUS-API-NAMESPACE` value for this kind of service. */
  namespaceHeader: string;
}

// A JWT (header.payload.signature, signature optional) followed by ':' — venus-shared's infoWithToken.
const JWT_PREFIX = /^([A-Za-z0-9_-]+?\.[A-Za-z0-9_-]+?\.(?:[A-Za-z0-9_-]+)?):(.+)$/s;
// Any other token in front of a multiaddr: `tok:/ip4/…`. A URL (`http://…`) never matches: "//" follows its ':'.
const TOKEN_BEFORE_MULTIADDR = /^([^:/\s]+):(\/(?!\/).*)$/s;

/** Splits `<token>:<address>`; an empty token part (`:/ip4/…`) means "no own token", as in Damocles. */
export function splitApiInfo(text: string): { addr: string; token?: string } {
  const m = JWT_PREFIX.exec(text) ?? TOKEN_BEFORE_MULTIADDR.exec(text);
  if (m) return { addr: m[2]!, token: m[1]! };
  if (text.startsWith(":/")) return { addr: text.slice(1) };
  return { addr: text };
}

const bad = (text: string, why: string): RangeError =>
  new RangeError(
    `invalid API endpoint "${text}": ${why}; expected a multiaddr such as /ip4/127.0.0.1/tcp/1234 ` +
      `(optionally <token>:/ip4/…), or a URL such as http://127.0.0.1:1234 or ws://host:1234/rpc/v1`,
  );

const VERSION_RE = /^v\d+$/;

/** `/ip4|ip6|dns|dns4|dns6/<host>/tcp/<port>` plus optional `/http`, `/https`, `/ws`, `/wss`, `/tls`, `/version/vN`. */
function dialMultiaddr(text: string, addr: string, version: string): string {
  const parts = addr.split("/");
  if (!["ip4", "ip6", "dns", "dns4", "dns6"].includes(parts[1]!))
    throw bad(text, `unsupported address protocol /${parts[1]} (use /ip4, /ip6, /dns, /dns4 or /dns6)`);
  if (parts.length < 5) throw bad(text, "a multiaddr needs a host and a tcp port");
  const [, proto, host, tcp, portText, ...rest] = parts as [string, string, string, string, string, ...string[]];
  let hostPart: string;
  if (proto === "ip4") {
    if (isIP(host) !== 4) throw bad(text, `${host} is not an IPv4 address`);
    hostPart = host;
  } else if (proto === "ip6") {
    if (isIP(host) !== 6) throw bad(text, `${host} is not an IPv6 address`);
    hostPart = `[${host}]`;
  } else {
    if (!/^[A-Za-z0-9.-]+$/.test(host)) throw bad(text, `${host} is not a DNS name`);
    hostPart = host;
  }
  if (tcp !== "tcp") throw bad(text, `expected /tcp/<port> after the host, got /${tcp}`);
  const port = Number(portText);
  if (!/^\d{1,5}$/.test(portText) || port > 65535) throw bad(text, `invalid tcp port "${portText}"`);
  const seen = new Set<string>();
  for (let i = 0; i < rest.length; i++) {
    const p = rest[i]!;
    if (p === "version") {
      const v = rest[++i];
      if (v === undefined || !VERSION_RE.test(v)) throw bad(text, `/version needs a value such as v1, got ${v === undefined ? "nothing" : `"${v}"`}`);
      version = v;
    } else if (p === "http" || p === "https" || p === "ws" || p === "wss" || p === "tls") {
      seen.add(p);
    } else if (p === "" && i === rest.length - 1) {
      // a trailing slash
    } else {
      throw bad(text, `unsupported multiaddr component /${p}`);
    }
  }
  const tls = seen.has("tls");
  // venus-shared checks wss, https, ws, http in this order; /tls/ws and /tls/http are the newer spellings.
  const scheme = seen.has("wss") || (tls && seen.has("ws"))
    ? "wss"
    : seen.has("https") || (tls && seen.has("http"))
      ? "https"
      : seen.has("ws")
        ? "ws"
        : seen.has("http")
          ? "http"
          : "ws";
  return `${scheme}://${hostPart}:${port}/rpc/${version}`;
}

function dialUrl(text: string, addr: string, version: string): string {
  let u: URL;
  try {
    u = new URL(addr);
  } catch {
    throw bad(text, "not a valid URL");
  }
  if (!["http:", "https:", "ws:", "wss:"].includes(u.protocol)) throw bad(text, `unsupported URL scheme ${u.protocol}`);
  if (u.hostname === "") throw bad(text, "the URL has no host");
  const path = u.pathname.replace(/\/+$/, "");
  // Deviation from venus-shared (which would dial /rpc/v1/rpc/v1): a URL already naming its RPC path is kept.
  u.pathname = /\/rpc\/v\d+$/.test(path) ? path : `${path}/rpc/${version}`;
  return u.toString();
}

/**
 * The URL, token and namespace header for one configured endpoint. `defaultToken` (`[Common.API] Token`)
 * applies when the entry carries no token of its own; an empty default means none.
 */
export function parseApiEndpoint(text: string, kind: ApiServiceKind, defaultToken?: string): ApiEndpoint {
  if (!(kind in API_VERSION)) throw new RangeError(`unknown API service kind "${String(kind)}": accepted: ${Object.keys(API_VERSION).join(", ")}`);
  const trimmed = text.trim();
  if (trimmed === "") throw bad(text, "it is empty");
  const { addr, token } = splitApiInfo(trimmed);
  const version = `v${API_VERSION[kind]}`;
  const url = addr.startsWith("/") ? dialMultiaddr(text, addr, version) : dialUrl(text, addr, version);
  const chosen = token ?? (defaultToken === undefined || defaultToken === "" ? undefined : defaultToken);
  return { url, ...(chosen === undefined ? {} : { token: chosen }), namespaceHeader: API_NAMESPACE[kind] };
}

/** The `[Common.API]` keys that choose endpoints. */
export interface ApiEndpointsConfig {
  Chain?: string;
  Messager?: string;
  Market?: string;
  Gateway: readonly string[];
  Token: string;
}

/**
 * Where a service is reached (manager.md §2.1): its own key, else the first Gateway entry (dialled as
 * that service, with the common token, as Damocles does). null when neither is set: for Messager that
 * means "send through the chain node's MpoolPushMessage"; for Market, "no market: CC only".
 */
export function resolveApiEndpoint(api: ApiEndpointsConfig, kind: ApiServiceKind): ApiEndpoint | null {
  if (kind === "Gateway") {
    const first = api.Gateway[0];
    return first === undefined ? null : parseApiEndpoint(first, "Gateway", api.Token);
  }
  const own = api[kind];
  if (own !== undefined && own.trim() !== "") return parseApiEndpoint(own, kind, api.Token);
  const first = api.Gateway[0];
  return first === undefined ? null : parseApiEndpoint(first, kind, api.Token);
}
