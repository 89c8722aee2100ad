// Source scans for tests that pin a rule across the whole product (no copy of a helper, no CLI
// flag in a library's errors): every line of every packages/*/src/**/*.ts file.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

export interface SourceLine {
  /** The package's directory name under packages/. */
  readonly pkg: string;
  /** `packages/<pkg>/src/<file>:<line>`, for a failure message. */
  readonly where: string;
  readonly text: string;
}

/** Every line of the TypeScript sources under `root`/packages/<pkg>/src, package by package. */
export function* packageSourceLines(root: string): Generator<SourceLine> {
  for (const pkg of readdirSync(path.join(root, 'packages'), { withFileTypes: true })) {
    if (!pkg.isDirectory()) continue;
    const src = path.join(root, 'packages', pkg.name, 'src');
    let files: string[];
    try {
      files = readdirSync(src, { recursive: true }).map(String).filter((f) => f.endsWith('.ts')).sort();
    } catch {
      continue;
    }
    for (const f of files) {
      const lines = readFileSync(path.join(src, f), 'utf8').split('\n');
      for (let i = 0; i < lines.length; i++) yield { pkg: pkg.name, where: `packages/${pkg.name}/src/${f}:${i + 1}`, text: lines[i]! };
    }
  }
}
