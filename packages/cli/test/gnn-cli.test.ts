// `splitc gnn dataset|train|eval` and `--gnn-weights` as a user drives them. The model, its
// training and its evaluation are tested in packages/gnn; here: the wiring, determinism through
// the CLI, and usage errors.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { splitc } from './run-cli.js';

const work = mkdtempSync(path.join(os.tmpdir(), 'splitc-gnn-cli-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('splitc gnn', () => {
  it('dataset: the same seed gives the same samples, and -o writes one JSON line per sample', () => {
    const args = ['gnn', 'dataset', '--models', '3', '--targets-per-model', '2', '--seed', '7'];
    const a = splitc([...args, '--json', '-o', path.join(work, 'a.jsonl')]);
    const b = splitc([...args, '--json', '-o', path.join(work, 'b.jsonl')]);
    expect(a.stderr).toBe('');
    expect(a.status).toBe(0);
    const summary = JSON.parse(a.stdout) as { samples: number; models: number; optimum: { gpuOnly: number; dpuOnly: number; split: number } };
    expect(summary.samples).toBe(6);
    expect(summary.models).toBe(3);
    expect(summary.optimum.gpuOnly + summary.optimum.dpuOnly + summary.optimum.split).toBe(6);
    expect(b.stdout).toBe(a.stdout);
    const lines = readFileSync(path.join(work, 'a.jsonl'), 'utf8').trimEnd().split('\n');
    expect(lines).toHaveLength(6);
    expect(readFileSync(path.join(work, 'b.jsonl'), 'utf8')).toBe(readFileSync(path.join(work, 'a.jsonl'), 'utf8'));
    // train-engines draws the same targets as train, then varies the DPU's engines: the labels differ, the sample count does not.
    const e = splitc([...args, '--distribution', 'train-engines', '--json', '-o', path.join(work, 'e.jsonl')]);
    expect(e.status).toBe(0);
    expect((JSON.parse(e.stdout) as { samples: number }).samples).toBe(6);
    expect(readFileSync(path.join(work, 'e.jsonl'), 'utf8')).not.toBe(readFileSync(path.join(work, 'a.jsonl'), 'utf8'));
    // The zoo generator's version 2 by default (the shipped weights'); --zoo 1 draws version 1: the
    // same families in turn, other graphs.
    const z = splitc([...args, '--zoo', '1', '--json', '-o', path.join(work, 'z.jsonl')]);
    expect(z.status).toBe(0);
    const models = (file: string) => readFileSync(path.join(work, file), 'utf8').trimEnd().split('\n').map((l) => (JSON.parse(l) as { model: string }).model);
    expect(models('a.jsonl').every((m) => /-v2-\d+$/.test(m))).toBe(true);
    expect(models('a.jsonl')).toEqual(models('z.jsonl').map((m) => m.replace(/-(\d+)$/, '-v2-$1')));
  }, 120_000);

  it('train: byte-identical weights for the same seeds (two members in two processes), usable by plan --gnn-weights', () => {
    const train = (dir: string) => splitc(['gnn', 'train', '-o', dir, '--models', '4', '--targets-per-model', '1', '--epochs', '2', '--seeds', '3,4', '--parallel', '2', '--json']);
    const [d1, d2] = [path.join(work, 'w1'), path.join(work, 'w2')];
    const r1 = train(d1);
    expect(r1.stderr).toBe('');
    expect(r1.status).toBe(0);
    expect(JSON.parse(r1.stdout)).toMatchObject({ out: d1, seeds: [3, 4], samples: 4, epochs: 2 });
    expect(train(d2).status).toBe(0);
    expect(readFileSync(path.join(d2, 'weights.bin')).equals(readFileSync(path.join(d1, 'weights.bin')))).toBe(true);
    expect(readFileSync(path.join(d2, 'model.json'), 'utf8')).toBe(readFileSync(path.join(d1, 'model.json'), 'utf8'));
    const p = splitc(['plan', 'fixtures/models/lenet5.onnx', '--predictor', 'gnn', '--gnn-weights', d1, '--json']);
    expect(p.stderr).toBe('');
    expect((JSON.parse(p.stdout) as { predictor: { name: string } }).predictor.name).toBe('gnn');
    // The training distribution is recorded when it is not `train`, the zoo version when it is not
    // 1, graph balance when it is on (all three the defaults, as the shipped weights').
    const training = (dir: string) => (JSON.parse(readFileSync(path.join(dir, 'model.json'), 'utf8')) as { training: Record<string, unknown> }).training;
    expect(training(d1)).toMatchObject({ distribution: 'train-bank', zoo: 2, graphBalance: true });
    const d3 = path.join(work, 'w3');
    expect(splitc(['gnn', 'train', '-o', d3, '--models', '4', '--targets-per-model', '1', '--epochs', '1', '--distribution', 'train-engines', '--zoo', '1', '--no-graph-balance', '--seed', '7', '--json']).status).toBe(0);
    expect(training(d3)).toMatchObject({ distribution: 'train-engines', models: 4, epochs: 1, seeds: [7] });
    expect(training(d3).zoo).toBeUndefined();
    expect(training(d3).graphBalance).toBeUndefined();
    // --seed N is one member; it and --seeds exclude each other; a bad list is a usage error.
    expect(splitc(['gnn', 'train', '-o', d3, '--seeds', '3,x'])).toEqual({ status: 2, stdout: '', stderr: 'error SPLITC9001: field --seeds: --seeds must be 1 to 64 distinct comma-separated integers, got "3,x"\n' });
    expect(splitc(['gnn', 'train', '-o', d3, '--seeds', '3', '--seed', '4']).status).toBe(2);
  }, 180_000);

  it('train --help states the shipped weights\' training sizes, which are its defaults', async () => {
    const { TRAIN_DEFAULTS } = await import('@splitc/gnn');
    const help = splitc(['gnn', 'train', '--help']).stdout.replace(/\s+/g, ' ');
    expect(help).toContain(`zoo models in the dataset (default: the shipped weights' ${TRAIN_DEFAULTS.models})`);
    expect(help).toContain(`sampled targets per model (default: the shipped weights' ${TRAIN_DEFAULTS.targetsPerModel})`);
    expect(help).toContain(`training epochs (default: the shipped weights' ${TRAIN_DEFAULTS.epochs})`);
    expect(help).toContain(`byte-identical weights (default: the shipped weights' ${TRAIN_DEFAULTS.seeds.join(',')})`);
    expect(help).toContain(`zoo generator version to train on (default: ${TRAIN_DEFAULTS.zoo}, the shipped weights'`);
    expect(help).toContain(`so every graph weighs the same (default: ${TRAIN_DEFAULTS.graphBalance ? 'on' : 'off'}, as the shipped weights;`);
    expect(help).toContain(`target distribution (${TRAIN_DEFAULTS.distribution}, the shipped weights':`);
    expect(help).toContain(`[default: "${TRAIN_DEFAULTS.distribution}"]`);
  });

  it('--distribution offers the training distributions @splitc/gnn draws from (and dataset the shifted one too)', async () => {
    const { TRAINING_DISTRIBUTIONS } = await import('@splitc/gnn');
    const choices = (names: readonly string[]) => `[choices: ${names.map((d) => `"${d}"`).join(', ')}]`;
    for (const command of ['train', 'eval']) expect(splitc(['gnn', command, '--help']).stdout.replace(/\s+/g, ' ')).toContain(choices(TRAINING_DISTRIBUTIONS));
    expect(splitc(['gnn', 'dataset', '--help']).stdout.replace(/\s+/g, ' ')).toContain(choices([...TRAINING_DISTRIBUTIONS, 'shifted']));
  });

  it('usage errors name the gnn subcommand', () => {
    expect(splitc(['gnn'])).toEqual({ status: 2, stdout: '', stderr: 'error SPLITC9001: missing gnn command: dataset, train or eval (run splitc gnn --help)\n' });
    expect(splitc(['gnn', 'trian'])).toEqual({ status: 2, stdout: '', stderr: 'error SPLITC9001: unknown command "trian": did you mean train? (run splitc gnn --help)\n' });
    expect(splitc(['gnn', 'train'])).toEqual({ status: 2, stdout: '', stderr: 'error SPLITC9001: missing -o (--output) (run splitc gnn train --help)\n' });
    expect(splitc(['gnn', 'eval', '--wieghts', 'x'])).toEqual({ status: 2, stdout: '', stderr: 'error SPLITC9001: unknown option --wieghts: did you mean --weights? (run splitc gnn eval --help)\n' });
    expect(splitc(['gnn', 'dataset', '--zoo', '3'])).toEqual({ status: 2, stdout: '', stderr: 'error SPLITC9001: field --zoo: zoo 3 must be one of 1, 2 (run splitc gnn dataset --help)\n' });
    // eval's first sets take a training distribution's targets; the shifted one is always the second sets'.
    expect(splitc(['gnn', 'eval', '--distribution', 'shifted'])).toMatchObject({ status: 2, stdout: '', stderr: expect.stringMatching(/^error SPLITC9001: field --distribution: .*shifted.* train, train-engines, train-bank .*gnn eval --help\)\n$/) });
  });

  it('a weights directory that is not one is a typed error', () => {
    const r = splitc(['plan', 'fixtures/models/lenet5.onnx', '--predictor', 'gnn', '--gnn-weights', work]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^error SPLITC\d{4}: .*model\.json/);
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
  });
});
