// Contract tests of `VenusWorker.*` (spec/protocols.md §2): the bodies the Go manager's `util worker` and the
// Rust worker CLI send, and the replies a Rust damocles-worker gives, decode and re-encode to the same text.

import { test } from "node:test";
import assert from "node:assert/strict";
import { decodeParams, decodeResult, encodeParams, encodeResult, wireName, type MethodDef, type Perm } from "../../src/api/define.js";
import { DEFAULT_WORKER_ADMIN_PORT, PLAN_NAMES, workerAdminApi, type WorkerThreadInfo } from "../../src/api/worker-admin.js";

const methods = workerAdminApi.methods as Record<string, MethodDef>;
const text = (v: unknown): string => JSON.stringify(v);

function def(name: string): MethodDef {
  const d = methods[name];
  assert.ok(d, `VenusWorker.${name} is defined`);
  return d;
}

function paramsRoundTrip(name: string, params: unknown[]): unknown[] {
  const r = decodeParams(def(name), params);
  assert.ok(r.ok, `${name} params: ${r.ok ? "" : r.message}`);
  const e = encodeParams(def(name), r.value);
  assert.ok(e.ok, e.ok ? "" : e.message);
  assert.equal(text(e.value), text(params), `${name} params re-encode to the same JSON`);
  return r.value;
}

function resultRoundTrip(name: string, result: unknown): unknown {
  const r = decodeResult(def(name), result);
  assert.ok(r.ok, `${name} result: ${r.ok ? "" : r.message}`);
  const e = encodeResult(def(name), r.value);
  assert.ok(e.ok, e.ok ? "" : e.message);
  assert.equal(text(e.value), text(result), `${name} result re-encodes to the same JSON`);
  return r.value;
}

function error(r: { ok: boolean; message?: string }): string {
  assert.equal(r.ok, false, "must be rejected");
  return r.message!;
}

/** §2.2's example, verbatim. */
const EXAMPLE = String.raw`
{"jsonrpc":"2.0","method":"VenusWorker.WorkerList","params":[],"id":1}
{"jsonrpc":"2.0","result":[{"location":"/data/sealing/03","plan":"sealer","job_id":"s-t01000-42","index":3,"thread_state":{"state":"Running","elapsed":95,"proc":"ext(pid: 23117)"},"job_state":"PC1Done","job_stage":"PC2","last_error":null}],"id":1}
{"jsonrpc":"2.0","method":"VenusWorker.WorkerResume","params":[3,"PC1Done"],"id":2}
{"jsonrpc":"2.0","result":true,"id":2}
`
  .trim()
  .split("\n")
  .map((l) => JSON.parse(l) as { method?: string; params?: unknown[]; result?: unknown; id: number });

test("§2.2 example: requests and replies decode and re-encode to the same text", () => {
  const [listReq, listRes, resumeReq, resumeRes] = EXAMPLE;
  assert.equal(listReq!.method, wireName(workerAdminApi, "WorkerList"));
  assert.deepEqual(paramsRoundTrip("WorkerList", listReq!.params!), []);
  const threads = resultRoundTrip("WorkerList", listRes!.result) as WorkerThreadInfo[];
  assert.equal(threads[0]!.index, 3);
  assert.deepEqual(threads[0]!.thread_state, { state: "Running", elapsed: 95, proc: "ext(pid: 23117)" });
  assert.equal(threads[0]!.last_error, null);
  assert.equal(resumeReq!.method, wireName(workerAdminApi, "WorkerResume"));
  assert.deepEqual(paramsRoundTrip("WorkerResume", resumeReq!.params!), [3, "PC1Done"]);
  assert.equal(resultRoundTrip("WorkerResume", resumeRes!.result), true);
});

const THREAD = {
  location: "-",
  plan: "wdpost",
  job_id: null,
  index: 0,
  thread_state: { state: "Idle" },
  job_state: "",
  job_stage: null,
  last_error: null,
};

test("every thread state form, plan and nullable field round-trips", () => {
  const list = [
    THREAD,
    { ...THREAD, location: "/data/sealing/01", plan: "sealer", job_id: "s-t01000-7", index: 1, thread_state: { state: "Paused", elapsed: 312 }, job_state: "PC1Done", job_stage: "-", last_error: "Permanent: pc2: child process exited: pc2" },
    { ...THREAD, plan: "snapup", index: 2, thread_state: { state: "Running", elapsed: 4, proc: null }, job_state: "TreeDBuilt", job_stage: "snap_encode" },
    { ...THREAD, plan: "unseal", index: 3, thread_state: { state: "Running", elapsed: 60, proc: "builtin PC1" } },
    { ...THREAD, plan: "rebuild", index: 4, thread_state: { state: "Waiting", elapsed: 40 }, job_stage: "WaitSeed" },
  ];
  resultRoundTrip("WorkerList", list);
  resultRoundTrip("WorkerList", []);
  assert.deepEqual(decodeResult(def("WorkerList"), null), { ok: true, value: [] }, "a Go nil slice");
  for (const plan of PLAN_NAMES) resultRoundTrip("WorkerList", [{ ...THREAD, plan }]);
  assert.deepEqual(PLAN_NAMES, ["sealer", "snapup", "rebuild", "unseal", "wdpost", "niporep"]);
});

