// One fuzz mutant through the whole pipeline: import and analyse (what `inspect` does), plan, and
// compile into a scratch directory. Shared by scripts/fuzz.mjs and the fuzz tests.
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { isSplitcError } from '@splitc/diagnostics';
import { analyzeModel } from '@splitc/ir';
import { loadModel } from '@splitc/onnx';
import { planSplit } from '@splitc/planner';
import { resolveTarget } from '@splitc/targets';
import { compile } from 'splitc';

const target = resolveTarget({});

/**
 * Outcome of one mutant: `compiled`, `<stage>: SPLITCnnnn` for a typed error, `untyped (<stage>)`
 * for anything else (a defect, with its message), or `leftover (compile)` when a failed compile
 * left its output directory behind.
 */
export function runMutant(bytes, dir) {
  const file = path.join(dir, 'mutant.onnx');
  const out = path.join(dir, 'out');
  rmSync(out, { recursive: true, force: true });
  writeFileSync(file, bytes);
  let stage = 'inspect';
  try {
    const g = analyzeModel(loadModel(file));
    stage = 'plan';
    planSplit(g, target);
    stage = 'compile';
    compile(file, { output: out, force: true });
    rmSync(out, { recursive: true, force: true });
    return { outcome: 'compiled' };
  } catch (e) {
    if (!isSplitcError(e)) return { outcome: `untyped (${stage})`, message: e instanceof Error ? `${e.message}\n${e.stack ?? ''}` : String(e) };
    if (stage === 'compile' && existsSync(out)) return { outcome: 'leftover (compile)', message: `${e.code} left ${out} behind` };
    return { outcome: `${stage}: ${e.code}` };
  }
}
