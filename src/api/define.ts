// Wire contracts defined once (STYLE.md "Wire contracts defined once"): a namespace's methods are a table of
// zod schemas. The server decodes params and encodes results with them, the client does the reverse, and
// the TypeScript types of both halves are derived from the same table, so they cannot drift apart.

import { z } from "zod";

/** Lotus permission levels, lowest first: read < write < sign < admin. The manager uses read < write < admin. */
export type Perm = "read" | "write" | "sign" | "admin";
export const PERMS: readonly Perm[] = ["read", "write", "sign", "admin"];

/**
 * Whether a caller holding `granted` may invoke a method needing `needed`. A higher level implies the lower
 * ones (manager.md §5.2); Lotus tokens list every level up to their own anyway, so this agrees with Lotus.
 */
export function permAllows(granted: readonly Perm[], needed: Perm): boolean {
  const rank = PERMS.indexOf(needed);
  return granted.some((p) => PERMS.indexOf(p) >= rank);
}

export interface MethodDef<
  P extends readonly z.ZodType[] = readonly z.ZodType[],
  R extends z.ZodType = z.ZodType,
  C extends boolean = boolean,
> {
  params: P;
  /** For a channel method, the schema of each value sent on the channel. */
  result: R;
  perm: Perm;
  /** Results stream over a go-jsonrpc channel (WebSocket only). */
  channel: C;
  /** How many trailing params a caller may omit (e.g. Lotus's tipset key); omitted ones are decoded from null. */
  optionalTail: number;
}

export interface MethodOpts {
  channel?: boolean;
  optionalTail?: number;
}

export function method<const P extends readonly z.ZodType[], R extends z.ZodType, const O extends MethodOpts = MethodOpts>(
  params: [...P],
  result: R,
  perm: Perm,
  opts?: O,
): MethodDef<P, R, O["channel"] extends true ? true : false> {
  const optionalTail = opts?.optionalTail ?? 0;
  if (!Number.isInteger(optionalTail) || optionalTail < 0 || optionalTail > params.length) {
    throw new RangeError(`optionalTail ${optionalTail} must be an integer in 0..${params.length}`);
  }
  if (!PERMS.includes(perm)) throw new RangeError(`perm "${String(perm)}" must be one of ${PERMS.join(", ")}`);
  return {
    params: params as unknown as P,
    result,
    perm,
    channel: (opts?.channel === true) as O["channel"] extends true ? true : false,
    optionalTail,
  };
}

export interface ApiDef<N extends string = string, M extends Record<string, MethodDef> = Record<string, MethodDef>> {
  namespace: N;
  methods: M;
}

export function defineApi<N extends string, M extends Record<string, MethodDef>>(namespace: N, methods: M): ApiDef<N, M> {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(namespace)) throw new RangeError(`namespace "${namespace}" must be an identifier`);
  return { namespace, methods };
}

/** `Namespace.Method`, the JSON-RPC method name on the wire. */
export function wireName(api: ApiDef, name: string): string {
  return `${api.namespace}.${name}`;
}

type OutputsOf<P> = { [K in keyof P]: P[K] extends z.ZodType ? z.output<P[K]> : never };

/** Decoded (TypeScript-side) param values of a method, as a tuple. */
export type ParamsOf<D extends MethodDef> = OutputsOf<D["params"]>;
/** Decoded result of a method (for a channel method: of each value on the channel). */
export type ResultOf<D extends MethodDef> = z.output<D["result"]>;

export interface CallContext {
  /** Permissions of the caller (from its token, or what the server's authenticate granted). */
  perms: readonly Perm[];
  /** Aborts on `xrpc.cancel`, when the WebSocket closes, or when the server closes. */
  signal: AbortSignal;
  remoteAddress?: string;
  transport: "http" | "ws";
}

type MaybePromise<T> = T | Promise<T>;

export type ServerMethod<D extends MethodDef> = D extends MethodDef<readonly z.ZodType[], z.ZodType, true>
  ? (...args: [...ParamsOf<D>, CallContext]) => MaybePromise<AsyncIterable<ResultOf<D>>>
  : (...args: [...ParamsOf<D>, CallContext]) => MaybePromise<ResultOf<D>>;

