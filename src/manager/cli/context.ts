// What every `damocles-manager` command shares: the home (global `--home`, also accepted after the
// subcommand, DAMOCLES_PATH), the daemon's RPC address (`--api <url>`, else `--listen`), its token (the
// home's `token` file or DAMOCLES_API_TOKEN), the chain client of the home's config, and output as a table
// for people or JSON for scripts.
import type { Command } from "commander";
import { encodeParams } from "../../api/define.js";
import { sealerApi, type SealerMethodName } from "../../api/sealer.js";
import { createChainClient, resolveApiEndpoint, type ChainClient } from "../../chain/index.js";
import { rpcCall } from "../../rpc/client.js";
import { loadManagerConfig } from "../config/load.js";
import type { ManagerConfig } from "../config/schema.js";
import { readApiToken, resolveManagerHome, type ManagerHome } from "../home.js";
import { parseListen } from "../daemon.js";

export interface GlobalOptions {
  home?: string;
  confDir?: string;
  listen?: string;
  api?: string;
  json?: boolean;
}

export function globalOptions(cmd: Command): GlobalOptions {
  return cmd.optsWithGlobals<GlobalOptions>();
}

export function homeOf(cmd: Command): ManagerHome {
  const o = globalOptions(cmd);
  return resolveManagerHome({ home: o.home, confDir: o.confDir });
}

/** `--api`, else `http://<--listen>/rpc/v0` with an unspecified host read as loopback. */
export function apiUrl(o: GlobalOptions): string {
  if (o.api !== undefined && o.api !== "") return o.api;
  const { host, port } = parseListen(o.listen ?? ":1789");
  const h = host === "0.0.0.0" || host === "::" ? "127.0.0.1" : host;
  return `http://${h.includes(":") ? `[${h}]` : h}:${port}/rpc/v0`;
}

export interface Venus {
  /** Calls `Venus.<method>` with decoded (typed) arguments; returns the result's wire JSON. */
  call(method: SealerMethodName, ...args: unknown[]): Promise<unknown>;
}

export async function venus(cmd: Command): Promise<Venus> {
  const o = globalOptions(cmd);
  const url = apiUrl(o);
  const token = await readApiToken(homeOf(cmd));
  return {
    async call(method, ...args) {
      const def = sealerApi.methods[method];
      const params = encodeParams(def, args);
      if (!params.ok) throw new Error(`Venus.${method}: ${params.message}`);
      return rpcCall(url, `Venus.${method}`, params.value, { token, timeoutMs: 60_000 });
    },
  };
}

export async function homeConfig(cmd: Command): Promise<ManagerConfig> {
  return (await loadManagerConfig(homeOf(cmd).config)).config;
}

/** A client of the chain node named by the home's config (Common.API.Chain or the first Gateway). */
export async function chainOf(cmd: Command): Promise<{ chain: ChainClient; config: ManagerConfig }> {
  const config = await homeConfig(cmd);
  const ep = resolveApiEndpoint(config.Common.API, "Chain");
  if (ep === null) throw new Error(`${homeOf(cmd).config}: Common.API.Chain (or Common.API.Gateway) must name the chain node`);
  const chain = createChainClient({ url: ep.url, token: ep.token, namespaceHeader: ep.namespaceHeader, retry: { attempts: 2, minMs: 200, maxMs: 1000 } });
  return { chain, config };
}

/** `--miner`, else the first `[[Miners]]` actor of the home's config. */
export function pickMiner(config: ManagerConfig, flag: string | undefined): number {
  if (flag !== undefined) return parseUint(flag, "--miner");
  const first = config.Miners[0];
  if (!first) throw new Error("no --miner given and no [[Miners]] in the configuration");
  return first.Actor;
}

/** A decimal actor id; `t01000`/`f01000` accepted too. */
export function parseUint(text: string, what: string): number {
  const m = /^(?:[tf]0)?(\d{1,15})$/.exec(text.trim());
  if (!m) throw new RangeError(`${what} "${text}": expected a non-negative integer`);
  return Number(m[1]);
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v), 2)}\n`);
}

/** Columns padded to their widest cell; an empty list prints the header only. */
export function printTable(header: readonly string[], rows: readonly (readonly unknown[])[]): void {
  const cells = [header.map(String), ...rows.map((r) => r.map((c) => (c === null || c === undefined ? "-" : String(c))))];
  const widths = header.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? "").length)));
  for (const r of cells) process.stdout.write(`${r.map((c, i) => c.padEnd(widths[i]!)).join("  ").trimEnd()}\n`);
}

/** Either JSON or the human form. */
export function output(cmd: Command, json: unknown, human: () => void): void {
  if (globalOptions(cmd).json) printJson(json);
  else human();
}
