// Command-line front end on yargs: the option tables in options.ts drive both parsing and help;
// every failure becomes one readable line and a documented exit code (docs/cli.md).

import yargs, { type Argv } from 'yargs';
import { oneLine, SplitcError, renderError } from '@splitc/diagnostics';
import type { RunResult } from '@splitc/runtime';
import type { DatasetSummary, TargetDistribution, TrainingDistribution } from '@splitc/gnn';
import { compile, type Manifest } from '@splitc/compile';
import { formatInspect, inspect } from './inspect.js';
import { validateOutputPath } from '@splitc/compile';
import { COMMANDS, COMPILE, GLOBAL_OPTIONS, GNN_COMMANDS, GNN_DATASET, GNN_EVAL, GNN_TRAIN, INSPECT, PLAN, RUN, SERVE, type CommandSpec } from './options.js';
import { formatPlan, plan, planJson, preparePredictor, writePlanOutputs, type PlanRequest } from './plan.js';
import { withCliFlag } from './flags.js';
import { progressLine, type ProgressLine } from './progress.js';
import { VERSION } from './version.js';

export interface Io {
  readonly stdout: (s: string) => void;
  readonly stderr: (s: string) => void;
  /** True when stderr is a terminal: only then is progress drawn. */
  readonly stderrIsTTY?: boolean;
  /** Terminal width, for help text and the progress line. */
  readonly columns?: number;
  /** Ends a long-running command (`serve`) as SIGINT/SIGTERM do. */
  readonly signal?: AbortSignal;
}

/** Exit codes, stable for scripts (docs/cli.md). */
export const ExitCode = { Ok: 0, Failure: 1, Usage: 2, Internal: 70 } as const;

/** Runs the CLI; returns the exit code. Never throws. */
export async function main(argv: readonly string[], io: Io): Promise<number> {
  let progress: ProgressLine | undefined;
  try {
    let output = '';
    await buildParser(argv, io, (p) => (progress = p)).parseAsync([...argv], {}, (err, _args, out) => {
      if (err === null || err === undefined) output = out;
    });
    if (output !== '') io.stdout(output.endsWith('\n') ? output : `${output}\n`);
    return ExitCode.Ok;
  } catch (e) {
    progress?.end();
    // Libraries name their API option (`inputShapes`); the user typed a flag (`--input-shape`).
    io.stderr(`${renderError(withCliFlag(e))}\n`);
    if (!(e instanceof SplitcError)) return ExitCode.Internal;
    return e.code === 'SPLITC9001' ? ExitCode.Usage : ExitCode.Failure;
  } finally {
    progress?.end();
  }
}

interface CommonArgs {
  readonly quiet?: boolean;
  readonly json?: boolean;
}

