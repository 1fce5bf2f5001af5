// The sector record (spec/worker.md §5.4, protocols.md §4g): the project's own JSON file `<location>/meta/info.json`,
// one per store, for the sector in progress. States are names, never ordinals; an unknown name is Critical.
import { SECTOR_STATE_NAMES, type SectorStateName } from "../api/sealer-types.js";
import type { Bytes32Json, OpaqueJson, PieceInfoJson } from "../api/processor-tasks.js";
import { Failure } from "./failure.js";

export const RECORD_VERSION = 2;

/** A ticket or seed as stored: 32 bytes as an array of numbers, and its epoch. */
export interface RandomnessRecord {
  value: Bytes32Json;
  epoch: number;
}

export interface SectorRecord {
  version: typeof RECORD_VERSION;
  plan: string;
  state: SectorStateName;
  prev_state: SectorStateName | null;
  /** Temporary failures in a row in this state; reset by every successful transition (protocols.md §4e). */
  retry: number;
  base: {
    allocated: { ID: { Miner: number; Number: number }; ProofType: number };
    prove_input: { prover_id: Bytes32Json; sector_id: number };
  } | null;
  /** The manager's `SectorPieceV2` list as wire JSON ([] = CC). */
  deals_v2: unknown[] | null;
  /** snapup, rebuild, unseal. */
  finalized: { public: { comm_r: Bytes32Json }; private: { access_instance: string } } | null;
  phases: {
    pieces: PieceInfoJson[] | null;
    ticket: RandomnessRecord | null;
    pc1out: OpaqueJson | null;
    pc2out: { registered_proof: string; comm_r: Bytes32Json; comm_d: Bytes32Json } | null;
    pc2_re_submit: boolean;
    persist_instance: string | null;
    seed: RandomnessRecord | null;
    c1out: OpaqueJson | null;
    c2out: { proof: number[] } | null;
    c2_re_submit: boolean;
    snap_encode_out: OpaqueJson | null;
    snap_prov_out: OpaqueJson | null;
    unseal_in: OpaqueJson | null;
  };
}

export function newRecord(plan: string): SectorRecord {
  return {
    version: RECORD_VERSION,
    plan,
    state: "Empty",
    prev_state: null,
    retry: 0,
    base: null,
    deals_v2: null,
    finalized: null,
    phases: {
      pieces: null,
      ticket: null,
      pc1out: null,
      pc2out: null,
      pc2_re_submit: false,
      persist_instance: null,
      seed: null,
      c1out: null,
      c2out: null,
      c2_re_submit: false,
      snap_encode_out: null,
      snap_prov_out: null,
      unseal_in: null,
    },
  };
}

export const isStateName = (s: unknown): s is SectorStateName =>
  typeof s === "string" && (SECTOR_STATE_NAMES as readonly string[]).includes(s);

/** "s-t01000-42", or null before allocation. */
export function sectorLabel(r: SectorRecord): string | null {
  const id = r.base?.allocated.ID;
  return id ? `s-t0${id.Miner}-${id.Number}` : null;
}

/** Parses the record file's text; anything malformed (bad JSON, unknown state name, other version) is Critical. */
export function parseRecord(text: string, file: string): SectorRecord {
  const crit = (why: string): never => {
    throw new Failure("crit", "RECORD_INVALID", `sector record ${file}: ${why}`,
      "repair or remove the record (removing it drops the sector: abort it on the manager with `damocles-manager util sealer sectors abort`)");
  };
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    return crit(`not JSON (${(e as Error).message})`);
  }
  if (typeof v !== "object" || v === null || Array.isArray(v)) return crit("not a JSON object");
  const r = v as Record<string, unknown>;
  if (r.version !== RECORD_VERSION) crit(`version ${JSON.stringify(r.version)}; this worker reads version ${RECORD_VERSION}`);
  if (typeof r.plan !== "string" || r.plan === "") crit("plan must be a non-empty string");
  if (!isStateName(r.state)) crit(`state ${JSON.stringify(r.state)} is not a state name (${SECTOR_STATE_NAMES.join(", ")})`);
  if (r.prev_state !== null && !isStateName(r.prev_state)) crit(`prev_state ${JSON.stringify(r.prev_state)} is not a state name`);
  if (typeof r.retry !== "number" || !Number.isInteger(r.retry) || r.retry < 0) crit("retry must be a non-negative integer");
  if (typeof r.phases !== "object" || r.phases === null) crit("phases must be an object");
  const base = newRecord(r.plan as string);
  return { ...base, ...(r as object), phases: { ...base.phases, ...(r.phases as object) } } as SectorRecord;
}

/** A field the current state needs; missing means the record cannot go on: Abort (§7). */
export function need<T>(value: T | null | undefined, field: string, r: SectorRecord): T {
  if (value === null || value === undefined)
    throw new Failure("abort", "RECORD_FIELD_MISSING", `sector record in state ${r.state} lacks ${field}`);
  return value;
}
