// Input files that are not regular files (issue 9, item 4): --target-file, --profile-gpu and
// --profile-dpu pointing at a FIFO, a device or a directory fail at once with a typed error
// instead of hanging or reading forever; oversized ones are refused before they are read; a
// plan.json with a syntax error is reported as such, not as a missing file.
import { spawnSync } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, ftruncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { MAX_JSON_BYTES, readJsonFile, SplitcError } from '@splitc/diagnostics';
import { readPlan } from 'splitc';
import { BIN, ROOT } from './run-cli.js';

const LENET = path.join(ROOT, 'fixtures/models/lenet5-weights.onnx');

/** The CLI with a deadline: a hang shows up as a failed test, not a stuck suite. */
function splitcWithin(args: readonly string[], seconds: number): { status: number | null; stderr: string; ms: number } {
  const t0 = Date.now();
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: seconds * 1000, killSignal: 'SIGKILL' });
  return { status: r.status, stderr: r.stderr, ms: Date.now() - t0 };
}

describe('inputs that are not regular files fail at once', () => {
  const d = mkdtempSync(path.join(tmpdir(), 'splitc-inputs-'));
  const fifo = path.join(d, 'fifo');
  const made = spawnSync('mkfifo', [fifo]).status === 0;
  const big = path.join(d, 'big.json');
  const fd = openSync(big, 'w');
  ftruncateSync(fd, MAX_JSON_BYTES + 1); // sparse: no disk used
  closeSync(fd);
  mkdirSync(path.join(d, 'dir'));

  it.each(['--target-file', '--profile-gpu', '--profile-dpu'])('%s FIFO, /dev/zero, a directory, a file past the size limit', (flag) => {
    expect(made).toBe(true);
    const cases: [string, string][] = [
      [fifo, 'error SPLITC1001: FILE: cannot read file: not a regular file (a FIFO)\n'],
      ['/dev/zero', 'error SPLITC1001: FILE: cannot read file: not a regular file (a device)\n'],
      [path.join(d, 'dir'), 'error SPLITC1001: FILE: cannot read file: not a regular file (a directory)\n'],
      [big, `error SPLITC1006: FILE: file exceeds a size limit: ${MAX_JSON_BYTES + 1} bytes is more than the ${MAX_JSON_BYTES} bytes read from such a file\n`],
    ];
    for (const [file, expected] of cases) {
      const r = splitcWithin(['plan', LENET, flag, file], 30);
      expect(r.stderr, `${flag} ${file}`).toBe(expected.replace('FILE', file));
      expect(r.status).toBe(1);
    }
  });

  it('the one JSON reader: empty, BOM, syntax errors typed with the caller\'s code', () => {
    writeFileSync(path.join(d, 'empty.json'), '');
    writeFileSync(path.join(d, 'bom.json'), '\ufeff{"a": 1}');
    writeFileSync(path.join(d, 'bad.json'), '{"a": ');
    expect(() => readJsonFile(path.join(d, 'empty.json'), { invalid: 'BadProfile' })).toThrow('invalid measured profile: not JSON: the file is empty');
    expect(readJsonFile(path.join(d, 'bom.json'), { invalid: 'BadProfile' })).toEqual({ a: 1 });
    expect(() => readJsonFile(path.join(d, 'bad.json'), { invalid: 'BadTargetFile' })).toThrow(/^.*bad\.json: invalid target description: not JSON: /);
    expect(() => readJsonFile(path.join(d, 'missing.json'), { invalid: 'BadProfile' })).toThrow(SplitcError);
    try {
      readJsonFile(path.join(d, 'missing.json'), { invalid: 'BadProfile' });
    } catch (e) {
      expect((e as SplitcError).code).toBe('SPLITC1001');
      expect((e as SplitcError).message).toBe(`${path.join(d, 'missing.json')}: cannot read file: no such file`);
    }
  });

  it('a plan.json with a syntax error is not reported as a missing file', () => {
    writeFileSync(path.join(d, 'plan.json'), '{"schemaVersion": ');
    try {
      readPlan(path.join(d, 'plan.json'));
      expect.unreachable();
    } catch (e) {
      expect((e as SplitcError).code).toBe('SPLITC4011');
      expect((e as SplitcError).message).toMatch(/plan\.json: invalid split: not JSON: /);
    }
  });
});