function buildParser(argv: readonly string[], io: Io, onProgressLine: (p: ProgressLine) => void): Argv {
  // A pseudo-terminal may report 0 columns (no size set): draw for 80 then.
  const columns = io.columns !== undefined && io.columns > 0 ? io.columns : 80;
  const width = io.columns !== undefined && io.columns > 0 ? Math.min(io.columns, 120) : 100;
  /** Progress and warnings for one command run, honouring --quiet, --json and the terminal. */
  const reporters = (a: CommonArgs) => {
    const delayEnv = process.env.SPLITC_PROGRESS_DELAY_MS;
    const delay = delayEnv === undefined || delayEnv.trim() === '' ? NaN : Number(delayEnv);
    const line = progressLine(
      io.stderrIsTTY === true && a.quiet !== true && a.json !== true ? { write: io.stderr, columns } : undefined,
      Number.isFinite(delay) && delay >= 0 ? { delayMs: delay } : {},
    );
    onProgressLine(line);
    return {
      onProgress: line.sink,
      onWarning: (m: string) => {
        if (a.quiet === true) return;
        line.end();
        io.stderr(`warning: ${m}\n`);
      },
    };
  };

  const y = yargs()
    .scriptName('splitc')
    .usage('$0 <command> [options]\n\nA partition-planning compiler for split CNN inference: the first layers on a Versal DPU, the rest on an NVIDIA GPU.')
    .options(GLOBAL_OPTIONS)
    .parserConfiguration({ 'dot-notation': false, 'camel-case-expansion': false, 'strip-aliased': true })
    .strict()
    .recommendCommands()
    .demandCommand(1, 'missing command')
    .help('help', 'show help (for a command: splitc <command> --help)')
    .alias('help', 'h')
    .version('version', 'print the version', VERSION)
    .wrap(width)
    .exitProcess(false)
    .fail((message, error) => {
      // yargs reports its own parse errors as YError; anything else was thrown by a command.
      if (error !== undefined && error !== null && error.name !== 'YError') throw error;
      throw usageError(message ?? error?.message ?? 'invalid arguments', argv);
    })
    .group(['quiet', 'help', 'version'], 'Global options:')
    .epilogue('Exit codes: 0 success, 1 failure (typed error SPLITCnnnn), 2 usage error, 70 internal error. Docs: docs/cli.md.');

  const command = (spec: CommandSpec, run: (a: Record<string, unknown>) => void | Promise<void>, parent: Argv = y, prefix = ''): void => {
    parent.command(
      spec.command,
      spec.summary,
      (c) => {
        c.usage(`$0 ${prefix}${spec.command} [options]\n\n${spec.description}`).wrap(width);
        for (const [name, opt] of Object.entries(spec.positionals)) c.positional(name, opt);
        c.options(spec.options);
        for (const [cmd, what] of spec.examples) c.example(cmd, what);
        return c;
      },
      async (a) => run(a as Record<string, unknown>),
    );
  };

  command(INSPECT, (a) => {
    const report = inspect(String(a.model), { inputShapes: parseInputShapes(a['input-shape']) });
    const { onWarning } = reporters(a);
    for (const w of report.warnings) onWarning(w);
    io.stdout(a.json === true ? `${JSON.stringify(report)}\n` : `${formatInspect(report)}\n`);
  });

  command(PLAN, async (a) => {
    const { onWarning } = reporters(a);
    // Neither the summary nor --json shows the source's digest: then only the model's structure is
    // read and nothing is hashed. plan.json (-o) and the report record it (hashed while read).
    const lazyDigest = a.output === undefined && a.report === undefined;
    const p = plan(String(a.model), { ...(await preparePredictor(planRequest(a))), onWarning, lazyDigest });
    // -o and --report appear together or not at all.
    writePlanOutputs(p, { output: a.output as string | undefined, report: a.report as string | undefined });
    io.stdout(a.json === true ? `${JSON.stringify(planJson(p))}\n` : `${formatPlan(p)}\n`);
  });

  command(COMPILE, async (a) => {
    const { onProgress, onWarning } = reporters(a);
    const output = String(a.output);
    const split = a.split as number | undefined;
    if (split !== undefined && !(Number.isInteger(split) && split >= 0)) {
      throw new SplitcError('Usage', `--split must be a non-negative integer, got ${JSON.stringify(rawValue(argv, 'split') ?? String(split))}`, { field: '--split' });
    }
    const manifest = compile(String(a.model), {
      ...(await preparePredictor(planRequest(a))),
      output,
      ...(split === undefined ? {} : { split }),
      force: a.force === true,
      externalData: a['external-data'] === true,
      onWarning,
      onProgress,
    });
    io.stdout(a.json === true ? `${JSON.stringify(manifest)}\n` : `${formatCompile(manifest, output)}\n`);
  });

  command(SERVE, async (a) => {
    const { serve } = await import('@splitc/runtime');
    const handle = await serve(String(a.out), {
      port: positiveInteger(argv, a, 'port', true), host: String(a.host), threads: positiveInteger(argv, a, 'threads'),
      ...(a.contexts === undefined ? {} : { contexts: positiveInteger(argv, a, 'contexts') }),
      maxWaiting: positiveInteger(argv, a, 'max-waiting', true),
      ...(a.pace === 'plan' ? { pace: 'plan' as const, paceScale: positiveNumber(argv, a, 'pace-scale') } : {}),
    });
    const endpoint = `${handle.url}/v2/models/${handle.model}/infer`;
    io.stdout(a.json === true ? `${JSON.stringify({ url: handle.url, port: handle.port, model: handle.model, endpoint })}\n` : `serving ${oneLine(handle.model)} at ${oneLine(endpoint)} (SIGINT or SIGTERM to stop)\n`);
    await untilStopped(io.signal);
    await handle.close();
  });

  command(RUN, async (a) => {
    const { onProgress } = reporters(a);
    const { run } = await import('@splitc/runtime');
    const frames = a.frames === undefined ? undefined : positiveInteger(argv, a, 'frames');
    const r = await run(String(a.out), {
      ...optional('gpuUrl', a['gpu-url'] as string | undefined), ...optional('frames', frames), ...optional('input', a.input as string | undefined),
      ...optional('model', a.model as string | undefined), ...(a.pace === 'plan' ? { pace: 'plan' as const, paceScale: positiveNumber(argv, a, 'pace-scale') } : {}),
      calibrationFrames: positiveInteger(argv, a, 'calibration-frames'),
      ...(a['runner-threads'] === undefined ? {} : { runnerThreads: positiveInteger(argv, a, 'runner-threads') }),
      ...(a.timeout === undefined ? {} : { timeoutMs: 1000 * positiveNumber(argv, a, 'timeout') }),
      window: positiveInteger(argv, a, 'window'), seed: integer(argv, a, 'seed'), threads: positiveInteger(argv, a, 'threads'),
      check: a.check !== false, onProgress,
    });
    io.stdout(a.json === true ? `${JSON.stringify(r)}\n` : `${formatRun(r)}\n`);
  });

  y.command('gnn <command>', 'the GNN split predictor: dataset, train, eval (docs/gnn.md)', (g) => {
    g.usage('$0 gnn <command> [options]\n\nThe learned split predictor: generate a labelled dataset, train the network, evaluate it on architectures it never saw.').wrap(width);
    command(GNN_DATASET, async (a) => {
      const { gnnDataset } = await import('@splitc/gnn');
      const { onProgress } = reporters(a);
      const summary = gnnDataset({
        seed: integer(argv, a, 'seed'), models: positiveInteger(argv, a, 'models'), targetsPerModel: positiveInteger(argv, a, 'targets-per-model'),
        distribution: a.distribution as TargetDistribution, ...optional('zoo', a.zoo as 1 | 2 | undefined), ...optional('out', a.output as string | undefined),
        onProgress: (p) => onProgress({ ...p, unit: 'items' }),
      });
      io.stdout(a.json === true ? `${JSON.stringify(summary)}\n` : `${formatDataset(summary)}\n`);
    }, g, 'gnn ');
    command(GNN_TRAIN, async (a) => {
      const { trainEnsemble } = await import('@splitc/gnn');
      const { onProgress } = reporters(a);
      const output = String(a.output);
      validateOutputPath(output, '-o');
      const seeds = a.seed !== undefined ? [integer(argv, a, 'seed')] : a.seeds !== undefined ? seedList(String(a.seeds)) : undefined;
      const members = seeds?.length ?? (await import('@splitc/gnn')).TRAIN_DEFAULTS.seeds.length;
      const r = await trainEnsemble({
        out: output, ...optional('seeds', seeds), ...(a.parallel === undefined ? {} : { parallel: positiveInteger(argv, a, 'parallel') }),
        backend: a.backend as 'wasm' | 'cpu' | 'auto', distribution: a.distribution as TrainingDistribution, ...optional('zoo', a.zoo as 1 | 2 | undefined),
        ...optional('graphBalance', a['graph-balance'] as boolean | undefined),
        ...(a.models === undefined ? {} : { models: positiveInteger(argv, a, 'models') }),
        ...(a['targets-per-model'] === undefined ? {} : { targetsPerModel: positiveInteger(argv, a, 'targets-per-model') }),
        ...(a.epochs === undefined ? {} : { epochs: positiveInteger(argv, a, 'epochs') }),
        // One bar per member would interleave: the bar follows the member furthest behind.
        onProgress: memberProgress(members, (p) => onProgress({ phase: p.phase === 'train' ? `train ${members} member${members === 1 ? '' : 's'}${p.loss === undefined ? '' : ` (loss ${p.loss.toFixed(4)})`}` : 'label datasets', done: p.done, total: p.total, unit: p.phase === 'train' ? 'epochs' : 'items' })),
      });
      const first = r.members[0]!;
      const summary = {
        out: output, backend: first.backend, seeds: r.members.map((m) => m.seed), samples: first.samples, epochs: first.losses.length,
        finalLoss: r.members.map((m) => m.losses.at(-1) ?? null), seconds: r.seconds,
      };
      io.stdout(a.json === true ? `${JSON.stringify(summary)}\n` : `trained ${r.members.length} member${r.members.length === 1 ? '' : 's'} (seeds ${summary.seeds.join(', ')}) on ${summary.samples} samples each for ${summary.epochs} epochs (${summary.backend}): final loss ${summary.finalLoss.map((l) => l?.toFixed(4) ?? 'n/a').join(', ')}; ${summary.seconds.toFixed(1)} s; weights in ${output}/\n`);
    }, g, 'gnn ');
    command(GNN_EVAL, async (a) => {
      const { evaluateGnn } = await import('@splitc/gnn');
      const { onProgress } = reporters(a);
      const report = await evaluateGnn({
        ...optional('weightsDir', a.weights as string | undefined), ...optional('fixturesDir', a.fixtures as string | undefined),
        targetsPerModel: positiveInteger(argv, a, 'targets-per-model'), leaveOneFamilyOut: a['leave-one-family-out'] === true,
        ...(a.seed === undefined ? {} : { seed: integer(argv, a, 'seed') }), backend: a.backend as 'wasm' | 'cpu' | 'auto', ...optional('zoo', a.zoo as 1 | 2 | undefined),
        ...optional('distribution', a.distribution as TrainingDistribution | undefined),
        onProgress: (p) => onProgress({ ...p, unit: 'items' }),
      });
      io.stdout(a.json === true ? `${JSON.stringify({ weightsSha256: report.weightsSha256, rows: report.rows })}\n` : `${report.tables}\n`);
    }, g, 'gnn ');
    return g.demandCommand(1, 'missing gnn command');
  });

  y.completion('completion', 'print a bash or zsh completion script (by $SHELL): splitc completion >> ~/.bashrc');
  return y;
}

