// The command line as a user meets it: per-command help, suggestions for typos, completion, exit
// codes, and progress that appears only on a terminal.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { formatProgress, progressLine } from '../src/progress.js';
import { nearest } from '../src/main.js';
import { BIN, ROOT, splitc } from './run-cli.js';

const tmpDirs: string[] = [];
const tmp = (): string => {
  const d = mkdtempSync(path.join(os.tmpdir(), 'splitc-cli-'));
  tmpDirs.push(d);
  return d;
};
afterAll(() => tmpDirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('help', () => {
  it('splitc compile --help shows compile\'s options with types, defaults, choices and examples, not the other commands', () => {
    const r = splitc(['compile', '--help']);
    expect(r.status).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/^splitc compile <model> \[options\]\n/);
    expect(r.stdout).toMatch(/--split\s+force split index k .*\[number\]/s);
    expect(r.stdout).toMatch(/--precision\s+GPU precision\s+\[string\] \[choices: "fp16", "fp32"\] \[default: "fp16"\]/);
    expect(r.stdout).toMatch(/--target\s+DPU\+GPU pair.*\[string\] \[default: "vck190\+rtx2080"\]/s);
    expect(r.stdout).toContain('Examples:\n  splitc compile model.onnx -o out/model');
    expect(r.stdout).not.toContain('splitc inspect <model>');
    expect(r.stdout).not.toContain('splitc plan <model>');
    expect(r.stdout).not.toContain('--report');
  });

  it('splitc plan -h shows plan\'s own options', () => {
    const r = splitc(['plan', '-h']);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('--report');
    expect(r.stdout).not.toContain('--split');
  });

  it('splitc --help lists every command with its synopsis and the exit codes', () => {
    const r = splitc(['--help']);
    expect(r.status).toBe(0);
    for (const c of ['inspect <model>', 'plan <model>', 'compile <model>', 'completion']) expect(r.stdout).toContain(`splitc ${c}`);
    expect(r.stdout).toContain('2 usage error');
  });

  it('--version prints only the version, which is the package\'s', () => {
    const r = splitc(['--version']);
    const pkg = JSON.parse(readFileSync(path.join(ROOT, 'packages/cli/package.json'), 'utf8')) as { version: string };
    expect(r).toEqual({ status: 0, stdout: `${pkg.version}\n`, stderr: '' });
  });
});

describe('usage errors: exit 2, one line, a suggestion where one is clear', () => {
  const cases: [string, string[], string][] = [
    ['a mistyped command', ['compil', 'x'], 'error SPLITC9001: unknown command "compil": did you mean compile? (run splitc --help)'],
    ['a mistyped option', ['compile', 'm.onnx', '-o', 'out', '--splt', '3'], 'error SPLITC9001: unknown option --splt: did you mean --split? (run splitc compile --help)'],
    ['a transposed option', ['plan', 'm.onnx', '--objetcive', 'stream'], 'error SPLITC9001: unknown option --objetcive: did you mean --objective? (run splitc plan --help)'],
    ['an option of another command', ['inspect', 'm.onnx', '--split', '3'], 'error SPLITC9001: unknown option --split (run splitc inspect --help)'],
    ['no command', [], 'error SPLITC9001: missing command (run splitc --help)'],
    ['a value outside the choices', ['plan', 'm.onnx', '--precision', 'int4'], 'error SPLITC9001: field --precision: precision "int4" must be one of fp16, fp32 (run splitc plan --help)'],
    ['an option without its value', ['plan', 'm.onnx', '--link'], 'error SPLITC9001: field --link: --link needs a value (run splitc plan --help)'],
    ['a non-integer split', ['compile', 'm.onnx', '-o', 'out', '--split', '2.5'], 'error SPLITC9001: field --split: --split must be a non-negative integer, got "2.5"'],
    ['a second model', ['inspect', 'a.onnx', 'b.onnx'], 'error SPLITC9001: unexpected argument "b.onnx" (run splitc inspect --help)'],
  ];
  for (const [what, args, line] of cases) {
    it(what, () => {
      const r = splitc(args);
      expect(r).toEqual({ status: 2, stdout: '', stderr: `${line}\n` });
    });
  }

  it('nearest() suggests only close names', () => {
    expect(nearest('compil', ['inspect', 'plan', 'compile'])).toBe('compile');
    expect(nearest('frobnicate', ['inspect', 'plan', 'compile'])).toBeUndefined();
    expect(nearest('jsno', ['json', 'split'])).toBe('json');
  });
});

describe('--predictor', () => {
  it('plan --predictor gnn --json says the GNN chose best, a valid candidate, beside the exact optimum', () => {
    const r = splitc(['plan', 'fixtures/models/resnet18.onnx', '--predictor', 'gnn', '--json']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const j = JSON.parse(r.stdout) as { best: { index: number | null; streamMs: number }; candidates: { index: number | null; streamMs: number }[]; predictor: { name: string; exact: { streamMs: number }; regret: number } };
    expect(j.predictor.name).toBe('gnn');
    expect(j.candidates.some((c) => c.index === j.best.index && c.streamMs === j.best.streamMs)).toBe(true);
    expect(j.predictor.regret).toBeCloseTo(j.best.streamMs / j.predictor.exact.streamMs - 1, 9);
  });

  it('the exact search is the default and says so', () => {
    const j = JSON.parse(splitc(['plan', 'fixtures/models/resnet18.onnx', '--json']).stdout) as { predictor: { name: string } };
    expect(j.predictor).toEqual({ name: 'exact' });
  });
});

describe('quiet under npm', () => {
  it('npx splitc prints no npm warning caused by this project\'s configuration (.npmrc keys npm knows)', () => {
    // Without the npm_config_* variables of the npm that started this test run.
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k)));
    const r = spawnSync('npx', ['splitc', '--version'], { cwd: ROOT, encoding: 'utf8', env });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });
});

