// The `inspect` job as an API: load and analyse a model (analyzeFile, @splitc/compile), summarise it.

import { analyzeFile, type InspectOptions } from '@splitc/compile';
import { oneLine } from '@splitc/diagnostics';
import { graphTotals, importWarnings, type Graph } from '@splitc/ir';
import { dataTypeName } from '@splitc/onnx';

export type { InspectOptions };

export interface TensorSummary {
  readonly name: string;
  readonly shape: readonly number[];
  readonly dtype: string;
}

export interface LayerSummary {
  readonly index: number;
  readonly name: string;
  readonly op: string;
  readonly outputShapes: readonly (readonly number[])[];
  readonly macs: number;
  readonly params: number;
}

/** The JSON printed by `splitc inspect --json`. */
export interface InspectReport {
  readonly model: { readonly path: string; readonly opset: number; readonly producer: string };
  readonly inputs: readonly TensorSummary[];
  readonly outputs: readonly TensorSummary[];
  readonly layers: readonly LayerSummary[];
  readonly totals: { readonly macs: number; readonly params: number; readonly layers: number };
  /** What the import assumed, e.g. a dynamic batch dim set to 1 (the CLI prints each on stderr). */
  readonly warnings: readonly string[];
}

/** The report of `splitc inspect`. Large weights are never read: the summary does not need them. */
export function inspect(path: string, options: InspectOptions = {}): InspectReport {
  return summarize(analyzeFile(path, options, { lazyWeights: true }));
}

export function summarize(g: Graph): InspectReport {
  const tensor = (name: string): TensorSummary => {
    const t = g.tensors.get(name)!;
    return { name, shape: t.shape!, dtype: dataTypeName(t.dtype) };
  };
  const m = g.source.model;
  return {
    model: {
      path: g.source.file,
      opset: g.opset,
      producer: `${m.producerName}${m.producerVersion !== '' ? ` ${m.producerVersion}` : ''}`,
    },
    inputs: g.inputs.map(tensor),
    outputs: g.outputs.map(tensor),
    layers: g.layers.map((l) => ({
      index: l.index,
      name: l.name,
      op: l.op,
      outputShapes: l.outputs.filter((o) => o !== '').map((o) => g.tensors.get(o)!.shape!),
      macs: l.cost!.macs,
      params: l.cost!.params,
    })),
    totals: graphTotals(g),
    warnings: importWarnings(g),
  };
}

/** A readable table with totals. */
export function formatInspect(r: InspectReport): string {
  const rows = r.layers.map((l) => [String(l.index), l.name, l.op, l.outputShapes.map((s) => s.join('x')).join(' '), group(l.macs), group(l.params)]);
  const head = ['#', 'layer', 'op', 'output', 'MACs', 'params'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i >= 4 || i === 0 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ').trimEnd();
  const io = (ts: readonly TensorSummary[]): string => ts.map((t) => `${t.name} ${t.dtype}[${t.shape.join('x')}]`).join(', ');
  return [
    `model    ${r.model.path} (opset ${r.model.opset}${r.model.producer !== '' ? `, ${r.model.producer}` : ''})`,
    `inputs   ${io(r.inputs)}`,
    `outputs  ${io(r.outputs)}`,
    '',
    line(head),
    ...rows.map(line),
    '',
    `total    ${r.totals.layers} layers, ${group(r.totals.macs)} MACs (${(r.totals.macs / 1e9).toFixed(3)} G), ${group(r.totals.params)} params`,
  ].map(oneLine).join('\n'); // a name cannot add a line to the table
}

function group(n: number): string {
  return n.toLocaleString('en-US');
}