/** Resolves on SIGINT, SIGTERM or `signal`'s abort; the handlers live only as long as the wait. */
function untilStopped(signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    if (signal?.aborted === true) stop();
    signal?.addEventListener('abort', stop, { once: true });
  });
}

/** An integer option (yargs gives NaN for text); usage error naming what was typed otherwise. */
function integer(argv: readonly string[], a: Record<string, unknown>, name: string, min = -Infinity): number {
  const v = a[name] as number;
  if (!Number.isInteger(v) || v < min) {
    const what = min === 1 ? 'a positive integer' : min === 0 ? 'a non-negative integer' : 'an integer';
    throw new SplitcError('Usage', `--${name} must be ${what}, got ${JSON.stringify(rawValue(argv, name) ?? String(v))}`, { field: `--${name}` });
  }
  return v;
}

/** --seeds: comma-separated distinct integers. */
function seedList(text: string): number[] {
  const seeds = text.split(',').map((t) => t.trim());
  if (seeds.length === 0 || seeds.some((t) => !/^-?\d+$/.test(t) || !Number.isSafeInteger(Number(t))) || new Set(seeds.map(Number)).size !== seeds.length || seeds.length > 64) {
    throw new SplitcError('Usage', `--seeds must be 1 to 64 distinct comma-separated integers, got ${JSON.stringify(text)}`, { field: '--seeds' });
  }
  return seeds.map(Number);
}