/** What a server must implement for an API: one function per method, checked against the table. */
export type ServerMethods<A extends ApiDef> = { [K in keyof A["methods"]]: ServerMethod<A["methods"][K]> };

export type ClientMethod<D extends MethodDef> = D extends MethodDef<readonly z.ZodType[], z.ZodType, true>
  ? (...args: ParamsOf<D>) => Promise<AsyncIterable<ResultOf<D>>>
  : (...args: ParamsOf<D>) => Promise<ResultOf<D>>;

/** The typed client of an API; trailing optional params may be passed as undefined. */
export type ClientMethods<A extends ApiDef> = { [K in keyof A["methods"]]: ClientMethod<A["methods"][K]> };

// ---- Shared encode/decode steps (used by src/rpc server and client) ----

export type Decoded<T> = { ok: true; value: T } | { ok: false; message: string };

/** `params[1].Sectors[0].SealedCID` from a zod issue path. */
export function formatPath(root: string, path: readonly PropertyKey[]): string {
  let s = root;
  for (const k of path) {
    if (typeof k === "number") s += `[${k}]`;
    else if (typeof k === "string" && /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(k)) s += `.${k}`;
    else s += `[${JSON.stringify(String(k))}]`;
  }
  return s;
}

const MAX_ISSUES_SHOWN = 3;

/** `<path>: <message>` for the first few issues, so a -32602 names the offending field. */
export function formatIssues(root: string, error: z.ZodError): string {
  const shown = error.issues.slice(0, MAX_ISSUES_SHOWN).map((i) => `${formatPath(root, i.path)}: ${i.message}`);
  const more = error.issues.length - shown.length;
  return shown.join("; ") + (more > 0 ? `; and ${more} more` : "");
}

/** Checks the positional param count and decodes each param; omitted optional-tail params decode from null. */
export function decodeParams(def: MethodDef, json: readonly unknown[]): Decoded<unknown[]> {
  const n = def.params.length;
  const min = n - def.optionalTail;
  if (json.length > n || json.length < min) {
    const want = min === n ? `${n}` : `${min} to ${n}`;
    return { ok: false, message: `wrong param count: got ${json.length}, expected ${want}` };
  }
  const out: unknown[] = [];
  for (let i = 0; i < n; i++) {
    const schema = def.params[i]!;
    if (i >= json.length) {
      const r = z.safeDecode(schema, null as never);
      out.push(r.success ? r.data : undefined);
      continue;
    }
    const r = z.safeDecode(schema, json[i] as never);
    if (!r.success) return { ok: false, message: formatIssues(`params[${i}]`, r.error) };
    out.push(r.data);
  }
  return { ok: true, value: out };
}

/** Encodes params for the wire, dropping trailing undefined optional-tail params. */
export function encodeParams(def: MethodDef, values: readonly unknown[]): Decoded<unknown[]> {
  const n = def.params.length;
  let len = values.length;
  while (len > n - def.optionalTail && values[len - 1] === undefined) len--;
  if (len > n || len < n - def.optionalTail) {
    return { ok: false, message: `wrong param count: got ${values.length}, expected ${n - def.optionalTail} to ${n}` };
  }
  const out: unknown[] = [];
  for (let i = 0; i < len; i++) {
    const r = z.safeEncode(def.params[i]!, values[i] as never);
    if (!r.success) return { ok: false, message: formatIssues(`params[${i}]`, r.error) };
    out.push(r.data);
  }
  return { ok: true, value: out };
}

export function encodeResult(def: MethodDef, value: unknown): Decoded<unknown> {
  const r = z.safeEncode(def.result, value as never);
  return r.success ? { ok: true, value: r.data === undefined ? null : r.data } : { ok: false, message: formatIssues("result", r.error) };
}

export function decodeResult(def: MethodDef, json: unknown): Decoded<unknown> {
  const r = z.safeDecode(def.result, json as never);
  return r.success ? { ok: true, value: r.data } : { ok: false, message: formatIssues("result", r.error) };
}
