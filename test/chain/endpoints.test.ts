// [Common.API] endpoints: Venus multiaddrs and URLs become the URL a client dials (spec/filecoin.md §19).
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  API_NAMESPACE,
  parseApiEndpoint,
  resolveApiEndpoint,
  splitApiInfo,
  type ApiServiceKind,
} from "../../src/chain/endpoints.js";

const KINDS: [ApiServiceKind, number][] = [
  ["Chain", 1],
  ["Market", 1],
  ["Messager", 0],
  ["Gateway", 2],
];

// A real-looking Lotus/Venus JWT (header.payload.signature).
const JWT =
  "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJBbGxvdyI6WyJyZWFkIiwid3JpdGUiXX0.kGUr8e3M6dF2Hh3XZ5tC7pX8lS0d9Yp6vJqW1nR2aBc";

test("every endpoint form, for every kind of service", () => {
  for (const [kind, n] of KINDS) {
    const cases: [string, string][] = [
      ["/ip4/127.0.0.1/tcp/1234", `ws://127.0.0.1:1234/rpc/v${n}`],
      ["/ip4/10.0.0.5/tcp/3453/", `ws://10.0.0.5:3453/rpc/v${n}`],
      ["/ip6/::1/tcp/1234", `ws://[::1]:1234/rpc/v${n}`],
      ["/dns/node.example.com/tcp/443/wss", `wss://node.example.com:443/rpc/v${n}`],
      ["/dns4/node.example.com/tcp/80/ws", `ws://node.example.com:80/rpc/v${n}`],
      ["/ip4/192.168.5.61/tcp/34531/http", `http://192.168.5.61:34531/rpc/v${n}`],
      ["/ip4/192.168.5.61/tcp/34531/https", `https://192.168.5.61:34531/rpc/v${n}`],
      ["/dns/h/tcp/1/tls/http", `https://h:1/rpc/v${n}`],
      ["/ip4/192.168.5.61/tcp/34532/version/v2", "ws://192.168.5.61:34532/rpc/v2"],
      ["/ip4/192.168.5.61/tcp/34532/http/version/v0", "http://192.168.5.61:34532/rpc/v0"],
      ["http://host:1234", `http://host:1234/rpc/v${n}`],
      ["https://host:1234/", `https://host:1234/rpc/v${n}`],
      ["ws://host:1234/", `ws://host:1234/rpc/v${n}`],
      ["wss://host/api", `wss://host/api/rpc/v${n}`],
      // A URL that already names its RPC path is kept (venus-shared would append a second /rpc/vN).
      ["http://127.0.0.1:1234/rpc/v1", "http://127.0.0.1:1234/rpc/v1"],
    ];
    for (const [text, url] of cases) {
      const ep = parseApiEndpoint(text, kind);
      assert.equal(ep.url, url, `${kind} ${text}`);
      assert.equal(ep.token, undefined, `${kind} ${text}: no token`);
      assert.equal(ep.namespaceHeader, API_NAMESPACE[kind]);
    }
  }
});

test("namespace header values are Venus' interface names", () => {
  assert.deepEqual(
    KINDS.map(([k]) => parseApiEndpoint("/ip4/127.0.0.1/tcp/1", k).namespaceHeader),
    ["v1.FullNode", "v1.IMarket", "messager.IMessager", "gateway.IGateway"],
  );
});

test("tokens: <token>:<multiaddr>, a JWT in front of a URL, the default token, an empty own token", () => {
  assert.deepEqual(parseApiEndpoint("tok:/ip4/127.0.0.1/tcp/1234", "Chain", "common"), {
    url: "ws://127.0.0.1:1234/rpc/v1",
    token: "tok",
    namespaceHeader: "v1.FullNode",
  });
  assert.deepEqual(parseApiEndpoint(`${JWT}:/ip4/10.1.1.1/tcp/45132/http`, "Gateway"), {
    url: "http://10.1.1.1:45132/rpc/v2",
    token: JWT,
    namespaceHeader: "gateway.IGateway",
  });
  assert.equal(parseApiEndpoint(`${JWT}:http://host:39812`, "Messager").url, "http://host:39812/rpc/v0");
  assert.equal(parseApiEndpoint(`${JWT}:http://host:39812`, "Messager").token, JWT);
  assert.equal(parseApiEndpoint("/ip4/127.0.0.1/tcp/1234", "Market", "common").token, "common");
  assert.equal(parseApiEndpoint("/ip4/127.0.0.1/tcp/1234", "Market", "").token, undefined);
  // Damocles: an empty token part means the common token.
  assert.equal(parseApiEndpoint(":/ip4/127.0.0.1/tcp/1234", "Chain", "common").token, "common");
  // A URL's scheme is not a token.
  assert.deepEqual(splitApiInfo("http://host:1234"), { addr: "http://host:1234" });
  assert.deepEqual(splitApiInfo("ws://h:1/rpc/v1"), { addr: "ws://h:1/rpc/v1" });
});

test("bad endpoints are errors naming the text and the problem", () => {
  const bad: [string, RegExp][] = [
    ["", /empty/],
    ["/ip4/127.0.0.1", /host and a tcp port/],
    ["/ip4/300.1.1.1/tcp/1", /not an IPv4 address/],
    ["/ip4/127.0.0.1/udp/1", /expected \/tcp/],
    ["/ip4/127.0.0.1/tcp/99999", /invalid tcp port/],
    ["/ip4/127.0.0.1/tcp/1/quic", /unsupported multiaddr component \/quic/],
    ["/ip4/127.0.0.1/tcp/1/version/1v", /\/version needs a value such as v1/],
    ["/unix/tmp/sock", /unsupported address protocol \/unix/],
    ["ftp://host", /unsupported URL scheme ftp:/],
    ["host:1234", /unsupported URL scheme host:|not a valid URL/],
    ["/ip4/{api_host}/tcp/{api_port}", /not an IPv4 address/],
  ];
  for (const [text, re] of bad) {
    assert.throws(
      () => parseApiEndpoint(text, "Chain"),
      (e: unknown) => e instanceof RangeError && re.test(e.message) && e.message.includes(`"${text}"`),
      text,
    );
  }
});

test("resolveApiEndpoint: own key, else the first Gateway entry dialled as that service, else null", () => {
  const gw = { Gateway: ["/ip4/10.0.0.1/tcp/45132"], Token: "common" };
  assert.equal(resolveApiEndpoint(gw, "Chain")!.url, "ws://10.0.0.1:45132/rpc/v1");
  assert.equal(resolveApiEndpoint(gw, "Messager")!.url, "ws://10.0.0.1:45132/rpc/v0");
  assert.equal(resolveApiEndpoint(gw, "Gateway")!.url, "ws://10.0.0.1:45132/rpc/v2");
  assert.equal(resolveApiEndpoint(gw, "Market")!.token, "common");
  const own = { ...gw, Chain: "mine:/ip4/10.0.0.2/tcp/1234" };
  assert.deepEqual(resolveApiEndpoint(own, "Chain"), { url: "ws://10.0.0.2:1234/rpc/v1", token: "mine", namespaceHeader: "v1.FullNode" });
  const chainOnly = { Gateway: [], Token: "", Chain: "http://127.0.0.1:1234/rpc/v1" };
  assert.equal(resolveApiEndpoint(chainOnly, "Messager"), null, "no messager: the chain node's mpool");
  assert.equal(resolveApiEndpoint(chainOnly, "Market"), null, "no market: CC only");
  assert.equal(resolveApiEndpoint(chainOnly, "Gateway"), null);
});
