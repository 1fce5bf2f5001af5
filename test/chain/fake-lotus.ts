// A small Lotus node in memory, served by the project's real JSON-RPC server: the test double of an outside
// chain node for the src/chain tests. It is honest where the client relies on it: secp256k1-signed messages
// with Lotus CIDs, nonces assigned by MpoolPushMessage, messages executed when the next tipset is mined and
// receipts reported with that tipset (inclusion + 1), replacement rules of StateWaitMsg, randomness drawn as
// Lotus draws it from each tipset's ticket and beacon. Also a droplet market and a sophon messager over it.
import type { TestContext } from "node:test";
import { CID } from "multiformats/cid";
import { defineApi, type CallContext, type ServerMethods } from "../../src/api/define.js";
import { lotusApi, type HeadChange, type MinerInfo, type MsgLookup, type NetworkParams, type TipSet, FORK_UPGRADE_FIELDS } from "../../src/api/lotus.js";
import { marketApi, type DealInfoV2, type GetDealSpec, type SectorID } from "../../src/api/market.js";
import { MessageState, messagerApi, type MessagerMessage } from "../../src/api/messager.js";
import { formatAddress, formatIdAddress, parseAddress } from "../../src/filecoin/address.js";
import { encodeCbor } from "../../src/filecoin/cbor.js";
import { dagCborCid, messageCid, signedMessageCid, type Message, type SignedMessage } from "../../src/filecoin/message.js";
import { beaconDigest, drawRandomness, ticketDigest } from "../../src/filecoin/randomness.js";
import { secpKeyPair, signMessageCid, type SecpKeyPair } from "../../src/filecoin/secp256k1.js";
import { allowUpTo, createToken, randomSecret, tokenAuthenticator } from "../../src/rpc/auth.js";
import { createRpcServer, implement, type RpcServer } from "../../src/rpc/server.js";
import { blake2b } from "@noble/hashes/blake2.js";

const SERVED = [
  "ChainHead",
  "ChainNotify",
  "ChainGetMessage",
  "StateNetworkName",
  "StateGetNetworkParams",
  "StateGetRandomnessFromTickets",
  "StateGetRandomnessFromBeacon",
  "StateMinerInfo",
  "StateLookupID",
  "StateGetActor",
  "MpoolPushMessage",
  "MpoolGetNonce",
  "StateWaitMsg",
  "StateSearchMsg",
  "StateListMessages",
] as const satisfies readonly (keyof typeof lotusApi.methods)[];
type Served = (typeof SERVED)[number];

/** The Filecoin methods this node serves (anything else answers -32601, as a node without it would). */
export const fakeLotusApi = defineApi(
  "Filecoin",
  Object.fromEntries(SERVED.map((n) => [n, lotusApi.methods[n]])) as { [K in Served]: (typeof lotusApi.methods)[K] },
);

interface Tipset {
  height: number;
  cid: CID;
  vrfProof: Uint8Array;
  beacon: Uint8Array;
  messages: string[];
}

interface Actor {
  id: number;
  balance: bigint;
  nonce: number;
  key?: SecpKeyPair;
  keyAddress?: string;
}

interface StoredMessage {
  signed: SignedMessage;
  cid: CID;
  fromId: number;
  includedAt: number | null;
  exitCode: number | null;
}

export interface Network {
  name: string;
  paramsName?: string;
  blockDelaySecs: number;
  preCommitChallengeDelay: number;
}

const bytesOf = (...parts: (string | number)[]): Uint8Array => blake2b(encodeCbor(parts), { dkLen: 32 });
const EMPTY_CID = dagCborCid(encodeCbor([]));
const GAS_FEE_CAP = 100n;
const GAS_PREMIUM = 1n;
const gasLimitOf = (m: Message): number => 1_000 + m.Params.length;

