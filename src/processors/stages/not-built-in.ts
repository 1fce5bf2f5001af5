// Stages this project does not compute (snap_encode, snap_prove, unseal): a task fails at once with the fix.
import type { Stage, StageName } from "../stage.js";

export function notBuiltIn<S extends StageName>(name: S): Stage<S> {
  return {
    name,
    cost: { cpus: 0, gpus: 0, memBytes: 0 },
    run() {
      return Promise.reject(
        new Error(`stage ${name} is not built in: configure an external processor in [[processors.${name}]] with its bin`),
      );
    },
  };
}
