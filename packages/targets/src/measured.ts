// Measured profiles override the model: for the GPU, TensorRT's `trtexec --exportProfile` JSON or
// splitc's GPU-half timing file (scripts/measure-gpu-half.py: the GPU half timed at candidate
// splits); for the DPU, splitc's documented per-layer DPU timing file. Matching is by ONNX node name.

import { z } from 'zod';
import { readJsonFile, schemaError } from '@splitc/diagnostics';

/** Measured milliseconds per ONNX node name, plus what could not be matched to one node. */
export interface MeasuredProfile {
  readonly source: string;
  readonly layers: ReadonlyMap<string, number>;
  /** Entries whose name is not an ONNX node (reformatting copies…), with their time. */
  readonly unmatched: readonly { readonly name: string; readonly ms: number }[];
}

/** A measured time in ms: finite and bounded (a day), so that sums of many stay finite. */
const MEASURED_MS = z.number().min(0).max(86_400_000);

const TrtEntry = z.object({
  name: z.string(),
  timeMs: MEASURED_MS.optional(),
  averageMs: MEASURED_MS,
  medianMs: MEASURED_MS.optional(),
  percentage: z.number().optional(),
}).loose();
const TrtProfile = z.tuple([z.object({ count: z.number().int().positive() }).loose()], TrtEntry);

/** The DPU timing file: per ONNX node, the measured ms of one frame. */
export const DpuProfileFile = z.object({
  schemaVersion: z.literal(1),
  device: z.string(),
  /** How the numbers were measured, e.g. "xdputil benchmark + per-subgraph split" */
  method: z.string().optional(),
  layers: z.array(z.object({ name: z.string().min(1), ms: MEASURED_MS }).strict()),
}).strict();

function readJson(file: string): unknown {
  return readJsonFile(file, { invalid: 'BadProfile' });
}

/**
 * Parse a trtexec `--exportProfile` file. TensorRT names fused layers by joining the ONNX node
 * names with " + "; the time of a fused layer is given to its first ONNX node and the others get 0,
 * so sums over any set of whole fused groups are exact.
 */
export function parseTrtexecProfile(json: unknown, file: string, nodeNames: ReadonlySet<string>): MeasuredProfile {
  const r = TrtProfile.safeParse(json);
  if (!r.success) throw schemaError('BadProfile', r.error.issues, file, 'not a trtexec --exportProfile file');
  const layers = new Map<string, number>();
  const unmatched: { name: string; ms: number }[] = [];
  for (const e of r.data.slice(1) as z.infer<typeof TrtEntry>[]) {
    const ms = e.medianMs ?? e.averageMs;
    const parts = e.name.split(' + ').map((s) => s.trim()).filter((s) => nodeNames.has(s));
    if (parts.length === 0) { unmatched.push({ name: e.name, ms }); continue; }
    parts.forEach((p, i) => layers.set(p, (layers.get(p) ?? 0) + (i === 0 ? ms : 0)));
  }
  return { source: file, layers, unmatched };
}

export function parseDpuProfile(json: unknown, file: string, nodeNames: ReadonlySet<string>): MeasuredProfile {
  const r = DpuProfileFile.safeParse(json);
  if (!r.success) throw schemaError('BadProfile', r.error.issues, file, 'not a DPU timing file');
  const layers = new Map<string, number>();
  const unmatched: { name: string; ms: number }[] = [];
  for (const e of r.data.layers) {
    if (nodeNames.has(e.name)) layers.set(e.name, e.ms);
    else unmatched.push({ name: e.name, ms: e.ms });
  }
  return { source: file, layers, unmatched };
}

/**
 * splitc's GPU-half timing file: the measured time of the GPU half starting at each listed layer
 * (the suffix of the topological order from that layer on), as scripts/measure-gpu-half.py writes.
 */
export const GpuSuffixProfileFile = z.object({
  schemaVersion: z.literal(1),
  kind: z.literal('gpu-suffix'),
  device: z.string(),
  precision: z.enum(['fp16', 'fp32']).optional(),
  method: z.string().optional(),
  suffixes: z.array(z.object({ from: z.string().min(1), ms: MEASURED_MS }).strict()).min(1),
}).strict();

/**
 * Turn measured suffix times into per-layer times whose sums are the suffix times: the layers from
 * one measured start up to the next get (this suffix − the next one), all of it on the first of
 * them; the last measured start gets its whole suffix. A later suffix measured slower than an
 * earlier one (noise) is flattened first: each suffix is at least every later one.
 * Starts that are not layers of the model are reported unmatched. `nodeNames` must be in
 * topological order (as the graph's layers are).
 */
export function parseGpuSuffixProfile(json: unknown, file: string, nodeNames: ReadonlySet<string>): MeasuredProfile {
  const r = GpuSuffixProfileFile.safeParse(json);
  if (!r.success) throw schemaError('BadProfile', r.error.issues, file, 'not a GPU-half timing file');
  const order = new Map([...nodeNames].map((n, i) => [n, i]));
  const unmatched: { name: string; ms: number }[] = [];
  const starts: { index: number; name: string; ms: number }[] = [];
  for (const e of r.data.suffixes) {
    const index = order.get(e.from);
    if (index === undefined) unmatched.push({ name: e.from, ms: e.ms });
    else starts.push({ index, name: e.from, ms: e.ms });
  }
  starts.sort((a, b) => a.index - b.index);
  for (let i = starts.length - 2; i >= 0; i--) starts[i]!.ms = Math.max(starts[i]!.ms, starts[i + 1]!.ms);
  const names = [...nodeNames];
  const layers = new Map<string, number>();
  starts.forEach((s, i) => {
    const next = starts[i + 1];
    const end = next === undefined ? names.length : next.index;
    for (let k = s.index; k < end; k++) layers.set(names[k]!, k === s.index ? s.ms - (next?.ms ?? 0) : 0);
  });
  return { source: file, layers, unmatched };
}

/** A GPU profile of either kind: trtexec --exportProfile (a JSON array) or a GPU-half timing file. */
export function parseGpuProfile(json: unknown, file: string, nodeNames: ReadonlySet<string>): MeasuredProfile {
  return !Array.isArray(json) && typeof json === 'object' && json !== null && (json as { kind?: unknown }).kind === 'gpu-suffix'
    ? parseGpuSuffixProfile(json, file, nodeNames)
    : parseTrtexecProfile(json, file, nodeNames);
}

export function readGpuProfile(file: string, nodeNames: ReadonlySet<string>): MeasuredProfile {
  return parseGpuProfile(readJson(file), file, nodeNames);
}

export function readTrtexecProfile(file: string, nodeNames: ReadonlySet<string>): MeasuredProfile {
  return parseTrtexecProfile(readJson(file), file, nodeNames);
}

export function readDpuProfile(file: string, nodeNames: ReadonlySet<string>): MeasuredProfile {
  return parseDpuProfile(readJson(file), file, nodeNames);
}
