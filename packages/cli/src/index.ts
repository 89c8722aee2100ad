// splitc's public API, for build scripts and CI steps. The compile driver, planning, the manifest
// and the atomic writer live in @splitc/compile; the runtime in @splitc/runtime.
export { inspect, summarize, formatInspect, type InspectReport, type LayerSummary, type TensorSummary } from './inspect.js';
export { main, VERSION } from './main.js';
export { SplitcError, Diagnostics, type DiagnosticCode } from '@splitc/diagnostics';
export { planJson, formatPlan, writePlanOutputs } from './plan.js';
export {
  analyzeFile, type InspectOptions, plan, planGraph, preparePredictor, parsePredictor, type PlanRequest,
  validateOutputPath, writeFilesAtomic, type OutputFile,
  compile, type CompileOptions, type Manifest, type ArtifactEntry, type CrossingEntry, readManifest,
} from '@splitc/compile';
export { type Plan, renderReport, serializePlan, readPlan, parsePlan } from '@splitc/planner';
export { run, serve, type RunOptions, type RunResult, type ServeOptions, type ServeHandle } from '@splitc/runtime';
export type { ProgressEvent, ProgressSink } from '@splitc/diagnostics';
