// Outputs never destroy what the user did not name (issue 9, item 2), through the CLI: unusable -o
// paths are usage errors, --force replaces only a directory that splitc wrote, the files of one
// command appear together or not at all, a signal during the final write leaves no temporary
// directory, and temporaries of dead runs are swept. The writer's API (@splitc/compile's
// write-file.ts) is tested in packages/compile/test/write-file.test.ts.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, symlinkSync, watch, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { plan, writePlanOutputs } from 'splitc';
import { BIN, ROOT, splitc } from './run-cli.js';

const tmp = () => mkdtempSync(path.join(tmpdir(), 'splitc-outputs-'));
const LENET = path.join(ROOT, 'fixtures/models/lenet5-weights.onnx');
/** A PID that certainly belonged to a process that has exited. */
const deadPid = (): number => spawnSync('true').pid!;

describe('-o paths that name no new output are usage errors', () => {
  it.each(['', '.', './', '..', 'sub/..', '../'])('compile -o %j --force inside a directory changes nothing', (o) => {
    const d = tmp();
    mkdirSync(path.join(d, 'sub'));
    writeFileSync(path.join(d, 'sub', 'mine.txt'), 'mine');
    writeFileSync(path.join(d, 'keep.txt'), 'keep');
    const r = splitc(['compile', LENET, '-o', o, '--force'], path.join(d, 'sub'));
    expect(r.stderr).toMatch(/^error SPLITC9001: field -o: output ".*" (is empty: name the output|names the current directory, a parent or the filesystem root: name a new file or directory inside it)\n$/);
    expect(r.status).toBe(2);
    expect(readdirSync(d).sort()).toEqual(['keep.txt', 'sub']);
    expect(readdirSync(path.join(d, 'sub'))).toEqual(['mine.txt']);
    expect(readFileSync(path.join(d, 'keep.txt'), 'utf8')).toBe('keep');
  });

  it('a 300-character -o: a typed error, exit 2, nothing written (compile and plan)', () => {
    const d = tmp();
    const long = 'p'.repeat(300);
    const c = splitc(['compile', LENET, '-o', long], d);
    expect(c.stderr).toBe(`error SPLITC9001: field -o: output "${long}" has a last component of 300 bytes; at most 200 are allowed\n`);
    expect(c.status).toBe(2);
    const p = splitc(['plan', LENET, '-o', `${long}.json`], d);
    expect(p.stderr).toBe(`error SPLITC9001: field -o: -o "${long}.json" has a last component of 305 bytes; at most 200 are allowed\n`);
    expect(p.status).toBe(2);
    expect(readdirSync(d)).toEqual([]);
  });
});

