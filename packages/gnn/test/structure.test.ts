// The structured heads' fixed part (structure.ts): a device's rates enter the log times with
// coefficient exactly ±1, so scaling a rate by 2 shifts the matching term by log 2 — the property
// that lets the model extrapolate to devices outside the training range.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyzeModel } from '@splitc/ir';
import { loadModel } from '@splitc/onnx';
import { resolveTarget, type ResolvedTarget } from '@splitc/targets';
import { LINK_BYTES_REFERENCE, NODE_FEATURES, graphFeatures, structureOffsets, targetDescriptor } from '@splitc/gnn';

const root = path.resolve(__dirname, '../../..');
const LN2 = Math.log(2);

describe('structured heads: fixed offsets', () => {
  const g = analyzeModel(loadModel(path.join(root, 'fixtures/models/mobilenetv2.onnx')));
  const base = resolveTarget();
  const f = graphFeatures(g, base);
  const K = 3;
  const centre = targetDescriptor(base, 'stream');
  const off = (t: ResolvedTarget) => structureOffsets(f, targetDescriptor(t, 'stream'), centre, K);
  const F = NODE_FEATURES.length;
  const node = (op: string): number => {
    const j = NODE_FEATURES.indexOf(`op:${op}`);
    for (let i = 1; i < f.nodes; i++) if (f.x[i * F + j] === 1) return i;
    throw new Error(`no ${op} node`);
  };
  const conv = node('conv');
  const dw = node('depthwise');
  const at = (o: Float64Array, i: number, column: number, k: number) => o[i * 3 * K + column * K + k]!;

  it('linkBytes: the link\'s bandwidth term also gets +ln(crossing bytes / reference), and nothing else changes', () => {
    const plain = off(base);
    const withBytes = structureOffsets(f, targetDescriptor(base, 'stream'), centre, K, { linkBytes: true });
    expect(withBytes.time).toEqual(plain.time);
    expect(withBytes.ovh).toEqual(plain.ovh);
    let checked = 0;
    for (let i = 0; i < f.nodes; i++) {
      expect(withBytes.link[i * K]).toBe(plain.link[i * K]);
      expect(withBytes.link[i * K + 1]! - plain.link[i * K + 1]!).toBeCloseTo(Math.log(Math.max(f.cutBytes[i]!, 1) / LINK_BYTES_REFERENCE), 9);
      if (f.cutBytes[i]! > 0) checked++;
    }
    expect(checked).toBe(f.nodes);
  });

  it('are zero at the centre', () => {
    const o = off(base);
    expect(Math.max(...o.time.map(Math.abs), ...o.link.map(Math.abs), ...o.ovh.map(Math.abs))).toBeLessThan(1e-5);
  });

  it('a DPU twice as fast (clock) shifts the DPU compute terms by −log 2 and nothing else', () => {
    const o = off({ ...base, dpu: { ...base.dpu, compute: { ...base.dpu.compute, clockHz: base.dpu.compute.clockHz * 2 } } });
    for (const i of [conv, dw]) {
      expect(at(o.time, i, 0, 0)).toBeCloseTo(-LN2, 5);
      expect(at(o.time, i, 1, 0)).toBeCloseTo(-LN2, 5);
      expect(at(o.time, i, 0, 1)).toBeCloseTo(0, 6);
      expect(at(o.time, i, 2, 0)).toBeCloseTo(0, 6);
    }
  });

  it('a class\'s efficiency moves only the compute terms of layers of that class; bandwidths, overheads, parallel frames and the link their own terms', () => {
    const eff = off({ ...base, gpu: { ...base.gpu, efficiency: { ...base.gpu.efficiency, fp16: { ...base.gpu.efficiency.fp16, depthwise: base.gpu.efficiency.fp16.depthwise / 2 } } } });
    expect(at(eff.time, dw, 2, 0)).toBeCloseTo(LN2, 5);
    expect(at(eff.time, conv, 2, 0)).toBeCloseTo(0, 6);
    const bw = off({ ...base, gpu: { ...base.gpu, memory: { ...base.gpu.memory, bandwidthBytesPerS: base.gpu.memory.bandwidthBytesPerS * 4 } } });
    expect(at(bw.time, conv, 2, 1)).toBeCloseTo(-2 * LN2, 5);
    const frames = off({ ...base, dpu: { ...base.dpu, compute: { ...base.dpu.compute, parallelFrames: base.dpu.compute.parallelFrames * 2 } } });
    expect(at(frames.time, conv, 1, 0)).toBeCloseTo(-LN2, 5);
    expect(at(frames.time, conv, 1, 2)).toBeCloseTo(-LN2, 5);
    expect(at(frames.time, conv, 0, 0)).toBeCloseTo(0, 6);
    expect(frames.ovh[1]).toBeCloseTo(-LN2, 5);
    expect(frames.ovh[0]).toBeCloseTo(0, 6);
    const link = off({ ...base, link: { ...base.link, bandwidthBytesPerS: base.link.bandwidthBytesPerS / 2, latencyMs: base.link.latencyMs * 2 } });
    // (latencies are logged as log10(ms + 1e-4): exact to a few parts in a thousand at 0.03 ms)
    expect(link.link[conv * K]).toBeCloseTo(LN2, 2);
    expect(link.link[conv * K + 1]).toBeCloseTo(LN2, 5);
  });
});
