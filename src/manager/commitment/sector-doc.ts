// The sector state document kept in ManagerStore (spec/manager.md §8.2): the JSON wire form of `core.SectorState`
// (src/api/sealer-types.ts), so the CLI methods return it as stored and import/export stay one codec. Writers
// patch only the members they own (Pre, Proof, MessageInfo, TerminateInfo here) so members added by others survive.

import { z } from "zod";
import type { DocObject } from "../../db/manager-store.js";
import { MessageInfo, PreCommitInfo, ProofOnChainInfo, Seed, SectorPieces, SectorState, TerminateInfo, Ticket } from "../../api/sealer-types.js";

/** The whole record; throws naming the first bad member when the document is not a complete SectorState. */
export function sectorStateFromDoc(doc: DocObject): SectorState {
  return SectorState.parse(doc);
}

export function sectorStateToDoc(state: SectorState): DocObject {
  return z.encode(SectorState, state) as DocObject;
}

/** One member of the document, decoded; undefined when absent or null. Throws naming the member when malformed. */
function member<T extends z.ZodType>(doc: DocObject, key: string, schema: T): z.output<T> | undefined {
  const v = doc[key];
  if (v === undefined || v === null) return undefined;
  const r = schema.safeParse(v);
  if (!r.success) throw new TypeError(`sector state ${key}: ${r.error.issues[0]?.message ?? "malformed"}`);
  return r.data;
}

/** The members the commitment manager reads. */
export interface CommitView {
  ticket: Ticket | undefined;
  seed: Seed | undefined;
  pieces: SectorPieces;
  pre: PreCommitInfo | undefined;
  proof: Uint8Array | undefined;
  messageInfo: MessageInfo;
  terminateInfo: TerminateInfo;
}

export function commitView(doc: DocObject): CommitView {
  const proof = member(doc, "Proof", ProofOnChainInfo)?.Proof;
  return {
    ticket: member(doc, "Ticket", Ticket),
    seed: member(doc, "Seed", Seed),
    pieces: member(doc, "Pieces", SectorPieces) ?? [],
    pre: member(doc, "Pre", PreCommitInfo),
    proof: proof && proof.length > 0 ? proof : undefined,
    messageInfo: member(doc, "MessageInfo", MessageInfo) ?? { PreCommitCid: null, CommitCid: null, NeedSend: false },
    terminateInfo: member(doc, "TerminateInfo", TerminateInfo) ?? { TerminateCid: null, TerminatedAt: 0, AddedHeight: 0 },
  };
}

/** The document with some members replaced (each encoded to its wire form). */
export function patchDoc(
  doc: DocObject,
  patch: { pre?: PreCommitInfo; proof?: Uint8Array; messageInfo?: MessageInfo; terminateInfo?: TerminateInfo },
): DocObject {
  const out: Record<string, DocObject[string]> = { ...doc };
  if (patch.pre) out.Pre = z.encode(PreCommitInfo, patch.pre) as DocObject;
  if (patch.proof) out.Proof = z.encode(ProofOnChainInfo, { Proof: patch.proof }) as DocObject;
  if (patch.messageInfo) out.MessageInfo = z.encode(MessageInfo, patch.messageInfo) as DocObject;
  if (patch.terminateInfo) out.TerminateInfo = z.encode(TerminateInfo, patch.terminateInfo) as DocObject;
  return out;
}