export class FakeNode {
  network: Network = { name: "damocles-devnet", blockDelaySecs: 30, preCommitChallengeDelay: 150 };
  readonly tipsets: Tipset[] = [];
  readonly actors = new Map<number, Actor>();
  readonly miners = new Map<number, { owner: number; worker: number; control: number[] }>();
  readonly messages = new Map<string, StoredMessage>();
  /** Pending, in push order. */
  mpool: string[] = [];
  /** Every message MpoolPushMessage (or the messager) accepted, in order: what "pushed" means in the tests. */
  readonly pushes: SignedMessage[] = [];
  readonly randomnessCalls: { kind: "tickets" | "beacon"; tag: number; epoch: number; entropy: Uint8Array; tsk: CID[] }[] = [];
  private readonly headWaiters = new Set<() => void>();
  private nextId = 100;
  private timer: NodeJS.Timeout | null = null;

  constructor() {
    this.tipsets.push(this.makeTipset(0, []));
  }

  get head(): Tipset {
    return this.tipsets[this.tipsets.length - 1]!;
  }

  /** A funded secp256k1 account; returns its key address and ID address. */
  addAccount(balance: bigint, seed = this.nextId): { key: string; id: string } {
    const id = this.nextId++;
    const priv = bytesOf("fake account", seed);
    const key = secpKeyPair(priv);
    const keyAddress = formatAddress(key.address, "t");
    this.actors.set(id, { id, balance, nonce: 0, key, keyAddress });
    return { key: keyAddress, id: formatIdAddress(id, "t") };
  }

  addMiner(id: number, owner: string, worker: string, control: string[] = []): void {
    this.actors.set(id, { id, balance: 0n, nonce: 0 });
    this.miners.set(id, { owner: this.resolve(owner)!, worker: this.resolve(worker)!, control: control.map((c) => this.resolve(c)!) });
  }

  resolve(addr: string): number | null {
    const a = parseAddress(addr);
    if (a.id !== undefined) return this.actors.has(a.id) ? a.id : null;
    for (const act of this.actors.values()) if (act.keyAddress === formatAddress(a, "t")) return act.id;
    return null;
  }

  /** Executes the head's messages (their receipts belong to the new tipset) and mines one tipset with the mpool. */
  mine(n = 1): void {
    for (let i = 0; i < n; i++) {
      for (const c of this.head.messages) this.execute(this.messages.get(c)!);
      const included = this.mpool;
      this.mpool = [];
      const ts = this.makeTipset(this.head.height + 1, included);
      for (const c of included) this.messages.get(c)!.includedAt = ts.height;
      this.tipsets.push(ts);
    }
    for (const w of [...this.headWaiters]) w();
  }

  autoMine(t: TestContext, everyMs = 15): void {
    this.timer = setInterval(() => this.mine(), everyMs);
    t.after(() => this.stopMining());
  }

