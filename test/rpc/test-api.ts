// A small API exercising every codec, an optional tail and a channel, shared by the rpc tests.
import { z } from "zod";
import { Base64Bytes, BigIntString, BitFieldJson, Bytes32Array, CidJson, Epoch, TipSetKeyJson, Uint } from "../../src/api/codecs.js";
import { defineApi, method, type ServerMethods } from "../../src/api/define.js";
import { BitField } from "../../src/filecoin/bitfield.js";
import { RpcError } from "../../src/rpc/errors.js";

export const Sector = z.object({ Number: Uint, SealedCID: CidJson, CommR: Bytes32Array });

export const testApi = defineApi("Test", {
  Echo: method([z.string()], z.string(), "read"),
  Nothing: method([], z.null(), "read"),
  Bytes: method([Base64Bytes], Base64Bytes, "read"),
  Add: method([BigIntString, BigIntString], BigIntString, "write"),
  Sectors: method([z.array(Sector)], z.array(Sector), "read"),
  Bits: method([BitFieldJson], BitFieldJson, "read"),
  AtHeight: method([Epoch, TipSetKeyJson], z.object({ Height: Epoch, Key: TipSetKeyJson }), "read", { optionalTail: 1 }),
  Fail: method([z.string()], z.null(), "read"),
  FailCoded: method([z.int(), z.string()], z.null(), "read"),
  BadResult: method([], z.string(), "read"),
  Sleep: method([Uint], z.boolean(), "read"),
  AdminOnly: method([], z.string(), "admin"),
  SignOnly: method([], z.string(), "sign"),
  Count: method([Uint, Uint], z.object({ N: Uint }), "read", { channel: true }),
});

export const otherApi = defineApi("Other", {
  Ping: method([], z.string(), "read"),
});

/** What the handlers observed, for assertions about cancellation and cleanup. */
export interface Probe {
  aborted: string[];
  channelEnded: string[];
  errors: string[];
}

function sleep(ms: number, signal: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve(false);
    const t = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve(true);
    }, ms);
    const onAbort = (): void => {
      clearTimeout(t);
      resolve(false);
    };
    signal.addEventListener("abort", onAbort, { once: true });
  });
}

export function testImpl(probe: Probe): ServerMethods<typeof testApi> {
  return {
    Echo: (s) => s,
    Nothing: () => null,
    Bytes: (b) => b.slice().reverse(),
    Add: (a, b) => a + b,
    Sectors: (ss) => ss.map((s) => ({ ...s, Number: s.Number + 1 })),
    Bits: (bf) => BitField.fromSet([...bf].map((n) => n + 1)),
    AtHeight: (h, key) => ({ Height: h, Key: key }),
    Fail: (msg) => {
      throw new Error(msg);
    },
    FailCoded: (code, msg) => {
      throw new RpcError(code, msg, { detail: "x" });
    },
    BadResult: () => 5 as unknown as string,
    Sleep: async (ms, ctx) => {
      const done = await sleep(ms, ctx.signal);
      if (!done) probe.aborted.push(`Sleep(${ms})`);
      return done;
    },
    AdminOnly: () => "admin ok",
    SignOnly: (ctx) => `sign ok over ${ctx.transport}`,
    // n = 0 counts forever; from >= 1000 ignores the signal, so only iterator.return() can stop it.
    Count: async function* (from, n, ctx) {
      const signal = from >= 1000 ? new AbortController().signal : ctx.signal;
      try {
        for (let i = 0; n === 0 || i < n; i++) {
          yield { N: from + i };
          if (!(await sleep(5, signal))) return;
        }
      } finally {
        probe.channelEnded.push(`Count(${from},${n})`);
      }
    },
  };
}

export const newProbe = (): Probe => ({ aborted: [], channelEnded: [], errors: [] });

export async function waitFor(cond: () => boolean, what: string, ms = 2000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}
