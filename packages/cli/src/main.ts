// Command-line front end: parse arguments, run a job, print one readable line on failure.

import { parseArgs, type ParseArgsConfig } from 'node:util';
import { SplitcError, renderError } from '@splitc/diagnostics';
import { renderReport, serializePlan } from '@splitc/planner';
import { compile, type Manifest } from './compile.js';
import { formatInspect, inspect } from './inspect.js';
import { formatPlan, plan, planJson, type PlanRequest } from './plan.js';
import { VERSION } from './version.js';
import { writeFileAtomic } from './write-file.js';

const USAGE = `usage: splitc <command> [options]

commands:
  inspect MODEL [--json] [--input-shape NAME=1x3x224x224]
      Import MODEL, infer every shape, and print its layers with MACs and parameters.

  plan MODEL [--target vck190+rtx2080] [--link pcie|25gbe|10gbe|1gbe] [--precision fp16|fp32]
             [--objective stream|latency] [--target-file FILE] [--profile-gpu FILE] [--profile-dpu FILE]
             [--json] [--report FILE.html] [-o plan.json] [--input-shape NAME=DIMS]
      Estimate every valid split between the DPU and the GPU, choose the best, and compare it
      with DPU-only and GPU-only.

  compile MODEL -o OUT [--target vck190+rtx2080] [--link L] [--precision P] [--objective O]
             [--split N] [--force] [--external-data] [--json] [plan's other options]
      Plan the split (or take --split N) and write OUT/: the DPU and GPU partitions, the Vitis AI
      build (model.py, quantize.py, compile.sh), the TensorRT build (build_engine.sh/.py), the
      seam model, report.html and manifest.json. OUT appears only when everything succeeded.

options:
  -h, --help       show this help
  --version        print the version`;

export interface Io {
  readonly stdout: (s: string) => void;
  readonly stderr: (s: string) => void;
}

/** Runs the CLI; returns the exit code. Never throws. */
export async function main(argv: readonly string[], io: Io): Promise<number> {
  try {
    return await dispatch(argv, io);
  } catch (e) {
    io.stderr(`${renderError(e)}\n`);
    return e instanceof SplitcError ? (e.code === 'SPLITC9001' ? 2 : 1) : 70;
  }
}

async function dispatch(argv: readonly string[], io: Io): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '-h' || command === '--help' || command === 'help') {
    io.stdout(`${USAGE}\n`);
    return command === undefined ? 2 : 0;
  }
  if (command === '--version') {
    io.stdout(`${VERSION}\n`);
    return 0;
  }
  switch (command) {
    case 'inspect': {
      const { values, positionals } = parse(rest, {
        json: { type: 'boolean' },
        'input-shape': { type: 'string', multiple: true },
        help: { type: 'boolean', short: 'h' },
      });
      if (values.help === true) { io.stdout(`${USAGE}\n`); return 0; }
      const model = onePositional(positionals, 'MODEL');
      const report = inspect(model, { inputShapes: parseInputShapes(values['input-shape'] as string[] | undefined) });
      io.stdout(values.json === true ? `${JSON.stringify(report)}\n` : `${formatInspect(report)}\n`);
      return 0;
    }
    case 'plan': {
      const { values, positionals } = parse(rest, {
        ...PLAN_OPTIONS, json: { type: 'boolean' }, report: { type: 'string' }, output: { type: 'string', short: 'o' },
      });
      if (values.help === true) { io.stdout(`${USAGE}\n`); return 0; }
      const model = onePositional(positionals, 'MODEL');
      const p = plan(model, planRequest(values));
      const str = (k: string): string | undefined => values[k] as string | undefined;
      if (str('output') !== undefined) writeFileAtomic(str('output')!, serializePlan(p));
      if (str('report') !== undefined) writeFileAtomic(str('report')!, renderReport(p));
      io.stdout(values.json === true ? `${JSON.stringify(planJson(p))}\n` : `${formatPlan(p)}\n`);
      return 0;
    }
    case 'compile': {
      const { values, positionals } = parse(rest, {
        ...PLAN_OPTIONS, output: { type: 'string', short: 'o' }, split: { type: 'string' }, force: { type: 'boolean' },
        'external-data': { type: 'boolean' }, json: { type: 'boolean' },
      });
      if (values.help === true) { io.stdout(`${USAGE}\n`); return 0; }
      const model = onePositional(positionals, 'MODEL');
      const output = values.output as string | undefined;
      if (output === undefined) throw new SplitcError('Usage', 'missing -o OUT (the output directory)', { field: '-o' });
      const split = values.split as string | undefined;
      if (split !== undefined && !/^\d+$/.test(split)) throw new SplitcError('Usage', `--split ${JSON.stringify(split)} must be a non-negative integer`, { field: '--split' });
      const manifest = compile(model, {
        ...planRequest(values),
        output,
        ...optional('split', split === undefined ? undefined : Number(split)),
        force: values.force === true,
        externalData: values['external-data'] === true,
        onWarning: (m) => io.stderr(`warning: ${m}\n`),
      });
      io.stdout(values.json === true ? `${JSON.stringify(manifest)}\n` : `${formatCompile(manifest, output)}\n`);
      return 0;
    }
    default:
      throw new SplitcError('Usage', `unknown command ${JSON.stringify(command)}; run splitc --help`);
  }
}