describe('exit codes for failures', () => {
  it('a typed error exits 1 with one line', () => {
    expect(splitc(['inspect', 'missing.onnx'])).toEqual({ status: 1, stdout: '', stderr: 'error SPLITC1001: missing.onnx: cannot read file: no such file\n' });
  });
});

describe('completion', () => {
  it('prints a bash completion script that asks splitc for candidates', () => {
    const r = spawnSync(process.execPath, [BIN, 'completion'], { encoding: 'utf8', env: { ...process.env, SHELL: '/bin/bash' } });
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('complete -o bashdefault -o default -F _splitc_yargs_completions splitc');
    const check = spawnSync('bash', ['-n'], { input: r.stdout, encoding: 'utf8' });
    expect(check.status).toBe(0);
  });

  it('prints a zsh script under zsh', () => {
    const r = spawnSync(process.execPath, [BIN, 'completion'], { encoding: 'utf8', env: { ...process.env, SHELL: '/usr/bin/zsh' } });
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^#compdef splitc\n/);
  });

  it('completes commands and a command\'s options', () => {
    const cmds = splitc(['--get-yargs-completions', 'splitc', 'c']).stdout.split('\n');
    expect(cmds).toEqual(expect.arrayContaining(['inspect', 'plan', 'compile', 'completion']));
    const opts = splitc(['--get-yargs-completions', 'splitc', 'compile', '--']).stdout.split('\n');
    expect(opts).toEqual(expect.arrayContaining(['--split', '--force', '--target', '--link']));
    expect(opts).not.toContain('--report');
  });
});

describe('progress', () => {
  const terminal = () => {
    const writes: string[] = [];
    return { writes, t: { write: (s: string) => void writes.push(s), columns: 80 } };
  };

  it('draws nothing before the delay, then one overwritten line, throttled, and erases it at the end', () => {
    let now = 0;
    const { writes, t } = terminal();
    const line = progressLine(t, { delayMs: 250, intervalMs: 100, now: () => now });
    line.sink({ phase: 'read model', done: 0, total: 1000, unit: 'bytes' });
    now = 200;
    line.sink({ phase: 'read model', done: 100, total: 1000, unit: 'bytes' });
    expect(writes).toEqual([]);
    now = 300;
    line.sink({ phase: 'read model', done: 500, total: 1000, unit: 'bytes' });
    now = 350;
    line.sink({ phase: 'read model', done: 600, total: 1000, unit: 'bytes' });
    now = 360;
    line.sink({ phase: 'read model', done: 1000, total: 1000, unit: 'bytes' });
    line.end();
    expect(writes).toEqual([
      `\r${formatProgress({ phase: 'read model', done: 500, total: 1000, unit: 'bytes' }, 80)}\x1b[K`,
      `\r${formatProgress({ phase: 'read model', done: 1000, total: 1000, unit: 'bytes' }, 80)}\x1b[K`,
      '\r\x1b[K',
    ]);
  });

  it('formats a bar, a percentage and amounts that fit the terminal', () => {
    expect(formatProgress({ phase: 'hash', done: 120_000_000, total: 240_000_000, unit: 'bytes' }, 80)).toBe('hash [###############---------------]  50%  120.0/240.0 MB');
    expect(formatProgress({ phase: 'train', done: 3, total: 40, unit: 'epochs' }, 80)).toBe('train [##----------------------------]   7%  3/40 epochs');
    expect(formatProgress({ phase: 'run', done: 17, unit: 'frames' }, 80)).toBe('run  17 frames');
    expect(formatProgress({ phase: 'hash', done: 1, total: 2, unit: 'bytes' }, 12).length).toBeLessThan(12);
  });

  it('is a no-op off a terminal', () => {
    const line = progressLine(undefined);
    expect(() => { line.sink({ phase: 'x', done: 1 }); line.end(); }).not.toThrow();
  });

  it('is drawn on a terminal during compile and erased at the end', () => {
    const o = path.join(tmp(), 'o');
    const cmd = `${process.execPath} ${BIN} compile fixtures/models/mobilenetv2-weights.onnx -o ${o} 2>&1 >/dev/null`;
    const r = spawnSync('script', ['-qec', cmd, '/dev/null'], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, SPLITC_PROGRESS_DELAY_MS: '0' } });
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/\rread model \[#+-*\] +\d+% +[\d.]+\/14\.0 MB\x1b\[K/);
    expect(r.stdout).toMatch(/\rwrite \[#+\] 100% +[\d.]+\/[\d.]+ MB\x1b\[K/);
    expect(r.stdout.endsWith('\r\x1b[K')).toBe(true);
  });

  it('stays off stderr when it is not a terminal, and off a terminal under --json and --quiet', () => {
    const out = path.join(tmp(), 'o');
    const piped = splitc(['compile', 'fixtures/models/mobilenetv2-weights.onnx', '-o', out]);
    expect(piped.status).toBe(0);
    expect(piped.stderr).toBe('');
    // Under a pseudo-terminal (util-linux script): --json and --quiet keep stderr silent too.
    for (const flag of ['--json', '--quiet']) {
      const o = path.join(tmp(), 'o');
      const cmd = `${process.execPath} ${BIN} compile fixtures/models/mobilenetv2-weights.onnx -o ${o} ${flag} 2>&1 >/dev/null`;
      const r = spawnSync('script', ['-qec', cmd, '/dev/null'], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, SPLITC_PROGRESS_DELAY_MS: '0' } });
      expect(r.status).toBe(0);
      expect(r.stdout).toBe('');
    }
  });
});
