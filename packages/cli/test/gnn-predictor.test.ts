// `predictor: 'gnn'` in the plan API: the GNN's cut becomes `best` and the split, priced by the
// planner's own candidates, with the exact optimum and the regret beside it (plan.json, --json,
// report); the exact search stays the default. Weights here come from a tiny training run.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { trainGnn } from '@splitc/gnn';
import { analyzeModel } from '@splitc/ir';
import { loadModel } from '@splitc/onnx';
import { parsePlan, planGraph, planJson, preparePredictor, renderReport, serializePlan, SplitcError, type PlanRequest } from 'splitc';
import { ROOT } from './run-cli.js';

const work = mkdtempSync(path.join(tmpdir(), 'splitc-gnn-plan-'));
const weights = path.join(work, 'weights');
afterAll(() => rmSync(work, { recursive: true, force: true }));
beforeAll(async () => {
  await trainGnn({ seed: 2, models: 6, targetsPerModel: 2, epochs: 1, batchSize: 4, config: { hidden: 8, message: 4, layers: 1 }, out: weights });
});

describe('plan with predictor gnn', () => {
  it('chooses a valid prefix cut, keeps the exact optimum beside it with the regret, and says so in --json and the report', async () => {
    const req: PlanRequest = await preparePredictor({ predictor: 'gnn', gnnWeights: weights, objective: 'latency' });
    for (const name of ['resnet18', 'mobilenetv2', 'googlenet']) {
      const g = analyzeModel(loadModel(path.join(ROOT, 'fixtures/models', `${name}.onnx`)));
      const exact = planGraph(g, { objective: 'latency' });
      const p = planGraph(g, req);
      expect(p.predictor?.name).toBe('gnn');
      expect(p.predictor?.exact).toEqual(exact.best);
      expect(p.best.kind).toBe('prefix');
      const k = p.best.index!;
      expect(p.best).toEqual(exact.candidates.find((c) => c.kind === 'prefix' && c.index === k));
      expect(p.split.dpuLayers).toEqual(g.layers.slice(0, k).map((l) => l.name));
      expect(p.predictor!.regret).toBeCloseTo(p.best.latencyMs / exact.best.latencyMs - 1, 12);
      expect(parsePlan(JSON.parse(serializePlan(p)), 'plan.json')).toEqual(p);
      expect((planJson(p) as { predictor: unknown }).predictor).toEqual(p.predictor);
      const html = renderReport(p);
      expect(html).toContain('chosen (GNN)');
      expect(html).toContain(`exact optimum (GNN regret ${(p.predictor!.regret * 100).toFixed(2)}%)`);
      expect(planGraph(g, { objective: 'latency' }).predictor).toBeUndefined();
    }
    req.gnn!.dispose();
  });

  it('refuses an unknown predictor and an unloaded GNN with Usage errors naming the predictor option', async () => {
    const g = analyzeModel(loadModel(path.join(ROOT, 'fixtures/models/lenet5.onnx')));
    for (const fn of [() => planGraph(g, { predictor: 'oracle' }), () => planGraph(g, { predictor: 'gnn' })]) {
      let e: unknown;
      try { fn(); } catch (x) { e = x; }
      expect(e).toBeInstanceOf(SplitcError);
      expect((e as SplitcError).code).toBe('SPLITC9001');
      // The API names its own option; the CLI shows it as --predictor (flags.test.ts).
      expect((e as SplitcError).location.field).toBe('predictor');
    }
    await expect(preparePredictor({ predictor: 'gnn', gnnWeights: path.join(work, 'missing') })).rejects.toMatchObject({ code: 'SPLITC7001' });
  });
});
