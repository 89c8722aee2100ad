// The CI-sized fuzz campaign: seeded byte-level and structure-aware mutants of real exports and of
// the exporter-pattern fixtures, each through import, plan and compile (scripts/fuzz-run.mjs).
// Anything but a typed SplitcError is a defect, and so is an output directory left behind.
// scripts/fuzz.mjs runs the same mutants by the ten thousand, with a watchdog for hangs.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { mutate } from '../../../scripts/fuzz-mutate.mjs';
import { runMutant } from '../../../scripts/fuzz-run.mjs';
import { ROOT } from './run-cli.js';

const work = mkdtempSync(path.join(tmpdir(), 'splitc-fuzz-test-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const BASES = ['lenet5-weights.onnx', 'tinyres-weights.onnx', 'resnet18.onnx', 'exporters/mobilenetv3-decomposed.onnx', 'exporters/tf2onnx-nhwc.onnx', 'exporters/opset9-upsample.onnx'];

describe('fuzzing (seeded): mutants of real exports through import, plan and compile', () => {
  for (const base of BASES) {
    it(`${base}: 80 mutants, typed errors or compiled models only`, () => {
      const bytes = readFileSync(path.join(ROOT, 'fixtures/models', base));
      const outcomes = new Map<string, number>();
      const defects: string[] = [];
      for (let i = 0; i < 80; i++) {
        const m = mutate(bytes, 90_001 + i);
        const r = runMutant(m.bytes, work);
        outcomes.set(r.outcome, (outcomes.get(r.outcome) ?? 0) + 1);
        if (r.outcome.startsWith('untyped') || r.outcome.startsWith('leftover')) defects.push(`mutant ${i} (${m.kind}): ${r.outcome}: ${r.message ?? ''}`);
      }
      expect(defects).toEqual([]);
      // The mutants reach many paths, compile included (a structure-only export cannot finish it), not one early exit.
      expect(outcomes.size).toBeGreaterThanOrEqual(4);
      expect([...outcomes.keys()].some((k) => k.startsWith('compile')), JSON.stringify([...outcomes])).toBe(true);
    });
  }
});