  stopMining(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** Pushes a message as MpoolPushMessage does: nonce after the mpool's, gas filled, signed with the sender's key. */
  push(msg: Message): SignedMessage & { CID: CID } {
    const fromId = this.resolve(msg.From);
    const from = fromId === null ? undefined : this.actors.get(fromId);
    if (!from?.key) throw new Error(`no key for ${msg.From}`);
    if (this.resolve(msg.To) === null && parseAddress(msg.To).id !== undefined) throw new Error(`actor ${msg.To} not found`);
    const m: Message = { ...msg, Nonce: this.mpoolNonce(fromId!), GasLimit: gasLimitOf(msg), GasFeeCap: GAS_FEE_CAP, GasPremium: GAS_PREMIUM };
    if (from.balance < m.Value + BigInt(m.GasLimit) * m.GasFeeCap) throw new Error(`not enough funds in ${msg.From}`);
    return this.accept(this.sign(m, from.key), fromId!);
  }

  /** Replaces a pending message by one with the same call and a higher premium (a gas bump). */
  replace(cid: CID): CID {
    const old = this.pending(cid);
    const actor = this.actors.get(old.fromId)!;
    const m = { ...old.signed.Message, GasPremium: old.signed.Message.GasPremium + 10n, GasFeeCap: old.signed.Message.GasFeeCap + 10n };
    return this.swap(old, this.sign(m, actor.key!));
  }

  /** Replaces a pending message by a different call with the same nonce (another client reused the nonce). */
  conflict(cid: CID): CID {
    const old = this.pending(cid);
    const actor = this.actors.get(old.fromId)!;
    const m = { ...old.signed.Message, Method: 0, Params: new Uint8Array(0), Value: 1n };
    return this.swap(old, this.sign(m, actor.key!));
  }

  mpoolNonce(fromId: number): number {
    let n = this.actors.get(fromId)!.nonce;
    for (const m of this.messages.values()) {
      if (m.fromId === fromId && m.exitCode === null) n = Math.max(n, m.signed.Message.Nonce + 1);
    }
    return n;
  }

  /** Where a message landed (its receipt's tipset), following a valid replacement when allowed. */
  lookup(cid: CID, allowReplaced: boolean): MsgLookup | null {
    const m = this.messages.get(cid.toString());
    if (!m) return null;
    let found = m;
    if (m.includedAt === null) {
      const other = [...this.messages.values()].find(
        (x) => x.includedAt !== null && x.fromId === m.fromId && x.signed.Message.Nonce === m.signed.Message.Nonce,
      );
      if (!other) return null;
      const a = other.signed.Message;
      const b = m.signed.Message;
      const equalCall = a.To === b.To && a.Method === b.Method && a.Value === b.Value && Buffer.from(a.Params).equals(Buffer.from(b.Params));
      if (!equalCall)
        throw new Error(`found message with equal nonce as the one we are looking for that is NOT a valid replacement message (F:${cid} n ${b.Nonce})`);
      if (!allowReplaced) throw new Error(`found message with equal nonce as the one we are looking for (F:${cid} n ${b.Nonce})`);
      found = other;
    }
    const receiptAt = found.includedAt! + 1;
    if (this.head.height < receiptAt) return null;
    const ts = this.tipsets[receiptAt]!;
    return {
      Message: found.cid,
      Receipt: { ExitCode: found.exitCode ?? 0, Return: new Uint8Array(0), GasUsed: gasLimitOf(found.signed.Message), EventsRoot: null },
      ReturnDec: null,
      TipSet: [ts.cid],
      Height: receiptAt,
    };
  }

  /** Resolves at the next mined tipset, or rejects when the signal aborts. */
  nextHead(signal: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      const done = (): void => {
        this.headWaiters.delete(done);
        signal.removeEventListener("abort", onAbort);
        resolve();
      };
      const onAbort = (): void => {
        this.headWaiters.delete(done);
        reject(new Error("aborted"));
      };
      this.headWaiters.add(done);
      signal.addEventListener("abort", onAbort, { once: true });
    });
  }

  lotusTipSet(ts: Tipset): TipSet {
    return {
      Cids: [ts.cid],
      Height: ts.height,
      Blocks: [
        {
          Miner: "t01000",
          Ticket: { VRFProof: ts.vrfProof },
          ElectionProof: null,
          BeaconEntries: [{ Round: ts.height, Data: ts.beacon }],
          WinPoStProof: [],
          Parents: ts.height === 0 ? [] : [this.tipsets[ts.height - 1]!.cid],
          ParentWeight: BigInt(ts.height),
          Height: ts.height,
          ParentStateRoot: EMPTY_CID,
          ParentMessageReceipts: EMPTY_CID,
          Messages: EMPTY_CID,
          BLSAggregate: null,
          Timestamp: 1_700_000_000 + ts.height,
          BlockSig: null,
          ForkSignaling: 0,
          ParentBaseFee: 100n,
        },
      ],
    };
  }

  tipsetOf(tsk: CID[]): Tipset {
    if (tsk.length === 0) return this.head;
    const ts = this.tipsets.find((t) => t.cid.equals(tsk[0]!));
    if (!ts) throw new Error(`tipset ${tsk[0]!.toString()} not found`);
    return ts;
  }

  networkParams(): NetworkParams {
    return {
      NetworkName: this.network.paramsName ?? this.network.name,
      BlockDelaySecs: this.network.blockDelaySecs,
      ConsensusMinerMinPower: 2048n,
      PreCommitChallengeDelay: this.network.preCommitChallengeDelay,
      ForkUpgradeParams: Object.fromEntries(FORK_UPGRADE_FIELDS.map((f) => [f, -1])),
      Eip155ChainID: 31415926,
      GenesisTimestamp: 1_700_000_000,
    };
  }

  private makeTipset(height: number, messages: string[]): Tipset {
    return {
      height,
      cid: dagCborCid(encodeCbor(["fake tipset", height, ...messages])),
      vrfProof: bytesOf("ticket", height),
      beacon: bytesOf("beacon", height),
      messages,
    };
  }

  private execute(m: StoredMessage): void {
    const from = this.actors.get(m.fromId)!;
    const msg = m.signed.Message;
    from.nonce = msg.Nonce + 1;
    from.balance -= BigInt(gasLimitOf(msg)) * GAS_PREMIUM;
    if (from.balance < msg.Value) {
      m.exitCode = 6; // SysErrInsufficientFunds
      return;
    }
    from.balance -= msg.Value;
    const to = this.resolve(msg.To);
    if (to !== null) this.actors.get(to)!.balance += msg.Value;
    m.exitCode = 0;
  }

  private sign(m: Message, key: SecpKeyPair): SignedMessage {
    return { Message: m, Signature: { Type: 1, Data: signMessageCid(key.privateKey, messageCid(m).bytes) } };
  }

  private accept(sm: SignedMessage, fromId: number): SignedMessage & { CID: CID } {
    const cid = signedMessageCid(sm);
    this.messages.set(cid.toString(), { signed: sm, cid, fromId, includedAt: null, exitCode: null });
    this.mpool.push(cid.toString());
    this.pushes.push(sm);
    return { ...sm, CID: cid };
  }

  private pending(cid: CID): StoredMessage {
    const m = this.messages.get(cid.toString());
    if (!m || m.includedAt !== null) throw new Error(`${cid} is not pending`);
    return m;
  }

  private swap(old: StoredMessage, sm: SignedMessage): CID {
    const cid = signedMessageCid(sm);
    this.mpool = this.mpool.filter((c) => c !== old.cid.toString());
    this.mpool.push(cid.toString());
    this.messages.set(cid.toString(), { signed: sm, cid, fromId: old.fromId, includedAt: null, exitCode: null });
    return cid;
  }
}