/** The ensemble's progress as one bar: each phase's least advanced member (members report separately and in parallel). */
function memberProgress(members: number, report: (p: { phase: string; done: number; total: number; loss?: number }) => void) {
  const done = new Map<string, number[]>();
  return (p: { phase: string; done: number; total: number; loss?: number; member: number }): void => {
    const counts = done.get(p.phase) ?? new Array<number>(members).fill(0);
    done.set(p.phase, counts);
    counts[p.member] = p.done;
    const least = Math.min(...counts);
    if (p.done === least || counts.every((c) => c === least)) report({ phase: p.phase, done: least, total: p.total, ...(p.loss === undefined ? {} : { loss: p.loss }) });
  };
}

/** A finite number > 0 (yargs gives NaN for text). */
function positiveNumber(argv: readonly string[], a: Record<string, unknown>, name: string): number {
  const v = a[name] as number;
  if (!(Number.isFinite(v) && v > 0)) throw new SplitcError('Usage', `--${name} must be a positive number, got ${JSON.stringify(rawValue(argv, name) ?? String(v))}`, { field: `--${name}` });
  return v;
}

function positiveInteger(argv: readonly string[], a: Record<string, unknown>, name: string, zeroAllowed = false): number {
  return integer(argv, a, name, zeroAllowed ? 0 : 1);
}

/** What the user typed for `--name` (yargs has already coerced it, e.g. to NaN). */
function rawValue(argv: readonly string[], name: string): string | undefined {
  for (let i = argv.length - 1; i >= 0; i--) {
    const t = argv[i]!;
    if (t === `--${name}`) return argv[i + 1];
    if (t.startsWith(`--${name}=`)) return t.slice(name.length + 3);
  }
  return undefined;
}

