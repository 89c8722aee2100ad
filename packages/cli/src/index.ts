// splitc's public API, for build scripts and CI steps.
export { inspect, analyzeFile, summarize, formatInspect, type InspectOptions, type InspectReport, type LayerSummary, type TensorSummary } from './inspect.js';
export { main, VERSION } from './main.js';
export { SplitcError, Diagnostics, type DiagnosticCode } from '@splitc/diagnostics';
export { plan, planGraph, planJson, formatPlan, writePlanOutputs, preparePredictor, parsePredictor, type PlanRequest } from './plan.js';
export { validateOutputPath, writeFilesAtomic, type OutputFile } from './write-file.js';
export { type Plan, renderReport, serializePlan, readPlan, parsePlan } from '@splitc/planner';
export { compile, type CompileOptions, type Manifest, type ArtifactEntry, type CrossingEntry } from './compile.js';
export { readManifest } from '@splitc/compile';
export { run, serve, type RunOptions, type RunResult, type ServeOptions, type ServeHandle } from '@splitc/runtime';
export type { ProgressEvent, ProgressSink } from '@splitc/diagnostics';