function lotusImpl(node: FakeNode): ServerMethods<typeof fakeLotusApi> {
  const draw = (kind: "tickets" | "beacon", tag: number, epoch: number, entropy: Uint8Array, tsk: CID[]): Uint8Array => {
    node.randomnessCalls.push({ kind, tag, epoch, entropy, tsk });
    const top = node.tipsetOf(tsk);
    if (epoch > top.height) throw new Error(`cannot draw randomness from the future: ${epoch} > ${top.height}`);
    const ts = node.tipsets[Math.max(0, epoch)]!;
    const digest = kind === "tickets" ? ticketDigest(ts.vrfProof) : beaconDigest(ts.beacon);
    return drawRandomness(digest, tag, epoch, entropy);
  };
  const minerInfo = (addr: string): MinerInfo => {
    const id = node.resolve(addr);
    const m = id === null ? undefined : node.miners.get(id);
    if (!m) throw new Error(`actor ${addr} is not a miner`);
    const idAddr = (n: number): string => formatIdAddress(n, "t");
    return {
      Owner: idAddr(m.owner),
      Worker: idAddr(m.worker),
      NewWorker: "<empty>",
      ControlAddresses: m.control.map(idAddr),
      WorkerChangeEpoch: -1,
      PeerId: null,
      Multiaddrs: [],
      WindowPoStProofType: 10,
      SectorSize: 2048,
      WindowPoStPartitionSectors: 2,
      ConsensusFaultElapsed: -1,
      PendingOwnerAddress: null,
      Beneficiary: idAddr(m.owner),
      BeneficiaryTerm: null,
      PendingBeneficiaryTerm: null,
    };
  };
  return {
    ChainHead: () => node.lotusTipSet(node.head),
    ChainNotify: (ctx: CallContext) =>
      (async function* (): AsyncGenerator<HeadChange[]> {
        yield [{ Type: "current", Val: node.lotusTipSet(node.head) }];
        for (;;) {
          try {
            await node.nextHead(ctx.signal);
          } catch {
            return;
          }
          yield [{ Type: "apply", Val: node.lotusTipSet(node.head) }];
        }
      })(),
    ChainGetMessage: (cid) => {
      const m = node.messages.get(cid.toString());
      if (!m) throw new Error(`message ${cid} not found`);
      return { ...m.signed.Message, CID: messageCid(m.signed.Message) };
    },
    StateNetworkName: () => node.network.name,
    StateGetNetworkParams: () => node.networkParams(),
    StateGetRandomnessFromTickets: (tag, epoch, entropy, tsk) => draw("tickets", tag, epoch, entropy, tsk),
    StateGetRandomnessFromBeacon: (tag, epoch, entropy, tsk) => draw("beacon", tag, epoch, entropy, tsk),
    StateMinerInfo: (addr) => minerInfo(addr),
    StateLookupID: (addr) => {
      const id = node.resolve(addr);
      if (id === null) throw new Error(`actor not found: ${addr}`);
      return formatIdAddress(id, "t");
    },
    StateGetActor: (addr) => {
      const id = node.resolve(addr);
      if (id === null) throw new Error(`actor not found: ${addr}`);
      const a = node.actors.get(id)!;
      return { Code: EMPTY_CID, Head: EMPTY_CID, Nonce: a.nonce, Balance: a.balance, DelegatedAddress: null };
    },
    MpoolPushMessage: (msg) => {
      if (msg.Nonce !== 0) throw new Error(`MpoolPushMessage expects message nonce to be 0, was ${msg.Nonce}`);
      return node.push(msg);
    },
    MpoolGetNonce: (addr) => {
      const id = node.resolve(addr);
      if (id === null) throw new Error(`actor not found: ${addr}`);
      return node.mpoolNonce(id);
    },
    StateWaitMsg: async (cid, confidence, _limit, allowReplaced, ctx: CallContext) => {
      for (;;) {
        const l = node.lookup(cid, allowReplaced);
        if (l && node.head.height >= l.Height + confidence) return l;
        await node.nextHead(ctx.signal);
      }
    },
    StateSearchMsg: (_tsk, cid, _limit, allowReplaced) => node.lookup(cid, allowReplaced),
    StateListMessages: (match, tsk, toHeight) => {
      const top = node.tipsetOf(tsk);
      const from = match.From === undefined ? undefined : node.resolve(match.From);
      if (from === null) return [];
      const out: CID[] = [];
      for (let h = Math.max(0, toHeight); h <= top.height; h++) {
        for (const c of node.tipsets[h]!.messages) {
          const m = node.messages.get(c)!;
          if (from === undefined || m.fromId === from) out.push(m.cid);
        }
      }
      return out;
    },
  };
}

