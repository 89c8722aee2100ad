// The weights shipped in packages/gnn/weights still give the evaluation recorded beside them
// (evaluation.json, written by scripts/gnn-train.mjs) on the fixed set: every torchvision fixture ×
// 4 training-distribution targets. A change to features, model code or weights that moves any
// figure fails here until the weights are retrained and the docs updated.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, fixedSetEvaluation, loadWeights, SHIPPED_WEIGHTS_DIR, TRAIN_DEFAULTS } from '@splitc/gnn';

describe('shipped GNN weights', () => {
  it('reproduce the recorded fixed-set evaluation exactly', async () => {
    const recorded = JSON.parse(readFileSync(path.join(SHIPPED_WEIGHTS_DIR, 'evaluation.json'), 'utf8'));
    const now = await fixedSetEvaluation();
    expect(now).toEqual(recorded);
    const meta = JSON.parse(readFileSync(path.join(SHIPPED_WEIGHTS_DIR, 'model.json'), 'utf8'));
    expect(now.weightsSha256).toBe(meta.weightsSha256);
    expect(now.gnn.samples).toBe(18 * 4);
  });

  it('are what the defaults train (`splitc gnn train` and scripts/gnn-train.mjs with no flags): the same seeds, sizes and config', () => {
    const w = loadWeights();
    expect(w.seeds).toEqual(TRAIN_DEFAULTS.seeds);
    expect(w.members).toHaveLength(TRAIN_DEFAULTS.seeds.length);
    const { seeds: _seeds, ...sizes } = TRAIN_DEFAULTS;
    expect(w.meta.training).toMatchObject({ ...sizes, families: 'all', backend: 'wasm' });
    expect(w.meta.training.distribution).toBe('train-bank');
    expect(w.meta.config).toEqual(DEFAULT_CONFIG);
  });
});