function planRequest(a: Record<string, unknown>): PlanRequest {
  const str = (k: string): string | undefined => a[k] as string | undefined;
  return {
    ...optional('target', str('target')), ...optional('link', str('link')), ...optional('precision', str('precision')),
    ...optional('objective', str('objective')), ...optional('targetFile', str('target-file')),
    ...optional('profileGpu', str('profile-gpu')), ...optional('profileDpu', str('profile-dpu')),
    ...optional('inputShapes', parseInputShapes(a['input-shape'])),
    ...optional('predictor', str('predictor')), ...optional('gnnWeights', str('gnn-weights')),
  };
}

/** `{ key: value }` when value is defined, `{}` otherwise. */
function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return value === undefined ? {} : ({ [key]: value } as { [P in K]?: V });
}

/** `NAME=1x3x224x224` (repeatable) → shapes by input name, in a map with no prototype. */
export function parseInputShapes(specs: unknown): Record<string, number[]> | undefined {
  if (specs === undefined) return undefined;
  const out = Object.create(null) as Record<string, number[]>;
  for (const spec of Array.isArray(specs) ? specs.map(String) : [String(specs)]) {
    const m = /^(.+)=(\d+(?:[x,]\d+)*)$/.exec(spec);
    if (m === null) throw new SplitcError('Usage', `--input-shape ${JSON.stringify(spec)} must look like NAME=1x3x224x224`, { field: '--input-shape' });
    out[m[1]!] = m[2]!.split(/[x,]/).map(Number);
  }
  return out;
}

/** yargs' validation message as a usage error, with "did you mean" for mistyped options and commands. */
function usageError(message: string, argv: readonly string[]): SplitcError {
  const words = argv.filter((t) => !t.startsWith('-'));
  let given = words[0] ?? '';
  let spec: CommandSpec | undefined = COMMANDS.find((c) => c.command.split(' ')[0] === given);
  let help = spec === undefined ? 'run splitc --help' : `run splitc ${given} --help`;
  if (given === 'gnn') {
    const sub = words[1] ?? '';
    spec = GNN_COMMANDS.find((c) => c.command === sub);
    help = spec === undefined ? 'run splitc gnn --help' : `run splitc gnn ${sub} --help`;
    if (spec !== undefined || sub !== '') given = sub;
    if (spec === undefined && sub === '') return new SplitcError('Usage', `missing gnn command: dataset, train or eval (${help})`);
  }
  const didYouMean = /^Did you mean (.+)\?$/.exec(message);
  if (didYouMean !== null) return new SplitcError('Usage', `unknown command ${JSON.stringify(given)}: did you mean ${didYouMean[1]}? (${help})`);
  const unknown = /^Unknown arguments?: (.+)$/.exec(message);
  if (unknown !== null) {
    const names = unknown[1]!.split(', ');
    if (spec === undefined && given !== '') return new SplitcError('Usage', `unknown command ${JSON.stringify(given)} (${help})`);
    const known = optionNames(spec);
    const parts = names.map((n) => {
      if (argv.includes(n)) return `unexpected argument ${JSON.stringify(n)}`;
      const flag = n.length === 1 ? `-${n}` : `--${n}`;
      const near = nearest(n, known);
      return near === undefined ? `unknown option ${flag}` : `unknown option ${flag}: did you mean --${near}?`;
    });
    return new SplitcError('Usage', `${parts.join('; ')} (${help})`);
  }
  const noValue = /^Not enough arguments following: (.+)$/.exec(message);
  if (noValue !== null) return new SplitcError('Usage', `--${noValue[1]} needs a value (${help})`, { field: `--${noValue[1]}` });
  const missingPositional = /^Not enough non-option arguments/.exec(message);
  if (missingPositional !== null) return new SplitcError('Usage', given === '' ? `missing command (${help})` : `missing MODEL (${help})`);
  const missing = /^Missing required arguments?: (.+)$/.exec(message);
  if (missing !== null) {
    const flags = missing[1]!.split(', ').map((n) => {
      const alias = spec?.options[n]?.alias;
      return typeof alias === 'string' ? `-${alias} (--${n})` : `--${n}`;
    });
    return new SplitcError('Usage', `missing ${flags.join(', ')} (${help})`);
  }
  const invalid = /Argument: (\S+), Given: (.+), Choices: (.+)$/.exec(message.replace(/\s*\n\s*/g, ' '));
  if (invalid !== null) {
    const choices = invalid[3]!.split(', ').map((c) => c.replace(/^"|"$/g, '')).join(', ');
    return new SplitcError('Usage', `${invalid[1]} ${invalid[2]} must be one of ${choices} (${help})`, { field: `--${invalid[1]}` });
  }
  return new SplitcError('Usage', `${message.replace(/\s*\n\s*/g, ' ')} (${help})`);
}