test("hand-written requests and replies of every method round-trip", () => {
  const requests: Record<string, unknown[][]> = {
    WorkerList: [[]],
    WorkerPause: [[3]],
    WorkerResume: [[3, null], [0, "Finished"], [2, "PersistanceSubmitted"]],
    WorkerSetEnv: [["DUMP_ERR_RESP_23117", "1"], ["RUST_LOG", ""]],
    WorkerRemoveEnv: [["DUMP_ERR_RESP_23117"]],
    WorkerVersion: [[]],
  };
  const results: Record<string, unknown[]> = {
    WorkerList: [[THREAD]],
    WorkerPause: [true, false],
    WorkerResume: [true, false],
    WorkerSetEnv: [null],
    WorkerRemoveEnv: [null],
    WorkerVersion: ["v0.13.1-4235a89"],
  };
  assert.deepEqual(Object.keys(requests).sort(), Object.keys(methods).sort());
  for (const [name, list] of Object.entries(requests)) for (const p of list) paramsRoundTrip(name, p);
  for (const [name, list] of Object.entries(results)) for (const r of list) resultRoundTrip(name, r);
  // the Rust CLI may leave the trailing Option out; it reads as null
  assert.deepEqual(decodeParams(def("WorkerResume"), [3]), { ok: true, value: [3, null] });
});

test("bad requests and replies are rejected naming the field", () => {
  assert.match(error(decodeParams(def("WorkerPause"), [-1])), /^params\[0\]: /);
  assert.match(error(decodeParams(def("WorkerPause"), ["3"])), /^params\[0\]: /);
  assert.match(error(decodeParams(def("WorkerResume"), [3, 7])), /^params\[1\]: /);
  assert.match(error(decodeParams(def("WorkerSetEnv"), ["", "1"])), /^params\[0\]: .*non-empty/);
  assert.match(error(decodeParams(def("WorkerSetEnv"), ["A=B", "1"])), /^params\[0\]: .*"="/);
  assert.match(error(decodeParams(def("WorkerSetEnv"), ["A\0B", "1"])), /^params\[0\]: .*NUL/);
  assert.match(error(decodeParams(def("WorkerSetEnv"), ["A", "x\0y"])), /^params\[1\]: .*NUL/);
  assert.match(error(decodeParams(def("WorkerRemoveEnv"), ["A=B"])), /^params\[0\]: /);
  assert.match(error(decodeParams(def("WorkerSetEnv"), ["A"])), /wrong param count/);
  assert.match(error(decodeResult(def("WorkerList"), [{ ...THREAD, thread_state: { state: "Sleeping" } }])), /^result\[0\]\.thread_state/);
  assert.match(error(decodeResult(def("WorkerList"), [{ ...THREAD, thread_state: { state: "Paused" } }])), /^result\[0\]\.thread_state\.elapsed: /);
  assert.match(error(decodeResult(def("WorkerList"), [{ ...THREAD, plan: "porep" }])), /^result\[0\]\.plan: /);
  // PascalCase (the manager API's style) is not this API's
  const { job_id: _, ...noJobId } = THREAD;
  assert.match(error(decodeResult(def("WorkerList"), [{ ...noJobId, JobID: null }])), /^result\[0\]\.job_id: /);
});

const TABLE: [string, number, Perm][] = [
  ["WorkerList", 0, "read"],
  ["WorkerPause", 1, "write"],
  ["WorkerResume", 2, "write"],
  ["WorkerSetEnv", 2, "admin"],
  ["WorkerRemoveEnv", 1, "admin"],
  ["WorkerVersion", 0, "read"],
];

test("the method table: wire names, param counts, perms", () => {
  assert.equal(workerAdminApi.namespace, "VenusWorker");
  assert.equal(DEFAULT_WORKER_ADMIN_PORT, 17890);
  assert.deepEqual(Object.keys(methods).sort(), TABLE.map(([n]) => n).sort());
  for (const [name, count, perm] of TABLE) {
    const d = def(name);
    assert.equal(wireName(workerAdminApi, name), `VenusWorker.${name}`);
    assert.equal(d.params.length, count, name);
    assert.equal(d.perm, perm, name);
    assert.equal(d.channel, false, name);
    assert.equal(d.optionalTail, name === "WorkerResume" ? 1 : 0, name);
  }
});
