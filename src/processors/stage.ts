// The seam between a stage's work and everything that schedules it (STYLE.md "one file per stage behind one
// interface"): the host, the stage limits, the ext locks and the worker-thread pool only ever see this.
import type { StageInput, StageOutput } from "../api/processor-tasks.js";
import type { StageName } from "../api/stages.js";

export type { StageInput, StageOutput } from "../api/processor-tasks.js";
export type { StageName } from "../api/stages.js";

/** Peak resources of one task; read by the stage limits and by `config check` (what a limit would cost). */
export interface StageCost {
  cpus: number;
  gpus: number;
  memBytes: number;
}

export interface Stage<S extends StageName> {
  readonly name: S;
  readonly cost: StageCost;
  /** Runs one task; inputs and outputs are the wire JSON of spec/protocols.md §3.11. */
  run(input: StageInput<S>, signal: AbortSignal): Promise<StageOutput<S>>;
}

export { GiB, MiB } from "../filecoin/sizes.js";

