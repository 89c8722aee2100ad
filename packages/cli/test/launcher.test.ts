// bin/splitc.js runs dist/bundle/ only while it is current: in a checkout, a workspace rebuilt by
// tsc after the bundle was made means the bundle is stale and the compiled modules run instead;
// an installed package (no tsconfig.json, no build info) always runs its bundle.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';

const LAUNCHER = path.resolve(__dirname, '../bin/splitc.js');
const dirs: string[] = [];
afterEach(() => { for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true }); });

/** packages/cli with a launcher, a stand-in bundle and stand-in modules that say which ran. */
function layout(options: { checkout: boolean; bundle: boolean }): { root: string; run: () => string } {
  const root = mkdtempSync(path.join(tmpdir(), 'splitc-launcher-'));
  dirs.push(root);
  const cli = path.join(root, 'packages/cli');
  mkdirSync(path.join(cli, 'bin'), { recursive: true });
  mkdirSync(path.join(cli, 'dist/bundle'), { recursive: true });
  mkdirSync(path.join(root, 'packages/ir'), { recursive: true });
  copyFileSync(LAUNCHER, path.join(cli, 'bin/splitc.js'));
  writeFileSync(path.join(cli, 'dist/bin.js'), "process.stdout.write('modules');\n");
  if (options.bundle) writeFileSync(path.join(cli, 'dist/bundle/splitc.mjs'), "process.stdout.write('bundle');\n");
  if (options.checkout) {
    writeFileSync(path.join(cli, 'tsconfig.json'), '{}\n');
    writeFileSync(path.join(root, 'packages/ir/tsconfig.tsbuildinfo'), '{}\n');
    writeFileSync(path.join(cli, 'tsconfig.tsbuildinfo'), '{}\n');
  }
  return { root, run: () => execFileSync(process.execPath, [path.join(cli, 'bin/splitc.js')], { encoding: 'utf8' }) };
}

const at = (file: string, seconds: number): void => utimesSync(file, seconds, seconds);

describe('bin/splitc.js', () => {
  it('runs the bundle in a checkout when it is newer than every workspace build', () => {
    const { root, run } = layout({ checkout: true, bundle: true });
    at(path.join(root, 'packages/ir/tsconfig.tsbuildinfo'), 1_000);
    at(path.join(root, 'packages/cli/tsconfig.tsbuildinfo'), 1_000);
    at(path.join(root, 'packages/cli/dist/bundle/splitc.mjs'), 2_000);
    expect(run()).toBe('bundle');
  });

  it('runs the compiled modules when any workspace was rebuilt after the bundle (a plain tsc -b)', () => {
    const { root, run } = layout({ checkout: true, bundle: true });
    at(path.join(root, 'packages/cli/tsconfig.tsbuildinfo'), 1_000);
    at(path.join(root, 'packages/cli/dist/bundle/splitc.mjs'), 2_000);
    at(path.join(root, 'packages/ir/tsconfig.tsbuildinfo'), 3_000);
    expect(run()).toBe('modules');
  });

  it('runs the compiled modules when there is no bundle', () => {
    expect(layout({ checkout: true, bundle: false }).run()).toBe('modules');
  });

  it('runs the bundle of an installed package (no tsconfig.json beside it)', () => {
    expect(layout({ checkout: false, bundle: true }).run()).toBe('bundle');
  });
});