export interface MarketCalls {
  assign: { sector: SectorID; size: number; spec: GetDealSpec | null }[];
  release: { miner: string; ids: number[] }[];
  releaseDirect: { miner: string; ids: number[] }[];
}

function marketImpl(calls: MarketCalls, deals: DealInfoV2[]): ServerMethods<typeof marketApi> {
  return {
    AssignDeals: (sector, size, spec) => {
      calls.assign.push({ sector, size, spec });
      return deals;
    },
    ReleaseDeals: (miner, ids) => {
      calls.release.push({ miner, ids });
      return null;
    },
    ReleaseDirectDeals: (miner, ids) => {
      calls.releaseDirect.push({ miner, ids });
      return null;
    },
    ListenMarketEvent: () => {
      throw new Error("no market events here");
    },
    ResponseMarketEvent: () => null,
  };
}

/** sophon-messager over the fake node: a known id pushes nothing. */
function messagerImpl(node: FakeNode, ids: Map<string, CID>): ServerMethods<typeof messagerApi> {
  const record = (id: string): MessagerMessage => {
    const cid = ids.get(id);
    if (!cid) throw new Error(`message ${id} not found`);
    const m = node.messages.get(cid.toString())!;
    const l = node.lookup(cid, true);
    const now = new Date().toISOString();
    const sm = m.signed.Message;
    return {
      ID: id,
      UnsignedCid: messageCid(sm),
      SignedCid: cid,
      ...sm,
      Signature: m.signed.Signature,
      Height: l?.Height ?? 0,
      Confidence: l ? node.head.height - l.Height : 0,
      Receipt: l?.Receipt ?? null,
      TipSetKey: l?.TipSet ?? [],
      Meta: null,
      WalletName: "",
      State: l ? MessageState.OnChainMsg : MessageState.FillMsg,
      ErrorMsg: "",
      CreatedAt: now,
      UpdatedAt: now,
    };
  };
  return {
    PushMessageWithId: (id, msg) => {
      if (!ids.has(id)) ids.set(id, node.push(msg).CID);
      return id;
    },
    HasMessageByUid: (id) => ids.has(id),
    GetMessageByUid: (id) => record(id),
    WaitMessage: async (id, confidence, ctx: CallContext) => {
      for (;;) {
        const r = record(id);
        if (r.State === MessageState.OnChainMsg && r.Confidence >= confidence) return r;
        await node.nextHead(ctx.signal);
      }
    },
  };
}

