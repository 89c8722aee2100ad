// Issue 12 item 4: the plan and its report carry the latency model's own error and which parts of
// each profile are measured, fitted or assumed.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyzeModel } from '@splitc/ir';
import { loadModel } from '@splitc/onnx';
import { Plan, planSplit, renderReport } from '@splitc/planner';
import { resolveTarget } from '@splitc/targets';

const root = path.resolve(__dirname, '../../..');
const g = analyzeModel(loadModel(path.join(root, 'fixtures/models/resnet18.onnx')));

describe('model error in the plan and the report', () => {
  it('the plan carries each profile\'s provenance and error figures', () => {
    const t = resolveTarget({ target: 'vck190+h200' });
    const p = planSplit(g, t, { minCut: false });
    expect(p.accuracy).toEqual({ gpu: t.gpu.provenance, dpu: t.dpu.provenance });
    const sets = p.accuracy!.gpu!.errors.map((e) => `${e.set}/${e.precision}`);
    expect(sets).toEqual(['fit/fp16', 'fit/fp32', 'leave-one-out/fp16', 'leave-one-out/fp32', 'held-out/fp16', 'held-out/fp32']);
    expect(Plan.parse(JSON.parse(JSON.stringify(p)))).toEqual(p);
  });

  it('the report shows measured / fitted / assumed and the error table, escaped', () => {
    const t = resolveTarget({ target: 'vck190+h200' });
    const gpu = { ...t.gpu, provenance: { ...t.gpu.provenance!, assumed: ['<script>alert(1)</script> & more'] } };
    const html = renderReport(planSplit(g, { ...t, gpu }, { minCut: false }));
    const section = html.slice(html.indexOf('Model error</h2>'), html.indexOf('<h2>Layers</h2>'));
    expect(section).toContain('<b>Measured:</b>');
    expect(section).toContain('<b>Fitted:</b>');
    expect(section).toContain('&lt;script&gt;alert(1)&lt;/script&gt; &amp; more');
    expect(section).not.toContain('<script>');
    const fit16 = t.gpu.provenance!.errors[0]!;
    expect(section).toContain(`<td>${fit16.points}</td><td>${fit16.geomeanRatio.toFixed(2)}×</td><td>${fit16.worstRatio.toFixed(2)}×</td>`);
  });

  it('a profile without provenance (a user file) says its error is unknown', () => {
    const t = resolveTarget({ target: 'zcu102+rtx2080' });
    const p = planSplit(g, t, { minCut: false });
    expect(p.accuracy!.dpu).toBeNull();
    expect(renderReport(p)).toContain('No provenance in this profile: its error against measurements is unknown.');
  });
});