describe('--force replaces only what splitc wrote', () => {
  it('a directory without a splitc manifest, a file and a symbolic link are never replaced', () => {
    const d = tmp();
    const theirs = path.join(d, 'theirs');
    mkdirSync(theirs);
    writeFileSync(path.join(theirs, 'thesis.tex'), 'years of work');
    writeFileSync(path.join(theirs, 'manifest.json'), '{"not":"ours"}');
    const r = splitc(['compile', LENET, '-o', theirs, '--force']);
    expect(r.stderr).toBe(`error SPLITC5001: ${theirs}: field --force: output exists: is not a splitc output (it has no splitc manifest.json); forcing replaces only a directory that splitc wrote\n`);
    expect(r.status).toBe(1);
    expect(readdirSync(theirs).sort()).toEqual(['manifest.json', 'thesis.tex']);
    writeFileSync(path.join(d, 'file'), 'data');
    expect(splitc(['compile', LENET, '-o', path.join(d, 'file'), '--force']).stderr).toMatch(/^error SPLITC5001: .*: output exists: is not a directory; /);
    symlinkSync(theirs, path.join(d, 'link'));
    expect(splitc(['compile', LENET, '-o', path.join(d, 'link'), '--force']).stderr).toMatch(/^error SPLITC5001: .*: output exists: is a symbolic link; /);
    expect(readFileSync(path.join(d, 'file'), 'utf8')).toBe('data');
    expect(readdirSync(d).sort()).toEqual(['file', 'link', 'theirs']);
  });

  it('a previous splitc output and an empty directory are replaced; an output holding the model is refused', () => {
    const d = tmp();
    const out = path.join(d, 'out');
    expect(splitc(['compile', LENET, '-o', out]).status).toBe(0);
    writeFileSync(path.join(out, 'stale.txt'), 'x');
    const r = splitc(['compile', LENET, '-o', out, '--force']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(existsSync(path.join(out, 'stale.txt'))).toBe(false);
    mkdirSync(path.join(d, 'empty'));
    expect(splitc(['compile', LENET, '-o', path.join(d, 'empty'), '--force']).status).toBe(0);
    expect(existsSync(path.join(d, 'empty', 'manifest.json'))).toBe(true);
    writeFileSync(path.join(out, 'model.onnx'), readFileSync(LENET));
    const inside = splitc(['compile', path.join(out, 'model.onnx'), '-o', out, '--force']);
    expect(inside.stderr).toBe(`error SPLITC9001: field -o: output "${out}" holds the input "${path.join(out, 'model.onnx')}"; write the output elsewhere\n`);
    expect(existsSync(path.join(out, 'model.onnx'))).toBe(true);
    expect(readdirSync(d).sort()).toEqual(['empty', 'out']);
  });
});

describe('the outputs of one command appear together or not at all', () => {
  const p = plan(LENET);

  it('plan -o a.json --report missing/dir/r.html leaves no a.json, and an old a.json as it was', () => {
    const d = tmp();
    const a = path.join(d, 'a.json');
    expect(() => writePlanOutputs(p, { output: a, report: path.join(d, 'missing', 'dir', 'r.html') })).toThrow(`${path.join(d, 'missing', 'dir', 'r.html')}: cannot write output: its directory does not exist (ENOENT)`);
    expect(readdirSync(d)).toEqual([]);
    writeFileSync(a, 'old');
    expect(() => writePlanOutputs(p, { output: a, report: d })).toThrow(`${d}: cannot write output: is a directory`);
    expect(readdirSync(d)).toEqual(['a.json']);
    expect(readFileSync(a, 'utf8')).toBe('old');
    writePlanOutputs(p, { output: a, report: path.join(d, 'r.html') });
    expect(readdirSync(d).sort()).toEqual(['a.json', 'r.html']);
    expect(JSON.parse(readFileSync(a, 'utf8'))).toMatchObject({ schemaVersion: p.schemaVersion });
    expect(() => writePlanOutputs(p, { output: a, report: a })).toThrow('is named for two outputs');
  });

  it('through the CLI: splitc plan -o a.json --report missing/dir/r.html fails and leaves no a.json', () => {
    const d = tmp();
    const r = splitc(['plan', LENET, '-o', 'a.json', '--report', 'missing/dir/r.html'], d);
    expect(r.stderr).toBe('error SPLITC5002: missing/dir/r.html: cannot write output: its directory does not exist (ENOENT)\n');
    expect(r.status).toBe(1);
    expect(readdirSync(d)).toEqual([]);
  });
});

describe('signals and stale temporaries', () => {
  it('splitc compile killed with SIGTERM while it writes leaves no .OUT.splitc-PID directory', async () => {
    const d = tmp();
    const out = path.join(d, 'out');
    const child = spawn(process.execPath, [BIN, 'compile', path.join(ROOT, 'fixtures/models/mobilenetv2-weights.onnx'), '-o', out], { stdio: 'ignore' });
    let signalled = false;
    const watcher = watch(d, (_, name) => {
      if (!signalled && typeof name === 'string' && name.startsWith('.out.splitc-')) {
        signalled = true;
        child.kill('SIGTERM');
      }
    });
    const exit = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
    watcher.close();
    expect(signalled).toBe(true);
    expect(exit.signal).toBe('SIGTERM');
    // The tree was completed (the signal was held) and nothing temporary is left.
    expect(readdirSync(d)).toEqual(['out']);
    expect(existsSync(path.join(out, 'manifest.json'))).toBe(true);
  });

  it('the next run sweeps temporaries of dead runs that carry our marker, restores an output moved aside, and leaves the rest', () => {
    const d = tmp();
    const dead = deadPid();
    const stale = path.join(d, `.out.splitc-${dead}`);
    mkdirSync(path.join(stale, 'dpu'), { recursive: true });
    writeFileSync(path.join(stale, '.splitc-partial'), `${hostname()}\n${dead}\n`);
    writeFileSync(path.join(stale, 'dpu', 'partition.onnx'), 'x'.repeat(1000));
    const notOurs = path.join(d, `.data.splitc-${dead}`);
    mkdirSync(notOurs);
    writeFileSync(path.join(notOurs, 'file'), 'someone else\'s');
    // A run killed between moving the old output aside and renaming the new one in.
    expect(splitc(['compile', LENET, '-o', path.join(d, 'prev')]).status).toBe(0);
    renameSync(path.join(d, 'prev'), path.join(d, `.prev.splitc-old-${dead}`));
    expect(splitc(['compile', LENET, '-o', path.join(d, 'out')]).status).toBe(0);
    expect(readdirSync(d).sort()).toEqual([`.data.splitc-${dead}`, 'out', 'prev']);
    expect(existsSync(path.join(d, 'prev', 'manifest.json'))).toBe(true);
  });
});
