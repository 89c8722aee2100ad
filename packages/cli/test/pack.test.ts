// The installable tarball, exactly as a user outside this repository gets it: pack → install into
// an empty directory (third-party dependencies from the registry) → npx splitc and
// `import { compile } from 'splitc'` with types.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from './run-cli.js';

const version = (JSON.parse(readFileSync(path.join(ROOT, 'packages/cli/package.json'), 'utf8')) as { version: string }).version;
const work = mkdtempSync(path.join(os.tmpdir(), 'splitc-pack-test-'));
const app = path.join(work, 'app');
let tarball = '';
let installed = false;

/** Runs a command without blocking the test worker (npm install takes tens of seconds). */
function sh(cmd: string, args: readonly string[], cwd: string): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { cwd, env: { ...process.env, npm_config_update_notifier: 'false' } });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    p.on('error', reject);
    p.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

beforeAll(async () => {
  tarball = execFileSync(process.execPath, [path.join(ROOT, 'scripts/pack.mjs'), '--out', work], { cwd: ROOT, encoding: 'utf8' }).trim();
  execFileSync('mkdir', ['-p', app]);
  const r = await sh('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', tarball], app);
  if (r.status !== 0) {
    const offline = /ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ETIMEDOUT|network/i.test(r.stderr);
    if (offline && process.env.CI !== 'true') {
      console.warn(`\n!!! SKIPPING the tarball install test: the npm registry is unreachable here (outside CI).\n${r.stderr}`);
      return;
    }
    throw new Error(`npm install ${tarball} failed:\n${r.stderr}`);
  }
  installed = true;
}, 300_000);

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('splitc-<version>.tgz installed outside the repository', () => {
  it('is named splitc-<version>.tgz and bundles the workspaces', () => {
    expect(path.basename(tarball)).toBe(`splitc-${version}.tgz`);
    const list = execFileSync('tar', ['tzf', tarball], { encoding: 'utf8' }).split('\n');
    expect(list).toContain('package/bin/splitc.js');
    expect(list).toContain('package/node_modules/@splitc/planner/package.json');
    expect(list).toContain('package/node_modules/@splitc/targets/profiles/vck190.json');
    expect(list.filter((f) => f.endsWith('.map') || f.includes('/src/'))).toEqual([]);
  });

  it('npx splitc --version, inspect, plan and compile work there', async (ctx) => {
    if (!installed) ctx.skip();
    expect((await sh('npx', ['splitc', '--version'], app)).stdout).toBe(`${version}\n`);
    const model = path.join(ROOT, 'fixtures/models/tinyres-weights.onnx');
    const inspect = await sh('npx', ['splitc', 'inspect', model, '--json'], app);
    expect(inspect.status).toBe(0);
    const report = JSON.parse(inspect.stdout) as { totals: { layers: number } };
    expect(report.totals.layers).toBeGreaterThan(0);
    const plan = await sh('npx', ['splitc', 'plan', model, '--json'], app);
    expect(plan.status).toBe(0);
    const compile = await sh('npx', ['splitc', 'compile', model, '-o', 'out', '--split', '5'], app);
    expect(compile.stderr.split('\n').filter((l) => l !== '' && !l.startsWith('warning: '))).toEqual([]);
    expect(compile.status).toBe(0);
    const manifest = JSON.parse(readFileSync(path.join(app, 'out/manifest.json'), 'utf8')) as { artifacts: { path: string }[] };
    for (const a of manifest.artifacts) expect(existsSync(path.join(app, 'out', a.path))).toBe(true);
    // The GNN's weights ship inside the package.
    const gnn = await sh('npx', ['splitc', 'plan', model, '--predictor', 'gnn', '--json'], app);
    expect(gnn.stderr).toBe('');
    expect((JSON.parse(gnn.stdout) as { predictor: { name: string } }).predictor.name).toBe('gnn');
    // Training an ensemble forks the installed package's member entry (dist/train-member.js) from the bundle.
    const train = await sh('npx', ['splitc', 'gnn', 'train', '-o', 'w', '--models', '2', '--targets-per-model', '1', '--epochs', '1', '--seeds', '1,2', '--parallel', '2', '--json'], app);
    expect(train.stderr).toBe('');
    expect(JSON.parse(train.stdout)).toMatchObject({ seeds: [1, 2], epochs: 1 });
    expect(existsSync(path.join(app, 'w/weights.bin'))).toBe(true);
    // onnxruntime-node is an optional peer: without it, run says so in one typed line.
    const run = await sh('npx', ['splitc', 'run', 'out', '--frames', '6'], app);
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/^error SPLITC6001: .*onnxruntime-node/);
  }, 240_000);

  it('import { compile } from "splitc" runs, with types that reject a wrong call', async (ctx) => {
    if (!installed) ctx.skip();
    const model = path.join(ROOT, 'fixtures/models/lenet5-weights.onnx');
    writeFileSync(path.join(app, 'use.mjs'), `import { compile, inspect, VERSION } from 'splitc';\nconst m = compile(${JSON.stringify(model)}, { output: 'out2' });\nconsole.log(VERSION, inspect(${JSON.stringify(model)}).totals.macs, m.artifacts.length > 0);\n`);
    const run = await sh(process.execPath, ['use.mjs'], app);
    expect(run.stderr).toBe('');
    expect(run.stdout).toBe(`${version} 416520 true\n`);

    // A user's strict TypeScript project without @types/node: the package's types must stand alone.
    const tsc = path.join(ROOT, 'node_modules/typescript/bin/tsc');
    const typecheck = async (file: string, source: string) => {
      writeFileSync(path.join(app, file), source);
      writeFileSync(path.join(app, 'tsconfig.json'), JSON.stringify({ compilerOptions: { strict: true, noEmit: true, module: 'nodenext', moduleResolution: 'nodenext', target: 'es2022', skipLibCheck: true, types: [] }, files: [file] }));
      return sh(process.execPath, [tsc, '-p', 'tsconfig.json'], app);
    };
    const good = await typecheck('good.mts', "import { compile, type Manifest } from 'splitc';\nconst m: Manifest = compile('m.onnx', { output: 'out', split: 3, force: true });\nexport const n: number = m.artifacts.length;\n");
    expect(good.stdout + good.stderr).toBe('');
    expect(good.status).toBe(0);
    const bad = await typecheck('bad.mts', "import { compile } from 'splitc';\ncompile('m.onnx', { output: 'out', split: 'three' });\n");
    expect(bad.status).not.toBe(0);
    expect(bad.stdout).toMatch(/bad\.mts\(2,.*error TS2322: Type 'string' is not assignable to type 'number'/);
  }, 120_000);
});
