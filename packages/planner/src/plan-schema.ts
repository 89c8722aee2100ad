// The Plan: the versioned contract between `splitc plan` and the passes after it (partitioning,
// emitters, runtime). Validated by zod on write and on read.

import { z } from 'zod';
import { readJsonFile, schemaError } from '@splitc/diagnostics';
import { Provenance } from '@splitc/targets/schema';

/** 2: candidates give the number of crossing tensors (`crossingTensors`) instead of their names (a list per candidate made plans quadratic in size). */
export const PLAN_SCHEMA_VERSION = 2;

export const Objective = z.enum(['stream', 'latency']);

const ms = z.number().nonnegative();

export const Candidate = z.object({
  /** prefix: the first `index` layers of the topological order are on the DPU. min-cut: any closed set (index null). */
  kind: z.enum(['prefix', 'min-cut']),
  index: z.number().int().nonnegative().nullable(),
  /** How many tensors cross the cut (their names are in `split.cutTensors` for the chosen one). */
  crossingTensors: z.number().int().nonnegative(),
  crossingBytes: z.number().int().nonnegative(),
  dpuLayers: z.number().int().nonnegative(),
  gpuLayers: z.number().int().nonnegative(),
  /** One frame through the DPU stage (layers + per-frame overhead), ms. */
  dpuMs: ms,
  linkMs: ms,
  gpuMs: ms,
  /** Per-frame time of the pipelined stream: max(DPU batch time / DPU parallel frames, linkMs, gpuMs). */
  streamMs: ms,
  /** One frame end to end: dpuMs + linkMs + gpuMs. */
  latencyMs: ms,
}).strict();

export const Plan = z.object({
  schemaVersion: z.literal(PLAN_SCHEMA_VERSION),
  model: z.object({ path: z.string(), sha256: z.string().regex(/^[0-9a-f]{64}$/), opset: z.number().int(), producer: z.string(), layers: z.number().int().nonnegative() }).strict(),
  target: z.object({
    dpu: z.string(), gpu: z.string(), link: z.string(), precision: z.enum(['fp16', 'fp32']),
    vaiTarget: z.string(), dpuParallelFrames: z.number().int().positive(),
  }).strict(),
  objective: Objective,
  split: z.object({
    kind: z.enum(['prefix', 'min-cut']),
    index: z.number().int().nonnegative().nullable(),
    dpuLayers: z.array(z.string()),
    gpuLayers: z.array(z.string()),
    cutTensors: z.array(z.object({ name: z.string(), shape: z.array(z.number().int().nonnegative()), dtype: z.string(), bytes: z.number().int().nonnegative() }).strict()),
  }).strict(),
  best: Candidate,
  baselines: z.object({ dpuOnly: Candidate.nullable(), gpuOnly: Candidate }).strict(),
  speedups: z.object({ overDpuOnly: z.number().positive().nullable(), overGpuOnly: z.number().positive().nullable() }).strict(),
  candidates: z.array(Candidate),
  layers: z.array(z.object({
    index: z.number().int().nonnegative(), name: z.string(), op: z.string(), macs: z.number().nonnegative(),
    dpuMs: ms, gpuMs: ms, dpuSupported: z.boolean(), measured: z.boolean(),
  }).strict()),
  unsupported: z.array(z.object({ index: z.number().int().nonnegative(), name: z.string(), op: z.string(), rule: z.string() }).strict()),
  measured: z.object({
    gpu: z.object({ file: z.string(), matched: z.number().int(), unmatched: z.number().int() }).strict().nullable(),
    dpu: z.object({ file: z.string(), matched: z.number().int(), unmatched: z.number().int() }).strict().nullable(),
  }).strict(),
  /**
   * How far the latency model behind these estimates is from measurements, and which of its
   * numbers are measured, fitted or assumed (the profiles' `provenance`); null for a profile
   * without one (a user target file). Measured profiles (`measured`) replace the model layer by layer.
   */
  accuracy: z.object({ gpu: Provenance.nullable(), dpu: Provenance.nullable() }).strict().optional(),
  /**
   * Which predictor chose `best`. For `gnn`, `exact` is the exact search's optimum beside it and
   * `regret` is best's objective over exact's, minus one. Absent in plans of the exact search alone.
   */
  predictor: z.object({
    name: z.enum(['exact', 'gnn']),
    exact: Candidate,
    regret: z.number().nonnegative(),
    /** sha256 of the GNN's weights.bin (null for exact). */
    weights: z.string().nullable(),
  }).strict().optional(),
  notes: z.array(z.string()),
}).strict();

export type Objective = z.infer<typeof Objective>;
export type Candidate = z.infer<typeof Candidate>;
export type Plan = z.infer<typeof Plan>;

/** Validate a plan (e.g. read from plan.json); errors name the field. */
export function parsePlan(json: unknown, file: string): Plan {
  const r = Plan.safeParse(json);
  if (!r.success) throw schemaError('BadSplit', r.error.issues, file, `not a splitc plan (schema ${PLAN_SCHEMA_VERSION})`);
  return r.data;
}

/** Read plan.json: a missing or unreadable file is SPLITC1001, one that is not JSON or not a plan SPLITC4011. */
export function readPlan(file: string): Plan {
  return parsePlan(readJsonFile(file, { invalid: 'BadSplit' }), file);
}

/** Serialise a plan deterministically (validated first). */
export function serializePlan(plan: Plan): string {
  return `${JSON.stringify(Plan.parse(plan), null, 2)}\n`;
}
