// The value syntaxes of the worker's TOML (spec/worker.md §2): humantime durations ("30s", "5min", "1h 30m"),
// byte sizes ("8GiB", "1KiB", "500MB"), cgroup cpuset lists ("0-11,24-27") and the manager address
// (multiaddr or URL, spec/protocols.md §1.1). Damocles parses these with the Rust crates humantime and
// byte_unit, so the accepted spellings follow those crates.

/** A duration in whole milliseconds: config "60s" parses to 60_000. */
export type DurationMs = number;

// humantime's unit names (https://docs.rs/humantime): every spelling it accepts, in milliseconds.
const DURATION_UNITS: ReadonlyMap<string, number> = new Map([
  ...["nsec", "ns"].map((u) => [u, 1e-6] as const),
  ...["usec", "us"].map((u) => [u, 1e-3] as const),
  ...["msec", "ms"].map((u) => [u, 1] as const),
  ...["seconds", "second", "sec", "s"].map((u) => [u, 1_000] as const),
  ...["minutes", "minute", "min", "m"].map((u) => [u, 60_000] as const),
  ...["hours", "hour", "hr", "h"].map((u) => [u, 3_600_000] as const),
  ...["days", "day", "d"].map((u) => [u, 86_400_000] as const),
  ...["weeks", "week", "w"].map((u) => [u, 604_800_000] as const),
  ...["months", "month", "M"].map((u) => [u, 2_630_016_000] as const), // 30.44 days
  ...["years", "year", "y"].map((u) => [u, 31_557_600_000] as const), // 365.25 days
]);

/** Parses a humantime duration such as "30s", "5min", "1h 30m" or "1day"; the result is rounded to whole ms. */
export function parseDuration(text: string): DurationMs {
  const bad = (): never => {
    throw new RangeError(`invalid duration "${text}": expected a number and a unit, e.g. "30s", "5min", "1h 30m", "2days"`);
  };
  const t = text.trim();
  if (t === "") bad();
  let ms = 0;
  const re = /(\d+)\s*([A-Za-z]+)\s*/y;
  let pos = 0;
  while (pos < t.length) {
    re.lastIndex = pos;
    const m = re.exec(t);
    if (!m) return bad();
    const unit = DURATION_UNITS.get(m[2]!);
    if (unit === undefined) return bad();
    ms += Number(m[1]) * unit;
    pos = re.lastIndex;
  }
  return Math.round(ms);
}

/** 60_000 → "1m", 90_000 → "1m 30s", 500 → "500ms": humantime's own output style, which it parses back. */
export function formatDuration(ms: DurationMs): string {
  if (ms === 0) return "0s";
  const parts: string[] = [];
  let rest = ms;
  for (const [u, size] of [["d", 86_400_000], ["h", 3_600_000], ["m", 60_000], ["s", 1_000], ["ms", 1]] as const) {
    const n = Math.floor(rest / size);
    if (n > 0) parts.push(`${n}${u}`);
    rest -= n * size;
  }
  return parts.join(" ");
}

// byte_unit: decimal units (KB = 1000) and binary units (KiB = 1024), case-insensitive, "B" optional.
const BYTE_UNITS: ReadonlyMap<string, number> = new Map([
  ["", 1], ["b", 1],
  ["k", 1e3], ["kb", 1e3], ["ki", 1024], ["kib", 1024],
  ["m", 1e6], ["mb", 1e6], ["mi", 1024 ** 2], ["mib", 1024 ** 2],
  ["g", 1e9], ["gb", 1e9], ["gi", 1024 ** 3], ["gib", 1024 ** 3],
  ["t", 1e12], ["tb", 1e12], ["ti", 1024 ** 4], ["tib", 1024 ** 4],
  ["p", 1e15], ["pb", 1e15], ["pi", 1024 ** 5], ["pib", 1024 ** 5],
]);

/** Parses a byte size such as "8GiB", "1KiB", "500MB" or "2048", or a TOML integer of bytes. */
export function parseByteSize(value: string | number): number {
  if (typeof value === "number") {
    if (Number.isSafeInteger(value) && value >= 0) return value;
    throw new RangeError(`invalid byte size ${value}: expected a non-negative whole number of bytes`);
  }
  const m = /^(\d+(?:\.\d+)?)\s*([A-Za-z]*)$/.exec(value.trim());
  const mult = m ? BYTE_UNITS.get(m[2]!.toLowerCase()) : undefined;
  if (!m || mult === undefined)
    throw new RangeError(`invalid byte size "${value}": expected e.g. "8GiB", "512MiB", "1KB" or a number of bytes`);
  const n = Math.round(Number(m[1]) * mult);
  if (!Number.isSafeInteger(n)) throw new RangeError(`byte size "${value}" is too large`);
  return n;
}

/**
 * Parses a cgroup cpuset list ("0-11", "8-11,24-27", "3") into the sorted CPU numbers it names.
 * Throws on syntax errors; whether the CPUs exist is the caller's question (a warning, not an error).
 */
