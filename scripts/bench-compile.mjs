#!/usr/bin/env node
// Benchmark: `splitc compile` of ResNet152 and VGG16 with weights against the I/O floor and
// against onnx.utils.extract_model, all measured in the same run, interleaved round by round so
// that a busy machine slows every contender alike. Prints figures; not a test.
//
//   node scripts/bench-compile.mjs [--runs N] [--peer-runs N] [--no-peer] [--bin PATH] [--baseline PATH] [MODEL…]
//
// For each model (default: fixtures/models/large/{resnet152,vgg16}-weights.onnx, exported with
// PyTorch on first use):
//   floor     a node process that reads the model into a fresh buffer and writes the same bytes
//             out as two files (the dpu/gpu partition sizes): the I/O that no compile can avoid;
//   compile   `splitc compile MODEL -o OUT` (the planner's split): wall time, peak RSS, and the
//             bytes the process read and wrote (/proc/self/io), against the file and the outputs;
//   --split k `splitc compile --split k`, k the single-tensor prefix cut nearest the planner's
//             choice, and onnx.utils.extract_model (Debian python3-onnx) cutting the same two
//             halves at the same tensor;
//   baseline  with --baseline PATH (another checkout's packages/cli/bin/splitc.js): its compile,
//             interleaved with the others, for before/after figures from one run;
//   fixed     what a compile costs before it writes anything: start-up (`node -e 0` against
//             `splitc --version`) and `splitc plan MODEL` (read, hash, analyse and plan; no output).
// Ratios use medians of the same run; min and median are printed for every time.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const option = (name, fallback) => {
  const at = args.indexOf(name);
  if (at < 0) return fallback;
  const [value] = args.splice(at, 2).slice(1);
  return value;
};
const runs = Number(option('--runs', '5'));
const peerRuns = Number(option('--peer-runs', '3'));
const bin = path.resolve(option('--bin', path.join(root, 'packages/cli/bin/splitc.js')));
const baselineBin = option('--baseline', undefined);
const noPeer = args.includes('--no-peer');
const positional = args.filter((a) => !a.startsWith('--'));
const large = path.join(root, 'fixtures/models/large');
const models = positional.length > 0 ? positional.map((m) => path.resolve(m)) : ['resnet152-weights.onnx', 'vgg16-weights.onnx'].map((f) => path.join(large, f));
if (positional.length === 0 && models.some((m) => !existsSync(m))) {
  console.error('exporting the large weighted models with PyTorch (seeded random weights) …');
  const r = spawnSync('/usr/bin/python3', [path.join(root, 'scripts/export-fixtures.py'), '--large', large], { stdio: 'inherit' });
  if (r.status !== 0) process.exit(1);
}

const work = mkdtempSync(path.join(tmpdir(), 'splitc-bench-compile-'));
// Loaded before the measured program: reports at exit what it read and wrote through syscalls.
const ioProbe = path.join(work, 'io-probe.mjs');
writeFileSync(ioProbe, `import { readFileSync, writeSync } from 'node:fs';
process.on('exit', () => {
  const io = Object.fromEntries(readFileSync('/proc/self/io', 'utf8').trim().split('\\n').map((l) => l.split(': ')).map(([k, v]) => [k, Number(v)]));
  writeSync(2, '\\nIO ' + io.rchar + ' ' + io.wchar + '\\n');
});
`);
const floorScript = path.join(work, 'floor.mjs');
writeFileSync(floorScript, `import { readFileSync, writeFileSync } from 'node:fs';
const [model, a, b, cut] = process.argv.slice(2);
const bytes = readFileSync(model);
writeFileSync(a, bytes.subarray(0, Number(cut)));
writeFileSync(b, bytes.subarray(Number(cut)));
`);
const peerScript = `import onnx.utils, sys
m, inp, cut, out, d = sys.argv[1:6]
onnx.utils.extract_model(m, d + "/dpu.onnx", [inp], [cut])
onnx.utils.extract_model(m, d + "/gpu.onnx", [cut], [out])`;

