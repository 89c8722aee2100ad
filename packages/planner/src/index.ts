// @splitc/planner: valid cuts, objectives, exact search, the Plan, the report.
export { layerCosts, type LayerCosts, type MeasuredProfiles } from './costs.js';
export { prefixCrossings } from './cuts.js';
export { minCutPartition, type MinCutWeights } from './min-cut.js';
export { planSplit, candidateAt, better, type PlanOptions } from './plan.js';
export { Plan, Candidate, Objective, PLAN_SCHEMA_VERSION, parsePlan, readPlan, serializePlan } from './plan-schema.js';
export { renderReport } from './report.js';
export { withPredictedSplit } from './predicted.js';
