// Running the two partitions of a split one after the other in onnxruntime, as the runtime would,
// and comparing the result with the full model: the check that a split reproduces its source.
import ort from 'onnxruntime-node';
import { partitionBytes, type Partitioned } from '@splitc/partition';

export interface Feed { readonly name: string; readonly tensor: ort.Tensor }

/** Runs the DPU half, then the GPU half on what it needs; returns the model's `outputs`. */
export async function runStitched(outputs: readonly string[], p: Partitioned, feed: Feed): Promise<Record<string, ort.Tensor>> {
  const values: Record<string, ort.Tensor> = { [feed.name]: feed.tensor };
  for (const side of [p.dpu, p.gpu]) {
    if (side === null) continue;
    const s = await ort.InferenceSession.create(partitionBytes(side));
    const feeds: Record<string, ort.Tensor> = {};
    for (const i of side.inputs) feeds[i.name] = values[i.name]!;
    Object.assign(values, await s.run(feeds));
    await s.release();
  }
  return Object.fromEntries(outputs.map((o) => [o, values[o]!]));
}

/** Largest absolute difference relative to the largest magnitude of the reference `b`. */
export function maxRelDiff(a: Float32Array, b: Float32Array): number {
  let scale = 0;
  let diff = 0;
  for (let i = 0; i < a.length; i++) {
    scale = Math.max(scale, Math.abs(b[i]!));
    diff = Math.max(diff, Math.abs(a[i]! - b[i]!));
  }
  return diff / Math.max(scale, 1e-12);
}