const mib = (b) => (b / 2 ** 20).toFixed(1);
const sorted = (xs) => [...xs].sort((a, b) => a - b);
const median = (xs) => { const s = sorted(xs); const n = s.length; return n % 2 === 1 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2; };
const stats = (xs) => `min ${Math.min(...xs).toFixed(2)} s, median ${median(xs).toFixed(2)} s`;
const cpu = (samples) => `CPU (user+sys) median ${median(samples.map((s) => s.cpu)).toFixed(2)} s`;

/** Run a command under /usr/bin/time; wall seconds, peak RSS bytes, and the io probe if loaded. */
function timed(cmd, argv) {
  const r = spawnSync('/usr/bin/time', ['-f', 'TIME %e %M %U %S', cmd, ...argv], { encoding: 'utf8', maxBuffer: 64 << 20 });
  const time = /TIME ([\d.]+) (\d+) ([\d.]+) ([\d.]+)/.exec(r.stderr);
  if (r.status !== 0 || time === null) {
    console.error(`failed: ${cmd} ${argv.join(' ')}\n${r.stdout}${r.stderr}`);
    process.exit(1);
  }
  const io = /IO (\d+) (\d+)/.exec(r.stderr);
  return { secs: Number(time[1]), rss: Number(time[2]) * 1024, cpu: Number(time[3]) + Number(time[4]), read: io ? Number(io[1]) : NaN, written: io ? Number(io[2]) : NaN, stdout: r.stdout };
}

const fresh = () => mkdtempSync(path.join(work, 'run-'));
function compileOnce(model, extra, using = bin) {
  const dir = fresh();
  const out = path.join(dir, 'out');
  const r = timed(process.execPath, ['--import', ioProbe, using, 'compile', model, '-o', out, ...extra]);
  const manifest = JSON.parse(readFileSync(path.join(out, 'manifest.json'), 'utf8'));
  const outBytes = manifest.artifacts.reduce((n, a) => n + a.bytes, 0) + statSync(path.join(out, 'manifest.json')).size;
  rmSync(dir, { recursive: true, force: true });
  return { ...r, manifest, outBytes };
}