function optionNames(spec: CommandSpec | undefined): string[] {
  const tables = [GLOBAL_OPTIONS, ...(spec === undefined ? [] : [spec.options])];
  return [...tables.flatMap((t) => Object.keys(t)), 'help', 'version'];
}

/** The closest name within a small edit distance, if one is clearly meant. */
export function nearest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Math.max(1, Math.min(3, Math.floor(word.length / 3)));
  for (const c of candidates) {
    const d = editDistance(word, c);
    if (d <= bestDistance && (best === undefined || d < editDistance(word, best))) {
      best = c;
      bestDistance = d;
    }
  }
  return best;
}

/** Optimal-string-alignment distance (Levenshtein with adjacent transpositions). */
function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
    }
  }
  return d[a.length]![b.length]!;
}

function formatRun(r: RunResult): string {
  const ms = (x: number | null): string => (x === null ? 'n/a' : `${x.toFixed(1)} ms`);
  const s = r.stages;
  return [
    `ran      ${r.frames} frames of ${oneLine(r.model)} (${r.batch} per DPU call) against ${oneLine(r.gpuUrl)}`,
    `fps      ${r.fps.toFixed(1)}${r.pace !== null && r.efficiency !== null ? ` (plan predicts ${r.pace.predictedFps.toFixed(1)} at pace ×${r.pace.scale}: efficiency ${r.efficiency.toFixed(3)}, ${r.steadyEfficiency === null ? 'n/a' : r.steadyEfficiency.toFixed(3)} once the pipeline is full)` : ''}`,
    `latency  p50 ${r.latencyMs.p50.toFixed(2)} ms, p99 ${r.latencyMs.p99.toFixed(2)} ms`,
    `busy     dpu ${ms(s.dpu.busyMs)} (${s.dpu.calls} calls), link ${ms(s.link.busyMs)} (${s.link.requests} requests), gpu ${ms(s.gpu.busyMs)}, sink ${ms(s.sink.busyMs)}`,
    r.check === null
      ? 'check    skipped (--no-check)'
      : `check    min cosine ${r.check.minCosine.toFixed(6)}, mean ${r.check.meanCosine.toFixed(6)}, top-1 agreement ${(100 * r.check.top1Agreement).toFixed(1)}% over ${r.check.frames} frames against the fp32 model`,
  ].join('\n');
}

function formatDataset(d: DatasetSummary): string {
  const families = Object.entries(d.families).map(([f, n]) => `${f} ${n}`).join(', ');
  return [
    `samples  ${d.samples} (${d.models} models, ${d.meanLayers.toFixed(1)} layers on average)`,
    `families ${families}`,
    `optimum  GPU-only ${d.optimum.gpuOnly}, DPU-only ${d.optimum.dpuOnly}, a split between ${d.optimum.split}`,
  ].join('\n');
}

function formatCompile(m: Manifest, out: string): string {
  const e = m.split.estimate;
  const lines = [
    `compiled ${oneLine(m.model.path)} for ${oneLine(m.target.dpu)} + ${oneLine(m.target.gpu)} (${m.target.precision}, ${oneLine(m.target.link)}) into ${oneLine(out)}/`,
    `split    ${m.split.kind === 'prefix' ? `k = ${m.split.index}` : 'min-cut set'}${m.split.forced ? ' (forced with --split)' : ''}: ${m.split.dpuLayers.length} layers on the DPU, ${m.split.gpuLayers.length} on the GPU; ${m.crossing.length} crossing tensor(s)`,
    `estimate stream ${e.streamMs.toFixed(3)} ms/frame, latency ${e.latencyMs.toFixed(3)} ms`,
    '',
    ...m.artifacts.map((a) => `  ${oneLine(a.path).padEnd(26)} ${String(a.bytes).padStart(10)}  ${a.sha256.slice(0, 16)}`),
    `  ${'manifest.json'.padEnd(26)}`,
  ];
  return lines.join('\n');
}

export { VERSION } from './version.js';
