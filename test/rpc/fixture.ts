// A running test server plus raw HTTP / WebSocket helpers for the rpc tests.
import type { TestContext } from "node:test";
import { WebSocket } from "ws";
import { allowUpTo, createToken, randomSecret, tokenAuthenticator } from "../../src/rpc/auth.js";
import { createRpcServer, implement, type RpcServer, type RpcServerOptions } from "../../src/rpc/server.js";
import { newProbe, otherApi, testApi, testImpl, type Probe } from "./test-api.js";

export interface Fixture {
  server: RpcServer;
  port: number;
  http: string;
  ws: string;
  probe: Probe;
  logged: string[];
  tokens: { read: string; write: string; sign: string; admin: string; expired: string; foreign: string };
}

export async function startServer(t: TestContext, over: Partial<RpcServerOptions> = {}, port = 0): Promise<Fixture> {
  const secret = randomSecret();
  const probe = newProbe();
  const logged: string[] = [];
  const server = createRpcServer({
    routes: [
      { path: "/rpc/v1", apis: [implement(testApi, testImpl(probe))] },
      { path: "/rpc/v0", apis: [implement(otherApi, { Ping: () => "pong" })] },
    ],
    authenticate: tokenAuthenticator(secret),
    httpHandlers: [
      {
        path: "/healthcheck",
        handler: (_req, res) => {
          res.writeHead(200);
          res.end("ok");
        },
      },
    ],
    logger: { warn: (_o, m) => logged.push(`warn: ${m}`), info: () => {}, error: (_o, m) => logged.push(`error: ${m}`) },
    ...over,
  });
  const addr = await server.listen("127.0.0.1", port);
  t.after(() => server.close());
  const tokens = {
    read: await createToken(secret, allowUpTo("read")),
    write: await createToken(secret, allowUpTo("write")),
    sign: await createToken(secret, allowUpTo("sign")),
    admin: await createToken(secret, allowUpTo("admin")),
    expired: await createToken(secret, allowUpTo("admin"), { expiresInSeconds: -60 }),
    foreign: await createToken(randomSecret(), allowUpTo("admin")),
  };
  return {
    server,
    port: addr.port,
    http: `http://127.0.0.1:${addr.port}`,
    ws: `ws://127.0.0.1:${addr.port}`,
    probe,
    logged,
    tokens,
  };
}

export interface RawReply {
  status: number;
  text: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  json: any;
}

export async function post(url: string, body: string | Uint8Array, token?: string): Promise<RawReply> {
  const headers: Record<string, string> = { "Content-Type": "application/json" };
  if (token !== undefined) headers["Authorization"] = `Bearer ${token}`;
  const res = await fetch(url, { method: "POST", headers, body });
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, text, json };
}

export const call = (url: string, method: string, params: unknown, token?: string, id: unknown = 7): Promise<RawReply> =>
  post(url, JSON.stringify({ jsonrpc: "2.0", id, method, params }), token);

/** A raw WebSocket that queues every message it receives. */
export interface RawSocket {
  ws: WebSocket;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  next(ms?: number): Promise<any>;
  send(obj: unknown): void;
  close(): Promise<void>;
}

export async function rawSocket(url: string, token?: string): Promise<RawSocket> {
  const ws = new WebSocket(url, token === undefined ? {} : { headers: { Authorization: `Bearer ${token}` } });
  const queue: unknown[] = [];
  const waiters: ((v: unknown) => void)[] = [];
  ws.on("message", (d) => {
    const v = JSON.parse(String(d));
    const w = waiters.shift();
    if (w) w(v);
    else queue.push(v);
  });
  await new Promise<void>((resolve, reject) => {
    ws.once("open", () => resolve());
    ws.once("error", reject);
  });
  return {
    ws,
    next(ms = 2000) {
      if (queue.length > 0) return Promise.resolve(queue.shift());
      return new Promise((resolve, reject) => {
        const t = setTimeout(() => reject(new Error("no WebSocket message")), ms);
        waiters.push((v) => {
          clearTimeout(t);
          resolve(v);
        });
      });
    },
    send(obj) {
      ws.send(typeof obj === "string" ? obj : JSON.stringify(obj));
    },
    close() {
      return new Promise((resolve) => {
        if (ws.readyState === WebSocket.CLOSED) return resolve();
        ws.once("close", () => resolve());
        ws.close();
      });
    },
  };
}