export function parseCpuset(text: string): number[] {
  const cpus = new Set<number>();
  const t = text.trim();
  if (t === "") throw new RangeError(`invalid cpuset "${text}": empty; expected e.g. "0-11" or "8-11,24-27"`);
  for (const part of t.split(",")) {
    const m = /^\s*(\d+)\s*(?:-\s*(\d+)\s*)?$/.exec(part);
    if (!m) throw new RangeError(`invalid cpuset "${text}": "${part}" is not a CPU number or range; expected e.g. "0-11" or "8-11,24-27"`);
    const lo = Number(m[1]);
    const hi = m[2] === undefined ? lo : Number(m[2]);
    if (hi < lo) throw new RangeError(`invalid cpuset "${text}": range ${part.trim()} ends before it starts`);
    if (hi - lo > 65_536) throw new RangeError(`invalid cpuset "${text}": range ${part.trim()} is too large`);
    for (let c = lo; c <= hi; c++) cpus.add(c);
  }
  return [...cpus].sort((a, b) => a - b);
}

/** Where the worker calls the manager: the JSON-RPC endpoint and the origin its piece URLs are built on. */
export interface ManagerEndpoint {
  /** Always `<scheme>://host:port/rpc/v0`; any path in the configured address is dropped. */
  rpcUrl: string;
  /** `<scheme>://host:port`, for `<origin>/piecestore/<cid>`. */
  origin: string;
}

const RPC_PATH = "/rpc/v0";

/**
 * Turns `sector_manager.rpc_client.addr` into the endpoint: a multiaddr (`/ip4/h/tcp/p`, `/ip6/…`, `/dns[46]/…`,
 * optionally ending in `/http` or `/https`) or a URL (`http://h:p`, `https://…`; `ws://` and `wss://` become
 * http and https, because the worker's calls are single HTTP POSTs).
 */
export function parseManagerAddr(addr: string): ManagerEndpoint {
  const a = addr.trim();
  let scheme = "http";
  let host: string | undefined;
  let port: string | undefined;
  if (a.startsWith("/")) {
    const parts = a.split("/").slice(1);
    for (let i = 0; i < parts.length; i++) {
      const p = parts[i]!;
      const needValue = (): string => {
        const v = parts[++i];
        if (v === undefined || v === "") throw new RangeError(`invalid manager address "${addr}": /${p} needs a value`);
        return v;
      };
      if (p === "ip4" || p === "dns" || p === "dns4" || p === "dns6") host = needValue();
      else if (p === "ip6") host = `[${needValue()}]`;
      else if (p === "tcp") port = needValue();
      else if (p === "http" || p === "https") scheme = p;
      else if (p === "ws" || p === "wss") scheme = p === "ws" ? "http" : "https";
      else if (p !== "") throw new RangeError(`invalid manager address "${addr}": unsupported multiaddr part /${p}`);
    }
    if (host === undefined) throw new RangeError(`invalid manager address "${addr}": a multiaddr needs /ip4, /ip6 or /dns; e.g. /ip4/10.0.0.2/tcp/1789`);
    if (port !== undefined && !/^\d+$/.test(port)) throw new RangeError(`invalid manager address "${addr}": tcp port "${port}" is not a number`);
  } else {
    let u: URL;
    try {
      u = new URL(a);
    } catch {
      throw new RangeError(`invalid manager address "${addr}": expected a multiaddr like /ip4/10.0.0.2/tcp/1789 or a URL like http://10.0.0.2:1789`);
    }
    const proto = u.protocol.slice(0, -1);
    if (proto === "http" || proto === "ws") scheme = "http";
    else if (proto === "https" || proto === "wss") scheme = "https";
    else throw new RangeError(`invalid manager address "${addr}": scheme ${proto}:// is not http(s) or ws(s)`);
    if (u.hostname === "") throw new RangeError(`invalid manager address "${addr}": the URL has no host`);
    host = u.hostname;
    port = u.port === "" ? undefined : u.port;
  }
  if (port !== undefined && (Number(port) < 1 || Number(port) > 65_535))
    throw new RangeError(`invalid manager address "${addr}": port ${port} is outside 1…65535`);
  const origin = `${scheme}://${host}${port === undefined ? "" : `:${port}`}`;
  return { rpcUrl: `${origin}${RPC_PATH}`, origin };
}

/** Checks an `ip:port` socket address (Rust's SocketAddr: an IP literal, not a host name). */
export function parseSocketAddr(text: string): { host: string; port: number } {
  const m = /^(?:\[([0-9A-Fa-f:.]+)\]|(\d{1,3}(?:\.\d{1,3}){3})):(\d{1,5})$/.exec(text.trim());
  const port = m ? Number(m[3]) : NaN;
  if (!m || port > 65_535 || (m[2] !== undefined && m[2].split(".").some((o) => Number(o) > 255)))
    throw new RangeError(`invalid socket address "${text}": expected ip:port, e.g. "0.0.0.0:9000" or "[::]:9000"`);
  return { host: m[1] ?? m[2]!, port };
}
