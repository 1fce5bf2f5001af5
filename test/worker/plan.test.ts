import { test } from "node:test";
import assert from "node:assert/strict";
import { SECTOR_STATE_NAMES } from "../../src/api/sealer-types.js";
import { Failure } from "../../src/worker/failure.js";
import { definePlan, type Handler } from "../../src/worker/plan.js";
import { allowedProofTypes, reservationSize, sealerPlan } from "../../src/worker/planners/sealer.js";

test("the sealer table: every state's events and targets, in sealing order (spec/worker.md §6.2)", () => {
  assert.deepEqual(sealerPlan.table, {
    Empty: { Allocate: "Allocated" },
    Allocated: { AcquireDeals: "DealsAcquired" },
    DealsAcquired: { AddPiece: "PieceAdded" },
    PieceAdded: { BuildTreeD: "TreeDBuilt" },
    TreeDBuilt: { AssignTicket: "TicketAssigned" },
    TicketAssigned: { PC1: "PC1Done" },
    PC1Done: { PC2: "PC2Done", PC2NeedSyntheticProof: "SyntheticPoRepNeeded" },
    SyntheticPoRepNeeded: { SyntheticPoRep: "PC2Done" },
    PC2Done: { SubmitPC: "PCSubmitted" },
    PCSubmitted: { CheckPC: "PCLanded", ReSubmitPC: "PC2Done" },
    PCLanded: { Persist: "Persisted" },
    Persisted: { SubmitPersistance: "PersistanceSubmitted" },
    PersistanceSubmitted: { AssignSeed: "SeedAssigned" },
    SeedAssigned: { C1: "C1Done" },
    C1Done: { C2: "C2Done" },
    C2Done: { SubmitProof: "ProofSubmitted" },
    ProofSubmitted: { Finish: "Finished", ReSubmitProof: "C2Done" },
    Finished: {},
    Aborted: {},
  });
  // every listed pair is accepted by next()
  for (const [from, events] of Object.entries(sealerPlan.table))
    for (const [event, to] of Object.entries(events ?? {})) assert.equal(sealerPlan.next(from as never, event), to);
});

test("an illegal jump is refused as Critical; a state outside the plan aborts", async () => {
  const illegal = (state: string, event: string) => {
    try {
      sealerPlan.next(state as never, event);
    } catch (e) {
      return e;
    }
    return undefined;
  };
  for (const [state, event] of [["Empty", "PC1"], ["PC1Done", "SubmitPC"], ["Finished", "Allocate"], ["PCSubmitted", "Persist"], ["SnapEncoded", "Persist"]]) {
    const e = illegal(state!, event!);
    assert.ok(e instanceof Failure, `${state} + ${event}`);
    assert.equal(e.level, "crit");
    assert.equal(e.code, "ILLEGAL_TRANSITION");
  }
  assert.match((illegal("Empty", "PC1") as Error).message, /event PC1 is not accepted in state Empty \(accepted: Allocate\)/);
  // every state name resolves to a handler; those the sealer does not know abort the sector
  for (const s of SECTOR_STATE_NAMES) assert.equal(typeof sealerPlan.handler(s), "function");
  await assert.rejects(sealerPlan.handler("SnapEncoded")({} as never), (e: unknown) => e instanceof Failure && e.level === "abort" && e.code === "STATE_NOT_HANDLED");
  await assert.rejects(sealerPlan.handler("Aborted")({ record: { base: null } } as never), (e: unknown) => e instanceof Failure && e.level === "abort" && e.code === "TaskAborted");
});

test("definePlan checks the handlers against the table and refuses a self-loop", () => {
  const h: Handler = async () => null;
  assert.throws(() => definePlan("t", { Empty: { Allocate: "Allocated" } }, { Empty: h }), /state Allocated is in the table but has no handler/);
  assert.throws(() => definePlan("t", { Empty: { Allocate: "Allocated" } }, { Empty: h, Allocated: h, PC1Done: h }), /handler for PC1Done, which the table does not name/);
  const loop = definePlan("t", { Empty: { Again: "Empty" } }, { Empty: h });
  assert.throws(() => loop.next("Empty", "Again"), (e: unknown) => e instanceof Failure && e.level === "crit" && /would keep state Empty/.test(e.message));
});

test("allowed sizes become V1_1, synthetic and NI proof types; reservation sizes follow §11", () => {
  assert.equal(allowedProofTypes(undefined), null);
  assert.equal(allowedProofTypes([]), null);
  assert.deepEqual(allowedProofTypes([32 * 1024 ** 3]), [8, 13, 18]);
  assert.deepEqual(allowedProofTypes([2048, 64 * 1024 ** 3]), [5, 9, 10, 14, 15, 19]);
  assert.equal(reservationSize(2048), 4096);
  assert.equal(reservationSize(512 * 1024 ** 2), 1024 ** 3);
  assert.equal(reservationSize(32 * 1024 ** 3), 35046933135);
  assert.equal(reservationSize(64 * 1024 ** 3), 64 * 1024 ** 3 + Math.floor((64 * 1024 ** 3) / 50));
});