export interface FakeServer {
  node: FakeNode;
  server: RpcServer;
  port: number;
  token: string;
  http: string;
  ws: string;
  market: MarketCalls;
  deals: DealInfoV2[];
  sophonIds: Map<string, CID>;
  /** Stops listening (open connections are closed). */
  stop(): Promise<void>;
  /** Serves the same node again on the same port (the node "restarted"). */
  start(): Promise<void>;
  close(): Promise<void>;
}

/** Serves the node at /rpc/v1 (Filecoin + VENUS_MARKET) and /rpc/v0 (Message), bearer tokens required. */
export async function serveFake(t: TestContext, node = new FakeNode(), port = 0): Promise<FakeServer> {
  const secret = randomSecret();
  const market: MarketCalls = { assign: [], release: [], releaseDirect: [] };
  const deals: DealInfoV2[] = [];
  const sophonIds = new Map<string, CID>();
  const make = (): RpcServer =>
    createRpcServer({
      routes: [
        { path: "/rpc/v1", apis: [implement(fakeLotusApi, lotusImpl(node)), implement(marketApi, marketImpl(market, deals))] },
        { path: "/rpc/v0", apis: [implement(messagerApi, messagerImpl(node, sophonIds))] },
      ],
      authenticate: tokenAuthenticator(secret),
    });
  let server = make();
  const addr = await server.listen("127.0.0.1", port);
  const f: FakeServer = {
    node,
    server,
    port: addr.port,
    token: await createToken(secret, allowUpTo("admin")),
    http: `http://127.0.0.1:${addr.port}`,
    ws: `ws://127.0.0.1:${addr.port}`,
    market,
    deals,
    sophonIds,
    stop: () => server.close(),
    async start() {
      server = make();
      await server.listen("127.0.0.1", addr.port);
      f.server = server;
    },
    close: () => server.close(),
  };
  t.after(() => server.close());
  return f;
}