console.log(`bench-compile: ${cpus().length} cores (${cpus()[0]?.model ?? '?'}), node ${process.version}, load average at start ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
console.log(`splitc: ${bin}; ${runs} runs per contender${noPeer ? '' : `, ${peerRuns} of extract_model`}, interleaved\n`);

for (const model of models) {
  const size = statSync(model).size;
  const name = path.basename(model);
  // One compile first: the planner's split, the partition sizes (for the floor) and the cut for the peer.
  const first = compileOnce(model, []);
  const m = first.manifest;
  const dpuBytes = m.artifacts.find((a) => a.path === 'dpu/partition.onnx')?.bytes ?? Math.floor(size / 2);
  const best = m.plan.best.index ?? 0;
  // Plan schema 1 lists each candidate's crossing tensors, schema 2 counts them.
  const crossings = (c) => c.crossingTensors ?? c.cutTensors.length;
  const single = m.plan.candidates
    .filter((c) => c.kind === 'prefix' && crossings(c) === 1 && c.index > 0 && c.index < m.model.layers)
    .sort((a, b) => Math.abs(a.index - best) - Math.abs(b.index - best) || a.index - b.index)[0];
  // The tensor at that cut and the model's input and output, from the forced compile's manifest.
  const cut = single === undefined || noPeer ? undefined : compileOnce(model, ['--split', String(single.index)]).manifest;
  const peerArgs = cut === undefined ? [] : [cut.partitions.dpu.inputs[0], cut.crossing[0].name, cut.partitions.gpu.outputs[0]];
  const samples = { floor: [], compile: [], split: [], peer: [], node: [], version: [], plan: [], baseline: [] };
  for (let i = 0; i < Math.max(runs, noPeer ? 0 : peerRuns); i++) {
    if (i < runs) {
      const dir = fresh();
      samples.floor.push(timed(process.execPath, [floorScript, model, path.join(dir, 'a'), path.join(dir, 'b'), String(dpuBytes)]));
      rmSync(dir, { recursive: true, force: true });
      samples.compile.push(compileOnce(model, []));
      if (baselineBin !== undefined) samples.baseline.push(compileOnce(model, [], path.resolve(baselineBin)));
      samples.node.push(timed(process.execPath, ['-e', '0']));
      samples.version.push(timed(process.execPath, [bin, '--version']));
      samples.plan.push(timed(process.execPath, [bin, 'plan', model, '--quiet']));
      if (single !== undefined && !noPeer) samples.split.push(compileOnce(model, ['--split', String(single.index)]));
    }
    if (single !== undefined && !noPeer && i < peerRuns) {
      const dir = fresh();
      samples.peer.push(timed('/usr/bin/python3', ['-c', peerScript, model, peerArgs[0], peerArgs[1], peerArgs[2], dir]));
      rmSync(dir, { recursive: true, force: true });
    }
  }
  const secs = (k) => samples[k].map((s) => s.secs);
  const floor = median(secs('floor'));
  const ours = median(secs('compile'));
  const rss = median(samples.compile.map((s) => s.rss));
  const c = samples.compile[0];
  console.log(`${name} (${mib(size)} MiB), planner's split ${m.split.kind === 'prefix' ? `k = ${m.split.index}` : 'min-cut set'}:`);
  console.log(`  floor (node: read into a fresh buffer, write as two files)  ${stats(secs('floor'))}, ${cpu(samples.floor)}, peak RSS ${mib(median(samples.floor.map((s) => s.rss)))} MiB`);
  console.log(`  splitc compile                                             ${stats(secs('compile'))}, ${cpu(samples.compile)}, peak RSS ${mib(rss)} MiB`);
  console.log(`    ratio to the floor (medians)   ${(ours / floor).toFixed(2)}x   (target <= 1.3x; min/min ${(Math.min(...secs('compile')) / Math.min(...secs('floor'))).toFixed(2)}x)`);
  console.log(`    peak RSS / file size           ${(rss / size).toFixed(2)}x   (target <= 1.5x)`);
  if (baselineBin !== undefined) console.log(`  baseline compile (${baselineBin})  ${stats(secs('baseline'))}, ${cpu(samples.baseline)}, ratio to the floor ${(median(secs('baseline')) / floor).toFixed(2)}x`);
  console.log(`    bytes read by the process      ${(c.read / size).toFixed(3)}x the model file (${c.read} for ${size}: the model once, plus profiles and code)`);
  console.log(`    bytes written                  ${(c.written / c.outBytes).toFixed(3)}x the artifacts (${c.written} for ${c.outBytes})`);
  console.log(`  fixed costs: start-up node -e 0 median ${median(secs('node')).toFixed(2)} s, splitc --version ${median(secs('version')).toFixed(2)} s; splitc plan (read, hash, analyse, plan) ${stats(secs('plan'))}`);
  if (single === undefined) {
    console.log('  (no single-tensor prefix cut: extract_model cannot make the same halves)');
  } else if (!noPeer) {
    const split = median(secs('split'));
    const peer = median(secs('peer'));
    console.log(`  the same cut, k = ${single.index} (${peerArgs[1]}), the single-tensor cut nearest the planner's:`);
    console.log(`    splitc compile --split ${single.index}  ${stats(secs('split'))}, ${cpu(samples.split)}, peak RSS ${mib(median(samples.split.map((s) => s.rss)))} MiB (both partitions and every other artifact)`);
    console.log(`    onnx.utils.extract_model, both halves  ${stats(secs('peer'))}, ${cpu(samples.peer)}, peak RSS ${mib(median(samples.peer.map((s) => s.rss)))} MiB`);
    console.log(`    splitc is ${(peer / split).toFixed(1)}x faster (medians; target >= 30x)`);
  }
  console.log('');
}
console.log(`load average at the end ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
rmSync(work, { recursive: true, force: true });
