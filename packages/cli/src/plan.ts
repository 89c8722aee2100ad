// The `plan` job as an API: analyse a model, resolve the target, read measured profiles, plan.

import type { Graph } from '@splitc/ir';
import { planSplit, withPredictedSplit, type Objective, type Plan } from '@splitc/planner';
import type { GnnPredictor } from '@splitc/gnn';
import { readDpuProfile, readGpuProfile, resolveTarget, type ResolvedTarget, type TargetRequest } from '@splitc/targets';
import { oneLine, SplitcError } from '@splitc/diagnostics';
import { sha256HasherFor } from '@splitc/onnx';
import { analyzeFile, type InspectOptions } from './inspect.js';
import { renderReport, serializePlan } from '@splitc/planner';
import { validateOutputPath, writeFilesAtomic, type OutputFile } from './write-file.js';

export interface PlanRequest extends TargetRequest, InspectOptions {
  readonly objective?: string;
  /** trtexec --exportProfile JSON, or a GPU-half timing file (scripts/measure-gpu-half.py), measured on the GPU. */
  readonly profileGpu?: string;
  /** splitc DPU timing file (docs/planning.md, "Measured profiles"). */
  readonly profileDpu?: string;
  /** Which predictor chooses the split: `exact` (the exact search; default) or `gnn` (needs `gnn`: see preparePredictor). */
  readonly predictor?: string;
  /** The loaded GNN predictor (preparePredictor loads it). */
  readonly gnn?: GnnPredictor;
  /** A GNN weights directory (model.json + weights.bin) instead of the shipped one. */
  readonly gnnWeights?: string;
}

export function parsePredictor(p: string | undefined): 'exact' | 'gnn' {
  if (p === undefined) return 'exact';
  if (p !== 'exact' && p !== 'gnn') throw new SplitcError('Usage', `predictor ${JSON.stringify(p)} must be exact or gnn`, { field: '--predictor' });
  return p;
}

/** The request with the GNN loaded when it asks for `predictor: 'gnn'` (async: the wasm backend starts asynchronously). */
export async function preparePredictor<R extends PlanRequest>(req: R): Promise<R> {
  if (parsePredictor(req.predictor) !== 'gnn' || req.gnn !== undefined) return req;
  // Loaded only here: TensorFlow.js costs every other run ~35 MiB and a second of start-up.
  const { loadPredictor } = await import('@splitc/gnn');
  return { ...req, gnn: await loadPredictor(req.gnnWeights !== undefined ? { weightsDir: req.gnnWeights } : {}) };
}

export function parseObjective(o: string | undefined): Objective {
  if (o === undefined) return 'stream';
  if (o !== 'stream' && o !== 'latency') throw new SplitcError('Usage', `objective ${JSON.stringify(o)} must be stream or latency`, { field: '--objective' });
  return o;
}

/** Plan a split of the model at `path` (the plan records its sha256, hashed while it is read). */
export function plan(path: string, req: PlanRequest = {}): Plan {
  const hasher = sha256HasherFor(path);
  try {
    return planGraph(analyzeFile(path, req, { hasher }), req);
  } finally {
    hasher.close();
  }
}

export function planGraph(g: Graph, req: PlanRequest = {}, target: ResolvedTarget = resolveTarget(req)): Plan {
  const objective = parseObjective(req.objective);
  const names = new Set(g.layers.map((l) => l.name));
  const measured = {
    ...(req.profileGpu !== undefined ? { gpu: readGpuProfile(req.profileGpu, names) } : {}),
    ...(req.profileDpu !== undefined ? { dpu: readDpuProfile(req.profileDpu, names) } : {}),
  };
  const exact = planSplit(g, target, { objective, measured });
  if (parsePredictor(req.predictor) === 'exact') return exact;
  if (req.gnn === undefined) throw new SplitcError('Usage', 'predictor gnn is not loaded: await preparePredictor(request) first', { field: '--predictor' });
  return withPredictedSplit(exact, g, req.gnn.predict(g, target, objective).index, { name: 'gnn', weights: req.gnn.weights });
}

