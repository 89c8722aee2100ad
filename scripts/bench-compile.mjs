#!/usr/bin/env node
// Benchmark: `splitc compile` of ResNet152 with weights (~229 MiB) and VGG16 with weights
// (~528 MiB): wall time and peak RSS of the real CLI process. Prints figures; not a test.
//
//   node scripts/bench-compile.mjs [--runs N] [--compare-onnx]
//
// --compare-onnx also times onnx.utils.extract_model (Debian python3-onnx) cutting ResNet152 into
// the same two halves at splitc's chosen split, when that cut is a single tensor.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const runsAt = args.indexOf('--runs');
const runs = runsAt >= 0 ? Number(args[runsAt + 1]) : 3;
const large = path.join(root, 'fixtures/models/large');
const models = ['resnet152-weights.onnx', 'vgg16-weights.onnx'].map((f) => path.join(large, f));
if (models.some((m) => !existsSync(m))) {
  console.error('exporting the large weighted models with PyTorch …');
  const r = spawnSync('/usr/bin/python3', [path.join(root, 'scripts/export-fixtures.py'), '--large', large], { stdio: 'inherit' });
  if (r.status !== 0) process.exit(1);
}
const bin = path.join(root, 'packages/cli/bin/splitc.js');
const mib = (b) => (b / 2 ** 20).toFixed(1);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function timed(cmd, argv) {
  const r = spawnSync('/usr/bin/time', ['-f', '%e %M', cmd, ...argv], { encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0) { console.error(r.stdout, r.stderr); process.exit(1); }
  const [secs, kib] = r.stderr.trim().split('\n').at(-1).split(' ').map(Number);
  return { secs, rss: kib * 1024, stdout: r.stdout };
}

let resnetManifest;
for (const model of models) {
  const samples = [];
  for (let i = 0; i < runs; i++) {
    const dir = mkdtempSync(path.join(tmpdir(), 'splitc-bench-'));
    const out = path.join(dir, 'out');
    samples.push(timed(process.execPath, [bin, 'compile', model, '-o', out]));
    if (model.includes('resnet152')) resnetManifest = JSON.parse(readFileSync(path.join(out, 'manifest.json'), 'utf8'));
    rmSync(dir, { recursive: true, force: true });
  }
  const size = statSync(model).size;
  console.log(`${path.basename(model)} (${mib(size)} MiB): wall median ${median(samples.map((s) => s.secs)).toFixed(2)} s, peak RSS median ${mib(median(samples.map((s) => s.rss)))} MiB (${runs} runs)`);
}

if (args.includes('--compare-onnx')) {
  // extract_model needs a single-tensor cut: take the one-tensor prefix cut nearest splitc's choice.
  const m = resnetManifest;
  const best = m.plan.best.index ?? 0;
  const single = m.plan.candidates.filter((c) => c.kind === 'prefix' && c.crossingTensors === 1 && c.index > 0 && c.index < m.model.layers);
  single.sort((a, b) => Math.abs(a.index - best) - Math.abs(b.index - best));
  const c = single[0];
  // The plan counts a candidate's crossing tensors; the manifest of a compile at that split names them.
  const named = mkdtempSync(path.join(tmpdir(), 'splitc-bench-'));
  spawnSync(process.execPath, [bin, 'compile', models[0], '-o', path.join(named, 'out'), '--split', String(c.index)], { stdio: 'ignore' });
  const cut = JSON.parse(readFileSync(path.join(named, 'out', 'manifest.json'), 'utf8')).crossing[0].name;
  rmSync(named, { recursive: true, force: true });
  const dir = mkdtempSync(path.join(tmpdir(), 'splitc-bench-onnx-'));
  const script = `import onnx.utils, sys
m, cut, d = sys.argv[1], sys.argv[2], sys.argv[3]
onnx.utils.extract_model(m, d + "/a.onnx", ["input"], [cut])
onnx.utils.extract_model(m, d + "/b.onnx", [cut], ["output"])`;
  const r = timed('/usr/bin/python3', ['-c', script, models[0], cut, dir]);
  rmSync(dir, { recursive: true, force: true });
  const s = [];
  for (let i = 0; i < runs; i++) {
    const d2 = mkdtempSync(path.join(tmpdir(), 'splitc-bench-'));
    s.push(timed(process.execPath, [bin, 'compile', models[0], '-o', path.join(d2, 'out'), '--split', String(c.index)]));
    rmSync(d2, { recursive: true, force: true });
  }
  const ours = median(s.map((x) => x.secs));
  console.log(`ResNet152 cut at k=${c.index} (${cut}):`);
  console.log(`  onnx.utils.extract_model, both halves: ${r.secs.toFixed(2)} s, peak RSS ${mib(r.rss)} MiB`);
  console.log(`  splitc compile --split ${c.index} (partitions + all artifacts): ${ours.toFixed(2)} s, peak RSS ${mib(median(s.map((x) => x.rss)))} MiB -> ${(r.secs / ours).toFixed(1)}x faster`);
}
