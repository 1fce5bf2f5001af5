// A scripted double of damocles-manager's `Venus.*` API for the sealing-thread unit tests: a real JSON-RPC
// server over the real `sealerApi` table (so every call crosses the wire codecs), whose answers the test
// scripts. The project's own manager is exercised by the integration tests; this plays an external service.
import { randomBytes } from "node:crypto";
import { sealerApi } from "../../src/api/sealer.js";
import type { ServerMethods } from "../../src/api/define.js";
import { rpcClient } from "../../src/rpc/client.js";
import { RpcError, METHOD_NOT_FOUND } from "../../src/rpc/errors.js";
import { createRpcServer, implement } from "../../src/rpc/server.js";
import type { SealerClient } from "../../src/worker/plan.js";

type Impl = ServerMethods<typeof sealerApi>;
type Method = keyof Impl;

export interface Call {
  method: string;
  args: unknown[];
}

export interface FakeManager {
  url: string;
  client: SealerClient;
  /** Every call, in order (params decoded). */
  calls: Call[];
  /** Replace answers while the test runs. */
  impl: Partial<Impl>;
  callsOf(method: Method): unknown[][];
  close(): Promise<void>;
}

const rand32 = (): Uint8Array => new Uint8Array(randomBytes(32));
/** The seed the happy path hands out for a sector number. */
export const seedFor = (n: number): Uint8Array => new Uint8Array(32).fill((n * 37 + 11) % 256);

/** The happy path of one sealer sector per allocation, miner 1000, 2KiB V1_1 (proof type 5), sectors 1, 2, … up to `sectors`. */
export function happyPath(opts: { sectors?: number; proofType?: number; miner?: number; storeName?: string } = {}): Partial<Impl> {
  let next = 1;
  const max = opts.sectors ?? 1;
  return {
    AllocateSector: () => (next > max ? null : { ID: { Miner: opts.miner ?? 1000, Number: next++ }, ProofType: opts.proofType ?? 5 }),
    AcquireDeals: () => null,
    AssignTicket: () => ({ Ticket: rand32(), Epoch: 100 }),
    SubmitPreCommit: () => ({ Res: 1, Desc: null }),
    PollPreCommitState: () => ({ State: 3, Desc: null }),
    StoreReserveSpace: () => ({ Name: opts.storeName ?? "store1", Path: "/manager/mount", Strict: false, ReadOnly: false, Weight: 1, Meta: null }),
    SubmitPersistedEx: () => true,
    WaitSeed: (id) => ({ ShouldWait: false, Delay: 0, Seed: { Seed: seedFor(id.Number), Epoch: 200 } }),
    SubmitProof: () => ({ Res: 1, Desc: null }),
    PollProofState: () => ({ State: 3, Desc: null }),
    ReportState: (id) => ({ Id: id, Finalized: false, AbortReason: "" }),
    ReportFinalized: () => null,
    ReportAborted: () => null,
  } as Partial<Impl>;
}

export async function startFakeManager(impl: Partial<Impl>): Promise<FakeManager> {
  const calls: Call[] = [];
  const fm = { impl } as { impl: Partial<Impl> };
  const methods = Object.fromEntries(
    Object.keys(sealerApi.methods).map((name) => [
      name,
      (...args: unknown[]) => {
        const params = args.slice(0, -1); // the last argument is the CallContext
        calls.push({ method: name, args: params });
        const f = fm.impl[name as Method] as ((...a: unknown[]) => unknown) | undefined;
        if (!f) throw new RpcError(METHOD_NOT_FOUND, `Venus.${name} is not scripted in this test`);
        return f(...params);
      },
    ]),
  ) as unknown as Impl;
  const server = createRpcServer({ routes: [{ path: "/rpc/v0", apis: [implement(sealerApi, methods)] }] });
  const { port } = await server.listen("127.0.0.1", 0);
  const url = `http://127.0.0.1:${port}/rpc/v0`;
  const client = rpcClient(sealerApi, { url, timeoutMs: 5_000 });
  return {
    url,
    client,
    calls,
    get impl() {
      return fm.impl;
    },
    set impl(v) {
      fm.impl = v;
    },
    callsOf: (m) => calls.filter((c) => c.method === m).map((c) => c.args),
    async close() {
      await client.close();
      await server.close();
    },
  };
}