/** The object printed by `splitc plan --json`. */
export function planJson(p: Plan): object {
  return {
    target: p.target,
    objective: p.objective,
    best: p.best,
    baselines: p.baselines,
    speedups: p.speedups,
    candidates: p.candidates,
    unsupported: p.unsupported,
    measured: p.measured,
    accuracy: p.accuracy ?? null,
    predictor: p.predictor ?? { name: 'exact' },
    notes: p.notes,
  };
}

function fmt(ms: number): string {
  return ms.toFixed(3);
}

function kib(b: number): string {
  return `${(b / 1024).toFixed(1)} KiB`;
}

export function formatPlan(p: Plan): string {
  const head = ['', 'k', 'DPU layers', 'crossing', 'DPU ms', 'link ms', 'GPU ms', 'stream ms', 'latency ms'];
  const rows = p.candidates.map((c) => [
    c === p.best ? '*' : '',
    c.index === null ? 'min-cut' : String(c.index),
    String(c.dpuLayers),
    `${kib(c.crossingBytes)} (${c.crossingTensors})`,
    fmt(c.dpuMs), fmt(c.linkMs), fmt(c.gpuMs), fmt(c.streamMs), fmt(c.latencyMs),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]): string => cells.map((c, i) => c.padStart(widths[i]!)).join('  ').trimEnd();
  const b = p.best;
  const speed = (x: number | null): string => (x === null ? 'n/a (impossible)' : `${x.toFixed(2)}x`);
  const out = [
    `model     ${p.model.path} (${p.model.layers} layers)`,
    `target    ${p.target.dpu} (${p.target.vaiTarget}) + ${p.target.gpu} ${p.target.precision} over ${p.target.link}; objective ${p.objective}`,
    '',
    line(head),
    ...rows.map(line),
    '',
    `chosen    ${b.kind === 'prefix' ? `k = ${b.index}` : 'min-cut set'}: ${b.dpuLayers} layers on the DPU, ${b.gpuLayers} on the GPU; crossing ${p.split.cutTensors.map((t) => `${t.name} [${t.shape.join('x')}]`).join(', ') || 'nothing'}`,
    `          stream ${fmt(b.streamMs)} ms/frame (${(1000 / b.streamMs).toFixed(0)} fps), latency ${fmt(b.latencyMs)} ms`,
    `baselines DPU-only ${p.baselines.dpuOnly === null ? 'impossible' : `stream ${fmt(p.baselines.dpuOnly.streamMs)} ms, latency ${fmt(p.baselines.dpuOnly.latencyMs)} ms`}; GPU-only stream ${fmt(p.baselines.gpuOnly.streamMs)} ms, latency ${fmt(p.baselines.gpuOnly.latencyMs)} ms`,
    `speed-up  ${speed(p.speedups.overDpuOnly)} over DPU-only, ${speed(p.speedups.overGpuOnly)} over GPU-only (${p.objective})`,
  ];
  for (const u of p.unsupported.slice(0, 10)) out.push(`not DPU   layer ${u.index} ${u.name} (${u.op}): ${u.rule}`);
  if (p.unsupported.length > 10) out.push(`not DPU   … and ${p.unsupported.length - 10} more layers`);
  for (const n of p.notes) out.push(`note      ${n}`);
  return out.map(oneLine).join('\n'); // a name cannot add a line to the table
}

/**
 * `plan -o FILE` (plan.json) and `--report FILE` (HTML): both paths checked first
 * (validateOutputPath), then written as one — both appear or neither does.
 */
export function writePlanOutputs(p: Plan, outputs: { readonly output?: string | undefined; readonly report?: string | undefined }): void {
  const files: OutputFile[] = [];
  if (outputs.output !== undefined) {
    validateOutputPath(outputs.output, '-o');
    files.push({ file: outputs.output, data: serializePlan(p) });
  }
  if (outputs.report !== undefined) {
    validateOutputPath(outputs.report, '--report');
    files.push({ file: outputs.report, data: renderReport(p) });
  }
  writeFilesAtomic(files);
}