export { VERSION } from './version.js';

/** Options shared by `plan` and `compile`: the target, the objective, measured profiles, input shapes. */
const PLAN_OPTIONS = {
  target: { type: 'string' }, link: { type: 'string' }, precision: { type: 'string' },
  objective: { type: 'string' }, 'target-file': { type: 'string' },
  'profile-gpu': { type: 'string' }, 'profile-dpu': { type: 'string' },
  'input-shape': { type: 'string', multiple: true }, help: { type: 'boolean', short: 'h' },
} as const satisfies NonNullable<ParseArgsConfig['options']>;

function planRequest(values: Record<string, unknown>): PlanRequest {
  const str = (k: string): string | undefined => values[k] as string | undefined;
  return {
    ...optional('target', str('target')), ...optional('link', str('link')), ...optional('precision', str('precision')),
    ...optional('objective', str('objective')), ...optional('targetFile', str('target-file')),
    ...optional('profileGpu', str('profile-gpu')), ...optional('profileDpu', str('profile-dpu')),
    ...optional('inputShapes', parseInputShapes(values['input-shape'] as string[] | undefined)),
  };
}

/** `{ key: value }` when value is defined, `{}` otherwise (for exactOptionalPropertyTypes-style options). */
function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return value === undefined ? {} : ({ [key]: value } as { [P in K]?: V });
}

function parse(args: readonly string[], options: NonNullable<ParseArgsConfig['options']>) {
  try {
    return parseArgs({ args: [...args], options, allowPositionals: true, strict: true });
  } catch (e) {
    throw new SplitcError('Usage', `${(e as Error).message.split('\n')[0]}; run splitc --help`);
  }
}

function onePositional(p: readonly string[], what: string): string {
  if (p.length !== 1) throw new SplitcError('Usage', p.length === 0 ? `missing ${what}; run splitc --help` : `expected one ${what}, got ${p.length}: ${p.join(' ')}`);
  return p[0]!;
}

/** `NAME=1x3x224x224` (repeatable) → record of shapes. */
export function parseInputShapes(specs: readonly string[] | undefined): Record<string, number[]> | undefined {
  if (specs === undefined) return undefined;
  const out: Record<string, number[]> = {};
  for (const spec of specs) {
    const m = /^(.+)=(\d+(?:[x,]\d+)*)$/.exec(spec);
    if (m === null) throw new SplitcError('Usage', `--input-shape ${JSON.stringify(spec)} must look like NAME=1x3x224x224`, { field: '--input-shape' });
    out[m[1]!] = m[2]!.split(/[x,]/).map(Number);
  }
  return out;
}

function formatCompile(m: Manifest, out: string): string {
  const e = m.split.estimate;
  const lines = [
    `compiled ${m.model.path} for ${m.target.dpu} + ${m.target.gpu} (${m.target.precision}, ${m.target.link}) into ${out}/`,
    `split    ${m.split.kind === 'prefix' ? `k = ${m.split.index}` : 'min-cut set'}${m.split.forced ? ' (forced with --split)' : ''}: ${m.split.dpuLayers.length} layers on the DPU, ${m.split.gpuLayers.length} on the GPU; ${m.crossing.length} crossing tensor(s)`,
    `estimate stream ${e.streamMs.toFixed(3)} ms/frame, latency ${e.latencyMs.toFixed(3)} ms`,
    '',
    ...m.artifacts.map((a) => `  ${a.path.padEnd(26)} ${String(a.bytes).padStart(10)}  ${a.sha256.slice(0, 16)}`),
    `  ${'manifest.json'.padEnd(26)}`,
  ];
  return lines.join('\n');
}
