// The atomic writer (write-file.ts) through its API: output paths that name no new output are
// refused, a signal during the final write is held until the tree is complete, and one signal
// listener serves any number of writes. Through the CLI: packages/cli/test/outputs.test.ts.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { SplitcError } from '@splitc/diagnostics';
import { validateOutputPath, writeFilesAtomic } from '@splitc/compile';

const ROOT = path.resolve(__dirname, '../../..');
const tmp = () => mkdtempSync(path.join(tmpdir(), 'splitc-write-'));

describe('validateOutputPath', () => {
  it('refuses empty paths, the current directory, parents, the filesystem root, and names too long for our temporaries', () => {
    for (const p of ['', ' ', '.', '..', 'a/..', '/', '//', 'x\u0000y']) {
      expect(() => validateOutputPath(p, '-o'), JSON.stringify(p)).toThrow(SplitcError);
    }
    expect(() => validateOutputPath('x'.repeat(201), '-o')).toThrow('-o "' + 'x'.repeat(201) + '" has a last component of 201 bytes; at most 200 are allowed');
    expect(validateOutputPath('a/b/out', '-o')).toBe(path.resolve('a/b/out'));
    expect(validateOutputPath('x'.repeat(200), '-o')).toBe(path.resolve('x'.repeat(200)));
  });
});

describe('signals', () => {
  it('SIGTERM during the final write: held until the tree is complete, then the process dies of it; no temporary left', () => {
    // A child process that signals itself in the middle of filling the temporary tree.
    const d = tmp();
    const script = `
import { writeDirAtomic } from ${JSON.stringify(path.join(ROOT, 'packages/compile/dist/write-file.js'))};
import { writeFileSync } from 'node:fs';
import path from 'node:path';
writeDirAtomic(${JSON.stringify(path.join(d, 'out'))}, false, (tmp) => {
  writeFileSync(path.join(tmp, 'first'), '1');
  process.kill(process.pid, 'SIGTERM');
  writeFileSync(path.join(tmp, 'second'), '2');
});
console.log('written');
`;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('written\n');
    expect(r.signal).toBe('SIGTERM');
    expect(readdirSync(d)).toEqual(['out']);
    expect(readdirSync(path.join(d, 'out')).sort()).toEqual(['first', 'second']);
  });

  it('one listener per signal however many writes run, and none once they are done', async () => {
    const d = tmp();
    const turns = (): Promise<void> => new Promise((r) => setImmediate(() => setImmediate(() => setImmediate(r))));
    await turns(); // earlier tests' writes release their listener after two turns of the loop
    const before = process.listenerCount('SIGINT');
    for (let i = 0; i < 25; i++) writeFilesAtomic([{ file: path.join(d, `f${i}`), data: String(i) }]);
    expect(process.listenerCount('SIGINT')).toBe(before + 1);
    await turns();
    expect(process.listenerCount('SIGINT')).toBe(before);
    expect(readdirSync(d)).toHaveLength(25);
  });
});
