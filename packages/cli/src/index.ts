// splitc's public API, for build scripts and CI steps.
export { inspect, analyzeFile, summarize, formatInspect, type InspectOptions, type InspectReport, type LayerSummary, type TensorSummary } from './inspect.js';
export { main, VERSION } from './main.js';
export { SplitcError, Diagnostics, type DiagnosticCode } from '@splitc/diagnostics';
export { plan, planGraph, planJson, formatPlan, type PlanRequest } from './plan.js';
export { type Plan, renderReport, serializePlan, readPlan, parsePlan } from '@splitc/planner';
export { compile, type CompileOptions, type Manifest, type ArtifactEntry, type CrossingEntry } from './compile.js';
