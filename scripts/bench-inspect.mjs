#!/usr/bin/env node
// Benchmark: `splitc inspect` on ResNet152 with weights (~240 MB). Prints wall time and peak RSS
// of the real CLI process. Not a test: it prints figures for the notes and for review.
//
//   node scripts/bench-inspect.mjs [MODEL] [--runs N] [--compare-onnx]
//
// --compare-onnx also times Debian's python3-onnx loading the same file and inferring its shapes
// (onnx.load + onnx.shape_inference.infer_shapes), for comparison.
//
// Without MODEL it uses fixtures/models/large/resnet152-weights.onnx, exporting it first with
// Debian's PyTorch (scripts/export-fixtures.py --large) when it is missing.
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const runsAt = args.indexOf('--runs');
const runs = runsAt >= 0 ? Number(args[runsAt + 1]) : 5;
const model = args.find((a, i) => !a.startsWith('--') && args[i - 1] !== '--runs') ?? path.join(root, 'fixtures/models/large/resnet152-weights.onnx');

if (!existsSync(model)) {
  console.error(`exporting ${model} with PyTorch …`);
  const r = spawnSync('/usr/bin/python3', [path.join(root, 'scripts/export-fixtures.py'), '--large', path.dirname(model)], { stdio: 'inherit' });
  if (r.status !== 0) process.exit(1);
}

const bin = path.join(root, 'packages/cli/bin/splitc.js');
const size = statSync(model).size;
const samples = [];
for (let i = 0; i < runs; i++) {
  // GNU time -f '%e %M': elapsed seconds and peak RSS in KiB of the whole splitc process.
  const r = spawnSync('/usr/bin/time', ['-f', '%e %M', process.execPath, bin, 'inspect', model, '--json'], { encoding: 'utf8', maxBuffer: 256 << 20 });
  if (r.status !== 0) {
    console.error(r.stderr);
    process.exit(1);
  }
  const [secs, kib] = r.stderr.trim().split('\n').at(-1).split(' ').map(Number);
  samples.push({ secs, rss: kib * 1024 });
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const mib = (b) => (b / 2 ** 20).toFixed(1);
const wall = median(samples.map((s) => s.secs));
const rss = median(samples.map((s) => s.rss));
const baseline = spawnSync('/usr/bin/time', ['-f', '%e %M', process.execPath, '-e', '0'], { encoding: 'utf8' }).stderr.trim().split(' ').map(Number);
console.log(`model            ${path.relative(root, model)} (${mib(size)} MiB)`);
console.log(`runs             ${runs}`);
console.log(`wall time        median ${wall.toFixed(3)} s  (min ${Math.min(...samples.map((s) => s.secs)).toFixed(3)}, max ${Math.max(...samples.map((s) => s.secs)).toFixed(3)}); empty node process ${baseline[0].toFixed(3)} s`);
console.log(`peak RSS         median ${mib(rss)} MiB = ${(rss / size).toFixed(2)}x file size; empty node process ${mib(baseline[1] * 1024)} MiB`);
console.log(`targets          < 1 s: ${wall < 1 ? 'met' : 'NOT met'};  < 2x file size: ${rss < 2 * size ? 'met' : 'NOT met'}`);

if (args.includes('--compare-onnx')) {
  const py = spawnSync('/usr/bin/time', ['-f', '%e %M', '/usr/bin/python3', '-c',
    'import onnx, onnx.shape_inference, sys; m = onnx.load(sys.argv[1]); onnx.shape_inference.infer_shapes(m)', model], { encoding: 'utf8' });
  if (py.status === 0) {
    const [secs, kib] = py.stderr.trim().split('\n').at(-1).split(' ').map(Number);
    console.log(`onnx (python)    load + infer_shapes: ${secs.toFixed(2)} s, peak RSS ${mib(kib * 1024)} MiB`);
  } else {
    console.log(`onnx (python)    not available: ${py.stderr.trim().split('\n').at(-1)}`);
  }
}
