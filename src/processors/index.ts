// The surface of src/processors: what the worker daemon, `config check` and the bin entry use.
export { BuiltinPool } from "./builtin-pool.js";
export { processorCommand, runProcessorChild, serveProcessor } from "./child.js";
export { ExternalProcessor, ProcessorError, type ProcessorErrorCode, type ProcessorLogger } from "./external.js";
export { SlotPool, StageLimits, effectiveConcurrentLimits, systemClock, type Clock, type Release } from "./limits.js";
export { cpusAllowed, planPlacement, probePlacement, type PlacementEnvironment, type PlacementPlan } from "./placement.js";
export {
  checkProcessorFamilies,
  checkProcessorsConfig,
  startProcessorSet,
  type ProcessorEntryConfig,
  type ProcessorSet,
  type ProcessorsConfig,
  type RunOptions,
} from "./processor-set.js";
export type { Stage, StageCost } from "./stage.js";
export { BUILTIN_STAGES, hasBuiltin } from "./stages/index.js";
