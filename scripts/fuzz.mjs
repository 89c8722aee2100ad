#!/usr/bin/env node
// Fuzz campaign: seeded byte-level and structure-aware mutants of real exports (fixtures/models),
// each through import (inspect), plan and compile. Prints counts by outcome. Any error that is not
// a SplitcError, and any mutant that takes longer than the watchdog, is a defect: the mutant is
// written to the failures directory so it can be replayed.
//
//   nice -n 10 node scripts/fuzz.mjs [--runs 10000] [--seed 1] [--hang-ms 60000] [--failures DIR]
//
// Mutants run in a worker process; the parent kills and restarts it when one mutant exceeds
// --hang-ms, so a hang is counted rather than stalling the campaign.
import { fork } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
/** Real exports small enough to compile thousands of times (with weights, and structure-only). */
export const FUZZ_BASES = [
  'lenet5-weights.onnx', 'tinyres-weights.onnx', 'resnet18.onnx', 'mobilenet_v3_small.onnx', 'efficientnet_b0.onnx',
  'exporters/mobilenetv3-decomposed.onnx', 'exporters/tf2onnx-nhwc.onnx', 'exporters/opset9-upsample.onnx', 'exporters/opset7-legacy.onnx',
  'exporters/constant-weights.onnx', 'exporters/resize-computed-scales.onnx', 'exporters/dynamic-batch.onnx',
];

const args = process.argv.slice(2);
const opt = (name, def) => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] : def; };

if (args.includes('--worker')) await worker();
else await parent();

async function parent() {
  const runs = Number(opt('--runs', '10000'));
  const seed = Number(opt('--seed', '1'));
  const hangMs = Number(opt('--hang-ms', '60000'));
  const failures = path.resolve(opt('--failures', path.join(tmpdir(), 'splitc-fuzz-failures')));
  mkdirSync(failures, { recursive: true });
  const bases = FUZZ_BASES.filter((b) => existsSync(path.join(root, 'fixtures/models', b)));
  const counts = new Map();
  const byKind = new Map();
  const bump = (m, k) => m.set(k, (m.get(k) ?? 0) + 1);
  const defects = [];
  const times = [];
  let peakRss = 0;
  let slowest = { ms: 0 };
  let next = 0;
  const t0 = performance.now();
  while (next < runs) {
    await new Promise((resolve) => {
      const child = fork(fileURLToPath(import.meta.url), ['--worker', '--from', String(next), '--to', String(runs), '--seed', String(seed), '--bases', bases.join(',')], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
      let current = next;
      let timer;
      const arm = () => { clearTimeout(timer); timer = setTimeout(() => { child.kill('SIGKILL'); }, hangMs); };
      arm();
      child.on('message', (msg) => {
        if (msg.type === 'start') { current = msg.index; arm(); return; }
        bump(counts, msg.outcome);
        times.push(msg.ms);
        peakRss = Math.max(peakRss, msg.rss);
        if (msg.ms > slowest.ms) slowest = msg;
        bump(byKind, `${msg.kind} → ${msg.outcome.startsWith('untyped') ? 'untyped' : msg.outcome.split(' ')[0]}`);
        if (msg.outcome.startsWith('untyped') || msg.outcome.startsWith('leftover')) {
          defects.push(msg);
          writeFileSync(path.join(failures, `mutant-${msg.index}.json`), JSON.stringify(msg, null, 2));
        }
        next = msg.index + 1;
        if ((msg.index + 1) % 500 === 0) process.stderr.write(`  ${msg.index + 1}/${runs} (${((performance.now() - t0) / 1000).toFixed(0)} s)\n`);
      });
      child.on('exit', (code, signal) => {
        clearTimeout(timer);
        if (next <= current && next < runs) {
          // Killed by the watchdog (or crashed outright) on `current`.
          const outcome = signal === 'SIGKILL' ? 'hang' : `untyped: worker exited with ${code ?? signal}`;
          bump(counts, outcome);
          defects.push({ index: current, outcome, kind: '?', base: '?' });
          next = current + 1;
        }
        resolve();
      });
    });
  }
  const secs = (performance.now() - t0) / 1000;
  console.log(`fuzz campaign: ${runs} mutants of ${bases.length} real exports (seed ${seed}), ${secs.toFixed(0)} s`);
  console.log(`bases: ${bases.join(', ')}`);
  console.log('\noutcome (stage reached: result)              count');
  for (const [k, v] of [...counts].sort((a, b) => b[1] - a[1])) console.log(`  ${k.padEnd(44)} ${String(v).padStart(6)}`);
  const untyped = [...counts].filter(([k]) => k.startsWith('untyped')).reduce((s, [, v]) => s + v, 0);
  const hangs = counts.get('hang') ?? 0;
  const leftovers = [...counts].filter(([k]) => k.startsWith('leftover')).reduce((s, [, v]) => s + v, 0);
  console.log(`\nuntyped errors: ${untyped}   hangs (> ${hangMs} ms): ${hangs}   output left behind after a failure: ${leftovers}`);
  const sorted = [...times].sort((a, b) => a - b);
  const q = (p) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? 0;
  console.log(`per mutant (inspect + plan + compile, in the worker): median ${q(0.5).toFixed(0)} ms, 99th percentile ${q(0.99).toFixed(0)} ms, slowest ${slowest.ms.toFixed(0)} ms (mutant ${slowest.index}, ${slowest.base}, ${slowest.kind}); worker peak RSS ${(peakRss / 2 ** 20).toFixed(0)} MiB`);
  if (args.includes('--by-kind')) {
    console.log('\nby mutation → outcome');
    for (const [k, v] of [...byKind].sort()) console.log(`  ${k.padEnd(60)} ${String(v).padStart(6)}`);
  }
  for (const d of defects.slice(0, 20)) console.log(`  defect: mutant ${d.index} (${d.base}, ${d.kind}): ${d.outcome}${d.message ? ` — ${d.message}` : ''}`);
  if (defects.length > 0) console.log(`mutants written to ${failures}`);
  process.exitCode = untyped + hangs + leftovers > 0 ? 1 : 0;
}

async function worker() {
  const { mutate } = await import('./fuzz-mutate.mjs');
  const { runMutant } = await import('./fuzz-run.mjs');
  const from = Number(opt('--from', '0'));
  const to = Number(opt('--to', '0'));
  const seed = Number(opt('--seed', '1'));
  const bases = opt('--bases', '').split(',').map((b) => ({ name: b, bytes: readFileSync(path.join(root, 'fixtures/models', b)) }));
  const dir = mkdtempSync(path.join(tmpdir(), 'splitc-fuzz-'));
  try {
    for (let i = from; i < to; i++) {
      process.send({ type: 'start', index: i });
      const base = bases[i % bases.length];
      const m = mutate(base.bytes, seed * 1_000_003 + i);
      const t0 = performance.now();
      const r = runMutant(m.bytes, dir);
      const ms = performance.now() - t0;
      await new Promise((resolve) => process.send({ type: 'end', index: i, kind: m.kind, base: base.name, outcome: r.outcome, ms, rss: process.memoryUsage().rss, ...(r.message ? { message: r.message, mutant: Buffer.from(m.bytes).toString('base64') } : {}) }, resolve));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  process.disconnect();
}
