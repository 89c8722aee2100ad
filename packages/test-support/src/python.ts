// Cross-checks against Debian's python3-torch / python3-onnx. In CI (CI=true) they must run:
// a missing package fails the test. Elsewhere they skip, and say so loudly.
import { spawnSync } from 'node:child_process';

export const PYTHON = '/usr/bin/python3';
const inCi = process.env.CI === 'true' || process.env.CI === '1';
const cache = new Map<string, boolean>();

/** True when `modules` import in Debian's python3. Throws in CI when they do not. */
export function havePython(...modules: string[]): boolean {
  const key = modules.join(',');
  let ok = cache.get(key);
  if (ok === undefined) {
    const r = spawnSync(PYTHON, ['-c', modules.map((m) => `import ${m}`).join('; ')], { encoding: 'utf8' });
    ok = r.status === 0;
    cache.set(key, ok);
    if (!ok) {
      if (inCi) throw new Error(`CI=true but ${PYTHON} cannot import ${key}: ${r.stderr ?? r.error}`);
      console.warn(`\n*** SKIPPING cross-checks: ${PYTHON} cannot import ${key}. Install with apt-get install python3-torch python3-torchvision python3-onnx. CI runs them. ***\n`);
    }
  }
  return ok;
}

export function runPython(args: readonly string[], input?: string): string {
  const r = spawnSync(PYTHON, args, { encoding: 'utf8', input, maxBuffer: 256 << 20 });
  if (r.status !== 0) throw new Error(`${PYTHON} ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
  return r.stdout;
}

/** True when a Debian data directory exists; in CI its absence is a failure. */
export function haveDebianData(dir: string, pkg: string, exists: boolean): boolean {
  if (!exists) {
    if (inCi) throw new Error(`CI=true but ${dir} is missing; .ci/run must install ${pkg}`);
    console.warn(`\n*** SKIPPING: ${dir} is missing. Install with apt-get install ${pkg}. CI runs these tests. ***\n`);
  }
  return exists;
}
