// The `plan` job's output: the table, the JSON, plan.json and the HTML report. Planning itself
// (plan, planGraph, preparePredictor) is in @splitc/compile.

import { validateOutputPath, writeFilesAtomic, type OutputFile } from '@splitc/compile';
import { oneLine } from '@splitc/diagnostics';
import { renderReport, serializePlan, type Plan } from '@splitc/planner';

export { parseObjective, parsePredictor, plan, planGraph, preparePredictor, type PlanRequest } from '@splitc/compile';

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
